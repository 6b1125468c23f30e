"""Verifying a ledger on every core: signatures and hashes in parallel, links in order.

Each worker checks, for its slice of entries, rules 2, 4 and 5 of :mod:`detente.ledger.chain` (the hash is the
payload's SHA-256, the signature verifies, the payload is canonical) and returns each entry's ``prev`` and
``seq`` as written in the payload. The caller then checks rules 1 and 3 (numbers run on; each ``prev`` is the
previous hash) in order. It names the same first bad entry as :func:`detente.ledger.chain.verify_chain`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Any

from detente.errors import ChainError
from detente.ledger.canonical import is_canonical, parse
from detente.ledger.chain import Entry
from detente.ledger.keys import verify
from detente.ledger.notifications import GENESIS

Checked = tuple[int, str | None, str, int, str]  # (row seq, problem, payload prev, payload seq, hash hex)


def _check_slice(args: tuple[str, bytes, list[Entry]]) -> list[Checked]:
    party, public_key, rows = args
    out: list[Checked] = []
    for _party, seq, payload, signature, digest in rows:
        problem = None
        prev, pseq = "", -1
        if hashlib.sha256(payload).digest() != digest:
            problem = "stored hash does not match the payload (the payload was altered)"
        else:
            try:
                data = parse(payload)
                prev, pseq = data.get("prev", ""), data.get("seq", -1)
                if data.get("party") != party or pseq != seq:
                    problem = "payload names another party or sequence number than its row"
                elif not verify(public_key, payload, signature):
                    problem = "signature does not verify with the party's public key"
                elif not is_canonical(payload, data):
                    problem = "payload is not in canonical form"
            except ValueError:
                problem = "payload is not JSON"
        out.append((seq, problem, prev, pseq, digest.hex()))
    return out


def _slices(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    it = iter(entries)
    while chunk := list(islice(it, size)):
        yield chunk


def verify_parallel(
    entries: Iterable[Entry], party: str, public_key: bytes, workers: int | None = None, chunk: int = 2000
) -> int:
    """Verify a party's entries using ``workers`` processes (default: every core); return how many verified."""
    workers = workers or os.cpu_count() or 1
    expected, prev = 1, GENESIS
    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = ((party, public_key, rows) for rows in _slices(entries, chunk))
        for results in pool.map(_check_slice, jobs):
            for seq, problem, payload_prev, _payload_seq, digest in results:
                if seq != expected:
                    raise ChainError(party, expected, f"sequence number {seq} where {expected} was expected")
                if problem is not None:
                    raise ChainError(party, seq, problem)
                if payload_prev != prev:
                    raise ChainError(party, seq, "prev does not match the previous entry's hash (the chain is broken)")
                prev = digest
                expected += 1
    return expected - 1


_READER: Any = None


def _open_reader(factory: Callable[[], Any]) -> None:
    global _READER  # noqa: PLW0603 - one store per worker process, opened once
    _READER = factory()


def _check_range(args: tuple[str, bytes, int, int]) -> tuple[int, int, str, str, tuple[int, str] | None]:
    """A worker reads seq a..b itself and checks it; returns (a, count, first prev, last hash, first problem)."""
    party, public_key, start, stop = args
    checked = _check_slice((party, public_key, list(_READER.entries(party, start, stop))))
    expected, prev, first_prev, last = start, "", "", ""
    for seq, problem, payload_prev, _pseq, digest in checked:
        if seq != expected:
            return (
                start,
                len(checked),
                first_prev,
                last,
                (expected, f"sequence number {seq} where {expected} was expected"),
            )
        if problem is not None:
            return start, len(checked), first_prev, last, (seq, problem)
        if seq == start:
            first_prev = payload_prev
        elif payload_prev != prev:
            return start, len(checked), first_prev, last, (seq, "prev does not match the previous entry's hash")
        prev = last = digest
        expected += 1
    if expected != stop + 1:
        return start, len(checked), first_prev, last, (expected, f"entry #{expected} is missing")
    return start, len(checked), first_prev, last, None


def verify_store_parallel(
    open_reader: Callable[[], Any],
    party: str,
    public_key: bytes,
    size: int,
    workers: int | None = None,
    chunk: int = 20_000,
) -> int:
    """Verify seq 1..size with every core, each worker reading its own ranges from the store.

    ``open_reader`` (picklable, e.g. ``functools.partial(open_store, path)``) opens the store in each worker, so
    the main process only joins the ranges: links across range boundaries, and the first fault in order.
    """
    workers = workers or os.cpu_count() or 1
    ranges = [(party, public_key, a, min(a + chunk - 1, size)) for a in range(1, size + 1, chunk)]
    prev = GENESIS
    with ProcessPoolExecutor(max_workers=workers, initializer=_open_reader, initargs=(open_reader,)) as pool:
        for start, _count, first_prev, last, problem in pool.map(_check_range, ranges):
            if first_prev and first_prev != prev:
                raise ChainError(party, start, "prev does not match the previous entry's hash (the chain is broken)")
            if problem is not None:
                raise ChainError(party, problem[0], problem[1])
            prev = last
    return size
