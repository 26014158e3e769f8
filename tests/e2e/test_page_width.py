"""No people's page is wider than a phone: each producer, pendamping, auditor, coordinator and admin page at
390x844 in headless Chromium has no horizontal scroll."""

from __future__ import annotations

import pytest

from tests.helpers import CHROMIUM, FLAGS, OPERATOR, PASSWORD
from tests.pages import pages_of, review_of_a

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def test_no_page_is_wider_than_390_px(live, filled, session):
    from playwright.sync_api import sync_playwright

    review = review_of_a(session, filled, OPERATOR)
    wide = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for who, paths in pages_of(filled, review).items():
                context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id")
                page = context.new_page()
                page.goto(f"{live}/login")
                page.fill("input[name=email]", f"{who}@test.id")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                for path in paths:
                    page.goto(live + path)
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > 390:
                        wide[f"{who} {path}"] = width
                context.close()
        finally:
            browser.close()

    assert wide == {}
