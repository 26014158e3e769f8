"""The producer's records on the web, one URL pattern for every kind (DESIGN section 8b): a searchable list, a
detail page with its history in words, a new and an edit form with every field the API takes, and void.

Each form is drawn from the kind's JSON API schema (one set of field rules): :func:`specs` reads the schema into
widgets, a submitted form becomes the API's JSON body and is loaded with that schema, then one use case runs. A
refused form is shown again with what was typed and the message beside each field; an edit carries the version
it was read at, so a stale one says so and shows the newer values; each form carries a one-time token, so a
double submit stores once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from api import guards, schemas
from api.auth import require_actor
from api.db import get_session
from api.labels import KIND_NAMES, day, enum_label, field_label, when
from api.signing import journal_state
from api.web import FormError, _load, _page_error, page_for
from models import Business, Certificate, CertificateScope, IdempotencyRecord, JournalEntry, User
from traceability.errors import (
    ConflictError,
    ContentTooLargeError,
    NotFoundError,
    PermissionDeniedError,
    TraceabilityError,
)
from traceability.service import attachments, evidence, guidance, records
from traceability.service import history as journal_history
from traceability.service.access import Actor, Capability
from traceability.service.record_kinds import KINDS, ApiCodec, record_payload
from traceability.service.unit_of_work import enlist, writing
from traceability.vocabulary import MATERIAL_CATEGORIES, PRODUCT_CATEGORIES, EvidenceType

bp = Blueprint("workspace", __name__)

#: Fields that name another record, and the kind of record they name.
REF_KINDS = {
    "holder": "suppliers",
    "owner": "suppliers",
    "material": "materials",
    "supplier": "suppliers",
    "certificate": "certificates",
    "facility": "facilities",
    "product": "products",
    "step": "steps",
    "made_with": "materials",
    "certified_composition": "materials",
    "outputs": "batches",
}
#: A null holder or owner is the business itself.
OWN_BUSINESS = {"holder", "owner"}
#: Fields left off the forms: the local name dossiers use, which people never type.
HIDDEN = {"ref"}
#: Fields most records leave as they are: drawn under "more details", opened when one holds a value or an error.
ADVANCED = {
    "certificates": {"kh_number", "status", "status_since", "shln_registration", "fraud"},
    "materials": {
        "category",
        "source_detail",
        "e_number",
        "is_khamr",
        "ethanol_source",
        "growth_medium",
        "food_contact",
        "made_with",
        "slaughter",
        "evidence",
        "species",
    },
    "facilities": {"owner", "shared_cleaning", "shared_tool_storage", "tools"},
    "products": {
        "is_beverage",
        "fermented",
        "measured_ethanol_pct",
        "shape",
        "flavour_profile",
        "declared_non_halal",
        "technology",
        "preservation",
        "certified_composition",
        "category",
    },
    "steps": {"process", "equipment", "outputs"},
    "batches": {"non_conforming", "released", "recalled_on"},
}
MAX_ROWS = 50  # rows of one list a form may send: far more than a kitchen records
BLANK_ROWS = 2  # empty rows offered under a list's current ones


@dataclass
class Spec:
    """How one field is drawn and read: its widget, whether required, its choices and its parts."""

    name: str
    widget: str  # text, textarea, number, date, check, tristate, enum, ref, refs, covers, inputs, rows, tags, group
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    subs: list[Spec] = field(default_factory=list)
    nullable: bool = False
    integer: bool = False
    advanced: bool = False
    #: A choice over open text: a value outside the choices (typed before, or from a dossier) is kept as typed.
    open: bool = False

    @property
    def label(self) -> str:
        return field_label(self.name)


def _spec(name: str, f: Any, actor: Actor | None) -> Spec:
    required = bool(f.required)
    nullable = bool(f.allow_none)
    if name == "covers":
        return Spec(name, "covers", choices=_either_options(actor, ("materials", "products")))
    if name == "inputs":
        subs = [
            Spec("used", "ref", required=True, choices=_either_options(actor, ("lots", "batches"))),
            Spec("quantity", "number"),
            Spec("unit", "text"),
        ]
        return Spec(name, "inputs", required=required, subs=subs)
    if isinstance(f, fields.List):
        inner = f.inner
        if name in REF_KINDS:
            return Spec(name, "refs", choices=_options(actor, REF_KINDS[name]))
        if isinstance(inner, fields.Nested):
            nested = inner.schema
            return Spec(name, "rows", subs=[_spec(n, sub, actor) for n, sub in nested.fields.items()])
        return Spec(name, "tags")
    if isinstance(f, fields.Nested):
        return Spec(name, "group", nullable=nullable, subs=[_spec(n, sub, actor) for n, sub in f.schema.fields.items()])
    if name in REF_KINDS:
        options = _options(actor, REF_KINDS[name])
        if name in OWN_BUSINESS:
            options = [("", _("Our own business")), *options]
        return Spec(name, "ref", required=required, choices=options, nullable=nullable)
    if isinstance(f, fields.Enum):
        choices = [(str(m.value), enum_label(m)) for m in f.enum]
        return Spec(name, "enum", required=required, choices=choices, nullable=nullable)
    if isinstance(f, fields.Boolean):
        return Spec(name, "tristate" if nullable else "check", nullable=nullable)
    if isinstance(f, fields.Date):
        return Spec(name, "date", required=required, nullable=nullable)
    if isinstance(f, fields.Integer):
        return Spec(name, "number", required=required, nullable=nullable, integer=True)
    if isinstance(f, fields.Float):
        return Spec(name, "number", required=required, nullable=nullable)
    return Spec(name, "textarea" if name == "says" else "text", required=required, nullable=nullable)


def schema_specs(schema: Schema, actor: Actor | None) -> list[Spec]:
    """Every field `schema` takes, as widgets (references offer the business's live records)."""
    return [_spec(name, f, actor) for name, f in schema.fields.items() if name not in HIDDEN]


def specs(kind: str, actor: Actor | None) -> list[Spec]:
    """Every field the API takes for `kind`, as widgets."""
    found = schema_specs(schemas.record_schemas(kind)[0](), actor)
    for spec in found:
        spec.advanced = spec.name in ADVANCED.get(kind, ())
        if kind in CATEGORIES and spec.name == "category":
            spec.widget, spec.choices, spec.open = "enum", category_choices(kind), True
    return found


#: Each kind's categories in words: open choices (a dossier may name others), shown as words, never as codes.
CATEGORIES = {"materials": MATERIAL_CATEGORIES, "products": PRODUCT_CATEGORIES}


def category_choices(kind: str = "materials") -> list[tuple[str, str]]:
    """The categories of a material or product, in the page's language, in alphabetical order."""
    lang = 0 if str(get_locale() or "id").startswith("id") else 1
    return sorted(((code, words[lang]) for code, words in CATEGORIES[kind].items()), key=lambda c: c[1].lower())


def _keep_open_values(kind_specs: list[Spec], values: dict[str, Any]) -> None:
    """Offer a value outside an open choice's list as it was typed, so saving the form keeps it."""
    for spec in kind_specs:
        value = values.get(spec.name)
        if spec.open and value and value not in dict(spec.choices):
            spec.choices = [*spec.choices, (str(value), str(value))]


# --- the records a reference may name, in words ---------------------------------------------------------------


def _name_of(kind: str, obj: Any) -> str:
    """A record as a person recognises it: its name, code or number, with what tells two apart."""
    db = get_session()
    if kind == "lots":
        material = obj.material.name if obj.material is not None else ""
        supplier = obj.supplier.name if obj.supplier is not None else ""
        return f"{material} · {obj.lot_code} · {supplier}"
    if kind == "batches":
        product = obj.product.name if obj.product is not None else ""
        return f"{product} · {obj.lot_code}"
    if kind == "steps":
        return f"{obj.name} · {day(obj.performed_on)}"
    if kind == "certificates":
        holder = db.get(KINDS["suppliers"].model, obj.holder_supplier_id) if obj.holder_supplier_id else None
        owner = holder.name if holder else _("our own business")
        return f"{obj.number} · {owner}"
    return str(obj.name)


def _live(actor: Actor | None, kind: str) -> list[Any]:
    business = g.get("viewed_business") or (actor.business_id if actor is not None else None)
    if actor is None or business is None:
        return []
    found, _total = records.list_records(get_session(), actor, kind, business_id=business, per_page=500)
    return found


def _options(actor: Actor | None, kind: str) -> list[tuple[str, str]]:
    return [(str(o.id), _name_of(kind, o)) for o in _live(actor, kind)]


_NOUN = {"lots": "lot", "batches": "batch", "materials": "material", "products": "product"}


def _either_options(actor: Actor | None, kinds: Iterable[str]) -> list[tuple[str, str]]:
    return [(f"{_NOUN[k]}:{o.id}", _name_of(k, o)) for k in kinds for o in _live(actor, k)]


# --- values: a record or a submitted form, as the widgets hold them -----------------------------------------


def _scalar(spec: Spec, value: Any) -> Any:
    if spec.widget == "check":
        return bool(value)
    if spec.widget == "tristate":
        return "" if value is None else "yes" if value else "no"
    if value is None:
        return ""
    if spec.widget == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_wire(spec: Spec, value: Any) -> Any:
    if spec.widget in ("refs",):
        return [str(v) for v in value or []]
    if spec.widget == "covers":
        return [f"{k}:{v}" for item in value or [] for k, v in item.items()]
    if spec.widget == "inputs":
        rows = []
        for item in value or []:
            used = next((f"{k}:{item[k]}" for k in ("lot", "batch") if item.get(k) is not None), "")
            rows.append(
                {"used": used, "quantity": _scalar(spec.subs[1], item.get("quantity")), "unit": item.get("unit") or ""}
            )
        return rows
    if spec.widget == "rows":
        return [{s.name: _from_wire(s, item.get(s.name)) for s in spec.subs} for item in value or []]
    if spec.widget == "group":
        return {s.name: _from_wire(s, (value or {}).get(s.name)) for s in spec.subs}
    if spec.widget == "tags":
        return ", ".join(value or [])
    return _scalar(spec, value)


def values_of(kind_specs: list[Spec], body: dict[str, Any]) -> dict[str, Any]:
    """A record's wire body as the form's values."""
    return {s.name: _from_wire(s, body.get(s.name)) for s in kind_specs}


def _from_form(spec: Spec, prefix: str, form: Any) -> Any:
    key = prefix + spec.name
    if spec.widget == "check":
        return form.get(key) in ("on", "y", "true", "1")
    if spec.widget in ("refs", "covers"):
        return [v for v in form.getlist(key) if v]
    if spec.widget in ("rows", "inputs"):
        count = min(_int(form.get(f"{key}-count")), MAX_ROWS)
        return [{s.name: _from_form(s, f"{key}-{i}-", form) for s in spec.subs} for i in range(count)]
    if spec.widget == "group":
        return {s.name: _from_form(s, f"{key}-", form) for s in spec.subs}
    return (form.get(key) or "").strip()


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def values_from_form(kind_specs: list[Spec], form: Any) -> dict[str, Any]:
    return {s.name: _from_form(s, "", form) for s in kind_specs}


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value in ("", False, None, [])


def _id_or_text(value: str) -> Any:
    return int(value) if guards.is_number(value) else value


def _either(value: str) -> dict[str, Any] | str:
    kind, _sep, key = value.partition(":")
    return {kind: _id_or_text(key)} if kind in ("lot", "batch", "material", "product") else value


def _to_wire(spec: Spec, value: Any) -> Any:
    """One widget's value as the API's JSON (strings the schema checks and converts, like the API's clients)."""
    w = spec.widget
    if w == "check":
        return bool(value)
    if w == "tristate":
        return {"yes": True, "no": False}.get(value)
    if w == "refs":
        return [_id_or_text(v) for v in value]
    if w == "covers":
        return [_either(v) for v in value]
    if w == "inputs":
        out = []
        for row in value:
            if _empty(row):
                continue
            item = _either(row["used"]) if row["used"] else {}
            item = item if isinstance(item, dict) else {"lot": item}
            out.append({**item, "quantity": row["quantity"] or None, "unit": row["unit"] or None})
        return out
    if w == "rows":
        return [{s.name: _to_wire(s, row.get(s.name)) for s in spec.subs} for row in value if not _empty(row)]
    if w == "group":
        if spec.nullable and _empty(value):
            return None
        return {s.name: _to_wire(s, value.get(s.name)) for s in spec.subs}
    if w == "tags":
        return [t.strip() for t in str(value).split(",") if t.strip()]
    if value == "":
        return None
    if w == "ref":
        return _id_or_text(value)
    if w == "number" and spec.integer:
        return _id_or_text(value)
    return value


_MISSING = object()


def wire_of(kind_specs: list[Spec], values: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """The form's values as the API's JSON body; an empty optional field is sent as null, an empty required
    one not at all (so the schema says it is missing)."""
    data: dict[str, Any] = {}
    for spec in kind_specs:
        wire = _to_wire(spec, values.get(spec.name))
        f = schema.fields[spec.name]
        if wire is None and not f.allow_none:
            continue  # required: reported missing; with a default: the default
        data[spec.name] = wire
    return data


def display(spec: Spec, value: Any) -> str:
    """A widget's value in words, for the detail page, the history and a stale form's newer values."""
    w = spec.widget
    if w == "check":
        return _("yes") if value else _("no")
    if w == "tristate":
        return {"yes": _("yes"), "no": _("no")}.get(value, _("not known"))
    if w in ("refs", "covers"):
        names = dict(spec.choices)
        return ", ".join(names.get(v, _("a record no longer listed")) for v in value) or "—"
    if w in ("rows", "inputs"):
        parts = [
            "; ".join(f"{s.label}: {display(s, row.get(s.name))}" for s in spec.subs if not _empty(row.get(s.name)))
            for row in value
        ]
        return " | ".join(p for p in parts if p) or "—"
    if w == "group":
        if _empty(value):
            return "—"
        return "; ".join(f"{s.label}: {display(s, value.get(s.name))}" for s in spec.subs)
    if w in ("ref", "enum"):
        names = dict(spec.choices)
        if value == "" and spec.name in OWN_BUSINESS:
            return names.get("", "—")
        if spec.open and value:
            return names.get(value, str(value))
        return names.get(value, "—" if value == "" else _("a record no longer listed"))
    if w == "date":
        return day(value) or "—"
    return str(value) if value not in ("", None) else "—"


# --- history in words -----------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _changes(specs: list[Spec], before: dict[str, Any], after: dict[str, Any]) -> str:
    """What an edit changed, field by field in words ("kode lot RBN-01 → RBN-02")."""
    changes = [
        f"{_lower_first(s.label)} {display(s, before.get(s.name))} → {display(s, after.get(s.name))}"
        for s in specs
        if before.get(s.name) != after.get(s.name)
    ]
    return "; ".join(changes) or _("linked records changed")


def history(kind: str, obj: Any, kind_specs: list[Spec]) -> list[str]:
    """Each journal entry about the record, oldest first, as a sentence: who, when, and what changed
    ("Changed by Ani, 1 Dec 2026 10:12 WIB: lot code RBN-01 → RBN-02")."""
    db = get_session()
    noun = KINDS[kind].noun
    entries = db.scalars(
        sa.select(JournalEntry).where(JournalEntry.subject == f"{noun}:{obj.id}").order_by(JournalEntry.seq)
    ).all()
    region = db.scalar(sa.select(Business.region).where(Business.id == obj.business_id))
    names = {
        u.id: u.name or u.email
        for u in db.scalars(sa.select(User).where(User.id.in_({e.actor_id for e in entries if e.actor_id})))
    }
    lines, before = [], None
    for entry in entries:
        who = names.get(entry.actor_id or 0) or _("the system")
        at = when(entry.at, region)
        if entry.action == "evidence":  # a file attached: the record's fields stay as they were
            kind_of_file = (entry.payload or {}).get("type")
            what = file_type_label(kind_of_file) if kind_of_file else _("a scan of the certificate")
            lines.append(_("File attached by %(who)s, %(when)s: %(what)s", who=who, when=at, what=what))
            continue
        if entry.action not in VERSIONS:  # about the record, not a version of it: nothing to compare
            what = str(ACTIONS.get(entry.action, _l("changed")))
            lines.append(_("%(what)s by %(who)s, %(when)s.", what=what[:1].upper() + what[1:], who=who, when=at))
            continue
        after = values_of(kind_specs, entry.payload or {})
        if entry.action == "void":
            reason = (entry.payload or {}).get("void_reason") or ""
            lines.append(_("Voided by %(who)s, %(when)s: %(reason)s", who=who, when=at, reason=reason))
        elif before is None or entry.action == "create":
            lines.append(_("Recorded by %(who)s, %(when)s.", who=who, when=at))
        else:
            what = _changes(kind_specs, before, after)
            lines.append(_("Changed by %(who)s, %(when)s: %(what)s", who=who, when=at, what=what))
        before = after
    return lines


#: The journal actions that hold a version of a record (its fields as they then were); any other entry about a
#: record (an import that brought it, an authority's decision, a file attached) is told, never compared.
VERSIONS = frozenset({"create", "update", "void"})

#: What a journal entry about something other than a record did, in words.
ACTIONS = {
    "dossier.import": _l("imported with the product's dossier"),
    "certificate.status": _l("status set by an auditor's decision"),
    "submit": _l("submitted for review"),
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "evidence": _l("asked for evidence"),
    "request_evidence": _l("asked for evidence"),
    "reopen": _l("reopened after a change"),
    "comment": _l("commented"),
    "answer": _l("answered the request"),
    "code.issue": _l("issued a QR code"),
    "code.revoke": _l("revoked a QR code"),
    "invite": _l("invited the producer"),
    "pendamping_verification": _l("recorded the pendamping's verification"),
}


def entry_lines(entries: list[JournalEntry], region: str | None, actor: Actor | None) -> list[dict[str, str]]:
    """Journal entries (oldest first) as people read them: when, who, about what, and what changed."""
    db = get_session()
    names = {
        u.id: u.name or u.email
        for u in db.scalars(sa.select(User).where(User.id.in_({e.actor_id for e in entries if e.actor_id})))
    }
    by_noun = {k.noun: name for name, k in KINDS.items()}
    kind_specs = {
        name: specs(name, actor)
        for name in {by_noun[e.subject.partition(":")[0]] for e in entries if e.subject.partition(":")[0] in by_noun}
    }
    before: dict[str, dict[str, Any]] = {}
    lines = []
    for entry in entries:
        noun, _sep, _key = entry.subject.partition(":")
        who = names.get(entry.actor_id or 0) or _("the system")
        kind = by_noun.get(noun)
        if kind is None:
            what = str(ACTIONS.get(entry.action.removeprefix("review."), _l("changed")))
            lines.append({"when": when(entry.at, region), "who": who, "about": "", "what": what})
            continue
        found = kind_specs[kind]
        label = str(KIND_NAMES[kind][0])
        if entry.action not in VERSIONS:
            if entry.action == "evidence":
                kind_of_file = (entry.payload or {}).get("type")
                what = _("file attached: %(what)s", what=file_type_label(kind_of_file) if kind_of_file else _("a scan"))
            else:
                what = str(ACTIONS.get(entry.action, _l("changed")))
            named = before.get(entry.subject) or {}
            title = next((str(named[n]) for n in ("name", "lot_code", "number") if named.get(n)), "")
            lines.append({"when": when(entry.at, region), "who": who, "about": f"{label}: {title}", "what": what})
            continue
        after = values_of(found, entry.payload or {})
        title = next((str(after[n]) for n in ("name", "lot_code", "number") if after.get(n)), "")
        previous = before.get(entry.subject)
        if entry.action == "void":
            what = _("voided: %(reason)s", reason=(entry.payload or {}).get("void_reason") or "")
        elif previous is None or entry.action == "create":
            what = _("recorded")
        else:
            what = _changes(found, previous, after)
        before[entry.subject] = after
        lines.append({"when": when(entry.at, region), "who": who, "about": f"{label}: {title}", "what": what})
    return lines


# --- one-time form tokens: a double submit stores once ---------------------------------------------------------


def _form_token() -> str:
    return secrets.token_urlsafe(18)


def _next(default: str) -> str:
    """Where a form that a checklist link opened goes back to: only a producer page of this site."""
    target = request.args.get("next") or ""
    return target if target.startswith("/producer") and "//" not in target and "\\" not in target else default


def _already_done(actor: Actor) -> str | None:
    """Where the first submission of this form went, if this form was submitted before."""
    token = request.form.get("form_token", "")
    if not token or actor.user_id is None:
        return None
    db = get_session()
    stored = db.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == actor.user_id, IdempotencyRecord.key == f"form:{token[:200]}"
        )
    )
    db.rollback()
    if stored is None:
        return None
    return stored.response_body or url_for("web.producer")


