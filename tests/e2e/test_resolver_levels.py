"""The lot and product levels of a Digital Link in headless Chromium, as a shopper who types the GTIN and lot from
the pack (no code): 390 x 844 in Indonesian and 1280 x 800 in English, no horizontal scroll, no code shown.

Screenshots are kept under ``artifacts/`` (or ``$HALAL_TRACE_ARTIFACTS``) for a person to look at.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Batch
from qr import digital_link
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, approve

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


def test_lot_and_product_levels_in_a_browser(live, client, filled, session):
    from playwright.sync_api import sync_playwright

    batch = session.scalar(sa.select(sa.func.max(Batch.id)).where(Batch.business_id == filled.world.business_a))
    issued = client.post(f"/api/v1/batches/{batch}/codes", json={}, headers=filled.auth("producer_a")).json[0]
    approve(session, batch)
    link = digital_link.parse(issued["url"])
    lot_path = f"/01/{link.gtin}/10/{digital_link.escape(link.lot)}"
    seen = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            for lang, size in (("id", {"width": 390, "height": 844}), ("en", {"width": 1280, "height": 800})):
                context = browser.new_context(viewport=size, locale=lang, extra_http_headers={"Accept-Language": lang})
                page = context.new_page()
                for level, path in (("lot", lot_path), ("product", f"/01/{link.gtin}")):
                    response = page.goto(live + path)
                    assert response is not None
                    seen[(lang, level)] = {
                        "status": response.status,
                        "url": page.url,
                        "text": page.inner_text("main"),
                        "overflow": page.evaluate("document.documentElement.scrollWidth"),
                    }
                    name = f"resolver-{level}-{lang}-{size['width']}x{size['height']}.png"
                    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
                context.close()
        finally:
            browser.close()

    for (lang, level), got in seen.items():
        assert got["status"] == 200, (lang, level)
        assert got["overflow"] <= (390 if lang == "id" else 1280)
        assert issued["code"] not in got["text"]
        assert got["url"].endswith(f"/v/01/{link.gtin}" + ("" if level == "product" else f"/10/{link.lot}"))
    assert "Terverifikasi halal" in seen[("id", "lot")]["text"]
    assert "Halal verified" in seen[("en", "lot")]["text"]
    assert "Status halal ditetapkan per lot" in seen[("id", "product")]["text"]
    assert "Halal status is decided per lot" in seen[("en", "product")]["text"]
    assert link.lot not in seen[("en", "product")]["text"]
