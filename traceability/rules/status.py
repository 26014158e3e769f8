"""The status people see and the reason for it: decided here, once, for every surface.

DESIGN section 5. Calling a product "tidak halal" when it merely lacks a certificate or a document is false
and harms its maker, so ``not_halal`` comes only from a finding of the *haram* class or from the producer's
own declaration; everything else that is not verified is ``pending``, with a reason from a fixed list
that the consumer page, verify JSON, badge and embed word in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from traceability import dates
from traceability.rules.context import Finding
from traceability.vocabulary import HalalStatus, Severity

__all__ = [
    "REASONS",
    "Decision",
    "OwnCertificate",
    "decide",
    "format_date",
    "lower_for_live_certificate",
    "reason_text",
]

#: The fixed list of status reasons (DESIGN section 5), strongest claim first.
REASONS = (
    "approved",
    "product_certificate",
    "under_review",
    "evidence_missing",
    "certificate_inactive",
    "certificate_unconfirmed",
    "not_certified",
    "cannot_be_certified",
    "false_halal_claim",
    "haram_material",
    "najis_contact",
    "declared_non_halal",
    "code_revoked",
)

#: Where a haram-class rule on a facility found the contact (worded in :func:`reason_text`).
_CONTACT = {"FAC-03": "najis", "FAC-06": "tool", "STO-01": "storage", "TRN-01": "transport"}

#: The certificate problems that make a certificate stop counting (see Context.certificate_problem).
INACTIVE = ("revoked", "suspended", "expired", "not_yet_issued")


@dataclass(frozen=True, slots=True)
class OwnCertificate:
    """The product's own certificate as the status needs it."""

    number: str
    #: Why it does not count today (revoked, suspended, expired, not_yet_issued), or None when it counts.
    problem: str | None = None
    since: dt.date | None = None
    #: A BPJPH certificate (a foreign one alone never verifies a finished product).
    bpjph: bool = True
    #: claimed, evidenced or confirmed: only a confirmed one (by the register or an auditor) verifies a product.
    confirmation: str = "claimed"


@dataclass(frozen=True, slots=True)
class Decision:
    """A status, its reason, and the few plain facts the reason is worded from (JSON-ready)."""

    status: HalalStatus
    reason: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return reason_text(self.reason, self.detail, lang)

    def as_dict(self) -> dict[str, Any]:
        """The keys an assessment and a public answer carry."""
        return {
            "status": self.status.value,
            "status_reason": self.reason,
            "status_detail": dict(self.detail),
            "status_text": {lang: self.text(lang) for lang in ("id", "en")},
        }


Label = Mapping[str, str]  # {"id": ..., "en": ...}


def _label(labels: Mapping[str, Label], subject: str, values: Mapping[str, Any]) -> dict[str, str]:
    if subject in labels:
        return dict(labels[subject])
    name = str(values.get("name") or "")
    return {"id": name, "en": name}


def _iso(day: Any) -> str | None:
    return day.isoformat() if isinstance(day, dt.date) else (str(day) if day else None)


