"""Merkle trees and their proofs as RFC 9162 (Certificate Transparency v2), section 2.1, defines them.

Verification refuses with :class:`ProofError`, and the first rule that fails gives the reason.

Inclusion (:func:`verify_inclusion`: leaf hash, index, size, proof, root):

1. Each size or index is an int with 0 ≤ value < 2**64, which is RFC 9162's range for tree sizes.
2. The leaf hash and the root are ``bytes`` of exactly 32 bytes.
3. The size is not 0, because the empty tree includes no leaf, and the index is below the size.
4. Every element of the proof is ``bytes`` of exactly 32 bytes.
5. The proof has exactly as many elements as RFC 9162's PATH(index, D[size]). If it has fewer, it is refused as too
   short; if it has more, as too long. The verifier does not skip or ignore any element.
6. The §2.1.3.2 algorithm, run on the leaf hash and the proof, gives back the root.

Consistency (:func:`verify_consistency`: old size, new size, old root, new root, proof):

7. As rules 1 and 2 for both sizes and both roots. The old size is not larger than the new size, because a log
   never shrinks.
8. As rule 4 for the proof.
9. If the old size equals the new size, the proof is empty and the two roots are equal (RFC 9162:
   PROOF(m, D[m]) = SUBPROOF(m, D[m], true) = {}). Two different roots for one size are a fork.
10. If the old size is 0, the proof is empty and the old root is :data:`EMPTY_ROOT`, SHA-256 of nothing. Every
    tree extends the empty tree, so nothing else can be checked. RFC 9162 gives its algorithm only for
    0 < old < new, so detente decides this case: it takes the empty proof and refuses any other, and an old
    "empty" tree head whose root is not the empty-tree hash is refused as a false tree head.
11. If 0 < old size < new size, the proof has exactly as many elements as SUBPROOF(old, D[new], true). If it has
    fewer, it is refused as too short; if it has more, as too long.
12. The §2.1.4.2 algorithm, run on the proof, gives back the old root and then the new root.

A proof that fails verification is *not* bad input: it is a finding about whoever made the proof, for example the
other party's log. So :class:`ProofError` derives from :class:`~detente.errors.DetenteError` directly, and callers
decide what the failure means. :class:`~detente.trust.witness.Witness`, for example, turns it into evidence of
misbehaviour. A request that the tree cannot answer is the caller's mistake, and raises :class:`TreeError`, an
:class:`~detente.errors.InputError`: an index or a size beyond the tree, a leaf hash that is not 32 bytes, or levels
that do not have a tree's shape.

:class:`MerkleTree` keeps the hash of every *perfect* subtree, by level. Level 0 holds the leaf hashes. Level k holds
``MTH`` of each aligned run of 2**k leaves that is already complete, so ``levels[k][i]`` covers the leaves
``[i * 2**k, (i + 1) * 2**k)``. Every range that RFC 9162's recursions visit begins at a multiple of a power of two
at least as large as the range. Such a range therefore splits into at most log2(n) stored perfect subtrees, so roots
of any past size, PATH and SUBPROOF all come from O(log n) stored hashes, and no leaf is hashed again. The tree is
not thread-safe: one writer appends, as elsewhere in detente.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from detente.errors import Location, ProofError, TreeError

HASH_SIZE = 32
MAX_SIZE = 1 << 64
_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256

EMPTY_ROOT = _sha256(b"").digest()
"""MTH({}): the root of the empty tree, SHA-256 of the empty string."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of one leaf's data."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node from its children's hashes."""
    return _sha256(_NODE + left + right).digest()


