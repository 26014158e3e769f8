"""The whole journey of a new UMKM on the web, as a person does it, in Indonesian on a phone and in English on a
laptop: an invitation link, the business's first product with four ingredients (two fresh and exempt, an oil
that needs a certificate, salt), a lot code mistake fixed with the edit form, a wrong lot voided, every checklist
item answered through the link it offers, submission, the auditor's approval on the web, a printed label sheet
whose QR code, decoded, opens a consumer page that says verified.

Screenshots of each stage go to ``artifacts/journey-<lang>-*.png``; the forms submitted and the fields filled are
counted and written to ``artifacts/journey-<lang>-counts.json``.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from api import schemas
from models import Batch, Product, Review
from tests.helpers import ARTIFACTS, CHROMIUM, FLAGS, OPERATOR, PASSWORD, qr_texts
from traceability.service import businesses

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

NIB = "2105250012345"
VERIFIED = {"id": "Terverifikasi halal", "en": "Halal verified"}
NO_CERT = {"id": "tanpa sertifikat", "en": "no certificate"}
ADDRESS = {"id": "Alamat pada label", "en": "Address printed on the label"}


class Person:
    """A browser tab that counts what a person does: forms submitted and fields filled."""

    def __init__(self, browser, live, lang, viewport, counts, outside):
        self.context = browser.new_context(viewport=viewport, locale=lang, extra_http_headers={"Accept-Language": lang})
        self.page = self.context.new_page()
        self.page.on("request", lambda r: None if r.url.startswith(live) else outside.append(r.url))
        self.live, self.lang, self.counts = live, lang, counts
        self.shots = 0

    def go(self, path):
        self.page.goto(self.live + path)

    def fill(self, selector, value):
        self.page.fill(selector, value)
        self.counts["fields"] += 1

    def choose(self, selector, **option):
        self.page.select_option(selector, **option)
        self.counts["fields"] += 1

    def tick(self, selector):
        self.page.check(selector)
        self.counts["fields"] += 1

    def submit(self, selector="form.record button.save"):
        self.page.click(selector)
        self.page.wait_for_load_state()
        self.counts["forms"] += 1

    def shot(self, name):
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"journey-{self.lang}-{name}.png"), full_page=True)

    def width(self):
        return self.page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(("lang", "viewport"), [("id", (390, 844)), ("en", (1280, 800))])
def test_a_new_business_goes_from_invitation_to_a_verified_label(live, world, session, lang, viewport):
    import pypdfium2
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    businesses.create_business(
        session, OPERATOR, schemas.BusinessIn().load({"name": "Sambal Ijo Bu Ani", "nib": NIB, "scale": "micro"})
    )
    counts = {"forms": 0, "fields": 0}
    outside: list[str] = []
    widths: dict[str, int] = {}
    size = {"width": viewport[0], "height": viewport[1]}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            # The admin invites the business from their page.
            admin = Person(browser, live, lang, size, {"forms": 0, "fields": 0}, outside)
            admin.go(f"/login?lang={lang}")
            admin.fill("input[name=email]", "admin@test.id")
            admin.fill("input[name=password]", PASSWORD)
            admin.submit("form button[type=submit]")
            admin.go("/admin")
            admin.fill("form.invite input[name=nib]", NIB)
            admin.fill("form.invite input[name=email]", "ani@sambal.id")
            admin.submit("form.invite button[type=submit]")
            link = admin.page.get_attribute(".invite-link a", "href")
            admin.shot("01-invitation")
            admin.context.close()

            # The producer opens the link and sets a password: the first-run guide.
            ani = Person(browser, live, lang, size, counts, outside)
            ani.go(link.removeprefix("https://trace.test") + f"?lang={lang}")
            ani.fill("input[name=name]", "Ani")
            ani.fill("input[name=password]", PASSWORD)
            ani.fill("input[name=again]", PASSWORD)
            ani.submit("form button[type=submit]")
            assert ani.page.url.endswith("/producer/welcome")
            ani.shot("02-welcome")

            for name in ("Pasar Tos 3000", "Toko Bu Lina"):
                ani.go("/producer/suppliers/new")
                ani.fill("form.record input[name=name]", name)
                ani.choose("select[name=kind]", value="market")
                ani.submit()
            ani.shot("03-supplier")

            materials = [
                ("Cabai hijau segar", "plant", "fresh", True),
                ("Bawang merah segar", "plant", "fresh", True),
                ("Minyak goreng sawit", "plant", "processed", False),
                ("Garam dapur", "mineral", "processed", False),
            ]
            for name, origin, state, exempt in materials:
                ani.go("/producer/materials/new")
                ani.fill("form.name-first input[name=lookup]", name)
                ani.submit("form.name-first button")
                if name.startswith("Cabai"):
                    ani.shot("04-material-recognised")
                ani.choose("select[name=kind]", value="ingredient")
                ani.choose("select[name=origin]", value=origin)
                ani.choose("select[name=state]", value=state)
                if exempt:
                    ani.tick("input[name=positive_list]")
                ani.submit()

            lots = [
                ("Cabai hijau segar", "Pasar Tos 3000", "CBI-O1"),  # a mistake: the letter O
                ("Bawang merah segar", "Pasar Tos 3000", "BWM-01"),
                ("Minyak goreng sawit", "Toko Bu Lina", "MGS-01"),
                ("Garam dapur", "Pasar Tos 3000", "GRM-01"),
                ("Garam dapur", "Toko Bu Lina", "GRM-99"),  # recorded by mistake: voided below
            ]
            for material, supplier, code in lots:
                ani.go("/producer/lots/new")
                ani.choose("select[name=material]", label=material)
                ani.choose("select[name=supplier]", label=supplier)
                ani.fill("input[name=lot_code]", code)
                ani.fill("input[name=quantity]", "2")
                ani.fill("input[name=unit]", "kg")
                ani.fill("input[name=received_on]", "2025-11-20")
                ani.submit()
                if code == "MGS-01":
                    ani.shot("05-lot")

            # Fix the lot code with the edit form; the history says what changed.
            ani.go("/producer/lots?q=CBI")
            ani.page.click("ul.records a")
            ani.page.click("a.button.edit")
            ani.fill("input[name=lot_code]", "CBI-01")
            ani.submit()
            history = ani.page.inner_text("ol.history")
            ani.shot("06-lot-corrected")

            # Void the wrong lot with a reason.
            ani.go("/producer/lots?q=GRM-99")
            ani.page.click("ul.records a")
            ani.page.click("details.void summary")
            ani.fill("details.void input[name=reason]", "Tercatat dua kali")
            ani.submit("details.void button")
            voided_note = ani.page.inner_text(".voided-note")
            ani.shot("07-lot-voided")

            ani.go("/producer/products/new")
            ani.fill("form.record input[name=name]", "Sambal Ijo")
            ani.tick("input[name=halal_claim]")
            ani.submit()

            ani.go("/producer/steps/new")
            ani.fill("form.record input[name=name]", "Ulek dan tumis")
            ani.fill("input[name=on]", "2025-11-21")
            for i, (material, supplier, code) in enumerate(lots[:4]):
                code = "CBI-01" if code == "CBI-O1" else code
                ani.choose(f"select[name=inputs-{i}-used]", label=f"{material} · {code} · {supplier}")
                ani.fill(f"input[name=inputs-{i}-quantity]", "1")
                ani.fill(f"input[name=inputs-{i}-unit]", "kg")
            ani.choose("select[name=batch-product]", label="Sambal Ijo")
            ani.fill("input[name=batch-lot_code]", "SI-2611-01")
            ani.shot("08-step-and-batch")
            ani.submit()

            # Answer every checklist item through the link it offers.
            product = session.scalar(sa.select(Product).where(Product.name == "Sambal Ijo"))
            followed = []
            for _round in range(8):
                ani.go("/producer")
                if not followed:
                    ani.shot("09-checklist")
                links = ani.page.locator(
                    f'.checklist[data-product="{product.id}"] li.sev-violation a.fix, '
                    f'.checklist[data-product="{product.id}"] li.sev-needs_evidence a.fix'
                )
                if links.count() == 0:
                    break
                href = links.first.get_attribute("href")
                followed.append(href)
                links.first.click()
                ani.page.wait_for_load_state()
                if "/producer/certificates/new" in href:
                    ani.fill("input[name=number]", f"ID1311000{len(followed)}2026112{len(followed)}")
                    ani.fill("input[name=issuer]", "BPJPH")
                    ani.choose("select[name=scheme]", value="self_declare" if "product" in href else "regular")
                    ani.fill("input[name=issued_on]", "2025-01-15")
                    ani.submit()
                elif "/producer/business" in href:
                    ani.fill("input[name=halal_supervisor-name]", "Ani Suryani")
                    ani.tick("input[name=halal_supervisor-muslim]")
                    ani.fill("input[name=halal_supervisor-trained_on]", "2025-06-01")
                    ani.fill("input[name=sjph-last_training_on]", "2025-06-01")
                    ani.fill("input[name=sjph-last_internal_audit_on]", "2025-10-01")
                    ani.fill("input[name=sjph-last_management_review_on]", "2025-10-15")
                    ani.submit("form.record button.save")
                else:
                    pytest.fail(f"a checklist link the journey does not know: {href}")
            ani.go("/producer")
            ani.shot("10-nothing-blocks")
            remaining = ani.page.locator(f'.checklist[data-product="{product.id}"] li').all_inner_texts()
            assert ani.page.locator(f"#product-{product.id} .next").count() == 1, (followed, remaining)
            next_step = ani.page.inner_text(f"#product-{product.id} .next")
            widths["producer"] = ani.width()
            ani.submit(f"#product-{product.id} button.submit-review")
            ani.shot("11-submitted")

            # The auditor approves on the web.
            review = session.scalar(sa.select(Review).where(Review.product_id == product.id))
            auditor = Person(browser, live, lang, size, {"forms": 0, "fields": 0}, outside)
            auditor.go(f"/login?lang={lang}")
            auditor.fill("input[name=email]", "auditor@test.id")
            auditor.fill("input[name=password]", PASSWORD)
            auditor.submit("form button[type=submit]")
            auditor.go(f"/auditor/reviews/{review.id}")
            auditor.fill("textarea[name=reason]", "Bahan dan penyelia lengkap.")
            auditor.submit("button.approve")
            auditor.shot("12-approved")
            auditor.context.close()

            # The producer issues a code and prints a label sheet; its QR decodes to the consumer page.
            batch = session.scalar(sa.select(Batch).where(Batch.product_id == product.id))
            ani.go("/codes")
            ani.choose("form[action$='/codes/issue'] select[name=batch]", value=str(batch.id))
            ani.submit("form[action$='/codes/issue'] button")
            ani.shot("13-codes")
            sheet = ani.context.request.get(f"{live}/codes/labels.pdf?batch={batch.id}&per_batch=4")
            counts["forms"] += 1
            assert sheet.status == 200
            image = pypdfium2.PdfDocument(sheet.body())[0].render(scale=150 / 72).to_pil()
            found = qr_texts(image)
            ani.context.close()

            shopper = browser.new_context(viewport=size, locale=lang, extra_http_headers={"Accept-Language": lang})
            public = shopper.new_page()
            public.goto(live + found[0].removeprefix("https://trace.test"))
            word = public.inner_text(".status-word")
            lines = dict(
                zip(
                    public.locator(".ingredients li strong").all_inner_texts(),
                    public.locator(".ingredients li .cert").all_inner_texts(),
                    strict=True,
                )
            )
            facts = public.inner_text("dl.facts")
            footer = public.inner_text("p.code")
            code = found[0].split("/v/", 1)[1].split("?", 1)[0]
            verify = shopper.request.get(f"{live}/api/v1/verify/{code}").json()
            public.screenshot(path=str(ARTIFACTS / f"journey-{lang}-14-consumer.png"), full_page=True)
            shopper.close()
        finally:
            browser.close()

    (ARTIFACTS / f"journey-{lang}-counts.json").write_text(json.dumps({**counts, "checklist_links": followed}))
    assert link
    assert "CBI-O1 → CBI-01" in history
    assert "Tercatat dua kali" in voided_note
    assert followed  # the checklist led to the fixes
    assert next_step
    assert len(found) == 4
    assert word == VERIFIED[lang]
    # The consumer reads the certificate the assessment used for the oil (one its supplier holds for it, not
    # attached to the lot), plain salt needs none, and every date is written out in the business's zone.
    oil = next(line for name, line in lines.items() if name.startswith("Minyak"))
    assert oil.startswith("ID13110001"), lines
    assert NO_CERT[lang] not in {line.strip() for line in lines.values()}, lines
    verified_oil = next(i for i in verify["ingredients"] if i["material"].startswith("Minyak"))
    assert verified_oil["certificate"]["number"] == oil.split(" ")[0]
    assert verified_oil["basis"] == "certificate"
    assert " WIB" in facts, facts
    assert "UTC" not in facts, facts
    assert "2025-11-21" not in facts, facts
    assert footer.startswith(ADDRESS[lang]), footer
    assert all(w <= viewport[0] for w in widths.values())
    assert outside == []
