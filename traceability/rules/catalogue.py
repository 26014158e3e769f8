"""The rule catalogue (shared domain notes, rules.md): every rule with its id, severity, legal basis and
bilingual message, as a small function over the assessment context.

A rule yields ``(subject, values)`` pairs; the engine turns them into findings with the graph path
from the judged batch to the subject. Rule ids are stable: auditors and tests refer to them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from traceability import dates
from traceability.identifiers import certificate_number_key, issuer_key
from traceability.rules.context import Context
from traceability.rules.reference import contains_phrase
from traceability.vocabulary import Severity

__all__ = ["CLASSES", "RULES", "Hit", "Rule"]

V, N, A, OK = Severity.VIOLATION, Severity.NEEDS_EVIDENCE, Severity.ADVISORY, Severity.OK

#: A rule's answer: the subject node, values for the message, and a severity when it differs by case.
Hit = tuple[str, dict[str, Any], Severity | None]
Check = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the catalogue."""

    id: str
    cls: str  # DESIGN section 5: haram, claim, legal, evidence, eligibility, practice
    severity: Severity
    basis: str
    message_id: str
    message_en: str
    applies: str  # "all", "halal" (products seeking or claiming halal), "labelling", "self_declare"
    check: Check
    supersedes: tuple[str, ...] = ()
    #: The class a finding takes at a given severity when it differs from the rule's (TRN-01 packaged).
    cls_at: tuple[tuple[Severity, str], ...] = ()

    def class_of(self, severity: Severity) -> str:
        return dict(self.cls_at).get(severity, self.cls)


#: Rule classes (DESIGN section 5): what kind of truth a finding tells the public.
CLASSES = ("haram", "claim", "legal", "evidence", "eligibility", "practice")

RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    cls: str,
    severity: Severity,
    basis: str,
    *,
    id: str,
    en: str,
    applies: str = "halal",
    supersedes: tuple[str, ...] = (),
    cls_at: tuple[tuple[Severity, str], ...] = (),
) -> Callable[[Check], Check]:
    """Register a rule function in the catalogue."""
    assert cls in CLASSES, cls

    def register(check: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, cls, severity, basis, id, en, applies, check, supersedes, cls_at)
        return check

    return register


def hit(subject: str, severity: Severity | None = None, **values: Any) -> Hit:
    return subject, values, severity


def said(id: str, en: str) -> dict[str, str]:
    """A value worded in both languages: the Indonesian message takes ``id``, the English one ``en``."""
    return {"id": id, "en": en}


def joined(parts: Iterable[dict[str, str]], sep: str) -> dict[str, str]:
    words = list(parts)
    return said(sep.join(p["id"] for p in words), sep.join(p["en"] for p in words))


def on(day: dt.date | str | None) -> dict[str, str]:
    """A date as each language writes it in a sentence."""
    if day is None:
        return said("-", "-")
    return said(dates.day(day, "id"), dates.day(day, "en"))


#: What the register or an auditor found, as :mod:`traceability.reconciliation` and the confirmation service
#: word it, in Indonesian.
_FOUND = (
    (re.compile(r"number: (.+) is not in the register"), "nomor {0} tidak ada di daftar BPJPH"),
    (re.compile(r"status: revoked in the register"), "dicabut menurut daftar BPJPH"),
    (re.compile(r"status: suspended in the register"), "dibekukan menurut daftar BPJPH"),
    (re.compile(r"status: expired on (\S+) in the register"), "kedaluwarsa pada {0} menurut daftar BPJPH"),
    (re.compile(r"status: expired in the register"), "kedaluwarsa menurut daftar BPJPH"),
    (re.compile(r"holder: the register names (.+)"), "daftar BPJPH mencatat pemegang lain: {0}"),
    (re.compile(r"scope: (.+) is not in the register entry"), "{0} tidak termasuk cakupannya di daftar BPJPH"),
    (re.compile(r"rejected by an auditor: (.*)"), "ditolak auditor: {0}"),
)


