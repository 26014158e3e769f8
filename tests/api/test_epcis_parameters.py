"""The EPCIS query parameter families beyond times, EPCs and the plain EQ_ fields: quantities, WD_ (locations with
their master data descendants), EQ_bizTransaction_/EQ_source_/EQ_destination_<type>, sensor data and EXISTS_;
each read from the URL and from a named query, across two businesses with the same events, so a filter that leaked
would show the other's; malformed or unknown parameters answer 400 naming themselves."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from models import User
from tests.api.test_epcis_repository import drain, submit
from tests.helpers import counting
from traceability.errors import QueryParameterError
from traceability.service import epcis_repository
from traceability.service.access import actor_for

WAREHOUSE, DOCK, COLD_ROOM = "urn:epc:id:sgln:0614141.00001.0", "urn:epc:id:sgln:0614141.00002.0", \
    "urn:epc:id:sgln:0614141.00003.0"  # fmt: skip
GATE = "urn:epc:id:sgln:0614141.00001.1"  # a read point
ELSEWHERE = "urn:epc:id:sgln:9999999.00001.0"
PO, DESADV = "urn:epcglobal:cbv:bt:0614141073467:PO-1", "urn:epcglobal:cbv:bt:0614141073467:D-9"
OWNER = "urn:epc:id:pgln:0614141.00001"
DEVICE = "urn:epc:id:giai:4000001.111"
XFORM = "urn:epc:id:gdti:0614141.12345.400"
CORRECTIVE = "urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"
LOCATION_VOCABULARY = "urn:epcglobal:epcis:vtype:BusinessLocation"
READ_POINT_VOCABULARY = "urn:epcglobal:epcis:vtype:ReadPoint"


def _event(n: int, business: str, **fields) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{business}0000000000{n}",
        "eventTime": f"2024-03-0{n}T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}"],
        **fields,
    }


def document(business: str, master_data: bool) -> dict:
    """Six events: two with transactions, parties and quantities (one with a persistent disposition), two with
    sensor reports and their times, one declared an error with its correction, one transformation;
    business "a" sends the master data of its locations (the warehouse holds the dock, the dock the cold room, and
    the cold room, by mistake, the warehouse: a cycle)."""
    events = [
        _event(1, business, bizLocation={"id": WAREHOUSE}, readPoint={"id": GATE},
               bizTransactionList=[{"type": "po", "bizTransaction": PO}],
               sourceList=[{"type": "owning_party", "source": OWNER}],
               quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200,
                              "uom": "KGM"}]),
        _event(2, business, bizLocation={"id": DOCK}, readPoint={"id": COLD_ROOM},
               bizTransactionList=[{"type": "https://ref.gs1.org/cbv/BTT-desadv", "bizTransaction": DESADV}],
               destinationList=[{"type": "https://ref.gs1.org/cbv/SDT-location",
                                 "destination": "urn:epc:id:sgln:0614141.00777.0"}],
               quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998878", "quantity": 5}],
               persistentDisposition={"set": ["in_transit"],
                                      "unset": ["https://ref.gs1.org/cbv/Disp-completeness_verified"]}),
        _event(3, business, bizLocation={"id": COLD_ROOM}, sensorElementList=[{
            "sensorMetadata": {"deviceID": DEVICE, "time": "2024-03-03T01:00:00Z",
                               "startTime": "2024-03-03T00:00:00Z", "endTime": "2024-03-03T01:00:00Z"},
            "sensorReport": [{"type": "Temperature", "value": 26.0, "uom": "CEL"},
                             {"type": "gs1:RelativeHumidity", "value": 60, "uom": "P1"}]}]),
        _event(4, business, bizLocation={"id": ELSEWHERE}, sensorElementList=[{
            "sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.222", "startTime": "2024-03-04T00:00:00+07:00",
                               "endTime": "2024-03-04T09:00:00+07:00"},
            "sensorReport": [{"type": "Temperature", "value": 4.5, "uom": "CEL", "time": "2024-03-04T08:00:00Z"}]}]),
        _event(5, business, errorDeclaration={"declarationTime": "2024-03-06T08:00:00.000+07:00",
                                              "reason": "incorrect_data", "correctiveEventIDs": [CORRECTIVE]}),
        {"type": "TransformationEvent", "eventID": f"urn:uuid:00000000-0000-4000-8000-{business}00000000006",
         "eventTime": "2024-03-06T08:00:00.000+07:00", "eventTimeZoneOffset": "+07:00", "transformationID": XFORM,
         "inputEPCList": ["urn:epc:id:sgtin:0614141.107346.1"], "outputEPCList": ["urn:epc:id:sgtin:0614141.107346.6"]},
    ]  # fmt: skip
    body = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-07T08:00:00.000+07:00",
        "epcisBody": {"eventList": events},
    }
    if master_data:
        body["epcisHeader"] = {"epcisMasterData": {"vocabularyList": [
            {"type": LOCATION_VOCABULARY, "vocabularyElementList": [
                {"id": WAREHOUSE, "children": [DOCK]},
                {"id": DOCK, "children": [COLD_ROOM]},
                {"id": COLD_ROOM, "children": [WAREHOUSE]}]},
            {"type": READ_POINT_VOCABULARY, "vocabularyElementList": [{"id": GATE, "children": [COLD_ROOM]}]},
        ]}}  # fmt: skip
    return body


@pytest.fixture
def two(fresh_queue, client, world):
    """The same six events in business A (with its master data) and in business B (without)."""
    for who, business, master in (("producer_a", "a", True), ("producer_b", "b", False)):
        location = submit(client, world, document(business, master), who=who)
        drain(fresh_queue)
        job = client.get(location, headers=world.auth(who)).json
        assert (job["success"], job["capturedCount"], job["errors"]) == (True, 6, []), job
    return world


#: family -> (URL parameters, a named query's body, the events of A it finds); B's own master data is none.
FAMILIES = {
    "EQ_bizTransaction_po": ({"EQ_bizTransaction_po": PO}, {"EQ_bizTransaction_po": [PO]}, [1]),
    "EQ_bizTransaction_po names its type": ({"EQ_bizTransaction_po": f"{PO}|{DESADV}"}, None, [1]),
    "EQ_bizTransaction_desadv (a Web URI type)": ({"EQ_bizTransaction_desadv": DESADV}, None, [2]),
    "EQ_bizTransaction of another type": ({"EQ_bizTransaction_inv": PO}, None, []),
    "EQ_source_owning_party": ({"EQ_source_owning_party": OWNER}, {"EQ_source_owning_party": [OWNER]}, [1]),
    "EQ_source of another type": ({"EQ_source_location": OWNER}, None, []),
    "EQ_destination_location (a Web URI type)": (
        {"EQ_destination_location": "urn:epc:id:sgln:0614141.00777.0"}, None, [2]),
    "EQ_quantity": ({"EQ_quantity": "200"}, {"EQ_quantity": [200]}, [1]),
    "EQ_quantity, two values": ({"EQ_quantity": "5|200"}, {"EQ_quantity": [5, 200.0]}, [1, 2]),
    "GT_quantity": ({"GT_quantity": "5"}, {"GT_quantity": 5}, [1]),
    "GE_quantity": ({"GE_quantity": "5"}, None, [1, 2]),
    "LT_quantity": ({"LT_quantity": "200"}, None, [2]),
    "LE_quantity": ({"LE_quantity": "200.0"}, None, [1, 2]),
    "GE_quantity_KGM": ({"GE_quantity_KGM": "1"}, {"GE_quantity_KGM": 1}, [1]),
    "EQ_quantity_KGM of a count": ({"EQ_quantity_KGM": "5"}, None, []),
    "EQ_bizLocation (no descendants)": ({"EQ_bizLocation": WAREHOUSE}, None, [1]),
    "WD_bizLocation (children and theirs, through a cycle)": (
        {"WD_bizLocation": WAREHOUSE}, {"WD_bizLocation": [WAREHOUSE]}, [1, 2, 3]),
    "WD_bizLocation of a child": ({"WD_bizLocation": DOCK}, None, [1, 2, 3]),  # the cycle names the warehouse
    "WD_bizLocation of a leaf elsewhere": ({"WD_bizLocation": ELSEWHERE}, None, [4]),
    "WD_readPoint (its own vocabulary)": ({"WD_readPoint": GATE}, {"WD_readPoint": [GATE]}, [1, 2]),
    "WD_readPoint leaves the locations' hierarchy alone": ({"WD_readPoint": WAREHOUSE}, None, []),
    "EQ_type": ({"EQ_type": "Temperature"}, {"EQ_type": ["Temperature"]}, [3, 4]),
    "EQ_type of a gs1: term": ({"EQ_type": "RelativeHumidity"}, None, [3]),
    "EQ_type as a Web URI": ({"EQ_type": "https://gs1.org/voc/RelativeHumidity"}, None, [3]),
    "EQ_deviceID": ({"EQ_deviceID": DEVICE}, {"EQ_deviceID": [DEVICE]}, [3]),
    "GE_value_CEL": ({"GE_value_CEL": "20"}, {"GE_value_CEL": 20}, [3]),
    "LT_value_CEL": ({"LT_value_CEL": "20"}, None, [4]),
    "LE_value_CEL": ({"LE_value_CEL": "26"}, None, [3, 4]),
    "GT_value_CEL": ({"GT_value_CEL": "26"}, None, []),
    "EQ_value_CEL": ({"EQ_value_CEL": "4.5"}, {"EQ_value_CEL": [4.5]}, [4]),
    "GE_value in another unit": ({"GE_value_FAH": "0"}, None, []),
    "GE_value_P1": ({"GE_value_P1": "50"}, None, [3]),
    "EQ_type and GE_value_CEL": ({"EQ_type": "Temperature", "GE_value_CEL": "20"}, None, [3]),
    "EXISTS_errorDeclaration": ({"EXISTS_errorDeclaration": ""}, {"EXISTS_errorDeclaration": True}, [5]),
    "EXISTS_errorDeclaration=true": ({"EXISTS_errorDeclaration": "true"}, None, [5]),
    "EXISTS_errorDeclaration=false (regardless)": (
        {"EXISTS_errorDeclaration": "false"}, {"EXISTS_errorDeclaration": False}, [1, 2, 3, 4, 5, 6]),
    "EXISTS_sensorElementList": ({"EXISTS_sensorElementList": ""}, None, [3, 4]),
    "EXISTS_bizTransactionList and EQ_quantity": (
        {"EXISTS_bizTransactionList": "true", "EQ_quantity": "5"}, None, [2]),
    "EQ_transformationID": ({"EQ_transformationID": XFORM}, {"EQ_transformationID": [XFORM]}, [6]),
    "EQ_transformationID of another": ({"EQ_transformationID": "urn:epc:id:gdti:0614141.12345.401"}, None, []),
    "EQ_persistentDisposition_set": (
        {"EQ_persistentDisposition_set": "in_transit"}, {"EQ_persistentDisposition_set": ["in_transit"]}, [2]),
    "EQ_persistentDisposition_set as a Web URI": (
        {"EQ_persistentDisposition_set": "https://ref.gs1.org/cbv/Disp-in_transit"}, None, [2]),
    "EQ_persistentDisposition_unset": ({"EQ_persistentDisposition_unset": "completeness_verified"}, None, [2]),
    "EQ_persistentDisposition_set of an unset value": (
        {"EQ_persistentDisposition_set": "completeness_verified"}, None, []),
    "EQ_errorReason": ({"EQ_errorReason": "incorrect_data"}, {"EQ_errorReason": ["incorrect_data"]}, [5]),
    "EQ_errorReason as a URN": ({"EQ_errorReason": "urn:epcglobal:cbv:er:incorrect_data"}, None, [5]),
    "EQ_errorReason of another": ({"EQ_errorReason": "did_not_occur"}, None, []),
    "EQ_correctiveEventID": ({"EQ_correctiveEventID": CORRECTIVE}, {"EQ_correctiveEventID": [CORRECTIVE]}, [5]),
    "GE_errorDeclarationTime": (
        {"GE_errorDeclarationTime": "2024-03-06T00:00:00Z"}, {"GE_errorDeclarationTime": "2024-03-06T00:00:00Z"},
        [5]),
    "LT_errorDeclarationTime": ({"LT_errorDeclarationTime": "2024-03-06T00:00:00Z"}, None, []),
    "GE_errorDeclaration_Time (the query schema's spelling)": (
        {"GE_errorDeclaration_Time": "2024-03-06T01:00:00Z"}, {"GE_errorDeclaration_Time": "2024-03-06T01:00:00Z"},
        [5]),
    "GE_time": ({"GE_time": "2024-03-03T12:00:00Z"}, {"GE_time": "2024-03-03T12:00:00Z"}, [4]),
    "LT_time (sensorMetadata's)": ({"LT_time": "2024-03-03T12:00:00+07:00"}, None, [3]),
    "GE_startTime": ({"GE_startTime": "2024-03-03T12:00:00Z"}, None, [4]),
    "LT_startTime": ({"LT_startTime": "2024-03-03T12:00:00Z"}, None, [3]),
    "GE_endTime": ({"GE_endTime": "2024-03-03T01:00:00Z"}, None, [3, 4]),
    "LT_endTime": ({"LT_endTime": "2024-03-04T02:00:00Z"}, {"LT_endTime": "2024-03-04T02:00:00Z"}, [3]),
    "maxEventCount not reached": ({"EQ_type": "Temperature", "maxEventCount": "2"}, None, [3, 4]),
}  # fmt: skip
#: B sent no master data: its WD_ queries find the named location alone.
OF_B = {
    "WD_bizLocation (children and theirs, through a cycle)": [1],
    "WD_bizLocation of a child": [2],
    "WD_readPoint (its own vocabulary)": [1],
}


def _short(event: dict) -> str:
    """``a1`` for business A's first event."""
    tail = event["eventID"].rsplit("-", 1)[1]
    return tail[0] + tail[-1]


