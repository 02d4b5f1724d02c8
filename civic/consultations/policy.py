"""Who may do what with consultations. Every check of the feature goes through these."""

from accounts.roles import Role

# Create, edit, schedule, close, publish results and outcomes, enter paper ballots.
MANAGE_ROLES = (Role.COUNCIL_ADMIN, Role.COMMUNICATIONS_OFFICER)
# Read everything, results included before they are public.
READ_ROLES = (*MANAGE_ROLES, Role.ELECTED_OFFICIAL)
# Publish or hide free-text answers, tag them with themes.
MODERATE_ROLES = (*MANAGE_ROLES, Role.MODERATOR)
STAFF_ROLES = (*READ_ROLES, Role.MODERATOR)


def _has(user, roles) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*roles))


def may_manage(user) -> bool:
    return _has(user, MANAGE_ROLES)


def may_read_all(user) -> bool:
    return _has(user, READ_ROLES)


def may_moderate(user) -> bool:
    return _has(user, MODERATE_ROLES)


def is_consultation_staff(user) -> bool:
    return _has(user, STAFF_ROLES)
