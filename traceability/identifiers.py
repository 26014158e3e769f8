"""Checks for the identifiers Indonesian and GS1 records carry: NIB and GTIN."""

from __future__ import annotations

import re

__all__ = ["gtin14", "gtin_check_digit", "is_valid_gtin", "is_valid_nib"]

_NIB = re.compile(r"^\d{13}$")
_GTIN = re.compile(r"^(\d{8}|\d{12}|\d{13}|\d{14})$")


def is_valid_nib(nib: str) -> bool:
    """Say whether `nib` has the form of a Nomor Induk Berusaha: exactly 13 digits.

    >>> is_valid_nib("1208230044517"), is_valid_nib("12082300445")
    (True, False)
    """
    return bool(_NIB.match(nib))


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the digits of `body` (a GTIN without its last digit).

    >>> gtin_check_digit("899447100023")
    7
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(gtin: str) -> bool:
    """Say whether `gtin` is a GTIN-8, -12, -13 or -14 with a correct check digit.

    >>> is_valid_gtin("8994471000237"), is_valid_gtin("8994471000238")
    (True, False)
    """
    return bool(_GTIN.match(gtin)) and gtin_check_digit(gtin[:-1]) == int(gtin[-1])


def gtin14(gtin: str) -> str:
    """Return `gtin` left-padded to the 14 digits GS1 Digital Link uses.

    >>> gtin14("8994471000237")
    '08994471000237'
    """
    return gtin.zfill(14)
