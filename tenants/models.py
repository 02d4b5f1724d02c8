from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9-]{1,46}[a-z0-9]$",
    _("Use 3 to 48 lower-case letters, digits and hyphens, starting with a letter."),
)
COLOUR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1d4ed8."))
TIMEZONE_CHOICES = [
    (tz, tz)
    for tz in (
        "Europe/Paris",
        "Europe/Brussels",
        "Europe/Luxembourg",
        "Europe/Zurich",
        "Europe/London",
        "Europe/Dublin",
        "America/Montreal",
        "Indian/Reunion",
        "America/Guadeloupe",
        "America/Martinique",
        "America/Cayenne",
        "Indian/Mayotte",
        "Pacific/Noumea",
        "Pacific/Tahiti",
        "UTC",
    )
]
# Where national phone numbers written without a country code belong (ISO 3166 region codes
# as `phonenumbers` knows them): metropolitan France and the overseas departments and
# collectivities each have their own country calling code.
PHONE_REGION_CHOICES = [
    ("FR", _("France (metropolitan)")),
    ("RE", _("La Réunion")),
    ("GP", _("Guadeloupe")),
    ("MQ", _("Martinique")),
    ("GF", _("French Guiana")),
    ("YT", _("Mayotte")),
    ("PM", _("Saint Pierre and Miquelon")),
    ("BL", _("Saint Barthélemy")),
    ("MF", _("Saint Martin")),
    ("WF", _("Wallis and Futuna")),
    ("NC", _("New Caledonia")),
    ("PF", _("French Polynesia")),
    ("BE", _("Belgium")),
    ("LU", _("Luxembourg")),
    ("CH", _("Switzerland")),
    ("MC", _("Monaco")),
    ("GB", _("United Kingdom")),
    ("IE", _("Ireland")),
    ("CA", _("Canada")),
]


class Council(TenantMixin):
    """A local authority; its data lives in the PostgreSQL schema named after its slug."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.CharField(_("slug"), max_length=48, unique=True, validators=[SLUG_VALIDATOR])
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1d4ed8", validators=[COLOUR_VALIDATOR]
    )
    default_language = models.CharField(
        _("default language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    # The languages the council's site offers; the default language is always among them.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    timezone = models.CharField(
        _("timezone"), max_length=64, choices=TIMEZONE_CHOICES, default="Europe/Paris"
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    phone_region = models.CharField(
        _("phone region"),
        max_length=2,
        choices=PHONE_REGION_CHOICES,
        default="FR",
        help_text=_("Phone numbers written without a country code are read as from this region."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("A suspended council's sites answer 503.")
    )
    is_template = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    auto_create_schema = True
    auto_drop_schema = True  # deleting a council (operators only, after export) drops its data
    clone_mode = "DATA"  # the template holds the role groups and content types every council needs

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Take a ready spare clone of the template (tenants/spares.py), or clone it now;
        migration records included either way.

        django-tenants follows a clone with `migrate --fake` over every migration; with
        clone_mode DATA the template's django_migrations rows come along, so that step only
        costs time (≈0.5 s) — and where the template lagged behind the code it would record
        migrations as applied without their tables. `migrate` keeps the template current."""
        base = self.get_base_schema() if settings.TENANT_CREATION_FAKES_MIGRATIONS else None
        if not (sync_schema and base and schema_exists(base)):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        from .clone import schema_clone
        from .spares import spare_take

        if not spare_take(self.schema_name):
            schema_clone(base, self.schema_name, self.clone_mode)
        return True

    @property
    def offered_languages(self) -> list[str]:
        known = [code for code, _name in settings.LANGUAGES]
        chosen = [code for code in self.languages if code in known]
        if self.default_language not in chosen:
            chosen.insert(0, self.default_language)
        return chosen

    def base_url(self) -> str:
        """The council's public address, for links in emails and printed material."""
        domain = self.get_primary_domain()
        host = domain.domain if domain else f"{self.slug}.{settings.PUBLIC_HOST}"
        port = f":{settings.PUBLIC_URL_PORT}" if settings.PUBLIC_URL_PORT else ""
        return f"{settings.PUBLIC_URL_SCHEME}://{host}{port}"


class Domain(DomainMixin):
    """A host name that reaches a council; exactly one per council is primary."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


def tenant_connection() -> "TenantDatabaseWrapper":
    """The default connection, typed as django-tenants' wrapper (schema_name, set_tenant…)."""
    from django.db import connection

    return cast("TenantDatabaseWrapper", connection)


def current_council() -> Council:
    """The council whose schema the connection is on (also under schema_context, which only
    knows the schema's name)."""
    connection = tenant_connection()
    tenant = connection.tenant
    if isinstance(tenant, Council):
        return tenant
    return Council.objects.get(schema_name=connection.schema_name)