def _url(parameters: dict) -> str:
    return "&".join(f"{k}={quote(v, safe='|')}" for k, v in parameters.items())


def _numbers(response, business: str) -> list[int]:
    assert response.status_code == 200, response.get_json()
    events = response.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    prefix = f"urn:uuid:00000000-0000-4000-8000-{business}0000000000"
    assert all(e["eventID"].startswith(prefix) for e in events), "another business's event"
    return [int(e["eventID"].removeprefix(prefix)) for e in events]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_finds_its_events_in_each_business_alone(two, client, family):
    parameters, body, want = FAMILIES[family]
    ordered = f"{_url(parameters)}&orderBy=eventTime&orderDirection=ASC"

    for who, business, expected in (("producer_a", "a", want), ("producer_b", "b", OF_B.get(family, want))):
        found = client.get(f"/api/v1/epcis/events?{ordered}", headers=two.auth(who))
        assert _numbers(found, business) == expected, who
    if body is not None:
        auth = two.auth("producer_a")
        query = {**body, "orderBy": "eventTime", "orderDirection": "ASC"}
        made = client.post("/api/v1/epcis/queries", json={"name": "family", "query": query}, headers=auth)
        assert made.status_code == 201, made.json
        assert _numbers(client.get("/api/v1/epcis/queries/family/events", headers=auth), "a") == want
        again = client.get("/api/v1/epcis/queries/family", headers=auth).json["query"]
        assert epcis_repository.read_query(again).parameters == again  # the stored form reads back as itself


