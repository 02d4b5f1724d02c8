"""Writes of mutual aid. Every service checks the actor's rights itself (whatever view, API view
or task calls it); staff services write one audit row in their transaction.

Emails leave through Celery once the transaction commits; the task module is imported only
when something is queued (STYLE.md, "Layers")."""

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from core import ratelimit
from core.audit import audit_record
from core.images import CleanFile, clean_image, image_thumbnail

from ..models import Residence
from ..selectors import may_use
from ..storage import private_document_storage
from .models import (
    LISTING_DAYS,
    AbuseReport,
    AbuseReportStatus,
    AidCategory,
    Block,
    Compensation,
    Conversation,
    Listing,
    ListingKind,
    ListingPhoto,
    ListingStatus,
    Loan,
    LoanStatus,
    Message,
    Reach,
    Suspension,
    ThankYou,
)

MODERATOR_ROLES: tuple[Role, ...] = (Role.COUNCIL_ADMIN, Role.MODERATOR)
MAX_PHOTOS = 3
PHOTO_MAX_BYTES = 8 * 1024 * 1024
THUMBNAIL_SIDE = 400
# Grouped email notifications: at most one email per thread and recipient in this window.
EMAIL_WINDOW = timedelta(minutes=15)
# Accounts younger than this get the stricter limits.
NEW_ACCOUNT_AGE = timedelta(days=7)
LISTINGS_PER_DAY = {"new": 2, "established": 10}
MESSAGES_PER_HOUR = {"new": 10, "established": 60}
REPORTS_PER_DAY = 20
MAX_SUSPENSION_DAYS = 365
_LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|fr|net|org|io|ly|me|info|biz)\b)", re.I)


# --- rights ------------------------------------------------------------------------------------


def active_suspension(user: User) -> Suspension | None:
    return (
        Suspension.objects.filter(resident=user, until__gt=timezone.now())
        .order_by("-until")
        .first()
    )


