from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.portal import PortalSection, register
        from accounts.roles import Role
        from accounts.site_menu import MenuEntry
        from accounts.site_menu import register as menu_register
        from core import privacy

        from .dashboard import register_panels as register_dashboard_panels
        from .group_buys import tasks  # noqa: F401  (registers the group buys' Celery tasks)
        from .group_buys.selectors import GROUP_BUY_STAFF_ROLES, PARTNER_STAFF_ROLES
        from .group_buys.services import group_buys_erase, group_buys_export
        from .mutual_aid.services import MODERATOR_ROLES, mutual_aid_erase, mutual_aid_export
        from .selectors import VERIFIER_ROLES
        from .services.privacy import community_erase, community_export

        privacy.register("community", exporter=community_export, eraser=community_erase)
        register_dashboard_panels()
        privacy.register("mutual_aid", exporter=mutual_aid_export, eraser=mutual_aid_erase)
        register(
            PortalSection(
                _("Mutual aid"), "community_staff:mutual_aid:queue", MODERATOR_ROLES, order=30
            )
        )
        register(
            PortalSection(
                _("Mutual aid figures"),
                "community_staff:mutual_aid:figures",
                (Role.COUNCIL_ADMIN, Role.MODERATOR, Role.ELECTED_OFFICIAL),
                order=31,
            )
        )
        register(
            PortalSection(
                _("Mutual aid categories"),
                "community_staff:mutual_aid:categories",
                (Role.COUNCIL_ADMIN,),
                order=81,
            )
        )
        menu_register(MenuEntry(_("My address"), "community:verify", "account", order=20))
        menu_register(MenuEntry(_("My phone number"), "community:phone", "account", order=25))
        menu_register(MenuEntry(_("My data"), "community:my_data", "account", order=90))
        privacy.register("group_buys", exporter=group_buys_export, eraser=group_buys_erase)
        register(
            PortalSection(
                _("Group buys"), "community_staff:group_buys", GROUP_BUY_STAFF_ROLES, order=40
            )
        )
        register(
            PortalSection(_("Partners"), "community_staff:partners", PARTNER_STAFF_ROLES, order=41)
        )
        register(
            PortalSection(_("Verification"), "community_staff:queue", VERIFIER_ROLES, order=20)
        )
        register(
            PortalSection(_("Residents"), "community_staff:residents", VERIFIER_ROLES, order=21)
        )
        register(PortalSection(_("Postcards"), "community_staff:batches", VERIFIER_ROLES, order=22))
        register(
            PortalSection(
                _("Neighbourhoods"),
                "community_staff:neighbourhoods",
                (Role.COUNCIL_ADMIN,),
                order=80,
            )
        )
        register(
            PortalSection(
                _("Verification settings"),
                "community_staff:settings",
                (Role.COUNCIL_ADMIN,),
                order=96,
            )
        )
