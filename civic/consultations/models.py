"""Consultations and polls: questions, who took part, and the secret ballots.

Secret ballot design (issue 9). Taking part writes two rows in one transaction:

- `Participation`: *who* took part, the channel (online or paper) and the **day**. It is what
  makes "one participation per person" a unique constraint, and what the resident exports.
- `Ballot`: *what* was answered, the neighbourhood (for breakdowns) and a random receipt code.
  Its key is a random UUID; it has no foreign key to the participation or the user, no serial
  column and no time at all (not even the day: with the day on both rows, a neighbourhood where
  one person took part on a given day would link the two; participations carry the day).

What the schema alone cannot hide, and how it is handled:
- PostgreSQL writes rows in insertion order and stamps each with its transaction id (`xmin`),
  the same for a participation and its ballot. `services.ballots_mix` rewrites a consultation's
  ballot box in one statement, in random order: every ballot then carries the mixer's
  transaction id and a physical position unrelated to when it was cast. It runs from beat every
  few minutes while a consultation is open and when results are computed after close; ballots cast
  since the last mix stay linkable by a database administrator until the next one.
- Free-text answers are stored apart from ballots (`TextAnswer`, random key, not linked to the
  ballot): a sentence such as "I run the bakery on the quay" would otherwise identify the whole
  ballot.
- In a *named* consultation the contribution is the participation itself (`answers` on the
  participation, editable until close) and no ballot is written.
"""

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What civic/models.py imports, so that Django sees these models under the `civic` app label.
__all__ = [
    "Ballot",
    "Consultation",
    "ConsultationAttachment",
    "ConsultationQuestion",
    "ConsultationSubscription",
    "Participation",
    "TextAnswer",
]

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud safely


def receipt_code() -> str:
    """A ballot receipt: 10 characters from 30 symbols (≈49 bits), grouped for reading."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


class Eligibility(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed-in residents")
    EMAIL_CONFIRMED = "email_confirmed", _("Residents with a confirmed email")
    VERIFIED = "verified", _("Verified residents")


ELIGIBILITY_RANK = {
    Eligibility.SIGNED_IN: 0,
    Eligibility.EMAIL_CONFIRMED: 1,
    Eligibility.VERIFIED: 2,
}


class BallotMode(models.TextChoices):
    SECRET = "secret", _("Secret: nobody can link answers to a person")
    NAMED = "named", _("Named: contributions are shown with the resident's name")


class ResultsVisibility(models.TextChoices):
    LIVE = "live", _("Live, while the consultation is open")
    AFTER_CLOSE = "after_close", _("Once the consultation is closed")
    STAFF_ONLY = "staff_only", _("Staff only, until the council publishes them")


class Phase(models.TextChoices):
    """Where a consultation stands now (computed from its dates, see `Consultation.phase`)."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Results published")


