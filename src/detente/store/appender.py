"""Storing on another core: a helper process that writes a streamed batch into one open transaction.

A large batch costs the writer about a quarter of its time in the store's insert, after everything else. Streamed,
the entries go to this helper in chunks as they are signed, and it inserts them on its own connection, inside one
transaction, while the writer validates the rest; at the end the writer asks it to commit and waits for the answer.

Rules:

1. The helper is ``python -m detente.store.appender``, started with pipes. The database URL, with any password,
   goes down its stdin first: never in its arguments or environment. It opens the database without migrating
   (the writer's process did), answers ``["ok"]`` when it has, writes nothing but answers, and never logs. Until
   it has answered (it takes about a second to start), and for good if it cannot open the database, batches are
   appended the ordinary way.
2. Requests are frames of a 16-byte token, a 4-byte big-endian length and a pickle: ``("rows", rows)``, the
   batch's next ledger rows in order; ``("commit",)``; ``("abort",)``. The token is random, made for each helper
   and sent first of all; a frame without it ends the helper, so a stream thrown out of step (a write cut short)
   can never have bytes of a payload read as a pickle. Only commit and abort are answered, in frames of a length
   and JSON: ``["ok"]`` or ``["refused", why]``.
3. The first rows of a batch begin the transaction (``BEGIN IMMEDIATE`` on SQLite: the write lock is held until the
   batch ends). The rows go through the store's own :class:`~detente.store.ledger_store.Appending`, as in
   ``append``. A refusal (a duplicate entry, a tree that does not follow, a database failure) rolls the
   transaction back at once; the rest of the batch's rows are ignored, and its commit is answered with the refusal.
4. An acknowledged commit is stored. If the helper dies, or answers out of step, the batch fails with a
   :class:`StoreError` and the next batch starts a new helper; the database rolls back a transaction whose process
   died. The helper rolls back and exits when its stdin closes (the writer closed it, or died); a writer that died
   after asking for the commit may find it done (entries stored that it never acknowledged, as when a process dies
   between a commit and its answer).
5. On SQLite, the helper's commits do not copy the write-ahead log into the database file (SQLite's automatic
   checkpoint, which every thousand pages makes one commit take several times as long): the helper checkpoints
   after it has answered each commit, while the writer goes on.
6. One stream at a time per helper: :meth:`AppendingHelper.stream` gives None while one is open, and the caller
   appends the ordinary way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import subprocess
import sys
import threading
import weakref
from collections.abc import Sequence
from typing import Any, BinaryIO, cast

import orjson
from sqlalchemy import event

from detente.errors import StoreError
from detente.ledger import child
from detente.ledger.chain import Entry

TOKEN_BYTES = 16
PIPE_BYTES = 1 << 20  # ask for a 1 MiB pipe (Linux): a few chunks of rows in flight without the writer blocking
_STOPPED = "the appending helper stopped"


class AppendingHelper:
    """One helper process for one database; open streams through :meth:`stream`."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None  # type: ignore[type-arg]
        self._busy = threading.Lock()
        self._ready = False  # the helper has opened the database (rule 1)
        self.token = b""  # the running helper's frame token (rule 2)
        self._failed = False  # it could not: this database is appended the ordinary way from now on

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            proc = child.start("detente.store.appender")
            assert proc.stdin is not None  # noqa: S101 - Popen with PIPE always gives one
            _widen(cast(BinaryIO, proc.stdin))
            self._proc = proc
            self._ready = False
            self._finalizer = weakref.finalize(self, child.stop, proc)
            self.token = os.urandom(TOKEN_BYTES)
            proc.stdin.write(self.token)
            _send(cast(BinaryIO, proc.stdin), self.token, self._target)
        return self._proc

    def stream(self, wait: float = 0.0) -> Stream | None:
        """A stream for one batch, or None: while another is open, while the helper starts, or if it cannot.

        ``wait`` is how many seconds to wait for a helper that is starting (by default, none).
        """
        if self._failed or not self._busy.acquire(blocking=False):
            return None
        try:
            proc = self._started()
            if self._ready or self._answered(proc, wait):
                return Stream(self, proc)
        except (OSError, StoreError):
            self._failed = True  # it cannot open the database (or cannot start): append the ordinary way
            self.close()
        self._busy.release()
        return None

    def _answered(self, proc: subprocess.Popen[bytes], wait: float) -> bool:
        """Whether the helper has said it is ready (rule 1), waiting at most ``wait`` seconds."""
        replies = cast(BinaryIO, proc.stdout)
        if not select.select([replies], [], [], wait)[0]:
            return False  # still starting: this batch is appended the ordinary way
        if _answer(replies) != ["ok"]:
            raise StoreError(f"{_STOPPED} before it was ready")
        self._ready = True
        return True

    def done(self) -> None:
        """The open stream has ended: the helper is free for the next."""
        self._busy.release()

    def close(self) -> None:
        """Stop the helper (it also stops when this object is collected, or when the writer's process ends)."""
        if self._finalizer is not None:
            self._finalizer()
        self._proc = None


