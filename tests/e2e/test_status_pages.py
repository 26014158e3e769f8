"""The consumer page of every status reason, on a phone in Indonesian and on a desktop in English.

Screenshots go to ``artifacts/status-<reason>-<lang>-<size>.png`` for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, status_story
from traceability.rules.status import REASONS

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")

SCREENS = (("id", 390, 844), ("en", 1280, 800))


def test_every_status_reason_reads_plainly_on_phone_and_desktop(live, session):
    from playwright.sync_api import sync_playwright

    codes = {reason: status_story(session, reason, index) for index, reason in enumerate(REASONS)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for lang, width, height in SCREENS:
                context = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
                page = context.new_page()
                for reason, code in codes.items():
                    response = page.goto(f"{live}/v/{code}?lang={lang}")
                    assert response is not None
                    assert response.status == 200
                    seen[reason, lang] = (
                        page.inner_text(".status-reason"),
                        page.evaluate("document.documentElement.scrollWidth"),
                    )
                    page.screenshot(
                        path=str(ARTIFACTS / f"status-{reason}-{lang}-{width}x{height}.png"), full_page=True
                    )
                context.close()
        finally:
            browser.close()
    for (reason, lang), (text, scroll) in seen.items():
        width = dict((lang_, w) for lang_, w, _ in SCREENS)[lang]
        assert text.strip(), (reason, lang)
        assert scroll <= width, (reason, lang)
    assert seen["haram_material", "id"][0] == "Mengandung bahan tidak halal: minyak babi"
    assert seen["haram_material", "en"][0] == "Contains a non-halal ingredient: lard"
