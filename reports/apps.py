from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from accounts.portal import PortalSection, register

        from . import policy
        from . import tasks as report_tasks  # noqa: F401  (registers the tasks)
        from .dashboard import register_panels as register_dashboard_panels

        register(PortalSection(_("Reports"), "reports_staff:list", policy.REPORT_ROLES, order=60))
        register_dashboard_panels()
