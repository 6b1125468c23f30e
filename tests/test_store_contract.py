"""The ledger store's contract, written once and run on every backend (SQLite and PostgreSQL, via ``store_target``).

The store: schema creation, parties, exact round trips of entries, the filters of ``entries``, ``head`` and
``has_entry``, atomic batches, and append-only rows refused by the database itself. Tampering done behind the
store's back (triggers bypassed) is caught by both verifiers, which name the entry. The ledger over each backend
replays to the same state, and export/import round-trips, while a damaged export writes nothing.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gc
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, delete, text, update
from sqlalchemy.exc import DBAPIError

from detente.catalog import builtin_catalog
from detente.cli.ledger import export, import_
from detente.crypto.canonical import canonical
from detente.crypto.keys import PartyKey
from detente.data.forces import load_force
from detente.errors import FileFormatError
from detente.ledger.chain import GENESIS, ChainError, Entry, seal, verify_chain
from detente.ledger.convert import initial_data
from detente.ledger.exchange import read_export
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import format_time
from detente.ledger.port import LedgerStore, PartyRecord
from detente.ledger.replay import history, replay, replay_store
from detente.ledger.state import PartyState
from detente.ledger.writer import Ledger
from detente.store.ledger_store import SCHEMA, SqlLedgerStore, StoreError, open_store
from detente.store.tables import entries as entries_table
from detente.store.tables import parties as parties_table
from detente.treaty.load import get_treaty

CATALOG = builtin_catalog()
US_KEY = PartyKey.from_seed("US", bytes([7]) * 32)
RU_KEY = PartyKey.from_seed("RU", bytes([8]) * 32)
US = PartyRecord("US", US_KEY.public_key, "new-start")
RU = PartyRecord("RU", RU_KEY.public_key, "new-start")
T0 = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
N = 12  # entries in the filled store
TAMPERED = 5  # the entry edited behind the store's back


def day(n: int) -> str:
    """The canonical time n days after T0."""
    return format_time(T0 + dt.timedelta(days=n))


def chain(key: PartyKey, n: int = N) -> list[Entry]:
    """n sealed, chained entries of the key's party; entry i takes effect on day i and is sent on day 2i."""
    out: list[Entry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        payload = {
            "format": "detente.notification/1",
            "party": key.party,
            "seq": seq,
            "prev": prev,
            "type": "receipt",
            "sent": day(2 * seq),
            "effective": day(seq),
            "content": {"of": {"party": "XX", "seq": seq}},
        }
        entry = seal(payload, key)
        out.append(entry)
        prev = entry.hash_hex
    return out


US_CHAIN = chain(US_KEY)
RU_CHAIN = chain(RU_KEY, 3)


def is_sqlite(target_or_store: str | SqlLedgerStore) -> bool:
    if isinstance(target_or_store, SqlLedgerStore):
        return target_or_store.engine.dialect.name == "sqlite"
    return "://" not in target_or_store


@pytest.fixture
def store(store_target: str) -> Iterator[SqlLedgerStore]:
    s = open_store(store_target)
    yield s
    s.close()
    gc.collect()  # a test that reads one entry with next() leaves its generator, and its connection, to the collector


def _fill(store: LedgerStore) -> None:
    """US with N entries (appended in two batches), RU with 3."""
    store.add_party(US)
    store.add_party(RU)
    store.append(US_CHAIN[:7])
    store.append(RU_CHAIN)
    store.append(US_CHAIN[7:])


@pytest.fixture
def filled(store: SqlLedgerStore) -> SqlLedgerStore:
    """A SQL store, filled (``_fill``)."""
    _fill(store)
    return store


@pytest.fixture
def other_target(store_target: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second fresh, empty target on the same backend as ``store_target``."""
    if is_sqlite(store_target):
        yield str(tmp_path / "other.sqlite")
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    gc.collect()
    server.drop_database(url)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def port(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """A fresh store of each kind the port has: in memory, SQLite, PostgreSQL (the contract every store keeps)."""
    if request.param == "memory":
        with MemoryStore() as memory:
            yield memory
        return
    target = str(tmp_path / "ledger.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with open_store(target) as sql:
        yield sql


@pytest.fixture
def port_filled(port: LedgerStore) -> LedgerStore:
    """Every kind of store, filled (``_fill``)."""
    _fill(port)
    return port


def seqs(store: LedgerStore, party: str = "US", **filters: Any) -> list[int]:
    return [e.seq for e in store.entries(party, **filters)]


# --- schema and parties ----------------------------------------------------------------------------------------


def test_open_store_creates_the_schema_and_reopening_keeps_it(store_target: str) -> None:
    first = open_store(store_target)
    try:
        assert first.parties() == []
        assert first.head("US") is None
        first.add_party(US)
        first.append(US_CHAIN[:2])
    finally:
        first.close()
    second = open_store(store_target)  # migrating an up-to-date schema again changes nothing
    try:
        assert second.parties() == [US]
        assert list(second.entries("US")) == US_CHAIN[:2]
        with second.engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [SCHEMA]
    finally:
        second.close()
    open_store(store_target).close()


def test_parties_are_listed_by_code(port: LedgerStore) -> None:
    port.add_party(US)
    port.add_party(RU)
    assert port.parties() == [RU, US]
    assert all(isinstance(r.public_key, bytes) for r in port.parties())


def test_a_party_is_added_once(port: LedgerStore) -> None:
    port.add_party(US)
    with pytest.raises(StoreError, match="refused"):
        port.add_party(PartyRecord("US", RU_KEY.public_key, "other"))
    assert port.parties() == [US]


# --- entries -----------------------------------------------------------------------------------------------------


def test_entries_read_back_exactly(port_filled: LedgerStore) -> None:
    got = list(port_filled.entries("US"))
    assert got == US_CHAIN
    for stored, sent in zip(got, US_CHAIN, strict=True):
        assert {type(stored.payload), type(stored.signature), type(stored.hash)} == {bytes}
        assert (stored.payload, stored.signature, stored.hash) == (sent.payload, sent.signature, sent.hash)
    assert list(port_filled.entries("RU")) == RU_CHAIN
    assert list(port_filled.entries("CN")) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, list(range(1, N + 1))),
        ({"start": 4}, list(range(4, N + 1))),
        ({"start": 3, "stop": 8}, [3, 4, 5, 6, 7, 8]),
        ({"start": 6, "stop": 6}, [6]),
        ({"start": 8, "stop": 3}, []),
        ({"start": N + 1}, []),
        ({"until": day(5)}, [1, 2, 3, 4, 5]),  # effective on day i: inclusive
        ({"until": format_time(T0 + dt.timedelta(days=5, seconds=-1))}, [1, 2, 3, 4]),
        ({"until": day(0)}, []),
        ({"known_at": day(6)}, [1, 2, 3]),  # sent on day 2i
        ({"known_at": day(7)}, [1, 2, 3]),
        ({"until": day(7), "known_at": day(12)}, [1, 2, 3, 4, 5, 6]),
        ({"start": 2, "stop": 9, "until": day(7), "known_at": day(8)}, [2, 3, 4]),
    ],
)
def test_entries_filters(port_filled: LedgerStore, filters: dict[str, Any], expected: list[int]) -> None:
    got = list(port_filled.entries("US", **filters))
    assert [e.seq for e in got] == expected
    assert got == [US_CHAIN[s - 1] for s in expected]


def test_head(port: LedgerStore) -> None:
    port.add_party(US)
    port.add_party(RU)
    assert port.head("US") is None
    port.append(US_CHAIN[:1])
    assert port.head("US") == US_CHAIN[0]
    port.append(US_CHAIN[1:])
    port.append(RU_CHAIN)
    assert port.head("US") == US_CHAIN[-1]
    assert port.head("RU") == RU_CHAIN[-1]
    assert port.head("CN") is None


def test_has_entry(port_filled: LedgerStore) -> None:
    assert all(port_filled.has_entry("US", seq) for seq in range(1, N + 1))
    assert not port_filled.has_entry("US", 0)
    assert not port_filled.has_entry("US", N + 1)
    assert port_filled.has_entry("RU", 3)
    assert not port_filled.has_entry("RU", 4)
    assert not port_filled.has_entry("CN", 1)


def test_an_empty_batch_is_a_no_op(port: LedgerStore) -> None:
    port.add_party(US)
    port.append([])
    assert port.head("US") is None


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param([5, 6, 7, 6], id="duplicate-within-batch"),
        pytest.param([5, 6, 7, 3], id="duplicate-of-stored-entry-last"),
        pytest.param([4, 5, 6], id="duplicate-of-stored-entry-first"),
    ],
)
def test_a_batch_with_a_duplicate_sequence_number_is_refused_whole(port: LedgerStore, batch: list[int]) -> None:
    port.add_party(US)
    port.append(US_CHAIN[:4])
    with pytest.raises(StoreError, match="refused"):
        port.append([US_CHAIN[s - 1] for s in batch])
    assert list(port.entries("US")) == US_CHAIN[:4]
    assert port.head("US") == US_CHAIN[3]
    assert not port.has_entry("US", 5)
    port.append(US_CHAIN[4:])  # the ledger goes on where it was
    assert list(port.entries("US")) == US_CHAIN


def test_a_batch_with_an_unregistered_party_is_refused_whole(port: LedgerStore) -> None:
    port.add_party(US)
    port.append(US_CHAIN[:2])
    with pytest.raises(StoreError):
        port.append([*US_CHAIN[2:5], RU_CHAIN[0]])  # RU is not registered: the store refuses its row
    assert seqs(port) == [1, 2]
    assert list(port.entries("RU")) == []


# --- append-only, in the database itself ---------------------------------------------------------------------------

_REFUSED = [
    pytest.param(update(entries_table).values(type="elimination"), id="update-entries"),
    pytest.param(update(entries_table).where(entries_table.c.seq == 5).values(payload=b"{}"), id="update-payload"),
    pytest.param(delete(entries_table), id="delete-entries"),
    pytest.param(delete(entries_table).where(entries_table.c.seq == N), id="delete-head"),
    pytest.param(update(parties_table).values(public_key=bytes(32)), id="update-parties"),
    pytest.param(delete(parties_table).where(parties_table.c.party == "RU"), id="delete-party"),
    pytest.param(
        text(
            "INSERT INTO ledger_entries (party, seq, type, sent, effective, payload, signature, hash) "
            "VALUES ('US', 5, 'x', 'x', 'x', :b, :b, :b) "
            "ON CONFLICT (party, seq) DO UPDATE SET payload = excluded.payload"
        ).bindparams(b=b"\0"),
        id="upsert-entry",
    ),
]


def _snapshot(store: SqlLedgerStore) -> tuple[list[PartyRecord], list[Entry], list[Entry]]:
    return store.parties(), list(store.entries("US")), list(store.entries("RU"))


def _assert_refused(store: SqlLedgerStore, statement: Any) -> None:
    before = _snapshot(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
        c.execute(statement)
    assert _snapshot(store) == before


@pytest.mark.parametrize("statement", _REFUSED)
def test_the_database_refuses_changes_to_ledger_rows(filled: SqlLedgerStore, statement: Any) -> None:
    _assert_refused(filled, statement)


def test_the_database_refuses_emptying_the_tables(filled: SqlLedgerStore) -> None:
    if is_sqlite(filled):  # SQLite has no TRUNCATE; its truncate optimisation of DELETE is off when triggers exist
        statements = ["DELETE FROM ledger_entries", "DELETE FROM ledger_parties"]
    else:
        statements = [
            "TRUNCATE ledger_entries",
            "TRUNCATE ledger_parties CASCADE",
            "TRUNCATE ledger_entries, ledger_parties",
        ]
    for statement in statements:
        _assert_refused(filled, text(statement))


def test_the_database_refuses_replacing_a_row_by_insert(filled: SqlLedgerStore) -> None:
    """A conflicting insert that replaces the stored row is an update by other means, and must be refused too."""
    if is_sqlite(filled):
        statements = [
            "INSERT OR REPLACE INTO ledger_entries (party, seq, type, sent, effective, payload, signature, hash) "
            "VALUES ('US', 5, 'receipt', 'x', 'x', x'00', x'00', x'00')",
            "INSERT OR REPLACE INTO ledger_parties (party, public_key, treaty, created) "
            "VALUES ('US', zeroblob(32), 'other', '2020-01-01 00:00:00')",
        ]
    else:
        statements = [
            "INSERT INTO ledger_parties (party, public_key, treaty, created) VALUES ('US', '\\x00', 'other', now()) "
            "ON CONFLICT (party) DO UPDATE SET public_key = excluded.public_key",
        ]
    for statement in statements:
        _assert_refused(filled, text(statement))


# --- tampering behind the store's back is caught by both verifiers -----------------------------------------------


@contextlib.contextmanager
def triggers_bypassed(store: SqlLedgerStore) -> Iterator[Connection]:
    """A transaction in which ledger_entries' append-only triggers are off; they are back when it commits."""
    with store.engine.begin() as c:
        if c.dialect.name == "sqlite":
            triggers = c.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_entries'")
            ).all()
            assert len(triggers) == 3  # no update, no delete, no replace
            for name, _ in triggers:
                c.exec_driver_sql(f"DROP TRIGGER {name}")
            yield c
            for _, sql in triggers:
                c.exec_driver_sql(sql)
        else:
            c.exec_driver_sql("ALTER TABLE ledger_entries DISABLE TRIGGER ALL")
            yield c
            c.exec_driver_sql("ALTER TABLE ledger_entries ENABLE TRIGGER ALL")


def _edited_payload() -> bytes:
    data = json.loads(US_CHAIN[TAMPERED - 1].payload)
    data["content"]["of"]["seq"] = 99
    return canonical(data)


def _tamper(c: Connection, how: str) -> None:
    row = entries_table.c.seq == TAMPERED
    if how == "payload":
        c.execute(update(entries_table).where(row).values(payload=_edited_payload()))
    elif how == "payload-and-hash":
        edited = _edited_payload()
        c.execute(update(entries_table).where(row).values(payload=edited, hash=hashlib.sha256(edited).digest()))
    elif how == "signature":
        signature = bytearray(US_CHAIN[TAMPERED - 1].signature)
        signature[10] ^= 0x01
        c.execute(update(entries_table).where(row).values(signature=bytes(signature)))
    elif how == "deleted":
        c.execute(delete(entries_table).where(entries_table.c.party == "US", row))
    elif how == "effect":  # what replay would read instead of the payload: valid JSON, another story
        c.execute(update(entries_table).where(row).values(effect=b'["receipt","2021-01-06T00:00:00Z",{}]'))
    elif how == "effective":  # the column queries by date filter on
        c.execute(update(entries_table).where(row).values(effective="2020-01-01T00:00:00Z"))
    else:  # pragma: no cover
        raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("payload", "stored hash does not match"),
        ("payload-and-hash", "signature does not verify"),
        ("signature", "signature does not verify"),
        ("deleted", "where 5 was expected"),
        ("effect", "differ from its payload"),
        ("effective", "differ from its payload"),
    ],
)
def test_an_entry_changed_in_the_database_is_caught_by_verify(filled: SqlLedgerStore, how: str, why: str) -> None:
    assert len(list(verify_chain(filled.entries("US"), "US", US.public_key))) == N
    with triggers_bypassed(filled) as c:
        _tamper(c, how)
    _assert_refused(filled, update(entries_table).values(type="x"))  # the triggers are back
    # Streamed from the store as `detente ledger verify` does; closed so no connection outlives the refusal.
    with pytest.raises(ChainError, match=why) as serial, contextlib.closing(filled.entries("US")) as rows:
        list(verify_chain(rows, "US", US.public_key))
    assert (serial.value.party, serial.value.seq) == ("US", TAMPERED)
    assert len(list(verify_chain(filled.entries("RU"), "RU", RU.public_key))) == 3  # the other party is intact


