"""What the public is told and what a rule may let pass: rule classes and the status they allow, halal
evidence bound to the lot, one gap one finding, rules inside their material class, names read by the
catalogue before the rules run. The base is the shared rendang example (verdict ok, status pending)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_rules import Doc, add_ingredient, cert, facility, fired, lot, material, run, transport
from traceability.rules.catalogue import CLASSES, RULES

# --- halal evidence binds to the lot ------------------------------------------------------------------


def second_oil_lot(d: Doc, supplier: str, certificate: str | None = None) -> None:
    """A second lot of cooking oil, used in the same cooking step as the first."""
    d["lots"].append({**lot(d, "lot-minyak"), "id": "lot-minyak-2", "supplier": supplier, "certificate": certificate})
    next(s for s in d["steps"] if s["id"] == "step-masak")["inputs"].append("lot-minyak-2")


def market(d: Doc) -> None:
    d["suppliers"].append(
        {"id": "sup-toko", "name": "Toko Sembako Sinar", "kind": "market", "country": "ID", "nib": None}
    )


def test_another_suppliers_certificate_never_speaks_for_a_lot():
    # Oil bought from the packaging maker, who holds no SH, while the oil maker's SH covers cooking oil.
    result = run(lambda d: second_oil_lot(d, "sup-kemasan"))

    assert [f["subject"] for f in fired(result, "ING-04")] == ["material:m-minyak"]
    assert result["status_reason"] == "evidence_missing"


def test_the_lots_own_supplier_certificate_covers_a_second_lot():
    result = run(lambda d: second_oil_lot(d, "sup-minyak"))

    assert fired(result, "ING-04") == []
    assert result["verdict"] == "ok"


def test_a_certificate_attached_to_a_lot_of_another_supplier_is_one_cert_finding():
    result = run(lambda d: second_oil_lot(d, "sup-kemasan", "cert-minyak"))

    on_oil = [f["rule"] for f in result["findings"] if "minyak" in f["subject"]]
    assert on_oil == ["CERT-01"]
    assert "someone other than the supplier" in fired(result, "CERT-01")[0]["message"]["en"]


def test_a_distributor_may_pass_on_its_manufacturers_certificate():
    passed_on = run(lambda d: (market(d), second_oil_lot(d, "sup-toko", "cert-minyak")))
    foreign_holder = run(lambda d: (market(d), second_oil_lot(d, "sup-toko", "cert-garam")))

    assert passed_on["findings"] == []
    assert [f["rule"] for f in foreign_holder["findings"]] == ["CERT-01"]  # salt maker's SH, not in scope


def test_a_certificate_must_hold_on_the_lots_dates():
    # The second lot, from the oil maker itself, was received and used after the SH was revoked.
    def revoked_after_first(d: Doc) -> None:
        cert(d, "cert-minyak").update(status="revoked", status_since="2025-11-15")
        second_oil_lot(d, "sup-minyak")
        lot(d, "lot-minyak-2")["received_on"] = "2025-11-16"
        lot(d, "lot-minyak")["received_on"] = "2025-11-01"
        next(s for s in d["steps"] if s["id"] == "step-masak")["on"] = "2025-11-18"

    result = run(revoked_after_first)

    assert "material:m-minyak" in [f["subject"] for f in fired(result, "ING-04")]
    assert result["status"] == "pending"


# --- one gap, one finding; rules inside their material class -----------------------------------------


def on(result: dict[str, Any], subject: str) -> list[str]:
    return sorted(f["rule"] for f in result["findings"] if f["subject"] == subject)


@pytest.mark.parametrize(
    ("name", "fields", "speaks"),
    [
        ("Renet anak sapi", {"category": "enzyme", "origin": "animal", "species": "bovine"}, "ING-02"),
        ("Ekstrak ragi (flavour base)", {"category": "flavour", "origin": "microbial"}, "MIC-02"),
        ("Penguat rasa MSG", {}, "MIC-02"),
        ("Pengemulsi E471", {}, "ADD-01"),
        ("Kaldu ayam bubuk", {}, "ING-02"),
    ],
)
def test_one_gap_gives_one_finding_under_the_most_specific_rule(name, fields, speaks):
    result = run(lambda d: add_ingredient(d, "m-x", name, supplier="sup-pasar-jodoh", **fields))

    assert on(result, "material:m-x") == [speaks]


def test_an_animal_rennet_is_judged_by_slaughter_not_by_growth_medium():
    result = run(lambda d: add_ingredient(d, "m-x", "Rennet", category="enzyme", origin="animal"))
    microbial = run(lambda d: add_ingredient(d, "m-x", "Enzim amilase", category="enzyme", origin="unknown"))

    assert on(result, "material:m-x") == ["ING-02"]
    assert on(microbial, "material:m-x") == ["MIC-02"]


def test_a_flavour_whose_own_certificate_holds_needs_no_ethanol_source():
    def flavour(d: Doc, *, certified: bool) -> None:
        d["suppliers"].append(
            {"id": "sup-perisa", "name": "PT Perisa", "kind": "manufacturer", "country": "ID", "nib": None}
        )
        if certified:
            d["certificates"].append(
                {**cert(d, "cert-minyak"), "id": "cert-perisa", "holder": "sup-perisa", "covers": ["m-perisa"]}
            )
        add_ingredient(
            d,
            "m-perisa",
            "Perisa vanili cair",
            supplier="sup-perisa",
            certificate="cert-perisa" if certified else None,
            category="flavour",
            ethanol_source="unknown",
        )

    certified = run(lambda d: flavour(d, certified=True))
    uncertified = run(lambda d: flavour(d, certified=False))

    assert on(certified, "material:m-perisa") == []
    assert "ALC-04" in on(uncertified, "material:m-perisa")


# --- classes and the status they allow -----------------------------------------------------------------


def test_every_rule_has_a_class_and_every_finding_carries_it():
    result = run(lambda d: (transport(d, with_non_halal=True, packaged=True), add_ingredient(d, "m-x", "Gula pasir")))

    assert {rule.cls for rule in RULES.values()} == set(CLASSES)
    for finding in result["findings"] + result["self_declare"]["findings"]:
        assert finding["class"] in CLASSES
    assert [f["class"] for f in fired(result, "TRN-01")] == ["evidence"]  # sealed and packaged


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        (lambda d: material(d, "m-minyak").update(name="Minyak babi"), "not_halal", "haram_material"),
        (
            lambda d: facility(d, "fac-dapur")["shared_with"].append(
                {"product": "Babi kecap", "halal": False, "alternate_use": True, "separated": False}
            ),
            "not_halal",
            "najis_contact",
        ),
        (lambda d: transport(d, with_non_halal=True, packaged=False), "not_halal", "najis_contact"),
        (lambda d: transport(d, with_non_halal=True, packaged=True), "pending", "evidence_missing"),
        (lambda d: d["product"].update(halal_claim=True), "pending", "false_halal_claim"),
        (lambda d: d["business"].update(halal_supervisor=None), "pending", "cannot_be_certified"),
        (
            lambda d: cert(d, "cert-minyak").update(status="revoked", status_since="2025-11-01"),
            "pending",
            "certificate_inactive",
        ),
        (lambda d: add_ingredient(d, "m-x", "Gula pasir"), "pending", "evidence_missing"),
        (lambda d: None, "pending", "not_certified"),
        (
            lambda d: (
                d.update(application=None),
                d["product"].update(declared_non_halal=True),
                material(d, "m-minyak").update(name="Minyak babi"),
            ),
            "not_halal",
            "declared_non_halal",
        ),
    ],
)
def test_only_haram_or_a_declaration_makes_a_product_not_halal(change, status, reason):
    result = run(change)

    assert (result["status"], result["status_reason"]) == (status, reason)
    assert result["status_text"]["id"]
    assert result["status_text"]["en"]


def test_a_missed_deadline_reads_not_certified_with_its_date():
    result = run(lambda d: None, as_of="2026-12-01")

    assert result["verdict"] == "violation"
    assert (result["status"], result["status_reason"]) == ("pending", "not_certified")
    assert result["status_text"]["id"] == "Belum bersertifikat halal (wajib sejak 17 Okt 2026)"


def test_the_reason_names_the_revoked_suppliers_material_and_date():
    result = run(lambda d: cert(d, "cert-minyak").update(status="revoked", status_since="2025-04-01"))

    assert result["status_text"] == {
        "id": "Sertifikat halal pemasok minyak goreng sawit dicabut sejak 1 Apr 2025",
        "en": "The halal certificate of the palm cooking oil supplier was revoked on 1 Apr 2025",
    }


# --- names read by the catalogue before the rules run ------------------------------------------------------


def test_fresh_produce_recorded_by_name_only_is_exempt():
    result = run(lambda d: add_ingredient(d, "m-x", "Cabai merah segar", supplier="sup-pasar-jodoh", origin="unknown"))
    processed = run(
        lambda d: add_ingredient(d, "m-x", "Cabai merah segar", supplier="sup-pasar-jodoh", state="processed")
    )

    assert on(result, "material:m-x") == []
    assert on(processed, "material:m-x") == ["ING-04"]


@pytest.mark.parametrize(
    ("name", "rule", "entry"),
    [
        ("Angciu", "ALC-01", "angciu"),
        ("arak masak", "ALC-01", "arak"),
        ("mirin", "ALC-01", "mirin atau minuman keras"),
        ("minyak babi", "ING-01", "minyak babi"),
        ("gelatin babi", "ING-01", "gelatin babi"),
    ],
)
def test_haram_names_are_haram_whatever_the_other_fields_say(name, rule, entry):
    fields = {"origin": "plant", "category": "spice", "state": "fresh", "positive_list": True, "is_khamr": False}
    result = run(lambda d: add_ingredient(d, "m-x", name, supplier="sup-pasar-jodoh", **fields))

    (finding,) = [f for f in result["findings"] if f["subject"] == "material:m-x"]
    assert (finding["rule"], finding["class"]) == (rule, "haram")
    assert f"dikenali katalog sebagai {entry}" in finding["message"]["id"]
    assert result["status"] == "not_halal"
