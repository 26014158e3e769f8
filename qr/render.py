"""QR images of a printed URL: PNG and SVG, cached, since rendering costs milliseconds and never changes."""

from __future__ import annotations

import functools
import io
from typing import Any

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

__all__ = ["ERROR_CORRECTION", "png", "qr_version", "svg"]

# M (15 % recovery) survives the scuffs and smudges of a printed pack; docs/reference/codes.md gives its version.
ERROR_CORRECTION = ERROR_CORRECT_M
BORDER = 4  # the quiet zone the QR specification requires


def _code(payload: str, box_size: int) -> qrcode.QRCode[Any]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=BORDER)
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_version(payload: str) -> int:
    """The QR version (size) `payload` needs at our error-correction level.

    >>> qr_version("https://trace.example/v/abcdefghijklmnop")
    3
    """
    return _code(payload, 1).version


@functools.lru_cache(maxsize=4096)
def png(payload: str, box_size: int = 8) -> bytes:
    """A 1-bit PNG of `payload`."""
    buffer = io.BytesIO()
    _code(payload, box_size).make_image().save(buffer)
    return buffer.getvalue()


@functools.lru_cache(maxsize=4096)
def svg(payload: str, box_size: int = 10) -> bytes:
    """A standalone SVG (one path) of `payload`; scales to any print size."""
    image = _code(payload, box_size).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    data: bytes = image.to_string(encoding="utf-8")  # the stubs leave its return type open
    return data