@pytest.mark.parametrize(
    "effect",
    [
        b"not json",
        b'["receipt"]',  # not [type, effective, content]
        b'["status-change","2021-01-06T00:00:00Z",{"uid":"US-NONE","to":"deployed"}]',  # an item never declared
    ],
    ids=["garbage", "wrong-shape", "unknown-item"],
)
def test_a_row_that_cannot_be_replayed_is_named_not_a_traceback(filled: SqlLedgerStore, effect: bytes) -> None:
    """Replay trusts the derived effect (verify checks it); one edited past reading still names its entry."""
    assert replay_store(filled, "US").seq == N
    with triggers_bypassed(filled) as c:
        c.execute(update(entries_table).where(entries_table.c.seq == TAMPERED).values(effect=effect))
    with pytest.raises(ChainError, match=r"does not replay.*ledger verify") as caught:
        replay_store(filled, "US")
    assert (caught.value.party, caught.value.seq) == ("US", TAMPERED)
    assert replay_store(filled, "US", until=format_time(T0 + dt.timedelta(days=TAMPERED - 1))).seq == TAMPERED - 1
    assert replay_store(filled, "RU").seq == 3  # the other party replays as before


@pytest.mark.parametrize(
    "payload", [b"garbage{", b"[1, 2]", b'{"party": "US", "seq": 5}'], ids=["not-json", "a-list", "keys-missing"]
)
def test_a_payload_that_is_not_a_notification_is_named_where_it_is_read(filled: SqlLedgerStore, payload: bytes) -> None:
    """Show, history and the full replay read payloads: an edited one is a finding about its entry."""
    with triggers_bypassed(filled) as c:
        c.execute(update(entries_table).where(entries_table.c.seq == TAMPERED).values(payload=payload))
    for read in (
        lambda: next(filled.entries("US", TAMPERED, TAMPERED)).notification(),
        lambda: history(filled.entries("US"), "US-NONE"),
        lambda: replay("US", filled.entries("US")),
    ):
        with pytest.raises(ChainError, match="payload is not a notification") as caught:
            read()
        assert (caught.value.party, caught.value.seq) == ("US", TAMPERED)
    assert next(filled.entries("US", TAMPERED - 1, TAMPERED - 1)).notification()["seq"] == TAMPERED - 1


