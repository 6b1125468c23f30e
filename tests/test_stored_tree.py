"""The Merkle tree stored in the ledger store: the port's contract on every backend, the migration and properties.

Every backend (in memory, SQLite, PostgreSQL) must hold, after any sequence of batches, exactly the perfect-subtree
nodes of the in-memory :class:`MerkleTree` over the same payloads; roots, inclusion and consistency proofs read from
it must equal the in-memory tree's and verify with the RFC 9162 verifiers. A batch that does not follow the stored
tree, or carries a checkpoint with a wrong root, is refused whole. The new tables are append-only in the database
itself, and a ledger made before the migration gets its tree back-filled when it is opened.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError

from detente.catalog.load import builtin_catalog
from detente.crypto.canonical import canonical
from detente.crypto.keys import PartyKey
from detente.crypto.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from detente.crypto.stored_tree import Frontier, StoredTree, consistency_plan, fold, inclusion_plan, subtrees
from detente.errors import StoreError, TreeError
from detente.ledger.chain import GENESIS, Entry, verify_chain
from detente.ledger.memory import MemoryStore
from detente.ledger.port import CheckpointRecord, LedgerStore, PartyRecord
from detente.ledger.replay import replay, replay_store
from detente.ledger.state import PartyState
from detente.ledger.writer import Ledger
from detente.store.ledger_store import SCHEMA, SqlLedgerStore, _sqlite_begin, _sqlite_pragmas, _url, migrate, open_store
from detente.treaty.load import get_treaty

from builders import initial_launchers, toggles

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def record(party: str) -> PartyRecord:
    return PartyRecord(party, hashlib.sha256(party.encode()).digest(), "new-start")


def entries(party: str, n: int, start: int = 1) -> list[Entry]:
    """n entries of a party from sequence number ``start``: distinct payloads the store can file (not signed)."""
    out = []
    for seq in range(start, start + n):
        payload = canonical(
            {
                "party": party,
                "seq": seq,
                "prev": GENESIS,
                "type": "receipt",
                "sent": "2021-01-02T00:00:00Z",
                "effective": "2021-01-01T00:00:00Z",
                "content": {"n": seq * 7919 % 1009},
            }
        )
        out.append(Entry(party, seq, payload, bytes(64), hashlib.sha256(payload).digest()))
    return out


def in_memory(batch: list[Entry]) -> MerkleTree:
    return MerkleTree.from_leaf_hashes([leaf_hash(e.payload) for e in batch])


def every_position(tree: MerkleTree) -> list[tuple[int, int]]:
    return [(level, index) for level, hashes in enumerate(tree.levels()) for index in range(len(hashes))]


def assert_same_tree(store: LedgerStore, party: str, tree: MerkleTree) -> None:
    """The store holds exactly the in-memory tree's nodes, and its roots of every size are the in-memory ones."""
    assert store.tree_size(party) == tree.size
    positions = every_position(tree)
    levels = tree.levels()
    assert store.tree_nodes(party, positions) == [levels[level][index] for level, index in positions]
    stored = StoredTree(store, party)
    assert [stored.root(m) for m in range(tree.size + 1)] == [tree.root(m) for m in range(tree.size + 1)]


# --- every backend: the in-memory store, SQLite and PostgreSQL -----------------------------------------------------


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """The in-memory store, a fresh SQLite file or a fresh PostgreSQL database; US and RU registered."""
    s: LedgerStore
    if request.param == "memory":
        s = MemoryStore()
    elif request.param == "sqlite":
        s = open_store(str(tmp_path / "ledger.sqlite"))
    else:
        s = open_store(request.getfixturevalue("pg_url"))
    s.add_party(record("US"))
    s.add_party(record("RU"))
    yield s
    s.close()
    gc.collect()


US = entries("US", 37)
RU = entries("RU", 5)


