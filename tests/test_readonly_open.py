"""Commands that only read never write, and refuse what is not a ledger of this version by name.

An empty file, an unrelated SQLite database, a directory, a ledger of an older schema and one of a newer schema:
``ledger verify`` (and every reading command, which opens the store the same way) exits 2 with one line naming
what it found, and the file is byte for byte what it was. ``ledger upgrade`` brings the older one up to date.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from detente.errors import StoreError
from detente.store.ledger_store import SCHEMA, engine_for, migrate, open_store

Cli = Callable[..., tuple[int, str, str]]


def _unrelated(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('not a ledger')")
    db.close()


def _at_revision(path: Path, revision: str) -> None:
    engine = engine_for(f"sqlite:///{path}")
    migrate(engine, revision)
    engine.dispose()


def _future(path: Path) -> None:
    open_store(str(path)).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER IF EXISTS alembic_version_no_update")
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.close()


@pytest.mark.parametrize(
    ("make", "why"),
    [
        pytest.param(lambda p: p.write_bytes(b""), "is not a detente ledger", id="empty-file"),
        pytest.param(_unrelated, "is not a detente ledger", id="unrelated-sqlite"),
        pytest.param(lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x07" * 40), "cannot open", id="garbage"),
        pytest.param(lambda p: _at_revision(p, "0004"), "older than this detente's", id="older-schema"),
        pytest.param(_future, "which this detente", id="newer-schema"),
    ],
)
def test_reading_commands_refuse_what_is_not_a_current_ledger_and_write_nothing(
    cli: Cli, tmp_path: Path, make: Callable[[Path], None], why: str
) -> None:
    path = tmp_path / "thing.sqlite"
    make(path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for args in (("ledger", "verify", str(path)), ("ledger", "log", str(path))):
        code, out, err = cli(*args)
        assert code == 2, out + err
        assert why in out + err
        assert "Traceback" not in out + err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_directory_or_a_missing_file_is_not_a_ledger(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="a directory"):
        open_store(str(tmp_path), readonly=True)
    with pytest.raises(StoreError, match="no such file"):
        open_store(str(tmp_path / "none.sqlite"), readonly=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("form", ["sqlite:///{}", "sqlite:///{}?mode=ro"])
def test_a_sqlite_url_of_a_missing_file_is_not_a_ledger_and_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """The defect: the guard checked plain paths only, so SQLite created an empty file behind a sqlite:/// URL."""
    monkeypatch.chdir(tmp_path)
    for name in ("missing.db", str(tmp_path / "absent.db")):
        with pytest.raises(StoreError, match="no such file"):
            open_store(form.format(name), readonly=True)
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="a directory"):
        open_store(form.format("dir.db"), readonly=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.db"]


def test_a_reading_command_on_a_sqlite_url_of_a_missing_file_exits_2_and_creates_none(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    code, out, err = cli("ledger", "verify", url)
    assert code == 2, out + err
    assert "no such file" in err
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_url_of_a_ledger_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    open_store(str(path)).close()
    with open_store(f"sqlite:///{path}", readonly=True) as store:
        assert store.parties() == []


def test_upgrade_brings_an_older_ledger_to_the_schema_the_readers_take(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _at_revision(path, "0004")
    code, out, _ = cli("ledger", "upgrade", str(path))
    assert code == 0
    assert SCHEMA in out
    code, out, _ = cli("ledger", "verify", str(path))
    assert code == 0, out


def test_a_read_only_store_refuses_writes_in_the_database_itself(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    open_store(str(path)).close()
    with (
        open_store(str(path), readonly=True) as store,
        pytest.raises(OperationalError, match="readonly"),
        store.engine.begin() as c,
    ):
        c.execute(text("CREATE TABLE sneaky (x INTEGER)"))


def test_the_schema_this_code_reads_is_the_migrations_head() -> None:
    from alembic.config import Config  # noqa: PLC0415 - only this test needs it
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", "detente.store:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA


def test_a_read_only_store_reads_and_cannot_write_on_every_backend(store_target: str) -> None:
    from detente.crypto.keys import PartyKey  # noqa: PLC0415
    from detente.ledger.port import PartyRecord  # noqa: PLC0415

    key = PartyKey.from_seed("US", bytes([40]) * 32)
    with open_store(store_target) as store:
        store.add_party(PartyRecord("US", key.public_key, "new-start"))
    with open_store(store_target, readonly=True) as store:
        assert [r.party for r in store.parties()] == ["US"]
        with pytest.raises(StoreError, match=r"read-only|readonly"):
            store.add_party(PartyRecord("RU", key.public_key, "new-start"))
        assert [r.party for r in store.parties()] == ["US"]
