"""The printed form of a verification code: which URL a label carries, and reading one back.

Two forms (DESIGN section 7): with a GTIN, the GS1 Digital Link ``{base}/01/{gtin14}/10/{lot}``; without one,
``{base}/v/{code}``. Both get the same query: ``c`` (the code, Digital Link form only, since the path names the
batch but not the code) and ``s``, a dot-separated token ``{kid}.{batch}.{product}.{issued_at}.{signature}``
that carries the rest of the claims, so the URL alone can be checked offline.
"""

from __future__ import annotations

import re
import secrets
from base64 import b32encode
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from qr import digital_link
from qr.signing import Claims, PublicKeys, SignatureError

# Claims and SignatureError too: what signed_url takes and the readers raise.
__all__ = ["Claims", "SignatureError", "SignedCode", "new_code", "read_url", "short_url", "signed_url", "verify_url"]

CODE_BYTES = 10  # 80 random bits: the issue asks for at least 64
_CODE = re.compile(r"^[a-z2-7]{16}$")
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{1,16})\.(\d{1,12})\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{86})$")


def new_code() -> str:
    """A fresh random code: 80 bits in lowercase base32 (16 characters, no padding, no look-alike 0/1/8/9)."""
    return b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").lower()


def is_code(text: str) -> bool:
    """Say whether `text` has the shape of a code (checked before any database lookup).

    >>> is_code("abcdefghijklmnop"), is_code("ABC"), is_code("abcdefghijklmno1")
    (True, False, False)
    """
    return bool(_CODE.fullmatch(text))


def short_url(base_url: str, code: str) -> str:
    """The short, typeable URL printed under a label's QR code."""
    return f"{base_url.rstrip('/')}/v/{code}"


def signed_url(base_url: str, claims: Claims, kid: str, signature: str, *, gtin: str | None, lot: str | None) -> str:
    """The URL a label's QR code carries: the Digital Link when the product has a GTIN and the lot code fits
    GS1's character set, else ``/v/{code}`` (a UMKM's own lot codes need not follow GS1 rules)."""
    token = f"{kid}.{claims.batch}.{claims.product}.{claims.issued_at}.{signature}"
    if gtin and lot and digital_link.valid_lot(lot):
        return digital_link.build(base_url, gtin, lot, {"c": claims.code, "s": token})
    return f"{short_url(base_url, claims.code)}?s={quote(token, safe='.')}"


@dataclass(frozen=True, slots=True)
class SignedCode:
    """What a printed URL says: its claims, key id and signature, plus the GTIN and lot of a Digital Link."""

    claims: Claims
    kid: str
    signature: str
    gtin: str | None = None
    lot: str | None = None


def read_url(url: str) -> SignedCode:
    """Extract the signed claims from a printed URL, without checking the signature.

    Raises
    ------
    SignatureError
        If the URL is neither form, or its code or token is malformed.
    """
    parts = urlsplit(url)
    gtin = lot = None
    if re.search(r"/v/[^/]+$", parts.path):
        code = parts.path.rsplit("/", 1)[1]
        query = dict(parse_qsl(parts.query))
    else:
        try:
            link = digital_link.parse(url)
        except digital_link.DigitalLinkError as exc:
            raise SignatureError(f"Not a verification URL: {exc}") from None
        gtin, lot, query = link.gtin, link.lot, link.extensions
        code = query.get("c", "")
    if not is_code(code):
        raise SignatureError("The URL carries no well-formed code.")
    match = _TOKEN.fullmatch(query.get("s", ""))
    if match is None:
        raise SignatureError("The URL carries no well-formed signature token (s=).")
    kid, batch, product, issued_at, signature = match.groups()
    return SignedCode(Claims(code, int(batch), int(product), int(issued_at)), kid, signature, gtin, lot)


def verify_url(url: str, keys: PublicKeys) -> SignedCode:
    """Read a printed URL and check its signature offline.

    Raises
    ------
    SignatureError
        If the URL is malformed, the key unknown, or the signature does not match.
    """
    signed = read_url(url)
    keys.verify(signed.claims, signed.kid, signed.signature)
    return signed