def require_participant(user: User | None) -> User:
    """PermissionDenied unless `user` may post and answer in mutual aid: signed in, verified
    where the council requires it (`require_mutual_aid`), and not suspended by a moderator."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to take part in mutual aid."))
    if not may_use(user, "mutual_aid"):
        raise PermissionDenied(
            _("Only residents whose address is verified can post and answer in mutual aid.")
        )
    suspension = active_suspension(user)
    if suspension is not None:
        raise PermissionDenied(
            _("Your mutual aid rights are withdrawn until %(date)s: %(reason)s")
            % {
                "date": date_format(timezone.localtime(suspension.until)),
                "reason": suspension.reason,
            }
        )
    return user


def require_moderator(actor: User | None) -> User:
    if actor is None or not actor.is_authenticated or not actor.has_role(*MODERATOR_ROLES):
        raise PermissionDenied(_("Your role does not allow this."))
    return actor


def _seniority(user: User) -> str:
    return "new" if timezone.now() - user.date_joined < NEW_ACCOUNT_AGE else "established"


def is_blocked_between(a: User | None, b: User | None) -> bool:
    if a is None or b is None:
        return False
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def contains_link(text: str) -> bool:
    return bool(_LINK.search(text))


# --- listings ----------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(count)s characters.") % {"count": max_length}})
    return value


def _check_compensation(compensation: str, amount: Decimal | None) -> Decimal | None:
    if compensation not in Compensation.values:
        raise ValidationError({"compensation": _("Choose a compensation.")})
    if compensation == Compensation.FREE:
        return None
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Give the amount, or choose free.")})
    if amount >= Decimal("10000"):
        raise ValidationError({"amount": _("This amount is too high.")})
    return amount


def _clean_photos(uploads: Sequence[UploadedFile], *, already: int = 0) -> list[CleanFile]:
    if already + len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("You can attach up to %(count)s photos.") % {"count": MAX_PHOTOS}}
        )
    try:
        return [
            clean_image(u, max_bytes=PHOTO_MAX_BYTES, formats=("JPEG", "PNG", "WEBP"))
            for u in uploads
        ]
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from error


def _store_photo(listing: Listing, clean: CleanFile) -> ListingPhoto:
    storage = private_document_storage()
    stem = f"mutual_aid/{secrets.token_urlsafe(18)}"
    name = storage.save(f"{stem}.{clean.extension}", ContentFile(clean.content))
    thumb = storage.save(
        f"{stem}-thumb.{clean.extension}",
        ContentFile(image_thumbnail(clean, side=THUMBNAIL_SIDE)),
    )
    return ListingPhoto.objects.create(
        listing=listing,
        file=name,
        thumbnail=thumb,
        content_type=clean.content_type,
        width=clean.width or 0,
        height=clean.height or 0,
    )


def _delete_photo_files(photos: Sequence[ListingPhoto]) -> None:
    storage = private_document_storage()
    names = [n for p in photos for n in (p.file, p.thumbnail)]

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def listing_create(
    *,
    author: User,
    kind: str,
    category: AidCategory,
    title: str,
    description: str,
    compensation: str = Compensation.FREE,
    amount: Decimal | None = None,
    availability: str = "",
    reach: str = Reach.NEIGHBOURHOOD,
    photos: Sequence[UploadedFile] = (),
) -> Listing:
    """A new offer or request, placed at the author's neighbourhood (never their address)."""
    require_participant(author)
    if kind not in ListingKind.values:
        raise ValidationError({"kind": _("Choose an offer or a request.")})
    if reach not in Reach.values:
        raise ValidationError({"reach": _("Choose who the listing is for.")})
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer offered.")})
    title = _clean_text(title, field="title", label=_("A title"), max_length=120)
    description = _clean_text(
        description, field="description", label=_("A description"), max_length=4000
    )
    amount = _check_compensation(compensation, amount)
    cleaned = _clean_photos(photos)
    limit = LISTINGS_PER_DAY[_seniority(author)]
    ratelimit.enforce(
        f"aid:listings:{author.pk}",
        limit=limit,
        window=86400,
        message=_("You can post %(count)s listings a day.") % {"count": limit},
    )
    residence = Residence.objects.filter(user=author).select_related("neighbourhood").first()
    listing = Listing.objects.create(
        author=author,
        kind=kind,
        category=category,
        title=title,
        description=description,
        compensation=compensation,
        amount=amount,
        availability=(availability or "").strip()[:200],
        reach=reach,
        neighbourhood=residence.neighbourhood if residence else None,
    )
    for clean in cleaned:
        _store_photo(listing, clean)
    return listing


@transaction.atomic
def listing_update(
    *,
    listing: Listing,
    actor: User,
    kind: str,
    category: AidCategory,
    title: str,
    description: str,
    compensation: str = Compensation.FREE,
    amount: Decimal | None = None,
    availability: str = "",
    reach: str = Reach.NEIGHBOURHOOD,
    photos: Sequence[UploadedFile] = (),
    remove_photos: Sequence[int] = (),
) -> Listing:
    """The author edits an open listing: its text and terms, photos added or removed (three at
    most). Its place stays the author's neighbourhood."""
    require_participant(actor)
    listing = _own_listing(listing, actor)
    if listing.status != ListingStatus.OPEN:
        raise ValidationError(_("Only an open listing can be changed."), code="not_open")
    if kind not in ListingKind.values:
        raise ValidationError({"kind": _("Choose an offer or a request.")})
    if reach not in Reach.values:
        raise ValidationError({"reach": _("Choose who the listing is for.")})
    if category.pk != listing.category_id and not category.is_active:
        raise ValidationError({"category": _("This category is no longer offered.")})
    removed = list(listing.photos.filter(pk__in=list(remove_photos)))
    kept = listing.photos.count() - len(removed)
    cleaned = _clean_photos(photos, already=kept)
    listing.kind, listing.category, listing.reach = kind, category, reach
    listing.title = _clean_text(title, field="title", label=_("A title"), max_length=120)
    listing.description = _clean_text(
        description, field="description", label=_("A description"), max_length=4000
    )
    listing.compensation = compensation
    listing.amount = _check_compensation(compensation, amount)
    listing.availability = (availability or "").strip()[:200]
    listing.save()
    _delete_photo_files(removed)
    ListingPhoto.objects.filter(pk__in=[p.pk for p in removed]).delete()
    for clean in cleaned:
        _store_photo(listing, clean)
    return listing


