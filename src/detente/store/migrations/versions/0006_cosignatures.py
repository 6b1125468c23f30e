"""Cosignatures of recorded checkpoints, append-only.

Revision ID: 0006
Revises: 0005

``ledger_cosignatures`` keeps, for a party's checkpoint at a size, the tlog-cosignature lines witnesses signed for
it: those a party's peers sent back for its own checkpoints, and those a party's node made for the peers' logs it
mirrors. A cosignature is the receipt of an exchange ("as of time T, I had seen and archived your log up to this
size"), so it is kept as the other rows are: the table refuses UPDATE, DELETE, TRUNCATE and replacing inserts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_APPEND_ONLY = "ledger rows are append-only"
_TABLE = "ledger_cosignatures"


def upgrade() -> None:
    """Create the table and make it append-only (no existing row is touched)."""
    op.create_table(
        _TABLE,
        sa.Column("party", sa.String(16), primary_key=True),
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("cosigner", sa.Text, primary_key=True),
        sa.Column("line", sa.Text, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for action in ("UPDATE", "DELETE"):
        name = f"{_TABLE}_no_{action.lower()}"
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {action} ON {_TABLE} BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
        elif dialect == "postgresql":  # ledger_append_only() is the function the first migration made
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {action} ON {_TABLE} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
            if action == "DELETE":
                op.execute(
                    f"CREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON {_TABLE} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
                )
        else:
            raise RuntimeError(f"detente has no append-only triggers for {dialect}")
    if dialect == "sqlite":  # as in 0002: INSERT OR REPLACE would delete without a delete trigger
        op.execute(
            f"CREATE TRIGGER {_TABLE}_no_replace BEFORE INSERT ON {_TABLE} "  # noqa: S608 - constants above
            f"WHEN EXISTS (SELECT 1 FROM {_TABLE} WHERE party = NEW.party AND size = NEW.size "
            f"AND cosigner = NEW.cosigner) BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    """Ledgers are never weakened by a downgrade."""
    raise RuntimeError("the cosignature table is append-only and is not dropped by a downgrade")