# --- the ledger over each backend --------------------------------------------------------------------------------

FORCE = load_force("us-2020-09", CATALOG)
AS_OF = dt.datetime.combine(FORCE.info.as_of, dt.time(), dt.UTC)


def _first_uid(initial: dict[str, Any], system: str, kind: str, status: str) -> str:
    return next(
        i["uid"] for i in initial["content"]["items"] if (i["system"], i["kind"], i["status"]) == (system, kind, status)
    )


INITIAL = initial_data(FORCE, "US", AS_OF, AS_OF)
MM = _first_uid(INITIAL, "minuteman-iii", "launcher", "deployed")
TRIDENT = _first_uid(INITIAL, "trident-ii-d5", "launcher", "non-deployed")
B52 = _first_uid(INITIAL, "b-52h", "bomber", "deployed")


def at(days: int) -> dt.datetime:
    return AS_OF + dt.timedelta(days=days)


def change(uid: str, frm: str, to: str, days: int, **extra: Any) -> dict[str, Any]:
    content = {"uid": uid, "from": frm, "to": to, **extra}
    return {"type": "status-change", "effective": at(days), "sent": at(days + 1), "content": content}


BATCHES: list[list[dict[str, Any]]] = [
    [INITIAL],
    [
        change(MM, "deployed", "non-deployed", 3),
        change(TRIDENT, "non-deployed", "deployed", 4, warheads=4),
        change(B52, "deployed", "repair", 5),
    ],
    [change(MM, "non-deployed", "deployed", 10, warheads=1)],
    [change(B52, "repair", "deployed", 12), change(TRIDENT, "deployed", "test", 12)],
]


