"""Method 2: a proof-of-address document, reviewed by staff and deleted once decided."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User

from ..models import EventKind, Method, RequestStatus, VerificationRequest
from ..uploads import clean_document
from ._common import event_record, open_request

PROOF_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def proof_submit(*, user: User, upload: UploadedFile) -> VerificationRequest:
    """Check the file by its content (PDF, JPEG or PNG; images are re-encoded, which strips their
    metadata) and open a request for staff review. Raises ValidationError with a message for the
    resident."""
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
