"""Benchmark: the ledger — appending signed notifications, replaying and verifying them — against raw primitives.

Measures, in one run, with every file in a temporary directory that is removed at the end:
  1. raw primitives on this machine: SQLite inserts (executemany into a plain table, WAL + synchronous=FULL,
     1,000 rows per commit) and single-row commits; Ed25519 sign and verify (PyNaCl, and `cryptography` if
     importable) on 5,000 distinct 400-byte messages, one core, and verify on every core; SHA-256;
  2. append, signed, batched: ``Ledger.submit`` of 1,000 notifications per call (validate, sign, chain, one
     transaction; signed by the signing helper and, from the second call on, stored by the appending helper, each
     a process of its own, as the writer validates), after one initial data of 2,000 Minuteman III launchers at
     an ICBM base; the notifications are status changes toggling launchers deployed <-> non-deployed, one second
     apart, all valid;
  3. append, one commit each: M notifications, one ``Ledger.submit`` call (one fsync'd transaction) each;
  4. replay: ``replay_store(store, party)`` over all N entries (a breakdown and a cProfile if slow);
  5. verify: ``verify_chain`` (one core) and ``verify_parallel`` (every core) over all N entries;
  Each target ratio is taken against the raw rate measured just before and just after its own phase (their mean):
  this machine's speed drifts by several per cent within a run. The ratios to the start-of-run rates are printed too.
  6. the peer: the ``eventsourcing`` package's SQLite recorder, unsigned: record the same N notifications as
     stored events (1,000 per transaction) and read them back (and replay them with the ledger's ``apply``);
     plus, for orientation, an eventsourcing Application with an Aggregate on fewer events.

Appending all N through ``Ledger.submit`` would take most of the time budget, so by default A = 200,000 status
changes go through ``Ledger.submit`` and the rest of the N entries are sealed with ``seal`` (the same payloads,
signed on every core) and stored in large transactions; replay and verify then run on all N. The output says
which figure was measured on how many notifications.

Run:  .venv/bin/python bench/bench_ledger.py [--notifications N] [--commit-each M] [--append A] [--peer-app K]
      (defaults: N = 1,000,000, M = 2,000, A = 200,000, K = 100,000)
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import hashlib
import io
import os
import platform
import pstats
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from detente.catalog.load import builtin_catalog
from detente.ledger.canonical import canonical, canonical_validated, is_canonical, parse
from detente.ledger.chain import Entry, check_entry, check_runs, columns_of, prepare, seal, verify_chain
from detente.ledger.keys import PartyKey, verify
from detente.ledger.notifications import NOTIFICATION_FORMAT, parse_notification
from detente.ledger.port import PartyRecord
from detente.ledger.replay import replay_store
from detente.ledger.rules import Context, check
from detente.ledger.state import PartyState, apply, effect_of
from detente.ledger.verify import verify_store_parallel
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

PARTY = "US"
TREATY = "new-start"
ITEMS = 2_000
BATCH = 1_000
SEED = bytes(range(32))  # a fixed demo key: the bench signs nothing that leaves its temporary directory
T0 = dt.datetime(2011, 2, 5, tzinfo=dt.UTC)  # New START's entry into force: the initial data is on time
MESSAGE_BYTES = 400
CORES = os.cpu_count() or 1
REPLAY_TARGET = 200_000  # notifications/s
APPEND_TARGET = 0.5  # x raw sign rate (one core)
VERIFY_TARGET = 0.8  # x raw verify rate per core x cores used

console = Console(highlight=False, width=None if sys.stdout.isatty() else 132)


def stamp(second: int) -> str:
    """Canonical UTC text of T0 plus some seconds."""
    return (T0 + dt.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Workload:
    """The notifications of the bench: one initial data, then status changes toggling launchers, all valid."""

    status: list[str] = field(default_factory=lambda: ["deployed"] * ITEMS)
    warheads: list[int] = field(default_factory=lambda: [1] * ITEMS)
    k: int = 0  # status changes drafted so far

    @staticmethod
    def uid(i: int) -> str:
        return f"{PARTY}-MM3-{i:06d}"

    def initial(self) -> dict[str, Any]:
        items = [
            {
                "uid": self.uid(i),
                "system": "minuteman-iii",
                "kind": "launcher",
                "status": "deployed",
                "facility": f"{PARTY}-ICBM-1",
                "warheads": 1,
            }
            for i in range(ITEMS)
        ]
        return {
            "type": "initial-data",
            "sent": stamp(0),
            "effective": stamp(0),
            "treaty_ref": {"treaty": TREATY, "part": "Four", "section": "initial data"},
            "content": {
                "facilities": [{"id": f"{PARTY}-ICBM-1", "kind": "icbm-base", "name": "ICBM base 1"}],
                "items": items,
            },
        }

    def next(self) -> dict[str, Any]:
        """The next status change: item k mod 2,000 flips; becoming deployed, it declares 1-3 RVs."""
        self.k += 1
        i = (self.k - 1) % ITEMS
        old = self.status[i]
        new = "non-deployed" if old == "deployed" else "deployed"
        content: dict[str, Any] = {"uid": self.uid(i), "from": old, "to": new}
        self.status[i] = new
        self.warheads[i] = 0
        if new == "deployed":
            content["warheads"] = self.warheads[i] = 1 + self.k % 3
        when = stamp(self.k)
        return {
            "type": "status-change",
            "sent": when,
            "effective": when,
            "treaty_ref": {"treaty": TREATY, "part": "Four"},
            "content": content,
            "remarks": "bench: synthetic status change",
        }

    def copy(self) -> Workload:
        return Workload(list(self.status), list(self.warheads), self.k)


def status(what: str) -> Any:
    """A spinner on a terminal; nothing when the output is piped."""
    return console.status(what) if console.is_terminal else contextlib.nullcontext()


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def median_rate(fn: Callable[[], int], repeat: int = 3) -> float:
    """Median of ``repeat`` rates (operations / wall seconds), after one warm-up call."""
    fn()
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = fn()
        rates.append(rate(done, time.perf_counter() - start))
    return statistics.median(rates)


# ------------------------------------------------------------------------------------------------ 1. primitives


def connect_full(path: str) -> sqlite3.Connection:
    """A plain sqlite3 connection with the ledger's durability: WAL and synchronous=FULL; explicit transactions."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


