"""Staff decisions and the resident's own cancellation. Each writes an event."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record

from ..models import (
    EventKind,
    Method,
    RequestStatus,
    Residence,
    Status,
    VerificationRequest,
)
from ._common import (
    close_request,
    event_record,
    open_requests,
    reason_set,
    require_not_self,
    require_verifier,
    residence_after_close,
    residence_of,
    residence_verify,
)
from .cooptation import cooptation_expire_due
from .notices import verification_decision_notices_redrive
from .postcard import postcard_expire_due
from .proof import proof_expire_due


def _locked(request: VerificationRequest) -> VerificationRequest:
    return (
        VerificationRequest.objects.select_for_update()
        .select_related("resident")
        .get(pk=request.pk)
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: the resident will see it.")}, code="no_reason"
        )
    return reason


@transaction.atomic
def verification_request_approve(*, acting: User, request: VerificationRequest) -> Residence:
    """Staff accept a proof of address (the document is deleted)."""
    require_verifier(acting)
    request = _locked(request)
    require_not_self(acting, request.resident_id)
    if request.method != Method.PROOF or request.status != RequestStatus.PENDING:
        raise ValidationError(
            _("Only a pending proof of address can be approved here."), code="not_pending"
        )
    residence = Residence.objects.select_for_update().get(user_id=request.resident_id)
    residence_verify(residence, request=request, method=Method.PROOF, by=acting)
    audit_record(
        actor=acting,
        action="community.verification_request_approve",
        target=request,
        before={"status": RequestStatus.PENDING},
        after={"status": request.status},
        data={"method": request.method, "resident": request.resident_id},
    )
    return residence


@transaction.atomic
def verification_request_reject(
    *, acting: User, request: VerificationRequest, reason: str
) -> VerificationRequest:
    """Staff refuse an open request of any method, with a reason the resident sees."""
    require_verifier(acting)
    reason = _reason(reason)
    request = _locked(request)
    require_not_self(acting, request.resident_id)
    if not request.is_open:
        raise ValidationError(_("This request is already decided."), code="not_pending")
    before = request.status
    close_request(request, status=RequestStatus.REJECTED, by=acting, reason=reason)
    residence = Residence.objects.select_for_update().get(user_id=request.resident_id)
    residence_after_close(residence, status=Status.REJECTED, reason=reason, by=acting)
    event_record(
        kind=EventKind.REJECTED,
        resident=request.resident,
        actor=acting,
        request=request,
        reason=reason,
    )
    # The reason stays in the resident's timeline: free text may name people, the log may not.
    audit_record(
        actor=acting,
        action="community.verification_request_reject",
        target=request,
        before={"status": before},
        after={"status": request.status},
        data={"method": request.method, "resident": request.resident_id},
    )
    return request


@transaction.atomic
def verification_request_cancel(*, user: User, request: VerificationRequest) -> None:
    """The resident withdraws their own open request (e.g. to choose another method)."""
    request = _locked(request)
    if request.resident_id != user.pk:
        raise ValidationError(_("This is not your request."), code="not_yours")
    if not request.is_open:
        raise ValidationError(_("This request is already decided."), code="not_pending")
    close_request(request, status=RequestStatus.CANCELLED, by=user)
    residence_after_close(residence_of(user), status=Status.UNVERIFIED)
    event_record(kind=EventKind.REQUEST_CANCELLED, resident=user, actor=user, request=request)


@transaction.atomic
def resident_verify_in_person(*, acting: User, resident: User, note: str = "") -> Residence:
    """Staff saw a proof at the counter: the resident is verified without an upload."""
    require_verifier(acting)
    require_not_self(acting, resident.pk)
    residence = residence_of(resident)
    if residence.status == Status.VERIFIED:
        raise ValidationError(_("This address is already verified."), code="already_verified")
    before = residence.status
    residence_verify(residence, request=None, method=Method.IN_PERSON, by=acting, note=note.strip())
    audit_record(
        actor=acting,
        action="community.resident_verify_in_person",
        target=resident,
        before={"status": before},
        after={"status": residence.status},
        data={"method": Method.IN_PERSON},
    )
    return residence


@transaction.atomic
def verification_revoke(*, acting: User, resident: User, reason: str) -> Residence:
    """Staff withdraw a verification (or end a verification in progress), with a reason."""
    require_verifier(acting)
    require_not_self(acting, resident.pk)
    reason = _reason(reason)
    residence = residence_of(resident)
    if residence.status not in (Status.VERIFIED, Status.PENDING):
        raise ValidationError(_("This resident is not verified."), code="not_verified")
    before = residence.status
    for request in open_requests(residence).select_for_update():
        close_request(request, status=RequestStatus.CANCELLED, by=acting, reason=reason)
    residence.status = Status.REVOKED
    reason_set(residence, reason)
    residence.decided_by = acting
    residence.verified_at = None
    residence.status_changed_at = timezone.now()
    residence.save()
    event_record(
        kind=EventKind.REVOKED,
        resident=resident,
        actor=acting,
        reason=reason,
        method=residence.method,
    )
    audit_record(
        actor=acting,
        action="community.verification_revoke",
        target=resident,
        before={"status": before},
        after={"status": residence.status},
        data={"method": residence.method},
    )
    return residence


def verifications_expire_due() -> int:
    """Expire co-optation requests, postcard codes and unreviewed proofs past their date, and
    send the decision emails whose task was lost (run hourly)."""
    expired = cooptation_expire_due() + postcard_expire_due() + proof_expire_due()
    verification_decision_notices_redrive()
    return expired
