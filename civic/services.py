"""Writes of street reporting. Every change a resident cares about writes a ReportEvent in the
same transaction; public events also queue one email per follower (sent by a Celery task)."""

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core import ratelimit
from core.images import clean_image

from . import policy
from .models import (
    OPEN_STATUSES,
    Category,
    IssueReport,
    Open311ApiKey,
    Question,
    ReportEvent,
    ReportFollower,
    ReportNotification,
    ReportPhoto,
    Source,
    Status,
    Team,
)
from .storage import move, new_name, private_storage, public_storage

MAX_PHOTOS = 3
PHOTO_MAX_BYTES = 8 * 1024 * 1024
THUMBNAIL_SIDE = 320
TOO_MANY_REPORTS = gettext_lazy("You have sent too many reports recently. Please try again later.")

# Which status a staff member may move a report to, from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.FIXED,
        Status.CLOSED,
        Status.REJECTED,
    ),
    Status.ACKNOWLEDGED: (Status.IN_PROGRESS, Status.FIXED, Status.CLOSED, Status.REJECTED),
    Status.IN_PROGRESS: (Status.ACKNOWLEDGED, Status.FIXED, Status.CLOSED, Status.REJECTED),
    Status.FIXED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (Status.IN_PROGRESS,),
    Status.REJECTED: (Status.ACKNOWLEDGED,),
    Status.DUPLICATE: (Status.ACKNOWLEDGED,),
}


def _touch(report: IssueReport, *fields: str) -> None:
    report.updated_at = timezone.now()
    report.save(update_fields=[*fields, "updated_at"])


def _event(
    report: IssueReport,
    kind: str,
    *,
    actor: User | None = None,
    public: bool = True,
    public_note: str = "",
    internal_note: str = "",
    from_status: str = "",
    to_status: str = "",
    notify: bool = True,
    **data,
) -> ReportEvent:
    event = ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor,
        is_public=public,
        public_note=public_note.strip(),
        internal_note=internal_note.strip(),
        from_status=from_status,
        to_status=to_status,
        data=data,
    )
    if public and notify:
        _queue_notifications(event, exclude=actor)
    return event


def _queue_notifications(event: ReportEvent, *, exclude: User | None) -> None:
    # Deactivated accounts get nothing; followers known only by email (Open311) do.
    followers = event.report.followers.exclude(user__is_active=False)
    if exclude is not None:
        followers = followers.exclude(user=exclude)
    rows = [ReportNotification(event=event, follower=f) for f in followers]
    if not rows:
        return
    ReportNotification.objects.bulk_create(rows, ignore_conflicts=True)
    from .tasks import send_report_notifications

    transaction.on_commit(lambda: send_report_notifications.delay(event.pk))


# --- answers to a category's questions ---------------------------------------------------------


def answers_clean(*, category: Category, raw: Mapping[str, object]) -> dict:
    """The answers to `category`'s questions, validated; `raw` maps a question code to a string
    or (multiple choice) a list of strings. Raises ValidationError keyed by question code."""
    answers: dict = {}
    errors: dict[str, str] = {}
    for question in category.questions.all():
        value = raw.get(question.code)
        values = [
            str(v).strip()
            for v in (
                value
                if isinstance(value, list | tuple)
                else [value]
                if value not in (None, "")
                else []
            )
        ]
        values = [v for v in values if v]
        if not values:
            if question.required:
                errors[question.code] = _("This answer is required.")
            continue
        keys = {key for key, _label in question.choice_items()}
        if question.kind == Question.Kind.TEXT:
            answers[question.code] = values[0][:2000]
        elif question.kind == Question.Kind.NUMBER:
            try:
                number = Decimal(values[0].replace(",", "."))
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errors[question.code] = _("Enter a number.")
                continue
            answers[question.code] = float(number)
        elif question.kind == Question.Kind.DATE:
            parsed = parse_date(values[0]) or (parse_datetime(values[0]) or None)
            if parsed is None:
                errors[question.code] = _("Enter a date (YYYY-MM-DD).")
                continue
            answers[question.code] = (
                parsed.date() if hasattr(parsed, "date") else parsed
            ).isoformat()
        elif question.kind == Question.Kind.SINGLE:
            if values[0] not in keys or len(values) > 1:
                errors[question.code] = _("Choose one of the options.")
                continue
            answers[question.code] = values[0]
        else:
            if not set(values) <= keys:
                errors[question.code] = _("Choose among the options.")
                continue
            answers[question.code] = sorted(set(values))
    if errors:
        raise ValidationError(errors)
    return answers


