"""reports.pdf writes the same tagged PDF as WeasyPrint with pydyf's own page references, only
faster for long documents."""

import io

import pydyf
import pypdf
import weasyprint

from reports import pdf as report_pdf

# Enough paragraphs for several pages: structure elements on every page.
HTML = (
    '<html lang="fr"><head><meta charset="utf-8"><title>Annexe</title></head><body>'
    + "".join(f"<p>Réponse {i} : un banc près du quai, " * 3 + "</p>" for i in range(300))
    + "</body></html>"
)


def test_page_references_are_kept_until_a_page_is_added():
    report_pdf.install()
    document = pydyf.PDF()
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = document.page_references
    assert document.page_references is first  # not built again
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(document.page_references) == 2
    assert document.page_references[0] == first[0]
    assert document.page_references[1] == f"{document.objects[-1].number} 0 R".encode()


def test_the_tagged_pdf_is_byte_for_byte_the_one_pydyf_would_give(monkeypatch):
    document = weasyprint.HTML(string=HTML).render()
    assert len(document.pages) > 3
    fast = report_pdf.pdf_write(document)
    monkeypatch.setattr(pydyf.PDF, "page_references", report_pdf._original_page_references)
    plain = document.write_pdf(pdf_variant=report_pdf.VARIANT)
    assert fast == plain
    reader = pypdf.PdfReader(io.BytesIO(fast))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "fr"
    # Each structure element names the page it is on: the last paragraphs, the last page.
    pages = [page.indirect_reference.idnum for page in reader.pages]
    document_element = root["/StructTreeRoot"]["/K"][0].get_object()
    assert document_element["/S"] == "/Document"
    assert document_element["/K"][-1].get_object().raw_get("/Pg").idnum == pages[-1]
    assert document_element["/K"][0].get_object().raw_get("/Pg").idnum == pages[0]