def test_nodes_equal_the_in_memory_tree_after_irregular_batches(store: LedgerStore) -> None:
    assert store.tree_size("US") == 0
    assert StoredTree(store, "US").root() == EMPTY_ROOT
    cuts = [0, 1, 2, 3, 7, 8, 16, 17, 31, 32, 37]
    for a, b in itertools.pairwise(cuts):
        store.append(US[a:b])
        assert_same_tree(store, "US", in_memory(US[:b]))
    store.append([*RU[:2]])
    store.append([*RU[2:]])
    assert_same_tree(store, "RU", in_memory(RU))
    assert_same_tree(store, "US", in_memory(US))  # another party's appends leave it alone


def test_a_batch_of_two_parties_grows_both_trees(store: LedgerStore) -> None:
    store.append([*US[:3], *RU[:2], US[3]])
    assert_same_tree(store, "US", in_memory(US[:4]))
    assert_same_tree(store, "RU", in_memory(RU[:2]))


def test_every_proof_read_from_the_store_equals_the_in_memory_one_and_verifies(store: LedgerStore) -> None:
    n = 21
    store.append(US[:5])
    store.append(US[5:n])
    tree, stored = in_memory(US[:n]), StoredTree(store, "US")
    for size in range(n + 1):
        root = tree.root(size)
        for index in range(size):
            assert stored.inclusion_proof(index, size) == tree.inclusion_proof(index, size)
            p = stored.prove_inclusion(index, size)
            assert (p.leaf, p.root, p.proof) == (tree.leaf(index), root, tree.inclusion_proof(index, size))
            verify_inclusion(p.leaf, p.index, p.size, p.proof, p.root)
        for old in range(size + 1):
            assert stored.consistency_proof(old, size) == tree.consistency_proof(old, size)
            c = stored.prove_consistency(old, size)
            assert (c.old_root, c.new_root) == (tree.root(old), root)
            verify_consistency(c.old_size, c.new_size, c.old_root, c.new_root, c.proof)


def test_requests_beyond_the_tree_are_refused_before_reading(store: LedgerStore) -> None:
    store.append(US[:6])
    stored = StoredTree(store, "US")
    with pytest.raises(TreeError, match=r"size 7 is not in \[0, 6\]"):
        stored.root(7)
    with pytest.raises(TreeError, match=r"leaf index 6 is not in \[0, 6\)"):
        stored.inclusion_proof(6)
    with pytest.raises(TreeError, match=r"leaf index 3 is not in \[0, 3\)"):
        stored.prove_inclusion(3, 3)
    with pytest.raises(TreeError, match=r"old size 5 is not in \[0, 4\]"):
        stored.consistency_proof(5, 4)
    with pytest.raises(TreeError, match="has 6 leaves, not 9"):
        StoredTree(store, "US", 9)
    with pytest.raises(StoreError, match="level 0, index 6"):
        store.tree_nodes("US", [(0, 5), (0, 6)])
    with pytest.raises(StoreError, match="level 3, index 0"):
        store.tree_nodes("US", [(3, 0)])  # the first 8 leaves are not complete yet
    assert store.tree_nodes("US", []) == []
    assert StoredTree(store, "CN").size == 0


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param([7, 8], id="gap"),
        pytest.param([5, 6, 7, 6], id="duplicate-within-batch"),
        pytest.param([4, 5], id="duplicate-of-stored-entry"),
        pytest.param([5, 7], id="gap-within-batch"),
    ],
)
def test_a_batch_that_does_not_follow_the_tree_is_refused_whole(store: LedgerStore, batch: list[int]) -> None:
    store.append(US[:4])
    with pytest.raises(StoreError, match="refused"):
        store.append([US[s - 1] for s in batch])
    assert_same_tree(store, "US", in_memory(US[:4]))
    assert [e.seq for e in store.entries("US")] == [1, 2, 3, 4]
    store.append(US[4:9])  # the tree goes on where it was
    assert_same_tree(store, "US", in_memory(US[:9]))


# --- checkpoints recorded with a batch -------------------------------------------------------------------------


def checkpoint(party: str, size: int, root: bytes) -> CheckpointRecord:
    return CheckpointRecord(party, size, root, f"detente/new-start/{party}\n{size}\n(signed note)\n")


