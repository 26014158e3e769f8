"""Forms and uploads a person's browser sends, made hostile: too large, with NUL, with a file name
that climbs out of a directory. A person gets a page they can read (Indonesian or English); nothing is
written; no client-supplied name reaches the file system or a download's name."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import qr_cache
from api.cli import cli
from models import JournalEntry, Supplier
from tests.helpers import OPERATOR, csrf_of
from traceability.service import evidence, spreadsheet

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOO_LARGE = {"id": "Kiriman Anda terlalu besar", "en": "What you sent is too large"}
TRAVERSAL = "../../../../tmp/halal-trace-escaped.csv"


def journal_size(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("form", ["/login", "/producer/import", "/producer/suppliers/new"])
def test_an_oversized_form_gets_a_readable_413_page_and_nothing_is_written(
    app, client, filled, session, sign_in, form, lang
):
    if form != "/login":
        sign_in("producer_a")
    token = csrf_of(client.get(form).get_data(as_text=True))
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    before = journal_size(session)
    if form == "/producer/import":
        data = {"csrf_token": token, "file": (io.BytesIO(b"x" * 60_000), "big.csv")}
    else:
        data = {"csrf_token": token, "name": "x" * 60_000, "kind": "market", "email": "a@b.c", "password": "x"}

    response = client.post(form, data=data, headers={**BROWSER, "Accept-Language": lang})

    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert TOO_LARGE[lang] in html
    assert f'<html lang="{lang}">' in html
    assert journal_size(session) == before


def test_the_api_keeps_problem_json_for_an_oversized_body_even_from_a_browser(app, client, filled):
    app.config["MAX_CONTENT_LENGTH"] = 1000

    response = client.post(
        "/api/v1/suppliers",
        json={"name": "x" * 2000, "kind": "market"},
        headers={**BROWSER, **filled.auth("producer_a")},
    )

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_nul_character_in_a_form_field_is_a_readable_400_and_nothing_is_written(client, filled, session, sign_in):
    producer = sign_in("producer_a")
    token = csrf_of(producer.get("/producer/suppliers/new").get_data(as_text=True))
    before = journal_size(session)

    response = producer.post(
        "/producer/suppliers/new",
        headers=BROWSER,
        data={"csrf_token": token, "name": "Toko\x00Sinar", "kind": "market", "country": "ID"},
    )

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert journal_size(session) == before


@pytest.mark.parametrize("content", [b"name\x00,kind\nToko,market\n", b"nama_bahan\n\x00\n"])
def test_a_spreadsheet_with_a_nul_character_is_refused_on_the_form(client, filled, session, sign_in, content):
    producer = sign_in("producer_a")
    token = csrf_of(producer.get("/producer/import").get_data(as_text=True))
    before = journal_size(session)

    response = producer.post(
        "/producer/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), "x.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)
    assert journal_size(session) == before


def test_an_upload_named_to_climb_directories_never_reaches_the_file_system(client, filled, session, sign_in):
    producer = sign_in("producer_a")
    supplier = session.get(Supplier, filled.own["suppliers"]).name
    sheet = ",".join(spreadsheet.COLUMNS) + f"\r\nGaram,ingredient,salt,mineral,,,,{supplier},,GR-7,1,kg,2025-11-03\r\n"
    token = csrf_of(producer.get("/producer/import").get_data(as_text=True))
    escaped = Path("/tmp/halal-trace-escaped.csv")
    escaped.unlink(missing_ok=True)

    imported = producer.post(
        "/producer/import",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(sheet.encode()), TRAVERSAL)},
    )
    registry = client.post(
        "/api/v1/registry",
        content_type="multipart/form-data",
        headers=filled.auth("admin"),
        data={"file": (io.BytesIO(b"nib,name\n"), TRAVERSAL)},
    )

    assert imported.status_code == 302  # the upload was read...
    assert registry.status_code in (200, 422)
    assert not escaped.exists()  # ...and its name used for nothing


SAFE_DISPOSITION = re.compile(r'^(attachment|inline); filename="?[A-Za-z0-9][A-Za-z0-9._-]*"?$')


def test_every_download_names_its_file_from_our_own_ids(client, filled, session, sign_in):
    evidence.put_evidence(session, OPERATOR, filled.own["certificates"], b"%PDF-1.4 x", max_bytes=100)
    client.post(f"/api/v1/batches/{filled.own['batches']}/codes", json={}, headers=filled.auth("producer_a"))
    auth = filled.auth("producer_a")
    downloads = {
        "trace": client.get(f"/api/v1/batches/{filled.own['batches']}/trace.csv", headers=auth),
        "dashboard": client.get(
            f"/api/v1/programmes/{filled.world.programme}/dashboard.csv", headers=filled.auth("coordinator")
        ),
        "labels": client.get(f"/api/v1/batches/labels.pdf?batch={filled.own['batches']}", headers=auth),
        "evidence": client.get(f"/api/v1/certificates/{filled.own['certificates']}/evidence", headers=auth),
        "template": sign_in("producer_a").get("/producer/import/template.csv"),
    }

    for name, response in downloads.items():
        assert response.status_code == 200, name
        assert SAFE_DISPOSITION.match(response.headers["Content-Disposition"]), (name, response.headers)


@pytest.mark.parametrize("lot", ["../../../../etc/passwd", "..%2F..%2Fx", "/absolute", "a/../../b"])
def test_qr_cache_files_are_named_by_hash_whatever_the_code_or_lot(app, tmp_path, lot):
    app.config["QR_CACHE_DIR"] = str(tmp_path / "qr")
    with app.app_context():
        qr_cache.image(f"https://trace.test/01/09506000134352/10/{lot}", "svg")

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1
    assert written[0].parent == tmp_path / "qr"
    assert re.fullmatch(r"[0-9a-f]{64}\.svg", written[0].name)


def test_label_sheets_go_exactly_where_out_says_whatever_the_lot_code(app, filled, session, client, tmp_path):
    batch = filled.own["batches"]
    changed = client.patch(
        f"/api/v1/batches/{batch}", json={"lot_code": "../../../escaped-labels"}, headers=filled.auth("producer_a")
    )
    work = tmp_path / "work"
    work.mkdir()
    runner = app.test_cli_runner()
    issued = runner.invoke(cli, ["codes", "issue", str(batch), "--json"], catch_exceptions=False)
    labels = runner.invoke(
        cli, ["codes", "labels", str(batch), "--out", str(work / "sheet.pdf")], catch_exceptions=False
    )

    assert changed.status_code == 200
    assert (issued.exit_code, labels.exit_code) == (0, 0)
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == ["work/sheet.pdf"]
