"""PROV-JSON: entities, activities and agents from the nodes, one PROV relation per edge."""

import datetime as dt

import networkx as nx

from tests.helpers import provenance_graph
from traceability.formats.prov import NS, write_prov


def day(text: str) -> dict[str, str]:
    return {"$": text, "type": "xsd:date"}


def test_a_trace_becomes_entities_activities_agents_and_their_relations():
    doc = write_prov(provenance_graph())

    assert doc == {
        "prefix": NS,
        "entity": {
            "ht:batch-1": {
                "ht:lot_code": "RBN-251118",
                "ht:produced_on": day("2025-11-18"),
                "ht:product_name": "Rendang Sapi",
                "ht:gtin": "8994471000237",
                "ht:business": 1,
                "prov:type": {"$": "ht:Batch", "type": "xsd:QName"},
            },
            "ht:certificate-1": {
                "ht:number": "ID00410000123450724",
                "ht:issuer": "BPJPH",
                "ht:scheme": "regular",
                "ht:status": "active",
                "ht:holder": "supplier:1",
                "ht:issued_on": day("2024-07-01"),
                "ht:business": 1,
                "prov:type": {"$": "ht:Certificate", "type": "xsd:QName"},
            },
            "ht:facility-1": {
                "ht:name": "Dapur Bundo",
                "ht:kind": "production",
                "ht:dedicated_halal": True,
                "ht:business": 1,
                "prov:type": {"$": "prov:Location", "type": "xsd:QName"},
            },
            "ht:lot-1": {
                "ht:lot_code": "DS-2511",
                "ht:quantity": 5,
                "ht:unit": "kg",
                "ht:received_on": day("2025-11-17"),
                "ht:business": 1,
                "prov:type": {"$": "ht:Lot", "type": "xsd:QName"},
            },
            "ht:lot-2": {
                "ht:lot_code": "SN 1",
                "ht:unit": "ikat",
                "ht:received_on": day("2025-11-17"),
                "ht:business": 1,
                "prov:type": {"$": "ht:Lot", "type": "xsd:QName"},
            },
            "ht:material-1": {
                "ht:name": "Daging sapi",
                "ht:kind": "ingredient",
                "ht:category": "meat",
                "ht:origin": "animal",
                "ht:species": "bovine",
                "ht:business": 1,
                "prov:type": {"$": "ht:Material", "type": "xsd:QName"},
            },
            "ht:material-2": {
                "ht:name": "Santan",
                "ht:kind": "ingredient",
                "ht:origin": "plant",
                "ht:business": 1,
                "prov:type": {"$": "ht:Material", "type": "xsd:QName"},
            },
        },
        "agent": {
            "ht:business-1": {
                "ht:name": "Rendang Bundo",
                "ht:nib": "1208230044517",
                "prov:type": {"$": "prov:Organization", "type": "xsd:QName"},
            },
            "ht:supplier-1": {
                "ht:name": "RPH Tanjung Uncang",
                "ht:kind": "slaughterhouse",
                "ht:country": "ID",
                "ht:business": 1,
                "prov:type": {"$": "prov:Organization", "type": "xsd:QName"},
            },
            "ht:supplier-2": {
                "ht:name": "Toko Sinar",
                "ht:kind": "market",
                "ht:country": "ID",
                "ht:business": 1,
                "prov:type": {"$": "prov:Organization", "type": "xsd:QName"},
            },
        },
        "activity": {
            "ht:step-1": {
                "ht:name": "Masak rendang",
                "ht:performed_on": day("2025-11-18"),
                "ht:process": "cooking",
                "ht:business": 1,
                "prov:type": {"$": "ht:ProductionStep", "type": "xsd:QName"},
                "prov:location": {"$": "ht:facility-1", "type": "xsd:QName"},
            }
        },
        "wasAssociatedWith": {"_:r1": {"prov:activity": "ht:step-1", "prov:agent": "ht:business-1"}},
        "wasInfluencedBy": {
            "_:r2": {
                "prov:influencee": "ht:lot-1",
                "prov:influencer": "ht:certificate-1",
                "prov:type": {"$": "ht:certifies", "type": "xsd:QName"},
            },
            "_:r3": {
                "prov:influencee": "ht:step-1",
                "prov:influencer": "ht:facility-1",
                "prov:type": {"$": "ht:atLocation", "type": "xsd:QName"},
            },
        },
        "used": {
            "_:r4": {"prov:activity": "ht:step-1", "prov:entity": "ht:lot-1"},
            "_:r6": {"prov:activity": "ht:step-1", "prov:entity": "ht:lot-2"},
        },
        "wasDerivedFrom": {
            "_:r5": {"prov:generatedEntity": "ht:batch-1", "prov:usedEntity": "ht:lot-1", "prov:activity": "ht:step-1"},
            "_:r7": {"prov:generatedEntity": "ht:batch-1", "prov:usedEntity": "ht:lot-2", "prov:activity": "ht:step-1"},
        },
        "specializationOf": {
            "_:r8": {"prov:specificEntity": "ht:lot-1", "prov:generalEntity": "ht:material-1"},
            "_:r9": {"prov:specificEntity": "ht:lot-2", "prov:generalEntity": "ht:material-2"},
        },
        "wasGeneratedBy": {"_:r10": {"prov:entity": "ht:batch-1", "prov:activity": "ht:step-1"}},
        "wasAttributedTo": {
            "_:r11": {"prov:entity": "ht:lot-1", "prov:agent": "ht:supplier-1"},
            "_:r12": {"prov:entity": "ht:lot-2", "prov:agent": "ht:supplier-2"},
            "_:r13": {"prov:entity": "ht:certificate-1", "prov:agent": "ht:supplier-1"},
        },
    }


def test_a_batch_received_as_another_business_lot_is_derived_from_it_and_summaries_lose_the_flag():
    graph = nx.DiGraph()
    graph.add_node("batch:7", type="batch", business=2, lot_code="OO-1", summary=True)
    graph.add_node("lot:3", type="lot", business=1, lot_code="OO-1", received_on=dt.date(2025, 11, 2))
    graph.add_edge("batch:7", "lot:3", kind="received_as")

    doc = write_prov(graph)

    assert doc["entity"]["ht:batch-7"] == {
        "ht:business": 2,
        "ht:lot_code": "OO-1",
        "prov:type": {"$": "ht:Batch", "type": "xsd:QName"},
    }
    assert doc["wasDerivedFrom"] == {"_:r1": {"prov:generatedEntity": "ht:lot-3", "prov:usedEntity": "ht:batch-7"}}


def test_a_node_without_a_type_takes_it_from_its_id_and_unknown_types_get_our_namespace():
    graph = nx.DiGraph()
    graph.add_node("storage:1", name="Gudang", tags=["dry"])

    assert write_prov(graph)["entity"] == {
        "ht:storage-1": {"ht:name": "Gudang", "prov:type": {"$": "ht:storage", "type": "xsd:QName"}}
    }


def test_a_certificate_whose_holder_is_not_in_the_graph_is_attributed_to_no_one():
    graph = provenance_graph()
    graph.remove_node("supplier:1")

    attributed = write_prov(graph)["wasAttributedTo"].values()

    assert {"prov:entity": "ht:certificate-1", "prov:agent": "ht:supplier-1"} not in list(attributed)
    assert len(attributed) == 1
