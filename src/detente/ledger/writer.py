"""The ledger: the one writer that validates, signs, chains and appends notifications, per party.

Rules, in order:

1. Appends go through one serialised path, the same for one notification or a data exchange of ten thousand, on
   every store: a lock per ledger object, and the store's check, under its write lock, that a batch follows the
   party's head. A batch another process got ahead of is made again once on the state that process left (a
   refusal then is a refusal on that state); a second conflict says "busy" and stores nothing.
2. A party is registered once, with its public key and the treaty its notifications are judged under; the key is
   refused if any party holds or held it (registered, or named by a key rotation). The ledger signs for a party
   only with a :class:`~detente.crypto.keys.Signer` it was given whose public key is the party's current one: the
   registered key until a key rotation names another (rule 12 of :mod:`detente.ledger.rules`). A batch that
   rotates the key signs the rotation with the key it replaces and what follows it with the key it names, so it
   needs both signers; a rotation at the end of a batch needs only the first.
3. A batch of notifications is checked whole before anything is written: each one against the state left by
   the ones before it (:mod:`detente.ledger.rules`). The first refusal refuses the batch and names the
   notification, the field and the rule; nothing is appended and the in-memory state is rebuilt from storage.
4. Each accepted notification is canonicalised, signed and chained to the previous entry; the first signature
   each signer makes in the batch is verified with the key it is to sign with (a signer holding another key is
   caught before anything is written). The batch is appended in one transaction, with a checkpoint for each data
   exchange in it, signed by the exchange's signer (:mod:`detente.ledger.checkpoints`).
5. Importing signed entries (from an export or a peer) checks every link and signature, the schema and every rule
   first, and then appends them all, or nothing. Signatures are checked with the key current at each entry,
   following the key rotations among the entries imported, whether or not this ledger held any of them before.
6. A batch whose notifications are exactly the ledger's last ones (each draft, given that entry's number and
   ``prev``, validates to the payload stored) is a retried submit: nothing is appended, and the entries are
   returned marked ``repeated``. Two notifications equal to the second, sent time included, are one notice.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from detente.catalog.model import Catalog
from detente.crypto.keys import Signer, fingerprint, verify
from detente.errors import ChainError, ConflictError, LedgerError, Location, NotificationError
from detente.ledger.chain import KEY_ROTATION, Entry, KeyPeriod, Keys, key_periods, seal
from detente.ledger.checkpoints import exchange_checkpoints
from detente.ledger.notifications import format_time, parse_notification
from detente.ledger.port import Closing, LedgerStore, PartyRecord
from detente.ledger.replay import key_history, replay_payloads, replay_store
from detente.ledger.rules import CLOCK_TOLERANCE, Context, Flag, check
from detente.ledger.state import PartyState, apply, party_catalog
from detente.treaty.model import Treaty


class Accepted(NamedTuple):
    """A notification appended: its sequence number, its entry hash, and any flags (a named tuple: cheap).

    ``repeated``: the notification was already the ledger's, appended by an earlier submit of the same batch (rule 6).
    """

    party: str
    seq: int
    hash: str
    flags: tuple[Flag, ...]
    repeated: bool = False


class Ledger(Closing):
    """Parties' append-only ledgers over a store. Reads may run beside it; writes go through this object.

    ``signers`` are the keys this ledger may sign with (one, or one per party it writes for; none for a ledger
    that only reads and imports); ``treaties`` gives a treaty by id. With a ``clock``, nothing sent later than its
    time (plus the rules' stated tolerance) is accepted; without one (a simulation, a plan played forward) the
    dates are checked only against the treaty's. The ledger owns the store: closing the ledger (or leaving its
    ``with`` block) closes the store.
    """

    def __init__(
        self,
        store: LedgerStore,
        signers: Signer | Iterable[Signer],
        catalog: Catalog,
        treaties: Callable[[str], Treaty],
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self._clock = clock
        self.catalog = catalog
        self._treaty = treaties
        self._signers = {s.public_key: s for s in ([signers] if isinstance(signers, Signer) else signers)}
        self._lock = threading.Lock()
        self._states: dict[str, PartyState] = {}
        self._records: dict[str, PartyRecord] = {}

    def close(self) -> None:
        """Close the store."""
        self.store.close()

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
        """Register a party with its public key and treaty (rule 2).

        The treaty is recorded by its id, so ``treaty`` must be the id of the treaty it names (a path to a treaty
        file is refused: the file could change or move under the ledger). One key signs for one party.
        """
        named = self._treaty(treaty)  # an unknown treaty is refused here, not at the first notification
        if named.id != treaty:
            raise LedgerError(
                f"a ledger records its treaty by id: {treaty!r} is treaty {named.id!r}, give its id",
                hint="a treaty file cannot back a ledger: it could change or move under it",
            )
        if len(public_key) != 32:
            raise LedgerError("a public key is 32 bytes (Ed25519)")
        registered = self.store.parties()
        if party in {r.party for r in registered}:
            raise LedgerError(f"party {party!r} is already registered")
        for other in registered:
            if other.public_key == public_key:
                raise LedgerError(
                    f"key {fingerprint(public_key)} is already registered for {other.party}: one key signs for one "
                    f"party, or a signature could not say which party made it",
                    hint=f"generate a key for {party}",
                )
        rotated = self._keys_of_others(party)
        if public_key in rotated:
            raise LedgerError(
                f"key {fingerprint(public_key)} was {rotated[public_key]}'s, named by a key rotation: one key signs "
                f"for one party, or a signature could not say which party made it",
                hint=f"generate a key for {party}",
            )
        record = PartyRecord(party, public_key, treaty)
        self.store.add_party(record)
        return record

    def state(self, party: str) -> PartyState:
        """The party's current state (replayed from storage once, then kept up to date by appends)."""
        if party not in self._states:
            self.party(party)
            self._states[party] = replay_store(self.store, party)
        return self._states[party]

    def key_history(self, party: str) -> list[KeyPeriod]:
        """The party's keys: the registered one, then each key rotation's, with the entries each signs.

        The key that signs the party's checkpoint at a size is :func:`detente.ledger.chain.key_at_size` of these.
        """
        return key_periods(self.party(party).public_key, self.state(party).rotations)

    def _keys_of_others(self, party: str) -> dict[bytes, str]:
        """Every key another party holds or held (registered, or named by a rotation) → that party (rules 2, 12)."""
        held: dict[bytes, str] = {}
        for record in self.store.parties():
            if record.party != party:
                # read from the store, not a kept state: another process may have rotated the key since
                held.update((period.public_key, record.party) for period in key_history(self.store, record.party))
        return held

    def catalog_of(self, party: str) -> Catalog:
        """The party's catalog: the writer's, and the system types the party's data exchanges declared."""
        return party_catalog(self.catalog, self.state(party))

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
            # an import checks its entries on a copy of the state: the live one holds none of them, so it is not
            # the state then (a submit's entries are applied to the live state itself)
            if (
                live is not None
                and live.latest_effective <= until
                and live.seq >= (pending[-1][0]["seq"] if pending else 0)
            ):
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

        latest = None if self._clock is None else format_time(self._clock() + CLOCK_TOLERANCE)
        return Context(
            self.catalog,  # the writer's: the rules add the types the party declared (party_catalog)
            treaty.notifications,
            entry_exists,
            state_at,
            treaty.dates.entry_into_force,
            treaty.inspections,
            party_state_at,
            treaty.dates.expires,
            latest,
            parties=lambda: [r.party for r in self.store.parties()],
            registered_key=record.public_key,
            keys_of_others=lambda: self._keys_of_others(record.party),
            measures=tuple(m.id for m in treaty.measures),
        )

    def signer(self, party: str) -> Signer:
        """The signer for a party's current key (rule 2), or a :class:`LedgerError` naming the key wanted."""
        return self._signer(self.party(party), self.state(party))

    def _signer(self, record: PartyRecord, state: PartyState, after_rotation: str = "") -> Signer:
        key = state.rotations[-1].public_key if state.rotations else record.public_key
        signer = self._signers.get(key)
        if signer is None:
            held = ", ".join(fingerprint(k) for k in self._signers) or "none"
            which = f"current key (named by #{state.rotations[-1].seq})" if state.rotations else "registered key"
            why = f"this ledger holds no signer for {record.party}'s {which} {fingerprint(key)}"
            if after_rotation:
                why += f", which signs {after_rotation}: nothing was stored"
                hint = f"keys held: {held}; pass the key the rotation names too, or submit the rotation alone"
            else:
                hint = f"keys held: {held}; pass {record.party}'s key"
            raise LedgerError(why, hint=hint)
        return signer

    def submit(self, party: str, drafts: Sequence[dict[str, Any]], origin: str | Sequence[str] = "") -> list[Accepted]:
        """Validate, sign, chain and append a batch of notifications for one party (rules 1, 3, 4, 6).

        ``origin`` names where the drafts came from, for refusals: a file ("FILE" gives "FILE #3"), or each
        draft's own name (drafts from several files, submitted as one batch).
        """
        record = self.party(party)
        with self._lock:
            try:
                return self._submit(record, drafts, origin)
            except ConflictError:  # rule 1: another process appended first; once more, on the state it left
                self._states.pop(party, None)
            try:
                return self._submit(record, drafts, origin)
            except ConflictError:
                self._states.pop(party, None)
                raise ConflictError(  # not bad input: the same batch may well go through (a node answers 503)
                    f"busy: another writer keeps appending to {party}'s ledger; nothing of this batch was stored "
                    "(submit it again)"
                ) from None

    def _submit(
        self, record: PartyRecord, drafts: Sequence[dict[str, Any]], origin: str | Sequence[str]
    ) -> list[Accepted]:
        party = record.party
        state = self.state(party)
        repeated = self._repeated(state, drafts)
        if repeated:
            return repeated
        pending: list[tuple[dict[str, Any], str]] = []
        batch: list[Entry] = []
        signers: list[Signer] = []  # each entry's
        firsts: list[int] = [0]  # where each signer starts signing: the batch's first entry, and after rotations
        accepted: list[Accepted] = []
        ctx = self._context(record, pending)
        try:
            signer = self._signer(record, state)
            for i, draft in enumerate(drafts):
                # a draft that names its own party, number or prev keeps them, and the rules judge them
                data = {"party": party, "seq": state.seq + 1, "prev": state.head, **draft}
                try:
                    payload = parse_notification(data)
                    flags = check(state, payload, ctx)
                except NotificationError as exc:
                    name = f"{origin or 'notification'} #{i + 1}" if isinstance(origin, str) else origin[i]
                    raise _named(exc, name) from None
                entry = seal(payload, signer)
                apply(state, payload, entry.hash_hex)
                pending.append((payload, entry.hash_hex))
                batch.append(entry)
                signers.append(signer)
                accepted.append(Accepted(party, entry.seq, entry.hash_hex, tuple(flags)))
                if payload["type"] == KEY_ROTATION and i + 1 < len(drafts):  # what follows is the new key's
                    signer = self._signer(record, state, f"the notifications after the key rotation #{entry.seq}")
                    firsts.append(i + 1)
            for first in firsts if batch else ():
                self._check_signer(record, state, batch[first])
            types = [p["type"] for p, _ in pending]
            checkpoints = exchange_checkpoints(self.store, record, batch, types, signers)
            self.store.append(batch, checkpoints)
        except BaseException:
            self._states.pop(party, None)
            raise
        return accepted

    @staticmethod
    def _check_signer(record: PartyRecord, state: PartyState, entry: Entry) -> None:
        """Rule 4: a signer's first signature in a batch verifies with the key it signs for (``state``: after it)."""
        keys = Keys(record.public_key, [r for r in state.rotations if r.seq < entry.seq])
        if not verify(keys.current, entry.payload, entry.signature):
            which = f"current key {keys.name(keys.current)}" if keys.rotations else "registered key"
            raise LedgerError(
                f"the signer's signature does not verify with {record.party}'s {which}: nothing was stored",
                hint="is the signing service holding another key?",
            )

    def _repeated(self, state: PartyState, drafts: Sequence[dict[str, Any]]) -> list[Accepted]:
        """Rule 6: the ledger's last entries, if the batch is exactly what they say (a retried submit); else none."""
        n = len(drafts)
        if not n or n > state.seq:
            return []
        out = []
        for draft, entry in zip(drafts, self.store.entries(state.party, state.seq - n + 1), strict=False):
            stored = entry.notification()
            try:
                again = parse_notification({"party": state.party, "seq": entry.seq, "prev": stored["prev"], **draft})
            except NotificationError:
                return []
            if again != stored:
                return []
            out.append(Accepted(state.party, entry.seq, entry.hash_hex, (), repeated=True))
        return out if len(out) == n else []

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
            keys = Keys(record.public_key, state.rotations)  # followed through the entries, as verify does
            pending: list[tuple[dict[str, Any], str]] = []
            ctx = self._context(record, pending, alongside)
            fresh: list[Entry] = []
            for entry in entries:
                if entry.seq <= state.seq:
                    stored = next(self.store.entries(party, entry.seq, entry.seq))
                    if stored.hash != entry.hash:
                        raise ChainError(party, entry.seq, "differs from the entry this ledger already holds")
                    continue
                problem, payload = keys.check(entry, state.seq + 1, state.head)
                if problem is not None:
                    raise ChainError(party, entry.seq, problem)
                _in_schema(f"{party} #{entry.seq}", payload)
                _located(f"{party} #{entry.seq}", state, payload, ctx)
                fault = keys.follow(entry.seq, payload)  # the rules refused a bad rotation already: this is a guard
                if fault is not None:
                    raise ChainError(party, *fault)
                apply(state, payload, entry.hash_hex)
                pending.append((payload, entry.hash_hex))
                fresh.append(entry)
            if write:
                try:
                    self.store.append(fresh)
                finally:
                    self._states.pop(party, None)
        return len(fresh)


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


__all__ = ["Accepted", "Ledger"]
