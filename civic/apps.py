from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("Street reports")

    def ready(self) -> None:
        from accounts.portal import PortalSection, register
        from accounts.roles import Role
        from accounts.site_menu import MenuEntry
        from accounts.site_menu import register as menu_register
        from core import privacy

        from .consultations import policy as consultation_policy
        from .consultations import services as consultation_services
        from .consultations import tasks as consultation_tasks  # noqa: F401  (registers the tasks)
        from .dashboard import register_panels as register_dashboard_panels
        from .policy import TRIAGE_ROLES
        from .services.privacy import civic_erase, civic_export

        privacy.register("civic", exporter=civic_export, eraser=civic_erase)
        register_dashboard_panels()
        register(PortalSection(_("Street reports"), "civic_staff:triage", TRIAGE_ROLES, order=20))
        menu_register(MenuEntry(_("Report a problem"), "civic:report_new", order=10))
        menu_register(MenuEntry(_("Reports near me"), "civic:report_map", order=20))
        menu_register(MenuEntry(_("My reports"), "civic:my_reports", "account", order=40))
        register(
            PortalSection(
                _("Report categories"), "civic_staff:categories", (Role.COUNCIL_ADMIN,), order=80
            )
        )
        register(
            PortalSection(
                _("Open311 keys"), "civic_staff:api_keys", (Role.COUNCIL_ADMIN,), order=85
            )
        )
        register(
            PortalSection(
                _("Consultations"),
                "civic_staff:consultations:list",
                consultation_policy.STAFF_ROLES,
                order=30,
            )
        )
        privacy.register(
            "consultations",
            exporter=consultation_services.personal_data_export,
            eraser=consultation_services.personal_data_erase,
        )
