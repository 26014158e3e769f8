"""People's workflows in headless Chromium (Debian's package) on a phone-sized screen.

A producer submits a product for review; an auditor opens the queue, sees the graph drawn, reads a
node's record and approves; the consumer page then shows verified. The producer adds a material, a lot,
a step and a batch through the forms and sees the checklist update; a spreadsheet with one bad row is
refused whole, naming the row. Screenshots go to ``artifacts/``; no request leaves the machine.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Material, Review
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, PASSWORD
from traceability.service import spreadsheet
from traceability.vocabulary import ReviewState

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


def _sign_in(browser, live_url: str, role: str, outside: list[str]):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="id", extra_http_headers={"Accept-Language": "id-ID,id;q=0.9"}
    )
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", f"{role}@test.id")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def _save(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_review_approval_reaches_the_consumer_page(live, client, filled, session):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context, page = _sign_in(browser, live, "producer_a", outside)
            page.goto(f"{live}/producer")
            page.click(f"#product-{filled.product_a} button.submit-review")
            page.wait_for_load_state()
            submitted = page.inner_text(".flash")
            context.close()

            review = session.scalar(sa.select(Review).where(Review.product_id == filled.product_a))
            issued = client.post(
                f"/api/v1/batches/{review.batch_id}/codes", json={}, headers=filled.auth("producer_a")
            ).json[0]

            context, page = _sign_in(browser, live, "auditor", outside)
            page.goto(f"{live}/auditor?lang=en")
            queue_rows = page.locator(f'li[data-review="{review.id}"]').count()
            page.click(f'li[data-review="{review.id}"] a >> nth=0')
            page.wait_for_selector("svg.provenance")
            nodes = page.locator("svg.provenance .node").count()
            page.hover(f'.node[data-node="batch:{review.batch_id}"]')
            panel_batch = page.inner_text("#node-panel")
            page.click("[data-zoom=fit]")  # a phone opens on the batch and its product; show the whole graph
            lot_node = page.locator('.node[data-node^="lot:"]').first
            lot_node.click()
            panel_lot = page.inner_text("#node-panel")
            review_overflow = page.evaluate("document.documentElement.scrollWidth")  # the drawing scrolls alone
            _save(page, "auditor-review-390x844")
            page.set_viewport_size({"width": 1280, "height": 900})
            _save(page, "auditor-review-1280x900")
            page.fill("textarea[name=reason]", "Semua bahan bersertifikat halal; jalur produksi khusus.")
            page.click("button.approve")
            page.wait_for_load_state()
            state = page.inner_text(".review-state")
            context.close()

            consumer = browser.new_context(viewport={"width": 390, "height": 844}, locale="id")
            public = consumer.new_page()
            public.on("request", lambda r: None if r.url.startswith(live) else outside.append(r.url))
            public.goto(live + issued["url"].removeprefix("https://trace.test"))
            word = public.inner_text(".status-word")
            _save(public, "consumer-after-approval-390x844")
            consumer.close()
        finally:
            browser.close()

    assert submitted
    assert queue_rows == 1
    assert nodes >= 5
    assert "Lot code" in panel_batch or "Batch" in panel_batch  # facts in words, not field keys
    assert "lot_code" not in panel_batch
    assert "lot_code" not in panel_lot
    assert review_overflow <= 390
    assert state == "approved"
    assert word == "Terverifikasi halal"
    session.expire_all()
    assert session.get(Review, review.id).state is ReviewState.APPROVED
    assert outside == []


def test_producer_forms_update_the_checklist_and_a_bad_spreadsheet_is_refused(
    live,
    filled,
    session,
    tmp_path,
):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    supplier = session.scalar(sa.text("SELECT name FROM supplier WHERE id = :i"), {"i": filled.own["suppliers"]})
    sheet = tmp_path / "bahan.csv"
    sheet.write_text(
        "\r\n".join(
            [
                ",".join(spreadsheet.COLUMNS),
                f"Tepung beras,ingredient,grain,plant,,,,{supplier},,TB-1,10,kg,2025-11-02",
                f"Kunyit,ingredient,spice,plant,,,,{supplier},,KN-1,banyak,kg,2025-11-02",
            ]
        )
        + "\r\n"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            context, page = _sign_in(browser, live, "producer_a", outside)
            page.goto(f"{live}/producer")
            before = page.locator(f'.checklist[data-product="{filled.product_a}"] li').all_inner_texts()

            page.goto(f"{live}/producer/materials/new")
            page.fill("form.record input[name=name]", "Gelatin sapi")
            page.select_option("select[name=kind]", "ingredient")
            page.click("details.more summary")
            page.select_option("select[name=category]", "gelatin")  # a choice in words, never a typed code
            page.select_option("select[name=origin]", "animal")
            page.fill("input[name=species]", "bovine")
            page.fill("input[name=e_number]", "441")  # wrong: refused, and what was typed stays
            page.click("form.record button.save")
            refused_value = page.input_value("form.record input[name=name]")
            refused_message = page.inner_text("#e_number-error")
            _save(page, "producer-material-refused-390x844")
            page.fill("input[name=e_number]", "")
            page.click("form.record button.save")
            page.wait_for_load_state()

            page.goto(f"{live}/producer/lots/new")
            page.select_option("select[name=material]", label="Gelatin sapi")
            page.select_option("select[name=supplier]", str(filled.own["suppliers"]))
            page.fill("input[name=lot_code]", "GEL-01")
            page.fill("input[name=quantity]", "2")
            page.fill("input[name=received_on]", "2025-11-20")
            page.click("form.record button.save")
            page.wait_for_load_state()

            page.goto(f"{live}/producer/steps/new")
            page.fill("form.record input[name=name]", "Masak ulang")
            page.fill("input[name=on]", "2025-11-21")
            page.select_option("select[name=inputs-0-used]", f"lot:{_lot_id(session, 'GEL-01')}")
            page.click("form.record button.save")
            page.wait_for_load_state()

            page.goto(f"{live}/producer/batches/new")
            page.select_option("select[name=product]", str(filled.product_a))
            page.select_option("select[name=step]", str(_step_id(session, "Masak ulang")))
            page.fill("input[name=lot_code]", "RDG-GEL-1")
            page.fill("input[name=produced_on]", "2025-11-21")
            page.click("form.record button.save")
            page.wait_for_load_state()
            page.goto(f"{live}/producer")
            after = page.locator(f'.checklist[data-product="{filled.product_a}"] li').all_inner_texts()
            overflow = page.evaluate("document.documentElement.scrollWidth")
            _save(page, "producer-checklist-390x844")

            materials_before = session.scalar(sa.select(sa.func.count()).select_from(Material))
            page.goto(f"{live}/producer/import")
            page.set_input_files("input[name=file]", str(sheet))
            page.click("form[enctype] button[type=submit]")
            page.wait_for_load_state()
            import_errors = page.inner_text(".import-errors")
            _save(page, "producer-import-refused-390x844")
            context.close()
        finally:
            browser.close()

    assert refused_value == "Gelatin sapi"
    assert "E471" in refused_message
    assert before != after
    assert any("elatin" in item for item in after), after
    assert overflow <= 390
    assert "Baris 3" in import_errors  # Indonesian first
    assert "kolom K, Jumlah: Bukan angka yang sah." in import_errors
    assert "Baris 2" not in import_errors
    assert session.scalar(sa.select(sa.func.count()).select_from(Material)) == materials_before
    assert outside == []


def _lot_id(session, code: str) -> int:
    return session.scalar(sa.text("SELECT id FROM material_lot WHERE lot_code = :c"), {"c": code})


def _step_id(session, name: str) -> int:
    return session.scalar(sa.text("SELECT id FROM production_step WHERE name = :n"), {"n": name})