def found_words(problem: str) -> dict[str, str]:
    """A register's or auditor's finding in both languages (the English as it was written).

    >>> found_words("status: expired on 2026-01-31 in the register")["id"]
    'kedaluwarsa pada 31 Jan 2026 menurut daftar BPJPH'
    """
    for pattern, words in _FOUND:
        match = pattern.fullmatch(problem)
        if match:
            groups = [dates.day(g, "id") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", g) else g for g in match.groups()]
            return said(words.format(*groups), problem)
    return said(problem, problem)


# Material-level rules a haram finding makes moot: one gap, one finding.
_MATERIAL_RULES = (
    "ING-02",
    "ING-04",
    "ING-05",
    "ING-06",
    "ING-07",
    "ADD-01",
    "ADD-02",
    "ADD-03",
    "MIC-02",
    "MIC-03",
    "ALC-03",
    "ALC-04",
    "ALC-05",
    "SD-03",
    "SD-04",
)


def _ingredients(ctx: Context, *, level2: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """Materials that go into the product (not packaging, cleaning agents or lubricants)."""
    for node, m in ctx.records("material"):
        if m["kind"] in ("ingredient", "additive", "processing_aid") and (level2 or ctx.lots_of(node)):
            yield node, m


#: Haram sources in plain words (Indonesian, English) for the ING-01 message.
_SPECIES_WORDS = {
    "porcine": ("babi", "pig"),
    "pig": ("babi", "pig"),
    "swine": ("babi", "pig"),
    "boar": ("babi hutan", "wild boar"),
    "babi": ("babi", "pig"),
    "canine": ("anjing", "dog"),
    "dog": ("anjing", "dog"),
    "anjing": ("anjing", "dog"),
}


def _haram_source(ctx: Context, m: dict[str, Any]) -> tuple[str, str] | None:
    """Where a material's haram comes from, in Indonesian and English, or None."""
    ref = ctx.reference
    species = (m.get("species") or "").lower()
    if species in ref["haram_species"]:
        words: tuple[str, str] = _SPECIES_WORDS.get(species, (species, species))
        return words
    if m.get("origin") == "human":
        return "tubuh manusia", "the human body"
    detail = (m.get("source_detail") or "").lower()
    if detail in ref["haram_source_details"]:
        return detail.replace("_", " "), detail.replace("_", " ")
    if m.get("category") == "blood":
        return "darah", "blood"
    return None


def _haram(ctx: Context, m: dict[str, Any]) -> str | None:
    source = _haram_source(ctx, m)
    return source[1] if source else None


def _matched(ctx: Context, m: dict[str, Any]) -> dict[str, Any]:
    """The catalogue entry a material's name was recognised as, for the message (empty when none)."""
    label = ctx.reference.display_name(m["recognised"]) if m.get("recognised") else None
    if label is None:
        return {"matched_id": "", "matched_en": ""}
    return {
        "matched_id": f" (dikenali katalog sebagai {label['id']})",
        "matched_en": f" (recognised in the catalogue as {label['en']})",
        "entry": m["recognised"],
    }


def _needs_slaughter(ctx: Context, m: dict[str, Any]) -> bool:
    ref = ctx.reference
    if m.get("origin") != "animal" or _haram(ctx, m):
        return False
    category = m.get("category") or ""
    if category in ref["slaughter_categories"]:
        return True
    return category in ("oil_fat", "flavour", "enzyme") and (
        (m.get("species") or "") in ref["slaughter_species"] or m.get("risk") == "slaughter"
    )


# --- ING: materials ---------------------------------------------------------------------------


@rule(
    "ING-01",
    "haram",
    V,
    "UU 33/2014 Pasal 18; MUI fatwa table; HAS 23000 crit. 4; SJPH crit. 2-3",
    applies="all",
    id="Bahan {name} berasal dari {source_id}: haram{matched_id}.",
    en="Material {name} comes from {source_en}: haram{matched_en}.",
    supersedes=_MATERIAL_RULES + ("ING-03", "ING-08"),
)
def ing_01(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        source = _haram_source(ctx, m)
        if source:
            yield hit(node, name=m["name"], source_id=source[0], source_en=source[1], **_matched(ctx, m))


@rule(
    "ING-02",
    "evidence",
    N,
    "UU 33/2014 Pasal 19; Fatwa 12/2009",
    id="{name} berasal dari hewan sembelihan tetapi tidak ada sertifikat halal yang mencakupnya.",
    en="{name} comes from a slaughtered animal but no halal certificate covers it.",
    supersedes=("ING-04",),
)
def ing_02(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx):
        if _needs_slaughter(ctx, m) and not ctx.has_certificate(node):
            yield hit(node, name=m["name"])


@rule(
    "ING-03",
    "haram",
    V,
    "Fatwa 12/2009",
    id="Penyembelihan {name} tidak sesuai syariat: {why}.",
    en="Slaughter of {name} is not compliant: {why}.",
    supersedes=("ING-02",),
)
def ing_03(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        s = m.get("slaughter")
        if not s:
            continue
        why = [
            text
            for bad, text in (
                (s["muslim_slaughterer"] is False, said("penyembelih bukan Muslim", "non-Muslim slaughterer")),
                (
                    s["stunning"] == "lethal",
                    said("pemingsanan yang mematikan atau menembus", "lethal or penetrative stunning"),
                ),
                (
                    s["alive_at_slaughter"] is False,
                    said("hewan mati sebelum disembelih", "animal dead before slaughter"),
                ),
            )
            if bad
        ]
        if why:
            yield hit(node, name=m["name"], why=joined(why, ", "))


def _exempt(m: dict[str, Any]) -> bool:
    return (
        bool(m.get("positive_list"))
        and m.get("state") in ("fresh", "physically_processed")
        and m["kind"] == "ingredient"
        and not m.get("made_with")
    )


def _plain_chemical(ctx: Context, m: dict[str, Any]) -> bool:
    return (
        m.get("origin") in ("mineral", "synthetic")
        and not m.get("e_number")
        and (m.get("category") or "") not in ("flavour", "colour", "emulsifier", "enzyme")
        and not m.get("risk")
    )


def _documented(ctx: Context, m: dict[str, Any]) -> bool:
    rules = ctx.reference["documentary_evidence"]
    kinds = {e["type"] for e in m["evidence"]}
    if not set(rules["required"]) <= kinds or not kinds & set(rules["one_of"]):
        return False
    return (m.get("category") or "") not in rules["pork_free_for_categories"] or "pork_free_statement" in kinds


@rule(
    "ING-04",
    "evidence",
    N,
    "SJPH crit. 2; LPPOM SK 11/2020",
    id="{name} adalah bahan kritis tanpa sertifikat halal atau dokumen pendukung.",
    en="{name} is a critical material with no halal certificate or supporting documents.",
)
def ing_04(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx, level2=False):
        if _exempt(m) or _plain_chemical(ctx, m) or m.get("risk") == "none":
            continue
        if not ctx.has_certificate(node) and not _documented(ctx, m):
            yield hit(node, name=m["name"])


@rule(
    "ING-05",
    "evidence",
    N,
    "KMA 1360/2021",
    id="{name} diklaim bebas sertifikat (KMA 1360) padahal {why}.",
    en="{name} is claimed exempt under KMA 1360 but {why}.",
)
def ing_05(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        if not m.get("positive_list"):
            continue
        why = (
            said("bahan ini sudah diolah", "it is processed")
            if m.get("state") == "processed"
            else said(
                "bahan ini " + ("bahan tambahan pangan" if m["kind"] == "additive" else "bahan penolong"),
                f"it is a {m['kind'].replace('_', ' ')}",
            )
            if m["kind"] in ("additive", "processing_aid")
            else said("bahan lain ditambahkan ke dalamnya", "other materials were added to it")
            if m.get("made_with")
            else None
        )
        if why:
            yield hit(node, name=m["name"], why=why)


@rule(
    "ING-06",
    "evidence",
    N,
    "LPPOM SK 11/2020",
    id="{name} dipakai untuk membuat {parent}, yang tidak bersertifikat halal.",
    en="{name} is used to make {parent}, which has no halal certificate.",
)
def ing_06(ctx: Context) -> Iterator[Hit]:
    level2 = ctx.reference["level2_critical_categories"]
    for node, m in ctx.records("material"):
        for parent in ctx.graph.successors(node):
            if not parent.startswith("material:") or parent not in ctx.scope:
                continue
            category = (m.get("category") or "").replace(" ", "_")
            if (
                (category in level2 or m["kind"] == "processing_aid" or m.get("risk") == "level2")
                and not ctx.certified(parent)
                and not ctx.has_certificate(node)
            ):
                yield hit(node, name=m["name"], parent=ctx.record(parent)["name"])


@rule(
    "ING-07",
    "evidence",
    N,
    "SJPH crit. 2 & 4; LPPOM SK 11/2020",
    id="{name} ({kind}) bersentuhan langsung dengan produk tanpa bukti bebas bahan nonhalal.",
    en="{name} ({kind}) touches the product with no evidence it is free of non-halal material.",
)
def ing_07(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        if m["kind"] not in ("packaging", "cleaning_agent", "lubricant") or m.get("food_contact") is False:
            continue
        if not ctx.has_certificate(node) and not ctx.has_evidence(m, *ctx.reference["contact_evidence"]):
            yield hit(node, name=m["name"], kind=m["kind"].replace("_", " "))


@rule(
    "ING-08",
    "haram",
    V,
    "Fiqh Syafi'i (two-worlds animals); crab halal per MUI fatwa 2002",
    id="{name} berasal dari hewan dua alam ({species}).",
    en="{name} comes from a two-worlds animal ({species}).",
)
def ing_08(ctx: Context) -> Iterator[Hit]:
    severity = Severity(ctx.reference["two_worlds_severity"])
    for node, m in ctx.records("material"):
        species = (m.get("species") or "").lower()
        if species in ctx.reference["two_worlds_species"]:
            yield hit(node, severity, name=m["name"], species=species)


# --- ALC: alcohol -----------------------------------------------------------------------------


def _beverage(ctx: Context) -> bool:
    return bool(ctx.product["is_beverage"])


def _ethanol_materials(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    for node, m in ctx.records("material"):
        if m.get("ethanol_source") not in (None, "none") or m.get("category") == "alcohol":
            yield node, m


@rule(
    "ALC-01",
    "haram",
    V,
    "Fatwa MUI 10/2018; Fatwa 4/2003",
    applies="all",
    id="{name} adalah khamr atau etanol dari industri khamr{matched_id}.",
    en="{name} is khamr or ethanol from the khamr industry{matched_en}.",
    supersedes=_MATERIAL_RULES,
)
def alc_01(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        if m.get("is_khamr") or m.get("ethanol_source") == "khamr_industry":
            yield hit(node, name=m["name"], **_matched(ctx, m))


@rule(
    "ALC-02",
    "haram",
    V,
    "Fatwa MUI 10/2018 ketentuan 1 & 3",
    applies="all",
    id="Minuman ini mengandung etanol {pct}% (batas < 0,5%).",
    en="This beverage contains {pct}% ethanol (limit < 0.5%).",
)
def alc_02(ctx: Context) -> Iterator[Hit]:
    pct = ctx.product["measured_ethanol_pct"]
    if _beverage(ctx) and pct is not None and pct >= ctx.reference["ethanol_beverage_limit_pct"]:
        yield hit(ctx.product_node, pct=pct)


@rule(
    "ALC-03",
    "evidence",
    N,
    "Fatwa MUI 10/2018; MUI tentang Nabidz (uji etanol)",
    applies="all",
    id="Minuman dengan etanol atau fermentasi tanpa hasil uji kadar etanol akhir.",
    en="A beverage with ethanol or fermentation but no measured final ethanol content.",
)
def alc_03(ctx: Context) -> Iterator[Hit]:
    if (
        _beverage(ctx)
        and ctx.product["measured_ethanol_pct"] is None
        and (ctx.product["fermented"] or any(True for _ in _ethanol_materials(ctx)))
    ):
        yield hit(ctx.product_node)


@rule(
    "ALC-04",
    "evidence",
    N,
    "Fatwa MUI 10/2018 (hanya etanol non-khamr)",
    applies="all",
    id="Sumber etanol pada {name} tidak diketahui.",
    en="The source of the ethanol in {name} is unknown.",
)
def alc_04(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        if m.get("category") == "flavour" and ctx.lots_of(node) and ctx.certified(node):
            continue  # a flavour whose own SH holds answers for its carrier too
        if m.get("ethanol_source") == "unknown" and not m.get("is_khamr"):
            yield hit(node, name=m["name"])


@rule(
    "ALC-05",
    "practice",
    A,
    "Fatwa MUI 10/2018 ketentuan 2 & 4",
    applies="all",
    id="Etanol non-khamr pada {name} dibolehkan dalam pangan; catat sumbernya.",
    en="Non-khamr ethanol in {name} is allowed in food; keep its source on record.",
)
def alc_05(ctx: Context) -> Iterator[Hit]:
    if _beverage(ctx):
        return
    for node, m in ctx.records("material"):
        if m.get("ethanol_source") in ("synthetic", "non_khamr_fermentation") and not m.get("is_khamr"):
            yield hit(node, name=m["name"])


@rule(
    "ALC-06",
    "practice",
    OK,
    "Fatwa MUI 10/2018; Fatwa 4/2003 (tape bukan khamr); KMA 1360",
    applies="all",
    id="Pangan fermentasi dengan etanol alami bukan khamr.",
    en="A fermented food with natural ethanol is not khamr.",
)
def alc_06(ctx: Context) -> Iterator[Hit]:
    fermented = ctx.product["fermented"] or any(m.get("risk") == "fermented_food" for _, m in ctx.records("material"))
    if fermented and not _beverage(ctx):
        yield hit(ctx.product_node)


# --- MIC: microbial ---------------------------------------------------------------------------


def _microbial(ctx: Context, m: dict[str, Any]) -> bool:
    """Made by microbes: the growth-medium rules are for these only (an animal rennet is judged by slaughter)."""
    if m.get("origin") == "microbial":
        return True
    return m.get("origin") in (None, "unknown") and (
        (m.get("category") or "") in ctx.reference["microbial_categories"] or m.get("risk") == "microbial"
    )


@rule(
    "MIC-01",
    "haram",
    V,
    "Fatwa MUI 1/2010 ketentuan 6",
    applies="all",
    id="{name} ditumbuhkan pada media yang mengandung babi.",
    en="{name} was grown on a medium containing pig.",
    supersedes=_MATERIAL_RULES,
)
def mic_01(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        if _microbial(ctx, m) and (m.get("growth_medium") or "").lower() in ctx.reference["porcine_growth_media"]:
            yield hit(node, name=m["name"])


@rule(
    "MIC-02",
    "evidence",
    N,
    "Fatwa MUI 1/2010; KMA 1360",
    id="Media pertumbuhan {name} tidak diketahui dan tidak ada sertifikat halal.",
    en="The growth medium of {name} is unknown and it has no halal certificate.",
    supersedes=("ING-04",),
)
def mic_02(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx):
        if not _microbial(ctx, m) or ctx.has_certificate(node):
            continue
        if m.get("category") == "starter_culture" and _exempt(m):
            continue
        if (m.get("growth_medium") or "unknown").lower() == "unknown":
            yield hit(node, name=m["name"])


@rule(
    "MIC-03",
    "evidence",
    N,
    "Fatwa MUI 1/2010 ketentuan 3, 5, 7",
    id="{name} berasal dari media najis tanpa catatan penyucian.",
    en="{name} comes from a najis medium with no record of purification.",
)
def mic_03(ctx: Context) -> Iterator[Hit]:
    for node, m in ctx.records("material"):
        medium = (m.get("growth_medium") or "").lower()
        if (
            _microbial(ctx, m)
            and medium in ctx.reference["najis_growth_media"]
            and not ctx.has_evidence(m, "purification_record")
        ):
            yield hit(node, name=m["name"])


# --- ADD: additives by E-number ---------------------------------------------------------------


@rule(
    "ADD-01",
    "evidence",
    N,
    "LPPOM; MUIS Food Additive Listing; halal-id §4.6",
    id="{name} ({e}) bisa berasal dari hewan; perlu sertifikat halal atau pernyataan sumber.",
    en="{name} ({e}) may come from animals; it needs a halal certificate or a source statement.",
    supersedes=("ING-04",),
)
def add_01(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx):
        e = (m.get("e_number") or "").upper()
        if (
            e in ctx.reference["e_numbers"]["source_dependent"]
            and not ctx.has_certificate(node)
            and not ctx.has_evidence(m, "source_statement")
        ):
            yield hit(node, name=m["name"], e=e)


@rule(
    "ADD-02",
    "practice",
    A,
    "MUI Fatwa 33/2011",
    id="{name} (E120 karmin) halal menurut MUI, namun diperselisihkan sebagian ulama.",
    en="{name} (E120 carmine) is halal per MUI but contested by some ulama.",
    supersedes=("ING-04",),
)
def add_02(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx):
        if (m.get("e_number") or "").upper() in ctx.reference["e_numbers"]["contested"]:
            yield hit(node, name=m["name"])


@rule(
    "ADD-03",
    "practice",
    OK,
    "MUI Fatwa 27/2013",
    id="{name} (E904 syelak) halal menurut MUI.",
    en="{name} (E904 shellac) is halal per MUI.",
    supersedes=("ING-04",),
)
def add_03(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx):
        if (m.get("e_number") or "").upper() == "E904":
            yield hit(node, name=m["name"])


# --- CERT: certificates -----------------------------------------------------------------------


def lot_evidence(ctx: Context) -> dict[str, dict[str, Any]]:
    """What each lot in scope rests on, as ING-04 and CERT-01 judge it: the certificate that answers for it
    (:meth:`Context.evidence_of`) and the basis, ``certificate``, ``exempt`` (KMA 1360), ``not_critical`` (plain
    salt, water, a plain chemical), ``documents`` (the supplier's documents) or ``none``."""
    found: dict[str, dict[str, Any]] = {}
    for lot, record in ctx.records("lot"):
        material = f"material:{record['material']}"
        m = ctx.record(material)
        cert = ctx.evidence_of(lot, material)
        if cert is not None:
            basis = "certificate"
        elif _exempt(m):
            basis = "exempt"
        elif _plain_chemical(ctx, m) or m.get("risk") == "none":
            basis = "not_critical"
        elif _documented(ctx, m):
            basis = "documents"
        else:
            basis = "none"
        found[lot] = {"certificate": cert, "basis": basis}
    return found


def _lot_certificates(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(lot, certificate node, certificate, material node) for every certified lot in scope."""
    for lot, record in ctx.records("lot"):
        cert = ctx.certificate_of(lot)
        if cert:
            yield lot, cert, ctx.record(cert), f"material:{record['material']}"


@rule(
    "CERT-01",
    "evidence",
    N,
    "UU 33/2014; registri SIHALAL",
    id="Sertifikat {number} untuk {name} tidak berlaku: {why}.",
    en="Certificate {number} for {name} does not hold: {why}.",
    supersedes=("ING-02", "ING-04", "ADD-01", "MIC-02"),
)
def cert_01(ctx: Context) -> Iterator[Hit]:
    for lot, cert_node, cert, material in _lot_certificates(ctx):
        name = ctx.record(material)["name"]
        problem = ctx.certificate_problem(cert_node, lot)
        # problem, since and material word the public status reason (traceability.rules.status).
        facts = {"number": cert["number"], "name": name, "material": material.split(":", 1)[1], "problem": problem}
        if problem == "revoked":
            since = ctx.effective_from(cert)
            yield hit(
                cert_node,
                V,
                **facts,
                since=since,
                why=said(
                    f"dicabut sejak {on(since)['id']}, sebelum lot ini dipakai",
                    f"revoked from {on(since)['en']}, before this lot was used",
                ),
            )
        elif problem == "suspended":
            since = ctx.effective_from(cert)
            yield hit(
                cert_node,
                **facts,
                since=since,
                why=said(f"dibekukan sejak {on(since)['id']}", f"suspended from {on(since)['en']}"),
            )
        elif problem == "not_yet_issued":
            yield hit(
                cert_node,
                **facts,
                why=said("terbit setelah lot ini diterima dan dipakai", "issued after the lot was received and used"),
            )
        elif problem == "expired" and cert["scheme"] != "legacy_mui":
            yield hit(
                cert_node,
                **facts,
                since=cert["valid_until"],
                why=said(
                    f"kedaluwarsa pada {on(cert['valid_until'])['id']}", f"expired on {on(cert['valid_until'])['en']}"
                ),
            )
        if not ctx.binds(cert, lot):
            yield hit(
                cert_node,
                number=cert["number"],
                name=name,
                why=said("dipegang pihak lain, bukan pemasoknya", "held by someone other than the supplier"),
            )
        if material.split(":", 1)[1] not in cert["covers"]:
            yield hit(
                cert_node,
                number=cert["number"],
                name=name,
                why=said("bahan ini tidak termasuk cakupannya", "the material is not in its scope"),
            )
        for problem in ctx.confirmation_problems(cert_node):  # the register's or an auditor's word
            yield hit(cert_node, number=cert["number"], name=name, why=found_words(problem))


@rule(
    "CERT-02",
    "evidence",
    N,
    "UU 33/2014 (masa berlaku 4 tahun semula); masa transisi [UNCONF]",
    id="Sertifikat lama {number} ({issuer}) telah lewat masa berlakunya ({until}).",
    en="Legacy certificate {number} ({issuer}) expired on {until}.",
    supersedes=("ING-02", "ING-04", "ADD-01"),
)
def cert_02(ctx: Context) -> Iterator[Hit]:
    legacy_issuers = {issuer_key(i) for i in ctx.reference["legacy_issuers"]}
    for node, cert in ctx.records("certificate"):
        legacy = cert["scheme"] == "legacy_mui" or issuer_key(cert["issuer"]) in legacy_issuers
        if legacy and cert["valid_until"] is not None and cert["valid_until"] < ctx.as_of:
            covered = next((c for c in cert["covers"] if f"material:{c}" in ctx.scope), None)
            name = ctx.record(f"material:{covered}")["name"] if covered else ""
            yield hit(
                node,
                number=cert["number"],
                issuer=cert["issuer"],
                until=cert["valid_until"],
                problem="expired",
                since=cert["valid_until"],
                material=covered,
                name=name,
            )


@rule(
    "CERT-03",
    "practice",
    A,
    "Format nomor SH BPJPH yang teramati [UNCONF]",
    id="Nomor sertifikat {number} tidak berformat nomor SH BPJPH.",
    en="Certificate number {number} does not look like a BPJPH SH number.",
)
def cert_03(ctx: Context) -> Iterator[Hit]:
    pattern = re.compile(ctx.reference["certificate_number_pattern"])
    bpjph_issuers = {issuer_key(i) for i in ctx.reference["bpjph_issuers"]}
    for node, cert in ctx.records("certificate"):
        bpjph = issuer_key(cert["issuer"]) in bpjph_issuers
        if bpjph and not pattern.fullmatch(certificate_number_key(cert["number"])):
            yield hit(node, number=cert["number"])


@rule(
    "CERT-04",
    "evidence",
    N,
    "PP 39/2021 Pasal 123; Kepkaban 90/2023",
    id="Sertifikat luar negeri {number} ({issuer}) belum dapat diterima: {why}.",
    en="Foreign certificate {number} ({issuer}) is not acceptable yet: {why}.",
    supersedes=("ING-02", "ING-04", "ADD-01", "MIC-02"),
)
def cert_04(ctx: Context) -> Iterator[Hit]:
    for node, cert in ctx.records("certificate"):
        if not ctx.is_foreign(cert):
            continue
        body = ctx.reference.recognised_body(cert["issuer"])
        values = {"number": cert["number"], "issuer": cert["issuer"]}
        if body is None:
            yield hit(
                node,
                **values,
                why=said(
                    "penerbitnya bukan lembaga halal luar negeri yang diakui (tanpa MRA)",
                    "the issuer is not a recognised foreign halal body (no MRA)",
                ),
            )
        if not cert.get("shln_registration"):
            yield hit(
                node,
                **values,
                why=said(
                    "nomor registrasi SHLN dari BPJPH belum dicatat", "no BPJPH SHLN registration number is recorded"
                ),
            )
        if body is not None:
            scope = set(body.get("scope") or [])
            outside = [
                ctx.record(f"material:{c}")["name"]
                for c in cert["covers"]
                if f"material:{c}" in ctx.graph
                and scope
                and (ctx.record(f"material:{c}").get("category") or "") not in scope
            ]
            if outside:
                yield hit(
                    node,
                    **values,
                    why=said(
                        f"{', '.join(outside)} di luar cakupan penerbit",
                        f"{', '.join(outside)} is outside the issuer's scope",
                    ),
                )


@rule(
    "CERT-05",
    "evidence",
    N,
    "Skema dua jalur BPJPH (produk jadi wajib SH BPJPH)",
    id="Produk jadi impor hanya mengandalkan sertifikat luar negeri.",
    en="An imported finished product relies only on a foreign certificate.",
)
def cert_05(ctx: Context) -> Iterator[Hit]:
    own = ctx.product["certificate"]
    if own and ctx.is_foreign(ctx.record(f"certificate:{own}")):
        yield hit(f"certificate:{own}")


@rule(
    "CERT-06",
    "legal",
    V,
    "UU 6/2023 (SH berlaku selama komposisi tidak berubah); PP 42/2024 Pasal 51",
    id="Komposisi berubah sejak SH terbit: {name} tidak ada dalam komposisi tersertifikasi. Perbarui dan laporkan ke BPJPH.",
    en="The composition changed after the SH was issued: {name} is not in the certified composition. Update it and report to BPJPH.",
)
def cert_06(ctx: Context) -> Iterator[Hit]:
    composition = ctx.product["certified_composition"]
    if not ctx.product["certificate"] or not composition:
        return
    for node, m in ctx.records("material"):
        if (
            ctx.lots_of(node)
            and m["kind"] in ("ingredient", "additive", "processing_aid")
            and m["id"] not in composition
        ):
            yield hit(node, name=m["name"])


# --- FAC, STO, TRN: facilities, storage, transport --------------------------------------------


def _production_facilities(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    for node in ctx.facilities_used():
        record = ctx.record(node)
        if record["kind"] in ("production", "external_service", "outlet"):
            yield node, record


@rule(
    "FAC-01",
    "haram",
    V,
    "PP 39/2021 Pasal 11 (a); PP 31/2019 Pasal 53; HAS 23000 crit. 6",
    id="{facility} dipakai bergantian dengan produk tidak halal ({other}).",
    en="{facility} is used alternately with a non-halal product ({other}).",
    supersedes=("FAC-05",),
)
def fac_01(ctx: Context) -> Iterator[Hit]:
    for node, f in _production_facilities(ctx):
        for share in f["shared_with"]:
            if share["halal"] is False and (share["alternate_use"] or not share["separated"]):
                yield hit(node, facility=f["name"], other=share["product"])


@rule(
    "FAC-02",
    "haram",
    V,
    "PP 39/2021 Pasal 11 (b)(c)(d)",
    id="{facility} berbagi {what} dengan produk tidak halal.",
    en="{facility} shares {what} with non-halal products.",
)
def fac_02(ctx: Context) -> Iterator[Hit]:
    for node, f in _production_facilities(ctx):
        if not any(s["halal"] is False for s in f["shared_with"]):
            continue
        what = [
            w
            for flag, w in (
                (f["shared_cleaning"], said("sarana pembersihan atau perawatan", "cleaning or maintenance means")),
                (f["shared_tool_storage"], said("tempat penyimpanan alat", "tool storage")),
            )
            if flag
        ]
        if what:
            both = said(" dan ".join(w["id"] for w in what), " and ".join(w["en"] for w in what))
            yield hit(node, facility=f["name"], what=both)


@rule(
    "FAC-03",
    "haram",
    N,
    "Fatwa MUI 4/2003; LPPOM",
    id="{facility} pernah terkena najis berat sampai {until} tanpa catatan sertu sesudahnya.",
    en="{facility} had contact with heavy najis until {until} and no sertu cleansing is recorded since.",
)
def fac_03(ctx: Context) -> Iterator[Hit]:
    for node, f in _production_facilities(ctx):
        for contact in f["najis_contact"]:
            if contact["kind"] != "mughallazah":
                continue
            cleansed = any(c["method"].startswith("sertu") and c["on"] >= contact["until"] for c in f["cleansing"])
            if not cleansed:
                yield hit(node, facility=f["name"], until=contact["until"])


@rule(
    "FAC-04",
    "evidence",
    N,
    "SJPH crit. 3",
    id="{facility} dipakai bersama produk yang status halalnya tidak diketahui ({other}).",
    en="{facility} is shared with a product of unknown halal status ({other}).",
)
def fac_04(ctx: Context) -> Iterator[Hit]:
    for node, f in _production_facilities(ctx):
        for share in f["shared_with"]:
            if share["halal"] is None:
                yield hit(node, facility=f["name"], other=share["product"])


@rule(
    "FAC-05",
    "legal",
    V,
    "Persyaratan fasilitas khusus LPPOM; PP 39/2021 Pasal 6",
    id="{facility} mengolah daging tetapi tidak khusus halal.",
    en="{facility} processes meat but is not dedicated to halal production.",
)
def fac_05(ctx: Context) -> Iterator[Hit]:
    ref = ctx.reference
    meat = (ctx.product.get("category") or "") in ref["dedicated_facility_categories"]
    for node, f in _production_facilities(ctx):
        if f["owner"] != "business" or f["dedicated_halal"] or f["kind"] == "outlet":
            continue
        steps = [s for s in ctx.graph.successors(node) if s.startswith("step:") and s in ctx.scope]
        processes = {(ctx.record(s)["process"] or "") for s in steps}
        if meat or processes & set(ref["dedicated_facility_processes"]):
            yield hit(node, facility=f["name"])


@rule(
    "FAC-06",
    "haram",
    V,
    "SJPH crit. 3",
    id="Alat {tool} di {facility} terbuat dari bulu hewan tidak halal ({species}).",
    en="Tool {tool} at {facility} is made from the hair of a non-halal animal ({species}).",
)
def fac_06(ctx: Context) -> Iterator[Hit]:
    for node, f in _production_facilities(ctx):
        for tool in f.get("tools", []):
            species = (tool.get("animal_hair") or "").lower()
            if species in ctx.reference["haram_species"]:
                yield hit(node, facility=f["name"], tool=tool["name"], species=species)


def _storage(ctx: Context) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for store in ctx.doc["storage"]:
        node = f"facility:{store['facility']}"
        held = [h for h in store["holds"] if f"lot:{h}" in ctx.scope or f"batch:{h}" in ctx.scope]
        if held:
            yield node, ctx.record(node), store


@rule(
    "STO-01",
    "haram",
    V,
    "SJPH crit. 4; PP 39/2021 (penyimpanan)",
    id="{facility} menyimpan barang halal tanpa pemisahan fisik dari {other}.",
    en="{facility} stores halal goods without physical separation from {other}.",
)
def sto_01(ctx: Context) -> Iterator[Hit]:
    for node, f, _store in _storage(ctx):
        for share in f["shared_with"]:
            if share["halal"] is False and not share["separated"]:
                yield hit(node, facility=f["name"], other=share["product"])


@rule(
    "STO-02",
    "practice",
    A,
    "SJPH crit. 4",
    id="Barang halal di {facility} tidak diberi identitas atau label.",
    en="Halal goods in {facility} are not identified or labelled.",
)
def sto_02(ctx: Context) -> Iterator[Hit]:
    for node, f, store in _storage(ctx):
        if store.get("labelled") is False:
            yield hit(node, facility=f["name"])


@rule(
    "TRN-01",
    "haram",
    V,
    "PP 39/2021 (pendistribusian); MS2400 (pembanding)",
    cls_at=((N, "evidence"),),  # sealed and packaged: a question of evidence, not of contact
    id="{facility} mengangkut produk halal bersama barang tidak halal{how}.",
    en="{facility} carries halal goods together with non-halal goods{how}.",
)
def trn_01(ctx: Context) -> Iterator[Hit]:
    for trip in ctx.doc["transport"]:
        node = f"facility:{trip['facility']}"
        carried = [c for c in trip["carries"] if f"batch:{c}" in ctx.scope]
        if carried and trip["with_non_halal"]:
            if trip["packaged"]:
                yield hit(node, N, facility=ctx.record(node)["name"], how=" (sealed and packaged)")
            else:
                yield hit(node, facility=ctx.record(node)["name"], how=" without packaging")


# --- NAM, LBL: names and labels ---------------------------------------------------------------


def _banned_words(ctx: Context, *, skip_animals: bool = False) -> list[str]:
    groups = ctx.reference["names"]["banned"]
    return [w for group, words in groups.items() for w in words if not (skip_animals and group == "pig_or_dog")]


@rule(
    "NAM-01",
    "legal",
    V,
    "SK46/Dir/LPPOM MUI/XII/14; SJPH crit. 4",
    id='Nama produk memuat kata terlarang "{word}".',
    en='The product name contains the forbidden word "{word}".',
)
def nam_01(ctx: Context) -> Iterator[Hit]:
    word = ctx.name_has(ctx.product["name"], _banned_words(ctx))
    brand = ctx.product.get("brand")
    if word is None and brand:
        animals = ctx.reference["names"]["brand_animal_words"]
        word = next(
            (w for w in _banned_words(ctx, skip_animals=True) if w not in animals and ctx.name_has(brand, [w])), None
        )
    if word:
        yield hit(ctx.product_node, word=word)


@rule(
    "NAM-02",
    "legal",
    V,
    "SK46/Dir/LPPOM MUI/XII/14",
    id="Bentuk produk ({shape}) menyerupai babi/anjing atau tidak senonoh.",
    en="The product's shape ({shape}) resembles a pig or dog, or is vulgar.",
)
def nam_02(ctx: Context) -> Iterator[Hit]:
    shape = ctx.product.get("shape")
    if shape and any(contains_phrase(shape, w) for w in ctx.reference["shapes_banned"]):
        yield hit(ctx.product_node, shape=shape)


@rule(
    "NAM-03",
    "legal",
    V,
    "SK46/Dir/LPPOM MUI/XII/14; tabel fatwa MUI (perisa menyerupai haram)",
    id='Profil rasa "{flavour}" meniru produk haram.',
    en='The flavour profile "{flavour}" imitates a haram product.',
)
def nam_03(ctx: Context) -> Iterator[Hit]:
    allowed = ctx.reference["flavour_whitelist"]
    for flavour in ctx.product["flavour_profile"]:
        if any(contains_phrase(flavour, a) for a in allowed):
            continue
        if any(contains_phrase(flavour, w) for w in ctx.reference["flavours_banned"]):
            yield hit(ctx.product_node, flavour=flavour)


def _own_certificate(ctx: Context) -> dict[str, Any] | None:
    own = ctx.product["certificate"]
    return ctx.record(f"certificate:{own}") if own else None


def _active_own_certificate(ctx: Context) -> bool:
    own = ctx.product["certificate"]
    return bool(own) and ctx.certificate_problem(f"certificate:{own}", None) is None


@rule(
    "LBL-01",
    "claim",
    V,
    "Pernyataan BPJPH; Kepkaban 40/2022 Diktum Kedua",
    id="Label halal mencantumkan {what}, bukan nomor SH.",
    en="The halal label shows {what} instead of the SH number.",
)
def lbl_01(ctx: Context) -> Iterator[Hit]:
    label = ctx.product["label"]
    if not label["halal_logo"]:
        return
    printed, own = label["printed_number"], _own_certificate(ctx)
    if not printed:
        yield hit(ctx.product_node, what="no number")
    elif (own and printed == own.get("kh_number")) or printed.upper().startswith("KH"):
        yield hit(ctx.product_node, what=f"the KH number {printed}")


@rule(
    "LBL-02",
    "claim",
    V,
    "UU 33/2014; sanksi PP 42/2024",
    applies="labelling",
    id="Produk mengklaim halal atau memakai label halal tanpa SH yang aktif.",
    en="The product claims halal or carries the halal label without an active SH.",
)
def lbl_02(ctx: Context) -> Iterator[Hit]:
    if (ctx.product["halal_claim"] or ctx.product["label"]["halal_logo"]) and not _active_own_certificate(ctx):
        yield hit(ctx.product_node)


@rule(
    "LBL-03",
    "claim",
    V,
    "UU 33/2014 Pasal 26; PP 42/2024 Pasal 93",
    applies="labelling",
    id='Produk dari bahan haram tanpa keterangan "tidak halal".',
    en='A product made from haram materials without a "tidak halal" statement.',
)
def lbl_03(ctx: Context) -> Iterator[Hit]:
    if ctx.application is not None or ctx.product["declared_non_halal"]:
        return
    haram = any(
        _haram(ctx, m) or m.get("is_khamr") or m.get("ethanol_source") == "khamr_industry"
        for _, m in ctx.records("material")
    )
    if haram:
        yield hit(ctx.product_node)


# --- SUP, SJPH, TRC, NCP, DL: the business and its system -------------------------------------


@rule("SUP-01", "legal", V, "UU 33/2014 Pasal 24; PP 42/2024", id="Penyelia halal {why}.", en="Halal supervisor {why}.")
def sup_01(ctx: Context) -> Iterator[Hit]:
    supervisor = ctx.business["halal_supervisor"]
    if supervisor is None:
        yield hit(ctx.business_node, why=said("belum dicatat", "is not recorded"))
    elif not supervisor["muslim"]:
        yield hit(ctx.business_node, why=said("tercatat bukan Muslim", "is recorded as non-Muslim"))


@rule(
    "SUP-02",
    "evidence",
    N,
    "Persyaratan dokumen BPJPH",
    id="Usaha {scale} dengan penyelia halal tanpa catatan pelatihan.",
    en="A {scale} business whose halal supervisor has no training record.",
)
def sup_02(ctx: Context) -> Iterator[Hit]:
    b, supervisor = ctx.business, ctx.business["halal_supervisor"]
    if supervisor and (b["scale"] in ("medium", "large") or b["country"] != "ID") and not supervisor["trained_on"]:
        yield hit(ctx.business_node, scale=b["scale"] if b["country"] == "ID" else "foreign")


def _within_year(ctx: Context, day: dt.date | None) -> bool:
    return day is not None and ctx.as_of - dt.timedelta(days=365) <= day <= ctx.as_of


@rule(
    "SJPH-01",
    "practice",
    A,
    "SJPH crit. 1",
    id="Tidak ada pelatihan halal dalam 12 bulan terakhir.",
    en="No halal training in the last 12 months.",
)
def sjph_01(ctx: Context) -> Iterator[Hit]:
    if not _within_year(ctx, ctx.business["sjph"]["last_training_on"]):
        yield hit(ctx.business_node)


@rule(
    "SJPH-02",
    "practice",
    A,
    "SJPH crit. 5; HAS 23000",
    id="Tidak ada {what} dalam 12 bulan terakhir.",
    en="No {what} in the last 12 months.",
)
def sjph_02(ctx: Context) -> Iterator[Hit]:
    sjph = ctx.business["sjph"]
    missing = [
        w
        for day, w in (
            (sjph["last_internal_audit_on"], said("audit internal", "internal audit")),
            (sjph["last_management_review_on"], said("kaji ulang manajemen", "management review")),
        )
        if not _within_year(ctx, day)
    ]
    if missing:
        either = said(" maupun ".join(w["id"] for w in missing), " or ".join(w["en"] for w in missing))
        yield hit(ctx.business_node, what=either)


@rule(
    "TRC-01",
    "evidence",
    N,
    "SJPH crit. 4; HAS 23000 crit. 9",
    id="Batch {lot} tidak dapat ditelusuri: {why}.",
    en="Batch {lot} cannot be traced: {why}.",
)
def trc_01(ctx: Context) -> Iterator[Hit]:
    for node, batch in ctx.records("batch"):
        if not batch["step"]:
            yield hit(
                node,
                lot=batch["lot_code"],
                why=said(
                    "tidak ada langkah produksi yang mencatat bahannya",
                    "no production step records what it was made from",
                ),
            )
    for node, step in ctx.records("step"):
        if not step["inputs"]:
            yield hit(
                node,
                lot=step["name"],
                why=said("langkah ini tidak punya bahan yang dicatat", "the step has no recorded inputs"),
            )


@rule(
    "NCP-01",
    "legal",
    V,
    "HAS 23000 crit. 8",
    id="Batch {lot} ditandai tidak sesuai tetapi sudah diedarkan tanpa penarikan.",
    en="Batch {lot} is flagged non-conforming but was released with no recall record.",
)
def ncp_01(ctx: Context) -> Iterator[Hit]:
    for node, batch in ctx.records("batch"):
        if batch.get("non_conforming") and batch.get("released") and not batch.get("recalled_on"):
            yield hit(node, lot=batch["lot_code"])


@rule(
    "DL-01",
    "legal",
    V,
    "PP 42/2024 Pasal 160; PP 39/2021 Pasal 141",
    id="Belum ada SH aktif; batas wajib halal untuk usaha {scale} adalah {deadline}.",
    en="No active SH; the mandatory-halal deadline for a {scale} business is {deadline}.",
)
def dl_01(ctx: Context) -> Iterator[Hit]:
    group = ctx.reference.product_group(ctx.product.get("category")) or "food"
    item = ctx.reference.deadline(group, ctx.business["scale"])
    if item is None or _active_own_certificate(ctx):
        return
    deadline = ctx.reference.deadline_date(item)
    values = {"scale": ctx.business["scale"], "deadline": deadline}
    if ctx.as_of > deadline:
        yield hit(ctx.product_node, **values)
    elif ctx.as_of >= deadline - dt.timedelta(days=ctx.reference["deadline_warning_days"]):
        yield hit(ctx.product_node, A, **values)


# --- SD: self-declare eligibility -------------------------------------------------------------


@rule(
    "SD-01",
    "eligibility",
    V,
    "Kepkaban 33/2022, 150/2022",
    applies="self_declare",
    id="Usaha {scale} dengan omzet Rp{turnover} tidak memenuhi syarat self-declare.",
    en="A {scale} business with turnover Rp{turnover} is not eligible for self-declare.",
)
def sd_01(ctx: Context) -> Iterator[Hit]:
    b, limits = ctx.business, ctx.reference["self_declare"]
    turnover = b["annual_turnover_idr"]
    if b["scale"] not in limits["scales"] or (turnover is not None and turnover > limits["max_turnover_idr"]):
        yield hit(ctx.business_node, scale=b["scale"], turnover=f"{turnover or 0:,}".replace(",", "."))


@rule(
    "SD-02",
    "eligibility",
    V,
    "Kepkaban 33/2022; batas formulir SIHALAL",
    applies="self_declare",
    id="Self-declare hanya untuk 1 tempat produksi dan 1 outlet; tercatat {production} dan {outlets}.",
    en="Self-declare allows 1 production site and 1 outlet; {production} and {outlets} are recorded.",
)
def sd_02(ctx: Context) -> Iterator[Hit]:
    own = [f for f in ctx.doc["facilities"] if f["owner"] == "business"]
    production = sum(f["kind"] == "production" for f in own)
    outlets = sum(f["kind"] == "outlet" for f in own)
    limits = ctx.reference["self_declare"]
    if production > limits["max_production_facilities"] or outlets > limits["max_outlets"]:
        yield hit(ctx.business_node, production=production, outlets=outlets)


@rule(
    "SD-03",
    "eligibility",
    V,
    "Kepkaban 150/2022 butir 8",
    applies="self_declare",
    id="{name} tidak bersertifikat halal dan tidak termasuk KMA 1360.",
    en="{name} is neither halal-certified nor on the KMA 1360 list.",
)
def sd_03(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx, level2=False):
        if not _exempt(m) and not ctx.certified(node) and not _plain_chemical(ctx, m):
            yield hit(node, name=m["name"])


@rule(
    "SD-04",
    "eligibility",
    V,
    "Kepkaban 150/2022 butir 11",
    applies="self_declare",
    id="{name} berasal dari hewan sembelihan yang tidak dari RPH/RPU atau produsen bersertifikat.",
    en="{name} is slaughtered-animal material not from a certified slaughterhouse or producer.",
)
def sd_04(ctx: Context) -> Iterator[Hit]:
    for node, m in _ingredients(ctx):
        if _needs_slaughter(ctx, m) and not ctx.certified(node):
            yield hit(node, name=m["name"])


@rule(
    "SD-05",
    "eligibility",
    V,
    "Kepkaban 150/2022 butir 12-13",
    applies="self_declare",
    id="Proses produk tidak sederhana: {why}.",
    en="The process is not simple: {why}.",
)
def sd_05(ctx: Context) -> Iterator[Hit]:
    limits, product = ctx.reference["self_declare"], ctx.product
    why = []
    if product.get("technology") == "industrial":
        why.append(said("teknologi pabrik", "factory technology"))
    methods = product.get("preservation") or []
    banned = [p for p in methods if p in limits["banned_processes"]]
    banned += [
        ctx.record(s)["process"]
        for s in ctx.production_steps()
        if ctx.record(s)["process"] in limits["banned_processes"]
    ]
    if banned:
        named = [_PROCESSES.get(p, said(p.replace("_", " "), p)) for p in sorted(set(banned))]
        why.append(joined(named, ", "))
    if len(methods) > limits["max_preservation_methods"]:
        why.append(said(f"{len(methods)} cara pengawetan", f"{len(methods)} preservation methods"))
    if why:
        yield hit(ctx.product_node, why=joined(why, "; "))


#: The processes self-declare excludes (reference data ``self_declare.banned_processes``), in words.
_PROCESSES = {
    "irradiation": said("iradiasi", "irradiation"),
    "ozonation": said("ozonisasi", "ozonation"),
    "genetic_engineering": said("rekayasa genetik", "genetic_engineering"),
}


@rule(
    "SD-06",
    "eligibility",
    A,
    "Kepkaban 33/2022; 146/2025 [UNCONF]",
    applies="self_declare",
    id="Kategori {category} (jasa/rumah makan) mungkin tidak dapat self-declare.",
    en="Category {category} (a service or eatery) may not qualify for self-declare.",
)
def sd_06(ctx: Context) -> Iterator[Hit]:
    category = ctx.product.get("category") or ""
    if category in ctx.reference["self_declare"]["service_categories"]:
        yield hit(ctx.product_node, category=category)


@rule(
    "SD-07",
    "eligibility",
    V,
    "UU 6/2023; Kepkaban 150/2022 butir 10",
    applies="self_declare",
    id="Permohonan self-declare belum diverifikasi pendamping PPH terdaftar.",
    en="The self-declare application has no verification by a registered PPH companion.",
)
def sd_07(ctx: Context) -> Iterator[Hit]:
    application = ctx.application or {}
    if application.get("route") == "self_declare" and not application.get("pendamping_verification"):
        yield hit(ctx.business_node)


@rule(
    "SD-08",
    "eligibility",
    V,
    "MUI tentang Nabidz 2023",
    applies="self_declare",
    id="Minuman fermentasi yang memerlukan uji etanol tidak dapat self-declare.",
    en="A fermented beverage that needs an ethanol test cannot use self-declare.",
)
def sd_08(ctx: Context) -> Iterator[Hit]:
    if _beverage(ctx) and ctx.product["fermented"]:
        yield hit(ctx.product_node)
