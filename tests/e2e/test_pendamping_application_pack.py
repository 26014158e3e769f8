"""A pendamping helps a business apply: signs in, opens an assigned business and its product, downloads the
product's SIHALAL application pack and reads it: headless Chromium, in Indonesian at 390 x 844 and 1280 x 800.

The PDF's own text (pypdfium2) is what is checked: the materials with their suppliers and certificate numbers,
what is still missing before everything else, the headings in Indonesian."""

from __future__ import annotations

import re

import pypdfium2
import pytest

from tests.e2e.test_evidence_request_cycle import _signed_in
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, OPERATOR
from traceability.service import businesses

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

#: Business B's materials with a supplier and a certificate, as its dossier names them.
CERTIFIED = {
    "Tepung sagu": ("PT Sagu Tani Meranti", "ID14110055073210924"),
    "Gula pasir": ("PT Gula Putih Sumatera", "ID18110022704151222"),
    "Garam beryodium": ("CV Garam Bintan Jaya", "ID21110033189041023"),
}
#: The pack's headings, in the order a reader meets them.
HEADINGS = (
    "Paket Pengajuan Sertifikasi Halal",
    "Yang masih harus dilengkapi",
    "A. Data pelaku usaha",
    "B. Daftar bahan",
    "C. Diagram alir proses produksi",
)


def _pdf_lines(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _download_pack(page, live: str, width: int, tmp_path) -> dict:
    seen: dict = {}
    page.goto(f"{live}/pendamping")
    page.click("section.business h2 a")
    page.wait_for_load_state()
    page.click("a[href$='/products']")
    page.wait_for_load_state()
    page.click("ul.records a")
    page.wait_for_load_state()
    seen["product page"] = page.inner_text("main")
    seen["width"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(ARTIFACTS / f"pendamping-product-id-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a[href$='application-pack.pdf']")
    target = tmp_path / f"pack-{width}.pdf"
    download.value.save_as(target)
    seen["file name"] = download.value.suggested_filename
    seen["lines"] = _pdf_lines(target.read_bytes())
    return seen


def test_a_pendamping_downloads_an_assigned_products_application_pack(live, filled, session, tmp_path):
    from playwright.sync_api import sync_playwright

    # Business B (a shared grilling line, fish from a collector) is assigned to the pendamping, and only B.
    businesses.assign_pendamping(session, OPERATOR, filled.world.users["pendamping_other"], filled.world.business_b)
    session.commit()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen: dict[int, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for width, height in ((390, 844), (1280, 800)):
                context, page = _signed_in(browser, live, "pendamping_other", "id", (width, height))
                seen[width] = _download_pack(page, live, width, tmp_path)
                context.close()
        finally:
            browser.close()

    for width in (390, 1280):
        got = seen[width]
        assert got["width"] <= width
        assert "Otak-Otak Ikan Tenggiri" in got["product page"]
        assert "Paket pengajuan SIHALAL" in got["product page"]
        assert got["file name"] == "paket-sihalal-otak-otak-ikan-tenggiri.pdf"
        lines = got["lines"]
        text = "\n".join(lines)
        places = [text.find(heading) for heading in HEADINGS]
        assert -1 not in places, places
        assert places == sorted(places)  # what is missing comes before the business, the materials and the flow
        missing = text[places[1] : places[2]]
        assert "produk tidak halal" in missing  # the shared line's finding, in Indonesian
        materials = text[places[3] : places[4]]
        for material, (supplier, number) in CERTIFIED.items():
            assert material in materials
            assert supplier.split()[-1] in materials  # a long name may wrap inside its cell
            assert number in materials
        # Fresh produce from the market needs no certificate (KMA 1360/2021): not flagged as a problem.
        assert "Bawang merah segar Lapak Bu Siti" in " ".join(lines)
        assert "Tidak wajib bersertifikat" in materials
        assert not re.search(r"\b(Missing|Materials|Supplier|Certificate)\b", text)
