"""The stored public answer of each code: equal to a from-scratch computation after any sequence of writes, read
with one query (none for a forged signature), never written by a read, cacheable with strong ETags, and lowered
by a revocation before the revoking request returns even when the reassessment is left to the job queue."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.kept import Kept
from models import Assessment, Batch, Certificate, Facility, Material, Product, PublicAnswer, Supplier
from tests.helpers import approve, counting, final_batch, issue
from traceability.service import assessments, verification


def _comparable(view: verification.PublicView) -> dict[str, Any]:
    body = view.as_dict()
    body.pop("assessed_at")  # when it was judged, not what: a recomputation is later by definition
    return body


def from_scratch(app: Any) -> dict[str, dict[str, Any]]:
    """Every code's view computed anew: every batch judged again, then the one builder; nothing is kept."""
    with app.extensions["db_sessionmaker"]() as fresh:  # the app's session settings (evaluation date)
        assessments.assess_batches(fresh, fresh.scalars(sa.select(Batch.id)).all())
        views = verification.build_views(fresh, fresh.scalars(sa.select(PublicAnswer.code)).all())
        fresh.rollback()
    return {view.code: _comparable(view) for view in views}


def stored_answers(app: Any) -> dict[str, dict[str, Any]]:
    with app.extensions["db_sessionmaker"]() as fresh:
        codes = fresh.scalars(sa.select(PublicAnswer.code)).all()
        found = [verification.stored_answer(fresh, code) for code in codes]
    answers = {}
    for answer in found:
        assert answer is not None
        if answer.hold is None:  # the validator is the digest of exactly the text served
            assert answer.etag == verification.PublicView.from_json(answer.body).digest(answer.body)
        answers[answer.code] = _comparable(answer.view())
    return answers


def _all_codes(session: Any) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(PublicAnswer.code).order_by(PublicAnswer.code)))


# --- the writes a sequence is made of ---------------------------------------------------------------------------


def _ids(session: Any, model: Any) -> list[int]:
    return list(session.scalars(sa.select(model.id).order_by(model.id)))


def _pick(session: Any, model: Any, index: int) -> int:
    ids = _ids(session, model)
    return ids[index % len(ids)]


def w_issue(client: Any, filled: Any, session: Any, index: int) -> None:
    batch = session.get(Batch, _pick(session, Batch, index))
    who = "producer_a" if batch.business_id == filled.world.business_a else "producer_b"
    issue(client, filled, batch=batch.id, who=who)


def w_revoke_code(client: Any, filled: Any, session: Any, index: int) -> None:
    codes = _all_codes(session)
    if codes:
        response = client.post(f"/api/v1/codes/{codes[index % len(codes)]}/revoke", headers=filled.auth("auditor"))
        assert response.status_code == 200, response.json


def w_certificate(client: Any, filled: Any, session: Any, index: int) -> None:
    status = ("revoked", "suspended", "active")[index % 3]
    body = {"status": status, "effective": "2025-11-01", "reason": "Keputusan auditor"}
    cert = _pick(session, Certificate, index // 3)
    response = client.post(f"/api/v1/certificates/{cert}/status", headers=filled.auth("auditor"), json=body)
    assert response.status_code in (200, 422), response.json  # reinstating a never-revoked one may be refused


def _patch(client: Any, filled: Any, session: Any, model: Any, path: str, index: int, body: dict[str, Any]) -> None:
    record = session.get(model, _pick(session, model, index))
    who = "producer_a" if record.business_id == filled.world.business_a else "producer_b"
    response = client.patch(f"/api/v1/{path}/{record.id}", headers=filled.auth(who), json=body)
    assert response.status_code == 200, response.json


def w_rename_product(client: Any, filled: Any, session: Any, index: int) -> None:
    _patch(client, filled, session, Product, "products", index, {"name": f"Produk {index}"})


def w_rename_supplier(client: Any, filled: Any, session: Any, index: int) -> None:
    _patch(client, filled, session, Supplier, "suppliers", index, {"name": f"Pemasok {index}"})


def w_rename_material(client: Any, filled: Any, session: Any, index: int) -> None:
    _patch(client, filled, session, Material, "materials", index, {"name": f"Bahan {index}"})


def w_share_with_pork(client: Any, filled: Any, session: Any, index: int) -> None:
    shared = [{"product": "Babi panggang", "halal": False, "alternate_use": True}] if index % 2 == 0 else []
    _patch(client, filled, session, Facility, "facilities", index, {"shared_with": shared})


def w_approve(client: Any, filled: Any, session: Any, index: int) -> None:
    """An auditor's approval of a batch whose verdict allows it (else nothing: approval is not forced)."""
    session.expire_all()
    batch_id = _pick(session, Batch, index)
    found = assessments.current_assessment(session, batch_id)
    if found.verdict.value == "ok":
        approve(session, batch_id)


WRITES = [
    w_issue,
    w_revoke_code,
    w_certificate,
    w_rename_product,
    w_rename_supplier,
    w_rename_material,
    w_share_with_pork,
    w_approve,
]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(st.tuples(st.sampled_from(WRITES), st.integers(0, 50)), min_size=1, max_size=6))
def test_the_stored_answers_equal_a_computation_from_scratch_after_any_writes(app, client, filled, session, writes):
    issue(client, filled)  # at least one code of business A from the start
    for write, index in writes:
        write(client, filled, session, index)
        session.rollback()
    assert_same(stored_answers(app), from_scratch(app))
    assert_pages_drawn_afresh(app, client)