def test_checkpoints_are_recorded_with_their_batch_and_listed_by_size(store: LedgerStore) -> None:
    tree = in_memory(US[:12])
    store.append(US[:5], [checkpoint("US", 5, tree.root(5)), checkpoint("US", 1, tree.root(1))])
    store.append(US[5:12], [checkpoint("US", 12, tree.root(12))])
    assert store.checkpoints("US") == [checkpoint("US", s, tree.root(s)) for s in (1, 5, 12)]
    assert store.checkpoints("RU") == []
    assert store.checkpoints("CN") == []


@pytest.mark.parametrize(
    ("claim", "why"),
    [
        pytest.param(lambda t: checkpoint("US", 6, t.root(5)), "has root .* but the tree's root", id="wrong-root"),
        pytest.param(lambda t: checkpoint("US", 3, t.root(3)), "not of a size this batch reaches", id="earlier-size"),
        pytest.param(lambda t: checkpoint("US", 9, t.root(8)), "not of a size this batch reaches", id="later-size"),
        pytest.param(lambda t: checkpoint("RU", 1, t.root(1)), "not of a size this batch reaches", id="other-party"),
    ],
)
def test_a_checkpoint_that_does_not_fit_refuses_the_whole_batch(store: LedgerStore, claim: Any, why: str) -> None:
    store.append(US[:4])
    tree = in_memory(US[:8])
    with pytest.raises(StoreError, match=why):
        store.append(US[4:8], [claim(tree)])
    assert store.checkpoints("US") == []
    assert [e.seq for e in store.entries("US")] == [1, 2, 3, 4]
    assert_same_tree(store, "US", in_memory(US[:4]))


def test_a_checkpoint_without_entries_is_refused(store: LedgerStore) -> None:
    with pytest.raises(StoreError, match="comes with the entries"):
        store.append([], [checkpoint("US", 0, EMPTY_ROOT)])


# --- SQL backends: append-only tables, and ledgers made before the migration ----------------------------------------


@pytest.fixture
def sql(store_target: str) -> Iterator[SqlLedgerStore]:
    s = open_store(store_target)
    s.add_party(record("US"))
    tree = in_memory(US[:6])
    s.append(US[:6], [checkpoint("US", 6, tree.root(6))])
    yield s
    s.close()
    gc.collect()


@pytest.fixture
def full(sql: SqlLedgerStore) -> SqlLedgerStore:
    """All 37 entries of US: stored nodes at levels 4 and 5 (the levels below are computed, not stored)."""
    sql.append(US[6:])
    return sql


def test_one_node_row_is_stored_per_sixteen_entries(full: SqlLedgerStore) -> None:
    """Levels 4 and up are stored (37 leaves: two subtrees of 16 and one of 32); the rest comes from the entries."""
    with full.engine.connect() as c:
        rows = c.execute(text("SELECT level, idx FROM ledger_tree_nodes WHERE party = 'US' ORDER BY level, idx")).all()
    assert [tuple(r) for r in rows] == [(4, 0), (4, 1), (5, 0)]
    assert_same_tree(full, "US", in_memory(US))


def _refused(store: SqlLedgerStore, statement: str) -> None:
    before = (store.tree_nodes("US", every_position(in_memory(US))), store.checkpoints("US"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
        c.execute(text(statement))
    assert (store.tree_nodes("US", every_position(in_memory(US))), store.checkpoints("US")) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_tree_nodes SET hash = hash WHERE level = 4",
        "DELETE FROM ledger_tree_nodes WHERE level = 4 AND idx = 1",
        "DELETE FROM ledger_tree_nodes",
        "UPDATE ledger_checkpoints SET note = 'x'",
        "DELETE FROM ledger_checkpoints",
    ],
)
def test_the_database_refuses_changes_to_nodes_and_checkpoints(full: SqlLedgerStore, statement: str) -> None:
    _refused(full, statement)


