"""Council provisioning: the only way councils and domains are created outside the admin."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists, tenant_context

from .models import SLUG_VALIDATOR, Council, Domain, tenant_connection


@dataclass(frozen=True)
class ProvisionedCouncil:
    council: Council
    admin_email: str
    # Set when no password was given: a one-time link for the first admin to choose one.
    set_password_url: str | None


def platform_ensure_public() -> Council:
    """The public tenant (platform host) and the council template schema, created once."""
    public, _created = Council.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"name": "Commune", "slug": "public", "is_template": True},
    )
    Domain.objects.get_or_create(
        domain=settings.PUBLIC_HOST, defaults={"tenant": public, "is_primary": True}
    )
    template_schema = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template_schema):
        # The template is itself a (hidden, inactive) council: migrate_schemas keeps it migrated,
        # and new councils are cloned from it (see TENANT_BASE_SCHEMA in settings).
        Council.objects.filter(schema_name=template_schema).delete()
        Council(
            schema_name=template_schema,
            name="Template",
            slug="council-template",
            is_active=False,
            is_template=True,
        ).save(verbosity=0)
    return public


def council_names_check(*, slug: str, domains: list[str]) -> None:
    """ValidationError with a message for the operator when the slug or a domain is unusable."""
    SLUG_VALIDATOR(slug)
    if slug.replace("-", "_") == settings.TENANT_BASE_SCHEMA or slug == "public":
        raise ValidationError(_("The slug “%(slug)s” is reserved.") % {"slug": slug})
    if Council.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A council with the slug “%(slug)s” already exists.") % {"slug": slug}
        )
    taken = list(Domain.objects.filter(domain__in=domains).values_list("domain", flat=True))
    if taken:
        raise ValidationError(
            _("The domain %(domains)s is already in use.") % {"domains": ", ".join(taken)}
        )


def council_create(
    *,
    slug: str,
    name: str,
    domains: list[str],
    admin_email: str,
    admin_password: str | None = None,
    default_language: str = "fr",
    timezone: str = "Europe/Paris",
    contact_email: str = "",
) -> ProvisionedCouncil:
    """Create a council: its schema (cloned from the template), its domains (the first is
    primary) and its first council-admin account.

    Raises ValidationError with a message for the operator when the slug or a domain is taken.
    """
    from accounts.services import password_setup_link, staff_member_create

    domains = [d.strip().lower() for d in domains if d.strip()]
    if not domains:
        raise ValidationError(_("A council needs at least one domain."))
    council_names_check(slug=slug, domains=domains)
    platform_ensure_public()

    with transaction.atomic():
        council = Council(
            schema_name=slug.replace("-", "_"),
            slug=slug,
            name=name,
            default_language=default_language,
            languages=["fr", "en"],
            timezone=timezone,
            contact_email=contact_email or admin_email,
        )
        council.full_clean(exclude=["schema_name"])
        council.save(verbosity=0)
        for position, host in enumerate(domains):
            Domain.objects.create(tenant=council, domain=host, is_primary=position == 0)

        with tenant_context(council):
            admin = staff_member_create(
                email=admin_email,
                full_name=_("Council administrator"),
                roles=["council_admin"],
                password=admin_password,
            )
            link = None if admin_password else password_setup_link(admin)
    tenant_connection().set_schema_to_public()
    from .tasks import refill_spare_schemas

    transaction.on_commit(refill_spare_schemas.delay)
    return ProvisionedCouncil(council=council, admin_email=admin_email, set_password_url=link)


@transaction.atomic
def council_update(*, council: Council, **fields) -> Council:
    """Edit a council's own settings (from its staff portal or the platform admin)."""
    for name, value in fields.items():
        setattr(council, name, value)
    council.full_clean()
    council.save()
    return council
