"""Benchmark: two nodes on loopback — the exchange, tile reads, add-checkpoint — and a load test with many readers.

One run, every file in a temporary directory removed at the end. Two nodes, US and RU under New START, each a
uvicorn server on a thread of this process (SQLite stores, the nodes' clock fixed on 2021-03-01 as in the node
tests), each with the initial data of a shipped force (US ``us-2020-09``, 210 KB; RU ``ru-2022``) and then status
changes toggling its deployed launchers deployed <-> non-deployed, one second apart, all valid.

1. The exchange: N status changes (5,000) POSTed as one batch to US's ``/detente/submit``, timed from the request
   until US's store holds RU's cosignature at the new size (RU fetched the signed bundles, verified and mirrored
   every entry, recorded and cosigned the checkpoint; US's pusher kept the cosignature). Beside it, just before
   and just after, the same N drafts through ``Ledger.submit`` on two fresh SQLite stores with US's key: the local
   batched append, the mean of the two. Target: the exchange at least 0.3 x the local rate (median of the rounds'
   ratios).
2. Tile reads: the full level-0 hash tile (8,192 bytes), a full signed bundle of status changes and the signed
   bundle holding the initial data, each GET from US against the same bytes from a static file served by the same
   server process, in the same FastAPI app, two ways: Starlette's ``StaticFiles`` and a plain route that reads
   the file from disk on each request (the node's routes are plain routes too). The faster of the two is the
   static rate. Target: at least 0.5 x the static rate.
3. add-checkpoint: POSTs to RU of the checkpoint it last cosigned, ``old`` its size (a repeated delivery: checked,
   answered 200 with the cosignature), against a trivial POST route on the same server taking the same body.
   Target: at least 0.5 x the trivial POST rate.
4. Load test: both nodes read by R concurrent readers (checkpoints, hash tiles, signed bundles, status pages)
   while each party submits a few batches its peer mirrors; it stops after Q requests or S seconds, whichever
   comes first. Figures: requests/s and p50/p95/p99 latency. Target: no error.

The HTTP clients of phases 2-4 run in a separate process (asyncio, httpx, keep-alive connections), so that they
do not share the servers' interpreter; its CPU share is reported, to tell a saturated client from a slow server.
Rates of phases 2 and 3 are medians of interleaved rounds (the machine's speed drifts).

Checks on the way, any failure printing ``CHECK FAILED`` and exiting 1: RU's mirror of US (and US's of RU) equals
the source log entry for entry, and US's log equals the local ledger byte for byte (Ed25519 signs
deterministically); every answer is 200; hash tiles equal the leaf hashes computed here, bundles the entries
framed here, with signatures that verify under the party's key; every cosignature verifies under RU's key
(checked here from the C2SP formats, with PyNaCl); no alarm is raised.

Run:  .venv/bin/python bench/bench_node.py [--notifications N] [--rounds K] [--readers R] [--json]
      .venv/bin/python bench/bench_node.py --small     (seconds: 600 notifications, a few hundred requests)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from rich.console import Console
from rich.table import Table

from _finish import finish
from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey
from detente.data.forces import load_force
from detente.ledger import Ledger, format_time, initial_data
from detente.node import Node, NodeConfig, add_operator, add_peer, init_node, load_node, log_key, running
from detente.node.exchange import cosigned_size
from detente.store import open_store
from detente.treaty import get_treaty

HOST = "127.0.0.1"
TREATY = "new-start"
FORCES = {"US": "us-2020-09", "RU": "ru-2022"}
CLOCK = dt.datetime(2021, 3, 1, 12, tzinfo=dt.UTC)  # New START in force, before Russia went silent
ENTRY_INTO_FORCE = dt.datetime(2011, 2, 5, tzinfo=dt.UTC)
CHANGES_FROM = dt.datetime(2011, 3, 1, tzinfo=dt.UTC)  # one second apart from here: hours, long before the clock
EXCHANGE_TARGET = 0.3  # x the local batched append
TILE_TARGET = 0.5  # x a static file of the same size
WITNESS_TARGET = 0.5  # x a trivial POST
RU_CHANGES = 600  # RU's log before the runs: two full tiles, so readers have RU tiles to read too
CLIENT_BUSY = 0.8  # a client process busier than this may be what limits a rate
WAIT = 300.0  # seconds any one exchange may take before the bench gives up on it


def fixed_clock() -> dt.datetime:
    """Both nodes' clock."""
    return CLOCK


