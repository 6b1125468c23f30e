"""Faults in the exchange between two nodes: nothing acknowledged is lost, nothing unverified is kept.

- The peer is down: what is owed to it is derived from the store, so it survives a restart; pushes are retried
  with backoff, and once the peer is back it mirrors everything, in order, and the receipt is kept.
- A node is SIGKILLed mid-exchange (the witness while it mirrors a large batch; the pusher right after, or during,
  a submission) and restarted: both converge, every entry acknowledged to the operator is there exactly once on
  both sides, the chains verify, and the checkpoint the witness recorded is the one whose cosignature is kept.
- Deliveries duplicated, reordered, replayed or answered into the void are idempotent: one cosignature per size.
- A cheating peer (a rollback, a fork, tiles that do not hash, an entry that does not verify, a wrong key) is
  refused; nothing is mirrored beyond what was verified; alarms are raised where due, with a fork's evidence.
- Clocks that disagree by less than the ledger's tolerance (``CLOCK_TOLERANCE``, 10 minutes) do not stop the
  exchange; the cosignature's time is the witness's, and the pushing node keeps it whatever its own clock says.

The peer-down and SIGKILL cases run on SQLite and on PostgreSQL (the throwaway server tests/conftest.py starts).
The SIGKILL cases run ``detente serve`` as processes (the real clock, notifications dated in 2021); the others
serve both nodes on threads (tests/node_harness.py, the nodes' clock fixed in March 2021).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response
from tests.node_harness import CLOCK, Running, free_port, make_pair, port_of, serving, wait_for
from tests.test_node_witness import alarms, body, note_of, post, proof, witnessed

from detente.crypto.keys import PartyKey
from detente.crypto.note import COSIGNATURE_V1, Verifier, cosign, parse_note, verify_note
from detente.errors import StoreError
from detente.ledger import LedgerStore, format_time, verify_store
from detente.ledger.rules import CLOCK_TOLERANCE
from detente.node import (
    AlarmLog,
    NodeConfig,
    Pusher,
    add_operator,
    add_peer,
    init_node,
    log_key,
    parse_tile_path,
    push,
    split_signed,
)
from detente.store import open_store
from detente.trust import check_evidence

BASE = "US-ICBM-F"
RECENT = dt.datetime(2021, 2, 26, tzinfo=dt.UTC)  # within New START's 5-day change deadline of the harness's clock


class Launchers:
    """US's notifications in these tests: initial data of Minuteman III launchers at one base, then status changes
    toggling them between deployed and non-deployed, a minute apart and in a reproducible order."""

    def __init__(self, start: dt.datetime, count: int = 40, seed: int = 0) -> None:
        self.when = start
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
        self.status = {f"LF-{i:03d}": "deployed" if i % 2 == 0 else "non-deployed" for i in range(count)}

    def initial(self) -> dict[str, Any]:
        """The initial data, sent at the start."""
        items = []
        for uid, status in self.status.items():
            item: dict[str, Any] = {"uid": uid, "system": "minuteman-iii", "kind": "launcher", "status": status}
            items.append(item | {"facility": BASE} | ({"warheads": 1} if status == "deployed" else {}))
        content = {"facilities": [{"id": BASE, "kind": "icbm-base"}], "items": items}
        return {"type": "initial-data", "effective": self.when, "sent": self.when, "content": content}

    def changes(self, n: int) -> list[dict[str, Any]]:
        """The next ``n`` status changes."""
        out = []
        for _ in range(n):
            self.when += dt.timedelta(minutes=1)
            uid = self.rng.choice(sorted(self.status))
            before = self.status[uid]
            after = "non-deployed" if before == "deployed" else "deployed"
            content: dict[str, Any] = {"uid": uid, "from": before, "to": after}
            if after == "deployed":
                content["warheads"] = 1
            self.status[uid] = after
            out.append({"type": "status-change", "effective": self.when, "sent": self.when, "content": content})
        return out


def pusher_of(running: Running) -> Pusher:
    """The push loop of a node served on a thread."""
    app = running.server.config.app
    assert isinstance(app, FastAPI)
    pusher: Pusher = app.state.pusher
    return pusher


def cosigned_ours(running: Running) -> int:
    """The largest size of the node's log its (only) peer's cosignature is kept for, as its status says."""
    return int(running.status()["peers"][0]["cosigned_ours"])


def rows(store: LedgerStore, party: str) -> list[tuple[int, bytes, bytes, bytes]]:
    """A party's log as stored: sequence number, payload, signature and hash of every entry."""
    return [(e.seq, e.payload, e.signature, e.hash) for e in store.entries(party)]


