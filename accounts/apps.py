from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .portal import register_core_sections
        from .site_menu import register_account_entries

        register_core_sections()
        register_account_entries()
