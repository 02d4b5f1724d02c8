"""Method 2: proof of address, its upload checks and who can read the document."""

import io
import os
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context
from PIL import Image

from community import selectors, services
from community.models import EventKind, RequestStatus, Status, VerificationEvent
from community.services import PROOF_MAX_BYTES
from tests.conftest import CouncilClient, make_user

from .conftest import declare, pdf_bytes, png_bytes, residence, upload


def document_url(request) -> str:
    return f"/staff/community/verification/{request.pk}/document/"


@pytest.fixture
def submitted(pending_resident):
    return services.proof_submit(user=pending_resident, upload=upload("bill.pdf", pdf_bytes()))


def test_proof_end_to_end_approved_and_document_deleted(submitted, pending_resident, staff):
    path = Path(submitted.document.path)
    assert path.read_bytes() == pdf_bytes()
    assert residence(pending_resident).status == Status.PENDING

    services.verification_request_approve(acting=staff, request=submitted)

    assert selectors.is_verified(pending_resident)
    assert not path.exists()
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.APPROVED and not submitted.document
    # Only the decision and its metadata remain.
    assert submitted.document_type == "application/pdf" and submitted.document_deleted_at
    event = VerificationEvent.objects.get(kind=EventKind.VERIFIED, request=submitted)
    assert event.actor == staff
    assert residence(pending_resident).decided_by == staff


def test_proof_rejected_with_a_reason_the_resident_sees(
    submitted, pending_resident, staff, client_dinan
):
    path = Path(submitted.document.path)
    services.verification_request_reject(
        acting=staff, request=submitted, reason="The bill is older than three months."
    )
    assert not path.exists()
    home = residence(pending_resident)
    assert home.status == Status.REJECTED
    assert VerificationEvent.objects.filter(kind=EventKind.REJECTED, actor=staff).exists()
    page = client_dinan.login_as(pending_resident).get("/verify/").content.decode()
    assert "The bill is older than three months." in page


def test_reject_needs_a_reason(submitted, staff):
    with pytest.raises(ValidationError):
        services.verification_request_reject(acting=staff, request=submitted, reason="  ")


def test_document_is_stored_outside_public_media(submitted, client_dinan, pending_resident):
    path = Path(submitted.document.path).resolve()
    assert str(path).startswith(str(Path(settings.PRIVATE_MEDIA_ROOT).resolve() / "dinan"))
    assert not str(path).startswith(str(Path(settings.MEDIA_ROOT).resolve()))
    assert "bill" not in path.name  # the resident's file name is not kept
    with pytest.raises(ValueError):
        submitted.document.url  # noqa: B018  (no URL exists for private files)
    relative = os.path.relpath(path, settings.PRIVATE_MEDIA_ROOT)
    for guess in (
        f"/media/{relative}",
        f"/media/dinan/{submitted.document.name}",
        f"/media/dinan/../../test-private-media/{relative}",
    ):
        assert client_dinan.get(guess).status_code == 404


def test_reviewing_staff_can_read_the_document(submitted, staff, agent, client_dinan):
    for reviewer in (staff, agent):
        response = client_dinan.login_as(reviewer).get(document_url(submitted))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]


def test_document_refused_to_anonymous_residents_and_other_roles(
    submitted, pending_resident, communications_officer, client_dinan
):
    url = document_url(submitted)
    anonymous = client_dinan.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    other = make_user("nosy-neighbour@example.org")
    assert CouncilClient(client_dinan.council).login_as(other).get(url).status_code == 403
    # Not even the resident who uploaded it reads it back from here.
    assert (
        CouncilClient(client_dinan.council).login_as(pending_resident).get(url).status_code == 403
    )
    assert (
        CouncilClient(client_dinan.council).login_as(communications_officer).get(url).status_code
        == 403
    )