PLAIN_TABLE = (
    "CREATE TABLE plain (party TEXT, seq INTEGER, type TEXT, sent TEXT, effective TEXT, payload BLOB, "
    "signature BLOB, hash BLOB, PRIMARY KEY (party, seq))"
)
PLAIN_INSERT = "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def sqlite_inserts(path: str, payload: bytes, rows: int) -> float:
    """Rows/s: executemany of ledger-like rows, BATCH rows per committed transaction."""
    conn = connect_full(path)
    conn.execute(PLAIN_TABLE)
    signature, digest = os.urandom(64), os.urandom(32)
    start = time.perf_counter()
    for first in range(1, rows + 1, BATCH):
        batch = [
            (PARTY, seq, "status-change", "2011-02-05T00:00:01Z", "2011-02-05T00:00:01Z", payload, signature, digest)
            for seq in range(first, min(first + BATCH, rows + 1))
        ]
        conn.execute("BEGIN")
        conn.executemany(PLAIN_INSERT, batch)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return rate(rows, elapsed)


def sqlite_commits(path: str, payload: bytes, commits: int) -> float:
    """Commits/s: one ledger-like row per committed transaction (an fsync of the WAL each)."""
    conn = connect_full(path)
    conn.execute(PLAIN_TABLE)
    signature, digest = os.urandom(64), os.urandom(32)
    start = time.perf_counter()
    for seq in range(1, commits + 1):
        conn.execute("BEGIN")
        conn.execute(PLAIN_INSERT, (PARTY, seq, "status-change", "t", "t", payload, signature, digest))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return rate(commits, elapsed)


DISTINCT = 5_000  # distinct messages the raw rates cycle through


def signed_messages(count: int = DISTINCT) -> tuple[bytes, list[bytes], list[bytes]]:
    """A public key and ``count`` distinct random messages with their signatures (PyNaCl, the bench's key)."""
    from nacl.signing import SigningKey  # noqa: PLC0415 - also runs in worker processes

    signing = SigningKey(SEED)
    messages = [os.urandom(MESSAGE_BYTES) for _ in range(count)]
    return bytes(signing.verify_key), messages, [signing.sign(m).signature for m in messages]


_WORKER_PAIRS: list[tuple[bytes, list[tuple[bytes, bytes]]]] = []


def _init_verifier() -> None:
    """In a worker: the distinct signed messages, made before anything is timed."""
    public, messages, signatures = signed_messages()
    _WORKER_PAIRS.append((public, list(zip(messages, signatures, strict=True))))


def _nacl_verify_many(count: int) -> float:
    """In a worker: verify ``count`` signatures of distinct messages, as the one-core raw rate does; the seconds."""
    from nacl.signing import VerifyKey  # noqa: PLC0415 - runs in a worker process

    public, pairs = _WORKER_PAIRS[0]
    key = VerifyKey(public)
    start = time.perf_counter()
    for i in range(count):
        message, signature = pairs[i % len(pairs)]
        key.verify(message, signature)
    return time.perf_counter() - start


@dataclass
class Primitives:
    sqlite_rows: float = 0.0
    sqlite_commits: float = 0.0
    sign: float = 0.0
    verify: float = 0.0
    verify_one_message: float = 0.0  # the same signature verified again and again (earlier runs' method)
    verify_all_cores: float = 0.0
    crypto_sign: float | None = None
    crypto_verify: float | None = None
    sha256: float = 0.0


def nacl_rates(rounds: int = 7) -> tuple[float, float, float]:
    """PyNaCl Ed25519 rates on one core, 400-byte messages: sign and verify over 5,000 distinct messages, and verify
    of one message again and again; medians of ``rounds`` rounds, the three taken in turn so that drift in the
    machine's speed falls on all of them alike.

    Distinct messages are what a verifier meets. Verifying one signature again and again measured about 2 % faster
    here (medians of 12 interleaved rounds): libsodium's verify is variable-time (it may be: nothing in it is
    secret), and a repeated signature lets the processor predict its branches. Signing is constant-time.
    """
    from nacl.signing import SigningKey, VerifyKey  # noqa: PLC0415

    public, messages, signatures = signed_messages()
    signing = SigningKey(SEED)
    verify_key = VerifyKey(public)
    pairs = list(zip(messages, signatures, strict=True))

    def sign_many() -> int:
        for message in messages:
            signing.sign(message)
        return len(messages)

    def verify_many() -> int:
        for message, signature in pairs:
            verify_key.verify(message, signature)
        return len(pairs)

    def verify_one() -> int:
        message, signature = pairs[0]
        for _ in range(len(pairs)):
            verify_key.verify(message, signature)
        return len(pairs)

    kinds = [sign_many, verify_many, verify_one]
    rates: dict[Callable[[], int], list[float]] = {fn: [] for fn in kinds}
    for fn in kinds:
        fn()  # warm up
    for r in range(rounds):
        for fn in kinds[r % 3 :] + kinds[: r % 3]:
            start = time.perf_counter()
            done = fn()
            rates[fn].append(rate(done, time.perf_counter() - start))
    sign, verify, one = (statistics.median(rates[fn]) for fn in kinds)
    return sign, verify, one


def verify_all_cores() -> float:
    """Raw verifications/s in one process per core, distinct messages (each worker times its own loop)."""
    with ProcessPoolExecutor(CORES, initializer=_init_verifier) as pool:
        list(pool.map(_nacl_verify_many, [10] * CORES))  # warm up
        seconds = list(pool.map(_nacl_verify_many, [DISTINCT] * CORES))
    return rate(DISTINCT * CORES, max(seconds))