def _claim(actor: Actor) -> IdempotencyRecord | None:
    """Enlist this form's token in the write about to happen: it commits with the write or not at all."""
    token = request.form.get("form_token", "")
    if not token or actor.user_id is None:
        return None
    record = IdempotencyRecord(user_id=actor.user_id, key=f"form:{token[:200]}", fingerprint="form")
    enlist(get_session(), record)
    return record


def _answered(record: IdempotencyRecord | None, location: str) -> None:
    if record is not None and sa.inspect(record).persistent:
        with writing(get_session()):
            record.status_code = 303
            record.response_body = location


# --- pages ----------------------------------------------------------------------------------------------------


@bp.errorhandler(NotFoundError)
def _not_found(error: NotFoundError) -> ResponseReturnValue:
    return _page_error(_http(404))


@bp.errorhandler(PermissionDeniedError)
def _forbidden(error: PermissionDeniedError) -> ResponseReturnValue:
    return _page_error(_http(403))


def _http(code: int) -> HTTPException:
    return NotFound() if code == 404 else Forbidden()


def _kind_or_404(kind: str) -> None:
    if kind not in KINDS:
        abort(404)


def _names(kind: str) -> tuple[str, str]:
    one, many = KIND_NAMES[kind]
    return str(one), str(many)


def _own(actor: Actor, kind: str, record_id: int) -> Any:
    obj = records.get_record(get_session(), actor, kind, record_id)
    if obj.business_id != actor.business_id:
        raise NotFoundError("Not this business's record.")
    return obj