def free_port() -> int:
    """A TCP port free on loopback just now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def as_json(draft: dict[str, Any]) -> dict[str, Any]:
    """A draft as the node receives it: through JSON, times as canonical text."""
    result: dict[str, Any] = json.loads(json.dumps(draft, default=format_time))
    return result


# --------------------------------------------------------------------------------------------- the workload


class Workload:
    """A party's initial data from a shipped force, then status changes toggling its deployed launchers in turn."""

    def __init__(self, party: str) -> None:
        self.party = party
        when = ENTRY_INTO_FORCE
        self.initial = as_json(initial_data(load_force(FORCES[party], builtin_catalog()), party, when, when))
        self.launchers = [
            (item["uid"], item["warheads"])
            for item in self.initial["content"]["items"]
            if item["kind"] == "launcher" and item["status"] == "deployed" and "count" not in item
        ]
        self.deployed = dict.fromkeys((uid for uid, _ in self.launchers), True)
        self.sent = 0

    def changes(self, n: int) -> list[dict[str, Any]]:
        """The next ``n`` status changes, each valid after the ones before."""
        out = []
        for _ in range(n):
            uid, warheads = self.launchers[self.sent % len(self.launchers)]
            self.sent += 1
            up = not self.deployed[uid]
            self.deployed[uid] = up
            content: dict[str, Any] = {"uid": uid, "from": "non-deployed", "to": "deployed"}
            if up:
                content["warheads"] = warheads
            else:
                content["from"], content["to"] = "deployed", "non-deployed"
            when = format_time(CHANGES_FROM + dt.timedelta(seconds=self.sent))
            out.append({"type": "status-change", "sent": when, "effective": when, "content": content})
        return out


# --------------------------------------------------------------------------------------------- the nodes


@dataclass
class Side:
    """A running node: its configuration, the open node, its URL, an operator token and its static folder."""

    config: NodeConfig
    node: Node
    url: str
    token: str
    static: Path
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=WAIT))

    def submit(self, drafts: list[dict[str, Any]] | bytes) -> httpx.Response:
        """POST notifications as the node's operator (a body prepared beforehand, or drafts)."""
        body = drafts if isinstance(drafts, bytes) else json.dumps(drafts).encode()
        return self.client.post(
            f"{self.url}/detente/submit",
            content=body,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )


def bench_routes(app: FastAPI, folder: Path) -> None:
    """The comparison routes, added to a node's own app: a static file two ways, and a trivial POST."""
    app.mount("/bench/static", StaticFiles(directory=folder), name="bench-static")

    @app.get("/bench/file/{name}", response_class=Response)
    def from_disk(name: str) -> Response:
        path = folder / name
        if path.parent != folder or not path.is_file():
            return Response(status_code=404)
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}  # as the node's tiles
        if name.endswith(".gz"):
            headers["Content-Encoding"] = "gzip"
        return Response(path.read_bytes(), media_type="application/octet-stream", headers=headers)

    @app.post("/bench/trivial", response_class=Response)
    async def trivial(request: Request) -> Response:
        await request.body()
        return Response(b"ok\n", media_type="text/plain; charset=utf-8")


@contextlib.contextmanager
def serving(config: NodeConfig, port: int, root: Path) -> Iterator[Side]:
    """A node served on loopback (``detente.node.running``) until the block ends; then its store is closed."""
    with Node(load_node(config.directory), clock=fixed_clock) as node:
        token = add_operator(node.config, "bench")
        with running(node, port, host=HOST) as server:
            static = root / f"static-{config.party}"
            static.mkdir()
            app = server.config.app  # the node's own FastAPI app: the comparison routes join its routes
            if not isinstance(app, FastAPI):
                raise SystemExit(f"the node is served as {type(app).__name__}, not a FastAPI app")
            bench_routes(app, static)
            side = Side(node.config, node, f"http://{HOST}:{port}", token, static)
            try:
                yield side
            finally:
                side.client.close()


