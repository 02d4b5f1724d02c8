"""Reads of street reports, each applying who may see what."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.params import parse_int

from . import geo, policy
from .models import (
    OPEN_STATUSES,
    Category,
    IssueReport,
    Open311ApiKey,
    Question,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
    Status,
    Team,
)

DUPLICATE_RADIUS_M = 50
CLOSED_STATUSES = tuple(s for s in Status if s not in OPEN_STATUSES)


def categories_active() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True).select_related("team").prefetch_related("questions")
    )


def categories_all() -> QuerySet[Category]:
    return Category.objects.select_related("team").prefetch_related("questions")


def teams() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members", "categories")


def api_keys() -> QuerySet[Open311ApiKey]:
    return Open311ApiKey.objects.select_related("created_by")


def _visible_photos() -> Prefetch:
    return Prefetch(
        "photos", queryset=ReportPhoto.objects.filter(is_hidden=False), to_attr="visible_photos"
    )


def reports_public() -> QuerySet[IssueReport]:
    """Every report as the public sees it: callers must show `public_title`/`public_description`
    and `visible_photos` only."""
    return IssueReport.objects.select_related("category", "reporter")


# The status filter's values besides the statuses themselves.
STATUS_OPEN, STATUS_CLOSED, STATUS_ALL = "open", "closed", "all"


def _query_int(query: Mapping[str, Any], name: str) -> int | None:
    return parse_int(query.get(name))


def public_status_options() -> list[tuple[str, str]]:
    """The public status filter's options: all, open, closed, then each status."""
    return [
        ("", _("All")),
        (STATUS_OPEN, _("Open")),
        (STATUS_CLOSED, _("Fixed or closed")),
        *_status_choices(),
    ]


def triage_status_options() -> list[tuple[str, str]]:
    """The staff queue's status filter: open (the default), all, closed, then each status."""
    return [
        (STATUS_OPEN, _("Open")),
        (STATUS_ALL, _("All")),
        (STATUS_CLOSED, _("Fixed or closed")),
        *_status_choices(),
    ]


def _status_choices() -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in Status]


def _status_filter(qs: QuerySet[IssueReport], status: str) -> QuerySet[IssueReport]:
    if status == STATUS_OPEN:
        return qs.filter(status__in=OPEN_STATUSES)
    if status == STATUS_CLOSED:
        return qs.filter(status__in=CLOSED_STATUSES)
    if status in Status.values:
        return qs.filter(status=status)
    return qs


@dataclass(frozen=True)
class PublicFilters:
    """The public list's and map's filters, parsed once from the query string."""

    status: str = ""  # "", "open", "closed" or a status value
    category: int | None = None
    neighbourhood: int | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Self:
        return cls(
            status=str(query.get("status") or ""),
            category=_query_int(query, "category"),
            neighbourhood=_query_int(query, "neighbourhood"),
        )


def reports_public_filtered(filters: PublicFilters) -> QuerySet[IssueReport]:
    qs = _status_filter(reports_public(), filters.status)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.neighbourhood:
        qs = qs.filter(neighbourhood_id=filters.neighbourhood)
    return qs


def reports_page(
    qs: QuerySet[IssueReport], *, before: int | None, size: int
) -> tuple[list[IssueReport], int | None]:
    """A page of newest-first reports and the id to pass as `before` for the next page (keyset
    pagination: constant cost however deep the page, no COUNT over the whole table)."""
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk").prefetch_related(_visible_photos())[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)


def report_public_detail(pk: int) -> IssueReport:
    return (
        IssueReport.objects.select_related("category", "reporter", "duplicate_of")
        .prefetch_related(_visible_photos())
        .get(pk=pk)
    )


def report_timeline(report: IssueReport) -> QuerySet[ReportEvent]:
    return report.events.filter(is_public=True).select_related("actor")


def report_history(report: IssueReport) -> QuerySet[ReportEvent]:
    """Every event, public or not, for staff."""
    return report.events.select_related("actor")


