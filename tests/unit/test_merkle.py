"""The Merkle tree against the RFC 9162 reference vectors and a plain recursive reading of section 2.1."""

import hashlib
import json
import random

import pytest

from tests.helpers import EXAMPLES
from traceability import merkle

VECTORS = json.loads((EXAMPLES.parent / "merkle_vectors.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves"]]


# --- an independent implementation: section 2.1 read literally, over the list of entries -----------------------


def mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, entries[:k], b), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def proof(m: int, entries: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(entries)) else subproof(m, entries, True)


def tree_of(entries: list[bytes]) -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(e) for e in entries)


# --- the reference vectors ---------------------------------------------------------------------------------------


def test_roots_of_the_reference_tree():
    tree = tree_of(LEAVES)

    assert merkle.EMPTY_ROOT.hex() == VECTORS["empty_root"]
    assert [tree.root(n).hex() for n in range(1, 9)] == VECTORS["roots"]
    assert [mth(LEAVES[:n]).hex() for n in range(1, 9)] == VECTORS["roots"]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_inclusion_vectors(case):
    tree = tree_of(LEAVES)
    index, size = case["index"], case["size"]
    expected = [bytes.fromhex(h) for h in case["proof"]]
    root = bytes.fromhex(VECTORS["roots"][size - 1])

    assert merkle.inclusion_proof(tree.node, index, size) == expected
    merkle.verify_inclusion(index, size, merkle.leaf_hash(LEAVES[index]), expected, root)


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['first']}-to-{c['second']}")
def test_consistency_vectors(case):
    tree = tree_of(LEAVES)
    first, second = case["first"], case["second"]
    expected = [bytes.fromhex(h) for h in case["proof"]]
    roots = [bytes.fromhex(VECTORS["roots"][n - 1]) for n in (first, second)]

    assert merkle.consistency_proof(tree.node, first, second) == expected
    merkle.verify_consistency(first, second, *roots, expected)


# --- against the literal implementation, every size up to 40 -------------------------------------------------------


ENTRIES = [f"entry {i}".encode() for i in range(40)]
TREE = tree_of(ENTRIES)


@pytest.mark.parametrize("size", range(1, 41))
def test_roots_and_proofs_match_the_recursive_definition(size):
    assert TREE.root(size) == mth(ENTRIES[:size])
    for index in range(size):
        assert merkle.inclusion_proof(TREE.node, index, size) == path(index, ENTRIES[:size])
        merkle.verify_inclusion(
            index, size, merkle.leaf_hash(ENTRIES[index]), path(index, ENTRIES[:size]), mth(ENTRIES[:size])
        )
    for first in range(size + 1):
        assert merkle.consistency_proof(TREE.node, first, size) == proof(first, ENTRIES[:size])
        merkle.verify_consistency(first, size, mth(ENTRIES[:first]), mth(ENTRIES[:size]), proof(first, ENTRIES[:size]))


def test_a_compact_range_rebuilt_from_stored_nodes_continues_the_same_tree():
    edge = merkle.CompactRange.at(23, TREE.node)
    for entry in ENTRIES[23:]:
        edge.append(merkle.leaf_hash(entry))

    assert edge.root() == mth(ENTRIES)


# --- what must fail --------------------------------------------------------------------------------------------------


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 8]) + h[1:]


@pytest.mark.parametrize(("index", "size"), [(0, 8), (5, 8), (2, 3), (1, 5), (12, 37)])
def test_corrupted_inclusion_proofs_fail(index, size):
    good = path(index, ENTRIES[:size])
    root, leaf = mth(ENTRIES[:size]), merkle.leaf_hash(ENTRIES[index])
    bad = [
        (index ^ 1, size, leaf, good, root),
        (index, size * 2, leaf, good, root),
        (index, size, merkle.leaf_hash(b"forged"), good, root),
        (index, size, leaf, good, merkle.EMPTY_ROOT),
        (index, size, leaf, [*good, root], root),
        (index, size, leaf, [root, *good], root),
        (index, size, leaf, good[:-1], root),
        *[(index, size, leaf, [*good[:i], _flip(good[i]), *good[i + 1 :]], root) for i in range(len(good))],
    ]
    for case in bad:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*case)


@pytest.mark.parametrize(("first", "second"), [(1, 8), (6, 8), (2, 5), (6, 7), (13, 37)])
def test_corrupted_consistency_proofs_fail(first, second):
    good = proof(first, ENTRIES[:second])
    r1, r2 = mth(ENTRIES[:first]), mth(ENTRIES[:second])
    bad = [
        (first - 1, second, r1, r2, good),
        (first + 1, second, r1, r2, good),
        (first, second * 2, r1, r2, good),
        (first, second, r2, r1, good),
        (first, second, r1, merkle.EMPTY_ROOT, good),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*good, r1]),
        (first, second, r1, r2, [r2, *good]),
        (first, second, r1, r2, good[:-1]),
        (second, first, r2, r1, good),
        *[(first, second, r1, r2, [*good[:i], _flip(good[i]), *good[i + 1 :]]) for i in range(len(good))],
    ]
    for case in bad:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*case)


def test_random_large_trees_agree_with_the_definition():
    rng = random.Random(9162)
    entries = [rng.randbytes(rng.randrange(0, 20)) for _ in range(300)]
    tree = tree_of(entries)
    for _ in range(50):
        size = rng.randrange(1, 301)
        first, index = rng.randrange(0, size + 1), rng.randrange(0, size)
        assert merkle.inclusion_proof(tree.node, index, size) == path(index, entries[:size])
        assert merkle.consistency_proof(tree.node, first, size) == proof(first, entries[:size])
