"""The 47 official EPCIS 2.0 examples (each imported or refused with its reason) and the CBV 2.0 hash vectors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa

from models import MaterialLot
from tests.helpers import last_batch
from traceability.errors import InvalidInputError
from traceability.formats.epcis import read_document
from traceability.formats.epcis_schema import MAX_MESSAGES
from traceability.formats.event_hash import event_hash

DATA = Path(__file__).parent.parent / "data"
EXAMPLES = DATA / "epcis" / "examples"
NOT_RECORDED = "is not recorded: only ObjectEvent with bizStep receiving and TransformationEvent"
INSTANCE = "Instance-level identifiers are not recorded"
ERROR_DECLARATION = "Error declarations are not applied here"
NO_OUTPUT = "A transformation needs at least one output lot."

# Each official document: None when it is captured, else a phrase the refusal must contain.
OUTCOMES: dict[str, str | None] = {
    **{f"AssociationEvent/AssociationEvent-{x}.jsonld": f"AssociationEvent {NOT_RECORDED}" for x in "abcdefgh"},
    "EPCISQueryDocument.jsonld": "Capture takes an EPCISDocument",
    "Example-TransactionEvents-2020_07_03y.jsonld": f"TransactionEvent {NOT_RECORDED}",
    "Example-Type-sourceOrDestination,measurement,bizTransaction.jsonld": f"AssociationEvent {NOT_RECORDED}",
    "Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld": f"bizStep 'shipping' {NOT_RECORDED}",
    "Example_9.6.1-ObjectEvent.jsonld": f"bizStep 'shipping' {NOT_RECORDED}",
    "Example_9.6.1-with-comment.jsonld": f"bizStep 'shipping' {NOT_RECORDED}",
    "Example_9.6.2-ObjectEvent.jsonld": None,
    "Example_9.6.3-AggregationEvent.jsonld": f"AggregationEvent {NOT_RECORDED}",
    "Example_9.6.4-TransformationEvent.jsonld": NO_OUTPUT,
    "PersistentDisposition-example.jsonld": f"bizStep 'inspecting' {NOT_RECORDED}",
    "WithDigitalLinkID/Example_9.6.1-ObjectEventWithDigitalLink.jsonld": f"bizStep 'shipping' {NOT_RECORDED}",
    "WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink.jsonld": None,
    "WithDigitalLinkID/Example_9.6.3-AggregationEventWithDigitalLink.jsonld": f"AggregationEvent {NOT_RECORDED}",
    "WithDigitalLinkID/Example_9.6.4-TransformationEventWithDigitalLink.jsonld": INSTANCE,
    "WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.jsonld": ERROR_DECLARATION,
    "WithErrorDeclaration/Example_9.6.1-ObjectEvent-with-error-declaration.jsonld": ERROR_DECLARATION,
    "WithFullCombinationOfFields/aggregation_event_all_possible_fields.jsonld": f"AggregationEvent {NOT_RECORDED}",
    "WithFullCombinationOfFields/association_event_all_possible_fields.jsonld": f"AssociationEvent {NOT_RECORDED}",
    "WithFullCombinationOfFields/object_event_all_possible_fields.jsonld": INSTANCE,
    "WithFullCombinationOfFields/transaction_event_all_possible_fields.jsonld": f"TransactionEvent {NOT_RECORDED}",
    "WithFullCombinationOfFields/transformation_event_all_possible_fields.jsonld": INSTANCE,
    "WithSensorData/SensorDataExample11.jsonld": f"TransactionEvent {NOT_RECORDED}",
    "WithSensorData/SensorDataExample12.jsonld": NO_OUTPUT,
    "WithSensorData/SensorDataExample8.jsonld": f"AggregationEvent {NOT_RECORDED}",
    **{
        f"WithSensorData/SensorDataExample{n}.jsonld": f"bizStep 'inspecting' {NOT_RECORDED}"
        for n in ("1", "1b", "2", "3", "4", "5", "6", "7")
    },
    **{
        f"WithSensorData/SensorDataExample{n}.jsonld": f"bizStep 'sensor_reporting' {NOT_RECORDED}"
        for n in ("9", "10", "13", "14", "15", "16", "17")
    },
}


def test_the_table_covers_all_47_official_examples():
    found = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.jsonld"))

    assert len(found) == 47
    assert found == sorted(OUTCOMES)


def _official(name: str) -> dict:
    document = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)  # the official documents are valid EPCIS: refusals are ours
    return document


SCHEMA = json.loads((DATA / "epcis" / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(n for n, reason in OUTCOMES.items() if reason is not None))
def test_official_example_is_refused_with_its_reason(name):
    with pytest.raises(InvalidInputError) as refused:
        read_document(_official(name))

    assert OUTCOMES[name] in json.dumps(refused.value.errors), refused.value.errors


@pytest.mark.parametrize("name", sorted(n for n, reason in OUTCOMES.items() if reason is None))
def test_official_example_is_captured(client, world, session, name):
    response = client.post(
        "/api/v1/epcis/capture",
        data=json.dumps(_official(name)),
        headers={**world.auth("producer_a"), "Content-Type": "application/ld+json"},
    )

    assert response.status_code == 201, response.json
    lot = session.get(MaterialLot, response.json["lots"][0])
    assert lot.lot_code == "998877"
    assert lot.quantity == 200
    assert lot.unit == "kg"  # UN/CEFACT KGM, read back into the unit producers write


def test_refusal_of_an_official_example_is_problem_json_naming_the_event(client, world):
    response = client.post(
        "/api/v1/epcis/capture",
        json=_official("Example_9.6.3-AggregationEvent.jsonld"),
        headers=world.auth("producer_a"),
    )

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "AggregationEvent" in json.dumps(response.json["errors"]["epcisBody"]["eventList"]["0"])


def test_a_refused_capture_changes_nothing(client, world, session):
    good = json.loads((EXAMPLES / "Example_9.6.2-ObjectEvent.jsonld").read_text())
    bad = json.loads((EXAMPLES / "Example_9.6.3-AggregationEvent.jsonld").read_text())
    good["epcisBody"]["eventList"] += bad["epcisBody"]["eventList"]

    response = client.post("/api/v1/epcis/capture", json=good, headers=world.auth("producer_a"))

    assert response.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(MaterialLot)) == 0


def _first_event(document: dict) -> dict:
    return document["epcisBody"]["eventList"][0]


def _set(key, value):
    return lambda d: _first_event(d).__setitem__(key, value)


def _drop(key):
    return lambda d: _first_event(d).pop(key)


# Each way of breaking a document that captures: (change, where the schema's message sits, what it says).
SCHEMA_BREAKS = {
    "action ADDED": (_set("action", "ADDED"), ["epcisBody", "eventList", "0", "action"], '"ADDED" is not one of'),
    "missing action": (_drop("action"), ["epcisBody", "eventList", "0", "action"], '"action" is a required'),
    "eventTime without offset": (
        _set("eventTime", "2013-06-08T14:58:56.591"),
        ["epcisBody", "eventList", "0", "eventTime"],
        'is not a "date-time"',
    ),
    "eventTimeZoneOffset GMT+2": (
        _set("eventTimeZoneOffset", "GMT+2"),
        ["epcisBody", "eventList", "0", "eventTimeZoneOffset"],
        '"GMT+2" does not match',
    ),
    "unknown field in a quantityElement": (
        lambda d: _first_event(d)["quantityList"][0].__setitem__("colour", "red"),
        ["epcisBody", "eventList", "0", "quantityList", "0"],
        "Additional properties are not allowed ('colour' was unexpected)",
    ),
    "ILMD without a namespace": (
        _set("ilmd", {"lotNumber": "998877"}),
        ["epcisBody", "eventList", "0", "ilmd"],
        '"lotNumber" is not a "uri"',
    ),
    "missing creationDate": (lambda d: d.pop("creationDate"), ["creationDate"], '"creationDate" is a required'),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_BREAKS))
def test_a_document_the_schema_refuses_is_refused_with_its_message_and_changes_nothing(client, world, session, case):
    change, path, message = SCHEMA_BREAKS[case]
    document = json.loads((EXAMPLES / "Example_9.6.2-ObjectEvent.jsonld").read_text())  # captures as it is
    change(document)

    response = client.post("/api/v1/epcis/capture", json=document, headers=world.auth("producer_a"))

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    node = response.json["errors"]
    for key in path:
        node = node[key]
    assert any(message in m for m in node), node
    assert "is not recorded" not in json.dumps(response.json)  # the schema first: no scope rule ran
    assert session.scalar(sa.select(sa.func.count()).select_from(MaterialLot)) == 0


def _messages(tree) -> list[str]:
    return [m for v in tree.values() for m in (_messages(v) if isinstance(v, dict) else v)]


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_every_official_example_made_invalid_is_refused_with_the_schemas_message(name):
    document = _official(name)
    body = document["epcisBody"]
    events = body.get("eventList") or body["queryResults"]["resultsBody"]["eventList"]
    events[0]["eventTimeZoneOffset"] = "GMT+2"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)  # the reference validator agrees that it is invalid

    with pytest.raises(InvalidInputError) as refused:
        read_document(document)

    assert refused.value.args[0] == "The EPCIS document is not valid EPCIS 2.0 JSON."
    messages = _messages(refused.value.errors)
    assert any(m.startswith('"GMT+2" does not match') for m in messages), messages
    assert not any(NOT_RECORDED in m for m in messages)


def test_a_document_wrong_in_every_event_is_refused_with_a_bounded_list():
    document = json.loads((EXAMPLES / "Example_9.6.2-ObjectEvent.jsonld").read_text())
    document["epcisBody"]["eventList"] = [{**_first_event(document), "action": "ADDED"} for _ in range(500)]

    with pytest.raises(InvalidInputError) as refused:
        read_document(document)

    events = refused.value.errors["epcisBody"]["eventList"]
    assert len(events) == MAX_MESSAGES
    assert "450 more schema errors" in refused.value.errors["_schema"][0]


HASH_CASES = sorted(p.stem for p in (DATA / "epcis-event-hash").glob("*.jsonld"))


@pytest.mark.parametrize("case", HASH_CASES)
def test_event_hash_matches_the_reference_vectors(case):
    document = json.loads((DATA / "epcis-event-hash" / f"{case}.jsonld").read_text(encoding="utf-8"))
    prefixes = {
        k: v
        for part in document.get("@context", [])
        if isinstance(part, dict)
        for k, v in part.items()
        if isinstance(v, str)
    }
    body = document["epcisBody"]
    events = body.get("eventList") or body["queryResults"]["resultsBody"]["eventList"]
    expected = (DATA / "epcis-event-hash" / f"{case}.hashes").read_text().split()

    assert [event_hash(e, prefixes) for e in events] == expected


def test_exported_event_ids_are_what_the_reference_generator_computes(client, filled, session):
    """GS1's reference event-hash generator (epcis-event-hash-generator, installed from PyPI), run as a client on
    the service's own exports: every eventID is the hash it computes, in order."""
    from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
    from epcis_event_hash_generator.json_to_py import event_list_from_epcis_document_json

    from tests.helpers import last_batch

    documents = []
    for business in (filled.world.business_a, filled.world.business_b):
        batch = last_batch(session, business)
        answer = client.get(f"/api/v1/batches/{batch}/epcis", headers=filled.auth("auditor"))
        assert answer.status_code == 200
        documents.append(json.loads(answer.data))

    checked = 0
    for document in documents:
        ours = [event["eventID"] for event in document["epcisBody"]["eventList"]]
        with warnings.catch_warnings():  # 1.9.3 reads its bundled contexts with importlib's deprecated open_text
            warnings.simplefilter("ignore", DeprecationWarning)
            reference = epcis_hashes_from_events(event_list_from_epcis_document_json(document))
        assert reference == ours
        checked += len(ours)
    assert checked >= 6


