"""Every rule of the catalogue, both ways: a dossier where it fires and a close case where it must not.

The base is the shared rendang example (verdict ok); each case changes one thing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE_NAMES, example
from traceability.formats.dossier import load_dossier
from traceability.rules.catalogue import RULES
from traceability.rules.engine import assess
from traceability.rules.reference import Reference, merge_reference, shipped_data

Doc = dict[str, Any]


DOCUMENTED = [{"type": "source_statement", "says": "-"}, {"type": "spec_sheet", "says": "-"}]


def material(d: Doc, mid: str) -> Doc:
    return next(m for m in d["materials"] if m["id"] == mid)


def lot(d: Doc, lid: str) -> Doc:
    return next(x for x in d["lots"] if x["id"] == lid)


def cert(d: Doc, cid: str) -> Doc:
    return next(c for c in d["certificates"] if c["id"] == cid)


def facility(d: Doc, fid: str) -> Doc:
    return next(f for f in d["facilities"] if f["id"] == fid)


def add_ingredient(
    d: Doc,
    mid: str,
    name: str,
    *,
    step: str = "step-masak",
    supplier: str = "sup-minyak",
    certificate: str | None = None,
    **fields: Any,
) -> None:
    """Add a material, a lot of it and its use in a step."""
    d["materials"].append({"id": mid, "name": name, "kind": "ingredient", **fields})
    d["lots"].append(
        {
            "id": f"lot-{mid}",
            "material": mid,
            "supplier": supplier,
            "certificate": certificate,
            "lot_code": f"L-{mid}",
            "quantity": 1,
            "unit": "kg",
            "received_on": "2025-11-10",
        }
    )
    next(s for s in d["steps"] if s["id"] == step)["inputs"].append(f"lot-{mid}")


def uncertify(d: Doc, lot_id: str) -> None:
    """Drop a lot's certificate from the dossier altogether."""
    gone = lot(d, lot_id)["certificate"]
    lot(d, lot_id)["certificate"] = None
    d["certificates"] = [c for c in d["certificates"] if c["id"] != gone]


def self_declare(d: Doc) -> None:
    """Make the rendang business a micro business on the self-declare route (eligible as is)."""
    d["business"].update(scale="micro", annual_turnover_idr=300_000_000)
    d["application"] = {
        "route": "self_declare",
        "pendamping_verification": {
            "pendamping": "Siti Aisyah",
            "registration_no": "LP3H-21-0003175",
            "verified_on": "2025-11-20",
        },
    }


def own_certificate(d: Doc, **fields: Any) -> None:
    """Give the product its own BPJPH SH covering its whole composition."""
    d["certificates"].append(
        {
            "id": "cert-own",
            "number": "ID21110099887760925",
            "kh_number": "KH-2025-77",
            "issuer": "BPJPH",
            "scheme": "regular",
            "holder": "business",
            "covers": ["p-rendang"],
            "issued_on": "2025-09-01",
            "valid_until": None,
            "status": "active",
            "status_since": "2025-09-01",
            **fields,
        }
    )
    d["product"]["certificate"] = "cert-own"
    d["product"]["certified_composition"] = [m["id"] for m in d["materials"] if m["kind"] == "ingredient"]


def store(d: Doc, *, separated: bool = False, labelled: bool = True) -> None:
    d["facilities"].append(
        {
            "id": "fac-gudang",
            "name": "Gudang bersama",
            "kind": "storage",
            "owner": "business",
            "shared_with": [{"product": "Bakso babi", "halal": False, "alternate_use": False, "separated": separated}],
        }
    )
    d["storage"].append({"facility": "fac-gudang", "holds": ["b-rendang"], "labelled": labelled})


def transport(d: Doc, *, with_non_halal: bool, packaged: bool) -> None:
    d["facilities"].append({"id": "fac-van", "name": "Mobil boks", "kind": "vehicle", "owner": "business"})
    d["transport"].append(
        {"facility": "fac-van", "carries": ["b-rendang"], "with_non_halal": with_non_halal, "packaged": packaged}
    )


def recognise_andaman(d: Doc) -> Reference:
    return Reference(
        merge_reference(
            shipped_data(),
            {
                "version": "test-1",
                "recognised_foreign_bodies": [
                    {"name": "Andaman Halal Audit Bureau", "country": "TH", "scope": ["gelatin"]}
                ],
            },
        )
    )