def kept_cosignature(store: LedgerStore, party: str, size: int, cosigner: str) -> str:
    """The one cosignature line a store keeps for a party's checkpoint at a size, by a cosigner."""
    (line,) = [c.line for c in store.cosignatures(party) if c.size == size and c.cosigner == cosigner]
    return line


def check_cosignature(note_text: str, line: str, log: Verifier, witness: Verifier) -> int:
    """The time of a witness's cosignature line over a checkpoint signed by the log; fails if it does not verify."""
    note = parse_note(note_text)
    cosigned = parse_note(note.body + "\n" + note.signatures[0].line() + "\n" + line + "\n")
    return verify_note(cosigned, log, (witness,))[witness.name]


def verifiers(us: NodeConfig, ru: NodeConfig) -> tuple[Verifier, Verifier]:
    """US's log key and RU's witness key, as the peers configure them."""
    return Verifier(us.origin, us.key().public_key), Verifier(ru.origin, ru.key().public_key, COSIGNATURE_V1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest) -> Iterator[Callable[[str], str | None]]:
    """Where each party's node keeps its store: SQLite in its directory, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield lambda _party: None
        return
    server = request.getfixturevalue("pg_server")
    urls = {party: server.create_database() for party in ("US", "RU")}
    try:
        yield lambda party: urls[party]
    finally:
        gc.collect()  # engines of closed nodes no longer hold connections
        for url in urls.values():
            server.drop_database(url)


@contextlib.contextmanager
def serving_app(app: FastAPI, port: int) -> Iterator[None]:
    """Serve an application (a fake peer) on loopback until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), "the fake peer to start", 20)
    assert thread.is_alive()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# ------------------------------------------------------------------------------------------------- the peer is down


def test_a_peer_that_is_down_is_owed_every_push_across_a_restart_and_gets_it_in_order(
    tmp_path: Path, stores: Callable[[str], str | None]
) -> None:
    us_config, ru_config = make_pair(tmp_path, stores)
    us_port, ru_port = port_of(us_config, ru_config), port_of(ru_config, us_config)
    launchers = Launchers(RECENT)
    sizes = []
    with serving(us_config, us_port) as us:  # RU is not running
        for drafts in ([launchers.initial()], launchers.changes(5), launchers.changes(20)):
            answer = us.submit(drafts)
            assert answer.status_code == 200, answer.text
            sizes.append(answer.json()["size"])
        state = pusher_of(us).states["RU"]
        wait_for(lambda: state.outcome.startswith("unreachable") and state.delay >= 1, "a failed push to RU")
        (peer,) = us.status()["peers"]
        assert peer["push"]["outcome"].startswith("unreachable")
        assert peer["cosigned_ours"] == 0
        assert [k.size for k in us.node.store.checkpoints("US")] == sizes == [1, 6, 26]

    # US restarts: nothing was queued in memory; the push owed is read from the store and tried with backoff
    with serving(us_config, us_port) as us:
        state = pusher_of(us).states["RU"]
        attempts: list[float] = []

        def three_attempts() -> bool:
            if state.at and (not attempts or state.at != attempts[-1]):
                attempts.append(state.at)
            return len(attempts) >= 3

        wait_for(three_attempts, "three pushes to RU, which is down", 15)
        assert state.outcome.startswith("unreachable")
        gaps = [b - a for a, b in itertools.pairwise(attempts)]
        assert gaps[0] >= 0.8, gaps  # 1 s, then 2 s: the delay doubles (less the time a failed push takes)
        assert gaps[1] >= 1.8, gaps
        wait_for(lambda: state.delay == 4, "the next delay to be 4 s", 1)
        acknowledgement = us.status()["acknowledgement"]["peers"]["RU"]
        assert acknowledgement["acknowledged"] == 0
        assert acknowledgement["pending"] + acknowledgement["unacknowledged_count"] == 26

        # RU comes up: the next retry, without any new submission, delivers everything
        with serving(ru_config, ru_port) as ru:
            wait_for(lambda: cosigned_ours(us) == 26, "US's retry to reach RU and be cosigned", 20)
            assert rows(ru.node.store, "US") == rows(us.node.store, "US")  # all of it, in order, byte for byte
            (recorded,) = ru.node.store.checkpoints("US")  # the latest checkpoint covers the ones before it
            assert recorded.note == us.node.latest("US").note  # type: ignore[union-attr]
            log, witness = verifiers(us_config, ru_config)
            line = kept_cosignature(us.node.store, "US", 26, ru_config.origin)
            assert check_cosignature(recorded.note, line, log, witness) == int(CLOCK.timestamp())
            assert us.status()["acknowledgement"]["peers"]["RU"]["acknowledged"] == 26

            # and a new submission is pushed at once, from the size RU cosigned
            answer = us.submit(launchers.changes(3))
            assert answer.status_code == 200
            wait_for(lambda: cosigned_ours(us) == 29, "RU to cosign the new checkpoint", 10)
            assert rows(ru.node.store, "US") == rows(us.node.store, "US")
            assert [k.size for k in ru.node.store.checkpoints("US")] == [26, 29]
            wait_for(lambda: state.outcome == "cosigned at size 29", "the push's outcome to be kept", 5)
    assert AlarmLog(us_config.directory).read() == AlarmLog(ru_config.directory).read() == []