def build_ledger(target: str) -> Ledger:
    ledger = Ledger(open_store(target), US_KEY, CATALOG, get_treaty)
    ledger.register("US", US_KEY.public_key, "new-start")
    for batch in BATCHES:
        ledger.submit("US", batch)
    return ledger


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Entry], PartyState]:
    """The entries and replayed state of the ledger built on a separate SQLite file."""
    ledger = build_ledger(str(tmp_path_factory.mktemp("reference") / "reference.sqlite"))
    try:
        stored = list(ledger.store.entries("US"))
        return stored, replay("US", stored)
    finally:
        ledger.store.close()


def test_the_ledger_replays_the_same_state_on_every_backend(
    store_target: str, reference: tuple[list[Entry], PartyState]
) -> None:
    ref_entries, ref_state = reference
    ledger = build_ledger(store_target)
    try:
        stored = list(ledger.store.entries("US"))
        assert stored == ref_entries  # signing is deterministic: the same bytes, hashes and signatures
        state = replay("US", stored)
        assert state == ref_state
        assert ledger.state("US") == ref_state
        assert len(list(verify_chain(stored, "US", US.public_key))) == state.seq == 1 + 3 + 1 + 2
    finally:
        ledger.store.close()
    fresh = Ledger(open_store(store_target), (), CATALOG, get_treaty)  # replayed from storage, not kept in memory
    try:
        state = fresh.state("US")
        assert state == ref_state
        assert (state.items[MM].status.value, state.items[MM].warheads) == ("deployed", 1)
        assert (state.items[TRIDENT].status.value, state.items[TRIDENT].warheads) == ("test", 0)
        assert state.items[B52].status.value == "deployed"
        assert len(state.items) == len(INITIAL["content"]["items"])
        before = replay("US", fresh.store.entries("US", until=format_time(at(3) - dt.timedelta(seconds=1))))
        assert before.seq == 1
        assert before.items[MM].status.value == "deployed"
        assert before.items[TRIDENT].status.value == "non-deployed"
    finally:
        fresh.store.close()


