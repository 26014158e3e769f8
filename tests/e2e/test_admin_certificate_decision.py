"""An admin finds a certificate by its number typed loosely, sees every copy and the batches it reaches, previews
a revocation with the products it would flip (nothing changes yet), confirms it and reads which products it flipped:
headless Chromium, English at 1280 x 800, Indonesian at 1280 x 800 and 390 x 844."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.test_certificate_confirmation import FORGED, _import, _own_row, _public, _recorded_rows, _self_certify
from tests.e2e.test_evidence_request_cycle import _signed_in
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, final_batch, issue

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


def test_an_admin_revokes_a_certificate_and_sees_the_products_it_flips(live, client, filled, session):
    from playwright.sync_api import sync_playwright

    _self_certify(client, filled)
    _import(
        session, [_own_row(session, filled), *_recorded_rows(session, filled.world.business_a)], dt.date(2026, 11, 12)
    )
    code = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)["code"]
    assert _public(client, code)["state"] == "verified"
    loose = f"{FORGED[:2].lower()} {FORGED[2:9]}"  # "id 2111009": spaced and in lower case
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context, page = _signed_in(browser, live, "admin", "en", (1280, 800))
            page.goto(f"{live}/admin")
            page.click("a[href='/admin/certificates']")
            page.fill("input[name=q]", loose)
            page.click("form.search button[type=submit]")
            page.wait_for_load_state()
            page.click(f"li[data-number='{FORGED}'] a")
            page.wait_for_load_state()
            seen["en"] = page.inner_text("main")
            page.screenshot(path=str(ARTIFACTS / "certificate-decide-en-1280x800.png"), full_page=True)
            where = page.url
            context.close()

            for size in ((1280, 800), (390, 844)):
                name = f"{size[0]}x{size[1]}"
                context, page = _signed_in(browser, live, "admin", "id", size)
                page.goto(where)
                page.select_option("select[name=status]", "revoked")
                page.fill("input[name=effective]", "2025-09-02")  # before the batch was made (tests assess 2025-11-24)
                page.fill("textarea[name=reason]", "BPJPH tidak pernah menerbitkan nomor ini")
                page.click("form.decision button[type=submit]")
                page.wait_for_load_state()
                seen[f"preview {name}"] = page.inner_text(".preview")
                seen[f"overflow {name}"] = page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=str(ARTIFACTS / f"certificate-preview-id-{name}.png"), full_page=True)
                seen[f"public before {name}"] = _public(client, code)["state"]
                if size == (390, 844):  # the phone confirms; the desktop only looked
                    page.click("form.confirm-decision button[type=submit]")
                    page.wait_for_load_state()
                    seen["id"] = page.inner_text("main")
                    seen["flips"] = page.inner_text(".flips")
                    seen["overflow"] = page.evaluate("document.documentElement.scrollWidth")
                    page.screenshot(path=str(ARTIFACTS / "certificate-decide-id-390x844.png"), full_page=True)
                context.close()
        finally:
            browser.close()

    assert "Batches it reaches" in seen["en"]
    assert "Rendang Daging Sapi" in seen["en"]
    assert "Rendang Bundo Nurlela" in seen["en"]
    for name in ("1280x800", "390x844"):
        assert "Sebelum Anda menegaskan" in seen[f"preview {name}"]
        assert "Rendang Daging Sapi" in seen[f"preview {name}"]
        assert "→" in seen[f"preview {name}"]
        assert seen[f"public before {name}"] == "verified"  # a preview changes nothing the public sees
    assert seen["overflow 390x844"] <= 390
    assert "Yang diubah keputusan ini" in seen["id"]
    assert "Rendang Daging Sapi" in seen["flips"]
    assert "→" in seen["flips"]
    assert seen["overflow"] <= 390
    assert _public(client, code)["state"] != "verified"
