"""A coordinator runs programmes and the registry, nothing of a business's own: their registry import cannot
rewrite the profile of a business its producer has claimed, and their enrolment cannot give a pendamping the
business's records without the business's consent."""

from __future__ import annotations

import sqlalchemy as sa

from models import Business, JournalEntry

HEADER = "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"


def test_a_registry_import_leaves_a_claimed_business_alone(client, filled, session):
    claimed = session.get(Business, filled.world.business_a)
    before = (claimed.name, claimed.scale, claimed.version)
    body = HEADER + f"{claimed.nib},Rendang Tiruan,Orang Lain,,,,,,large,\n2103250000001,Kedai Baru,,,,,,,micro,\n"

    response = client.post(
        "/api/v1/registry", data=body.encode(), content_type="text/csv", headers=filled.auth("coordinator")
    )

    assert response.status_code == 200, response.json
    assert response.json["claimed"] == [claimed.nib]
    assert (response.json["imported"], response.json["updated"]) == (1, 0)
    session.expire_all()
    assert (claimed.name, claimed.scale, claimed.version) == before


def test_an_unclaimed_business_takes_the_registry_update(client, world, session):
    first = HEADER + "2103250000001,Kedai Baru,,,,,,,micro,\n"
    client.post("/api/v1/registry", data=first.encode(), content_type="text/csv", headers=world.auth("coordinator"))
    again = first.replace("Kedai Baru", "Kedai Baru Sekali")

    response = client.post(
        "/api/v1/registry", data=again.encode(), content_type="text/csv", headers=world.auth("coordinator")
    )

    assert (response.json["updated"], response.json["claimed"]) == (1, [])
    assert session.scalar(sa.select(Business.name).where(Business.nib == "2103250000001")) == "Kedai Baru Sekali"


def test_enrolling_a_business_with_a_pendamping_gives_them_nothing_without_consent(client, filled, session):
    programme = filled.world.programme
    enrolled = client.post(
        f"/api/v1/programmes/{programme}/participants",
        headers=filled.auth("coordinator"),
        json={
            "business": filled.world.business_b,
            "mode": "online",
            "pendamping": filled.world.users["pendamping_other"],
        },
    )
    assert enrolled.status_code == 201

    for path in (f"/api/v1/businesses/{filled.world.business_b}", f"/api/v1/lots/{filled.foreign['lots']}"):
        assert client.get(path, headers=filled.auth("pendamping_other")).status_code == 404, path
    entry = session.scalar(
        sa.select(JournalEntry.payload).where(JournalEntry.action == "enrol").order_by(JournalEntry.seq.desc())
    )
    assert entry["awaiting_consent"] is True

    # Nor may the coordinator, or another business, bring the pendamping in directly.
    for who in ("coordinator", "producer_a"):
        assert client.post(
            f"/api/v1/businesses/{filled.world.business_b}/pendamping",
            headers=filled.auth(who),
            json={"pendamping": filled.world.users["pendamping_other"]},
        ).status_code in (403, 404), who
    assert (
        client.get(f"/api/v1/lots/{filled.foreign['lots']}", headers=filled.auth("pendamping_other")).status_code == 404
    )
