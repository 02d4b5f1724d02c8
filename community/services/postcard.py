"""Method 3: a code sent on a postcard.

Codes are 40 random bits in Crockford base32, only their keyed hash is stored, they are single
use, expire (council setting) and allow MAX_WRONG_PER_CODE wrong attempts; an account may try
DAILY_ATTEMPTS codes per day. Both counts live on the server (the code's row and Redis).
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from core import ratelimit
from core.audit import audit_record

from .. import codes
from ..models import (
    ClosingReason,
    EventKind,
    Method,
    PostcardBatch,
    RequestStatus,
    Residence,
    Status,
    VerificationRequest,
)
from ._common import (
    close_request,
    event_record,
    open_request,
    require_verifier,
    residence_after_close,
    residence_verify,
    settings_row,
)

MAX_WRONG_PER_CODE = 5
DAILY_ATTEMPTS = 10
DAY = 24 * 3600
BATCH_MAX = 100


def code_hash(request: VerificationRequest, code: str) -> str:
    # Bound to the request: the same code on two postcards hashes differently.
    return codes.keyed_hash("postcard-code", request.pk, codes.normalise(code))


@transaction.atomic
def postcard_request(*, user: User) -> VerificationRequest:
    return open_request(user=user, method=Method.POSTCARD, status=RequestStatus.REQUESTED)


@transaction.atomic
def postcard_batch_create(*, acting: User) -> PostcardBatch:
    """A batch of the oldest requested postcards not yet in one, at most BATCH_MAX (rendering
    takes ~0.1 s per card, in the staff member's request: bench/bench_verification.py)."""
    require_verifier(acting)
    # The staff member's own card waits for a colleague's batch: whoever prints a card reads
    # its code, and nobody decides on their own verification.
    waiting = (
        VerificationRequest.objects.select_for_update()
        .filter(method=Method.POSTCARD, status=RequestStatus.REQUESTED, batch__isnull=True)
        .exclude(resident=acting)
    )
    if not waiting.exists():
        raise ValidationError(_("No postcard is waiting to be printed."), code="empty")
    batch = PostcardBatch.objects.create(created_by=acting)
    ids = list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH_MAX])
    VerificationRequest.objects.filter(pk__in=ids).update(batch=batch)
    audit_record(
        actor=acting,
        action="community.postcard_batch_create",
        target=batch,
        data={"cards": len(ids)},
    )
    return batch


@transaction.atomic
def postcard_batch_issue_codes(
    *, acting: User, batch: PostcardBatch
) -> list[tuple[VerificationRequest, str]]:
    """New codes for every card of an unposted batch, for printing now. Returns the codes in
    clear (they exist nowhere else); any earlier print of this batch becomes useless."""
    require_verifier(acting)
    batch = PostcardBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.posted_at:
        raise ValidationError(
            _("This batch was posted: its codes can no longer be printed."), code="posted"
        )
    cards = []
    requests = (
        VerificationRequest.objects.select_for_update()
        .select_related("resident")
        .filter(batch=batch, status=RequestStatus.REQUESTED)
        .order_by("address", "pk")
    )
    if requests.filter(resident=acting).exists():
        raise PermissionDenied(
            _("This batch holds your own postcard: another member of staff must print it.")
        )
    for request in requests:
        code = codes.new_code()
        request.code_hash = code_hash(request, code)
        request.failed_attempts = 0
        request.save(update_fields=["code_hash", "failed_attempts"])
        cards.append((request, code))
        event_record(
            kind=EventKind.POSTCARD_PRINTED,
            resident=request.resident,
            actor=acting,
            request=request,
            data={"batch": batch.pk},
        )
    reprint = batch.printed_at is not None
    batch.printed_at = timezone.now()
    batch.save(update_fields=["printed_at"])
    audit_record(
        actor=acting,
        action="community.postcard_batch_issue_codes",
        target=batch,
        data={"cards": len(cards), "reprint": reprint},
    )
    return cards