def test_an_auditor_finds_both_businesses_events_and_each_hierarchy_stays_its_own(two, client):
    found = client.get(f"/api/v1/epcis/events?WD_bizLocation={WAREHOUSE}", headers=two.auth("auditor")).json
    ids = sorted(_short(e) for e in found["epcisBody"]["queryResults"]["resultsBody"]["eventList"])

    assert ids == ["a1", "a2", "a3", "b1"]  # A's master data does not reach B's events


def test_the_family_paths_narrow_too(two, client):
    auth = two.auth("producer_a")
    path = f"/api/v1/epcis/bizLocations/{COLD_ROOM}/events?EQ_type=Temperature"

    assert _numbers(client.get(path, headers=auth), "a") == [3]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("GE_quantity=abc", "GE_quantity"),
        ("GE_quantity=1|2", "GE_quantity"),  # one bound, not a list
        ("EQ_quantity=", "EQ_quantity"),
        ("LT_quantity=NaN", "LT_quantity"),
        ("GE_value_CEL=hot", "GE_value_CEL"),
        ("GE_value=1", "GE_value"),  # the standard's value comparisons name a unit
        ("GE_value_cel=1", "GE_value_cel"),
        ("EQ_bizTransaction_=x", "EQ_bizTransaction_"),
        ("EQ_bizTransaction_PO=x", "EQ_bizTransaction_PO"),
        ("EQ_source_owning_party=", "EQ_source_owning_party"),
        ("EXISTS_errorDeclaration=maybe", "EXISTS_errorDeclaration"),
        ("EXISTS_no%20such=1", "EXISTS_no such"),
        ("EQ_booleanValue=yes", "EQ_booleanValue"),
        ("WD_bizLocation=", "WD_bizLocation"),
        ("EQ_type=", "EQ_type"),
        ("GT_percRank=inf", "GT_percRank"),
        ("EQ_errorReason=", "EQ_errorReason"),
        ("EQ_persistentDisposition_set=", "EQ_persistentDisposition_set"),
        ("GE_startTime=yesterday", "GE_startTime"),
        ("LT_errorDeclarationTime=2024-03-06T00:00:00", "LT_errorDeclarationTime"),  # no offset
        (
            "GE_errorDeclaration_Time=2024-03-06T00:00:00Z&GE_errorDeclarationTime=2024-03-06T00:00:00Z",
            "GE_errorDeclaration_Time",
        ),  # one parameter, both spellings
        ("maxEventCount=0", "maxEventCount"),
        ("maxEventCount=2&eventCountLimit=1&orderBy=eventTime", "maxEventCount"),
        ("EQ_surprise_set=x", "EQ_surprise_set"),  # not answered here: refused, not ignored
        ("EQ_bizStep=receiving&surprise=1", "surprise"),
        ("EQ_bizStep=receiving&EQ_bizStep=shipping", "EQ_bizStep"),  # twice: one would be dropped
    ],
)
def test_a_malformed_or_unknown_parameter_is_a_400_naming_it(two, client, query, named):
    for path in ("events", "bizSteps/receiving/events"):
        response = client.get(f"/api/v1/epcis/{path}?{query}", headers=two.auth("producer_a"))

        assert response.status_code == 400, response.get_json()
        assert response.mimetype == "application/problem+json"
        assert response.json["type"] == "epcisException:QueryParameterException"
        assert list(response.json["errors"]) == [named]