# --- export and import ---------------------------------------------------------------------------------------------


@pytest.fixture
def exported(store_target: str, tmp_path: Path) -> list[str]:
    """The lines of an export (header first) of the ledger built on ``store_target``."""
    build_ledger(store_target).store.close()
    out = tmp_path / "export.jsonl"
    export(store_target, out)
    return out.read_text("utf-8").splitlines()


def _import(target: str, path: Path, content: str) -> None:
    path.write_text(content, "utf-8")
    import_(target, path)


def _assert_nothing_written(target: str, *, registered: bool = False) -> None:
    store = open_store(target)
    try:
        assert [r.party for r in store.parties()] == (["US"] if registered else [])
        assert list(store.entries("US")) == []
        assert store.head("US") is None
    finally:
        store.close()


def test_export_import_round_trips(store_target: str, other_target: str, exported: list[str], tmp_path: Path) -> None:
    open_store(other_target).close()
    _import(other_target, tmp_path / "in.jsonl", "\n".join(exported) + "\n")
    source, copy = open_store(store_target), open_store(other_target)
    try:
        assert copy.parties() == source.parties() == [US]
        assert list(copy.entries("US")) == list(source.entries("US"))
        assert [e.hash for e in copy.entries("US")] == [e.hash for e in source.entries("US")]
        assert len(list(verify_chain(copy.entries("US"), "US", US.public_key))) == 7
    finally:
        source.close()
        copy.close()
    again = tmp_path / "again.jsonl"
    export(other_target, again)
    assert again.read_text("utf-8").splitlines() == exported
    _import(other_target, tmp_path / "in.jsonl", "\n".join(exported) + "\n")  # importing it again adds nothing
    copy = open_store(other_target)
    try:
        assert [e.seq for e in copy.entries("US")] == list(range(1, 8))
    finally:
        copy.close()