@contextlib.contextmanager
def two_nodes(root: Path) -> Iterator[tuple[Side, Side]]:
    """US and RU, each the other's peer, running."""
    us = init_node(root / "us", "US", TREATY)
    ru = init_node(root / "ru", "RU", TREATY)
    us_port, ru_port = free_port(), free_port()
    us = add_peer(us, "RU", f"http://{HOST}:{ru_port}", log_key(ru))
    ru = add_peer(ru, "US", f"http://{HOST}:{us_port}", log_key(us))
    with serving(us, us_port, root) as a, serving(ru, ru_port, root) as b:
        yield a, b


def cosigned_by_peer(side: Side, peer: str) -> int:
    """The largest size of the side's log its peer's kept cosignature covers."""
    configured = side.config.peer(peer)
    if configured is None:
        raise SystemExit(f"the {side.config.party} node has no peer {peer}")
    return cosigned_size(side.node, configured)


def wait_cosigned(side: Side, peer: str, size: int, poll: float = 0.01) -> float:
    """Wait until the side holds its peer's cosignature at ``size``; the monotonic time it was seen."""
    deadline = time.monotonic() + WAIT
    while cosigned_by_peer(side, peer) < size:
        if time.monotonic() > deadline:
            raise SystemExit(f"CHECK FAILED: {peer} did not cosign {side.config.party}'s log at size {size}")
        time.sleep(poll)
    return time.monotonic()


# --------------------------------------------------------------------------------------------- the oracle


def leaf(payload: bytes) -> bytes:
    """RFC 9162 leaf hash, written out here."""
    return hashlib.sha256(b"\x00" + payload).digest()


def framed_signed(entries: list[Any]) -> bytes:
    """A signed bundle as docs/node.md describes it: a 32-bit length, the signature, the payload, per entry."""
    return b"".join((64 + len(e.payload)).to_bytes(4, "big") + e.signature + e.payload for e in entries)


def cosignature_problem(note: str, line: str, name: str, public_key: bytes) -> str | None:
    """Why ``line`` is not ``name``'s C2SP cosignature/v1 of the checkpoint ``note``, or None if it is."""
    prefix = f"\u2014 {name} "
    if not line.startswith(prefix):
        return f"the line is not signed by {name}: {line[:60]!r}"
    raw = base64.b64decode(line[len(prefix) :])
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public_key).digest()[:4]
    if len(raw) != 4 + 8 + 64 or raw[:4] != key_id:
        return "the line's key id or length is not a cosignature/v1 by that key"
    body = note.split("\n\n", 1)[0] + "\n"
    stamp = int.from_bytes(raw[4:12], "big")
    message = f"cosignature/v1\ntime {stamp}\n{body}".encode()
    try:
        VerifyKey(public_key).verify(message, raw[12:])
    except BadSignatureError:
        return "the cosignature does not verify"
    if stamp != int(CLOCK.timestamp()):
        return f"the cosignature's time {stamp} is not the node's clock"
    return None


def same_entries(a: list[Any], b: list[Any]) -> bool:
    """Whether two lists of entries are the same, field by stored field."""
    return [(e.seq, e.payload, e.signature, e.hash) for e in a] == [(e.seq, e.payload, e.signature, e.hash) for e in b]


# --------------------------------------------------------------------------------------------- the readers


@dataclass(frozen=True)
class Target:
    """One kind of request a reader makes, and what a good answer is."""

    name: str
    url: str
    method: str = "GET"
    body: bytes | None = None
    digest: str | None = None  # SHA-256 of the raw answer (as sent, compressed or not)
    prefix: bytes = b""
    weight: int = 1


def hammer(targets: list[Target], count: int, seconds: float, concurrency: int) -> dict[str, Any]:
    """Make ``count`` requests (or as many as ``seconds`` allow) over ``concurrency`` connections; run in a process.

    Requests cycle through the targets by weight. Each answer must be 200 and match its target, its raw bytes
    read as sent (no decompression), as a cache or a mirror would take them.
    """
    return asyncio.run(_hammer(targets, count, seconds, concurrency))


