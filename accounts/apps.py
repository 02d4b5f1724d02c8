from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .dashboard import register_core_panels
        from .portal import register_core_sections
        from .site_menu import register_account_entries

        register_core_sections()
        register_core_panels()
        register_account_entries()
