"""Simulate the other party: an honest log in memory, the attacks a cheating party could play, and the observer.

A :class:`Counterparty` is one party's node without a network: a :class:`~detente.ledger.writer.Ledger` over a
:class:`~detente.ledger.memory.MemoryStore`, and an RFC 9162 :class:`~detente.crypto.merkle.MerkleTree` with one
leaf per entry (the leaf data is the entry's signed payload bytes, as ``detente trust`` uses). Its honest methods
give what an honest party sends: its entries, signed C2SP checkpoints whose key name is the log's origin, and
consistency and inclusion proofs. Its attack methods, each named after the attack, give what a cheating party
would send instead; none of them changes the honest log.

An :class:`Observer` is the other side. It holds the entries delivered to it and a
:class:`~detente.trust.witness.Witness` of the log, and accepts, in this order (the first rule broken refuses
with the error named, and nothing is recorded unless all of a delivery passes; every error comes from
:mod:`detente.errors` except the two this module defines, :class:`WithheldError` and :class:`RootMismatchError`):

Entries (:meth:`Observer.receive`), a batch that continues or overlaps what it holds:

1. The batch starts at or before the next sequence number it expects, and its entries run in consecutive
   order from there. An entry out of place is refused at the position it took: :class:`ChainError` "entry #b
   arrived where #a was expected" (entries missing, reordered or replayed).
2. Each entry is of the watched party: else :class:`ChainError`.
3. An entry it already holds must be exactly the one delivered earlier. A different one is refused with the
   reason :func:`~detente.ledger.chain.check_entry` gives, or, when it is validly signed and linked, as a second
   signed version of that entry (a fork of the entries themselves): :class:`ChainError`.
4. Every new entry passes :func:`~detente.ledger.chain.check_entry` with the registered public key and the
   previous entry's hash: sequence, hash, party and number, ``prev`` link, signature, canonical form. The first
   failure is a :class:`ChainError` naming the sequence number and why.

Checkpoints (:meth:`Observer.receive_checkpoint`), each with a consistency proof from the witness's last size:

5. The note is a well-formed checkpoint signed by the log's key, and its origin is the log's: else
   :class:`NoteError`. (The origin is checked here because :meth:`Witness.observe` does not compare it.)
6. The witness observes it: a smaller size is a rollback, another root for the same size is a fork, and a
   larger size whose consistency proof fails is an inconsistency; each is a :class:`MisbehaviourError` carrying
   offline evidence (:func:`~detente.trust.witness.check_evidence`). The witness comes before rules 7 and 8 so
   that every signed fork or rollback becomes evidence, even where the observer's own checks would refuse it;
   so the witness keeps a checkpoint that rule 7 or 8 then refuses: the log signed it, and what follows must
   extend it.
7. The checkpoint covers no more entries than were delivered: else :class:`WithheldError` ("checkpoint covers
   N entries, only M delivered: #M+1..#N withheld").
8. Its root is the root of the tree over the first N delivered entries: else :class:`RootMismatchError` (the
   entries delivered are not the ones the log signed for: a split view).
9. Accepted, it becomes the checkpoint inclusion is checked against, and the observer returns the note with the
   witness's cosignature.

Inclusion (:meth:`Observer.check_included`):

10. A delivered entry covered by the accepted checkpoint is included if the proof leads from the hash of its
    payload, at its index (sequence number - 1), to the checkpoint's root: else :class:`ProofError`.

What the observer does not check: the treaty rules of the entries it receives (the sending party's ledger does,
and ``detente ledger verify`` can replay them). A log that sends nothing cannot be told from a quiet one here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from detente.catalog.model import Catalog
from detente.crypto.canonical import canonical
from detente.crypto.keys import PartyKey
from detente.crypto.merkle import MerkleTree, leaf_hash, verify_inclusion
from detente.crypto.note import Checkpoint, Verifier, parse_note, sign_note, verify_note
from detente.errors import (
    ChainError,
    InputError,
    Location,
    NoteError,
    RootMismatchError,
    TreeError,
    WithheldError,
)
from detente.ledger.chain import GENESIS, Entry, check_entry, seal
from detente.ledger.convert import declaration_from_state
from detente.ledger.memory import MemoryStore
from detente.ledger.writer import Accepted, Ledger
from detente.treaty.load import get_treaty
from detente.trust.escrow import Commitment, Escrow, Opened, Opening
from detente.trust.witness import Witness


@dataclass(frozen=True)
class Delivery:
    """What a party sends in one round: entries, then a signed checkpoint."""

    entries: list[Entry]
    checkpoint: str


class _Log:
    """Signed entries, the Merkle tree over their payloads, and the key that signs its checkpoints."""

    def __init__(self, origin: str, key: PartyKey) -> None:
        self.origin = origin
        self._key = key
        self._entries: list[Entry] = []
        self.tree = MerkleTree()

    @property
    def size(self) -> int:
        """How many entries the log holds."""
        return len(self._entries)

    @property
    def verifier(self) -> Verifier:
        """How the other party verifies this log's checkpoints: key name = origin, the party's public key."""
        return Verifier(self.origin, self._key.public_key)

    def _append(self, entry: Entry) -> None:
        self._entries.append(entry)
        self.tree.append(entry.payload)

    def _window(self, start: int) -> list[Entry]:
        if not isinstance(start, int) or not 1 <= start <= self.size + 1:
            raise InputError(f"start #{start} is not in 1..{self.size + 1}", Location(field="start"))
        return self._entries[start - 1 :]

    def entries(self, start: int = 1) -> list[Entry]:
        """The entries from sequence number ``start`` on: what the party sends."""
        return list(self._window(start))

    def checkpoint(self, size: int | None = None) -> str:
        """A signed C2SP checkpoint of the tree at ``size`` (default: now), as note text."""
        n = self.size if size is None else size
        return sign_note(Checkpoint(self.origin, n, self.tree.root(n)).body(), self.origin, self._key).text()

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof from the tree of ``old`` entries to that of ``new`` (default: now)."""
        return self.tree.consistency_proof(old, new)

    def inclusion_proof(self, seq: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of entry ``seq`` (leaf ``seq - 1``) in the tree of ``size`` entries."""
        return self.tree.inclusion_proof(seq - 1, size)


class Fork(_Log):
    """An alternative history: the real log's entries before ``at_size``, then others, all signed with the real key.

    Its checkpoints are signed with the real key too, so a checkpoint of a size the real log also signed, with
    another root, is a fork anyone can prove; its consistency proofs are the alternative tree's, so one from a
    real checkpoint the fork does not extend cannot verify.
    """

    def __init__(self, origin: str, key: PartyKey, at_size: int) -> None:
        super().__init__(origin, key)
        self.at_size = at_size


def _seq_in(seq: int, entries: Sequence[Entry], what: str) -> int:
    """The position of sequence number ``seq`` in ``entries``, or an :class:`InputError`."""
    for position, entry in enumerate(entries):
        if entry.seq == seq:
            return position
    first, last = (entries[0].seq, entries[-1].seq) if entries else (0, 0)
    raise InputError(f"#{seq} is not among the entries sent (#{first}..#{last})", Location(field=what))


class Counterparty(_Log):
    """An honest party's node in memory, with the attacks a cheating party could play instead (module docstring)."""

    def __init__(
        self, party: str, key: PartyKey, catalog: Catalog, origin: str | None = None, treaty: str = "new-start"
    ) -> None:
        super().__init__(origin or f"detente/{treaty}/{party}", key)
        self.party = party
        self.ledger = Ledger(MemoryStore(), key, catalog, get_treaty)
        self.ledger.register(party, key.public_key, treaty)
        self._issued: dict[int, str] = {}

    def submit(self, drafts: Sequence[dict[str, Any]]) -> list[Accepted]:
        """Append notifications through the ledger (all its rules apply) and add each new entry as a leaf."""
        accepted = self.ledger.submit(self.party, drafts)
        for entry in self.ledger.store.entries(self.party, start=self.size + 1):
            self._append(entry)
        return accepted

    def checkpoint(self, size: int | None = None) -> str:
        """A signed C2SP checkpoint of the log at ``size`` (default: now), remembered as issued."""
        note = super().checkpoint(size)
        self._issued[self.size if size is None else size] = note
        return note

    def escrow(self, as_of: str) -> tuple[Escrow, Commitment]:
        """Commit to the items the ledger declares now: the secret side and the signed public commitment."""
        items = declaration_from_state(self.ledger.state(self.party))["items"]
        return Escrow.commit(self.party, as_of, items, self._key)

    # ------------------------------------------------------------------------------------------------ attacks

    def tamper_entry(self, seq: int, *, start: int = 1, rehash: bool = True) -> list[Entry]:
        """Entries from ``start`` with the payload of ``seq`` edited after signing; the signature is kept.

        With ``rehash`` (the stronger attack) the entry's hash is recomputed over the edited payload, so only the
        signature can tell; without it the stored hash no longer matches either.
        """
        sent = self.entries(start)
        position = _seq_in(seq, sent, "seq")
        entry = sent[position]
        payload = entry.notification()
        payload["remarks"] = "edited after signing"
        data = canonical(payload)
        digest = hashlib.sha256(data).digest() if rehash else entry.hash
        sent[position] = Entry(entry.party, entry.seq, data, entry.signature, digest)
        return sent

    def reorder(self, a: int, b: int, *, start: int = 1) -> list[Entry]:
        """Entries from ``start`` with #a and #b swapped in what is sent (each still validly signed)."""
        sent = self.entries(start)
        i, j = _seq_in(a, sent, "a"), _seq_in(b, sent, "b")
        sent[i], sent[j] = sent[j], sent[i]
        return sent

    def replay_signature(self, seq: int, from_seq: int, *, start: int = 1) -> list[Entry]:
        """Entries from ``start`` where #seq carries the (valid, old) signature of #from_seq instead of its own."""
        sent = self.entries(start)
        position = _seq_in(seq, sent, "seq")
        donor = self._entries[_seq_in(from_seq, self._entries, "from_seq")]
        sent[position] = sent[position]._replace(signature=donor.signature)
        return sent

    def withhold(self, n: int, *, start: int = 1) -> Delivery:
        """Entries from ``start`` without the last ``n``, and a checkpoint that covers them all."""
        sent = self.entries(start)
        if not isinstance(n, int) or not 1 <= n <= len(sent):
            raise InputError(f"cannot withhold {n} of the {len(sent)} entries sent", Location(field="n"))
        return Delivery(sent[:-n], self.checkpoint())

    def fork(self, at_size: int) -> Fork:
        """An alternative history from entry #at_size on, as long as the real log, signed with the real key.

        Entries #1..#at_size-1 are the real ones; #at_size is a different notification (its remarks differ),
        and every later entry is the real one re-chained onto it and signed again. So the fork's checkpoint of
        any size from ``at_size`` on has another root than the real log's of the same size.
        """
        if not isinstance(at_size, int) or not 1 <= at_size <= self.size:
            raise InputError(f"a fork needs a size in 1..{self.size}, not {at_size}", Location(field="at_size"))
        fork = Fork(self.origin, self._key, at_size)
        prev = GENESIS
        for real in self._entries:
            entry = real
            if real.seq >= at_size:
                payload = {**real.notification(), "prev": prev}
                if real.seq == at_size:
                    payload["remarks"] = "an alternative history"
                entry = seal(payload, self._key)
            fork._append(entry)
            prev = entry.hash_hex
        return fork

    def rollback(self, to_size: int) -> str:
        """An older, smaller checkpoint re-presented as the latest (the one issued then, if there was one)."""
        if not isinstance(to_size, int) or not 0 <= to_size < self.size:
            raise InputError(f"a rollback needs a size in 0..{self.size - 1}, not {to_size}", Location(field="to_size"))
        return self._issued.get(to_size) or super().checkpoint(to_size)

    @property
    def impostor(self) -> PartyKey:
        """A key for the same party that is not the registered one (fixed, for reproducible tests)."""
        return PartyKey.from_seed(self.party, hashlib.sha256(f"impostor of {self.party}".encode()).digest())

    def wrong_key(self, *, start: int = 1) -> Delivery:
        """Entries from ``start`` and a checkpoint of the log now, all signed with :attr:`impostor`'s key."""
        key = self.impostor
        sent = [e._replace(signature=key.sign(e.payload)) for e in self.entries(start)]
        body = Checkpoint(self.origin, self.size, self.tree.root()).body()
        return Delivery(sent, sign_note(body, self.origin, key).text())

    def changed_opening(
        self,
        escrow: Escrow,
        facility: str,
        field: Literal["warheads", "facility"] = "warheads",
        *,
        moved_from: str | None = None,
    ) -> Opening:
        """The opening of ``facility`` with one item changed after commitment, its salt and proof kept.

        ``warheads``: the first item opened there declares one warhead more. ``facility``: the first item committed
        at another facility (``moved_from``, or any) is shown here too, with its facility changed to this one.
        """
        honest = escrow.open(facility, {"facility": facility})
        if field == "warheads":
            if not honest.items:
                raise InputError(f"nothing is committed at {facility!r}", Location(field="facility"))
            first = honest.items[0]
            changed = replace(first, item={**first.item, "warheads": int(first.item.get("warheads", 0)) + 1})
            return replace(honest, items=(changed, *honest.items[1:]))
        elsewhere = next(
            (
                i
                for i, it in enumerate(escrow.items)
                if it.get("facility") != facility and moved_from in (None, it.get("facility"))
            ),
            None,
        )
        if elsewhere is None:
            where = f"at {moved_from!r}" if moved_from else f"anywhere but {facility!r}"
            raise InputError(f"no item is committed {where}", Location(field="moved_from"))
        moved = Opened(
            elsewhere,
            {**escrow.items[elsewhere], "facility": facility},
            escrow.salts[elsewhere],
            tuple(escrow.tree.inclusion_proof(elsewhere)),
        )
        return replace(honest, items=(*honest.items, moved))


class Observer:
    """The other party: receives a log's entries and checkpoints, and refuses what does not hold (module docstring)."""

    def __init__(
        self,
        party: str,
        public_key: bytes,
        witness: Witness,
        origin: str | None = None,
        treaty: str = "new-start",
    ) -> None:
        self.party = party
        self.public_key = public_key
        self.witness = witness
        self.log = Verifier(origin or f"detente/{treaty}/{party}", public_key)
        self._entries: list[Entry] = []
        self._tree = MerkleTree()
        self.checkpoint: Checkpoint | None = None
        self.cosigned: list[str] = []

    @property
    def size(self) -> int:
        """How many entries have been delivered and accepted."""
        return len(self._entries)

    @property
    def proof_from(self) -> int:
        """The size the next checkpoint's consistency proof must start from: the witness's last verified size."""
        seen = self.witness.seen.get(self.log.name)
        return 0 if seen is None else seen.size

    def entries(self) -> list[Entry]:
        """The entries accepted so far."""
        return list(self._entries)

    def receive(self, entries: Iterable[Entry]) -> int:
        """Rules 1–4 for a batch of entries; all are recorded or none. Returns how many were new."""
        batch = list(entries)
        if not batch:
            return 0
        held = len(self._entries)
        first = batch[0].seq
        start = first if isinstance(first, int) and 1 <= first <= held + 1 else held + 1
        prev = self._entries[start - 2].hash_hex if start > 1 else GENESIS
        fresh: list[Entry] = []
        for offset, entry in enumerate(batch):
            expected = start + offset
            if entry.seq != expected:
                raise ChainError(
                    self.party,
                    expected,
                    f"entry #{entry.seq} arrived where #{expected} was expected (entries missing, reordered or "
                    "replayed)",
                )
            if entry.party != self.party:
                raise ChainError(self.party, expected, f"entry of party {entry.party!r}, not {self.party!r}")
            if expected > held or entry != self._entries[expected - 1]:
                problem, _ = check_entry(entry, self.public_key, expected, prev)
                if expected <= held:
                    raise ChainError(
                        self.party,
                        expected,
                        problem
                        or "differs from the entry delivered earlier, and both are signed with the party's key: "
                        "two versions of one entry (a fork; keep both)",
                    )
                if problem is not None:
                    raise ChainError(self.party, expected, problem)
                fresh.append(entry)
            prev = entry.hash_hex
        self._entries.extend(fresh)
        self._tree.extend(e.payload for e in fresh)
        return len(fresh)

    def receive_checkpoint(self, note: str, proof: Sequence[bytes] = (), timestamp: int = 0) -> str:
        """Rules 5–9 for a checkpoint note; returns it with the witness's cosignature added."""
        signed = parse_note(note)
        verify_note(signed, self.log)
        checkpoint = signed.checkpoint()
        if checkpoint.origin != self.log.name:
            raise NoteError(f"checkpoint of the log {checkpoint.origin!r}, not of {self.log.name!r}")
        cosignature = self.witness.observe(note, self.log, proof, timestamp)
        if checkpoint.size > self.size:
            raise WithheldError(checkpoint.origin, checkpoint.size, self.size)
        root = self._tree.root(checkpoint.size)
        if checkpoint.root != root:
            raise RootMismatchError(checkpoint.origin, checkpoint.size, checkpoint.root, root, note)
        self.checkpoint = checkpoint
        cosigned = signed.with_signature(cosignature).text()
        self.cosigned.append(cosigned)
        return cosigned

    def check_included(self, seq: int, proof: Sequence[bytes]) -> None:
        """Rule 10: entry ``seq`` as delivered is in the tree of the accepted checkpoint; else :class:`ProofError`."""
        checkpoint = self.checkpoint
        if checkpoint is None:
            raise TreeError("no checkpoint accepted yet: inclusion has nothing to be checked against")
        if not isinstance(seq, int) or not 1 <= seq <= checkpoint.size:
            raise TreeError(f"#{seq} is not covered by the accepted checkpoint of size {checkpoint.size}")
        payload = self._entries[seq - 1].payload
        verify_inclusion(leaf_hash(payload), seq - 1, checkpoint.size, list(proof), checkpoint.root)


def exchange(counterparty: Counterparty, observer: Observer, timestamp: int = 0) -> str:
    """One honest round: the entries the observer lacks, then a checkpoint with a proof from the witness's last."""
    observer.receive(counterparty.entries(observer.size + 1))
    proof = counterparty.consistency_proof(observer.proof_from)
    return observer.receive_checkpoint(counterparty.checkpoint(), proof, timestamp)


__all__ = [
    "Counterparty",
    "Delivery",
    "Fork",
    "Observer",
    "RootMismatchError",
    "WithheldError",
    "exchange",
]