def test_a_store_error_while_pushing_fails_that_push_and_the_pusher_goes_on(tmp_path: Path) -> None:
    """The store refuses to keep a cosignature once (a database restarting): the loop retries, it does not die."""
    us_config, ru_config = make_pair(tmp_path)
    with (
        serving(us_config, port_of(us_config, ru_config)) as us,
        serving(ru_config, port_of(ru_config, us_config)) as ru,
    ):
        store = us.node.store
        keep = store.add_cosignature
        failures = [StoreError("the database failed: server closed the connection unexpectedly")]

        def flaky(record: Any) -> bool:
            if failures:
                raise failures.pop()
            return keep(record)

        store.add_cosignature = flaky  # type: ignore[method-assign]
        launchers = Launchers(RECENT)
        assert us.submit(launchers.initial()).status_code == 200
        wait_for(lambda: cosigned_ours(us) == 1, "US to keep RU's cosignature after the store recovered", 15)
        assert not failures
        assert pusher_of(us).thread.is_alive()
        line = kept_cosignature(us.node.store, "US", 1, ru_config.origin)
        assert line == kept_cosignature(ru.node.store, "US", 1, ru_config.origin)


# ---------------------------------------------------------------------------------------- SIGKILL mid-exchange


class Served:
    """A node run as ``detente serve`` in a process of its own, which the test kills with SIGKILL."""

    def __init__(self, config: NodeConfig, port: int, log: Path) -> None:
        self.config = config
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        """Start the node's process."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "detente.cli.main",
                    "serve",
                    str(self.config.directory),
                    "--port",
                    f"{self.port}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_up(self) -> None:
        """Wait until the node answers (at most 30 s)."""

        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the node stopped: {self.log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{self.url}/detente/status", timeout=2).status_code == 200
            return False

        wait_for(answers, f"{self.config.party}'s node to answer", 30)

    def kill(self) -> None:
        """SIGKILL the node."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        """Stop the node as an operator would (SIGTERM), or kill it if it does not stop."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def cosigned_ours(self) -> int:
        """What the node's status says its peer cosigned of its log (0 while it does not answer)."""
        try:
            return int(httpx.get(f"{self.url}/detente/status", timeout=10).json()["peers"][0]["cosigned_ours"])
        except (httpx.HTTPError, ValueError):
            return 0

    def submit(self, token: str, drafts: list[dict[str, Any]], answers: list[int]) -> None:
        """POST notifications as the node's operator; append the answer's status (none if there was no answer)."""
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.post(
                f"{self.url}/detente/submit",
                content=json.dumps(drafts, default=format_time),
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            answers.append(answer.status_code)


KILLS = ("witness", "pusher", "witness", "pusher")
"""Which node each round kills: RU while it mirrors a batch of hundreds of notices, US while it pushes one.

A restart takes a second or two (the imports); the test runs in well under half a minute on each store."""


def test_nodes_killed_mid_exchange_converge_with_every_acknowledged_entry_once(
    tmp_path: Path, stores: Callable[[str], str | None]
) -> None:
    """US's operator submits batches of hundreds of notices; RU (mirroring them) or US (pushing them) is SIGKILLed
    at a random moment and restarted.

    US is killed once right after a submission was answered and once while it is under way; the operator sends a
    batch whose answer it did not get once more (a retried submission is recognised: rule 6 of the ledger). So
    every batch is acknowledged in the end, and every notice acknowledged must be in US's log once, in order, and
    in RU's mirror of it byte for byte.
    """
    backend = "sqlite" if stores("US") is None else "postgresql"
    rng = random.Random(f"kills on {backend}")  # noqa: S311 - reproducible kill times, not cryptography
    us_config, ru_config = make_pair(tmp_path, stores)
    token = add_operator(us_config, "operator")
    us = Served(us_config, port_of(us_config, ru_config), tmp_path / "us.log")
    ru = Served(ru_config, port_of(ru_config, us_config), tmp_path / "ru.log")
    launchers = Launchers(dt.datetime(2021, 3, 1, tzinfo=dt.UTC), seed=1)
    acknowledged: list[dict[str, Any]] = []
    pusher_kills = rng.sample(["right after", "during"], 2)
    interrupted = 0
    try:
        for node in (us, ru):
            node.spawn()
        for node in (us, ru):
            node.wait_up()
        answers: list[int] = []
        us.submit(token, [launchers.initial()], answers)
        assert answers == [200]
        acknowledged.append(launchers.initial())
        for victim in KILLS:
            drafts = launchers.changes(rng.randint(600, 1200))
            during = victim == "pusher" and pusher_kills.pop() == "during"
            answers = []
            sender = threading.Thread(target=us.submit, args=(token, drafts, answers))
            sender.start()
            if not during:
                sender.join(timeout=60)
                assert answers == [200]
            time.sleep(rng.uniform(0.0, 0.4))  # US pushes, RU fetches and mirrors
            interrupted += us.cosigned_ours() < len(acknowledged) + len(drafts)
            killed = ru if victim == "witness" else us
            killed.kill()
            sender.join(timeout=60)
            killed.spawn()
            killed.wait_up()
            if answers != [200]:  # killed before it answered: the operator sends the same batch again
                us.submit(token, drafts, answers)
                assert answers[-1] == 200
            acknowledged += drafts
        drafts = launchers.changes(5)  # and goes on: a new checkpoint is pushed at once, whatever the backoff
        us.submit(token, drafts, answers)
        assert answers[-1] == 200
        acknowledged += drafts
        size = len(acknowledged)
        wait_for(lambda: us.cosigned_ours() == size, f"RU's cosignature of US's log at size {size}", 30)
    finally:
        us.stop()
        ru.stop()
    assert interrupted, "no kill interrupted an exchange: the test tested nothing"
    check_converged(us_config, ru_config, acknowledged)


def check_converged(us_config: NodeConfig, ru_config: NodeConfig, acknowledged: list[dict[str, Any]]) -> None:
    """Both stores hold US's log as acknowledged, once each, the chains verify, and the receipts agree."""
    with open_store(us_config.store_target) as ours, open_store(ru_config.store_target) as theirs:
        sent = [e.notification()["sent"] for e in ours.entries("US")]
        assert sent == [format_time(d["sent"]) for d in acknowledged]  # all of them, once each, in order
        assert rows(theirs, "US") == rows(ours, "US")
        assert verify_store(ours, "US") == verify_store(theirs, "US") == len(acknowledged)
        latest = ours.checkpoints("US")[-1]
        assert latest.size == len(acknowledged)
        assert theirs.checkpoints("US")[-1].note == latest.note
        assert {k.note for k in theirs.checkpoints("US")} <= {k.note for k in ours.checkpoints("US")}
        line = kept_cosignature(ours, "US", latest.size, ru_config.origin)
        assert line == kept_cosignature(theirs, "US", latest.size, ru_config.origin)
        check_cosignature(latest.note, line, *verifiers(us_config, ru_config))
    assert AlarmLog(us_config.directory).read() == AlarmLog(ru_config.directory).read() == []


# ------------------------------------------------------------------------ duplicated, reordered, replayed, lost


@pytest.fixture
def witnessing(tmp_path: Path) -> Iterator[tuple[Running, Running]]:
    """US with checkpoints at sizes 1 and 4, not pushing (the test delivers); RU witnessing nothing yet, its clock
    moving a second at every reading, so that a cosignature made again would differ from the first."""
    us_config, ru_config = make_pair(tmp_path)
    ticks = itertools.count()

    def moving() -> dt.datetime:
        return CLOCK + dt.timedelta(seconds=next(ticks))

    with (
        serving(us_config, port_of(us_config, ru_config), push=False) as us,
        serving(ru_config, port_of(ru_config, us_config), push=False, clock=moving) as ru,
    ):
        launchers = Launchers(RECENT)
        assert us.submit(launchers.initial()).status_code == 200
        assert us.submit(launchers.changes(3)).status_code == 200
        yield us, ru


def test_a_checkpoint_delivered_twice_is_answered_byte_for_byte_and_kept_once(
    witnessing: tuple[Running, Running],
) -> None:
    us, ru = witnessing
    note = note_of(us, 4)
    first = post(ru, body(0, note))
    assert first.status_code == 200, first.text
    again = post(ru, body(0, note))  # the same request once more: RU's size is 4 now
    assert (again.status_code, again.text) == (409, "4\n")
    for _ in range(2):  # what a pusher that lost the answer sends after that 409
        repeated = post(ru, body(4, note))
        assert (repeated.status_code, repeated.text) == (200, first.text)
    assert witnessed(ru) == (4, 4, 1)
    assert [c.line + "\n" for c in ru.node.store.cosignatures("US")] == [first.text]
    assert rows(ru.node.store, "US") == rows(us.node.store, "US")
    assert alarms(ru) == []


def test_concurrent_duplicates_are_cosigned_once_and_told_the_size(witnessing: tuple[Running, Running]) -> None:
    us, ru = witnessing
    data = body(0, note_of(us, 4))
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: post(ru, data), range(6)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409, 409]
    assert {a.text for a in answers if a.status_code == 409} == {"4\n"}
    assert witnessed(ru) == (4, 4, 1)
    assert rows(ru.node.store, "US") == rows(us.node.store, "US")
    assert alarms(ru) == []


