"""A party's node: its ledger as a C2SP tiled log, a witness and mirror of each peer's log, and the exchange.

Read it in this order: ``config`` (a node directory), ``runtime`` (a node opened: store, key, writer), ``tiles``
(the log's read side), ``witness`` (``add-checkpoint``) and ``mirror`` (a peer's log fetched and verified),
``exchange`` (pushing checkpoints to peers), ``status`` (deadlines), ``app`` (HTTP) and ``server`` (uvicorn).
"""

from detente.node.alarms import AlarmLog
from detente.node.app import create_app
from detente.node.config import (
    NodeConfig,
    Peer,
    add_operator,
    add_peer,
    init_node,
    load_node,
    log_key,
    operator_of,
    origin_of,
    set_key,
)
from detente.node.exchange import Pusher, push
from detente.node.mirror import follow
from detente.node.runtime import Node
from detente.node.server import free_port, running, serve_node, serving
from detente.node.status import next_exchange_deadline, node_status
from detente.node.tiles import (
    TileRef,
    TilesWritten,
    parse_tile_path,
    read_resource,
    split_entries,
    split_signed,
    tile_path,
    write_tiles,
)
from detente.node.witness import add_checkpoint

__all__ = [
    "AlarmLog",
    "Node",
    "NodeConfig",
    "Peer",
    "Pusher",
    "TileRef",
    "TilesWritten",
    "add_checkpoint",
    "add_operator",
    "add_peer",
    "create_app",
    "follow",
    "free_port",
    "init_node",
    "load_node",
    "log_key",
    "next_exchange_deadline",
    "node_status",
    "operator_of",
    "origin_of",
    "parse_tile_path",
    "push",
    "read_resource",
    "running",
    "serve_node",
    "serving",
    "set_key",
    "split_entries",
    "split_signed",
    "tile_path",
    "write_tiles",
]
