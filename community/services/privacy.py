"""What the community app exports and erases for a resident (registered in apps.py)."""

from accounts.models import User
from core.privacy import iso

from ..models import Residence, VerificationEvent, VerificationRequest, Vouch
from ._common import discard_document
from .phone import phone_confirmation_forget


def community_export(user: User) -> dict:
    residence = Residence.objects.select_related("neighbourhood").filter(user=user).first()
    return {
        "residence": None
        if residence is None
        else {
            "address_line1": residence.address_line1,
            "address_line2": residence.address_line2,
            "postcode": residence.postcode,
            "city": residence.city,
            "neighbourhood": residence.neighbourhood.name if residence.neighbourhood else None,
            "latitude": residence.latitude,
            "longitude": residence.longitude,
            "verification_status": residence.status,
            "method": residence.method,
            "verified_at": iso(residence.verified_at),
            "reason": residence.reason_text,
        },
        "verification_requests": [
            {
                "method": r.method,
                "status": r.status,
                "created_at": iso(r.created_at),
                "decided_at": iso(r.decided_at),
                "reason": r.reason_text,
                "address": r.address,
                "document": (
                    {
                        "type": r.document_type,
                        "size": r.document_size,
                        "deleted_at": iso(r.document_deleted_at),
                    }
                    if r.document_type
                    else None
                ),
                "vouches_received": [
                    {"at": iso(v.created_at), "withdrawn_at": iso(v.withdrawn_at)}
                    for v in r.vouches.all()
                ],
            }
            for r in VerificationRequest.objects.filter(resident=user).prefetch_related("vouches")
        ],
        "vouches_given": [
            {
                "for": v.request.resident.full_name,
                "at": iso(v.created_at),
                "withdrawn_at": iso(v.withdrawn_at),
            }
            for v in Vouch.objects.filter(voucher=user).select_related("request__resident")
        ],
        "history": [
            {"event": e.kind, "at": iso(e.created_at), "method": e.method, "reason": e.reason}
            for e in VerificationEvent.objects.filter(resident=user).order_by("created_at")
        ],
    }


def community_erase(user: User) -> None:
    """Before the account goes: delete proof files and any SMS code waiting in the cache (the
    rows cascade with the user: residence, requests with their address snapshots, invitations),
    and strip the verification timeline of anything personal (staff's reasons and notes may
    quote an email or a phone number). Kept, without the person: the vouches they gave (their
    neighbours' verification rests on them) and the anonymous decision events."""
    for request in VerificationRequest.objects.filter(resident=user).exclude(document=""):
        discard_document(request)
        request.save(update_fields=["document", "document_deleted_at"])
    VerificationEvent.objects.filter(resident=user).update(data={}, reason="")
    phone_confirmation_forget(user)
