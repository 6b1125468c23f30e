"""Audit a party's log as a store holds it: every entry, and every checkpoint recorded for it.

``detente ledger verify`` runs this for each party. The entries alone can be cut short without a trace (the last
entry deleted leaves a chain that still verifies); the party's own signed checkpoints cannot, so they are read
against the entries. For one party, in this order (the first fault is reported, in sequence order):

1. The entries verify as :func:`detente.ledger.chain.verify_chain` checks them (rules 1–6 there): a fault raises
   :class:`~detente.errors.ChainError` naming the entry.
2. While they are read, the RFC 9162 root of the entries so far is kept (one leaf per entry, its signed payload
   bytes, as the writer's checkpoints have it), and each recorded checkpoint is checked when the entries reach
   its size (a fault raises :class:`~detente.errors.CheckpointError` naming the size):

   a. its note is a checkpoint signed, under the name of the party's log, by the party's key at its size: the
      registered key, or the one the last key rotation among entries #1..#size names (chain rule 4), so a key a
      rotation replaced signs no checkpoint at the rotation's size or beyond;
   b. its origin is the party's log, ``detente/TREATY/PARTY``;
   c. the size and root the store keeps beside the note are the note's (they are copies, not signed);
   d. its root is the root of the verified entries #1..#size.

3. A checkpoint larger than the number of entries means the log signed for entries that are no longer there:
   "entries missing after #N (checkpoint at size M)".

The store's tree nodes are not read: they serve proofs, and every proof is checked against a signed root.
A checkpoint carries no time, so a revoked key's checkpoint below the rotation that revoked it is checked like any
other: it was recorded with the entries, and its root is checked against theirs (a node that is handed one after
the revocation decides by the time it got it: :func:`detente.ledger.replay.key_history`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from detente.crypto.merkle import leaf_hash
from detente.crypto.note import Verifier, parse_note, verify_note
from detente.crypto.stored_tree import Frontier, Node
from detente.errors import ChainError, CheckpointError, DetenteError, LedgerError, NoteError
from detente.ledger.chain import Entry, Keys, verify_chain
from detente.ledger.checkpoints import log_origin
from detente.ledger.port import CheckpointRecord, LedgerStore, PartyRecord

PROGRESS_EVERY = 1000
"""How many entries pass between two calls of a progress callback."""


@dataclass
class Audit:
    """What the audit of one party found: how far it got, and the first fault, if any."""

    party: str
    entries: int = 0
    checkpoints: int = 0
    error: DetenteError | None = None

    @property
    def ok(self) -> bool:
        """No fault was found."""
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """As JSON: the party, entries verified, checkpoints checked, ok, and the first fault (or None)."""
        return {"party": self.party, "entries": self.entries, "checkpoints": self.checkpoints, "ok": self.ok,
                "fault": None if self.error is None else str(self.error)}  # fmt: skip


def _record(store: LedgerStore, party: str) -> PartyRecord:
    records = store.parties()
    for record in records:
        if record.party == party:
            return record
    known = ", ".join(r.party for r in records) or "none yet"
    raise LedgerError(f"party {party!r} is not registered in this ledger", hint=f"registered: {known}")


def _check_note(record: PartyRecord, recorded: CheckpointRecord, root: bytes, keys: Keys) -> None:
    """Rules 2a–2d for one recorded checkpoint, given the root of the entries up to its size and the keys there."""
    party, size, origin = record.party, recorded.size, log_origin(record)
    at = f"checkpoint at size {size}"
    try:
        note = parse_note(recorded.note)
        verify_note(note, Verifier(origin, keys.current))
        checkpoint = note.checkpoint()
    except NoteError as exc:
        if not keys.rotations:
            raise CheckpointError(party, size, f"{at}: {exc.why} (with {party}'s registered key)") from None
        raise CheckpointError(
            party,
            size,
            f"{at}: {exc.why} (with {party}'s key at that size, "
            f"{keys.name(keys.current)}){_by_an_earlier_key(recorded, keys, origin)}",
        ) from None
    if checkpoint.origin != origin:
        raise CheckpointError(party, size, f"{at}: its origin is {checkpoint.origin!r}, not {origin!r}")
    if (checkpoint.size, checkpoint.root) != (size, recorded.root):
        raise CheckpointError(party, size, f"{at}: the size or root stored beside the note are not the note's")
    if checkpoint.root != root:
        raise CheckpointError(
            party, size, f"{at}: its root is not the root of entries #1..#{size} (an entry was replaced, or the note)"
        )


def _by_an_earlier_key(recorded: CheckpointRecord, keys: Keys, origin: str) -> str:
    """Where a checkpoint is signed by a key a rotation replaced, which one (and whether it was revoked)."""
    for period in keys.periods()[:-1]:
        try:
            verify_note(parse_note(recorded.note), Verifier(origin, period.public_key))
        except NoteError:
            continue
        revoked = "" if period.revoked_as_of is None else f", revoked as of {period.revoked_as_of}"
        return f": it is signed by {keys.name(period.public_key)}, which #{period.to_seq} replaced{revoked}"
    return ""


def _hashed(entries: Iterator[Entry], edge: Frontier) -> Iterator[Entry]:
    """The entries as they pass, each one's leaf pushed onto ``edge`` (the nodes it completes are not kept)."""
    nodes: list[Node] = []
    for entry in entries:
        edge.push(leaf_hash(entry.payload), nodes)
        nodes.clear()
        yield entry


def audit_store(store: LedgerStore, party: str, progress: Callable[[int], None] | None = None) -> Audit:
    """Rules 1–3 for one party; the first fault is kept in the result, not raised (an unknown party is)."""
    audit = Audit(party)
    record = _record(store, party)
    try:
        recorded = sorted(store.checkpoints(party), key=lambda k: k.size)
        edge = Frontier()
        keys = Keys(record.public_key)  # verify_chain moves it on at each rotation: the keys at the size reached
        pending = iter(recorded)
        due = next(pending, None)
        while due is not None and due.size == 0:
            _check_note(record, due, edge.root(), keys)
            audit.checkpoints += 1
            due = next(pending, None)
        entries = store.entries(party)
        try:
            for n, _ in enumerate(verify_chain(_hashed(entries, edge), party, record.public_key, keys), start=1):
                audit.entries = n
                while due is not None and due.size == n:
                    _check_note(record, due, edge.root(), keys)
                    audit.checkpoints += 1
                    due = next(pending, None)
                if progress is not None and n % PROGRESS_EVERY == 0:
                    progress(n)
        finally:
            close = getattr(entries, "close", None)
            if close is not None:
                close()
        if due is not None:
            raise CheckpointError(
                party, due.size, f"entries missing after #{audit.entries} (checkpoint at size {due.size})"
            )
    except (ChainError, CheckpointError) as exc:
        audit.error = exc
    if progress is not None:
        progress(audit.entries)
    return audit


def verify_store(store: LedgerStore, party: str, progress: Callable[[int], None] | None = None) -> int:
    """Rules 1–3 for one party: the number of entries verified; the first fault raised."""
    audit = audit_store(store, party, progress)
    if audit.error is not None:
        raise audit.error
    return audit.entries


__all__ = ["Audit", "audit_store", "verify_store"]
