"""Alerts' contributions to the staff dashboard (`accounts.dashboard`): alerts in progress for
the staff who send them, and the number sent lately among the key figures."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import dashboard

from . import selectors
from .policy import ALERT_ROLES


def alerts_panel(_user) -> dict:
    return selectors.dashboard_alerts()


def alert_key_figures() -> list[dashboard.KeyFigure]:
    since = timezone.now() - datetime.timedelta(days=30)
    return [
        dashboard.KeyFigure(_("Alerts sent in the last 30 days"), selectors.sent_count_since(since))
    ]


def register_panels() -> None:
    dashboard.register(
        dashboard.Panel(
            "alerts", "alerts/staff/_dashboard_card.html", alerts_panel, ALERT_ROLES, order=30
        )
    )
    dashboard.register_key_figures(dashboard.KeyFigures("alerts", alert_key_figures, order=50))
