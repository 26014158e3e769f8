"""The consumer page of a product whose own certificate is only its producer's word, beside supplier certificates
the register confirms, in headless Chromium: 390 x 844 in Indonesian, 1280 x 800 in English (screenshots in
``artifacts/``)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.test_certificate_confirmation import _import, _recorded_rows, _self_certify
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, final_batch, issue

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


def test_an_unconfirmed_own_certificate_and_confirmed_supplier_certificates_read_plainly(live, client, filled, session):
    from playwright.sync_api import sync_playwright

    _self_certify(client, filled)
    _import(session, _recorded_rows(session, filled.world.business_a), dt.date(2026, 11, 12))
    issued = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)
    path = issued["url"].removeprefix("https://trace.test")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for lang, size in (("id", (390, 844)), ("en", (1280, 800))):
                context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=lang)
                page = context.new_page()
                response = page.goto(f"{live}{path}&lang={lang}" if "?" in path else f"{live}{path}?lang={lang}")
                assert response is not None
                assert response.status == 200
                seen[lang] = {
                    "text": page.inner_text("main"),
                    "overflow": page.evaluate("document.documentElement.scrollWidth"),
                }
                page.screenshot(
                    path=str(ARTIFACTS / f"consumer-unconfirmed-{lang}-{size[0]}x{size[1]}.png"), full_page=True
                )
                context.close()
        finally:
            browser.close()

    assert "Menunggu verifikasi" in seen["id"]["text"]
    assert "belum dikonfirmasi BPJPH" in seen["id"]["text"]
    assert "dinyatakan produsen" in seen["id"]["text"]  # the product's own, typed certificate
    assert "dikonfirmasi BPJPH 12 Nov 2026" in seen["id"]["text"]  # the suppliers', listed in the register
    assert "confirmed by BPJPH 12 Nov 2026" in seen["en"]["text"]
    assert "stated by the producer" in seen["en"]["text"]
    assert seen["id"]["overflow"] <= 390
