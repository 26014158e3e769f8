"""The coordinator's use cases: enrolling many businesses at once (all or none), what blocks each participant,
"approved" only while the public sees the product verified, one participants table for CSV and XLSX, the report."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa

from api.signing import seal
from models import Business, JournalEntry, ProgrammeParticipant, PublicAnswer
from qr.codes import new_code
from tests.helpers import OPERATOR, approve
from traceability.errors import ConflictError, InvalidInputError, NotFoundError
from traceability.formats import tables
from traceability.service import accounts, programmes, registry, verification
from traceability.service.access import Actor
from traceability.vocabulary import ProgrammeMode, Role

REGISTRY = (
    "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"
    "2103250009911,Kedai Kopi Pak Man,Sulaiman,Jl. Raja Isa,Belian,Batam Kota,Batam,,micro,56303\n"
    "2103250009928,Kopi Tiam Ah Seng,Ah Seng,Jl. Nagoya,Lubuk Baja Kota,Lubuk Baja,Batam,,micro,56303\n"
    "2103250009935,Kue Bangkit Mak Limah,Halimah,Jl. Sekupang,Tanjung Riau,Sekupang,Batam,,micro,10710\n"
)


def coordinator_actor(user_id: int) -> Actor:
    return Actor(label=f"user:{user_id}", role=Role.COORDINATOR, user_id=user_id)


@pytest.fixture
def actor(world):
    return coordinator_actor(world.users["coordinator"])


@pytest.fixture
def registered(session, world):
    """Three businesses of the city's registry, in NIB order."""
    registry.import_registry(session, OPERATOR, REGISTRY)
    return list(session.scalars(sa.select(Business.id).where(Business.nib.like("21032500099%")).order_by(Business.nib)))


def test_enrolling_three_businesses_writes_three_participants_and_three_journal_entries(
    session, world, actor, registered
):
    before = session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))

    done = programmes.enrol(session, actor, world.programme, registered, ProgrammeMode.ONLINE)

    assert [p.business_id for p in done] == registered
    count = session.scalar(sa.select(sa.func.count()).where(ProgrammeParticipant.programme_id == world.programme))
    assert count == 4  # business A was in already
    assert session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == before + 3


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ("enrolled", ConflictError),  # business A is in the programme already
        ("unknown", InvalidInputError),
        ("empty", InvalidInputError),
    ],
)
def test_a_bad_enrolment_writes_nothing(session, world, actor, registered, extra, error):
    ids = {"enrolled": [*registered, world.business_a], "unknown": [*registered, 999_999], "empty": []}[extra]
    before = session.scalar(sa.select(sa.func.count()).select_from(ProgrammeParticipant))

    with pytest.raises(error):
        programmes.enrol(session, actor, world.programme, ids, ProgrammeMode.ONLINE)

    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ProgrammeParticipant)) == before


def test_another_coordinators_programme_does_not_exist(session, world, registered):
    other, _ = accounts.create_user(session, OPERATOR, email="lain@test.id", role=Role.COORDINATOR)
    stranger = coordinator_actor(other.id)

    with pytest.raises(NotFoundError):
        programmes.enrol(session, stranger, world.programme, registered, ProgrammeMode.ONLINE)
    with pytest.raises(NotFoundError):
        programmes.search_registry(session, stranger, world.programme, "kopi")


def test_the_registry_search_marks_who_is_enrolled_and_keeps_earlier_choices(session, world, actor, registered):
    programmes.enrol(session, actor, world.programme, registered[:1], ProgrammeMode.ONLINE)

    found, kept, total = programmes.search_registry(session, actor, world.programme, "kopi", keep=[registered[2]])

    assert total == 2
    assert {b.name: enrolled for b, enrolled in found} == {"Kedai Kopi Pak Man": True, "Kopi Tiam Ah Seng": False}
    assert [(b.name, enrolled) for b, enrolled in kept] == [("Kue Bangkit Mak Limah", False)]


def test_each_participant_says_what_blocks_its_next_milestone(session, world, actor, registered):
    programmes.enrol(session, actor, world.programme, registered, ProgrammeMode.ONLINE)

    board = programmes.dashboard(session, actor, world.programme, stuck_days=14)

    by_name = {e["name"]: e for e in board.participants}
    assert by_name["Kedai Kopi Pak Man"]["waiting_at"] == "first_material"
    assert by_name["Kedai Kopi Pak Man"]["blocked_by"] == "no_material"
    assert by_name["Kedai Kopi Pak Man"]["kecamatan"] == "Batam Kota"
    assert {e["blocked_by"] for e in board.participants} <= set(programmes.BLOCKERS)


