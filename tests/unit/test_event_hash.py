"""The CBV 2.0 event hash, field by field: identifiers in canonical form, values in canonical order."""

import hashlib

import pytest

from traceability.formats.event_hash import event_hash, normalise_id, prehash

HT = {"ht": "urn:halal-trace:"}
BASE = {"type": "ObjectEvent", "eventTime": "2025-11-17T00:00:00.000+07:00", "eventTimeZoneOffset": "+07:00"}
HEAD = "eventType=ObjectEventeventTime=2025-11-16T17:00:00.000ZeventTimeZoneOffset=+07:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
        ("urn:epc:idpat:sgtin:0614141.107346.*", "https://id.gs1.org/01/10614141073464"),
        ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
        ("urn:epc:id:gdti:0614141.12345.400", "https://id.gs1.org/253/0614141123452400"),
        ("urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234"),
        ("urn:epc:id:sgln:0614141.07346.0", "https://id.gs1.org/414/0614141073467"),
        ("urn:epc:id:pgln:0614141.07346", "https://id.gs1.org/417/0614141073467"),
        ("https://example.com/01/09506000134352/10/ABC", "https://id.gs1.org/01/09506000134352/10/ABC"),
        ("http://shop.example/414/0614141073467", "https://id.gs1.org/414/0614141073467"),
        ("https://trace.test/epc/1208230044517/material/Gula", "https://trace.test/epc/1208230044517/material/Gula"),
        ("urn:epc:id:usdod:2S194.12345", "urn:epc:id:usdod:2S194.12345"),
    ],
)
def test_normalise_id_gives_gs1_keys_as_canonical_digital_links(value, expected):
    assert normalise_id(value) == expected


@pytest.mark.parametrize("value", ["urn:epc:id:grai:0614141.12345.400", "urn:epc:id:giai:0614141.12345400"])
def test_normalise_id_refuses_schemes_it_cannot_hash_rightly(value):
    kind = value.split(":")[3]

    with pytest.raises(ValueError, match=f"identifier scheme {kind} is not supported by this hash implementation"):
        normalise_id(value)


def test_prehash_puts_fields_in_cbv_order_with_sorted_lists_and_canonical_values():
    event = {
        **BASE,
        "quantityList": [
            {"epcClass": "https://trace.test/epc/1/material/Daging/lot/B", "quantity": 2.50, "uom": "KGM"},
            {"epcClass": "https://trace.test/epc/1/material/Daging/lot/A", "quantity": 5},
        ],
        "action": "ADD",
        "bizStep": "urn:epcglobal:cbv:bizstep:receiving",
        "sourceList": [{"type": "owning_party", "source": "https://trace.test/epc/1/supplier/RPH"}],
        "certificationInfo": "https://trace.test/certificate/ID1",
        "ht:unit": "ikat",
    }

    assert prehash(event, HT) == (
        HEAD
        + "certificationInfo=https://trace.test/certificate/ID1"
        + "quantityList"
        + "quantityElementepcClass=https://trace.test/epc/1/material/Daging/lot/Aquantity=5"
        + "quantityElementepcClass=https://trace.test/epc/1/material/Daging/lot/Bquantity=2.5uom=KGM"
        + "action=ADD"
        + "bizStep=https://ref.gs1.org/cbv/BizStep-receiving"
        + "sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://trace.test/epc/1/supplier/RPH"
        + "{urn:halal-trace:}unit=ikat"
    )


def test_prehash_of_identifiers_locations_transactions_and_dispositions():
    event = {
        **BASE,
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2018", "urn:epc:id:sgtin:0614141.107346.2017"],
        "action": "OBSERVE",
        "disposition": "in_progress",
        "persistentDisposition": {"set": ["completeness_verified"], "unset": ["completeness_inferred"]},
        "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:PO-1"}],
    }

    assert prehash(event) == (
        HEAD
        + "epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018"
        + "action=OBSERVE"
        + "disposition=https://ref.gs1.org/cbv/Disp-in_progress"
        + "persistentDispositionset=https://ref.gs1.org/cbv/Disp-completeness_verified"
        + "unset=https://ref.gs1.org/cbv/Disp-completeness_inferred"
        + "readPointid=https://id.gs1.org/414/0614141073467/254/1234"
        + "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:0614141073467:PO-1"
    )


def test_prehash_expands_nested_and_repeated_extensions_and_sorts_them():
    event = {**BASE, "ht:detail": {"ht:b": "y", "@id": "ignored", "ht:a": 1.0}, "ht:tags": ["b", "a"]}

    assert prehash(event, HT) == (
        HEAD
        + "{urn:halal-trace:}detail{urn:halal-trace:}a=1{urn:halal-trace:}b=y"
        + "{urn:halal-trace:}tags=a{urn:halal-trace:}tags=b"
    )


def test_an_unknown_prefix_is_kept_as_written():
    assert prehash({**BASE, "ex:note": "x"}) == HEAD + "ex:note=x"


def test_what_the_hash_ignores_does_not_change_it():
    extra = {"eventID": "ni:///sha-256;0", "recordTime": "2026-01-01T00:00:00Z", "errorDeclaration": {"reason": "x"}}

    assert prehash({**BASE, **extra}) == prehash(BASE) == HEAD


def test_the_same_moment_written_in_another_zone_gives_the_same_time():
    assert prehash({**BASE, "eventTime": "2025-11-16T17:00:00Z"}) == HEAD


def test_sensor_data_is_refused_rather_than_hashed_wrongly():
    with pytest.raises(ValueError, match="sensor data is not supported by this hash implementation"):
        prehash({**BASE, "sensorElementList": [{"sensorReport": []}]})


def test_event_hash_is_the_sha256_of_the_prehash_as_a_named_information_uri():
    digest = hashlib.sha256(HEAD.encode("utf-8")).hexdigest()

    assert event_hash(BASE) == f"ni:///sha-256;{digest}?ver=CBV2.0"