def assert_pages_drawn_afresh(app: Any, client: Any) -> None:
    """Every code's consumer page, in both languages, equals its page drawn afresh from its stored answer with its
    own address: the pages a batch's codes share (kept across examples) leak no other code's values."""
    from api import public

    with app.extensions["db_sessionmaker"]() as fresh:
        answers = [verification.stored_answer(fresh, code) for code in fresh.scalars(sa.select(PublicAnswer.code))]
    for answer in answers:
        assert answer is not None
        view = answer.view()
        address = f"https://trace.test/v/{view.code}"
        for lang in ("id", "en"):
            served = client.get(f"/v/{view.code}", headers={"Accept-Language": lang}).get_data(as_text=True)
            with app.test_request_context("/"):  # the oEmbed link as url_for writes it
                assert public.oembed_link(view.code, address) == url_for("public.oembed", url=address)
                expected = public.draw("consumer.html", lang, view, address, public.oembed_link(view.code, address))
            assert served == expected, (view.code, lang)


def assert_same(stored: dict[str, dict[str, Any]], fresh: dict[str, dict[str, Any]]) -> None:
    """Equal answers, or the fields that differ, code by code (what a failing sequence left wrong)."""
    assert stored.keys() == fresh.keys()
    wrong = {
        code: {
            k: (stored[code].get(k), fresh[code].get(k)) for k in fresh[code] if stored[code].get(k) != fresh[code][k]
        }
        for code in fresh
        if stored[code] != fresh[code]
    }
    assert wrong == {}


# --- one row, no query for a forgery, no write ---------------------------------------------------------------------


def _forge(url: str) -> str:
    head, _, signature = url.rpartition("s=")
    return f"{head}s={'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def test_a_forged_signature_costs_no_database_query(app, client, filled):
    issued = issue(client, filled)
    code = issued["code"]
    short = f"/v/{code}?s={_forge(issued['url']).rpartition('s=')[2]}"
    link = _forge(issued["url"]).removeprefix("https://trace.test")
    with counting(app) as statements:
        page = client.get(short)
        resolved = client.get(link)
        api = client.get(f"/api/v1/verify/{code}?s={_forge(issued['url']).rpartition('s=')[2]}")
    assert (page.status_code, resolved.status_code, api.status_code) == (400, 400, 422)
    assert statements == []


