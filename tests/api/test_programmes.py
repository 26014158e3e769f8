"""Programmes: milestones derived from the records, the coordinator's dashboard (JSON, CSV, page), listings."""

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from models import JournalEntry, ProductListing, ProgrammeParticipant
from tests.helpers import PASSWORD, approve
from traceability.service.programmes import MILESTONES

TOKOPEDIA = "https://www.tokopedia.com/rendangbundo/rendang-daging-250g"


def board(client, world, **args):
    response = client.get(
        f"/api/v1/programmes/{world.programme}/dashboard", query_string=args, headers=world.auth("coordinator")
    )
    assert response.status_code == 200, response.json
    return response.json


def funnel(client, world, **args):
    return {step["milestone"]: step["reached"] for step in board(client, world, **args)["funnel"]}


def test_the_funnel_moves_when_a_producer_logs_a_material(client, world):
    before = funnel(client, world)
    created = client.post(
        "/api/v1/materials",
        headers=world.auth("producer_a"),
        json={"name": "Gula pasir", "kind": "ingredient", "category": "sugar", "origin": "plant"},
    )
    after = board(client, world)

    assert created.status_code == 201
    assert list(before) == list(MILESTONES)
    assert (before["nib_valid"], before["first_material"]) == (1, 0)
    assert {step["milestone"]: step["reached"] for step in after["funnel"]}["first_material"] == 1
    assert after["participants"][0]["milestones"]["first_material"] == dt.date.today().isoformat()
    assert after["participants"][0]["waiting_at"] == "all_evidenced"


def test_the_funnel_moves_when_an_auditor_approves(client, filled, session):
    before = funnel(client, filled.world)
    approve(session, filled.own["batches"])
    after = funnel(client, filled.world)

    assert before["first_material"] == before["self_declare_known"] == 1
    assert (before["submitted"], before["approved"]) == (0, 0)
    assert (after["submitted"], after["approved"]) == (1, 1)
    assert after["code_issued"] == after["listing_linked"] == 0


def test_a_needs_evidence_finding_holds_back_all_materials_evidenced(client, filled, session):
    from models import Assessment

    evidenced = funnel(client, filled.world)["all_evidenced"]
    gap = {
        "rule": "ING-02",
        "severity": "needs_evidence",
        "subject": "material:1",
        "message": {"id": "-", "en": "-"},
        "basis": "-",
        "path": ["batch:1", "material:1"],
    }
    session.execute(sa.update(Assessment).where(Assessment.batch_id == filled.own["batches"]).values(findings=[gap]))
    session.commit()
    held_back = funnel(client, filled.world)["all_evidenced"]

    assert (evidenced, held_back) == (1, 0)


def test_a_listing_counts_once_its_page_asks_for_the_badge(jobs_at_once, client, filled, session):
    code = client.post(
        f"/api/v1/batches/{filled.own['batches']}/codes", json={}, headers=filled.auth("producer_a")
    ).json[0]["code"]
    listed = client.post(
        f"/api/v1/products/{filled.product_a}/listings", json={"url": TOKOPEDIA}, headers=filled.auth("producer_a")
    )
    plain = client.get(f"/api/v1/verify/{code}")
    elsewhere = client.get(f"/api/v1/verify/{code}", headers={"Origin": "https://shopee.co.id"})
    own_page = client.get(f"/badge/{code}.svg", headers={"Referer": f"https://trace.test/v/{code}"})
    linked_before = funnel(client, filled.world)["listing_linked"]
    from_listing = client.get(f"/badge/{code}.svg", headers={"Referer": TOKOPEDIA + "?ref=search"})
    first = session.scalar(sa.select(ProductListing.first_requested_at))
    again = client.get(f"/api/v1/verify/{code}", headers={"Origin": "https://tokopedia.com"})
    session.expire_all()

    assert listed.status_code == 201
    assert listed.json["host"] == "tokopedia.com"
    assert listed.json["first_requested_at"] is None
    assert {r.status_code for r in (plain, elsewhere, own_page, from_listing, again)} == {200}
    assert linked_before == 0
    assert first is not None
    assert session.scalar(sa.select(ProductListing.first_requested_at)) == first  # kept once
    assert funnel(client, filled.world)["code_issued"] == funnel(client, filled.world)["listing_linked"] == 1
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(JournalEntry).where(JournalEntry.action == "listing_requested")
        )
        == 1
    )


