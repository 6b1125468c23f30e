"""Benchmark: the ledger — appending signed notifications, replaying and verifying them — against raw Ed25519.

One run, every file in a temporary directory removed at the end:

1. raw Ed25519 on this machine (PyNaCl, one core): sign and verify over 5,000 distinct 400-byte messages, medians
   of interleaved rounds;
2. append: ``Ledger.submit`` into SQLite in batches of 1,000 (validate, sign, chain, one transaction each), after
   one initial data of 2,000 Minuteman III launchers; the notifications are status changes toggling launchers
   deployed <-> non-deployed, one second apart, all valid. Target: at least 0.4 x the raw sign rate;
3. replay: ``replay_store`` over every entry. Target: at least 100,000 notifications/s;
4. verify: ``verify_chain`` over every entry as ``detente ledger verify`` reads them, one core. Target: at least
   0.8 x the raw verify rate;
5. ``detente ledger verify`` on the demo ledger (5,429 entries), the command a user runs, median of three; with
   ``--baseline SRC`` the same command run from another checkout's ``src`` (an earlier version) beside it.

Each ratio is taken against the mean of raw rates measured just before and just after its own phase, since the
machine's speed drifts within a run. Correctness is checked on the way (the replayed state equals the workload's
own model; verify counts every entry; a tampered entry is named) and the run exits 1 if a check fails.

Run:  .venv/bin/python bench/bench_ledger.py [--notifications N] [--baseline SRC] [--json]
      .venv/bin/python bench/bench_ledger.py --small      (seconds: the checks on 3,000 notifications)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import text

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey
from detente.errors import ChainError
from detente.ledger.chain import verify_chain
from detente.ledger.replay import replay_store
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

PARTY = "US"
ITEMS = 2_000
BATCH = 1_000
SEED = bytes(range(32))  # a fixed key: the bench signs nothing that leaves its temporary directory
T0 = dt.datetime(2011, 2, 5, tzinfo=dt.UTC)  # New START's entry into force: the initial data is on time
APPEND_TARGET = 0.4  # x raw sign
VERIFY_TARGET = 0.8  # x raw verify
REPLAY_TARGET = 100_000  # notifications/s
CLI_TARGET = 2.0  # x faster than the baseline


def stamp(second: int) -> str:
    return (T0 + dt.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Workload:
    """One initial data, then status changes toggling launchers in turn; it keeps its own model of the state."""

    def __init__(self) -> None:
        self.status = ["deployed"] * ITEMS
        self.k = 0

    @staticmethod
    def uid(i: int) -> str:
        return f"{PARTY}-MM3-{i:06d}"

    def initial(self) -> dict[str, Any]:
        item = {"system": "minuteman-iii", "kind": "launcher", "status": "deployed", "facility": "US-ICBM-1"}
        return {
            "type": "initial-data",
            "sent": stamp(0),
            "effective": stamp(0),
            "content": {
                "facilities": [{"id": "US-ICBM-1", "kind": "icbm-base"}],
                "items": [{"uid": self.uid(i), **item, "warheads": 1} for i in range(ITEMS)],
            },
        }

    def next(self) -> dict[str, Any]:
        self.k += 1
        i = (self.k - 1) % ITEMS
        old = self.status[i]
        new = self.status[i] = "non-deployed" if old == "deployed" else "deployed"
        content: dict[str, Any] = {"uid": self.uid(i), "from": old, "to": new}
        if new == "deployed":
            content["warheads"] = 1 + self.k % 3
        when = stamp(self.k)
        return {"type": "status-change", "sent": when, "effective": when, "content": content}


def raw_rates(rounds: int) -> tuple[float, float]:
    """Raw Ed25519 sign and verify rates on one core over 5,000 distinct 400-byte messages (medians)."""
    signing = SigningKey(SEED)
    verifying = VerifyKey(bytes(signing.verify_key))
    messages = [os.urandom(400) for _ in range(5_000)]
    signed = [(m, signing.sign(m).signature) for m in messages]

    def sign() -> float:
        start = time.perf_counter()
        for m in messages:
            signing.sign(m)
        return len(messages) / (time.perf_counter() - start)

    def verify() -> float:
        start = time.perf_counter()
        for m, s in signed:
            verifying.verify(m, s)
        return len(signed) / (time.perf_counter() - start)

    signs, verifies = [], []
    for r in range(rounds):
        for fn, out in ((sign, signs), (verify, verifies))[:: 1 if r % 2 else -1]:
            out.append(fn())
    return statistics.median(signs), statistics.median(verifies)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def cli_seconds(src: Path | None, args: list[str], repeat: int) -> float:
    """Median wall time of ``python -m detente.cli.main ARGS`` (from ``src`` if given), start-up included."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else dict(os.environ)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        command = [sys.executable, "-m", "detente.cli.main", *args]
        done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603 - our own command
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"detente {' '.join(args)} failed:\n{done.stdout.decode()}{done.stderr.decode()}")
    return statistics.median(times)


