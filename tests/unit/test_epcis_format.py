"""EPCIS 2.0 without a database: a trace written as events and master data, and documents read back or refused."""

import copy
import datetime as dt

import pytest

from tests.helpers import provenance_graph
from traceability.errors import InvalidInputError
from traceability.formats.epcis import (
    CONTEXT,
    HT,
    MAX_EVENTS,
    lot_class,
    product_of,
    read_document,
    read_in_scope,
    write_document,
)
from traceability.formats.event_hash import event_hash

CREATED = dt.datetime(2025, 11, 20, 1, 2, 3, 456789, tzinfo=dt.UTC)
EPC = "https://trace.test/epc/1208230044517"
BEEF, COCONUT = f"{EPC}/material/Daging%20sapi", f"{EPC}/material/Santan"
RPH, SINAR = f"{EPC}/supplier/RPH%20Tanjung%20Uncang", f"{EPC}/supplier/Toko%20Sinar"
KITCHEN = f"{EPC}/facility/Dapur%20Bundo"
CERTIFICATE = "https://trace.test/certificate/ID00410000123450724"
RENDANG = "https://id.gs1.org/01/08994471000237"


def document() -> dict:
    return write_document(provenance_graph(), base_url="https://trace.test/", created=CREATED)


def without_ids(events: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "eventID"} for e in events]


def test_receipts_and_the_step_become_events_in_time_order():
    events = document()["epcisBody"]["eventList"]

    assert without_ids(events) == [
        {
            "type": "ObjectEvent",
            "eventTime": "2025-11-17T12:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "quantityList": [{"epcClass": f"{BEEF}/lot/DS-2511", "quantity": 5, "uom": "KGM"}],
            "action": "ADD",
            "bizStep": "receiving",
            "sourceList": [{"type": "owning_party", "source": RPH}],
            "certificationInfo": CERTIFICATE,
        },
        {
            "type": "ObjectEvent",
            "eventTime": "2025-11-17T12:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "quantityList": [{"epcClass": f"{COCONUT}/lot/SN%201"}],
            "action": "ADD",
            "bizStep": "receiving",
            "sourceList": [{"type": "owning_party", "source": SINAR}],
            "ht:unit": "ikat",
        },
        {
            "type": "TransformationEvent",
            "eventTime": "2025-11-18T12:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "inputQuantityList": [
                {"epcClass": f"{BEEF}/lot/DS-2511", "quantity": 2, "uom": "KGM"},
                {"epcClass": f"{COCONUT}/lot/SN%201", "quantity": 1},
            ],
            "outputQuantityList": [{"epcClass": f"{RENDANG}/10/RBN-251118"}],
            "bizStep": "commissioning",
            "ht:name": "Masak rendang",
            "bizLocation": {"id": KITCHEN},
            "ht:process": "cooking",
            "ht:units": [{"ht:epcClass": f"{COCONUT}/lot/SN%201", "ht:unit": "ikat"}],
        },
    ]


def test_each_event_carries_its_cbv_hash_as_event_id():
    events = document()["epcisBody"]["eventList"]

    assert [e["eventID"] for e in events] == [event_hash(e, {"ht": HT}) for e in without_ids(events)]


