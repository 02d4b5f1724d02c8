from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from accounts.portal import PortalSection, register
        from accounts.roles import Role

        register(
            PortalSection(
                _("Alerts"),
                "alerts_staff:list",
                (Role.COMMUNICATIONS_OFFICER, Role.COUNCIL_ADMIN),
                order=30,
            )
        )
        register(
            PortalSection(
                _("Alert settings"), "alerts_staff:settings", (Role.COUNCIL_ADMIN,), order=92
            )
        )
