"""The journal and admin pages, which show the journal's state, in headless Chromium: Indonesian on a phone,
English on a desktop screen. Screenshots go to ``artifacts/``."""

from __future__ import annotations

import pytest

from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, PASSWORD, log_keys
from traceability.service import journal

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")

SCREENS = {"id": ({"width": 390, "height": 844}, "id-ID,id;q=0.9"), "en": ({"width": 1280, "height": 800}, "en")}


@pytest.mark.parametrize("lang", SCREENS)
def test_journal_and_admin_pages_say_the_journal_verifies(live, app, filled, session, lang):
    from playwright.sync_api import sync_playwright

    journal.seal(session, log_keys(app))
    viewport, header = SCREENS[lang]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context = browser.new_context(
                viewport=viewport, locale=lang, extra_http_headers={"Accept-Language": header}
            )
            page = context.new_page()
            page.goto(f"{live}/login")
            page.fill("input[name=email]", "admin@test.id")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            size = f"{viewport['width']}x{viewport['height']}"
            for name, path in (("journal", f"/journal/products/{filled.product_a}"), ("admin", "/admin")):
                page.goto(f"{live}{path}?lang={lang}")
                seen[name] = page.inner_text("p.chain")
                seen[f"{name}-width"] = page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{size}.png"), full_page=True)
        finally:
            browser.close()

    word = {"id": "Jurnal terverifikasi", "en": "The journal verifies"}[lang]
    assert word in seen["journal"]
    assert word in seen["admin"]
    assert seen["journal-width"] <= viewport["width"]
    assert seen["admin-width"] <= viewport["width"]
