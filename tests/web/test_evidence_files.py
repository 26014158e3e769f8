"""Evidence files on the record they belong to: a lab result on a material, a delivery note on a lot, a photo on a
step, an SJPH record on the business, from the phone's camera or files. Each is read back by whoever may read the
record, refused in words when it is no photo or PDF, stored once on a double submit, and its hash is part of
what an approval holds on."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from models import Assessment, MaterialEvidence, MaterialLot, RecordEvidence
from tests.helpers import csrf_of, final_batch
from traceability.service import assessments

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2
PDF = b"%PDF-1.4\n" + b"0" * 300

PAGES = {"materials": "/producer/materials/{id}", "lots": "/producer/lots/{id}", "steps": "/producer/steps/{id}"}


def _form(html: str) -> dict[str, str]:
    form = html.split('class="attach"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="form_token" value="([^"]*)"', form)
    assert token, "the attach form carries a one-time token"
    return {"csrf_token": csrf_of(html), "form_token": token.group(1)}


def _send(client, url, form, content, type_, name="bukti.png", says="Hasil uji lab 2025"):
    return client.post(
        url,
        data={**form, "type": type_, "says": says, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(("kind", "type_"), [("materials", "lab_test"), ("lots", "delivery_note"), ("steps", "photo")])
def test_a_file_is_attached_to_its_record_from_the_camera_and_read_back(client, session, filled, sign_in, kind, type_):
    producer = sign_in("producer_a")
    record = filled.own[kind]
    page = producer.get(PAGES[kind].format(id=record)).get_data(as_text=True)

    sent = _send(producer, f"/producer/{kind}/{record}/files", _form(page), PNG, type_)
    after = producer.get(PAGES[kind].format(id=record)).get_data(as_text=True)
    link = re.search(r'href="(/files/[^"]+)"', after)
    read = producer.get(link.group(1)) if link else None
    pendamping = sign_in("pendamping_a").get(link.group(1)) if link else None
    stranger = sign_in("producer_b").get(link.group(1)) if link else None

    assert 'capture="environment"' in page
    assert sent.status_code == 302
    assert "Berkas sudah dilampirkan." in after
    assert "Hasil uji lab 2025" in after
    assert "Berkas dilampirkan oleh" in after  # the history says so in words
    assert read is not None
    assert read.status_code == 200
    assert read.data == PNG
    assert read.headers["Content-Disposition"].startswith("attachment")
    assert pendamping.status_code == 200  # a followed business's files, read-only
    assert stranger.status_code == 404


def test_an_sjph_record_is_attached_to_the_business(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    page = producer.get("/producer/business").get_data(as_text=True)

    sent = _send(producer, "/producer/business/files", _form(page), PDF, "sjph_training", name="pelatihan.pdf")
    after = producer.get("/producer/business").get_data(as_text=True)

    assert sent.status_code == 302
    assert "Daftar hadir pelatihan halal" in after
    stored = session.scalars(sa.select(RecordEvidence).where(RecordEvidence.subject.startswith("business:"))).all()
    assert [(r.type, r.business_id) for r in stored] == [("sjph_training", filled.world.business_a)]


def test_a_file_that_is_no_photo_or_pdf_is_refused_in_words_and_nothing_is_stored(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    lot = filled.own["lots"]
    page = producer.get(f"/producer/lots/{lot}").get_data(as_text=True)

    sent = _send(producer, f"/producer/lots/{lot}/files", _form(page), b"<html>hi</html>", "photo", name="x.png")
    after = producer.get(f"/producer/lots/{lot}").get_data(as_text=True)
    wrong_type = _send(producer, f"/producer/lots/{lot}/files", _form(after), PNG, "gelatin")
    said = producer.get(f"/producer/lots/{lot}").get_data(as_text=True)

    assert sent.status_code == wrong_type.status_code == 302
    assert "Kirim foto (JPEG atau PNG) atau PDF." in after
    assert "Sebutkan berkas apa ini." in said
    assert session.scalar(sa.select(sa.func.count()).select_from(RecordEvidence)) == 0


def test_a_double_submit_attaches_once(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    lot = filled.own["lots"]
    form = _form(producer.get(f"/producer/lots/{lot}").get_data(as_text=True))

    first = _send(producer, f"/producer/lots/{lot}/files", form, PNG, "photo")
    second = _send(producer, f"/producer/lots/{lot}/files", form, PNG, "photo")

    assert first.status_code == second.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(RecordEvidence)) == 1


def test_a_file_on_a_lot_or_a_material_is_in_the_graph_digest(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    batch = final_batch(session, filled.world.business_a).id
    judged = assessments.current_assessment(session, batch)
    before = judged.graph_digest
    used = int(next(iter(judged.body["lot_evidence"])).split(":", 1)[1])  # a lot this batch was made from
    material = session.get(MaterialLot, used).material_id

    page = producer.get(f"/producer/lots/{used}").get_data(as_text=True)
    _send(producer, f"/producer/lots/{used}/files", _form(page), PNG, "photo")
    session.expire_all()
    after_lot = session.scalar(sa.select(Assessment.graph_digest).where(Assessment.batch_id == batch))
    page = producer.get(f"/producer/materials/{material}").get_data(as_text=True)
    _send(producer, f"/producer/materials/{material}/files", _form(page), PDF, "lab_test", name="lab.pdf")
    session.expire_all()
    after_material = session.scalar(sa.select(Assessment.graph_digest).where(Assessment.batch_id == batch))
    files = session.scalars(sa.select(MaterialEvidence.file_sha256).where(MaterialEvidence.material_id == material))

    assert [f for f in files if f]  # the material's document row names the file
    assert after_lot != before
    assert after_material != after_lot
