"""An RFC 9162 Merkle tree kept as stored nodes: what an append writes, and what a root or a proof reads.

The tree is the one :mod:`detente.crypto.merkle` defines, kept the same way: the hash of every complete perfect
subtree. A *position* ``(level, index)`` names the subtree over the leaves ``[index * 2**level, (index + 1) *
2**level)``; level 0 holds the leaf hashes. Here the nodes live outside the process (in the ledger store, one row
per node), and this module says which positions to write and which to read. It does no I/O itself: a
:class:`NodeSource` reads nodes for it.

Rules:

1. A stored node never changes: a perfect subtree, once complete, has one hash for the rest of the log's life. So
   nodes are appended like entries, and a reader may read them at any time without a transaction.
2. Appending leaves to a tree of ``size`` leaves needs only its :class:`Frontier`: the hashes of the perfect subtrees
   ``[0, size)`` splits into, at most one per level. It writes each new leaf and each subtree that the leaf
   completes (one on average), and nothing else.
3. A leaf is appended only at the next index. A frontier whose hashes are not one per set bit of its size is
   refused (:class:`TreeError`): the stored tree is not the one the caller thinks it is.
4. A root of any size ``m`` up to the current size folds the stored subtrees of ``[0, m)``, at most log2(m) of
   them. An inclusion proof (PATH) or a consistency proof (PROOF) is RFC 9162's, element for element the list
   :class:`~detente.crypto.merkle.MerkleTree` gives; each element is one stored node or the fold of a range's
   subtrees. A proof, with its root(s) and leaf, is read in one call to the source: O(log n) nodes.
5. A request beyond the tree (an index not below the size, a size above the tree's) raises :class:`TreeError`
   before anything is read. A node missing from the source is the source's fault and its error.
6. Only nodes at level ``STORED_FROM`` (4) and above are stored: one row per 16 leaves, not two per leaf. A node
   below covers at most 16 consecutive entries, and a source computes it from their payloads
   (:func:`low_nodes`): the leaf hashes are the payloads' own, so nothing is lost, and a proof reads at most two
   such blocks beside its O(log n) stored nodes. Older ledgers may hold rows below that level; they are not read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from detente.crypto.merkle import EMPTY_ROOT, HASH_SIZE
from detente.errors import Location, TreeError

Position = tuple[int, int]
"""A stored node's place: (level, index); it covers leaves [index * 2**level, (index + 1) * 2**level)."""

Node = tuple[int, int, bytes]
"""A node to store: level, index and its 32-byte hash."""

STORED_FROM = 4
"""The lowest level whose nodes are stored (rule 6); one below is computed from at most 2**4 entries' payloads."""

_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


class NodeSource(Protocol):
    """Where stored nodes are read from: the ledger store, one tree per party."""

    def tree_size(self, party: str) -> int:
        """How many leaves the party's stored tree has."""
        ...

    def tree_nodes(self, party: str, positions: Sequence[Position]) -> list[bytes]:
        """The hashes at these positions, in the order asked; an error if one is not stored."""
        ...


def subtrees(start: int, end: int) -> list[Position]:
    """The perfect subtrees the range ``[start, end)`` splits into, left to right (largest first).

    ``start`` must be a multiple of a power of two at least ``end - start``, as every range RFC 9162's recursions
    visit is, and as ``[0, size)`` is.
    """
    out: list[Position] = []
    width = end - start
    while width:
        level = width.bit_length() - 1
        out.append((level, start >> level))
        start += 1 << level
        width ^= 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees' hashes, left to right: the rightmost first, then leftwards."""
    node = hashes[-1]
    for left in reversed(hashes[:-1]):
        node = _sha256(_NODE + left + node).digest()
    return node