def _widen(pipe: BinaryIO) -> None:
    with contextlib.suppress(ImportError, AttributeError, OSError):  # not Linux, or not allowed: the default will do
        import fcntl  # noqa: PLC0415 - Linux only

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class Stream:
    """A batch streamed to the helper (an :class:`~detente.ledger.port.AppendStream`): rules 2-4, writer's side."""

    def __init__(self, helper: AppendingHelper, proc: subprocess.Popen[bytes]) -> None:
        self._helper = helper
        self._stdin: BinaryIO = proc.stdin  # type: ignore[assignment]
        self._stdout: BinaryIO = proc.stdout  # type: ignore[assignment]
        self._token = helper.token
        self._open = True

    def add(self, entries: Sequence[Entry]) -> None:
        """Send the next entries' rows; the helper inserts them while the caller goes on."""
        self._request(("rows", [row(e) for e in entries]), f"{_STOPPED} taking the batch's entries: nothing was stored")

    def commit(self) -> None:
        """Ask for the commit and wait for it; a refusal, or no answer, raises :class:`StoreError`."""
        why = f"{_STOPPED} before confirming the commit: the batch is stored whole or not at all (see the log)"
        self._request(("commit",), why)
        reply = self._reply(why)
        self._end()
        if reply[0] != "ok":
            raise StoreError(str(reply[1]))

    def abort(self) -> None:
        """Roll the batch back and wait until the helper has; a helper that does not answer is stopped."""
        if not self._open:
            return
        try:
            self._request(("abort",), _STOPPED)
            self._reply(_STOPPED)
        except StoreError:
            pass  # _failed stopped it: its transaction died with it
        self._end()

    def _request(self, message: tuple[Any, ...], why: str) -> None:
        if not self._open:
            raise StoreError("this stream has ended: a batch is streamed once")
        try:
            _send(self._stdin, self._token, message)
        except OSError:
            self._failed(why)

    def _reply(self, why: str) -> list[Any]:
        try:
            reply = _answer(self._stdout)
        except OSError:
            reply = None
        if type(reply) is not list or not reply or reply[0] not in {"ok", "refused"}:
            self._failed(why)
        return cast(list[Any], reply)

    def _failed(self, why: str) -> None:
        self._helper.close()
        self._end()
        raise StoreError(why)

    def _end(self) -> None:
        if self._open:
            self._open = False
            self._helper.done()


def row(e: Entry) -> tuple[Any, ...]:
    """An entry as a row of ``ledger_entries``, in the order the store's insert takes."""
    return (e.party, e.seq, *e.stored_columns(), e.payload, e.signature, e.hash)


def _send(pipe: BinaryIO, token: bytes, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(token + len(data).to_bytes(4, "big") + data)
    pipe.flush()


def _receive(pipe: BinaryIO, token: bytes) -> Any:
    """The next request, or None at the end of the pipe or at a frame without the token (rule 2)."""
    head = pipe.read(TOKEN_BYTES + 4)
    if len(head) < TOKEN_BYTES + 4 or head[:TOKEN_BYTES] != token:
        return None
    size = int.from_bytes(head[TOKEN_BYTES:], "big")
    data = pipe.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # noqa: S301 - a whole frame, token checked: written by the writer's _send (rule 2)


def _reply_with(pipe: BinaryIO, *answer: str) -> None:
    data = orjson.dumps(answer)
    pipe.write(len(data).to_bytes(4, "big") + data)
    pipe.flush()


def _answer(pipe: BinaryIO) -> Any:
    """The helper's next answer (JSON), or None at the end of the pipe or if it is not JSON."""
    head = pipe.read(4)
    if len(head) < 4:
        return None
    size = int.from_bytes(head, "big")
    data = pipe.read(size)
    try:
        return orjson.loads(data) if len(data) == size else None
    except orjson.JSONDecodeError:
        return None


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The helper's loop (rules 1-4): read the URL, then take rows, commits and aborts until stdin closes."""
    from detente.store.ledger_store import Appending, SqlLedgerStore, engine_for  # noqa: PLC0415 - the child only

    token = stdin.read(TOKEN_BYTES)
    target = _receive(stdin, token) if len(token) == TOKEN_BYTES else None
    if not isinstance(target, str):
        return
    engine = engine_for(target)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_autocheckpoint)
    store = SqlLedgerStore(engine, streams=False)
    try:
        store.engine.connect().close()
    except Exception as exc:
        _reply_with(stdout, "refused", f"cannot open the database: {type(exc).__name__}")
        return
    _reply_with(stdout, "ok")
    transaction: Appending | None = None
    refused: str | None = None
    try:
        while (message := _receive(stdin, token)) is not None:
            if message[0] == "rows":
                if refused is not None:
                    continue
                try:
                    if transaction is None:
                        transaction = store.transaction()
                    transaction.add(message[1])
                except StoreError as exc:
                    refused = str(exc)
                    if transaction is not None:
                        transaction.rollback()
                    transaction = None
                continue
            if message[0] == "commit" and transaction is not None and refused is None:
                try:
                    transaction.commit()
                except StoreError as exc:
                    refused = str(exc)
            elif transaction is not None:  # an abort, or a commit of a refused batch
                transaction.rollback()
            transaction = None
            if refused is None or message[0] == "abort":
                _reply_with(stdout, "ok")
            else:
                _reply_with(stdout, "refused", refused)
            refused = None
            store.checkpoint_wal()  # after the answer: the writer goes on meanwhile (rule 5)
    finally:
        if transaction is not None:
            transaction.rollback()
        store.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
