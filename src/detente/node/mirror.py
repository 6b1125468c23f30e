"""The mirror of a peer's ledger: its entries fetched from its tiles, verified whole, and kept.

A node mirrors a peer's log up to a checkpoint the peer signed (the witness hands it one it has checked). In
this order, the first failure refusing everything fetched (nothing of it is stored):

1. The entries the mirror lacks, ``tree_size + 1 .. size``, are fetched with their signatures from the peer's
   signed bundles (``signed/N[.p/W]``, :mod:`detente.node.tiles` rule 6: full bundles and the one partial bundle
   the checkpoint's size gives). Not the spec's entry bundles: their 16-bit lengths cannot frame a data exchange,
   and they carry no signatures. A bundle that cannot be fetched refuses the mirror for now (503: the peer may be
   down); one that is not a well-framed bundle of the expected width is the peer's fault (422, and an alarm: it is
   not the log the peer signed, as in rule 2).
2. The fetched payloads, hashed as leaves onto the stored tree's right edge, must give the checkpoint's root:
   the tiles are the log the peer signed, or nothing is taken (422, and an alarm).
3. Every entry is then checked as any imported entry is (:meth:`detente.ledger.Ledger.import_entries`): sequence,
   link, signature under the peer's registered key, canonical form, schema, and every rule of the treaty against
   the state the mirror holds. One failure refuses the batch (422, and an alarm).
4. The batch is appended in one transaction. Verified entries are never dropped: the mirror only grows, and a
   later checkpoint must extend what it holds (the witness checks consistency first).

A checkpoint no larger than what the mirror holds fetches nothing: its root must be the stored tree's at its size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from detente.crypto.merkle import leaf_hash
from detente.crypto.note import Checkpoint
from detente.crypto.stored_tree import Frontier, StoredTree
from detente.errors import ChainError, InputError, PeerRequestError
from detente.ledger.chain import Entry, Rotation, rotation_of
from detente.node.runtime import Node
from detente.node.tiles import FULL, SIGNED, TileRef, split_signed

Fetch = Callable[[str], bytes]
"""GET a path under the peer's URL and return the body; raise :class:`PeerRequestError` (503) if it cannot."""

Alarm = Callable[[str, str], None]
"""Raise an alarm about the peer: (kind, what happened)."""


def _fetch_signed(fetch: Fetch, start: int, stop: int) -> list[tuple[bytes, bytes]]:
    """(signature, payload) of leaves ``start .. stop - 1`` of a tree of ``stop`` leaves (rule 1)."""
    out: list[tuple[bytes, bytes]] = []
    for n in range(start // FULL, (stop - 1) // FULL + 1):
        ref = TileRef(SIGNED, n, min(FULL, stop - n * FULL))
        items = split_signed(fetch(ref.path), ref.width, path=ref.path)
        out.extend(items[max(start - n * FULL, 0) :])
    return out


def follow(node: Node, party: str, checkpoint: Checkpoint, fetch: Fetch, alarm: Alarm, *, write: bool = True) -> int:
    """Mirror ``party``'s log up to ``checkpoint`` (rules 1–4); return how many entries were added.

    With ``write`` false everything is fetched and checked and nothing is stored: the witness does so to learn a
    key rotation the checkpoint's signature may rest on before it takes anything.
    """
    return len(_verified(node, party, checkpoint, fetch, alarm, write=write))


def checked_entries(node: Node, party: str, checkpoint: Checkpoint, fetch: Fetch, alarm: Alarm) -> list[Entry]:
    """The entries the mirror lacks up to ``checkpoint``, fetched and checked whole (rules 1–3), not stored."""
    return _verified(node, party, checkpoint, fetch, alarm, write=False)


def rotations_up_to(node: Node, party: str, entries: list[Entry]) -> list[Rotation]:
    """The party's key rotations: those mirrored, then those among ``entries`` (which follow the mirror)."""
    found = [e.notification() for e in entries]
    return [*node.ledger.state(party).rotations, *(rotation_of(p) for p in found if p["type"] == "key-rotation")]


def fetched_rotations(node: Node, party: str, checkpoint: Checkpoint, fetch: Fetch, alarm: Alarm) -> list[Rotation]:
    """The party's key rotations up to ``checkpoint``, learnt from entries fetched and checked, not stored."""
    return rotations_up_to(node, party, checked_entries(node, party, checkpoint, fetch, alarm))


def _verified(
    node: Node, party: str, checkpoint: Checkpoint, fetch: Fetch, alarm: Alarm, *, write: bool
) -> list[Entry]:
    store = node.store
    have = store.tree_size(party)
    size = checkpoint.size
    if size <= have:
        if size and StoredTree(store, party).root(size) != checkpoint.root:
            why = f"its checkpoint at size {size} has another root than the entries it signed and this node holds"
            alarm("fork", why)
            raise PeerRequestError(422, why)
        return []
    try:
        signed = _fetch_signed(fetch, have, size)
    except PeerRequestError as exc:
        if exc.status == 422:  # fetched whole, but not a bundle of the width the checkpoint gives
            alarm("bad-tiles", f"its signed bundles for entries {have + 1}..{size} are not well framed: {exc.why}")
        raise
    edge = Frontier(have, store.tree_nodes(party, Frontier.positions(have)))
    grown: list[tuple[int, int, bytes]] = []
    for _signature, payload in signed:
        edge.push(leaf_hash(payload), grown)
        grown.clear()
    if edge.root() != checkpoint.root:
        why = f"its tiles for entries {have + 1}..{size} do not hash to the root of its checkpoint at size {size}"
        alarm("bad-tiles", why)
        raise PeerRequestError(422, why)
    entries = [
        Entry(party, have + i + 1, payload, signature, hashlib.sha256(payload).digest())
        for i, (signature, payload) in enumerate(signed)
    ]
    try:
        node.ledger.import_entries(node.ledger.party(party), entries, write=write)
    except (ChainError, InputError) as exc:
        why = f"an entry of its log does not verify: {exc}"
        alarm("bad-entry", why)
        raise PeerRequestError(422, why) from None
    return entries


__all__ = ["Alarm", "Fetch", "checked_entries", "fetched_rotations", "follow", "rotations_up_to"]
