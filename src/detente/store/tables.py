"""The ledger's tables (SQLAlchemy Core). The migrations in ``migrations/`` create them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

parties = Table(
    "ledger_parties",
    metadata,
    Column("party", String(16), primary_key=True),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("treaty", String(64), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

entries = Table(
    "ledger_entries",
    metadata,
    Column("party", String(16), ForeignKey("ledger_parties.party"), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("sent", String(20), nullable=False),  # canonical UTC text, as in the payload
    Column("effective", String(20), nullable=False),
    Column("payload", LargeBinary, nullable=False),  # the exact signed bytes
    Column("signature", LargeBinary(64), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    # Derived from the payload, checked by verify: [type, effective, content] for replay; NULL for data exchanges
    # and for rows written before migration 0004 (replay then reads the payload).
    Column("effect", LargeBinary, nullable=True),
)  # no index on effective (migration 0005): queries by date read in sequence order and filter

# Each party's RFC 9162 tree: the hash of every complete perfect subtree (detente.crypto.stored_tree), written in the
# transaction that appends the entries. Neither table has a foreign key: nodes and checkpoints are written only with
# entries, whose key already ties them to a registered party, and a check per node would slow every append.
tree_nodes = Table(
    "ledger_tree_nodes",
    metadata,
    Column("party", String(16), primary_key=True),
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("party", String(16), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),  # the C2SP signed note, exactly as signed
)

# Witnesses' cosignatures of recorded checkpoints (migration 0006): the receipts of the exchange between nodes.
cosignatures = Table(
    "ledger_cosignatures",
    metadata,
    Column("party", String(16), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("cosigner", Text, primary_key=True),
    Column("line", Text, nullable=False),
)
