"""The coordinator's pages through the test client: opening a programme with readable errors and no partial
write, enrolling registry businesses many at once, participants named with their pendamping, the exports and
the ministry's report."""

from __future__ import annotations

import csv
import io
import zipfile

import pypdfium2
import pytest
import sqlalchemy as sa

from models import Business, Programme, ProgrammeParticipant
from tests.helpers import OPERATOR, csrf_of
from traceability.service import accounts, registry
from traceability.vocabulary import Role

REGISTRY = (
    "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"
    "2103250009911,Kedai Kopi Pak Man,Sulaiman,Jl. Raja Isa,Belian,Batam Kota,Batam,,micro,56303\n"
    "2103250009928,Kopi Tiam Ah Seng,Ah Seng,Jl. Nagoya,Lubuk Baja Kota,Lubuk Baja,Batam,,micro,56303\n"
    "2103250009935,Kue Bangkit Mak Limah,Halimah,Jl. Sekupang,Tanjung Riau,Sekupang,Batam,,micro,10710\n"
)
HTML = {"Accept": "text/html", "Accept-Language": "id"}


@pytest.fixture
def coordinator(client, world, sign_in):
    return sign_in("coordinator")


@pytest.fixture
def registered(session, world):
    registry.import_registry(session, OPERATOR, REGISTRY)
    return dict(session.execute(sa.select(Business.name, Business.id).where(Business.nib.like("21032500099%"))).all())


def _token(browser, path="/coordinator/programmes/new"):
    return csrf_of(browser.get(path).get_data(as_text=True))


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"name": "", "organiser": "PLUT Batam", "starts_on": "2025-08-04"}, "name", "Wajib diisi."),
        ({"name": "Kelas", "organiser": "PLUT Batam", "starts_on": "4/8/2025"}, "starts_on", "Bukan tanggal yang sah"),
        (
            {"name": "Kelas", "organiser": "PLUT Batam", "starts_on": "2025-08-04", "ends_on": "2025-08-01"},
            "ends_on",
            "Sebelum tanggal mulai.",
        ),
        ({"name": "K" * 201, "organiser": "PLUT Batam", "starts_on": "2025-08-04"}, "name", "Paling banyak 200"),
    ],
)
def test_a_bad_programme_form_says_what_is_wrong_in_indonesian_and_stores_nothing(
    coordinator, session, form, field, words
):
    before = session.scalar(sa.select(sa.func.count()).select_from(Programme))

    response = coordinator.post(
        "/coordinator/programmes/new", data={"csrf_token": _token(coordinator), **form}, headers=HTML
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Belum ada yang tersimpan" in html
    assert f'id="{field}-error"' in html
    assert words in html
    assert f'value="{form["organiser"]}"' in html  # what was typed stays
    assert session.scalar(sa.select(sa.func.count()).select_from(Programme)) == before


def test_a_coordinator_opens_a_programme_and_enrols_three_registry_businesses(coordinator, session, world, registered):
    pendamping, _ = accounts.create_user(
        session, OPERATOR, email="siti@test.id", role=Role.PENDAMPING, name="Siti Aminah"
    )
    token = _token(coordinator)
    opened = coordinator.post(
        "/coordinator/programmes/new",
        data={
            "csrf_token": token,
            "name": "Kelas Halal Batam 2025",
            "organiser": "PLUT Batam",
            "starts_on": "2025-08-04",
        },
    )
    enrol = opened.headers["Location"]
    programme = session.scalar(sa.select(Programme).where(Programme.name == "Kelas Halal Batam 2025"))

    search = coordinator.get(f"{enrol}?q=kopi", headers=HTML).get_data(as_text=True)
    # Ticked on one search, kept while searching again.
    again = coordinator.post(
        enrol,
        data={"csrf_token": token, "action": "search", "q": "bangkit", "business": [registered["Kedai Kopi Pak Man"]]},
    ).get_data(as_text=True)
    done = coordinator.post(
        enrol,
        data={
            "csrf_token": token,
            "action": "enrol",
            "business": list(registered.values()),
            "mode": "online",
            "pendamping": pendamping.id,
        },
    )
    board = coordinator.get(done.headers["Location"], headers=HTML).get_data(as_text=True)

    assert opened.status_code == done.status_code == 302
    assert programme.coordinator_id == world.users["coordinator"]
    assert "Kedai Kopi Pak Man" in search
    assert "Kopi Tiam Ah Seng" in search
    assert "Kue Bangkit" not in search
    assert "Sudah dipilih" in again
    assert "Kue Bangkit Mak Limah" in again
    assert "3 usaha didaftarkan." in board
    for name in registered:
        assert f"<h4>{name}</h4>" in board
    assert board.count("Siti Aminah") >= 3
    assert "Belum ada bahan yang dicatat." in board
    assert session.scalar(sa.select(sa.func.count()).where(ProgrammeParticipant.programme_id == programme.id)) == 3


def test_enrolling_nobody_or_someone_already_in_says_so_and_stores_nothing(coordinator, session, world, registered):
    token = _token(coordinator)
    path = f"/coordinator/programmes/{world.programme}/enrol"
    before = session.scalar(sa.select(sa.func.count()).select_from(ProgrammeParticipant))

    nobody = coordinator.post(path, data={"csrf_token": token, "action": "enrol", "mode": "online"}, headers=HTML)
    twice = coordinator.post(
        path,
        data={"csrf_token": token, "action": "enrol", "business": [registered["Kopi Tiam Ah Seng"], world.business_a]},
        headers=HTML,
    )

    assert nobody.status_code == twice.status_code == 422
    assert "Pilih paling sedikit satu usaha." in nobody.get_data(as_text=True)
    assert "Sudah ikut program ini." in twice.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ProgrammeParticipant)) == before


