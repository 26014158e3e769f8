"""The BPJPH certificate register: snapshots imported from the command line whole or not at all, and every recorded
certificate reconciled with it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from models import JournalEntry, RegisterEntry, RegisterSnapshot
from tests.helpers import OPERATOR, count_rows, example
from traceability.service import dossiers, journal, register, register_import
from traceability.service.demo import DEMO_REGISTER

HEADER = "number,holder_name,holder_nib,scope,issued_on,valid_until,status\n"
# rendang-ok's BPJPH certificates, as the register lists them.
RENDANG = [
    "ID21110000123450724,PT Barelang Potong Hewan (RPH Tanjung Uncang),1209210038265,"
    "Daging sapi segar (tetelan dan has dalam),2024-07-08,,active",
    "ID21110041277360224,PT Batam Nabati Lestari,8120213377841,Minyak goreng sawit,2024-02-19,,active",
    "ID21110033189041023,CV Garam Bintan Jaya,9120219946312,Garam beryodium,2023-10-11,,active",
    "ID21110077341520925,Rendang Bundo Nurlela,1208230044517,Rendang Daging Sapi,2025-09-08,,active",
]


def register_file(tmp_path, rows, name="register.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_a_snapshot_confirms_the_certificates_it_lists_and_names_what_does_not_match(run, session, tmp_path):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    rows = [
        RENDANG[0],
        RENDANG[1].replace("PT Batam Nabati Lestari,8120213377841", "PT Sumber Minyak Dumai,8120219900011"),
        RENDANG[3],
    ]

    result = run("certificates", "registry", "import", register_file(tmp_path, rows), "--date", "2026-11-12", "--json")

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["records"], report["confirmed"]) == (3, 1)
    assert [(m["number"], m["outcome"], m["mismatches"]) for m in report["mismatched"]] == [
        ("ID21110041277360224", "mismatched", ["holder: the register names PT Sumber Minyak Dumai (NIB 8120219900011)"])
    ]
    assert [(u["number"], u["outcome"]) for u in report["unknown"]] == [("ID21110033189041023", "unknown")]
    assert report["snapshot"]["source"] == "BPJPH"
    assert report["snapshot"]["snapshot_date"] == "2026-11-12"
    assert count_rows(session, RegisterEntry) == 3
    entry = session.scalar(sa.select(JournalEntry).where(JournalEntry.action == "register.import"))
    assert entry.payload["records"] == 3
    assert entry.subject == f"register:{report['snapshot']['id']}"
    assert journal.verify(session).ok


def test_a_file_with_a_bad_row_stores_nothing_and_names_every_bad_line(run, session, tmp_path):
    rows = [RENDANG[0], "ID1,PT A,123,,2024-01-01,,active", RENDANG[1], "ID2,PT B,,,someday,,active"]

    result = run("certificates", "registry", "import", register_file(tmp_path, rows), "--json")

    assert result.exit_code == 1
    assert [i["line"] for i in json.loads(result.stdout)["invalid"]] == [3, 5]
    assert "line 3: holder_nib" in result.stderr
    assert "nothing imported" in result.stderr
    assert count_rows(session, RegisterSnapshot) == count_rows(session, RegisterEntry) == 0


def test_a_snapshot_of_the_same_source_and_date_is_not_imported_twice(run, session, tmp_path):
    path = register_file(tmp_path, RENDANG)

    first = run("certificates", "registry", "import", path, "--source", "BPJPH", "--date", "2026-11-12")
    again = run("certificates", "registry", "import", path, "--source", "BPJPH", "--date", "2026-11-12")
    later = run("certificates", "registry", "import", path, "--source", "BPJPH", "--date", "2026-11-19")

    assert first.exit_code == later.exit_code == 0
    assert "Imported 4 entries as BPJPH 2026-11-12" in first.stdout
    assert again.exit_code == 1
    assert "already imported" in again.stderr
    assert count_rows(session, RegisterSnapshot) == 2
    assert count_rows(session, RegisterEntry) == 8


def test_the_newest_snapshot_listing_a_number_speaks_for_it(session):
    import datetime as dt

    older = HEADER + RENDANG[1] + "\n" + RENDANG[2] + "\n"
    newer = HEADER + RENDANG[1].replace(",active", ",revoked") + "\n"

    register_import.import_snapshot(session, OPERATOR, newer, snapshot_date=dt.date(2026, 11, 19))
    register_import.import_snapshot(session, OPERATOR, older, snapshot_date=dt.date(2026, 11, 12))

    entries = register.register_entries(session, ["ID21110041277360224", "ID21110033189041023", "ID9"])
    assert entries["ID21110041277360224"].status.value == "revoked"  # the newer snapshot, though imported first
    assert entries["ID21110033189041023"].status.value == "active"  # only the older one lists it
    assert "ID9" not in entries


def test_a_json_snapshot_is_read_with_its_source_and_date(run, session, tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text(
        json.dumps(
            {
                "source": "BPJPH SIHALAL",
                "snapshot_date": "2026-11-12",
                "records": [
                    {
                        "number": "ID21110077341520925",
                        "holder_name": "Rendang Bundo Nurlela",
                        "holder_nib": "1208230044517",
                        "scope": ["Rendang Daging Sapi"],
                        "issued_on": "2025-09-08",
                        "status": "active",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )

    result = run("certificates", "registry", "import", str(path), "--json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["snapshot"]["source"] == "BPJPH SIHALAL"
    assert session.scalar(sa.select(RegisterSnapshot.snapshot_date)).isoformat() == "2026-11-12"


def test_only_an_admin_or_the_operator_imports_the_register(session, world):
    from models import User
    from traceability.errors import PermissionDeniedError
    from traceability.service.access import actor_for

    def actor(who):
        return actor_for(session, session.get(User, world.users[who]))

    for who in ("producer_a", "auditor", "coordinator"):
        with pytest.raises(PermissionDeniedError):
            register_import.import_snapshot(session, actor(who), HEADER + RENDANG[0] + "\n")
    assert register_import.import_snapshot(session, actor("admin"), HEADER + RENDANG[0] + "\n").records == 1


def test_progress_is_reported_per_chunk(session, monkeypatch):
    monkeypatch.setattr(register, "CHUNK", 2)
    seen = []

    register_import.import_snapshot(
        session, OPERATOR, HEADER + "\n".join(RENDANG) + "\n", progress=lambda n, t: seen.append((n, t))
    )

    assert seen == [(2, 4), (2, 4)]


def test_the_shipped_demo_register_reads_clean_and_lists_revoked_expired_and_other_holders():
    from traceability.formats.bpjph_register import parse_register

    parsed = parse_register(DEMO_REGISTER.read_text(encoding="utf-8"))

    assert parsed.invalid == []
    statuses = {e["status"].value for e in parsed.entries}
    assert {"active", "revoked", "suspended", "expired"} <= statuses
    numbers = {e["number"]: e for e in parsed.entries}
    assert numbers["ID21110090000010125"]["holder_name"] == "PT Sumber Minyak Dumai"