def test_the_database_refuses_emptying_or_replacing_nodes_and_checkpoints(full: SqlLedgerStore) -> None:
    if full.engine.dialect.name == "sqlite":
        statements = [
            "INSERT OR REPLACE INTO ledger_tree_nodes (party, level, idx, hash) VALUES ('US', 4, 0, zeroblob(32))",
            "INSERT OR REPLACE INTO ledger_checkpoints (party, size, root, note) VALUES ('US', 6, zeroblob(32), 'x')",
        ]
    else:
        statements = [
            "TRUNCATE ledger_tree_nodes",
            "TRUNCATE ledger_checkpoints",
            "INSERT INTO ledger_tree_nodes (party, level, idx, hash) VALUES ('US', 4, 0, '\\x00') "
            "ON CONFLICT (party, level, idx) DO UPDATE SET hash = excluded.hash",
        ]
    for statement in statements:
        _refused(full, statement)


def test_entries_written_behind_the_stores_back_stop_the_next_append(store_target: str) -> None:
    """Entries inserted without their nodes leave the tree short; the store refuses to build on it.

    Below level 4 the tree is computed from the entries themselves, so the gap shows where a stored node is due:
    entries 7-16 written behind its back complete the first 16-leaf subtree, whose node nobody wrote.
    """
    sql = open_store(store_target)
    try:
        sql.add_party(record("US"))
        sql.append(US[:6])
        with sql.engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO ledger_entries (party, seq, type, sent, effective, payload, signature, hash) "
                    "VALUES ('US', :seq, 'receipt', 'x', 'x', :p, :s, :h)"
                ),
                [{"seq": e.seq, "p": e.payload, "s": e.signature, "h": e.hash} for e in US[6:16]],
            )
        fresh = open_store(store_target)  # a store that did not make the last append reads the frontier
        try:
            with pytest.raises(
                StoreError,
                match=r"refused the write: US #17 does not follow the stored tree; .* no node at level 4, index 0",
            ):
                fresh.append(US[16:18])
            assert [e.seq for e in fresh.entries("US")] == list(range(1, 17))
        finally:
            fresh.close()
    finally:
        sql.close()
        gc.collect()


def test_two_stores_on_one_database_keep_one_tree(sql: SqlLedgerStore, store_target: str) -> None:
    """Each store keeps the frontier of its own last append; one that is behind reads it again or is refused."""
    other = open_store(store_target)
    try:
        other.append(US[6:9])  # the first store's kept frontier (size 6) is now behind
        with pytest.raises(StoreError, match="refused"):
            sql.append(US[6:8])  # a writer that did not see them races for #7: its entries collide
        sql.append(US[9:12])  # the next batch reads the frontier of size 9 from the database
        other.append(US[12:14])
        for store in (sql, other):
            assert_same_tree(store, "US", in_memory(US[:14]))
    finally:
        other.close()


def _engine_at(target: str, revision: str) -> Any:
    engine = create_engine(_url(target))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    migrate(engine, revision)
    return engine


def test_a_ledger_made_before_the_migration_gets_its_tree_back_filled(store_target: str) -> None:
    """A ledger at revision 0002 (entries, no tree) opens at 0003 with every party's tree complete."""
    old = _engine_at(store_target, "0002")
    us, ru = entries("US", 1500), entries("RU", 3)  # more than one page of the back-fill for US
    with old.begin() as c:
        for party in ("US", "RU", "CN"):  # CN registered without entries
            c.execute(
                text(
                    "INSERT INTO ledger_parties (party, public_key, treaty, created) VALUES (:p, :k, 'new-start', :t)"
                ),
                {"p": party, "k": record(party).public_key, "t": "2021-01-01 00:00:00"},
            )
        c.execute(
            text(
                "INSERT INTO ledger_entries (party, seq, type, sent, effective, payload, signature, hash) "
                "VALUES (:party, :seq, 'receipt', 'x', 'x', :payload, :signature, :hash)"
            ),
            [
                {"party": e.party, "seq": e.seq, "payload": e.payload, "signature": e.signature, "hash": e.hash}
                for e in [*us, *ru]
            ],
        )
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0002"]
    old.dispose()
    store = open_store(store_target)
    try:
        with store.engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [SCHEMA]
        assert_same_tree(store, "US", in_memory(us))
        assert_same_tree(store, "RU", in_memory(ru))
        assert store.tree_size("CN") == 0
        more = entries("US", 10, start=1501)
        store.append(more)  # appends build on the back-filled tree
        full = in_memory([*us, *more])
        stored = StoredTree(store, "US")
        assert stored.root() == full.root()
        assert stored.consistency_proof(1500) == full.consistency_proof(1500)
        assert stored.inclusion_proof(777) == full.inclusion_proof(777)
    finally:
        store.close()
        gc.collect()


