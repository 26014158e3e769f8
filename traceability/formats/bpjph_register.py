"""A snapshot of the BPJPH halal certificate register (SIHALAL), as CSV or JSON.

Pure: reading and checking only, so the command line, the admin upload and the benchmark share one reading of
the file. Every bad row is reported with its line (CSV) or its position (JSON, ``record``); a file with any bad
row is refused whole by the callers, so a register is never half loaded.

The columns (docs/reference/register.md): ``number, holder_name, holder_nib, scope, issued_on, valid_until,
status``. The headers of the register's own export (``nomor_sertifikat``, ``nama_pelaku_usaha``, ``nama_produk``,
``tanggal_terbit`` ...) are read as their equivalents, and its one-row-per-product layout is folded into one entry
per certificate: rows that repeat a number with the same holder, dates and status add their products to its scope.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from traceability.identifiers import certificate_number_key, is_valid_nib, nib_key
from traceability.vocabulary import RegisterStatus

__all__ = [
    "COLUMNS",
    "RegisterFile",
    "canonical_number",
    "parse_register",
    "parse_register_csv",
    "parse_register_json",
]

COLUMNS = ("number", "holder_name", "holder_nib", "scope", "issued_on", "valid_until", "status")
REQUIRED = ("number", "holder_name", "issued_on", "status")

# The register's own export, and the spellings people give it when they save it again.
_ALIASES = {
    "nomor_sertifikat": "number",
    "no_sertifikat": "number",
    "nomor_sh": "number",
    "certificate_number": "number",
    "nama_pelaku_usaha": "holder_name",
    "pelaku_usaha": "holder_name",
    "nama_perusahaan": "holder_name",
    "holder": "holder_name",
    "nib_pelaku_usaha": "holder_nib",
    "nib": "holder_nib",
    "nama_produk": "scope",
    "produk": "scope",
    "lingkup": "scope",
    "products": "scope",
    "tanggal_terbit": "issued_on",
    "tgl_terbit": "issued_on",
    "issued": "issued_on",
    "tanggal_berlaku": "valid_until",
    "berlaku_sampai": "valid_until",
    "tanggal_kedaluwarsa": "valid_until",
    "expiry": "valid_until",
    "status_sertifikat": "status",
}
_STATUS_WORDS = {
    "active": RegisterStatus.ACTIVE,
    "aktif": RegisterStatus.ACTIVE,
    "berlaku": RegisterStatus.ACTIVE,
    "suspended": RegisterStatus.SUSPENDED,
    "ditangguhkan": RegisterStatus.SUSPENDED,
    "dibekukan": RegisterStatus.SUSPENDED,
    "revoked": RegisterStatus.REVOKED,
    "dicabut": RegisterStatus.REVOKED,
    "expired": RegisterStatus.EXPIRED,
    "kedaluwarsa": RegisterStatus.EXPIRED,
    "kadaluarsa": RegisterStatus.EXPIRED,
    "kadaluwarsa": RegisterStatus.EXPIRED,
    "tidak berlaku": RegisterStatus.EXPIRED,
}
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
_SCOPE_SPLIT = re.compile(r"\s*[;|]\s*")
# Whitespace and the invisible format characters (zero-width space, BOM) a copy from a web page carries.
_LIMITS = {"number": 100, "holder_name": 300}
SCOPE_ITEM_LIMIT = 300
_SAME = ("holder_name", "holder_nib", "issued_on", "valid_until", "status")


def canonical_number(number: str) -> str:
    """A certificate number as the register keys it: its canonical form (``traceability.identifiers``).

    >>> canonical_number(" id 2111\u200b0077341520925\\n")
    'ID21110077341520925'
    """
    return certificate_number_key(number)


@dataclass
class RegisterFile:
    """The entries that passed (one per certificate number, with the line it was first read on), one error per
    bad row, and what the file says of itself (a JSON file may name its source and snapshot date)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    source: str | None = None
    snapshot_date: dt.date | None = None


def _date(text: str) -> dt.date | None:
    if len(text) == 10 and text[4] == "-":  # ISO, the common case: much faster than strptime
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


Problem = dict[str, Any]


def _bad(problem: str, column: str | None, error: str, **detail: Any) -> Problem:
    """A bad row: the English sentence the command line prints (``error``), and what a page words in its own
    language: the kind of problem, the column it is in (None for the whole row) and the values it names."""
    return {"error": error, "problem": problem, "column": column, **({"detail": detail} if detail else {})}


