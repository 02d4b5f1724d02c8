"""Method 1: verified neighbours vouch for a resident.

The council sets how many vouches are needed (from different households) and how many vouches a
resident may give in 30 days. A vouch can be withdrawn while the request is pending.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import codes
from ..models import (
    ClosingReason,
    CooptationInvitation,
    EventKind,
    Method,
    RequestStatus,
    Residence,
    Status,
    VerificationRequest,
    Vouch,
)
from ._common import (
    close_request,
    event_record,
    open_request,
    residence_after_close,
    residence_verify,
    settings_row,
)

INVITATION_DAYS = 14


def _new_request_code() -> str:
    while True:
        code = codes.new_code()
        if not VerificationRequest.objects.filter(request_code=code).exists():
            return code


@transaction.atomic
def cooptation_request_open(*, user: User) -> VerificationRequest:
    """Ask neighbours to vouch: the request gets a short code the resident shares."""
    return open_request(
        user=user,
        method=Method.COOPTATION,
        status=RequestStatus.PENDING,
        request_code=_new_request_code(),
    )


def cooptation_request_expired(request: VerificationRequest) -> bool:
    deadline = request.created_at + timedelta(days=settings_row().cooptation_days)
    return timezone.now() >= deadline


def _expire(request: VerificationRequest) -> None:
    close_request(request, status=RequestStatus.EXPIRED, reason=ClosingReason.NOT_ENOUGH_VOUCHES)
    residence = Residence.objects.select_for_update().get(user_id=request.resident_id)
    residence_after_close(
        residence, status=Status.UNVERIFIED, reason=ClosingReason.NOT_ENOUGH_VOUCHES
    )
    event_record(kind=EventKind.EXPIRED, resident=request.resident, request=request)


def vouches_given_recently(voucher: User) -> int:
    """Vouches this resident gave in the last 30 days, withdrawn ones included: withdrawing does
    not give the vouch back, or the limit could be cycled."""
    since = timezone.now() - timedelta(days=30)
    return Vouch.objects.filter(voucher=voucher, created_at__gte=since).count()


def _check_voucher(voucher: User, request: VerificationRequest) -> Residence:
    voucher_home = Residence.objects.filter(user=voucher).first()
    if voucher_home is None or voucher_home.status != Status.VERIFIED or not voucher.is_active:
        raise ValidationError(
            _("Only residents whose own address is verified can vouch."), code="not_verified"
        )
    if voucher.pk == request.resident_id:
        raise ValidationError(_("You cannot vouch for yourself."), code="self")
    if request.method != Method.COOPTATION or request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request is not waiting for vouches."), code="not_pending")
    # A household cannot vouch for itself: whoever shares the candidate's address (the candidate
    # may have declared a neighbour's on purpose) is no independent witness.
    candidate_home = Residence.objects.filter(user_id=request.resident_id).first()
    if candidate_home is not None and candidate_home.household_key == voucher_home.household_key:
        raise ValidationError(
            _("You live at the same address: vouches must come from other households."),
            code="same_household",
        )
    if request.vouches.filter(voucher=voucher, withdrawn_at__isnull=True).exists():
        raise ValidationError(_("You already vouched for this neighbour."), code="duplicate")
    limit = settings_row().vouches_per_30_days
    if vouches_given_recently(voucher) >= limit:
        raise ValidationError(
            _("You can vouch for at most %(limit)s neighbours in 30 days.") % {"limit": limit},
            code="vouch_limit",
        )
    return voucher_home


def _add_vouch(*, voucher: User, request: VerificationRequest) -> Vouch:
    """The vouch, then verification if enough households now vouch. Caller holds the row lock
    on the request and has checked it has not expired."""
    voucher_home = _check_voucher(voucher, request)
    try:
        with transaction.atomic():
            vouch = Vouch.objects.create(
                request=request, voucher=voucher, voucher_household=voucher_home.household_key
            )
    except IntegrityError as error:
        raise ValidationError(
            _("You already vouched for this neighbour."), code="duplicate"
        ) from error
    event_record(
        kind=EventKind.VOUCH_GIVEN, resident=request.resident, actor=voucher, request=request
    )
    active = request.vouches.filter(withdrawn_at__isnull=True)
    residence = Residence.objects.select_for_update().get(user_id=request.resident_id)
    # Counted again without the candidate's household: their address may have changed since.
    households = set(active.values_list("voucher_household", flat=True)) - {residence.household_key}
    if len(households) >= settings_row().vouches_required:
        residence_verify(
            residence,
            request=request,
            method=Method.COOPTATION,
            by=None,
            vouchers=list(active.values_list("voucher_id", flat=True)),
        )
    return vouch


def _locked_pending(request: VerificationRequest) -> VerificationRequest:
    """The request, locked, after expiring it if its time ran out (the expiry is kept even
    though the caller's action is refused)."""
    with transaction.atomic():
        locked = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == RequestStatus.PENDING and cooptation_request_expired(locked):
            _expire(locked)
    return locked


def vouch_create(*, voucher: User, request: VerificationRequest) -> Vouch:
    request = _locked_pending(request)
    if request.status == RequestStatus.EXPIRED:
        raise ValidationError(_("This request has expired."), code="expired")
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        return _add_vouch(voucher=voucher, request=request)


@transaction.atomic
def vouch_withdraw(*, voucher: User, vouch: Vouch) -> Vouch:
    request = VerificationRequest.objects.select_for_update().get(pk=vouch.request_id)
    vouch = Vouch.objects.select_for_update().get(pk=vouch.pk)
    if vouch.voucher_id != voucher.pk:
        raise ValidationError(_("This is not your vouch."), code="not_yours")
    if vouch.withdrawn_at is not None:
        raise ValidationError(_("You already withdrew this vouch."), code="withdrawn")
    if request.status != RequestStatus.PENDING:
        raise ValidationError(
            _("The verification is decided; the vouch can no longer be withdrawn."), code="decided"
        )
    vouch.withdrawn_at = timezone.now()
    vouch.save(update_fields=["withdrawn_at"])
    event_record(
        kind=EventKind.VOUCH_WITHDRAWN, resident=request.resident, actor=voucher, request=request
    )
    return vouch


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def cooptation_invitation_create(*, inviter: User) -> tuple[CooptationInvitation, str]:
    """An invitation link token (returned once, only its hash is stored). The vouch it carries
    counts against the inviter's limit when the neighbour accepts it."""
    home = Residence.objects.filter(user=inviter).first()
    if home is None or home.status != Status.VERIFIED:
        raise ValidationError(
            _("Only residents whose own address is verified can invite."), code="not_verified"
        )
    limit = settings_row().vouches_per_30_days
    if vouches_given_recently(inviter) >= limit:
        raise ValidationError(
            _("You can vouch for at most %(limit)s neighbours in 30 days.") % {"limit": limit},
            code="vouch_limit",
        )
    token = secrets.token_urlsafe(24)
    invitation = CooptationInvitation.objects.create(
        inviter=inviter,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    event_record(kind=EventKind.INVITATION_CREATED, resident=inviter, actor=inviter)
    return invitation, token


def cooptation_invitation_find(token: str) -> CooptationInvitation | None:
    invitation = (
        CooptationInvitation.objects.select_related("inviter")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or invitation.used_at or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def cooptation_invitation_accept(*, user: User, token: str) -> VerificationRequest:
    """The invited resident's co-optation request (opened if needed), with the inviter's vouch."""
    invitation = cooptation_invitation_find(token)
    if invitation is None:
        raise ValidationError(
            _("This invitation link is not valid, was already used or has expired."),
            code="bad_invitation",
        )
    invitation = CooptationInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.inviter_id == user.pk:
        raise ValidationError(_("You cannot accept your own invitation."), code="self")
    request = (
        VerificationRequest.objects.select_for_update()
        .filter(resident=user, method=Method.COOPTATION, status=RequestStatus.PENDING)
        .first()
    )
    if request is None:
        request = cooptation_request_open(user=user)
    _add_vouch(voucher=invitation.inviter, request=request)
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    request.refresh_from_db()
    return request


def cooptation_request_by_code(typed: str) -> VerificationRequest | None:
    code = codes.normalise(typed)
    if len(code) != codes.CODE_LENGTH:
        return None
    return (
        VerificationRequest.objects.select_related("resident", "neighbourhood")
        .filter(request_code=code, method=Method.COOPTATION, status=RequestStatus.PENDING)
        .first()
    )


def cooptation_expire_due() -> int:
    """Expire every pending co-optation request past its deadline; returns how many."""
    deadline = timezone.now() - timedelta(days=settings_row().cooptation_days)
    expired = 0
    for pk in VerificationRequest.objects.filter(
        method=Method.COOPTATION, status=RequestStatus.PENDING, created_at__lte=deadline
    ).values_list("pk", flat=True):
        with transaction.atomic():
            request = VerificationRequest.objects.select_for_update().get(pk=pk)
            if request.status == RequestStatus.PENDING and cooptation_request_expired(request):
                _expire(request)
                expired += 1
    return expired
