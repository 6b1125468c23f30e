"""The demo on two nodes: a US and a Russian node on loopback exchange the ILLUSTRATIVE 2011–2023 history.

What it shows, in order:

1. Two node directories (SQLite) with the public demo keys, each the other's peer, served on loopback.
2. The demo ledger's history (:func:`detente.demo.ledger.build_demo_ledger`: data exchanges, changes,
   exhibitions, receipts) submitted as it happened, each batch to its own party's node. After each batch the
   demo waits until the other node has mirrored it, verified every entry and cosigned: the next notification
   may refer to it (a receipt names the other side's update).
3. Each node's mirror of the other's ledger counted at every data date beside the published New START
   aggregates: what one side computes of the other, from nothing but what the other signed.
4. Russia's last notification, and the US node's status as of the deadline of the data exchange Russia did not
   make (1 March 2023 data, due 31 March): Russia shown silent.

Everything runs in one process (the nodes on threads, their exchange over HTTP); the directory is kept, so
``detente node status`` and ``detente serve`` work on it afterwards.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.catalog import builtin_catalog
from detente.counting import parse_reading
from detente.crypto.keys import save_key
from detente.demo.ledger import build_demo_ledger, demo_key
from detente.demo.plans import TREATY
from detente.errors import NodeError
from detente.ledger import Accepted, PartyState
from detente.ledger.timeline import TimelineRow, data_dates, timeline
from detente.node import Node, add_peer, free_port, init_node, load_node, log_key, node_status, running
from detente.node.exchange import cosigned_size

PARTIES = ("US", "RU")
_SYNC_SECONDS = 120.0


@dataclass
class NodeDemo:
    """What the demo found: per node, its mirror of the other counted beside the published figures; silence."""

    directory: Path
    entries: dict[str, int] = field(default_factory=dict)
    mirrors: dict[str, list[TimelineRow]] = field(default_factory=dict)  # by the mirroring node's party
    silence: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def agreement(self, party: str) -> tuple[int, int]:
        """(rows that equal the published figure, rows with a published figure) in ``party``'s mirror."""
        rows = [r for r in self.mirrors[party] if r.official is not None]
        return sum(1 for r in rows if r.agrees), len(rows)


class _Exchange:
    """What :func:`build_demo_ledger` writes through: each party's batch goes to its own node, then is awaited."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes
        self.catalog = builtin_catalog()

    def register(self, party: str, public_key: bytes, treaty: str) -> None:
        """The nodes registered every party when they opened: check it is the same key and treaty."""
        record = self.nodes[party].ledger.party(party)
        if (record.public_key, record.treaty) != (public_key, treaty):
            raise NodeError(f"the {party} node holds another key or treaty than the demo's")

    def state(self, party: str) -> PartyState:
        """The party's state, from its own node."""
        return self.nodes[party].ledger.state(party)

    def submit(self, party: str, drafts: Sequence[dict[str, Any]], origin: str = "") -> list[Accepted]:
        """Append on the party's node, then wait until every peer has mirrored and cosigned it (rule 2)."""
        node = self.nodes[party]
        accepted = node.submit(drafts, origin)  # its pusher is woken by the checkpoint this publishes
        size = node.store.tree_size(party)
        deadline = time.monotonic() + _SYNC_SECONDS
        for peer in node.config.peers:
            while cosigned_size(node, peer) < size:
                if time.monotonic() > deadline:
                    raise NodeError(
                        f"{peer.party} did not cosign {party}'s log at size {size} within {_SYNC_SECONDS} s"
                    )
                time.sleep(0.005)
        return accepted


@contextmanager
def demo_nodes(directory: Path) -> Iterator[dict[str, Node]]:
    """Rule 1: the two node directories made (or reopened) in ``directory``, both served, until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    configs = {}
    for party in PARTIES:
        folder = directory / party.lower()
        if not (folder / "node.toml").exists():
            keys = directory / "keys"
            keys.mkdir(exist_ok=True)
            key = keys / f"{party}.demo.key"
            if not key.exists():
                save_key(demo_key(party), key)
            init_node(folder, party, TREATY, key=key)
        configs[party] = load_node(folder)
    ports = {party: free_port() for party in PARTIES}
    for party in PARTIES:
        config = configs[party]
        for other in PARTIES:
            if other != party and config.peer(other) is None:
                config = add_peer(config, other, f"http://127.0.0.1:{ports[other]}", log_key(configs[other]))
        configs[party] = config
    with ExitStack() as stack:
        nodes = {p: stack.enter_context(Node(load_node(configs[p].directory))) for p in PARTIES}
        for party, node in nodes.items():
            peer_port = {int(p.url.rsplit(":", 1)[1]) for p in node.config.peers}
            if not peer_port <= set(ports.values()):
                raise NodeError(f"{node.config.directory} has peers on other ports: remove the directory to rerun")
            stack.enter_context(running(node, ports[party]))
        yield nodes


def run_node_demo(directory: Path, progress: Callable[[str], None] | None = None) -> NodeDemo:
    """Rules 1–4, in a new directory."""
    say = progress or (lambda _message: None)
    if directory.exists() and any(directory.iterdir()):
        raise NodeError(f"{directory} is not empty: the demo makes its nodes in a new directory")
    started = time.perf_counter()
    result = NodeDemo(directory)
    with demo_nodes(directory) as nodes:
        build_demo_ledger(_Exchange(nodes), say)  # type: ignore[arg-type]
        reading = parse_reading(TREATY)
        for party, node in nodes.items():
            other = next(p for p in PARTIES if p != party)
            result.entries[party] = node.store.tree_size(party)
            rows = timeline(node.store, reading, data_dates(node.store, reading.treaty), node.ledger.catalog)
            result.mirrors[party] = [r for r in rows if r.party == other]
        deadline = dt.datetime(2023, 4, 1, tzinfo=dt.UTC)
    us = node_status(directory / "us", now=deadline)
    result.silence = {"as_of": deadline.date().isoformat(), **next(p for p in us["peers"] if p["party"] == "RU")}
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["NodeDemo", "demo_nodes", "run_node_demo"]
