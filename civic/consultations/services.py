"""Writes of consultations: staff manage them (role-checked, audited), residents take part.

Taking part is `participation_submit` (online) or `paper_ballot_enter` (staff at the town hall):
one `Participation` and, in a secret consultation, one `Ballot` with nothing linking them (see
models.py). Answers are validated by `answers_clean`, the one check for the site, the API and
paper ballots.
"""

import datetime
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg.types.json import Jsonb

from accounts.models import User
from community.models import Neighbourhood
from core.audit import audit_record
from core.images import CleanFile, clean_document, clean_image

from . import policy
from .eligibility import refusal, refusal_message
from .models import (
    CHOICE_KINDS,
    OTHER,
    TEXT_KINDS,
    Ballot,
    BallotMode,
    Channel,
    Consultation,
    ConsultationAttachment,
    ConsultationQuestion,
    ConsultationSubscription,
    Eligibility,
    Participation,
    Phase,
    QuestionKind,
    ResultsVisibility,
    TextAnswer,
    TextStatus,
    tally_codes,
)
from .text import markdown_html

MAX_TEXT = 2000
MAX_SHORT_TEXT = 200
MAX_CHOICES = 30
SCALES = ((0, 10), (1, 5), (1, 10), (0, 5))


def _require(actor: User, check, message: str | None = None) -> None:
    if not check(actor):
        raise PermissionDenied(message or _("You may not manage consultations."))


def _local_today() -> datetime.date:
    return timezone.localdate(timezone.now(), _council_tz())


def _council_tz() -> datetime.tzinfo:
    from zoneinfo import ZoneInfo

    name = getattr(getattr(connection, "tenant", None), "timezone", "") or "Europe/Paris"
    return ZoneInfo(name)


# --- consultations (staff) ---------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "summary",
    "body",
    "eligibility",
    "ballot_mode",
    "results_visibility",
    "opens_at",
    "closes_at",
    "whole_council",
)