def test_reordered_and_replayed_deliveries_change_nothing(witnessing: tuple[Running, Running]) -> None:
    us, ru = witnessing
    one, four, step = note_of(us, 1), note_of(us, 4), proof(us, 1, 4)
    late = post(ru, body(1, four, step))  # the second push arrives first
    assert (late.status_code, late.text) == (409, "0\n")
    assert witnessed(ru) == (0, 0, 0)
    assert post(ru, body(0, one)).status_code == 200
    assert post(ru, body(1, four, step)).status_code == 200
    assert witnessed(ru) == (4, 4, 2)
    kept = ru.node.store.cosignatures("US")
    # the older checkpoint after the newer, and replays of requests RU cosigned: told RU's size, or malformed
    for old, note, hashes, status in ((0, one, [], 409), (1, four, step, 409), (0, four, [], 409), (4, one, [], 400)):
        answer = post(ru, body(old, note, hashes))
        assert answer.status_code == status, (old, answer.text)
        assert status != 409 or answer.text == "4\n"
    assert witnessed(ru) == (4, 4, 2)
    assert ru.node.store.cosignatures("US") == kept  # one per size, as first made
    assert rows(ru.node.store, "US") == rows(us.node.store, "US")
    assert alarms(ru) == []


def test_a_cosignature_lost_on_its_way_back_is_recovered_through_the_409_and_kept_once(
    witnessing: tuple[Running, Running],
) -> None:
    """RU recorded and cosigned, but the answer never reached US (the exchange's rule 3)."""
    us, ru = witnessing
    peer = us.config.peer("RU")
    assert peer is not None
    dropped: list[httpx.Response] = []

    def drop_the_first_answer(url: str, data: bytes) -> httpx.Response:
        answer = httpx.post(url, content=data, timeout=30)
        if not dropped:
            dropped.append(answer)
            raise httpx.ReadError("the connection dropped before the answer came")
        return answer

    alarm = AlarmLog(us.config.directory)
    with pytest.raises(httpx.ReadError):
        push(us.node, peer, drop_the_first_answer, alarm)
    assert dropped[0].status_code == 200
    assert witnessed(ru) == (4, 4, 1)
    assert us.node.store.cosignatures("US") == []
    assert push(us.node, peer, drop_the_first_answer, alarm) == "cosigned at size 4"  # 409 "4", then from 4
    (kept,) = us.node.store.cosignatures("US")
    assert kept.line + "\n" == dropped[0].text  # the receipt RU kept, not a second one
    assert kept.line == kept_cosignature(ru.node.store, "US", 4, ru.config.origin)
    assert push(us.node, peer, drop_the_first_answer, alarm) == "cosigned at size 4"  # nothing owed: not sent
    assert alarm.read() == alarms(ru) == []


