"""The roles of a council. Each is a Group created in every council's schema by a migration."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    COUNCIL_ADMIN = "council_admin"
    MODERATOR = "moderator"
    AGENT = "agent"
    COMMUNICATIONS_OFFICER = "communications_officer"
    ELECTED_OFFICIAL = "elected_official"


ROLE_LABELS = {
    Role.COUNCIL_ADMIN: _("Council admin"),
    Role.MODERATOR: _("Moderator"),
    Role.AGENT: _("Agent"),
    Role.COMMUNICATIONS_OFFICER: _("Communications officer"),
    Role.ELECTED_OFFICIAL: _("Elected official"),
}
STAFF_ROLES = tuple(Role)