def run(change: Callable[[Doc], Any], base: str = "rendang-ok", as_of: str | None = None) -> dict[str, Any]:
    document = copy.deepcopy(example(base))
    reference = change(document)
    return assess(
        load_dossier(document),
        reference=reference if isinstance(reference, Reference) else None,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
    )


def fired(result: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in result["findings"] + result["self_declare"]["findings"] if f["rule"] == rule]


def chain(*changes: Callable[[Doc], Any]) -> Callable[[Doc], Any]:
    def apply(d: Doc) -> Any:
        out = None
        for change in changes:
            out = change(d) or out
        return out

    return apply


# (rule, change where it fires, close change where it must not, base, as_of)
CASES: list[tuple[str, Callable[[Doc], Any], Callable[[Doc], Any], str, str | None]] = [
    (
        "ING-01",
        lambda d: material(d, "m-minyak").update(name="Minyak babi (lard)"),
        lambda d: material(d, "m-minyak").update(name="Minyak kelapa"),
        "rendang-ok",
        None,
    ),
    (
        "ING-01",
        lambda d: add_ingredient(d, "m-sistein", "L-sistein", origin="synthetic", source_detail="human_hair"),
        lambda d: add_ingredient(
            d,
            "m-sistein",
            "L-sistein",
            origin="synthetic",
            source_detail="microbial",
            evidence=[{"type": "source_statement", "says": "fermentasi"}, {"type": "spec_sheet", "says": "-"}],
        ),
        "rendang-ok",
        None,
    ),
    ("ING-02", lambda d: uncertify(d, "lot-daging"), lambda d: None, "rendang-ok", None),
    (
        "ING-03",
        lambda d: material(d, "m-daging")["slaughter"].update(muslim_slaughterer=False),
        lambda d: material(d, "m-daging")["slaughter"].update(stunning="non_lethal"),
        "rendang-ok",
        None,
    ),
    (
        "ING-04",
        lambda d: uncertify(d, "lot-minyak"),
        lambda d: (
            uncertify(d, "lot-minyak"),
            material(d, "m-minyak").update(
                evidence=[{"type": "source_statement", "says": "100% sawit"}, {"type": "spec_sheet", "says": "-"}]
            ),
        ),
        "rendang-ok",
        None,
    ),
    (
        "ING-05",
        lambda d: material(d, "m-cabai").update(state="processed"),
        lambda d: material(d, "m-cabai").update(state="physically_processed"),
        "rendang-ok",
        None,
    ),
    (
        "ING-06",
        lambda d: (
            d["materials"].append(
                {"id": "m-karbon", "name": "Karbon aktif", "kind": "processing_aid", "category": "activated_carbon"}
            ),
            material(d, "m-minyak")["made_with"].append("m-karbon"),
            uncertify(d, "lot-minyak"),
        ),
        lambda d: (
            d["materials"].append(
                {"id": "m-karbon", "name": "Karbon aktif", "kind": "processing_aid", "category": "activated_carbon"}
            ),
            material(d, "m-minyak")["made_with"].append("m-karbon"),
        ),
        "rendang-ok",
        None,
    ),
    (
        "ING-07",
        lambda d: material(d, "m-kemasan").update(evidence=[]),
        lambda d: material(d, "m-kemasan").update(evidence=[], food_contact=False),
        "rendang-ok",
        None,
    ),
    (
        "ING-08",
        lambda d: add_ingredient(
            d, "m-kodok", "Paha kodok", origin="animal", category="meat", species="frog", certificate="cert-rph"
        ),
        lambda d: add_ingredient(
            d,
            "m-kepiting",
            "Kepiting bakau",
            origin="aquatic",
            category="seafood",
            species="crab",
            state="fresh",
            positive_list=True,
        ),
        "rendang-ok",
        None,
    ),
    (
        "ALC-01",
        lambda d: add_ingredient(d, "m-angciu", "Angciu"),
        lambda d: add_ingredient(d, "m-cuka", "Cuka beras", category="condiment", origin="plant", evidence=DOCUMENTED),
        "rendang-ok",
        None,
    ),
    (
        "ALC-02",
        lambda d: d["product"].update(is_beverage=True, measured_ethanol_pct=0.7),
        lambda d: d["product"].update(is_beverage=True, measured_ethanol_pct=0.3),
        "rendang-ok",
        None,
    ),
    (
        "ALC-03",
        lambda d: d["product"].update(is_beverage=True, fermented=True),
        lambda d: d["product"].update(fermented=True),
        "rendang-ok",
        None,
    ),
    (
        "ALC-04",
        lambda d: material(d, "m-garam").update(ethanol_source="unknown"),
        lambda d: material(d, "m-garam").update(ethanol_source="synthetic"),
        "rendang-ok",
        None,
    ),
    (
        "ALC-05",
        lambda d: add_ingredient(
            d,
            "m-perisa",
            "Perisa vanili cair",
            category="flavour",
            origin="synthetic",
            ethanol_source="synthetic",
            certificate="cert-minyak",
        ),
        lambda d: (
            add_ingredient(
                d,
                "m-perisa",
                "Perisa vanili cair",
                category="flavour",
                origin="synthetic",
                ethanol_source="synthetic",
                certificate="cert-minyak",
            ),
            d["product"].update(is_beverage=True, measured_ethanol_pct=0.1),
        ),
        "rendang-ok",
        None,
    ),
    (
        "ALC-06",
        lambda d: add_ingredient(d, "m-tape", "Tape singkong", origin="plant", state="fresh", positive_list=True),
        lambda d: d["product"].update(is_beverage=True, fermented=True, measured_ethanol_pct=0.2),
        "rendang-ok",
        None,
    ),
    (
        "MIC-01",
        lambda d: add_ingredient(d, "m-ragi", "Ragi", growth_medium="porcine"),
        lambda d: add_ingredient(d, "m-ragi", "Ragi", growth_medium="plant", certificate="cert-minyak"),
        "rendang-ok",
        None,
    ),
    (
        "MIC-02",
        lambda d: add_ingredient(d, "m-ragi", "Ragi instan"),
        lambda d: add_ingredient(d, "m-ragi", "Ragi instan", growth_medium="plant", evidence=DOCUMENTED),
        "rendang-ok",
        None,
    ),
    (
        "MIC-03",
        lambda d: add_ingredient(d, "m-ragi", "Ragi", growth_medium="blood", certificate="cert-minyak"),
        lambda d: add_ingredient(
            d,
            "m-ragi",
            "Ragi",
            growth_medium="blood",
            certificate="cert-minyak",
            evidence=[{"type": "purification_record", "says": "2 qullah"}],
        ),
        "rendang-ok",
        None,
    ),
    (
        "ADD-01",
        lambda d: add_ingredient(d, "m-emulsi", "Pengemulsi", kind="additive", e_number="E471"),
        lambda d: add_ingredient(
            d,
            "m-emulsi",
            "Pengemulsi",
            kind="additive",
            e_number="E471",
            evidence=[
                {"type": "source_statement", "says": "nabati"},
                {"type": "spec_sheet", "says": "-"},
                {"type": "pork_free_statement", "says": "-"},
            ],
        ),
        "rendang-ok",
        None,
    ),
    (
        "ADD-02",
        lambda d: add_ingredient(
            d, "m-karmin", "Pewarna karmin", category="colour", e_number="E120", certificate="cert-minyak"
        ),
        lambda d: add_ingredient(d, "m-syelak", "Pelapis syelak", e_number="E904", certificate="cert-minyak"),
        "rendang-ok",
        None,
    ),
    (
        "ADD-03",
        lambda d: add_ingredient(d, "m-syelak", "Pelapis syelak", e_number="E904", certificate="cert-minyak"),
        lambda d: add_ingredient(
            d, "m-karmin", "Pewarna karmin", category="colour", e_number="E120", certificate="cert-minyak"
        ),
        "rendang-ok",
        None,
    ),
    (
        "CERT-01",
        lambda d: cert(d, "cert-minyak").update(status="revoked", status_since="2025-11-01"),
        lambda d: cert(d, "cert-minyak").update(status="revoked", status_since="2025-12-01"),
        "rendang-ok",
        None,
    ),
    (
        "CERT-01",
        lambda d: cert(d, "cert-minyak").update(status="revoked", status_since="2025-12-01", fraud=True),
        lambda d: cert(d, "cert-minyak").update(status="active"),
        "rendang-ok",
        None,
    ),
    (
        "CERT-01",
        lambda d: cert(d, "cert-minyak").update(holder="sup-garam"),
        lambda d: cert(d, "cert-minyak").update(holder="sup-minyak"),
        "rendang-ok",
        None,
    ),
    (
        "CERT-02",
        lambda d: cert(d, "cert-minyak").update(
            scheme="legacy_mui",
            issuer="MUI",
            valid_until="2024-01-01",
            issued_on="2020-01-01",
            status_since="2020-01-01",
        ),
        lambda d: cert(d, "cert-minyak").update(
            scheme="legacy_mui",
            issuer="MUI",
            valid_until="2026-01-01",
            issued_on="2022-01-01",
            status_since="2022-01-01",
        ),
        "rendang-ok",
        None,
    ),
    (
        "CERT-03",
        lambda d: cert(d, "cert-minyak").update(number="BPJPH-12345"),
        lambda d: cert(d, "cert-minyak").update(number="ID21110041277360224"),
        "rendang-ok",
        None,
    ),
    (
        "CERT-04",
        lambda d: None,
        lambda d: (cert(d, "cert-penstabil").update(shln_registration="SHLN-2025-0042"), recognise_andaman(d))[1],
        "kue-lapis-gelatin",
        None,
    ),
    (
        "CERT-05",
        lambda d: own_certificate(d, scheme="foreign", issuer="Andaman Halal Audit Bureau"),
        lambda d: own_certificate(d),
        "rendang-ok",
        None,
    ),
    (
        "CERT-06",
        lambda d: (own_certificate(d), d["product"]["certified_composition"].remove("m-garam")),
        lambda d: own_certificate(d),
        "rendang-ok",
        None,
    ),
    (
        "FAC-01",
        lambda d: None,
        lambda d: facility(d, "fac-panggangan")["shared_with"][0].update(alternate_use=False, separated=True),
        "otak-otak-shared-line",
        None,
    ),
    (
        "FAC-02",
        lambda d: None,
        lambda d: facility(d, "fac-panggangan")["shared_with"][0].update(halal=True),
        "otak-otak-shared-line",
        None,
    ),
    (
        "FAC-03",
        lambda d: facility(d, "fac-dapur").update(najis_contact=[{"kind": "mughallazah", "until": "2025-10-01"}]),
        lambda d: facility(d, "fac-dapur").update(
            najis_contact=[{"kind": "mughallazah", "until": "2025-10-01"}],
            cleansing=[{"method": "sertu_7x_with_soil", "on": "2025-10-02"}],
        ),
        "rendang-ok",
        None,
    ),
    (
        "FAC-04",
        lambda d: facility(d, "fac-dapur").update(shared_with=[{"product": "Kue titipan", "halal": None}]),
        lambda d: facility(d, "fac-dapur").update(shared_with=[{"product": "Kue titipan", "halal": True}]),
        "rendang-ok",
        None,
    ),
    (
        "FAC-05",
        lambda d: facility(d, "fac-dapur").update(dedicated_halal=False),
        lambda d: facility(d, "fac-dapur").update(dedicated_halal=True),
        "rendang-ok",
        None,
    ),
    (
        "FAC-06",
        lambda d: facility(d, "fac-dapur").update(tools=[{"name": "Kuas olesan", "animal_hair": "porcine"}]),
        lambda d: facility(d, "fac-dapur").update(tools=[{"name": "Kuas olesan", "animal_hair": "goat"}]),
        "rendang-ok",
        None,
    ),
    ("STO-01", lambda d: store(d), lambda d: store(d, separated=True), "rendang-ok", None),
    (
        "STO-02",
        lambda d: store(d, separated=True, labelled=False),
        lambda d: store(d, separated=True),
        "rendang-ok",
        None,
    ),
    (
        "TRN-01",
        lambda d: transport(d, with_non_halal=True, packaged=False),
        lambda d: transport(d, with_non_halal=False, packaged=False),
        "rendang-ok",
        None,
    ),
    (
        "NAM-01",
        lambda d: d["product"].update(name="Rendang Setan"),
        lambda d: d["product"].update(name="Bakso Rendang Bir Pletok", brand="Cap Badak"),
        "rendang-ok",
        None,
    ),
    (
        "NAM-02",
        lambda d: d["product"].update(shape="berbentuk babi kecil"),
        lambda d: d["product"].update(shape="potongan kotak"),
        "rendang-ok",
        None,
    ),
    (
        "NAM-03",
        lambda d: d["product"].update(flavour_profile=["gurih", "rum"]),
        lambda d: d["product"].update(flavour_profile=["bir pletok", "jahe"]),
        "rendang-ok",
        None,
    ),
    (
        "LBL-01",
        lambda d: (
            own_certificate(d),
            d["product"].update(halal_claim=True, label={"halal_logo": True, "printed_number": "KH-2025-77"}),
        ),
        lambda d: (
            own_certificate(d),
            d["product"].update(halal_claim=True, label={"halal_logo": True, "printed_number": "ID21110099887760925"}),
        ),
        "rendang-ok",
        None,
    ),
    (
        "LBL-02",
        lambda d: d["product"].update(halal_claim=True),
        lambda d: (own_certificate(d), d["product"].update(halal_claim=True)),
        "rendang-ok",
        None,
    ),
    (
        "LBL-03",
        lambda d: (d.update(application=None), material(d, "m-minyak").update(name="Minyak babi")),
        lambda d: (
            d.update(application=None),
            material(d, "m-minyak").update(name="Minyak babi"),
            d["product"].update(declared_non_halal=True),
        ),
        "rendang-ok",
        None,
    ),
    (
        "SUP-01",
        lambda d: d["business"].update(halal_supervisor=None),
        lambda d: d["business"]["halal_supervisor"].update(trained_on=None),
        "rendang-ok",
        None,
    ),
    (
        "SUP-02",
        lambda d: (d["business"].update(scale="medium"), d["business"]["halal_supervisor"].update(trained_on=None)),
        lambda d: d["business"]["halal_supervisor"].update(trained_on=None),
        "rendang-ok",
        None,
    ),
    (
        "SJPH-01",
        lambda d: d["business"]["sjph"].update(last_training_on="2024-01-10"),
        lambda d: d["business"]["sjph"].update(last_training_on="2025-01-10"),
        "rendang-ok",
        None,
    ),
    (
        "SJPH-02",
        lambda d: d["business"]["sjph"].update(last_internal_audit_on=None),
        lambda d: d["business"]["sjph"].update(last_internal_audit_on="2025-01-10"),
        "rendang-ok",
        None,
    ),
    (
        "TRC-01",
        lambda d: (
            d["batches"].append({"id": "b-sisa", "lot_code": "SISA-1", "produced_on": "2025-11-01", "step": None}),
            d["steps"][2]["inputs"].append("b-sisa"),
        ),
        lambda d: None,
        "rendang-ok",
        None,
    ),
    (
        "NCP-01",
        lambda d: d["batches"][2].update(non_conforming=True, released=True),
        lambda d: d["batches"][2].update(non_conforming=True, released=True, recalled_on="2025-11-20"),
        "rendang-ok",
        None,
    ),
    ("DL-01", lambda d: None, lambda d: None, "rendang-ok", "2026-11-01"),
    (
        "SD-01",
        chain(self_declare, lambda d: d["business"].update(annual_turnover_idr=900_000_000)),
        self_declare,
        "rendang-ok",
        None,
    ),
    (
        "SD-02",
        chain(
            self_declare,
            lambda d: d["facilities"].append(
                {"id": "fac-dapur-2", "name": "Dapur kedua", "kind": "production", "owner": "business"}
            ),
        ),
        self_declare,
        "rendang-ok",
        None,
    ),
    ("SD-03", chain(self_declare, lambda d: uncertify(d, "lot-minyak")), self_declare, "rendang-ok", None),
    ("SD-04", chain(self_declare, lambda d: uncertify(d, "lot-daging")), self_declare, "rendang-ok", None),
    (
        "SD-05",
        chain(self_declare, lambda d: d["product"].update(preservation=["pengeringan", "pengawet"])),
        chain(self_declare, lambda d: d["product"].update(preservation=["pengeringan"])),
        "rendang-ok",
        None,
    ),
    (
        "SD-06",
        chain(self_declare, lambda d: d["product"].update(category="catering")),
        self_declare,
        "rendang-ok",
        None,
    ),
    (
        "SD-07",
        chain(self_declare, lambda d: d["application"].update(pendamping_verification=None)),
        self_declare,
        "rendang-ok",
        None,
    ),
    (
        "SD-08",
        chain(self_declare, lambda d: d["product"].update(is_beverage=True, fermented=True)),
        chain(self_declare, lambda d: d["product"].update(fermented=True)),
        "rendang-ok",
        None,
    ),
]


