"""Civic's contributions to the staff dashboard (`accounts.dashboard`): street reports per
team for the staff who triage, and the street and consultation key figures."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import dashboard

from . import policy, selectors
from .consultations import selectors as consultation_selectors

KEY_FIGURES_DAYS = 30


def street_key_figures() -> list[dashboard.KeyFigure]:
    since = timezone.now() - datetime.timedelta(days=KEY_FIGURES_DAYS)
    counts = selectors.report_counts_since(since)
    return [
        dashboard.KeyFigure(_("Street reports in the last 30 days"), counts["received"]),
        dashboard.KeyFigure(_("Fixed in the last 30 days"), counts["fixed"]),
        dashboard.KeyFigure(_("Open street reports"), counts["open"]),
        dashboard.KeyFigure(_("Overdue street reports"), counts["overdue"]),
    ]


def consultation_key_figures() -> list[dashboard.KeyFigure]:
    counts = consultation_selectors.open_consultation_counts()
    return [
        dashboard.KeyFigure(
            _("Consultations open"), counts["open"], reverse("civic_staff:consultations:list")
        ),
        dashboard.KeyFigure(_("Participants in open consultations"), counts["participants"]),
    ]


def register_panels() -> None:
    dashboard.register(
        dashboard.Panel(
            "civic-teams",
            "civic/staff/_dashboard_teams.html",
            selectors.dashboard_teams,
            policy.TRIAGE_ROLES,
            order=10,
        )
    )
    dashboard.register_key_figures(dashboard.KeyFigures("civic", street_key_figures, order=20))
    dashboard.register_key_figures(
        dashboard.KeyFigures("consultations", consultation_key_figures, order=30)
    )
