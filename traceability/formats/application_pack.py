"""The SIHALAL application pack: the documents a halal application needs, drawn from a product's dossier.

What a pendamping otherwise types by hand for days, per BPJPH's document lists (``shared/domain/halal-id.md``
sections 1.3 to 1.5): the list of materials with their producers and certificate numbers (grouped as SIHALAL
groups them: materials, cleaning agents, packaging), the production process as a flow and as the numbered
narrative SIHALAL asks for (without quantities), the product-material matrix, and the SJPH manual filled from
the business's records. What is still missing comes first, so nobody submits an application that will come back.

Pure: :func:`build` takes dossier documents (``halal-trace/dossier@1``) and the findings of their assessment and
returns a :class:`Pack`; :func:`to_pdf` and :func:`to_docx` draw the same pack as a PDF to print and a Word file
to edit. Everything is in Indonesian, the language of the application.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from traceability.formats.pdf_layout import Layout, latin

__all__ = ["FlowStep", "MaterialRow", "Pack", "Section", "build", "to_docx", "to_pdf"]

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")  # fmt: skip
#: SIHALAL's groups of materials (jenis bahan), by the dossier's material kind.
GROUPS = {
    "ingredient": "Bahan",
    "additive": "Bahan",
    "processing_aid": "Bahan",
    "cleaning_agent": "Bahan pembersih",
    "packaging": "Kemasan",
    "lubricant": "Bahan penolong (pelumas)",
}
ROUTES = {"regular": "Reguler", "self_declare": "Pernyataan pelaku usaha (self-declare)"}
SCALES = {"micro": "Mikro", "small": "Kecil", "medium": "Menengah", "large": "Besar"}
ISSUERS = {"bpjph": "BPJPH", "mui": "MUI"}
#: Findings that stop an application, most serious first.
BLOCKING = ("violation", "needs_evidence")


@dataclass(frozen=True)
class MaterialRow:
    group: str
    name: str
    producer: str
    certificate: str
    note: str


@dataclass(frozen=True)
class FlowStep:
    number: int
    name: str
    inputs: list[str]
    outputs: list[str]
    place: str


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: list[str]


@dataclass
class Pack:
    product: str
    business: str
    route: str
    made_on: dt.date
    missing: list[str]
    profile: list[tuple[str, str]]
    materials: list[MaterialRow]
    products: list[str]
    matrix: list[tuple[str, list[bool]]]
    flow: list[FlowStep]
    manual: list[Section] = field(default_factory=list)

    @property
    def file_stem(self) -> str:
        """A file name for the pack: the product's name in plain letters."""
        plain = "".join(c if c.isalnum() else "-" for c in latin(self.product).lower()).strip("-")
        return f"paket-sihalal-{'-'.join(filter(None, plain.split('-')))[:60] or 'produk'}"


def tanggal(value: str | dt.date | None) -> str:
    """A date as Indonesian documents write it: "17 Oktober 2026"."""
    if value is None or value == "":
        return "-"
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _by_id(items: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(item["id"]): item for item in items}


def _certificate_text(cert: Mapping[str, Any] | None) -> str:
    if cert is None:
        return ""
    issuer = ISSUERS.get(str(cert.get("issuer", "")).strip().lower(), str(cert.get("issuer") or ""))
    until = f", berlaku s.d. {tanggal(cert['valid_until'])}" if cert.get("valid_until") else ""
    state = "" if cert.get("status", "active") == "active" else f" ({_STATUS.get(cert['status'], cert['status'])})"
    return f"{cert['number']} ({issuer}{until}){state}"


_STATUS = {"suspended": "DIBEKUKAN", "revoked": "DICABUT"}