def test_more_events_than_max_event_count_is_the_query_too_large_exception(two, client):
    auth = two.auth("producer_a")
    response = client.get("/api/v1/epcis/events?EQ_type=Temperature&maxEventCount=1", headers=auth)

    assert response.status_code == 413, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "epcisException:QueryTooLargeException"
    made = client.post(
        "/api/v1/epcis/queries", json={"name": "big", "query": {"maxEventCount": 5}}, headers=auth
    )  # six events: the named query says so too
    assert made.status_code == 201, made.json
    assert client.get("/api/v1/epcis/queries/big/events", headers=auth).status_code == 413


def test_a_named_query_with_a_malformed_parameter_is_refused(two, client):
    body = {"name": "bad", "query": {"GE_value_CEL": "hot", "EQ_quantity": [True]}}
    response = client.post("/api/v1/epcis/queries", json=body, headers=two.auth("producer_a"))

    assert response.status_code == 422
    assert set(response.json["errors"]["query"]) == {"GE_value_CEL", "EQ_quantity"}


def test_every_family_at_once_is_still_one_statement(two, app, session):
    actor = actor_for(session, session.get(User, two.users["producer_a"]))
    heavy = {"EQ_bizTransaction_po": [PO], "EQ_source_owning_party": [OWNER], "GE_quantity": 1, "EQ_quantity_KGM":
             [200], "WD_bizLocation": [WAREHOUSE], "WD_readPoint": [GATE], "EXISTS_bizTransactionList": True,
             "orderBy": "eventTime"}  # fmt: skip
    with counting(app) as statements:
        page = epcis_repository.query_events(session, actor, heavy, key=b"k", per_page=10)

    assert len(statements) == 1
    assert [_short(e) for e in page.events] == ["a1"]


