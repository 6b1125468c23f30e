"""The throwaway PostgreSQL server works, and the ledger store on it is append-only in the database itself."""

from __future__ import annotations

import psycopg
import pytest

from detente.crypto.keys import PartyKey
from detente.ledger.chain import GENESIS, Entry, seal
from detente.ledger.port import PartyRecord
from detente.store.ledger_store import open_store

KEY = PartyKey.from_seed("RU", bytes(range(32)))


def _first_entry() -> Entry:
    payload = {"format": "detente.notification/1", "party": "RU", "seq": 1, "prev": GENESIS, "type": "receipt",
               "sent": "2026-02-05T00:00:00Z", "effective": "2026-02-05T00:00:00Z", "content": {}}  # fmt: skip
    return seal(payload, KEY)


def test_server_answers(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_store_round_trip(store_target: str) -> None:
    store = open_store(store_target)
    try:
        store.add_party(PartyRecord("RU", KEY.public_key, "new-start"))
        entry = _first_entry()
        store.append([entry])
        assert store.parties() == [PartyRecord("RU", KEY.public_key, "new-start")]
        assert store.head("RU") == entry
        assert list(store.entries("RU")) == [entry]
    finally:
        store.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET type = 'elimination'",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries",
        "UPDATE ledger_parties SET treaty = 'other'",
        "DELETE FROM ledger_parties",
        "TRUNCATE ledger_parties CASCADE",
    ],
)
def test_postgres_refuses_changes(pg_url: str, statement: str) -> None:
    store = open_store(pg_url)
    try:
        store.add_party(PartyRecord("RU", KEY.public_key, "new-start"))
        store.append([_first_entry()])
    finally:
        store.close()
    with psycopg.connect(pg_url) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"ledger_parties", "ledger_entries", "alembic_version"} <= tables
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(statement)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM ledger_entries").fetchone() == (1,)
        row = conn.execute("SELECT treaty, type FROM ledger_parties JOIN ledger_entries USING (party)").fetchone()
        assert row == ("new-start", "receipt")
