"""Street issue reporting: the council's categories (Open311 services), residents' reports,
their photos, public timeline, followers, staff teams and Open311 API keys."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def _localised(obj, field: str) -> str:
    """`field_<lang>` in the active language, falling back to the other one."""
    lang = (translation.get_language() or "fr")[:2]
    first, second = (f"{field}_{lang}", f"{field}_fr" if lang != "fr" else f"{field}_en")
    return getattr(obj, first, "") or getattr(obj, second, "")


class Team(models.Model):
    """A group of staff who handle some categories (e.g. the roads team). An agent sees and acts
    on the reports of their teams' categories only."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="civic_teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A kind of problem the council handles; an Open311 service."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short identifier, used as the Open311 service_code."),
    )
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    group = models.CharField(
        _("group"), max_length=80, blank=True, help_text=_("e.g. Roads, Lighting, Cleanliness")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("handled by"),
    )
    response_days = models.PositiveSmallIntegerField(_("expected response time (days)"), default=7)
    is_active = models.BooleanField(_("active"), default=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["group", "order", "name_fr"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def description(self) -> str:
        return _localised(self, "description")


class Question(models.Model):
    """An extra question of a category; an Open311 service attribute."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")

    # Open311 datatypes for each kind.
    OPEN311_DATATYPES = {
        "text": "text",
        "number": "number",
        "date": "datetime",
        "single": "singlevaluelist",
        "multiple": "multivaluelist",
    }

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=40)
    label_fr = models.CharField(_("question (French)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    help_fr = models.CharField(_("help (French)"), max_length=200, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    # [{"key": "a", "name_fr": "…", "name_en": "…"}] for the choice kinds.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="civic_question_code_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _localised(self, "label")

    @property
    def help_text(self) -> str:
        return _localised(self, "help")

    @property
    def open311_datatype(self) -> str:
        return self.OPEN311_DATATYPES[self.kind]

    def choice_items(self) -> list[tuple[str, str]]:
        return [(str(c["key"]), _localised(_Choice(c), "name")) for c in self.choices]


class _Choice:
    def __init__(self, data: dict):
        self.name_fr = data.get("name_fr", "")
        self.name_en = data.get("name_en", "")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    FIXED = "fixed", _("Fixed")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


def _request_token() -> str:
    return secrets.token_hex(16)


class Source(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("App (API)")
    OPEN311 = "open311", _("Open311")
    STAFF = "staff", _("Staff")


class IssueReport(models.Model):
    """A problem in the street reported by a resident (or through Open311)."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issue_reports",
    )
    # Open311 submitters without an account.
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    neighbourhood = models.ForeignKey(
        "community.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issue_reports",
    )
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    rejection_reason = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_issue_reports",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    api_key = models.ForeignKey(
        "Open311ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    # Open311 `tokens/{id}`: a stable public handle for the request a client posted.
    token = models.CharField(max_length=32, unique=True, default=_request_token)
    external_media_url = models.URLField(max_length=500, blank=True)
    text_hidden = models.BooleanField(default=False)
    text_hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="civic_report_point"),
            models.Index(fields=["status", "-id"], name="civic_report_status_id"),
            models.Index(fields=["category", "status"], name="civic_report_cat_status"),
            models.Index(fields=["created_at"], name="civic_report_created"),
            models.Index(fields=["updated_at"], name="civic_report_updated"),
            models.Index(fields=["due_at"], name="civic_report_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("civic:report_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def open311_status(self) -> str:
        return "open" if self.is_open else "closed"

    @property
    def public_title(self) -> str:
        return self.category.name if self.text_hidden else self.title

    @property
    def public_description(self) -> str:
        return "" if self.text_hidden else self.description

    @property
    def public_reporter_name(self) -> str:
        if self.show_name and self.reporter_id and self.reporter:
            return self.reporter.full_name
        return ""


class ReportPhoto(models.Model):
    """A photo of a report, re-encoded (no EXIF) with a thumbnail.

    Visible photos live in the council's default (public) storage; a hidden photo's files are
    moved to the private storage under new names, so its public address stops answering at once
    (civic/storage.py)."""

    report = models.ForeignKey(IssueReport, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=255)
    thumbnail = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of report {self.report_id}"

    def _url(self, name: str) -> str:
        from .storage import public_storage

        return "" if self.is_hidden else public_storage().url(name)

    @property
    def url(self) -> str:
        return self._url(self.file)

    @property
    def thumbnail_url(self) -> str:
        return self._url(self.thumbnail)


class ReportEvent(models.Model):
    """One entry of a report's history. Public entries form the report's timeline; the others
    (assignment, moderation) are the staff's audit trail."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Reported")
        STATUS = "status", _("Status changed")
        NOTE = "note", _("Update")
        ASSIGNED = "assigned", _("Assigned")
        DUPLICATE = "duplicate", _("Marked as duplicate")
        MERGED = "merged", _("Duplicate merged in")
        REOPENED = "reopened", _("Reopened by the reporter")
        CONFIRMED_FIXED = "confirmed", _("Fix confirmed by the reporter")
        PHOTO_HIDDEN = "photo_hidden", _("Photo hidden")
        TEXT_HIDDEN = "text_hidden", _("Text hidden")
        CATEGORY = "category", _("Category changed")

    report = models.ForeignKey(IssueReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    public_note = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["report", "created_at"], name="civic_event_report")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"

    @property
    def to_status_label(self) -> str:
        return str(Status(self.to_status).label) if self.to_status else ""


def _unsubscribe_token() -> str:
    return secrets.token_urlsafe(24)


class ReportFollower(models.Model):
    """Someone who receives an email on every public update of a report: a resident with an
    account, or an Open311 submitter known by email only."""

    report = models.ForeignKey(IssueReport, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followed_issue_reports",
    )
    email = models.EmailField(blank=True)
    unsubscribe_token = models.CharField(max_length=40, unique=True, default=_unsubscribe_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="civic_follower_user_unique"),
            models.UniqueConstraint(
                fields=["report", "email"],
                condition=models.Q(user=None),
                name="civic_follower_email_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} follows {self.report_id}"

    @property
    def address(self) -> str:
        return self.user.email if self.user is not None else self.email


class ReportNotification(models.Model):
    """One follower's email for one public event. Rows are written with the event, in its
    transaction; the task sends those not yet sent, so a retried task sends nothing twice."""

    event = models.ForeignKey(ReportEvent, on_delete=models.CASCADE, related_name="notifications")
    follower = models.ForeignKey(
        ReportFollower, on_delete=models.CASCADE, related_name="notifications"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "follower"], name="civic_notification_unique")
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} to follower {self.follower_id}"


class Open311ApiKey(models.Model):
    """A key an Open311 client app uses to post requests. Only its hash is stored."""

    name = models.CharField(_("application name"), max_length=120)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MapSettings(models.Model):
    """The council's map: where it opens. One row per council."""

    latitude = models.FloatField(_("latitude of the map centre"), default=46.6)
    longitude = models.FloatField(_("longitude of the map centre"), default=2.4)
    zoom = models.PositiveSmallIntegerField(_("zoom"), default=13)

    class Meta:
        verbose_name = _("map settings")

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude} @ {self.zoom}"

    @classmethod
    def current(cls) -> "MapSettings":
        return cls.objects.order_by("pk").first() or cls()


from .consultations.models import *  # noqa: E402, F403  (the models of civic/consultations/)
