"""What the verification services share: events, household keys, status transitions."""

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role

from ..codes import keyed_hash
from ..models import (
    DECISION_KINDS,
    OPEN_REQUEST_STATUSES,
    ClosingReason,
    CommunitySettings,
    EventKind,
    Method,
    RequestStatus,
    Residence,
    Status,
    VerificationEvent,
    VerificationRequest,
)
from ..selectors import VERIFIER_ROLES

# Common spellings of French street types, so "12 av. Foch" and "12 Avenue Foch" are one home.
_STREET_WORDS = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "pl": "place",
    "r": "rue",
    "rte": "route",
    "ch": "chemin",
    "chem": "chemin",
    "imp": "impasse",
    "all": "allee",
    "sq": "square",
    "fbg": "faubourg",
    "st": "saint",
    "ste": "sainte",
    "apt": "appartement",
    "appt": "appartement",
    "bat": "batiment",
    "bis": "b",
    "ter": "t",
}


def normalise_address(*parts: str) -> str:
    text = unicodedata.normalize("NFKD", " ".join(parts))
    # Accents go; any other symbol (apostrophes, hyphens, dots) separates words.
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def household_key(*, address_line1: str, address_line2: str, postcode: str) -> str:
    """Equal for two declarations of the same home (case, accents, punctuation and street-type
    abbreviations do not matter); a keyed hash, so it does not reveal the address."""
    return keyed_hash("household", normalise_address(address_line1, address_line2, postcode))


def require_role(actor: User | None, roles: Iterable[Role]) -> None:
    """PermissionDenied unless `actor` is signed in, active and holds one of `roles`: each staff
    service checks it itself, whichever view, API view or command calls it."""
    if actor is None or not actor.is_authenticated or not actor.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


def require_verifier(actor: User | None) -> None:
    require_role(actor, VERIFIER_ROLES)


def require_council_admin(actor: User | None) -> None:
    require_role(actor, (Role.COUNCIL_ADMIN,))


def require_not_self(actor: User, resident_id: int | None) -> None:
    """Nobody decides on their own verification, whatever their role."""
    if resident_id is not None and actor.pk == resident_id:
        raise PermissionDenied(_("You cannot decide on your own verification."))


def event_record(
    *,
    kind: EventKind,
    resident: User | None,
    actor: User | None = None,
    request: VerificationRequest | None = None,
    method: str = "",
    reason: str = "",
    data: dict | None = None,
) -> VerificationEvent:
    event = VerificationEvent.objects.create(
        kind=kind,
        resident=resident,
        actor=actor,
        request=request,
        method=method or (request.method if request else ""),
        reason=reason,
        data=data or {},
    )
    if kind in DECISION_KINDS:
        from .notices import decision_notice_enqueue

        decision_notice_enqueue(event)
    return event


def settings_row() -> CommunitySettings:
    return CommunitySettings.load()


def residence_of(user: User) -> Residence:
    residence = Residence.objects.select_for_update().filter(user=user).first()
    if residence is None:
        raise ValidationError(_("First tell us your address."), code="no_address")
    return residence


def address_snapshot(residence: Residence) -> dict:
    return {
        "line1": residence.address_line1,
        "line2": residence.address_line2,
        "postcode": residence.postcode,
        "city": residence.city,
        "neighbourhood": residence.neighbourhood.name if residence.neighbourhood else "",
    }


def discard_document(request: VerificationRequest) -> None:
    """Delete a proof document from disk, keeping only its metadata. Called as soon as the request
    is decided: if the transaction later fails the resident uploads again, but a document is never
    kept past its decision."""
    if request.document:
        request.document.delete(save=False)
        request.document = ""
        request.document_deleted_at = timezone.now()


def open_requests(residence: Residence) -> QuerySet[VerificationRequest]:
    return VerificationRequest.objects.filter(
        resident_id=residence.user_id, status__in=OPEN_REQUEST_STATUSES
    )


