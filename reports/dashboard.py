"""Reports' contribution to the staff dashboard (`accounts.dashboard`): the latest PDF reports
for the people who present or read them (elected officials above all)."""

from accounts import dashboard

from . import policy, selectors

LATEST = 5


def reports_panel(user) -> list:
    return list(selectors.reports_visible_to(user)[:LATEST])


def register_panels() -> None:
    dashboard.register(
        dashboard.Panel(
            "reports",
            "reports/staff/_dashboard_card.html",
            reports_panel,
            policy.REPORT_ROLES,
            order=5,
        )
    )
