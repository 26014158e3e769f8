"""A programme's report for the ministry as a PDF (pure): participants per milestone, per kecamatan and per month.

Drawn in Indonesian, the language of the report, with the same page layout as the application pack
(:mod:`traceability.formats.pdf_layout`). The counts come from :func:`traceability.service.programmes.report`,
passed in as plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from traceability.formats.application_pack import MONTHS, tanggal
from traceability.formats.pdf_layout import Layout

__all__ = ["MILESTONES", "to_pdf"]

#: The milestones in the order a business reaches them, as the report names them.
MILESTONES = {
    "nib_valid": "NIB tercatat dan sah",
    "first_material": "Bahan pertama dicatat",
    "all_evidenced": "Semua bahan berbukti",
    "self_declare_known": "Kelayakan self-declare diketahui",
    "submitted": "Diajukan untuk ditinjau",
    "approved": "Disetujui dan terverifikasi publik",
    "code_issued": "Kode verifikasi terbit",
    "listing_linked": "Tautan marketplace aktif",
}


def _month(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _share(count: int, total: int) -> str:
    return f"{count} ({round(100 * count / total)}%)" if total else "0"


def to_pdf(
    programme: dict[str, Any],
    as_of: dt.date,
    participants: int,
    funnel: Sequence[tuple[str, int]],
    by_kecamatan: Sequence[tuple[str | None, int, Sequence[int]]],
    by_month: Sequence[tuple[dt.date, int, Sequence[int]]],
    roster: Sequence[tuple[str, str | None, str | None, str | None]],
) -> bytes:
    """The report as an A4 landscape PDF: the funnel, then kecamatan and month tables with numbered milestones."""
    doc = Layout(f"Laporan program: {programme['name']}", orientation="landscape")
    numbers = [str(i) for i in range(1, len(funnel) + 1)]
    doc.pdf.add_page()
    doc.heading("Laporan Program Pendampingan Sertifikasi Halal", 16)
    period = tanggal(programme["starts_on"]) + (
        f" s.d. {tanggal(programme['ends_on'])}" if programme["ends_on"] else ""
    )
    doc.paragraph(
        f"Program: {programme['name']}\nPenyelenggara: {programme['organiser']}\nPeriode: {period}\n"
        f"Jumlah peserta: {participants} usaha\nKeadaan per: {tanggal(as_of)}"
    )
    doc.heading("A. Peserta per tahap capaian")
    doc.table(
        ("No.", "Tahap capaian", "Usaha yang mencapai"),
        [(n, MILESTONES[key], _share(count, participants)) for n, (key, count) in zip(numbers, funnel, strict=True)],
        (0.4, 3, 1.4),
    )
    doc.paragraph("Nomor tahap di atas dipakai sebagai judul kolom pada tabel B dan C.", "I")
    doc.heading("B. Peserta per kecamatan")
    doc.table(
        ("Kecamatan", "Peserta", *numbers),
        [(name or "(belum tercatat)", str(total), *map(str, counts)) for name, total, counts in by_kecamatan]
        or [("-", "0", *(["0"] * len(numbers)))],
        (2.6, 1, *([0.7] * len(numbers))),
    )
    doc.heading("C. Capaian per bulan")
    doc.paragraph("Usaha yang mendaftar dan yang mencapai tiap tahap pada bulan itu.")
    doc.table(
        ("Bulan", "Mendaftar", *numbers),
        [(_month(month), str(joined), *map(str, counts)) for month, joined, counts in by_month]
        or [("-", "0", *(["0"] * len(numbers)))],
        (2.6, 1, *([0.7] * len(numbers))),
    )
    doc.pdf.add_page()
    doc.heading("D. Daftar peserta")
    doc.table(
        ("Usaha", "Kecamatan", "Pendamping", "Tahap terakhir yang dicapai"),
        [
            (name, kecamatan or "-", pendamping or "(belum ada)", MILESTONES[last] if last else "(belum ada)")
            for name, kecamatan, pendamping, last in roster
        ]
        or [("-", "-", "-", "-")],
        (2.4, 1.6, 1.8, 2.4),
    )
    return doc.output()