def _own_listing(listing: Listing, actor: User) -> Listing:
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    if locked.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can change this listing."))
    if locked.is_hidden:
        raise ValidationError(_("A moderator hid this listing."), code="hidden")
    return locked


@transaction.atomic
def listing_renew(*, listing: Listing, actor: User) -> Listing:
    """Another 30 days for an open listing, counted from today."""
    require_participant(actor)
    listing = _own_listing(listing, actor)
    if listing.status != ListingStatus.OPEN:
        raise ValidationError(_("Only an open listing can be renewed."), code="not_open")
    listing.expires_at = timezone.now() + timedelta(days=LISTING_DAYS)
    listing.save(update_fields=["expires_at", "updated_at"])
    return listing


@transaction.atomic
def listing_close(*, listing: Listing, actor: User) -> Listing:
    """The author withdraws the listing (no longer needed or offered)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to take part in mutual aid."))
    listing = _own_listing(listing, actor)
    if listing.status in (ListingStatus.DONE, ListingStatus.CLOSED):
        return listing
    listing.status = ListingStatus.CLOSED
    listing.save(update_fields=["status", "updated_at"])
    return listing


@transaction.atomic
def listing_agree(*, listing: Listing, actor: User, conversation: Conversation) -> Listing:
    """The author picks the resident of `conversation` as the helper: open → agreed."""
    require_participant(actor)
    listing = _own_listing(listing, actor)
    if conversation.listing_id != listing.pk or conversation.respondent_id is None:
        raise ValidationError(_("Pick someone who wrote to you about this listing."))
    if listing.status != ListingStatus.OPEN:
        raise ValidationError(_("This listing is no longer open."), code="not_open")
    if is_blocked_between(actor, conversation.respondent):
        raise ValidationError(_("You cannot agree with a resident you blocked."))
    listing.status = ListingStatus.AGREED
    listing.helper_id = conversation.respondent_id
    listing.agreed_at = timezone.now()
    listing.save(update_fields=["status", "helper", "agreed_at", "updated_at"])
    return listing


@transaction.atomic
def listing_done(*, listing: Listing, actor: User) -> Listing:
    """agreed → done: the help happened. Each side may then leave a thank-you."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to take part in mutual aid."))
    listing = _own_listing(listing, actor)
    if listing.status != ListingStatus.AGREED:
        raise ValidationError(_("Pick a helper first."), code="not_agreed")
    listing.status = ListingStatus.DONE
    listing.done_at = timezone.now()
    listing.save(update_fields=["status", "done_at", "updated_at"])
    return listing


# --- conversations -----------------------------------------------------------------------------


def _queue_notifications(conversation: Conversation) -> None:
    from .tasks import send_conversation_notifications

    conversation_id = conversation.pk
    transaction.on_commit(lambda: send_conversation_notifications.delay(conversation_id))


def _add_message(conversation: Conversation, sender: User, body: str) -> Message:
    body = _clean_text(body, field="body", label=_("A message"), max_length=2000)
    limit = MESSAGES_PER_HOUR[_seniority(sender)]
    ratelimit.enforce(
        f"aid:messages:{sender.pk}",
        limit=limit,
        window=3600,
        message=_("You can send %(count)s messages an hour.") % {"count": limit},
    )
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        sender=sender,
        body=body,
        has_link=contains_link(body),
        created_at=now,
    )
    side = conversation.side_of(sender)
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now, **{f"{side}_read_at": now}
    )
    _queue_notifications(conversation)
    return message


@transaction.atomic
def conversation_open(*, listing: Listing, respondent: User, body: str) -> Conversation:
    """ "I'm interested": a private thread between the author and `respondent`, with a first
    message. Writing again on the same listing continues the same thread."""
    require_participant(respondent)
    listing = Listing.objects.select_for_update().select_related("author").get(pk=listing.pk)
    if listing.author_id == respondent.pk:
        raise ValidationError(_("This is your own listing."), code="own_listing")
    if not listing.is_open:
        raise ValidationError(_("This listing is no longer open."), code="not_open")
    if is_blocked_between(respondent, listing.author):
        raise PermissionDenied(_("You cannot write to this resident."))
    conversation = Conversation.objects.filter(listing=listing, respondent=respondent).first()
    if conversation is None:
        conversation = Conversation.objects.create(
            listing=listing,
            listing_title=listing.title,
            author=listing.author,
            respondent=respondent,
        )
    _add_message(conversation, respondent, body)
    return conversation