def test_a_genuine_scan_reads_one_row_and_no_public_read_writes(app, client, filled):
    issued = issue(client, filled)
    code = issued["code"]
    signature = issued["url"].rpartition("s=")[2]
    for path in (f"/v/{code}", f"/v/{code}?s={signature}", f"/badge/{code}.svg", f"/embed/{code}"):
        with counting(app) as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == 1, (path, statements)
        assert "public_answer" in statements[0]
    reads = []
    for path in (
        issued["url"].removeprefix("https://trace.test"),
        f"/api/v1/verify/{code}",
        f"/oembed?url=https://trace.test/v/{code}",
        f"/v/{code}?linkType=linkset",
    ):
        with counting(app) as statements:
            assert client.get(path).status_code in (200, 307), path  # a Digital Link redirects to the page
        reads += statements
    writes = [s for s in reads if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


# --- cache headers ---------------------------------------------------------------------------------------------------


def test_strong_etags_answer_304_with_the_right_cache_headers_and_vary(client, filled):
    code = issue(client, filled)["code"]
    expected_vary = {
        f"/v/{code}": {"accept", "accept-language"},
        f"/badge/{code}.svg": {"accept-language"},
        f"/embed/{code}": {"accept-language"},
        f"/oembed?url=https://trace.test/v/{code}": {"accept-language"},
        f"/api/v1/verify/{code}": set(),  # both languages are in the body
    }
    for path, vary in expected_vary.items():
        first = client.get(path)
        tag = first.headers["ETag"]
        assert not tag.startswith("W/"), path
        cache = first.headers["Cache-Control"]
        assert {"public", "max-age=5", "stale-while-revalidate=10"} <= {d.strip() for d in cache.split(",")}, cache
        assert {v.strip().lower() for v in first.headers.get("Vary", "").split(",") if v.strip()} == vary, path
        again = client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304, path
        assert again.data == b""
        assert again.headers["ETag"] == tag
        assert "stale-while-revalidate=10" in again.headers["Cache-Control"]
    page_id = client.get(f"/v/{code}").headers["ETag"]
    page_en = client.get(f"/v/{code}", headers={"Accept-Language": "en"}).headers["ETag"]
    linkset = client.get(f"/v/{code}", headers={"Accept": "application/linkset+json"}).headers["ETag"]
    assert len({page_id, page_en, linkset}) == 3  # each body its own validator

    before = client.get(f"/api/v1/verify/{code}").headers["ETag"]
    page_before = client.get(f"/v/{code}").headers["ETag"]
    assert client.post(f"/api/v1/codes/{code}/revoke", headers=filled.auth("producer_a")).status_code == 200
    after = client.get(f"/api/v1/verify/{code}", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.json["state"] == "revoked"
    assert client.get(f"/v/{code}", headers={"If-None-Match": page_before}).status_code == 200


def test_the_verify_json_validator_follows_the_journal_section(app, client, filled, session):
    from tests.helpers import log_keys
    from traceability.service import journal

    code = issue(client, filled)["code"]
    first = client.get(f"/api/v1/verify/{code}")
    assert client.get(f"/api/v1/verify/{code}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    journal.seal(session, log_keys(app))  # the entries now have inclusion proofs: another body
    session.commit()
    sealed = client.get(f"/api/v1/verify/{code}", headers={"If-None-Match": first.headers["ETag"]})
    assert sealed.status_code == 200
    assert sealed.headers["ETag"] != first.headers["ETag"]
    assert sealed.json["journal"]["size"] > 0
    # Scanned again before the next seal: the same section, and no proof work: one statement reads the answer
    # and the generation together.
    with counting(app) as statements:
        again = client.get(f"/api/v1/verify/{code}")
    assert again.json == sealed.json
    assert len(statements) == 1, statements
    # The consumer page carries no journal: its validator does not move with a seal.
    assert {k: v for k, v in sealed.json.items() if k != "journal"} == {
        k: v for k, v in first.json.items() if k != "journal"
    }


# --- revocation in bounded time ------------------------------------------------------------------------------------


def test_a_revocation_lowers_every_affected_answer_before_it_returns_and_the_queue_finishes(
    fresh_queue, client, filled, session
):
    app = fresh_queue
    final = final_batch(session, filled.world.business_a)
    approve(session, final.id)
    batches = list(session.scalars(sa.select(Batch.id).where(Batch.business_id == filled.world.business_a)))
    codes = {batch: issue(client, filled, batch=batch)["code"] for batch in batches}
    assert client.get(f"/api/v1/verify/{codes[final.id]}").json["state"] == "verified"
    info = app.extensions["db_sessionmaker"].kw["info"]
    info["propagation_inline_limit"] = 1  # more batches than that: the reassessment goes to the queue
    try:
        _revoke_and_drain(app, client, filled, session, batches, codes, final.id)
    finally:
        info["propagation_inline_limit"] = assessments.DEFAULT_INLINE_LIMIT


def test_a_batch_page_is_drawn_once_for_all_its_codes_each_with_its_own_address(app, client, filled, monkeypatch):
    codes = [issue(client, filled)["code"] for _ in range(3)]
    assert client.post(f"/api/v1/codes/{codes[2]}/revoke", headers=filled.auth("producer_a")).status_code == 200
    kept = Kept[Any, str](1024)
    monkeypatch.setitem(app.extensions, "public_pages", kept)
    pages = {code: client.get(f"/v/{code}").get_data(as_text=True) for code in codes}
    assert len(kept) == 2  # the two live codes share one drawing, the revoked one says something else
    for code, html in pages.items():
        assert f'<span class="address">https://trace.test/v/{code}</span>' in html
        assert f"/oembed?url=https://trace.test/v/{code}" in html
        assert not [other for other in codes if other != code and other in html]
        assert "slot" not in html
    assert 'data-state="revoked"' in pages[codes[2]]
    assert 'data-state="revoked"' not in pages[codes[0]]


def _revoke_and_drain(app, client, filled, session, batches, codes, final):
    from api import jobs

    oil = session.scalar(
        sa.select(Certificate.id).where(
            Certificate.business_id == filled.world.business_a, Certificate.ref == "cert-minyak"
        )
    )
    revocation = {"status": "revoked", "effective": "2025-11-01", "reason": "Bahan babi ditemukan"}
    response = client.post(f"/api/v1/certificates/{oil}/status", headers=filled.auth("auditor"), json=revocation)
    assert response.status_code == 200

    # The request has returned: the verdicts wait for the queue, but no answer says verified any more.
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).where(Assessment.stale.is_(True))) > 1  # over the limit
    for code in codes.values():
        body = client.get(f"/api/v1/verify/{code}").json
        assert body["state"] != "verified", body
    held = client.get(f"/api/v1/verify/{codes[final]}").json
    assert (held["state"], held["status_reason"]) == ("pending", "certificate_inactive")
    assert "dicabut sejak 1 Nov 2025" in held["status_text"]["id"]

    huey = jobs.queue(app)
    assert huey.pending_count() == 1
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).where(Assessment.stale.is_(True))) == 0
    assert_same(stored_answers(app), from_scratch(app))
    after = client.get(f"/api/v1/verify/{codes[final]}").json
    assert after["state"] != "verified"
    with app.app_context():
        assert jobs.JOBS[assessments.REFRESH_JOB]() == {"reassessed": 0}  # idempotent: nothing left to do


