"""The signing helper: another core signs while the writer validates; the signatures are the key's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from detente.catalog.load import builtin_catalog
from detente.errors import LedgerError, NotificationError
from detente.ledger import writer
from detente.ledger.keys import PartyKey, verify
from detente.ledger.memory import MemoryStore
from detente.ledger.signer import AHEAD, CHUNK, TAIL, SigningHelper
from detente.ledger.writer import Ledger
from detente.treaty.load import get_treaty

from builders import initial_launchers, toggles

KEY = PartyKey.from_seed("US", bytes([3]) * 32)
OTHER = PartyKey.from_seed("US", bytes([4]) * 32)
UIDS = [f"US-MM3-{i}" for i in range(20)]


@pytest.fixture
def helper() -> Any:
    h = SigningHelper(KEY)
    yield h
    h.close()


def test_the_helper_signs_exactly_as_the_key_does(helper: SigningHelper) -> None:
    # More requests than may be outstanding, a payload larger than a pipe's buffer, and an empty one.
    messages = [os.urandom(i % 700) for i in range(CHUNK * (AHEAD + 3) + 5)]
    messages[100] = os.urandom(300_000)
    batch = helper.batch()
    for m in messages:
        batch.add(m)
    assert batch.signatures() == [KEY.sign(m) for m in messages]
    second = helper.batch()  # the same helper serves the next batch
    second.add(b"again")
    assert second.signatures() == [KEY.sign(b"again")]


@pytest.mark.parametrize(
    "count",
    [1, TAIL - 1, TAIL, TAIL + 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + TAIL + 3, 1_000],
)
def test_a_batch_that_gives_its_size_is_signed_whole_and_in_order(helper: SigningHelper, count: int) -> None:
    """Its first and last chunks are small (rule 2): around every boundary each payload gets its own signature."""
    messages = [i.to_bytes(4, "big") * 10 for i in range(count)]
    batch = helper.batch(count)
    for m in messages:
        batch.add(m)
    assert batch.signatures() == [KEY.sign(m) for m in messages]


def test_a_helper_that_dies_refuses_the_batch_and_the_next_starts_afresh(helper: SigningHelper) -> None:
    batch = helper.batch()
    for i in range(CHUNK + 1):
        batch.add(bytes([i]) * 50)
    proc = helper._proc
    assert proc is not None
    proc.kill()
    proc.wait()
    with pytest.raises(LedgerError, match="signing helper stopped"):
        batch.signatures()
    fresh = helper.batch()
    fresh.add(b"after")
    assert fresh.signatures() == [KEY.sign(b"after")]


def test_signatures_by_another_key_are_caught_before_anything_is_stored(helper: SigningHelper) -> None:
    batch = helper.batch()
    batch.add(b"one")
    helper.key = OTHER  # the writer now expects OTHER's signatures; the helper holds KEY
    with pytest.raises(LedgerError, match="do not verify"):
        batch.signatures()


def _changes(n: int) -> list[dict[str, Any]]:
    return toggles(UIDS, n)


def _ledger() -> Ledger:
    ledger = Ledger(MemoryStore(), builtin_catalog(), get_treaty)
    ledger.register("US", KEY.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS)], KEY)
    return ledger


def test_a_large_batch_signed_by_the_helper_equals_one_signed_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    size = writer.HELPER_BATCH + 50
    helped = _ledger()
    helped.submit("US", _changes(size), KEY)
    assert helped._helpers, "a batch this large goes through the helper"
    helped.close()
    monkeypatch.setattr(writer, "HELPER_BATCH", 10**9)
    plain = _ledger()
    plain.submit("US", _changes(size), KEY)
    assert not plain._helpers
    assert list(helped.store.entries("US")) == list(plain.store.entries("US"))
    assert all(verify(KEY.public_key, e.payload, e.signature) for e in helped.store.entries("US"))


def test_a_batch_whose_helper_fails_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = _ledger()
    before = ledger.state("US").copy()
    real = SigningHelper.batch

    def dying(self: SigningHelper, size: int | None = None, signed: Any = None) -> Any:
        batch = real(self, size, signed)
        assert self._proc is not None
        self._proc.kill()  # dies as the writer feeds it
        return batch

    monkeypatch.setattr(SigningHelper, "batch", dying)
    with pytest.raises(LedgerError, match="signing helper"):
        ledger.submit("US", _changes(writer.HELPER_BATCH), KEY)
    assert len(list(ledger.store.entries("US"))) == 1
    assert ledger.state("US") == before
    monkeypatch.setattr(SigningHelper, "batch", real)
    ledger.submit("US", _changes(writer.HELPER_BATCH), KEY)  # a new helper takes the batch
    assert ledger.state("US").seq == 1 + writer.HELPER_BATCH
    ledger.close()


def test_a_batch_refused_by_a_rule_midway_leaves_the_next_batch_signed_right() -> None:
    ledger = _ledger()
    drafts = [{**d, "remarks": "to be refused"} for d in _changes(writer.HELPER_BATCH + CHUNK * 2)]
    drafts[CHUNK * 2 + 7]["content"]["uid"] = "US-NOWHERE"  # refused after two chunks went to the helper
    with pytest.raises(NotificationError, match="not declared"):
        ledger.submit("US", drafts, KEY)
    assert ledger.state("US").seq == 1
    accepted = ledger.submit("US", _changes(writer.HELPER_BATCH), KEY)
    assert len(accepted) == writer.HELPER_BATCH
    assert all(verify(KEY.public_key, e.payload, e.signature) for e in ledger.store.entries("US"))
    ledger.close()


def test_the_helper_stops_when_the_writer_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from detente.ledger.keys import PartyKey
            from detente.ledger.signer import SigningHelper
            helper = SigningHelper(PartyKey.from_seed("US", bytes([3]) * 32))
            batch = helper.batch()
            batch.add(b"x" * 100)
            print(helper._proc.pid, flush=True)
            time.sleep(60)
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # gone: its stdin closed with the writer
        time.sleep(0.05)
        try:  # a zombie (child of the dead writer, reaped by init) counts as gone
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return
        except FileNotFoundError:
            return
    pytest.fail(f"the signing helper {pid} outlived its writer")
