"""Request and response bodies of the JSON API. ``*In`` schemas load, ``*Out`` schemas dump.

Record fields come from :mod:`traceability.formats.fields`, shared with the dossier format; here
references are numeric ids.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from traceability.formats import fields as f
from traceability.formats.fields import STORED_ID
from traceability.vocabulary import Role


def _ref() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=STORED_ID)


def _opt_ref() -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, strict=True, validate=STORED_ID)


def _refs() -> fields.List:
    return f.unique_list(fields.Integer(strict=True, validate=STORED_ID), load_default=list)


def _holder(what: str) -> fields.Integer:
    return fields.Integer(
        allow_none=True,
        load_default=None,
        strict=True,
        validate=STORED_ID,
        metadata={"description": f"Supplier id of the {what}; null means your business."},
    )


class _OneOf(f.Strict):
    """Exactly one of the id fields is given."""

    KEYS: tuple[str, ...] = ()

    @validates_schema
    def one_key(self, data: dict[str, Any], **kwargs: Any) -> None:
        if sum(1 for k in self.KEYS if data.get(k) is not None) != 1:
            raise ValidationError(f"Give exactly one of {', '.join(self.KEYS)}.")


class CoverRef(_OneOf):
    """A material or product a certificate covers."""

    KEYS = ("material", "product")
    material = fields.Integer(strict=True, validate=STORED_ID)
    product = fields.Integer(strict=True, validate=STORED_ID)


class InputRef(_OneOf):
    """A step input: a material lot or an intermediate batch, with the amount used."""

    KEYS = ("lot", "batch")
    lot = fields.Integer(strict=True, validate=STORED_ID)
    batch = fields.Integer(strict=True, validate=STORED_ID)
    quantity = f.quantity_field()
    unit = f.optional_text(20)


REF = {"ref": f.optional_text(100)}

RECORD_FIELDS: dict[str, dict[str, fields.Field]] = {
    "suppliers": f.supplier_fields(),
    "certificates": f.certificate_fields(
        _holder("holder"), lambda: f.BoundedList(fields.Nested(CoverRef), load_default=list)
    ),
    "materials": f.material_fields(_refs),
    "lots": f.lot_fields(_ref, _opt_ref),
    "facilities": f.facility_fields(_holder("owner")),
    "products": f.product_fields(_opt_ref, _refs),
    "steps": f.step_fields(
        _opt_ref, f.BoundedList(fields.Nested(InputRef), required=True, validate=validate.Length(min=1)), _refs
    ),
    "batches": {**f.batch_fields(_opt_ref), "product": _ref()},
}
SINGULAR = {
    "suppliers": "Supplier",
    "certificates": "Certificate",
    "materials": "Material",
    "lots": "Lot",
    "facilities": "Facility",
    "products": "Product",
    "steps": "Step",
    "batches": "Batch",
}


def _identity() -> dict[str, fields.Field]:
    return {
        "id": fields.Integer(),
        "business": fields.Integer(),
        "ref": fields.String(allow_none=True),
        "version": fields.Integer(),
        "voided_at": fields.DateTime(allow_none=True),
        "void_reason": fields.String(allow_none=True),
    }


def record_schemas(kind: str) -> tuple[type[Schema], type[Schema], type[Schema]]:
    """Return the In, Patch and Out schemas of one kind of record."""
    name = SINGULAR[kind]
    body = {**REF, **RECORD_FIELDS[kind]}
    schema_in = f.Strict.from_dict(body, name=f"{name}In")
    schema_patch = f.Strict.from_dict(body, name=f"{name}Patch")
    schema_out = Schema.from_dict({**_identity(), **RECORD_FIELDS[kind]}, name=f"{name}Out")
    return schema_in, schema_patch, schema_out


BusinessIn = f.Strict.from_dict(f.business_fields(), name="BusinessIn")
BusinessPatch = f.Strict.from_dict(f.business_fields(), name="BusinessPatch")
REGISTRY_FIELDS = ("owner", "kelurahan", "kecamatan", "city", "phone", "kbli")  # from the city's registry
BusinessOut = Schema.from_dict(
    {
        "id": fields.Integer(),
        "version": fields.Integer(),
        **f.business_fields(),
        **{name: fields.String(allow_none=True) for name in REGISTRY_FIELDS},
    },
    name="BusinessOut",
)


class PageArgs(f.Strict):
    """Which page of a list to return."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    business = fields.Integer(validate=STORED_ID, metadata={"description": "Only this business."})


class RecordPageArgs(PageArgs):
    """A page of producer records: voided ones only when asked, and an optional search."""

    include_voided = fields.Boolean(load_default=False, metadata={"description": "Also list voided records."})
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Search names and codes."})


class VoidIn(f.Strict):
    """Why a record is withdrawn; it stays in history and leaves every current graph."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class BusinessPageArgs(f.Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    region = fields.String(validate=validate.Length(min=1, max=100))
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Words that begin the name, owner, NIB or kelurahan."},
    )


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """An envelope for one page of `item`s."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


class MeOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.Enum(Role, by_value=True)
    business = fields.Integer(allow_none=True)
    assigned_businesses = fields.List(fields.Integer())


class TokenIn(f.Strict):
    name = fields.String(load_default="", validate=validate.Length(max=100))


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenOut(TokenOut):
    token = fields.String(metadata={"description": "Shown once; only its hash is stored."})


class AssignmentIn(f.Strict):
    pendamping = fields.Integer(required=True, strict=True, validate=STORED_ID)


class ImportOut(Schema):
    business = fields.Integer()
    product = fields.Integer()
    batches = fields.List(fields.Integer())


class JournalArgs(f.Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    subject = fields.String(
        validate=validate.Regexp(r"^[a-z_]+:\d+\Z"),
        metadata={"description": "Only entries about this record, e.g. lot:12."},
    )


class JournalEntryOut(Schema):
    seq = fields.Integer()
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    subject = fields.String()
    payload = fields.Raw()
    payload_digest = fields.String()
    leaf_index = fields.Integer(
        allow_none=True, metadata={"description": "The entry's place in the Merkle tree; null until sealed."}
    )


class AssignmentOut(Schema):
    pendamping = fields.Integer()
    business = fields.Integer()
