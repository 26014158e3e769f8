"""The SIHALAL application pack drawn from an example dossier: its content, and both files read back."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pypdfium2
import pytest
from docx import Document

from traceability.formats import application_pack
from traceability.formats.dossier import load_dossier
from traceability.rules.engine import assess

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
DAY = dt.date(2026, 12, 2)


@pytest.fixture
def rendang():
    return load_dossier(json.loads((EXAMPLES / "rendang-ok.json").read_text()))


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_materials_are_grouped_as_sihalal_groups_them_with_producer_and_certificate(rendang):
    pack = application_pack.build(rendang, [], made_on=DAY)

    by_name = {row.name: row for row in pack.materials}
    oil = by_name["Minyak goreng sawit"]
    assert oil.group == "Bahan"
    assert oil.certificate.startswith("ID21110041277360224 (BPJPH")
    assert oil.note == "Bersertifikat halal"
    assert by_name["Cabai merah segar"].note == "Tidak wajib bersertifikat (KMA 1360/2021)"
    assert by_name["Wadah thinwall PP 500 ml dengan tutup"].group == "Kemasan"
    assert [row.group for row in pack.materials][-1] == "Kemasan"  # materials first, packaging last


def test_the_flow_follows_the_goods_and_names_materials_not_ids(rendang):
    pack = application_pack.build(rendang, [], made_on=DAY)

    assert [step.name.split()[0] for step in pack.flow] == ["Haluskan", "Masak", "Dinginkan,"]
    cooking = pack.flow[1]
    assert "Daging sapi segar (tetelan dan has dalam)" in cooking.inputs
    assert not any(text.startswith(("lot-", "b-")) for step in pack.flow for text in step.inputs)


def test_what_is_missing_comes_first_most_serious_first(rendang):
    broken = copy.deepcopy(rendang)
    oil_certificates = {c["id"] for c in broken["certificates"] if "m-minyak" in c["covers"]}
    broken["certificates"] = [c for c in broken["certificates"] if c["id"] not in oil_certificates]
    broken["lots"] = [dict(lot, certificate=None) if lot["material"] == "m-minyak" else lot for lot in broken["lots"]]
    broken["business"]["halal_supervisor"] = None
    findings = assess(broken, as_of=dt.date(2025, 11, 20))["findings"]

    pack = application_pack.build(broken, findings, made_on=DAY)

    assert pack.missing, findings
    assert any("Minyak goreng sawit" in item for item in pack.missing)
    assert "Penyelia halal belum dicatat." in pack.missing  # the rule's own words, in Indonesian
    assert pack.missing[-1].startswith("Penyelia halal belum ditetapkan")
    assert {r.name: r.note for r in pack.materials}["Minyak goreng sawit"] == "BELUM ADA SERTIFIKAT HALAL"


def test_the_matrix_has_a_column_per_product(rendang):
    other = copy.deepcopy(rendang)
    other["product"] = dict(other["product"], id="p-2", name="Rendang Paru")
    other["materials"] = [m for m in other["materials"] if m["id"] != "m-santan"]

    pack = application_pack.build(rendang, [], products=[other], made_on=DAY)

    assert pack.products == [rendang["product"]["name"], "Rendang Paru"]
    matrix = dict(pack.matrix)
    assert matrix["Santan kelapa segar (diperas tanpa tambahan)"] == [True, False]
    assert matrix["Garam beryodium"] == [True, True]


def test_the_pdf_and_the_word_file_say_the_same_in_indonesian(rendang):
    pack = application_pack.build(rendang, [], made_on=DAY)

    for text in (pdf_text(application_pack.to_pdf(pack)), docx_text(application_pack.to_docx(pack))):
        for expected in (
            "Paket Pengajuan Sertifikasi Halal",
            "Yang masih harus dilengkapi",
            "Daftar bahan",
            "Minyak goreng sawit",
            "ID21110041277360224",
            "Matriks produk dan bahan",
            "Manual Sistem Jaminan Produk Halal",
            "Fadli Ramadhan",
            "Audit internal terakhir: 15 September 2025",
            "Disusun: 2 Desember 2026",
        ):
            assert expected in text, expected


def test_letters_the_pdf_fonts_lack_are_spelled_plainly(rendang):
    rendang["product"]["name"] = "Char siu 叉烧 → ayam"
    pack = application_pack.build(rendang, [], made_on=DAY)

    text = pdf_text(application_pack.to_pdf(pack))
    assert "Char siu ?? -> ayam" in text
    assert "Char siu 叉烧 → ayam" in docx_text(application_pack.to_docx(pack))
    assert pack.file_stem == "paket-sihalal-char-siu-ayam"


def test_a_material_no_finding_names_is_not_said_to_have_a_problem(rendang):
    broken = copy.deepcopy(rendang)
    broken["business"]["halal_supervisor"] = None
    findings = assess(broken, as_of=dt.date(2025, 11, 20))["findings"]

    pack = application_pack.build(broken, findings, made_on=DAY)

    assert pack.missing  # something is missing, but about the business, not its chillies
    notes = {r.name: r.note for r in pack.materials}
    assert notes["Cabai merah segar"] == "Tidak wajib bersertifikat (KMA 1360/2021)"
    assert notes["Minyak goreng sawit"] == "Bersertifikat halal"