@pytest.mark.parametrize("kept", [0.0, 0.02, 0.5, 0.98], ids=lambda f: f"kept-{f}")
def test_an_export_with_its_last_line_cut_imports_nothing(
    other_target: str, exported: list[str], tmp_path: Path, kept: float
) -> None:
    last = exported[-1]
    cut = [*exported[:-1], last[: max(1, int(len(last) * kept))]]
    assert cut[-1] != last
    with pytest.raises(FileFormatError, match="not a complete JSON line"):
        read_export(cut, "cut.jsonl")
    open_store(other_target).close()
    with pytest.raises(FileFormatError, match="truncated"):
        _import(other_target, tmp_path / "cut.jsonl", "\n".join(cut))
    _assert_nothing_written(other_target)


@pytest.mark.parametrize("cut", [1, 2, 3], ids=["closing-line", "closing-and-last-entry", "last-entry-only"])
def test_an_export_cut_at_a_line_boundary_is_refused(
    other_target: str, exported: list[str], tmp_path: Path, cut: int
) -> None:
    """An export missing its last lines — even whole ones — is refused by the closing line, and nothing is written."""
    shorter = exported[:-cut] if cut < 3 else [*exported[:-2], exported[-1]]
    open_store(other_target).close()
    with pytest.raises(FileFormatError, match="closing line"):
        _import(other_target, tmp_path / "short.jsonl", "\n".join(shorter) + "\n")
    _assert_nothing_written(other_target)


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(lambda ls: [ls[0], ls[1], ls[3], ls[2], *ls[4:]], id="adjacent-swapped"),
        pytest.param(lambda ls: [ls[0], ls[-1], *ls[2:-1], ls[1]], id="first-and-last-swapped"),
        pytest.param(lambda ls: [*ls[:3], ls[2], *ls[3:]], id="line-repeated"),
        pytest.param(lambda ls: [ls[0], *ls[1:3], *ls[4:]], id="middle-line-missing"),
        pytest.param(lambda ls: [*ls[1:3], ls[0], *ls[3:]], id="header-not-first"),
    ],
)
def test_a_reordered_export_imports_nothing(other_target: str, exported: list[str], tmp_path: Path, lines: Any) -> None:
    damaged = lines(exported)
    with pytest.raises(FileFormatError):
        read_export(damaged, "reordered.jsonl")
    open_store(other_target).close()
    with pytest.raises(FileFormatError):
        _import(other_target, tmp_path / "reordered.jsonl", "\n".join(damaged) + "\n")
    _assert_nothing_written(other_target)