def _materials(doc: Mapping[str, Any], missing: Sequence[str] = ()) -> list[MaterialRow]:
    suppliers, certificates = _by_id(doc.get("suppliers", [])), _by_id(doc.get("certificates", []))
    rows = []
    for material in doc.get("materials", []):
        lots = [lot for lot in doc.get("lots", []) if lot.get("material") == material["id"]]
        producers = sorted(
            {str(suppliers[lot["supplier"]]["name"]) for lot in lots if lot.get("supplier") in suppliers}
        )
        certs = sorted(
            {_certificate_text(certificates.get(str(lot.get("certificate")))) for lot in lots if lot.get("certificate")}
        )
        numbers = [str(certificates[str(lot["certificate"])]["number"]) for lot in lots
                   if str(lot.get("certificate")) in certificates]  # fmt: skip
        # Named in what is missing, by its name or its certificate's number (a material with no certificate has
        # no number to find: every text contains the empty one).
        troubled = any(str(material["name"]) in item or any(n in item for n in numbers) for item in missing)
        if not certs and not material.get("positive_list"):
            note = "BELUM ADA SERTIFIKAT HALAL"
        elif troubled:
            note = "ADA MASALAH: lihat bagian yang masih harus dilengkapi"
        elif certs:
            note = "Bersertifikat halal"
        else:
            note = "Tidak wajib bersertifikat (KMA 1360/2021)"
        rows.append(
            MaterialRow(
                GROUPS.get(str(material.get("kind")), "Bahan"),
                str(material["name"]),
                ", ".join(producers) or "-",
                "; ".join(c for c in certs if c) or "-",
                note,
            )
        )
    order = list(dict.fromkeys(GROUPS.values()))
    return sorted(rows, key=lambda r: (order.index(r.group), r.name.lower()))


def _flow(doc: Mapping[str, Any]) -> list[FlowStep]:
    """The steps in the order goods move: a step comes after every step whose batch it uses."""
    lots, materials = _by_id(doc.get("lots", [])), _by_id(doc.get("materials", []))
    facilities, batches = _by_id(doc.get("facilities", [])), _by_id(doc.get("batches", []))
    steps = list(doc.get("steps", []))
    made_by = {out: step["id"] for step in steps for out in step.get("outputs", [])}
    placed: list[Mapping[str, Any]] = []
    remaining = sorted(steps, key=lambda s: (str(s.get("on") or ""), str(s["id"])))
    while remaining:  # a dossier's steps form no cycle (import refuses one), so this ends
        ready = [s for s in remaining if all(made_by.get(i) in {p["id"] for p in placed} | {None} for i in s["inputs"])]
        step = (ready or remaining)[0]
        placed.append(step)
        remaining.remove(step)

    def named(ref: str) -> str:
        if ref in lots:
            material = materials.get(str(lots[ref].get("material")))
            return str(material["name"]) if material else ref
        if ref in batches:
            return f"hasil langkah sebelumnya (batch {batches[ref].get('lot_code', ref)})"
        return ref

    return [
        FlowStep(
            number,
            str(step.get("name") or step.get("process") or "Langkah"),
            list(dict.fromkeys(named(str(i)) for i in step.get("inputs", []))),
            [f"batch {batches[o].get('lot_code', o)}" if o in batches else str(o) for o in step.get("outputs", [])],
            str(facilities[step["facility"]]["name"]) if step.get("facility") in facilities else "-",
        )
        for number, step in enumerate(placed, start=1)
    ]


def _profile(doc: Mapping[str, Any], route: str) -> list[tuple[str, str]]:
    business = doc["business"]
    supervisor = business.get("halal_supervisor") or {}
    return [
        ("Nama usaha", str(business.get("name") or "-")),
        ("NIB", str(business.get("nib") or "-")),
        ("Skala usaha", SCALES.get(str(business.get("scale")), "-")),
        ("Omzet per tahun", f"Rp {int(business['annual_turnover_idr']):,}".replace(",", ".")
         if business.get("annual_turnover_idr") is not None else "-"),
        ("Jalur sertifikasi", route),
        ("Penyelia halal", str(supervisor.get("name") or "BELUM DITETAPKAN")),
        ("Penyelia beragama Islam", {"True": "Ya", "False": "Tidak"}.get(str(supervisor.get("muslim")), "-")),
        ("Pelatihan penyelia", tanggal(supervisor.get("trained_on"))),
    ]  # fmt: skip


