"""Ed25519 signatures over a code's claims, the key ring kept in files, and the offline check.

A signed code carries its claims in the URL it prints, so anyone holding our public keys (the JWKS at
``/.well-known/jwks.json``) can check it without asking the server. Keys are files, never rows: a database
dump must not be enough to forge codes. Rotation adds a key and makes it the signing key; old public keys stay
listed (and old codes valid) until their file is removed.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["Claims", "KeyRing", "PublicKeys", "SignatureError", "b64url", "unb64url"]

CLAIMS_VERSION = "ht1"
_ACTIVE = "active"


class SignatureError(ValueError):
    """A signature is missing, malformed, made with an unknown key, or does not match its claims."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise SignatureError("Not base64url.") from exc


@dataclass(frozen=True, slots=True)
class Claims:
    """What a code asserts: this code names this batch of this product, issued at this second (Unix time)."""

    code: str
    batch: int
    product: int
    issued_at: int

    def canonical(self) -> bytes:
        """The exact bytes signed: a version tag and the four claims, dot-separated, ASCII.

        >>> Claims("abc", 7, 3, 1700000000).canonical()
        b'ht1.abc.7.3.1700000000'
        """
        return f"{CLAIMS_VERSION}.{self.code}.{self.batch}.{self.product}.{self.issued_at}".encode("ascii")


def key_id(public: Ed25519PublicKey) -> str:
    """A short key id: the start of the RFC 7638 JWK thumbprint of the public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}, separators=(",", ":"))
    return b64url(hashlib.sha256(members.encode()).digest())[:8]


def _jwk(kid: str, public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "alg": "EdDSA", "use": "sig"}


class PublicKeys:
    """Verification keys by key id: all an offline checker needs."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self.keys = dict(keys)

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> PublicKeys:
        """Read a JWK Set (RFC 7517) as served at ``/.well-known/jwks.json``; other key types are skipped."""
        keys: dict[str, Ed25519PublicKey] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid") and jwk.get("x"):
                raw = unb64url(jwk["x"])
                if len(raw) == 32:
                    keys[str(jwk["kid"])] = Ed25519PublicKey.from_public_bytes(raw)
        return cls(keys)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [_jwk(kid, key) for kid, key in sorted(self.keys.items())]}

    def verify(self, claims: Claims, kid: str, signature: str) -> None:
        """Check `signature` over `claims` with key `kid`.

        Raises
        ------
        SignatureError
            If the key is unknown or the signature does not match the claims.
        """
        key = self.keys.get(kid)
        if key is None:
            raise SignatureError(f"Unknown signing key {kid!r}.")
        raw = unb64url(signature)
        if len(raw) != 64:
            raise SignatureError("An Ed25519 signature has 64 bytes.")
        try:
            key.verify(raw, claims.canonical())
        except InvalidSignature:
            raise SignatureError("The signature does not match the code's claims.") from None


class KeyRing(PublicKeys):
    """The private keys in a directory (one PEM file per key id) and which one signs.

    The directory is created, with a first key, on first use. Files are written 0600 under an exclusive
    lock, so several server processes starting at once agree on one first key.
    """

    def __init__(self, directory: Path, private: Mapping[str, Ed25519PrivateKey], active: str) -> None:
        super().__init__({kid: key.public_key() for kid, key in private.items()})
        self.directory = directory
        self.private = dict(private)
        self.active = active

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> KeyRing:
        """Load the key ring in `directory`, creating the directory and a first key if there is none."""
        path = Path(directory)
        with _locked(path):
            private = _load(path)
            if not private:
                kid = _write_new_key(path)
                _set_active(path, kid)
                private = _load(path)
            active_file = path / _ACTIVE
            active = active_file.read_text().strip() if active_file.exists() else max(private)
            if active not in private:
                raise SignatureError(f"The active key {active!r} has no key file in {path}.")
        return cls(path, private, active)

    @classmethod
    def rotate(cls, directory: str | os.PathLike[str]) -> KeyRing:
        """Add a new key and make it the signing key; older keys stay for verification."""
        path = Path(directory)
        cls.open(path)
        with _locked(path):
            _set_active(path, _write_new_key(path))
        return cls.open(path)

    def sign(self, claims: Claims) -> tuple[str, str]:
        """Sign `claims` with the active key; return (key id, base64url signature)."""
        return self.active, b64url(self.private[self.active].sign(claims.canonical()))

    def stamp(self) -> tuple[int, ...]:
        """A cheap fingerprint of the directory, so a long-running process notices a rotation."""
        return _stamp(self.directory)


def _stamp(path: Path) -> tuple[int, ...]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0,)
    active = path / _ACTIVE
    return (stat.st_mtime_ns, active.stat().st_mtime_ns if active.exists() else 0)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _load(path: Path) -> dict[str, Ed25519PrivateKey]:
    keys: dict[str, Ed25519PrivateKey] = {}
    for file in sorted(path.glob("*.pem")):
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
        if isinstance(key, Ed25519PrivateKey):
            keys[file.stem] = key
    return keys


def _write_new_key(path: Path) -> str:
    key = Ed25519PrivateKey.generate()
    kid = key_id(key.public_key())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return kid


def _set_active(path: Path, kid: str) -> None:
    tmp = path / f".{_ACTIVE}.tmp"
    tmp.write_text(kid + "\n")
    os.replace(tmp, path / _ACTIVE)  # atomic: a reader sees the old or the new key id, never half
