"""The people's pages through the Flask test client: who may open what, forms that refuse bad input
without losing it, the spreadsheet import, the review workflow and the journal view."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from models import (
    Batch,
    JournalEntry,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    Review,
    ReviewEvent,
    StepInput,
    Supplier,
)
from tests.helpers import PEOPLE, ROLES, WEB_GATES, WEB_PAGES, csrf_of
from traceability.service import spreadsheet
from traceability.service.access import HOLDERS, Capability
from traceability.vocabulary import ReviewState

HOME = {
    "producer_a": "/producer",
    "producer_b": "/producer",
    "pendamping_a": "/pendamping",
    "pendamping_other": "/pendamping",
    "auditor": "/auditor",
    "admin": "/admin",
}


def _holders_of(page: tuple[str, str]) -> set[str]:
    """The people whose role holds the capability the page's gate asks for (everyone, for an ungated page)."""
    capability = WEB_GATES[page]
    return {who for who, (role, _nib) in PEOPLE.items() if capability is None or role in HOLDERS[capability]}


OWNERS = {path: _holders_of((path, "GET")) for path in ("/producer", "/pendamping", "/auditor", "/admin")}


def _token(client, path: str = "/account/password") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


@pytest.fixture
def review_of_a(client, session, filled, sign_in):
    """Business A's batch submitted for review by its producer through the page."""
    producer = sign_in("producer_a")
    response = producer.post(f"/producer/products/{filled.product_a}/submit", data={"csrf_token": _token(producer)})
    assert response.status_code == 302
    producer.post("/logout", data={"csrf_token": _token(producer)})
    review = session.scalar(sa.select(Review).where(Review.product_id == filled.product_a))
    assert review is not None
    assert review.state is ReviewState.SUBMITTED
    return review.id


@pytest.mark.parametrize("role", ROLES)
def test_each_role_home_answers_only_its_role(app, client, filled, sign_in, role):
    if role != "anonymous":
        sign_in(role)
    got = {path: client.get(path).status_code for path in OWNERS}

    if role == "anonymous":
        assert set(got.values()) == {302}  # to the login page
    else:
        assert got == {path: 200 if role in owners else 403 for path, owners in OWNERS.items()}


def test_every_web_page_is_in_the_matrix(app):
    web = sorted(
        (r.rule, m)
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(("web.", "workspace.", "onboarding.", "operators.", "coordinator.", "admin_console."))
        and r.endpoint != "onboarding.accept"
        for m in r.methods - {"HEAD", "OPTIONS"}
    )

    assert web == sorted(WEB_PAGES)


@pytest.mark.parametrize("who", list(PEOPLE))
def test_every_page_refuses_with_403_exactly_those_without_its_capability(client, filled, sign_in, who):
    browser = sign_in(who)
    token = _token(browser)
    ids = {
        "<kind>": "materials",
        "<int:product_id>": str(filled.product_a),
        "<int:business_id>": str(filled.world.business_a),
        "<int:review_id>": "1",
        "<int:record_id>": str(filled.own["materials"]),
        "<int:certificate_id>": str(filled.own["certificates"]),
        "<int:programme_id>": str(filled.world.programme),
        "<any(csv, xlsx):fmt>": "xlsx",
    }
    refused = set()
    for rule, method in WEB_PAGES:
        path = rule
        for placeholder, value in ids.items():
            path = path.replace(placeholder, value)
        response = browser.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
        if response.status_code == 403:
            refused.add((rule, method))

    assert refused == {page for page in WEB_PAGES if who not in _holders_of(page)}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_the_home_page_links_the_programme_dashboard_for_those_who_run_programmes(client, world, sign_in, who):
    html = sign_in(who).get("/").get_data(as_text=True)

    assert ('href="/coordinator"' in html) == (PEOPLE[who][0] in HOLDERS[Capability.RUN_PROGRAMMES])


