"""The SIHALAL application pack in the browser's hands: who may download it, and what it says."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from docx import Document

from tests.helpers import csrf_of  # noqa: F401  # the sign_in fixture's helper

# Who may read business A's records may download its pack; everyone else sees the same 404 as for no product.
MAY = {"producer_a": 200, "pendamping_a": 200, "auditor": 200, "admin": 200}
MAY_NOT = {"producer_b": 404, "pendamping_other": 404, "coordinator": 404}


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.mark.parametrize(("who", "status"), [*MAY.items(), *MAY_NOT.items()])
def test_the_pack_is_for_whoever_may_read_the_records(client, filled, sign_in, who, status):
    sign_in(who)

    for suffix in ("pdf", "docx"):
        response = client.get(f"/products/{filled.product_a}/application-pack.{suffix}")
        assert response.status_code == status, (who, suffix)
        if status == 404:
            assert response.mimetype == "text/html"  # a page, never a problem document, in a browser


def test_signed_out_goes_to_the_login_page(client, filled):
    response = client.get(f"/products/{filled.product_a}/application-pack.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_pdf_and_word_file_list_the_business_records_in_indonesian(client, filled, sign_in):
    sign_in("pendamping_a")

    pdf = client.get(f"/products/{filled.product_a}/application-pack.pdf")
    word = client.get(f"/products/{filled.product_a}/application-pack.docx")

    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith('inline; filename="paket-sihalal-')
    assert word.headers["Content-Disposition"].startswith('attachment; filename="paket-sihalal-')
    text = pdf_text(pdf.data)
    document = Document(io.BytesIO(word.data))
    word_text = "\n".join(
        [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    for body in (text, word_text):
        assert "Paket Pengajuan Sertifikasi Halal" in body
        assert "Yang masih harus dilengkapi" in body
        assert "Daftar bahan" in body
        assert "Manual Sistem Jaminan Produk Halal" in body


def test_the_product_pages_link_to_the_pack(client, filled, sign_in):
    sign_in("producer_a")
    page = client.get("/producer").get_data(as_text=True)
    assert f"/products/{filled.product_a}/application-pack.pdf" in page
    assert "Paket pengajuan SIHALAL" in page