def _check_fields(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not str(values.get("title") or "").strip():
        errors["title"] = _("Give the consultation a title.")
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is None:
        errors["opens_at"] = _("Say when the consultation opens.")
    if closes is None:
        errors["closes_at"] = _("Say when the consultation closes.")
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("The consultation must close after it opens.")
    if values.get("eligibility") not in Eligibility.values:
        errors["eligibility"] = _("Choose who may take part.")
    if values.get("ballot_mode") not in BallotMode.values:
        errors["ballot_mode"] = _("Choose a kind of ballot.")
    if values.get("results_visibility") not in ResultsVisibility.values:
        errors["results_visibility"] = _("Choose when results are shown.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consultation_create(
    *,
    actor: User,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    summary: str = "",
    body: str = "",
    eligibility: str = Eligibility.VERIFIED,
    ballot_mode: str = BallotMode.SECRET,
    results_visibility: str = ResultsVisibility.AFTER_CLOSE,
    whole_council: bool = True,
    neighbourhoods: Iterable[Neighbourhood] = (),
) -> Consultation:
    _require(actor, policy.may_manage)
    values = {
        "title": title.strip(),
        "summary": summary.strip(),
        "body": body,
        "eligibility": eligibility,
        "ballot_mode": ballot_mode,
        "results_visibility": results_visibility,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "whole_council": whole_council,
    }
    neighbourhoods = list(neighbourhoods)
    _check_fields(values)
    _check_audience(whole_council, neighbourhoods)
    consultation = Consultation.objects.create(
        **values, body_html=markdown_html(body), created_by=actor
    )
    consultation.neighbourhoods.set(neighbourhoods)
    audit_record(actor=actor, action="civic.consultation_create", target=consultation)
    return consultation


def _check_audience(whole_council: bool, neighbourhoods: Sequence[Neighbourhood]) -> None:
    if not whole_council and not neighbourhoods:
        raise ValidationError(
            {"neighbourhoods": _("Choose the neighbourhoods, or the whole council.")}
        )


def _editable(consultation: Consultation) -> None:
    if consultation.phase not in (Phase.DRAFT, Phase.SCHEDULED):
        raise ValidationError(_("A consultation cannot be changed once it has opened."))


@transaction.atomic
def consultation_update(
    *,
    actor: User,
    consultation: Consultation,
    neighbourhoods: Iterable[Neighbourhood] | None = None,
    **changes: Any,
) -> Consultation:
    """Change the fields named in EDITABLE_FIELDS, before the consultation opens."""
    _require(actor, policy.may_manage)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _editable(consultation)
    values = {name: getattr(consultation, name) for name in EDITABLE_FIELDS}
    before = {k: v for k, v in values.items() if k in changes and changes[k] != v}
    values.update(changes)
    _check_fields(values)
    chosen = (
        list(neighbourhoods)
        if neighbourhoods is not None
        else list(consultation.neighbourhoods.all())
    )
    _check_audience(bool(values["whole_council"]), chosen)
    for name, value in values.items():
        setattr(consultation, name, value)
    consultation.body_html = markdown_html(consultation.body)
    consultation.save()
    if neighbourhoods is not None:
        consultation.neighbourhoods.set(chosen)
    audit_record(
        actor=actor,
        action="civic.consultation_update",
        target=consultation,
        before=before,
        after={k: values[k] for k in before},
    )
    return consultation


@dataclass
class QuestionSpec:
    kind: str
    label: str
    help_text: str = ""
    required: bool = True
    choices: Sequence[str] = ()
    allow_other: bool = False
    shuffle: bool = False
    min_choices: int | None = None
    max_choices: int | None = None
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""
    number_min: int | None = None
    number_max: int | None = None
    show_if: ConsultationQuestion | None = None
    show_if_value: str = ""
    order: int | None = None


def _question_errors(consultation: Consultation, spec: QuestionSpec, pk: int | None) -> dict:
    errors: dict[str, str] = {}
    if spec.kind not in QuestionKind.values:
        errors["kind"] = _("Choose a kind of question.")
    if not spec.label.strip():
        errors["label"] = _("Write the question.")
    labels = [c.strip() for c in spec.choices if c.strip()]
    if spec.kind in CHOICE_KINDS:
        if len(labels) < 2:
            errors["choices"] = _("Give at least two options, one per line.")
        elif len(labels) > MAX_CHOICES:
            errors["choices"] = _("Give at most %(count)s options.") % {"count": MAX_CHOICES}
        elif len(set(labels)) != len(labels):
            errors["choices"] = _("Two options have the same text.")
    if spec.kind == QuestionKind.MULTIPLE:
        count = len(labels) + (1 if spec.allow_other else 0)
        low, high = spec.min_choices, spec.max_choices
        if (low is not None and low > count) or (high is not None and high < 1):
            errors["max_choices"] = _("These limits do not fit the number of options.")
        elif low is not None and high is not None and low > high:
            errors["max_choices"] = _("The minimum is larger than the maximum.")
    if spec.kind == QuestionKind.SCALE and (spec.scale_min, spec.scale_max) not in SCALES:
        errors["scale_max"] = _("A scale goes from 1 to 5, 1 to 10, 0 to 5 or 0 to 10.")
    if (
        spec.kind == QuestionKind.NUMBER
        and spec.number_min is not None
        and spec.number_max is not None
        and spec.number_min > spec.number_max
    ):
        errors["number_max"] = _("The smallest number is larger than the largest.")
    parent = spec.show_if
    if parent is not None:
        if (
            parent.consultation_id != consultation.pk
            or parent.pk == pk
            or parent.show_if_id is not None
            or parent.kind not in (QuestionKind.SINGLE, QuestionKind.YES_NO, QuestionKind.SCALE)
        ):
            errors["show_if"] = _(
                "A condition must name an earlier one-choice, yes/no or scale question of this "
                "consultation that has no condition itself."
            )
        elif spec.show_if_value not in dict(parent.options()):
            errors["show_if_value"] = _("Choose one of that question's answers.")
        elif pk is not None and ConsultationQuestion.objects.filter(show_if_id=pk).exists():
            errors["show_if"] = _("Other questions depend on this one: it cannot have a condition.")
    return errors


@transaction.atomic
def question_save(
    *,
    actor: User,
    consultation: Consultation,
    spec: QuestionSpec,
    question: ConsultationQuestion | None = None,
) -> ConsultationQuestion:
    """Add a question (or change `question`) before the consultation opens. Options are given
    as their labels; each keeps its key when its label is unchanged."""
    _require(actor, policy.may_manage)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _editable(consultation)
    if question is not None and question.consultation_id != consultation.pk:
        raise PermissionDenied
    errors = _question_errors(consultation, spec, question.pk if question else None)
    if errors:
        raise ValidationError(errors)
    labels = [c.strip() for c in spec.choices if c.strip()] if spec.kind in CHOICE_KINDS else []
    old = {c["label"]: c["key"] for c in question.choices} if question else {}
    used = set(old.values())
    choices = []
    for label in labels:
        key = old.get(label)
        if key is None:
            n = 1
            while f"o{n}" in used:
                n += 1
            key = f"o{n}"
            used.add(key)
        choices.append({"key": key, "label": label})
    target = question or ConsultationQuestion(consultation=consultation)
    if spec.order is not None:
        target.order = spec.order
    elif question is None:
        target.order = consultation.questions.count() + 1
    target.kind = spec.kind
    target.label = spec.label.strip()
    target.help_text = spec.help_text.strip()
    target.required = spec.required
    target.choices = choices
    target.allow_other = spec.allow_other and spec.kind in (
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
    )
    target.shuffle = spec.shuffle and spec.kind in CHOICE_KINDS
    target.min_choices = spec.min_choices if spec.kind == QuestionKind.MULTIPLE else None
    target.max_choices = spec.max_choices if spec.kind == QuestionKind.MULTIPLE else None
    target.scale_min, target.scale_max = (
        (spec.scale_min, spec.scale_max) if spec.kind == QuestionKind.SCALE else (1, 5)
    )
    target.min_label = spec.min_label.strip() if spec.kind == QuestionKind.SCALE else ""
    target.max_label = spec.max_label.strip() if spec.kind == QuestionKind.SCALE else ""
    target.number_min = spec.number_min if spec.kind == QuestionKind.NUMBER else None
    target.number_max = spec.number_max if spec.kind == QuestionKind.NUMBER else None
    target.show_if = spec.show_if
    target.show_if_value = spec.show_if_value if spec.show_if else ""
    target.save()
    audit_record(
        actor=actor,
        action="civic.consultation_question_save",
        target=consultation,
        data={"question": target.pk, "kind": target.kind},
    )
    return target


@transaction.atomic
def question_delete(*, actor: User, question: ConsultationQuestion) -> None:
    _require(actor, policy.may_manage)
    consultation = Consultation.objects.select_for_update().get(pk=question.consultation_id)
    _editable(consultation)
    audit_record(
        actor=actor,
        action="civic.consultation_question_delete",
        target=consultation,
        data={"question": question.pk, "label": question.label},
    )
    question.delete()


def _transition(actor: User, consultation: Consultation, action: str, **changes: Any) -> None:
    before = {k: getattr(consultation, k) for k in changes}
    for name, value in changes.items():
        setattr(consultation, name, value)
    consultation.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor, action=action, target=consultation, before=before, after=dict(changes)
    )