def _edit_line(line: str, *, rehash: bool) -> str:
    obj = json.loads(line)
    data = json.loads(base64.b64decode(obj["payload"]))
    data["content"]["to"] = "training"
    payload = canonical(data)
    obj["payload"] = base64.b64encode(payload).decode()
    if rehash:
        obj["hash"] = hashlib.sha256(payload).hexdigest()
    return json.dumps(obj, sort_keys=True)


@pytest.mark.parametrize("rehash", [False, True], ids=["hash-kept", "hash-recomputed"])
@pytest.mark.parametrize("seq", [2, 7])
def test_an_export_with_an_edited_payload_imports_nothing(
    other_target: str, exported: list[str], tmp_path: Path, seq: int, rehash: bool
) -> None:
    edited = [*exported]
    edited[seq] = _edit_line(edited[seq], rehash=rehash)  # line 0 is the header, line n is entry #n
    why = "signature does not verify" if rehash else "stored hash does not match"

    # Through the import command: everything is checked before anything (the party included) is written.
    open_store(other_target).close()
    with pytest.raises(ChainError, match=why) as refused:
        _import(other_target, tmp_path / "edited.jsonl", "\n".join(edited) + "\n")
    assert (refused.value.party, refused.value.seq) == ("US", seq)
    _assert_nothing_written(other_target)

    # Straight into Ledger.import_entries, the party registered: the batch is refused whole.
    records, entries = read_export(edited, "edited.jsonl")
    ledger = Ledger(open_store(other_target), (), CATALOG, get_treaty)
    try:
        ledger.register("US", records[0].public_key, records[0].treaty)
        with pytest.raises(ChainError, match=why) as refused:
            ledger.import_entries(records[0], entries["US"])
        assert refused.value.seq == seq
    finally:
        ledger.store.close()
    _assert_nothing_written(other_target, registered=True)