@transaction.atomic
def message_send(*, conversation: Conversation, sender: User, body: str) -> Message:
    require_participant(sender)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.side_of(sender) is None:
        raise PermissionDenied(_("This conversation is not yours."))
    other = conversation.other_of(sender)
    if other is None or not other.is_active:
        raise ValidationError(_("This resident has left the platform."), code="gone")
    if is_blocked_between(sender, other):
        raise PermissionDenied(_("You cannot write to this resident."))
    return _add_message(conversation, sender, body)


def conversation_mark_read(*, conversation: Conversation, reader: User) -> None:
    side = conversation.side_of(reader)
    if side is None:
        raise PermissionDenied(_("This conversation is not yours."))
    Conversation.objects.filter(pk=conversation.pk).update(**{f"{side}_read_at": timezone.now()})


def _schedule_notifications(conversation_id: int, *, eta: datetime) -> None:
    from .tasks import send_conversation_notifications

    transaction.on_commit(
        lambda: send_conversation_notifications.apply_async((conversation_id,), eta=eta)
    )


def conversation_notifications_send(*, conversation_id: int) -> int:
    """Email each side of a thread about messages they have not read, at most once per
    EMAIL_WINDOW: within the window a single deferred send is scheduled for its end. Safe to
    run twice (the email time is claimed before sending). Returns the emails sent."""
    from . import emails

    conversation = (
        Conversation.objects.select_related("author", "respondent")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        return 0
    now = timezone.now()
    sent = 0
    for side, other_side in (("author", "respondent"), ("respondent", "author")):
        recipient: User | None = getattr(conversation, side)
        sender: User | None = getattr(conversation, other_side)
        if recipient is None or not recipient.is_active:
            continue
        emailed_at = getattr(conversation, f"{side}_emailed_at")
        marks = [t for t in (emailed_at, getattr(conversation, f"{side}_read_at")) if t]
        unread = conversation.messages.filter(is_hidden=False).exclude(sender=recipient)
        if marks:
            unread = unread.filter(created_at__gt=max(marks))
        count = unread.count()
        if not count:
            # Read on the site meanwhile: nothing to send, nothing left to re-drive.
            Conversation.objects.filter(pk=conversation.pk).update(**{f"{side}_email_due_at": None})
            continue
        if emailed_at is not None and now - emailed_at < EMAIL_WINDOW:
            due = emailed_at + EMAIL_WINDOW
            # One deferred send per window: the first message in it schedules it.
            if Conversation.objects.filter(
                pk=conversation.pk, **{f"{side}_email_due_at": None}
            ).update(**{f"{side}_email_due_at": due}):
                _schedule_notifications(conversation.pk, eta=due)
            continue
        claimed = (
            Conversation.objects.filter(pk=conversation.pk)
            .filter(**{f"{side}_emailed_at": emailed_at})
            .update(**{f"{side}_emailed_at": now, f"{side}_email_due_at": None})
        )
        if not claimed:
            continue
        try:
            emails.new_messages(conversation, recipient=recipient, sender=sender, count=count)
        except Exception:
            Conversation.objects.filter(pk=conversation.pk).update(
                **{f"{side}_emailed_at": emailed_at}
            )
            raise
        sent += 1
    return sent


def conversations_with_due_emails() -> list[int]:
    """Threads whose deferred email time has passed: what the beat task re-drives when the
    broker lost the scheduled task."""
    now = timezone.now()
    return list(
        Conversation.objects.filter(
            Q(author_email_due_at__lte=now) | Q(respondent_email_due_at__lte=now)
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def thank_you_leave(*, conversation: Conversation, author: User, text: str) -> ThankYou:
    """A short public thank-you from one side to the other, once the help is done."""
    if author is None or not author.is_authenticated:
        raise PermissionDenied(_("Sign in to take part in mutual aid."))
    side = conversation.side_of(author)
    if side is None:
        raise PermissionDenied(_("This conversation is not yours."))
    listing = conversation.listing
    if (
        listing is None
        or listing.status != ListingStatus.DONE
        or listing.helper_id != conversation.respondent_id
    ):
        raise ValidationError(_("You can thank once the help is marked done."), code="not_done")
    recipient = conversation.other_of(author)
    if recipient is None:
        raise ValidationError(_("This resident has left the platform."), code="gone")
    text = _clean_text(text, field="text", label=_("A thank-you"), max_length=280)
    try:
        with transaction.atomic():
            return ThankYou.objects.create(
                conversation=conversation, author=author, recipient=recipient, text=text
            )
    except IntegrityError as error:
        raise ValidationError(_("You already said thank you."), code="already") from error


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> Block:
    if blocker is None or not blocker.is_authenticated:
        raise PermissionDenied(_("Sign in to take part in mutual aid."))
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."))
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


@transaction.atomic
def block_remove(*, blocker: User, blocked: User) -> None:
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


# --- loans -------------------------------------------------------------------------------------


@transaction.atomic
def loan_create(*, listing: Listing, actor: User, starts_on: date, due_on: date) -> Loan:
    """The record of an object lent on an agreed "lending an object" listing. For an offer the
    author lends to the helper; for a request the helper lends to the author."""
    require_participant(actor)
    listing = Listing.objects.select_for_update().select_related("category").get(pk=listing.pk)
    if actor.pk not in (listing.author_id, listing.helper_id):
        raise PermissionDenied(_("Only the two neighbours of this agreement can record a loan."))
    if not listing.category.is_lending:
        raise ValidationError(_("Loans are recorded on listings for lending an object."))
    if listing.status not in (ListingStatus.AGREED, ListingStatus.DONE) or not listing.helper_id:
        raise ValidationError(_("Pick a helper first."), code="not_agreed")
    if due_on < starts_on:
        raise ValidationError({"due_on": _("The due date comes after the start.")})
    if listing.loans.filter(status=LoanStatus.OUT).exists():
        raise ValidationError(_("This object is already recorded as lent."), code="already_out")
    lender, borrower = (
        (listing.author_id, listing.helper_id)
        if listing.kind == ListingKind.OFFER
        else (listing.helper_id, listing.author_id)
    )
    return Loan.objects.create(
        listing=listing,
        item=listing.title,
        lender_id=lender,
        borrower_id=borrower,
        starts_on=starts_on,
        due_on=due_on,
    )


@transaction.atomic
def loan_close(*, loan: Loan, actor: User, returned: bool) -> Loan:
    """The lender records the object as returned, or as not returned."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if actor is None or not actor.is_authenticated or loan.lender_id != actor.pk:
        raise PermissionDenied(_("Only the lender can close this loan."))
    if loan.status != LoanStatus.OUT:
        return loan
    loan.status = LoanStatus.RETURNED if returned else LoanStatus.NOT_RETURNED
    loan.closed_at = timezone.now()
    loan.save(update_fields=["status", "closed_at"])
    return loan


def loan_reminders_send(*, today: date | None = None) -> int:
    """Remind the borrower (and tell the lender) on the due date of each loan still out; once
    per loan, claimed before sending. Returns the reminders sent."""
    from . import emails

    today = today or timezone.localdate()
    sent = 0
    due = Loan.objects.filter(
        status=LoanStatus.OUT, due_on__lte=today, reminder_sent_at=None
    ).select_related("lender", "borrower")
    for loan in due:
        if not Loan.objects.filter(pk=loan.pk, reminder_sent_at=None).update(
            reminder_sent_at=timezone.now()
        ):
            continue
        try:
            emails.loan_reminder(loan)
        except Exception:
            Loan.objects.filter(pk=loan.pk).update(reminder_sent_at=None)
            raise
        sent += 1
    return sent


# --- abuse reports and moderation --------------------------------------------------------------


@transaction.atomic
def abuse_report_create(
    *,
    reporter: User,
    reason: str,
    listing: Listing | None = None,
    message: Message | None = None,
) -> AbuseReport:
    """A resident reports a listing they can see, or a message sent to them."""
    if reporter is None or not reporter.is_authenticated:
        raise PermissionDenied(_("Sign in to report a problem."))
    if (listing is None) == (message is None):
        raise ValidationError(_("Report a listing or a message."))
    if message is not None:
        if message.conversation.side_of(reporter) is None or message.sender_id == reporter.pk:
            raise PermissionDenied(_("You can only report a message sent to you."))
    elif listing is not None and (listing.is_hidden or listing.author_id == reporter.pk):
        raise ValidationError(_("You cannot report this listing."))
    reason = _clean_text(reason, field="reason", label=_("A reason"), max_length=1000)
    ratelimit.enforce(f"aid:reports:{reporter.pk}", limit=REPORTS_PER_DAY, window=86400)
    return AbuseReport.objects.create(
        reporter=reporter, listing=listing, message=message, reason=reason
    )


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason.")})
    return reason.strip()[:300]


def _close_reports(
    reports: Any, *, actor: User, status: str = AbuseReportStatus.ACTIONED
) -> list[int]:
    ids = list(reports.filter(status=AbuseReportStatus.OPEN).values_list("pk", flat=True))
    AbuseReport.objects.filter(pk__in=ids).update(
        status=status, handled_by=actor, handled_at=timezone.now()
    )
    return ids


def _queue_notice(kind: str, object_id: int) -> None:
    from .tasks import send_moderation_notice

    transaction.on_commit(lambda: send_moderation_notice.delay(kind, object_id))


@transaction.atomic
def listing_hide(*, listing: Listing, actor: User, reason: str) -> Listing:
    """Hide a listing from everyone but its author, who is told why by email; the open reports
    about it are closed as acted on."""
    require_moderator(actor)
    reason = _reason(reason)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.is_hidden:
        return listing
    listing.is_hidden, listing.hidden_reason = True, reason
    listing.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
    reports = _close_reports(listing.abuse_reports.all(), actor=actor)
    audit_record(
        actor=actor,
        action="community.aid_listing_hide",
        target=listing,
        before={"is_hidden": False},
        after={"is_hidden": True},
        # Free text may name people: the audit log records only that a reason was given.
        data={"with_reason": bool(reason), "reports": reports, "author": listing.author_id},
    )
    _queue_notice("listing", listing.pk)
    return listing


@transaction.atomic
def listing_unhide(*, listing: Listing, actor: User) -> Listing:
    require_moderator(actor)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if not listing.is_hidden:
        return listing
    before = {"is_hidden": True}
    listing.is_hidden, listing.hidden_reason = False, ""
    listing.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="community.aid_listing_unhide",
        target=listing,
        before=before,
        after={"is_hidden": False},
    )
    return listing


@transaction.atomic
def message_hide(*, message: Message, actor: User, reason: str) -> Message:
    """Hide a message from the recipient (the sender is told why by email)."""
    require_moderator(actor)
    reason = _reason(reason)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.is_hidden:
        return message
    message.is_hidden, message.hidden_reason = True, reason
    message.save(update_fields=["is_hidden", "hidden_reason"])
    reports = _close_reports(message.abuse_reports.all(), actor=actor)
    audit_record(
        actor=actor,
        action="community.aid_message_hide",
        target=message,
        before={"is_hidden": False},
        after={"is_hidden": True},
        data={"with_reason": bool(reason), "reports": reports, "sender": message.sender_id},
    )
    _queue_notice("message", message.pk)
    return message


@transaction.atomic
def abuse_report_dismiss(*, report: AbuseReport, actor: User) -> AbuseReport:
    require_moderator(actor)
    report = AbuseReport.objects.select_for_update().get(pk=report.pk)
    if report.status != AbuseReportStatus.OPEN:
        return report
    report.status = AbuseReportStatus.DISMISSED
    report.handled_by, report.handled_at = actor, timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at"])
    audit_record(
        actor=actor,
        action="community.aid_report_dismiss",
        target=report,
        before={"status": AbuseReportStatus.OPEN},
        after={"status": AbuseReportStatus.DISMISSED},
    )
    return report


@transaction.atomic
def resident_suspend(*, resident: User, actor: User, days: int, reason: str) -> Suspension:
    """Withdraw a resident's mutual-aid rights for `days` days (they are told why)."""
    require_moderator(actor)
    reason = _reason(reason)
    if actor.pk == resident.pk:
        raise PermissionDenied(_("You cannot suspend yourself."))
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationError(
            {"days": _("Between 1 and %(max)s days.") % {"max": MAX_SUSPENSION_DAYS}}
        )
    suspension = Suspension.objects.create(
        resident=resident,
        until=timezone.now() + timedelta(days=days),
        reason=reason,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="community.aid_resident_suspend",
        target=resident,
        after={"until": suspension.until},
        data={"days": days, "with_reason": bool(reason)},
    )
    _queue_notice("suspension", suspension.pk)
    return suspension


@transaction.atomic
def suspension_lift(*, suspension: Suspension, actor: User) -> Suspension:
    require_moderator(actor)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    before = {"until": suspension.until}
    suspension.until = timezone.now()
    suspension.save(update_fields=["until"])
    audit_record(
        actor=actor,
        action="community.aid_suspension_lift",
        target=suspension.resident,
        before=before,
        after={"until": suspension.until},
    )
    return suspension


def moderation_notice_send(*, kind: str, object_id: int) -> None:
    """The email telling a resident what a moderator did and why (a task runs it)."""
    from . import emails

    if kind == "listing":
        listing = Listing.objects.select_related("author").filter(pk=object_id).first()
        if listing is not None and listing.is_hidden and listing.author.is_active:
            emails.moderation_notice(
                listing.author, kind=kind, reason=listing.hidden_reason, title=listing.title
            )
    elif kind == "message":
        message = (
            Message.objects.select_related("sender", "conversation").filter(pk=object_id).first()
        )
        if message is not None and message.sender is not None and message.sender.is_active:
            emails.moderation_notice(
                message.sender,
                kind=kind,
                reason=message.hidden_reason,
                title=message.conversation.listing_title,
            )
    elif kind == "suspension":
        suspension = Suspension.objects.select_related("resident").filter(pk=object_id).first()
        if suspension is not None and suspension.resident.is_active:
            emails.moderation_notice(
                suspension.resident,
                kind=kind,
                reason=suspension.reason,
                title="",
                until=suspension.until,
            )


# --- categories (council admins) ---------------------------------------------------------------


@transaction.atomic
def category_save(
    *,
    actor: User,
    category: AidCategory | None = None,
    code: str,
    name_fr: str,
    name_en: str,
    icon: str = "",
    position: int = 0,
    is_active: bool = True,
    is_lending: bool = False,
) -> AidCategory:
    if actor is None or not actor.is_authenticated or not actor.has_role(Role.COUNCIL_ADMIN):
        raise PermissionDenied(_("Your role does not allow this."))
    fields = {
        "code": code.strip(),
        "name_fr": name_fr.strip(),
        "name_en": name_en.strip(),
        "icon": icon.strip(),
        "position": position,
        "is_active": is_active,
        "is_lending": is_lending,
    }
    if not fields["code"] or not fields["name_fr"] or not fields["name_en"]:
        raise ValidationError(_("A code and both names are required."))
    clash = AidCategory.objects.filter(code=fields["code"])
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"code": _("This code is taken.")})
    before: dict[str, Any] = {}
    if category is None:
        category = AidCategory.objects.create(**fields)
        action = "community.aid_category_create"
    else:
        category = AidCategory.objects.select_for_update().get(pk=category.pk)
        before = {k: getattr(category, k) for k, v in fields.items() if getattr(category, k) != v}
        for key, value in fields.items():
            setattr(category, key, value)
        category.save()
        action = "community.aid_category_update"
    audit_record(
        actor=actor,
        action=action,
        target=category,
        before=before or None,
        after={k: fields[k] for k in (before or fields)},
    )
    return category


# --- privacy -----------------------------------------------------------------------------------


def _redact(text: str, secrets_: Sequence[str]) -> str:
    for secret in secrets_:
        if secret:
            text = re.sub(re.escape(secret), "[…]", text, flags=re.I)
    return text


def mutual_aid_erase(user: User) -> None:
    """Before the account goes: their listings are deleted (photos with them, and the threads
    lose the link but keep the title); their messages stay readable in the other side's threads
    without their name, email or phone (`sender` is set to NULL by the deletion; the text is
    stripped of their contact details now)."""
    photos = list(ListingPhoto.objects.filter(listing__author=user))
    _delete_photo_files(photos)
    Listing.objects.filter(author=user).delete()
    secrets_ = [user.email, user.phone]
    if user.phone.startswith("+33"):
        secrets_.append("0" + user.phone[3:])
    for model, field, filters in (
        (
            Message,
            "body",
            Q(sender=user) | Q(conversation__author=user) | Q(conversation__respondent=user),
        ),
        (ThankYou, "text", Q(author=user) | Q(recipient=user)),
        (AbuseReport, "reason", Q(reporter=user)),
        (Conversation, "listing_title", Q(author=user) | Q(respondent=user)),
        (Loan, "item", Q(lender=user) | Q(borrower=user)),
        (Suspension, "reason", Q(resident=user)),
        (Listing, "hidden_reason", Q(helper=user)),
    ):
        for row in model.objects.filter(filters):  # type: ignore[attr-defined]
            value = getattr(row, field)
            redacted = _redact(value, secrets_)
            if redacted != value:
                setattr(row, field, redacted)
                row.save(update_fields=[field])
    Message.objects.filter(sender=user).update(sender=None)


def mutual_aid_export(user: User) -> dict:
    """The resident's listings, the messages of their conversations, thank-yous and loans."""
    from core.privacy import iso

    def name(person: User | None) -> str:
        return person.get_short_name() if person is not None and person.full_name else ""

    conversations = Conversation.objects.filter(Q(author=user) | Q(respondent=user))
    return {
        "listings": [
            {
                "kind": li.kind,
                "category": li.category.code,
                "title": li.title,
                "description": li.description,
                "compensation": li.compensation,
                "amount": str(li.amount) if li.amount is not None else None,
                "availability": li.availability,
                "reach": li.reach,
                "neighbourhood": li.neighbourhood.name if li.neighbourhood else None,
                "status": li.status,
                "created_at": iso(li.created_at),
                "expires_at": iso(li.expires_at),
                "hidden_reason": li.hidden_reason,
                "photos": li.photos.count(),
            }
            for li in Listing.objects.filter(author=user).select_related(
                "category", "neighbourhood"
            )
        ],
        "conversations": [
            {
                "listing": c.listing_title,
                "with": name(c.other_of(user)),
                "messages": [
                    {
                        "from_me": m.sender_id == user.pk,
                        "body": m.body if (not m.is_hidden or m.sender_id == user.pk) else "",
                        "at": iso(m.created_at),
                    }
                    for m in c.messages.all()
                ],
            }
            for c in conversations.select_related("author", "respondent")
        ],
        "thanks_given": [
            {"to": name(t.recipient), "text": t.text, "at": iso(t.created_at)}
            for t in ThankYou.objects.filter(author=user).select_related("recipient")
        ],
        "thanks_received": [
            {"from": name(t.author), "text": t.text, "at": iso(t.created_at)}
            for t in ThankYou.objects.filter(recipient=user).select_related("author")
        ],
        "loans": [
            {
                "item": loan.item,
                "role": "lender" if loan.lender_id == user.pk else "borrower",
                "from": iso(loan.starts_on),
                "due": iso(loan.due_on),
                "status": loan.status,
            }
            for loan in Loan.objects.filter(Q(lender=user) | Q(borrower=user))
        ],
        "blocked": [name(b.blocked) for b in Block.objects.filter(blocker=user)],
        "abuse_reports": [
            {"reason": r.reason, "at": iso(r.created_at), "status": r.status}
            for r in AbuseReport.objects.filter(reporter=user)
        ],
        "suspensions": [
            {"until": iso(s.until), "reason": s.reason}
            for s in Suspension.objects.filter(resident=user)
        ],
    }