# -------------------------------------------------------------------------------------------- a cheating peer


def test_a_rollback_is_refused_without_evidence_and_changes_nothing(witnessing: tuple[Running, Running]) -> None:
    """US signs checkpoints smaller than RU witnessed: its own older one, and a rewritten one."""
    us, ru = witnessing
    assert post(ru, body(0, note_of(us, 4))).status_code == 200
    for size, note in ((1, note_of(us, 1)), (2, note_of(us, 2, root=bytes(32)))):
        for old in (0, 1, 2, 4):
            answer = post(ru, body(old, note))
            assert answer.status_code == (400 if old > size else 409), (old, answer.text)
            assert answer.status_code == 400 or answer.text == "4\n"
    assert witnessed(ru) == (4, 4, 1)
    assert alarms(ru) == []  # a smaller checkpoint proves nothing: the log signed it earlier, anyone may resend it


def test_a_peer_that_forks_its_log_is_refused_with_evidence_and_an_alarm(tmp_path: Path) -> None:
    """A second node holding US's key (a copy of its directory, restored and written to) signs another history."""
    us_config, ru_config = make_pair(tmp_path)
    clone = init_node(tmp_path / "us-again", "US", "new-start", key=us_config.directory / "US.key")
    url = us_config.peer("RU").url  # type: ignore[union-attr]
    clone = add_peer(clone, "RU", url, log_key(ru_config))
    with (
        serving(us_config, port_of(us_config, ru_config)) as us,
        serving(ru_config, port_of(ru_config, us_config)) as ru,
    ):
        honest = Launchers(RECENT)
        assert us.submit(honest.initial()).status_code == 200
        assert us.submit(honest.changes(3)).status_code == 200
        wait_for(lambda: cosigned_ours(us) == 4, "RU to cosign US's log at size 4")
        mirrored = rows(ru.node.store, "US")
        recorded = ru.node.store.checkpoints("US")
        with serving(clone, free_port()) as forked:
            other = Launchers(RECENT, seed=99)  # the same initial data, then other changes: a fork after entry 1
            assert forked.submit([other.initial(), *other.changes(3)]).status_code == 200
            state = pusher_of(forked).states["RU"]
            wait_for(lambda: state.outcome.startswith("refused: 422"), "RU to refuse the forked checkpoint", 15)
            assert "a fork" in state.outcome
            assert any(a["kind"] == "fork" for a in alarms(ru))
            # growing past the fork does not help: its consistency proof starts from another root than RU's
            assert forked.submit(other.changes(2)).status_code == 200
            wait_for(lambda: "consistency proof" in state.outcome, "the forked log's next push to be refused", 15)
        assert rows(ru.node.store, "US") == mirrored == rows(us.node.store, "US")
        assert ru.node.store.checkpoints("US") == recorded
        assert [c.size for c in ru.node.store.cosignatures("US")] == [k.size for k in recorded]
    raised = alarms(ru)
    assert {a["kind"] for a in raised} == {"fork"}
    for alarm in raised:
        assert alarm["peer"] == "US"
        assert check_evidence(alarm["evidence"], us_config.key().public_key, us_config.origin).startswith("fork")
        assert recorded[-1].note in alarm["evidence"]["checkpoints"]


