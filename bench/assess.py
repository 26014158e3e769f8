"""Benchmark: what judging a batch costs, and how fast a revocation reaches every batch it affects.

Why this exists: assessments are recomputed whenever something upstream changes, inside the change's
own transaction, so their cost is paid by every write and every revocation. Two measurements, each a
ratio to a baseline measured in the same run:

1. Assessment time per batch against the size of its upstream graph (10 to 2,000 nodes), as a ratio
   to building the same networkx graph alone (``dossier_graph``). A flat ratio means the rules cost a
   constant factor over merely loading the graph.
2. Propagation of a certificate revocation to 10, 1,000 and 10,000 downstream batches, through
   ``set_certificate_status`` with every affected batch reassessed in the same transaction, as a ratio
   to a bare Core UPDATE of the same number of assessment rows. Also per batch, which should stay flat.
3. The production path of the largest size (10,000; 1,000 with --quick): one code per batch, every answer
   verified, the default inline limit. The revoking request must return with no answer still verified (one
   set-based UPDATE lowers them, as a ratio to a bare UPDATE of the same answers); the queued reassessment
   that follows is timed as it drains.

Usage: ``python bench/assess.py [--quick] [--database URL ...]`` (see bench/benchdb.py for URLs).
The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from typing import Any

import sqlalchemy as sa
from benchdb import Unreachable, fresh_database, server_version, targets
from sqlalchemy.orm import sessionmaker

from api.db import make_engine
from api.migrate import upgrade
from models import (
    Assessment,
    Batch,
    Business,
    Certificate,
    CertificateScope,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    PublicAnswer,
    Review,
    ReviewEvent,
    StepInput,
    Supplier,
    VerificationCode,
)
from models.base import utcnow
from traceability import service
from traceability.formats.dossier import load_dossier
from traceability.identifiers import certificate_number_key, issuer_key
from traceability.rules.context import dossier_graph
from traceability.rules.engine import assess
from traceability.service import assessments, public_views
from traceability.service.access import Actor
from traceability.vocabulary import CertificateStatus, ReviewState

DAY = dt.date(2025, 11, 24)
AUDITOR = Actor.operator("bench")


# --- 1. assessment time against graph size --------------------------------------------------------


def synthetic_dossier(lots: int) -> dict[str, Any]:
    """A dossier whose one batch is made from `lots` certified lots: about 4 upstream nodes per lot."""
    doc: dict[str, Any] = {
        "format": "halal-trace/dossier@1",
        "as_of": DAY.isoformat(),
        "business": {
            "name": "Bench",
            "nib": "1208230044517",
            "scale": "small",
            "annual_turnover_idr": 1,
            "halal_supervisor": {"name": "A", "muslim": True, "trained_on": "2025-07-01"},
            "sjph": {
                "last_training_on": "2025-07-01",
                "last_internal_audit_on": "2025-07-01",
                "last_management_review_on": "2025-07-01",
            },
        },
        "application": {"route": "regular", "pendamping_verification": None},
        "suppliers": [],
        "certificates": [],
        "materials": [],
        "lots": [],
        "facilities": [{"id": "fac", "name": "Dapur", "kind": "production", "dedicated_halal": True}],
        "product": {"id": "p", "name": "Produk", "category": "snack"},
        "steps": [{"id": "s", "name": "Masak", "facility": "fac", "on": "2025-11-20", "inputs": []}],
        "batches": [{"id": "b", "lot_code": "B-1", "produced_on": "2025-11-20", "step": "s"}],
    }
    doc["steps"][0]["outputs"] = ["b"]
    for i in range(lots):
        doc["suppliers"].append({"id": f"sup{i}", "name": f"Pemasok {i}", "kind": "manufacturer"})
        doc["materials"].append(
            {
                "id": f"m{i}",
                "name": f"Bahan {i}",
                "kind": "ingredient",
                "category": "grain",
                "origin": "plant",
                "state": "processed",
            }
        )
        doc["certificates"].append(
            {
                "id": f"c{i}",
                "number": f"ID2111{i:013d}",
                "issuer": "BPJPH",
                "scheme": "regular",
                "holder": f"sup{i}",
                "covers": [f"m{i}"],
                "issued_on": "2024-01-01",
                "status": "active",
            }
        )
        doc["lots"].append(
            {
                "id": f"l{i}",
                "material": f"m{i}",
                "supplier": f"sup{i}",
                "certificate": f"c{i}",
                "lot_code": f"L{i}",
                "received_on": "2025-11-01",
            }
        )
        doc["steps"][0]["inputs"].append(f"l{i}")
    return load_dossier(doc)


def median_seconds(action: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def graph_sizes(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for nodes in (10, 100, 500) if quick else (10, 100, 500, 1000, 2000):
        doc = synthetic_dossier(max(1, (nodes - 4) // 4))
        upstream = dossier_graph(doc).number_of_nodes()
        repeat = 5 if nodes >= 1000 else 20
        build = median_seconds(lambda d=doc: dossier_graph(d), repeat)
        full = median_seconds(lambda d=doc: assess(d, as_of=DAY), repeat)
        rows.append(
            {
                "upstream_nodes": upstream,
                "graph_ms": round(build * 1000, 3),
                "assess_ms": round(full * 1000, 3),
                "ratio": round(full / build, 1),
            }
        )
    return rows


# --- 2. propagation of a revocation ---------------------------------------------------------------


def seed(engine: sa.Engine, batches: int) -> tuple[int, int]:
    """One business whose certified lot went into `batches` batches, inserted with Core for speed."""
    with engine.begin() as c:
        now = utcnow()
        business = c.execute(
            sa.insert(Business).returning(Business.id),
            {
                "name": "Bench",
                "nib": "1208230044517",
                "scale": "small",
                "country": "ID",
                "version": 1,
                "supervisor_name": "A",
                "supervisor_muslim": True,
                "supervisor_trained_on": DAY,
                "sjph_last_training_on": DAY,
                "sjph_last_internal_audit_on": DAY,
                "sjph_last_management_review_on": DAY,
                "created_at": now,
            },
        ).scalar_one()
        common = {"business_id": business, "version": 1, "created_at": now}
        supplier = c.execute(
            sa.insert(Supplier).returning(Supplier.id),
            {**common, "name": "Pabrik", "kind": "manufacturer", "country": "ID"},
        ).scalar_one()
        material = c.execute(
            sa.insert(Material).returning(Material.id),
            {
                **common,
                "name": "Minyak goreng",
                "kind": "ingredient",
                "category": "oil_fat",
                "origin": "plant",
                "state": "processed",
                "positive_list": False,
                "is_khamr": False,
                "ethanol_source": "none",
            },
        ).scalar_one()
        cert = c.execute(
            sa.insert(Certificate).returning(Certificate.id),
            {
                **common,
                "number": "ID21110041277360224",
                "issuer": "BPJPH",
                "number_key": certificate_number_key("ID21110041277360224"),  # a Core insert sets the keys itself
                "issuer_key": issuer_key("BPJPH"),
                "scheme": "regular",
                "holder_supplier_id": supplier,
                "issued_on": dt.date(2024, 1, 1),
                "status": "active",
                "fraud": False,
            },
        ).scalar_one()
        c.execute(sa.insert(CertificateScope), {"certificate_id": cert, "material_id": material, "position": 0})
        lot = c.execute(
            sa.insert(MaterialLot).returning(MaterialLot.id),
            {
                **common,
                "material_id": material,
                "supplier_id": supplier,
                "certificate_id": cert,
                "lot_code": "MG-1",
                "received_on": dt.date(2025, 11, 1),
            },
        ).scalar_one()
        product = c.execute(
            sa.insert(Product).returning(Product.id),
            {
                **common,
                "name": "Keripik",
                "category": "snack",
                "is_beverage": False,
                "fermented": False,
                "flavour_profile": [],
                "preservation": [],
                "halal_claim": False,
                "declared_non_halal": False,
                "label_halal_logo": False,
                "application_route": "regular",
            },
        ).scalar_one()
        steps = (
            c.execute(
                sa.insert(ProductionStep).returning(ProductionStep.id, sort_by_parameter_order=True),
                [{**common, "name": f"Goreng {i}", "performed_on": DAY} for i in range(batches)],
            )
            .scalars()
            .all()
        )
        c.execute(sa.insert(StepInput), [{"step_id": s, "lot_id": lot, "position": 0} for s in steps])
        c.execute(
            sa.insert(Batch),
            [
                {
                    **common,
                    "product_id": product,
                    "lot_code": f"K-{i}",
                    "produced_on": DAY,
                    "step_id": s,
                    "non_conforming": False,
                    "released": False,
                }
                for i, s in enumerate(steps)
            ],
        )
    return business, cert


def _propagate_once(url: str, size: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    _business, cert = seed(engine, size)
    make = sessionmaker(
        engine, expire_on_commit=False, info={"propagation_inline_limit": size, "assessment_as_of": DAY}
    )
    with make() as session:  # the starting point: every batch assessed
        start = time.perf_counter()
        with session.begin():
            assessments.assess_batches(session, session.scalars(sa.select(Batch.id)).all())
        first = time.perf_counter() - start
    with make() as session:
        start = time.perf_counter()
        assessments.set_certificate_status(
            session, AUDITOR, cert, status=CertificateStatus.REVOKED, effective=dt.date(2025, 11, 1), reason="bench"
        )
        revoke = time.perf_counter() - start
        # A revoked supplier certificate is a certificate question, not haram (DESIGN section 5): each batch's
        # public reason turns to certificate_inactive.
        flipped = sum(
            body.get("status_reason") == "certificate_inactive" for body in session.scalars(sa.select(Assessment.body))
        )
    with engine.begin() as c:  # the baseline: touching the same rows without judging them
        start = time.perf_counter()
        c.execute(sa.update(Assessment).values(stale=False, computed_at=utcnow()))
        baseline = time.perf_counter() - start
    engine.dispose()
    assert flipped == size, f"{flipped} of {size} batches flipped"
    return {
        "batches": size,
        "first_assessment_s": round(first, 3),
        "revocation_s": round(revoke, 3),
        "per_batch_ms": round(revoke / size * 1000, 3),
        "core_update_s": round(baseline, 4),
        "ratio": round(revoke / baseline, 1),
    }


def _bounded_once(url: str, size: int) -> dict[str, Any]:
    """The production path: one code per batch, the default inline limit, so a fan-out over it is lowered with
    one statement before the revoking request returns and reassessed by the queue afterwards (here drained in
    this process, 1,000 batches per job run, as the worker does)."""
    engine = make_engine(url)
    upgrade(engine)
    business, cert = seed(engine, size)
    make = sessionmaker(engine, expire_on_commit=False, info={"assessment_as_of": DAY})
    with make() as session, session.begin():
        batch_ids = session.scalars(sa.select(Batch.id).order_by(Batch.id)).all()
        judged = assessments.assess_batches(session, batch_ids)
        product = session.scalar(sa.select(Batch.product_id).limit(1))
        for batch_id, judgement in judged.items():  # an auditor approved each batch's graph: it is halal verified
            review = Review(business_id=business, product_id=product, batch_id=batch_id, state=ReviewState.APPROVED)
            review.events = [ReviewEvent(action="approve", comment="bench", graph_digest=judgement.graph_digest)]
            session.add(review)
        assessments.assess_batches(session, batch_ids)
        session.execute(
            sa.insert(VerificationCode),
            [
                {"code": f"BENCH{i:010d}", "business_id": business, "batch_id": b, "url": f"https://x/v/{i}",
                 "signature": "-", "key_id": "bench", "issued_at": utcnow()}
                for i, b in enumerate(batch_ids)
            ],
        )  # fmt: skip
        public_views.backfill(session)  # every code's stored answer, by the service's own builder

    def verified(session: Any) -> int:
        return int(session.scalar(sa.select(sa.func.count()).where(PublicAnswer.state == "verified")) or 0)

    with make() as session:
        before = verified(session)
        start = time.perf_counter()
        assessments.set_certificate_status(
            session, AUDITOR, cert, status=CertificateStatus.REVOKED, effective=dt.date(2025, 11, 1), reason="bench"
        )
        revoke = time.perf_counter() - start
        after, queued = verified(session), assessments.stale_count(session)
    with make() as session:
        start = time.perf_counter()
        while assessments.refresh_stale(session):
            pass
        drained = time.perf_counter() - start
    with engine.begin() as c:  # the baseline: lowering the same answers with a bare UPDATE
        start = time.perf_counter()
        c.execute(sa.update(PublicAnswer).values(state="pending"))
        baseline = time.perf_counter() - start
    engine.dispose()
    assert before == size, f"{before} of {size} answers verified before the revocation"
    assert after == 0, f"{after} answers still verified when the revocation returned"
    return {
        "batches": size,
        "verified_before": before,
        "verified_after_return": after,
        "queued": queued,
        "revocation_s": round(revoke, 3),
        "core_update_s": round(baseline, 4),
        "ratio": round(revoke / baseline, 1),
        "queue_drain_s": round(drained, 2),
    }


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", metavar="URL")
    parser.add_argument("--quick", action="store_true", help="small sizes only (CI smoke run)")
    args = parser.parse_args(argv)
    sizes = [10, 100] if args.quick else [10, 1000, 10000]
    report: dict[str, Any] = {"benchmark": "assess", "graph": graph_sizes(args.quick), "propagation": [], "skipped": []}
    print("assessment per batch vs building its graph (median):")
    print(f"  {'upstream nodes':>14} {'graph ms':>10} {'assess ms':>10} {'ratio':>7}")
    for row in report["graph"]:
        print(f"  {row['upstream_nodes']:>14} {row['graph_ms']:>10} {row['assess_ms']:>10} {row['ratio']:>6}x")
    for target in targets(args.database):
        try:
            with fresh_database(target) as url:
                engine = make_engine(url)
                version = server_version(engine)
                engine.dispose()
                # Each size gets a database of its own, so earlier rows cannot slow later ones.
                rows = [_propagate_once(url, sizes[0])] + [_fresh(target, size) for size in sizes[1:]]
        except Unreachable as exc:
            print(f"{target.name}: skipped, cannot use {target.url}: {exc}")
            report["skipped"].append({"database": target.name, "reason": str(exc)})
            continue
        print(f"\nrevocation reaching N batches, all reassessed in its transaction ({version}):")
        print(f"  {'batches':>8} {'revoke s':>9} {'per batch ms':>13} {'core UPDATE s':>14} {'ratio':>8}")
        for row in rows:
            print(
                f"  {row['batches']:>8} {row['revocation_s']:>9} {row['per_batch_ms']:>13} "
                f"{row['core_update_s']:>14} {row['ratio']:>7}x"
            )
        report["propagation"].append({"database": target.name, "server": version, "rows": rows})
        with fresh_database(target) as url:
            bounded = _bounded_once(url, sizes[-1] * (10 if args.quick else 1))
        print(
            f"  production path at {bounded['batches']} batches (default inline limit, one code each): the request"
            f" returned in {bounded['revocation_s']} s with {bounded['verified_after_return']} of"
            f" {bounded['verified_before']} answers still verified ({bounded['ratio']}x a bare UPDATE of them);"
            f" the queue then judged {bounded['queued']} in {bounded['queue_drain_s']} s"
        )
        report["bounded"] = [*report.get("bounded", []), {"database": target.name, **bounded}]
    print(json.dumps(report, sort_keys=True))
    return 0


def _fresh(target: Any, size: int) -> dict[str, Any]:
    with fresh_database(target) as url:
        return _propagate_once(url, size)


if __name__ == "__main__":
    sys.exit(main())
