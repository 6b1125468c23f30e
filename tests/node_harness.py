"""Two nodes on loopback for the node tests: US and RU under New START, each a real uvicorn server on a thread.

The clock is fixed in 2021 (New START in force, before Russia went silent), so notifications the tests make are
judged as they would have been then.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from detente.catalog import builtin_catalog
from detente.data.forces import load_force
from detente.ledger import format_time, initial_data
from detente.node import (
    Node,
    NodeConfig,
    add_operator,
    add_peer,
    free_port,
    init_node,
    load_node,
    log_key,
    running,
)

CLOCK = dt.datetime(2021, 3, 1, 12, tzinfo=dt.UTC)


def fixed_clock() -> dt.datetime:
    """The nodes' clock in these tests."""
    return CLOCK


@dataclass
class Running:
    """A node served on loopback: its configuration, the open node, its URL and an operator token."""

    config: NodeConfig
    node: Node
    url: str
    token: str
    server: uvicorn.Server

    def submit(self, drafts: Any) -> httpx.Response:
        """POST notifications as the node's operator."""
        return httpx.post(
            f"{self.url}/detente/submit",
            content=json.dumps(drafts, default=format_time),
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )

    def status(self) -> dict[str, Any]:
        """GET /detente/status."""
        result: dict[str, Any] = httpx.get(f"{self.url}/detente/status", timeout=30).json()
        return result


def make_pair(root: Path, store_for: Callable[[str], str | None] = lambda _p: None) -> tuple[NodeConfig, NodeConfig]:
    """Two node directories, US and RU, each the other's peer on a free port (ports in the configured URLs)."""
    us = init_node(root / "us", "US", "new-start", store_for("US"))
    ru = init_node(root / "ru", "RU", "new-start", store_for("RU"))
    us_port, ru_port = free_port(), free_port()
    us = add_peer(us, "RU", f"http://127.0.0.1:{ru_port}", log_key(ru))
    ru = add_peer(ru, "US", f"http://127.0.0.1:{us_port}", log_key(us))
    return us, ru


def port_of(config: NodeConfig, peer_config: NodeConfig) -> int:
    """The port ``peer_config``'s node expects ``config``'s node on."""
    peer = peer_config.peer(config.party)
    assert peer is not None
    return int(peer.url.rsplit(":", 1)[1])


@contextlib.contextmanager
def serving(
    config: NodeConfig, port: int, *, push: bool = True, clock: Callable[[], dt.datetime] = fixed_clock
) -> Iterator[Running]:
    """Serve a node on loopback until the block ends (the server stopped, the store closed)."""
    with Node(load_node(config.directory), clock=clock) as node, running(node, port, push=push) as server:
        token = add_operator(node.config, f"op-{free_port()}")
        yield Running(node.config, node, f"http://127.0.0.1:{port}", token, server)


@contextlib.contextmanager
def pair(root: Path, **options: Any) -> Iterator[tuple[Running, Running]]:
    """US and RU nodes, running."""
    us, ru = make_pair(root)
    with serving(us, port_of(us, ru), **options) as a, serving(ru, port_of(ru, us), **options) as b:
        yield a, b


def stopped(running_node: Running) -> bool:
    """Whether nothing answers on the node's port any more."""
    try:
        httpx.get(f"{running_node.url}/checkpoint", timeout=1)
    except httpx.TransportError:
        return True
    return False


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Poll until the condition holds; fail naming what did not happen."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def initial(party: str, force: str) -> dict[str, Any]:
    """A party's initial data from a shipped force, effective and sent on New START's entry into force."""
    when = dt.datetime(2011, 2, 5, tzinfo=dt.UTC)
    return initial_data(load_force(force, builtin_catalog()), party, when, when)
