"""The ledger: notifications validated, signed, chained and appended by one writer, and replayed at any date.

Read it in this order: ``notifications`` (what a notification is), ``rules`` (what the writer accepts), ``state``
(what a notification changes), ``chain`` (entries, and how verify checks them), ``writer`` (the one path that
appends), ``port`` (what a store must do; ``memory`` is one, :mod:`detente.store` holds the SQL ones), ``replay``.
The names below are the public API; everything else in these modules is internal.
"""

from detente.ledger.chain import GENESIS, Entry, verify_chain
from detente.ledger.checkpoints import log_origin
from detente.ledger.convert import declaration_from_state, initial_data
from detente.ledger.exchange import export_lines, read_export
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import Type, format_time, parse_notification
from detente.ledger.port import CheckpointRecord, Closing, LedgerStore, PartyRecord
from detente.ledger.replay import diff, history, moment, replay, replay_store
from detente.ledger.rules import Flag
from detente.ledger.state import PartyState, to_force
from detente.ledger.timeline import TimelineRow, data_dates, timeline
from detente.ledger.writer import Accepted, Ledger

__all__ = [
    "GENESIS",
    "Accepted",
    "CheckpointRecord",
    "Closing",
    "Entry",
    "Flag",
    "Ledger",
    "LedgerStore",
    "MemoryStore",
    "PartyRecord",
    "PartyState",
    "TimelineRow",
    "Type",
    "data_dates",
    "declaration_from_state",
    "diff",
    "export_lines",
    "format_time",
    "history",
    "initial_data",
    "log_origin",
    "moment",
    "parse_notification",
    "read_export",
    "replay",
    "replay_store",
    "timeline",
    "to_force",
    "verify_chain",
]