def test_a_product_the_public_does_not_see_verified_is_not_approved(app, session, filled):
    actor = OPERATOR
    approve(session, filled.own["batches"])
    with app.test_request_context():
        [code] = verification.issue_codes(session, actor, [filled.own["batches"]], seal=seal, new_code=new_code)
    verified = programmes.dashboard(session, actor, filled.world.programme, stuck_days=14)
    session.execute(sa.update(PublicAnswer).values(state="pending"))  # what a certificate's suspension leaves
    session.commit()

    held = programmes.dashboard(session, actor, filled.world.programme, stuck_days=14)

    assert session.scalar(sa.select(sa.func.count()).select_from(PublicAnswer)) == 1
    assert verified.participants[0]["milestones"]["approved"] is not None
    assert {s["milestone"]: s["reached"] for s in verified.funnel}["approved"] == 1
    assert held.participants[0]["milestones"]["approved"] is None
    assert {s["milestone"]: s["reached"] for s in held.funnel}["approved"] == 0
    assert held.participants[0]["blocked_by"] == "public_not_verified"
    assert held.workload[0]["approved"] == 0
    assert code.code


def test_a_revoked_code_takes_the_approval_back(app, session, filled):
    approve(session, filled.own["batches"])
    with app.test_request_context():
        [code] = verification.issue_codes(session, OPERATOR, [filled.own["batches"]], seal=seal, new_code=new_code)
    verification.revoke_code(session, OPERATOR, code.code)

    board = programmes.dashboard(session, OPERATOR, filled.world.programme, stuck_days=14)

    assert board.participants[0]["milestones"]["approved"] is None


WORDS = {
    **{f"milestone.{k}": f"M-{k}" for k in programmes.MILESTONES},
    **{f"blocked.{k}": f"B-{k} {{count}}" for k in programmes.BLOCKERS},
    **{f"mode.{m.value}": f"mode-{m.value}" for m in ProgrammeMode},
    **{f"column.{k}": f"C-{k}" for k in programmes.PEOPLE_COLUMNS},
}


def test_one_table_feeds_csv_and_xlsx_with_the_pendamping_named(session, world, actor, registered):
    pendamping, _ = accounts.create_user(
        session, OPERATOR, email="siti@test.id", role=Role.PENDAMPING, name="Siti Aminah"
    )
    programmes.enrol(session, actor, world.programme, registered, ProgrammeMode.ONLINE, pendamping.id)
    board = programmes.dashboard(session, actor, world.programme, stuck_days=14)

    header, rows = programmes.participant_table(board, WORDS)
    text = tables.to_csv(header, rows)
    book = zipfile.ZipFile(io.BytesIO(tables.to_xlsx(header, rows, title="Peserta")))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()

    assert header[0] == "C-name"
    assert "M-approved" in header
    pendamping_column = header.index("C-pendamping")
    assert {r[0]: r[pendamping_column] for r in rows if r[0].startswith(("K", "Ked"))} == dict.fromkeys(
        ["Kedai Kopi Pak Man", "Kopi Tiam Ah Seng", "Kue Bangkit Mak Limah"], "Siti Aminah"
    )
    assert text.count("Siti Aminah") == 3
    assert "Siti Aminah" in sheet
    assert str(pendamping.id) not in [str(r[pendamping_column]) for r in rows]
    assert len(text.strip().splitlines()) == len(rows) + 1 == 5
    assert sheet.count("<row ") == 5
    assert "B-no_material" in text
    assert "B-no_material" in sheet


def test_xlsx_keeps_text_as_text_and_dates_as_dates():
    data = tables.to_xlsx(
        ["Nama", "Tanggal"], [['=HYPERLINK("x")', dt.date(2025, 8, 4)], ["A & B <c>", None]], title="x"
    )
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()

    assert "<f>" not in sheet
    assert "=HYPERLINK(&quot;x&quot;)" in sheet.replace('"', "&quot;")
    assert f"<v>{(dt.date(2025, 8, 4) - dt.date(1899, 12, 30)).days}</v>" in sheet
    assert "A &amp; B &lt;c&gt;" in sheet


def test_the_report_counts_per_milestone_kecamatan_and_month(session, world, actor, registered):
    programmes.enrol(session, actor, world.programme, registered, ProgrammeMode.IN_PERSON)

    report = programmes.report(session, actor, world.programme)

    assert report.participants == 4
    assert dict(report.funnel)["nib_valid"] == 4
    kecamatan = {name: total for name, total, _counts in report.by_kecamatan}
    assert kecamatan["Batam Kota"] == kecamatan["Lubuk Baja"] == kecamatan["Sekupang"] == 1
    this_month = dt.date.today().replace(day=1)
    assert [(m, joined) for m, joined, _c in report.by_month if m == this_month] == [(this_month, 4)]