def test_document_refused_to_staff_of_another_council(submitted, saint_malo, client_dinan):
    with tenant_context(saint_malo):
        malo_admin = make_user("admin-malo@saint-malo.example", "council_admin")
    malo_client = CouncilClient(saint_malo).login_as(malo_admin)
    # At their own host the same id names nothing of Dinan's...
    assert malo_client.get(document_url(submitted)).status_code == 404
    # ...and their session is not valid at Dinan's host.
    at_dinan = CouncilClient(client_dinan.council)
    at_dinan.cookies = SimpleCookie(malo_client.cookies)
    response = at_dinan.get(document_url(submitted))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_document_gone_after_decision(submitted, staff, client_dinan):
    client = client_dinan.login_as(staff)
    assert client.get(document_url(submitted)).status_code == 200
    response = client.post(f"/staff/community/verification/{submitted.pk}/approve/")
    assert response.status_code == 302
    assert client.get(document_url(submitted)).status_code == 404


def test_document_gone_after_rejection_through_the_portal(submitted, staff, client_dinan):
    client = client_dinan.login_as(staff)
    path = Path(submitted.document.path)
    client.post(
        f"/staff/community/verification/{submitted.pk}/reject/", {"reason": "Unreadable scan."}
    )
    assert client.get(document_url(submitted)).status_code == 404
    assert not path.exists()


def test_image_is_re_encoded_without_metadata(pending_resident):
    original = png_bytes(exif=True)
    assert b"SpyCam" in original
    request = services.proof_submit(user=pending_resident, upload=upload("photo.png", original))
    stored = Path(request.document.path).read_bytes()
    assert request.document_type == "image/jpeg" and b"SpyCam" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    Path(request.document.path).unlink()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "bill.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,
            "This file is not a PDF, JPEG or PNG document.",
        ),
        ("scan.png", png_bytes()[:60], "This file is not a PDF, JPEG or PNG document."),
        ("bill.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "This PDF is damaged or incomplete."),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(pending_resident, name, content, message):
    with pytest.raises(ValidationError) as refused:
        services.proof_submit(
            user=pending_resident, upload=upload(name, content, "application/pdf")
        )
    assert refused.value.messages == [message]
    assert residence(pending_resident).status == Status.UNVERIFIED


def test_oversized_upload_is_refused(pending_resident):
    big = upload("bill.pdf", b"%PDF-1.4\n" + b"0" * PROOF_MAX_BYTES + b"\n%%EOF")
    with pytest.raises(ValidationError) as refused:
        services.proof_submit(user=pending_resident, upload=big)
    assert "too large" in refused.value.messages[0] and "10.0 MB" in refused.value.messages[0]


def test_upload_page_shows_the_refusal(pending_resident, client_dinan):
    client = client_dinan.login_as(pending_resident)
    exe = upload("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 500, "application/pdf")
    response = client.post("/verify/document/", {"document": exe})
    assert response.status_code == 400
    assert "This file is not a PDF, JPEG or PNG document." in response.content.decode()
    ok = client.post("/verify/document/", {"document": upload("bill.pdf", pdf_bytes())})
    assert ok.status_code == 302
    assert residence(pending_resident).status == Status.PENDING


def test_one_open_proof_at_a_time(submitted, pending_resident):
    with pytest.raises(ValidationError) as again:
        services.proof_submit(user=pending_resident, upload=upload("b.pdf", pdf_bytes()))
    assert again.value.code == "already_open"


def test_proof_needs_a_declared_address(in_dinan):
    newcomer = make_user("newcomer@example.org")
    with pytest.raises(ValidationError) as refused:
        services.proof_submit(user=newcomer, upload=upload("b.pdf", pdf_bytes()))
    assert refused.value.code == "no_address"
    declare(newcomer)


def test_unreviewed_proof_expires_and_its_document_is_deleted(submitted, pending_resident):
    from datetime import timedelta

    from django.utils import timezone

    from community.services import PROOF_REVIEW_DAYS

    path = Path(submitted.document.path)
    assert services.verifications_expire_due() == 0 and path.exists()
    type(submitted).objects.filter(pk=submitted.pk).update(
        created_at=timezone.now() - timedelta(days=PROOF_REVIEW_DAYS, minutes=1)
    )
    assert services.verifications_expire_due() == 1
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.EXPIRED and not submitted.document
    assert not path.exists()
    home = residence(pending_resident)
    assert home.status == Status.UNVERIFIED and "not reviewed in time" in home.reason_text
    assert VerificationEvent.objects.filter(kind=EventKind.EXPIRED, request=submitted).exists()