def decide(
    findings: Sequence[Finding],
    *,
    declared_non_halal: bool,
    own: OwnCertificate | None,
    approved: bool = False,
    under_review: bool = False,
    labels: Mapping[str, Label] | None = None,
) -> Decision:
    """The status of a product and why, from its findings and what is known of its certificate and review.

    `labels` names material subjects in both languages (the catalogue entry a name was recognised as).
    """
    labels = labels or {}
    if declared_non_halal:
        return Decision(HalalStatus.NOT_HALAL, "declared_non_halal")
    for f in findings:
        if f.cls == "haram" and f.severity.rank >= Severity.NEEDS_EVIDENCE.rank:
            if f.subject.startswith("facility:"):
                return Decision(HalalStatus.NOT_HALAL, "najis_contact", {"where": _CONTACT.get(f.rule, "production")})
            if f.subject.startswith("product:"):  # ALC-02: the beverage itself
                pct = f.values.get("pct")
                material = {"id": f"etanol {pct}%".replace(".", ","), "en": f"ethanol {pct}%"}
                return Decision(HalalStatus.NOT_HALAL, "haram_material", {"material": material})
            return Decision(HalalStatus.NOT_HALAL, "haram_material", {"material": _label(labels, f.subject, f.values)})
    verdict = max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.OK)
    counts = own is not None and own.problem is None and own.bpjph
    clean = verdict in (Severity.OK, Severity.ADVISORY)
    if clean and own is not None and counts and own.confirmation == "confirmed":
        return Decision(HalalStatus.HALAL_VERIFIED, "product_certificate", {"number": own.number})
    if clean and approved:
        return Decision(HalalStatus.HALAL_VERIFIED, "approved")
    violations = [f for f in findings if f.severity is Severity.VIOLATION]
    if any(f.cls == "claim" for f in violations):
        return Decision(HalalStatus.PENDING, "false_halal_claim")
    if any(f.cls == "legal" and f.rule != "DL-01" for f in violations):
        return Decision(HalalStatus.PENDING, "cannot_be_certified")
    if own is not None and own.problem in INACTIVE:
        return Decision(
            HalalStatus.PENDING,
            "certificate_inactive",
            {"material": None, "problem": own.problem, "since": _iso(own.since)},
        )
    for f in findings:
        problem = f.values.get("problem")
        if f.rule in ("CERT-01", "CERT-02") and problem in INACTIVE:
            material = _label(labels, f"material:{f.values.get('material')}", f.values)
            return Decision(
                HalalStatus.PENDING,
                "certificate_inactive",
                {"material": dict(material), "problem": problem, "since": _iso(f.values.get("since"))},
            )
    if any(f.severity is Severity.NEEDS_EVIDENCE for f in findings):
        return Decision(HalalStatus.PENDING, "evidence_missing")
    if under_review:
        return Decision(HalalStatus.PENDING, "under_review")
    if own is not None and counts and clean:
        return Decision(HalalStatus.PENDING, "certificate_unconfirmed", {"number": own.number})
    deadline = next((f.values.get("deadline") for f in violations if f.rule == "DL-01"), None)
    return Decision(HalalStatus.PENDING, "not_certified", {"deadline": _iso(deadline)} if deadline else {})


def lower_for_live_certificate(
    decision: Decision, inactive: tuple[Label | None, str, dt.date | None] | None
) -> Decision:
    """A live check can only lower a status: a verified product whose certificate stopped counting is pending.

    `inactive` is (material label or None for the product's own, problem, since) of the first certificate
    on the page that no longer counts for the batch, or None.
    """
    if decision.status is not HalalStatus.HALAL_VERIFIED or inactive is None:
        return decision
    material, problem, since = inactive
    detail = {"material": dict(material) if material else None, "problem": problem, "since": _iso(since)}
    return Decision(HalalStatus.PENDING, "certificate_inactive", detail)


# --- wording ----------------------------------------------------------------------------------


def format_date(day: dt.date | str, lang: str) -> str:
    """A date as people write it: "1 Apr 2025" (Indonesian "1 Agu 2025"), through the one date helper.

    >>> format_date("2025-08-01", "id"), format_date(dt.date(2025, 8, 1), "en")
    ('1 Agu 2025', '1 Aug 2025')
    """
    return dates.day(day, lang)


_PLAIN = {
    "id": {
        "approved": "Disetujui auditor halal",
        "product_certificate": "Bersertifikat halal BPJPH",
        "under_review": "Sedang diperiksa auditor halal",
        "evidence_missing": "Bukti bahan sedang dilengkapi",
        "certificate_unconfirmed": "Sertifikat halal produk ini belum dikonfirmasi BPJPH atau auditor",
        "not_certified": "Belum bersertifikat halal",
        "cannot_be_certified": "Belum memenuhi syarat sertifikasi halal",
        "false_halal_claim": "Klaim atau label halal pada kemasan tidak sah",
        "declared_non_halal": "Dinyatakan tidak halal oleh produsen",
        "code_revoked": "Kode ini telah dicabut oleh produsen atau auditor",
    },
    "en": {
        "approved": "Approved by a halal auditor",
        "product_certificate": "BPJPH halal certificate",
        "under_review": "Being reviewed by a halal auditor",
        "evidence_missing": "Ingredient evidence is being completed",
        "certificate_unconfirmed": "The product's own halal certificate is not confirmed by BPJPH yet",
        "not_certified": "Not halal-certified yet",
        "cannot_be_certified": "Does not meet the requirements for halal certification yet",
        "false_halal_claim": "The halal claim or label on the pack is not valid",
        "declared_non_halal": "Declared non-halal by the producer",
        "code_revoked": "This code was revoked by the producer or an auditor",
    },
}

