"""Streamed appends: a large batch stored by the appending helper as it is signed, all of it or none (both backends)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from detente.catalog.load import builtin_catalog
from detente.errors import NotificationError, StoreError
from detente.ledger import writer
from detente.ledger.chain import verify_chain
from detente.ledger.keys import PartyKey
from detente.ledger.memory import MemoryStore
from detente.ledger.signer import CHUNK
from detente.store import appender
from detente.store.appender import AppendingHelper
from detente.store.ledger_store import SqlLedgerStore, open_store
from detente.treaty.load import get_treaty
from detente.trust.stored_tree import Frontier

from builders import initial_launchers, toggles

KEY = PartyKey.from_seed("US", bytes([3]) * 32)
UIDS = [f"US-MM3-{i}" for i in range(20)]
SIZE = 560  # several chunks of CHUNK and a part one; each of the 20 launchers flipped an even number of times


def _ledger(store: Any) -> writer.Ledger:
    ledger = writer.Ledger(store, builtin_catalog(), get_treaty)
    ledger.register("US", KEY.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS)], KEY)
    return ledger


def _streaming(store: Any) -> writer.Ledger:
    """A ledger that has taken its first large batch (appended whole), so that the next ones stream."""
    ledger = _ledger(store)
    ledger.submit("US", toggles(UIDS, WARM, day="2011-02-28"), KEY)
    return ledger


WARM = 280  # a large batch (at least HELPER_BATCH) that leaves every launcher deployed again
BASE = 1 + WARM  # entries in a ledger from _streaming


@pytest.fixture
def store(store_target: str) -> Iterator[SqlLedgerStore]:
    s = open_store(store_target)
    assert s.start_streaming(wait=60), "the appending helper did not start"
    yield s
    s.close()
    gc.collect()


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many streams were committed (a streamed batch is one), recorded as they are."""
    done: list[int] = []
    real = appender.Stream.commit

    def counted(self: appender.Stream) -> None:
        real(self)
        done.append(1)

    monkeypatch.setattr(appender.Stream, "commit", counted)
    return done


def _root(store: Any, size: int) -> bytes:
    return Frontier(size, store.tree_nodes("US", Frontier.positions(size))).root()


def test_a_streamed_batch_is_stored_as_one_appended_whole(store: SqlLedgerStore, commits: list[int]) -> None:
    streamed = _ledger(store)
    whole = _ledger(MemoryStore())
    for ledger in (streamed, whole):
        for day in ("2011-03-01", "2011-03-02", "2011-03-03"):  # the first is appended whole, the next two stream
            ledger.submit("US", toggles(UIDS, SIZE, day=day), KEY)
    assert len(commits) == 2
    assert list(store.entries("US")) == list(whole.store.entries("US"))
    size = 1 + 3 * SIZE
    assert [p["seq"] for p in verify_chain(store.entries("US"), "US", KEY.public_key)] == list(range(1, size + 1))
    for at in (1 + SIZE, 2 + SIZE, 1 + 2 * SIZE, size):
        assert _root(store, at) == _root(whole.store, at)
    assert store.tree_size("US") == size
    streamed.close()


def test_a_process_that_submits_one_large_batch_starts_no_helper_to_store_it(store_target: str) -> None:
    plain = open_store(store_target)
    ledger = _ledger(plain)
    ledger.submit("US", toggles(UIDS, SIZE), KEY)
    assert plain._appender is None
    ledger.submit("US", toggles(UIDS, SIZE, day="2011-03-02"), KEY)  # the second asks for the stream
    assert plain._appender is not None
    ledger.close()
    plain.close()


def test_a_batch_refused_midway_stores_nothing_and_the_next_streams(store: SqlLedgerStore, commits: list[int]) -> None:
    ledger = _streaming(store)
    drafts = toggles(UIDS, SIZE)
    drafts[CHUNK * 3 + 5]["content"]["uid"] = "US-NOWHERE"  # refused after chunks were stored in the transaction
    with pytest.raises(NotificationError, match="not declared"):
        ledger.submit("US", drafts, KEY)
    assert store.tree_size("US") == BASE
    assert [e.seq for e in store.entries("US")] == list(range(1, BASE + 1))
    assert not commits
    accepted = ledger.submit("US", toggles(UIDS, SIZE), KEY)
    assert len(commits) == 1
    assert [e.seq for e in store.entries("US")] == list(range(1, BASE + SIZE + 1))
    assert accepted[-1].hash == store.head("US").hash_hex  # type: ignore[union-attr]
    ledger.close()


