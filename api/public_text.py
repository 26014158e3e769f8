"""The words of the public pages, in Indonesian (the default) and English."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request

LANGUAGES = ("id", "en")

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Verifikasi produk",
        "state.verified": "Terverifikasi halal",
        "state.pending": "Menunggu verifikasi",
        "state.not_halal": "Tidak halal",
        "state.revoked": "Kode dicabut",
        "revoked_note": "Jangan andalkan label ini.",
        "confirmed.BPJPH": "dikonfirmasi BPJPH",
        "confirmed.auditor": "dikonfirmasi auditor",
        "confirmed.BPJPH (SHLN)": "terdaftar di BPJPH (SHLN)",
        "claimed": "dinyatakan produsen",
        "producer": "Produsen",
        "product": "Produk",
        "lot": "Lot",
        "produced_on": "Tanggal produksi",
        "certificate": "Sertifikat halal produk",
        "no_certificate": "Tidak ada sertifikat produk tercatat",
        "ingredients": "Bahan dan asal",
        "supplier": "Pemasok",
        "country": "Negara",
        "no_ingredient_certificate": "tanpa sertifikat",
        "exempt_ingredient": "tidak wajib bersertifikat (KMA 1360)",
        "not_critical_ingredient": "tidak memerlukan sertifikat (bukan bahan kritis)",
        "documented_ingredient": "didukung dokumen pemasok, tanpa sertifikat",
        "label_address": "Alamat pada label",
        "last_checked": "Terakhir diperiksa",
        "never_checked": "belum pernah",
        "cert.active": "berlaku",
        "cert.suspended": "dibekukan",
        "cert.revoked": "dicabut",
        "cert.not_counting": "tidak berlaku untuk lot ini",
        "claim_note": "Nomor sertifikat ditampilkan sebagai klaim produsen beserta statusnya; periksa juga di BPJPH.",
        "switch": "English",
        "lot_level_note": "Status lot ini. Pindai kode QR pada kemasan untuk memeriksa label itu sendiri.",
        "product_level_note": (
            "Status halal ditetapkan per lot. Pindai kode QR pada kemasan untuk melihat status lotnya."
        ),
        "not_genuine": "Kode tidak asli",
        "not_genuine_detail": "Tanda tangan pada kode ini tidak cocok. Label ini mungkin palsu atau diubah.",
        "bad_link": "Tautan tidak valid",
        "bad_link_detail": "Alamat ini bukan tautan produk GS1 Digital Link yang benar. "
        "Pindai ulang kode QR pada kemasan.",
        "valid_until": "berlaku sampai",
        "details": "Lihat detail",
    },
    "en": {
        "title": "Product verification",
        "state.verified": "Halal verified",
        "state.pending": "Pending verification",
        "state.not_halal": "Not halal",
        "state.revoked": "Code revoked",
        "revoked_note": "Do not rely on this label.",
        "confirmed.BPJPH": "confirmed by BPJPH",
        "confirmed.auditor": "confirmed by an auditor",
        "confirmed.BPJPH (SHLN)": "registered with BPJPH (SHLN)",
        "claimed": "stated by the producer",
        "producer": "Producer",
        "product": "Product",
        "lot": "Lot",
        "produced_on": "Production date",
        "certificate": "Product halal certificate",
        "no_certificate": "No product certificate on record",
        "ingredients": "Ingredients and origins",
        "supplier": "Supplier",
        "country": "Country",
        "no_ingredient_certificate": "no certificate",
        "exempt_ingredient": "exempt from certification (KMA 1360)",
        "not_critical_ingredient": "no certificate needed (not a critical material)",
        "documented_ingredient": "backed by the supplier's documents, no certificate",
        "label_address": "Address printed on the label",
        "last_checked": "Last checked",
        "never_checked": "never",
        "cert.active": "active",
        "cert.suspended": "suspended",
        "cert.revoked": "revoked",
        "cert.not_counting": "does not count for this lot",
        "claim_note": "The certificate number is shown as the producer's claim with its status; "
        "check it with BPJPH too.",
        "switch": "Bahasa Indonesia",
        "lot_level_note": "The status of this lot. Scan the QR code on the pack to check that label itself.",
        "product_level_note": (
            "Halal status is decided per lot. Scan the QR code on the pack to see its lot's status."
        ),
        "not_genuine": "Code not genuine",
        "not_genuine_detail": "The signature on this code does not match. The label may be forged or altered.",
        "bad_link": "Not a valid product link",
        "bad_link_detail": "This address is not a well-formed GS1 Digital Link. Scan the QR code on the pack again.",
        "valid_until": "valid until",
        "details": "See details",
    },
}


_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def short_date(day: dt.date, lang: str) -> str:
    """A date as people read it on a pack: "12 Nov 2026" (Indonesian month names on Indonesian pages).

    >>> short_date(dt.date(2026, 8, 17), "id"), short_date(dt.date(2026, 8, 17), "en")
    ('17 Agu 2026', '17 Aug 2026')
    """
    return f"{day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def confirmation_words(certificate: Any, lang: str) -> str:
    """Who vouches for a certificate on the page: "dikonfirmasi BPJPH 12 Nov 2026", or "dinyatakan produsen"."""
    words = TEXT[lang]
    if certificate.confirmation != "confirmed" or certificate.confirmed_by is None:
        return words["claimed"]
    said = words[f"confirmed.{certificate.confirmed_by}"]
    return f"{said} {short_date(certificate.confirmed_on, lang)}" if certificate.confirmed_on else said


def language() -> str:
    """``?lang=`` if given, else the browser's preference between Indonesian and English; Indonesian by default."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="id") or "id"
