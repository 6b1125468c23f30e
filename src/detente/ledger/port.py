"""The storage port the ledger writes through; ``detente.store`` implements it for SQLite and PostgreSQL.

Beside the entries, a store keeps each party's RFC 9162 Merkle tree as nodes (one leaf per entry: the hash of its
signed payload; see :mod:`detente.crypto.stored_tree`), written in the same transaction as the entries, and the
signed checkpoints the writer issues at data exchanges. Nodes and checkpoints are append-only, as entries are.

A store is a context manager: leaving its ``with`` block closes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from detente.ledger.chain import Entry

Position = tuple[int, int]
"""A tree node's place: (level, index), as :mod:`detente.crypto.stored_tree` defines it."""


@dataclass(frozen=True)
class PartyRecord:
    """A party registered in a ledger: its public key and the treaty its notifications are judged under."""

    party: str
    public_key: bytes
    treaty: str


@dataclass(frozen=True)
class CheckpointRecord:
    """A signed checkpoint of a party's log as recorded: its size, its root and the C2SP note text as signed."""

    party: str
    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class CosignatureRecord:
    """A witness's tlog-cosignature of a party's recorded checkpoint: the signature line as the witness sent it."""

    party: str
    size: int
    cosigner: str  # the witness's key name
    line: str  # "— <name> <base64>", exactly as received or made


class Closing:
    """``with`` support for anything with a ``close``: leaving the block closes it."""

    def close(self) -> None:
        """Release what the object holds."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class LedgerStore(Protocol):
    """Append-only storage of entries, per party. Implementations refuse updates and deletes."""

    def parties(self) -> list[PartyRecord]:
        """Registered parties."""
        ...

    def add_party(self, record: PartyRecord) -> None:
        """Register a party (once)."""
        ...

    def append(self, entries: Sequence[Entry], checkpoints: Sequence[CheckpointRecord] = ()) -> None:
        """Append entries atomically, with the tree nodes they complete: all are stored, or none (and it raises).

        Each party's entries must follow its stored tree (the next sequence number). ``checkpoints`` are recorded
        in the same transaction; each must be of a size this batch reaches, with the root the store computes for
        it, or the whole batch is refused.
        """
        ...

    def entries(
        self, party: str, start: int = 1, stop: int | None = None, until: str | None = None, known_at: str | None = None
    ) -> Iterator[Entry]:
        """A party's entries from sequence number ``start`` up to ``stop`` (inclusive), in order.

        With ``until``, only those whose change took effect by then; with ``known_at``, only those sent by then.
        """
        ...

    def replay_rows(self, party: str, until: str | None = None) -> Iterator[tuple[bytes | None, bytes | None]]:
        """What replay reads, in order, with ``until`` as in ``entries``.

        ``(effect, None)`` for an entry stored with its effect (:mod:`detente.ledger.chain`, rule 6),
        ``(None, payload)`` for one without.
        """
        ...

    def last_entry(self, party: str, until: str | None = None) -> Entry | None:
        """A party's last entry, or with ``until`` its last one whose change took effect by then."""
        ...

    def head(self, party: str) -> Entry | None:
        """A party's last entry."""
        ...

    def has_entry(self, party: str, seq: int) -> bool:
        """Whether a party has an entry with this sequence number."""
        ...

    def tree_size(self, party: str) -> int:
        """How many leaves (entries) a party's stored tree has; 0 for an unknown party."""
        ...

    def tree_nodes(self, party: str, positions: Sequence[Position]) -> list[bytes]:
        """The node hashes stored at these positions, in order; :class:`~detente.errors.StoreError` if one is not."""
        ...

    def checkpoints(self, party: str) -> list[CheckpointRecord]:
        """A party's recorded checkpoints, by size."""
        ...

    def latest_checkpoint(self, party: str) -> CheckpointRecord | None:
        """A party's largest recorded checkpoint, read alone (a node reads it on every request)."""
        ...

    def checkpoint_sizes(self, party: str, low: int, high: int) -> list[int]:
        """The sizes of a party's recorded checkpoints in ``[low, high)``, ascending (no notes read)."""
        ...

    def record_checkpoint(self, record: CheckpointRecord) -> None:
        """Record a signed checkpoint of the party's stored tree, without entries.

        Its size must be above every checkpoint recorded for the party (else :class:`~detente.errors.ConflictError`:
        checkpoints only grow) and at most the tree's, and its root the tree's at that size; all checked in one
        transaction under the party's write lock, so two racing recorders cannot both succeed at one size.
        """
        ...

    def add_cosignature(self, record: CosignatureRecord) -> bool:
        """Keep a cosignature of a recorded checkpoint; False (and nothing written) if that cosigner's is kept."""
        ...

    def cosignatures(self, party: str) -> list[CosignatureRecord]:
        """The cosignatures kept for a party's checkpoints, by size, then cosigner."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

    def __enter__(self) -> Self:
        """The store itself."""
        ...

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Close the store."""
        ...