@transaction.atomic
def postcard_batch_mark_posted(*, acting: User, batch: PostcardBatch) -> PostcardBatch:
    """The cards are in the post: their codes become usable, for the council's validity period."""
    require_verifier(acting)
    batch = PostcardBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.posted_at:
        raise ValidationError(_("This batch is already marked as posted."), code="posted")
    if not batch.printed_at:
        raise ValidationError(
            _("Download and print the batch before marking it as posted."), code="not_printed"
        )
    now = timezone.now()
    expires = now + timedelta(days=settings_row().postcard_validity_days)
    cards = 0
    for request in (
        VerificationRequest.objects.select_for_update()
        .select_related("resident")
        .filter(batch=batch, status=RequestStatus.REQUESTED)
    ):
        request.status = RequestStatus.POSTED
        request.code_expires_at = expires
        request.save(update_fields=["status", "code_expires_at"])
        cards += 1
        event_record(
            kind=EventKind.POSTCARD_POSTED,
            resident=request.resident,
            actor=acting,
            request=request,
            data={"batch": batch.pk},
        )
    # Cards cancelled after printing (the resident was verified another way, withdrew or was
    # refused) stay cancelled: their code was cleared with the cancellation, so a card posted
    # by mistake verifies nobody. The batch page lists them so staff take them out.
    left_out = batch.requests.exclude(status=RequestStatus.POSTED).count()
    batch.posted_at = now
    batch.posted_by = acting
    batch.save(update_fields=["posted_at", "posted_by"])
    audit_record(
        actor=acting,
        action="community.postcard_batch_mark_posted",
        target=batch,
        data={"cards": cards, "left_out": left_out, "expires_at": expires},
    )
    return batch


def _end(
    request: VerificationRequest, *, status: RequestStatus, kind: EventKind, reason: ClosingReason
) -> None:
    close_request(request, status=status, reason=reason)
    residence = Residence.objects.select_for_update().get(user_id=request.resident_id)
    residence_after_close(residence, status=Status.UNVERIFIED, reason=reason)
    event_record(kind=kind, resident=request.resident, request=request)


def postcard_code_check(*, user: User, code: str) -> VerificationRequest:
    """Verify the resident with the code from their postcard. Raises RateLimited after
    DAILY_ATTEMPTS tries today, ValidationError for a wrong, used or expired code; the attempt
    is counted (and an expired or exhausted code closed) even when refused."""
    daily_key = f"postcard-attempts:{user.pk}"
    if ratelimit.hit(daily_key, window=DAY) > DAILY_ATTEMPTS:
        raise ratelimit.RateLimited(
            _("Too many attempts today. Try again tomorrow."), code="rate_limited"
        )
    error = None
    with transaction.atomic():
        request = (
            VerificationRequest.objects.select_for_update()
            .filter(resident=user, method=Method.POSTCARD, status=RequestStatus.POSTED)
            .first()
        )
        asked = VerificationRequest.objects.filter(
            resident=user, method=Method.POSTCARD, status=RequestStatus.REQUESTED
        ).exists()
        verified = Residence.objects.filter(user=user, status=Status.VERIFIED).exists()
        if (request is None or not request.code_hash) and verified:
            # A card printed before another method verified the resident was cancelled.
            error = _("Your address is already verified: you no longer need a postcard code.")
        elif (request is None or not request.code_hash) and asked:
            # Asked for, not posted yet: say so rather than "ask for one".
            error = _("Your postcard has not been posted yet: enter its code once you receive it.")
        elif request is None or not request.code_hash:
            error = _("There is no postcard code waiting for you. Request a postcard first.")
        elif request.code_expires_at and request.code_expires_at <= timezone.now():
            _end(
                request,
                status=RequestStatus.EXPIRED,
                kind=EventKind.EXPIRED,
                reason=ClosingReason.POSTCARD_EXPIRED,
            )
            error = _("This code has expired. Request a new postcard.")
        elif codes.hashes_match(request.code_hash, code_hash(request, code)):
            residence = Residence.objects.select_for_update().get(user=user)
            residence_verify(residence, request=request, method=Method.POSTCARD, by=None)
        else:
            request.failed_attempts += 1
            request.save(update_fields=["failed_attempts"])
            left = MAX_WRONG_PER_CODE - request.failed_attempts
            if left <= 0:
                _end(
                    request,
                    status=RequestStatus.EXPIRED,
                    kind=EventKind.CODE_LOCKED,
                    reason=ClosingReason.WRONG_CODES,
                )
                error = _(
                    "Too many wrong codes. This postcard can no longer be used; request a new one."
                )
            else:
                error = ngettext(
                    "This code is not right. %(left)s attempt left.",
                    "This code is not right. %(left)s attempts left.",
                    left,
                ) % {"left": left}
    if error or request is None:
        raise ValidationError(
            error or _("There is no postcard code waiting for you."), code="bad_code"
        )
    return request


def postcard_expire_due() -> int:
    """Close posted postcards whose code expired; returns how many."""
    expired = 0
    for pk in VerificationRequest.objects.filter(
        method=Method.POSTCARD, status=RequestStatus.POSTED, code_expires_at__lte=timezone.now()
    ).values_list("pk", flat=True):
        with transaction.atomic():
            request = VerificationRequest.objects.select_for_update().get(pk=pk)
            if request.status == RequestStatus.POSTED:
                _end(
                    request,
                    status=RequestStatus.EXPIRED,
                    kind=EventKind.EXPIRED,
                    reason=ClosingReason.POSTCARD_EXPIRED,
                )
                expired += 1
    return expired
