"""A refused BPJPH register upload names every bad row in the page's language (Indonesian by default): its row
number, the column in words as the register heads it, and what to write instead; never the reader's English."""

from __future__ import annotations

import io
import json
import re

import pytest

from tests.helpers import csrf_of
from tests.web.test_page_language import ENGLISH

HEADER = "number,holder_name,holder_nib,scope,issued_on,valid_until,status\n"
GOOD = "ID21110000000000001,PT Sagu Tani,,Tepung sagu,2024-01-01,,aktif"
#: One bad row of each kind, with the sentence each language words it in.
ROWS = [
    (
        ",PT A,,,2024-01-01,,aktif",
        "Baris 3, kolom “Nomor sertifikat”: kosong, padahal wajib diisi.",
        "Row 3, column “Certificate number”: is empty; it is required.",
    ),
    (
        "ID2,PT A,123,,2024-01-01,,aktif",
        "Baris 4, kolom “NIB pemegang”: “123” bukan NIB: NIB terdiri dari 13 angka.",
        "Row 4, column “Holder's NIB”: “123” is not an NIB: an NIB has 13 digits.",
    ),
    (
        "ID3,PT A,,,31-02-2024,,aktif",
        "Baris 5, kolom “Tanggal terbit”: “31-02-2024” bukan tanggal: tulis seperti 2025-01-31 (atau 31-01-2025, "
        "31/01/2025).",
        "Row 5, column “Date of issue”: “31-02-2024” is not a date: write it as 2025-01-31 (or 31-01-2025, "
        "31/01/2025).",
    ),
    (
        "ID4,PT A,,,2024-01-01,2023-01-01,aktif",
        "Baris 6, kolom “Berlaku sampai”: lebih awal dari tanggal terbit.",
        "Row 6, column “Valid until”: is before the date of issue.",
    ),
    (
        "ID5,PT A,,,2024-01-01,,hilang",
        "Baris 7, kolom “Status”: “hilang” bukan status di daftar: tulis aktif, dibekukan, dicabut atau kedaluwarsa.",
        "Row 7, column “Status”: “hilang” is not a register status: write active, suspended, revoked or expired.",
    ),
    (
        "ID6,PT A,,2024-01-01,aktif",
        "Baris 8: Baris ini berisi 5 nilai, padahal judulnya memuat 7 kolom.",
        "Row 8: This row has 5 values but the header has 7 columns.",
    ),
    (
        "ID21110000000000001,PT Lain,,Tepung,2024-01-01,,aktif",
        "Baris 9: sertifikat ID21110000000000001 sudah ada di baris 2 dengan pemegang (nama pelaku usaha) yang "
        "berbeda.",
        "Row 9: certificate ID21110000000000001 is already on row 2 with another holder (business name).",
    ),
]


def _upload(browser, body: bytes, name: str, lang: str):
    token = csrf_of(browser.get(f"/admin/register?lang={lang}").get_data(as_text=True))
    return browser.post(
        f"/admin/register?lang={lang}",
        data={"csrf_token": token, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def _errors(html: str) -> list[str]:
    listed = html.split('<ul class="invalid">', 1)[1].split("</ul>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li>(.*?)</li>", listed, re.S)]


@pytest.mark.parametrize(("lang", "column"), [("id", 1), ("en", 2)])
def test_every_bad_row_is_worded_with_its_row_and_column_in_the_pages_language(filled, sign_in, lang, column):
    body = HEADER + GOOD + "\n" + "\n".join(row[0] for row in ROWS) + "\n"

    refused = _upload(sign_in("admin"), body.encode(), "sihalal.csv", lang)

    assert refused.status_code == 422
    html = refused.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")
    assert _errors(html) == [row[column] for row in ROWS]


def test_no_error_on_the_indonesian_page_speaks_the_readers_english_or_its_column_codes(filled, sign_in):
    body = HEADER + "\n".join(row[0] for row in ROWS) + "\n"

    html = _upload(sign_in("admin"), body.encode(), "sihalal.csv", "id").get_data(as_text=True)

    words = " ".join(_errors(html.replace("&#39;", "'"))).lower()
    assert not set(re.findall(r"[a-z_]+", words)) & (ENGLISH | {"missing", "line", "holder_nib", "issued_on"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "nomor,nama\nID1,PT A\n",
            "Baris 1: Baris judul tidak memuat kolom “Nomor sertifikat”, “Pemegang (nama "
            "pelaku usaha)”, “Tanggal terbit”, “Status”.",
        ),  # fmt: skip
        ("{not json", "Baris 1: Berkasnya bukan JSON yang sah."),
    ],
)
def test_a_file_that_cannot_be_read_at_all_is_said_in_indonesian(filled, sign_in, text, expected):
    name = "sihalal.json" if text.startswith("{") else "sihalal.csv"

    html = _upload(sign_in("admin"), text.encode(), name, "id").get_data(as_text=True)

    assert _errors(html) == [expected]


def test_a_json_register_names_its_records_by_position(filled, sign_in):
    records = [json.loads('{"number": "ID7", "holder_name": "PT A", "issued_on": "2024-01-01", "status": "x"}'), 5]

    html = _upload(sign_in("admin"), json.dumps(records).encode(), "sihalal.json", "id").get_data(as_text=True)

    assert _errors(html.replace("&#34;", '"')) == [
        "Rekaman 1, kolom “Status”: “x” bukan status di daftar: tulis aktif, dibekukan, dicabut atau kedaluwarsa.",
        "Rekaman 2: Data ini bukan objek dengan kolom-kolom daftar BPJPH.",
    ]