def reports_nearby(
    *,
    category: Category | int,
    latitude: float,
    longitude: float,
    radius_m: float = DUPLICATE_RADIUS_M,
    limit: int = 10,
) -> list[IssueReport]:
    """Open reports of the same category within `radius_m`, nearest first, each with
    `.distance` in metres."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(latitude, longitude, radius_m)
    category_id = category if isinstance(category, int) else category.pk
    return list(
        IssueReport.objects.filter(
            category_id=category_id,
            status__in=OPEN_STATUSES,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
        )
        .annotate(distance=geo.distance_expression(latitude, longitude))
        .filter(distance__lte=radius_m)
        .select_related("category")
        .order_by("distance")[:limit]
    )


def reports_in_bbox(
    qs: QuerySet[IssueReport], bbox: tuple[float, float, float, float] | None
) -> QuerySet[IssueReport]:
    """bbox = (min_lon, min_lat, max_lon, max_lat), as in GeoJSON."""
    qs = qs.filter(latitude__isnull=False, longitude__isnull=False)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon))
    return qs


# --- staff -----------------------------------------------------------------------------------


def reports_for_staff(user) -> QuerySet[IssueReport]:
    """The reports a staff member may see and act on: all of them for admins and moderators,
    those of their teams' categories for agents, none for anyone else."""
    qs = IssueReport.objects.select_related("category", "assignee", "neighbourhood", "reporter")
    if policy.sees_all_reports(user):
        return qs
    if policy.may_triage(user):
        return qs.filter(category_id__in=policy.team_category_ids(user))
    return qs.none()


@dataclass(frozen=True)
class TriageFilters:
    """The staff queue's filters (page, map, CSV export and API), parsed once from the query
    string."""

    status: str = STATUS_OPEN  # "open", "all", "closed" or a status value
    category: int | None = None
    neighbourhood: int | None = None
    overdue: bool = False
    assignee: str = ""  # "", "me", "none" or a user id
    search: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Self:
        return cls(
            status=str(query.get("status") or STATUS_OPEN),
            category=_query_int(query, "category"),
            neighbourhood=_query_int(query, "neighbourhood"),
            overdue=query.get("overdue") in ("1", "true"),
            assignee=str(query.get("assignee") or ""),
            search=str(query.get("q") or "")[:100],
        )