class Frontier:
    """The right edge of a tree of ``size`` leaves: the hashes of :func:`subtrees` ``(0, size)`` (rules 2, 3)."""

    __slots__ = ("_hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self._hashes = list(hashes)
        if size < 0 or len(self._hashes) != size.bit_count():
            raise TreeError(
                f"the right edge of a tree of {size} leaves has {max(size, 0).bit_count()} subtrees, "
                f"not {len(self._hashes)}",
                Location(field="frontier"),
            )
        if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in self._hashes):
            raise TreeError(f"every frontier hash must be {HASH_SIZE} bytes", Location(field="frontier"))

    @staticmethod
    def positions(size: int) -> list[Position]:
        """Where the frontier of a tree of ``size`` leaves is stored."""
        return subtrees(0, size)

    def push(self, leaf: bytes, out: list[Node]) -> None:
        """Append one leaf hash; add to ``out`` the leaf and every perfect subtree it completes, bottom up."""
        index = self.size
        hashes = self._hashes
        out.append((0, index, leaf))
        level, node = 0, leaf
        while index & 1:  # a right child completes its parent, and perhaps the parent's parent
            node = _sha256(_NODE + hashes.pop() + node).digest()
            level += 1
            index >>= 1
            out.append((level, index, node))
        hashes.append(node)
        self.size += 1

    def copy(self) -> Frontier:
        """An independent frontier of the same tree (pushing to one leaves the other as it was)."""
        return Frontier(self.size, self._hashes)

    def root(self) -> bytes:
        """MTH of the tree as it is now."""
        return fold(self._hashes) if self._hashes else EMPTY_ROOT


def grow(
    leaves: Iterable[tuple[str, int, bytes]],
    frontier: Callable[[str, int], Frontier],
    checkpoints: Iterable[tuple[str, int, bytes]] = (),
) -> list[tuple[str, int, int, bytes]]:
    """The nodes that appending a batch of log entries adds to their parties' trees (rules 2, 3).

    ``leaves`` are (party, sequence number, data) in order, sequence numbers counting from 1: entry n is leaf n - 1,
    and its leaf hash is SHA-256(0x00 || data). ``frontier(party, size)`` loads a party's frontier where its first
    entry of the batch starts. ``checkpoints`` are (party, size, root) claims; each must be of a size the batch
    reaches and have the root computed for it. Returns (party, level, index, hash) rows; raises :class:`TreeError`
    naming the party and entry or checkpoint that does not fit, before anything could be written.
    """
    claims: dict[tuple[str, int], bytes] = {}
    for party, size, root in checkpoints:
        claims[(party, size)] = root
    edges: dict[str, Frontier] = {}
    rows: list[tuple[str, int, int, bytes]] = []
    add = rows.append
    sha256 = _sha256
    for party, seq, data in leaves:
        edge = edges.get(party)
        if edge is None:
            edge = edges[party] = frontier(party, seq - 1)
        index = edge.size
        if seq != index + 1:
            raise TreeError(f"{party} #{seq} does not follow its tree of {index} leaves", Location(field="seq"))
        # Frontier.push, inlined (this loop runs once per entry appended, inside the append's transaction), keeping
        # only the nodes of the stored levels (rule 6).
        hashes = edge._hashes
        node = sha256(_LEAF + data).digest()
        level = 0
        while index & 1:
            node = sha256(_NODE + hashes.pop() + node).digest()
            level += 1
            index >>= 1
            if level >= STORED_FROM:
                add((party, level, index, node))
        hashes.append(node)
        edge.size = seq
        claimed = claims.pop((party, seq), None) if claims else None
        if claimed is not None and claimed != edge.root():
            raise TreeError(
                f"the checkpoint of {party} at size {seq} has root {claimed.hex()[:16]}…, but the tree's root at "
                f"that size is {edge.root().hex()[:16]}…",
                Location(field="checkpoint"),
            )
    if claims:
        party, size = next(iter(claims))
        raise TreeError(
            f"the checkpoint of {party} at size {size} is not of a size this batch reaches",
            Location(field="checkpoint"),
        )
    return rows


