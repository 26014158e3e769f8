"""The words of the BPJPH register import page: each bad row of an uploaded register as a sentence in the
page's language, with its row number and the column it is in named as a person reads it.

The register reader (:mod:`traceability.formats.bpjph_register`) says what is wrong as a kind of problem, a column
and the values involved; the command line prints its English sentence, the page these words. Message ids in
English, translated by the catalogue (``api/translations``); Indonesian is the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

__all__ = ["COLUMN_WORDS", "row_error"]

#: The register's columns as the BPJPH export heads them.
COLUMN_WORDS = {
    "number": _l("Certificate number"),
    "holder_name": _l("Holder (business name)"),
    "holder_nib": _l("Holder's NIB"),
    "scope": _l("Products covered"),
    "issued_on": _l("Date of issue"),
    "valid_until": _l("Valid until"),
    "status": _l("Status"),
    "snapshot_date": _l("Snapshot date"),
}
#: What is wrong in one column; %(value)s is what the file holds there.
_IN_COLUMN = {
    "missing": _l("is empty; it is required."),
    "nul": _l("holds an invisible control character; type the value again."),
    "too_long": _l("is longer than %(limit)s characters."),
    "item_too_long": _l("has a product longer than %(limit)s characters."),
    "not_nib": _l("“%(value)s” is not an NIB: an NIB has 13 digits."),
    "not_date": _l("“%(value)s” is not a date: write it as 2025-01-31 (or 31-01-2025, 31/01/2025)."),
    "before_issue": _l("is before the date of issue."),
    "not_status": _l("“%(value)s” is not a register status: write active, suspended, revoked or expired."),
    "not_text": _l("must be text, not a list or an object."),
}
#: What is wrong with the whole row or file.
_WHOLE = {
    "empty": _l("The file is empty: its first row must be the header."),
    "missing_columns": _l("The header lacks the column(s) %(columns)s."),
    "field_count": _l("This row has %(got)s values but the header has %(expected)s columns."),
    "not_json": _l("The file is not valid JSON."),
    "not_list": _l("The file holds no list of certificates."),
    "not_object": _l("This record is not an object with the register's fields."),
}


def _column(name: str | None) -> str:
    return str(COLUMN_WORDS.get(name or "", name or ""))


def _where(bad: Mapping[str, Any]) -> str:
    if "line" in bad:
        return _("Row %(n)s", n=bad["line"])
    if not bad.get("record"):
        return _("The file")
    return _("Record %(n)s", n=bad["record"])


def row_error(bad: Mapping[str, Any]) -> str:
    """One bad row of a register upload in the page's language: where, which column, what is wrong.

    A problem the reader names no kind for keeps its English sentence, so nothing is ever hidden.
    """
    problem, detail = bad.get("problem"), dict(bad.get("detail") or {})
    where = _where(bad)
    if problem == "repeated":
        first = {"line": detail.get("first")} if "line" in bad else {"record": detail.get("first")}
        return _(
            "%(where)s: certificate %(number)s is already on %(first)s with another %(columns)s.",
            where=where,
            number=detail.get("number", ""),
            first=_where(first).lower(),
            columns=", ".join(_column(c).lower() for c in detail.get("differ", [])),
        )
    if problem == "missing_columns":
        detail["columns"] = ", ".join(f"“{_column(c)}”" for c in detail.get("columns", []))
    if problem in _WHOLE:
        return f"{where}: {str(_WHOLE[problem]) % detail}"
    if problem in _IN_COLUMN and bad.get("column"):
        said = str(_IN_COLUMN[problem]) % {"value": detail.get("value", ""), "limit": detail.get("limit", "")}
        return _("%(where)s, column “%(column)s”: %(said)s", where=where, column=_column(bad["column"]), said=said)
    return f"{where}: {bad.get('error', '')}"
