"""Drop the index on (party, effective): it cost every append about 4 µs and served no query well.

Revision ID: 0005
Revises: 0004

Queries by effective time (replay as of a moment, the last entry in effect by then) read a party's entries in
sequence order anyway. With the index SQLite chose it for them and then sorted every row by sequence number in a
temporary B-tree; without it they scan the primary key in order and filter, which is also O(n) and sorts nothing.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the index (a change of the schema only: no ledger row is touched)."""
    op.drop_index("ix_ledger_entries_effective", table_name="ledger_entries")


def downgrade() -> None:
    """Put the index back."""
    op.create_index("ix_ledger_entries_effective", "ledger_entries", ["party", "effective"])
