"""The city registry: import from the command line and the admin upload, and search that stays indexed."""

import io
import json

import pytest
import sqlalchemy as sa

from models import Business, BusinessSearchToken, JournalEntry
from tests.helpers import OPERATOR, count_rows, example
from traceability.service import dossiers, journal

HEADER = "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"
ROWS = [
    "2103250000001,Kedai Kopi Pak Man,Sulaiman,Jl. Raja Isa,Batam Kota,Batam Kota,Batam,0812-7000-1111,micro,56303",
    "2103250000002,Kue Lapis Mak Eti,Nurhayati,Perum Mitra Raya,Sei Panas,Batam Kota,Batam,,micro,10710",
    "2103250000003,Otak-Otak Pak Darwis,Darwis,Jl. Kurau,Tanjung Uma,Lubuk Baja,Batam,,small,10213",
    "2103250000004,Keripik Sukun Ibu Eti,Siti Rohani,Jl. Pelita,Sei Panas,Batam Kota,Batam,,small,10794",
]
BAD = "21032500000,Short NIB,,,,,,,micro,"


def registry_file(tmp_path, rows, name="umkm.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_import_then_reimport_updates_by_nib_and_journals_each_business(run, session, tmp_path):
    first = run("registry", "import", registry_file(tmp_path, ROWS), "--json")
    changed = [ROWS[0].replace("Kedai Kopi Pak Man", "Kopi Pak Man Batam Centre"), *ROWS[1:]]
    second = run("registry", "import", registry_file(tmp_path, changed, "again.csv"), "--json")

    assert first.exit_code == second.exit_code == 0
    assert json.loads(first.stdout) == {"imported": 4, "updated": 0, "invalid": []}
    assert json.loads(second.stdout) == {"imported": 0, "updated": 4, "invalid": []}
    business = session.scalar(sa.select(Business).where(Business.nib == "2103250000001"))
    assert (business.name, business.owner, business.kelurahan, business.version) == (
        "Kopi Pak Man Batam Centre",
        "Sulaiman",
        "Batam Kota",
        2,
    )
    assert count_rows(session, Business) == 4
    actions = session.execute(sa.select(JournalEntry.action, sa.func.count()).group_by(JournalEntry.action)).all()
    assert dict(actions) == {"create": 4, "update": 4}
    assert journal.verify(session).ok


def test_bad_rows_are_named_and_nothing_is_imported_without_skip_invalid(run, session, tmp_path):
    path = registry_file(tmp_path, [*ROWS[:2], BAD, "2103250000009,Bad scale,,,,,,,huge,"])

    refused = run("registry", "import", path, "--json")
    skipped = run("registry", "import", path, "--skip-invalid", "--json")

    assert refused.exit_code == 1
    report = json.loads(refused.stdout)
    assert (report["imported"], report["updated"]) == (0, 0)
    assert [item["line"] for item in report["invalid"]] == [4, 5]
    assert "line 4: nib" in refused.stderr
    assert "nothing imported" in refused.stderr
    assert skipped.exit_code == 0
    assert json.loads(skipped.stdout)["imported"] == 2
    assert [item["line"] for item in json.loads(skipped.stdout)["invalid"]] == [4, 5]
    assert count_rows(session, Business) == 2


def test_text_output_without_json(run, tmp_path):
    result = run("registry", "import", registry_file(tmp_path, ROWS))

    assert result.exit_code == 0
    assert result.stdout.strip() == "Imported 4, updated 0, skipped 0 bad row(s)."


def test_admin_upload_is_all_or_nothing_and_names_the_lines(client, world, session):
    body = HEADER + "\n".join([*ROWS, BAD]) + "\n"

    refused = client.post("/api/v1/registry", data=body, content_type="text/csv", headers=world.auth("admin"))
    before = count_rows(session, Business)
    skipped = client.post(
        "/api/v1/registry?skip_invalid=true", data=body, content_type="text/csv", headers=world.auth("admin")
    )
    producer = client.post("/api/v1/registry", data=body, content_type="text/csv", headers=world.auth("producer_a"))

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.json["errors"]["rows"] == {"6": ["nib: '21032500000' is not 13 digits"]}
    assert before == 2  # the two businesses of the world
    assert skipped.status_code == 200
    bad_row = {"line": 6, "error": "nib: '21032500000' is not 13 digits"}
    assert skipped.json == {"imported": 4, "updated": 0, "invalid": [bad_row]}
    assert producer.status_code == 403


def test_upload_as_a_form_file(client, world):
    data = {"file": (io.BytesIO((HEADER + ROWS[0] + "\n").encode()), "umkm.csv")}
    response = client.post(
        "/api/v1/registry", data=data, content_type="multipart/form-data", headers=world.auth("coordinator")
    )

    assert response.status_code == 200
    assert response.json["imported"] == 1


def search(client, world, q, who="coordinator", **args):
    response = client.get("/api/v1/businesses", query_string={"q": q, **args}, headers=world.auth(who))
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("eti", ["Kue Lapis Mak Eti", "Keripik Sukun Ibu Eti"]),  # a word of the name
        ("nurha", ["Kue Lapis Mak Eti"]),  # the owner, by prefix
        ("2103250000003", ["Otak-Otak Pak Darwis"]),  # the NIB
        ("sei panas", ["Kue Lapis Mak Eti", "Keripik Sukun Ibu Eti"]),  # the kelurahan, every word
        ("SEI pan kue", ["Kue Lapis Mak Eti"]),
        ("batam kota", ["Kedai Kopi Pak Man"]),  # kelurahan, not kecamatan
        ("zzz", []),
    ],
)
def test_search_by_name_owner_nib_or_kelurahan(client, world, run, tmp_path, q, names):
    run("registry", "import", registry_file(tmp_path, ROWS))

    found = search(client, world, q)

    assert sorted(b["name"] for b in found["items"]) == sorted(names)
    assert found["total"] == len(names)


def test_search_pages_and_scopes(client, world, run, tmp_path, session):
    run("registry", "import", registry_file(tmp_path, ROWS))

    first = search(client, world, "eti", per_page=1)
    second = search(client, world, "eti", per_page=1, page=2)
    producer = search(client, world, "rendang", who="producer_b")
    coordinator = search(client, world, "rendang")
    registry_entry = search(client, world, "nurhayati")["items"][0]

    assert (first["total"], len(first["items"]), second["total"]) == (2, 1, 2)
    assert first["items"][0]["id"] < second["items"][0]["id"]
    assert producer["items"] == []  # another business's record stays invisible
    assert [b["nib"] for b in coordinator["items"]] == ["1208230044517"]  # registered through the API
    assert registry_entry["kelurahan"] == "Sei Panas"
    assert registry_entry["halal_supervisor"] is None
    assert count_rows(session, BusinessSearchToken) > 0


def test_businesses_registered_by_a_dossier_are_found(client, world, session):
    document = example("kue-lapis-gelatin")
    imported = dossiers.import_dossier(session, OPERATOR, document)

    found = search(client, world, document["business"]["name"])

    assert [b["id"] for b in found["items"]] == [imported.business]


def test_renaming_a_business_renames_its_search_words(client, world):
    client.patch(
        f"/api/v1/businesses/{world.business_a}", json={"name": "Gulai Bundo"}, headers=world.auth("producer_a")
    )

    assert search(client, world, "rendang")["total"] == 0
    assert search(client, world, "gulai", who="admin")["total"] == 1
