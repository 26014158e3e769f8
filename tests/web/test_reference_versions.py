"""Reference data as versions on the admin's console: the version in force, a new one read first as what it
changes (in words) and the batches whose verdict the rule engine would give differently, then put in force
(journalled) only once confirmed. A preview stores nothing; a bad version is refused with a readable message."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from models import Assessment, JournalEntry, ReferenceVersion
from tests.helpers import count_rows, csrf_of
from traceability.rules.reference import shipped_data


def _chilli_haram(version: str = "2026.12.1-uji") -> dict:
    """A version that (wrongly) lists cattle as haram, and marks red chilli haram in the catalogue: the rendang's
    beef makes each of its batches change verdict."""
    shipped = shipped_data()
    chilli = next(m for m in shipped["materials"] if m["key"] == "chili")
    return {
        "version": version,
        "materials": [{**chilli, "risk": "haram"}],
        "haram_species": [*shipped["haram_species"], "bovine"],
    }


def _post(browser, data: dict | str, step: str = "preview", lang: str = "id"):
    token = csrf_of(browser.get(f"/admin/reference?lang={lang}").get_data(as_text=True))
    text = data if isinstance(data, str) else json.dumps(data)
    return browser.post("/admin/reference", data={"csrf_token": token, "data": text, "step": step})


def _statuses(session) -> dict[int, str]:
    session.expire_all()
    return {a.batch_id: a.status.value for a in session.scalars(sa.select(Assessment))}


def test_the_page_names_the_version_in_force(filled, sign_in):
    html = sign_in("admin").get("/admin/reference?lang=id").get_data(as_text=True)

    assert "halal-id-reference@2026.12.0" in html
    assert "seperti dikirim bersama versi aturan ini" in html
    assert "Bahan dalam katalog:" in html


def test_a_preview_shows_the_changes_in_words_and_the_verdicts_that_would_flip_and_stores_nothing(
    filled, session, sign_in
):
    before = _statuses(session)
    journal = count_rows(session, JournalEntry)

    shown = _post(sign_in("admin"), _chilli_haram())

    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Katalog bahan: “cabai merah”, risiko: — → haram." in html
    assert "Spesies hewan haram: “bovine” ditambahkan." in html
    assert "Versi: 2026.12.0 → 2026.12.1-uji." in html
    assert "Rendang" in html.split('<ul class="flips">', 1)[1]  # business A's batches would change verdict
    assert "Berlakukan halal-id-reference@2026.12.1-uji" in html
    assert count_rows(session, ReferenceVersion) == 0
    assert count_rows(session, JournalEntry) == journal
    assert _statuses(session) == before


def test_putting_a_version_in_force_is_journalled_and_the_batches_are_judged_with_it(filled, session, sign_in):
    browser = sign_in("admin")
    before = _statuses(session)
    flips = _post(browser, _chilli_haram()).get_data(as_text=True).split('<ul class="flips">', 1)[1]

    done = _post(browser, _chilli_haram(), step="confirm")

    assert done.status_code == 302
    assert [v.version for v in session.scalars(sa.select(ReferenceVersion))] == ["2026.12.1-uji"]
    entry = session.scalar(sa.select(JournalEntry).where(JournalEntry.action == "reference.update"))
    assert entry is not None
    assert entry.subject == "reference:2026.12.1-uji"
    after = _statuses(session)
    changed = {b for b in before if after[b] != before[b]}
    assert changed
    assert all(f'data-batch="{b}"' in flips for b in changed)  # the preview named exactly these
    assert flips.count("data-batch=") == len(changed)
    page = browser.get("/admin/reference?lang=id").get_data(as_text=True)
    assert "halal-id-reference@2026.12.1-uji" in page


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("{not json", "Ini bukan JSON: baris 1, kolom 2."),
        ({"version": "x", "bogus": []}, "Kunci data acuan tidak dikenal."),
        ({"materials": []}, "Versi baru data acuan harus memuat nama versinya sendiri."),
        ([1, 2], "Data acuan berupa objek JSON."),
    ],
)
def test_a_bad_version_is_refused_with_a_readable_message_and_nothing_changes(filled, session, sign_in, data, said):
    refused = _post(sign_in("admin"), data)

    assert refused.status_code == 422
    assert said in refused.get_data(as_text=True)
    assert count_rows(session, ReferenceVersion) == 0


def test_a_version_name_is_used_once(filled, session, sign_in):
    browser = sign_in("admin")
    assert _post(browser, _chilli_haram(), step="confirm").status_code == 302

    again = _post(browser, _chilli_haram())

    assert again.status_code == 422
    assert "Versi data acuan itu sudah ada; beri versi baru." in again.get_data(as_text=True)


def test_a_version_can_be_uploaded_as_a_file(filled, sign_in):
    browser = sign_in("admin")
    token = csrf_of(browser.get("/admin/reference").get_data(as_text=True))
    body = json.dumps(_chilli_haram()).encode()

    shown = browser.post(
        "/admin/reference?lang=en",
        data={"csrf_token": token, "step": "preview", "file": (io.BytesIO(body), "acuan.json")},
        content_type="multipart/form-data",
    )

    assert shown.status_code == 200
    assert "Material catalogue: “red chilli”" not in shown.get_data(as_text=True)  # the label is Indonesian data
    assert "Material catalogue: “cabai merah”, risk: — → haram." in shown.get_data(as_text=True)
