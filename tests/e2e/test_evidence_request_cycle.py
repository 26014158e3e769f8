"""An auditor asks for evidence, the producer answers from the review's page with text and a scan, and the auditor
approves: headless Chromium, Indonesian at 390 x 844 and English at 1280 x 800 (screenshots in ``artifacts/``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Review, ReviewEvent
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, OPERATOR, PASSWORD
from tests.web.test_certificate_pages import _pdf
from traceability.service import reviews

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


def _signed_in(browser, live, who, lang, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=lang)
    page = context.new_page()
    page.goto(f"{live}/login?lang={lang}")
    page.fill("input[name=email]", f"{who}@test.id")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_request_evidence_then_the_producer_answers_then_the_auditor_approves(live, filled, session, tmp_path):
    from playwright.sync_api import sync_playwright

    review = reviews.submit(session, OPERATOR, filled.product_a)
    session.commit()
    scan = tmp_path / "sertifikat.pdf"
    scan.write_bytes(_pdf())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen: dict[str, object] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context, page = _signed_in(browser, live, "auditor", "id", (390, 844))
            page.goto(f"{live}/auditor")
            page.click(f'li[data-review="{review.id}"] a >> nth=0')
            page.wait_for_selector("svg.provenance")
            seen["review_overflow"] = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "review-id-390x844.png"), full_page=True)
            page.fill("textarea[name=reason]", "Mohon unggah pindaian sertifikat halal daging sapi")
            page.click("button.act-evidence")
            page.wait_for_load_state()
            seen["requested"] = page.inner_text(".review-state")
            context.close()

            context, page = _signed_in(browser, live, "producer_a", "id", (390, 844))
            page.goto(f"{live}/producer")
            page.click(f'li[data-review="{review.id}"] a.answer-link')
            page.wait_for_load_state()
            seen["asked"] = page.inner_text("main")
            seen["answer_overflow"] = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "review-answer-id-390x844.png"), full_page=True)
            page.fill("textarea[name=answer]", "Pindaian sertifikat RPH sudah saya unggah")
            page.set_input_files("input[name=file]", str(scan))
            page.click("form.answer button[type=submit]")
            page.wait_for_load_state()
            seen["answered"] = page.inner_text("main")
            context.close()

            context, page = _signed_in(browser, live, "auditor", "en", (1280, 800))
            page.goto(f"{live}/auditor/reviews/{review.id}")
            page.wait_for_selector("svg.provenance")
            seen["history"] = page.inner_text("main")
            box = page.locator(".drawing.zoomable").bounding_box()
            before = page.get_attribute("svg.provenance", "viewBox")
            page.click("[data-zoom=in]")
            zoomed = page.get_attribute("svg.provenance", "viewBox")
            page.focus(".drawing.zoomable")
            page.keyboard.press("ArrowRight")
            panned = page.get_attribute("svg.provenance", "viewBox")
            seen["graph"] = (box["width"] if box else 0, before, zoomed, panned)
            page.screenshot(path=str(ARTIFACTS / "review-en-1280x800.png"), full_page=True)
            page.fill("textarea[name=reason]", "The slaughterhouse certificate scan matches the register")
            if page.locator("input[name=override]").count():
                page.check("input[name=override]")
            page.click("button.act-approve")
            page.wait_for_load_state()
            seen["decided"] = page.inner_text(".review-state")
            context.close()
        finally:
            browser.close()

    assert seen["review_overflow"] <= 390
    assert seen["answer_overflow"] <= 390
    assert seen["requested"] == "bukti diminta"
    assert "Mohon unggah pindaian sertifikat halal daging sapi" in str(seen["asked"])
    assert "Jawaban terkirim" in str(seen["answered"])
    assert "answered the request" in str(seen["history"])
    width, before, zoomed, panned = seen["graph"]
    assert width > 1000  # the graph takes the page's width
    assert before != zoomed != panned
    assert seen["decided"] == "approved"
    session.expire_all()
    assert session.get(Review, review.id).state.value == "approved"
    events = sa.select(ReviewEvent.action).where(ReviewEvent.review_id == review.id).order_by(ReviewEvent.id)
    actions = list(session.scalars(events))
    assert actions[-3:] == ["request_evidence", "answer", "approve"]
