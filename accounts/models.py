from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, email_confirmed=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account in one council (or a platform operator in the public schema).

    Accounts are per council: the same email at two councils is two unrelated accounts.
    """

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Set when the resident proved the number with an SMS code; cleared when the number changes.
    phone_confirmed_at = models.DateTimeField(_("phone confirmed"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=5, blank=True, choices=[("fr", "Français"), ("en", "English")]
    )
    email_confirmed = models.BooleanField(_("email confirmed"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Django admin access: platform operators on the public host only.
    is_staff = models.BooleanField(_("platform operator"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def roles(self) -> frozenset[str]:
        """The staff roles this user holds (empty for a resident)."""
        if not self.is_authenticated or not self.is_active:
            return frozenset()
        return frozenset(self.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))

    @property
    def is_council_staff(self) -> bool:
        return bool(self.roles)

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles.intersection(str(r) for r in roles))