def _body(kind: str, obj: Any) -> dict[str, Any]:
    return record_payload(KINDS[kind], obj, ApiCodec(get_session(), obj.business_id))


def _list_context(actor: Actor, kind: str, business_id: int) -> dict[str, Any]:
    """A searchable list of one kind of a business's records, voided ones on request."""
    q = (request.args.get("q") or "").strip()[:100]
    voided = request.args.get("voided") == "1"
    page = max(1, min(_int(request.args.get("page")) or 1, 10_000))
    found, total = records.list_records(
        get_session(), actor, kind, business_id=business_id, include_voided=voided, q=q or None, page=page, per_page=50
    )
    rows = [{"id": o.id, "name": _name_of(kind, o), "voided": o.voided_at is not None} for o in found]
    return {"kind": kind, "names": _names(kind), "rows": rows, "total": total, "q": q, "voided": voided, "page": page}


@bp.get("/producer/<kind>")
@page_for(Capability.WRITE_RECORDS)
def list_page(kind: str) -> ResponseReturnValue:
    """Every record of one kind, searchable; voided ones on request."""
    _kind_or_404(kind)
    actor = require_actor()
    business = actor.business_id if actor.business_id is not None else -1
    return render_template("records_list.html", **_list_context(actor, kind, business))


def _render_form(
    kind: str,
    kind_specs: list[Spec],
    values: dict[str, Any],
    errors: dict[str, Any],
    *,
    obj: Any = None,
    version: int | None = None,
    newer: dict[str, str] | None = None,
    status: int = 200,
    suggestion: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    no_certificate = _narrow_lot(kind_specs, values) if kind == "lots" else None
    _keep_open_values(kind_specs, values)
    open_details = any(
        s.advanced and (errors.get(s.name) or not _empty(values.get(s.name)) and s.widget not in ("enum",))
        for s in kind_specs
    )
    products = _options(require_actor(), "products") if kind == "steps" and obj is None else []
    return render_template(
        "records_form.html",
        kind=kind,
        names=_names(kind),
        specs=kind_specs,
        values=values,
        errors=errors,
        obj=obj,
        version=version,
        newer=newer or {},
        form_token=request.form.get("form_token") or _form_token(),
        blank_rows=BLANK_ROWS,
        suggestion=suggestion,
        no_certificate=no_certificate,
        open_details=open_details,
        products=products,
        batch_form={k: request.form.get(f"batch-{k}", "") for k in ("product", "lot_code")},
    ), status


def _prefill(kind_specs: list[Spec]) -> dict[str, Any]:
    """A new form's values: empty, or what the link that led here fills in (``?material=12``)."""
    values = values_from_form(kind_specs, MultiDict())
    lookup = (request.args.get("lookup") or "").strip()
    if lookup and "name" in values:
        values["name"] = lookup[:300]
    for spec in kind_specs:
        given = request.args.getlist(spec.name)
        if given and spec.widget in ("refs", "covers"):
            values[spec.name] = given
        elif given and spec.widget == "check":
            values[spec.name] = given[0] in ("on", "1", "true")
        elif given and spec.widget not in ("rows", "inputs", "group"):
            values[spec.name] = given[0][:300]
    return values


@bp.route("/producer/<kind>/new", methods=["GET", "POST"])
@page_for(Capability.WRITE_RECORDS)
def new(kind: str) -> ResponseReturnValue:
    """Add a supplier, certificate, material, lot, place, product, step or batch.

    A material starts from its name (the catalogue suggests what it is); a lot offers the certificates its
    supplier holds for its material; a step can record the batch it made in the same form.
    """
    _kind_or_404(kind)
    actor = require_actor()
    kind_specs = specs(kind, actor)
    if request.method == "GET":
        values = _prefill(kind_specs)
        suggestion = _suggest(kind, kind_specs, values) if kind == "materials" else None
        return _render_form(kind, kind_specs, values, {}, suggestion=suggestion)
    done = _already_done(actor)
    if done is not None:
        flash(_("This form was already saved."))
        return redirect(done)
    values = values_from_form(kind_specs, request.form)
    schema = schemas.record_schemas(kind)[0]()
    db = get_session()
    try:
        data = _load(schema, wire_of(kind_specs, values, schema))
        batch = _batch_of_step(values) if kind == "steps" else None
        claim = _claim(actor)
        with writing(db):
            created = records.create_record(db, actor, kind, data)
            if batch is not None:
                made = records.create_record(db, actor, "batches", {**batch, "step": created.id})
            if kind == "certificates":
                _becomes_own_certificate(actor, created, data)
        location = url_for("workspace.detail", kind=kind, record_id=created.id)
        target = _next(location)
        _answered(claim, target)
        if batch is not None:
            flash(_("Saved: %(what)s.", what=_name_of("batches", made)))
        flash(_("Saved: %(what)s.", what=_name_of(kind, created)))
        return redirect(target)
    except FormError as exc:
        errors = exc.errors
    except TraceabilityError as exc:
        db.info.pop("enlisted", None)
        done = _already_done(actor)
        if done is not None:  # the same form, submitted twice at once: the other submission stored it
            return redirect(done)
        errors = exc.errors or {"form": [exc.message]}
    db.info.pop("enlisted", None)
    return _render_form(kind, kind_specs, values, errors, status=422)


def _becomes_own_certificate(actor: Actor, certificate: Any, data: dict[str, Any]) -> None:
    """A certificate the business holds for its own product is that product's certificate (SH), unless it has one."""
    if data.get("holder") is not None:
        return
    for cover in data.get("covers") or []:
        product = cover.get("product") if isinstance(cover, dict) else None
        if product is None:
            continue
        current = records.get_record(get_session(), actor, "products", product)
        if current.certificate_id is None:
            records.update_record(get_session(), actor, "products", product, {"certificate": certificate.id})


def _batch_of_step(values: dict[str, Any]) -> dict[str, Any] | None:
    """The batch a new step's form also records, if its product and lot code are given."""
    product = (request.form.get("batch-product") or "").strip()
    code = (request.form.get("batch-lot_code") or "").strip()
    if not product and not code:
        return None
    errors: dict[str, Any] = {}
    if not guards.is_number(product):
        errors["batch-product"] = ["Missing data for required field."]
    if not code:
        errors["batch-lot_code"] = ["Missing data for required field."]
    if errors:
        raise FormError(errors)
    wire = {"product": int(product), "lot_code": code[:100], "produced_on": values.get("on") or None}
    try:
        loaded: dict[str, Any] = schemas.record_schemas("batches")[0]().load(wire)
    except ValidationError as exc:
        raise FormError({f"batch-{k}": v for k, v in exc.normalized_messages().items()}) from exc
    return loaded


#: The catalogue's reasons, in words.
REASONS = {
    "exempt": _l("KMA 1360 exempts it (%(what)s), so it needs no halal certificate."),
    "not_at_risk": _l("It is a mineral or simple chemical that is not at risk, so it needs no halal certificate."),
    "needs_certificate": _l(
        "It is a processed or critical material: it needs a halal certificate from the supplier, or supporting "
        "documents."
    ),
    "slaughter": _l("It comes from a slaughtered animal: it needs a halal certificate that covers the slaughter."),
    "haram": _l("It is haram: it cannot be used in a halal product."),
    "khamr": _l("It is an alcoholic drink (khamr): it cannot be used in a halal product."),
}
EXEMPTIONS = {
    "KMA1360-1a": _l("plant material, fresh or only cut, dried or ground"),
    "KMA1360-1b": _l("from animals that need no slaughter: fish, eggs, fresh milk, honey"),
    "KMA1360-1c": _l("microbial fermentation such as tempe or tape"),
    "KMA1360-1d": _l("natural water"),
    "KMA1360-2": _l("mined or made chemically, not at risk"),
}


def _suggest(kind: str, kind_specs: list[Spec], values: dict[str, Any]) -> dict[str, Any] | None:
    """Prefill a new material from the catalogue's reading of its name; say what it found and why."""
    name = str(values.get("name") or "").strip()
    if not name:
        return None
    found = guidance.suggest_material(get_session(), name)
    if found is None:
        return {"known": False}
    by_name = {s.name: s for s in kind_specs}
    given = set(request.args)
    for field_name, value in found.fields.items():
        spec = by_name.get(field_name)
        if spec is not None and field_name not in given:
            values[field_name] = _from_wire(spec, value)
    category = dict(category_choices()).get(str(found.fields.get("category") or ""))
    what = [
        *([category] if category else []),
        *(enum_label(v) for k in ("origin", "state") if (v := found.fields.get(k))),
    ]
    reason = REASONS[found.reason]
    text = (
        str(reason) % {"what": str(EXEMPTIONS.get(found.exemption or "", found.exemption or ""))}
        if found.reason == "exempt"
        else str(reason)
    )
    return {"known": True, "what": " · ".join(what), "why": text, "needs_certificate": found.needs_certificate}


def _narrow_lot(kind_specs: list[Spec], values: dict[str, Any]) -> dict[str, Any] | None:
    """Offer only the certificates the lot's supplier holds for its material; say plainly when there is none."""
    material, supplier = str(values.get("material") or ""), str(values.get("supplier") or "")
    if not (guards.is_number(material) and guards.is_number(supplier)):
        return None
    db = get_session()
    covering = set(
        db.scalars(
            sa.select(Certificate.id)
            .join(CertificateScope, CertificateScope.certificate_id == Certificate.id)
            .where(
                Certificate.holder_supplier_id == int(supplier),
                CertificateScope.material_id == int(material),
                Certificate.voided_at.is_(None),
            )
        )
    )
    spec = next(s for s in kind_specs if s.name == "certificate")
    spec.choices = [(v, t) for v, t in spec.choices if guards.is_number(v) and int(v) in covering]
    if spec.choices:
        return None
    names = {s.name: dict(s.choices) for s in kind_specs if s.name in ("material", "supplier")}
    return {
        "text": _(
            "%(supplier)s has no halal certificate for %(material)s recorded yet.",
            supplier=names["supplier"].get(supplier, ""),
            material=names["material"].get(material, ""),
        ),
        "add": url_for(
            "workspace.new", kind="certificates", holder=supplier, covers=f"material:{material}", next=request.full_path
        ),
    }


def _detail_context(actor: Actor, kind: str, obj: Any) -> dict[str, Any]:
    """One record: every field in words and its history."""
    kind_specs = specs(kind, actor)
    values = values_of(kind_specs, _body(kind, obj))
    region = get_session().scalar(sa.select(Business.region).where(Business.id == obj.business_id))
    return {
        "kind": kind,
        "names": _names(kind),
        "obj": obj,
        "title": _name_of(kind, obj),
        "shown": [(s.label, display(s, values[s.name])) for s in kind_specs],
        "history": history(kind, obj, kind_specs),
        "voided_when": when(obj.voided_at, region) if obj.voided_at else "",
        "errors": {},
        **files_context(kind, obj),
    }


@bp.get("/producer/<kind>/<int:record_id>")
@page_for(Capability.WRITE_RECORDS)
def detail(kind: str, record_id: int) -> ResponseReturnValue:
    """One record: every field in words, its history, and the ways to edit or void it."""
    _kind_or_404(kind)
    actor = require_actor()
    obj = _own(actor, kind, record_id)
    return render_template("records_detail.html", **_detail_context(actor, kind, obj), form_token=_form_token())


def _followed(actor: Actor, business_id: int) -> None:
    """A pendamping reads only a business an admin assigned them or whose producer consented."""
    if not actor.can_read(business_id):
        abort(404)
    g.viewed_business = business_id


@bp.get("/pendamping/businesses/<int:business_id>/<kind>")
@page_for(Capability.FOLLOW_ASSIGNED_BUSINESSES)
def followed_list(business_id: int, kind: str) -> ResponseReturnValue:
    """A followed business's records of one kind, searchable, read-only."""
    _kind_or_404(kind)
    actor = require_actor()
    _followed(actor, business_id)
    return render_template(
        "records_list.html", **_list_context(actor, kind, business_id), readonly=True, business_id=business_id
    )


@bp.get("/pendamping/businesses/<int:business_id>/<kind>/<int:record_id>")
@page_for(Capability.FOLLOW_ASSIGNED_BUSINESSES)
def followed_detail(business_id: int, kind: str, record_id: int) -> ResponseReturnValue:
    """One record of a followed business in words, with its history, read-only."""
    _kind_or_404(kind)
    actor = require_actor()
    _followed(actor, business_id)
    obj = records.get_record(get_session(), actor, kind, record_id)
    if obj.business_id != business_id:
        abort(404)
    return render_template(
        "records_detail.html", **_detail_context(actor, kind, obj), readonly=True, business_id=business_id
    )


@bp.route("/producer/<kind>/<int:record_id>/edit", methods=["GET", "POST"])
@page_for(Capability.WRITE_RECORDS)
def edit(kind: str, record_id: int) -> ResponseReturnValue:
    """Change any field; the form carries the version it was read at, so a stale edit is refused and shows what
    changed meanwhile."""
    _kind_or_404(kind)
    actor = require_actor()
    obj = _own(actor, kind, record_id)
    if obj.voided_at is not None:
        flash(_("This record was voided; it can no longer be changed."))
        return redirect(url_for("workspace.detail", kind=kind, record_id=record_id))
    kind_specs = specs(kind, actor)
    if request.method == "GET":
        return _render_form(kind, kind_specs, values_of(kind_specs, _body(kind, obj)), {}, obj=obj, version=obj.version)
    location = url_for("workspace.detail", kind=kind, record_id=record_id)
    done = _already_done(actor)
    if done is not None:
        flash(_("This form was already saved."))
        return redirect(done)
    values = values_from_form(kind_specs, request.form)
    schema = schemas.record_schemas(kind)[0]()
    version = _int(request.form.get("version")) or None
    try:
        data = _load(schema, wire_of(kind_specs, values, schema))
        for name in HIDDEN:
            data.pop(name, None)
        claim = _claim(actor)
        records.update_record(get_session(), actor, kind, record_id, data, expected_version=version)
        _answered(claim, location)
        flash(_("Changes saved."))
        return redirect(location)
    except FormError as exc:
        errors, newer = exc.errors, None
    except ConflictError as exc:
        get_session().info.pop("enlisted", None)
        if exc.version is None:
            errors, newer = exc.errors or {"form": [exc.message]}, None
        else:
            current = _own(actor, kind, record_id)
            now = values_of(kind_specs, _body(kind, current))
            newer = {s.name: display(s, now[s.name]) for s in kind_specs if now[s.name] != values[s.name]}
            errors = {
                "form": [
                    _(
                        "Someone changed this record after you opened the form. Its newer values are shown "
                        "beside the fields; what you typed is kept. Save again to keep yours."
                    )
                ]
            }
            version = current.version
    except TraceabilityError as exc:
        errors, newer = exc.errors or {"form": [exc.message]}, None
    get_session().info.pop("enlisted", None)
    return _render_form(
        kind, kind_specs, values, errors, obj=obj, version=version, newer=newer, status=422 if not newer else 409
    )


@bp.post("/producer/<kind>/<int:record_id>/void")
@page_for(Capability.WRITE_RECORDS)
def void(kind: str, record_id: int) -> ResponseReturnValue:
    """Void with a reason: the record stays in history and leaves every current graph."""
    _kind_or_404(kind)
    actor = require_actor()
    obj = _own(actor, kind, record_id)
    location = url_for("workspace.detail", kind=kind, record_id=record_id)
    if _already_done(actor) is not None:
        return redirect(location)
    blockers = records.void_blockers(get_session(), obj)
    if blockers:
        flash(_("Void or change these first; they rely on it: %(names)s.", names=", ".join(blockers)))
        return redirect(location)
    try:
        claim = _claim(actor)
        records.void_record(
            get_session(),
            actor,
            kind,
            record_id,
            request.form.get("reason", ""),
            expected_version=_int(request.form.get("version")) or None,
        )
        _answered(claim, location)
        flash(_("Voided. It stays in the history and no longer counts anywhere."))
    except TraceabilityError as exc:
        get_session().info.pop("enlisted", None)
        flash(" ".join(_(str(m)) for m in (exc.errors or {}).get("reason", [])) or _(exc.message))
    return redirect(location)


@bp.post("/producer/certificates/<int:record_id>/evidence")
@page_for(Capability.WRITE_RECORDS)
def upload_evidence(record_id: int) -> ResponseReturnValue:
    """Attach a scan or photo of the certificate (PDF, JPEG or PNG), from the phone's camera or its files."""
    actor = require_actor()
    _own(actor, "certificates", record_id)
    location = url_for("workspace.detail", kind="certificates", record_id=record_id)
    upload = request.files.get("file")
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    content = upload.read(limit + 1) if upload is not None else b""
    if not content:
        flash(_("Choose a photo or a PDF of the certificate."))
        return redirect(location)
    if len(content) > limit:
        flash(_("The file is larger than %(mb)d MB.", mb=limit // 1_000_000))
        return redirect(location)
    try:
        evidence.put_evidence(get_session(), actor, record_id, content, max_bytes=limit)
        flash(_("The scan is attached to the certificate."))
    except TraceabilityError:
        flash(_("Send a photo (JPEG or PNG) or a PDF."))
    return redirect(location)


#: What an attached file is, in words (a material's documents read as its evidence types).
FILE_TYPES = {
    "delivery_note": _l("Delivery note (surat jalan)"),
    "photo": _l("Photo"),
    "cleaning_record": _l("Cleaning record"),
    "sjph_training": _l("Halal training attendance"),
    "sjph_internal_audit": _l("Internal halal audit report"),
    "sjph_management_review": _l("Management review minutes"),
    "sjph_manual": _l("SJPH manual"),
}


def file_type_label(value: str) -> str:
    found = FILE_TYPES.get(value)
    return str(found) if found is not None else enum_label(EvidenceType(value)) if value in _EVIDENCE else value


_EVIDENCE = {t.value for t in EvidenceType}


def files_context(kind: str, obj: Any) -> dict[str, Any]:
    """The files attached to a record and the choices of what a new one is, for the upload form."""
    if kind not in attachments.KINDS_WITH_FILES:
        return {"files": [], "file_types": []}
    return {
        "files": attachments.files_of(get_session(), kind, obj),
        "file_types": [(t, file_type_label(t)) for t in attachments.file_types(kind)],
    }


def _attach(kind: str, record_id: int, location: str) -> ResponseReturnValue:
    """Attach the uploaded file; say in words what was wrong, on the page it came from."""
    actor = require_actor()
    upload = request.files.get("file")
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    content = upload.read(limit + 1) if upload is not None else b""
    if _already_done(actor) is not None:
        return redirect(location)
    try:
        claim = _claim(actor)
        attachments.attach_file(
            get_session(),
            actor,
            kind,
            record_id,
            content,
            type=request.form.get("type", ""),
            says=request.form.get("says", "")[:1000],
            max_bytes=limit,
        )
        _answered(claim, location)
        flash(_("The file is attached."))
    except ContentTooLargeError:
        get_session().info.pop("enlisted", None)
        flash(_("The file is larger than %(mb)d MB.", mb=limit // 1_000_000))
    except TraceabilityError as exc:
        get_session().info.pop("enlisted", None)
        if "type" in (exc.errors or {}):
            flash(_("Say what the file is."))
        elif "says" in (exc.errors or {}):
            flash(_("What it says is too long."))
        elif not content:
            flash(_("Choose a photo or a PDF."))
        else:
            flash(_("Send a photo (JPEG or PNG) or a PDF."))
    return redirect(location)


@bp.post("/producer/<kind>/<int:record_id>/files")
@page_for(Capability.WRITE_RECORDS)
def upload_file(kind: str, record_id: int) -> ResponseReturnValue:
    """Attach a lab result, supplier statement or photo to a material, lot or step, from the camera or files."""
    if kind not in attachments.KINDS_WITH_FILES or kind == "business":
        abort(404)
    actor = require_actor()
    _own(actor, kind, record_id)
    return _attach(kind, record_id, url_for("workspace.detail", kind=kind, record_id=record_id))


@bp.post("/producer/business/files")
@page_for(Capability.WRITE_RECORDS)
def upload_business_file() -> ResponseReturnValue:
    """Attach an SJPH record (training list, internal audit, management review) to the business."""
    actor = require_actor()
    if actor.business_id is None:
        abort(404)
    return _attach("business", actor.business_id, url_for("onboarding.business"))


@bp.get("/files/<kind>/<int:record_id>/<sha256>")
@page_for(Capability.READ_RECORDS)
def read_file(kind: str, record_id: int, sha256: str) -> ResponseReturnValue:
    """One attached file, for anyone who may read its record; always a download, never run as a page."""
    found = attachments.get_file(get_session(), require_actor(), kind, record_id, sha256[:64])
    response = current_app.response_class(found.content, mimetype=found.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


bp.app_context_processor(lambda: {"kind_names": KIND_NAMES, "file_type_label": file_type_label})
bp.add_app_template_filter(when, "when")
bp.add_app_template_filter(lambda action: str(ACTIONS.get(action, action)), "review_action")
bp.add_app_template_filter(day, "day")
bp.add_app_template_filter(field_label, "field_label")
bp.add_app_template_filter(enum_label, "enum_label")


@bp.get("/journal/products/<int:product_id>")
@page_for(Capability.READ_RECORDS)
def product_journal(product_id: int) -> str:
    """Who changed what and when about a product and everything its batches are made of, in words."""
    actor, db = require_actor(), get_session()
    entries = journal_history.product_history(db, actor, product_id)
    product = records.get_record(db, actor, "products", product_id)
    region = db.scalar(sa.select(Business.region).where(Business.id == product.business_id))
    lines = entry_lines(sorted(entries, key=lambda e: e.seq), region, actor)
    return render_template("journal.html", lines=list(reversed(lines)), chain=journal_state(), product=product)