@dataclass
class Beside:
    """A raw rate measured just before and just after a phase: the machine's speed while the phase ran."""

    before: float
    after: float

    @property
    def mean(self) -> float:
        return (self.before + self.after) / 2

    def __str__(self) -> str:
        return f"{self.mean:,.0f}/s (before {self.before:,.0f}, after {self.after:,.0f})"


def primitives(tmp: str, payload: bytes) -> Primitives:
    """Step 1: what this machine does without the ledger around it."""
    out = Primitives()
    message = os.urandom(MESSAGE_BYTES)

    def sha_many(count: int = 200_000) -> int:
        sha = hashlib.sha256
        for _ in range(count):
            sha(message).digest()
        return count

    with status("raw primitives: SQLite, Ed25519, SHA-256"):
        out.sqlite_rows = statistics.median(
            sqlite_inserts(os.path.join(tmp, f"plain{i}.sqlite"), payload, 200_000) for i in range(3)
        )
        out.sqlite_commits = sqlite_commits(os.path.join(tmp, "commits.sqlite"), payload, 1_000)
        out.sign, out.verify, out.verify_one_message = nacl_rates()
        out.verify_all_cores = verify_all_cores()
        out.sha256 = median_rate(sha_many)
        try:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415
        except ImportError:
            pass
        else:
            private = Ed25519PrivateKey.from_private_bytes(SEED)
            public = private.public_key()
            crypto_signature = private.sign(message)

            def crypto_sign_many(count: int = 10_000) -> int:
                for _ in range(count):
                    private.sign(message)
                return count

            def crypto_verify_many(count: int = 5_000) -> int:
                for _ in range(count):
                    public.verify(crypto_signature, message)
                return count

            out.crypto_sign = median_rate(crypto_sign_many)
            out.crypto_verify = median_rate(crypto_verify_many)
    return out


# ------------------------------------------------------------------------------------------------ 2. append


@dataclass
class Append:
    count: int = 0
    seconds: float = 0.0
    batches: list[tuple[int, float]] = field(default_factory=list)  # (notifications, seconds) per call
    initial_seconds: float = 0.0
    breakdown: dict[str, float] = field(default_factory=dict)  # µs per notification


def append_batched(ledger: Ledger, key: PartyKey, work: Workload, count: int) -> Append:
    """Step 2: ``count`` status changes through Ledger.submit, BATCH per call; only the calls are timed."""
    out = Append(count=count)
    start = time.perf_counter()
    ledger.submit(PARTY, [work.initial()], key)
    out.initial_seconds = time.perf_counter() - start
    with progress() as bar:
        task = bar.add_task(f"append: Ledger.submit, {BATCH:,} per call", total=count)
        done = 0
        while done < count:
            drafts = [work.next() for _ in range(min(BATCH, count - done))]
            start = time.perf_counter()
            accepted = ledger.submit(PARTY, drafts, key)
            elapsed = time.perf_counter() - start
            out.batches.append((len(drafts), elapsed))
            out.seconds += elapsed
            if len(accepted) != len(drafts) or any(a.flags for a in accepted):
                raise SystemExit("append: a notification was flagged or dropped; the workload should be clean")
            done += len(drafts)
            bar.advance(task, len(drafts))
    return out


def append_breakdown(ledger: Ledger, key: PartyKey, tmp: str, count: int = 2_000) -> dict[str, float]:
    """Where the time of one notification in Ledger.submit goes (µs each), on a scratch ledger of its own.

    Stages as Ledger.submit runs them: schema (parse_notification), rules (check), prepare (canonical bytes, hash
    and columns), sign (in the writer's process for small batches; by the signing helper on another core for
    large ones), apply, and the store's append (into a scratch store, BATCH rows per transaction).
    """
    treaty = get_treaty(TREATY)
    # a scratch ledger with its own initial data, so that its store's tree follows every append timed below
    scratch = open_store(os.path.join(tmp, "scratch.sqlite"))
    scratch_ledger = Ledger(scratch, ledger.catalog, get_treaty)
    scratch_ledger.register(PARTY, key.public_key, TREATY)
    work = Workload()
    scratch_ledger.submit(PARTY, [work.initial()], key)
    state = scratch_ledger.state(PARTY).copy()
    ctx = Context(
        ledger.catalog, treaty.notifications, lambda _p, _s: True, lambda _u: state, treaty.dates.entry_into_force
    )
    drafts = [work.next() for _ in range(count)]
    stages = ("schema: parse_notification", "rules: check", "prepare: canonical, hash, columns", "sign", "apply")
    times = dict.fromkeys(stages, 0.0)
    entries: list[Entry] = []
    clock = time.perf_counter
    for draft in drafts:
        data = {**draft, "party": PARTY, "seq": state.seq + 1, "prev": state.head}
        t0 = clock()
        payload = parse_notification(data)
        t1 = clock()
        check(state, payload, ctx)
        t2 = clock()
        entry = prepare(payload)
        t3 = clock()
        entry = entry._replace(signature=key.sign(entry.payload))
        t4 = clock()
        apply(state, payload, entry.hash_hex)
        t5 = clock()
        for stage, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            times[stage] += seconds
        entries.append(entry)
    start = clock()
    for first in range(0, count, BATCH):
        scratch.append(entries[first : first + BATCH])
    times[f"store.append ({BATCH:,} per transaction)"] = clock() - start
    scratch.close()
    return {stage: seconds / count * 1e6 for stage, seconds in times.items()}


# ------------------------------------------------------------------------------------------------ fill to N

_WORKER_KEY: list[PartyKey] = []


def _init_sealer(seed: bytes) -> None:
    _WORKER_KEY.append(PartyKey.from_seed(PARTY, seed))


