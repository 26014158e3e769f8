"""What a witness does with each new checkpoint of a journal: check that it extends the last one it cosigned, then
cosign it.

A witness (BPJPH, a marketplace, a university) keeps the last checkpoint it cosigned. A new checkpoint must be
signed by the log's pinned key and be consistent with that one (RFC 9162 consistency proof); a smaller tree, or
the same size with another root, or a proof that fails, means the log rewrote its history, and the witness
refuses to sign. Its cosignatures (C2SP tlog-cosignature/v1) go back to the operator and to anyone who asks, and
``halal-trace journal verify --checkpoint NOTE --witness KEY`` checks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from traceability import checkpoints, merkle
from traceability.checkpoints import NoteError, SignedNote

__all__ = ["ForkError", "witness"]

ConsistencyProof = Callable[[int, int], Sequence[bytes]]


class ForkError(NoteError):
    """The log's new checkpoint does not extend the one the witness cosigned before."""


def witness(
    text: str,
    log_keys: Iterable[str],
    *,
    previous: str | None,
    proof: ConsistencyProof,
    name: str,
    private: Ed25519PrivateKey,
    timestamp: int,
) -> str:
    """Cosign the checkpoint note `text` if one of the log's keys signed it and it extends `previous` (a note, or
    None for the first); `proof(m, n)` fetches the log's consistency proof between sizes m and n. `log_keys` are
    the log's verifier keys (``name+hash+base64``, one name): every key of a rotated ring.

    Raises
    ------
    NoteError
        If the note is malformed or signed by none of `log_keys`.
    ForkError
        If it does not extend `previous`.
    """
    parsed = [checkpoints.parse_verifier_key(key) for key in log_keys]
    names = {name for name, _, _ in parsed}
    if len(names) != 1:
        raise NoteError("Give the log's verifier keys, all under the log's one name.")
    (log_name,) = names
    publics = [public for _, _, public in parsed]
    note = checkpoints.verify(text, log_name, publics)
    if previous is not None:
        _extends(checkpoints.verify(previous, log_name, publics), note, proof)
    return checkpoints.cosign(text, name, private, timestamp)


def _extends(old: SignedNote, new: SignedNote, proof: ConsistencyProof) -> None:
    before, after = old.checkpoint, new.checkpoint
    if before.origin != after.origin:
        raise ForkError(f"The log's name changed from {before.origin} to {after.origin}.")
    if after.size < before.size:
        raise ForkError(f"The log shrank from {before.size} to {after.size} entries: it was cut back.")
    hashes = [] if after.size == before.size else list(proof(before.size, after.size))
    try:
        merkle.verify_consistency(before.size, after.size, before.root, after.root, hashes)
    except merkle.ProofError as exc:
        raise ForkError(f"The tree of {after.size} entries does not extend the one of {before.size}: {exc}") from None
