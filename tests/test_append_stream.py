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
SIZE = writer.HELPER_BATCH + 2 * CHUNK + 9  # several chunks, and a small last one


def _ledger(store: Any) -> writer.Ledger:
    ledger = writer.Ledger(store, builtin_catalog(), get_treaty)
    ledger.register("US", KEY.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS)], KEY)
    return ledger


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
    drafts = toggles(UIDS, 2 * SIZE)
    for ledger in (streamed, whole):
        ledger.submit("US", drafts[:SIZE], KEY)
        ledger.submit("US", drafts[SIZE:], KEY)  # the second continues the tree the first grew
    assert len(commits) == 2
    assert list(store.entries("US")) == list(whole.store.entries("US"))
    size = 1 + 2 * SIZE
    assert [p["seq"] for p in verify_chain(store.entries("US"), "US", KEY.public_key)] == list(range(1, size + 1))
    for at in (SIZE, SIZE + 1, size):
        assert _root(store, at) == _root(whole.store, at)
    assert store.tree_size("US") == size
    streamed.close()


def test_a_batch_refused_midway_stores_nothing_and_the_next_streams(store: SqlLedgerStore, commits: list[int]) -> None:
    ledger = _ledger(store)
    drafts = toggles(UIDS, SIZE)
    drafts[CHUNK * 3 + 5]["content"]["uid"] = "US-NOWHERE"  # refused after chunks were stored in the transaction
    with pytest.raises(NotificationError, match="not declared"):
        ledger.submit("US", drafts, KEY)
    assert store.tree_size("US") == 1
    assert [e.seq for e in store.entries("US")] == [1]
    assert not commits
    accepted = ledger.submit("US", toggles(UIDS, SIZE), KEY)
    assert len(commits) == 1
    assert [e.seq for e in store.entries("US")] == list(range(1, SIZE + 2))
    assert accepted[-1].hash == store.head("US").hash_hex  # type: ignore[union-attr]
    ledger.close()


def test_a_helper_killed_midway_refuses_the_batch_and_nothing_is_stored(
    store: SqlLedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _ledger(store)
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
    assert [e.seq for e in store.entries("US")] == [1]
    assert ledger.state("US") == before
    monkeypatch.setattr(appender.Stream, "add", real)
    ledger.submit("US", toggles(UIDS, SIZE), KEY)  # appended whole while a new helper starts
    assert [p["seq"] for p in verify_chain(store.entries("US"), "US", KEY.public_key)] == list(range(1, SIZE + 2))
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
