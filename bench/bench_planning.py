"""Benchmark: reduction plans for the shipped US and Russian forces under New START, with their ledger check.

For each case, as the median of R runs after one warm-up (time.perf_counter), the time of:
  1. model build: grouping the force, the options, one-item counts for the rows, keep and capacity rows;
  2. solve: every HiGHS stage of the lexicographic objective (and the fewest-changes stage);
  3. verify: counting the planned force with the engine and judging it on the deadline;
  4. plan total = 1 + 2 + 3 (what ``plan_reductions`` takes; the target is under 1 s);
  5. ledger check: the plan as notifications in an in-memory ledger, year by year, then replayed as of the deadline
     and counted (what ``follow`` takes);
  6. end to end = plan total + ledger check (what ``detente plan`` does before printing).
Each run must pass its check, or the bench stops with an error.

Run:  .venv/bin/python bench/bench_planning.py [--repeat R]   (default 7)
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time

import scipy
from rich.console import Console
from rich.table import Table

from detente.catalog import builtin_catalog
from detente.counting.readings import parse_reading
from detente.data.forces import load_force
from detente.planning.reduce import plan_reductions
from detente.planning.request import Capacity, PlanRequest
from detente.planning.trajectory import follow

CASES = (
    ("us-2020-09", "new-start", PlanRequest("US", dt.date(2021, 2, 5))),
    ("us-2020-09", "new-start+ru-2022", PlanRequest("US", dt.date(2022, 9, 1))),
    (
        "us-2020-09",
        "new-start+ru-2022",
        PlanRequest("US", dt.date(2023, 9, 1), capacities=(Capacity.parse("eliminate=40"),)),
    ),
    ("ru-2022", "new-start", PlanRequest("RU", dt.date(2023, 3, 1))),
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    catalog = builtin_catalog()
    print(f"Python {platform.python_version()}, SciPy {scipy.__version__}, {args.repeat} runs per case (median)")
    table = Table(title="Reduction plans (median of runs)", title_justify="left")
    for name in ("force", "reading", "party → deadline", "groups/options", "actions", "build", "solve", "verify",
                 "plan total", "ledger check", "end to end"):  # fmt: skip
        table.add_column(name, justify="left" if name in ("force", "reading", "party → deadline") else "right")
    for force_name, spec, request in CASES:
        force = load_force(force_name, catalog)
        reading = parse_reading(spec)
        runs: dict[str, list[float]] = {k: [] for k in ("build", "solve", "verify", "plan", "check", "all")}
        plan = None
        for i in range(args.repeat + 1):
            start = time.perf_counter()
            plan = plan_reductions(force, reading, request, catalog)
            planned = time.perf_counter()
            trajectory = follow(plan, catalog)
            done = time.perf_counter()
            if not trajectory.check.passed:
                raise SystemExit(f"{force_name} {spec}: the ledger check failed: {trajectory.check.problems}")
            if i == 0:
                continue  # warm-up
            for key in ("build", "solve", "verify"):
                runs[key].append(plan.timing[key])
            runs["plan"].append(planned - start)
            runs["check"].append(done - planned)
            runs["all"].append(done - start)
        if plan is None:
            raise SystemExit("no run")
        med = {k: statistics.median(v) for k, v in runs.items()}
        actions = sum(plan.totals().values())
        print(
            f"{force_name} under {spec}, {request.party} by {request.deadline}: plan {ms(med['plan'])} "
            f"(build {ms(med['build'])}, solve {ms(med['solve'])} in {plan.solves} HiGHS solves, verify "
            f"{ms(med['verify'])}); ledger check {ms(med['check'])}; end to end {ms(med['all'])}; "
            f"{actions:,} item actions; target plan < 1 s: {'met' if med['plan'] < 1 else 'NOT met'}"
        )
        table.add_row(
            force_name,
            spec,
            f"{request.party} → {request.deadline}",
            f"{len(plan.groups)}/{len(plan.options)}",
            f"{actions:,}",
            ms(med["build"]),
            ms(med["solve"]),
            ms(med["verify"]),
            ms(med["plan"]),
            ms(med["check"]),
            ms(med["all"]),
        )
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
