"""Assessment: run the catalogue over a dossier and combine the findings into a verdict and a status.

Deterministic for a given dossier, reference data and as-of date (DESIGN sections 5 and 6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from traceability import dates
from traceability.rules.catalogue import RULES, Rule, lot_evidence
from traceability.rules.context import Context, Finding, Prepared, prepare
from traceability.rules.reference import Reference, default_reference
from traceability.rules.status import OwnCertificate, decide
from traceability.vocabulary import Severity

__all__ = ["OUTPUT_KEYS", "RULESET", "assess", "assess_prepared", "verdict_of"]

#: The keys of an assessment in DESIGN section 6; stored assessments add batch and graph digest.
OUTPUT_KEYS = (
    "product",
    "as_of",
    "ruleset",
    "verdict",
    "status",
    "status_reason",
    "status_detail",
    "status_text",
    "findings",
    "self_declare",
)

#: The rule pack: its name and version are recorded in every assessment.
RULE_PACK_NAME = "halal-id"
RULE_PACK_VERSION = "1.0.0"
RULESET = f"{RULE_PACK_NAME}@{RULE_PACK_VERSION}"


#: Vocabulary a message names by its code, as an Indonesian sentence says it.
_INDONESIAN = {
    "scale": {"micro": "mikro", "small": "kecil", "medium": "menengah", "large": "besar", "foreign": "luar negeri"}
}


def _words(values: Mapping[str, Any], lang: str) -> _Values:
    """The values as `lang`'s message shows them: a value worded in both languages gives that language's words,
    a date as people write it, and codes (a business's scale) are Indonesian words in the Indonesian message."""
    out = _Values()
    for key, value in values.items():
        if isinstance(value, dict) and set(value) == {"id", "en"}:
            value = value[lang]
        elif isinstance(value, dt.date):
            value = dates.day(value, lang)  # as people write dates, in the message's language
        elif lang == "id" and isinstance(value, str):
            value = _INDONESIAN.get(key, {}).get(value, value)
        out[key] = value
    return out


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a message never fails for want of a value
        return f"{{{key}}}"


def _finding(ctx: Context, rule: Rule, subject: str, values: Mapping[str, Any], severity: Severity | None) -> Finding:
    level = severity or rule.severity
    return Finding(
        rule=rule.id,
        severity=level,
        subject=subject,
        message={
            "id": rule.message_id.format_map(_words(values, "id")),
            "en": rule.message_en.format_map(_words(values, "en")),
        },
        basis=rule.basis,
        path=ctx.path(subject),
        cls=rule.class_of(level),
        values=dict(values),
    )


def _run(ctx: Context) -> tuple[list[Finding], list[Finding]]:
    seeking = ctx.seeks_halal()
    product: list[Finding] = []
    self_declare: list[Finding] = []
    for rule in RULES.values():
        if rule.applies in ("halal", "self_declare") and not seeking:
            continue  # a product sold as non-halal is judged on its materials and its labelling only
        target = self_declare if rule.applies == "self_declare" else product
        for subject, values, severity in rule.check(ctx):
            finding = _finding(ctx, rule, subject, values, severity)
            if finding not in target:
                target.append(finding)
    # One gap, one finding: a more specific rule silences the ones it supersedes on the same subject.
    silenced = {(gone, f.subject) for f in product for gone in RULES[f.rule].supersedes}
    keep = [f for f in product if (f.rule, f.subject) not in silenced]
    keep_sd = [f for f in self_declare if (f.rule, f.subject) not in silenced]
    return keep, keep_sd


def verdict_of(findings: list[Finding]) -> Severity:
    """The highest severity among the findings (``ok`` when there are none)."""
    return max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.OK)


def _own_certificate(ctx: Context) -> OwnCertificate | None:
    own = ctx.product["certificate"]
    if not own:
        return None
    node = f"certificate:{own}"
    cert = ctx.record(node)
    problem = ctx.certificate_problem(node, None)
    since = cert["valid_until"] if problem == "expired" else ctx.effective_from(cert)
    return OwnCertificate(
        number=cert["number"],
        problem=problem,
        since=since,
        bpjph=not ctx.is_foreign(cert),
        # Offline nothing is confirmed: a dossier file is its producer's word (stored records pass confirmations).
        confirmation="confirmed" if ctx.confirmed(node) else "claimed",
    )


def _labels(ctx: Context) -> dict[str, dict[str, str]]:
    """Material subjects named in both languages: the catalogue entry they were recognised as, else as recorded."""
    labels = {}
    for node, m in ctx.records("material"):
        label = ctx.reference.display_name(m["recognised"]) if m.get("recognised") else None
        labels[node] = dict(label) if label else {"id": m["name"], "en": m["name"]}
    return labels


def assess(
    doc: Mapping[str, Any],
    *,
    reference: Reference | None = None,
    as_of: dt.date | None = None,
    batches: list[str] | None = None,
    approved: bool = False,
    confirmations: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Assess a loaded dossier (see :func:`traceability.formats.dossier.load_dossier`).

    `as_of` defaults to the dossier's own ``as_of``, then to today; `batches` (local ids) defaults to
    the finished batches, judged together as the product. `approved` says an auditor approved the
    product (stored batches only). `confirmations` maps certificate nodes to their confirmation (stored records
    only: a dossier file is its producer's word, so offline nothing is confirmed).
    """
    prepared = prepare(doc, reference or default_reference())
    return assess_prepared(prepared, as_of=as_of, batches=batches, approved=approved, confirmations=confirmations)


def assess_prepared(
    prepared: Prepared,
    *,
    as_of: dt.date | None = None,
    batches: list[str] | None = None,
    approved: bool = False,
    approved_digests: Collection[str] = (),
    under_review: bool = False,
    confirmations: Mapping[str, Mapping[str, Any]] | None = None,
    facts: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Assess batches of a prepared dossier; many batches of one product share one preparation.

    An approval counts when `approved` or when the judged graph's digest is among `approved_digests`;
    `under_review` says an auditor's review of the product is open; `facts` are stored facts beside the
    dossier's records, by node (see :attr:`Context.facts`), that the digest covers.
    """
    doc = prepared.doc
    day = as_of or doc.get("as_of") or dt.date.today()
    ctx = prepared.context(day, batches, confirmations, facts)
    findings, sd_findings = _run(ctx)
    verdict = verdict_of(findings)
    graph_digest = ctx.digest()
    decision = decide(
        findings,
        declared_non_halal=bool(doc["product"]["declared_non_halal"]),
        own=_own_certificate(ctx),
        approved=approved or graph_digest in approved_digests,
        under_review=under_review,
        labels=_labels(ctx),
    )
    eligible = ctx.seeks_halal() and not any(f.severity is Severity.VIOLATION for f in sd_findings)
    product = doc["product"]
    return {
        "product": {"id": product["id"], "name": product["name"], "gtin": product["gtin"]},
        "batches": [t.split(":", 1)[1] for t in ctx.targets],
        "as_of": day.isoformat(),
        # The rule pack, with the reference data version as semver build metadata.
        "ruleset": f"{RULESET}+ref.{prepared.reference['version']}",
        "verdict": verdict.value,
        **decision.as_dict(),
        "findings": [f.as_dict() for f in findings],
        "self_declare": {"eligible": eligible, "findings": [f.as_dict() for f in sd_findings]},
        "graph_digest": graph_digest,
        # What each lot rests on, as the rules judged it: the consumer page shows the same certificate.
        "lot_evidence": lot_evidence(ctx),
    }