class Connection:
    """A lean HTTP/1.1 keep-alive client connection (asyncio streams, answers framed by Content-Length).

    httpx costs the client 0.4 ms (``httpx.Client``) to 1 ms (``AsyncClient``) of CPU per request on this
    machine, as much as the static server's own work: the client would be measured, not the server. This one
    costs about 0.07 ms. Every server answer here carries a Content-Length; one that does not is an error.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        """Send one request; (status, raw body)."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body is not None:
            head += f"Content-Length: {len(body)}\r\nContent-Type: text/plain\r\n"
        try:
            writer.write(head.encode() + b"\r\n" + (body or b""))
            await writer.drain()
            lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
            if "content-length" not in fields:
                raise ValueError(f"an answer without Content-Length ({fields.get('transfer-encoding', '')})")
            return status, await reader.readexactly(int(fields["content-length"]))
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.close()
            raise

    def close(self) -> None:
        """Drop the connection (the next request opens another)."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _hammer(targets: list[Target], count: int, seconds: float, concurrency: int) -> dict[str, Any]:
    order = [i for i, t in enumerate(targets) for _ in range(t.weight)]
    where = [urlsplit(t.url) for t in targets]
    latencies: list[list[float]] = [[] for _ in targets]
    errors: list[str] = []
    issued = 0
    deadline = time.monotonic() + seconds

    async def reader(pool: dict[tuple[str, int], Connection]) -> None:
        nonlocal issued
        while issued < count and time.monotonic() < deadline:
            i = order[issued % len(order)]
            issued += 1
            target, url = targets[i], where[i]
            connection = pool[url.hostname or HOST, url.port or 80]
            start = time.perf_counter()
            try:
                status, raw = await connection.request(target.method, url.path, target.body)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                errors.append(f"{target.name}: {type(exc).__name__}: {exc}")
                continue
            latencies[i].append(time.perf_counter() - start)
            if status != 200:
                errors.append(f"{target.name}: {status} {raw[:200]!r}")
            elif target.digest is not None and hashlib.sha256(raw).hexdigest() != target.digest:
                errors.append(f"{target.name}: {len(raw)} bytes, not the expected ones")
            elif not raw.startswith(target.prefix):
                errors.append(f"{target.name}: answer begins {raw[:60]!r}")

    servers = {(url.hostname or HOST, url.port or 80) for url in where}
    pools = [{server: Connection(*server) for server in servers} for _ in range(concurrency)]
    for pool in pools:  # connected before the clock starts: each reader keeps one connection to each server
        for connection in pool.values():
            connection.streams = await asyncio.open_connection(connection.host, connection.port)
    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(reader(pool) for pool in pools))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    for pool in pools:
        for connection in pool.values():
            connection.close()
    done = sum(len(x) for x in latencies)
    return {
        "requests": issued,
        "answered": done,
        "seconds": wall,
        "per_second": done / wall if wall else 0.0,
        "client_cpu_share": cpu / wall if wall else 0.0,
        "latencies": {t.name: x for t, x in zip(targets, latencies, strict=True)},
        "errors": len(errors),
        "error_samples": errors[:10],
    }


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 in milliseconds."""
    if len(values) < 2:
        only = values[0] * 1000 if values else float("nan")
        return {"p50_ms": only, "p95_ms": only, "p99_ms": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


# --------------------------------------------------------------------------------------------- the run


@dataclass
class Run:
    """Parameters, figures and failures of one run."""

    n: int
    rounds: int
    per_round: int
    concurrency: int
    readers: int
    load_requests: int
    load_seconds: float
    load_batches: int
    load_batch: int
    say: Callable[[str], None]
    pool: ProcessPoolExecutor
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def fail(self, why: str) -> None:
        """Note a failed check."""
        self.failures.append(why)

    def remote(self, targets: list[Target], count: int, seconds: float, concurrency: int) -> Future[dict[str, Any]]:
        """Start the readers in the client process."""
        return self.pool.submit(hammer, targets, count, seconds, concurrency)

    def rate(self, target: Target) -> float:
        """One round of ``per_round`` requests to one target; requests/s, with the answers checked."""
        result = self.remote([target], self.per_round, WAIT, self.concurrency).result()
        if result["errors"]:
            self.fail(f"{target.name}: {result['errors']} bad answers, e.g. {result['error_samples'][0]}")
        share = result["client_cpu_share"]
        self.figures.setdefault("client_cpu_share", {}).setdefault(target.name, []).append(share)
        if share > CLIENT_BUSY:
            self.say(f"  note: the client was busy {share:.0%} of the time for {target.name}: it may be what was timed")
        return float(result["per_second"])

    def compare(self, ours: Target, theirs: list[Target]) -> tuple[list[float], list[list[float]]]:
        """Interleaved rounds: the rate of ``ours`` beside each of ``theirs``, the order reversed every round."""
        mine: list[float] = []
        others: list[list[float]] = [[] for _ in theirs]
        for r in range(self.rounds):
            jobs = [(ours, mine), *zip(theirs, others, strict=True)]
            for target, out in jobs[:: -1 if r % 2 else 1]:
                out.append(self.rate(target))
        return mine, others


def local_ledger(path: Path, key: PartyKey, initial: dict[str, Any]) -> Ledger:
    """A fresh local ledger for US on SQLite, with US's key and clock, its initial data appended."""
    ledger = Ledger(open_store(str(path)), [key], builtin_catalog(), get_treaty, clock=fixed_clock)
    ledger.register("US", key.public_key, TREATY)
    ledger.submit("US", [initial])
    return ledger


def exchange(run: Run, us: Side, ru: Side, root: Path, work: Workload) -> None:
    """Phase 1: N notifications from submit on US to RU's cosignature kept on US, beside the local append.

    Each batch is appended locally just before the exchange (on one local ledger) and just after it (on another):
    the local rate is the mean of the two, as the machine's speed drifts.
    """
    key = us.config.key()
    before, after = (local_ledger(root / f"local-{i}.sqlite", key, work.initial) for i in (1, 2))
    with before, after:
        exchanged, appended, answers, mirrored = [], [], [], []
        for _ in range(run.rounds):
            drafts = work.changes(run.n)
            body = json.dumps(drafts).encode()
            size = us.node.store.tree_size("US") + run.n
            start = time.perf_counter()
            before.submit("US", drafts)
            first = run.n / (time.perf_counter() - start)
            start = time.monotonic()
            answer = us.submit(body)
            answered = time.monotonic()
            if answer.status_code != 200:
                raise SystemExit(f"CHECK FAILED: the submission was refused: {answer.text[:500]}")
            done = wait_cosigned(us, "RU", size)
            exchanged.append(run.n / (done - start))
            answers.append(answered - start)
            mirrored.append(done - answered)
            start = time.perf_counter()
            after.submit("US", drafts)
            appended.append((first + run.n / (time.perf_counter() - start)) / 2)
            seqs = [a["seq"] for a in answer.json()["accepted"]]
            if seqs != list(range(size - run.n + 1, size + 1)):
                run.fail(f"the node answered seqs {seqs[:3]}…, not {size - run.n + 1}..{size}")
        mine = list(us.node.store.entries("US"))
        for local in (before, after):
            if not same_entries(mine, list(local.store.entries("US"))):
                run.fail("US's log differs from the same drafts appended locally with US's key")
    if not same_entries(mine, list(ru.node.store.entries("US"))):
        run.fail("RU's mirror of the US log differs from US's log")
    notes = {k.size: k.note for k in us.node.store.checkpoints("US")}
    kept = [c for c in us.node.store.cosignatures("US") if c.cosigner == ru.config.origin]
    if len(kept) < run.rounds:
        run.fail(f"US kept {len(kept)} cosignatures by RU, fewer than the {run.rounds} exchanges")
    for c in kept:
        problem = cosignature_problem(notes[c.size], c.line, ru.config.origin, ru.node.key.public_key)
        if problem is not None:
            run.fail(f"RU's cosignature of US at size {c.size}, kept on US: {problem}")
    ratios = [e / a for e, a in zip(exchanged, appended, strict=True)]
    ratio = statistics.median(ratios)
    run.figures["exchange"] = {
        "notifications": run.n,
        "rounds": run.rounds,
        "exchange_per_second": exchanged,
        "local_append_per_second": appended,
        "ratios": ratios,
        "ratio": ratio,
        "target": EXCHANGE_TARGET,
        "seconds_to_answer": answers,
        "seconds_answer_to_cosignature": mirrored,
    }
    run.say(
        f"exchange of {run.n:,}: {statistics.median(exchanged):,.0f}/s (answered in {statistics.median(answers):.2f} "
        f"s, cosigned {statistics.median(mirrored):.2f} s later); local append {statistics.median(appended):,.0f}/s; "
        f"ratio {ratio:.3f} (rounds: {', '.join(f'{x:.3f}' for x in ratios)})"
    )
    run.rows.append(
        (
            f"exchange of {run.n:,} (submit on US → RU's cosignature kept on US)",
            f"{statistics.median(exchanged):,.0f}/s vs local append {statistics.median(appended):,.0f}/s",
            f"{ratio:.3f} ≥ {EXCHANGE_TARGET}",
            "yes" if ratio >= EXCHANGE_TARGET else "NO",
        )
    )


def tile_reads(run: Run, us: Side) -> None:
    """Phase 2: tiles and bundles from the node against the same bytes as static files on the same server."""
    store = us.node.store
    entries = {e.seq: e for e in store.entries("US", 1, 512)}
    public_key = us.node.key.public_key
    expected = {
        "tile/0/000": b"".join(leaf(entries[s].payload) for s in range(1, 257)),
        "signed/001": framed_signed([entries[s] for s in range(257, 513)]),
        "signed/000": framed_signed([entries[s] for s in range(1, 257)]),
    }
    for seq in range(1, 513):
        try:
            VerifyKey(public_key).verify(entries[seq].payload, entries[seq].signature)
        except BadSignatureError:
            run.fail(f"US #{seq}'s signature does not verify under US's key")
    figures: dict[str, Any] = {}
    for path, want in expected.items():
        raw = httpx.get(f"{us.url}/{path}").content  # decompressed if gzip
        if raw != want:
            run.fail(f"US's {path} is not the {len(want):,} bytes computed here from its entries")
            continue
        with httpx.stream("GET", f"{us.url}/{path}") as response:  # the raw bytes as sent, gzip or not
            wire = b"".join(response.iter_raw())
        name = path.replace("/", "-") + (".gz" if path.startswith("signed") else "")
        (us.static / name).write_bytes(wire)
        digest = hashlib.sha256(wire).hexdigest()
        node = Target(f"US {path}", f"{us.url}/{path}", digest=digest)
        static = Target(f"StaticFiles {name}", f"{us.url}/bench/static/{name}", digest=digest)
        plain = Target(f"file route {name}", f"{us.url}/bench/file/{name}", digest=digest)
        mine, (by_static, by_route) = run.compare(node, [static, plain])
        best = max(statistics.median(by_static), statistics.median(by_route))
        ratio = statistics.median(mine) / best
        figures[path] = {
            "bytes_sent": len(wire),
            "bytes": len(want),
            "node_per_second": mine,
            "static_files_per_second": by_static,
            "file_route_per_second": by_route,
            "ratio": ratio,
            "target": TILE_TARGET,
        }
        run.say(
            f"GET {path} ({len(wire):,} bytes sent): node {statistics.median(mine):,.0f}/s; static "
            f"{statistics.median(by_static):,.0f}/s (StaticFiles), {statistics.median(by_route):,.0f}/s (file "
            f"route); ratio {ratio:.3f}"
        )
        what = {"tile/0/000": "full level-0 tile", "signed/001": "signed bundle", "signed/000": "signed bundle"}[path]
        extra = ", the initial data in it" if path == "signed/000" else ""
        run.rows.append(
            (
                f"GET {path} ({what}, {len(wire):,} B sent{extra})",
                f"{statistics.median(mine):,.0f}/s vs static {best:,.0f}/s",
                f"{ratio:.3f} ≥ {TILE_TARGET}",
                "yes" if ratio >= TILE_TARGET else "NO",
            )
        )
    run.figures["tiles"] = figures


def add_checkpoint(run: Run, us: Side, ru: Side) -> None:
    """Phase 3: a repeated delivery of US's checkpoint to RU's witness, against a trivial POST on RU's server."""
    latest = ru.node.latest("US")
    if latest is None or us.node.latest("US") != latest:
        run.fail("RU's last checkpoint of US is not US's latest")
        return
    body = f"old {latest.size}\n\n{latest.note}".encode()
    answer = httpx.post(f"{ru.url}/add-checkpoint", content=body)
    problem = cosignature_problem(latest.note, answer.text.strip(), ru.config.origin, ru.node.key.public_key)
    if answer.status_code != 200 or problem is not None:
        run.fail(f"add-checkpoint answered {answer.status_code}: {problem or answer.text[:200]}")
        return
    digest = hashlib.sha256(answer.content).hexdigest()
    witness = Target("RU add-checkpoint", f"{ru.url}/add-checkpoint", "POST", body, digest)
    trivial = Target("RU trivial POST", f"{ru.url}/bench/trivial", "POST", body, prefix=b"ok\n")
    mine, (floor,) = run.compare(witness, [trivial])
    ratio = statistics.median(mine) / statistics.median(floor)
    run.figures["add_checkpoint"] = {
        "body_bytes": len(body),
        "node_per_second": mine,
        "trivial_post_per_second": floor,
        "ratio": ratio,
        "target": WITNESS_TARGET,
    }
    run.say(
        f"POST /add-checkpoint (repeated delivery, {len(body)} B): {statistics.median(mine):,.0f}/s; trivial POST "
        f"{statistics.median(floor):,.0f}/s; ratio {ratio:.3f}"
    )
    run.rows.append(
        (
            "POST /add-checkpoint (repeated delivery, answered 200 with a cosignature)",
            f"{statistics.median(mine):,.0f}/s vs trivial POST {statistics.median(floor):,.0f}/s",
            f"{ratio:.3f} ≥ {WITNESS_TARGET}",
            "yes" if ratio >= WITNESS_TARGET else "NO",
        )
    )


def wire_digest(url: str) -> str:
    """SHA-256 of a resource's raw bytes as the server sends them."""
    with httpx.stream("GET", url) as response:
        return hashlib.sha256(b"".join(response.iter_raw())).hexdigest()


def load_test(run: Run, sides: tuple[Side, Side], works: dict[str, Workload]) -> None:
    """Phase 4: many readers on both nodes while each party submits batches the other mirrors."""
    targets: list[Target] = []
    for side in sides:
        party, url = side.config.party, side.url
        targets += [
            Target(f"{party} checkpoint", f"{url}/checkpoint", prefix=f"{side.config.origin}\n".encode(), weight=3),
            Target(f"{party} tile/0/000", f"{url}/tile/0/000", digest=wire_digest(f"{url}/tile/0/000"), weight=2),
            Target(f"{party} tile/0/001", f"{url}/tile/0/001", digest=wire_digest(f"{url}/tile/0/001"), weight=1),
            Target(f"{party} signed/001", f"{url}/signed/001", digest=wire_digest(f"{url}/signed/001"), weight=2),
            Target(f"{party} status", f"{url}/detente/status", prefix=b"{", weight=1),
        ]
    readers = run.remote(targets, run.load_requests, run.load_seconds, run.readers)
    writes: list[float] = []
    refused: list[str] = []
    for _ in range(run.load_batches):
        for side in sides:
            if readers.done():
                break
            start = time.monotonic()
            answer = side.submit(works[side.config.party].changes(run.load_batch))
            writes.append(time.monotonic() - start)
            if answer.status_code != 200:
                refused.append(f"{side.config.party} submit: {answer.status_code} {answer.text[:200]}")
    result = readers.result()
    for side, peer in zip(sides, sides[::-1], strict=True):
        wait_cosigned(side, peer.config.party, side.node.store.tree_size(side.config.party))
        party = side.config.party
        if not same_entries(list(side.node.store.entries(party)), list(peer.node.store.entries(party))):
            run.fail(f"{peer.config.party}'s mirror of the {party} log differs from {party}'s log after the load")
    every = [x for values in result["latencies"].values() for x in values]
    errors = result["errors"] + len(refused)
    run.figures["load"] = {
        "readers": run.readers,
        "requests": result["answered"],
        "limit_requests": run.load_requests,
        "limit_seconds": run.load_seconds,
        "seconds": result["seconds"],
        "per_second": result["per_second"],
        "client_cpu_share": result["client_cpu_share"],
        **percentiles(every),
        "by_target": {name: {"requests": len(v), **percentiles(v)} for name, v in result["latencies"].items()},
        "writes": {"batches": len(writes), "batch": run.load_batch, "seconds": writes},
        "errors": errors,
        "error_samples": [*refused, *result["error_samples"]][:10],
    }
    load = run.figures["load"]
    run.say(
        f"load: {run.readers} readers, {result['answered']:,} requests in {result['seconds']:.1f} s = "
        f"{result['per_second']:,.0f}/s; p50 {load['p50_ms']:.1f} ms, p95 {load['p95_ms']:.1f} ms, p99 "
        f"{load['p99_ms']:.1f} ms; {len(writes)} batches of {run.load_batch} submitted and mirrored meanwhile; "
        f"{errors} errors"
    )
    for name, figures in load["by_target"].items():
        p50, p95, p99 = figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]
        run.say(f"  {name}: {figures['requests']:,} requests, p50/p95/p99 {p50:.1f}/{p95:.1f}/{p99:.1f} ms")
    if errors:
        run.fail(f"the load test had {errors} errors, e.g. {load['error_samples'][0]}")
    run.rows.append(
        (
            f"load: {run.readers} readers on both nodes, {len(writes)} batches written meanwhile",
            f"{result['per_second']:,.0f} requests/s; p50/p95/p99 {load['p50_ms']:.1f}/{load['p95_ms']:.1f}/"
            f"{load['p99_ms']:.1f} ms",
            f"{errors} errors = 0",
            "yes" if not errors else "NO",
        )
    )