def _locked(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


@transaction.atomic
def consultation_reports_link(
    *, actor: User, consultation: Consultation, report_ids: Sequence[int]
) -> list[int]:
    """Link the consultation to street reports (e.g. a cluster of reports about one crossing):
    both pages show the link. Unknown numbers are refused. Allowed at any time."""
    from civic.models import IssueReport

    _require(actor, policy.may_manage)
    wanted = set(report_ids)
    found = set(IssueReport.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - found:
        missing = ", ".join(f"#{pk}" for pk in sorted(wanted - found))
        raise ValidationError(
            {"reports": _("No street report %(numbers)s.") % {"numbers": missing}}
        )
    before = sorted(consultation.related_reports.values_list("pk", flat=True))
    consultation.related_reports.set(sorted(found))
    audit_record(
        actor=actor,
        action="civic.consultation_reports_link",
        target=consultation,
        before={"reports": before},
        after={"reports": sorted(found)},
    )
    return sorted(found)


@transaction.atomic
def consultation_schedule(*, actor: User, consultation: Consultation) -> Consultation:
    """Draft → scheduled: residents see it, and it opens by itself at `opens_at`."""
    _require(actor, policy.may_manage)
    consultation = _locked(consultation)
    if consultation.phase != Phase.DRAFT:
        raise ValidationError(_("Only a draft can be scheduled."))
    if not consultation.questions.exists():
        raise ValidationError(_("Add at least one question first."))
    if consultation.closes_at <= timezone.now():
        raise ValidationError(_("The closing date is already past."))
    _transition(actor, consultation, "civic.consultation_schedule", scheduled_at=timezone.now())
    return consultation


@transaction.atomic
def consultation_open_now(*, actor: User, consultation: Consultation) -> Consultation:
    """Open a draft or scheduled consultation at once."""
    _require(actor, policy.may_manage)
    consultation = _locked(consultation)
    if consultation.phase not in (Phase.DRAFT, Phase.SCHEDULED):
        raise ValidationError(_("This consultation has already opened."))
    if not consultation.questions.exists():
        raise ValidationError(_("Add at least one question first."))
    now = timezone.now()
    if consultation.closes_at <= now:
        raise ValidationError(_("The closing date is already past."))
    _transition(
        actor,
        consultation,
        "civic.consultation_open",
        opens_at=now,
        scheduled_at=consultation.scheduled_at or now,
    )
    _notify_opening(consultation)
    return consultation


@transaction.atomic
def consultation_close(*, actor: User, consultation: Consultation) -> Consultation:
    """Close an open consultation now, before its planned date."""
    _require(actor, policy.may_manage)
    consultation = _locked(consultation)  # waits for ballots being cast (they hold FOR SHARE)
    if consultation.phase != Phase.OPEN:
        raise ValidationError(_("Only an open consultation can be closed."))
    _transition(actor, consultation, "civic.consultation_close", closes_at=timezone.now())
    ballots_mix(consultation=consultation)
    return consultation


@transaction.atomic
def consultation_duplicate(*, actor: User, consultation: Consultation) -> Consultation:
    """A new draft with the same text, settings and questions, opening in a week for as long."""
    _require(actor, policy.may_manage)
    now = timezone.now()
    opens = now + datetime.timedelta(days=7)
    copy = Consultation.objects.create(
        title=_("%(title)s (copy)") % {"title": consultation.title},
        summary=consultation.summary,
        body=consultation.body,
        body_html=consultation.body_html,
        whole_council=consultation.whole_council,
        eligibility=consultation.eligibility,
        ballot_mode=consultation.ballot_mode,
        results_visibility=consultation.results_visibility,
        opens_at=opens,
        closes_at=opens + (consultation.closes_at - consultation.opens_at),
        duplicated_from=consultation,
        created_by=actor,
    )
    copy.neighbourhoods.set(consultation.neighbourhoods.all())
    mapping: dict[int, ConsultationQuestion] = {}
    # Questions without a condition first (PostgreSQL sorts NULL last by default).
    for question in consultation.questions.order_by(
        F("show_if_id").asc(nulls_first=True), "order", "pk"
    ):
        old_pk = question.pk
        parent = mapping.get(question.show_if_id) if question.show_if_id else None
        question.pk = None
        question.consultation = copy
        question.show_if = parent
        if parent is None:
            question.show_if_value = ""
        question.save()
        mapping[old_pk] = question
    audit_record(
        actor=actor,
        action="civic.consultation_duplicate",
        target=copy,
        data={"from": consultation.pk},
    )
    return copy


@transaction.atomic
def results_publish(*, actor: User, consultation: Consultation) -> Consultation:
    """Closed → results published: the tallies are frozen and shown to everyone."""
    from .selectors import results_compute

    _require(actor, policy.may_manage)
    consultation = _locked(consultation)
    if consultation.phase != Phase.CLOSED:
        raise ValidationError(_("Results can be published once the consultation is closed."))
    ballots_mix(consultation=consultation)
    consultation.results_cache = results_compute(consultation)
    consultation.save(update_fields=["results_cache"])
    _transition(
        actor,
        consultation,
        "civic.consultation_results_publish",
        results_published_at=timezone.now(),
    )
    return consultation


@transaction.atomic
def outcome_publish(*, actor: User, consultation: Consultation, outcome: str) -> Consultation:
    """ "You said, we did": what the council decided, shown on the consultation's page;
    participants who asked for it and subscribers are emailed."""
    _require(actor, policy.may_manage)
    consultation = _locked(consultation)
    if not consultation.is_closed:
        raise ValidationError(_("The outcome is published once the consultation is closed."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write what the council decided.")})
    first = consultation.outcome_published_at is None
    _transition(
        actor,
        consultation,
        "civic.consultation_outcome_publish",
        outcome=outcome.strip(),
        outcome_published_at=consultation.outcome_published_at or timezone.now(),
    )
    consultation.outcome_html = markdown_html(consultation.outcome)
    consultation.save(update_fields=["outcome_html"])
    if first:
        _enqueue("send_outcome", consultation.pk)
    return consultation


# --- cover image and attachments ------------------------------------------------------------

COVER_MAX_BYTES = 8 * 1024 * 1024
ATTACHMENT_MAX_BYTES = 15 * 1024 * 1024


def _store(clean: CleanFile) -> str:
    """Save a checked file under the council's public media, with a random name."""
    name = f"civic/consultations/{secrets.token_urlsafe(18)}.{clean.extension}"
    return default_storage.save(name, ContentFile(clean.content))


def _delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def consultation_cover_set(
    *, actor: User, consultation: Consultation, upload: UploadedFile | None
) -> Consultation:
    """Set the cover image (re-encoded, without metadata), or remove it when `upload` is None."""
    _require(actor, policy.may_manage)
    consultation = _locked(consultation)
    old = consultation.cover_image
    name = ""
    if upload is not None:
        clean = clean_image(upload, max_bytes=COVER_MAX_BYTES, formats=("JPEG", "PNG", "WEBP"))
        name = _store(clean)
    consultation.cover_image = name
    consultation.save(update_fields=["cover_image", "updated_at"])
    _delete_on_commit(old)
    audit_record(
        actor=actor,
        action="civic.consultation_cover_set",
        target=consultation,
        data={"removed": upload is None},
    )
    return consultation


@transaction.atomic
def attachment_add(
    *, actor: User, consultation: Consultation, upload: UploadedFile, title: str
) -> ConsultationAttachment:
    """A PDF (kept as is once checked) or an image (re-encoded) residents can read."""
    _require(actor, policy.may_manage)
    if not title.strip():
        raise ValidationError({"title": _("Give the document a title.")})
    clean = clean_document(upload, max_bytes=ATTACHMENT_MAX_BYTES)
    attachment = ConsultationAttachment.objects.create(
        consultation=consultation,
        title=title.strip(),
        file=_store(clean),
        content_type=clean.content_type,
        size=len(clean.content),
    )
    audit_record(
        actor=actor,
        action="civic.consultation_attachment_add",
        target=consultation,
        data={"attachment": attachment.pk, "title": attachment.title},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: ConsultationAttachment) -> None:
    _require(actor, policy.may_manage)
    audit_record(
        actor=actor,
        action="civic.consultation_attachment_delete",
        target=attachment.consultation,
        data={"attachment": attachment.pk, "title": attachment.title},
    )
    _delete_on_commit(attachment.file)
    attachment.delete()


# --- answers -----------------------------------------------------------------------------------


@dataclass
class CleanAnswers:
    ballot: dict[str, Any] = field(default_factory=dict)
    # question key → texts (free-text answers, and "other" texts of choice questions)
    texts: dict[str, str] = field(default_factory=dict)


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v) != ""]
    return [str(value)]


def answers_clean(*, consultation: Consultation, raw: Mapping[str, Any]) -> CleanAnswers:
    """The answers to `consultation`'s questions, validated. `raw` maps a question key (its id
    as text) to: a choice key (one choice, yes/no, scale), a list of choice keys (several
    choices; a ranking lists every option, first preference first), a number, or a text; "other"
    texts come under "<key>_other". A conditional question is asked only when its condition
    holds; otherwise its answer is ignored. Raises ValidationError keyed by question key."""
    clean = CleanAnswers()
    errors: dict[str, str] = {}
    questions = list(consultation.questions.all())
    for question in questions:
        key = question.key
        if question.show_if_id is not None:
            parent_answer = clean.ballot.get(str(question.show_if_id))
            if parent_answer is None or str(parent_answer) != question.show_if_value:
                continue
        value = raw.get(key)
        try:
            _clean_one(question, value, raw.get(f"{key}_other"), clean)
        except ValidationError as error:
            errors[key] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    return clean


def _missing(question: ConsultationQuestion) -> None:
    if question.required:
        raise ValidationError(_("This question needs an answer."))


def _clean_one(question: ConsultationQuestion, value: Any, other: Any, clean: CleanAnswers) -> None:
    key = question.key
    kind = question.kind
    if kind in TEXT_KINDS:
        text = str(value or "").strip()
        limit = MAX_SHORT_TEXT if kind == QuestionKind.SHORT_TEXT else MAX_TEXT
        if not text:
            return _missing(question)
        if len(text) > limit:
            raise ValidationError(_("Keep it under %(limit)s characters.") % {"limit": limit})
        clean.texts[key] = text
        return None
    if kind == QuestionKind.NUMBER:
        if value in (None, ""):
            return _missing(question)
        try:
            number = int(str(value).strip())
        except ValueError as error:
            raise ValidationError(_("Enter a whole number.")) from error
        if question.number_min is not None and number < question.number_min:
            raise ValidationError(_("Enter %(min)s or more.") % {"min": question.number_min})
        if question.number_max is not None and number > question.number_max:
            raise ValidationError(_("Enter %(max)s or less.") % {"max": question.number_max})
        clean.ballot[key] = number
        return None
    allowed = [k for k, _label in question.options()]
    picked = _as_list(value)
    if not picked:
        return _missing(question)
    if kind == QuestionKind.RANKING:
        if sorted(picked) != sorted(allowed):
            raise ValidationError(_("Rank every option, each with a different number."))
        clean.ballot[key] = picked
        return None
    if any(p not in allowed for p in picked) or len(set(picked)) != len(picked):
        raise ValidationError(_("Choose among the options given."))
    if kind == QuestionKind.MULTIPLE:
        if question.min_choices and len(picked) < question.min_choices:
            raise ValidationError(
                ngettext(
                    "Choose at least %(count)s option.",
                    "Choose at least %(count)s options.",
                    question.min_choices,
                )
                % {"count": question.min_choices}
            )
        if question.max_choices and len(picked) > question.max_choices:
            raise ValidationError(
                ngettext(
                    "Choose at most %(count)s option.",
                    "Choose at most %(count)s options.",
                    question.max_choices,
                )
                % {"count": question.max_choices}
            )
        clean.ballot[key] = picked
    else:
        if len(picked) != 1:
            raise ValidationError(_("Choose one option."))
        clean.ballot[key] = int(picked[0]) if kind == QuestionKind.SCALE else picked[0]
    if OTHER in picked:
        text = str(other or "").strip()
        if not text:
            raise ValidationError(_('Say what "other" is.'))
        if len(text) > MAX_SHORT_TEXT:
            raise ValidationError(
                _("Keep it under %(limit)s characters.") % {"limit": MAX_SHORT_TEXT}
            )
        clean.texts[key] = text
    return None


def _lock_for_ballot(consultation: Consultation) -> Consultation:
    """The consultation with its questions, read under FOR SHARE: ballots are cast concurrently
    with each other, never while staff close it (closing takes FOR UPDATE and waits for them)."""
    found = next(
        iter(
            Consultation.objects.raw(
                "SELECT * FROM civic_consultation WHERE id = %s FOR SHARE", [consultation.pk]
            )
        )
    )
    prefetch_related_objects([found], "questions")
    return found


_INSERT_PARTICIPATION = """
INSERT INTO civic_participation
    (consultation_id, user_id, channel, day, answers, codes, neighbourhood_id, wants_outcome)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (consultation_id, user_id) DO NOTHING
RETURNING id
"""


def _record(
    *,
    consultation: Consultation,
    person: User,
    existing: Participation | None,
    clean: CleanAnswers,
    channel: str,
    wants_outcome: bool,
) -> str | None:
    """Write the participation and the ballot; returns the receipt (None when named)."""
    from community.selectors import resident_neighbourhood

    neighbourhood = resident_neighbourhood(person)
    named = consultation.ballot_mode == BallotMode.NAMED
    questions = {q.key: q for q in consultation.questions.all()}
    codes = tally_codes(questions, clean.ballot)
    if existing is not None:
        if not named or existing.channel != Channel.ONLINE or channel != Channel.ONLINE:
            raise ValidationError(_("You have already taken part in this consultation."))
        # Named contributions stay editable until close.
        existing.answers = clean.ballot
        existing.codes = codes
        existing.wants_outcome = wants_outcome
        existing.neighbourhood = neighbourhood
        existing.save(update_fields=["answers", "codes", "wants_outcome", "neighbourhood"])
        existing.texts.all().delete()
        _texts(clean, questions, participation=existing)
        return None
    # One statement, no savepoint: a parallel request of the same person that committed first
    # makes this one insert nothing (the unique constraint), and it is refused.
    with connection.cursor() as cursor:
        values: list[Any] = [
            consultation.pk,
            person.pk,
            channel,
            _local_today(),
            Jsonb(clean.ballot) if named else None,
            codes if named else None,
            neighbourhood.pk if named and neighbourhood else None,
            wants_outcome,
        ]
        cursor.execute(_INSERT_PARTICIPATION, values)
        inserted = cursor.fetchone()
    if inserted is None:
        raise ValidationError(_("You have already taken part in this consultation."))
    if named:
        _texts(clean, questions, participation=Participation(pk=inserted[0]))
        return None
    ballot = Ballot.objects.create(
        consultation=consultation, answers=clean.ballot, codes=codes, neighbourhood=neighbourhood
    )
    _texts(clean, questions, participation=None)
    return ballot.receipt


def _texts(
    clean: CleanAnswers,
    questions: Mapping[str, ConsultationQuestion],
    *,
    participation: Participation | None,
) -> None:
    rows = [
        TextAnswer(question=questions[key], text=text, participation=participation)
        for key, text in clean.texts.items()
    ]
    # Shuffled so that the texts of one ballot are not written next to each other.
    random.SystemRandom().shuffle(rows)
    TextAnswer.objects.bulk_create(rows)


@transaction.atomic
def participation_submit(
    *,
    user: User,
    consultation: Consultation,
    raw: Mapping[str, Any],
    wants_outcome: bool = False,
) -> str | None:
    """A resident's answers, online. Returns the ballot receipt of a secret consultation (None
    for a named one, whose contribution can be changed until close)."""
    consultation = _lock_for_ballot(consultation)
    reason = refusal(user, consultation)
    if reason is not None:
        raise PermissionDenied(refusal_message(reason))
    if consultation.phase != Phase.OPEN:
        raise ValidationError(_("This consultation is not open."))
    existing = Participation.objects.filter(consultation=consultation, user=user).first()
    if existing is not None and existing.channel == Channel.PAPER:
        raise ValidationError(_("Your paper ballot has already been counted."))
    clean = answers_clean(consultation=consultation, raw=raw)
    return _record(
        consultation=consultation,
        person=user,
        existing=existing,
        clean=clean,
        channel=Channel.ONLINE,
        wants_outcome=wants_outcome,
    )


@transaction.atomic
def paper_ballot_enter(
    *, actor: User, consultation: Consultation, resident: User, raw: Mapping[str, Any]
) -> str | None:
    """A paper ballot filled in at the town hall by a verified resident, typed in by staff.
    The resident can no longer vote online (and one who voted online is refused here)."""
    from community.selectors import is_verified

    _require(actor, policy.may_manage)
    consultation = _lock_for_ballot(consultation)
    if consultation.phase != Phase.OPEN:
        raise ValidationError(_("This consultation is not open."))
    if not is_verified(resident):
        raise ValidationError(_("Paper ballots are for verified residents only."))
    reason = refusal(resident, consultation)
    if reason is not None:
        raise ValidationError(refusal_message(reason))
    if Participation.objects.filter(consultation=consultation, user=resident).exists():
        raise ValidationError(_("This resident has already taken part."))
    clean = answers_clean(consultation=consultation, raw=raw)
    receipt = _record(
        consultation=consultation,
        person=resident,
        existing=None,
        clean=clean,
        channel=Channel.PAPER,
        wants_outcome=False,
    )
    # The resident, never the ballot: the audit row says who voted on paper, not how.
    audit_record(
        actor=actor,
        action="civic.consultation_paper_ballot_enter",
        target=consultation,
        data={"resident": resident.pk},
    )
    return receipt


@transaction.atomic
def ballots_mix(*, consultation: Consultation) -> int:
    """Rewrite the consultation's ballot box in random order, in one statement: afterwards no
    ballot carries the transaction id of the participation written with it, and the physical
    order of ballots says nothing about the order in which they were cast. The free texts of
    secret ballots are rewritten the same way. Does nothing when no ballot was cast since the
    last mix. Returns the number of ballots rewritten."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM civic_ballot WHERE consultation_id = %s AND NOT mixed)",
            [consultation.pk],
        )
        if not cursor.fetchone()[0]:
            return 0
        # The planner overestimates these statements and JIT-compiles them for longer than
        # they run (seconds): off, for this transaction only.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            """
            WITH box AS (
                DELETE FROM civic_ballot WHERE consultation_id = %s
                RETURNING id, consultation_id, answers, codes, neighbourhood_id, receipt
            )
            INSERT INTO civic_ballot
                (id, consultation_id, answers, codes, neighbourhood_id, receipt, mixed)
            SELECT id, consultation_id, answers, codes, neighbourhood_id, receipt, true
            FROM box ORDER BY random()
            """,
            [consultation.pk],
        )
        mixed = cursor.rowcount
        # Free texts of secret ballots were written in the voter's transaction too.
        cursor.execute(
            """
            WITH texts AS (
                DELETE FROM civic_textanswer t
                USING civic_consultationquestion q
                WHERE t.question_id = q.id AND q.consultation_id = %s
                    AND t.participation_id IS NULL
                RETURNING t.id, t.question_id, t.text, t.status, t.reason, t.themes
            )
            INSERT INTO civic_textanswer (id, question_id, text, status, reason, themes)
            SELECT id, question_id, text, status, reason, themes FROM texts ORDER BY random()
            """,
            [consultation.pk],
        )
        return mixed


def ballots_mix_open() -> int:
    """Beat: mix the boxes of the consultations open now or closed in the last day."""
    now = timezone.now()
    boxes = Consultation.objects.filter(
        scheduled_at__isnull=False,
        opens_at__lte=now,
        closes_at__gte=now - datetime.timedelta(days=1),
        ballot_mode=BallotMode.SECRET,
    )
    return sum(ballots_mix(consultation=c) for c in boxes)


# --- moderation of free text -------------------------------------------------------------------


@transaction.atomic
def text_answer_moderate(
    *, actor: User, answer: TextAnswer, status: str, reason: str = "", themes: Sequence[str] = ()
) -> TextAnswer:
    """Publish or hide a free-text answer (hiding needs a reason), and set its themes."""
    _require(actor, policy.may_moderate, _("You may not moderate answers."))
    if status not in (TextStatus.PUBLISHED, TextStatus.HIDDEN):
        raise ValidationError({"status": _("Publish or hide the answer.")})
    if status == TextStatus.HIDDEN and not reason.strip():
        raise ValidationError({"reason": _("Say why the answer is hidden.")})
    found = TextAnswer.objects.select_for_update().filter(pk=answer.pk).first()
    if found is None:  # rewritten by ballots_mix at this very moment
        raise ValidationError(_("Please try again."))
    answer = found
    before = {"status": answer.status, "themes": answer.themes}
    answer.status = status
    answer.reason = reason.strip() if status == TextStatus.HIDDEN else ""
    answer.themes = sorted({t.strip().lower()[:40] for t in themes if t.strip()})
    answer.save(update_fields=["status", "reason", "themes"])
    audit_record(
        actor=actor,
        action="civic.consultation_text_moderate",
        target=answer.question.consultation,
        before=before,
        after={"status": status, "themes": answer.themes},
        # The reason stays on the answer: free text may name people, the audit log may not.
        data={"answer": str(answer.pk), "with_reason": bool(answer.reason)},
    )
    return answer


# --- news subscriptions and notifications ------------------------------------------------------


def subscription_set(*, user: User, subscribed: bool) -> None:
    if subscribed:
        ConsultationSubscription.objects.get_or_create(user=user)
    else:
        ConsultationSubscription.objects.filter(user=user).delete()


def unsubscribe_by_token(*, token: str) -> bool:
    deleted, _rows = ConsultationSubscription.objects.filter(token=token).delete()
    return bool(deleted)


def _enqueue(task_name: str, consultation_id: int) -> None:
    def send() -> None:
        from . import tasks

        getattr(tasks, task_name).delay(consultation_id)

    transaction.on_commit(send)


def _notify_opening(consultation: Consultation) -> None:
    _enqueue("send_opening", consultation.pk)


# --- privacy -----------------------------------------------------------------------------------


def personal_data_export(user: User) -> list[dict]:
    """What the resident took part in. Secret ballots are not linked to anyone, so they cannot
    be (and are not) exported; named contributions are."""
    rows = Participation.objects.filter(user=user).select_related("consultation")
    return [
        {
            "consultation": p.consultation.title,
            "channel": p.channel,
            "day": p.day.isoformat(),
            "answers": p.answers,
            "texts": [t.text for t in p.texts.all()],
        }
        for p in rows
    ]


def personal_data_erase(user: User) -> None:
    """Named contributions lose their author (the answers still count) and their free texts,
    which may name the person; participations in secret consultations lose their author too."""
    TextAnswer.objects.filter(participation__user=user).delete()
    Participation.objects.filter(user=user).update(user=None)
    ConsultationSubscription.objects.filter(user=user).delete()
