"""One table of rows, written as CSV or as an Excel workbook (pure).

An export is built once as a header and rows of plain values (text, numbers, dates, None); :func:`to_csv` and
:func:`to_xlsx` only write it, so the two files of one export always carry the same columns and words. Neither
lets a spreadsheet run a cell as a formula: CSV text passes through :func:`~traceability.formats.csv_cells.cell`,
and the workbook stores text as inline strings, which are never formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from traceability.formats import csv_cells

__all__ = ["to_csv", "to_xlsx"]


def _plain(value: Any) -> Any:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The table as RFC 4180 CSV; dates as ISO 8601, empty cells for None."""
    out = io.StringIO()
    # CRLF rows (RFC 4180): the writer then quotes a cell holding a bare CR, which would otherwise end the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_cells.row(header))
    for values in rows:
        writer.writerow(csv_cells.row(_plain(v) for v in values))
    return out.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Style 0: plain; 1: bold (the header); 2: a date (built-in format 14 shows the reader's local date).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
_EPOCH = dt.date(1899, 12, 30)  # spreadsheets count days from here (with the 1900 leap-year quirk folded in)
#: Characters XML 1.0 cannot carry at all; a spreadsheet would refuse the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _column(index: int) -> str:
    """A spreadsheet's column letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: Any, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>'
    styled = f' s="{style}"' if style else ""
    if isinstance(value, int | float):
        return f'<c r="{ref}"{styled}><v>{value}</v></c>'
    # An inline string is text, never a formula: no apostrophe needed (it would show).
    text = escape(_NOT_XML.sub("", str(_plain(value))))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t{space}>{text}</t></is></c>'


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str) -> bytes:
    """The table as an Office Open XML workbook of one sheet named `title`: the header bold and frozen, dates
    as dates, columns wide enough for their text. Written with the standard library (the format is a zip of
    XML parts), so the export needs no spreadsheet package."""
    name = escape("".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet1", {'"': "&quot;"})
    lines = [
        '<row r="1">' + "".join(_cell(f"{_column(i)}1", h, 1) for i, h in enumerate(header)) + "</row>",
        *(
            f'<row r="{n}">' + "".join(_cell(f"{_column(i)}{n}", v) for i, v in enumerate(values)) + "</row>"
            for n, values in enumerate(rows, start=2)
        ),
    ]
    widths = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{min(max(10, longest + 2), 50)}" customWidth="1"/>'
        for i, name_ in enumerate(header)
        for longest in [max([len(str(name_)), *(len(str(_plain(r[i]))) for r in rows)])]
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>'
        f"<cols>{widths}</cols><sheetData>{''.join(lines)}</sheetData></worksheet>"
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for part, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
            ("xl/worksheets/sheet1.xml", sheet),
        ):
            book.writestr(part, text)
    return out.getvalue()
