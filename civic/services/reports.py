"""Reports coming in (the resident's site and app, Open311 clients) and who follows them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from community.models import Neighbourhood
from core import ratelimit
from core.geocoding import geocode_first
from core.images import CleanFile, clean_image, image_thumbnail
from core.phones import phone_e164

from .. import policy
from ..models import (
    Category,
    IssueReport,
    Open311ApiKey,
    Question,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
    Source,
    Status,
)
from ..storage import new_name, public_storage
from ._common import event

MAX_PHOTOS = 3
PHOTO_MAX_BYTES = 8 * 1024 * 1024
THUMBNAIL_SIDE = 320
TOO_MANY_REPORTS = gettext_lazy("You have sent too many reports recently. Please try again later.")


# --- answers to a category's questions ---------------------------------------------------------


def _answer_values(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        items: Sequence[object] = value
    elif value in (None, ""):
        items = []
    else:
        items = [value]
    return [text for text in (str(v).strip() for v in items) if text]


def answers_clean(*, category: Category, raw: Mapping[str, object]) -> dict[str, Any]:
    """The answers to `category`'s questions, validated; `raw` maps a question code to a string
    or (multiple choice) a list of strings. Raises ValidationError keyed by question code."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in category.questions.all():
        values = _answer_values(raw.get(question.code))
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
            moment = parse_datetime(values[0])
            day = moment.date() if moment is not None else parse_date(values[0])
            if day is None:
                errors[question.code] = _("Enter a date (YYYY-MM-DD).")
                continue
            answers[question.code] = day.isoformat()
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


# --- place and photos --------------------------------------------------------------------------


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


def _point_of_address(address: str) -> tuple[float | None, float | None]:
    """The point of a report sent with an address alone, from the council's geocoder (the best
    match near the map's centre); no point when nothing matches or the geocoder is down: the
    report is still saved with its address, and staff place it."""
    from ..models import MapSettings

    centre = MapSettings.current()
    found = geocode_first(address, near=(centre.latitude, centre.longitude))
    return (found.latitude, found.longitude) if found else (None, None)


def neighbourhood_for(latitude: float | None, longitude: float | None) -> Neighbourhood | None:
    """The neighbourhood of a report's point (community owns the areas and the geometry)."""
    from community.services import neighbourhood_for_point

    if latitude is None or longitude is None:
        return None
    return neighbourhood_for_point(lon=longitude, lat=latitude)


def _check_photo_count(uploads: Sequence[UploadedFile], *, already: int = 0) -> None:
    if already + len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            _("You can attach up to %(count)s photos.") % {"count": MAX_PHOTOS}, code="too_many"
        )


def _clean_photos(uploads: Sequence[UploadedFile], *, already: int = 0) -> list[CleanFile]:
    _check_photo_count(uploads, already=already)
    return [
        clean_image(u, max_bytes=PHOTO_MAX_BYTES, formats=("JPEG", "PNG", "WEBP")) for u in uploads
    ]


def _store_photo(report: IssueReport, clean: CleanFile, *, by: User | None) -> ReportPhoto:
    storage = public_storage()
    name = storage.save(new_name(clean.extension), ContentFile(clean.content))
    thumb = storage.save(
        new_name(clean.extension, thumbnail=True),
        ContentFile(image_thumbnail(clean, side=THUMBNAIL_SIDE)),
    )
    return ReportPhoto.objects.create(
        report=report,
        file=name,
        thumbnail=thumb,
        content_type=clean.content_type,
        width=clean.width or 0,
        height=clean.height or 0,
        uploaded_by=by,
    )


# --- creating a report -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContent:
    """What every new report says, whichever way it comes in."""

    category: Category
    description: str
    title: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    answers: Mapping[str, object] = field(default_factory=dict)
    photos: Sequence[UploadedFile] = ()


