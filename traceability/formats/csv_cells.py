"""CSV cells a spreadsheet will not run as formulas (pure).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some versions, a tab or carriage return before one) as a formula, so a supplier name such as
``=HYPERLINK("http://evil","click")`` written verbatim into an export would run on the reader's
machine. Every CSV the service writes passes its text cells through :func:`cell`, which puts a
leading apostrophe before such text, as OWASP recommends, and before text that starts with a compatibility
form of those characters (full-width "＝") or with spacing, a line break or an invisible character; numbers
are left as they are.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["FORMULA_STARTS", "cell", "row", "record"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value`, with an apostrophe before text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value and _risky(value[0]):
        return "'" + value
    return value


def _risky(first: str) -> bool:
    """A formula start, also in a compatibility form (full-width "＝", small "﹢"), or any leading space,
    line break or invisible character (spreadsheets trim some of them before looking for a formula)."""
    if first.isspace() or unicodedata.category(first) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return True
    return unicodedata.normalize("NFKC", first).startswith(FORMULA_STARTS)


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def record(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: cell(v) for k, v in values.items()}
