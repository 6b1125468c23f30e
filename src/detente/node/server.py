"""Running a node: the application on uvicorn, over HTTP or, given a certificate and key, HTTPS.

``serve_node`` runs one until interrupted (``detente serve``); ``running`` serves an open node on a thread for as
long as a ``with`` block lasts (the demo, the tests, the benchmarks), and ``serving`` any ASGI app the same way.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from detente.errors import NodeError
from detente.node.app import create_app
from detente.node.config import load_node
from detente.node.runtime import Node

KEEP_ALIVE = 75
"""Seconds an idle connection is kept open (uvicorn's default is 5): readers and peers polling a log reuse their
connections, and a connection closed by the server just as a client sends on it is a failed request to the client
(the bench's load test saw such failures at 5 s; nginx keeps 75 s by default)."""


def serve_node(
    directory: Path,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    mounts: Mapping[str, Callable[[Node], ASGIApp]] | None = None,
) -> None:
    """Open the node and serve it until interrupted; the store is closed on the way out.

    ``mounts`` adds apps made from the open node under path prefixes (``detente serve`` mounts the dashboard at
    ``/dashboard``); the node's own routes are unchanged.
    """
    with Node(load_node(directory)) as node:
        app = create_app(node)
        for prefix, make in (mounts or {}).items():
            app.mount(prefix, make(node))
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
            log_level="info",
            proxy_headers=False,
            timeout_keep_alive=KEEP_ALIVE,
        )
        uvicorn.Server(config).run()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` just now (for nodes started on loopback: the demo, tests, benchmarks)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running(node: Node, port: int, *, push: bool = True, host: str = "127.0.0.1") -> Iterator[uvicorn.Server]:
    """Serve an open node on a thread until the block ends (then the server stops; the node stays open)."""
    with serving(create_app(node, push=push), port, name=f"the {node.party} node", host=host) as server:
        yield server


@contextlib.contextmanager
def serving(app: ASGIApp, port: int, *, name: str = "the app", host: str = "127.0.0.1") -> Iterator[uvicorn.Server]:
    """Serve an ASGI app on a thread until the block ends (a node, the dashboard: tests, demos, benchmarks)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"detente-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise NodeError(f"{name} did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


__all__ = ["KEEP_ALIVE", "free_port", "running", "serve_node", "serving"]
