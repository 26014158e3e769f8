"""The EPCIS listings: ``GET /capture`` (a business's capture jobs, newest first) and the top-level collections
(``/eventTypes``, ``/epcs``, ``/bizSteps``, ``/bizLocations``, ``/readPoints``, ``/dispositions``), each paged with a
signed ``nextPageToken`` and ``Link: <...>; rel="next"``, walked to the end across two businesses."""

from __future__ import annotations

import copy
import json

import pytest

from tests.api.test_epcis_repository import DOCUMENTS, drain, example, submit
from traceability.service import epcis_repository

#: What business A's three official examples name, by collection.
OF_A = {
    "eventTypes": {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"},
    "bizSteps": {"shipping", "receiving", "commissioning"},
    "dispositions": {"in_transit", "in_progress"},
    "readPoints": {"urn:epc:id:sgln:0614141.07346.1234", "urn:epc:id:sgln:0012345.11111.400",
                   "urn:epc:id:sgln:0614141.00777.0", "urn:epc:id:sgln:4012345.00001.0"},
    "bizLocations": {"urn:epc:id:sgln:0012345.11111.0", "urn:epc:id:sgln:0614141.00888.0"},
    "epcs": {"urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018",
             "urn:epc:id:sscc:0614141.1234567890", "urn:epc:id:sgtin:4012345.011122.25",
             "urn:epc:id:sgtin:4000001.065432.99886655", "urn:epc:id:sgtin:4012345.077889.25",
             "urn:epc:id:sgtin:4012345.077889.26", "urn:epc:id:sgtin:4012345.077889.27",
             "urn:epc:id:sgtin:4012345.077889.28"},
}  # fmt: skip
#: What business B's own event names (none of it is A's).
OF_B = {
    "bizSteps": {"https://b.example/steps/secret"},
    "dispositions": {"https://b.example/disp/secret"},
    "readPoints": {"urn:epc:id:sgln:9999999.00001.0"},
    "bizLocations": {"urn:epc:id:sgln:9999999.00002.0"},
    "epcs": {"urn:epc:id:sgtin:9999999.000001.1"},
}


def _document_of_b() -> dict:
    document = copy.deepcopy(example(DOCUMENTS[0]))
    event = document["epcisBody"]["eventList"][0]
    event.update(
        eventID="urn:uuid:0b0b0b0b-1111-4111-8111-0b0b0b0b0b0b",
        bizStep="https://b.example/steps/secret",
        disposition="https://b.example/disp/secret",
        readPoint={"id": "urn:epc:id:sgln:9999999.00001.0"},
        bizLocation={"id": "urn:epc:id:sgln:9999999.00002.0"},
        epcList=["urn:epc:id:sgtin:9999999.000001.1"],
    )
    document["epcisBody"]["eventList"] = [event]
    return document


@pytest.fixture
def two(fresh_queue, client, world):
    """A's three examples and B's one event, captured by jobs the queue has run; the jobs' locations by business."""
    jobs = {"a": [submit(client, world, example(name)) for name in DOCUMENTS]}
    jobs["b"] = [submit(client, world, _document_of_b(), who="producer_b")]
    drain(fresh_queue)
    world.jobs = jobs
    return world


def _next(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    url, rel = link.split(";", 1)
    assert rel.strip() == 'rel="next"'
    return url.strip().removeprefix("<").removesuffix(">").removeprefix("http://localhost")


def walk(client, auth, url) -> tuple[list, int]:
    """Every member (or job) on every page from `url` on, following Link; and how many pages there were."""
    members: list = []
    pages = 0
    while url:
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        members += body if isinstance(body, list) else body["member"]
        pages += 1
        url = _next(response)
        if url:
            assert response.headers["GS1-Next-Page-Token-Expires"].endswith("Z")
    return members, pages


def test_capture_lists_the_business_s_own_jobs_newest_first_page_by_page(two, client):
    for who, mine in (("producer_a", two.jobs["a"]), ("producer_b", two.jobs["b"])):
        jobs, pages = walk(client, two.auth(who), "/api/v1/epcis/capture?perPage=2")
        ids = [job["captureID"] for job in jobs]

        assert ids == [location.rsplit("/", 1)[1] for location in reversed(mine)]  # newest first, nothing else
        assert pages == (len(mine) + 1) // 2
        assert all(job["running"] is False and job["success"] is True for job in jobs)
    assert [job["eventCount"] for job in walk(client, two.auth("producer_a"), "/api/v1/epcis/capture")[0]] == [1, 1, 2]


def test_an_auditor_lists_every_business_s_jobs_and_a_coordinator_none(two, client):
    jobs, _ = walk(client, two.auth("auditor"), "/api/v1/epcis/capture?perPage=1")

    assert len(jobs) == len({job["captureID"] for job in jobs}) == 4
    assert client.get("/api/v1/epcis/capture", headers=two.auth("coordinator")).status_code == 403
    assert client.get("/api/v1/epcis/capture", headers=two.auth("anonymous")).status_code == 401


@pytest.mark.parametrize("name", list(OF_A))
@pytest.mark.parametrize("per_page", [1, 2, 1000])
def test_each_collection_lists_the_values_of_the_reader_s_events_without_gaps_or_repeats(two, client, name, per_page):
    for who, want in (("producer_a", OF_A[name]), ("producer_b", OF_B.get(name))):
        whole = client.get(f"/api/v1/epcis/{name}?perPage=1000", headers=two.auth(who)).get_json()
        members, pages = walk(client, two.auth(who), f"/api/v1/epcis/{name}?perPage={per_page}")

        assert whole["type"] == "Collection"
        assert whole["@context"] == epcis_repository.CONTEXT
        assert members == whole["member"]  # the same order, page by page: no gap, no repeat
        if want is not None:
            assert set(members) == want
        else:  # eventTypes: the five standard ones for everybody
            assert set(members) == OF_A["eventTypes"]
        assert pages == max(1, -(-len(members) // per_page))


@pytest.mark.parametrize("name", [n for n in OF_A if n != "eventTypes"])
def test_no_collection_shows_another_business_s_values(two, client, name):
    of_a = set(client.get(f"/api/v1/epcis/{name}?perPage=1000", headers=two.auth("producer_a")).json["member"])
    of_b = set(client.get(f"/api/v1/epcis/{name}?perPage=1000", headers=two.auth("producer_b")).json["member"])
    every = set(client.get(f"/api/v1/epcis/{name}?perPage=1000", headers=two.auth("auditor")).json["member"])

    assert not of_a & OF_B[name]
    assert not of_b & OF_A[name]
    assert every == OF_A[name] | OF_B[name]


def _token(response) -> str:
    url = _next(response)
    assert url is not None
    return url.split("nextPageToken=")[1]


def test_a_tampered_or_carried_listing_token_is_refused(two, client):
    auth = two.auth("producer_a")
    token = _token(client.get("/api/v1/epcis/bizSteps?perPage=1", headers=auth))
    head, mac = token.split(".")
    state = json.loads(epcis_repository._unb64(head))
    state["k"] = ""  # start again from the beginning: another page than the signed one
    forged = epcis_repository._b64(json.dumps(state).encode()) + "." + mac
    job_token = _token(client.get("/api/v1/epcis/capture?perPage=1", headers=auth))
    events_token = _token(client.get("/api/v1/epcis/events?perPage=1", headers=auth))

    assert client.get(f"/api/v1/epcis/bizSteps?nextPageToken={token}", headers=auth).status_code == 200
    refused = [
        ("producer_a", f"bizSteps?nextPageToken={forged}"),
        ("producer_b", f"bizSteps?nextPageToken={token}"),  # someone else's
        ("producer_a", f"dispositions?nextPageToken={token}"),  # another listing's
        ("producer_a", f"bizSteps?nextPageToken={job_token}"),
        ("producer_a", f"events?nextPageToken={job_token}"),
        ("producer_a", f"capture?nextPageToken={events_token}"),
        ("producer_a", "epcs?nextPageToken=garbage"),
        ("producer_a", "readPoints?perPage=0"),
        ("producer_a", "capture?perPage=100000"),
    ]
    for who, path in refused:
        response = client.get(f"/api/v1/epcis/{path}", headers=two.auth(who))
        assert response.status_code == 422, path
        assert response.mimetype == "application/problem+json"


def test_the_read_point_and_disposition_paths_list_their_events(two, client):
    auth = two.auth("producer_a")
    by_read_point = client.get("/api/v1/epcis/readPoints/urn:epc:id:sgln:0614141.00777.0/events", headers=auth).json
    by_disposition = client.get("/api/v1/epcis/dispositions/in_transit/events", headers=auth).json
    of_b = client.get("/api/v1/epcis/readPoints/urn:epc:id:sgln:9999999.00001.0/events", headers=auth).json

    def types(body):
        return [e["type"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]

    assert types(by_read_point) == ["AggregationEvent"]
    assert types(by_disposition) == ["ObjectEvent"]
    assert types(of_b) == []  # B's read point: none of A's events
