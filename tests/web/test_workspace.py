"""The producer's records on the web: searchable lists, details with their history in words, edit forms with
every field (list-valued ones too) guarded by the version, void with a reason, and a double submit that stores
once."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from models import Facility, JournalEntry, MaterialLot, StepInput, Supplier, User
from tests.helpers import csrf_of
from traceability.service.record_kinds import KINDS


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_list_a_detail_and_an_edit_form_in_indonesian(client, filled, sign_in, kind):
    producer = sign_in("producer_a")
    record = filled.own[kind]

    listing = _page(producer, f"/producer/{kind}")
    detail = _page(producer, f"/producer/{kind}/{record}")
    form = _page(producer, f"/producer/{kind}/{record}/edit")
    new = _page(producer, f"/producer/{kind}/new")

    assert f'href="/producer/{kind}/{record}"' in listing
    assert "Riwayat" in detail
    assert "Dicatat oleh" in detail
    assert 'name="version"' in form
    assert 'name="form_token"' in new
    for html in (listing, detail, form, new):
        assert f"#{record}" not in html  # no internal ids as text


def test_another_business_cannot_open_my_records(client, filled, sign_in):
    other = sign_in("producer_b")

    assert other.get(f"/producer/lots/{filled.own['lots']}").status_code == 404
    assert other.get(f"/producer/lots/{filled.own['lots']}/edit").status_code == 404


def test_the_list_searches_by_name(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    name = session.get(Supplier, filled.own["suppliers"]).name

    found = _page(producer, f"/producer/suppliers?q={name[:5].lower()}")
    nothing = _page(producer, "/producer/suppliers?q=zzzqqq")

    assert name in found
    assert name not in nothing


def test_an_edit_fixes_a_lot_code_and_the_history_says_so_in_words(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    session.execute(sa.update(User).where(User.id == filled.world.users["producer_a"]).values(name="Ani"))
    session.commit()
    lot = session.get(MaterialLot, filled.own["lots"])
    old_code = lot.lot_code
    form = _page(producer, f"/producer/lots/{lot.id}/edit")
    data = _form_fields(form)
    data["lot_code"] = "RBN-02"

    saved = producer.post(f"/producer/lots/{lot.id}/edit", data=data)

    assert saved.status_code == 302
    session.expire_all()
    assert session.get(MaterialLot, lot.id).lot_code == "RBN-02"
    detail = _page(producer, f"/producer/lots/{lot.id}")
    assert re.search(rf"Diubah oleh Ani, \d+ \w+ \d{{4}} \d\d:\d\d WIB: kode lot {old_code} → RBN-02", detail), detail


def test_a_stale_edit_is_refused_and_shows_the_newer_values(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    lot = filled.own["lots"]
    data = _form_fields(_page(producer, f"/producer/lots/{lot}/edit"))
    other = _form_fields(_page(producer, f"/producer/lots/{lot}/edit"))
    other["unit"] = "ons"
    assert producer.post(f"/producer/lots/{lot}/edit", data=other).status_code == 302
    data["lot_code"] = "MINE-1"

    stale = producer.post(f"/producer/lots/{lot}/edit", data=data)

    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Seseorang mengubah catatan ini" in html
    assert "Nilai terbaru: ons" in html
    assert 'value="MINE-1"' in html  # what was typed is kept
    session.expire_all()
    assert session.get(MaterialLot, lot).lot_code != "MINE-1"


def test_list_valued_fields_are_edited_on_the_form(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    facility = filled.own["facilities"]
    data = _form_fields(_page(producer, f"/producer/facilities/{facility}/edit"))
    data.update(
        {
            "cleansing-count": "1",
            "cleansing-0-method": "sertu_7x_with_soil",
            "cleansing-0-on": "2025-11-01",
            "shared_with-count": "1",
            "shared_with-0-product": "Kue lapis",
            "shared_with-0-halal": "yes",
        }
    )

    saved = producer.post(f"/producer/facilities/{facility}/edit", data=data)

    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    session.expire_all()
    stored = session.get(Facility, facility)
    assert [(c.method.value, c.on.isoformat()) for c in stored.cleansing] == [("sertu_7x_with_soil", "2025-11-01")]
    assert [(s.product, s.halal) for s in stored.sharing] == [("Kue lapis", True)]
    detail = _page(producer, f"/producer/facilities/{facility}")
    assert "Sertu: tujuh kali cuci, satu dengan tanah" in detail
    assert "sertu_7x_with_soil" not in detail


def test_a_bad_edit_keeps_what_was_typed_and_stores_nothing(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    lot = filled.own["lots"]
    before = session.get(MaterialLot, lot).version
    data = _form_fields(_page(producer, f"/producer/lots/{lot}/edit"))
    data.update(quantity="banyak", lot_code="")

    refused = producer.post(f"/producer/lots/{lot}/edit", data=data)

    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'value="banyak"' in html
    assert 'id="quantity-error"' in html
    assert 'id="lot_code-error"' in html
    session.expire_all()
    assert session.get(MaterialLot, lot).version == before


def test_voiding_a_lot_on_the_web_takes_it_out_of_its_step_and_keeps_its_history(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    lot = session.scalar(sa.select(StepInput.lot_id).where(StepInput.lot_id.is_not(None)).order_by(StepInput.id))
    detail = _page(producer, f"/producer/lots/{lot}")

    voided = producer.post(
        f"/producer/lots/{lot}/void",
        data={
            "csrf_token": csrf_of(detail),
            "form_token": _hidden(detail, "form_token"),
            "version": _hidden(detail, "version"),
            "reason": "Lot salah catat",
        },
    )

    assert voided.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).where(StepInput.lot_id == lot)) == 0
    after = _page(producer, f"/producer/lots/{lot}")
    assert "Dibatalkan oleh" in after
    assert "Lot salah catat" in after
    assert f'href="/producer/lots/{lot}"' not in _page(producer, "/producer/lots")
    assert f'href="/producer/lots/{lot}"' in _page(producer, "/producer/lots?voided=1")


def test_a_double_submit_stores_once(client, filled, sign_in, session):
    producer = sign_in("producer_a")
    form = _page(producer, "/producer/suppliers/new")
    data = {
        "csrf_token": csrf_of(form),
        "form_token": _hidden(form, "form_token"),
        "name": "Toko Bu Lina",
        "kind": "market",
        "country": "ID",
    }

    first = producer.post("/producer/suppliers/new", data=data)
    second = producer.post("/producer/suppliers/new", data=data)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert session.scalar(sa.select(sa.func.count()).where(Supplier.name == "Toko Bu Lina")) == 1
    entries = session.scalar(sa.select(sa.func.count()).where(JournalEntry.subject.like("supplier:%")))
    assert entries >= 1


def _form_fields(html: str) -> dict[str, Any]:
    """What a browser would send for a form as drawn: inputs, checked boxes and selected options."""
    data: dict[str, Any] = {}
    for tag in re.finditer(r"<input ([^>]*)>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(1)))
        flags = tag.group(1)
        if "name" not in attrs:
            continue
        if attrs.get("type") == "checkbox":
            if " checked" in flags:
                data.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
            continue
        data[attrs["name"]] = attrs.get("value", "")
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2))
        data[select.group(1)] = chosen.group(1) if chosen else ""
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[area.group(1)] = area.group(2)
    return data


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_pendamping_reads_a_followed_business_records_in_words_and_cannot_change_them(client, filled, sign_in, kind):
    pendamping = sign_in("pendamping_a")
    business, record = filled.world.business_a, filled.own[kind]
    base = f"/pendamping/businesses/{business}/{kind}"

    overview = _page(pendamping, f"/pendamping/businesses/{business}")
    listing = _page(pendamping, base)
    detail = _page(pendamping, f"{base}/{record}")

    assert f'href="{base}/{record}"' in overview
    assert f'href="{base}/{record}"' in listing
    assert "/producer/" not in listing
    assert "/producer/" not in detail  # no edit, void or upload: the producer changes their records
    assert 'class="button edit"' not in detail
    assert 'details class="void"' not in detail
    assert '<ol class="history">' in detail
    assert "Dicatat oleh" in detail  # the history in words, in Indonesian


def test_a_pendamping_sees_nothing_of_a_business_they_do_not_follow(client, filled, sign_in):
    other = sign_in("pendamping_other")
    business, material = filled.world.business_a, filled.own["materials"]

    assert other.get(f"/pendamping/businesses/{business}/materials").status_code == 404
    assert other.get(f"/pendamping/businesses/{business}/materials/{material}").status_code == 404
    followed = sign_in("pendamping_a")
    b_material = followed.get(f"/pendamping/businesses/{business}/materials/{filled.foreign['materials']}")
    assert b_material.status_code == 404  # a record of another business, asked under A's address
    assert followed.get(f"/pendamping/businesses/{business}/nothing").status_code == 404


def test_an_import_is_told_in_the_history_not_shown_as_every_field_emptied(client, filled, sign_in, session):
    from models import Product

    producer = sign_in("producer_a")
    product = session.get(Product, filled.own["products"])
    imported = session.scalar(
        sa.select(sa.func.count()).where(
            JournalEntry.subject == f"product:{product.id}", JournalEntry.action == "dossier.import"
        )
    )
    assert imported == 1  # the filled business came in as a dossier

    detail = _page(producer, f"/producer/products/{product.id}?lang=id")
    journal = _page(producer, f"/journal/products/{product.id}?lang=id")

    assert "Diimpor bersama berkas dosir produk oleh" in detail
    assert "diimpor bersama berkas dosir produk" in journal
    for page in (detail, journal):
        assert "→ —" not in page