def test_a_request_from_an_unregistered_page_stamps_no_listing(jobs_at_once, client, filled, session):
    """The attacker's requests: a page of one's own registered as a listing, a marketplace page that is not the
    listing, another business's code from the listing's marketplace. None of them stamps listing_linked."""
    code = client.post(
        f"/api/v1/batches/{filled.own['batches']}/codes", json={}, headers=filled.auth("producer_a")
    ).json[0]["code"]
    own_site = client.post(
        f"/api/v1/products/{filled.product_a}/listings",
        json={"url": "https://rendang-bundo.example/produk"},
        headers=filled.auth("producer_a"),
    )
    b_listed = client.post(
        f"/api/v1/products/{filled.product_b}/listings",
        json={"url": "https://shopee.co.id/otak-otak-ikan"},
        headers=filled.auth("producer_b"),
    )
    a_listed = client.post(
        f"/api/v1/products/{filled.product_a}/listings", json={"url": TOKOPEDIA}, headers=filled.auth("producer_a")
    )
    probes = [
        {"Origin": "https://rendang-bundo.example"},
        {"Referer": "https://rendang-bundo.example/produk"},
        {"Origin": "https://tokopedia.com.evil.example"},
        {"Referer": "https://www.tokopedia.com/tokolain/rendang-palsu"},  # a marketplace page, not the listing
        {"Origin": "https://shopee.co.id"},  # business B's listing, business A's code
    ]
    answers = [client.get(f"/api/v1/verify/{code}", headers=h).status_code for h in probes]

    assert own_site.status_code == 422
    assert "url" in own_site.json["errors"]
    assert (b_listed.status_code, a_listed.status_code) == (201, 201)
    assert answers == [200] * len(probes)
    assert session.scalar(sa.select(sa.func.count()).select_from(ProductListing)) == 2
    assert session.scalars(sa.select(ProductListing.first_requested_at)).all() == [None, None]
    assert funnel(client, filled.world)["listing_linked"] == 0
    from_listing = client.get(f"/api/v1/verify/{code}", headers={"Referer": "https://m.tokopedia.com/"})
    assert from_listing.status_code == 200
    assert funnel(client, filled.world)["listing_linked"] == 1  # the marketplace's origin alone: the listing's site


@pytest.mark.parametrize("url", ["tokopedia.com/x", "ftp://tokopedia.com/x", "https://"])
def test_a_listing_needs_an_http_address(client, filled, url):
    response = client.post(
        f"/api/v1/products/{filled.product_a}/listings", json={"url": url}, headers=filled.auth("producer_a")
    )

    assert response.status_code == 422
    assert "url" in response.json["errors"]


def test_stuck_businesses_and_pendamping_workload(client, world):
    later = (dt.date.today() + dt.timedelta(days=20)).isoformat()

    relaxed = board(client, world, as_of=later, stuck_days=30)
    strict = board(client, world, as_of=later, stuck_days=7)

    assert relaxed["stuck"] == []
    assert [(s["business"], s["waiting_at"], s["days"]) for s in strict["stuck"]] == [
        (world.business_a, "first_material", 20)
    ]
    assert strict["workload"] == [
        {
            "pendamping": world.users["pendamping_a"],
            "name": "pendamping_a@test.id",
            "businesses": 1,
            "in_person": 1,
            "online": 0,
            "stuck": 1,
            "approved": 0,
        }
    ]


