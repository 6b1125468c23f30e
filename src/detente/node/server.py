"""Running a node: the application on uvicorn, over HTTP or, given a certificate and key, HTTPS."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from detente.node.app import create_app
from detente.node.config import load_node
from detente.node.runtime import Node


def serve_node(
    directory: Path, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None
) -> None:
    """Open the node and serve it until interrupted; the store is closed on the way out."""
    with Node(load_node(directory)) as node:
        config = uvicorn.Config(
            create_app(node),
            host=host,
            port=port,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
            log_level="info",
            proxy_headers=False,
        )
        uvicorn.Server(config).run()


__all__ = ["serve_node"]
