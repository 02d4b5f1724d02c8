"""The postcard print batch: one PDF (WeasyPrint), one A6 postcard per page, with the council's
branding, the resident's name and address, the code and a QR code to the code-entry page."""

from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from accounts.models import User
from tenants.models import current_council

from . import codes, services
from .models import PostcardBatch


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=1)
    # One QR per page: the path's fixed id would repeat, which WeasyPrint warns about.
    return image.to_string(encoding="unicode").replace(' id="qr-path"', "")


def services_settings_days() -> int:
    from .models import CommunitySettings

    return CommunitySettings.load().postcard_validity_days


@dataclass(frozen=True)
class RenderedBatch:
    html: str
    pdf: bytes
    pages: int


def postcard_batch_render(*, acting: User, batch: PostcardBatch) -> RenderedBatch:
    """Issue new codes for the batch and render them; the PDF is the only copy of the codes."""
    import weasyprint

    council = current_council()
    entry_url = council.base_url() + reverse("community:postcard_code")
    logo = ""
    if council.logo:
        try:
            logo = Path(council.logo.path).as_uri()
        except (ValueError, NotImplementedError):
            logo = ""
    cards = services.postcard_batch_issue_codes(acting=acting, batch=batch)
    with translation.override(council.default_language):
        html = render_to_string(
            "community/postcards/batch.html",
            {
                "council": council,
                "logo": logo,
                "entry_url": entry_url,
                "qr": mark_safe(_qr_svg(entry_url)),  # noqa: S308  (SVG we generated, no user input)
                "cards": [
                    {
                        "request": request,
                        "name": request.resident.full_name,
                        "lines": request.postal_lines(),
                        "code": codes.display(code),
                    }
                    for request, code in cards
                ],
                "batch": batch,
                "validity_days": services_settings_days(),
            },
        )
    document = weasyprint.HTML(string=html, base_url=str(Path.cwd())).render()
    return RenderedBatch(html=html, pdf=document.write_pdf(), pages=len(document.pages))
