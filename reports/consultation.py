"""The consultation report: the figures come from the consultations' selectors (tallies in SQL,
small neighbourhood cells already suppressed); this module only lays them out as a PDF."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.consultations import selectors as consultation_selectors
from civic.consultations.eligibility import effective_eligibility
from civic.consultations.models import (
    Consultation,
    ConsultationQuestion,
    Eligibility,
    QuestionKind,
    TextAnswer,
    TextStatus,
)
from community.selectors import verified_residents
from tenants.models import current_council

from .models import Report
from .pdf import pdf_write

# Bars are drawn in a 600-unit wide SVG: labels on the left, bars from here.
BAR_X = 210
BAR_WIDTH = 300
# Answers quoted in the question sections; every published answer is in the appendix.
QUOTES_PER_QUESTION = 3


def _bars(items: list[tuple[str, float, str]]) -> dict[str, Any]:
    """An SVG bar chart's geometry: (label, value, text shown at the bar's end)."""
    top = max((value for _label, value, _text in items), default=0) or 1
    rows = []
    for i, (label, value, text) in enumerate(items):
        width = BAR_WIDTH * value / top
        # Geometry as plain strings: the template would write floats with a decimal comma.
        rows.append(
            {
                "label": label if len(label) <= 32 else label[:31] + "…",
                "y": str(i * 28),
                "width": f"{width:.1f}",
                "text_x": f"{BAR_X + width + 6:.1f}",
                "text": text,
            }
        )
    return {"rows": rows, "height": str(max(28, 28 * len(rows))), "bar_x": str(BAR_X)}


def _chart(question: dict[str, Any]) -> dict[str, Any] | None:
    from .templatetags.report_format import num

    kind = question["kind"]
    if kind == QuestionKind.RANKING:
        return _bars([(o["label"], o["borda"], num(o["borda"])) for o in question["options"]])
    if question.get("options"):
        return _bars(
            [(o["label"], o["percent"], f"{num(o['percent'], 1)} %") for o in question["options"]]
        )
    if kind == QuestionKind.NUMBER and question.get("distribution"):
        return _bars(
            [(num(d["value"]), d["count"], num(d["count"])) for d in question["distribution"]]
        )
    return None


def _eligible(consultation: Consultation) -> tuple[int, dict[str, int]]:
    """Verified residents of the consultation's area: overall and by neighbourhood name."""
    residents = verified_residents()
    if not consultation.whole_council:
        residents = residents.filter(residence__neighbourhood__in=consultation.neighbourhoods.all())
    by_hood = dict(
        residents.values_list("residence__neighbourhood__name").annotate(n=Count("pk")).order_by()
    )
    return sum(by_hood.values()), {k: v for k, v in by_hood.items() if k}


def _themes(consultation: Consultation) -> dict[int, list[tuple[str, int]]]:
    """Themes of the published answers with their counts, by question, most frequent first
    (counted in SQL: one row per question and theme)."""
    answers = TextAnswer._meta.db_table
    questions = ConsultationQuestion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT t.question_id, theme, count(*)
            FROM {answers} t JOIN {questions} q ON q.id = t.question_id,
                 jsonb_array_elements_text(t.themes) AS theme
            WHERE q.consultation_id = %s AND t.status = %s
              AND jsonb_typeof(t.themes) = 'array'
            GROUP BY 1, 2
            ORDER BY 1, 3 DESC, 2
            """,  # noqa: S608  (table names from the models, values are parameters)
            [consultation.pk, TextStatus.PUBLISHED],
        )
        by_question: dict[int, list[tuple[str, int]]] = {}
        for question_id, theme, count in cursor.fetchall():
            by_question.setdefault(question_id, []).append((theme, count))
    return by_question


def council_logo(council) -> str:
    """The council's logo as a file URI WeasyPrint can read, or "" without one."""
    if not council.logo:
        return ""
    try:
        return Path(council.logo.path).as_uri()
    except (ValueError, NotImplementedError):
        return ""