def test_pages_refuse_the_wrong_role_and_a_missing_csrf_token(client, filled, sign_in, review_of_a):
    producer = sign_in("producer_a")
    answers = {
        "auditor review": producer.get(f"/auditor/reviews/{review_of_a}").status_code,
        "pendamping business": producer.get(f"/pendamping/businesses/{filled.world.business_a}").status_code,
        "no csrf": producer.post("/producer/materials/new", data={"name": "Garam", "kind": "ingredient"}).status_code,
    }
    pendamping = sign_in("pendamping_other")
    answers["unassigned business"] = pendamping.get(f"/pendamping/businesses/{filled.world.business_a}").status_code
    answers["foreign journal"] = sign_in("producer_b").get(f"/journal/products/{filled.product_a}").status_code

    assert answers == {
        "auditor review": 403,
        "pendamping business": 403,
        "no csrf": 400,
        "unassigned business": 404,
        "foreign journal": 404,
    }
    page = producer.get("/auditor")
    assert page.mimetype == "text/html"  # a page a person can read, in their language
    assert "Peran Anda tidak dapat membuka halaman ini." in page.get_data(as_text=True)


def test_a_bad_form_is_shown_again_with_the_message_beside_the_field_and_nothing_saved(
    client, session, filled, sign_in
):
    producer = sign_in("producer_a")
    before = session.scalar(sa.select(sa.func.count()).select_from(Material))
    response = producer.post(
        "/producer/materials/new",
        data={
            "csrf_token": _token(producer),
            "name": "Pewarna merah",
            "kind": "ingredient",
            "e_number": "124",
            "origin": "synthetic",
        },
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e_number-error"' in html
    assert "Tulis nomor E seperti E471" in html  # the shared field rule, in the page's language
    assert 'value="Pewarna merah"' in html
    assert 'value="124"' in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Material)) == before


