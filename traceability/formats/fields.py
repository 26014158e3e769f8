"""The fields of each kind of record, defined once for the dossier format and the JSON API.

Both formats carry the same facts; they differ only in how one record refers to another (a local
string id in a dossier, a numeric id in the API). Each ``*_fields`` function takes the field
factories for references and returns the marshmallow fields, so the two schemas cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from marshmallow import Schema, ValidationError, fields, validate

from traceability.identifiers import has_control_characters, is_valid_gtin, is_valid_nib, lot_key
from traceability.vocabulary import (
    ApplicationRoute,
    BusinessScale,
    CertificateScheme,
    CertificateStatus,
    CleansingMethod,
    EthanolSource,
    EvidenceType,
    FacilityKind,
    MaterialKind,
    MaterialState,
    NajisKind,
    Origin,
    Stunning,
    SupplierKind,
    Technology,
)

AnyField = fields.Field[Any]
E = TypeVar("E", bound=Enum)
FieldFactory = Callable[..., AnyField]

#: Stored ids are PostgreSQL ``integer`` (32-bit signed): anything larger is refused as input, never sent to
#: the database (SQLite would take it; PostgreSQL would fail the whole statement).
MAX_ID = 2**31 - 1
STORED_ID = validate.Range(min=1, max=MAX_ID, error=f"Ids are whole numbers from 1 to {MAX_ID}.")

COUNTRY = validate.Regexp(r"^[A-Z]{2}\Z", error="Use an ISO 3166 alpha-2 country code such as ID or MY.")


def text(max_length: int = 300, **kwargs: Any) -> fields.String:
    """A free-text field of at most `max_length` characters; required unless a default is given."""
    if "load_default" not in kwargs:
        kwargs.setdefault("required", True)
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def optional_text(max_length: int = 300) -> fields.String:
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(max=max_length))


def optional_date() -> fields.Date:
    return fields.Date(allow_none=True, load_default=None)


def flag(default: bool = False) -> fields.Boolean:
    return fields.Boolean(load_default=default)


def choice(enum: type[E], *, default: Any = ..., allow_none: bool = False) -> fields.Enum[E]:
    kwargs: dict[str, Any] = {"by_value": True, "allow_none": allow_none}
    if default is ...:
        kwargs["required"] = True
    else:
        kwargs["load_default"] = default
    return fields.Enum(enum, **kwargs)


def identifier(max_length: int = 100) -> fields.String:
    """A certificate number, issuer or lot code: kept as typed, compared canonically, never with control characters.

    A newline or tab in an identifier is refused rather than cleaned away (DESIGN section 7), and so is one that
    is nothing but spacing and invisible characters.
    """

    def check(value: str) -> None:
        if has_control_characters(value):
            raise ValidationError("Identifiers may not contain control characters such as line breaks or tabs.")
        if not lot_key(value):
            raise ValidationError("Give a value with visible characters.")

    return fields.String(required=True, validate=[validate.Length(min=1, max=max_length), check])


def nib_field(*, required: bool) -> fields.String:
    def check(value: str | None) -> None:
        if value is not None and not is_valid_nib(value):
            raise ValidationError("NIB must be exactly 13 digits.")

    if required:
        return fields.String(required=True, validate=check)
    return fields.String(allow_none=True, load_default=None, validate=check)


def gtin_field() -> fields.String:
    def check(value: str | None) -> None:
        if value is not None and not is_valid_gtin(value):
            raise ValidationError("GTIN must be 8, 12, 13 or 14 digits with a correct check digit.")

    return fields.String(allow_none=True, load_default=None, validate=check)


#: Quantities are stored as NUMERIC(18, 6): twelve digits before the point.
MAX_QUANTITY = 10**12


def quantity_field() -> fields.Float:
    return fields.Float(
        allow_none=True,
        load_default=None,
        allow_nan=False,
        validate=validate.Range(
            min=0,
            max=MAX_QUANTITY,
            max_inclusive=False,
            error="Quantities are numbers from 0 to below 1,000,000,000,000.",
        ),
    )


#: Items a list in a record may hold, and a dossier section: far beyond real use, small enough that a
#: refused document answers in one short message instead of one message per item.
MAX_ITEMS = 1_000
MAX_SECTION_ITEMS = 20_000


class BoundedList(fields.List[Any]):
    """A list refused as a whole, before its items are read, when it has more than `max_items`."""

    def __init__(self, inner: Any, *, max_items: int = MAX_ITEMS, **kwargs: Any) -> None:
        super().__init__(inner, **kwargs)
        self.max_items = max_items
        self.metadata = {**self.metadata, "maxItems": max_items}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, list | tuple) and len(value) > self.max_items:
            raise ValidationError(f"Give at most {self.max_items} items (got {len(value)}).")
        result: list[Any] = super()._deserialize(value, attr, data, **kwargs)
        return result


class Strict(Schema):
    """Base of every input schema: unknown fields are refused (marshmallow's RAISE)."""


# Value objects nested inside records: identical in both formats.


class SupervisorSchema(Strict):
    name = text(200)
    muslim = fields.Boolean(required=True)
    trained_on = optional_date()


class SjphSchema(Strict):
    last_training_on = optional_date()
    last_internal_audit_on = optional_date()
    last_management_review_on = optional_date()


class PendampingVerificationSchema(Strict):
    pendamping = text(200)
    registration_no = text(100)
    verified_on = fields.Date(required=True)


class ApplicationSchema(Strict):
    route = choice(ApplicationRoute)
    pendamping_verification = fields.Nested(PendampingVerificationSchema, allow_none=True, load_default=None)


class SlaughterSchema(Strict):
    muslim_slaughterer = fields.Boolean(required=True)
    stunning = choice(Stunning)
    alive_at_slaughter = fields.Boolean(required=True)


class EvidenceSchema(Strict):
    type = choice(EvidenceType)
    says = fields.String(load_default="", validate=validate.Length(max=5000))


class SharingSchema(Strict):
    product = text(300)
    halal = fields.Boolean(allow_none=True, load_default=None)
    alternate_use = flag()
    separated = flag()


class NajisContactSchema(Strict):
    kind = choice(NajisKind)
    until = fields.Date(required=True)


class CleansingSchema(Strict):
    method = choice(CleansingMethod)
    on = fields.Date(required=True)


class ToolSchema(Strict):
    """A tool or brush in contact with the product, and the animal hair it is made of, if any."""

    name = text(200)
    animal_hair = optional_text(50)


class LabelSchema(Strict):
    halal_logo = flag()
    printed_number = optional_text(100)


def _empty_sjph() -> dict[str, None]:
    return {"last_training_on": None, "last_internal_audit_on": None, "last_management_review_on": None}


def _plain_label() -> dict[str, Any]:
    return {"halal_logo": False, "printed_number": None}


# Records. `ref` makes a required reference, `refs` a list of them, `opt_ref` a nullable one.


def business_fields() -> dict[str, AnyField]:
    return {
        "name": text(200),
        "nib": nib_field(required=True),
        "scale": choice(BusinessScale),
        "annual_turnover_idr": fields.Integer(
            allow_none=True, load_default=None, strict=True, validate=validate.Range(min=0)
        ),
        "country": fields.String(load_default="ID", validate=COUNTRY),
        "address": optional_text(500),
        "region": optional_text(100),
        "halal_supervisor": fields.Nested(SupervisorSchema, allow_none=True, load_default=None),
        "sjph": fields.Nested(SjphSchema, load_default=_empty_sjph),
    }


def supplier_fields() -> dict[str, AnyField]:
    return {
        "name": text(300),
        "kind": choice(SupplierKind),
        "country": fields.String(load_default="ID", validate=COUNTRY),
        "nib": nib_field(required=False),
    }


def certificate_fields(holder: AnyField, refs: FieldFactory) -> dict[str, AnyField]:
    return {
        "number": identifier(100),
        "kh_number": optional_text(100),
        "issuer": identifier(200),
        "scheme": choice(CertificateScheme),
        "holder": holder,
        "covers": refs(),
        "issued_on": fields.Date(required=True),
        "valid_until": optional_date(),
        "status": choice(CertificateStatus, default=CertificateStatus.ACTIVE),
        "status_since": optional_date(),
        "shln_registration": optional_text(100),
        "fraud": flag(),  # a revocation for fraud reaches back to the date of issue
    }


def material_fields(refs: FieldFactory) -> dict[str, AnyField]:
    return {
        "name": text(300),
        "kind": choice(MaterialKind),
        "category": optional_text(50),
        "origin": choice(Origin, default=Origin.UNKNOWN),
        "species": optional_text(100),
        "source_detail": optional_text(300),
        "e_number": fields.String(
            allow_none=True,
            load_default=None,
            validate=validate.Regexp(r"^E\d{3,4}[a-z]?\Z", error="Write E-numbers like E471 or E160a."),
        ),
        "state": choice(MaterialState, default=None, allow_none=True),
        "positive_list": flag(),
        "is_khamr": flag(),
        "ethanol_source": choice(EthanolSource, default=EthanolSource.NONE),
        "growth_medium": optional_text(100),
        "food_contact": fields.Boolean(allow_none=True, load_default=None),
        "made_with": refs(),
        "slaughter": fields.Nested(SlaughterSchema, allow_none=True, load_default=None),
        "evidence": BoundedList(fields.Nested(EvidenceSchema), load_default=list),
    }


def lot_fields(ref: FieldFactory, opt_ref: FieldFactory) -> dict[str, AnyField]:
    return {
        "material": ref(),
        "supplier": ref(),
        "certificate": opt_ref(),
        "lot_code": identifier(100),
        "quantity": quantity_field(),
        "unit": optional_text(20),
        "received_on": fields.Date(required=True),
    }


def facility_fields(owner: AnyField) -> dict[str, AnyField]:
    return {
        "name": text(300),
        "kind": choice(FacilityKind),
        "owner": owner,
        "dedicated_halal": flag(),
        "shared_with": BoundedList(fields.Nested(SharingSchema), load_default=list),
        "shared_cleaning": flag(),
        "shared_tool_storage": flag(),
        "najis_contact": BoundedList(fields.Nested(NajisContactSchema), load_default=list),
        "cleansing": BoundedList(fields.Nested(CleansingSchema), load_default=list),
        "tools": BoundedList(fields.Nested(ToolSchema), load_default=list),
    }


def product_fields(opt_ref: FieldFactory, refs: FieldFactory) -> dict[str, AnyField]:
    return {
        "name": text(300),
        "brand": optional_text(200),
        "gtin": gtin_field(),
        "category": optional_text(100),
        "is_beverage": flag(),
        "fermented": flag(),
        "measured_ethanol_pct": fields.Float(
            allow_none=True, load_default=None, allow_nan=False, validate=validate.Range(min=0, max=100)
        ),
        "shape": optional_text(300),
        "flavour_profile": BoundedList(fields.String(validate=validate.Length(min=1, max=100)), load_default=list),
        "halal_claim": flag(),
        "declared_non_halal": flag(),
        "label": fields.Nested(LabelSchema, load_default=_plain_label),
        "certificate": opt_ref(),
        "certified_composition": refs(),
        "technology": choice(Technology, default=None, allow_none=True),
        "preservation": BoundedList(fields.String(validate=validate.Length(min=1, max=50)), load_default=list),
    }


def step_fields(opt_ref: FieldFactory, inputs: AnyField, refs: FieldFactory) -> dict[str, AnyField]:
    return {
        "name": text(300),
        "process": optional_text(100),
        "facility": opt_ref(),
        "equipment": optional_text(300),
        "on": fields.Date(required=True),
        "inputs": inputs,
        "outputs": refs(),
    }


def batch_fields(opt_ref: FieldFactory) -> dict[str, AnyField]:
    return {
        "lot_code": identifier(100),
        "produced_on": fields.Date(required=True),
        "step": opt_ref(),
        "non_conforming": flag(),
        "released": flag(),
        "recalled_on": optional_date(),
    }


def unique_list(field: AnyField, *, min_length: int = 0, **kwargs: Any) -> BoundedList:
    """A list whose items may each appear once, with at least `min_length` items."""

    def check(values: list[Any]) -> None:
        if len(values) < min_length:
            raise ValidationError(f"Give at least {min_length} item(s).")
        if len(set(map(str, values))) != len(values):
            raise ValidationError("Each item may appear only once.")

    return BoundedList(field, validate=check, **kwargs)