def _share(part: int | None, whole: int) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def consultation_report_context(consultation: Consultation, report: Report) -> dict[str, Any]:
    council = current_council()
    results = consultation_selectors.results(consultation)
    texts = list(consultation_selectors.text_answers_public(consultation))
    eligible, eligible_by_hood = _eligible(consultation)
    by_question: dict[int, list] = {}
    for answer in texts:
        by_question.setdefault(answer.question_id, []).append(answer)
    themes = _themes(consultation)
    questions = []
    for question in results["questions"]:
        answers = by_question.get(question["id"], [])
        questions.append(
            {
                **question,
                "chart": _chart(question),
                "themes": themes.get(question["id"], []),
                "quotes": answers[:QUOTES_PER_QUESTION],
                "published_texts": len(answers),
                "answers": answers,
            }
        )
    neighbourhoods = [
        {
            **hood,
            "eligible": eligible_by_hood.get(hood["name"]),
            "turnout": _share(hood["ballots"], eligible_by_hood.get(hood["name"], 0)),
        }
        for hood in results["neighbourhoods"]
    ]
    requester = report.requested_by.full_name if report.requested_by else ""
    return {
        "council": council,
        "logo": council_logo(council),
        "consultation": consultation,
        "report": report,
        "results": results,
        "questions": questions,
        "neighbourhoods": neighbourhoods,
        "eligible": eligible,
        "turnout": _share(results["ballots"], eligible),
        "texts": texts,
        "text_questions": [q for q in questions if by_question.get(q["id"])],
        "by_question": by_question,
        "eligibility": Eligibility(effective_eligibility(consultation)).label,
        "suppress_below": consultation_selectors.SUPPRESS_BELOW,
        "generated_at": timezone.now(),
        "generated_by": requester,
        "language": report.language or council.default_language,
    }


def consultation_report_render(*, report: Report, progress: Callable[[int], None]) -> Any:
    import weasyprint

    from .services import GenerationError, RenderedReport

    consultation = (
        Consultation.objects.prefetch_related("questions", "neighbourhoods")
        .filter(pk=report.subject_id or 0)
        .first()
    )
    if consultation is None:
        raise GenerationError(_("The consultation no longer exists."))
    if consultation.scheduled_at is None:
        raise GenerationError(_("The consultation is a draft: it has no results yet."))
    from .selectors import consultation_csv
    from .services import download_name

    council = current_council()
    with timezone.override(council.timezone):
        context = consultation_report_context(consultation, report)
        # A long appendix is a document of its own; the report says where to find it.
        separate = len(context["texts"]) > settings.REPORTS_APPENDIX_SEPARATE_ABOVE
        context["appendix_separate"] = separate
        context["appendix_name"] = download_name(report, "appendix")
        progress(20)
        html = render_to_string("reports/consultation.html", context)
    progress(30)
    document = weasyprint.HTML(string=html, base_url=str(Path.cwd())).render()
    progress(80)
    pdf = pdf_write(document)
    figures = consultation_csv(context["results"])
    if not separate:
        progress(95)
        return RenderedReport(pdf=pdf, pages=len(document.pages), figures=figures)
    progress(95)
    # The appendix follows in its own task (services.appendix_generate).
    return RenderedReport(
        pdf=pdf, pages=len(document.pages), figures=figures, appendix_pending=True
    )


def consultation_appendix_html(consultation: Consultation, report: Report) -> str:
    """The appendix's HTML: every published free-text answer, one paragraph each, by question
    (only the answers are read: none of the report's figures)."""
    council = current_council()
    by_question: dict[int, dict[str, Any]] = {}
    for answer in consultation_selectors.text_answers_public(consultation):
        question = answer.question
        if question.pk not in by_question:
            by_question[question.pk] = {"id": question.pk, "label": question.label, "answers": []}
        by_question[question.pk]["answers"].append(answer)
    text_questions = list(by_question.values())
    for entry in text_questions:
        entry["published_texts"] = len(entry["answers"])
    context = {
        "council": council,
        "logo": council_logo(council),
        "consultation": consultation,
        "report": report,
        "text_questions": text_questions,
        "generated_at": timezone.now(),
        "language": report.language or council.default_language,
    }
    return render_to_string("reports/consultation_appendix.html", context)


def consultation_appendix_render(*, report: Report) -> tuple[bytes, int]:
    """The appendix of a consultation report as a document of its own: every published
    free-text answer, by question (PDF bytes, pages)."""
    import weasyprint

    from .services import GenerationError

    consultation = Consultation.objects.filter(pk=report.subject_id or 0).first()
    if consultation is None:
        raise GenerationError(_("The consultation no longer exists."))
    with timezone.override(current_council().timezone):
        html = consultation_appendix_html(consultation, report)
    document = weasyprint.HTML(string=html, base_url=str(Path.cwd())).render()
    return pdf_write(document), len(document.pages)
