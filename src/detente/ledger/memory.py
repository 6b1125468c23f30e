"""An in-memory ledger store: the port without a database, for simulations and tests of the protocol.

It keeps each party's Merkle tree as the SQL store does, as nodes by position computed by
:func:`detente.crypto.stored_tree.grow`, and refuses what the SQL store refuses, so the contract suite holds for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from detente.crypto.stored_tree import Frontier, fold, grow, low_nodes, subtrees
from detente.errors import ConflictError, StoreError, TreeError
from detente.ledger.chain import Entry
from detente.ledger.port import CheckpointRecord, Closing, CosignatureRecord, PartyRecord, Position


class MemoryStore(Closing):
    """Append-only lists per party, with the same refusals as the SQL store (duplicate party or sequence)."""

    def __init__(self) -> None:
        self._parties: dict[str, PartyRecord] = {}
        self._entries: dict[str, list[Entry]] = {}
        self._effective: dict[str, list[tuple[str, str]]] = {}
        self._nodes: dict[str, dict[Position, bytes]] = {}
        self._checkpoints: dict[str, dict[int, CheckpointRecord]] = {}
        self._cosignatures: dict[tuple[str, int, str], CosignatureRecord] = {}
        self.created = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def parties(self) -> list[PartyRecord]:
        """Registered parties, by code."""
        return [self._parties[p] for p in sorted(self._parties)]

    def add_party(self, record: PartyRecord) -> None:
        """Register a party once."""
        if record.party in self._parties:
            raise StoreError(f"the store refused the write: party {record.party} exists")
        self._parties[record.party] = record
        self._entries[record.party] = []
        self._effective[record.party] = []
        self._nodes[record.party] = {}
        self._checkpoints[record.party] = {}

    def append(self, batch: Sequence[Entry], checkpoints: Sequence[CheckpointRecord] = ()) -> None:
        """All of a batch, its tree nodes and its checkpoints, or none of it."""
        if not batch and checkpoints:
            raise StoreError("the store refused the write: a checkpoint comes with the entries it covers")
        heads = {p: len(v) for p, v in self._entries.items()}
        for e in batch:
            if e.party not in heads:
                raise StoreError(f"the store refused the write: unknown party {e.party}")
            if e.seq != heads[e.party] + 1:
                stored = len(self._entries[e.party])
                error = ConflictError if heads[e.party] == stored else StoreError  # the batch's first, or within it
                raise error(f"the store refused the write: {e.party} #{e.seq} does not follow #{heads[e.party]}")
            heads[e.party] += 1
        for k in checkpoints:
            if k.size in self._checkpoints.get(k.party, {}):
                raise StoreError(f"the store refused the write: {k.party} has a checkpoint at size {k.size}")
        try:
            nodes = grow(
                [(e.party, e.seq, e.payload) for e in batch],
                lambda party, size: Frontier(size, self.tree_nodes(party, Frontier.positions(size))),
                [(k.party, k.size, k.root) for k in checkpoints],
            )
        except TreeError as exc:
            raise StoreError(f"the store refused the write: {exc.why}") from None
        for e in batch:
            columns = e.stored_columns()
            self._entries[e.party].append(e._replace(columns=columns))
            self._effective[e.party].append((columns.effective, columns.sent))
        for party, level, index, digest in nodes:
            self._nodes[party][(level, index)] = digest
        for k in checkpoints:
            self._checkpoints[k.party][k.size] = k

    def entries(
        self, party: str, start: int = 1, stop: int | None = None, until: str | None = None, known_at: str | None = None
    ) -> Iterator[Entry]:
        """A party's entries in order (filters as in the port)."""
        rows = self._entries.get(party, [])
        times = self._effective.get(party, [])
        for i in range(max(start, 1) - 1, len(rows) if stop is None else min(stop, len(rows))):
            effective, sent = times[i]
            if (until is None or effective <= until) and (known_at is None or sent <= known_at):
                yield rows[i]

    def replay_rows(self, party: str, until: str | None = None) -> Iterator[tuple[bytes | None, bytes | None]]:
        """(effect, payload) in order: the effect where there is one, else the payload."""
        for e in self.entries(party, until=until):
            effect = e.columns.effect if e.columns else None
            yield effect, (e.payload if effect is None else None)

    def last_entry(self, party: str, until: str | None = None) -> Entry | None:
        """A party's last entry, or its last one in effect by ``until``."""
        last = None
        for last in self.entries(party, until=until):  # noqa: B007 - the loop keeps the last
            pass
        return last

    def head(self, party: str) -> Entry | None:
        """A party's last entry."""
        rows = self._entries.get(party, [])
        return rows[-1] if rows else None

    def has_entry(self, party: str, seq: int) -> bool:
        """Whether a party has this sequence number."""
        return 1 <= seq <= len(self._entries.get(party, []))

    def tree_size(self, party: str) -> int:
        """How many leaves the party's tree has."""
        return len(self._entries.get(party, []))

    def tree_nodes(self, party: str, positions: Sequence[Position]) -> list[bytes]:
        """The node hashes at these positions, in order."""
        rows = self._entries.get(party, [])
        stored = self._nodes.get(party, {})
        low = low_nodes(positions, lambda first, last: {e.seq: e.payload for e in rows[first - 1 : last]})
        try:
            return [low[p] if p in low else stored[p] for p in positions]
        except KeyError as exc:
            level, index = exc.args[0]
            raise StoreError(f"the {party} tree has no node at level {level}, index {index}") from None

    def checkpoints(self, party: str) -> list[CheckpointRecord]:
        """A party's recorded checkpoints, by size."""
        recorded = self._checkpoints.get(party, {})
        return [recorded[size] for size in sorted(recorded)]

    def latest_checkpoint(self, party: str) -> CheckpointRecord | None:
        """A party's largest recorded checkpoint."""
        recorded = self._checkpoints.get(party, {})
        return recorded[max(recorded)] if recorded else None

    def checkpoint_sizes(self, party: str, low: int, high: int) -> list[int]:
        """The sizes of a party's recorded checkpoints in ``[low, high)``, ascending."""
        return sorted(s for s in self._checkpoints.get(party, {}) if low <= s < high)

    def record_checkpoint(self, record: CheckpointRecord) -> None:
        """Record a checkpoint of the stored tree: above every recorded one, within the tree, with its root."""
        party, size = record.party, record.size
        recorded = self._checkpoints.get(party, {})
        if recorded and size <= max(recorded):
            raise ConflictError(
                f"the store refused the checkpoint: {party} has one recorded at size {max(recorded)}, and checkpoints "
                f"only grow (this one is of size {size})"
            )
        stored = self.tree_size(party)
        if not 0 < size <= stored:
            raise StoreError(f"the store refused the checkpoint: the {party} tree has {stored} leaves, not {size}")
        if fold(self.tree_nodes(party, subtrees(0, size))) != record.root:
            raise StoreError(
                f"the store refused the checkpoint: its root for {party} at size {size} is not the stored tree's"
            )
        recorded[size] = record

    def add_cosignature(self, record: CosignatureRecord) -> bool:
        """Keep a cosignature of a recorded checkpoint once."""
        if record.size not in self._checkpoints.get(record.party, {}):
            raise StoreError(
                f"the store refused the cosignature: {record.party} has no checkpoint recorded at size {record.size}"
            )
        key = (record.party, record.size, record.cosigner)
        if key in self._cosignatures:
            return False
        self._cosignatures[key] = record
        return True

    def cosignatures(self, party: str) -> list[CosignatureRecord]:
        """The cosignatures kept for a party's checkpoints, by size, then cosigner."""
        return [self._cosignatures[k] for k in sorted(self._cosignatures) if k[0] == party]
