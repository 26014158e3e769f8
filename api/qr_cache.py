"""QR images kept on disk and shared by every worker: a code's image never changes, and rendering one
costs ~25 ms (a version-10 code), so it is drawn once, not once per request and per process."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from flask import current_app

from api import config
from qr import render

RENDER = {"png": render.png, "svg": render.svg}


def _directory() -> Path:
    return config.directory(current_app, "QR_CACHE_DIR")


def digest(url: str, kind: str) -> str:
    """The name of the `kind` image of `url` (a hex SHA-256): its file's, and its ETag's start."""
    return hashlib.sha256(f"{kind}:{url}".encode()).hexdigest()


def image(url: str, kind: str, named: str | None = None) -> bytes:
    """The `kind` ("png" or "svg") image of `url`, from the disk cache or drawn and stored now (`named`: its
    :func:`digest`, if the caller has it)."""
    path = _directory() / f"{named or digest(url, kind)}.{kind}"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = RENDER[kind](url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside, then rename: a reader in another worker sees the whole file or none.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    return data


def warm(urls: Iterable[str]) -> None:
    """Draw the images of new codes ahead of their first scan."""
    for url in urls:
        for kind in RENDER:
            image(url, kind)
