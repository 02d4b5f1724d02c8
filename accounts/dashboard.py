"""The staff dashboard's panels. Accounts sits below the apps whose figures the dashboard shows
(civic, community, alerts, reports), so it never imports them: each app registers its panels
and its key figures from its AppConfig.ready(), the way it registers its portal sections.

A panel is shown to the roles it names; its `figures(user)` reads through the app's selectors
(a few aggregate queries, never one per row) and may return None to stay hidden (e.g. an agent
in no team). Key figures are the council at a glance for admins and elected officials: one
small panel fed by every app's `KeyFigures` contribution."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role

# Who sees the council at a glance.
KEY_FIGURE_ROLES = (Role.COUNCIL_ADMIN, Role.ELECTED_OFFICIAL)


@dataclass(frozen=True)
class Panel:
    name: str  # stable: the section's id in the page
    template: str
    figures: Callable[[Any], Any]  # (user) -> what the template reads as `data`, or None
    roles: tuple[str, ...] = STAFF_ROLES
    order: int = 50


@dataclass(frozen=True)
class KeyFigure:
    label: str | Promise
    value: Any
    url: str = ""


@dataclass(frozen=True)
class KeyFigures:
    """An app's contribution to the key figures panel."""

    name: str
    figures: Callable[[], list[KeyFigure]]
    order: int = 50


_PANELS: list[Panel] = []
_KEY_FIGURES: list[KeyFigures] = []


def register(panel: Panel) -> None:
    if all(p.name != panel.name for p in _PANELS):
        _PANELS.append(panel)
        _PANELS.sort(key=lambda p: (p.order, p.name))


def register_key_figures(contribution: KeyFigures) -> None:
    if all(c.name != contribution.name for c in _KEY_FIGURES):
        _KEY_FIGURES.append(contribution)
        _KEY_FIGURES.sort(key=lambda c: (c.order, c.name))


def panels_for(user) -> list[dict]:
    """The panels `user` sees, in order, each with its figures."""
    shown = []
    for panel in _PANELS:
        if not user.has_role(*panel.roles):
            continue
        data = panel.figures(user)
        if data is not None:
            shown.append({"name": panel.name, "template": panel.template, "data": data})
    return shown


def key_figures(_user=None) -> list[KeyFigure]:
    figures: list[KeyFigure] = []
    for contribution in _KEY_FIGURES:
        figures += contribution.figures()
    return figures


def register_core_panels() -> None:
    from . import selectors

    register(
        Panel(
            "key-figures",
            "staff/_dashboard_key_figures.html",
            key_figures,
            KEY_FIGURE_ROLES,
            order=1,
        )
    )

    def accounts_figures() -> list[KeyFigure]:
        counts = selectors.user_counts()
        return [KeyFigure(_("Active accounts"), counts["active"])]

    register_key_figures(KeyFigures("accounts", accounts_figures, order=0))