# --- properties, on SQLite ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlLedgerStore]:
    """One SQLite store for the property tests; each example registers a party of its own."""
    s = open_store(str(tmp_path_factory.mktemp("stored-tree") / "shared.sqlite"))
    yield s
    s.close()


_parties = (f"P{n}" for n in itertools.count())


@SETTINGS
@given(st.lists(st.integers(1, 40), min_size=1, max_size=8), st.data())
def test_any_batches_give_the_in_memory_tree_and_its_proofs(
    shared: SqlLedgerStore, batches: list[int], data: st.DataObject
) -> None:
    party = next(_parties)
    shared.add_party(record(party))
    log = entries(party, sum(batches))
    for cut, size in zip(itertools.accumulate([0, *batches]), batches, strict=False):
        shared.append(log[cut : cut + size])
    tree = in_memory(log)
    assert_same_tree(shared, party, tree)
    stored = StoredTree(shared, party)
    for _ in range(10):
        size = data.draw(st.integers(1, tree.size))
        index = data.draw(st.integers(0, size - 1))
        old = data.draw(st.integers(0, size))
        p = stored.prove_inclusion(index, size)
        assert p.proof == tree.inclusion_proof(index, size)
        verify_inclusion(p.leaf, index, size, p.proof, p.root)
        c = stored.prove_consistency(old, size)
        assert c.proof == tree.consistency_proof(old, size)
        verify_consistency(old, size, c.old_root, c.new_root, c.proof)


@pytest.fixture(scope="module")
def big(shared: SqlLedgerStore) -> tuple[StoredTree, MerkleTree]:
    """5,000 entries appended in batches of 250."""
    shared.add_party(record("BIG"))
    log = entries("BIG", 5_000)
    for start in range(0, len(log), 250):
        shared.append(log[start : start + 250])
    return StoredTree(shared, "BIG"), in_memory(log)


@SETTINGS
@given(st.integers(1, 5_000), st.data())
def test_proofs_of_a_larger_stored_tree_equal_the_in_memory_ones(
    big: tuple[StoredTree, MerkleTree], size: int, data: st.DataObject
) -> None:
    stored, tree = big
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    assert stored.root(size) == tree.root(size)
    p = stored.prove_inclusion(index, size)
    assert (p.leaf, p.proof, p.root) == (tree.leaf(index), tree.inclusion_proof(index, size), tree.root(size))
    verify_inclusion(p.leaf, index, size, p.proof, p.root)
    c = stored.prove_consistency(old, size)
    assert (c.old_root, c.new_root, c.proof) == (tree.root(old), tree.root(size), tree.consistency_proof(old, size))
    verify_consistency(old, size, c.old_root, c.new_root, c.proof)


# --- the pure parts ------------------------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(0, 2**40), st.integers(0, 2**20))
def test_subtrees_tile_a_range_with_perfect_aligned_subtrees(start_unit: int, width: int) -> None:
    start = start_unit << max(width.bit_length(), 0)  # aligned as RFC 9162's ranges are
    covered = start
    last_level = 99
    for level, index in subtrees(start, start + width):
        assert index << level == covered
        assert level < last_level
        covered += 1 << level
        last_level = level
    assert covered == start + width


def test_plans_name_as_many_elements_as_the_rfc_proofs() -> None:
    tree = in_memory(entries("X", 70))
    for size in range(1, 71):
        for index in range(size):
            assert len(inclusion_plan(index, size)) == len(tree.inclusion_proof(index, size))
        for old in range(size + 1):
            assert len(consistency_plan(old, size)) == len(tree.consistency_proof(old, size))


