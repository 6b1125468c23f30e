"""The exchange: a node pushes its log's latest checkpoint to each peer until the peer cosigns it.

Rules:

1. What is owed to a peer is derived, not queued: the node's latest recorded checkpoint, if the peer's kept
   cosignatures (in the store, beside the checkpoints) do not reach its size. So a push owed survives any crash,
   nothing is pushed twice once cosigned, and a later checkpoint supersedes an earlier one still owed (the
   witness's cosignature of the later one covers everything before it). Order is kept: checkpoints only grow.
2. A push is C2SP tlog-witness ``add-checkpoint``: ``old`` is the size the peer last cosigned as far as this node
   kept (0 if none), with the consistency proof from there, read from the stored tree.
3. A 409 with ``text/x.tlog.size`` tells the peer's size: the node resends once from there (a cosignature the peer
   made but this node did not keep, after a crash). A size above the node's own log is impossible for an honest
   pair (this node never signed such a checkpoint): an alarm, and no resend.
4. A 200 must carry a cosignature by the peer's key (tlog-cosignature v1 under the peer's log name) of exactly the
   checkpoint sent; it is kept with :meth:`LedgerStore.add_cosignature`. Anything else is a failed push. The
   cosignature's time is the peer's clock's, kept as signed and not judged against this node's clock, so clock
   skew has no tolerance to exceed here: the time says when the peer checked, a skewed one is no less a receipt,
   and refusing it would only repeat the push against the same clock. (Clocks meet in the peer's mirror, which
   refuses a notification sent more than the ledger's ``CLOCK_TOLERANCE``, 10 minutes, after its own time.)
5. A failed push (the peer down, a 5xx, a refusal, or this node's store failing while it pushed) is retried with
   exponential backoff, from 1 s doubling up to 60 s, per peer; a new checkpoint wakes the loop at once. No error
   ends the loop. The outcome of each peer's last attempt is kept for the status page.
6. The loop also looks at the store once a second: entries appended by another process (``detente ledger
   submit`` on the node's store) get their checkpoint published there, and are pushed like any other.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from detente.crypto.note import COSIGNATURE_V1, Verifier, parse_note, verify_signature
from detente.crypto.stored_tree import StoredTree
from detente.errors import NoteError
from detente.ledger import CosignatureRecord
from detente.node.alarms import AlarmLog
from detente.node.config import Peer, origin_of
from detente.node.runtime import Node

Post = Callable[[str, bytes], httpx.Response]
"""POST a body to a URL and return the response (raises :class:`httpx.HTTPError` when there is none)."""

_FIRST_DELAY = 1.0
_LONGEST_DELAY = 60.0
_POLL = 1.0  # seconds between looks at the store when nothing wakes the loop (rule 6)


@dataclass
class PushState:
    """A peer's last push: when, what came of it, and when the next try is due."""

    outcome: str = "not tried"
    at: float = 0.0
    delay: float = 0.0
    due: float = 0.0
    cosigned: int = 0


def cosigned_size(node: Node, peer: Peer) -> int:
    """The largest size of the node's log the peer's cosignature is kept for (0 if none)."""
    name = origin_of(node.config.treaty, peer.party)
    sizes = [c.size for c in node.store.cosignatures(node.party) if c.cosigner == name]
    return max(sizes, default=0)


def _body(node: Node, old: int, size: int, note: str) -> bytes:
    proof = StoredTree(node.store, node.party).consistency_proof(old, size) if old else []
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def push(node: Node, peer: Peer, post: Post, alarm: AlarmLog) -> str:
    """One push of the latest checkpoint to one peer (rules 1–4); returns the outcome in words."""
    latest = node.latest(node.party)
    old = cosigned_size(node, peer)
    if latest is None or old >= latest.size:
        return f"cosigned at size {old}" if latest else "nothing to push"
    for _attempt in range(2):
        response = post(f"{peer.base}/add-checkpoint", _body(node, old, latest.size, latest.note))
        if response.status_code == 409 and response.headers.get("content-type", "").startswith("text/x.tlog.size"):
            text = response.text.strip()
            if not text.isdigit():
                return f"refused: 409 with a size that is not a number ({text[:20]!r})"
            size = int(text)
            if size > latest.size:
                alarm(peer.party, "ahead", f"{peer.party} says it cosigned this log at size {size}, above its size")
                return f"refused: the peer claims size {size}, above this log's {latest.size}"
            old = size
            continue
        if response.status_code != 200:
            return f"refused: {response.status_code} {response.text[:200]}"
        return _keep(node, peer, latest.size, latest.note, response.text)
    return "refused: the peer's size changed while pushing"


