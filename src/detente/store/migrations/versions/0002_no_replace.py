"""Refuse inserts that would replace a ledger row (SQLite's INSERT OR REPLACE deletes without a delete trigger).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_KEYS = {"ledger_entries": "party = NEW.party AND seq = NEW.seq", "ledger_parties": "party = NEW.party"}


def upgrade() -> None:
    """On SQLite, abort any insert whose key already exists (PostgreSQL's ON CONFLICT paths fire the triggers)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, match in _KEYS.items():
        # table names and conditions are the constants above, not input
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "  # noqa: S608
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {match}) "
            "BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END"
        )


def downgrade() -> None:
    """Ledgers are never weakened by a downgrade."""
    raise RuntimeError("the append-only triggers are not dropped by a downgrade")
