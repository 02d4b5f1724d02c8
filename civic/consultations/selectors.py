"""Reads of consultations, each applying who may see what.

Results are tallied in SQL (one GROUP BY over the answers of every ballot) and shaped here;
once a consultation is closed they are cached on it. Every neighbourhood cell under
`SUPPRESS_BELOW` ballots is suppressed (None) before anything leaves this module, for staff too.
"""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from community.models import Neighbourhood

from . import policy
from .models import (
    ANSWERED,
    CODE_OPTION,
    CODE_QUESTION,
    BallotMode,
    Channel,
    Consultation,
    ConsultationQuestion,
    ConsultationSubscription,
    Participation,
    Phase,
    QuestionKind,
    ResultsVisibility,
    TextAnswer,
    TextStatus,
)

SUPPRESS_BELOW = 5
ANSWERED_KEY = "__answered__"
# Ballots cast in the last moments before closing may still be committing: results are cached
# only this long after close.
CACHE_AFTER_CLOSE = datetime.timedelta(minutes=1)


def consultations_visible_to(user: User | None) -> QuerySet[Consultation]:
    """Staff see drafts too; everyone else sees scheduled, open and closed consultations."""
    qs = Consultation.objects.prefetch_related("neighbourhoods")
    if policy.is_consultation_staff(user):
        return qs
    return qs.filter(scheduled_at__isnull=False)


def consultation_for(user: User | None, pk: int) -> Consultation | None:
    return (
        consultations_visible_to(user)
        .prefetch_related(
            Prefetch("questions", queryset=ConsultationQuestion.objects.order_by("order", "pk"))
        )
        .filter(pk=pk)
        .first()
    )


def consultations_by_phase(user: User | None) -> dict[str, list[Consultation]]:
    found: dict[str, list[Consultation]] = defaultdict(list)
    now = timezone.now()
    for consultation in consultations_visible_to(user).annotate(
        participants=Count("participations")
    ):
        found[consultation.phase_at(now)].append(consultation)
    return found


def consultations_linked_to(report) -> QuerySet[Consultation]:
    return report.consultations.filter(scheduled_at__isnull=False).order_by("-opens_at")


