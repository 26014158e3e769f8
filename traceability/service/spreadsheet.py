"""Materials and received lots from a spreadsheet (CSV): every row checked, then all stored or none.

One row is one material, optionally with one lot received of it. Rows validate with the same field
definitions as the JSON API and the dossier (:mod:`traceability.formats.fields`); errors name the
row (as the spreadsheet numbers it, header = 1) and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields
from sqlalchemy.orm import Session

from models import Certificate, Material, Supplier
from traceability.errors import InvalidInputError
from traceability.formats import csv_cells
from traceability.formats.fields import STORED_ID, Strict, lot_fields, material_fields
from traceability.service import records
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing

__all__ = ["COLUMNS", "ImportResult", "import_csv", "template_csv"]

MATERIAL_COLUMNS = ("name", "kind", "category", "origin", "species", "e_number", "state")
LOT_COLUMNS = ("supplier", "certificate", "lot_code", "quantity", "unit", "received_on")
COLUMNS = MATERIAL_COLUMNS + LOT_COLUMNS
MAX_ROWS = 2000
_EXAMPLE = {
    "name": "Gelatin sapi",
    "kind": "ingredient",
    "category": "gelatin",
    "origin": "animal",
    "species": "bovine",
    "e_number": "",
    "state": "processed",
    "supplier": "PT Contoh Gelatin",
    "certificate": "ID00410000012340123",
    "lot_code": "GEL-2025-11",
    "quantity": "5",
    "unit": "kg",
    "received_on": "2025-11-20",
}


def _ref() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=STORED_ID)


def _opt_ref() -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, strict=True, validate=STORED_ID)


_MATERIAL = Strict.from_dict(
    material_fields(lambda: fields.List(fields.Integer(), load_default=list)), name="SheetMaterial"
)()
_LOT = Strict.from_dict(lot_fields(_ref, _opt_ref), name="SheetLot")()


def template_csv() -> str:
    """The spreadsheet template offered for download: the header and one example row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(csv_cells.record(_EXAMPLE))
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class ImportResult:
    materials: int
    lots: int


def _leaves(messages: Any) -> list[str]:
    """Each message on its own, so a page can put each in its reader's language."""
    if isinstance(messages, dict):
        return [m for v in messages.values() for m in _leaves(v)]
    if isinstance(messages, list):
        return [m for v in messages for m in _leaves(v)]
    return [str(messages)]


def _load(
    schema: Schema, data: dict[str, Any], line: int, errors: dict[str, list[str]], column: dict[str, str] | None = None
) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = schema.load(data)
        return loaded
    except ValidationError as exc:
        for name, message in exc.normalized_messages().items():
            for text in _leaves(message):
                errors.setdefault(f"row {line}", []).append(f"{(column or {}).get(name, name)}: {text}")
        return None


def _rows(text: str, errors: dict[str, list[str]]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [h for h in ("name", "kind") if h not in header]
    if unknown or missing:
        errors["header"] = [f"{h}: Unknown column." for h in unknown] + [f"{h}: Missing column." for h in missing]
        return []
    reader.fieldnames = header
    rows = []
    for row in reader:
        if reader.line_num - 1 > MAX_ROWS:
            errors["file"] = [f"At most {MAX_ROWS} rows per file."]
            return []
        if None in row:
            errors.setdefault(f"row {reader.line_num}", []).append("More cells than columns.")
            continue
        cleaned = {k: (v or "").strip() for k, v in row.items()}
        if any(cleaned.values()):
            rows.append((reader.line_num, cleaned))
    if not rows and not errors:
        errors["file"] = ["The file has no rows."]
    return rows


@dataclass(frozen=True, slots=True)
class _Known:
    """The business's records a row may name, by what the sheet calls them: ids by name or number."""

    suppliers: dict[str, int]  # by case-folded name
    certificates: dict[str, int]  # by number
    materials: dict[str, int]  # by case-folded name; grows as the import stores new materials

    @classmethod
    def read(cls, session: Session, business_id: int) -> _Known:
        def owned(model: type[Any]) -> Any:
            return session.scalars(sa.select(model).where(model.business_id == business_id))

        return cls(
            suppliers={s.name.casefold(): s.id for s in owned(Supplier)},
            certificates={c.number: c.id for c in owned(Certificate)},
            materials={m.name.casefold(): m.id for m in owned(Material)},
        )


# One row's plan: the material fields to store (None: the row names a known material as is), its name, the lot.
_Planned = tuple[dict[str, Any] | None, str, dict[str, Any] | None]


def _lot(row: dict[str, str], line: int, known: _Known, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    lot_in: dict[str, Any] = {k: row[k] for k in ("lot_code", "unit", "received_on") if row.get(k)}
    lot_in["material"] = 1  # resolved when stored; the material is checked on its own
    if row.get("quantity"):
        lot_in["quantity"] = row["quantity"]
    supplier = known.suppliers.get(row.get("supplier", "").casefold())
    if supplier is None:
        errors.setdefault(f"row {line}", []).append("supplier: No supplier by that name yet; add it first.")
    else:
        lot_in["supplier"] = supplier
    if row.get("certificate"):
        if row["certificate"] not in known.certificates:
            errors.setdefault(f"row {line}", []).append(
                "certificate: No certificate with that number yet; add it first."
            )
        else:
            lot_in["certificate"] = known.certificates[row["certificate"]]
    return _load(_LOT, lot_in, line, errors)


def _plan(rows: list[tuple[int, dict[str, str]]], known: _Known, errors: dict[str, list[str]]) -> list[_Planned]:
    plan: list[_Planned] = []
    planned: set[str] = set()
    for line, row in rows:
        material = None
        key = row.get("name", "").casefold()
        if (key not in known.materials and key not in planned) or any(row.get(c) for c in MATERIAL_COLUMNS[1:]):
            material = _load(_MATERIAL, {k: row[k] for k in MATERIAL_COLUMNS if row.get(k)}, line, errors)
        lot = _lot(row, line, known, errors) if any(row.get(c) for c in LOT_COLUMNS) else None
        plan.append((material, row.get("name", ""), lot))
        planned.add(key)
    return plan


def _store(session: Session, actor: Actor, plan: list[_Planned], materials: dict[str, int]) -> ImportResult:
    made_materials = made_lots = 0
    with writing(session):
        for material, name, lot in plan:
            key = name.casefold()
            if material is not None and key not in materials:
                materials[key] = records.create_record(session, actor, "materials", material).id
                made_materials += 1
            elif material is not None:
                records.update_record(session, actor, "materials", materials[key], material)
            if lot is not None:
                records.create_record(session, actor, "lots", {**lot, "material": materials[key]})
                made_lots += 1
    return ImportResult(materials=made_materials, lots=made_lots)


def import_csv(session: Session, actor: Actor, text: str) -> ImportResult:
    """Check every row, then store all materials and lots in one transaction; any error stores nothing."""
    business_id = actor.writable_business(None, "material")
    if "\x00" in text:  # PostgreSQL cannot store it; a spreadsheet never writes it
        raise InvalidInputError(
            "The file contains a NUL character; save it again as CSV UTF-8.",
            errors={"file": ["The file contains a NUL character."]},
        )
    errors: dict[str, list[str]] = {}
    rows = _rows(text, errors)
    known = _Known.read(session, business_id)
    plan = _plan(rows, known, errors)
    if errors:
        raise InvalidInputError("The file was not imported: fix these rows and upload it again.", errors=errors)
    return _store(session, actor, plan, known.materials)
