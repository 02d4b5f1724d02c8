"""Account writes: sign-up, confirmation, staff management, deletion, login throttling."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core import ratelimit
from core.phones import phone_parse
from tenants.models import current_council, tenant_connection

from .models import User
from .roles import STAFF_ROLES, Role

CONFIRM_SALT = "accounts.email-confirmation"


def _council_url(view_name: str, args: list | None = None) -> str:
    """An absolute link into the current council's site (also from the platform host, whose
    URLconf has no council pages)."""
    path = reverse(view_name, args=args, urlconf=settings.ROOT_URLCONF)
    return current_council().base_url() + path


def _send(user: User, subject: Callable[[], str], template: str, context: dict) -> None:
    """Email one user in their language (falling back to the council's). `subject` is called
    once that language is active."""
    council = current_council()
    with translation.override(user.language or council.default_language):
        context = {"user": user, "council": council, **context}
        send_mail(
            subject=subject(),
            message=render_to_string(template, context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )


def email_normalise(email: str) -> str:
    return get_user_model().objects.normalize_email(email.strip()).lower()


# --- residents -------------------------------------------------------------------------------


@transaction.atomic
def user_sign_up(*, full_name: str, email: str, password: str, language: str = "") -> User:
    email = email_normalise(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": _("An account with this email already exists.")})
    user = User.objects.create_user(email, password, full_name=full_name.strip(), language=language)
    _enqueue_confirmation(user)
    return user


def _enqueue_confirmation(user: User) -> None:
    from .tasks import send_email_confirmation

    transaction.on_commit(lambda: send_email_confirmation.delay(user.pk))


def email_confirmation_token(user: User) -> str:
    # The token names the schema and the address, so it only confirms this address at this council.
    return signing.dumps(
        {"u": user.pk, "e": user.email, "s": tenant_connection().schema_name}, salt=CONFIRM_SALT
    )


def email_confirmation_send(*, user: User) -> None:
    link = _council_url("accounts:confirm_email", args=[email_confirmation_token(user)])
    _send(
        user, lambda: _("Confirm your email address"), "accounts/email/confirm.txt", {"link": link}
    )


@transaction.atomic
def email_confirm(*, token: str) -> User:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This confirmation link has expired. Ask for a new one.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This confirmation link is not valid.")) from exc
    user = User.objects.filter(pk=data["u"], email=data["e"]).first()
    if data.get("s") != tenant_connection().schema_name or user is None:
        raise ValidationError(_("This confirmation link is not valid."))
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


def phone_normalised(raw: str) -> str:
    """The number in E.164, read in the council's phone region ("" when none is given): the
    form `User.phone` is always stored in. ValidationError on the phone field otherwise."""
    if not (raw or "").strip():
        return ""
    try:
        return phone_parse(raw)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}, code="bad_phone") from error


@transaction.atomic
def profile_update(*, user: User, full_name: str, email: str, phone: str, language: str) -> User:
    email = email_normalise(email)
    if email != user.email:
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("An account with this email already exists.")})
        user.email = email
        user.email_confirmed = False
        _enqueue_confirmation(user)
    user.full_name = full_name.strip()
    phone = phone_normalised(phone)
    if phone != user.phone:
        user.phone_confirmed_at = None
    user.phone = phone
    user.language = language
    user.save()
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """The resident's own deletion. Apps that keep records other residents rely on (reports,
    votes) point at users with on_delete=SET_NULL and keep the record without the person.
    Apps' erasers (core.privacy registry) run first: private files, personal data."""
    from core.privacy import personal_data_erase

    personal_data_erase(user)
    user.delete()


# --- staff -----------------------------------------------------------------------------------


def _check_roles(roles: list[str]) -> list[str]:
    unknown = set(roles) - set(STAFF_ROLES)
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    return roles


@transaction.atomic
def staff_member_create(
    *, email: str, full_name: str, roles: list[str], password: str | None = None
) -> User:
    """A staff account, or roles added to an existing account with that email."""
    roles = _check_roles(roles)
    email = email_normalise(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name, email_confirmed=True)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


@transaction.atomic
def staff_member_invite(*, invited_by: User, email: str, full_name: str, roles: list[str]) -> User:
    """Create (or promote) an account and email a link to choose a password."""
    from .tasks import send_staff_invitation

    user = staff_member_create(email=email, full_name=full_name, roles=roles)
    transaction.on_commit(lambda: send_staff_invitation.delay(user.pk, invited_by.pk))
    return user


def password_setup_link(user: User) -> str:
    """A one-time link to choose a password (Django's reset token: void once the password is set
    or after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return _council_url("accounts:password_reset_confirm", args=[uid, token])


def staff_invitation_send(*, user: User, invited_by: User | None) -> None:
    link = (
        password_setup_link(user)
        if not user.has_usable_password()
        else _council_url("accounts:login")
    )
    _send(
        user,
        lambda: (
            _("You have been invited to %(council)s's staff portal")
            % {"council": current_council().name}
        ),
        "accounts/email/staff_invitation.txt",
        {"link": link, "invited_by": invited_by},
    )


@transaction.atomic
def staff_roles_set(*, acting: User, user: User, roles: list[str]) -> User:
    roles = _check_roles(roles)
    if user == acting and Role.COUNCIL_ADMIN not in roles:
        raise ValidationError(_("You cannot remove your own council admin role."))
    staff_groups = Group.objects.filter(name__in=STAFF_ROLES)
    user.groups.remove(*staff_groups.exclude(name__in=roles))
    user.groups.add(*staff_groups.filter(name__in=roles))
    user.__dict__.pop("roles", None)
    return user


@transaction.atomic
def user_set_active(*, acting: User, user: User, active: bool) -> User:
    if user == acting and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        # Its sessions stop authenticating at once (ModelBackend refuses inactive users on every
        # request), so no scan of the session table is needed; its API tokens are deleted so a
        # reactivation does not revive tokens handed out before.
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()
    return user


# --- login throttling ------------------------------------------------------------------------


def _failure_keys(email: str, ip: str) -> list[str]:
    return [f"login-failures:email:{email_normalise(email)}", f"login-failures:ip:{ip}"]


def login_is_locked(*, email: str, ip: str) -> bool:
    """True when this email, or this address, had too many failed logins in the window.
    The counts are in Redis under the council's key space: a lock at one council does not lock
    the same email at another."""
    limit = settings.LOGIN_MAX_FAILURES
    email_key, ip_key = _failure_keys(email, ip)
    # An address gets more room than an account: several residents share a town-hall network.
    return ratelimit.over(email_key, limit=limit) or ratelimit.over(ip_key, limit=limit * 4)


def login_failure_record(*, email: str, ip: str) -> None:
    for key in _failure_keys(email, ip):
        ratelimit.hit(key, window=settings.LOGIN_LOCKOUT_SECONDS)


def login_failures_clear(*, email: str) -> None:
    ratelimit.reset(_failure_keys(email, "")[0])


def random_password() -> str:
    return get_random_string(32)
