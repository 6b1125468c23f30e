"""Storage of ledgers: SQLAlchemy Core tables and Alembic migrations for SQLite (default) and PostgreSQL."""

from detente.store.ledger_store import SqlLedgerStore, open_store

__all__ = ["SqlLedgerStore", "open_store"]