def main() -> None:  # noqa: PLR0915 - one run, phase after phase, as the docstring lists them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=Path, help="another checkout's src/ to time `ledger verify` from")
    parser.add_argument("--small", action="store_true", help="3,000 notifications: the checks, in seconds")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    n = 3_000 if args.small else args.notifications
    rounds = 3 if args.small else 7
    say: Callable[[str], None] = (lambda _m: None) if args.json else print
    failures: list[str] = []
    figures: dict[str, Any] = {"notifications": n}
    tmp = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    try:
        key = PartyKey.from_seed(PARTY, SEED)
        work = Workload()
        sign0, verify0 = raw_rates(rounds)
        say(f"raw Ed25519, one core: sign {sign0:,.0f}/s, verify {verify0:,.0f}/s")

        # 2. append
        path = tmp / "bench.sqlite"
        with Ledger(open_store(str(path)), key, builtin_catalog(), get_treaty) as ledger:
            ledger.register(PARTY, key.public_key, "new-start")
            ledger.submit(PARTY, [work.initial()])
            batches = [[work.next() for _ in range(min(BATCH, n - b))] for b in range(0, n, BATCH)]
            _, seconds = timed(lambda: [ledger.submit(PARTY, batch) for batch in batches])
        append = n / seconds
        sign1, verify1 = raw_rates(rounds)
        ratio = append / ((sign0 + sign1) / 2)
        figures["append"] = {"per_second": append, "ratio_to_sign": ratio, "target": APPEND_TARGET}
        say(f"append, batches of {BATCH:,}: {append:,.0f}/s = {ratio:.3f} x raw sign (target {APPEND_TARGET})")
        if ratio < APPEND_TARGET:
            say("  target NOT met")

        with open_store(str(path)) as store:
            # 3. replay
            state, seconds = timed(lambda: replay_store(store, PARTY))
            replay = (n + 1) / seconds
            figures["replay"] = {"per_second": replay, "target": REPLAY_TARGET}
            say(f"replay: {replay:,.0f} notifications/s (target {REPLAY_TARGET:,})")
            got = [state.items[work.uid(i)].status.value for i in range(ITEMS)]
            if state.seq != n + 1 or got != work.status:
                failures.append("replay: the replayed state differs from the workload's model")

            # 4. verify
            count, seconds = timed(lambda: sum(1 for _ in verify_chain(store.entries(PARTY), PARTY, key.public_key)))
            sign2, verify2 = raw_rates(rounds)
            rate = count / seconds
            ratio = rate / ((verify1 + verify2) / 2)
            figures["verify"] = {"per_second": rate, "ratio_to_verify": ratio, "target": VERIFY_TARGET}
            figures["raw"] = {"sign": [sign0, sign1, sign2], "verify": [verify0, verify1, verify2]}
            say(f"verify, one core: {rate:,.0f}/s = {ratio:.3f} x raw verify (target {VERIFY_TARGET})")
            if count != n + 1:
                failures.append(f"verify counted {count:,} entries, not {n + 1:,}")
        tampered = tmp / "tampered.sqlite"
        shutil.copy(path, tampered)
        with open_store(str(tampered)) as store:
            with store.engine.begin() as c:  # behind the store's back: the append-only triggers dropped
                c.execute(text("DROP TRIGGER ledger_entries_no_update"))
                c.execute(text("UPDATE ledger_entries SET signature = zeroblob(64) WHERE seq = :s"), {"s": n // 2})
            try:
                sum(1 for _ in verify_chain(store.entries(PARTY), PARTY, key.public_key))
                failures.append("verify passed a ledger with a zeroed signature")
            except ChainError as exc:
                if exc.seq != n // 2:
                    failures.append(f"verify named entry #{exc.seq}, not the tampered #{n // 2}")

        # 5. the command a user runs, on the demo ledger
        demo = tmp / "demo.sqlite"
        cli_seconds(None, ["ledger", "demo", str(demo)], 1)
        now = cli_seconds(None, ["ledger", "verify", str(demo)], 1 if args.small else 3)
        figures["cli_verify_demo"] = {"seconds": now}
        say(f"detente ledger verify on the demo ledger: {now:.2f} s")
        if args.baseline is not None:
            before = cli_seconds(args.baseline, ["ledger", "verify", str(demo)], 1 if args.small else 3)
            figures["cli_verify_demo"].update(baseline_seconds=before, speedup=before / now, target=CLI_TARGET)
            say(f"  baseline {args.baseline}: {before:.2f} s, {before / now:.2f} x faster now (target {CLI_TARGET})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures["failures"] = failures
    if args.json:
        print(json.dumps(figures, indent=2))
    for failure in failures:
        print(f"CHECK FAILED: {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    say("all checks passed")


if __name__ == "__main__":
    main()
