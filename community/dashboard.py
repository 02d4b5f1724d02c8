"""Community's contributions to the staff dashboard (`accounts.dashboard`): the verification
queue for the staff who decide verifications, group buys and this year's savings for the
staff who run them, and verified residents among the key figures."""

from django.utils.translation import gettext_lazy as _

from accounts import dashboard

from . import selectors
from .group_buys import selectors as group_buy_selectors


def verification_panel(_user) -> dict[str, int]:
    return selectors.queue_counts()


def group_buys_panel(_user) -> dict:
    return {
        "open": group_buy_selectors.group_buys_for_staff("open").count(),
        "savings": group_buy_selectors.savings_this_year(),
    }


def community_key_figures() -> list[dashboard.KeyFigure]:
    return [dashboard.KeyFigure(_("Verified residents"), selectors.verified_resident_count())]


def register_panels() -> None:
    dashboard.register(
        dashboard.Panel(
            "verification",
            "community/staff/_dashboard_verification.html",
            verification_panel,
            selectors.VERIFIER_ROLES,
            order=20,
        )
    )
    dashboard.register(
        dashboard.Panel(
            "group-buys",
            "community/group_buys/_dashboard_card.html",
            group_buys_panel,
            group_buy_selectors.GROUP_BUY_STAFF_ROLES,
            order=40,
        )
    )
    dashboard.register_key_figures(
        dashboard.KeyFigures("community", community_key_figures, order=10)
    )