# --- reports -----------------------------------------------------------------------------------


def _check_point(latitude: float | None, longitude: float | None, address: str) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both the latitude and the longitude."), code="bad_point")
    if latitude is None and not address.strip():
        raise ValidationError(
            _("Place the problem on the map or type its address."), code="no_location"
        )
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise ValidationError(_("This position is not on Earth."), code="bad_point")


def neighbourhood_for(latitude: float | None, longitude: float | None):
    """The neighbourhood of a report's point (community owns the areas and the geometry)."""
    from community.services import neighbourhood_for_point

    if latitude is None or longitude is None:
        return None
    return neighbourhood_for_point(lon=longitude, lat=latitude)


def _clean_photos(uploads: Sequence[UploadedFile], *, already: int = 0) -> list:
    if already + len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            _("You can attach up to %(count)s photos.") % {"count": MAX_PHOTOS}, code="too_many"
        )
    return [
        clean_image(u, max_bytes=PHOTO_MAX_BYTES, formats=("JPEG", "PNG", "WEBP")) for u in uploads
    ]


def _thumbnail(clean) -> bytes:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(clean.content)) as image:
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        fmt = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[clean.extension]
        image.save(out, fmt, **({"quality": 80} if fmt != "PNG" else {}))
    return out.getvalue()


def _store_photo(report: IssueReport, clean, *, by: User | None) -> ReportPhoto:
    storage = public_storage()
    name = storage.save(new_name(clean.extension), ContentFile(clean.content))
    thumb = storage.save(new_name(clean.extension, thumbnail=True), ContentFile(_thumbnail(clean)))
    return ReportPhoto.objects.create(
        report=report,
        file=name,
        thumbnail=thumb,
        content_type=clean.content_type,
        width=clean.width or 0,
        height=clean.height or 0,
        uploaded_by=by,
    )


