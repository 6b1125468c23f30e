"""The ledger: the one writer that validates, signs, chains and appends notifications, per party.

Rules, in order:

1. Appends go through one serialised path (a lock per ledger object; the database's primary key stops a second
   process racing for the same sequence number).
2. A party is registered once, with its public key and the treaty its notifications are judged under.
3. A batch of notifications is checked whole before anything is written: each one against the state left by
   the ones before it (:mod:`detente.ledger.rules`). The first refusal refuses the batch and names the
   notification, the field and the rule; nothing is appended and the in-memory state is rebuilt from storage.
4. Each accepted notification is canonicalised, signed with the party's key (which must be the registered
   one) and chained to the previous entry; the batch is appended in one transaction, with a checkpoint signed
   by the same key for each data exchange in it (:mod:`detente.ledger.checkpoints`). A batch of at least
   ``HELPER_BATCH`` notifications is signed by a helper process on another core while this one validates
   (:mod:`detente.ledger.signer`); the chain needs only the payloads' hashes, so nothing else changes. Where the
   store offers a stream (a database another process can open), the batch holds no data exchange, and it is not
   the first large batch this object takes (a command that submits one would start the store's helper for
   nothing), each chunk of signed entries goes on to the store as it comes back, and is inserted inside one open
   transaction while this process validates the rest; the commit, after every signature is in and the first and
   last are checked, stores all of it or none.
5. Importing signed entries (from an export) checks every link and signature, the schema and every rule first,
   and then appends them all, or nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from detente.catalog.model import Catalog
from detente.errors import ChainError, LedgerError, Location, NotificationError
from detente.ledger.chain import GENESIS, Entry, check_entry, prepare, seal
from detente.ledger.checkpoints import EXCHANGES, exchange_checkpoints
from detente.ledger.collector import collector_paused
from detente.ledger.keys import PartyKey, fingerprint
from detente.ledger.notifications import parse_notification
from detente.ledger.port import AppendStream, LedgerStore, PartyRecord
from detente.ledger.replay import replay_payloads, replay_store
from detente.ledger.rules import Context, Flag, check
from detente.ledger.signer import SigningHelper, Sink
from detente.ledger.state import PartyState, apply
from detente.treaty.model import Treaty

HELPER_BATCH = 256  # below this, starting and feeding a helper costs more than it saves


class Accepted(NamedTuple):
    """A notification appended: its sequence number, its entry hash, and any flags (a named tuple: cheap)."""

    party: str
    seq: int
    hash: str
    flags: tuple[Flag, ...]


class Ledger:
    """Parties' append-only ledgers over a store. Reads may run beside it; writes go through this object."""

    def __init__(self, store: LedgerStore, catalog: Catalog, treaty: Callable[[str], Treaty]) -> None:
        self.store = store
        self.catalog = catalog
        self._treaty = treaty
        self._lock = threading.Lock()
        self._states: dict[str, PartyState] = {}
        self._records: dict[str, PartyRecord] = {}
        self._helpers: dict[bytes, SigningHelper] = {}
        self._large = 0  # large batches submitted: the store's stream is asked for from the second on

    def party(self, party: str) -> PartyRecord:
        """The registered party, or a :class:`LedgerError` (registrations never change, so they are cached)."""
        if party in self._records:
            return self._records[party]
        records = {r.party: r for r in self.store.parties()}
        self._records.update(records)
        if party not in records:
            known = ", ".join(records) or "none yet"
            raise LedgerError(f"party {party!r} is not registered in this ledger", hint=f"registered: {known}")
        return records[party]

    def register(self, party: str, public_key: bytes, treaty: str) -> PartyRecord:
        """Register a party with its public key and treaty (rule 2)."""
        self._treaty(treaty)  # an unknown treaty is refused here, not at the first notification
        if len(public_key) != 32:
            raise LedgerError("a public key is 32 bytes (Ed25519)")
        if party in {r.party for r in self.store.parties()}:
            raise LedgerError(f"party {party!r} is already registered")
        record = PartyRecord(party, public_key, treaty)
        self.store.add_party(record)
        return record

    def state(self, party: str) -> PartyState:
        """The party's current state (replayed from storage once, then kept up to date by appends)."""
        if party not in self._states:
            self.party(party)
            self._states[party] = replay_store(self.store, party)
        return self._states[party]

    def _context(
        self,
        record: PartyRecord,
        pending: list[tuple[dict[str, Any], str]],
        alongside: frozenset[tuple[str, int]] = frozenset(),
    ) -> Context:
        treaty = self._treaty(record.treaty)

        def entry_exists(party: str, seq: int) -> bool:
            if (party, seq) in alongside or (party == record.party and any(p["seq"] == seq for p, _ in pending)):
                return True
            return self.store.has_entry(party, seq)

        def state_at(until: str) -> PartyState:
            live = self._states.get(record.party)
            if live is not None and live.latest_effective <= until:
                return live  # nothing took effect after `until`: the live state is the state then
            stored = ((e, e.hash.hex()) for e in self.store.entries(record.party, until=until))
            parsed = ((e.notification(), h) for e, h in stored)
            return replay_payloads(record.party, [*parsed, *pending], until)

        def party_state_at(party: str, until: str) -> PartyState | None:
            if party == record.party:
                return state_at(until)
            if party not in {r.party for r in self.store.parties()}:
                return None
            live = self._states.get(party)
            if live is not None and live.latest_effective <= until:
                return live
            return replay_store(self.store, party, until)

        return Context(
            self.catalog,
            treaty.notifications,
            entry_exists,
            state_at,
            treaty.dates.entry_into_force,
            treaty.inspections,
            party_state_at,
        )

    def submit(self, party: str, drafts: Sequence[dict[str, Any]], key: PartyKey, origin: str = "") -> list[Accepted]:
        """Validate, sign, chain and append a batch of notifications for one party (rules 1, 3, 4)."""
        record = self.party(party)
        if key.party != party or key.public_key != record.public_key:
            raise LedgerError(
                f"the key {fingerprint(key.public_key)} is not {party}'s registered key "
                f"{fingerprint(record.public_key)}"
            )
        with self._lock, collector_paused():
            state = self.state(party)
            pending: list[tuple[dict[str, Any], str]] = []
            batch: list[Entry] = []
            accepted: list[Accepted] = []
            ctx = self._context(record, pending)
            helper = self._helper(key, len(drafts))
            # rule 4: a large batch is signed on another core, and stored on one as it is signed, where it can be
            stream = self._stream(drafts) if helper is not None else None
            sink = None if stream is None else _storing(stream, batch)
            signing = None if helper is None else helper.batch(len(drafts), sink)
            try:
                for i, draft in enumerate(drafts):
                    # the draft's own party, number and prev win; the notification's name is made only for errors
                    data = {"party": party, "seq": state.seq + 1, "prev": state.head, **draft}
                    try:
                        payload = parse_notification(data)
                        flags = check(state, payload, ctx)
                    except NotificationError as exc:
                        raise _named(exc, f"{origin or 'notification'} #{i + 1}") from None
                    if signing is None:
                        entry = seal(payload, key)
                    else:  # signed on the helper's core while this one validates the next
                        entry = prepare(payload)
                        signing.add(entry.payload)
                    digest = entry.hash.hex()
                    apply(state, payload, digest)
                    pending.append((payload, digest))
                    batch.append(entry)
                    accepted.append(Accepted(party, entry.seq, digest, tuple(flags)))
                if signing is not None:
                    signatures = signing.signatures()  # checked before anything is committed; streamed as they came
                    if stream is not None:
                        stream.commit()
                        return accepted
                    batch = [e.signed(s) for e, s in zip(batch, signatures, strict=True)]
                # Issue 4: a signed checkpoint at each data exchange, recorded in the same transaction.
                checkpoints = exchange_checkpoints(self.store, record, batch, [p["type"] for p, _ in pending], key)
                self.store.append(batch, checkpoints)
            except BaseException:
                self._states.pop(party, None)
                if signing is not None:
                    signing.abandon()
                if stream is not None:
                    stream.abort()
                raise
        return accepted

    def _stream(self, drafts: Sequence[dict[str, Any]]) -> AppendStream | None:
        """The store's stream for a large batch without data exchanges, from the second large batch on (rule 4).

        A process that submits one large batch (a command line) would start the store's helper for nothing.
        """
        self._large += 1
        if self._large < 2 or _has_exchange(drafts):
            return None
        return self.store.stream()

    def _helper(self, key: PartyKey, size: int) -> SigningHelper | None:
        """The key's signing helper for a batch this large, where there is a core for it (rule 4)."""
        if size < HELPER_BATCH or (os.cpu_count() or 1) < 2:
            return None
        helper = self._helpers.get(key.public_key)
        if helper is None or helper.key != key:
            helper = self._helpers[key.public_key] = SigningHelper(key)
        return helper

    def close(self) -> None:
        """Stop any signing helpers (they also stop with this object, or with the process)."""
        for helper in self._helpers.values():
            helper.close()
        self._helpers.clear()

    def import_entries(
        self,
        record: PartyRecord,
        entries: Iterable[Entry],
        *,
        write: bool = True,
        alongside: frozenset[tuple[str, int]] = frozenset(),
    ) -> int:
        """Append already-signed entries (from an export) after checking links, signatures and rules (rule 5).

        The party need not be registered yet when ``write`` is false (a check before registering anything).
        ``alongside`` names other parties' entries imported with these, which references may point to.
        Returns the number of entries that are new to this ledger.
        """
        party = record.party
        registered = party in {r.party for r in self.store.parties()}
        with self._lock:
            state = self.state(party).copy() if registered else PartyState(party)
            pending: list[tuple[dict[str, Any], str]] = []
            ctx = self._context(record, pending, alongside)
            fresh: list[Entry] = []
            for entry in entries:
                if entry.seq <= state.seq:
                    stored = next(self.store.entries(party, entry.seq, entry.seq))
                    if stored.hash != entry.hash:
                        raise ChainError(party, entry.seq, "differs from the entry this ledger already holds")
                    continue
                problem, payload = check_entry(entry, record.public_key, state.seq + 1, state.head)
                if problem is not None:
                    raise ChainError(party, entry.seq, problem)
                _in_schema(f"{party} #{entry.seq}", payload)
                _located(f"{party} #{entry.seq}", state, payload, ctx)
                apply(state, payload, entry.hash_hex)
                pending.append((payload, entry.hash_hex))
                fresh.append(entry)
            if write:
                try:
                    self.store.append(fresh)
                finally:
                    self._states.pop(party, None)
        return len(fresh)


