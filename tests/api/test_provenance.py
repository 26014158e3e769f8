"""Trace, impact and exchange endpoints on the example businesses."""

from __future__ import annotations

import csv
import difflib
import io
import json
from pathlib import Path

import jsonschema
import sqlalchemy as sa
from prov.model import ProvDocument

from models import MaterialLot
from tests.helpers import OPERATOR, example, last_batch
from traceability.service import businesses, dossiers, exchange
from traceability.service.access import Actor
from traceability.vocabulary import Role

DATA = Path(__file__).parent.parent / "data"


def _schema(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_upstream_trace_reaches_lots_materials_and_suppliers(client, filled, session):
    batch = last_batch(session, filled.world.business_a)

    body = client.get(f"/api/v1/batches/{batch}/trace", headers=filled.auth("producer_a")).json

    types = {node["type"] for node in body["nodes"]}
    assert {"batch", "step", "lot", "material", "supplier", "facility", "business"} <= types
    assert body["root"] == f"batch:{batch}"
    lot = next(n["id"] for n in body["nodes"] if n["type"] == "lot")
    assert body["paths"][lot][0] == f"batch:{batch}"
    assert body["paths"][lot][-1] == lot
    kinds = {edge["kind"] for edge in body["edges"]}
    assert {"used", "generated", "instance_of", "supplied", "hosted", "performed"} <= kinds


def test_depth_limits_the_trace_and_bad_depth_names_the_field(client, filled, session):
    batch = last_batch(session, filled.world.business_a)

    shallow = client.get(f"/api/v1/batches/{batch}/trace?depth=0", headers=filled.auth("auditor")).json
    bad = client.get(f"/api/v1/batches/{batch}/trace?depth=-1", headers=filled.auth("auditor"))

    assert [n["id"] for n in shallow["nodes"]] == [f"batch:{batch}"]
    assert bad.status_code == 422
    assert "depth" in json.dumps(bad.json)


def test_lot_impact_lists_downstream_batches_with_counts(client, filled, session):
    lot = filled.own["lots"]

    body = client.get(f"/api/v1/lots/{lot}/impact?per_page=1", headers=filled.auth("producer_a")).json

    assert body["counts"]["batches"] >= 1
    assert body["counts"]["businesses"] == 1
    assert len(body["items"]) == 1
    assert body["total"] == body["counts"]["batches"]
    assert body["businesses"][0]["id"] == filled.world.business_a


def _sell_b_batch_to_a(client, filled, session) -> tuple[int, int, int]:
    """Make one lot in A's final batch be B's batch: return (A's batch, the lot, B's batch)."""
    a_batch = last_batch(session, filled.world.business_a)
    b_batch = last_batch(session, filled.world.business_b)
    trace = client.get(f"/api/v1/batches/{a_batch}/trace", headers=filled.auth("auditor")).json
    lot = min(int(n["id"].split(":")[1]) for n in trace["nodes"] if n["type"] == "lot")
    session.get(MaterialLot, lot).source_batch_id = b_batch
    session.commit()
    return a_batch, lot, b_batch


def test_upstream_trace_crosses_businesses_and_shows_a_producer_only_a_summary(client, filled, session):
    a_batch, lot, b_batch = _sell_b_batch_to_a(client, filled, session)

    producer = client.get(f"/api/v1/batches/{a_batch}/trace", headers=filled.auth("producer_a")).json
    auditor = client.get(f"/api/v1/batches/{a_batch}/trace", headers=filled.auth("auditor")).json

    foreign = [n for n in producer["nodes"] if n.get("business") == filled.world.business_b]
    assert [n["id"] for n in foreign] == [f"batch:{b_batch}"]
    assert foreign[0]["summary"] is True
    assert foreign[0]["upstream_batches"] >= 0
    assert {"source": f"batch:{b_batch}", "target": f"lot:{lot}", "kind": "received_as"} in producer["edges"]
    b_nodes = {n["type"] for n in auditor["nodes"] if n.get("business") == filled.world.business_b}
    assert {"batch", "step", "lot", "material", "supplier"} <= b_nodes


def test_downstream_trace_and_impact_reach_the_buyer_as_a_summary(client, filled, session):
    a_batch, lot, b_batch = _sell_b_batch_to_a(client, filled, session)
    b_lot = client.get(f"/api/v1/batches/{b_batch}/trace", headers=filled.auth("auditor")).json["nodes"]
    b_lot = next(n["id"] for n in b_lot if n["type"] == "lot")

    down = client.get(f"/api/v1/batches/{b_batch}/trace?direction=down", headers=filled.auth("producer_b")).json
    impact = client.get(f"/api/v1/lots/{b_lot.split(':')[1]}/impact", headers=filled.auth("producer_b")).json

    a_nodes = [n for n in down["nodes"] if n.get("business") == filled.world.business_a]
    assert f"batch:{a_batch}" in {n["id"] for n in a_nodes}
    assert all(n["summary"] is True for n in a_nodes)
    assert all(
        set(n)
        <= {"id", "type", "business", "business_name", "lot_code", "produced_on", "product_name", "gtin", "summary"}
        for n in a_nodes
    )
    assert down["paths"][f"batch:{a_batch}"][0] == f"batch:{b_batch}"
    assert {b["id"] for b in impact["businesses"]} == {filled.world.business_a, filled.world.business_b}
    assert all(item["business"] == filled.world.business_b for item in impact["items"])
    assert impact["counts"]["batches"] > impact["total"]


def test_impact_pages_cover_every_batch_once(client, filled, session):
    supplier = session.get(MaterialLot, filled.own["lots"]).supplier_id

    first = client.get(f"/api/v1/suppliers/{supplier}/impact?per_page=1", headers=filled.auth("auditor")).json
    pages = [
        client.get(f"/api/v1/suppliers/{supplier}/impact?per_page=1&page={p}", headers=filled.auth("auditor")).json[
            "items"
        ]
        for p in range(1, first["total"] + 2)
    ]

    listed = [item["batch"] for page in pages for item in page]
    assert len(listed) == len(set(listed)) == first["counts"]["batches"]
    assert pages[-1] == []


def test_certificate_impact_reaches_the_batches_of_lots_it_covers(client, filled, session):
    lot = session.scalar(
        sa.select(MaterialLot).where(
            MaterialLot.business_id == filled.world.business_a, MaterialLot.certificate_id.is_not(None)
        )
    )
    by_lot = client.get(f"/api/v1/lots/{lot.id}/impact", headers=filled.auth("pendamping_a")).json

    by_certificate = client.get(
        f"/api/v1/certificates/{lot.certificate_id}/impact", headers=filled.auth("pendamping_a")
    ).json

    assert {i["batch"] for i in by_lot["items"]} <= {i["batch"] for i in by_certificate["items"]}
    assert by_certificate["counts"]["batches"] >= 1


def test_epcis_export_validates_against_the_official_schema(client, filled, session):
    batch = last_batch(session, filled.world.business_a)

    response = client.get(f"/api/v1/batches/{batch}/epcis", headers=filled.auth("auditor"))

    document = response.json if response.is_json else json.loads(response.data)
    jsonschema.validate(
        document, _schema("epcis/EPCIS-JSON-Schema.json"), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    types = {e["type"] for e in document["epcisBody"]["eventList"]}
    assert types == {"ObjectEvent", "TransformationEvent"}
    receipts = [e for e in document["epcisBody"]["eventList"] if e["type"] == "ObjectEvent"]
    assert all(e["bizStep"] == "receiving" and e["sourceList"] for e in receipts)
    assert any("certificationInfo" in e for e in receipts)


def test_prov_export_validates_with_prov_and_the_schema(client, filled, session):
    batch = last_batch(session, filled.world.business_a)

    document = json.loads(client.get(f"/api/v1/batches/{batch}/prov", headers=filled.auth("producer_a")).data)

    jsonschema.validate(document, _schema("prov/prov-json.schema.json"))
    parsed = ProvDocument.deserialize(content=json.dumps(document), format="json")
    assert len(parsed.get_records()) > 10
    for relation in ("used", "wasGeneratedBy", "wasDerivedFrom", "wasAttributedTo", "wasAssociatedWith"):
        assert document[relation]


def test_prov_types_and_locations_are_resources_in_rdf(client, filled, session):
    """prov:type and prov:location are qualified names, so the RDF has ``rdf:type`` resources, never literals."""
    import warnings

    import rdflib

    batch = last_batch(session, filled.world.business_a)
    document = json.loads(client.get(f"/api/v1/batches/{batch}/prov", headers=filled.auth("producer_a")).data)

    parsed = ProvDocument.deserialize(content=json.dumps(document), format="json")
    with warnings.catch_warnings():  # prov 3.2's RDF writer calls rdflib APIs deprecated in rdflib 7
        warnings.simplefilter("ignore", DeprecationWarning)
        turtle = parsed.serialize(format="rdf")
        graph = rdflib.Graph().parse(data=turtle, format="trig")
    types = list(graph.objects(predicate=rdflib.RDF.type))
    assert len(types) > 20
    assert [t for t in types if isinstance(t, rdflib.Literal)] == []
    assert rdflib.URIRef("urn:halal-trace:Lot") in types
    locations = list(graph.objects(predicate=rdflib.URIRef("http://www.w3.org/ns/prov#atLocation")))
    assert locations
    assert all(isinstance(place, rdflib.URIRef) for place in locations)


def test_trace_csv_has_one_row_per_tracking_event(client, filled, session):
    batch = last_batch(session, filled.world.business_a)

    response = client.get(f"/api/v1/batches/{batch}/trace.csv", headers=filled.auth("producer_a"))

    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert response.mimetype == "text/csv"
    assert {"receiving", "transformation_input", "transformation_output"} <= {r["event"] for r in rows}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert all(r["lot_code"] for r in rows)


def test_epcis_export_captures_back_losslessly(client, filled, session):
    batch = last_batch(session, filled.world.business_a)
    first = json.loads(client.get(f"/api/v1/batches/{batch}/epcis", headers=filled.auth("auditor")).data)
    # The same records captured into a fresh business with the same identity give the same document.
    original = {"id": filled.world.business_a}
    session.execute(sa.text("UPDATE business SET nib = '1111111111111' WHERE id = :id"), original)
    session.execute(sa.text("UPDATE product SET gtin = NULL, gtin14 = NULL WHERE business_id = :id"), original)
    session.commit()
    copy = businesses.create_business(
        session, OPERATOR, {"name": "Rendang Bundo", "nib": "1208230044517", "scale": "small"}
    )
    producer = Actor(label="test", role=Role.PRODUCER, business_id=copy.id)

    result = exchange.capture_epcis(session, producer, first, base_url="https://trace.test")
    again = exchange.export_epcis(session, producer, result.batches[-1], base_url="https://trace.test")

    # The same graph: times of day are when each business wrote its records, so only the days must agree.
    def graph_of(document):
        events = [{**e, "eventTime": e["eventTime"][:10]} for e in document["epcisBody"]["eventList"]]
        return sorted(json.dumps({k: v for k, v in e.items() if k != "eventID"}, sort_keys=True) for e in events)

    a = json.dumps(graph_of(first), indent=1).splitlines()
    b = json.dumps(graph_of(again), indent=1).splitlines()
    assert a == b, "\n".join(list(difflib.unified_diff(a, b, lineterm=""))[:60])
    assert again["epcisHeader"] == first["epcisHeader"]


def test_epcis_export_has_times_of_day_and_lists_producers_before_consumers(client, filled, session):
    batch = last_batch(session, filled.world.business_a)
    document = json.loads(client.get(f"/api/v1/batches/{batch}/epcis", headers=filled.auth("auditor")).data)

    events = document["epcisBody"]["eventList"]
    assert not any("T00:00:00.000" in e["eventTime"] for e in events)
    seen: set[str] = set()
    for event in events:
        if event["type"] == "TransformationEvent":
            # Every input is received or produced earlier in the list (or comes from another business).
            for item in event["inputQuantityList"]:
                made_here = any(item["epcClass"] in json.dumps(e) for e in events if e is not event)
                assert item["epcClass"] in seen or not made_here, item["epcClass"]
        for key in ("quantityList", "outputQuantityList"):
            seen.update(q["epcClass"] for q in event.get(key, []))


def test_capture_refuses_a_document_listing_every_bad_event(client, filled):
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-01-01T00:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "AggregationEvent",
                    "eventTime": "2025-01-01T00:00:00Z",
                    "eventTimeZoneOffset": "+00:00",
                    "action": "OBSERVE",
                },
                {
                    "type": "ObjectEvent",
                    "eventTime": "2025-01-01T00:00:00Z",
                    "eventTimeZoneOffset": "+00:00",
                    "bizStep": "shipping",
                    "action": "OBSERVE",
                },
            ]
        },
    }

    response = client.post("/api/v1/epcis/capture", json=document, headers=filled.auth("producer_a"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    events = response.json["errors"]["epcisBody"]["eventList"]
    assert set(events) == {"0", "1"}
    assert "AggregationEvent" in json.dumps(events["0"])
    assert "shipping" in json.dumps(events["1"])


def test_dossier_import_and_trace_agree_on_batches(session, world):
    result = dossiers.import_dossier(session, OPERATOR, example("kue-lapis-gelatin"))
    from traceability.service.provenance import upstream_graph

    graph = upstream_graph(session, OPERATOR, result.batches[-1])

    assert f"batch:{result.batches[-1]}" in graph
    assert all(data["type"] for _, data in graph.nodes(data=True))


def test_epcis_export_expands_as_json_ld_with_the_official_context(client, filled, session):
    from pyld import jsonld

    context = json.loads((DATA / "epcis" / "epcis-context.jsonld").read_text(encoding="utf-8"))

    def offline(url, options=None):  # the official context, served from the test data: no network
        assert url == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
        return {"contextUrl": None, "documentUrl": url, "document": context}

    batch = last_batch(session, filled.world.business_a)
    document = json.loads(client.get(f"/api/v1/batches/{batch}/epcis", headers=filled.auth("auditor")).data)

    expanded = jsonld.expand(document, {"documentLoader": offline})

    text = json.dumps(expanded)
    assert "https://ref.gs1.org/epcis/TransformationEvent" in text
    assert "https://ref.gs1.org/cbv/BizStep-receiving" in text
    assert "urn:halal-trace:name" in text  # our extension terms expand to their namespace
    # Master data survives expansion, under the term the 2.0 context defines (masterData).
    header = expanded[0]["https://ref.gs1.org/epcis/epcisHeader"][0]
    master = header["https://ref.gs1.org/epcis/masterData"][0]
    vocabularies = master["https://ref.gs1.org/epcis/vocabularyList"]
    names = {
        value["@value"]
        for vocabulary in vocabularies
        for element in vocabulary["https://ref.gs1.org/epcis/vocabularyElementList"]
        for attribute in element["https://ref.gs1.org/epcis/attributes"]
        for value in attribute.get("https://ref.gs1.org/epcis/attribute", [])
    }
    written = {
        a["attribute"]
        for v in document["epcisHeader"]["epcisMasterData"]["vocabularyList"]
        for e in v["vocabularyElementList"]
        for a in e["attributes"]
    }
    assert names == written


def test_impact_counts_live_verification_codes_of_the_batches_reached(client, filled, session):
    import datetime as dt

    from models import VerificationCode

    lot = filled.own["lots"]
    reached = client.get(f"/api/v1/lots/{lot}/impact", headers=filled.auth("auditor")).json["items"]
    batch = reached[0]["batch"]
    for code, revoked in (("LIVE-1", None), ("LIVE-2", None), ("GONE-1", dt.datetime(2025, 1, 1))):
        session.add(
            VerificationCode(
                code=code,
                business_id=filled.world.business_a,
                batch_id=batch,
                url=f"https://trace.test/v/{code}",
                signature="s",
                key_id="k",
                revoked_at=revoked,
            )
        )
    session.commit()

    body = client.get(f"/api/v1/lots/{lot}/impact", headers=filled.auth("auditor")).json

    assert body["counts"]["verification_codes"] == 2
    item = next(i for i in body["items"] if i["batch"] == batch)
    assert item["verification_codes"] == ["LIVE-1", "LIVE-2"]


def test_a_captured_receipt_can_name_another_business_batch_and_the_trace_crosses(client, filled, session):
    b_batch = last_batch(session, filled.world.business_b)
    exported = json.loads(client.get(f"/api/v1/batches/{b_batch}/epcis", headers=filled.auth("producer_b")).data)
    made = [e for e in exported["epcisBody"]["eventList"] if e["type"] == "TransformationEvent"]
    b_class = next(q["epcClass"] for e in reversed(made) for q in e["outputQuantityList"])  # the batch: made last
    receipt = {
        "type": "ObjectEvent",
        "eventTime": "2025-12-01T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "receiving",
        "ht:sourceBatch": b_class,
        "quantityList": [{"epcClass": "https://trace.test/epc/x/material/Otak-otak/lot/OO-1", "quantity": 3}],
        "sourceList": [{"type": "owning_party", "source": "https://trace.test/party/cik-ani"}],
    }
    document = {
        "@context": exported["@context"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-12-01T08:00:00Z",
        "epcisBody": {"eventList": [receipt]},
    }
    jsonschema.validate(document, _schema("epcis/EPCIS-JSON-Schema.json"))

    captured = client.post("/api/v1/epcis/capture", json=document, headers=filled.auth("producer_a"))
    unknown = client.post(
        "/api/v1/epcis/capture",
        headers=filled.auth("producer_a"),
        json={**document, "epcisBody": {"eventList": [{**receipt, "ht:sourceBatch": b_class + "-nope"}]}},
    )

    assert captured.status_code == 201, captured.json
    lot = session.get(MaterialLot, captured.json["lots"][0])
    assert lot.source_batch_id == b_batch
    assert unknown.status_code == 422
    assert "ht:sourceBatch" in unknown.json["errors"]["epcisBody"]["eventList"]["0"]