@transaction.atomic
def issue_report_create(
    *,
    category: Category,
    title: str,
    description: str,
    reporter: User | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    answers: Mapping[str, object] | None = None,
    photos: Sequence[UploadedFile] = (),
    show_name: bool = False,
    source: str = Source.WEB,
    api_key: Open311ApiKey | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    external_media_url: str = "",
) -> IssueReport:
    """A new report. A resident reporter must pass `policy.may_report`; an Open311 request comes
    with its API key instead. Photos are checked by content and re-encoded (EXIF and GPS gone)."""
    if source == Source.OPEN311:
        if api_key is None or not api_key.is_active:
            raise PermissionDenied(_("A valid API key is required."))
    elif (refusal := policy.report_refusal(reporter)) is not None:
        raise PermissionDenied(
            _("Confirm your email address before reporting a problem.")
            if refusal == "email"
            else _("This council asks residents to verify their address before reporting.")
        )
    if not category.is_active:
        raise ValidationError(_("This category is no longer in use."), code="bad_category")
    _check_point(latitude, longitude, address)
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem.")})
    cleaned_answers = answers_clean(category=category, raw=answers or {})
    cleaned_photos = _clean_photos(photos)
    if reporter is not None:
        ratelimit.enforce(
            f"civic:reports:user:{reporter.pk}",
            limit=getattr(settings, "CIVIC_REPORTS_PER_HOUR", 10),
            window=3600,
            message=TOO_MANY_REPORTS,
        )
    elif api_key is not None:
        ratelimit.enforce(
            f"civic:reports:key:{api_key.pk}",
            limit=getattr(settings, "CIVIC_OPEN311_POSTS_PER_HOUR", 600),
            window=3600,
            message=TOO_MANY_REPORTS,
        )

    now = timezone.now()
    report = IssueReport.objects.create(
        category=category,
        reporter=reporter,
        title=(title.strip() or description)[:120],
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=address.strip()[:255],
        neighbourhood=neighbourhood_for(latitude, longitude),
        answers=cleaned_answers,
        show_name=show_name and reporter is not None,
        source=source,
        api_key=api_key,
        contact_name=contact_name[:150],
        contact_email=contact_email,
        contact_phone=contact_phone[:30],
        external_media_url=external_media_url[:500],
        due_at=now + timedelta(days=category.response_days),
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    for clean in cleaned_photos:
        _store_photo(report, clean, by=reporter)
    if reporter is not None:
        ReportFollower.objects.create(report=report, user=reporter)
    elif contact_email:
        ReportFollower.objects.create(report=report, email=contact_email.lower())
    _event(
        report, ReportEvent.Kind.CREATED, actor=reporter, to_status=Status.SUBMITTED, notify=False
    )
    return report


def _require_staff(actor: User, report: IssueReport) -> None:
    if not policy.may_act_on(actor, report):
        raise PermissionDenied(_("You cannot act on reports of this category."))


def _set_status(
    report: IssueReport,
    *,
    actor: User | None,
    status: str,
    public_note: str,
    kind: str = ReportEvent.Kind.STATUS,
    **data,
) -> ReportEvent:
    previous = report.status
    report.status = status
    report.status_changed_at = timezone.now()
    if status in OPEN_STATUSES and previous not in OPEN_STATUSES:
        # Back in the queue: a new deadline from now.
        report.due_at = timezone.now() + timedelta(days=report.category.response_days)
    _touch(report, "status", "status_changed_at", "due_at", "rejection_reason", "duplicate_of")
    return _event(
        report,
        kind,
        actor=actor,
        public_note=public_note,
        from_status=previous,
        to_status=status,
        **data,
    )


@transaction.atomic
def report_status_change(
    *,
    report: IssueReport,
    actor: User,
    status: str,
    public_note: str = "",
    rejection_reason: str = "",
) -> ReportEvent:
    """A staff member moves a report along the workflow, optionally with a public note."""
    _require_staff(actor, report)
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    if status == Status.DUPLICATE:
        raise ValidationError(_("Use “merge” to mark a report as a duplicate."), code="bad_status")
    if status not in TRANSITIONS.get(report.status, ()):
        raise ValidationError(
            _("A report that is “%(current)s” cannot become “%(new)s”.")
            % {
                "current": Status(report.status).label,
                "new": Status(status).label if status in Status.values else status,
            },
            code="bad_transition",
        )
    if status == Status.REJECTED:
        if not rejection_reason.strip():
            raise ValidationError({"rejection_reason": _("Give the reason for rejecting it.")})
        report.rejection_reason = rejection_reason.strip()
        public_note = public_note or rejection_reason
    if status != Status.DUPLICATE:
        report.duplicate_of = None
    return _set_status(report, actor=actor, status=status, public_note=public_note)


@transaction.atomic
def report_category_change(*, report: IssueReport, actor: User, category: Category) -> IssueReport:
    """Route a report to another category (and so to its team); the deadline follows the new
    category's response time, counted from the report's creation."""
    _require_staff(actor, report)
    if category.pk == report.category_id:
        return report
    previous = report.category
    report.category = category
    report.due_at = report.created_at + timedelta(days=category.response_days)
    _touch(report, "category", "due_at")
    _event(
        report,
        ReportEvent.Kind.CATEGORY,
        actor=actor,
        notify=False,
        previous=previous.code,
        category=category.code,
    )
    return report


@transaction.atomic
def report_note_add(
    *, report: IssueReport, actor: User, public_note: str = "", internal_note: str = ""
) -> ReportEvent:
    _require_staff(actor, report)
    if not public_note.strip() and not internal_note.strip():
        raise ValidationError(_("Write a note."))
    _touch(report)
    return _event(
        report,
        ReportEvent.Kind.NOTE,
        actor=actor,
        public_note=public_note,
        internal_note=internal_note,
        public=bool(public_note.strip()),
    )


def reports_bulk_status_change(
    *,
    reports: Sequence[IssueReport],
    actor: User,
    status: str,
    public_note: str = "",
    rejection_reason: str = "",
) -> tuple[list[int], dict[int, str]]:
    """Each report changed in its own transaction; returns the ids changed and an error message
    for each report that was not."""
    changed: list[int] = []
    errors: dict[int, str] = {}
    for report in reports:
        try:
            report_status_change(
                report=report,
                actor=actor,
                status=status,
                public_note=public_note,
                rejection_reason=rejection_reason,
            )
        except (ValidationError, PermissionDenied) as error:
            errors[report.pk] = "; ".join(getattr(error, "messages", [str(error)]))
        else:
            changed.append(report.pk)
    return changed, errors


@transaction.atomic
def report_assign(*, report: IssueReport, actor: User, assignee: User | None) -> IssueReport:
    _require_staff(actor, report)
    if assignee is not None and not policy.may_act_on(assignee, report):
        raise ValidationError(
            _("%(name)s does not handle this category.")
            % {"name": assignee.full_name or assignee.email},
            code="bad_assignee",
        )
    report.assignee = assignee
    _touch(report, "assignee")
    _event(
        report,
        ReportEvent.Kind.ASSIGNED,
        actor=actor,
        public=False,
        assignee=assignee.pk if assignee else None,
    )
    return report


@transaction.atomic
def report_mark_duplicate(
    *, report: IssueReport, original: IssueReport, actor: User, public_note: str = ""
) -> IssueReport:
    """Merge `report` into `original`: its followers and photos move to the original, it becomes
    a duplicate linking there. Returns the original."""
    _require_staff(actor, report)
    _require_staff(actor, original)
    while original.status == Status.DUPLICATE and original.duplicate_of is not None:
        original = original.duplicate_of
    if original.pk == report.pk:
        raise ValidationError(_("A report cannot be a duplicate of itself."), code="self")
    if report.status == Status.DUPLICATE:
        raise ValidationError(_("This report is already a duplicate."), code="already")
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    report.duplicate_of = original
    # The duplicate's followers hear about the merge before they move to the original.
    _set_status(
        report,
        actor=actor,
        status=Status.DUPLICATE,
        public_note=public_note,
        kind=ReportEvent.Kind.DUPLICATE,
        original=original.pk,
    )
    existing_users = set(original.followers.exclude(user=None).values_list("user_id", flat=True))
    existing_emails = set(original.followers.filter(user=None).values_list("email", flat=True))
    for follower in report.followers.all():
        if (follower.user_id and follower.user_id in existing_users) or (
            not follower.user_id and follower.email in existing_emails
        ):
            follower.delete()
        else:
            follower.report = original
            follower.save(update_fields=["report"])
    moved_photos = report.photos.update(report=original)
    _touch(original)
    _event(
        original,
        ReportEvent.Kind.MERGED,
        actor=actor,
        duplicate=report.pk,
        photos=moved_photos,
        notify=False,
    )
    return original


# --- the reporter's follow-up ------------------------------------------------------------------


def _require_reporter(report: IssueReport, user: User) -> None:
    if not user.is_authenticated or report.reporter_id != user.pk:
        raise PermissionDenied(_("Only the person who reported it can do this."))


@transaction.atomic
def report_reopen(*, report: IssueReport, user: User, note: str = "") -> ReportEvent:
    """The reporter says it is not fixed: the report goes back to the queue."""
    _require_reporter(report, user)
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    if report.status not in (Status.FIXED, Status.CLOSED):
        raise ValidationError(_("Only a fixed or closed report can be reopened."), code="not_fixed")
    return _set_status(
        report,
        actor=user,
        status=Status.IN_PROGRESS,
        public_note=note,
        kind=ReportEvent.Kind.REOPENED,
    )


@transaction.atomic
def report_confirm_fixed(*, report: IssueReport, user: User) -> ReportEvent:
    _require_reporter(report, user)
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    if report.status != Status.FIXED:
        raise ValidationError(_("This report is not marked as fixed."), code="not_fixed")
    return _set_status(
        report,
        actor=user,
        status=Status.CLOSED,
        public_note="",
        kind=ReportEvent.Kind.CONFIRMED_FIXED,
    )


# --- following ---------------------------------------------------------------------------------


@transaction.atomic
def report_follow(*, report: IssueReport, user: User) -> ReportFollower:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to follow a report."))
    if report.status == Status.DUPLICATE and report.duplicate_of is not None:
        report = report.duplicate_of
    follower, _created = ReportFollower.objects.get_or_create(report=report, user=user)
    return follower


@transaction.atomic
def report_unfollow(*, report: IssueReport, user: User) -> None:
    ReportFollower.objects.filter(report=report, user=user).delete()


@transaction.atomic
def follower_unsubscribe(*, token: str) -> IssueReport | None:
    """One-click unsubscribe from an email link; returns the report, or None for an unknown or
    already used token."""
    follower = (
        ReportFollower.objects.select_related("report").filter(unsubscribe_token=token).first()
    )
    if follower is None:
        return None
    report = follower.report
    follower.delete()
    return report


# --- moderation --------------------------------------------------------------------------------


def _require_moderator(actor: User) -> None:
    if not policy.may_moderate(actor):
        raise PermissionDenied(_("Only moderators can hide content."))


def _moderation_notice(event: ReportEvent) -> None:
    from .tasks import send_moderation_notice

    transaction.on_commit(lambda: send_moderation_notice.delay(event.pk))


@transaction.atomic
def report_photo_hide(*, photo: ReportPhoto, actor: User, reason: str) -> ReportPhoto:
    """Hide a photo from the public: its files move to private storage (the public address stops
    answering) and the reporter is told why."""
    _require_moderator(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for hiding it.")})
    photo = ReportPhoto.objects.select_for_update().get(pk=photo.pk)
    if photo.is_hidden:
        return photo
    photo.file = move(photo.file, source=public_storage(), target=private_storage())
    photo.thumbnail = move(photo.thumbnail, source=public_storage(), target=private_storage())
    photo.is_hidden, photo.hidden_reason = True, reason.strip()
    photo.save(update_fields=["file", "thumbnail", "is_hidden", "hidden_reason"])
    event = _event(
        photo.report,
        ReportEvent.Kind.PHOTO_HIDDEN,
        actor=actor,
        public=False,
        internal_note=reason,
        photo=photo.pk,
    )
    _moderation_notice(event)
    return photo


@transaction.atomic
def report_photo_unhide(*, photo: ReportPhoto, actor: User) -> ReportPhoto:
    _require_moderator(actor)
    photo = ReportPhoto.objects.select_for_update().get(pk=photo.pk)
    if not photo.is_hidden:
        return photo
    photo.file = move(photo.file, source=private_storage(), target=public_storage())
    photo.thumbnail = move(photo.thumbnail, source=private_storage(), target=public_storage())
    photo.is_hidden, photo.hidden_reason = False, ""
    photo.save(update_fields=["file", "thumbnail", "is_hidden", "hidden_reason"])
    return photo


@transaction.atomic
def report_text_hide(*, report: IssueReport, actor: User, reason: str) -> IssueReport:
    """Hide a report's title and description from the public (staff still read them)."""
    _require_moderator(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for hiding it.")})
    report.text_hidden, report.text_hidden_reason = True, reason.strip()[:300]
    _touch(report, "text_hidden", "text_hidden_reason")
    event = _event(
        report, ReportEvent.Kind.TEXT_HIDDEN, actor=actor, public=False, internal_note=reason
    )
    _moderation_notice(event)
    return report


@transaction.atomic
def report_text_unhide(*, report: IssueReport, actor: User) -> IssueReport:
    _require_moderator(actor)
    report.text_hidden, report.text_hidden_reason = False, ""
    _touch(report, "text_hidden", "text_hidden_reason")
    return report


# --- categories, teams, keys -------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not policy.may_manage(actor):
        raise PermissionDenied(_("Only council administrators can do this."))


CATEGORY_FIELDS = (
    "code",
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "group",
    "team",
    "response_days",
    "is_active",
    "keywords",
    "order",
)


@transaction.atomic
def category_save(*, actor: User, category: Category | None = None, **fields) -> Category:
    _require_manager(actor)
    category = category or Category()
    for name, value in fields.items():
        if name not in CATEGORY_FIELDS:
            raise TypeError(name)
        setattr(category, name, value)
    category.full_clean()
    category.save()
    return category


QUESTION_FIELDS = (
    "code",
    "label_fr",
    "label_en",
    "help_fr",
    "help_en",
    "kind",
    "required",
    "choices",
    "order",
)


@transaction.atomic
def question_save(
    *, actor: User, category: Category, question: Question | None = None, **fields
) -> Question:
    _require_manager(actor)
    question = question or Question(category=category)
    for name, value in fields.items():
        if name not in QUESTION_FIELDS:
            raise TypeError(name)
        setattr(question, name, value)
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and not question.choices:
        raise ValidationError({"choices": _("A choice question needs its options.")})
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    _require_manager(actor)
    question.delete()


@transaction.atomic
def team_save(*, actor: User, name: str, members: Sequence[User], team: Team | None = None) -> Team:
    _require_manager(actor)
    team = team or Team()
    team.name = name.strip()
    team.full_clean()
    team.save()
    team.members.set(members)
    return team


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, created_by: User | None = None) -> tuple[Open311ApiKey, str]:
    """A new Open311 key; the raw key is returned once and only its hash is kept. `created_by`
    None is the management command (an operator with shell access)."""
    if created_by is not None:
        _require_manager(created_by)
    if not name.strip():
        raise ValidationError({"name": _("Name the application.")})
    raw = secrets.token_urlsafe(32)
    key = Open311ApiKey.objects.create(
        name=name.strip()[:120], prefix=raw[:8], key_hash=_hash_key(raw), created_by=created_by
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: Open311ApiKey, actor: User) -> Open311ApiKey:
    _require_manager(actor)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_check(raw: str) -> Open311ApiKey | None:
    """The active key matching `raw`, or None."""
    if not raw:
        return None
    key = Open311ApiKey.objects.filter(key_hash=_hash_key(raw), revoked_at=None).first()
    if key is not None:
        Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


@transaction.atomic
def map_settings_save(*, actor: User, latitude: float, longitude: float, zoom: int):
    from .models import MapSettings

    _require_manager(actor)
    current = MapSettings.objects.order_by("pk").first() or MapSettings()
    current.latitude, current.longitude, current.zoom = latitude, longitude, zoom
    current.full_clean()
    current.save()
    return current


# --- emails ------------------------------------------------------------------------------------


def report_notifications_send(*, event_id: int) -> int:
    """Send the not-yet-sent follower emails of one event; returns how many were sent."""
    from . import emails

    pending = ReportNotification.objects.filter(event_id=event_id, sent_at=None).select_related(
        "event__report__category", "event__report__reporter", "follower__user"
    )
    sent = 0
    for notification in pending:
        # Claim the row first: a concurrent run of the same task skips it.
        claimed = ReportNotification.objects.filter(pk=notification.pk, sent_at=None).update(
            sent_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            emails.follower_update(notification.event, notification.follower)
        except Exception:
            ReportNotification.objects.filter(pk=notification.pk).update(sent_at=None)
            raise
        sent += 1
    return sent


def moderation_notice_send(*, event_id: int) -> None:
    from . import emails

    event = (
        ReportEvent.objects.select_related("report__reporter", "report__category")
        .filter(pk=event_id)
        .first()
    )
    reporter = event.report.reporter if event is not None else None
    if event is not None and reporter is not None and reporter.is_active:
        emails.moderation_notice(event)
