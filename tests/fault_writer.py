"""A bulk writer for the fault tests, run as a subprocess and killed with SIGKILL at a random moment.

Usage: ``python fault_writer.py TARGET SEED [SECONDS [large]]``. TARGET is a SQLite file or a ``postgresql://``
URL. The writer opens the ledger (resuming one a killed writer left), registers US with a fixed key if it is not yet
registered, submits a small initial data if the ledger is empty, and then submits batches of 1–50 status changes
toggling items between deployed and non-deployed (declaring warheads when an item becomes deployed), each at a
later time than the last. After every submit returns, it prints the last acknowledged sequence number on a line
of its own and flushes, so that every number printed is of a committed entry. It stops by itself after SECONDS
(default 60), in case nobody kills it. With ``large``, its batches are of 300-600 status changes, the size of a
data exchange's worth of notices.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from typing import Any

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey
from detente.ledger.writer import Accepted, Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

PARTY = "US"
KEY = PartyKey.from_seed(PARTY, bytes([11]) * 32)
START = dt.datetime(2021, 3, 1, tzinfo=dt.UTC)
ITEMS = 60
BASE = "US-ICBM-A"


def initial() -> dict[str, Any]:
    """Initial data: ITEMS Minuteman III launchers at one ICBM base, every other one deployed."""
    items = []
    for i in range(ITEMS):
        deployed = i % 2 == 0
        item = {
            "uid": f"MM-{i:03d}",
            "system": "minuteman-iii",
            "kind": "launcher",
            "status": "deployed" if deployed else "non-deployed",
            "facility": BASE,
        }
        if deployed:
            item["warheads"] = 1 + i % 3
        items.append(item)
    return {
        "type": "initial-data",
        "effective": START,
        "sent": START,
        "content": {"facilities": [{"id": BASE, "kind": "icbm-base"}], "items": items},
    }


def ack(accepted: list[Accepted]) -> None:
    """Acknowledge a committed batch: its last sequence number, on its own line, flushed."""
    sys.stdout.write(f"{accepted[-1].seq}\n")
    sys.stdout.flush()


def main(target: str, seed: int, seconds: float, large: bool = False) -> None:
    """Write until killed (or until ``seconds`` have passed)."""
    deadline = time.monotonic() + seconds
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    store = open_store(target)
    sizes = (300, 600) if large else (1, 50)
    ledger = Ledger(store, KEY, builtin_catalog(), get_treaty)
    if PARTY not in {r.party for r in store.parties()}:
        ledger.register(PARTY, KEY.public_key, "new-start")
    if ledger.state(PARTY).seq == 0:
        ack(ledger.submit(PARTY, [initial()]))
    state = ledger.state(PARTY)
    statuses = {uid: item.status.value for uid, item in state.items.items()}
    uids = sorted(statuses)
    clock = dt.datetime.fromisoformat(state.last_sent.replace("Z", "+00:00"))
    while time.monotonic() < deadline:
        batch = []
        for _ in range(rng.randint(*sizes)):
            clock += dt.timedelta(minutes=1)
            uid = rng.choice(uids)
            frm = statuses[uid]
            to = "non-deployed" if frm == "deployed" else "deployed"
            content: dict[str, Any] = {"uid": uid, "from": frm, "to": to}
            if to == "deployed":
                content["warheads"] = rng.randint(1, 3)
            batch.append({"type": "status-change", "effective": clock, "sent": clock, "content": content})
            statuses[uid] = to
        ack(ledger.submit(PARTY, batch))


if __name__ == "__main__":
    main(
        sys.argv[1],
        int(sys.argv[2]),
        float(sys.argv[3]) if len(sys.argv) > 3 else 60.0,
        len(sys.argv) > 4 and sys.argv[4] == "large",
    )