def test_the_document_header_and_master_data_name_every_class_party_location_and_certificate():
    doc = document()
    vocabularies = doc["epcisHeader"]["epcisMasterData"]["vocabularyList"]

    assert (doc["@context"], doc["type"], doc["schemaVersion"]) == (CONTEXT, "EPCISDocument", "2.0")
    assert doc["creationDate"] == "2025-11-20T01:02:03.456Z"
    assert [v["type"] for v in vocabularies] == [
        "urn:epcglobal:epcis:vtype:EPCClass",
        "urn:epcglobal:epcis:vtype:BusinessLocation",
        "urn:epcglobal:epcis:vtype:Party",
        "urn:halal-trace:vtype:Certificate",
    ]
    elements = {
        e["id"]: {a["id"].removeprefix(HT): a["attribute"] for a in e["attributes"]}
        for v in vocabularies
        for e in v["vocabularyElementList"]
    }
    assert elements == {
        RENDANG: {"gtin": "8994471000237", "name": "Rendang Sapi"},
        f"{RENDANG}/10/RBN-251118": {"lotCode": "RBN-251118", "producedOn": "2025-11-18"},
        BEEF: {
            "category": "meat",
            "kind": "ingredient",
            "name": "Daging sapi",
            "origin": "animal",
            "species": "bovine",
        },
        f"{BEEF}/lot/DS-2511": {"lotCode": "DS-2511"},
        COCONUT: {"kind": "ingredient", "name": "Santan", "origin": "plant"},
        f"{COCONUT}/lot/SN%201": {"lotCode": "SN 1"},
        KITCHEN: {"dedicatedHalal": "true", "kind": "production", "name": "Dapur Bundo"},
        RPH: {"country": "ID", "kind": "slaughterhouse", "name": "RPH Tanjung Uncang"},
        SINAR: {"country": "ID", "kind": "market", "name": "Toko Sinar"},
        CERTIFICATE: {
            "holder": RPH,
            "issuedOn": "2024-07-01",
            "issuer": "BPJPH",
            "number": "ID00410000123450724",
            "scheme": "regular",
            "status": "active",
        },
    }


def test_a_product_without_gtin_gets_a_class_under_the_business():
    graph = provenance_graph()
    graph.nodes["batch:1"]["gtin"] = None

    events = write_document(graph, base_url="https://trace.test", created=CREATED)["epcisBody"]["eventList"]

    assert events[2]["outputQuantityList"] == [{"epcClass": f"{EPC}/product/Rendang%20Sapi/lot/RBN-251118"}]


def test_a_written_document_reads_back_into_the_same_receipts_and_step():
    capture = read_document(document())

    assert capture.receipts == [
        {
            "class": BEEF,
            "lot_code": "DS-2511",
            "uri": f"{BEEF}/lot/DS-2511",
            "quantity": 5,
            "unit": "kg",
            "received_on": dt.date(2025, 11, 17),
            "supplier": RPH,
            "certificate": CERTIFICATE,
            "source_batch": None,
            "path": ["epcisBody", "eventList", 0],
        },
        {
            "class": COCONUT,
            "lot_code": "SN 1",
            "uri": f"{COCONUT}/lot/SN%201",
            "quantity": None,
            "unit": "ikat",
            "received_on": dt.date(2025, 11, 17),
            "supplier": SINAR,
            "certificate": None,
            "source_batch": None,
            "path": ["epcisBody", "eventList", 1],
        },
    ]
    assert capture.steps == [
        {
            "on": dt.date(2025, 11, 18),
            "inputs": [
                {"class": BEEF, "lot_code": "DS-2511", "uri": f"{BEEF}/lot/DS-2511", "quantity": 2, "unit": "kg"},
                {"class": COCONUT, "lot_code": "SN 1", "uri": f"{COCONUT}/lot/SN%201", "quantity": 1, "unit": "ikat"},
            ],
            "outputs": [
                {
                    "class": RENDANG,
                    "lot_code": "RBN-251118",
                    "uri": f"{RENDANG}/10/RBN-251118",
                    "quantity": None,
                    "unit": None,
                }
            ],
            "facility": KITCHEN,
            "name": "Masak rendang",
            "process": "cooking",
            "equipment": None,
            "path": ["epcisBody", "eventList", 2],
        }
    ]
    assert capture.master[KITCHEN] == {"dedicatedHalal": "true", "kind": "production", "name": "Dapur Bundo"}


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (f"{BEEF}/lot/DS-2511", (BEEF, "DS-2511")),
        (f"{COCONUT}/lot/SN%201", (COCONUT, "SN 1")),
        (f"{RENDANG}/10/RBN-251118", (RENDANG, "RBN-251118")),
        (f"{EPC}/product/Kue/10/K1", None),  # /10/ is a lot only after a GTIN
        (f"{BEEF}/lot/", None),
        (BEEF, None),
    ],
)
def test_lot_class_splits_a_lot_level_class(uri, expected):
    assert lot_class(uri) == expected


