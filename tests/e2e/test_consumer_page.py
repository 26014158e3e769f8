"""The consumer page in headless Chromium (Debian's package) on a 390 x 844 phone screen, in both languages.

Screenshots are kept under ``artifacts/`` (or ``$HALAL_TRACE_ARTIFACTS``) for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, approve

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


def test_consumer_page_on_a_phone_in_both_languages(live, client, filled, session):
    from playwright.sync_api import sync_playwright

    batch = filled.own["batches"]
    issued = client.post(f"/api/v1/batches/{batch}/codes", json={}, headers=filled.auth("producer_a")).json[0]
    approve(session, batch)
    path = issued["url"].removeprefix("https://trace.test")
    outside: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            results = {}
            for lang, header in (("id", "id-ID,id;q=0.9"), ("en", "en-US,en;q=0.9")):
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, locale=lang, extra_http_headers={"Accept-Language": header}
                )
                page = context.new_page()
                page.on("request", lambda r: None if r.url.startswith(live) else outside.append(r.url))
                response = page.goto(live + path)
                assert response is not None
                assert response.status == 200
                results[lang] = {
                    "word": page.inner_text(".status-word"),
                    "colour": page.eval_on_selector(".status", "e => getComputedStyle(e).backgroundColor"),
                    "overflow": page.evaluate("document.documentElement.scrollWidth"),
                    "html_lang": page.get_attribute("html", "lang"),
                    "ingredients": page.locator(".ingredients li").count(),
                }
                page.screenshot(path=str(ARTIFACTS / f"consumer-{lang}-390x844.png"), full_page=True)
                context.close()
        finally:
            browser.close()

    assert results["id"]["word"] == "Terverifikasi halal"
    assert results["en"]["word"] == "Halal verified"
    for lang, seen in results.items():
        assert seen["colour"] == "rgb(27, 127, 59)", lang  # green: verified
        assert seen["overflow"] <= 390
        assert seen["html_lang"] == lang
        assert seen["ingredients"] >= 1
    assert outside == []  # no CDN fonts, no scripts from elsewhere
    assert (ARTIFACTS / "consumer-id-390x844.png").stat().st_size > 10_000