def _manual(doc: Mapping[str, Any], flow: list[FlowStep], materials: list[MaterialRow]) -> list[Section]:
    business, product = doc["business"], doc["product"]
    name = str(business.get("name") or "usaha ini")
    supervisor = (business.get("halal_supervisor") or {}).get("name") or "[BELUM DITETAPKAN]"
    sjph = business.get("sjph") or {}
    places = sorted({step.place for step in flow if step.place != "-"}) or ["[BELUM DICATAT]"]
    shared = [f for f in doc.get("facilities", []) if f.get("shared_with")]
    return [
        Section("1. Kebijakan halal", [
            f"{name} berkomitmen memproduksi {product['name']} secara halal secara konsisten, hanya memakai bahan "
            "yang status halalnya jelas, dan menjaga fasilitas produksi bebas dari bahan haram dan najis.",
            "Kebijakan ini disampaikan kepada semua orang yang bekerja di usaha ini.",
        ]),
        Section("2. Penyelia halal", [
            f"Penyelia halal: {supervisor}. Tugasnya mengawasi proses produk halal, memeriksa setiap bahan baru "
            "sebelum dipakai, dan melaporkan perubahan bahan atau proses kepada BPJPH.",
            f"Pelatihan terakhir: {tanggal((business.get('halal_supervisor') or {}).get('trained_on'))}.",
        ]),
        Section("3. Pelatihan dan edukasi", [
            f"Pelatihan sistem jaminan produk halal terakhir: {tanggal(sjph.get('last_training_on'))}. "
            "Pelatihan diulang sekurang-kurangnya sekali setahun.",
        ]),
        Section("4. Bahan", [
            f"Semua bahan tercantum dalam Daftar Bahan ({len(materials)} bahan). Bahan baru atau pemasok baru "
            "diperiksa penyelia halal sebelum dipakai: sertifikat halal yang masih berlaku, atau termasuk bahan "
            "yang tidak wajib bersertifikat menurut KMA 1360/2021.",
        ]),
        Section("5. Produk", [f"Produk: {product['name']}" + (f" (merek {product['brand']})" if product.get("brand")
                                                               else "") + "."]),
        Section("6. Fasilitas produksi", [
            "Tempat produksi: " + ", ".join(places) + ".",
            ("Fasilitas dipakai bersama dengan produk lain; pemisahan dan pencucian dicatat di layanan ini."
             if shared else "Fasilitas produksi khusus untuk produk halal."),
        ]),
        Section("7. Prosedur tertulis aktivitas kritis", [
            "Pembelian: hanya dari pemasok dalam Daftar Bahan. Penerimaan: periksa nama bahan, merek, produsen "
            "dan nomor sertifikat pada kemasan; catat kode lot. Penyimpanan: bahan halal terpisah dan tertutup. "
            "Produksi: sesuai diagram alir proses. Pengemasan, penyimpanan produk jadi dan distribusi: terpisah "
            "dari produk tidak halal.",
        ]),
        Section("8. Kemampuan telusur", [
            "Setiap batch produk dicatat bersama lot bahan yang dipakai; kode QR pada kemasan menunjuk ke catatan "
            "itu, sehingga setiap batch dapat ditelusuri sampai ke pemasok dan sertifikat bahannya.",
        ]),
        Section("9. Penanganan produk yang tidak memenuhi kriteria", [
            "Produk yang dibuat dengan bahan atau proses yang tidak memenuhi kriteria tidak dijual sebagai produk "
            "halal; batch yang terkena ditarik dan dicatat.",
        ]),
        Section("10. Audit internal", [f"Audit internal terakhir: {tanggal(sjph.get('last_internal_audit_on'))}. "
                                       "Audit internal dilakukan sekurang-kurangnya sekali setahun."]),
        Section("11. Kaji ulang manajemen", [
            f"Kaji ulang manajemen terakhir: {tanggal(sjph.get('last_management_review_on'))}."]),
    ]  # fmt: skip


