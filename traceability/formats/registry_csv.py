"""The city's UMKM registry as CSV, and the words a business is found by.

Pure: parsing and validation only, so the command line, the admin upload and the benchmark share one
reading of the file. Every bad row is reported with its line number; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from traceability.identifiers import is_valid_nib, nib_key
from traceability.vocabulary import BusinessScale

__all__ = ["COLUMNS", "RegistryFile", "parse_registry", "query_phrase", "query_tokens", "search_tokens"]

COLUMNS = ("nib", "name", "owner", "address", "kelurahan", "kecamatan", "city", "phone", "scale", "kbli")
_LIMITS = {"name": 200, "owner": 200, "address": 500, "kelurahan": 100, "kecamatan": 100, "city": 100, "phone": 30}
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")
_KBLI = re.compile(r"^\d{5}$")
_WORD = re.compile(r"[a-z0-9]+")
_SCALES = {s.value for s in BusinessScale}
TOKEN_LENGTH = 100


@dataclass
class RegistryFile:
    """The rows that passed (wire form, with their line), and one error per bad row."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)


def _fold(text: str) -> str:
    """Lower case without accents, so "Sei Panas" and "sei pànas" meet."""
    if text.isascii():  # nothing to decompose: most of a registry
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_tokens(*values: str | None) -> set[str]:
    """What a business is found by: every tail of each field's folded words ("kopi pak man", "pak man",
    "man"), so a query of consecutive words is one prefix range, however common each word is."""
    tokens: set[str] = set()
    for value in values:
        words = _WORD.findall(_fold(value or ""))
        tokens.update(" ".join(words[i:])[:TOKEN_LENGTH] for i in range(len(words)))
    return tokens


def query_phrase(query: str) -> str:
    """The search as one phrase: folded words joined by single spaces ("" when it has none)."""
    return " ".join(_WORD.findall(_fold(query)))[:TOKEN_LENGTH]


def query_tokens(query: str) -> list[str]:
    """The distinct words of a search, for matching words spread over several fields."""
    return sorted({w[:TOKEN_LENGTH] for w in _WORD.findall(_fold(query))})


def _check(row: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    nib = row["nib"] = nib_key(row["nib"])
    if not is_valid_nib(nib):
        return None, f"nib: {nib!r} is not 13 digits"
    if not row["name"]:
        return None, "name: missing"
    scale = row["scale"].lower()
    if scale not in _SCALES:
        return None, f"scale: {row['scale']!r} is not one of {', '.join(sorted(_SCALES))}"
    for name, limit in _LIMITS.items():
        if len(row[name]) > limit:
            return None, f"{name}: longer than {limit} characters"
    if row["phone"] and not _PHONE.fullmatch(row["phone"]):
        return None, f"phone: {row['phone']!r} is not a phone number"
    if row["kbli"] and not _KBLI.fullmatch(row["kbli"]):
        return None, f"kbli: {row['kbli']!r} is not a 5-digit KBLI code"
    clean: dict[str, Any] = {k: (row[k] or None) for k in COLUMNS}
    clean.update(nib=nib, name=row["name"], scale=scale)
    return clean, None


def iter_registry(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield (line number, clean row or None, error or None) for every data row."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        yield 1, None, "the file is empty: the header must be " + ",".join(COLUMNS)
        return
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        yield 1, None, f"header: missing column(s) {', '.join(missing)}"
        return
    index = {c: names.index(c) for c in COLUMNS}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            yield line, None, f"{len(values)} fields, the header has {len(names)}"
            continue
        row, error = _check({c: values[i].strip() for c, i in index.items()})
        yield line, row, error


def parse_registry(text: str) -> RegistryFile:
    """Read a whole registry file; a NIB twice in one file is refused on its second line."""
    result = RegistryFile()
    seen: dict[str, int] = {}
    for line, row, error in iter_registry(io.StringIO(text, newline="")):
        if row is not None and row["nib"] in seen:
            error, row = f"nib: {row['nib']} already on line {seen[row['nib']]}", None
        if row is None:
            result.invalid.append({"line": line, "error": error})
            continue
        seen[row["nib"]] = line
        result.rows.append({"line": line, **row})
    return result