@pytest.mark.parametrize(
    ("epc_class", "expected"),
    [
        (RENDANG, ("gtin", "08994471000237")),
        (f"{EPC}/product/Rendang%20Sapi", ("1208230044517", "Rendang Sapi")),
        ("https://trace.test/epc/not-a-nib/product/Kue", None),
        (BEEF, None),
    ],
)
def test_product_of_names_the_product_by_gtin_or_by_business_and_name(epc_class, expected):
    assert product_of(epc_class) == expected


def refusal(doc: object) -> dict:
    """What our scope rules say of `doc` (capture meets them only once the official schema has passed)."""
    with pytest.raises(InvalidInputError) as raised:
        read_in_scope(doc)
    assert raised.value.message == "The EPCIS document cannot be captured."
    return raised.value.errors


def event_errors(event: object) -> dict:
    """The messages about `event`, sent alone in an otherwise valid document."""
    return refusal({**document(), "epcisBody": {"eventList": [event]}})["epcisBody"]["eventList"][0]


def test_only_an_epcis_document_is_captured():
    assert refusal({"type": "EPCISQueryDocument"}) == {
        "type": ["Capture takes an EPCISDocument (query results are not captured)."]
    }
    assert refusal([]) == {"type": ["Capture takes an EPCISDocument (query results are not captured)."]}


def test_the_document_needs_a_context_version_2_and_events():
    assert refusal({"type": "EPCISDocument", "schemaVersion": "1.2", "epcisBody": {"eventList": []}}) == {
        "@context": ["An EPCIS 2.0 JSON-LD document needs its @context."],
        "schemaVersion": ["Only EPCIS schemaVersion 2.0 is captured."],
        "epcisBody": {"eventList": ["The document holds no events."]},
    }


def test_too_many_events_are_refused_in_one_message():
    doc = {**document(), "epcisBody": {"eventList": [{}] * (MAX_EVENTS + 1)}}

    assert refusal(doc) == {
        "epcisBody": {"eventList": [f"Capture at most {MAX_EVENTS} events at once (got {MAX_EVENTS + 1})."]}
    }


def receipt() -> dict:
    return copy.deepcopy(document()["epcisBody"]["eventList"][0])


def transformation() -> dict:
    return copy.deepcopy(document()["epcisBody"]["eventList"][2])


def test_an_event_must_be_an_object_of_a_recorded_type():
    assert event_errors("ObjectEvent") == ["An event is a JSON object."]
    assert event_errors({**receipt(), "type": "AggregationEvent"}) == {
        "type": [
            "AggregationEvent is not recorded: only ObjectEvent with bizStep receiving and TransformationEvent "
            "are recorded here."
        ]
    }
    assert event_errors({**receipt(), "bizStep": "shipping"}) == {
        "bizStep": [
            "bizStep 'shipping' is not recorded: only ObjectEvent with bizStep receiving and TransformationEvent "
            "are recorded here."
        ]
    }