def _doctored(data: bytes, width: int, how: str) -> bytes:
    """A signed bundle with its first entry's payload or signature altered, or its last entry left out."""
    items = split_signed(data, width)
    signature, payload = items[0]
    if how == "payload":
        items[0] = (signature, payload.replace(b'"deployed"', b'"non-deployed"', 1).replace(b"LF-0", b"LF-1", 1))
    elif how == "signature":
        items[0] = (bytes([signature[0] ^ 1]) + signature[1:], payload)
    else:
        items = items[:-1]
    assert items != split_signed(data, width)
    return b"".join(len(s + p).to_bytes(4, "big") + s + p for s, p in items)


@pytest.mark.parametrize(
    ("how", "kind"), [("payload", "bad-tiles"), ("signature", "bad-entry"), ("truncated", "bad-tiles")]
)
def test_a_peer_serving_tiles_that_are_not_its_signed_log_gets_nothing_mirrored(
    tmp_path: Path, how: str, kind: str
) -> None:
    """RU fetches US's log through a relay that alters one signed bundle; US's checkpoint is honest.

    The batch spans two bundles, the first served intact: nothing of it is mirrored beyond what RU verified before.
    """
    us_config, ru_config = make_pair(tmp_path)
    honest = free_port()
    cheating = threading.Event()
    relay = FastAPI()

    @relay.get("/{path:path}")
    def fetch(path: str) -> Response:
        answer = httpx.get(f"http://127.0.0.1:{honest}/{path}", timeout=30)
        data = answer.content
        if cheating.is_set() and path.startswith("signed/001") and answer.status_code == 200:
            data = _doctored(data, parse_tile_path(path).width, how)
        return Response(data, status_code=answer.status_code, media_type="application/octet-stream")

    with (
        serving(us_config, honest) as us,
        serving_app(relay, port_of(us_config, ru_config)),
        serving(ru_config, port_of(ru_config, us_config)) as ru,
    ):
        launchers = Launchers(RECENT)
        assert us.submit(launchers.initial()).status_code == 200
        assert us.submit(launchers.changes(10)).status_code == 200
        wait_for(lambda: cosigned_ours(us) == 11, "RU to cosign US's log at size 11")
        cheating.set()
        assert us.submit(launchers.changes(300)).status_code == 200  # entries 12..311: bundles 000 and 001.p/55
        state = pusher_of(us).states["RU"]
        wait_for(lambda: any(a["kind"] == kind for a in alarms(ru)), f"RU to raise {kind}", 15)
        wait_for(lambda: state.outcome.startswith("refused: 422"), "US's push to be refused", 5)
        assert ru.node.store.tree_size("US") == 11
        assert ru.node.latest("US").size == 11  # type: ignore[union-attr]
        assert cosigned_ours(us) == 11
        assert {(a["peer"], a["kind"]) for a in alarms(ru)} == {("US", kind)}
        cheating.clear()  # the log served as signed: the next retry mirrors it
        wait_for(lambda: cosigned_ours(us) == 311, "RU to cosign US's log at size 311", 20)
        assert rows(ru.node.store, "US") == rows(us.node.store, "US")