class Consultation(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown: **bold**, lists, links."))
    # Rendered from `body` by the service (markdown, then nh3): templates show it as is.
    body_html = models.TextField(blank=True, editable=False)
    cover_image = models.CharField(max_length=200, blank=True)
    whole_council = models.BooleanField(_("the whole council"), default=True)
    neighbourhoods = models.ManyToManyField(
        "community.Neighbourhood",
        blank=True,
        related_name="consultations",
        verbose_name=_("neighbourhoods"),
    )
    eligibility = models.CharField(
        _("who may take part"),
        max_length=16,
        choices=Eligibility.choices,
        default=Eligibility.VERIFIED,
        help_text=_("The council's setting for votes applies when it is stricter."),
    )
    ballot_mode = models.CharField(
        _("ballot"), max_length=8, choices=BallotMode.choices, default=BallotMode.SECRET
    )
    results_visibility = models.CharField(
        _("results shown"),
        max_length=12,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.AFTER_CLOSE,
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # Set when staff schedule it (None: a draft only staff see).
    scheduled_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    # Tallies computed once the consultation is closed (see selectors.results).
    results_cache = models.JSONField(null=True, blank=True, editable=False)
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=_("What the council decided, and why. Markdown.")
    )
    outcome_html = models.TextField(blank=True, editable=False)
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    opening_notified_at = models.DateTimeField(null=True, blank=True)
    outcome_notified = models.BooleanField(default=False)
    related_reports = models.ManyToManyField(
        "civic.IssueReport", blank=True, related_name="consultations"
    )
    duplicated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="consultation_closes_after"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("civic:consultations:detail", args=[self.pk])

    def phase_at(self, now) -> str:
        if self.scheduled_at is None:
            return Phase.DRAFT
        if self.results_published_at is not None:
            return Phase.PUBLISHED
        if now < self.opens_at:
            return Phase.SCHEDULED
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.CLOSED

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    def get_phase_display(self) -> str:
        return str(Phase(self.phase).label)

    @property
    def is_open(self) -> bool:
        return self.phase == Phase.OPEN

    @property
    def is_closed(self) -> bool:
        return self.phase in (Phase.CLOSED, Phase.PUBLISHED)

    @property
    def is_secret(self) -> bool:
        return self.ballot_mode == BallotMode.SECRET

    @property
    def cover_url(self) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(self.cover_image) if self.cover_image else ""

    @property
    def is_quick_poll(self) -> bool:
        return len(self.questions.all()) == 1


class ConsultationAttachment(models.Model):
    """A document residents read before answering (a plan, a study): a PDF or an image, checked
    and stored under the council's public media."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def url(self) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(self.file)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    RANKING = "ranking", _("Ranking")
    SCALE = "scale", _("Scale")
    YES_NO = "yes_no", _("Yes / no / abstain")
    NUMBER = "number", _("Number")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
OTHER = "other"  # the choice key of "Other (please specify)"


class ConsultationQuestion(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # [{"key": "a", "label": "…"}] for single, multiple and ranking questions.
    choices = models.JSONField(default=list, blank=True)
    allow_other = models.BooleanField(_('offer "other (please specify)"'), default=False)
    shuffle = models.BooleanField(_("shuffle the options for each respondent"), default=False)
    min_choices = models.PositiveSmallIntegerField(_("at least (choices)"), null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(_("at most (choices)"), null=True, blank=True)
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    min_label = models.CharField(_("label of the lowest value"), max_length=60, blank=True)
    max_label = models.CharField(_("label of the highest value"), max_length=60, blank=True)
    number_min = models.IntegerField(_("smallest number"), null=True, blank=True)
    number_max = models.IntegerField(_("largest number"), null=True, blank=True)
    # One level of conditions: shown only when `show_if` was answered with `show_if_value`.
    show_if = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependants",
        verbose_name=_("only when the question"),
    )
    show_if_value = models.CharField(_("was answered"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def key(self) -> str:
        """The key of this question's answer in a ballot."""
        return str(self.pk)

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    def options(self) -> list[tuple[str, str]]:
        """(key, label) of the answers a resident picks from, "other" last."""
        if self.kind == QuestionKind.YES_NO:
            return [("yes", str(_("Yes"))), ("no", str(_("No"))), ("abstain", str(_("Abstain")))]
        if self.kind == QuestionKind.SCALE:
            return [(str(v), str(v)) for v in range(self.scale_min, self.scale_max + 1)]
        items = [(str(c["key"]), str(c["label"])) for c in self.choices]
        if self.allow_other and self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            items.append((OTHER, str(_("Other (please specify)"))))
        return items


# A ballot's answers are tallied by GROUP BY over one integer per answer (unnest of `codes`),
# far cheaper than walking JSON: question id, option index and ranking position packed together.
CODE_QUESTION = 4096
CODE_OPTION = 64
ANSWERED = CODE_OPTION - 1  # "option" meaning: this question was answered (several choices)


def tally_codes(questions: dict[str, "ConsultationQuestion"], answers: dict) -> list[int]:
    """The integer codes of validated `answers` (numbers are tallied from the JSON)."""
    codes: list[int] = []
    for key, value in answers.items():
        question = questions[key]
        if question.kind == QuestionKind.NUMBER:
            continue
        index = {k: i for i, (k, _label) in enumerate(question.options())}
        values = value if isinstance(value, list) else [value]
        base = question.pk * CODE_QUESTION
        for position, item in enumerate(values, start=1):
            ranked = position if question.kind == QuestionKind.RANKING else 0
            codes.append(base + index[str(item)] * CODE_OPTION + ranked)
        if question.kind == QuestionKind.MULTIPLE:
            codes.append(base + ANSWERED * CODE_OPTION)
    return codes


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper, at the town hall")


class Participation(models.Model):
    """Who took part (one row per person and consultation). No time finer than the day."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participations"
    )
    # None once the person deleted their account (the count of participants stays right).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_participations",
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    day = models.DateField()
    # Named consultations only: the contribution, shown with the name, editable until close.
    answers = models.JSONField(null=True, blank=True)
    codes = ArrayField(models.BigIntegerField(), null=True, blank=True)
    neighbourhood = models.ForeignKey(
        "community.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Opt-in: email me when the outcome is published.
    wants_outcome = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], name="one_participation_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.consultation}"


class Ballot(models.Model):
    """What one person answered in a secret consultation, unlinkable to them (module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="ballots")
    # {question key: "choice" | ["choice", …] (multiple, ranking in order) | number}
    answers = models.JSONField(default=dict)
    neighbourhood = models.ForeignKey(
        "community.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    receipt = models.CharField(max_length=11, default=receipt_code)
    # The answers again, as integers for tallying in SQL (see `tally_codes`).
    codes = ArrayField(models.BigIntegerField(), default=list)
    # False until `services.ballots_mix` has rewritten the box since this ballot was cast.
    mixed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "receipt"], name="ballot_receipt_unique"
            )
        ]

    def __str__(self) -> str:
        return self.receipt


class TextStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")


class TextAnswer(models.Model):
    """A free-text answer (or an "other" text), kept apart from the ballot and moderated before
    anyone outside staff reads it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    question = models.ForeignKey(
        ConsultationQuestion, on_delete=models.CASCADE, related_name="text_answers"
    )
    text = models.TextField()
    # Named consultations only: whose contribution it is (shown with the name).
    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, null=True, blank=True, related_name="texts"
    )
    status = models.CharField(max_length=10, choices=TextStatus.choices, default=TextStatus.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    themes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("text answer")
        verbose_name_plural = _("text answers")

    def __str__(self) -> str:
        return self.text[:60]


class ConsultationSubscription(models.Model):
    """A resident who wants emails about consultations (opening, reminder, outcome)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultation_subscription"
    )
    token = models.CharField(max_length=43, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation news subscription")

    def __str__(self) -> str:
        return str(self.user)
