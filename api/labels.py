"""The words people read for codes: each enum value, each record field and kind, and dates in the business's
time zone. Pages show these, never a raw enum value or an internal id (DESIGN section 8b)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from api.auth import current_actor
from api.db import get_session
from models import Business
from traceability import dates
from traceability import vocabulary as v

#: Every enum value a producer, pendamping, auditor, coordinator or admin may see, in words.
#: Each pair once: enums of different types share values ("none", "unknown", "synthetic"), and StrEnum members
#: with equal values are equal keys, so the words are keyed by (enum type, value).
_LABELLED: tuple[tuple[enum.Enum, Any], ...] = (
    (v.SupplierKind.MANUFACTURER, _l("Manufacturer or factory")),
    (v.SupplierKind.SLAUGHTERHOUSE, _l("Slaughterhouse (RPH)")),
    (v.SupplierKind.POULTRY_SLAUGHTERHOUSE, _l("Poultry slaughterhouse (RPU)")),
    (v.SupplierKind.MARKET, _l("Market stall or shop")),
    (v.SupplierKind.FARM, _l("Farm or grower")),
    (v.SupplierKind.IMPORTER, _l("Importer")),
    (v.SupplierKind.BUSINESS, _l("Business on this platform")),
    (v.CertificateScheme.REGULAR, _l("Regular")),
    (v.CertificateScheme.SELF_DECLARE, _l("Self-declare")),
    (v.CertificateScheme.FOREIGN, _l("Foreign (recognised body)")),
    (v.CertificateScheme.LEGACY_MUI, _l("Old MUI certificate")),
    (v.CertificateStatus.ACTIVE, _l("Active")),
    (v.CertificateStatus.SUSPENDED, _l("Suspended")),
    (v.CertificateStatus.REVOKED, _l("Revoked")),
    (v.MaterialKind.INGREDIENT, _l("Ingredient")),
    (v.MaterialKind.ADDITIVE, _l("Additive")),
    (v.MaterialKind.PROCESSING_AID, _l("Processing aid")),
    (v.MaterialKind.PACKAGING, _l("Packaging")),
    (v.MaterialKind.CLEANING_AGENT, _l("Cleaning agent")),
    (v.MaterialKind.LUBRICANT, _l("Machine lubricant")),
    (v.Origin.PLANT, _l("Plant")),
    (v.Origin.ANIMAL, _l("Animal")),
    (v.Origin.AQUATIC, _l("Fish or other water animal")),
    (v.Origin.INSECT, _l("Insect")),
    (v.Origin.MICROBIAL, _l("Microbial (yeast, bacteria)")),
    (v.Origin.MINERAL, _l("Mineral (salt, water)")),
    (v.Origin.SYNTHETIC, _l("Made chemically")),
    (v.Origin.HUMAN, _l("Human")),
    (v.Origin.UNKNOWN, _l("Not known")),
    (v.MaterialState.FRESH, _l("Fresh, as harvested")),
    (v.MaterialState.PHYSICALLY_PROCESSED, _l("Only cut, dried or ground")),
    (v.MaterialState.PROCESSED, _l("Processed (with other materials or treatment)")),
    (v.EthanolSource.NONE, _l("No alcohol")),
    (v.EthanolSource.SYNTHETIC, _l("Alcohol made chemically")),
    (v.EthanolSource.NON_KHAMR_FERMENTATION, _l("Alcohol from fermentation, not from drinks")),
    (v.EthanolSource.KHAMR_INDUSTRY, _l("Alcohol from the drinks industry")),
    (v.EthanolSource.UNKNOWN, _l("Alcohol of unknown source")),
    (v.Stunning.NONE, _l("No stunning")),
    (v.Stunning.NON_LETHAL, _l("Stunned, not killed by it")),
    (v.Stunning.LETHAL, _l("Stunning that may kill")),
    (v.EvidenceType.SPEC_SHEET, _l("Specification sheet")),
    (v.EvidenceType.SOURCE_STATEMENT, _l("Statement of source")),
    (v.EvidenceType.LAB_TEST, _l("Laboratory result")),
    (v.EvidenceType.PORK_FREE_STATEMENT, _l("Pork-free statement")),
    (v.EvidenceType.PURIFICATION_RECORD, _l("Purification record")),
    (v.FacilityKind.PRODUCTION, _l("Production kitchen or site")),
    (v.FacilityKind.OUTLET, _l("Outlet or shop")),
    (v.FacilityKind.STORAGE, _l("Storage")),
    (v.FacilityKind.VEHICLE, _l("Vehicle")),
    (v.FacilityKind.EXTERNAL_SERVICE, _l("Outside service (public grinder)")),
    (v.NajisKind.MUGHALLAZAH, _l("Heavy najis (pig, dog)")),
    (v.NajisKind.MUTAWASSITAH, _l("Medium najis (blood, carrion)")),
    (v.NajisKind.MUKHAFFAFAH, _l("Light najis")),
    (v.CleansingMethod.SERTU_7X_WITH_SOIL, _l("Sertu: seven washes, one with soil")),
    (v.CleansingMethod.SERTU_7X_WITH_SUBSTITUTE, _l("Sertu: seven washes, one with a soil substitute")),
    (v.CleansingMethod.WASH_UNTIL_CLEAN, _l("Washed until clean")),
    (v.Technology.MANUAL, _l("By hand")),
    (v.Technology.SEMI_AUTOMATIC, _l("Partly by machine")),
    (v.Technology.INDUSTRIAL, _l("Industrial machines")),
    (v.BusinessScale.MICRO, _l("Micro")),
    (v.BusinessScale.SMALL, _l("Small")),
    (v.BusinessScale.MEDIUM, _l("Medium")),
    (v.BusinessScale.LARGE, _l("Large")),
    (v.ApplicationRoute.REGULAR, _l("Regular")),
    (v.ApplicationRoute.SELF_DECLARE, _l("Self-declare")),
    (v.Severity.OK, _l("fine")),
    (v.Severity.ADVISORY, _l("advice")),
    (v.Severity.NEEDS_EVIDENCE, _l("proof needed")),
    (v.Severity.VIOLATION, _l("must be fixed")),
    (v.HalalStatus.HALAL_VERIFIED, _l("verified halal")),
    (v.HalalStatus.PENDING, _l("pending")),
    (v.HalalStatus.NOT_HALAL, _l("not halal")),
    (v.Role.PRODUCER, _l("Producer")),
    (v.Role.PENDAMPING, _l("Halal mentor (pendamping)")),
    (v.Role.AUDITOR, _l("Auditor")),
    (v.Role.ADMIN, _l("Administrator")),
    (v.Role.COORDINATOR, _l("Programme coordinator")),
)
ENUM_LABELS: dict[tuple[type[enum.Enum], str], Any] = {(type(m), str(m.value)): text for m, text in _LABELLED}

#: Each record field as a person calls it; keyed by field name, shared by every kind.
FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "kind": _l("What it is"),
    "country": _l("Country (two letters, ID for Indonesia)"),
    "nib": _l("NIB (13 digits)"),
    "number": _l("Certificate number"),
    "kh_number": _l("Decision number (KH)"),
    "issuer": _l("Issued by"),
    "scheme": _l("Scheme"),
    "holder": _l("Held by"),
    "covers": _l("Covers"),
    "issued_on": _l("Issued on"),
    "valid_until": _l("Valid until"),
    "status": _l("Status"),
    "status_since": _l("Status since"),
    "shln_registration": _l("SHLN registration (foreign certificates)"),
    "fraud": _l("Revoked for fraud"),
    "category": _l("Category"),
    "origin": _l("Comes from"),
    "species": _l("Animal species"),
    "source_detail": _l("More about the source"),
    "e_number": _l("E-number"),
    "state": _l("How it arrives"),
    "positive_list": _l("Exempt from certification (KMA 1360 list)"),
    "is_khamr": _l("Is an alcoholic drink (khamr)"),
    "ethanol_source": _l("Alcohol in it"),
    "growth_medium": _l("Grown on (microbial materials)"),
    "food_contact": _l("Touches the food"),
    "made_with": _l("Made with these materials"),
    "slaughter": _l("Slaughter"),
    "muslim_slaughterer": _l("Slaughtered by a Muslim"),
    "stunning": _l("Stunning"),
    "alive_at_slaughter": _l("Alive at slaughter"),
    "evidence": _l("Documents from the supplier"),
    "type": _l("Document"),
    "says": _l("What it says"),
    "material": _l("Material"),
    "supplier": _l("Supplier"),
    "certificate": _l("Halal certificate"),
    "lot_code": _l("Lot code"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "received_on": _l("Received on"),
    "owner": _l("Owned by"),
    "dedicated_halal": _l("Used only for halal products"),
    "shared_with": _l("Also used for"),
    "product": _l("Product"),
    "halal": _l("That product is halal"),
    "alternate_use": _l("Used in turns"),
    "separated": _l("Kept apart"),
    "shared_cleaning": _l("Cleaning tools shared"),
    "shared_tool_storage": _l("Tools stored together"),
    "najis_contact": _l("Contact with najis"),
    "until": _l("Until"),
    "cleansing": _l("Cleansing done"),
    "method": _l("How"),
    "on": _l("Date"),
    "tools": _l("Tools and brushes"),
    "animal_hair": _l("Bristles from (animal)"),
    "brand": _l("Brand"),
    "gtin": _l("Barcode number (GTIN)"),
    "is_beverage": _l("Is a drink"),
    "fermented": _l("Fermented"),
    "measured_ethanol_pct": _l("Measured alcohol (%)"),
    "shape": _l("Shape"),
    "flavour_profile": _l("Taste or aroma words (separate with commas)"),
    "halal_claim": _l("The pack says halal"),
    "declared_non_halal": _l("Sold as not halal"),
    "label": _l("Label"),
    "halal_logo": _l("The label shows the halal logo"),
    "printed_number": _l("Certificate number printed on the label"),
    "certified_composition": _l("Composition the certificate was issued for"),
    "technology": _l("Made"),
    "preservation": _l("Preserved by (separate with commas)"),
    "process": _l("Process"),
    "facility": _l("Where"),
    "equipment": _l("Equipment"),
    "inputs": _l("What went in"),
    "outputs": _l("Batches it made"),
    "produced_on": _l("Produced on"),
    "step": _l("Production step"),
    "non_conforming": _l("Did not meet the standard"),
    "released": _l("Released for sale"),
    "recalled_on": _l("Recalled on"),
    "version": _l("Version"),
    "voided_at": _l("Voided"),
    "void_reason": _l("Why voided"),
    "ref": _l("Own reference"),
    "used": _l("Lot or batch"),
    "scale": _l("Business size"),
    "annual_turnover_idr": _l("Annual turnover (rupiah)"),
    "address": _l("Address"),
    "region": _l("Region"),
    "halal_supervisor": _l("Halal supervisor (penyelia halal)"),
    "muslim": _l("Muslim"),
    "trained_on": _l("Trained on"),
    "sjph": _l("SJPH records"),
    "last_training_on": _l("Last halal training"),
    "last_internal_audit_on": _l("Last internal audit"),
    "last_management_review_on": _l("Last management review"),
}

#: Each kind of record: (one, many).
KIND_NAMES: dict[str, tuple[Any, Any]] = {
    "suppliers": (_l("Supplier"), _l("Suppliers")),
    "certificates": (_l("Halal certificate"), _l("Halal certificates")),
    "materials": (_l("Material"), _l("Materials")),
    "lots": (_l("Lot received"), _l("Lots received")),
    "facilities": (_l("Place or equipment"), _l("Places and equipment")),
    "products": (_l("Product"), _l("Products")),
    "steps": (_l("Production step"), _l("Production steps")),
    "batches": (_l("Batch produced"), _l("Batches produced")),
}


def enum_label(value: Any) -> str:
    """The words for an enum value (or its wire string); anything else as given."""
    if isinstance(value, enum.Enum):
        found = ENUM_LABELS.get((type(value), str(value.value)))
        return str(found) if found is not None else str(value.value)
    for member, text in _LABELLED:
        if member.value == value:
            return str(text)
    return "" if value is None else str(value)


def field_label(name: str) -> str:
    found = FIELD_LABELS.get(name)
    return str(found) if found is not None else name.replace("_", " ")


# --- dates and times, in the business's zone (one helper: traceability.dates) ------------------------------


def _lang() -> str:
    return str(get_locale() or "id")


def _region() -> str | None:
    """The region of the business the signed-in person works for (its zone), when there is one."""
    if not has_request_context():
        return None
    if "business_region" not in g:
        actor = current_actor(required=False)
        business = get_session().get(Business, actor.business_id) if actor and actor.business_id else None
        g.business_region = business.region if business is not None else None
    region: str | None = g.business_region
    return region


def when(moment: dt.datetime | str | None, region: str | None = None) -> str:
    """A moment as people write it, in the page's language and the business's zone: "1 Des 2026 10:12 WIB"."""
    return dates.moment(moment, region if region is not None else _region(), _lang())


def day(value: dt.date | str | None) -> str:
    """A date as people write it: "1 Des 2026"."""
    return dates.day(value, _lang())