def test_the_dashboard_has_one_language_switch_that_keeps_the_programme(coordinator, world):
    html = coordinator.get(f"/coordinator?programme={world.programme}", headers=HTML).get_data(as_text=True)

    assert html.count('hreflang="en"') == 1
    assert f'href="?programme={world.programme}&amp;lang=en"' in html


def test_another_coordinator_gets_a_not_found_page_for_a_programme_they_do_not_run(client, session, world):
    accounts.create_user(session, OPERATOR, email="lain@test.id", role=Role.COORDINATOR, password="x" * 12)
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "lain@test.id", "password": "x" * 12, "csrf_token": csrf_of(page)})

    answers = [
        client.get(f"/coordinator/programmes/{world.programme}/{tail}", headers=HTML)
        for tail in ("enrol", "participants.csv", "participants.xlsx", "report.pdf")
    ]
    dashboard = client.get(f"/coordinator?programme={world.programme}", headers=HTML).get_data(as_text=True)

    assert [a.status_code for a in answers] == [404] * 4
    assert {a.mimetype for a in answers} == {"text/html"}
    assert "Pendampingan Halal PLUT Batam" not in dashboard


def test_the_exports_name_the_pendamping_in_the_pages_language(coordinator, filled):
    programme = filled.world.programme
    csv_text = coordinator.get(f"/coordinator/programmes/{programme}/participants.csv?lang=id").get_data(as_text=True)
    xlsx = coordinator.get(f"/coordinator/programmes/{programme}/participants.xlsx")
    english = coordinator.get(f"/coordinator/programmes/{programme}/participants.csv?lang=en").get_data(as_text=True)

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    sheet = zipfile.ZipFile(io.BytesIO(xlsx.data)).read("xl/worksheets/sheet1.xml").decode()
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert [r["Usaha"] for r in rows] == ["Rendang Bundo Nurlela"]
    assert rows[0]["Pendamping"] == "pendamping_a@test.id"  # no name given: the email, never the id
    assert rows[0]["Cara ikut"] == "Tatap muka"
    assert "Rendang Bundo Nurlela" in sheet
    assert "pendamping_a@test.id" in sheet
    assert english.splitlines()[0].startswith("Business,NIB,Kecamatan")


def test_the_report_pdf_counts_participants_for_the_ministry(coordinator, filled):
    response = coordinator.get(f"/coordinator/programmes/{filled.world.programme}/report.pdf")

    document = pypdfium2.PdfDocument(response.data)
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert response.mimetype == "application/pdf"
    assert "Laporan Program Pendampingan Sertifikasi Halal" in text
    assert "Pendampingan Halal PLUT Batam" in text
    assert "Jumlah peserta: 1 usaha" in text
    assert "B. Peserta per kecamatan" in text
    assert "C. Capaian per bulan" in text
    assert "Rendang Bundo Nurlela" in text


def test_an_admin_opens_a_programme_for_a_coordinator_chosen_by_name(client, session, world, sign_in):
    admin = sign_in("admin")
    form = admin.get("/coordinator/programmes/new", headers=HTML).get_data(as_text=True)

    response = admin.post(
        "/coordinator/programmes/new",
        data={
            "csrf_token": csrf_of(form),
            "name": "Kelas Daring Batam",
            "organiser": "Dinas Koperasi",
            "starts_on": "2025-09-01",
            "coordinator": world.users["coordinator"],
        },
    )

    assert f'<option value="{world.users["coordinator"]}"' in form
    assert response.status_code == 302
    programme = session.scalar(sa.select(Programme).where(Programme.name == "Kelas Daring Batam"))
    assert programme.coordinator_id == world.users["coordinator"]