def test_a_frontier_must_have_one_hash_per_set_bit_of_its_size() -> None:
    h = bytes(32)
    assert Frontier(5, [h, h]).size == 5
    with pytest.raises(TreeError, match="has 2 subtrees, not 1"):
        Frontier(5, [h])
    with pytest.raises(TreeError, match="32 bytes"):
        Frontier(1, [b"short"])
    edge, out = Frontier(), []
    for e in entries("X", 6):
        edge.push(leaf_hash(e.payload), out)
    tree = in_memory(entries("X", 6))
    assert edge.root() == tree.root() == fold([tree.levels()[2][0], tree.levels()[1][2]])
    assert [(level, index) for level, index, _ in out] == [(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0),
                                                            (0, 4), (0, 5), (1, 2)]  # fmt: skip


def _history(ledger: Ledger, key: PartyKey, changes: int) -> None:
    """An initial data of four launchers, then status changes that toggle them (valid under New START)."""
    uids = [f"US-MM3-{i}" for i in range(4)]
    ledger.submit("US", [initial_launchers(uids)])
    ledger.submit("US", toggles(uids, changes))


def test_a_ledger_made_before_effects_were_stored_replays_and_verifies(store_target: str) -> None:
    """Rows written at revision 0003 have no effect: replay reads their payloads, verify passes, new rows get one."""
    key = PartyKey.from_seed("US", bytes([7]) * 32)
    made = Ledger(MemoryStore(), key, builtin_catalog(), get_treaty)
    made.register("US", key.public_key, "new-start")
    _history(made, key, 8)
    old_entries = list(made.store.entries("US"))
    old = _engine_at(store_target, "0003")
    with old.begin() as c:
        c.execute(
            text("INSERT INTO ledger_parties (party, public_key, treaty, created) VALUES ('US', :k, 'new-start', :t)"),
            {"k": key.public_key, "t": "2021-01-01 00:00:00"},
        )
        c.execute(
            text(
                "INSERT INTO ledger_entries (party, seq, type, sent, effective, payload, signature, hash) "
                "VALUES ('US', :seq, :type, :sent, :effective, :payload, :signature, :hash)"
            ),
            [
                {"seq": e.seq, "payload": e.payload, "signature": e.signature, "hash": e.hash, **e.columns._asdict()}
                for e in old_entries
                if e.columns is not None
            ],
        )
        positions = [(level, i) for level in range(4) for i in range(9 >> level)]  # 9 leaves: levels 0-3
        c.execute(  # the tree 0003 keeps beside the rows, as the store wrote it then
            text("INSERT INTO ledger_tree_nodes (party, level, idx, hash) VALUES ('US', :level, :idx, :hash)"),
            [
                {"level": level, "idx": i, "hash": h}
                for (level, i), h in zip(positions, made.store.tree_nodes("US", positions), strict=True)
            ],
        )
    old.dispose()
    store = open_store(store_target)  # migrates to 0004
    try:
        stored = list(store.entries("US"))
        assert [e.columns.effect if e.columns else "?" for e in stored] == [None] * 9
        assert replay_store(store, "US") == replay("US", old_entries)
        assert len(list(verify_chain(store.entries("US"), "US", key.public_key))) == 9
        ledger = Ledger(store, key, builtin_catalog(), get_treaty)
        assert ledger.state("US").items == made.state("US").items
        ledger.submit("US", [_next_change(ledger.state("US"), "2011-04-01T00:00:00Z")])
        both = list(store.entries("US"))
        assert [e.columns.effect is not None for e in both if e.columns] == [False] * 9 + [True]
        assert replay_store(store, "US") == replay("US", both)
        assert len(list(verify_chain(store.entries("US"), "US", key.public_key))) == 10
    finally:
        store.close()
        gc.collect()


def _next_change(state: PartyState, when: str) -> dict[str, Any]:
    item = state.items["US-MM3-0"]
    new = "non-deployed" if item.status.value == "deployed" else "deployed"
    content: dict[str, Any] = {"uid": item.uid, "from": item.status.value, "to": new}
    if new == "deployed":
        content["warheads"] = 3
    return {
        "type": "status-change",
        "sent": when,
        "effective": when,
        "treaty_ref": {"treaty": "new-start"},
        "content": content,
    }