def _inclusion_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) has, for 0 ≤ index < size.

    Below the level where the leaf's ancestors and the last leaf's ancestors meet, every level gives a sibling
    (``inner``). Above it, the leaf's ancestor lies on the tree's right border and has a sibling only where it is a
    right child, which is where ``index >> inner`` has a 1 bit.
    """
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_length(old_size: int, new_size: int) -> int:
    """How many hashes SUBPROOF(old, D[new], true) has, for 0 < old < new.

    After the §2.1.4.2 algorithm drops the trailing 1 bits of old - 1, it is an inclusion walk from the old
    tree's last perfect subtree. That subtree's own hash is one more element, and it is left out of the proof when
    old is a power of two, because the old root is that hash.
    """
    shift = (old_size & -old_size).bit_length() - 1
    length = 1 + _inclusion_length((old_size - 1) >> shift, ((new_size - 1) >> shift) + 1)
    return length - 1 if old_size & (old_size - 1) == 0 else length


def _check_count(what: str, value: int) -> None:
    if not isinstance(value, int) or not 0 <= value < MAX_SIZE:
        raise ProofError(f"{what} {value!r} is not an integer in [0, 2**64)")


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes):
        raise ProofError(f"{what} is a {type(value).__name__}, not 32 bytes")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def _check_elements(what: str, proof: Sequence[bytes]) -> None:
    for element in proof:  # the common case first, without building a message per element
        if not isinstance(element, bytes) or len(element) != HASH_SIZE:
            break
    else:
        return
    for position, element in enumerate(proof):
        _check_hash(f"element {position} of the {what}", element)


def _check_length(what: str, proof: Sequence[bytes], expected: int, context: str) -> None:
    if len(proof) != expected:
        verdict = "too short" if len(proof) < expected else "too long"
        raise ProofError(f"{what} {context} has {len(proof)} hashes; RFC 9162 needs exactly {expected}: {verdict}")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that the leaf hash ``leaf`` is leaf ``index`` of the tree of ``size`` leaves with root ``root``.

    ``leaf`` is the leaf's *hash* (:func:`leaf_hash` of its data), as the RFC's verifier takes it. Rules 1–6 of
    the module docstring apply; raises :class:`ProofError` naming the first rule broken, returns None if it holds.
    """
    _check_count("leaf index", index)
    _check_count("tree size", size)
    _check_hash("leaf hash", leaf)
    _check_hash("root", root)
    if size == 0:
        raise ProofError("a tree of size 0 includes no leaf: no inclusion proof can hold")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_elements("inclusion proof", proof)
    _check_length("inclusion proof", proof, _inclusion_length(index, size), f"for leaf {index} of {size}")
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:  # cannot happen after the length check; kept as the RFC's own guard
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            node = _sha256(_NODE + sibling + node).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            node = _sha256(_NODE + node + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if node != root:
        raise ProofError(
            f"inclusion proof for leaf {index} of {size} does not lead to the root {root.hex()[:16]}…: "
            "the leaf is not there, or the proof, index, size or root is wrong"
        )


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``new_size`` leaves with root ``new_root`` extends the one of ``old_size``, ``old_root``.

    Rules 7–12 of the module docstring apply. Consistency from the empty tree holds only with an empty proof and
    :data:`EMPTY_ROOT` as the old root, and between equal sizes only with an empty proof and equal roots. Raises
    :class:`ProofError` naming the first rule broken, returns None if it holds.
    """
    _check_count("old size", old_size)
    _check_count("new size", new_size)
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}: a log never shrinks")
    _check_elements("consistency proof", proof)
    context = f"from size {old_size} to {new_size}"
    if old_size in (0, new_size):
        _check_length("consistency proof", proof, 0, context)
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("old root for size 0 is not the empty-tree root SHA-256(''): a false tree head")
        if old_size == new_size and old_root != new_root:
            raise ProofError(f"two different roots for the same size {old_size}: a fork")
        return
    _check_length("consistency proof", proof, _consistency_length(old_size, new_size), context)
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_node = new_node = path[0]
    for sibling in path[1:]:
        if sn == 0:  # cannot happen after the length check; kept as the RFC's own guard
            raise ProofError(f"consistency proof {context} is too long")
        if fn & 1 or fn == sn:
            old_node = _sha256(_NODE + sibling + old_node).digest()
            new_node = _sha256(_NODE + sibling + new_node).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            new_node = _sha256(_NODE + new_node + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof {context} is too short")
    if old_node != old_root:
        raise ProofError(
            f"consistency proof {context} does not lead to the old root {old_root.hex()[:16]}…: "
            "the new tree does not extend that old tree, or the proof is wrong"
        )
    if new_node != new_root:
        raise ProofError(
            f"consistency proof {context} does not lead to the new root {new_root.hex()[:16]}…: "
            "the new tree does not extend the old one, or the proof is wrong"
        )


def _add_parents(levels: list[list[bytes]]) -> None:
    """Hash every perfect subtree that is complete in level 0 but missing above it, level by level."""
    node = _NODE
    sha256 = _sha256
    level = 0
    while len(levels[level]) > 1:
        below = levels[level]
        if level + 1 == len(levels):
            levels.append([])
        above = levels[level + 1]
        start, stop = 2 * len(above), len(below) & ~1
        if start >= stop:
            return  # nothing new at this level, so nothing new above it either
        pairs = iter(below[start:stop])
        above.extend([sha256(node + left + right).digest() for left, right in zip(pairs, pairs, strict=True)])
        level += 1


class MerkleTree:
    """An append-only RFC 9162 Merkle tree that keeps the hash of every perfect subtree (see the module docstring).

    Leaves are numbered from 0. Every size or index argument may name any past state of the tree (a size up to the
    current one), and the answer is the one that tree had.
    """

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    @classmethod
    def from_leaf_hashes(cls, hashes: Iterable[bytes]) -> MerkleTree:
        """A tree of the given leaf hashes, built level by level in bulk."""
        tree = cls()
        tree.extend_leaf_hashes(hashes)
        return tree

    @classmethod
    def from_levels(cls, levels: Sequence[Sequence[bytes]], *, verify: bool = False) -> MerkleTree:
        """A tree from the levels :meth:`levels` gave, for example reloaded from storage, without rehashing.

        The shape is always checked: level k has ``size >> k`` hashes of 32 bytes, and there are as many levels as
        ``size`` has bits, or one level if the tree is empty. Shape errors raise :class:`TreeError`. With ``verify``,
        every interior node is also rehashed from its children, and a mismatch raises :class:`ProofError`.
        """
        copied = [list(level) for level in levels] or [[]]
        size = len(copied[0])
        if len(copied) != max(1, size.bit_length()):
            raise TreeError(f"a tree of {size} leaves has {max(1, size.bit_length())} levels, not {len(copied)}")
        for height, level in enumerate(copied):
            if len(level) != size >> height:
                raise TreeError(
                    f"level {height} of a tree of {size} leaves has {size >> height} hashes, not {len(level)}"
                )
            if {type(h) for h in level} - {bytes} or {len(h) for h in level} - {HASH_SIZE}:
                raise TreeError(f"level {height} holds something other than {HASH_SIZE}-byte hashes")
        if verify:
            rebuilt = [copied[0]]
            _add_parents(rebuilt)
            for height, (stored, computed) in enumerate(zip(copied, rebuilt, strict=True)):
                if stored != computed:
                    index = next(i for i, (a, b) in enumerate(zip(stored, computed, strict=True)) if a != b)
                    raise ProofError(f"stored node {index} of level {height} is not the hash of its two children")
        tree = cls()
        tree._levels = copied
        return tree

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def levels(self) -> list[list[bytes]]:
        """The stored hashes by level (level 0: leaf hashes), as fresh lists that :meth:`from_levels` takes back."""
        return [list(level) for level in self._levels]

    def leaf(self, index: int) -> bytes:
        """The hash of leaf ``index``."""
        self._check_index(index, self.size)
        return self._levels[0][index]

    def append(self, data: bytes) -> int:
        """Append one leaf with this data (hashed with :func:`leaf_hash`); return its index."""
        return self.append_leaf_hash(_sha256(_LEAF + data).digest())

    def extend(self, datas: Iterable[bytes]) -> None:
        """Append one leaf for each piece of data, in order."""
        self.extend_leaf_hashes([_sha256(_LEAF + data).digest() for data in datas])

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append one leaf whose hash is already known; return its index."""
        if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
            raise TreeError(f"a leaf hash must be {HASH_SIZE} bytes", Location(field="leaf"))
        levels = self._levels
        appended = index = len(levels[0])
        levels[0].append(leaf)
        height, node = 0, leaf
        while index & 1:  # a right child completes a perfect subtree: store its parent, and so on up
            node = _sha256(_NODE + levels[height][index - 1] + node).digest()
            height += 1
            index >>= 1
            if height == len(levels):
                levels.append([])
            levels[height].append(node)
        return appended

    def extend_leaf_hashes(self, hashes: Iterable[bytes]) -> None:
        """Append leaves whose hashes are already known, hashing the new interior nodes level by level."""
        new = list(hashes)
        if {type(h) for h in new} - {bytes} or {len(h) for h in new} - {HASH_SIZE}:
            raise TreeError(f"every leaf hash must be {HASH_SIZE} bytes", Location(field="leaf"))
        self._levels[0].extend(new)
        _add_parents(self._levels)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all), from at most log2(size) stored hashes."""
        size = self._check_size(size)
        return self._range_hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 PATH(index, D[size]): the audit path of leaf ``index`` in the tree of ``size`` leaves.

        The sibling next to the leaf comes first, and the one just below the root comes last.
        """
        size = self._check_size(size)
        self._check_index(index, size)
        levels = self._levels
        upper: list[bytes] = []  # siblings met top-down while the range is not a perfect subtree
        start, end = 0, size
        while (end - start) & (end - start - 1):
            k = 1 << ((end - start - 1).bit_length() - 1)  # RFC 9162's k: the largest power of two below the width
            if index < start + k:
                upper.append(self._range_hash(start + k, end))
                end = start + k
            else:
                height = k.bit_length() - 1
                upper.append(levels[height][start >> height])
                start += k
        path = [levels[height][(index >> height) ^ 1] for height in range((end - start).bit_length() - 1)]
        path.extend(reversed(upper))
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 PROOF(old_size, D[new_size]) = SUBPROOF(old_size, D[new_size], true).

        It is empty when the sizes are equal or ``old_size`` is 0 (rule 10).
        """
        new_size = self._check_size(new_size)
        if not isinstance(old_size, int) or not 0 <= old_size <= new_size:
            raise TreeError(f"old size {old_size!r} is not in [0, {new_size}]", Location(field="old_size"))
        if old_size in (0, new_size):
            return []
        levels = self._levels
        upper: list[bytes] = []  # siblings met top-down while the range is not a perfect subtree
        start, end = 0, new_size
        while (end - start) & (end - start - 1):
            k = 1 << ((end - start - 1).bit_length() - 1)  # RFC 9162's k: the largest power of two below the width
            if old_size <= start + k:
                upper.append(self._range_hash(start + k, end))
                end = start + k
            else:
                height = k.bit_length() - 1
                upper.append(levels[height][start >> height])
                start += k
        # [start, end) is a perfect subtree of height h holding the old tree's last leaf. Inside it, SUBPROOF ends
        # at the node of height t that ends exactly at old_size, and goes up from there as an audit path does.
        # That node is left out only when it is the whole old tree (b still true), that is when old_size is a
        # power of two.
        top = (end - start).bit_length() - 1
        bottom = min((old_size & -old_size).bit_length() - 1, top)
        last = old_size - 1
        proof = [] if old_size & last == 0 else [levels[bottom][last >> bottom]]
        proof.extend([levels[height][(last >> height) ^ 1] for height in range(bottom, top)])
        proof.extend(reversed(upper))
        return proof

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not isinstance(size, int) or not 0 <= size <= self.size:
            raise TreeError(
                f"size {size!r} is not in [0, {self.size}], the sizes this tree has had", Location(field="size")
            )
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if not isinstance(index, int) or not 0 <= index < size:
            raise TreeError(f"leaf index {index!r} is not in [0, {size})", Location(field="index"))

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range that starts at a multiple of a power of two at least its width.

        The range splits into perfect subtrees of decreasing size, all stored. MTH folds them from the right:
        the smallest subtree first, then each larger subtree to its left hashed with the result.
        """
        levels = self._levels
        width, node = end - start, b""
        while width:  # the smallest subtree is the rightmost one
            low = width & -width
            height = low.bit_length() - 1
            end -= low
            width ^= low
            subtree = levels[height][end >> height]
            node = _sha256(_NODE + subtree + node).digest() if node else subtree
        return node


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "ProofError",
    "TreeError",
    "leaf_hash",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]
