"""The effect column: what replay needs of each notification, so that it need not parse every payload.

Revision ID: 0004
Revises: 0003

``effect`` holds ``[type, effective, content]`` as compact JSON (see :mod:`detente.ledger.chain`, rule 6),
written with the entry and checked against the signed payload by verify. Rows written before this revision keep
NULL, as data exchanges do: replay reads their payloads. Nothing is rewritten, so the append-only triggers stand.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column (on both databases a change of the table's definition only)."""
    op.add_column("ledger_entries", sa.Column("effect", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    """Ledgers are never weakened by a downgrade."""
    raise RuntimeError("ledger columns are not dropped by a downgrade")