def test_a_helper_killed_midway_refuses_the_batch_and_nothing_is_stored(
    store: SqlLedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _streaming(store)
    real = appender.Stream.add
    sent: list[int] = []

    def dying(self: appender.Stream, entries: Any) -> None:
        real(self, entries)
        sent.append(len(entries))
        if len(sent) == 2:  # after two chunks went into its transaction
            proc = store._appender._proc  # type: ignore[union-attr]
            assert proc is not None
            proc.kill()
            proc.wait()

    monkeypatch.setattr(appender.Stream, "add", dying)
    before = ledger.state("US").copy()
    with pytest.raises(StoreError, match="appending helper stopped"):
        ledger.submit("US", toggles(UIDS, SIZE), KEY)
    assert len(sent) >= 2
    assert [e.seq for e in store.entries("US")] == list(range(1, BASE + 1))
    assert ledger.state("US") == before
    monkeypatch.setattr(appender.Stream, "add", real)
    ledger.submit("US", toggles(UIDS, SIZE), KEY)  # appended whole while a new helper starts
    size = BASE + SIZE
    assert [p["seq"] for p in verify_chain(store.entries("US"), "US", KEY.public_key)] == list(range(1, size + 1))
    ledger.close()


def test_rows_the_database_refuses_are_refused_at_commit_and_nothing_is_stored(store: SqlLedgerStore) -> None:
    ledger = _ledger(store)
    ledger.submit("US", toggles(UIDS, 5), KEY)
    stored = list(store.entries("US"))
    fresh = _ledger(MemoryStore())
    fresh.submit("US", toggles(UIDS, 7), KEY)
    following = list(fresh.store.entries("US"))[6:]  # #7 and #8: they would follow what is stored
    stream = store.stream(wait=60)
    assert stream is not None
    stream.add(following[:1])
    stream.add(stored[2:3])  # #3 again: the database refuses it
    stream.add(following[1:])  # ignored: the transaction is already rolled back
    with pytest.raises(StoreError, match=r"append-only|UNIQUE|duplicate"):
        stream.commit()
    assert list(store.entries("US")) == stored
    again = store.stream(wait=60)  # the helper goes on serving
    assert again is not None
    again.add(following)
    again.commit()
    assert [e.seq for e in store.entries("US")] == list(range(1, 9))
    ledger.close()


def test_a_stream_ends_once(store: SqlLedgerStore) -> None:
    stream = store.stream(wait=60)
    assert stream is not None
    assert store.stream() is None  # one stream at a time: a second caller appends whole
    stream.commit()
    with pytest.raises(StoreError, match="ended"):
        stream.add([])
    stream.abort()  # harmless after the end
    assert store.start_streaming(wait=60)


def test_a_helper_that_cannot_open_the_database_leaves_appends_whole() -> None:
    helper = AppendingHelper("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    try:
        assert helper.stream(wait=60) is None
        assert helper._failed
        assert helper.stream(wait=60) is None  # at once: it does not try again
    finally:
        helper.close()


def test_a_database_in_memory_has_no_stream() -> None:
    store = open_store(":memory:")
    assert store.stream(wait=1) is None
    store.close()


def test_a_stream_thrown_out_of_step_ends_the_helper_and_stores_nothing(store: SqlLedgerStore) -> None:
    """A write cut short leaves the next frame misaligned: the helper reads no token there, so it stops (and
    never reads a payload's bytes as a pickle); its transaction is rolled back, and the batch is refused."""
    ledger = _ledger(store)
    fresh = _ledger(MemoryStore())
    fresh.submit("US", toggles(UIDS, 3), KEY)
    following = list(fresh.store.entries("US"))[1:]
    stream = store.stream(wait=60)
    assert isinstance(stream, appender.Stream)
    stream.add(following[:1])
    stream._stdin.write(b"\0\0\0\x40" + following[1].payload[:30])  # half a frame, as if the write was cut short
    stream.add(following[1:])
    with pytest.raises(StoreError, match="appending helper stopped"):
        stream.commit()
    assert [e.seq for e in store.entries("US")] == [1]
    assert store.start_streaming(wait=60)  # a new helper, with a new token
    ledger.close()