def test_master_data_named_again_is_kept_once(two, fresh_queue, client, session):
    import sqlalchemy as sa

    from models import EpcisLocationChild

    again = copy.deepcopy(document("a", True))
    again["epcisBody"]["eventList"] = []
    submit(client, two, again)
    drain(fresh_queue)

    count = session.scalar(sa.select(sa.func.count()).select_from(EpcisLocationChild))
    assert count == 4  # the three location pairs and the read point's, from the first capture


# --- every parameter GS1's query schema names -------------------------------------------------------------------

QUERY_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "epcis" / "query-schema.json"
#: A value of each of the query schema's definitions, as a named query's body gives it.
SAMPLES = {
    "time": "2024-03-01T00:00:00Z",
    "eventType": "ObjectEvent",
    "action": "ADD",
    "bizStep": "receiving",
    "disposition": "in_transit",
    "decimal": 1,
    "uri": "urn:epc:id:sgln:0614141.00001.0",
    "id": "urn:epc:id:sgtin:0614141.107346.1",
    "eventID": "urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8",
    "error-reason": "incorrect_data",
    "measurementType": "Temperature",
}
#: The schema's parameter families this repository answers; it refuses every other by name (the ILMD_, INNER_,
#: HASATTR_, EQ_ATTR_, ERROR_DECLARATION_ and SENSOR*_ families, and comparisons on extension fields).
ANSWERED = re.compile(
    r"EQ_(bizTransaction|source|destination)_po|EXISTS_ex:grade"
    r"|(EQ|GT|GE|LT|LE)_(value|minValue|maxValue|meanValue|sDev|percValue|quantity)_CEL"
)