# --- more batches than a statement takes parameters ------------------------------------------------------------------

MANY = 70_000  # beyond PostgreSQL's 65,535 parameters a statement (SQLite's connections take the same limit)


def test_public_answers_of_more_batches_than_a_statement_takes_are_held_and_rebuilt_in_chunks(client, filled, session):
    from traceability.rules import status
    from traceability.service import public_views
    from traceability.vocabulary import HalalStatus

    final = final_batch(session, filled.world.business_a)
    approve(session, final.id)
    code = issue(client, filled, batch=final.id)["code"]
    unknown = range(10_000_000, 10_000_000 + MANY)  # ids no record has: each still one parameter
    lowered = status.Decision(HalalStatus.PENDING, "certificate_inactive", {"state": "suspended"})

    assert public_views.hold(session, [*unknown, final.id], lowered) == 1
    held = session.scalar(sa.select(PublicAnswer).where(PublicAnswer.code == code))
    assert (held.state, held.hold["status_reason"]) == ("pending", "certificate_inactive")

    assert public_views.rebuild(session, [*unknown, final.id], unknown) == 1
    session.expire_all()
    rebuilt = session.scalar(sa.select(PublicAnswer).where(PublicAnswer.code == code))
    assert (rebuilt.state, rebuilt.hold) == ("verified", None)
    session.rollback()