def build(
    doc: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    *,
    products: Sequence[Mapping[str, Any]] = (),
    made_on: dt.date,
) -> Pack:
    """The pack for `doc`'s product. `findings` are its assessment's; `products` the business's other dossiers,
    for the product-material matrix (the product itself is always its first column)."""
    application = doc.get("application") or {}
    route = ROUTES.get(str(application.get("route")), "Belum dipilih")
    flow = _flow(doc)
    missing: list[str] = []
    for severity in BLOCKING:
        for finding in findings:
            if finding.get("severity") == severity:
                text = str((finding.get("message") or {}).get("id") or finding.get("rule"))
                if text not in missing:
                    missing.append(text)
    business = doc["business"]
    if not (business.get("halal_supervisor") or {}).get("name"):
        missing.append("Penyelia halal belum ditetapkan (nama, agama, tanggal pelatihan).")
    if not doc.get("application"):
        missing.append("Jalur sertifikasi (reguler atau pernyataan mandiri) belum dipilih.")
    if not flow:
        missing.append("Belum ada langkah produksi yang dicatat.")
    materials = _materials(doc, missing)
    every = [doc, *(d for d in products if d["product"]["id"] != doc["product"]["id"])]
    names = [str(d["product"]["name"]) for d in every]
    uses: dict[str, list[bool]] = {}
    for column, document in enumerate(every):
        for material in document.get("materials", []):
            marks = uses.setdefault(str(material["name"]), [False] * len(every))
            marks[column] = True
    return Pack(
        product=str(doc["product"]["name"]),
        business=str(business.get("name") or ""),
        route=route,
        made_on=made_on,
        missing=missing,
        profile=_profile(doc, route),
        materials=materials,
        products=names,
        matrix=sorted(uses.items(), key=lambda item: item[0].lower()),
        flow=flow,
        manual=_manual(doc, flow, materials),
    )


# ---- drawing ----


def to_pdf(pack: Pack) -> bytes:
    """The pack as an A4 PDF: missing items, profile, materials, flow diagram and narrative, matrix, manual."""
    doc = Layout(f"Paket pengajuan sertifikasi halal: {pack.product}")
    pdf, width, heading, paragraph, table = doc.pdf, doc.width, doc.heading, doc.paragraph, doc.table

    pdf.add_page()
    heading("Paket Pengajuan Sertifikasi Halal", 16)
    paragraph(f"Produk: {pack.product}\nPelaku usaha: {pack.business}\nJalur: {pack.route}\n"
              f"Disusun: {tanggal(pack.made_on)}")  # fmt: skip
    heading("Yang masih harus dilengkapi")
    if pack.missing:
        for number, item in enumerate(pack.missing, start=1):
            paragraph(f"{number}. {item}")
    else:
        paragraph("Tidak ada. Semua data yang diperlukan sudah lengkap.")
    heading("A. Data pelaku usaha")
    table(("Data", "Isi"), pack.profile, (1, 2))
    heading("B. Daftar bahan")
    table(
        ("Jenis", "Nama bahan", "Produsen / pemasok", "No. sertifikat halal", "Keterangan"),
        [(r.group, r.name, r.producer, r.certificate, r.note) for r in pack.materials],
        (1.1, 1.6, 1.6, 2.2, 1.5),
    )
    pdf.add_page()
    heading("C. Diagram alir proses produksi")
    box_w, x = min(width, 150), pdf.l_margin + (width - min(width, 150)) / 2
    stages = [("Penerimaan bahan", "Bahan diperiksa dan dicatat kode lotnya")]
    stages += [(f"{s.number}. {s.name}", f"Di {s.place}") for s in pack.flow]
    stages += [("Penyimpanan dan distribusi", "Terpisah dari produk tidak halal")]
    for index, (title, detail) in enumerate(stages):
        if pdf.get_y() + 24 > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_font("Helvetica", "B", 10)
        pdf.rect(x, top, box_w, 14)
        pdf.set_xy(x, top + 2)
        pdf.cell(box_w, 5, latin(title), align="C")
        pdf.set_font("Helvetica", "", 8)
        pdf.set_xy(x, top + 7)
        pdf.cell(box_w, 5, latin(detail)[:110], align="C")
        pdf.set_y(top + 14)
        if index < len(stages) - 1:
            middle = x + box_w / 2
            pdf.line(middle, top + 14, middle, top + 20)
            pdf.line(middle - 2, top + 18, middle, top + 20)
            pdf.line(middle + 2, top + 18, middle, top + 20)
            pdf.set_y(top + 20)
    pdf.ln(4)
    heading("D. Uraian proses produksi")
    for step in pack.flow:
        paragraph(f"{step.number}. {step.name}: bahan {', '.join(step.inputs) or '-'}; menghasilkan "
                  f"{', '.join(step.outputs) or '-'}; tempat {step.place}.")  # fmt: skip
    heading("E. Matriks produk dan bahan")
    table(
        ("Bahan", *pack.products),
        [(name, *("V" if used else "" for used in marks)) for name, marks in pack.matrix],
        (2.5, *([1.0] * len(pack.products))),
    )
    pdf.add_page()
    heading("F. Manual Sistem Jaminan Produk Halal (SJPH)", 14)
    paragraph(pack.business, "B")
    for section in pack.manual:
        heading(section.title, 11)
        for text in section.paragraphs:
            paragraph(text)
    return bytes(pdf.output())