def reports_triage(user, filters: TriageFilters) -> QuerySet[IssueReport]:
    qs = _status_filter(reports_for_staff(user), filters.status)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.neighbourhood:
        qs = qs.filter(neighbourhood_id=filters.neighbourhood)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := parse_int(filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if filters.search:
        term = filters.search.strip().lstrip("#")
        number = parse_int(term)
        qs = qs.filter(
            Q(pk=number)
            if number is not None
            else Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(address__icontains=term)
        )
    return qs.order_by("due_at", "-pk") if filters.overdue else qs.order_by("-pk")


TRIAGE_COUNTS_SECONDS = 60


def triage_counts(user) -> dict[str, int]:
    """Open, overdue and unassigned reports in the staff member's scope (the SLA at a glance).

    Counting scans every open report of the scope (≈100 ms with 30,000 open reports), so the
    figures are cached for a minute per scope; the key carries the council's schema."""
    import hashlib

    from django.core.cache import cache
    from django.db.models import Count

    if policy.sees_all_reports(user):
        scope = "all"
    else:
        ids = ",".join(str(pk) for pk in sorted(policy.team_category_ids(user)))
        scope = hashlib.sha256(ids.encode()).hexdigest()[:16]
    key = f"civic:triage-counts:{scope}"
    counts = cache.get(key)
    if counts is None:
        counts = (
            reports_for_staff(user)
            .filter(status__in=OPEN_STATUSES)
            .aggregate(
                open=Count("pk"),
                overdue=Count("pk", filter=Q(due_at__lt=timezone.now())),
                unassigned=Count("pk", filter=Q(assignee__isnull=True)),
            )
        )
        cache.set(key, counts, TRIAGE_COUNTS_SECONDS)
    return counts


@dataclass(frozen=True)
class TeamFigures:
    team_id: int | None  # None: categories no team handles
    name: str
    new_today: int
    overdue: int
    open: int


def dashboard_teams(user) -> dict[str, Any] | None:
    """The staff dashboard's street reports per team: reports received today (the council's
    day), open ones past their due date, and all open ones. Agents get their own teams,
    admins and moderators every team (and a line for categories without a team, when it has
    reports), with the total. None for staff who do not triage, or agents in no team. Two
    queries: the teams, one GROUP BY."""
    from django.db.models import Count

    if not policy.may_triage(user):
        return None
    everyone = policy.sees_all_reports(user)
    teams = Team.objects.order_by("name")
    if not everyone:
        teams = teams.filter(members=user)
    names = dict(teams.values_list("pk", "name"))
    if not names and not everyone:
        return None
    scope = (
        IssueReport.objects.all()
        if everyone
        else IssueReport.objects.filter(category__team_id__in=list(names))
    )
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        scope.filter(Q(status__in=OPEN_STATUSES) | Q(created_at__gte=midnight))
        .values("category__team_id")
        .annotate(
            new_today=Count("pk", filter=Q(created_at__gte=midnight)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        )
        .order_by()
    )
    by_team: dict[int | None, tuple[int, int, int]] = {
        row["category__team_id"]: (row["new_today"], row["overdue"], row["open"]) for row in rows
    }
    figures = [TeamFigures(pk, name, *by_team.get(pk, (0, 0, 0))) for pk, name in names.items()]
    if None in by_team:
        figures.append(TeamFigures(None, _("No team"), *by_team[None]))
    total = {key: sum(getattr(f, key) for f in figures) for key in ("new_today", "overdue", "open")}
    return {"teams": figures, "total": total, "all_teams": everyone}


def assignable_staff(report: IssueReport | None = None):
    """Staff who may be given a report: admins and moderators, and agents of the category's
    team."""
    from accounts.models import User

    base = User.objects.filter(is_active=True)
    all_roles = Q(groups__name__in=policy.ALL_REPORTS_ROLES)
    if report is None:
        return base.filter(all_roles | Q(groups__name="agent")).distinct()
    agents = Q(groups__name="agent", civic_teams__categories=report.category_id)
    return base.filter(all_roles | agents).distinct().order_by("full_name")


def reports_of_resident(user) -> tuple[list[IssueReport], list[IssueReport]]:
    """(reports the resident made, other reports they follow), newest first."""
    mine = list(reports_public().filter(reporter=user).order_by("-pk")[:200])
    followed = list(
        reports_public().filter(followers__user=user).exclude(reporter=user).order_by("-pk")[:200]
    )
    return mine, followed


def report_followed_by(report: IssueReport, user) -> bool:
    if not user.is_authenticated:
        return False
    return ReportFollower.objects.filter(report=report, user=user).exists()


def report_counts() -> dict[str, int]:
    from django.db.models import Count

    return IssueReport.objects.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        fixed=Count("pk", filter=Q(status__in=(Status.FIXED, Status.CLOSED))),
    )


def report_counts_since(since: datetime) -> dict[str, int]:
    """Key figures: reports received since `since`, reports fixed since then, open and overdue
    now (one aggregate)."""
    from django.db.models import Count

    now = timezone.now()
    return IssueReport.objects.aggregate(
        received=Count("pk", filter=Q(created_at__gte=since)),
        fixed=Count(
            "pk",
            filter=Q(status__in=(Status.FIXED, Status.CLOSED), status_changed_at__gte=since),
        ),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
    )


def parse_datetime_param(value: str) -> datetime | None:
    from django.utils.dateparse import parse_date, parse_datetime

    value = (value or "").strip().replace(" ", "+")
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        parsed = datetime(day.year, day.month, day.day)  # noqa: DTZ001  (made aware below)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def report_answers_display(report: IssueReport) -> list[tuple[str, str]]:
    """The answers to the category's questions as staff read them: the question's label in the
    current language, the choice's name rather than its key, numbers and dates localised.
    An answer to a question since deleted keeps its code as label."""
    from django.utils.dateparse import parse_date
    from django.utils.formats import date_format, number_format

    questions = {q.code: q for q in report.category.questions.all()}
    shown: list[tuple[str, str]] = []
    for code, value in (report.answers or {}).items():
        question = questions.get(code)
        if question is None:
            shown.append((code, str(value)))
            continue
        names = dict(question.choice_items())
        values = value if isinstance(value, list) else [value]
        parts = []
        for item in values:
            if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                parts.append(names.get(str(item), str(item)))
            elif question.kind == Question.Kind.NUMBER and isinstance(item, int | float):
                parts.append(number_format(item, use_l10n=True))
            elif question.kind == Question.Kind.DATE and (day := parse_date(str(item))):
                parts.append(date_format(day, "DATE_FORMAT"))
            else:
                parts.append(str(item))
        shown.append((question.label, ", ".join(parts)))
    return shown
