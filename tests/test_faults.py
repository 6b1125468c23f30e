"""A writer killed with SIGKILL in the middle of bulk appends loses nothing it acknowledged and leaves a ledger
that verifies and takes further appends.

``fault_writer.py`` runs as a subprocess, submitting batches of status changes and printing the last sequence
number after each submit returns. The test kills it at a random (seeded) moment, then checks the ledger: every
acknowledged entry is there, the chain verifies from the first entry to the head, and writing goes on (the next
round's writer resumes the same ledger, and at the end the test appends through a new ``Ledger`` itself).

A process killed while creating a new ledger's schema must leave a file (or database) that opens and migrates.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey
from detente.ledger.chain import verify_chain
from detente.ledger.port import PartyRecord
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

WRITER = Path(__file__).with_name("fault_writer.py")
KEY = PartyKey.from_seed("US", bytes([11]) * 32)  # the writer's fixed key
LEDGERS = 5  # SQLite ledgers, each killed ROUNDS times: 20 kills in all
ROUNDS = 4


class Run:
    """One writer process and the sequence numbers it acknowledged, read as it prints them."""

    def __init__(self, target: str, seed: int, mode: str = "") -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), target, str(seed), "60", mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.acks: list[int] = []
        self.first = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.endswith("\n"):  # a complete line: the writer printed it after the submit returned
                self.acks.append(int(line))
                self.first.set()
        self.first.set()

    def kill(self) -> tuple[list[int], str]:
        """SIGKILL the writer; return what it acknowledged (all of it, read to the end) and its stderr."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        assert self.process.stderr is not None
        errors = self.process.stderr.read()
        self.process.stderr.close()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.acks, errors


def kill_at_random(target: str, rng: random.Random, mode: str = "") -> list[int]:
    """Run the writer and SIGKILL it at a random moment; return the acknowledged sequence numbers."""
    run = Run(target, rng.randrange(2**31), mode)
    try:
        if rng.random() < 0.2:  # now and then from the start: while migrating, registering or declaring
            time.sleep(rng.uniform(0.2, 1.5))
        else:  # mostly in the middle of bulk appends
            assert run.first.wait(timeout=30), "the writer acknowledged nothing in 30 s"
            time.sleep(rng.uniform(0.05, 0.6))
    finally:
        acks, errors = run.kill()
    assert run.process.returncode == -signal.SIGKILL, f"the writer stopped before it was killed:\n{errors}"
    return acks


def check_ledger(target: str, acks: list[int], before: int) -> int:
    """Everything acknowledged is there and the whole chain verifies; return the head's sequence number."""
    store = open_store(target)
    try:
        records = {r.party: r for r in store.parties()}
        if not records:  # killed before it registered
            assert not acks
            assert before == 0
            return 0
        assert records["US"].public_key == KEY.public_key
        head = store.head("US")
        last = head.seq if head is not None else 0
        assert acks == sorted(set(acks)), "acknowledgements run forward"
        assert all(a > before for a in acks), "a resumed writer appends after the head it found"
        assert last >= max([before, *acks])
        seqs = [p["seq"] for p in verify_chain(store.entries("US"), "US", KEY.public_key)]
        assert seqs == list(range(1, last + 1))
        assert all(store.has_entry("US", a) for a in acks)
        return last
    finally:
        store.close()


def continue_appending(target: str, head: int) -> None:
    """A new Ledger on the killed writer's ledger appends right after the head."""
    store = open_store(target)
    try:
        ledger = Ledger(store, KEY, builtin_catalog(), get_treaty)
        if head == 0:
            if not store.parties():
                ledger.register("US", KEY.public_key, "new-start")
            return
        state = ledger.state("US")
        assert state.seq == head
        uid, item = min(state.items.items())
        to = "non-deployed" if item.status.value == "deployed" else "deployed"
        when = dt.datetime.fromisoformat(state.last_sent.replace("Z", "+00:00")) + dt.timedelta(hours=1)
        content = {"uid": uid, "from": item.status.value, "to": to, **({"warheads": 1} if to == "deployed" else {})}
        accepted = ledger.submit("US", [{"type": "status-change", "effective": when, "sent": when, "content": content}])
        assert [a.seq for a in accepted] == [head + 1]
        assert len(list(verify_chain(store.entries("US"), "US", KEY.public_key))) == head + 1
    finally:
        store.close()


@pytest.mark.parametrize("seed", range(LEDGERS))
def test_sigkill_during_bulk_appends_loses_nothing_acknowledged(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible kill times, not cryptography
    target = str(tmp_path / "ledger.sqlite")
    open_store(target).close()  # created first: a kill while creating it is the migration test's (see below)
    head = 0
    for _ in range(ROUNDS):
        acks = kill_at_random(target, rng)
        head = check_ledger(target, acks, head)
        with sqlite3.connect(target) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    continue_appending(target, head)


def test_sigkill_during_bulk_appends_on_postgresql(pg_url: str) -> None:
    rng = random.Random(100)  # noqa: S311 - reproducible kill times, not cryptography
    head = 0
    for _ in range(3):
        acks = kill_at_random(pg_url, rng)
        head = check_ledger(pg_url, acks, head)
    continue_appending(pg_url, head)


@pytest.mark.parametrize("seed", range(2))
def test_sigkill_during_large_batches_loses_nothing_acknowledged(store_target: str, seed: int) -> None:
    """Batches of hundreds of notices take the same path as single ones: a writer killed in one leaves none of it."""
    rng = random.Random(200 + seed)  # noqa: S311 - reproducible kill times, not cryptography
    open_store(store_target).close()
    head = 0
    for _ in range(2):
        acks = kill_at_random(store_target, rng, "large")
        head = check_ledger(store_target, acks, head)
    continue_appending(store_target, head)


# A process killed while creating the schema of a new ledger: the migration runs in one transaction, so the next
# open_store finds either nothing or the whole schema, and creates it.
_DIE_IN_MIGRATION = """
import os, signal, sys
from alembic.operations import Operations
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
setattr(Operations, sys.argv[2], die)
from detente.store.ledger_store import open_store
open_store(sys.argv[1])
"""


@pytest.mark.parametrize(
    "step",
    [
        pytest.param("create_index", id="after-the-tables"),
        pytest.param("execute", id="before-the-triggers"),
    ],
)
def test_sigkill_during_the_first_migration_leaves_a_ledger_that_opens(store_target: str, step: str) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", _DIE_IN_MIGRATION, store_target, step],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = open_store(store_target)
    try:
        assert store.parties() == []
        store.add_party(PartyRecord("US", KEY.public_key, "new-start"))
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(text("UPDATE ledger_parties SET treaty = 'other'"))
        assert store.parties() == [PartyRecord("US", KEY.public_key, "new-start")]
    finally:
        store.close()
