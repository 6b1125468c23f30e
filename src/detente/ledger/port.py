"""The storage port the ledger writes through; ``detente.store`` implements it for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from detente.ledger.chain import Entry


@dataclass(frozen=True)
class PartyRecord:
    """A party registered in a ledger: its public key and the treaty its notifications are judged under."""

    party: str
    public_key: bytes
    treaty: str


class LedgerStore(Protocol):
    """Append-only storage of entries, per party. Implementations refuse updates and deletes."""

    def parties(self) -> list[PartyRecord]:
        """Registered parties."""
        ...

    def add_party(self, record: PartyRecord) -> None:
        """Register a party (once)."""
        ...

    def append(self, entries: Sequence[Entry]) -> None:
        """Append entries atomically: all are stored, or none (and the error is raised)."""
        ...

    def entries(
        self, party: str, start: int = 1, stop: int | None = None, until: str | None = None, known_at: str | None = None
    ) -> Iterator[Entry]:
        """A party's entries from sequence number ``start`` up to ``stop`` (inclusive), in order.

        With ``until``, only those whose change took effect by then; with ``known_at``, only those sent by then.
        """
        ...

    def payloads(self, party: str, until: str | None = None) -> Iterator[tuple[bytes, bytes]]:
        """A party's (payload, hash) pairs in order, with ``until`` as in ``entries``: the lean path replay uses."""
        ...

    def head(self, party: str) -> Entry | None:
        """A party's last entry."""
        ...

    def has_entry(self, party: str, seq: int) -> bool:
        """Whether a party has an entry with this sequence number."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
