"""RFC 9162 Merkle tree hashing and proofs (section 2.1), over whatever stores the tree's nodes.

A tree of ``size`` leaves is described by the hashes of its perfect subtrees: ``node(level, index)`` is the
root of the ``2**level`` leaves starting at ``index * 2**level``. Storage keeps those nodes (each written once,
when the sealer completes it), so the root of any earlier size and every proof costs O(log n) lookups, not a
pass over the leaves. Pure functions; the database is the service's job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "EMPTY_ROOT",
    "CompactRange",
    "MemoryTree",
    "NodeSource",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root_from_inclusion",
    "verify_consistency",
    "verify_inclusion",
]

#: MTH({}): the hash of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``node(level, index)``: the root of a perfect subtree, as stored.
NodeSource = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof does not match the tree sizes, hashes or root it is checked against."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf tree: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(node: NodeSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) built from stored perfect subtrees (the ranges the section 2.1 recursion visits)."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return node(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(range_hash(node, start, start + k), range_hash(node, start + k, end))


def inclusion_proof(node: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"Leaf {index} is not in a tree of {size}.")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(range_hash(node, start + k, end))
            end = start + k
        else:
            path.append(range_hash(node, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(node: NodeSource, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 section 2.1.4.1 (empty when ``first`` is 0 or ``second``)."""
    if not 0 <= first <= second:
        raise ProofError(f"No consistency proof from size {first} to {second}.")
    if first in (0, second):
        return []
    proof: list[bytes] = []
    start, end, whole = 0, second, True
    m = first
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append(range_hash(node, start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append(range_hash(node, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(node, start, start + k))
            start, m, whole = start + k, m - k, False
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root a proof leads to, by the algorithm of RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise ProofError(f"Leaf {index} is not in a tree of {size}.")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("The proof is longer than the tree is deep.")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("The proof is shorter than the tree is deep.")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf ``index`` in the tree of ``size`` with ``root``."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("The inclusion proof does not lead to the root.")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows the tree of ``first`` is a prefix of ``second``.

    RFC 9162 section 2.1.4.2, with its edge cases: equal sizes need equal roots and no proof; size 0 is a prefix
    of everything.
    """
    if not 0 <= first <= second:
        raise ProofError(f"A tree of {second} cannot extend one of {first}.")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError("Equal sizes need equal roots and an empty proof.")
        return
    if first == 0:
        if proof:
            raise ProofError("Every tree extends the empty one: the proof must be empty.")
        return
    if not proof:
        raise ProofError("The consistency proof is empty.")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("The proof is longer than the tree is deep.")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ProofError("The consistency proof does not join the two roots.")


@dataclass(slots=True)
class CompactRange:
    """The right edge of a tree: one perfect subtree per set bit of ``size``, largest first.

    Enough to append leaves (each append reports the perfect nodes it completes, for storage) and to compute
    the root, without the rest of the tree.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @staticmethod
    def positions(size: int) -> list[tuple[int, int]]:
        """``(level, index)`` of the perfect subtrees that make up a tree of ``size``, largest first."""
        out, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                out.append((level, start >> level))
                start += 1 << level
        return out

    @classmethod
    def at(cls, size: int, node: NodeSource) -> CompactRange:
        """The compact range of the stored tree's first ``size`` leaves."""
        return cls(size, [node(level, index) for level, index in cls.positions(size)])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the ``(level, index, hash)`` nodes completed, the leaf itself first."""
        done = [(0, self.size, leaf)]
        self.hashes.append(leaf)
        index, level, h = self.size, 0, leaf
        while index & 1:
            right = self.hashes.pop()
            left = self.hashes.pop()
            h = node_hash(left, right)
            index >>= 1
            level += 1
            self.hashes.append(h)
            done.append((level, index, h))
        self.size += 1
        return done

    def root(self) -> bytes:
        """MTH of the whole range."""
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r


class MemoryTree:
    """Every perfect node of a tree held in memory: for offline checks, tests and benchmarks."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.edge = CompactRange()
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return self.edge.size

    def append(self, leaf: bytes) -> None:
        for level, index, h in self.edge.append(leaf):
            self.nodes[level, index] = h

    def node(self, level: int, index: int) -> bytes:
        return self.nodes[level, index]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (all of them by default)."""
        return range_hash(self.node, 0, self.size if size is None else size)
