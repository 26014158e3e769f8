"""A coordinator opens a programme, is told plainly what is wrong with the form, enrols three businesses from the
city's registry (ticked over two searches) and reads them named with their pendamping and what blocks each, then
downloads the ministry's report: headless Chromium, in Indonesian at 390 x 844 and at 1280 x 800."""

from __future__ import annotations

import pypdfium2
import pytest

from tests.e2e.test_evidence_request_cycle import _signed_in
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, OPERATOR
from traceability.service import accounts, registry
from traceability.vocabulary import Role

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")

REGISTRY = (
    "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"
    "2103250009911,Kedai Kopi Pak Man,Sulaiman,Jl. Raja Isa,Belian,Batam Kota,Batam,,micro,56303\n"
    "2103250009928,Kopi Tiam Ah Seng,Ah Seng,Jl. Nagoya,Lubuk Baja Kota,Lubuk Baja,Batam,,micro,56303\n"
    "2103250009935,Kue Bangkit Mak Limah,Halimah,Jl. Sekupang,Tanjung Riau,Sekupang,Batam,,micro,10710\n"
)
NAMES = ("Kedai Kopi Pak Man", "Kopi Tiam Ah Seng", "Kue Bangkit Mak Limah")
#: Each funnel label whose text is cut (wider than its box) or that reaches past the viewport.
CLIPPED = """() => [...document.querySelectorAll('.funnel-label, .funnel-count')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > innerWidth + 1)
  .map(e => e.textContent)"""


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def _open_and_enrol(page, live, name: str, width: int, seen: dict) -> None:
    page.goto(f"{live}/coordinator")
    page.click("a[href='/coordinator/programmes/new']")
    page.fill("input[name=name]", "")
    page.fill("input[name=organiser]", "PLUT Batam")
    page.fill("input[name=starts_on]", "2025-08-04")
    page.fill("input[name=ends_on]", "2025-08-01")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    seen[f"errors {width}"] = page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / f"coordinator-new-errors-id-{width}.png"), full_page=True)
    page.fill("input[name=name]", name)
    page.fill("input[name=ends_on]", "2025-12-19")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.fill("input[name=q]", "kopi")
    page.click("button[value=search]")
    page.wait_for_load_state()
    for business in NAMES[:2]:
        page.get_by_label(business).check()
    page.fill("input[name=q]", "bangkit")
    page.click("button[value=search]")
    page.wait_for_load_state()
    page.get_by_label(NAMES[2]).check()
    page.check("input[name=mode][value=online]")
    page.select_option("select[name=pendamping]", label="Siti Aminah")
    seen[f"enrol width {width}"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(ARTIFACTS / f"coordinator-enrol-id-{width}.png"), full_page=True)
    page.click("button[value=enrol]")
    page.wait_for_load_state()
    seen[f"board {width}"] = page.inner_text("main")
    seen[f"names {width}"] = page.eval_on_selector_all(".participants h4", "hs => hs.map(h => h.textContent)")
    seen[f"pendamping {width}"] = page.eval_on_selector_all(
        ".participants .pendamping", "ds => ds.map(d => d.textContent)"
    )
    seen[f"board width {width}"] = page.evaluate("document.documentElement.scrollWidth")
    seen[f"clipped {width}"] = page.evaluate(CLIPPED)
    seen[f"switches {width}"] = page.locator("a[hreflang=en]").count()
    page.screenshot(path=str(ARTIFACTS / f"coordinator-dashboard-id-{width}.png"), full_page=True)
    report = page.get_attribute("a[href$='report.pdf']", "href")
    seen[f"report {width}"] = _pdf_text(page.context.request.get(live + report).body())


def test_a_coordinator_opens_a_programme_and_enrols_three_registry_businesses(live, world, session):
    from playwright.sync_api import sync_playwright

    registry.import_registry(session, OPERATOR, REGISTRY)
    accounts.create_user(session, OPERATOR, email="siti@test.id", role=Role.PENDAMPING, name="Siti Aminah")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for width, height, name in ((390, 844, "Kelas Halal Batam Kota"), (1280, 800, "Kelas Halal Sekupang")):
                context, page = _signed_in(browser, live, "coordinator", "id", (width, height))
                _open_and_enrol(page, live, name, width, seen)
                if width == 1280:
                    page.click("a[hreflang=en]")
                    page.wait_for_load_state()
                    seen["english"] = page.inner_text("main")
                    page.screenshot(path=str(ARTIFACTS / "coordinator-dashboard-en-1280.png"), full_page=True)
                context.close()
        finally:
            browser.close()

    for width in (390, 1280):
        assert "Belum ada yang tersimpan" in seen[f"errors {width}"]
        assert "Wajib diisi." in seen[f"errors {width}"]
        assert "Sebelum tanggal mulai." in seen[f"errors {width}"]
        assert seen[f"enrol width {width}"] <= width
        assert "3 usaha didaftarkan." in seen[f"board {width}"]
        assert sorted(seen[f"names {width}"]) == sorted(NAMES)
        assert seen[f"pendamping {width}"] == ["Siti Aminah"] * 3
        assert "Belum ada bahan yang dicatat." in seen[f"board {width}"]
        assert seen[f"board width {width}"] <= width
        assert seen[f"clipped {width}"] == []
        assert seen[f"switches {width}"] == 1
        assert "Jumlah peserta: 3 usaha" in seen[f"report {width}"]
        for kecamatan in ("Batam Kota", "Lubuk Baja", "Sekupang"):
            assert kecamatan in seen[f"report {width}"]
    assert "Kelas Halal Sekupang" in seen["english"]
    assert "Milestone funnel" in seen["english"]
    assert "No material is recorded yet." in seen["english"]