def test_a_coordinator_proposes_the_pendamping_and_the_business_consents(client, world, session):
    enrolled = client.post(
        f"/api/v1/programmes/{world.programme}/participants",
        headers=world.auth("coordinator"),
        json={"business": world.business_b, "mode": "online", "pendamping": world.users["pendamping_other"]},
    )
    again = client.post(
        f"/api/v1/programmes/{world.programme}/participants",
        headers=world.auth("coordinator"),
        json={"business": world.business_b, "mode": "online"},
    )
    before_consent = client.get(f"/api/v1/businesses/{world.business_b}", headers=world.auth("pendamping_other"))
    consent = client.post(
        f"/api/v1/businesses/{world.business_b}/pendamping",
        headers=world.auth("producer_b"),
        json={"pendamping": world.users["pendamping_other"]},
    )
    after_consent = client.get(f"/api/v1/businesses/{world.business_b}", headers=world.auth("pendamping_other"))

    assert enrolled.status_code == 201
    assert again.status_code == 409
    assert before_consent.status_code == 404
    assert consent.status_code in (200, 201)
    assert after_consent.status_code == 200
    assert session.scalar(
        sa.select(JournalEntry.payload).where(JournalEntry.action == "assign").order_by(JournalEntry.seq.desc())
    ) == {"business": world.business_b, "consent": True}
    workload = {w["pendamping"]: w for w in board(client, world)["workload"]}
    assert workload[world.users["pendamping_other"]]["online"] == 1
    assert board(client, world)["programme"]["participants"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"business": 999, "mode": "online"}, "business"),
        ({"business": 2, "mode": "hybrid"}, "mode"),
        ({"business": 2, "mode": "online", "pendamping": 1}, "pendamping"),
    ],
)
def test_bad_participants_are_refused_by_field(client, world, session, body, field):
    response = client.post(
        f"/api/v1/programmes/{world.programme}/participants", json=body, headers=world.auth("coordinator")
    )

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(ProgrammeParticipant)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "organiser": "PLUT", "starts_on": "2025-08-04", "ends_on": "2025-08-01"}, "ends_on"),
        ({"name": "X", "organiser": "PLUT", "starts_on": "2025-08-04", "coordinator": 1}, "coordinator"),  # a producer
        ({"name": "", "organiser": "PLUT", "starts_on": "2025-08-04"}, "name"),
    ],
)
def test_bad_programmes_are_refused_by_field(client, world, body, field):
    body = {"coordinator": world.users["coordinator"], **body}
    response = client.post("/api/v1/programmes", json=body, headers=world.auth("admin"))

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_the_dashboard_csv_has_a_row_per_participant_with_milestone_dates(client, filled):
    response = client.get(
        f"/api/v1/programmes/{filled.world.programme}/dashboard.csv", headers=filled.auth("coordinator")
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    assert response.mimetype == "text/csv"
    assert [r["nib"] for r in rows] == ["1208230044517"]
    assert rows[0]["first_material"] == dt.date.today().isoformat()
    assert rows[0]["approved"] == ""


def _sign_in(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_the_dashboard_page_draws_the_funnel_in_indonesian_and_english(client, filled):
    _sign_in(client, "coordinator@test.id")

    indonesian = client.get("/coordinator").get_data(as_text=True)
    english = client.get(f"/coordinator?programme={filled.world.programme}&lang=en&stuck_days=0").get_data(as_text=True)

    assert "Corong capaian" in indonesian
    assert "Milestone funnel" in english
    assert len(re.findall(r"<rect [^>]*data-milestone=", indonesian)) == len(MILESTONES)
    assert "<script" not in indonesian
    assert "http://" not in indonesian.replace("http://www.w3.org/2000/svg", "")
    assert "Submitted for review" in english
    assert "pendamping_a@test.id" in english
    assert 'href="/coordinator/programmes/1/participants.xlsx"' in english


def test_the_dashboard_page_needs_a_login_and_shows_others_no_programme(client, world):
    anonymous = client.get("/coordinator")
    _sign_in(client, "producer_a@test.id")
    producer = client.get("/coordinator").get_data(as_text=True)

    assert anonymous.status_code in (302, 401)
    assert "Belum ada program" in producer
    assert "<svg" not in producer
