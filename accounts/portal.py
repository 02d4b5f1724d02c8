"""The staff portal's navigation. Each app registers its sections from its AppConfig.ready();
a section is shown to the roles it names."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from .roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class PortalSection:
    label: str | Promise
    url_name: str
    roles: tuple[str, ...] = STAFF_ROLES
    order: int = 50


_SECTIONS: list[PortalSection] = []


def register(section: PortalSection) -> None:
    if section not in _SECTIONS:
        _SECTIONS.append(section)
        _SECTIONS.sort(key=lambda s: s.order)


def sections_for(user) -> list[dict]:
    return [
        {"label": s.label, "url": reverse(s.url_name), "url_name": s.url_name}
        for s in _SECTIONS
        if user.has_role(*s.roles)
    ]


def register_core_sections() -> None:
    from django.utils.translation import gettext_lazy as _

    register(PortalSection(_("Dashboard"), "staff:dashboard", order=0))
    register(PortalSection(_("Staff"), "staff:members", (Role.COUNCIL_ADMIN,), order=90))
    register(
        PortalSection(
            _("Council settings"), "staff:council_settings", (Role.COUNCIL_ADMIN,), order=95
        )
    )
    register(PortalSection(_("Audit log"), "staff:audit_log", (Role.COUNCIL_ADMIN,), order=99))