def test_forms_add_a_material_and_a_lot_and_journal_them(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    saved = producer.post(
        "/producer/materials/new",
        data={
            "csrf_token": _token(producer),
            "name": "Gelatin sapi",
            "kind": "ingredient",
            "category": "gelatin",
            "origin": "animal",
            "species": "bovine",
            "state": "processed",
        },
    )
    material = session.scalar(sa.select(Material).where(Material.name == "Gelatin sapi"))
    lot = producer.post(
        "/producer/lots/new",
        data={
            "csrf_token": _token(producer),
            "material": str(material.id),
            "supplier": str(filled.own["suppliers"]),
            "lot_code": "GEL-01",
            "quantity": "2.5",
            "unit": "kg",
            "received_on": "2025-11-20",
        },
    )

    assert (saved.status_code, lot.status_code) == (302, 302)
    stored = session.scalar(sa.select(MaterialLot).where(MaterialLot.lot_code == "GEL-01"))
    assert stored.material_id == material.id
    assert float(stored.quantity) == 2.5
    subjects = set(session.scalars(sa.select(JournalEntry.subject)))
    assert {f"material:{material.id}", f"lot:{stored.id}"} <= subjects


def test_the_checklist_names_what_is_missing_once_an_uncertified_gelatin_lot_is_used(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    before = producer.get("/producer").get_data(as_text=True)
    producer.post(
        "/producer/materials/new",
        data={
            "csrf_token": _token(producer),
            "name": "Gelatin sapi",
            "kind": "ingredient",
            "category": "gelatin",
            "origin": "animal",
            "species": "bovine",
            "state": "processed",
        },
    )
    material = session.scalar(sa.select(Material.id).where(Material.name == "Gelatin sapi"))
    producer.post(
        "/producer/lots/new",
        data={
            "csrf_token": _token(producer),
            "material": str(material),
            "supplier": str(filled.own["suppliers"]),
            "lot_code": "GEL-01",
            "received_on": "2025-11-20",
        },
    )
    lot = session.scalar(sa.select(MaterialLot.id).where(MaterialLot.lot_code == "GEL-01"))
    step = producer.post(
        "/producer/steps/new",
        data={
            "csrf_token": _token(producer),
            "name": "Masak ulang",
            "on": "2025-11-21",
            "inputs-count": "1",
            "inputs-0-used": f"lot:{lot}",
        },
    )
    step_id = session.scalar(sa.select(ProductionStep.id).where(ProductionStep.name == "Masak ulang"))
    batch = producer.post(
        "/producer/batches/new",
        data={
            "csrf_token": _token(producer),
            "product": str(filled.product_a),
            "step": str(step_id),
            "lot_code": "RDG-GEL-1",
            "produced_on": "2025-11-21",
        },
    )
    after = producer.get("/producer?lang=en").get_data(as_text=True)

    assert (step.status_code, batch.status_code) == (302, 302)
    assert "Nothing missing." not in after
    assert "Gelatin" not in before
    assert 'class="sev-needs_evidence"' in after or 'class="sev-violation"' in after
    assert 'class="fix" href="/producer/certificates/new?' in after  # the way to answer it, prefilled


def _csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\r\n".join((",".join(spreadsheet.COLUMNS),) + rows) + "\r\n").encode())


def test_the_spreadsheet_template_downloads_and_imports_whole(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    template = producer.get("/producer/import/template.csv")
    supplier = session.get(Supplier, filled.own["suppliers"]).name
    good = _csv(
        f"Tepung beras,ingredient,grain,plant,,,,{supplier},,TB-1,10,kg,2025-11-02",
        "Garam,ingredient,salt,mineral,,,,,,,,,",
        f"Garam,,,,,,,{supplier},,GR-7,1,kg,2025-11-03",
    )

    response = producer.post(
        "/producer/import",
        data={"csrf_token": _token(producer), "file": (good, "x.csv")},
        content_type="multipart/form-data",
    )

    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    assert template.get_data(as_text=True).splitlines()[0] == ",".join(spreadsheet.COLUMNS)
    assert response.status_code == 302
    lots = set(session.scalars(sa.select(MaterialLot.lot_code).where(MaterialLot.lot_code.in_(["TB-1", "GR-7"]))))
    assert lots == {"TB-1", "GR-7"}
    assert session.scalar(sa.select(sa.func.count()).select_from(Material).where(Material.name == "Garam")) == 1


def test_a_spreadsheet_with_one_bad_row_is_refused_whole_naming_row_and_column(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    supplier = session.get(Supplier, filled.own["suppliers"]).name
    before = session.scalar(sa.select(sa.func.count()).select_from(Material))
    bad = _csv(
        f"Tepung beras,ingredient,grain,plant,,,,{supplier},,TB-1,10,kg,2025-11-02",
        f"Kunyit,ingredient,spice,plant,,,,{supplier},,KN-1,banyak,kg,2025-11-02",
    )

    response = producer.post(
        "/producer/import",
        data={"csrf_token": _token(producer), "file": (bad, "x.csv")},
        content_type="multipart/form-data",
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-where="row 3"' in html
    text = re.sub(r"<[^>]+>", "", html)
    assert "kolom K, Jumlah: Bukan angka yang sah." in text  # the column by its letter and name, in Indonesian
    assert "quantity" not in html
    assert 'data-where="row 2"' not in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Material)) == before


def test_auditor_queue_review_page_and_approval_then_reopening_on_change(client, session, filled, sign_in, review_of_a):
    auditor = sign_in("auditor")
    queue = auditor.get("/auditor?state=submitted").get_data(as_text=True)
    empty = auditor.get("/auditor?region=Nowhere").get_data(as_text=True)
    page = auditor.get(f"/auditor/reviews/{review_of_a}")
    html = page.get_data(as_text=True)
    digest = html.split('name="graph_digest" value="')[1].split('"')[0]
    batch = session.get(Review, review_of_a).batch_id
    lot = session.scalar(
        sa.select(StepInput.lot_id)
        .join(Batch, Batch.step_id == StepInput.step_id)
        .where(Batch.id == batch, StepInput.lot_id.is_not(None))
    )

    assert f'data-review="{review_of_a}"' in queue
    assert f'data-review="{review_of_a}"' not in empty
    assert page.status_code == 200
    assert "<svg" in html
    assert 'class="node sev-' in html
    assert f'data-node="batch:{batch}"' in html
    assert f'data-node="lot:{lot}"' in html
    assert "review.js" in html
    assert "onclick" not in html

    refused = auditor.post(
        f"/auditor/reviews/{review_of_a}",
        data={"csrf_token": csrf_of(html), "action": "approve", "reason": "", "graph_digest": digest},
    )
    approved = auditor.post(
        f"/auditor/reviews/{review_of_a}",
        data={
            "csrf_token": csrf_of(html),
            "action": "approve",
            "reason": "Semua bahan bersertifikat.",
            "graph_digest": digest,
        },
    )
    assert refused.status_code == 422
    assert approved.status_code == 302
    status = client.get(f"/api/v1/batches/{batch}/assessment").json["status"]
    assert status == "halal_verified"
    event = session.scalar(sa.select(ReviewEvent).where(ReviewEvent.action == "approve"))
    assert event.graph_digest == digest

    # The producer changes a lot the batch is made of: the graph changes, the approval no longer holds.
    client.post("/logout", data={"csrf_token": _token(client)})
    response = client.patch(f"/api/v1/lots/{lot}", json={"lot_code": "CHANGED-1"}, headers=filled.auth("producer_a"))
    assert response.status_code == 200
    after = client.get(f"/api/v1/batches/{batch}/assessment", headers=filled.auth("auditor")).json
    session.expire_all()
    review = session.get(Review, review_of_a)
    assert after["status"] == "pending"
    assert review.state is ReviewState.SUBMITTED
    assert review.events[-1].action == "reopen"


def test_an_evidence_request_reaches_the_producer_dashboard(client, filled, sign_in, review_of_a):
    auditor = sign_in("auditor")
    page = auditor.get(f"/auditor/reviews/{review_of_a}").get_data(as_text=True)
    auditor.post(
        f"/auditor/reviews/{review_of_a}",
        data={"csrf_token": csrf_of(page), "action": "evidence", "reason": "Unggah sertifikat halal pemasok daging."},
    )
    auditor.post("/logout", data={"csrf_token": _token(auditor)})

    dashboard = sign_in("producer_a").get("/producer").get_data(as_text=True)

    assert "Unggah sertifikat halal pemasok daging." in dashboard
    assert "bukti diminta" in dashboard  # Indonesian by default


def test_the_pendamping_records_the_self_declare_verification_the_rules_read(client, session, filled, sign_in):
    pendamping = sign_in("pendamping_a")
    page = pendamping.get(f"/pendamping/businesses/{filled.world.business_a}")
    html = page.get_data(as_text=True)
    bad = pendamping.post(
        f"/pendamping/businesses/{filled.world.business_a}",
        data={
            "csrf_token": csrf_of(html),
            "action": "verify",
            "product": str(filled.product_a),
            "pendamping": "Siti Aminah",
            "registration_no": "PPH-2025-0117",
            "verified_on": "kemarin",
        },
    )
    good = pendamping.post(
        f"/pendamping/businesses/{filled.world.business_a}",
        data={
            "csrf_token": csrf_of(html),
            "action": "verify",
            "product": str(filled.product_a),
            "pendamping": "Siti Aminah",
            "registration_no": "PPH-2025-0117",
            "verified_on": "2025-11-01",
        },
    )

    assert page.status_code == 200
    assert "Rendang" in html
    assert bad.status_code == 422
    assert 'value="Siti Aminah"' in bad.get_data(as_text=True)
    assert good.status_code == 302
    dossier = client.get(f"/api/v1/products/{filled.product_a}/dossier").json
    assert dossier["application"]["pendamping_verification"] == {
        "pendamping": "Siti Aminah",
        "registration_no": "PPH-2025-0117",
        "verified_on": "2025-11-01",
    }
    assert session.scalar(sa.select(JournalEntry.action).order_by(JournalEntry.seq.desc())) == "pendamping.verify"


def test_the_journal_view_shows_who_changed_what_with_the_chain_state(client, session, filled, sign_in):
    html = sign_in("auditor").get(f"/journal/products/{filled.product_a}?lang=en").get_data(as_text=True)

    assert "chain-ok" in html
    assert "none altered" in html
    assert f"Product: {session.get(Product, filled.product_a).name}" in html  # the records in words, not ids
    assert f"Lot received: {session.get(MaterialLot, filled.own['lots']).lot_code}" in html
    assert f"product:{filled.product_a}" not in html


def test_language_switch_is_remembered_and_indonesian_comes_first(client, filled, sign_in):
    producer = sign_in("producer_a")
    first = producer.get("/producer").get_data(as_text=True)
    english = producer.get("/producer?lang=en").get_data(as_text=True)
    remembered = producer.get("/producer/import").get_data(as_text=True)
    back = producer.get("/producer?lang=id").get_data(as_text=True)

    assert "Produk saya" in first
    assert 'lang="id"' in first
    assert "My products" in english
    assert 'lang="en"' in english
    assert "Download the template" in remembered
    assert "Produk saya" in back


def test_the_password_change_form(client, filled, sign_in):
    user = sign_in("producer_b")
    wrong = user.post(
        "/account/password", data={"csrf_token": _token(user), "old": "nope", "new": "x" * 12, "again": "x" * 12}
    )
    ok = user.post(
        "/account/password",
        data={
            "csrf_token": _token(user),
            "old": "correct horse battery",
            "new": "kuda benar baterai",
            "again": "kuda benar baterai",
        },
    )

    assert wrong.status_code == 422
    assert ok.status_code == 302


def test_the_dashboard_shows_each_product_of_the_business(client, session, filled, sign_in):
    product_count = session.scalar(
        sa.select(sa.func.count()).select_from(Product).where(Product.business_id == filled.world.business_a)
    )
    html = sign_in("producer_a").get("/producer").get_data(as_text=True)

    assert html.count('class="product"') == product_count


PAGES_BY_ROLE = {
    "producer_a": [
        "/producer",
        "/producer/suppliers/new",
        "/producer/certificates/new",
        "/producer/materials/new",
        "/producer/lots/new",
        "/producer/facilities/new",
        "/producer/products/new",
        "/producer/steps/new",
        "/producer/batches/new",
        "/producer/import",
        "/account/password",
        "/journal/products/{product}",
    ],
    "pendamping_a": ["/pendamping", "/pendamping/businesses/{business}", "/journal/products/{product}"],
    "auditor": ["/auditor", "/auditor/reviews/{review}", "/journal/products/{product}"],
    "admin": ["/admin", "/journal/products/{product}"],
}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_every_page_renders_in_both_languages_and_links_nothing_outside(
    client, filled, sign_in, review_of_a, role, lang
):
    signed = sign_in(role)
    ids = {"product": filled.product_a, "business": filled.world.business_a, "review": review_of_a}

    for template in PAGES_BY_ROLE[role]:
        path = template.format(**ids)
        response = signed.get(f"{path}?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in html, path
        assert not re.search(r'(src|href|action)="(https?:)?//', html), path  # nothing from another machine


PRODUCERS = {"producer_a", "producer_b"}
# path -> roles whose post is taken up (form checked, redirect or form shown again), roles told "not found"
WRITES = {
    "/producer/materials/new": (PRODUCERS, set()),
    "/producer/import": (PRODUCERS, set()),
    "/producer/products/{product}/submit": ({"producer_a", "pendamping_a"}, {"producer_b", "pendamping_other"}),
    "/pendamping/businesses/{business}": ({"pendamping_a"}, {"pendamping_other"}),
    "/auditor/reviews/{review}": ({"auditor"}, set()),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_form_post_answers_each_role(client, filled, sign_in, review_of_a, role):
    ids = {"product": filled.product_a, "business": filled.world.business_a, "review": review_of_a}
    if role != "anonymous":
        sign_in(role)
    token = _token(client, "/login")

    got = {path: client.post(path.format(**ids), data={"csrf_token": token}).status_code for path in WRITES}

    for path, (taken, unseen) in WRITES.items():
        if role == "anonymous":
            assert got[path] == 302, path  # to the login page
        elif role in taken:
            assert got[path] in (302, 400, 422), path  # checked: a redirect, or the form again with its errors
        elif role in unseen:
            assert got[path] == 404, path  # another business's record: as if it did not exist
        else:
            assert got[path] == 403, path


def test_a_spreadsheet_with_an_unknown_column_or_no_rows_is_refused(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    unknown = io.BytesIO(b"name,kind,warna\r\nGaram,ingredient,putih\r\n")
    empty = io.BytesIO(",".join(spreadsheet.COLUMNS).encode() + b"\r\n")

    answers = [
        producer.post(
            "/producer/import",
            data={"csrf_token": _token(producer), "file": (f, "x.csv")},
            content_type="multipart/form-data",
        )
        for f in (unknown, empty)
    ]

    assert [a.status_code for a in answers] == [422, 422]
    assert "warna" in answers[0].get_data(as_text=True)
    assert "Baris judul" in answers[0].get_data(as_text=True)
    assert 'data-where="file"' in answers[1].get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Material).where(Material.name == "Garam")) == 0
