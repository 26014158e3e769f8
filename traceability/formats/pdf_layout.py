"""The few ways our printed documents put text on an A4 page with fpdf2 (pure): headings, paragraphs, tables.

Shared by the SIHALAL application pack and the programme report, so both print the same way and both keep to
what the PDF's built-in fonts can show (:func:`latin`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["Layout", "latin"]


def latin(text: str) -> str:
    """What the PDF's built-in fonts can print: accents kept where Latin-1 has them, other letters spelled plainly."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(plain or {"\u2192": "->", "\u2013": "-", "\u2014": "-", "\u2019": "'"}.get(char, "?"))
    return "".join(out)


class Layout:
    """An A4 document in Helvetica, in Indonesian, with automatic page breaks; `pdf` is the fpdf2 document."""

    def __init__(self, title: str, *, orientation: str = "portrait") -> None:
        from fpdf import FPDF

        self.pdf: FPDF = FPDF(orientation=orientation, format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_title(latin(title))
        self.pdf.set_lang("id")
        self.width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin

    def heading(self, text: str, size: int = 13) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font("Helvetica", "B", size)
        self.pdf.multi_cell(self.width, 7, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def paragraph(self, text: str, style: str = "") -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font("Helvetica", style, 10)
        self.pdf.multi_cell(self.width, 5, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def table(self, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        self.pdf.set_font("Helvetica", "", 9)
        with self.pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=5) as grid:
            top = grid.row()
            for cell in head:
                top.cell(latin(cell))
            for values in rows:
                row = grid.row()
                for cell in values:
                    row.cell(latin(cell))
        self.pdf.ln(3)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
