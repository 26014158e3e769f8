"""Signing, key ring and QR size: pure functions of qr/, no database."""

from __future__ import annotations

import io
import stat

import pytest
from PIL import Image

from qr import codes, render
from qr.signing import Claims, KeyRing, PublicKeys, SignatureError
from tests.helpers import qr_texts

CLAIMS = Claims("abcdefghijklmnop", 12345, 678, 1764280000)


def test_key_ring_is_created_once_private_and_rotates_keeping_old_keys(tmp_path):
    first = KeyRing.open(tmp_path / "keys")
    again = KeyRing.open(tmp_path / "keys")
    kid, signature = first.sign(CLAIMS)

    rotated = KeyRing.rotate(tmp_path / "keys")

    assert again.active == first.active
    assert rotated.active != first.active
    assert set(rotated.keys) == {first.active, rotated.active}
    rotated.verify(CLAIMS, kid, signature)  # still valid after rotation
    assert stat.S_IMODE((tmp_path / "keys" / f"{kid}.pem").stat().st_mode) == 0o600


def test_every_changed_claim_breaks_the_signature(tmp_path):
    ring = KeyRing.open(tmp_path)
    kid, signature = ring.sign(CLAIMS)
    keys = PublicKeys.from_jwks(ring.jwks())

    for altered in (
        Claims("abcdefghijklmnoq", 12345, 678, 1764280000),
        Claims(CLAIMS.code, 12346, 678, 1764280000),
        Claims(CLAIMS.code, 12345, 679, 1764280000),
        Claims(CLAIMS.code, 12345, 678, 1764280001),
    ):
        with pytest.raises(SignatureError):
            keys.verify(altered, kid, signature)
    with pytest.raises(SignatureError, match="Unknown signing key"):
        keys.verify(CLAIMS, "nokey", signature)
    keys.verify(CLAIMS, kid, signature)


def test_a_typical_code_is_version_10_m_or_less_and_decodes_printed_at_2_cm(tmp_path):
    ring = KeyRing.open(tmp_path)
    kid, signature = ring.sign(CLAIMS)
    url = codes.signed_url(
        "https://trace.halal.example.id", CLAIMS, kid, signature, gtin="8994471000237", lot="RBN-251118"
    )

    version = render.qr_version(url)
    # 2 cm at 203 dpi (a thermal label printer): 160 dots for the symbol and its quiet zone.
    printed = Image.open(io.BytesIO(render.png(url, 1))).convert("L").resize((160, 160))

    assert version <= 10
    assert qr_texts(printed) == [url]


def test_read_url_refuses_malformed_tokens():
    for bad in (
        "https://t.example/v/abcdefghijklmnop",
        "https://t.example/v/short?s=a.1.2.3.x",
        "https://t.example/01/08994471000237/10/L1?s=x",
    ):
        with pytest.raises(SignatureError):
            codes.read_url(bad)
