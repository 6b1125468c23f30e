"""The ledger's tables (SQLAlchemy Core). The migrations in ``migrations/`` create them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, LargeBinary, MetaData, String, Table

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
    Index("ix_ledger_entries_effective", "party", "effective"),
)