def _keep(node: Node, peer: Peer, size: int, note_text: str, answer: str) -> str:
    """Rule 4: keep the peer's cosignatures of the checkpoint sent."""
    current = node.ledger.key_history(peer.party)[-1].public_key  # after rotations, the peer cosigns with its latest
    witness = Verifier(origin_of(node.config.treaty, peer.party), current, COSIGNATURE_V1)
    note = parse_note(note_text)
    kept = 0
    for line in answer.splitlines():
        try:
            signature = parse_note(note.body + "\n" + line + "\n").signatures[0]
        except NoteError:
            continue
        if verify_signature(note, signature, witness) is not None:
            node.store.add_cosignature(CosignatureRecord(node.party, size, witness.name, line))
            kept += 1
    return f"cosigned at size {size}" if kept else "refused: the answer holds no valid cosignature of the checkpoint"


class Pusher:
    """The loop that keeps every peer's cosignature current (rule 5), on a thread of its own."""

    def __init__(self, node: Node, alarm: AlarmLog, post: Post | None = None) -> None:
        self.node = node
        self.alarm = alarm
        self.client = httpx.Client(timeout=30.0)
        self.post = post or (lambda url, body: self.client.post(url, content=body))
        self.states = {p.party: PushState() for p in node.config.peers}
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="detente-pusher", daemon=True)

    def start(self) -> None:
        """Start the loop; every checkpoint the node publishes from now on wakes it."""
        self.node.listeners.append(self._published)
        self.thread.start()

    def _published(self, _record: object) -> None:
        self.nudge()

    def nudge(self) -> None:
        """A new checkpoint: try every peer now, backoff or not."""
        for state in self.states.values():
            state.due = 0.0
        self.wake.set()

    def stop(self) -> None:
        """Stop the loop and wait for it."""
        if self._published in self.node.listeners:
            self.node.listeners.remove(self._published)
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout=35)
        self.client.close()

    def round(self) -> None:
        """One pass over the peers whose next try is due."""
        now = time.monotonic()
        for peer in self.node.config.peers:
            state = self.states[peer.party]
            if state.due > now:
                continue
            outcome = self._attempt(peer, state)
            state.outcome, state.at = outcome, time.time()
            if outcome.startswith(("refused", "unreachable", "failed")):
                state.delay = min(max(state.delay * 2, _FIRST_DELAY), _LONGEST_DELAY)
                state.due = now + state.delay
            else:
                state.delay, state.due = 0.0, 0.0

    def _attempt(self, peer: Peer, state: PushState) -> str:
        """One push, its failure in words whatever it was: an error here must not end the loop (rule 5)."""
        try:
            outcome = push(self.node, peer, self.post, self.alarm)
            state.cosigned = cosigned_size(self.node, peer)
        except httpx.HTTPError as exc:
            return f"unreachable: {type(exc).__name__}"
        except Exception as exc:  # the store failing (a database restarting), or worse: this try failed, not the loop
            return f"failed: {type(exc).__name__}: {exc}"[:300]
        return outcome

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()  # before the round: a checkpoint published during it wakes the next one
            self._publish()
            self.round()
            waits = [s.due - time.monotonic() for s in self.states.values() if s.due]
            self.wake.wait(timeout=min(max(min(waits, default=_POLL), 0.05), _POLL))

    def _publish(self) -> None:
        """Rule 6: sign a checkpoint of entries appended behind the node's back (the CLI on the same store)."""
        with contextlib.suppress(Exception):  # the store failing: the round says so, and the next poll retries
            self.node.publish()


__all__ = ["PushState", "Pusher", "cosigned_size", "push"]