def _named(pattern: str) -> str:
    """A parameter name the schema's pattern stands for: its type ``po``, a unit ``CEL``, a field ``ex:grade``."""
    name = re.sub(r"\[a-z\]\[a-zA-Z0-9\]\*\\+:\\+w\+", "ex:grade", pattern.strip("^$"))
    name = re.sub(r"\\+w\+_\\+w\+", "readPoint_name", name)
    return name.replace("[a-z][a-zA-Z0-9_]+", "po").replace("[A-Z0-9]{2,4}", "CEL")


def _sample(definition: dict):
    if definition.get("type") == "array":
        return [_sample(definition["items"])]
    if "$ref" in definition:
        return SAMPLES[definition["$ref"].rsplit("/", 1)[1]]
    return {"integer": 3, "number": 0.5, "boolean": True, "string": "x"}[definition["type"]]


def _schema_parameters() -> dict:
    schema = json.loads(QUERY_SCHEMA.read_text(encoding="utf-8"))["definitions"]["EPCIS-Query"]
    return {name: d for name, d in schema["properties"].items() if name != "@context"}


@pytest.mark.parametrize("name", list(_schema_parameters()))
def test_every_parameter_of_gs1_s_query_schema_is_answered(name):
    definition = _schema_parameters()[name]
    value = {"orderBy": "eventTime", "orderDirection": "ASC"}.get(name)
    if value is None:
        value = None if definition.get("nullable") else _sample(definition)  # EXISTS_: given without a value
    parameters = {name: value, **({"orderBy": "eventTime"} if name == "eventCountLimit" else {})}

    query = epcis_repository.read_query(parameters)

    assert query.parameters  # read into the canonical form, not dropped


def test_the_query_schema_s_patterns_are_answered_or_refused_by_name():
    schema = json.loads(QUERY_SCHEMA.read_text(encoding="utf-8"))["definitions"]["EPCIS-Query"]
    names = [_named(pattern) for pattern in schema["patternProperties"]]
    assert len(names) == len(set(names)) > 100
    assert all(re.fullmatch(r"[A-Za-z0-9_:]+", n) for n in names), names
    answered = [name for name in names if ANSWERED.fullmatch(name)]
    # typed lists, EXISTS_, EQ_value, four comparisons of six sensor values, five of quantities
    assert len(answered) == 3 + 1 + 1 + 4 * 6 + 5
    for name in names:
        value = "true" if name.startswith("EXISTS") else "1" if name.endswith("_CEL") else "x"
        if ANSWERED.fullmatch(name):
            assert epcis_repository.read_query({name: value}).parameters, name
        else:
            with pytest.raises(QueryParameterError) as refused:
                epcis_repository.read_query({name: value})
            assert list(refused.value.errors) == [name]