def alarms(run: Run, sides: tuple[Side, Side]) -> None:
    """No node raised an alarm."""
    for side in sides:
        raised = side.client.get(f"{side.url}/detente/status").json()["alarms"]
        if raised:
            run.fail(f"the {side.config.party} node raised alarms: {raised[:2]}")


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=5_000, help="per exchange (default 5,000)")
    parser.add_argument("--rounds", type=int, default=7, help="exchanges, and interleaved rounds of phases 2-3")
    parser.add_argument("--requests", type=int, default=500, help="per round and target in phases 2-3")
    parser.add_argument("--readers", type=int, default=64, help="concurrent readers in the load test")
    parser.add_argument("--load-requests", type=int, default=20_000, help="the load test stops after this many")
    parser.add_argument("--load-seconds", type=float, default=120.0, help="or after this many seconds")
    parser.add_argument("--small", action="store_true", help="600 notifications, a few hundred requests: the checks")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def main() -> None:
    """Run the four phases, check them, and print the figures."""
    args = parse_args()
    say: Callable[[str], None] = (lambda _m: None) if args.json else print
    small = args.small
    context = multiprocessing.get_context("spawn")  # the servers' threads are not forked into the client
    tmp = Path(tempfile.mkdtemp(prefix="bench-node-"))
    load_start = os.getloadavg()
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        run = Run(
            n=600 if small else args.notifications,
            rounds=1 if small else args.rounds,
            per_round=40 if small else args.requests,
            concurrency=8,
            readers=8 if small else args.readers,
            load_requests=300 if small else args.load_requests,
            load_seconds=30 if small else args.load_seconds,
            load_batches=1 if small else 4,
            load_batch=50 if small else 500,
            say=say,
            pool=pool,
        )
        pool.submit(int).result()  # the client process started before anything is timed
        say(
            f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, uvicorn "
            f"{uvicorn.__version__}, httpx {httpx.__version__}; load average {load_start[0]:.2f} at the start"
        )
        try:
            with two_nodes(tmp) as (us, ru):
                works = {"US": Workload("US"), "RU": Workload("RU")}
                for side, peer in ((us, ru), (ru, us)):
                    party = side.config.party
                    for drafts in ([works[party].initial], works[party].changes(RU_CHANGES if party == "RU" else 0)):
                        if drafts and side.submit(drafts).status_code != 200:
                            raise SystemExit(f"CHECK FAILED: {party}'s set-up submission was refused")
                    wait_cosigned(side, peer.config.party, side.node.store.tree_size(party))
                exchange(run, us, ru, tmp, works["US"])
                tile_reads(run, us)
                add_checkpoint(run, us, ru)
                load_test(run, (us, ru), works)
                alarms(run, (us, ru))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def show() -> None:
        table = Table(title="detente node (ratios measured in the same run)", title_justify="left")
        for name in ("what", "figure", "ratio / target", "met?"):
            table.add_column(name, justify="left")
        for row in run.rows:
            table.add_row(*row)
        Console(width=200).print(table)

    finish(run.figures, run.failures, as_json=args.json, show=show, load_start=load_start[0], started=started)


if __name__ == "__main__":
    main()
