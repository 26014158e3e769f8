"""The EPCIS 2.0 repository over HTTP: the official examples captured by capture jobs on the real queue, read back
by every query parameter family, by named queries and by the per-field paths, a page at a time; bad parameters and
tokens refused as problem+json; OPTIONS discovery."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from api import jobs
from models import EpcisEvent
from tests.helpers import counting
from traceability.formats.epcis_schema import schema_errors
from traceability.service import epcis_repository
from traceability.service.access import actor_for

EXAMPLES = Path(__file__).parent.parent / "data" / "epcis" / "examples"
DOCUMENTS = ("Example_9.6.1-ObjectEvent.jsonld", "Example_9.6.3-AggregationEvent.jsonld",
             "Example_9.6.4-TransformationEvent.jsonld")  # fmt: skip
SHIPPED = "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0"
RECEIVED = "ni:///sha-256;00e1e6eba3a7cc6125be4793a631f0af50f8322e0ab5f2c0bab994a11cec1d79?ver=CBV2.0"
PACKED = "ni:///sha-256;87b5f18a69993f0052046d4687dfacdf48f7c988cfabda2819688c86b4066a49?ver=CBV2.0"
MADE = "ni:///sha-256;e65c3a997e77f34b58306da7a82ab0fc91c7820013287700f0b50345e5795b97?ver=CBV2.0"
BY_TIME = [SHIPPED, RECEIVED, PACKED, MADE]  # their eventTimes, earliest first
JOB = {"GS1-Capture-Error-Behaviour": "rollback"}


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def drain(app) -> int:
    huey = jobs.queue(app)
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def submit(client, world, document, who="producer_a", **headers):
    response = client.post("/api/v1/epcis/capture", json=document, headers={**world.auth(who), **JOB, **headers})
    assert response.status_code == 202, response.get_json()
    return response.headers["Location"]


@pytest.fixture
def captured(fresh_queue, client, world):
    """The three official examples captured into business A by capture jobs; the queue has run them."""
    locations = [submit(client, world, example(name)) for name in DOCUMENTS]
    assert drain(fresh_queue) >= 1
    for location in locations:
        job = client.get(location, headers=world.auth("producer_a")).json
        assert (job["running"], job["success"], job["errors"]) == (False, True, []), job
    return world


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["type"] == "EPCISQueryDocument"
    return [event["eventID"] for event in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def test_a_capture_job_answers_202_with_its_location_and_reads_back_as_it_runs(fresh_queue, client, world):
    location = submit(client, world, example(DOCUMENTS[0]))
    assert location.startswith("/api/v1/epcis/capture/")

    waiting = client.get(location, headers=world.auth("producer_a"))
    assert waiting.status_code == 200
    assert (waiting.json["running"], waiting.json["success"], waiting.json["captureErrorBehaviour"]) == (
        True, True, "rollback")  # fmt: skip
    assert ids(client.get("/api/v1/epcis/events", headers=world.auth("producer_a"))) == []  # not inside the request

    drain(fresh_queue)
    done = client.get(location, headers=world.auth("producer_a")).json
    assert (done["running"], done["success"], done["eventCount"], done["capturedCount"]) == (False, True, 2, 2)
    assert done["finishedAt"]
    assert client.get(location, headers=world.auth("producer_b")).status_code == 404  # another business's job


def _half_bad():
    document = example(DOCUMENTS[0])
    document["epcisBody"]["eventList"][1]["action"] = "ADDED"  # not an EPCIS action
    return document


@pytest.mark.parametrize(("behaviour", "stored"), [("rollback", []), ("proceed", [SHIPPED])])
def test_the_error_behaviour_rolls_back_or_keeps_the_valid_events(fresh_queue, client, world, behaviour, stored):
    location = submit(client, world, _half_bad(), **{"GS1-Capture-Error-Behaviour": behaviour})
    drain(fresh_queue)

    job = client.get(location, headers=world.auth("producer_a")).json
    assert (job["running"], job["success"], job["capturedCount"]) == (False, False, len(stored))
    assert {e["pointer"] for e in job["errors"]} == {"/epcisBody/eventList/1"}
    assert "action" in job["errors"][0]["message"]
    assert ids(client.get("/api/v1/epcis/events", headers=world.auth("producer_a"))) == stored


def test_an_event_captured_twice_is_refused_the_second_time(captured, fresh_queue, client):
    location = submit(client, captured, example(DOCUMENTS[1]))
    drain(fresh_queue)

    job = client.get(location, headers=captured.auth("producer_a")).json
    assert job["success"] is False
    assert job["capturedCount"] == 0
    assert "already captured" in job["errors"][0]["message"]


def test_capture_headers_and_bodies_the_standard_refuses_are_problems(fresh_queue, client, world):
    wrong = client.post(
        "/api/v1/epcis/capture",
        json=example(DOCUMENTS[0]),
        headers={**world.auth("producer_a"), "GS1-Capture-Error-Behaviour": "ignore"},
    )
    auth = {**world.auth("producer_a"), **JOB}
    not_epcis = client.post("/api/v1/epcis/capture", json={"type": "Other"}, headers=auth)

    for response in (wrong, not_epcis):
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"


FAMILIES = {
    "everything": ({}, BY_TIME),
    "GE_eventTime": ({"GE_eventTime": "2013-01-01T00:00:00Z"}, [PACKED, MADE]),
    "LT_eventTime (with an offset)": ({"LT_eventTime": "2005-04-03T21:00:00-06:00"}, [SHIPPED]),
    "GE_recordTime": ({"GE_recordTime": "2020-01-01T00:00:00+07:00"}, BY_TIME),
    "LT_recordTime": ({"LT_recordTime": "2020-01-01T00:00:00+07:00"}, []),
    "EQ_bizStep": ({"EQ_bizStep": ["receiving"]}, [RECEIVED, PACKED]),
    "EQ_bizStep as a URN": ({"EQ_bizStep": ["urn:epcglobal:cbv:bizstep:shipping"]}, [SHIPPED]),
    "EQ_bizLocation": ({"EQ_bizLocation": ["urn:epc:id:sgln:0614141.00888.0"]}, [PACKED]),
    "MATCH_epc (epcList and childEPCs)": (
        {"MATCH_epc": ["urn:epc:id:sgtin:0614141.107346.2018"]}, [SHIPPED, RECEIVED, PACKED]),
    "MATCH_epc as a Digital Link": ({"MATCH_epc": ["https://id.gs1.org/01/10614141073464/21/2017"]}, [SHIPPED, PACKED]),
    "MATCH_epc with a pattern": ({"MATCH_epc": ["urn:epc:idpat:sgtin:0614141.107346.*"]}, [SHIPPED, RECEIVED, PACKED]),
    "MATCH_epc leaves out inputs": ({"MATCH_epc": ["urn:epc:id:sgtin:4012345.011122.25"]}, []),
    "MATCH_anyEPC (a parent)": ({"MATCH_anyEPC": ["urn:epc:id:sscc:0614141.1234567890"]}, [PACKED]),
    "MATCH_inputEPC": ({"MATCH_inputEPC": ["urn:epc:id:sgtin:4012345.011122.25"]}, [MADE]),
    "MATCH_outputEPC": ({"MATCH_outputEPC": ["urn:epc:id:sgtin:4012345.077889.26"]}, [MADE]),
    "EQ_eventID": ({"EQ_eventID": [PACKED, "urn:uuid:nothing"]}, [PACKED]),
    "eventType": ({"eventType": ["AggregationEvent", "TransformationEvent"]}, [PACKED, MADE]),
    "eventType and EQ_bizStep": ({"eventType": ["ObjectEvent"], "EQ_bizStep": ["receiving"]}, [RECEIVED]),
}  # fmt: skip


def _url(parameters: dict) -> str:
    return "&".join(f"{k}={quote('|'.join(v) if isinstance(v, list) else v, safe='')}" for k, v in parameters.items())


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_parameter_family_returns_its_events_from_events_and_from_a_named_query(captured, client, family):
    parameters, want = FAMILIES[family]
    auth = captured.auth("producer_a")
    ordered = {**parameters, "orderBy": "eventTime", "orderDirection": "ASC"}

    direct = ids(client.get(f"/api/v1/epcis/events?{_url(ordered)}", headers=auth))
    made = client.post("/api/v1/epcis/queries", json={"name": "family", "query": ordered}, headers=auth)
    assert made.status_code == 201, made.json
    named = ids(client.get("/api/v1/epcis/queries/family/events", headers=auth))

    assert direct == want
    assert named == want


def test_the_results_are_a_valid_epcis_query_document_with_record_times(captured, client):
    body = client.get("/api/v1/epcis/events", headers=captured.auth("producer_a")).get_json()

    assert schema_errors(body).tree == {}
    assert {"example": "http://ns.example.com/epcis/"} in body["@context"]  # the examples' extension prefix
    events = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert all(event["recordTime"].endswith("Z") for event in events)


def test_order_by_and_event_count_limit_pick_the_extremes(captured, client):
    auth = captured.auth("producer_a")
    get = lambda query: ids(client.get(f"/api/v1/epcis/events?{query}", headers=auth))  # noqa: E731

    assert get("orderBy=eventTime") == BY_TIME[::-1]  # DESC when no direction is given
    assert get("orderBy=eventTime&orderDirection=ASC") == BY_TIME
    assert get("orderBy=eventTime&eventCountLimit=1") == [MADE]  # the latest
    assert get("orderBy=recordTime&orderDirection=ASC&eventCountLimit=2") == [SHIPPED, RECEIVED]  # captured first


def _follow(client, auth, url):
    pages, seen = [], []
    while url:
        response = client.get(url, headers=auth)
        pages.append(response)
        seen += ids(response)
        link = response.headers.get("Link")
        url = link.split(">")[0].removeprefix("<").removeprefix("http://localhost") if link else None
    return pages, seen


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("orderBy=eventTime&orderDirection=ASC", BY_TIME),
        ("orderBy=eventTime", BY_TIME[::-1]),
        ("", BY_TIME),  # no order: the order of capture
        ("orderBy=eventTime&orderDirection=ASC&eventCountLimit=3", BY_TIME[:3]),
        ("EQ_bizStep=receiving|shipping&orderBy=recordTime&orderDirection=DESC", [PACKED, RECEIVED, SHIPPED]),
    ],
)
def test_pages_follow_the_next_link_to_the_same_events_in_one_statement_each(captured, client, query, want):
    auth = captured.auth("producer_a")

    pages, seen = _follow(client, auth, f"/api/v1/epcis/events?perPage=1&{query}")

    assert seen == want
    assert len(pages) == len(want)
    assert all(p.headers.get("GS1-Next-Page-Token-Expires") for p in pages[:-1])
    assert "Link" not in pages[-1].headers


def test_a_named_query_pages_too(captured, client):
    auth = captured.auth("producer_a")
    client.post("/api/v1/epcis/queries", json={"name": "all.asc", "query": {"orderBy": "recordTime",
                "orderDirection": "ASC"}}, headers=auth)  # fmt: skip

    pages, seen = _follow(client, auth, "/api/v1/epcis/queries/all.asc/events?perPage=3")

    assert (seen, len(pages)) == (BY_TIME, 2)


def test_a_page_is_one_sql_statement_whatever_its_size_and_filters(captured, app, session, client):
    from models import User

    actor = actor_for(session, session.get(User, captured.users["producer_a"]))
    heavy = {"MATCH_anyEPC": ["urn:epc:idpat:sgtin:0614141.107346.*", "urn:epc:id:sscc:0614141.1234567890"],
             "EQ_bizStep": ["receiving", "shipping"], "GE_eventTime": "2000-01-01T00:00:00Z",
             "orderBy": "eventTime"}  # fmt: skip
    counts = {}
    for per_page in (1, 2, 100):
        session.expire_all()
        with counting(app) as statements:
            page = epcis_repository.query_events(session, actor, heavy, key=b"k", per_page=per_page)
        counts[per_page] = len(statements)
        if per_page == 1:
            with counting(app) as statements:
                epcis_repository.query_events(session, actor, None, key=b"k", per_page=1, token=page.next_token)
            counts["next"] = len(statements)

    assert counts == {1: 1, 2: 1, 100: 1, "next": 1}
    over_http = {}
    for per_page in (1, 100):
        with counting(app) as statements:
            response = client.get(f"/api/v1/epcis/events?perPage={per_page}", headers=captured.auth("producer_a"))
        assert response.status_code == 200
        over_http[per_page] = len(statements)
    assert over_http[1] == over_http[100]  # the events add no statement to the request's own


@pytest.mark.parametrize(
    "query",
    [
        "GE_eventTime=yesterday",
        "GE_eventTime=2024-01-01T00:00:00",  # no offset
        "orderBy=quantity",
        "orderDirection=UP",
        "eventCountLimit=2",  # without orderBy
        "orderBy=eventTime&eventCountLimit=0",
        "perPage=0",
        "perPage=100000",
        "EQ_bizStep=",
        "EQ_ILMD_ex:grade=A",  # a standard family this repository does not answer: refused, not ignored
        "nextPageToken=garbage",
        "nextPageToken=eyJxIjp7fX0.AAAA",
    ],
)
def test_bad_parameters_and_tokens_are_problems(captured, client, query):
    response = client.get(f"/api/v1/epcis/events?{query}", headers=captured.auth("producer_a"))

    assert response.status_code in (400, 422), response.get_json()
    assert response.mimetype == "application/problem+json"


def test_a_token_altered_or_carried_to_someone_else_is_refused(captured, client, session):
    auth = captured.auth("producer_a")
    link = client.get("/api/v1/epcis/events?perPage=1", headers=auth).headers["Link"]
    token = link.split("nextPageToken=")[1].split(">")[0]
    head, mac = token.split(".")
    state = json.loads(epcis_repository._unb64(head))
    state["q"] = {"MATCH_anyEPC": ["urn:epc:id:sscc:0614141.1234567890"]}
    forged = epcis_repository._b64(json.dumps(state).encode()) + "." + mac

    assert client.get(f"/api/v1/epcis/events?nextPageToken={token}", headers=auth).status_code == 200
    for who, carried in (("producer_a", forged), ("auditor", token)):
        response = client.get(f"/api/v1/epcis/events?nextPageToken={carried}", headers=captured.auth(who))
        assert response.status_code == 422
        assert "nextPageToken" in response.json["errors"]


def test_one_event_and_the_per_field_paths(captured, client):
    auth = captured.auth("producer_a")

    assert ids(client.get(f"/api/v1/epcis/events/{quote(PACKED, safe='')}", headers=auth)) == [PACKED]
    assert client.get("/api/v1/epcis/events/urn:uuid:none", headers=auth).status_code == 404
    paths = {
        "/api/v1/epcis/eventTypes/TransformationEvent/events": [MADE],
        "/api/v1/epcis/bizSteps/receiving/events?orderBy=eventTime&orderDirection=ASC": [RECEIVED, PACKED],
        f"/api/v1/epcis/epcs/{quote('urn:epc:id:sscc:0614141.1234567890')}/events": [PACKED],
        "/api/v1/epcis/bizLocations/urn:epc:id:sgln:0012345.11111.0/events": [RECEIVED],
    }
    for path, want in paths.items():
        assert ids(client.get(path, headers=auth)) == want, path


def test_named_queries_are_created_listed_read_and_deleted_by_their_owner(captured, client):
    auth = captured.auth("producer_a")
    body = {"name": "received", "query": {"EQ_bizStep": ["receiving"], "eventType": "ObjectEvent"}}

    made = client.post("/api/v1/epcis/queries", json=body, headers=auth)
    assert made.status_code == 201
    assert made.headers["Location"] == "/api/v1/epcis/queries/received"
    assert made.json == {"name": "received", "query": {"EQ_bizStep": ["receiving"], "eventType": ["ObjectEvent"]}}
    assert client.post("/api/v1/epcis/queries", json=body, headers=auth).status_code == 409
    assert [q["name"] for q in client.get("/api/v1/epcis/queries", headers=auth).json] == ["received"]
    assert client.get("/api/v1/epcis/queries/received", headers=captured.auth("producer_b")).status_code == 404
    assert ids(client.get("/api/v1/epcis/queries/received/events", headers=auth)) == [RECEIVED]

    assert client.delete("/api/v1/epcis/queries/received", headers=auth).status_code == 204
    assert client.get("/api/v1/epcis/queries/received", headers=auth).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "bad name/with slash", "query": {}},
        {"name": "x", "query": {"GE_eventTime": "soon"}},
        {"name": "x", "query": {"EQ_bizStep": [1, 2]}},
        {"name": "x", "query": ["EQ_bizStep"]},
        {"name": "x", "query": {"unknown": ["a"]}},
    ],
)
def test_a_named_query_with_bad_parameters_is_refused(world, client, body):
    response = client.post("/api/v1/epcis/queries", json=body, headers=world.auth("producer_a"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_the_synchronous_capture_files_its_events_too(filled, client, session):
    document = example("Example_9.6.2-ObjectEvent.jsonld")
    response = client.post("/api/v1/epcis/capture", json=document, headers=filled.auth("producer_a"))
    assert response.status_code == 201, response.json

    found = ids(client.get("/api/v1/epcis/events?EQ_bizStep=receiving", headers=filled.auth("producer_a")))
    assert found == [document["epcisBody"]["eventList"][0]["eventID"]]
    again = client.post("/api/v1/epcis/capture", json=copy.deepcopy(document), headers=filled.auth("producer_a"))
    assert again.status_code == 201  # records again, as before; the repository keeps one copy of the event
    assert session.scalar(sa.select(sa.func.count()).select_from(EpcisEvent)) == 1


def test_options_discovers_versions_and_capture_limits(client):
    capture = client.options("/api/v1/epcis/capture")
    events = client.options("/api/v1/epcis/events")

    assert capture.status_code == events.status_code == 204
    assert capture.headers["GS1-EPCIS-Version"] == events.headers["GS1-CBV-Version"] == "2.0.0"
    assert int(capture.headers["GS1-EPCIS-Capture-Limit"]) == epcis_repository.CAPTURE_LIMIT
    assert capture.headers["GS1-Capture-Error-Behaviour"] == "rollback, proceed"
    assert "POST" in capture.headers["Allow"]
    assert "GET" in events.headers["Allow"]
    assert "GS1-EPCIS-Capture-Limit" not in events.headers
    assert "GS1-Extensions" in events.headers


def test_a_capture_job_takes_an_epcis_query_document_too(fresh_queue, client, world):
    document = example("EPCISQueryDocument.jsonld")
    events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    location = submit(client, world, document)
    drain(fresh_queue)

    job = client.get(location, headers=world.auth("producer_a")).json
    assert (job["success"], job["capturedCount"]) == (True, len(events))
    found = ids(
        client.get("/api/v1/epcis/events?orderBy=recordTime&orderDirection=ASC", headers=world.auth("producer_a"))
    )
    assert len(found) == len(events)
