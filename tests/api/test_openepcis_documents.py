"""OpenEPCIS's capture test documents, sent as a client sends them (the corpus is in tests/data/epcis/openepcis).

Whether a document is valid EPCIS is decided by the reference validator (``jsonschema`` asserting formats) on the
official schema, not by the validator capture uses: a valid document is captured or refused only by a named
capture scope rule; an invalid one is refused by the schema, about the same values, before any scope rule runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa

from models import EpcisEvent, MaterialLot

DATA = Path(__file__).parent.parent / "data" / "epcis"
CORPUS = DATA / "openepcis"
REFERENCE = jsonschema.Draft7Validator(
    json.loads((DATA / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
)
# What capture records (receipts and transformations of lots) and why it refuses the rest: each refusal of a
# valid document must name one of these.
SCOPE_RULES = (
    "is not recorded: only ObjectEvent with bizStep receiving and TransformationEvent are recorded here.",
    "Instance-level identifiers are not recorded",
    "is not a lot-level class",
    "Error declarations are not applied here",
    "A transformation needs at least one output lot.",
    "A receipt needs a quantityList",
    "A receipt needs a sourceList",
)
DOCUMENTS = sorted(
    str(p.relative_to(CORPUS)) for folder in ("Documents", "Invalid") for p in (CORPUS / folder).glob("*.json")
)
EVENTS = sorted(str(p.relative_to(CORPUS)) for p in (CORPUS / "Events").glob("*.json"))


def _load(name: str) -> Any:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(path, message) of every message in a problem's ``errors`` tree."""
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in _leaves(value, (*path, str(key)))]
    return [(path, str(message)) for message in tree]


def _post(client: Any, world: Any, path: str, body: Any) -> Any:
    headers = {**world.auth("producer_a"), "Content-Type": "application/ld+json"}
    return client.post(f"/api/v1/epcis/{path}", data=json.dumps(body), headers=headers)


def test_the_corpus_is_all_here():
    assert (len(DOCUMENTS), len(EVENTS)) == (38 + 15, 5)
    assert not [name for name in DOCUMENTS if name.startswith("Invalid/") and REFERENCE.is_valid(_load(name))]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_document_is_captured_or_refused_by_a_scope_rule_or_by_the_schema(client, world, session, name):
    document = _load(name)
    response = _post(client, world, "capture", document)

    if response.status_code == 201:
        assert REFERENCE.is_valid(document)
        filed = session.scalar(sa.select(sa.func.count()).select_from(EpcisEvent))
        assert filed == len(document["epcisBody"]["eventList"])
        listed = client.get("/api/v1/epcis/events", headers=world.auth("producer_a"))
        assert len(listed.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == filed
        return
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    refusals = _leaves(response.json["errors"])
    scope = [message for _, message in refusals if any(rule in message for rule in SCOPE_RULES)]
    if REFERENCE.is_valid(document):
        assert scope == [m for _, m in refusals], refusals  # every reason a scope rule
    else:
        assert scope == [], refusals  # the schema first: no scope rule ran
        expected = {tuple(str(p) for p in e.absolute_path) for e in REFERENCE.iter_errors(document)}
        about = {path for path, _ in refusals}
        assert any(a[: len(e)] == e or e[: len(a)] == a for a in about for e in expected), (about, expected)
    for model in (MaterialLot, EpcisEvent):  # refused: nothing stored
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


@pytest.mark.parametrize("name", EVENTS)
def test_a_single_event_sent_as_a_document_is_pointed_to_the_events_resource(client, world, name):
    response = _post(client, world, "capture", _load(name))

    assert response.status_code == 422
    assert "send a single" in response.json["errors"]["type"][0]


@pytest.mark.parametrize("name", EVENTS)
def test_a_single_event_is_captured_at_events_or_refused_by_a_scope_rule(client, world, session, name):
    event = _load(name)
    assert REFERENCE.is_valid(event)

    response = _post(client, world, "events", event)

    assert response.status_code == 422, response.json
    assert all(any(rule in m for rule in SCOPE_RULES) for _, m in _leaves(response.json["errors"])), response.json
    assert session.scalar(sa.select(sa.func.count()).select_from(EpcisEvent)) == 0


def test_a_single_receipt_is_captured_at_events_and_found_at_its_location(client, world, session):
    official = json.loads((DATA / "examples" / "Example_9.6.2-ObjectEvent.jsonld").read_text(encoding="utf-8"))
    event = {"@context": official["@context"], **official["epcisBody"]["eventList"][0]}
    event.pop("eventID", None)  # the repository names it by its CBV hash

    response = _post(client, world, "events", event)

    assert response.status_code == 201, response.json
    location = response.headers["Location"]
    assert "/api/v1/epcis/events/ni" in location
    assert session.scalar(sa.select(MaterialLot.lot_code)) == "998877"
    found = client.get(location, headers=world.auth("producer_a"))
    events = found.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in events] == [session.scalar(sa.select(EpcisEvent.event_id))]
    assert client.get(location, headers=world.auth("producer_b")).status_code == 404  # another business's


@pytest.mark.parametrize(
    "body", [[], {"type": "EPCISDocument", "epcisBody": {"eventList": []}}, {"type": "Event"}], ids=str
)
def test_anything_but_one_event_is_refused_at_events(client, world, session, body):
    response = _post(client, world, "events", body)

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert "type" in response.json["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(EpcisEvent)) == 0
