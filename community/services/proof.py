"""Method 2: a proof-of-address document, reviewed by staff and deleted once decided."""

import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import ratelimit
from core.images import clean_document

from ..models import (
    ClosingReason,
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
    open_request,
    open_request_check,
    residence_after_close,
)

PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_REVIEW_DAYS = 60
# Every upload is decoded (images are re-encoded): a resident sending file after file is capped.
PROOF_UPLOADS_PER_HOUR = 5


@transaction.atomic
def proof_submit(*, user: User, upload: UploadedFile) -> VerificationRequest:
    """Check the file by its content (PDF, JPEG or PNG; images are re-encoded, which strips their
    metadata) and open a request for staff review. Raises ValidationError with a message for the
    resident."""
    # Rights and the rate limit first: the file is not read before both passed.
    open_request_check(user=user, method=Method.PROOF)
    ratelimit.enforce(
        f"community:proof-upload:{user.pk}",
        limit=PROOF_UPLOADS_PER_HOUR,
        window=3600,
        message=_("Too many documents sent. Try again in an hour."),
    )
    clean = clean_document(upload, max_bytes=PROOF_MAX_BYTES)
    request = open_request(
        user=user,
        method=Method.PROOF,
        status=RequestStatus.PENDING,
        document_type=clean.content_type,
        document_size=len(clean.content),
    )
    # A random name: nothing about the resident or the original file name ends up on disk.
    request.document.save(
        f"proofs/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content), save=True
    )
    event_record(
        kind=EventKind.DOCUMENT_UPLOADED,
        resident=user,
        actor=user,
        request=request,
        data={"type": clean.content_type, "size": len(clean.content)},
    )
    return request


def proof_expire_due() -> int:
    """Close proofs nobody reviewed within PROOF_REVIEW_DAYS and delete their documents: a
    document is never kept indefinitely. The resident is told to send it again."""
    deadline = timezone.now() - timedelta(days=PROOF_REVIEW_DAYS)
    expired = 0
    for pk in VerificationRequest.objects.filter(
        method=Method.PROOF, status=RequestStatus.PENDING, created_at__lte=deadline
    ).values_list("pk", flat=True):
        with transaction.atomic():
            request = VerificationRequest.objects.select_for_update().get(pk=pk)
            if request.status != RequestStatus.PENDING:
                continue
            reason = ClosingReason.PROOF_NOT_REVIEWED
            close_request(request, status=RequestStatus.EXPIRED, reason=reason)
            residence = Residence.objects.select_for_update().get(user_id=request.resident_id)
            residence_after_close(residence, status=Status.UNVERIFIED, reason=reason)
            event_record(kind=EventKind.EXPIRED, resident=request.resident, request=request)
            expired += 1
    return expired