def test_error_declarations_and_bad_times_are_refused():
    assert event_errors({**receipt(), "errorDeclaration": {}, "eventTime": "yesterday"}) == {
        "errorDeclaration": ["Error declarations are not applied here: record the correction as a new event."],
        "eventTime": ["Give eventTime as an ISO 8601 date-time."],
    }


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        (
            {"epcList": ["urn:epc:id:sgtin:0614141.107346.2017"]},
            {
                "epcList": [
                    "Instance-level identifiers are not recorded: a receipt names lots in a quantityList of "
                    "lot-level classes."
                ]
            },
        ),
        ({"quantityList": []}, {"quantityList": ["A receipt needs a quantityList of the lots received."]}),
        (
            {"sourceList": [{"type": "owning_party", "source": "nope"}]},
            {"sourceList": ["A receipt needs a sourceList naming the supplier."]},
        ),
        ({"sourceList": "RPH"}, {"sourceList": ["Give a list.", "A receipt needs a sourceList naming the supplier."]}),
        ({"ht:unit": ""}, {"ht:unit": ["Give the unit as text of 1 to 20 characters."]}),
        (
            {"certificationInfo": [CERTIFICATE, CERTIFICATE]},
            {"certificationInfo": ["A lot is received under one certificate at most, named by URI."]},
        ),
        ({"ht:sourceBatch": RENDANG}, {"ht:sourceBatch": ["Name the supplier's batch by its lot-level class."]}),
        ({"quantityList": [{"quantity": 1}]}, {"quantityList": {0: ["Each quantity element needs an epcClass."]}}),
        (
            {"quantityList": [{"epcClass": BEEF}]},
            {"quantityList": {0: [f"{BEEF} is not a lot-level class (…/01/<gtin>/10/<lot> or …/lot/<lot>)."]}},
        ),
        (
            {"quantityList": [{"epcClass": f"{BEEF}/lot/A", "quantity": -1}]},
            {"quantityList": {0: {"quantity": ["Give the quantity as a number of zero or more."]}}},
        ),
        (
            {"quantityList": [{"epcClass": f"{BEEF}/lot/A", "quantity": True}]},
            {"quantityList": {0: {"quantity": ["Give the quantity as a number of zero or more."]}}},
        ),
        (
            {"quantityList": [{"epcClass": f"{BEEF}/lot/{'A' * 101}"}]},
            {"quantityList": {0: {"epcClass": ["A lot code has at most 100 characters."]}}},
        ),
    ],
)
def test_a_receipt_names_what_is_wrong_with_it(change, messages):
    assert event_errors({**receipt(), **change}) == messages


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        (
            {"outputEPCList": ["urn:epc:id:sgtin:0614141.107346.2017"]},
            {"outputEPCList": ["Instance-level identifiers are not recorded: use quantity lists of lots."]},
        ),
        (
            {"inputQuantityList": [], "outputQuantityList": []},
            {
                "inputQuantityList": ["A transformation needs at least one input lot."],
                "outputQuantityList": ["A transformation needs at least one output lot."],
            },
        ),
        (
            {"ht:units": [{"ht:epcClass": f"{BEEF}/lot/DS-2511", "ht:unit": 5}]},
            {"ht:units": ["Give each unit as text of 1 to 20 characters."]},
        ),
        ({"ht:name": "x" * 301}, {"ht:name": ["Give text of 1 to 300 characters."]}),
        ({"ht:process": ""}, {"ht:process": ["Give text of 1 to 100 characters."]}),
        ({"bizLocation": {"id": "Dapur"}}, {"bizLocation": ["Name the location by URI."]}),
        (
            {"outputQuantityList": [{"epcClass": RENDANG}]},
            {"outputQuantityList": {0: [f"{RENDANG} is not a lot-level class (…/01/<gtin>/10/<lot> or …/lot/<lot>)."]}},
        ),
    ],
)
def test_a_transformation_names_what_is_wrong_with_it(change, messages):
    assert event_errors({**transformation(), **change}) == messages


def test_a_transformation_without_a_name_is_named_after_its_position():
    event = transformation()
    del event["ht:name"], event["bizLocation"]
    doc = {**document(), "epcisBody": {"eventList": [receipt(), event]}}

    step = read_document(doc).steps[0]

    assert (step["name"], step["facility"]) == ("TransformationEvent 1", None)


def test_bad_master_data_is_refused_naming_the_attribute_and_others_are_ignored():
    doc = document()
    classes = doc["epcisHeader"]["epcisMasterData"]["vocabularyList"][0]["vocabularyElementList"]
    beef = next(e for e in classes if e["id"] == BEEF)
    beef["attributes"][1]["attribute"] = "food"  # kind
    beef["attributes"].append({"id": "https://example.com/colour", "attribute": "red"})

    assert refusal(doc) == {
        "epcisHeader": {
            "epcisMasterData": {
                "vocabularyList": {
                    0: {
                        "vocabularyElementList": {
                            2: {
                                "attributes": {
                                    1: [
                                        "kind: Give one of additive, cleaning_agent, ingredient, lubricant, "
                                        "packaging, processing_aid."
                                    ]
                                }
                            }
                        }
                    }
                }
            }
        }
    }


def test_every_bad_event_is_named_at_once():
    doc = {**document(), "epcisBody": {"eventList": [{**receipt(), "bizStep": "shipping"}, 7, transformation()]}}

    assert sorted(refusal(doc)["epcisBody"]["eventList"]) == [0, 1]
