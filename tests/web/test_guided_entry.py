"""Guided entry in the producer's language: a material starts from its name (the catalogue suggests what it is
and why), a lot offers only its supplier's certificates for its material, a step records its batch in the same
form, a certificate the business holds for its product becomes the product's own, the checklist links to the
exact form that answers each item, and certificate scans are uploaded on the certificate."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Batch, Certificate, CertificateScope, Product, ProductionStep, Supplier
from tests.helpers import csrf_of


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _select(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return found.group(1)


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1)) if select else None
    return chosen.group(1) if chosen else None


def test_a_material_typed_by_name_is_recognised_with_a_reason_and_no_codes_shown(client, filled, sign_in):
    producer = sign_in("producer_a")

    egg = _page(producer, "/producer/materials/new?lookup=Telur+ayam+kampung")
    gelatin = _page(producer, "/producer/materials/new?lookup=Gelatin+sapi")
    unknown = _page(producer, "/producer/materials/new?lookup=Serbuk+ajaib")

    assert "Kami mengenalinya sebagai" in egg
    assert "KMA 1360 membebaskannya" in egg
    assert _selected(egg, "origin") == "animal"
    assert 'name="positive_list" checked' in egg
    assert "hewan sembelihan" in gelatin
    assert "belum ada di katalog" in unknown
    for html in (egg, gelatin):
        text = re.sub(r"<[^>]+>", " ", html)
        assert "physically_processed" not in text
        assert "ingredient" not in text


def test_a_lot_offers_only_its_suppliers_certificates_for_its_material_and_says_when_there_is_none(
    client, filled, sign_in, session
):
    producer = sign_in("producer_a")
    certificate = session.get(Certificate, filled.own["certificates"])
    scope = session.scalar(sa.select(CertificateScope).where(CertificateScope.certificate_id == certificate.id))
    holder, material = certificate.holder_supplier_id, scope.material_id
    other = session.scalar(
        sa.select(Supplier.id).where(Supplier.business_id == filled.world.business_a, Supplier.id != holder)
    )

    matching = _page(producer, f"/producer/lots/new?material={material}&supplier={holder}")
    none = _page(producer, f"/producer/lots/new?material={material}&supplier={other}")

    assert f'<option value="{certificate.id}"' in _select(matching, "certificate")
    assert "no-certificate" not in matching
    assert f'<option value="{certificate.id}"' not in _select(none, "certificate")
    assert "Belum ada sertifikat halal dari" in none
    assert f"/producer/certificates/new?holder={other}&amp;covers=material:{material}" in none


def test_a_step_records_its_batch_in_the_same_form(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    form = _page(producer, "/producer/steps/new")
    lot = filled.own["lots"]

    saved = producer.post(
        "/producer/steps/new",
        data={
            "csrf_token": csrf_of(form),
            "name": "Masak",
            "on": "2025-11-22",
            "inputs-count": "1",
            "inputs-0-used": f"lot:{lot}",
            "inputs-0-quantity": "1.5",
            "inputs-0-unit": "kg",
            "batch-product": str(filled.product_a),
            "batch-lot_code": "RDG-2211",
        },
    )

    assert saved.status_code == 302
    step = session.scalar(sa.select(ProductionStep).where(ProductionStep.name == "Masak"))
    batch = session.scalar(sa.select(Batch).where(Batch.lot_code == "RDG-2211"))
    assert batch.step_id == step.id
    assert float(step.inputs[0].quantity) == 1.5


def test_a_batch_half_given_refuses_the_whole_form(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    form = _page(producer, "/producer/steps/new")

    refused = producer.post(
        "/producer/steps/new",
        data={
            "csrf_token": csrf_of(form),
            "name": "Masak dua",
            "on": "2025-11-22",
            "inputs-count": "1",
            "inputs-0-used": f"lot:{filled.own['lots']}",
            "batch-lot_code": "RDG-2212",
        },
    )

    assert refused.status_code == 422
    assert 'id="batch-product-error"' in refused.get_data(as_text=True)
    assert session.scalar(sa.select(ProductionStep).where(ProductionStep.name == "Masak dua")) is None


def test_a_certificate_the_business_holds_for_its_product_becomes_the_products_own(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    session.execute(sa.update(Product).where(Product.id == filled.product_a).values(certificate_id=None))
    session.commit()
    form = _page(producer, f"/producer/certificates/new?covers=product:{filled.product_a}")
    assert f'value="product:{filled.product_a}" checked' in form

    saved = producer.post(
        "/producer/certificates/new",
        data={
            "csrf_token": csrf_of(form),
            "number": "ID13110000456780125",
            "issuer": "BPJPH",
            "scheme": "self_declare",
            "holder": "",
            "covers": f"product:{filled.product_a}",
            "issued_on": "2025-06-01",
        },
    )

    assert saved.status_code == 302
    session.expire_all()
    own = session.scalar(sa.select(Certificate.id).where(Certificate.number == "ID13110000456780125"))
    assert session.get(Product, filled.product_a).certificate_id == own


def test_checklist_items_link_to_the_exact_prefilled_form(client, filled, sign_in):
    headers = filled.auth("producer_a")
    supplier = filled.own["suppliers"]
    material = client.post(
        "/api/v1/materials",
        json={"name": "Gelatin sapi", "kind": "ingredient", "category": "gelatin", "origin": "animal"},
        headers=headers,
    ).json["id"]
    lot = client.post(
        "/api/v1/lots",
        json={"material": material, "supplier": supplier, "lot_code": "GEL-9", "received_on": "2025-11-20"},
        headers=headers,
    ).json["id"]
    step = client.post(
        "/api/v1/steps", json={"name": "Masak ulang", "on": "2025-11-21", "inputs": [{"lot": lot}]}, headers=headers
    ).json["id"]
    client.post(
        "/api/v1/batches",
        json={"product": filled.product_a, "step": step, "lot_code": "RDG-GEL-9", "produced_on": "2025-11-21"},
        headers=headers,
    )
    producer = sign_in("producer_a")

    html = _page(producer, "/producer")

    links = [link.replace("&amp;", "&") for link in re.findall(r'class="fix" href="([^"]+)"', html)]
    add = next(link for link in links if f"covers=material:{material}" in link)
    assert f"holder={supplier}" in add
    form = _page(producer, add)
    assert f'value="material:{material}" checked' in form
    assert re.search(rf'<option value="{supplier}" selected>', form)
    assert any(link.startswith(f"/producer/materials/{material}/edit") for link in links)


def test_a_certificate_scan_is_uploaded_on_the_certificate(client, filled, sign_in, session):
    import io

    producer = sign_in("producer_a")
    certificate = filled.own["certificates"]
    detail = _page(producer, f"/producer/certificates/{certificate}")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    sent = producer.post(
        f"/producer/certificates/{certificate}/evidence",
        data={"csrf_token": csrf_of(detail), "file": (io.BytesIO(png), "sertifikat.png")},
        content_type="multipart/form-data",
    )

    assert sent.status_code == 302
    session.expire_all()
    assert session.get(Certificate, certificate).evidence_sha256 is not None
    assert 'capture="environment"' in detail


def test_printing_labels_with_nothing_ticked_answers_with_the_page(client, filled, sign_in):
    producer = sign_in("producer_a")

    answer = producer.get("/codes/labels.pdf?per_batch=4", follow_redirects=True)

    assert answer.mimetype == "text/html"
    assert "Centang paling sedikit satu batch" in answer.get_data(as_text=True)


def test_a_material_category_is_a_choice_in_words_and_never_shows_its_code(client, session, filled, sign_in):
    from models import Material

    producer = sign_in("producer_a")
    chili = _page(producer, "/producer/materials/new?lookup=Cabai+hijau+segar")
    english = _page(producer, "/producer/materials/new?lookup=Cabai+hijau+segar&lang=en")
    material = session.get(Material, filled.own["materials"])
    material.category = "spice"
    session.commit()
    detail = _page(producer, f"/producer/materials/{material.id}?lang=id")
    form = _page(producer, f"/producer/materials/{material.id}/edit?lang=id")
    material.category = "bumbu rahasia"  # typed before categories were a choice: kept as typed
    session.commit()
    typed = _page(producer, f"/producer/materials/{material.id}/edit?lang=id")

    categories = _select(chili, "category")
    assert ">Rempah dan bumbu segar atau kering</option>" in categories
    assert ">Spice or herb, fresh or dried</option>" in _select(english, "category")
    assert ">spice<" not in categories
    assert _selected(form, "category") == "spice"
    assert "Rempah dan bumbu segar atau kering" in detail
    assert ">spice<" not in detail
    assert _selected(typed, "category") == "bumbu rahasia"


def test_a_product_category_is_a_choice_in_words_and_never_shows_its_code(client, session, filled, sign_in):
    from models import Product
    from traceability.rules.reference import shipped_data
    from traceability.vocabulary import PRODUCT_CATEGORIES

    grouped = {c for categories in shipped_data()["product_groups"].values() for c in categories}
    assert grouped - PRODUCT_CATEGORIES.keys() <= {"cosmetics"}  # the reference's plural spelling of "cosmetic"
    producer = sign_in("producer_a")
    product = session.get(Product, filled.own["products"])
    product.category = "fish_product"
    session.commit()

    detail = _page(producer, f"/producer/products/{product.id}?lang=id")
    form = _page(producer, f"/producer/products/{product.id}/edit?lang=id")
    english = _page(producer, f"/producer/products/{product.id}/edit?lang=en")

    assert "Olahan ikan" in detail
    assert "fish_product" not in detail
    assert _selected(form, "category") == "fish_product"
    assert ">Olahan ikan</option>" in _select(form, "category")
    assert ">Fish product</option>" in _select(english, "category")