def is_stored(position: Position) -> bool:
    """Whether a node at this position is stored, rather than computed from the payloads below it (rule 6)."""
    return position[0] >= STORED_FROM


def low_nodes(positions: Iterable[Position], payloads: Callable[[int, int], dict[int, bytes]]) -> dict[Position, bytes]:
    """The hashes of unstored positions, from the payloads of the entries they cover (rule 6).

    ``payloads(first, last)`` gives the stored payloads of sequence numbers ``first..last`` by number (leaf i is
    entry i + 1). It is called once per block of 2**STORED_FROM leaves the positions fall in. A position whose
    entries are not all there is left out: the caller reports it missing.
    """
    wanted = [p for p in positions if not is_stored(p)]
    ends: dict[int, int] = {}  # block -> one past the last leaf needed in it
    for level, index in wanted:
        end = (index + 1) << level
        block = (index << level) >> STORED_FROM
        ends[block] = max(ends.get(block, 0), end)
    leaves: dict[int, bytes] = {}
    for block, end in ends.items():
        first = block << STORED_FROM
        for seq, data in payloads(first + 1, end).items():
            leaves[seq - 1] = _sha256(_LEAF + data).digest()
    out: dict[Position, bytes] = {}
    for level, index in wanted:
        span = range(index << level, (index + 1) << level)
        if any(i not in leaves for i in span):
            continue
        hashes = [leaves[i] for i in span]
        while len(hashes) > 1:
            hashes = [_sha256(_NODE + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes), 2)]
        out[(level, index)] = hashes[0]
    return out


@dataclass(frozen=True)
class InclusionProof:
    """Everything :func:`~detente.crypto.merkle.verify_inclusion` takes: leaf hash, index, size, path and root."""

    leaf: bytes
    index: int
    size: int
    proof: list[bytes]
    root: bytes


@dataclass(frozen=True)
class ConsistencyProof:
    """Everything :func:`~detente.crypto.merkle.verify_consistency` takes: both sizes, both roots and the proof."""

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]


def _descend(size: int, bound: int) -> tuple[list[list[Position]], int, int]:
    """Walk down from [0, size) towards the leaves below ``bound`` until the range is a perfect subtree.

    Returns the siblings met on the way (top-down, each as the subtrees that make it) and the range reached.
    An inclusion proof of leaf i walks with bound i + 1; a consistency proof from size m with bound m.
    """
    upper: list[list[Position]] = []
    start, end = 0, size
    while (end - start) & (end - start - 1):
        k = 1 << ((end - start - 1).bit_length() - 1)  # RFC 9162's k: the largest power of two below the width
        if bound <= start + k:
            upper.append(subtrees(start + k, end))
            end = start + k
        else:
            level = k.bit_length() - 1
            upper.append([(level, start >> level)])
            start += k
    return upper, start, end


def inclusion_plan(index: int, size: int) -> list[list[Position]]:
    """PATH(index, D[size]) as positions: one list of subtrees to fold per proof element, leaf's sibling first."""
    upper, start, end = _descend(size, index + 1)
    plan = [[(level, (index >> level) ^ 1)] for level in range((end - start).bit_length() - 1)]
    plan.extend(reversed(upper))
    return plan


def consistency_plan(old_size: int, new_size: int) -> list[list[Position]]:
    """PROOF(old, D[new]) as positions, for 0 ≤ old ≤ new (empty when old is 0 or equal to new)."""
    if old_size in (0, new_size):
        return []
    upper, start, end = _descend(new_size, old_size)
    # As in MerkleTree.consistency_proof: inside the perfect subtree [start, end) the proof starts at the node that
    # ends exactly at old_size (left out when it is the whole old tree) and climbs as an audit path does.
    top = (end - start).bit_length() - 1
    bottom = min((old_size & -old_size).bit_length() - 1, top)
    last = old_size - 1
    plan = [] if old_size & last == 0 else [[(bottom, last >> bottom)]]
    plan.extend([(level, (last >> level) ^ 1)] for level in range(bottom, top))
    plan.extend(reversed(upper))
    return plan