def _storing(stream: AppendStream, batch: list[Entry]) -> Sink:
    """What the signing helper calls with each chunk's signatures: the entries, signed, go on to the store."""

    def signed(first: int, signatures: list[bytes]) -> None:
        chunk = batch[first : first + len(signatures)]
        stream.add([entry.signed(signature) for entry, signature in zip(chunk, signatures, strict=True)])

    return signed


def _has_exchange(drafts: Sequence[dict[str, Any]]) -> bool:
    """Whether a batch holds a data exchange, which gets a checkpoint, so is appended whole, not streamed."""
    return any(isinstance(d, dict) and d.get("type") in EXCHANGES for d in drafts)


def _located(where: str, state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    """Check the rules, putting the notification's name in front of the field a refusal names."""
    try:
        return check(state, payload, ctx)
    except NotificationError as exc:
        raise _named(exc, where) from None


def _in_schema(where: str, payload: dict[str, Any]) -> None:
    """Rule 1 for a signed entry: its payload passes the schema and is exactly what the schema makes of it.

    A party's signature says who wrote a payload, not that it is a notification: an export may hold one that is
    signed and chained but misses a field, has an unknown type, or holds a value the schema would convert.
    """
    if parse_notification(payload, where) != payload:
        why = "[schema] the signed payload holds a value in another form than the schema's (text for a number?)"
        raise NotificationError(why, Location(file=where))


def _named(exc: NotificationError, where: str) -> NotificationError:
    """The same refusal, naming the notification (its place in the batch or file) before the field."""
    return NotificationError(exc.why, Location(file=where, field=exc.where.field), exc.hint)


__all__ = ["GENESIS", "Accepted", "Ledger", "LedgerError"]
