"""Benchmark: reduction plans for the shipped US and Russian forces under New START, with their ledger check.

For each case, as the median of R runs after one warm-up (time.perf_counter), the time of:
  1. model build: grouping the force, the options, one-item counts for the rows, keep and capacity rows;
  2. solve: every HiGHS stage of the lexicographic objective (and the fewest-changes stage);
  3. verify: counting the planned force with the engine and judging it on the deadline;
  4. plan total = 1 + 2 + 3 (what ``plan_reductions`` takes; the target is under 1 s);
  5. ledger check: the plan as notifications in an in-memory ledger, year by year, then replayed as of the deadline
     and counted (what ``follow`` takes);
  6. end to end = plan total + ledger check (what ``detente plan`` does before printing).
Each run must pass the ledger check, and each case's plan (from the first run) must pass the oracle's checks, or
the bench exits with status 1. The oracle counts with bench_counting's row-by-row oracle (the rules read from the
treaty file) and checks: the force before and as planned counts as the plan says; every limit binding the party on
the deadline is met by the planned force; the ledger replayed at the deadline counts as the planned force; the
party's items are all still there (eliminated is a status) and no other party's item changed; no period exceeds a
yearly capacity; and the plan acts on at least as many items as any limit's excess needs (an action changes one
item, by at most the most one item contributes to the measure).

Run:  .venv/bin/python bench/bench_planning.py [--repeat R]   (default 7)
      .venv/bin/python bench/bench_planning.py --small        (1 run per case after the warm-up: the same checks)
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import scipy
from rich.console import Console
from rich.table import Table

from detente.catalog import builtin_catalog
from detente.counting.readings import parse_reading
from detente.data.forces import load_force
from detente.forces.model import Force
from detente.planning.plan import Plan
from detente.planning.reduce import plan_reductions
from detente.planning.request import Capacity, PlanRequest
from detente.planning.trajectory import Trajectory, follow
from detente.treaty.model import Limit, Treaty

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_counting import (  # a sibling script, found once its folder is on the path
    OracleError,
    oracle_counts,
    oracle_item_values,
    oracle_reading,
    tally_problems,
)

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


# --- the oracle ---------------------------------------------------------------------------------------------------


def binding(treaty: Treaty, measure: str, party: str, day: dt.date) -> list[Limit]:
    """Limits on ``measure`` that bind ``party`` on ``day`` (docs/treaty-format.md: a treaty binds from entry into
    force, or always if it has none, until the day before it expires; a limit from its ``from`` to its ``until``)."""
    dates = treaty.dates
    if (dates.entry_into_force is not None and day < dates.entry_into_force) or (
        dates.expires is not None and day >= dates.expires
    ):
        return []
    return [
        x
        for x in treaty.limits
        if x.measure == measure
        and (x.parties is None or party in x.parties)
        and (x.from_ is None or x.from_ <= day)
        and (x.until is None or day <= x.until)
    ]


def upper(limit: Limit) -> int:
    """The most a count may be: ``max``, or one below ``below`` (a range is met at its upper end)."""
    return limit.max if limit.max is not None else int(limit.below or 0) - 1


def party_items(force: Force, party: str) -> Counter[str]:
    """The party's items per system type, whatever their status (an eliminated item is still declared)."""
    mine = force.party == force.parties.index(party)
    out: Counter[str] = Counter()
    for i, system in enumerate(force.systems):
        n = int(force.count[mine & (force.system == i)].sum())
        if n:
            out[system.id] = n
    return out


def other_items(force: Force, party: str) -> Counter[tuple[object, ...]]:
    """Every other party's items by everything a row says of them."""
    out: Counter[tuple[object, ...]] = Counter()
    for r in force.rows():
        if r.party != party:
            out[(r.party, r.system.id, r.kind, r.status, r.warheads, r.armament, r.role, r.facility, r.uid)] += r.count
    return out


