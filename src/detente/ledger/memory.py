"""An in-memory ledger store: the port without a database, for simulations and tests of the protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from detente.errors import StoreError
from detente.ledger.canonical import parse
from detente.ledger.chain import Entry
from detente.ledger.port import PartyRecord


class MemoryStore:
    """Append-only lists per party, with the same refusals as the SQL store (duplicate party or sequence)."""

    def __init__(self) -> None:
        self._parties: dict[str, PartyRecord] = {}
        self._entries: dict[str, list[Entry]] = {}
        self._effective: dict[str, list[tuple[str, str]]] = {}
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

    def append(self, batch: Sequence[Entry]) -> None:
        """All of a batch, or none of it."""
        heads = {p: len(v) for p, v in self._entries.items()}
        for e in batch:
            if e.party not in heads:
                raise StoreError(f"the store refused the write: unknown party {e.party}")
            if e.seq != heads[e.party] + 1:
                raise StoreError(f"the store refused the write: {e.party} #{e.seq} is not next")
            heads[e.party] += 1
        for e in batch:
            self._entries[e.party].append(e)
            payload = parse(e.payload)
            self._effective[e.party].append((payload["effective"], payload["sent"]))

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

    def payloads(self, party: str, until: str | None = None) -> Iterator[tuple[bytes, bytes]]:
        """(payload, hash) pairs in order."""
        for e in self.entries(party, until=until):
            yield e.payload, e.hash

    def head(self, party: str) -> Entry | None:
        """A party's last entry."""
        rows = self._entries.get(party, [])
        return rows[-1] if rows else None

    def has_entry(self, party: str, seq: int) -> bool:
        """Whether a party has this sequence number."""
        return 1 <= seq <= len(self._entries.get(party, []))

    def close(self) -> None:
        """Nothing to release."""
