from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from accounts.portal import PortalSection, register
        from accounts.site_menu import MenuEntry
        from accounts.site_menu import register as menu_register
        from core import privacy

        from .dashboard import register_panels as register_dashboard_panels
        from .policy import ALERT_ROLES, SETTINGS_ROLES
        from .services.privacy import alerts_erase, alerts_export

        privacy.register("alerts", exporter=alerts_export, eraser=alerts_erase)
        register_dashboard_panels()
        register(PortalSection(_("Alerts"), "alerts_staff:list", ALERT_ROLES, order=30))
        menu_register(MenuEntry(_("Alerts"), "alerts:list", order=30))
        menu_register(MenuEntry(_("My alerts by SMS"), "alerts:subscription", "account", order=30))
        register(
            PortalSection(_("Alert settings"), "alerts_staff:settings", SETTINGS_ROLES, order=92)
        )
