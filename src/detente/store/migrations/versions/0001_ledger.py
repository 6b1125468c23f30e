"""Ledger tables, append-only: the database itself refuses UPDATE and DELETE of entries and parties.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = "ledger rows are append-only"


def upgrade() -> None:
    """Create the tables and the triggers that keep them append-only."""
    op.create_table(
        "ledger_parties",
        sa.Column("party", sa.String(16), primary_key=True),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("treaty", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("party", sa.String(16), sa.ForeignKey("ledger_parties.party"), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("sent", sa.String(20), nullable=False),
        sa.Column("effective", sa.String(20), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_index("ix_ledger_entries_effective", "ledger_entries", ["party", "effective"])
    dialect = op.get_bind().dialect.name
    for table in ("ledger_parties", "ledger_entries"):
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
                )
            elif dialect == "postgresql":
                op.execute(
                    "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
                )
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
                )
                if action == "DELETE":
                    op.execute(
                        f"CREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON {table} "
                        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
                    )
            else:
                raise RuntimeError(f"detente has no append-only triggers for {dialect}")


def downgrade() -> None:
    """Ledgers are never dropped by a migration."""
    raise RuntimeError("the ledger tables are append-only and are not dropped by a downgrade")