def _seal_chunk(payloads: list[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """In a worker: seal each payload; return its signature and hash (the main process has the bytes)."""
    key = _WORKER_KEY[0]
    return [(entry.signature, entry.hash) for entry in (seal(payload, key) for payload in payloads)]


ENTRY_INSERT = (
    "INSERT INTO ledger_entries (party, seq, type, sent, effective, effect, payload, signature, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def fill(
    ledger: Ledger, path: str, work: Workload, count: int, chunk: int = 5_000, per_transaction: int = 50_000
) -> float:
    """Seal ``count`` more status changes with ``seal`` (signing on every core) and store them; return seconds.

    The payloads are exactly what Ledger.submit would sign (checked against parse_notification on a sample). The
    main process builds and chains them (the chain needs only each payload's hash), workers run ``seal``, and the
    rows go into the ledger's table with plain sqlite3, ``per_transaction`` rows per transaction (setup, not
    measured: the store's own append path is measured in step 2). Replay and verify check every entry later.
    """
    state = ledger.state(PARTY)
    seq, prev = state.seq, state.head
    conn = connect_full(path)
    start = time.perf_counter()
    pending: deque[tuple[Future[list[tuple[bytes, bytes]]], list[tuple[Any, ...]]]] = deque()
    ready: list[tuple[Any, ...]] = []
    with ProcessPoolExecutor(CORES, initializer=_init_sealer, initargs=(SEED,)) as pool, progress() as bar:
        task = bar.add_task("fill: seal on every core, store in bulk", total=count)
        made = 0
        while made < count or pending:
            while made < count and len(pending) < 2 * CORES:
                payloads, rows = [], []
                for _ in range(min(chunk, count - made)):
                    seq += 1
                    data = {**work.next(), "party": PARTY, "seq": seq, "prev": prev}
                    payload = {"format": NOTIFICATION_FORMAT, **data}
                    if seq % 100_000 == 0 and parse_notification(data) != payload:
                        raise SystemExit(f"fill: payload #{seq} differs from what parse_notification returns")
                    body = canonical_validated(payload)
                    digest = hashlib.sha256(body).digest()
                    payloads.append(payload)
                    rows.append((PARTY, seq, *columns_of(payload), body, digest))
                    prev = digest.hex()
                made += len(rows)
                pending.append((pool.submit(_seal_chunk, payloads), rows))
            future, rows = pending.popleft()
            for (party, n, kind, sent, effective, effect, body, digest), (signature, sealed) in zip(
                rows, future.result(), strict=True
            ):
                if sealed != digest:
                    raise SystemExit(f"fill: entry #{n} sealed in a worker is not the one chained")
                ready.append((party, n, kind, sent, effective, effect, body, signature, digest))
            if len(ready) >= per_transaction or (made >= count and not pending):
                conn.execute("BEGIN")
                conn.executemany(ENTRY_INSERT, ready)
                conn.execute("COMMIT")
                ready = []
            bar.advance(task, len(rows))
    conn.close()
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------------ 3. one commit each


def append_commit_each(tmp: str, key: PartyKey, count: int) -> tuple[float, dict[str, float]]:
    """Step 3: ``count`` notifications, one Ledger.submit (one transaction, one fsync) each.

    Returns the rate and, per call (µs), what two fixed parts of a call cost on their own: ``Ledger.party``
    (which submit calls first; it reads the parties table) and ``store.append`` of one entry (a transaction).
    """
    store = open_store(os.path.join(tmp, "commit_each.sqlite"))
    ledger = Ledger(store, builtin_catalog(), get_treaty)
    ledger.register(PARTY, key.public_key, TREATY)
    work = Workload()
    ledger.submit(PARTY, [work.initial()], key)
    seconds = 0.0
    with progress() as bar:
        task = bar.add_task("append: Ledger.submit, one per call", total=count)
        for _ in range(count):
            draft = work.next()
            start = time.perf_counter()
            ledger.submit(PARTY, [draft], key)
            seconds += time.perf_counter() - start
            bar.advance(task)
    calls = min(count, 500)
    start = time.perf_counter()
    for _ in range(calls):
        ledger.party(PARTY)
    parts = {"Ledger.party (SELECT of the parties table)": (time.perf_counter() - start) / calls * 1e6}
    store.close()
    scratch = open_store(os.path.join(tmp, "scratch_one.sqlite"))
    scratch.add_party(PartyRecord(PARTY, key.public_key, TREATY))
    entries = [
        seal({"format": NOTIFICATION_FORMAT, **work.next(), "party": PARTY, "seq": seq, "prev": "0" * 64}, key)
        for seq in range(1, calls + 1)
    ]
    start = time.perf_counter()
    for entry in entries:
        scratch.append([entry])
    parts["store.append of one entry (one transaction)"] = (time.perf_counter() - start) / calls * 1e6
    scratch.close()
    return rate(count, seconds), parts


# ------------------------------------------------------------------------------------------------ 4. replay


def counted(entries: Iterable[Any], bar: Progress, task: Any, every: int = 10_000) -> Iterator[Any]:
    """Pass entries through, advancing a progress bar every ``every``."""
    n = 0
    for n, entry in enumerate(entries, 1):
        yield entry
        if n % every == 0:
            bar.advance(task, every)
    bar.advance(task, n % every)


def check_state(state: PartyState, work: Workload, total: int, head: str) -> None:
    """The replayed state must be what the workload notified."""
    wrong = [
        i
        for i in range(ITEMS)
        if state.items[Workload.uid(i)].status.value != work.status[i]
        or state.items[Workload.uid(i)].warheads != work.warheads[i]
    ]
    if state.seq != total or state.head != head or wrong:
        raise SystemExit(f"replay: state differs from the workload (seq {state.seq}, {len(wrong)} items wrong)")


def replay_breakdown(ledger: Ledger, path: str, subset: int) -> tuple[dict[str, float], str]:
    """Where replay's time goes, on the first ``subset`` entries: µs per entry by stage, and a cProfile listing."""
    store = ledger.store
    clock = time.perf_counter
    until = stamp(subset - 1)  # entry k took effect at second k - 1: the first `subset` entries
    out: dict[str, float] = {}
    start = clock()
    for _ in store.replay_rows(PARTY, until):
        pass
    out["store.replay_rows: read (effect, or payload)"] = clock() - start
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    start = clock()
    cursor = conn.execute(
        "SELECT effect, CASE WHEN effect IS NULL THEN payload END FROM ledger_entries "
        "WHERE party = ? AND seq <= ? ORDER BY seq",
        (PARTY, subset),
    )
    while cursor.fetchmany(10_000):
        pass
    out["  for comparison: plain sqlite3 fetchmany, same rows"] = clock() - start
    conn.close()
    rows = list(store.replay_rows(PARTY, until))  # stages one by one, each result dropped as replay does
    start = clock()
    parsed = [orjson.loads(effect) for effect, _payload in rows if effect is not None]
    out["parse: orjson.loads of the effects"] = clock() - start
    state = replay_store(store, PARTY, stamp(0))  # the initial data: what the effects apply to
    start = clock()
    for kind, effective, content in parsed:
        effect_of(kind)(state, content, effective)
    out["apply: the type's effect"] = clock() - start
    per_entry = {stage: seconds / subset * 1e6 for stage, seconds in out.items()}
    profiler = cProfile.Profile()
    profiler.enable()
    replay_store(store, PARTY, until)
    profiler.disable()
    listing = io.StringIO()
    pstats.Stats(profiler, stream=listing).sort_stats("tottime").print_stats(12)
    return per_entry, listing.getvalue()


# ------------------------------------------------------------------------------------------------ 5. verify


def verify_breakdown(ledger: Ledger, public_key: bytes, sample: int = 5_000) -> dict[str, float]:
    """Where verify_chain's time goes per entry (µs), on a sample of stored entries."""
    entries = list(ledger.store.entries(PARTY, start=2, stop=sample + 1))
    clock = time.perf_counter
    out: dict[str, float] = {}

    def timed(name: str, fn: Callable[[Entry], object]) -> None:
        start = clock()
        for e in entries:
            fn(e)
        out[name] = (clock() - start) / len(entries) * 1e6

    start = clock()
    for _ in check_runs(entries, PARTY, public_key, entries[0].seq, None):
        pass
    out["check_runs (as verify_chain: signatures first, 512 a run)"] = (clock() - start) / len(entries) * 1e6
    prevs = {e.seq: parse(e.payload)["prev"] for e in entries}
    timed("check_entry one by one (all of it)", lambda e: check_entry(e, public_key, e.seq, prevs[e.seq]))
    timed("  keys.verify (PyNaCl)", lambda e: verify(public_key, e.payload, e.signature))
    timed("  is_canonical (fast check, as check_entry)", lambda e: is_canonical(e.payload, parse(e.payload)))
    timed("  for comparison: canonical() re-encoding", lambda e: canonical(dict(parse(e.payload))))
    timed("  parse: orjson.loads", lambda e: parse(e.payload))
    timed("  sha256", lambda e: hashlib.sha256(e.payload).digest())
    parsed = {e.seq: parse(e.payload) for e in entries}
    timed(
        "  for comparison: orjson.dumps, sorted keys",
        lambda e: orjson.dumps(parsed[e.seq], option=orjson.OPT_SORT_KEYS),
    )
    return out


# ------------------------------------------------------------------------------------------------ 6. the peer


@dataclass
class Peer:
    synchronous: int = -1
    write: float = 0.0
    read: float = 0.0
    read_apply: float = 0.0
    app_count: int = 0
    app_write: float = 0.0
    app_read: float = 0.0
    payload_bytes: float = 0.0


def peer_recorder(tmp: str, total: int, out: Peer) -> None:
    """The same notifications, unsigned, as eventsourcing StoredEvents in its SQLite application recorder."""
    from eventsourcing.persistence import StoredEvent  # noqa: PLC0415 - the peer is optional for the project
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore  # noqa: PLC0415

    datastore = SQLiteDatastore(os.path.join(tmp, "eventsourcing.sqlite"))
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA synchronous")
        out.synchronous = int(cursor.fetchone()[0])
    originator = uuid.uuid4()
    work = Workload()
    topic = "detente.bench:Notification"
    seconds, size = 0.0, 0
    with progress() as bar:
        task = bar.add_task("peer: record (insert_events, 1,000 per call)", total=total)
        version = 0
        while version < total:
            dicts = []
            for _ in range(min(BATCH, total - version)):
                draft = work.initial() if version + len(dicts) == 0 else work.next()
                seq = version + len(dicts) + 1
                dicts.append({"format": NOTIFICATION_FORMAT, **draft, "party": PARTY, "seq": seq, "prev": "0" * 64})
            start = time.perf_counter()
            events = [
                StoredEvent(originator, d["seq"], topic, orjson.dumps(d, option=orjson.OPT_SORT_KEYS)) for d in dicts
            ]
            recorder.insert_events(events)
            seconds += time.perf_counter() - start
            size += sum(len(e.state) for e in events if e.originator_version > 1)  # status changes only
            version += len(dicts)
            bar.advance(task, len(dicts))
    out.write = rate(total, seconds)
    out.payload_bytes = size / max(total - 1, 1)

    def read(with_apply: bool, description: str) -> float:
        state = PartyState(PARTY)
        count = 0
        with progress() as bar:
            task = bar.add_task(description, total=total)
            start = time.perf_counter()
            after = None
            while page := recorder.select_events(originator, gt=after, limit=10_000):
                for stored in page:
                    payload = orjson.loads(stored.state)
                    if with_apply:
                        apply(state, payload, "")
                count += len(page)
                after = page[-1].originator_version
                bar.advance(task, len(page))
            seconds = time.perf_counter() - start
        if count != total or (with_apply and state.seq != total):
            raise SystemExit(f"peer: read {count} events of {total}")
        return rate(count, seconds)

    out.read = read(False, "peer: read (select_events + orjson.loads)")
    out.read_apply = read(True, "peer: read + apply (the ledger's apply)")
    datastore.close()


def peer_application(tmp: str, count: int, out: Peer) -> None:
    """For orientation: an eventsourcing Application whose Aggregate records status changes, saved per 1,000."""
    from eventsourcing.application import Application  # noqa: PLC0415
    from eventsourcing.domain import Aggregate, event  # noqa: PLC0415

    class Launchers(Aggregate):
        def __init__(self, party: str) -> None:
            self.party = party
            self.status: dict[str, str] = {}

        @event("StatusChanged")
        def change(self, uid: str, old: str, new: str, sent: str, effective: str, warheads: int) -> None:
            self.status[uid] = new

    class Ledgers(Application[uuid.UUID]):
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": os.path.join(tmp, "es_app.sqlite")}  # noqa: RUF012

    app = Ledgers()
    aggregate = Launchers(PARTY)
    app.save(aggregate)
    work = Workload()
    seconds = 0.0
    with progress() as bar:
        task = bar.add_task("peer: Application + Aggregate, save per 1,000", total=count)
        done = 0
        while done < count:
            drafts = [work.next() for _ in range(min(BATCH, count - done))]
            start = time.perf_counter()
            for d in drafts:
                c = d["content"]
                aggregate.change(c["uid"], c["from"], c["to"], d["sent"], d["effective"], c.get("warheads", 0))
            app.save(aggregate)
            seconds += time.perf_counter() - start
            done += len(drafts)
            bar.advance(task, len(drafts))
    out.app_count = count
    out.app_write = rate(count, seconds)
    with status("peer: repository.get (replay the aggregate)"):
        start = time.perf_counter()
        again = app.repository.get(aggregate.id)
        out.app_read = rate(count, time.perf_counter() - start)
    if again.version != count + 1 or again.status != aggregate.status:
        raise SystemExit("peer: the aggregate replayed differs from the one saved")
    app.close()


# ------------------------------------------------------------------------------------------------ main


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:  # noqa: PLR0915 - one run, phase after phase, in the order the docstring gives
    """Run every phase, then print plain lines and a Rich table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=1_000_000, help="N: notifications in the ledger")
    parser.add_argument("--commit-each", type=int, default=2_000, help="M: notifications submitted one per call")
    parser.add_argument(
        "--append",
        type=int,
        default=200_000,
        help="A: status changes appended through Ledger.submit (the rest of N is sealed directly)",
    )
    parser.add_argument(
        "--peer-app", type=int, default=100_000, help="K: events through an eventsourcing Application (0: skip)"
    )
    args = parser.parse_args()
    total = max(args.notifications, 2)
    appended = min(args.append, total - 1)
    filled = total - 1 - appended
    run_start = time.perf_counter()
    load_start = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix="bench_ledger_")
    try:
        key = PartyKey.from_seed(PARTY, SEED)
        sample = seal(parse_notification({**Workload().next(), "party": PARTY, "seq": 2, "prev": "0" * 64}), key)
        console.print(
            f"ledger bench: N = {total:,} notifications (1 initial data of {ITEMS:,} items + status "
            f"changes), {CORES} cores, {platform.python_implementation()} {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}; status-change payloads ~{len(sample.payload)} bytes; "
            f"files in {tmp}"
        )

        prim = primitives(tmp, sample.payload)
        console.print(f"primitives done ({time.perf_counter() - run_start:.0f} s)")

        ledger_path = os.path.join(tmp, "ledger.sqlite")
        store = open_store(ledger_path)
        ledger = Ledger(store, builtin_catalog(), get_treaty)
        ledger.register(PARTY, key.public_key, TREATY)
        work = Workload()
        # the raw rates each ratio is taken against are measured again just before and after its phase: this
        # machine's speed drifts by several per cent within a run, and a ratio is only fair at the same speed
        sign_before = nacl_rates(3)[0]
        app = append_batched(ledger, key, work, appended)
        sign_beside = Beside(sign_before, nacl_rates(3)[0])
        app.breakdown = append_breakdown(ledger, key, tmp)
        console.print(f"append done: {appended:,} in {app.seconds:.1f} s ({time.perf_counter() - run_start:.0f} s)")
        fill_seconds = fill(ledger, ledger_path, work, filled) if filled else 0.0
        head = store.head(PARTY)
        if head is None or head.seq != total:
            raise SystemExit(f"fill: the ledger holds {0 if head is None else head.seq} entries, not {total}")
        console.print(f"fill done: {filled:,} in {fill_seconds:.1f} s ({time.perf_counter() - run_start:.0f} s)")

        commit_each, commit_parts = append_commit_each(tmp, key, args.commit_each)
        console.print(f"one commit each done ({time.perf_counter() - run_start:.0f} s)")

        with progress() as bar:
            task = bar.add_task("replay_store(store, party)", total=None)
            start = time.perf_counter()
            state = replay_store(store, PARTY)
            replay_seconds = time.perf_counter() - start
            bar.update(task, total=total, completed=total)
        check_state(state, work, total, head.hash_hex)
        replay_rate = rate(total, replay_seconds)
        replay_parts, replay_profile = ({}, "")
        subset = min(total, 200_000)
        if replay_rate < REPLAY_TARGET:
            with status("replay below target: breakdown and cProfile"):
                replay_parts, replay_profile = replay_breakdown(ledger, ledger_path, subset)
        console.print(f"replay done ({time.perf_counter() - run_start:.0f} s)")

        verify_before = nacl_rates(3)[1]
        with progress() as bar:
            task = bar.add_task("verify_chain (one core)", total=total)
            start = time.perf_counter()
            checked = sum(1 for _ in verify_chain(counted(store.entries(PARTY), bar, task), PARTY, key.public_key))
            chain_seconds = time.perf_counter() - start
        verify_beside = Beside(verify_before, nacl_rates(3)[1])
        all_before = verify_all_cores()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with progress() as bar:
            bar.add_task(f"verify_store_parallel ({CORES} processes)", total=None)
            start = time.perf_counter()
            # each process opens the file and reads its own ranges: the caller only joins them
            reopen = functools.partial(open_store, ledger_path)
            checked_parallel = verify_store_parallel(store, PARTY, key.public_key, total, reopen=reopen)
            parallel_seconds = time.perf_counter() - start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        all_beside = Beside(all_before, verify_all_cores())
        if checked != total or checked_parallel != total:
            raise SystemExit(f"verify: {checked:,} and {checked_parallel:,} entries verified, not {total:,}")
        verify_parts = verify_breakdown(ledger, key.public_key)
        console.print(f"verify done ({time.perf_counter() - run_start:.0f} s)")
        store.close()

        peer = Peer()
        peer_recorder(tmp, total, peer)
        if args.peer_app > 0:
            peer_application(tmp, args.peer_app, peer)
        console.print(f"peer done ({time.perf_counter() - run_start:.0f} s)")
        with status("raw Ed25519 rates again, to see whether the machine's speed drifted"):
            sign_end, verify_end, _ = nacl_rates()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    run_seconds = time.perf_counter() - run_start
    load_end = os.getloadavg()

    # ---------------------------------------------------------------------------------------------- report
    append_rate = rate(app.count, app.seconds)
    tenth = max(len(app.batches) // 10, 1)
    first_rate = rate(sum(n for n, _ in app.batches[:tenth]), sum(t for _, t in app.batches[:tenth]))
    last_rate = rate(sum(n for n, _ in app.batches[-tenth:]), sum(t for _, t in app.batches[-tenth:]))
    chain_rate = rate(total, chain_seconds)
    parallel_rate = rate(total, parallel_seconds)
    # targets are judged against the raw rates measured beside each phase; the start-of-run ratios are shown too
    append_ratio = append_rate / sign_beside.mean
    chain_ratio = chain_rate / verify_beside.mean
    parallel_ratio = parallel_rate / (verify_beside.mean * CORES)

    print()
    print(
        f"ledger bench, {dt.date.today()}, {CORES} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; whole run {run_seconds:.0f} s"
    )
    print(
        f"load average (1, 5, 15 min) at start {', '.join(f'{x:.2f}' for x in load_start)}, at end "
        f"{', '.join(f'{x:.2f}' for x in load_end)} (other work on the machine slows every figure)"
    )
    print(
        f"N = {total:,} notifications in the ledger: 1 initial data ({ITEMS:,} items) + {total - 1:,} status "
        f"changes (~{len(sample.payload)}-byte payloads); append measured on {appended:,} through Ledger.submit, "
        f"{filled:,} more sealed directly with seal ({fill_seconds:.1f} s on {CORES} cores); replay and verify "
        f"on all {total:,}"
    )
    print("-- raw primitives")
    print(
        f"raw SQLite insert (executemany, WAL + synchronous=FULL, {BATCH:,} rows per commit): "
        f"{prim.sqlite_rows:,.0f} rows/s"
    )
    print(f"raw SQLite commit (one row per transaction, WAL + synchronous=FULL): {prim.sqlite_commits:,.0f} commits/s")
    print(
        f"raw Ed25519 sign (PyNaCl, {MESSAGE_BYTES}-byte messages, {DISTINCT:,} distinct, one core): "
        f"{prim.sign:,.0f} signatures/s"
    )
    print(
        f"raw Ed25519 verify (PyNaCl, {MESSAGE_BYTES}-byte messages, {DISTINCT:,} distinct, one core): "
        f"{prim.verify:,.0f} verifications/s; on all {CORES} cores ({CORES} processes): "
        f"{prim.verify_all_cores:,.0f}/s; one message verified again and again: {prim.verify_one_message:,.0f}/s"
    )
    if prim.crypto_sign is None or prim.crypto_verify is None:
        print("raw Ed25519 (cryptography): not importable here, skipped")
    else:
        print(
            f"raw Ed25519 (cryptography, one core): sign {prim.crypto_sign:,.0f}/s, verify {prim.crypto_verify:,.0f}/s"
        )
    print(
        f"raw Ed25519 (PyNaCl, one core) measured again at the end of the run: sign {sign_end:,.0f}/s, "
        f"verify {verify_end:,.0f}/s (each ratio below is judged against the raw rate measured just before and "
        "after its own phase)"
    )
    print(
        f"raw SHA-256 ({MESSAGE_BYTES}-byte messages): {prim.sha256:,.0f} hashes/s "
        f"({prim.sha256 * MESSAGE_BYTES / 1e6:,.0f} MB/s)"
    )
    print("-- the ledger")
    print(
        f"append (signed, batched {BATCH}): {append_rate:,.0f} notifications/s = {append_ratio:.3f} x raw sign rate"
        f" beside it, {sign_beside}   [target >= {APPEND_TARGET}: {verdict(append_ratio >= APPEND_TARGET)}; "
        f"{append_rate / prim.sign:.3f} x the start-of-run rate; on {appended:,}; first tenth "
        f"{first_rate:,.0f}/s, last tenth {last_rate:,.0f}/s; the initial data of {ITEMS:,} items took "
        f"{app.initial_seconds * 1e3:.0f} ms]"
    )
    print("   per notification in Ledger.submit (µs, measured stage by stage on 2,000 more):")
    for stage, micros in app.breakdown.items():
        print(f"     {stage:<44} {micros:8.1f} µs")
    print(f"     {'= 1 / batched rate':<44} {1e6 / append_rate:8.1f} µs")
    print(
        f"append (signed, one commit each): {commit_each:,.0f} notifications/s   [on {args.commit_each:,}, "
        f"a separate ledger; raw SQLite commits: {prim.sqlite_commits:,.0f}/s]"
    )
    print("   per call, parts measured on their own (µs):")
    for stage, micros in commit_parts.items():
        print(f"     {stage:<52} {micros:8.1f} µs")
    print(f"     {'= 1 / one-commit-each rate':<52} {1e6 / commit_each:8.1f} µs")
    print(
        f"replay: {replay_rate:,.0f} notifications/s   [target >= {REPLAY_TARGET:,}/s: "
        f"{verdict(replay_rate >= REPLAY_TARGET)}; on {total:,}]"
    )
    if replay_parts:
        print(f"   where replay's time goes (µs per entry, first {subset:,} entries):")
        for stage, micros in replay_parts.items():
            print(f"     {stage:<52} {micros:6.2f} µs")
        print(f"     {'= 1 / replay rate':<52} {1e6 / replay_rate:6.2f} µs")
        print(f"   cProfile of replay over the first {subset:,} entries (sorted by own time):")
        lines = [line for line in replay_profile.splitlines() if line.strip()]
        start_at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        for line in lines[start_at:]:
            print(f"     {line.rstrip()}")
    print(
        f"verify_chain (one core): {chain_rate:,.0f} notifications/s = {chain_ratio:.3f} x raw verify rate (one core)"
        f" beside it, {verify_beside}   [target >= {VERIFY_TARGET}: {verdict(chain_ratio >= VERIFY_TARGET)}; "
        f"{chain_rate / prim.verify:.3f} x the start-of-run rate; {chain_rate / prim.verify_one_message:.3f} x the "
        f"start-of-run one-message rate; on {total:,}]"
    )
    print(
        f"verify_parallel ({CORES} cores): {parallel_rate:,.0f} notifications/s = {parallel_ratio:.3f} x raw verify "
        f"rate (one core, beside verify_chain) x {CORES} cores   [target >= {VERIFY_TARGET}: "
        f"{verdict(parallel_ratio >= VERIFY_TARGET)}; {parallel_rate / all_beside.mean:.3f} x the {CORES}-process "
        f"raw rate beside it, {all_beside}; {parallel_rate / (prim.verify * CORES):.3f} x the start-of-run rate x "
        f"{CORES}; on {total:,}; peak RSS {rss_before / 1024:,.0f} MB before, {rss_after / 1024:,.0f} MB after]"
    )
    print("   per entry checked (µs, on 5,000 entries read beforehand):")
    for stage, micros in verify_parts.items():
        print(f"     {stage:<58} {micros:8.1f} µs")
    print(f"     {'= 1 / verify_chain rate (with store read)':<58} {1e6 / chain_rate:8.1f} µs")
    print(f"-- the peer: eventsourcing, SQLite (WAL, synchronous={peer.synchronous}), unsigned, unvalidated")
    print(
        f"eventsourcing record (SQLiteApplicationRecorder.insert_events, {BATCH:,} per call, orjson payloads "
        f"~{peer.payload_bytes:.0f} bytes): {peer.write:,.0f} events/s   [on {total:,}]"
    )
    print(f"eventsourcing read (select_events pages of 10,000 + orjson.loads): {peer.read:,.0f} events/s")
    print(f"eventsourcing read + replay (the ledger's apply): {peer.read_apply:,.0f} events/s")
    if peer.app_count:
        print(
            f"eventsourcing Application + Aggregate (save per {BATCH:,}, stdlib JSON transcoder): record "
            f"{peer.app_write:,.0f} events/s, repository.get {peer.app_read:,.0f} events/s   "
            f"[on {peer.app_count:,}]"
        )

    table = Table(title=f"Ledger: {total:,} notifications, {CORES} cores")
    for column, justify in (
        ("measure", "left"),
        ("on", "right"),
        ("rate /s", "right"),
        ("vs raw", "right"),
        ("target", "left"),
        ("", "left"),
    ):
        table.add_column(column, justify=justify)
    table.add_row("raw SQLite insert, 1,000 rows per commit", "200,000", f"{prim.sqlite_rows:,.0f}", "", "", "")
    table.add_row("raw SQLite commit, one row each", "1,000", f"{prim.sqlite_commits:,.0f}", "", "", "")
    table.add_row("raw Ed25519 sign (PyNaCl), one core", "", f"{prim.sign:,.0f}", "", "", "")
    table.add_row("raw Ed25519 verify (PyNaCl), one core", "", f"{prim.verify:,.0f}", "", "", "")
    table.add_row(f"raw Ed25519 verify (PyNaCl), {CORES} cores", "", f"{prim.verify_all_cores:,.0f}", "", "", "")
    table.add_row("raw SHA-256", "", f"{prim.sha256:,.0f}", "", "", "")
    table.add_row(
        f"append, signed, batched {BATCH:,}",
        f"{appended:,}",
        f"{append_rate:,.0f}",
        f"{append_ratio:.3f} x sign",
        f">= {APPEND_TARGET} x sign",
        verdict(append_ratio >= APPEND_TARGET),
    )
    table.add_row(
        "append, signed, one commit each",
        f"{args.commit_each:,}",
        f"{commit_each:,.0f}",
        f"{commit_each / prim.sqlite_commits:.2f} x commit",
        "",
        "",
    )
    table.add_row(
        "replay",
        f"{total:,}",
        f"{replay_rate:,.0f}",
        "",
        f">= {REPLAY_TARGET:,}/s",
        verdict(replay_rate >= REPLAY_TARGET),
    )
    table.add_row(
        "verify_chain, one core",
        f"{total:,}",
        f"{chain_rate:,.0f}",
        f"{chain_ratio:.3f} x verify",
        f">= {VERIFY_TARGET} x verify",
        verdict(chain_ratio >= VERIFY_TARGET),
    )
    table.add_row(
        f"verify_parallel, {CORES} cores",
        f"{total:,}",
        f"{parallel_rate:,.0f}",
        f"{parallel_ratio:.3f} x verify x {CORES}",
        f">= {VERIFY_TARGET} x verify x {CORES}",
        verdict(parallel_ratio >= VERIFY_TARGET),
    )
    table.add_row("eventsourcing record (recorder)", f"{total:,}", f"{peer.write:,.0f}", "", "", "")
    table.add_row("eventsourcing read (recorder)", f"{total:,}", f"{peer.read:,.0f}", "", "", "")
    table.add_row("eventsourcing read + ledger apply", f"{total:,}", f"{peer.read_apply:,.0f}", "", "", "")
    if peer.app_count:
        table.add_row("eventsourcing Application save", f"{peer.app_count:,}", f"{peer.app_write:,.0f}", "", "", "")
        table.add_row("eventsourcing repository.get", f"{peer.app_count:,}", f"{peer.app_read:,.0f}", "", "", "")
    console.print(table)


if __name__ == "__main__":
    main()
