"""A running node: its configuration, its store, its key and the one ledger writer, opened together.

Rules:

1. Opening a node registers, once, the node's own party with its key's public key and each configured peer with
   the key its log signs with, all under the node's treaty. A store that already holds one of those parties under
   another key is refused by name: the node would otherwise write, or mirror, under the wrong key. After key
   rotations (rule 12 of :mod:`detente.ledger.rules`) the node's key must be its party's *current* one, and a
   peer's configured key one its log has held: the registered key stays the anchor the rotations start from.
2. Every submission goes through the one writer (:class:`detente.ledger.Ledger`), then the node *publishes*: it
   signs a checkpoint of its log at the new size and records it (:meth:`LedgerStore.record_checkpoint`). A
   checkpoint is the unit of the exchange: peers are pushed checkpoints, and tiles are served for their sizes.
3. A node that stopped between an append and its checkpoint publishes at its next start: the log's checkpoint is
   never left behind its entries.
4. :meth:`Node.rotate_key` appends a key rotation signed by the current key and naming the next; the rotation's
   checkpoint, and everything after, is signed by the next key.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, fingerprint
from detente.crypto.stored_tree import StoredTree
from detente.errors import NodeError
from detente.ledger import Accepted, CheckpointRecord, Closing, Ledger, PartyRecord, checkpoint_note, format_time
from detente.node.config import NodeConfig
from detente.store import SqlLedgerStore, open_store
from detente.treaty import get_treaty


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Node(Closing):
    """One party's node, opened: ``store``, ``key``, ``ledger`` (the writer) and ``config``."""

    def __init__(self, config: NodeConfig, clock: Callable[[], dt.datetime] = _now) -> None:
        self.config = config
        self.clock = clock
        self.key: PartyKey = config.key()
        self.store: SqlLedgerStore = open_store(config.store_target)
        self.ledger = Ledger(self.store, [self.key], builtin_catalog(), get_treaty, clock=clock)
        self._publishing = threading.Lock()
        self.listeners: list[Callable[[CheckpointRecord], None]] = []  # told of each checkpoint published
        try:
            self._register()
            self.publish()
        except BaseException:
            self.store.close()
            raise

    @property
    def party(self) -> str:
        """The node's own party."""
        return self.config.party

    @property
    def record(self) -> PartyRecord:
        """The node's party as registered."""
        return self.ledger.party(self.party)

    def _register(self) -> None:
        """Rule 1."""
        wanted = {self.party: self.key.public_key} | {p.party: p.verifier.public_key for p in self.config.peers}
        registered = {r.party: r for r in self.store.parties()}
        for party, public_key in wanted.items():
            found = registered.get(party)
            if found is None:
                self.ledger.register(party, public_key, self.config.treaty)
                continue
            held = [k.public_key for k in self.ledger.key_history(party)]
            ok = public_key == held[-1] if party == self.party else public_key in held
            if not ok or found.treaty != self.config.treaty:
                raise NodeError(
                    f"the store holds {party} with key {fingerprint(held[-1])} under {found.treaty}; "
                    f"the node's configuration says key {fingerprint(public_key)} under {self.config.treaty}"
                    + (" (a key rotation not yet written to node.toml?)" if public_key in held else "")
                )

    def submit(self, drafts: Sequence[dict[str, Any]], origin: str | Sequence[str] = "") -> list[Accepted]:
        """Rule 2: append a batch of the party's own notifications, then publish a checkpoint of the log."""
        accepted = self.ledger.submit(self.party, drafts, origin)
        self.publish()
        return accepted

    def rotate_key(self, new: PartyKey, revoke_previous_as_of: str | None = None) -> Accepted:
        """Rule 4: rotate the party's key to ``new`` (and revoke the current one as of a time, if given)."""
        now = format_time(self.clock())
        content: dict[str, Any] = {"public_key": base64.b64encode(new.public_key).decode()}
        if revoke_previous_as_of is not None:
            content["revoke_previous_as_of"] = revoke_previous_as_of
        draft = {"type": "key-rotation", "sent": now, "effective": now, "content": content}
        self.ledger = Ledger(self.store, [self.key, new], builtin_catalog(), get_treaty, clock=self.clock)
        (accepted,) = self.ledger.submit(self.party, [draft], "key rotation")
        self.key = new
        self.publish()
        return accepted

    def publish(self) -> CheckpointRecord | None:
        """Sign and record a checkpoint of the log at its size, if it has grown since the last (rules 2, 3)."""
        with self._publishing:
            size = self.store.tree_size(self.party)
            latest = self.latest(self.party)
            if size == 0 or (latest is not None and latest.size >= size):
                return None
            record = checkpoint_note(self.record, size, StoredTree(self.store, self.party).root(size), self.key)
            self.store.record_checkpoint(record)
        for listener in list(self.listeners):
            listener(record)
        return record

    def latest(self, party: str) -> CheckpointRecord | None:
        """A party's largest recorded checkpoint: the node's own log, or the last it witnessed of a peer."""
        return self.store.latest_checkpoint(party)

    def close(self) -> None:
        """Close the store."""
        self.store.close()


__all__ = ["Node"]
