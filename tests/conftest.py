"""Shared fixtures: a real PostgreSQL server for the session, and store targets for both backends.

Tests that need PostgreSQL get the ``postgres`` mark (``-m "not postgres"`` deselects them). Without server
binaries they skip, except in CI (the ``CI`` environment variable set), where they fail: CI must test PostgreSQL.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from detente.cli.main import main

from pg_server import PostgresNotFoundError, PostgresServer, postgres_server

pytest_plugins = ["web_fixtures"]  # the dashboard's ledger, app and browser

_PG_FIXTURES = {"pg_server", "pg_url"}

# No time limit per example: tests assert behaviour, not speed (bench/ measures speed), and a loaded CI machine
# would otherwise fail a correct test for taking 200 ms.
settings.register_profile("detente", deadline=None)
settings.load_profile("detente")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the throwaway PostgreSQL server the tests start")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Any test using the server is marked, so that -m "not postgres" also deselects tests that ask for it directly.
    for item in items:
        if _PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, removed at its end."""
    try:
        with postgres_server() as server:
            yield server
    except PostgresNotFoundError as exc:
        if _in_ci():
            pytest.fail(f"CI must test PostgreSQL, but {exc}", pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A target for ``open_store`` on each backend: a fresh SQLite file, or a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the detente command in-process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["detente", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
