"""What a node knows of the exchange, as of a moment: acknowledged, unacknowledged, silent.

Rules (the deadlines come from the treaty file's ``[notifications]``):

1. A notification of the node's own party is *acknowledged* by a peer once the peer's kept cosignature covers it
   (a cosigned size at or above its sequence number): the peer has archived it. It is *unacknowledged* if it is
   not, and more than the treaty's change deadline (``change_deadline_days``; New START: 5) has passed since it
   was sent: the deadline within which a change had to reach the other side is the window detente allows the
   receipt. Until then it is *pending*.
2. A peer is *silent* if the clock is past the deadline of the first data exchange due after its last
   notification (the next six-monthly data date, ``update_dates``, plus ``update_deadline_days``) and nothing
   newer came: silent since the day it last sent. A peer that never sent anything is *silent* from the treaty's
   initial-data deadline, and *awaited* before it.
3. Everything is read from the store and the node directory; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from detente.ledger import LedgerStore
from detente.ledger.notifications import format_time
from detente.node.alarms import AlarmLog
from detente.node.config import NodeConfig, load_node, origin_of
from detente.store import open_store
from detente.treaty import get_treaty
from detente.treaty.model import Treaty


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def next_exchange_deadline(treaty: Treaty, after: dt.date) -> dt.date:
    """The deadline of the first six-monthly data exchange whose data date is after ``after`` (rule 2)."""
    rules = treaty.notifications
    dates = []
    for year in (after.year, after.year + 1):
        for month_day in rules.update_dates:
            month, day = (int(x) for x in month_day.split("-"))
            dates.append(dt.date(year, month, day))
    data_date = min(d for d in dates if d > after)
    return data_date + dt.timedelta(days=rules.update_deadline_days)


def _peer_facts(store: LedgerStore, config: NodeConfig, treaty: Treaty, party: str, now: dt.datetime) -> dict[str, Any]:
    last = store.head(party)
    witnessed = store.checkpoints(party)
    facts: dict[str, Any] = {
        "party": party,
        "mirrored": store.tree_size(party),
        "witnessed": witnessed[-1].size if witnessed else 0,
        "last_sent": None,
        "state": "current",
    }
    name = origin_of(config.treaty, party)
    facts["cosigned_ours"] = max((c.size for c in store.cosignatures(config.party) if c.cosigner == name), default=0)
    if last is None:
        start = treaty.dates.entry_into_force
        due = start + dt.timedelta(days=treaty.notifications.initial_deadline_days) if start else None
        facts["state"] = "silent" if due is not None and now.date() > due else "awaited"
        facts["silent_since"] = start.isoformat() if facts["state"] == "silent" and start else None
        return facts
    sent = _time(last.notification()["sent"])
    facts["last_sent"] = format_time(sent)
    due = next_exchange_deadline(treaty, sent.date())
    if now.date() > due:
        facts["state"] = "silent"
        facts["silent_since"] = sent.date().isoformat()
        facts["missed_exchange_due"] = due.isoformat()
    return facts


def _acknowledgement(store: LedgerStore, config: NodeConfig, treaty: Treaty, now: dt.datetime) -> dict[str, Any]:
    window = dt.timedelta(days=treaty.notifications.change_deadline_days)
    out: dict[str, Any] = {"window_days": treaty.notifications.change_deadline_days, "peers": {}}
    for peer in config.peers:
        name = origin_of(config.treaty, peer.party)
        covered = max((c.size for c in store.cosignatures(config.party) if c.cosigner == name), default=0)
        late, pending = [], 0
        for entry in store.entries(config.party, covered + 1):
            sent = _time(entry.notification()["sent"])
            if now - sent > window:
                late.append(entry.seq)
            else:
                pending += 1
        out["peers"][peer.party] = {"acknowledged": covered, "pending": pending, "unacknowledged": late[:100]}
        out["peers"][peer.party]["unacknowledged_count"] = len(late)
    return out


def status_of(store: LedgerStore, config: NodeConfig, now: dt.datetime) -> dict[str, Any]:
    """The status of a node whose store is open, as of ``now`` (rules 1–3)."""
    treaty = get_treaty(config.treaty)
    checkpoints = store.checkpoints(config.party)
    head = store.head(config.party)
    return {
        "party": config.party,
        "origin": config.origin,
        "as_of": format_time(now),
        "size": store.tree_size(config.party),
        "checkpoint": checkpoints[-1].size if checkpoints else 0,
        "last_sent": format_time(_time(head.notification()["sent"])) if head else None,
        "peers": [_peer_facts(store, config, treaty, p.party, now) for p in config.peers],
        "acknowledgement": _acknowledgement(store, config, treaty, now),
        "alarms": AlarmLog(config.directory).read(),
    }


def node_status(directory: Path, now: dt.datetime | None = None) -> dict[str, Any]:
    """The status of the node in ``directory`` as of ``now`` (default: the clock), its store opened read-only."""
    config = load_node(directory)
    with open_store(config.store_target, readonly=True) as store:
        return status_of(store, config, now or dt.datetime.now(dt.UTC))


__all__ = ["next_exchange_deadline", "node_status", "status_of"]
