"""bench/verify.py writes a million codes set-based: its rows must be what the service would write, or the figures
measure another service. Each copied code's answer equals the service's rebuild of it, is signed as the service
signs, answers on every public surface and has its journal entry."""

import importlib.util
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from models import JournalEntry, PublicAnswer, VerificationCode
from tests.helpers import OPERATOR, issue
from traceability.service import public_views
from traceability.service.unit_of_work import writing

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_verify():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_verify", BENCH / "verify.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def _answers(session, batch):
    session.expire_all()
    rows = session.execute(
        sa.select(PublicAnswer.code, PublicAnswer.state, PublicAnswer.body, PublicAnswer.etag, PublicAnswer.hold)
        .where(PublicAnswer.batch_id == batch)
        .order_by(PublicAnswer.code)
    ).all()
    return {code: rest for code, *rest in rows}


def test_copied_codes_are_what_the_service_would_have_written(app, client, session, filled):
    batch = filled.own["batches"]
    issue(client, filled, count=2)
    with app.test_request_context():
        copied = _bench_verify().copy_codes(session, OPERATOR, batch, 25, chunk=10)
    assert len(copied) == 25 == len({code for code, _url in copied})

    bulk = _answers(session, batch)
    assert {code for code, _url in copied} <= set(bulk)
    with writing(session):
        assert public_views.rebuild(session, [batch]) == len(bulk)
    assert _answers(session, batch) == bulk  # the service's own rebuild changes nothing

    for code, url in copied[:5]:  # signed as issued: the printed address verifies, on every public surface
        signature = parse_qs(urlsplit(url).query)["s"][0]
        verify = client.get(f"/api/v1/verify/{code}", query_string={"s": signature})
        assert verify.status_code == 200, verify.json
        assert verify.json["code"] == code
        assert verify.json["url"] == url
        assert client.get(f"/v/{code}").status_code == 200
        assert client.get(f"/api/v1/codes/{code}/qr.png").status_code == 200
    issued = set(session.scalars(sa.select(JournalEntry.subject).where(JournalEntry.action == "code.issue")))
    assert {f"code:{code}" for code, _url in copied} <= issued
    stored = dict(session.execute(sa.select(VerificationCode.code, VerificationCode.url)).all())
    assert all(stored[code] == url for code, url in copied)