def yearly_room(start: dt.date, deadline: dt.date, per_year: int) -> list[tuple[dt.date, dt.date, int]]:
    """Periods a year at a time from the start, the last ending at the deadline, each with its share of a yearly
    capacity: all of it for a full year, else its days / 365 of it, rounded down (docs/planning.md)."""
    out: list[tuple[dt.date, dt.date, int]] = []
    begin = start
    while True:
        n = len(out) + 1
        try:
            year_on = start.replace(year=start.year + n)
        except ValueError:  # 29 February
            year_on = start.replace(year=start.year + n, day=28)
        end = min(year_on, deadline)
        out.append((begin, end, per_year if end == year_on else per_year * (end - begin).days // 365))
        if end >= deadline:
            return out
        begin = end


def oracle_problems(plan: Plan, trajectory: Trajectory, spec: str) -> tuple[list[str], str]:
    """What the oracle finds wrong with a plan and its trajectory, and a line saying what it checked."""
    party, deadline = plan.party, plan.deadline
    treaty, variants = oracle_reading(spec)
    before = oracle_counts(plan.force, treaty, variants)
    after = oracle_counts(plan.planned, treaty, variants)
    problems = tally_problems(plan.before.tally, before)
    problems += tally_problems(plan.after.tally, after)
    problems += [f"ledger replay: {p}" for p in tally_problems(trajectory.check.compliance.tally, after)]
    needed, said = 0, []
    values = oracle_item_values(plan.force, treaty, variants, party)
    mine = plan.force.party == plan.force.parties.index(party)
    for measure in treaty.measures:
        for limit in binding(treaty, measure.id, party, deadline):
            planned, now = after[(party, measure.id)].total, before[(party, measure.id)].total
            if planned > upper(limit):
                problems.append(f"{measure.id}: the planned force counts {planned:,}, above {upper(limit):,}")
            most = int(values[measure.id][mine].max(initial=0))
            if now > upper(limit) and most:
                needed = max(needed, math.ceil((now - upper(limit)) / most))
            said.append(f"{measure.id} {now:,} -> {planned:,} <= {upper(limit):,}")
    acted = sum(plan.totals().values())
    if acted < needed:
        problems.append(f"the plan acts on {acted:,} items; the limits' excess needs at least {needed:,}")
    if party_items(plan.planned, party) != party_items(plan.force, party):
        problems.append(f"the planned force does not hold the same {party} items per type as the force")
    if other_items(plan.planned, party) != other_items(plan.force, party):
        problems.append("the plan changed another party's items")
    for capacity in plan.request.capacities:
        if capacity.select is not None:
            raise OracleError(f"capacity {capacity}: the oracle checks capacities of everything only")
        rooms = yearly_room(plan.start, deadline, capacity.per_year)
        spans = [(p.start, p.end) for p in trajectory.periods]
        if spans != [(a, b) for a, b, _ in rooms]:
            problems.append(f"periods {spans} != the oracle's {[(a, b) for a, b, _ in rooms]}")
            continue
        done = Counter(a.period for a in trajectory.actions if a.action is capacity.action)
        for i, (_, end, room) in enumerate(rooms):
            if done[i] > room:
                problems.append(f"{done[i]} items {capacity.action.value}d in the year to {end}, capacity {room}")
    summary = f"limits met ({'; '.join(said) or 'none binding'}); {acted:,} item actions >= {needed:,} needed"
    return problems, summary


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` changes the default (an explicit ``--repeat`` still wins)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--small", action="store_true", help="seconds: 1 timed run per case")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(repeat=1)
        args = parser.parse_args(argv)
    return args


def main() -> None:
    """Plan every case, check it against the oracle, and print the medians."""
    args = parse_args()
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
                try:
                    problems, checked = oracle_problems(plan, trajectory, spec)
                except OracleError as exc:
                    raise SystemExit(f"{force_name} {spec}: oracle: {exc}") from None
                if problems:
                    raise SystemExit(f"{force_name} {spec}: the oracle disagrees:\n  " + "\n  ".join(problems))
                print(f"checked {force_name} under {spec}: {checked}")
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
    print("all checks passed")


if __name__ == "__main__":
    main()
