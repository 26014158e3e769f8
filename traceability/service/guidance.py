"""Guided entry: what a material typed by its name probably is, from the reference catalogue in force.

The catalogue's matcher (:meth:`Reference.recognise`) recognises the name; this only turns its entry into the
fields of a material record and says, as a reason code the pages put in words, whether KMA 1360 exempts it and
whether it needs a halal certificate. The producer confirms or corrects; nothing here is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from traceability.rules.reference import Reference, normalise
from traceability.service.assessments import active_reference

__all__ = ["MaterialSuggestion", "suggest_material"]

#: Words in a name that say how a material arrives.
_FRESH = ("segar", "fresh", "mentah", "raw")
_PHYSICAL = ("kering", "dried", "bubuk", "powder", "giling", "ground", "iris", "sliced", "tepung", "flour", "utuh")
#: Categories that are made by processing, whatever their origin.
_PROCESSED = {"oil_fat", "flavour", "seasoning", "condiment", "sauce", "emulsifier", "additive", "colour", "gelatin"}
#: Catalogue risks that never allow an exemption.
_NEVER_EXEMPT = {"haram", "khamr", "slaughter", "critical", "two_worlds", "contested", "source_dependent", "level2"}


@dataclass(frozen=True, slots=True)
class MaterialSuggestion:
    """The fields a recognised material would be recorded with, and why.

    `reason` is one of ``haram``, ``khamr``, ``slaughter``, ``exempt``, ``not_at_risk``, ``needs_certificate``;
    `exemption` names the KMA 1360 item (``KMA1360-1a``) when exempt.
    """

    key: str
    matched: str
    fields: dict[str, Any] = field(default_factory=dict)
    exempt: bool = False
    needs_certificate: bool = True
    reason: str = "needs_certificate"
    exemption: str | None = None


def _state(name: str, entry: dict[str, Any]) -> str:
    if entry.get("state"):
        return str(entry["state"])
    words = f" {normalise(name)} "
    if any(f" {w} " in words for w in _FRESH):
        return "fresh"
    if any(f" {w} " in words for w in _PHYSICAL):
        return "physically_processed"
    if entry.get("category") in _PROCESSED or entry.get("origin") in ("microbial", "synthetic", "mineral"):
        return "processed"
    return "fresh"


def _exemption(reference: Reference, entry: dict[str, Any], state: str) -> str | None:
    """The KMA 1360 positive-list item that exempts the material, if one does."""
    if entry.get("risk") in _NEVER_EXEMPT or state == "processed" or entry.get("e_number"):
        return None
    for item in reference["positive_list_categories"]:
        origins, categories = item.get("origins") or [], item.get("categories")
        if entry.get("origin") in origins and (categories is None or entry.get("category") in categories):
            return str(item["ref"])
    return None


def suggest_material(session: Session, name: str) -> MaterialSuggestion | None:
    """What `name` probably is, or None when the catalogue does not know it."""
    reference = active_reference(session)
    match = reference.recognise(name)
    if match is None:
        return None
    entry = dict(match.entry)
    risk = entry.get("risk") or "none"
    state = _state(name, entry)
    values: dict[str, Any] = {
        "kind": "ingredient",
        "category": entry.get("category"),
        "origin": entry.get("origin") or "unknown",
        "state": state,
    }
    for optional in ("species", "e_number", "ethanol_source", "source_detail"):
        if entry.get(optional):
            values[optional] = entry[optional]
    if risk == "khamr":
        values["is_khamr"] = True
    plain = entry.get("origin") in ("mineral", "synthetic") and risk == "none" and not entry.get("e_number")
    exemption = None if plain else _exemption(reference, entry, state)
    if exemption is not None:
        values["positive_list"] = True
    if risk in ("haram", "khamr", "slaughter"):
        reason = risk
    elif exemption is not None:
        reason = "exempt"
    elif plain or entry.get("category") in reference["non_critical_categories"]:
        reason = "not_at_risk"
    else:
        reason = "needs_certificate"
    return MaterialSuggestion(
        key=match.key,
        matched=match.matched,
        fields=values,
        exempt=exemption is not None,
        needs_certificate=reason in ("slaughter", "needs_certificate"),
        reason=reason,
        exemption=exemption,
    )