def _report_insert(
    content: ReportContent, *, rate_key: str, rate_limit: int, **origin: Any
) -> IssueReport:
    """The one insert both ways in share, after their own permission check: validates the
    content, counts one report against `rate_key`, writes the report, its photos, its first
    follower and its first event. `origin` holds the columns saying who sent it (reporter or
    API key and contact details, source, show_name...)."""
    category = content.category
    if not category.is_active:
        raise ValidationError(_("This category is no longer in use."), code="bad_category")
    _check_point(content.latitude, content.longitude, content.address)
    description = content.description.strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem.")})
    answers = answers_clean(category=category, raw=content.answers)
    _check_photo_count(content.photos)
    # Counted before any photo is decoded: decoding is the costly part, a refused sender must
    # not get it for free.
    ratelimit.enforce(rate_key, limit=rate_limit, window=3600, message=TOO_MANY_REPORTS)
    latitude, longitude = content.latitude, content.longitude
    if latitude is None or longitude is None:  # an address alone (checked above)
        latitude, longitude = _point_of_address(content.address)
    photos = _clean_photos(content.photos)

    now = timezone.now()
    report = IssueReport.objects.create(
        category=category,
        title=(content.title.strip() or description)[:120],
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=content.address.strip()[:255],
        neighbourhood=neighbourhood_for(latitude, longitude),
        answers=answers,
        due_at=now + timedelta(days=category.response_days),
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        **origin,
    )
    reporter = report.reporter
    for clean in photos:
        _store_photo(report, clean, by=reporter)
    if reporter is not None:
        ReportFollower.objects.create(report=report, user=reporter)
    elif report.contact_email:
        ReportFollower.objects.create(report=report, email=report.contact_email)
    event(
        report, ReportEvent.Kind.CREATED, actor=reporter, to_status=Status.SUBMITTED, notify=False
    )
    return report


@transaction.atomic
def issue_report_create(
    *,
    reporter: User,
    category: Category,
    title: str,
    description: str,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    answers: Mapping[str, object] | None = None,
    photos: Sequence[UploadedFile] = (),
    show_name: bool = False,
    source: str = Source.WEB,
) -> IssueReport:
    """A resident's report, from the site or the app: the reporter must pass
    `policy.may_report`. Photos are checked by content and re-encoded (EXIF and GPS gone)."""
    if (refusal := policy.report_refusal(reporter)) is not None:
        raise PermissionDenied(
            _("Confirm your email address before reporting a problem.")
            if refusal == "email"
            else _("This council asks residents to verify their address before reporting.")
        )
    content = ReportContent(
        category=category,
        title=title,
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=address,
        answers=answers or {},
        photos=photos,
    )
    return _report_insert(
        content,
        rate_key=f"civic:reports:user:{reporter.pk}",
        rate_limit=getattr(settings, "CIVIC_REPORTS_PER_HOUR", 10),
        reporter=reporter,
        show_name=show_name,
        source=source,
    )


@dataclass(frozen=True)
class Open311Contact:
    """The submitter of an Open311 request, who has no account here."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name.strip(), self.last_name.strip()) if p)


def _contact_email(raw: str) -> str:
    """The submitter's address, checked before it becomes a follower address (emails go to
    it); ValidationError keyed "email" otherwise."""
    email = raw.strip().lower()
    if not email:
        return ""
    try:
        # The column holds 254 characters (RFC 5321's limit); the validator accepts up to 320.
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid email address.")}) from error
    return email


@transaction.atomic
def open311_request_create(
    *,
    api_key: Open311ApiKey | None,
    content: ReportContent,
    contact: Open311Contact = Open311Contact(),
    media_url: str = "",
) -> IssueReport:
    """A request posted by an Open311 client app with its API key. The submitter's email
    becomes a follower (they are emailed at every update); their phone is kept in E.164 when
    it is a valid number."""
    if api_key is None or not api_key.is_active:
        raise PermissionDenied(_("A valid API key is required."))
    email = _contact_email(contact.email)
    phone = contact.phone.strip()
    return _report_insert(
        content,
        rate_key=f"civic:reports:key:{api_key.pk}",
        rate_limit=getattr(settings, "CIVIC_OPEN311_POSTS_PER_HOUR", 600),
        source=Source.OPEN311,
        api_key=api_key,
        contact_name=contact.name[:150],
        contact_email=email,
        contact_phone=(phone_e164(phone) or phone)[:30],
        external_media_url=media_url.strip()[:500],
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
