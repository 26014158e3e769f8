"""Signed checkpoints of the journal's tree in the C2SP tlog-checkpoint "signed note" form, and cosignatures.

A checkpoint says "the log named <origin> had <size> entries with this root". Its text is the note body (origin
line, decimal size, base64 root, each ending in a newline); a blank line; then one signature line per signer:
``— <key name> base64(key hash || signature)`` (C2SP signed-note, Ed25519, key hash = the first four bytes of
SHA-256(name || 0x0A || 0x01 || public key)). Witnesses add C2SP tlog-cosignature/v1 lines (key type 0x04; the
signed message is ``cosignature/v1\\ntime <t>\\n`` followed by the body) to the same note. Unknown signature lines
are kept and ignored, as the format asks, so a cosigned checkpoint still verifies against our keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "Checkpoint",
    "NoteError",
    "SignedNote",
    "cosign",
    "key_hash",
    "parse",
    "parse_verifier_key",
    "sign",
    "verifier_key",
    "verify",
    "verify_cosignatures",
]

_DASH = "\u2014 "
ED25519 = 0x01
COSIGNATURE = 0x04
_MAX_NOTE = 64 * 1024


class NoteError(ValueError):
    """A note that is malformed, or not signed by a key we know."""


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, public: Ed25519PublicKey, kind: int = ED25519) -> bytes:
    """The four bytes that name a key in a signature line."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + _raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey, kind: int = ED25519) -> str:
    """The key as note tools print it: ``name+hex key hash+base64(type || public key)``."""
    encoded = base64.b64encode(bytes([kind]) + _raw(public)).decode()
    return f"{name}+{key_hash(name, public, kind).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, int, Ed25519PublicKey]:
    """Read a verifier key: ``(name, key type, public key)``."""
    try:
        name, hex_hash, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        kind, public = raw[0], Ed25519PublicKey.from_public_bytes(raw[1:])
    except (ValueError, IndexError, binascii.Error):
        raise NoteError("Not a verifier key (name+hash+base64 key).") from None
    if kind not in (ED25519, COSIGNATURE) or key_hash(name, public, kind).hex() != hex_hash:
        raise NoteError("The verifier key's hash does not match its name and key.")
    return name, kind, public


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint asserts."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        """The signed text.

        >>> Checkpoint("example.org/log", 1, bytes(32)).body()
        'example.org/log\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n'
        """
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A parsed checkpoint note: its claim, its exact body, and every signature line as ``(name, bytes)``."""

    checkpoint: Checkpoint
    body: str
    signatures: tuple[tuple[str, bytes], ...]

    def text(self) -> str:
        lines = "".join(f"{_DASH}{name} {base64.b64encode(sig).decode()}\n" for name, sig in self.signatures)
        return f"{self.body}\n{lines}"


def sign(checkpoint: Checkpoint, name: str, private: Ed25519PrivateKey) -> str:
    """The note text of `checkpoint` signed by `private` under key name `name`."""
    body = checkpoint.body()
    signature = key_hash(name, private.public_key()) + private.sign(body.encode())
    return SignedNote(checkpoint, body, ((name, signature),)).text()


def cosign(text: str, name: str, private: Ed25519PrivateKey, timestamp: int) -> str:
    """Add a witness's tlog-cosignature/v1 line to a note (what a witness does; used by tests and tooling)."""
    note = parse(text)
    message = f"cosignature/v1\ntime {timestamp}\n{note.body}".encode()
    line = key_hash(name, private.public_key(), COSIGNATURE) + timestamp.to_bytes(8, "big") + private.sign(message)
    return SignedNote(note.checkpoint, note.body, (*note.signatures, (name, line))).text()


def parse(text: str) -> SignedNote:
    """Read a note's body and signature lines; raise :class:`NoteError` if it is not a checkpoint note."""
    if len(text) > _MAX_NOTE:
        raise NoteError("The note is too long.")
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise NoteError("A signed note is a body, a blank line and signature lines.")
    body, block = text[: split + 1], text[split + 2 :]
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or not lines[1].isascii() or not lines[1].isdigit():
        raise NoteError("A checkpoint body is an origin line, a decimal tree size and a base64 root hash.")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        raise NoteError("The root hash is not base64.") from None
    if len(root) != 32 or (len(lines[1]) > 1 and lines[1].startswith("0")):
        raise NoteError("The checkpoint's size or root hash is malformed.")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError("A signature line starts with an em dash and a space.")
        name, _, encoded = line[len(_DASH) :].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError("A signature is not base64.") from None
        if not name or len(raw) < 5:
            raise NoteError("A signature line names its key and carries a key hash and a signature.")
        signatures.append((name, raw))
    if not signatures:
        raise NoteError("The note has no signature.")
    return SignedNote(Checkpoint(lines[0], int(lines[1]), root), body, tuple(signatures))


def verify(text: str, name: str, keys: Iterable[Ed25519PublicKey]) -> SignedNote:
    """Parse a note and check that one of `keys`, under key name `name`, signed it.

    Raises
    ------
    NoteError
        If the note is malformed or no known key's signature on it verifies.
    """
    note = parse(text)
    by_hash = {key_hash(name, key): key for key in keys}
    for signer, raw in note.signatures:
        key = by_hash.get(raw[:4]) if signer == name else None
        if key is None:
            continue
        try:
            key.verify(raw[4:], note.body.encode())
        except InvalidSignature:
            raise NoteError("The log's signature on the checkpoint does not match it.") from None
        return note
    raise NoteError(f"The checkpoint carries no signature by {name}'s known keys.")


def verify_cosignatures(note: SignedNote, witnesses: Mapping[str, Ed25519PublicKey]) -> list[str]:
    """The names of the `witnesses` whose tlog-cosignature/v1 on `note` verifies (others are ignored).

    Raises
    ------
    NoteError
        If a line claims to be a known witness's cosignature but does not verify.
    """
    good = []
    for signer, raw in note.signatures:
        key = witnesses.get(signer)
        if key is None or raw[:4] != key_hash(signer, key, COSIGNATURE):
            continue
        if len(raw) != 4 + 8 + 64:
            raise NoteError(f"{signer}'s cosignature is malformed.")
        timestamp = int.from_bytes(raw[4:12], "big")
        try:
            key.verify(raw[12:], f"cosignature/v1\ntime {timestamp}\n{note.body}".encode())
        except InvalidSignature:
            raise NoteError(f"{signer}'s cosignature does not match the checkpoint.") from None
        good.append(signer)
    return good
