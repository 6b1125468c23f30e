"""Stored Merkle trees and recorded checkpoints, append-only; the trees of existing ledgers are back-filled.

Revision ID: 0003
Revises: 0002

``ledger_tree_nodes`` holds each party's RFC 9162 tree as the hash of every complete perfect subtree (level, index);
``ledger_checkpoints`` the signed checkpoints issued at data exchanges. Both refuse UPDATE and DELETE (and TRUNCATE
and replacing inserts) as the ledger tables do. A ledger created before this revision gets its trees computed
from its stored payloads here, in the migration's transaction: it opens with the tree complete, or not at all.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from detente.crypto.stored_tree import Frontier, grow

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_APPEND_ONLY = "ledger rows are append-only"
_KEYS = {
    "ledger_tree_nodes": "party = NEW.party AND level = NEW.level AND idx = NEW.idx",
    "ledger_checkpoints": "party = NEW.party AND size = NEW.size",
}
_PAGE = 10_000


def upgrade() -> None:
    """Create the two tables, make them append-only, and back-fill the trees of the entries already stored."""
    op.create_table(
        "ledger_tree_nodes",
        sa.Column("party", sa.String(16), primary_key=True),
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("party", sa.String(16), primary_key=True),
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    bind = op.get_bind()
    dialect = bind.dialect.name
    for table, match in _KEYS.items():
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
                )
            elif dialect == "postgresql":  # ledger_append_only() is the function the first migration made
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
        if dialect == "sqlite":  # as in 0002: INSERT OR REPLACE would delete without a delete trigger
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "  # noqa: S608 - constants above
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {match}) "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
    _backfill(bind)


def _backfill(bind: Any) -> None:
    """Every party's tree from its payloads, read and written a page at a time (memory stays flat)."""
    mark = "?" if bind.dialect.paramstyle == "qmark" else "%s"
    select_page = (
        f"SELECT seq, payload FROM ledger_entries WHERE party = {mark} AND seq > {mark} "  # noqa: S608 - placeholders
        f"ORDER BY seq LIMIT {_PAGE}"
    )
    insert = "INSERT INTO ledger_tree_nodes (party, level, idx, hash) VALUES (?, ?, ?, ?)".replace("?", mark)
    parties = [row[0] for row in bind.exec_driver_sql("SELECT party FROM ledger_parties ORDER BY party")]
    for party in parties:
        edge = Frontier()
        while True:
            page = [
                (party, seq, bytes(payload)) for seq, payload in bind.exec_driver_sql(select_page, (party, edge.size))
            ]
            if not page:
                break
            if page[0][1] != edge.size + 1:
                raise RuntimeError(f"{party} has no entry #{edge.size + 1}: the ledger is damaged; no tree was built")
            rows = grow(page, _kept(edge))
            if rows:  # the levels stored_tree stores: none for a page that completes no 16-leaf subtree
                bind.exec_driver_sql(insert, rows)


def _kept(edge: Frontier) -> Callable[[str, int], Frontier]:
    """The frontier the back-fill carries from page to page, whatever size ``grow`` asks it for."""
    return lambda _party, _size: edge


def downgrade() -> None:
    """Ledgers are never weakened by a downgrade."""
    raise RuntimeError("the tree and checkpoint tables are append-only and are not dropped by a downgrade")
