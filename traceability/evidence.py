"""Which kind of file a scanned certificate is, judged by its first bytes (pure).

The declared type and the file name are the sender's claims; the leading "magic" bytes are what
a viewer will actually parse, so only they decide.
"""

from __future__ import annotations

__all__ = ["ACCEPTED", "EXTENSIONS", "sniff"]

#: Accepted media types and the signature each file of that kind starts with.
ACCEPTED: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def sniff(content: bytes) -> str | None:
    """The accepted media type `content` is, or None when it is none of them."""
    for media_type, signatures in ACCEPTED.items():
        if content.startswith(signatures):
            return media_type
    return None
