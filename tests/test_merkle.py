"""RFC 9162 Merkle trees: the published hasher vectors, a naive oracle written from the RFC's text, and pymerkle.

The oracle below (``mth``, ``path``, ``subproof``) is the RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 recursion
taken literally over the data list. It is slow, and simple enough to check by eye. The stored-node implementation
must agree with it for every root, every audit path and every consistency proof.

The peer is pymerkle's ``InmemoryTree(algorithm="sha256")`` with its default settings. Its default "security"
mode prefixes leaves with 0x00 and nodes with 0x01. It hashes the empty tree as SHA-256(b""), and it splits a
range at the largest power of two below its width. That is exactly RFC 9162's MTH, so nothing needs configuring.
The one thing to keep is ``disable_security=False``; with it on, the tree is not RFC 9162's. Its inclusion proofs
are a leaf hash followed by the RFC's PATH, so ``proof.path[1:]`` must equal ours. Its consistency proofs use
another layout and are not compared. pymerkle is not a project dependency, so the tests that use it skip
without it.

RFC 9162 verification cannot tell a wrong size when the wrong size gives the same shape of proof: the same length
and the same left or right side at every step. The tree size is not hashed into the root, so it is only as good as
the signed tree head it comes from. The tests therefore require a refusal exactly when the shape differs, and show
one case where a wrong size passes.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.crypto.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    TreeError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from detente.errors import DetenteError, InputError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the oracle: RFC 9162 §2.1 as written -------------------------------------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two strictly less than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: Sequence[bytes]) -> bytes:
    if len(d) == 0:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _k(len(d))
    return _sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    return subproof(m, d, True)


def inclusion_sides(index: int, size: int) -> list[bool]:
    """The §2.1.3.2 walk without hashes: for each proof element, whether it is hashed on the left."""
    fn, sn, sides = index, size - 1, []
    while sn:
        left = bool(fn & 1) or fn == sn
        sides.append(left)
        if left:
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        fn, sn = fn >> 1, sn >> 1
    return sides


def consistency_shape(old: int, new: int) -> tuple[bool, list[bool]]:
    """The §2.1.4.2 walk without hashes: whether the old root is prepended, and the side of each later element."""
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return old & (old - 1) == 0, inclusion_sides(fn, sn + 1)


def datas(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    return [rng.randbytes(rng.randrange(0, 24)) for _ in range(n)]


def tree_of(d: Sequence[bytes]) -> MerkleTree:
    return MerkleTree.from_leaf_hashes([leaf_hash(x) for x in d])


def pymerkle_tree(d: Sequence[bytes]) -> Any:
    pymerkle = pytest.importorskip("pymerkle")
    tree = pymerkle.InmemoryTree(algorithm="sha256")  # security on (the default): 0x00 / 0x01 prefixes
    tree.append_entries(list(d))
    return tree


def flip(b: bytes, bit: int = 0) -> bytes:
    return bytes([b[0] ^ (1 << bit)]) + b[1:]


# --- hashing ---------------------------------------------------------------------------------------------------


def test_published_hasher_vectors() -> None:
    assert leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


def test_empty_tree() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert MerkleTree().root() == EMPTY_ROOT == mth([])
    assert MerkleTree().size == 0
    assert MerkleTree().levels() == [[]]


def test_errors_belong_to_the_family() -> None:
    assert issubclass(ProofError, DetenteError)
    assert not issubclass(ProofError, InputError)
    assert issubclass(TreeError, InputError)


# --- the stored-node tree against the oracle -------------------------------------------------------------------


def test_every_root_path_and_proof_of_small_trees_match_the_rfc_and_verify() -> None:
    d = datas(70)
    tree = tree_of(d)
    for n in range(len(d) + 1):
        root = tree.root(n)
        assert root == mth(d[:n])
        for i in range(n):
            audit = tree.inclusion_proof(i, n)
            assert audit == path(i, d[:n])
            verify_inclusion(leaf_hash(d[i]), i, n, audit, root)
        for m in range(n + 1):
            consistency = tree.consistency_proof(m, n)
            assert consistency == (proof(m, d[:n]) if m > 0 else [])
            verify_consistency(m, n, tree.root(m), root, consistency)


def test_sampled_proofs_of_a_larger_tree_match_the_rfc_and_verify() -> None:
    d = datas(3000, seed=1)
    tree = tree_of(d)
    rng = random.Random(2)  # noqa: S311 - reproducible test data, not cryptography
    for _ in range(60):
        n = rng.randrange(1, len(d) + 1)
        i, m = rng.randrange(n), rng.randrange(1, n + 1)
        assert tree.root(n) == mth(d[:n])
        assert tree.inclusion_proof(i, n) == path(i, d[:n])
        assert tree.consistency_proof(m, n) == proof(m, d[:n])
    for _ in range(2000):
        n = rng.randrange(1, len(d) + 1)
        i, m = rng.randrange(n), rng.randrange(0, n + 1)
        verify_inclusion(tree.leaf(i), i, n, tree.inclusion_proof(i, n), tree.root(n))
        verify_consistency(m, n, tree.root(m), tree.root(n), tree.consistency_proof(m, n))


@SETTINGS
@given(st.lists(st.binary(max_size=40), max_size=300), st.randoms(use_true_random=False))
def test_random_trees_agree_with_pymerkle_and_the_oracle(d: list[bytes], rng: random.Random) -> None:
    tree = tree_of(d)
    peer = pymerkle_tree(d)
    n = len(d)
    assert tree.root() == peer.get_root() == mth(d)
    for size in {0, n, rng.randrange(n + 1), rng.randrange(n + 1)}:
        assert tree.root(size) == tree_of(d[:size]).root() == peer.get_root(size)
    for _ in range(10 if n else 0):
        size = rng.randrange(1, n + 1)
        i, m = rng.randrange(size), rng.randrange(0, size + 1)
        audit = tree.inclusion_proof(i, size)
        assert audit == peer.prove_inclusion(i + 1, size).path[1:]
        verify_inclusion(leaf_hash(d[i]), i, size, audit, tree.root(size))
        verify_consistency(m, size, tree.root(m), tree.root(size), tree.consistency_proof(m, size))


@pytest.mark.parametrize("n", [1023, 1024, 1025, 4097, 20_001])
def test_larger_trees_agree_with_pymerkle(n: int) -> None:
    d = datas(n, seed=n)
    tree = tree_of(d)
    peer = pymerkle_tree(d)
    rng = random.Random(n)  # noqa: S311 - reproducible test data, not cryptography
    for size in (n, n - 1, 1, rng.randrange(1, n), rng.randrange(1, n)):
        assert tree.root(size) == peer.get_root(size)
        i = rng.randrange(size)
        assert tree.inclusion_proof(i, size) == peer.prove_inclusion(i + 1, size).path[1:]


@SETTINGS
@given(st.lists(st.binary(max_size=8), max_size=300), st.lists(st.integers(1, 40), max_size=10))
def test_every_way_of_building_gives_the_same_levels(d: list[bytes], chunks: list[int]) -> None:
    bulk = tree_of(d)
    one_by_one = MerkleTree()
    for i, x in enumerate(d):
        assert one_by_one.append(x) == i
    in_chunks, start = MerkleTree(), 0
    for size in [*chunks, len(d)]:
        in_chunks.extend(d[start : start + size])
        start += size
    assert bulk.levels() == one_by_one.levels() == in_chunks.levels()
    reloaded = MerkleTree.from_levels(bulk.levels(), verify=True)
    assert reloaded.levels() == bulk.levels()
    assert reloaded.root() == bulk.root()
    levels = bulk.levels()
    assert len(levels) == max(1, len(d).bit_length())
    assert all(len(level) == len(d) >> k for k, level in enumerate(levels))


def test_historical_roots_do_not_change_as_the_tree_grows() -> None:
    d = datas(600, seed=3)
    tree, roots = MerkleTree(), []
    for x in d:
        roots.append(tree.root())
        tree.append(x)
    assert [tree.root(n) for n in range(len(d))] == roots


def test_levels_that_are_not_a_tree_are_refused() -> None:
    levels = tree_of(datas(11)).levels()
    with pytest.raises(TreeError, match="levels"):
        MerkleTree.from_levels(levels[:-1])
    with pytest.raises(TreeError, match="level 1"):
        MerkleTree.from_levels([levels[0], levels[1][:-1], *levels[2:]])
    with pytest.raises(TreeError, match="32-byte"):
        MerkleTree.from_levels([levels[0], [levels[1][0][:31], *levels[1][1:]], *levels[2:]])
    tampered = [levels[0], levels[1], [flip(levels[2][0]), levels[2][1]], levels[3]]
    MerkleTree.from_levels(tampered)  # shape only: no rehashing unless asked
    with pytest.raises(ProofError, match="node 0 of level 2"):
        MerkleTree.from_levels(tampered, verify=True)


def test_requests_beyond_the_tree_are_refused() -> None:
    tree = tree_of(datas(5))
    with pytest.raises(TreeError):
        tree.root(6)
    with pytest.raises(TreeError):
        tree.root(-1)
    with pytest.raises(TreeError):
        tree.inclusion_proof(5)
    with pytest.raises(TreeError):
        tree.inclusion_proof(3, 3)
    with pytest.raises(TreeError):
        tree.inclusion_proof(0, 0)
    with pytest.raises(TreeError):
        tree.consistency_proof(4, 3)
    with pytest.raises(TreeError):
        tree.consistency_proof(2, 6)
    with pytest.raises(TreeError):
        tree.append_leaf_hash(b"\x00" * 31)
    with pytest.raises(TreeError):
        tree.extend_leaf_hashes([b"\x00" * 32, b"\x00" * 33])
    assert tree.size == 5


# --- verification refuses what it must ----------------------------------------------------------------------


def _refused(call: Any, *args: Any) -> str:
    with pytest.raises(ProofError) as caught:
        call(*args)
    return str(caught.value)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 33])
def test_tampered_inclusion_proofs_are_refused(n: int) -> None:
    tree = tree_of(datas(n, seed=n))
    root = tree.root()
    for i in range(n):
        leaf, audit = tree.leaf(i), tree.inclusion_proof(i)
        verify_inclusion(leaf, i, n, audit, root)
        _refused(verify_inclusion, flip(leaf), i, n, audit, root)
        _refused(verify_inclusion, leaf, i, n, audit, flip(root, 7))
        for j in range(len(audit)):
            for bit in (0, 5):
                _refused(verify_inclusion, leaf, i, n, [*audit[:j], flip(audit[j], bit), *audit[j + 1 :]], root)
            assert "31 bytes" in _refused(
                verify_inclusion, leaf, i, n, [*audit[:j], audit[j][:31], *audit[j + 1 :]], root
            )
            assert "33 bytes" in _refused(
                verify_inclusion, leaf, i, n, [*audit[:j], audit[j] + b"\0", *audit[j + 1 :]], root
            )
        assert "too long" in _refused(verify_inclusion, leaf, i, n, [*audit, root], root)
        assert "too long" in _refused(verify_inclusion, leaf, i, n, [root, *audit], root)
        if audit:
            assert "too short" in _refused(verify_inclusion, leaf, i, n, audit[:-1], root)
            assert "too short" in _refused(verify_inclusion, leaf, i, n, audit[1:], root)
        for other in range(n):
            if other != i:
                _refused(verify_inclusion, leaf, other, n, audit, root)
        for size in (n - 1, n + 1, 2 * n):
            if size <= i:
                assert "not below" in _refused(verify_inclusion, leaf, i, size, audit, root) or size == 0
            elif inclusion_sides(i, size) != inclusion_sides(i, n):
                _refused(verify_inclusion, leaf, i, size, audit, root)
            else:  # same shape: the root does not commit to the size, the signed tree head does
                verify_inclusion(leaf, i, size, audit, root)
        assert "32" in _refused(verify_inclusion, leaf, i, n, audit, root[:31])
        assert "32" in _refused(verify_inclusion, leaf, i, n, audit, root + b"\0")
        assert "32" in _refused(verify_inclusion, leaf[:31], i, n, audit, root)


def test_inclusion_edge_cases() -> None:
    tree = tree_of(datas(5))
    leaf, root = tree.leaf(4), tree.root()
    assert "size 0" in _refused(verify_inclusion, leaf, 0, 0, [], EMPTY_ROOT)
    assert "not below" in _refused(verify_inclusion, leaf, 5, 5, tree.inclusion_proof(4), root)
    assert "not an integer" in _refused(verify_inclusion, leaf, -1, 5, [], root)
    assert "not an integer" in _refused(verify_inclusion, leaf, 0, 2**64, [], root)
    assert "str" in _refused(verify_inclusion, leaf, 4, 5, ["a" * 32], root)
    # a one-leaf tree: the root is the leaf hash and the proof is empty
    one = tree_of([b"x"])
    verify_inclusion(leaf_hash(b"x"), 0, 1, [], one.root())
    assert "too long" in _refused(verify_inclusion, leaf_hash(b"x"), 0, 1, [one.root()], one.root())


def test_a_wrong_size_with_the_same_shape_passes() -> None:
    """Leaf 0 of 5 and leaf 0 of 6 have proofs of the same shape: only the signed tree head binds the size."""
    tree = tree_of(datas(5))
    assert inclusion_sides(0, 5) == inclusion_sides(0, 6)
    verify_inclusion(tree.leaf(0), 0, 6, tree.inclusion_proof(0), tree.root())


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 31, 33])
def test_tampered_consistency_proofs_are_refused(n: int) -> None:
    tree = tree_of(datas(n, seed=n))
    new_root = tree.root()
    for m in range(1, n):
        old_root, cons = tree.root(m), tree.consistency_proof(m)
        verify_consistency(m, n, old_root, new_root, cons)
        _refused(verify_consistency, m, n, flip(old_root), new_root, cons)
        _refused(verify_consistency, m, n, old_root, flip(new_root, 3), cons)
        for j in range(len(cons)):
            for bit in (0, 6):
                _refused(verify_consistency, m, n, old_root, new_root, [*cons[:j], flip(cons[j], bit), *cons[j + 1 :]])
            assert "31 bytes" in _refused(
                verify_consistency, m, n, old_root, new_root, [*cons[:j], cons[j][:31], *cons[j + 1 :]]
            )
            assert "33 bytes" in _refused(
                verify_consistency, m, n, old_root, new_root, [*cons[:j], cons[j] + b"\0", *cons[j + 1 :]]
            )
        assert "too long" in _refused(verify_consistency, m, n, old_root, new_root, [*cons, new_root])
        assert "too long" in _refused(verify_consistency, m, n, old_root, new_root, [old_root, *cons])
        assert "too short" in _refused(verify_consistency, m, n, old_root, new_root, cons[:-1])
        assert "too short" in _refused(verify_consistency, m, n, old_root, new_root, cons[1:])
        assert "larger" in _refused(verify_consistency, n, m, new_root, old_root, cons)
        for old, new in ((m - 1, n), (m + 1, n), (m, n + 1), (m, n - 1)):
            if old == 0 or old >= new or consistency_shape(old, new) != consistency_shape(m, n):
                _refused(verify_consistency, old, new, old_root, new_root, cons)
            else:  # same shape: the roots do not commit to the sizes, the signed tree heads do
                verify_consistency(old, new, old_root, new_root, cons)
        assert "32" in _refused(verify_consistency, m, n, old_root[:31], new_root, cons)
        assert "32" in _refused(verify_consistency, m, n, old_root, new_root + b"\0", cons)
        # a proof for another old size of the same tree does not pass for this one
        for other in range(1, n):
            if other != m:
                _refused(verify_consistency, m, n, old_root, new_root, tree.consistency_proof(other))


def test_consistency_from_the_empty_tree_and_between_equal_sizes() -> None:
    tree = tree_of(datas(6))
    root = tree.root()
    verify_consistency(0, 6, EMPTY_ROOT, root, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert tree.consistency_proof(0) == [] == tree.consistency_proof(6)
    assert "too long" in _refused(verify_consistency, 0, 6, EMPTY_ROOT, root, [root])
    assert "empty-tree root" in _refused(verify_consistency, 0, 6, root, root, [])
    assert "fork" in _refused(verify_consistency, 0, 0, EMPTY_ROOT, root, [])
    verify_consistency(6, 6, root, root, [])
    verify_consistency(3, 3, tree.root(3), tree.root(3), [])
    assert "fork" in _refused(verify_consistency, 6, 6, root, tree.root(5), [])
    assert "too long" in _refused(verify_consistency, 6, 6, root, root, [root])
    assert "too long" in _refused(verify_consistency, 4, 4, tree.root(4), tree.root(4), [tree.root(4)])
    assert "larger" in _refused(verify_consistency, 7, 6, root, root, [])
    assert "not an integer" in _refused(verify_consistency, -1, 6, EMPTY_ROOT, root, [])


def test_a_rewritten_history_cannot_prove_consistency() -> None:
    d = datas(40, seed=9)
    honest = tree_of(d)
    rewritten = tree_of([*d[:17], b"a different entry 17", *d[18:]])
    for m in range(1, 40):
        for n in range(max(m, 18), 41):
            cons = rewritten.consistency_proof(m, n)
            if m <= 17:
                verify_consistency(m, n, honest.root(m), rewritten.root(n), cons)  # the prefix is untouched
            elif m < n:
                _refused(verify_consistency, m, n, honest.root(m), rewritten.root(n), cons)
