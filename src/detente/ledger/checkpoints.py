"""Checkpoints the writer issues at every data exchange: the party's log, signed at the size the exchange ends it.

Rules:

1. A data exchange is a notification of type ``initial-data`` or ``data-update``. A batch gets one checkpoint for
   each data exchange in it, at the size that ends with it (its sequence number); other notifications get none.
2. A checkpoint is a C2SP signed note (:mod:`detente.crypto.note`): origin ``detente/TREATY/PARTY``, the size, and
   the RFC 9162 root of the party's entries up to that size, one leaf per entry (its signed payload bytes). It is
   signed, under the origin as key name, with the key that signed the exchange: the party's key current at that
   size (an exchange is not a key rotation, so the key that signs it is the key after it too; chain rule 4 of
   :mod:`detente.ledger.chain`).
3. The root comes from the stored tree's frontier where the batch starts (read through the port, at most one
   node per level) and the batch's own leaves. The store computes the same root as it appends and refuses the whole
   batch, checkpoint and entries alike, if the two differ.
4. Entries imported from an export get no checkpoint here: the importer does not hold the party's key.
"""

from __future__ import annotations

from collections.abc import Sequence

from detente.crypto.keys import Signer
from detente.crypto.note import Checkpoint, SignedNote, TlogProof, Verifier, sign_note, verify_tlog_proof
from detente.crypto.stored_tree import Frontier, StoredTree, grow
from detente.errors import VerificationError
from detente.ledger.chain import EXCHANGES, Entry
from detente.ledger.port import CheckpointRecord, LedgerStore, PartyRecord


def log_origin(record: PartyRecord) -> str:
    """The origin line, and key name, of a party's log: ``detente/TREATY/PARTY``."""
    return f"detente/{record.treaty}/{record.party}"


def checkpoint_note(record: PartyRecord, size: int, root: bytes, signer: Signer) -> CheckpointRecord:
    """A checkpoint of a party's log at ``size`` with ``root``, signed by ``signer`` (rule 2)."""
    origin = log_origin(record)
    note = sign_note(Checkpoint(origin, size, root).body(), origin, signer)
    return CheckpointRecord(record.party, size, root, note.text())


def exchange_checkpoints(
    store: LedgerStore,
    record: PartyRecord,
    batch: Sequence[Entry],
    types: Sequence[str],
    signers: Sequence[Signer],
) -> list[CheckpointRecord]:
    """The checkpoints to record with ``batch``: rules 1–3.

    ``batch`` is one party's entries, in order; ``types`` their types, and ``signers`` the signer of each.
    """
    sizes = {entry.seq for entry, kind in zip(batch, types, strict=True) if kind in EXCHANGES}
    if not sizes:
        return []
    party = record.party
    start = batch[0].seq - 1
    edge = Frontier(start, store.tree_nodes(party, Frontier.positions(start)))
    out = []
    for entry in batch[: max(sizes) - start]:
        grow([(party, entry.seq, entry.payload)], lambda _party, _size: edge)
        if entry.seq in sizes:
            out.append(checkpoint_note(record, entry.seq, edge.root(), signers[entry.seq - 1 - start]))
    return out


__all__ = ["EXCHANGES", "checkpoint_note", "exchange_checkpoints", "log_origin"]


def inclusion_proof(store: LedgerStore, record: PartyRecord, seq: int, note: SignedNote) -> TlogProof:
    """A c2sp.org/tlog-proof of entry #``seq`` under the signed checkpoint ``note``, the entry as its extra data.

    The proof is checked against the party's registered key before it is returned: a proof read from damaged tree
    nodes is refused here (:class:`VerificationError`), never handed out.
    """
    checkpoint = note.checkpoint()
    entry = next(store.entries(record.party, seq, seq), None)
    if entry is None or seq > checkpoint.size:
        raise VerificationError(f"{record.party}'s entry #{seq} is not in the log under size {checkpoint.size:,}")
    tree = StoredTree(store, record.party)
    proof = TlogProof(seq - 1, tuple(tree.inclusion_proof(seq - 1, checkpoint.size)), note, entry.payload)
    try:
        verify_tlog_proof(proof, Verifier(log_origin(record), record.public_key))
    except VerificationError as exc:
        raise VerificationError(f"the proof read from the ledger's stored tree does not verify: {exc}") from None
    return proof


def covering_checkpoint(store: LedgerStore, party: str, seq: int, *, earliest: bool = False) -> CheckpointRecord | None:
    """The latest recorded checkpoint of the party's log that covers entry #``seq`` (``earliest``: the first), if any.

    The latest proves under the newest signed state (``trust prove-inclusion``); the earliest is the one issued
    when the entry was new, which stays the same as the log grows (the fact sheet of a past date).
    """
    covering = [k for k in store.checkpoints(party) if k.size >= seq]
    if not covering:
        return None
    return (min if earliest else max)(covering, key=lambda k: k.size)