_CONTACT_TEXT = {
    "id": {
        "production": "Diolah dengan alat atau tempat yang juga dipakai untuk produk tidak halal",
        "tool": "Diolah dengan alat dari bulu hewan yang tidak halal",
        "najis": "Alat produksi pernah terkena najis berat tanpa catatan penyucian (sertu)",
        "storage": "Disimpan tanpa pemisahan dari barang tidak halal",
        "transport": "Diangkut tanpa kemasan bersama barang tidak halal",
    },
    "en": {
        "production": "Made with equipment or premises also used for non-halal products",
        "tool": "Made with tools of non-halal animal hair",
        "najis": "Equipment had contact with heavy najis and no cleansing (sertu) is recorded",
        "storage": "Stored without separation from non-halal goods",
        "transport": "Carried unpackaged together with non-halal goods",
    },
}

_INACTIVE_TEXT = {
    "id": {
        "revoked": "dicabut sejak {since}",
        "suspended": "dibekukan sejak {since}",
        "expired": "kedaluwarsa sejak {since}",
        "not_yet_issued": "belum terbit saat bahan dipakai",
        "undated": "tidak berlaku lagi",
    },
    "en": {
        "revoked": "was revoked on {since}",
        "suspended": "has been suspended since {since}",
        "expired": "expired on {since}",
        "not_yet_issued": "was not yet issued when the material was used",
        "undated": "no longer counts",
    },
}


def reason_text(reason: str, detail: Mapping[str, Any] | None, lang: str) -> str:
    """The reason in plain words, in Indonesian (``id``) or English (``en``); no codes, no ids.

    >>> reason_text("haram_material", {"material": {"id": "daging babi", "en": "pork"}}, "id")
    'Mengandung bahan tidak halal: daging babi'
    >>> reason_text("certificate_inactive",
    ...             {"material": {"id": "minyak goreng", "en": "cooking oil"}, "problem": "revoked",
    ...              "since": "2025-04-01"}, "id")
    'Sertifikat halal pemasok minyak goreng dicabut sejak 1 Apr 2025'
    """
    lang = lang if lang in _PLAIN else "id"
    detail = detail or {}
    if reason == "haram_material":
        material = (detail.get("material") or {}).get(lang)
        if not material:
            return "Mengandung bahan tidak halal" if lang == "id" else "Contains a non-halal ingredient"
        return (
            f"Mengandung bahan tidak halal: {material}"
            if lang == "id"
            else f"Contains a non-halal ingredient: {material}"
        )
    if reason == "najis_contact":
        return _CONTACT_TEXT[lang].get(str(detail.get("where")), _CONTACT_TEXT[lang]["production"])
    if reason == "certificate_inactive":
        problem, since = str(detail.get("problem") or ""), detail.get("since")
        key = problem if problem in _INACTIVE_TEXT[lang] and (since or problem == "not_yet_issued") else "undated"
        what = _INACTIVE_TEXT[lang][key].format(since=format_date(since, lang) if since else "")
        material = (detail.get("material") or {}).get(lang)
        if lang == "id":
            return f"Sertifikat halal pemasok {material} {what}" if material else f"Sertifikat halal produk ini {what}"
        return (
            f"The halal certificate of the {material} supplier {what}"
            if material
            else f"This product's halal certificate {what}"
        )
    if reason in ("product_certificate", "certificate_unconfirmed") and detail.get("number"):
        return f"{_PLAIN[lang][reason]} {detail['number']}" if reason == "product_certificate" else _PLAIN[lang][reason]
    if reason == "not_certified" and detail.get("deadline"):
        deadline = format_date(detail["deadline"], lang)
        return (
            f"Belum bersertifikat halal (wajib sejak {deadline})"
            if lang == "id"
            else f"Not halal-certified yet (required since {deadline})"
        )
    return _PLAIN[lang].get(reason, _PLAIN[lang]["not_certified"])