def quick_poll_open() -> Consultation | None:
    """The newest open one-question consultation, for the home page widget."""
    now = timezone.now()
    return (
        Consultation.objects.filter(
            scheduled_at__isnull=False,
            results_published_at__isnull=True,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .annotate(n=Count("questions"))
        .filter(n=1)
        .order_by("-opens_at")
        .first()
    )


def is_subscribed(user: User | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and ConsultationSubscription.objects.filter(user=user).exists()
    )


def participation_of(user: User | None, consultation: Consultation) -> Participation | None:
    if user is None or not user.is_authenticated:
        return None
    return Participation.objects.filter(consultation=consultation, user=user).first()


def results_visible_to(user: User | None, consultation: Consultation) -> bool:
    """Staff who read consultations always; the public once the council's rule allows it:
    live (from opening), after close, or staff only (until the results are published)."""
    if policy.may_read_all(user):
        return True
    phase = consultation.phase
    if phase == Phase.PUBLISHED:
        return True
    if consultation.results_visibility == ResultsVisibility.LIVE:
        return phase in (Phase.OPEN, Phase.CLOSED)
    if consultation.results_visibility == ResultsVisibility.AFTER_CLOSE:
        return phase == Phase.CLOSED
    return False


def receipts_public(consultation: Consultation) -> list[str] | None:
    """Every ballot's receipt code, sorted, once the consultation is closed (None before)."""
    if not consultation.is_closed or consultation.ballot_mode != BallotMode.SECRET:
        return None
    return list(consultation.ballots.order_by("receipt").values_list("receipt", flat=True))


def text_answers_public(consultation: Consultation) -> QuerySet[TextAnswer]:
    """Published free-text answers (named consultations: with the author's name)."""
    return (
        TextAnswer.objects.filter(question__consultation=consultation, status=TextStatus.PUBLISHED)
        .select_related("question", "participation__user")
        .order_by("question__order", "question_id", "text")
    )


def text_answers_for_moderation(
    consultation: Consultation, *, status: str = ""
) -> QuerySet[TextAnswer]:
    qs = TextAnswer.objects.filter(question__consultation=consultation).select_related(
        "question", "participation__user"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("question__order", "question_id", "status", "text")


def named_contributions(consultation: Consultation) -> QuerySet[Participation]:
    return (
        Participation.objects.filter(consultation=consultation, answers__isnull=False)
        .select_related("user")
        .order_by("user__full_name")
    )


# --- results -----------------------------------------------------------------------------------


def results(consultation: Consultation) -> dict[str, Any]:
    """The results of `consultation` (see `results_compute`), cached once it is closed."""
    cached = consultation.results_cache
    if cached is not None and _cache_complete(cached):
        return _relabel(consultation, cached)
    data = results_compute(consultation)
    if (
        consultation.scheduled_at is not None
        and timezone.now() >= consultation.closes_at + CACHE_AFTER_CLOSE
    ):
        unwritten = Consultation.objects.filter(pk=consultation.pk)
        if cached is None:
            unwritten = unwritten.filter(results_cache__isnull=True)
        # else: a cache written before every question had its "answered" count is replaced
        # (a closed consultation's ballots are final: a concurrent writer writes the same data).
        unwritten.update(results_cache=data)
        consultation.results_cache = data
    return data


def _cache_complete(data: dict[str, Any]) -> bool:
    """Cached results have every field results_compute gives now: number questions had no
    "answered" count in caches written before it was added."""
    return all("answered" in question for question in data["questions"])


def _relabel(consultation: Consultation, data: dict[str, Any]) -> dict[str, Any]:
    """Cached results with the option labels of the current language ("Yes", "Other"…):
    the cache was written in the language of whoever asked first."""
    labels = {q.pk: dict(q.options()) for q in consultation.questions.all()}
    for question in data["questions"]:
        names = labels.get(question["id"], {})
        for option in question.get("options", []):
            option["label"] = names.get(option["key"], option["label"])
    return data


_TALLY_SQL = """
SELECT code, b.neighbourhood_id, count(*)
FROM {table} b CROSS JOIN LATERAL unnest(b.codes) AS code
WHERE b.consultation_id = %(consultation)s AND b.answers IS NOT NULL
GROUP BY 1, 2
"""

_NUMBER_SQL = """
SELECT b.answers ->> %(key)s, b.neighbourhood_id, count(*)
FROM {table} b
WHERE b.consultation_id = %(consultation)s AND b.answers ? %(key)s
GROUP BY 1, 2
"""

_COUNT_SQL = """
SELECT neighbourhood_id, count(*) FROM {table}
WHERE consultation_id = %(consultation)s AND answers IS NOT NULL
GROUP BY 1
"""


def suppress(row: list[int]) -> list[int | None]:
    """A row of neighbourhood counts whose total is published, with every cell under
    SUPPRESS_BELOW replaced by None, and, when that leaves a single suppressed cell, the next
    smallest one too (otherwise the total minus the others would give it away)."""
    return suppress_table([row])[0]


def suppress_table(matrix: list[list[int]]) -> list[list[int | None]]:
    """A table of counts (answers by neighbourhood) whose row and column totals are published:
    cells under SUPPRESS_BELOW are hidden, then, until nothing changes, a row or column left
    with a single hidden cell hides its smallest visible cell as well, so that no hidden cell
    can be worked out by subtraction."""
    hidden = [[c < SUPPRESS_BELOW for c in row] for row in matrix]
    lines = [[(i, j) for j in range(len(row))] for i, row in enumerate(matrix)]
    if matrix:
        lines += [[(i, j) for i in range(len(matrix))] for j in range(len(matrix[0]))]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            visible = [(matrix[i][j], i, j) for i, j in line if not hidden[i][j]]
            if visible:
                _count, i, j = min(visible)
                hidden[i][j] = True
                changed = True
    return [
        [None if hidden[i][j] else c for j, c in enumerate(row)] for i, row in enumerate(matrix)
    ]


def results_compute(consultation: Consultation) -> dict[str, Any]:
    """Tallies of every question: counts and shares of each option; ranking: Borda score and
    first preferences; scale and number: mean, median and distribution; free text: the number
    of answers; every question: "answered", the number of ballots (or texts) answering it.
    Plus a breakdown by neighbourhood with small cells suppressed."""
    table = (
        "civic_participation" if consultation.ballot_mode == BallotMode.NAMED else "civic_ballot"
    )
    questions = list(consultation.questions.order_by("order", "pk"))
    params: dict[str, Any] = {"consultation": consultation.pk}
    # question key → value → position → neighbourhood → count
    tally: dict[str, dict[str, dict[int, dict[int | None, int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    options = {q.pk: [k for k, _label in q.options()] for q in questions}
    with transaction.atomic(), connection.cursor() as cursor:
        # See services.ballots_mix: JIT compilation would cost more than the query.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_COUNT_SQL.format(table=table), params)
        per_hood = dict(cursor.fetchall())
        cursor.execute(_TALLY_SQL.format(table=table), params)
        for code, hood, count in cursor.fetchall():
            question_id, rest = divmod(code, CODE_QUESTION)
            index, position = divmod(rest, CODE_OPTION)
            keys = options.get(question_id)
            if keys is None:
                continue
            value = ANSWERED_KEY if index == ANSWERED else keys[index]
            tally[str(question_id)][value][position][hood] += count
        for q in questions:
            if q.kind == QuestionKind.NUMBER:
                cursor.execute(_NUMBER_SQL.format(table=table), {**params, "key": q.key})
                for value, hood, count in cursor.fetchall():
                    tally[q.key][value][0][hood] += count
    participation_counts = dict(
        Participation.objects.filter(consultation=consultation)
        .values_list("channel")
        .annotate(n=Count("pk"))
    )
    text_counts = dict(
        TextAnswer.objects.filter(question__consultation=consultation)
        .values_list("question_id")
        .annotate(n=Count("pk"))
    )
    hood_ids = [h for h in per_hood if h is not None]
    hoods = dict(Neighbourhood.objects.filter(pk__in=hood_ids).values_list("pk", "name"))
    columns = sorted(hood_ids, key=lambda h: hoods.get(h, ""))
    total = sum(per_hood.values())
    return {
        "ballots": total,
        "online": participation_counts.get(Channel.ONLINE, 0),
        "paper": participation_counts.get(Channel.PAPER, 0),
        "neighbourhoods": [
            {"name": hoods.get(h, ""), "ballots": c}
            for h, c in zip(columns, suppress([per_hood.get(h, 0) for h in columns]), strict=True)
        ],
        "unknown_neighbourhood": _suppressed_one(per_hood.get(None, 0)),
        "questions": [
            _question_result(q, tally.get(q.key, {}), columns, hoods, text_counts.get(q.pk, 0))
            for q in questions
        ],
    }


def _suppressed_one(count: int) -> int | None:
    return count if count >= SUPPRESS_BELOW else None


def _question_result(
    question: ConsultationQuestion,
    tally: dict[str, dict[int, dict[int | None, int]]],
    columns: list[int],
    hoods: dict[int, str],
    texts: int,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": question.pk,
        "label": question.label,
        "kind": question.kind,
        "texts": texts,
    }
    if question.is_text:
        result["answered"] = texts
        return result
    if question.kind == QuestionKind.NUMBER:
        values: list[tuple[float, int]] = []
        for value, positions in tally.items():
            values.append((float(value), sum(sum(h.values()) for h in positions.values())))
        result.update(_numeric(values))
        result["answered"] = sum(count for _value, count in values)
        result["distribution"] = [{"value": _num(v), "count": c} for v, c in sorted(values)]
        return result
    options = question.options()
    n = len(options)
    by_option: list[dict[str, Any]] = []
    answered_by_hood: dict[int | None, int] = defaultdict(int)
    for key, label in options:
        positions = tally.get(key, {})
        if question.kind == QuestionKind.RANKING:
            first = positions.get(1, {})
            count = sum(first.values())
            borda = sum((n - p) * sum(h.values()) for p, h in positions.items())
            hood_counts = first
            by_option.append(
                {"key": key, "label": label, "count": count, "first": count, "borda": borda}
            )
        else:
            hood_counts = defaultdict(int)
            for h in positions.values():
                for hood, c in h.items():
                    hood_counts[hood] += c
            count = sum(hood_counts.values())
            by_option.append({"key": key, "label": label, "count": count})
        by_option[-1]["by_neighbourhood"] = [hood_counts.get(h, 0) for h in columns]
        for hood, c in hood_counts.items():
            answered_by_hood[hood] += c
    if question.kind in (QuestionKind.SINGLE, QuestionKind.YES_NO, QuestionKind.SCALE):
        answered = sum(o["count"] for o in by_option)
    elif question.kind == QuestionKind.RANKING:
        answered = sum(o["first"] for o in by_option)
    else:  # several choices: people, not ticks (each such ballot also has an "answered" code)
        answered = sum(sum(h.values()) for h in tally.get(ANSWERED_KEY, {}).values())
    for option in by_option:
        option["percent"] = round(100 * option["count"] / answered, 1) if answered else 0.0
    if question.kind == QuestionKind.RANKING:
        by_option.sort(key=lambda o: (-o["borda"], o["label"]))
    # Every option's total and every neighbourhood's total are published: suppress as a table.
    matrix = suppress_table([o.pop("by_neighbourhood") for o in by_option])
    for option, cells in zip(by_option, matrix, strict=True):
        option["by_neighbourhood"] = cells
    result["answered"] = answered
    result["options"] = by_option
    result["neighbourhoods"] = [hoods.get(h, "") for h in columns]
    result["scale"] = None
    if question.kind == QuestionKind.SCALE:
        pairs = [(float(o["key"]), o["count"]) for o in by_option]
        result.update(_numeric(pairs))
        result["scale"] = {
            "min_label": question.min_label,
            "max_label": question.max_label,
        }
    return result


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _numeric(pairs: Iterable[tuple[float, int]]) -> dict[str, Any]:
    """Mean and median of values given with their counts."""
    pairs = sorted((v, c) for v, c in pairs if c)
    count = sum(c for _v, c in pairs)
    if not count:
        return {"mean": None, "median": None}
    mean = sum(v * c for v, c in pairs) / count

    # The median of the expanded list, without expanding it.
    def nth(i: int) -> float:
        seen = 0
        for v, c in pairs:
            seen += c
            if i < seen:
                return v
        return pairs[-1][0]

    if count % 2:
        median = nth(count // 2)
    else:
        median = statistics.mean([nth(count // 2 - 1), nth(count // 2)])
    return {"mean": round(mean, 2), "median": _num(round(median, 2))}


def results_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The results as CSV rows: question, option, count, percent, Borda, then one column per
    neighbourhood (suppressed cells are empty and flagged "<5")."""
    rows: list[list[Any]] = []
    for q in data["questions"]:
        for o in q.get("options", []):
            hood_cells = ["<5" if c is None else c for c in o.get("by_neighbourhood", [])]
            rows.append(
                [q["label"], o["label"], o["count"], o["percent"], o.get("borda", ""), *hood_cells]
            )
        if q["kind"] in (QuestionKind.SCALE, QuestionKind.NUMBER):
            rows.append([q["label"], "mean", q.get("mean"), "", ""])
            rows.append([q["label"], "median", q.get("median"), "", ""])
        if q["texts"]:
            rows.append([q["label"], "text answers", q["texts"], "", ""])
    return rows


def staff_consultations() -> QuerySet[Consultation]:
    return Consultation.objects.annotate(
        participants=Count("participations", distinct=True),
        pending_texts=Count(
            "questions__text_answers",
            filter=Q(questions__text_answers__status=TextStatus.PENDING),
            distinct=True,
        ),
    ).order_by("-opens_at", "-pk")


def open_consultation_counts() -> dict[str, int]:
    """Key figures: consultations open now and how many took part in them (one query)."""
    now = timezone.now()
    return Consultation.objects.filter(
        scheduled_at__isnull=False,
        results_published_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
    ).aggregate(open=Count("pk", distinct=True), participants=Count("participations"))


def residents_for_paper_ballot(query: str) -> QuerySet[User]:
    """Verified residents matching a name or email, for the paper ballot form."""
    from community.selectors import verified_residents

    query = query.strip()
    if len(query) < 2:
        return User.objects.none()
    return (
        verified_residents()
        .filter(Q(full_name__icontains=query) | Q(email__icontains=query))
        .order_by("full_name")[:20]
    )


def residents_for_paper_ballot_by_id(pk: int) -> User | None:
    from community.selectors import verified_residents

    return verified_residents().filter(pk=pk).first()
