"""The port's standalone checkpoints and cosignatures, on every store (memory, SQLite, PostgreSQL).

A node records a signed checkpoint of its own log after each submission and of each peer's log it has mirrored and
witnessed, and keeps the cosignatures exchanged for them. What the store must guarantee: checkpoints only grow, each
has the stored tree's root at its size, and a cosignature is kept once, for a checkpoint that is recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tests.test_store_contract import RU, RU_KEY, US, US_CHAIN, US_KEY

from detente.crypto.note import Checkpoint, cosign, parse_note, sign_note
from detente.crypto.stored_tree import StoredTree
from detente.errors import ConflictError, StoreError
from detente.ledger.checkpoints import checkpoint_note, log_origin
from detente.ledger.memory import MemoryStore
from detente.ledger.port import CheckpointRecord, CosignatureRecord, LedgerStore
from detente.store.ledger_store import SqlLedgerStore, open_store


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def port(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """A store of each kind holding the US chain (12 entries) and RU registered with none."""
    if request.param == "memory":
        store: LedgerStore = MemoryStore()
    else:
        target = str(tmp_path / "ledger.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")
        store = open_store(target)
    with store:
        store.add_party(US)
        store.add_party(RU)
        store.append(US_CHAIN)
        yield store


def signed(store: LedgerStore, size: int) -> CheckpointRecord:
    """The US checkpoint at ``size``, signed by the US key, with the stored tree's root."""
    return checkpoint_note(US, size, StoredTree(store, "US").root(size), US_KEY)


def test_a_checkpoint_of_the_stored_tree_is_recorded(port: LedgerStore) -> None:
    port.record_checkpoint(signed(port, 5))
    port.record_checkpoint(signed(port, 12))
    assert [(k.size, k.root) for k in port.checkpoints("US")] == [
        (5, StoredTree(port, "US").root(5)),
        (12, StoredTree(port, "US").root(12)),
    ]
    note = parse_note(port.checkpoints("US")[1].note)
    assert note.body.startswith(f"{log_origin(US)}\n12\n")


@pytest.mark.parametrize(("first", "second"), [(7, 7), (7, 6)])
def test_checkpoints_only_grow(port: LedgerStore, first: int, second: int) -> None:
    port.record_checkpoint(signed(port, first))
    with pytest.raises(ConflictError, match=f"recorded at size {first}"):
        port.record_checkpoint(signed(port, second))
    assert [k.size for k in port.checkpoints("US")] == [first]


def test_a_checkpoint_beyond_the_tree_or_with_another_root_is_refused(port: LedgerStore) -> None:
    with pytest.raises(StoreError, match="has 12 leaves, not 13"):
        port.record_checkpoint(CheckpointRecord("US", 13, b"\1" * 32, "x"))
    with pytest.raises(StoreError, match="has 0 leaves, not 1"):
        port.record_checkpoint(CheckpointRecord("RU", 1, b"\1" * 32, "x"))
    wrong = StoredTree(port, "US").root(4)
    note = sign_note(Checkpoint(log_origin(US), 5, wrong).body(), log_origin(US), US_KEY).text()
    with pytest.raises(StoreError, match="not the stored tree's"):
        port.record_checkpoint(CheckpointRecord("US", 5, wrong, note))
    assert port.checkpoints("US") == []


def _cosignature(
    store: LedgerStore, size: int, cosigner: str = "witness/RU", timestamp: int = 1_700_000_000
) -> CosignatureRecord:
    note = parse_note(next(k.note for k in store.checkpoints("US") if k.size == size))
    line = cosign(note, cosigner, RU_KEY, timestamp).line()
    return CosignatureRecord("US", size, cosigner, line)


def test_a_cosignature_is_kept_once_for_a_recorded_checkpoint(port: LedgerStore) -> None:
    port.record_checkpoint(signed(port, 8))
    with pytest.raises(StoreError, match="no checkpoint recorded at size 9"):
        port.add_cosignature(CosignatureRecord("US", 9, "witness/RU", "— witness/RU AAAA"))
    first = _cosignature(port, 8)
    assert port.add_cosignature(first) is True
    assert port.add_cosignature(_cosignature(port, 8, timestamp=1_800_000_000)) is False  # a repeat keeps the first
    other = _cosignature(port, 8, cosigner="witness/XX")
    assert port.add_cosignature(other) is True
    assert port.cosignatures("US") == [first, other]
    assert port.cosignatures("RU") == []


def test_racing_recorders_record_one_checkpoint_per_size(tmp_path: Path) -> None:
    """Two writers each record a checkpoint at one size: exactly one succeeds, the other is told it lost."""
    target = str(tmp_path / "race.sqlite")
    with open_store(target) as store:
        store.add_party(US)
        store.append(US_CHAIN)
        record = signed(store, 10)
    outcomes: list[str] = []
    stores = [open_store(target) for _ in range(4)]  # opened one by one: Alembic's check is not for threads
    start = threading.Barrier(len(stores))

    def record_once(mine: SqlLedgerStore) -> None:
        start.wait()
        try:
            mine.record_checkpoint(record)
            outcomes.append("recorded")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=record_once, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sorted(outcomes) == ["conflict"] * 3 + ["recorded"]


def test_the_database_refuses_changes_to_cosignatures(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "ledger.sqlite")) as store:
        store.add_party(US)
        store.append(US_CHAIN)
        store.record_checkpoint(signed(store, 12))
        store.add_cosignature(_cosignature(store, 12))
        assert isinstance(store, SqlLedgerStore)
        for statement in (
            "UPDATE ledger_cosignatures SET line = 'x'",
            "DELETE FROM ledger_cosignatures",
            "INSERT OR REPLACE INTO ledger_cosignatures (party, size, cosigner, line) "
            "VALUES ('US', 12, 'witness/RU', 'x')",
        ):
            with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
                c.execute(text(statement))
        assert [c.line for c in store.cosignatures("US")] == [_cosignature(store, 12).line]


def test_the_latest_checkpoint_and_sizes_in_a_range_are_read_alone(port: LedgerStore) -> None:
    assert port.latest_checkpoint("US") is None
    assert port.checkpoint_sizes("US", 0, 100) == []
    for size in (2, 5, 9, 12):
        port.record_checkpoint(signed(port, size))
    assert port.latest_checkpoint("US") == port.checkpoints("US")[-1]
    assert port.latest_checkpoint("RU") is None
    assert port.checkpoint_sizes("US", 5, 12) == [5, 9]
    assert port.checkpoint_sizes("US", 0, 2**62) == [2, 5, 9, 12]
    assert port.checkpoint_sizes("US", 10, 12) == []