def test_a_checkpoint_signed_with_another_key_is_403_and_mirrors_nothing(tmp_path: Path) -> None:
    """A node that calls itself US but holds another key than the one RU configured for US's log."""
    us_config, ru_config = make_pair(tmp_path)
    impostor = init_node(tmp_path / "impostor", "US", "new-start")
    impostor = add_peer(impostor, "RU", us_config.peer("RU").url, log_key(ru_config))  # type: ignore[union-attr]
    assert log_key(impostor) != log_key(us_config)
    with (
        serving(impostor, port_of(us_config, ru_config)) as fake,  # where RU would fetch US's tiles
        serving(ru_config, port_of(ru_config, us_config)) as ru,
    ):
        launchers = Launchers(RECENT)
        assert fake.submit(launchers.initial()).status_code == 200
        assert fake.submit(launchers.changes(3)).status_code == 200
        state = pusher_of(fake).states["RU"]
        wait_for(lambda: state.outcome.startswith("refused: 403"), "RU to refuse the impostor's checkpoint", 10)
        assert witnessed(ru) == (0, 0, 0)
        assert alarms(ru) == []  # anyone can sign a note with some key: no alarm, or anyone could raise them


def test_a_witness_that_cosigns_something_else_or_claims_too_much_has_nothing_kept(
    witnessing: tuple[Running, Running],
) -> None:
    """RU's answers as a cheating witness would make them; US keeps only a cosignature of what it sent."""
    us, ru = witnessing
    peer = us.config.peer("RU")
    assert peer is not None
    alarm = AlarmLog(us.config.directory)
    sent = parse_note(us.node.latest("US").note)  # type: ignore[union-attr]
    when = int(CLOCK.timestamp())
    stranger = PartyKey.from_seed("RU", bytes([7]) * 32)

    def answer(status: int, text: str, media: str = "text/plain; charset=utf-8") -> Callable[[str, bytes], Any]:
        return lambda _url, _data: httpx.Response(status, text=text, headers={"content-type": media})

    wrong_key = cosign(sent, ru.config.origin, stranger, when).line()
    other_checkpoint = cosign(parse_note(note_of(us, 1)), ru.config.origin, ru.node.key, when).line()
    other_name = cosign(sent, "detente/new-start/XX", ru.node.key, when).line()
    refusals = [
        (answer(200, wrong_key + "\n"), "refused: the answer holds no valid cosignature"),
        (answer(200, other_checkpoint + "\n"), "refused: the answer holds no valid cosignature"),
        (answer(200, other_name + "\n"), "refused: the answer holds no valid cosignature"),
        (answer(200, "— not a cosignature\n"), "refused: the answer holds no valid cosignature"),
        (answer(409, "99\n", "text/x.tlog.size"), "refused: the peer claims size 99"),
    ]
    for post_answer, outcome in refusals:
        assert push(us.node, peer, post_answer, alarm).startswith(outcome)
    assert us.node.store.cosignatures("US") == []
    (ahead,) = alarm.read()
    assert (ahead["peer"], ahead["kind"]) == ("RU", "ahead")
    # and the real witness's cosignature is kept beside the checkpoint
    assert push(us.node, peer, lambda url, data: httpx.post(url, content=data), alarm) == "cosigned at size 4"
    assert [c.size for c in us.node.store.cosignatures("US")] == [4]


