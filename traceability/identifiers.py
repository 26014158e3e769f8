"""The identifiers Indonesian and GS1 records carry, checked and compared in one canonical form.

Two spellings that differ only by case, spacing, zero padding or invisible characters name the same thing
(DESIGN section 7): a revoked certificate typed again with a trailing zero-width space, or a GTIN typed with
a leading zero, must be the same certificate or the same trade item everywhere, or a look-alike undoes a
decision or takes over a Digital Link. Every uniqueness check, lookup, decision and resolver match goes through
the ``*_key`` functions here; the database keeps their result in indexed columns. Input with control
characters is refused rather than cleaned (:func:`has_control_characters`): nobody types a newline into an
identifier by accident.

GS1 check digits come from python-stdnum, not from hand-written arithmetic.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from stdnum import ean

__all__ = [
    "certificate_number_key",
    "gtin14",
    "gtin_check_digit",
    "gtin_key",
    "has_control_characters",
    "is_valid_gtin",
    "is_valid_nib",
    "issuer_key",
    "lot_key",
    "marketplace_key",
    "nib_key",
]

_NIB = re.compile(r"[0-9]{13}")
_GTIN = re.compile(r"[0-9]{8}|[0-9]{12,14}")
#: Categories removed from certificate numbers and lot codes: format (zero-width, bidi marks), space
#: separators and controls; line and paragraph separators too.
_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
#: The issuer registry lives with the reference data, read from the shipped file (this module is below
#: ``traceability.rules`` in the layers). Keys stored in the database were made with it, so changing an
#: alias is a data migration, not an overlay.
_REFERENCE = Path(__file__).parent / "rules" / "reference_data.json"


def has_control_characters(value: str) -> bool:
    """Say whether `value` holds a control character (Unicode Cc: newline, tab, NUL ...).

    >>> has_control_characters("ID3111\\n"), has_control_characters("ID 3111")
    (True, False)
    """
    return any(unicodedata.category(c) == "Cc" for c in value)


@lru_cache(maxsize=16384)
def _visible(value: str) -> str:
    """NFKC, then every whitespace and invisible character removed (cached: every judged certificate asks)."""
    if value.isascii() and value.isprintable() and " " not in value:  # NFKC keeps it, nothing to remove
        return value
    text = unicodedata.normalize("NFKC", value)
    return "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE and not c.isspace())


def is_valid_nib(nib: str) -> bool:
    """Say whether `nib` has the form of a Nomor Induk Berusaha: exactly 13 ASCII digits, nothing else.

    >>> is_valid_nib("1208230044517"), is_valid_nib("12082300445"), is_valid_nib("1208230044517\\n")
    (True, False, False)
    """
    return _NIB.fullmatch(nib) is not None


def nib_key(nib: str) -> str:
    """The canonical NIB: NFKC (full-width digits become ASCII), spacing and invisible characters removed.

    >>> nib_key(" 1208 2300 4451 7\\u200b")
    '1208230044517'
    """
    return _visible(nib)


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the digits of `body` (a GTIN without its last digit).

    >>> gtin_check_digit("899447100023")
    7
    """
    return int(ean.calc_check_digit(body))


def is_valid_gtin(gtin: str) -> bool:
    """Say whether `gtin` is a GTIN-8, -12, -13 or -14 (ASCII digits only) with a correct check digit.

    >>> is_valid_gtin("8994471000237"), is_valid_gtin("8994471000238"), is_valid_gtin("8994471000237\\n")
    (True, False, False)
    """
    return _GTIN.fullmatch(gtin) is not None and bool(ean.is_valid(gtin))


def gtin14(gtin: str) -> str:
    """Return `gtin` left-padded to the 14 digits GS1 Digital Link uses.

    >>> gtin14("8994471000237")
    '08994471000237'
    """
    return gtin.zfill(14)


def gtin_key(gtin: str) -> str:
    """The canonical GTIN: GTIN-14, whatever length and padding it was written with.

    Raises ValueError for anything that is not a valid GTIN.

    >>> gtin_key("8993724001588") == gtin_key("08993724001588") == gtin_key("0008993724001588"[2:])
    True
    """
    digits = gtin.lstrip("0")
    if len(gtin) > 14 or not is_valid_gtin(gtin14(digits)):
        raise ValueError(f"Not a valid GTIN: {gtin!r}")
    return gtin14(digits)


def certificate_number_key(number: str) -> str:
    """The canonical certificate number: NFKC, all whitespace and invisible characters removed, upper case.

    >>> certificate_number_key(" id 3111\\u200b0000 ") == certificate_number_key("ID31110000")
    True
    """
    return _visible(number).upper()


def lot_key(lot_code: str) -> str:
    """The canonical lot code: as for certificate numbers (a lot is one lot however it was spaced or cased).

    >>> lot_key("rbn-251121 ") == lot_key("RBN-251121")
    True
    """
    return _visible(lot_code).upper()


@lru_cache(maxsize=4096)
def _alias_form(name: str) -> str:
    """Letters and digits only, upper case, after NFKC: "LPPOM-MUI", "lppom mui " and "LPPOM MUI" agree."""
    return "".join(c for c in unicodedata.normalize("NFKC", name).upper() if c.isalnum())


@cache
def _issuer_aliases() -> dict[str, str]:
    data = json.loads(_REFERENCE.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for body in data["issuer_registry"]:
        for name in (body["key"], *body["aliases"]):
            aliases[_alias_form(name)] = body["key"]
    return aliases


def issuer_key(issuer: str) -> str:
    """The canonical issuer: the registry key of a known body (through its aliases), else its letters and digits.

    >>> issuer_key("bpjph "), issuer_key("Badan Penyelenggara Jaminan Produk Halal"), issuer_key("LPPOM-MUI")
    ('BPJPH', 'BPJPH', 'MUI')
    >>> issuer_key("Andaman  Halal Audit Bureau")
    'ANDAMANHALALAUDITBUREAU'
    """
    form = _alias_form(issuer)
    return _issuer_aliases().get(form, form)


#: The marketplaces a listing can be registered on, by their canonical host. A listing elsewhere (a page of the
#: producer's own) is not a marketplace listing: anyone could make it ask our badge, so it proves nothing.
MARKETPLACES = frozenset(
    {
        "tokopedia.com",
        "shopee.co.id",
        "bukalapak.com",
        "lazada.co.id",
        "blibli.com",
        "tiktok.com",
        "zalora.co.id",
        "bhinneka.com",
        "grab.com",
        "gofood.co.id",
    }
)


def marketplace_key(host: str) -> str | None:
    """The marketplace a host belongs to (``m.tokopedia.com`` is tokopedia.com), or None for any other host.

    >>> [marketplace_key(h) for h in ("WWW.Tokopedia.com", "shop.tiktok.com", "tokopedia.com.evil.id")]
    ['tokopedia.com', 'tiktok.com', None]
    """
    host = host.strip().lower().rstrip(".")
    for known in MARKETPLACES:
        if host == known or host.endswith("." + known):
            return known
    return None
