"""Who may do what with street reports. Every check of the app goes through these functions."""

from accounts.roles import Role

TRIAGE_ROLES = (Role.COUNCIL_ADMIN, Role.MODERATOR, Role.AGENT)
ALL_REPORTS_ROLES = (Role.COUNCIL_ADMIN, Role.MODERATOR)


def report_refusal(user) -> str | None:
    """Why `user` may not submit a report ("email" or "verification"), or None when they may:
    a signed-in, active account with a confirmed email, and a verified address when the council
    reserves reporting to verified residents (community settings)."""
    from community.selectors import may_use

    if not (user and user.is_authenticated and user.is_active and user.email_confirmed):
        return "email"
    if not may_use(user, "report_issue"):
        return "verification"
    return None


def may_report(user) -> bool:
    return report_refusal(user) is None


def may_triage(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*TRIAGE_ROLES))


def sees_all_reports(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*ALL_REPORTS_ROLES))


def team_category_ids(user) -> set[int]:
    """The categories handled by the teams `user` belongs to (cached on the user object)."""
    cached = getattr(user, "_civic_category_ids", None)
    if cached is None:
        from .models import Category

        cached = set(Category.objects.filter(team__members=user).values_list("pk", flat=True))
        user._civic_category_ids = cached
    return cached


def may_act_on(user, report) -> bool:
    """Staff action on one report: admins and moderators on every report, agents on the reports
    of their teams' categories only."""
    if sees_all_reports(user):
        return True
    return bool(
        user
        and user.is_authenticated
        and user.has_role(Role.AGENT)
        and report.category_id in team_category_ids(user)
    )


def may_moderate(user) -> bool:
    """Hide or show photos and text."""
    return sees_all_reports(user)


def may_manage(user) -> bool:
    """Categories, teams, API keys, map settings."""
    return bool(user and user.is_authenticated and user.has_role(Role.COUNCIL_ADMIN))
