"""An auditor confirms a producer's certificate beside its PDF scan, and an admin imports a register snapshot, in
headless Chromium: Indonesian at 390 x 844, English at 1280 x 800 (screenshots in ``artifacts/``)."""

from __future__ import annotations

import pytest

from tests.api.test_certificate_confirmation import FORGED, HEADER, _own_row, _public, _recorded_rows, _self_certify
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, PASSWORD, final_batch, issue
from tests.web.test_certificate_pages import _pdf, _upload

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")

SIZES = (("id", (390, 844)), ("en", (1280, 800)))


def _signed_in(browser, live, who, lang, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=lang)
    page = context.new_page()
    page.goto(f"{live}/login?lang={lang}")
    page.fill("input[name=email]", f"{who}@test.id")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_an_auditor_confirms_a_certificate_beside_its_scan_and_the_product_turns_verified(
    live, client, filled, session
):
    from playwright.sync_api import sync_playwright

    cert = _self_certify(client, filled)
    _upload(client, filled, cert, _pdf(), "application/pdf")
    code = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)["code"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for lang, size in SIZES:
                context, page = _signed_in(browser, live, "auditor", lang, size)
                page.goto(f"{live}/auditor?lang={lang}")
                page.click("a[href='/auditor/certificates']")
                page.wait_for_load_state()
                page.screenshot(path=str(ARTIFACTS / f"certificate-queue-{lang}-{size[0]}x{size[1]}.png"))
                page.click(f"li[data-number='{FORGED}'] a")
                page.wait_for_load_state()
                loaded = page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 300)")
                seen[lang] = {
                    "text": page.inner_text("main"),
                    "overflow": page.evaluate("document.documentElement.scrollWidth"),
                    "scan": loaded,
                    "beside": page.evaluate(
                        "document.querySelector('.scan').getBoundingClientRect().top"
                        " === document.querySelector('.claim').getBoundingClientRect().top"
                    ),
                }
                page.screenshot(
                    path=str(ARTIFACTS / f"certificate-confirm-{lang}-{size[0]}x{size[1]}.png"), full_page=True
                )
                if lang == "en":
                    page.fill("textarea[name=reason]", "Number, holder and product agree with the scan")
                    page.click("button[value=confirm]")
                    page.wait_for_load_state()
                    seen["after"] = page.inner_text("main")
                context.close()
        finally:
            browser.close()

    assert "Pindaian yang diunggah" in seen["id"]["text"]
    assert "pindaian terlampir, belum diperiksa" in seen["id"]["text"]
    assert seen["id"]["overflow"] <= 390
    assert seen["id"]["scan"]
    assert seen["en"]["scan"]
    assert seen["en"]["beside"]
    assert not seen["id"]["beside"]
    assert "Certificate confirmed for 1 business records." in seen["after"]
    assert _public(client, code)["state"] == "verified"


def test_an_admin_imports_a_register_snapshot_and_reads_what_it_changed(live, client, filled, session, tmp_path):
    from playwright.sync_api import sync_playwright

    _self_certify(client, filled)
    rows = [_own_row(session, filled), *_recorded_rows(session, filled.world.business_a)]
    files = {}
    for day in ("2026-11-12", "2026-11-13"):
        files[day] = tmp_path / f"sihalal-{day}.csv"
        files[day].write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for (lang, size), day in zip(SIZES, files, strict=True):
                context, page = _signed_in(browser, live, "admin", lang, size)
                page.goto(f"{live}/admin?lang={lang}")
                page.click("a[href='/admin/register']")
                page.wait_for_load_state()
                page.set_input_files("input[name=file]", str(files[day]))
                page.fill("input[name=snapshot_date]", day)
                page.click("form.register-form button[type=submit]")
                page.wait_for_load_state()
                seen[lang] = {
                    "text": page.inner_text("main"),
                    "overflow": page.evaluate("document.documentElement.scrollWidth"),
                }
                page.screenshot(path=str(ARTIFACTS / f"register-import-{lang}-{size[0]}x{size[1]}.png"), full_page=True)
                context.close()
        finally:
            browser.close()

    assert f"{len(rows)} entri daftar" in seen["id"]["text"]
    assert "belum tercantum → dikonfirmasi daftar" in seen["id"]["text"]
    assert "Susunan berkas yang diharapkan" in seen["id"]["text"]
    assert seen["id"]["overflow"] <= 390
    assert f"{len(rows)} register entries" in seen["en"]["text"]
    assert "Changed by this snapshot: 0" in seen["en"]["text"]  # the same register a day later changes nothing