def test_event_hash_changes_when_a_hashed_field_changes():
    event = {
        "type": "ObjectEvent",
        "eventTime": "2025-01-01T00:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "receiving",
        "quantityList": [{"epcClass": "urn:x:1", "quantity": 5}],
    }
    changed = {**event, "quantityList": [{"epcClass": "urn:x:1", "quantity": 6}]}

    assert event_hash(event) != event_hash(changed)
    assert event_hash(event) == event_hash({**event, "recordTime": "2026-01-01T00:00:00Z"})


def test_bad_master_data_is_refused_naming_the_attribute(client, filled, session):
    document = json.loads(
        client.get(
            f"/api/v1/batches/{last_batch(session, filled.world.business_a)}/epcis", headers=filled.auth("auditor")
        ).data
    )
    vocabularies = document["epcisHeader"]["epcisMasterData"]["vocabularyList"]
    party = next(i for i, v in enumerate(vocabularies) if v["type"].endswith("Party"))
    attributes = vocabularies[party]["vocabularyElementList"][0]["attributes"]
    kind = next(k for k, a in enumerate(attributes) if a["id"] == "urn:halal-trace:kind")
    attributes[kind]["attribute"] = "pirate"
    lots_before = session.scalar(sa.select(sa.func.count()).select_from(MaterialLot))

    response = client.post("/api/v1/epcis/capture", json=document, headers=filled.auth("producer_b"))

    assert response.status_code == 422
    message = response.json["errors"]["epcisHeader"]["epcisMasterData"]["vocabularyList"][str(party)]
    assert "kind: Give one of" in json.dumps(message)
    assert session.scalar(sa.select(sa.func.count()).select_from(MaterialLot)) == lots_before


def test_a_negative_quantity_is_refused_naming_the_element():
    document = json.loads((EXAMPLES / "Example_9.6.2-ObjectEvent.jsonld").read_text())
    document["epcisBody"]["eventList"][0]["quantityList"][0]["quantity"] = -1

    with pytest.raises(InvalidInputError) as refused:
        read_document(document)

    assert refused.value.errors["epcisBody"]["eventList"][0]["quantityList"][0]["quantity"]


def _vectors(case: str) -> tuple[list[dict], list[str]]:
    folder = DATA / "epcis-event-hash" / "more"
    document = json.loads((folder / f"{case}.jsonld").read_text(encoding="utf-8"))
    return document["epcisBody"]["eventList"], (folder / f"{case}.hashes").read_text().split()


def test_event_hash_rounds_milliseconds_half_up_as_the_reference_generator():
    events, expected = _vectors("TimeStampRoundOff")

    assert [event_hash(e) for e in events[:2]] == expected[:2]  # .1415Z is .142Z, .1414Z is .141Z


def test_event_hash_leaves_out_rdfs_comment():
    events, expected = _vectors("epcisDocHavingEventWithComment")

    assert [event_hash(e) for e in events] == expected