# ------------------------------------------------------------------------------------------------- clock skew


@pytest.mark.parametrize("skew", [dt.timedelta(minutes=7), dt.timedelta(minutes=-7)], ids=["ahead", "behind"])
def test_a_node_whose_clock_is_minutes_off_is_mirrored_and_keeps_the_witness_s_time(
    tmp_path: Path, skew: dt.timedelta
) -> None:
    """US's clock is 7 minutes ahead of RU's, or behind it; US sends a notification at its own clock's time.

    The exchange does not judge a cosignature's time (rule 4 of the exchange): it is the witness's statement of
    when it checked, kept as made. The one tolerance is the ledger's: RU's mirror, like any writer, takes nothing
    sent more than ``CLOCK_TOLERANCE`` (10 minutes) after its own clock's time.
    """
    assert abs(skew) < CLOCK_TOLERANCE
    us_config, ru_config = make_pair(tmp_path)
    us_now = CLOCK + skew
    with (
        serving(us_config, port_of(us_config, ru_config), clock=lambda: us_now) as us,
        serving(ru_config, port_of(ru_config, us_config)) as ru,
    ):
        launchers = Launchers(RECENT)
        assert us.submit(launchers.initial()).status_code == 200
        launchers.when = us_now - dt.timedelta(minutes=1)
        (change,) = launchers.changes(1)
        assert change["sent"] == us_now
        assert us.submit([change]).status_code == 200
        wait_for(lambda: cosigned_ours(us) == 2, "RU to cosign US's log at size 2")
        line = kept_cosignature(us.node.store, "US", 2, ru_config.origin)
        when = check_cosignature(us.node.latest("US").note, line, *verifiers(us_config, ru_config))  # type: ignore[union-attr]
        assert when == int(CLOCK.timestamp()) == int(us_now.timestamp() - skew.total_seconds())
        assert rows(ru.node.store, "US") == rows(us.node.store, "US")
        assert alarms(ru) == []


def test_a_notification_sent_beyond_the_witness_s_tolerance_waits_until_its_clock_catches_up(tmp_path: Path) -> None:
    """US's clock runs 15 minutes ahead of RU's: a notice sent at US's time is refused by RU's mirror as any writer
    of RU's would refuse it (an alarm: the clocks of two honest parties differ by less), and taken by a later retry
    once RU's clock is within the tolerance of it. Nothing is lost and nothing was mirrored before."""
    us_config, ru_config = make_pair(tmp_path)
    us_now = CLOCK + CLOCK_TOLERANCE + dt.timedelta(minutes=5)
    ru_now = [CLOCK]
    with (
        serving(us_config, port_of(us_config, ru_config), clock=lambda: us_now) as us,
        serving(ru_config, port_of(ru_config, us_config), clock=lambda: ru_now[0]) as ru,
    ):
        launchers = Launchers(RECENT)
        assert us.submit(launchers.initial()).status_code == 200
        wait_for(lambda: cosigned_ours(us) == 1, "RU to cosign US's log at size 1")
        launchers.when = us_now - dt.timedelta(minutes=1)
        assert us.submit(launchers.changes(1)).status_code == 200
        wait_for(lambda: any(a["kind"] == "bad-entry" for a in alarms(ru)), "RU to refuse the notice", 10)
        assert "later than this writer's clock allows" in alarms(ru)[0]["why"]
        assert ru.node.store.tree_size("US") == 1
        assert cosigned_ours(us) == 1
        ru_now[0] = CLOCK + dt.timedelta(minutes=6)  # now 9 minutes behind US's: within the tolerance
        wait_for(lambda: cosigned_ours(us) == 2, "US's retry to be mirrored and cosigned", 15)
        assert rows(ru.node.store, "US") == rows(us.node.store, "US")
