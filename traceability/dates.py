"""Dates and moments as people read them: "2 Des 2026" and "2 Des 2026 10:30 WIB", in the business's time zone.

One helper for every page (producer, pendamping, auditor, coordinator, admin and the consumer's): stored moments
are UTC, people read them in the zone of the business they concern (WIB, WITA or WIT, from its region), in the
page's language, through Babel's CLDR data.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

__all__ = ["ZONES", "day", "moment", "zone_of"]

_WITA = (
    *("bali", "nusa tenggara", "ntb", "ntt", "kalimantan selatan", "kalimantan timur", "kalimantan utara"),
    *("sulawesi", "makassar", "manado", "denpasar", "mataram", "kupang", "balikpapan", "samarinda"),
)
_WIT = ("maluku", "papua", "ambon", "jayapura", "sorong", "ternate")
#: Indonesia's three zones and the IANA zone each stands for.
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
_LANGS = ("id", "en")


def zone_of(region: str | None) -> str:
    """WIB, WITA or WIT for a business's region (WIB, the zone of most UMKM and of Batam, when unsure).

    >>> zone_of("Kota Makassar, Sulawesi Selatan"), zone_of("Jayapura"), zone_of(None)
    ('WITA', 'WIT', 'WIB')
    """
    text = (region or "").lower()
    if any(word in text for word in _WIT):
        return "WIT"
    if any(word in text for word in _WITA):
        return "WITA"
    return "WIB"


def _locale(lang: str | None) -> str:
    text = str(lang or "id")[:2]
    return text if text in _LANGS else "id"


def moment(value: dt.datetime | str | None, region: str | None = None, lang: str | None = "id") -> str:
    """A stored moment (UTC when naive) in the business's zone: "2 Des 2026 10:30 WIB".

    >>> moment(dt.datetime(2026, 12, 2, 3, 30, tzinfo=dt.UTC), "Bandung", "id")
    '2 Des 2026 10:30 WIB'
    >>> moment("2026-12-02T03:30:00", "Denpasar, Bali", "en")
    '2 Dec 2026 11:30 WITA'
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = zone_of(region)
    text = format_datetime(value, "d MMM y HH:mm", tzinfo=ZoneInfo(ZONES[zone]), locale=_locale(lang))
    return f"{text} {zone}"


def day(value: dt.date | str | None, lang: str | None = "id") -> str:
    """A calendar date: "2 Des 2026" (a date has no zone: production and receipt days are local already).

    >>> day("2025-08-01", "id"), day(dt.date(2025, 8, 1), "en")
    ('1 Agu 2025', '1 Aug 2025')
    """
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value, "d MMM y", locale=_locale(lang))
