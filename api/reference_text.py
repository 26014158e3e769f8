"""The words of the admin's reference data page: each section of the reference data, and each change a new
version makes, as a sentence. Message ids in English, translated by the catalogue; Indonesian is the default."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceability.rules.reference_diff import Change

__all__ = ["SECTION_WORDS", "change_words"]

SECTION_WORDS = {
    "name": _l("Name of the data set"),
    "version": _l("Version"),
    "sources": _l("Sources"),
    "materials": _l("Material catalogue"),
    "haram_species": _l("Haram animal species"),
    "two_worlds_species": _l("Animals of two worlds"),
    "two_worlds_severity": _l("How animals of two worlds are judged"),
    "halal_water_animals": _l("Halal water animals"),
    "slaughter_categories": _l("Categories that need slaughter"),
    "slaughter_species": _l("Species that need slaughter"),
    "haram_source_details": _l("Haram sources"),
    "khamr_words": _l("Words for khamr (alcoholic drinks)"),
    "level2_critical_categories": _l("Critical categories (level 2)"),
    "microbial_categories": _l("Microbial categories"),
    "najis_growth_media": _l("Najis growth media"),
    "porcine_growth_media": _l("Porcine growth media"),
    "non_critical_categories": _l("Non-critical categories"),
    "documentary_evidence": _l("Documentary evidence"),
    "contact_evidence": _l("Evidence for food-contact materials"),
    "e_numbers": _l("E-numbers"),
    "positive_list_categories": _l("Categories needing no certificate (KMA 1360/2021)"),
    "names": _l("Product and material names"),
    "shapes_banned": _l("Forbidden product shapes"),
    "flavours_banned": _l("Forbidden flavours"),
    "flavour_whitelist": _l("Flavours allowed despite their name"),
    "certificate_number_pattern": _l("Certificate number pattern"),
    "bpjph_issuers": _l("BPJPH issuers"),
    "legacy_issuers": _l("Former issuers (MUI)"),
    "recognised_foreign_bodies": _l("Recognised foreign halal bodies"),
    "issuer_registry": _l("Issuer registry"),
    "self_declare": _l("Self-declare route"),
    "ethanol_beverage_limit_pct": _l("Ethanol limit in drinks (%)"),
    "slaughter_supplier_kinds": _l("Supplier kinds that slaughter"),
    "distributor_supplier_kinds": _l("Supplier kinds that distribute"),
    "deadlines": _l("Certification deadlines"),
    "deadline_warning_days": _l("Days of warning before a deadline"),
    "product_groups": _l("Product groups"),
    "dedicated_facility_categories": _l("Categories needing a dedicated facility"),
    "dedicated_facility_processes": _l("Processes needing a dedicated facility"),
}

#: The fields of a catalogue material.
FIELD_WORDS = {
    "names": _l("names"),
    "label": _l("label"),
    "category": _l("category"),
    "origin": _l("origin"),
    "species": _l("species"),
    "risk": _l("risk"),
    "e_number": _l("E-number"),
    "positive_list": _l("needs no certificate"),
}


def _field(name: str) -> str:
    return str(FIELD_WORDS.get(name, SECTION_WORDS.get(name, name)))


def _section(name: str) -> str:
    return str(SECTION_WORDS.get(name, name))


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)[:300]


def change_words(change: Change) -> str:
    """One change a new version makes, as a sentence in the page's language (the data's own values kept)."""
    section = _section(change.section)
    if change.action == "added":
        return _("%(section)s: “%(item)s” added.", section=section, item=change.item)
    if change.action == "removed":
        return _("%(section)s: “%(item)s” removed.", section=section, item=change.item)
    field = change.field or ""
    if field.startswith(("+", "-")):
        words = _("added %(values)s") if field[0] == "+" else _("removed %(values)s")
        values = _value(change.after if field[0] == "+" else change.before)
        return _(
            "%(section)s: “%(item)s”, %(field)s: %(what)s.",
            section=section,
            item=change.item or "",
            field=_field(field[1:]),
            what=words % {"values": values},
        )
    if change.item:
        return _(
            "%(section)s: “%(item)s”, %(field)s: %(before)s → %(after)s.",
            section=section,
            item=change.item,
            field=_field(field),
            before=_value(change.before),
            after=_value(change.after),
        )
    if field:
        section = f"{section} · {_field(field)}"
    return _(
        "%(section)s: %(before)s → %(after)s.",
        section=section,
        before=_value(change.before),
        after=_value(change.after),
    )
