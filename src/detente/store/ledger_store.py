"""The ledger store on SQLAlchemy Core: SQLite (one file, the default) or PostgreSQL, one code path.

Rules:

1. The schema is created and upgraded only by the Alembic migrations shipped in ``migrations/``.
2. Rows are only ever inserted. The database refuses UPDATE and DELETE (triggers, from the first migration);
   this class has no method that would issue either.
3. ``append`` writes a batch in one transaction: all rows or none. Inside it, holding the party's write lock
   (SQLite's database lock; on PostgreSQL the party's row, locked for update), it checks that the batch follows
   the party's head; a batch made before another writer appended gets a :class:`ConflictError` and nothing it
   sent is stored (the writer then rebuilds its state and tries once more).
4. Driver errors are mapped one way: integrity violations (a duplicate entry, an attempted update) become
   :class:`StoreError` with the database's reason; connection failures become :class:`StoreError` too.
5. SQLite runs in WAL mode with ``synchronous=FULL``: a committed batch survives a killed process and a power cut.
   Every transaction, migrations included, is explicit, so a process killed while creating a ledger leaves
   either no schema or the whole of it.
6. Each party's Merkle tree is stored as nodes (:mod:`detente.crypto.stored_tree`), written in the transaction that
   appends the entries: the store takes the party's frontier (at most one node per level), computes the new leaf
   and the subtrees it completes, and inserts them. A batch that does not follow the stored tree, or a checkpoint
   whose root is not the tree's at its size, refuses the whole batch. Roots and proofs read O(log n) nodes in one
   query; nothing is rebuilt.
7. A store is a context manager; closing it releases the engine's connections.
8. A store opened read-only (``open_store(target, readonly=True)``: what every command that only reads uses) is
   never written: nothing is migrated or created, SQLite runs with ``query_only`` and PostgreSQL with read-only
   transactions. It must be a detente ledger at the schema this code writes (``SCHEMA``); anything else (an empty
   or unrelated database, a ledger of a newer detente, or an older one not yet upgraded) is refused by name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from detente.crypto.stored_tree import Frontier, fold, grow, is_stored, low_nodes, subtrees
from detente.errors import ConflictError, StoreError, TreeError
from detente.ledger.chain import Columns, Entry
from detente.ledger.port import CheckpointRecord, Closing, CosignatureRecord, PartyRecord, Position
from detente.store.tables import checkpoints, cosignatures, entries, parties

# Plain DBAPI executemany for appends: a third of the cost of building a SQLAlchemy insert per batch.
_INSERT_QMARK = (
    "INSERT INTO ledger_entries (party, seq, type, sent, effective, effect, payload, signature, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_FORMAT = _INSERT_QMARK.replace("?", "%s")
_NODES_QMARK = "INSERT INTO ledger_tree_nodes (party, level, idx, hash) VALUES (?, ?, ?, ?)"
_ARMS = 400
_CHECKPOINTS_QMARK = "INSERT INTO ledger_checkpoints (party, size, root, note) VALUES (?, ?, ?, ?)"


SCHEMA = "0006"
"""The Alembic revision this code reads and writes (the migrations' head; a test keeps the two equal)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling autocommits DDL; take it over so that migrations are atomic too
    # (SQLAlchemy's documented recipe for pysqlite): no implicit BEGIN here, an explicit one in _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA recursive_triggers=ON")  # REPLACE then fires the no-delete triggers
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writes take the write lock up front (one writer, no lock-upgrade deadlock); reads never block writers.
    immediate = connection.get_execution_options().get("detente_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _url(target: str) -> str:
    """The database URL of a ledger address, checked before anything is opened.

    Accepted: a plain file path (SQLite), ``sqlite:///PATH`` and ``postgresql://…``. Refused by name (a
    :class:`LedgerAddressError`): another database or scheme, a URL that does not parse, and SQLite without a file
    (an in-memory ledger would vanish when the command ends).
    """
    # Imported here so that this function, the one part of the module these checks touch, carries them alone.
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    from detente.errors import LedgerAddressError, Location  # noqa: PLC0415

    if "://" not in target:
        if not target.strip():
            raise LedgerAddressError("no ledger given: name a SQLite file or a postgresql:// URL")
        return f"sqlite:///{target}"
    shown = _without_password(target)
    scheme, _, rest = target.partition("://")
    if scheme in ("postgresql", "postgresql+psycopg"):
        url = f"postgresql+psycopg://{rest}"
    elif scheme == "sqlite":
        path = rest[1:].partition("?")[0] if rest.startswith("/") else ""
        if path in ("", ":memory:"):
            raise LedgerAddressError(
                "SQLite URL without a file: a ledger in memory would be lost when the command ends",
                Location.of(shown),
                "write sqlite:///PATH, or just the file's path",
            )
        url = target
    else:
        raise LedgerAddressError(
            f"unsupported database {scheme!r}: a ledger is a SQLite file or a PostgreSQL database",
            Location.of(shown),
            "give a file path, sqlite:///PATH or postgresql://HOST/DATABASE",
        )
    try:
        make_url(url)
    except (ArgumentError, ValueError) as exc:  # ArgumentError's text repeats the URL, password and all
        why = "it does not parse" if isinstance(exc, ArgumentError) else str(exc)
        raise LedgerAddressError(f"not a valid database URL: {why}", Location.of(shown)) from None
    return url


def _sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL from :func:`_url` (a plain path's or ``sqlite:///PATH``'s), or None."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415 - as in _url

    parsed = make_url(url)
    return Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None


def _without_password(target: str) -> str:
    """A ledger address fit to print: a URL's password replaced by ``***``."""
    return re.sub(r"^([^:/]+://[^/@:]*:)[^/@]*@", r"\1***@", target)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the latest migration (or to ``revision``, which tests of older ledgers use)."""
    from alembic import command  # noqa: PLC0415 - half a second of imports that the appending helper never needs
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(resources.files("detente.store").joinpath("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _nodes_query(mark: str, positions: Sequence[Position]) -> str:
    """SELECT of the nodes at these positions: a UNION ALL of primary-key lookups, one per position.

    The planners of both databases take each arm as one key lookup. An OR or IN over (level, idx) pairs is not
    planned as lookups by SQLite 3.40: it scans all of the party's nodes, 20 ms at 30,000 entries.
    """
    arm = f"SELECT level, idx, hash FROM ledger_tree_nodes WHERE party = {mark} AND level = {mark} AND idx = {mark}"  # noqa: S608
    return " UNION ALL ".join([arm] * len(positions))


class SqlLedgerStore(Closing):
    """A :class:`~detente.ledger.port.LedgerStore` on one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def parties(self) -> list[PartyRecord]:
        """Registered parties, by code."""
        with self.engine.connect() as c:
            rows = c.execute(select(parties).order_by(parties.c.party)).all()
        return [PartyRecord(r.party, bytes(r.public_key), r.treaty) for r in rows]

    def add_party(self, record: PartyRecord) -> None:
        """Register a party once."""
        row = {
            "party": record.party,
            "public_key": record.public_key,
            "treaty": record.treaty,
            "created": dt.datetime.now(dt.UTC),
        }
        self._write(lambda c: c.execute(insert(parties), [row]))

    def append(self, batch: Sequence[Entry], checkpoints: Sequence[CheckpointRecord] = ()) -> None:
        """Insert a batch of entries, the tree nodes they complete and ``checkpoints`` in one transaction (rule 6)."""
        if not batch:
            if checkpoints:
                raise StoreError("the store refused the write: a checkpoint comes with the entries it covers")
            return
        qmark = self.engine.dialect.paramstyle == "qmark"

        def insert_all(c: Connection) -> None:
            self._check_heads(c, batch)
            rows = [(e.party, e.seq, *e.stored_columns(), e.payload, e.signature, e.hash) for e in batch]
            c.exec_driver_sql(_INSERT_QMARK if qmark else _INSERT_FORMAT, rows)
            claims = [(k.party, k.size, k.root) for k in checkpoints]
            try:
                nodes = grow([(e.party, e.seq, e.payload) for e in batch], lambda p, n: self._frontier(c, p, n), claims)
            except TreeError as exc:
                raise StoreError(f"the store refused the write: {exc.why}") from None
            if nodes:  # one per 16 entries (stored_tree, rule 6): most small batches complete none
                c.exec_driver_sql(_NODES_QMARK if qmark else _NODES_QMARK.replace("?", "%s"), nodes)
            if checkpoints:
                notes = [(k.party, k.size, k.root, k.note) for k in checkpoints]
                c.exec_driver_sql(_CHECKPOINTS_QMARK if qmark else _CHECKPOINTS_QMARK.replace("?", "%s"), notes)

        self._write(insert_all)

    def _check_heads(self, c: Connection, batch: Sequence[Entry]) -> None:
        """Rule 3: each party's first entry in the batch follows its head, read under the party's write lock."""
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        firsts: dict[str, int] = {}
        for e in batch:
            firsts.setdefault(e.party, e.seq)
        for party, first in firsts.items():
            self._lock(c, party)
            head = c.exec_driver_sql(
                f"SELECT COALESCE(MAX(seq), 0) FROM ledger_entries WHERE party = {mark}",  # noqa: S608
                (party,),
            ).scalar_one()
            if first != head + 1:
                raise ConflictError(
                    f"the store refused the write: {party} #{first} does not follow the head #{head} "
                    "(another writer appended meanwhile?)"
                )

    def _frontier(self, c: Connection, party: str, size: int) -> Frontier:
        """A party's tree frontier at ``size``, read inside the append's transaction."""
        try:
            return Frontier(size, self._nodes(c, party, Frontier.positions(size)))
        except StoreError as exc:
            raise StoreError(
                f"the store refused the write: {party} #{size + 1} does not follow the stored tree; {exc}"
            ) from None

    def _write(self, action: Any) -> None:
        with _mapped(), self.engine.connect() as c:
            c.execution_options(detente_write=True)
            with c.begin():
                action(c)

    def entries(
        self, party: str, start: int = 1, stop: int | None = None, until: str | None = None, known_at: str | None = None
    ) -> Iterator[Entry]:
        """A party's entries in order, streamed in chunks (filters as in the port).

        On SQLite rows come through the driver's cursor (no row objects: replay and verify read millions); on
        PostgreSQL through a server-side cursor, so that memory stays flat.
        """
        if self.engine.dialect.name == "sqlite":
            sql = f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries WHERE party = ? AND seq >= ?"  # noqa: S608
            params: tuple[str | int, ...] = (party, start)
            for column, bound, value in (("seq", "<=", stop), ("effective", "<=", until), ("sent", "<=", known_at)):
                if value is not None:
                    sql += f" AND {column} {bound} ?"
                    params += (value,)
            make = tuple.__new__  # the named tuples' own constructors cost 0.2 µs more each, per entry read
            for seq, payload, signature, digest, *derived in self._raw_rows(sql + " ORDER BY seq", params):
                yield make(Entry, (party, seq, payload, signature, digest, make(Columns, derived)))
            return
        query = select(
            *(
                entries.c[name]
                for name in ("seq", "payload", "signature", "hash", "type", "sent", "effective", "effect")
            )
        ).where(entries.c.party == party, entries.c.seq >= start)
        if stop is not None:
            query = query.where(entries.c.seq <= stop)
        if until is not None:
            query = query.where(entries.c.effective <= until)
        if known_at is not None:
            query = query.where(entries.c.sent <= known_at)
        with self.engine.connect() as c:
            result = c.execution_options(stream_results=True, yield_per=10_000).execute(query.order_by(entries.c.seq))
            for seq, payload, signature, digest, kind, sent, effective, effect in result:
                columns = Columns(kind, sent, effective, None if effect is None else bytes(effect))
                yield Entry(party, seq, bytes(payload), bytes(signature), bytes(digest), columns)

    def _raw_rows(self, sql: str, params: tuple[str | int, ...]) -> Iterator[tuple[Any, ...]]:
        """Rows of a query through the driver's own cursor, in chunks of 10,000."""
        with self.engine.connect() as c:
            cursor = c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(10_000):
                    yield from rows
            finally:
                cursor.close()

    def replay_rows(self, party: str, until: str | None = None) -> Iterator[tuple[bytes | None, bytes | None]]:
        """(effect, payload) in order: the effect where stored, else the payload; read through the driver's cursor."""
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        sql = (
            "SELECT effect, CASE WHEN effect IS NULL THEN payload END FROM ledger_entries "  # noqa: S608
            f"WHERE party = {mark}"
        )
        params: tuple[str, ...] = (party,)
        if until is not None:
            sql += f" AND effective <= {mark}"
            params += (until,)
        with self.engine.connect() as c:  # the replay's hot loop: one generator, no row objects
            cursor = c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(sql + " ORDER BY seq", params)
                while rows := cursor.fetchmany(10_000):
                    yield from rows
            finally:
                cursor.close()

    def last_entry(self, party: str, until: str | None = None) -> Entry | None:
        """A party's last entry, or its last one in effect by ``until``."""
        query = select(func.max(entries.c.seq)).where(entries.c.party == party)
        if until is not None:
            query = query.where(entries.c.effective <= until)
        with self.engine.connect() as c:
            last = c.execute(query).scalar()
        return None if last is None else next(self.entries(party, last, last))

    def head(self, party: str) -> Entry | None:
        """A party's last entry."""
        return self.last_entry(party)

    def has_entry(self, party: str, seq: int) -> bool:
        """Whether a party has this sequence number."""
        with self.engine.connect() as c:
            found = c.execute(select(entries.c.seq).where(entries.c.party == party, entries.c.seq == seq)).first()
        return found is not None

    def tree_size(self, party: str) -> int:
        """How many leaves the party's tree has: one per entry (the nodes are written with the entries)."""
        query = select(func.max(entries.c.seq)).where(entries.c.party == party)
        with self.engine.connect() as c:
            last = c.execute(query).scalar()
        return 0 if last is None else int(last)

    def tree_nodes(self, party: str, positions: Sequence[Position]) -> list[bytes]:
        """The node hashes at these positions, in order, in one query through the driver's cursor."""
        if not positions:
            return []
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                return self._fetch(cursor, party, positions)
            finally:
                cursor.close()
        finally:
            connection.close()

    def _nodes(self, c: Connection, party: str, positions: Sequence[Position]) -> list[bytes]:
        """As :meth:`tree_nodes`, inside the transaction ``c``."""
        if not positions:
            return []
        cursor = c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return self._fetch(cursor, party, positions)
        finally:
            cursor.close()

    def _fetch(self, cursor: Any, party: str, positions: Sequence[Position]) -> list[bytes]:
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        stored = [p for p in dict.fromkeys(positions) if is_stored(p)]
        found: dict[Position, bytes] = {}
        for start in range(0, len(stored), _ARMS):  # SQLite allows 500 arms in a compound SELECT
            chunk = stored[start : start + _ARMS]
            cursor.execute(_nodes_query(mark, chunk), [x for level, index in chunk for x in (party, level, index)])
            found.update(((level, index), bytes(digest)) for level, index, digest in cursor.fetchall())

        def payloads(first: int, last: int) -> dict[int, bytes]:
            sql = f"SELECT seq, payload FROM ledger_entries WHERE party = {mark} AND seq BETWEEN {mark} AND {mark}"  # noqa: S608
            cursor.execute(sql, (party, first, last))
            return {seq: bytes(data) for seq, data in cursor.fetchall()}

        found.update(low_nodes(positions, payloads))
        try:
            return [found[p] for p in positions]
        except KeyError as exc:
            level, index = exc.args[0]
            raise StoreError(
                f"the {party} tree has no node at level {level}, index {index}: the stored tree is incomplete "
                "(entries written behind the store's back?)"
            ) from None

    def checkpoints(self, party: str) -> list[CheckpointRecord]:
        """A party's recorded checkpoints, by size."""
        query = select(checkpoints).where(checkpoints.c.party == party).order_by(checkpoints.c.size)
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        return [CheckpointRecord(r.party, int(r.size), bytes(r.root), r.note) for r in rows]

    def latest_checkpoint(self, party: str) -> CheckpointRecord | None:
        """A party's largest recorded checkpoint: one row, by the primary key."""
        query = select(checkpoints).where(checkpoints.c.party == party).order_by(checkpoints.c.size.desc()).limit(1)
        with self.engine.connect() as c:
            row = c.execute(query).first()
        return None if row is None else CheckpointRecord(row.party, int(row.size), bytes(row.root), row.note)

    def checkpoint_sizes(self, party: str, low: int, high: int) -> list[int]:
        """The sizes of a party's recorded checkpoints in ``[low, high)``, ascending, from the primary key alone."""
        c_ = checkpoints.c
        query = select(c_.size).where(c_.party == party, c_.size >= low, c_.size < high).order_by(c_.size)
        with self.engine.connect() as c:
            return [int(size) for size in c.execute(query).scalars()]

    def record_checkpoint(self, record: CheckpointRecord) -> None:
        """Record a checkpoint of the stored tree, checked under the party's write lock (the port says what)."""
        party, size = record.party, record.size

        def check_and_insert(c: Connection) -> None:
            self._lock(c, party)
            recorded = c.execute(select(func.max(checkpoints.c.size)).where(checkpoints.c.party == party)).scalar()
            if recorded is not None and size <= recorded:
                raise ConflictError(
                    f"the store refused the checkpoint: {party} has one recorded at size {recorded}, and checkpoints "
                    f"only grow (this one is of size {size})"
                )
            stored = c.execute(select(func.max(entries.c.seq)).where(entries.c.party == party)).scalar() or 0
            if not 0 < size <= stored:
                raise StoreError(f"the store refused the checkpoint: the {party} tree has {stored} leaves, not {size}")
            root = fold(self._nodes(c, party, subtrees(0, size)))
            if root != record.root:
                raise StoreError(
                    f"the store refused the checkpoint: its root for {party} at size {size} is not the stored tree's"
                )
            c.execute(insert(checkpoints), [{"party": party, "size": size, "root": record.root, "note": record.note}])

        self._write(check_and_insert)

    def add_cosignature(self, record: CosignatureRecord) -> bool:
        """Keep a cosignature of a recorded checkpoint once (the port says what)."""
        kept = True
        key = (cosignatures.c.party == record.party, cosignatures.c.size == record.size)

        def insert_new(c: Connection) -> None:
            nonlocal kept
            self._lock(c, record.party)
            found = c.execute(
                select(checkpoints.c.size).where(checkpoints.c.party == record.party, checkpoints.c.size == record.size)
            ).first()
            if found is None:
                why = f"{record.party} has no checkpoint recorded at size {record.size}"
                raise StoreError(f"the store refused the cosignature: {why}")
            if c.execute(select(cosignatures.c.line).where(*key, cosignatures.c.cosigner == record.cosigner)).first():
                kept = False
                return
            row = {"party": record.party, "size": record.size, "cosigner": record.cosigner, "line": record.line}
            c.execute(insert(cosignatures), [row])

        self._write(insert_new)
        return kept

    def cosignatures(self, party: str) -> list[CosignatureRecord]:
        """The cosignatures kept for a party's checkpoints, by size, then cosigner."""
        query = (
            select(cosignatures)
            .where(cosignatures.c.party == party)
            .order_by(cosignatures.c.size, cosignatures.c.cosigner)
        )
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        return [CosignatureRecord(r.party, int(r.size), r.cosigner, r.line) for r in rows]

    def _lock(self, c: Connection, party: str) -> None:
        """Hold the party's write lock in this transaction (SQLite's BEGIN IMMEDIATE already holds the database)."""
        if self.engine.dialect.name == "postgresql":
            c.execute(select(parties.c.party).where(parties.c.party == party).with_for_update())

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    """Rule 4: the driver's errors as :class:`StoreError`, with the database's reason."""
    try:
        yield
    except IntegrityError as exc:
        raise StoreError(f"the database refused the write: {_reason(exc)}") from None
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(f"the database failed: {_reason(exc)}") from None


_ENTRY_COLUMNS = "seq, payload, signature, hash, type, sent, effective, effect"


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    # Rule 8: no journal-mode change (it would write the file's header), and SQLite itself refuses any write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def engine_for(url: str, *, readonly: bool = False) -> Engine:
    """An engine for a database URL, with SQLite's settings (rules 5, 8); nothing is read or migrated yet."""
    if readonly and url.startswith("postgresql"):
        return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only if readonly else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def open_store(target: str, *, readonly: bool = False) -> SqlLedgerStore:
    """Open a ledger store: a file path for SQLite, or a ``postgresql://`` URL.

    Opened for writing, a new database gets the schema and an older one is upgraded (rule 1); opened
    ``readonly``, nothing is written and the database must already be a ledger at ``SCHEMA`` (rule 8).
    """
    url = _url(target)
    file = _sqlite_file(url)
    if readonly and file is not None and not file.is_file():  # SQLite would create an empty file to read
        raise StoreError(f"no ledger at {target}: {'a directory' if file.is_dir() else 'no such file'}")
    try:
        engine = engine_for(url, readonly=readonly)
        if readonly:
            _check_schema(engine, target)
        else:
            migrate(engine)
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(f"cannot open the ledger at {target}: {_reason(exc)}") from None
    return SqlLedgerStore(engine)


def _check_schema(engine: Engine, target: str) -> None:
    """Rule 8: the database is a detente ledger at the schema this code reads, or a StoreError says what it is."""
    with engine.connect() as c:
        names = set(inspect(c).get_table_names())
        if "alembic_version" not in names or "ledger_entries" not in names:
            engine.dispose()
            raise StoreError(f"{target} is not a detente ledger: it has no ledger tables")
        found = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if found != SCHEMA:
        engine.dispose()
        known = found is not None and _REVISION.fullmatch(found) is not None and found < SCHEMA
        if known:
            raise StoreError(
                f"the ledger at {target} has schema {found}, older than this detente's {SCHEMA}; "
                f"upgrade it first: detente ledger upgrade {target}"
            )
        raise StoreError(f"the ledger at {target} has schema {found!r}, which this detente ({SCHEMA}) does not know")


_REVISION = re.compile(r"\d{4}")
