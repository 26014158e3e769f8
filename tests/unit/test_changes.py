"""What changed since a decision: snapshots of a graph's records and findings, and the difference of two."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from traceability.changes import FactChange, diff, snapshot
from traceability.vocabulary import CertificateStatus


def _graph(*, status=CertificateStatus.ACTIVE, number="ID3111", until=dt.date(2027, 1, 31), extra_lot=False):
    g = nx.DiGraph()
    g.add_node("supplier:1", type="supplier", name="RPH Batam", kind="slaughterhouse", country="ID")
    g.add_node("material:2", type="material", name="Daging sapi", kind="ingredient", origin="animal")
    g.add_node("certificate:3", type="certificate", number=number, issuer="BPJPH", status=status, valid_until=until)
    g.add_node("lot:4", type="lot", lot_code="DG-01", quantity=5, unit="kg", received_on=dt.date(2026, 11, 2))
    g.add_node("step:5", type="step", name="Masak", process="cooking")
    g.add_node("batch:6", type="batch", lot_code="RD-01")
    g.add_edges_from([("supplier:1", "lot:4"), ("material:2", "lot:4"), ("certificate:3", "lot:4")])
    g.add_edges_from([("lot:4", "step:5"), ("step:5", "batch:6")])
    if extra_lot:
        g.add_node("lot:7", type="lot", lot_code="DG-02", quantity=2, unit="kg")
        g.add_edges_from([("supplier:1", "lot:7"), ("material:2", "lot:7"), ("lot:7", "step:5")])
    return g


def _finding(rule, subject, severity):
    return {"rule": rule, "subject": subject, "severity": severity, "message": {"id": f"pesan {rule}", "en": rule}}


def test_a_snapshot_keeps_the_records_with_their_names_and_links_and_the_findings():
    taken = snapshot(_graph(), [_finding("CERT-01", "certificate:3", "needs_evidence")])

    assert set(taken["records"]) == {"supplier:1", "material:2", "certificate:3", "lot:4", "step:5"}
    lot = taken["records"]["lot:4"]
    assert lot["name"] == "DG-01"
    assert lot["facts"] == {
        "lot_code": "DG-01",
        "material": "Daging sapi",
        "supplier": "RPH Batam",
        "certificate": "ID3111",
        "quantity": 5,
        "unit": "kg",
        "received_on": "2026-11-02",
    }
    assert taken["records"]["certificate:3"]["facts"]["status"] == "active"
    assert taken["records"]["step:5"]["facts"]["inputs"] == ["DG-01"]
    assert taken["findings"]["CERT-01 certificate:3"]["subject_name"] == "ID3111"


def test_the_same_facts_make_no_changes():
    findings = [_finding("ING-01", "lot:4", "violation")]

    assert not diff(snapshot(_graph(), findings), snapshot(_graph(), findings))


def test_a_certificate_revoked_renumbered_and_extended_is_one_change_with_each_field():
    before = snapshot(_graph(), [])
    after = snapshot(_graph(status=CertificateStatus.REVOKED, number="ID9999", until=dt.date(2030, 1, 1)), [])

    changes = diff(before, after)

    certificate = next(c for c in changes.records if c.kind == "certificate")
    assert certificate.change == "changed"
    assert certificate.name == "ID9999"
    assert set(certificate.facts) == {
        FactChange("number", "ID3111", "ID9999"),
        FactChange("status", "active", "revoked"),
        FactChange("valid_until", "2027-01-31", "2030-01-01"),
    }
    lot = next(c for c in changes.records if c.kind == "lot")  # the lot names its certificate by number
    assert lot.facts == (FactChange("certificate", "ID3111", "ID9999"),)


def test_a_lot_added_and_removed_and_a_step_removed_are_reported_with_their_facts():
    one, two = snapshot(_graph(), []), snapshot(_graph(extra_lot=True), [])
    bare = _graph()
    bare.remove_node("step:5")
    without_step = snapshot(bare, [])

    added, removed = diff(one, two), diff(two, one)
    gone = diff(one, without_step)

    new = [c for c in added.records if c.change == "added"]
    assert [(c.kind, c.name) for c in new] == [("lot", "DG-02")]
    assert FactChange("supplier", None, "RPH Batam") in new[0].facts
    assert [c.change for c in added.records if c.kind == "step"] == ["changed"]
    assert next(c for c in added.records if c.kind == "step").facts == (
        FactChange("inputs", ["DG-01"], ["DG-01", "DG-02"]),
    )
    assert [(c.change, c.name) for c in removed.records if c.kind == "lot"] == [("removed", "DG-02")]
    assert FactChange("quantity", 2, None) in next(c for c in removed.records if c.kind == "lot").facts
    assert [(c.change, c.kind, c.name) for c in gone.records] == [("removed", "step", "Masak")]


def test_findings_that_appear_disappear_or_change_severity():
    before = snapshot(
        _graph(), [_finding("CERT-01", "certificate:3", "needs_evidence"), _finding("ING-01", "lot:4", "violation")]
    )
    after = snapshot(
        _graph(), [_finding("CERT-01", "certificate:3", "violation"), _finding("FAC-01", "step:5", "violation")]
    )

    found = {f.rule: f for f in diff(before, after).findings}

    assert found["CERT-01"].change == "severity"
    assert (found["CERT-01"].severity_before, found["CERT-01"].severity_after) == ("needs_evidence", "violation")
    assert found["ING-01"].change == "disappeared"
    assert found["ING-01"].subject_name == "DG-01"  # named from the decision's own snapshot
    assert found["ING-01"].kind == "lot"
    assert found["FAC-01"].change == "appeared"
    assert found["FAC-01"].message == {"id": "pesan FAC-01", "en": "FAC-01"}


def test_a_snapshot_is_plain_json():
    import json

    taken = snapshot(_graph(), [_finding("ING-01", "lot:4", "violation")])

    assert json.loads(json.dumps(taken)) == taken