def to_docx(pack: Pack) -> bytes:
    """The same pack as a Word document to edit (Word, LibreOffice, WPS on a phone)."""
    from docx import Document

    document = Document()
    document.core_properties.title = f"Paket pengajuan sertifikasi halal: {pack.product}"
    document.core_properties.language = "id-ID"
    document.add_heading("Paket Pengajuan Sertifikasi Halal", 0)
    document.add_paragraph(
        f"Produk: {pack.product}\nPelaku usaha: {pack.business}\nJalur: {pack.route}\nDisusun: {tanggal(pack.made_on)}"
    )
    document.add_heading("Yang masih harus dilengkapi", 1)
    for item in pack.missing or ["Tidak ada. Semua data yang diperlukan sudah lengkap."]:
        document.add_paragraph(item, style="List Number" if pack.missing else None)

    def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        grid = document.add_table(rows=1, cols=len(head))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, head, strict=True):
            cell.text = text
        for values in rows:
            for cell, text in zip(grid.add_row().cells, values, strict=True):
                cell.text = text

    document.add_heading("A. Data pelaku usaha", 1)
    table(("Data", "Isi"), pack.profile)
    document.add_heading("B. Daftar bahan", 1)
    table(
        ("Jenis", "Nama bahan", "Produsen / pemasok", "No. sertifikat halal", "Keterangan"),
        [(r.group, r.name, r.producer, r.certificate, r.note) for r in pack.materials],
    )
    document.add_heading("C dan D. Alur dan uraian proses produksi", 1)
    document.add_paragraph("Penerimaan bahan: bahan diperiksa dan dicatat kode lotnya.", style="List Number")
    for step in pack.flow:
        document.add_paragraph(
            f"{step.name}: bahan {', '.join(step.inputs) or '-'}; menghasilkan {', '.join(step.outputs) or '-'}; "
            f"tempat {step.place}.",
            style="List Number",
        )
    document.add_paragraph("Penyimpanan dan distribusi: terpisah dari produk tidak halal.", style="List Number")
    document.add_heading("E. Matriks produk dan bahan", 1)
    table(("Bahan", *pack.products), [(name, *("✓" if used else "" for used in marks)) for name, marks in pack.matrix])
    document.add_heading("F. Manual Sistem Jaminan Produk Halal (SJPH)", 1)
    for section in pack.manual:
        document.add_heading(section.title, 2)
        for text in section.paragraphs:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
