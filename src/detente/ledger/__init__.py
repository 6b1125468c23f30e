"""The ledger: notifications validated, signed, chained and appended by one writer, and replayed at any date.

Read it in this order: ``notifications`` (what a notification is), ``rules`` (what the writer accepts), ``state``
(what a notification changes), ``chain`` (entries, and how verify checks them), ``writer`` (the one path that
appends), ``port`` (what a store must do; ``memory`` is one, :mod:`detente.store` holds the SQL ones), ``replay``.
The names below are the public API; everything else in these modules is internal.

The names are loaded when first used (PEP 562), so that a command that needs one module (``detente ledger
verify`` needs ``chain``) does not import the catalog, the treaty schemas and NumPy with the rest. A function
named as its module (``replay.replay``, ``timeline.timeline``) cannot be a package attribute too: import those
from their modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.ledger.audit import verify_store
    from detente.ledger.chain import GENESIS, Entry, KeyPeriod, key_at_size, verify_chain
    from detente.ledger.checkpoints import checkpoint_note, covering_checkpoint, inclusion_proof, log_origin
    from detente.ledger.convert import declaration_from_state, initial_data
    from detente.ledger.exchange import export_lines, read_export
    from detente.ledger.memory import MemoryStore
    from detente.ledger.notifications import Type, format_time, parse_notification
    from detente.ledger.port import CheckpointRecord, Closing, CosignatureRecord, LedgerStore, PartyRecord
    from detente.ledger.replay import diff, history, key_history, moment, replay_store
    from detente.ledger.rules import Flag
    from detente.ledger.state import PartyState, to_force
    from detente.ledger.timeline import TimelineRow, data_dates
    from detente.ledger.writer import Accepted, Ledger

_WHERE = {
    "audit": ("verify_store",),
    "chain": ("GENESIS", "Entry", "KeyPeriod", "key_at_size", "verify_chain"),
    "checkpoints": ("checkpoint_note", "covering_checkpoint", "inclusion_proof", "log_origin"),
    "convert": ("declaration_from_state", "initial_data"),
    "exchange": ("export_lines", "read_export"),
    "memory": ("MemoryStore",),
    "notifications": ("Type", "format_time", "parse_notification"),
    "port": ("CheckpointRecord", "Closing", "CosignatureRecord", "LedgerStore", "PartyRecord"),
    "replay": ("diff", "history", "key_history", "moment", "replay_store"),
    "rules": ("Flag",),
    "state": ("PartyState", "to_force"),
    "timeline": ("TimelineRow", "data_dates"),
    "writer": ("Accepted", "Ledger"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [  # the names of _WHERE, as a list the tools can read (tests/test_package_api.py keeps the two equal)
    "GENESIS",
    "Accepted",
    "CheckpointRecord",
    "Closing",
    "CosignatureRecord",
    "Entry",
    "Flag",
    "KeyPeriod",
    "Ledger",
    "LedgerStore",
    "MemoryStore",
    "PartyRecord",
    "PartyState",
    "TimelineRow",
    "Type",
    "checkpoint_note",
    "covering_checkpoint",
    "data_dates",
    "declaration_from_state",
    "diff",
    "export_lines",
    "format_time",
    "history",
    "inclusion_proof",
    "initial_data",
    "key_at_size",
    "key_history",
    "log_origin",
    "moment",
    "parse_notification",
    "read_export",
    "replay_store",
    "to_force",
    "verify_chain",
    "verify_store",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE:
        raise AttributeError(f"module 'detente.ledger' has no attribute {name!r}")
    return getattr(importlib.import_module(f"detente.ledger.{_MODULE[name]}"), name)