def _scope(value: Any) -> list[str] | Problem:
    """The scope items (``;`` or ``|`` between them in CSV, a list in JSON), or an error."""
    if value is None:
        return []
    if isinstance(value, str):
        items = _SCOPE_SPLIT.split(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        return _bad("not_text", "scope", "scope: must be text or a list of texts")
    items = [" ".join(i.split()) for i in items if i.strip()]
    if any("\x00" in i for i in items):
        return _bad("nul", "scope", "a field contains a NUL character")
    for item in items:
        if len(item) > SCOPE_ITEM_LIMIT:
            error = f"scope: an item is longer than {SCOPE_ITEM_LIMIT} characters"
            return _bad("item_too_long", "scope", error, limit=SCOPE_ITEM_LIMIT)
    return items


def _check(row: Mapping[str, Any]) -> tuple[dict[str, Any] | None, Problem | None]:
    """One row in the register's terms, or why it cannot be read."""
    text = {k: ("" if row.get(k) is None else str(row[k]).strip()) for k in COLUMNS if k != "scope"}
    for name, value in text.items():
        if "\x00" in value:
            return None, _bad("nul", name, "a field contains a NUL character")
    for name in REQUIRED:
        if not text[name]:
            return None, _bad("missing", name, f"{name}: missing")
    number = canonical_number(text["number"])
    if not number:
        return None, _bad("missing", "number", "number: missing")
    for name, limit in _LIMITS.items():
        if len(text[name]) > limit:
            return None, _bad("too_long", name, f"{name}: longer than {limit} characters", limit=limit)
    nib = nib_key(text["holder_nib"])
    if nib and not is_valid_nib(nib):
        error = f"holder_nib: {text['holder_nib']!r} is not 13 digits"
        return None, _bad("not_nib", "holder_nib", error, value=text["holder_nib"])
    issued = _date(text["issued_on"])
    if issued is None:
        error = f"issued_on: {text['issued_on']!r} is not a date (YYYY-MM-DD)"
        return None, _bad("not_date", "issued_on", error, value=text["issued_on"])
    until = _date(text["valid_until"]) if text["valid_until"] else None
    if text["valid_until"] and until is None:
        error = f"valid_until: {text['valid_until']!r} is not a date (YYYY-MM-DD)"
        return None, _bad("not_date", "valid_until", error, value=text["valid_until"])
    if until is not None and until < issued:
        return None, _bad("before_issue", "valid_until", "valid_until: before issued_on")
    status = _STATUS_WORDS.get(" ".join(text["status"].lower().split()))
    if status is None:
        error = f"status: {text['status']!r} is not one of {', '.join(s.value for s in RegisterStatus)}"
        return None, _bad("not_status", "status", error, value=text["status"])
    scope = _scope(row.get("scope"))
    if isinstance(scope, dict):
        return None, scope
    return {
        "number": number,
        "holder_name": " ".join(text["holder_name"].split()),
        "holder_nib": nib or None,
        "scope": scope,
        "issued_on": issued,
        "valid_until": until,
        "status": status,
    }, None


def _fold(rows: Iterable[tuple[int, Mapping[str, Any] | None, Problem | None]], result: RegisterFile, key: str) -> None:
    """Check each row and fold repeated numbers into one entry (their scopes joined)."""
    seen: dict[str, dict[str, Any]] = {}
    for position, raw, error in rows:
        result.rows += 1
        entry = None
        if raw is not None:
            entry, error = _check(raw)
        if entry is not None:
            first = seen.get(entry["number"])
            if first is None:
                entry[key] = position
                seen[entry["number"]] = entry
                result.entries.append(entry)
                continue
            differ = [name for name in _SAME if first[name] != entry[name]]
            if not differ:
                first["scope"].extend(s for s in entry["scope"] if s not in first["scope"])
                continue
            said = f"number: {entry['number']} already on {key} {first[key]} with another {', '.join(differ)}"
            error = _bad("repeated", "number", said, number=entry["number"], first=first[key], differ=differ)
        result.invalid.append({key: position, **(error or {})})


def _csv_rows(text: str) -> Iterator[tuple[int, Mapping[str, Any] | None, Problem | None]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        yield 1, None, _bad("empty", None, "the file is empty: the header must be " + ",".join(COLUMNS))
        return
    names = [_ALIASES.get(n, n) for n in ("_".join(h.strip().lower().lstrip("\ufeff").split()) for h in header)]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        error = f"header: missing column(s) {', '.join(missing)} (the header must be {','.join(COLUMNS)})"
        yield 1, None, _bad("missing_columns", None, error, columns=missing)
        return
    index = {c: names.index(c) for c in COLUMNS if c in names}
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            error = f"{len(values)} fields, the header has {len(names)}"
            yield reader.line_num, None, _bad("field_count", None, error, got=len(values), expected=len(names))
            continue
        yield reader.line_num, {c: values[i] for c, i in index.items()}, None


def parse_register_csv(text: str) -> RegisterFile:
    """Read a CSV register (UTF-8, header row first)."""
    result = RegisterFile()
    _fold(_csv_rows(text), result, "line")
    return result


def parse_register_json(text: str) -> RegisterFile:
    """Read a JSON register: ``{"source", "snapshot_date", "records": [...]}`` or a bare list of records."""
    result = RegisterFile()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        result.invalid.append({"line": exc.lineno, **_bad("not_json", None, f"not JSON: {exc.msg}")})
        return result
    records = document.get("records") if isinstance(document, dict) else document
    if not isinstance(records, list):
        error = 'expected a list of records, or an object with "records"'
        result.invalid.append({"record": 0, **_bad("not_list", None, error)})
        return result
    if isinstance(document, dict):
        if isinstance(document.get("source"), str) and document["source"].strip():
            result.source = document["source"].strip()
        if document.get("snapshot_date") is not None:
            day = _date(str(document["snapshot_date"]))
            if day is None:
                said = "snapshot_date: not a date (YYYY-MM-DD)"
                bad = _bad("not_date", "snapshot_date", said, value=str(document["snapshot_date"]))
                result.invalid.append({"record": 0, **bad})
            result.snapshot_date = day

    def rows() -> Iterator[tuple[int, Mapping[str, Any] | None, Problem | None]]:
        for position, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield position, None, _bad("not_object", None, "a record must be an object")
                continue
            named: dict[str, Any] = {_ALIASES.get(str(k), str(k)): v for k, v in record.items()}
            nested = [k for k, v in named.items() if k != "scope" and isinstance(v, dict | list)]
            if nested:
                yield position, None, _bad("not_text", nested[0], f"{nested[0]}: must be text")
                continue
            yield position, named, None

    _fold(rows(), result, "record")
    return result


def parse_register(text: str, *, filename: str = "") -> RegisterFile:
    """Read a register file, as JSON when it is named ``.json`` or starts like JSON, else as CSV."""
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if filename.lower().endswith(".json") or head in ("{", "["):
        return parse_register_json(text.lstrip("\ufeff"))
    return parse_register_csv(text.lstrip("\ufeff"))
