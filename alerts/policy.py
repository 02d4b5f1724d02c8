"""Who may do what with alerts. Views use these roles to hide pages; services check them again,
so a service called from anywhere (API, command, another app) refuses the wrong person."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role

# Compose, approve, test and send alerts, updates and cancellations.
ALERT_ROLES = (Role.COMMUNICATIONS_OFFICER, Role.COUNCIL_ADMIN)
# Sending rate, budget, approval rule and the council's Twilio account.
SETTINGS_ROLES = (Role.COUNCIL_ADMIN,)


def _has_role(user: User | None, roles: tuple[Role, ...]) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(*roles))


def may_alert(user: User | None) -> bool:
    return _has_role(user, ALERT_ROLES)


def may_configure(user: User | None) -> bool:
    return _has_role(user, SETTINGS_ROLES)


def alert_role_check(user: User | None) -> None:
    """PermissionDenied unless `user` is a communications officer or a council admin."""
    if not may_alert(user):
        raise PermissionDenied(_("Only communications officers and council admins send alerts."))


def settings_role_check(user: User | None) -> None:
    """PermissionDenied unless `user` is a council admin."""
    if not may_configure(user):
        raise PermissionDenied(_("Only council admins change the alert settings."))
