"""CSV cells a spreadsheet will not run as formulas (pure).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some versions, a tab or carriage return before one) as a formula, so a supplier name such as
``=HYPERLINK("http://evil","click")`` written verbatim into an export would run on the reader's
machine. Every CSV the service writes passes its text cells through :func:`cell`, which puts a
leading apostrophe before such text, as OWASP recommends; numbers are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["FORMULA_STARTS", "cell", "row", "record"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value`, with an apostrophe before text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def record(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: cell(v) for k, v in values.items()}
