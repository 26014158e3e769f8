"""Printable A4 label sheets: a grid of QR codes, each with product name, lot and short URL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from qr import render

__all__ = ["COLUMNS", "QR_MM", "ROWS", "Label", "sheet_pdf"]

COLUMNS, ROWS = 3, 8  # 24 labels of 70 x 37 mm: the common A4 sticker sheet
PAGE_W, PAGE_H = 210.0, 297.0
QR_MM = 25.0  # above the 2 cm docs/reference/codes.md promises a typical code stays readable at


@dataclass(frozen=True, slots=True)
class Label:
    """One sticker: what the QR code encodes and the three lines printed beside it."""

    url: str
    product: str
    lot: str
    short_url: str


def _latin1(text: str) -> str:
    # fpdf2's core fonts are Latin-1; a product name outside it still prints, with '?' for what cannot.
    return text.encode("latin-1", "replace").decode("latin-1")


def sheet_pdf(labels: Sequence[Label], *, title: str = "halal-trace labels") -> bytes:
    """Lay `labels` out on as many A4 pages as needed, left to right, top to bottom."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    width, height = PAGE_W / COLUMNS, PAGE_H / ROWS
    for index, label in enumerate(labels):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        x, y = (slot % COLUMNS) * width, (slot // COLUMNS) * height
        pdf.image(io.BytesIO(render.png(label.url, 4)), x=x + 2, y=y + (height - QR_MM) / 2, w=QR_MM, h=QR_MM)
        text_x, text_w = x + QR_MM + 4, width - QR_MM - 6
        pdf.set_xy(text_x, y + 5)
        pdf.set_font("Helvetica", "B", 8)
        pdf.multi_cell(text_w, 3.6, _latin1(label.product), align="L", new_x="LEFT")
        pdf.set_font("Helvetica", "", 7)
        pdf.multi_cell(text_w, 3.4, _latin1(f"Lot {label.lot}"), new_x="LEFT")
        pdf.set_font("Helvetica", "", 6)
        pdf.multi_cell(text_w, 3.0, _latin1(label.short_url.replace("/v/", "/v/\n", 1)), new_x="LEFT")
    if not labels:
        pdf.add_page()
    return bytes(pdf.output())
