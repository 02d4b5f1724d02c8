"""Who may do what with reports. Every check of the feature goes through these."""

from accounts.roles import Role

# Request, follow and download reports: the people who present or read them.
REPORT_ROLES = (Role.COUNCIL_ADMIN, Role.COMMUNICATIONS_OFFICER, Role.ELECTED_OFFICIAL)


def may_use_reports(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*REPORT_ROLES))