class StoredTree:
    """One party's tree as a :class:`NodeSource` holds it, read at the size it had when this object was made.

    Every size or index argument may name any past state of the tree, up to :attr:`size` (rules 4, 5).
    """

    __slots__ = ("party", "size", "source")

    def __init__(self, source: NodeSource, party: str, size: int | None = None) -> None:
        self.source = source
        self.party = party
        stored = source.tree_size(party)
        if size is not None and not 0 <= size <= stored:
            raise TreeError(f"the {party} tree has {stored} leaves, not {size}", Location(field="size"))
        self.size = stored if size is None else size

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all)."""
        size = self._check_size(size)
        return self._read([subtrees(0, size)])[0] if size else EMPTY_ROOT

    def leaf(self, index: int) -> bytes:
        """The hash of leaf ``index``."""
        self._check_index(index, self.size)
        return self._read([[(0, index)]])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 PATH(index, D[size]), as :meth:`MerkleTree.inclusion_proof <detente.crypto.merkle.MerkleTree>`."""
        size = self._check_size(size)
        self._check_index(index, size)
        return self._read(inclusion_plan(index, size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 PROOF(old_size, D[new_size]); empty when the sizes are equal or ``old_size`` is 0."""
        new_size = self._check_size(new_size)
        self._check_old(old_size, new_size)
        return self._read(consistency_plan(old_size, new_size))

    def prove_inclusion(self, index: int, size: int | None = None) -> InclusionProof:
        """Leaf hash, audit path and root for leaf ``index`` in the tree of ``size`` leaves, in one read."""
        size = self._check_size(size)
        self._check_index(index, size)
        leaf, root, *proof = self._read([[(0, index)], subtrees(0, size), *inclusion_plan(index, size)])
        return InclusionProof(leaf, index, size, proof, root)

    def prove_consistency(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """Both roots and the consistency proof between two sizes, in one read."""
        new_size = self._check_size(new_size)
        self._check_old(old_size, new_size)
        plan = consistency_plan(old_size, new_size)
        if old_size == 0:
            new_root, *proof = self._read([subtrees(0, new_size), *plan]) if new_size else [EMPTY_ROOT]
            return ConsistencyProof(0, new_size, EMPTY_ROOT, new_root, proof)
        old_root, new_root, *proof = self._read([subtrees(0, old_size), subtrees(0, new_size), *plan])
        return ConsistencyProof(old_size, new_size, old_root, new_root, proof)

    def _read(self, groups: list[list[Position]]) -> list[bytes]:
        """Read every position the groups name, once, in one call; fold each group into one hash."""
        wanted = list(dict.fromkeys(p for group in groups for p in group))
        if not wanted:
            return []
        found = dict(zip(wanted, self.source.tree_nodes(self.party, wanted), strict=True))
        return [found[g[0]] if len(g) == 1 else fold([found[p] for p in g]) for g in groups]

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not isinstance(size, int) or not 0 <= size <= self.size:
            raise TreeError(
                f"size {size!r} is not in [0, {self.size}], the sizes the {self.party} tree has had",
                Location(field="size"),
            )
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if not isinstance(index, int) or not 0 <= index < size:
            raise TreeError(f"leaf index {index!r} is not in [0, {size})", Location(field="index"))

    @staticmethod
    def _check_old(old_size: int, new_size: int) -> None:
        if not isinstance(old_size, int) or not 0 <= old_size <= new_size:
            raise TreeError(f"old size {old_size!r} is not in [0, {new_size}]", Location(field="old_size"))


__all__ = [
    "STORED_FROM",
    "ConsistencyProof",
    "Frontier",
    "InclusionProof",
    "Node",
    "NodeSource",
    "Position",
    "StoredTree",
    "consistency_plan",
    "fold",
    "grow",
    "inclusion_plan",
    "is_stored",
    "low_nodes",
    "subtrees",
]
