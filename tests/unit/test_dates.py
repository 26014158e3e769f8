"""Dates as people read them: one helper, the business's zone, the page's language."""

from __future__ import annotations

import datetime as dt

import pytest

from traceability import dates
from traceability.rules import status

MOMENT = dt.datetime(2026, 12, 2, 3, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("region", "lang", "expected"),
    [
        ("Kota Bandung, Jawa Barat", "id", "2 Des 2026 10:30 WIB"),
        ("Kota Bandung, Jawa Barat", "en", "2 Dec 2026 10:30 WIB"),
        ("Denpasar, Bali", "id", "2 Des 2026 11:30 WITA"),
        ("Kota Makassar, Sulawesi Selatan", "en", "2 Dec 2026 11:30 WITA"),
        ("Kota Jayapura, Papua", "id", "2 Des 2026 12:30 WIT"),
        (None, "id", "2 Des 2026 10:30 WIB"),
    ],
)
def test_a_moment_reads_in_the_business_zone_and_the_page_language(region, lang, expected):
    assert dates.moment(MOMENT, region, lang) == expected


def test_a_naive_or_textual_moment_is_utc_and_a_date_crosses_midnight_in_its_zone():
    assert dates.moment("2026-12-02T03:30:00", "Bandung", "id") == "2 Des 2026 10:30 WIB"
    late = dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC)
    assert dates.moment(late, "Ambon, Maluku", "en") == "1 Jan 2027 05:00 WIT"
    assert dates.moment(None) == dates.moment("") == ""


def test_a_day_is_written_out_in_each_language_and_unknown_languages_fall_back_to_indonesian():
    assert dates.day(dt.date(2025, 8, 17), "id") == "17 Agu 2025"
    assert dates.day("2025-05-01", "en") == "1 May 2025"
    assert dates.day(dt.date(2025, 12, 1), "fr") == "1 Des 2025"
    assert dates.day(None) == ""


def test_the_status_words_use_the_same_helper():
    assert status.format_date("2025-10-01", "id") == dates.day("2025-10-01", "id") == "1 Okt 2025"
