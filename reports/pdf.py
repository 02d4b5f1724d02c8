"""Writing a laid-out WeasyPrint document as a tagged PDF (PDF/UA-1), fast for long documents.

While it builds the structure tree of a tagged PDF, WeasyPrint asks pydyf for
`PDF.page_references` once per structure element (every paragraph and every line of text), and
pydyf rebuilds that tuple of every page's reference on each call: quadratic in the document's
length (about 4 s of the 10,000-answer appendix's 387 pages, bench/bench_reports.py case (b)).
The references only change when a page is added, so they are kept until the page count changes.
The PDF written is the same, byte for byte (tests/reports/test_pdf_writing.py)."""

from typing import Any

import pydyf

VARIANT = "pdf/ua-1"
_original_page_references = pydyf.PDF.page_references


def _page_references(self: pydyf.PDF) -> tuple[bytes, ...]:
    kids = self.pages["Kids"]
    cached = self.__dict__.get("_commune_page_references")
    # "Kids" only grows (add_page appends [number, 0, "R"]): its length tells a new page.
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), _original_page_references.fget(self))
        self.__dict__["_commune_page_references"] = cached
    return cached[1]


def install() -> None:
    """Keep pydyf's page references between pages (idempotent)."""
    if isinstance(_original_page_references, property):
        pydyf.PDF.page_references = property(_page_references)


def pdf_write(document: Any) -> bytes:
    """The tagged PDF of a rendered `weasyprint.Document`."""
    install()
    return document.write_pdf(pdf_variant=VARIANT)