def test_every_catalogue_rule_has_cases_both_ways():
    assert {case[0] for case in CASES} == set(RULES)


@pytest.mark.parametrize(
    ("rule", "fires", "spares", "base", "as_of"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fires_and_spares_the_close_case(rule, fires, spares, base, as_of):
    hits = fired(run(fires, base, as_of), rule)
    close = fired(run(spares, base, None if rule == "DL-01" else as_of), rule)

    assert hits, f"{rule} should fire"
    assert close == [], f"{rule} should not fire on the close case: {close}"
    for finding in hits:
        assert finding["path"][0].startswith("batch:")
        assert finding["path"][-1] == finding["subject"]
        assert finding["message"]["id"]
        assert finding["message"]["en"]
        assert "{" not in finding["message"]["en"]
        assert finding["basis"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_shared_examples_give_their_expected_results(name):
    expected = json.loads((Path(__file__).parents[1] / "data" / "examples" / f"{name}.expected.json").read_text())

    result = assess(load_dossier(example(name)))

    rules = {f["rule"] for f in result["findings"]}
    blocking = {f["rule"] for f in result["findings"] if f["severity"] in ("violation", "needs_evidence")}
    assert result["verdict"] == expected["verdict"]
    assert result["status"] == expected["status"]
    assert result["status_reason"] == expected["status_reason"]
    assert set(expected["must_fire"]) <= rules
    assert blocking <= set(expected["must_fire"])
    if expected["self_declare_eligible"] is not None:
        assert result["self_declare"]["eligible"] is expected["self_declare_eligible"]
    assert set(expected["self_declare_must_fire"]) <= {f["rule"] for f in result["self_declare"]["findings"]}


def test_self_declare_findings_do_not_change_the_verdict():
    result = run(chain(self_declare, lambda d: d["business"].update(annual_turnover_idr=900_000_000)))

    assert fired(result, "SD-01")
    assert result["verdict"] == "ok"
    assert result["self_declare"]["eligible"] is False


def test_the_clean_self_declare_base_is_eligible():
    assert run(self_declare)["self_declare"] == {"eligible": True, "findings": []}


def test_assessment_is_deterministic():
    document = load_dossier(example("kue-lapis-gelatin"))

    assert assess(document) == assess(copy.deepcopy(document))


def test_a_haram_material_gives_one_finding_not_many():
    result = run(lambda d: (uncertify(d, "lot-minyak"), material(d, "m-minyak").update(name="Minyak babi")))

    on_material = [f["rule"] for f in result["findings"] if f["subject"] == "material:m-minyak"]
    assert on_material == ["ING-01"]


def test_suspension_needs_evidence_and_revocation_is_a_violation():
    suspended = run(lambda d: cert(d, "cert-minyak").update(status="suspended", status_since="2025-11-01"))
    revoked = run(lambda d: cert(d, "cert-minyak").update(status="revoked", status_since="2025-11-01"))

    assert [f["severity"] for f in fired(suspended, "CERT-01")] == ["needs_evidence"]
    assert [f["severity"] for f in fired(revoked, "CERT-01")] == ["violation"]


def test_a_certificate_valid_when_the_lot_was_received_still_counts_after_expiry():
    result = run(lambda d: cert(d, "cert-minyak").update(valid_until="2025-11-12"))

    assert fired(result, "CERT-01") == []


def test_deadline_warns_within_180_days_and_bites_after():
    assert [f["severity"] for f in fired(run(lambda d: None, as_of="2026-06-01"), "DL-01")] == ["advisory"]
    assert [f["severity"] for f in fired(run(lambda d: None, as_of="2026-10-18"), "DL-01")] == ["violation"]


def test_free_text_names_are_recognised_when_fields_are_empty():
    result = run(lambda d: add_ingredient(d, "m-kaldu", "Kaldu ayam bubuk"))

    assert [f["subject"] for f in fired(result, "ING-02")] == ["material:m-kaldu"]


def test_a_product_not_seeking_halal_status_is_judged_on_materials_and_labels_only():
    result = run(lambda d: (d.update(application=None), d["business"].update(halal_supervisor=None)))

    assert fired(result, "SUP-01") == []
    assert result["status"] == "pending"