Reason = str | ClosingReason


def reason_set(target: Residence | VerificationRequest, reason: Reason) -> None:
    """A platform reason is stored as its code (shown in the reader's language), a staff
    member's as the text they wrote."""
    if isinstance(reason, ClosingReason):
        target.reason_code, target.reason = reason.value, ""
    else:
        target.reason_code, target.reason = "", reason


def close_request(
    request: VerificationRequest,
    *,
    status: RequestStatus,
    by: User | None = None,
    reason: Reason = "",
) -> None:
    request.status = status
    request.decided_at = timezone.now()
    request.decided_by = by
    reason_set(request, reason)
    request.code_hash = ""  # a closed postcard request has no usable code
    discard_document(request)
    request.save()


def residence_after_close(
    residence: Residence, *, status: str, reason: Reason = "", by: User | None = None
) -> None:
    """The residence's status once a request ended without verifying: still pending while another
    request is open, otherwise `status` (rejected or unverified) with the reason shown."""
    if residence.status in (Status.VERIFIED, Status.REVOKED):
        return
    if open_requests(residence).exists():
        residence.status = Status.PENDING
    else:
        residence.status = status
        reason_set(residence, reason)
        residence.decided_by = by
    residence.status_changed_at = timezone.now()
    residence.save()


def residence_verify(
    residence: Residence,
    *,
    request: VerificationRequest | None,
    method: Method,
    by: User | None,
    vouchers: list[int] | None = None,
    note: str = "",
) -> None:
    """Mark the residence verified by this request (or in person), close the other open requests,
    and write the decision event."""
    now = timezone.now()
    residence.status = Status.VERIFIED
    residence.method = method
    residence.verified_at = now
    residence.decided_by = by
    reason_set(residence, "")
    residence.status_changed_at = now
    residence.save()
    if request is not None:
        request.status = RequestStatus.APPROVED
        request.decided_at = now
        request.decided_by = by
        request.code_hash = ""
        discard_document(request)
        request.save()
    for other in open_requests(residence).select_for_update():
        close_request(
            other, status=RequestStatus.CANCELLED, reason=ClosingReason.VERIFIED_OTHERWISE
        )
    event_record(
        kind=EventKind.VERIFIED,
        resident=residence.user,
        actor=by,
        request=request,
        method=method,
        reason=note,
        data={"vouchers": vouchers or []},
    )


def open_request_check(*, user: User, method: Method) -> Residence:
    """The resident's residence (locked) when they may open a request of this method: an
    address declared, not verified already, the method offered, none of its kind open.
    ValidationError otherwise. Checked before anything the resident sent is looked at."""
    residence = residence_of(user)
    if residence.status == Status.VERIFIED:
        raise ValidationError(_("Your address is already verified."), code="already_verified")
    enabled = {
        Method.COOPTATION: "cooptation_enabled",
        Method.PROOF: "proof_enabled",
        Method.POSTCARD: "postcard_enabled",
    }
    if method in enabled and not getattr(settings_row(), enabled[method]):
        raise ValidationError(
            _("The council does not offer this verification method."), code="method_disabled"
        )
    if open_requests(residence).filter(method=method).exists():
        raise ValidationError(
            _("You already have a request of this kind in progress."), code="already_open"
        )
    return residence


def open_request(
    *, user: User, method: Method, status: RequestStatus, **fields
) -> VerificationRequest:
    """A new request of this method for the resident, who must have declared an address and not
    be verified already."""
    residence = open_request_check(user=user, method=method)
    request = VerificationRequest.objects.create(
        resident=user,
        method=method,
        status=status,
        address=address_snapshot(residence),
        neighbourhood=residence.neighbourhood,
        **fields,
    )
    residence.status = Status.PENDING
    reason_set(residence, "")
    residence.status_changed_at = timezone.now()
    residence.save()
    event_record(kind=EventKind.REQUEST_OPENED, resident=user, actor=user, request=request)
    return request
