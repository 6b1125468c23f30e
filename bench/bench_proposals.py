"""Benchmark: comparing 1,000 proposals (generated variations of limits) on the US and Russian forces.

The proposals are varied from four shipped or built-in readings — New START as it stands and as Russia read it in
2022, and the December 2009 baseline under the US and under the Russian bomber position — with random limits on
every measure (maxima, strict bounds, ranges, some for one party only, some from a later date) and random
deadlines. Measured, each as the median of R repeats (time.perf_counter):

  1. generating the 1,000 proposals with ``vary_limits`` (limits validated, no file read);
  2. loading the same 1,000 as proposal documents through the treaty loader (``proposal_from_document``), once;
  3. ``compare_proposals`` on the shipped forces us-2020-09 + ru-2022: every distinct reading counted once, every
     proposal judged on the date and on its deadline, standings and the zone of agreement — the target: < 10 s;
  4. the same on a synthetic force of N items (bench_counting's generator: US, RU and CN), to show that the cost
     of counting stays with the number of distinct readings, not of proposals;
  5. for comparison, the naive way: count and judge every proposal on its own — with the force summarised once
     (all 1,000) and from scratch (``Classes.of`` each time; on the synthetic force only K proposals, scaled up).

Checked, and the script exits with status 1 if one check fails: before timing, the first 50 proposals' comparison
lines against the engine counting and judging each of them on its own; and every line and the zone of agreement of
both comparisons (shipped and synthetic forces) against an oracle that counts with bench_counting's row-by-row
oracle (the rules read from the treaty files), takes each proposal's limits from the generated documents rather
than from the Proposal objects, and judges them by the dates of docs/treaty-format.md and the zone-of-agreement
rules of ``detente.planning.compare``, written out here.

Run:  .venv/bin/python bench/bench_proposals.py [--proposals P] [--items N] [--repeat R] [--naive K]
      (defaults: 1,000 proposals, 1,000,000 items, 5 repeats, K = 10)
      .venv/bin/python bench/bench_proposals.py --small   (40 proposals, 20,000 items, 1 repeat, K = 2)
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from rich.console import Console
from rich.table import Table

from detente.catalog import builtin_catalog
from detente.counting.classes import Classes
from detente.counting.compliance import judge
from detente.counting.tally import count
from detente.data.forces import load_force
from detente.forces.model import Force
from detente.planning.compare import Comparison, compare_proposals, merge_forces
from detente.planning.proposals import Proposal, get_proposal, proposal_from_document, vary_limits
from detente.treaty.model import Treaty

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_counting import (  # a sibling script, found once its folder is on the path
    Expected,
    OracleError,
    oracle_counts,
    oracle_reading,
    synthetic_force,
)

T = TypeVar("T")
AS_OF = dt.date(2021, 1, 1)
BASES = (  # spec, extends and reading as a document would say them
    ("new-start", "new-start", ()),
    ("new-start+ru-2022", "new-start", ("ru-2022",)),
    ("us-dec-2009-bombers", "dec-2009-framing", ("us-dec-2009",)),
    ("ru-dec-2009-bombers", "dec-2009-framing", ("ru-dec-2009",)),
)
MEASURES = ("deployed-delivery-vehicles", "warheads", "launchers")


def random_limits(rng: np.random.Generator) -> list[dict[str, object]]:
    """Limits on every measure: maxima, strict bounds or ranges; a fifth for one party; a fifth from a later date."""
    limits: list[dict[str, object]] = []
    for measure in MEASURES:
        value = int(rng.integers(300, 2600))
        shape = rng.integers(0, 3)
        limit: dict[str, object] = {"measure": measure}
        if shape == 0:
            limit["max"] = value
        elif shape == 1:
            limit["below"] = value
        else:
            limit["min"], limit["max"] = max(value - int(rng.integers(0, 300)), 0), value
        if rng.random() < 0.2:
            limit["parties"] = [str(rng.choice(["US", "RU"]))]
        if rng.random() < 0.2:
            limit["from"] = dt.date(2022 + int(rng.integers(0, 6)), 2, 5)
        limits.append(limit)
    return limits


def generate(n: int, seed: int = 2009) -> tuple[list[Proposal], list[dict[str, Any]]]:
    """N proposals by ``vary_limits`` and the same N as documents (for the loader)."""
    rng = np.random.default_rng(seed)
    bases = {spec: get_proposal(spec) for spec, _, _ in BASES}
    proposals: list[Proposal] = []
    docs: list[dict[str, Any]] = []
    for i in range(n):
        spec, extends, reading = BASES[i % len(BASES)]
        limits = random_limits(rng)
        years = int(rng.integers(0, 11))
        base = bases[spec]
        terms = base.terms.model_copy(update={"years": years, "deadline": None})
        varied = vary_limits(base, limits, f"gen-{i:04d}")
        proposals.append(Proposal(varied.treaty, varied.variants, terms, varied.origin))
        docs.append(
            {
                "id": f"gen-{i:04d}",
                "name": f"generated proposal {i}",
                "kind": "proposal",
                "extends": extends,
                "dates": {},
                "limits": limits,
                "proposal": {"reading": list(reading), "years": years},
            }
        )
    return proposals, docs


def median_time(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def check(forces: list[Force], proposals: list[Proposal], sample: int = 50) -> None:
    """The comparison's lines equal the engine counting and judging each proposal on its own."""
    merged = merge_forces(forces)
    comparison = compare_proposals(forces, proposals[:sample], AS_OF)
    for p, result in zip(proposals[:sample], comparison.results, strict=True):
        tally = count(merged, p.treaty, p.variants)
        now = judge(tally, AS_OF)
        deadline = p.deadline(AS_OF)
        due = judge(tally, deadline) if deadline else now
        for row in result.rows:
            line, final = now.line(row.party, row.measure), due.line(row.party, row.measure)
            if (row.total, row.verdict, row.limit, row.headroom) != (
                line.count.total,
                line.verdict,
                final.limit,
                final.headroom,
            ):
                sys.exit(f"MISMATCH {p.id} {row.party} {row.measure}: {row} vs {line} / {final}")


# --- the oracle: counts from bench_counting's oracle, verdicts and standings by the documented rules --------------


def oracle_base_counts(forces: Sequence[Force]) -> dict[str, dict[tuple[str, str], Expected]]:
    """Per base reading: the oracle's counts on the forces put together (a party is in one force only)."""
    out: dict[str, dict[tuple[str, str], Expected]] = {}
    for spec, extends, reading in BASES:
        summed: dict[tuple[str, str], Expected] = {}
        for force in forces:
            for key, e in oracle_counts(force, *oracle_reading("+".join([extends, *reading]))).items():
                was = summed.get(key, Expected(0, {}, {}))
                by_system = {s: was.by_system.get(s, 0) + e.by_system.get(s, 0) for s in {*was.by_system, *e.by_system}}
                by_term = {t: was.by_term.get(t, 0) + n for t, n in e.by_term.items()}
                summed[key] = Expected(was.total + e.total, by_system, by_term)
        out[spec] = summed
    return out


def oracle_verdict(total: int, limit: dict[str, Any] | None, treaty: Treaty, day: dt.date) -> str:
    """The verdict on ``day`` for one generated limit (or none), by docs/treaty-format.md.

    The treaty's dates come before the limit's: "on and after [expires] every verdict is expired", even for a
    limit whose ``from`` is later (detente.counting.compliance's docstring lists not-in-force first; the code and
    docs/treaty-format.md agree with each other, not with that list).
    """
    if limit is None:
        return "no-limit"
    entry, expires = treaty.dates.entry_into_force, treaty.dates.expires
    if expires is not None and expires <= day:
        return "expired"
    if (entry is not None and day < entry) or ("from" in limit and limit["from"] > day):
        return "not-in-force"
    if total > upper_of(limit):
        return "over"
    return "within-range" if "min" in limit and total > limit["min"] else "within"


def upper_of(limit: dict[str, Any]) -> int:
    """The largest count that meets a generated limit: its max, or one below its strict bound."""
    return int(limit["max"]) if "max" in limit else int(limit["below"]) - 1


def oracle_problems(
    comparison: Comparison,
    proposals: Sequence[Proposal],
    docs: Sequence[dict[str, Any]],
    counts: dict[str, dict[tuple[str, str], Expected]],
) -> list[str]:
    """Where the comparison differs from the oracle: counts, limits, headroom, verdicts and the zone of agreement."""
    problems: list[str] = []
    zone_now, zone_due = [], []
    for i, (p, result) in enumerate(zip(proposals, comparison.results, strict=True)):
        if p.terms.rates or p.terms.linked or p.terms.combine:
            raise OracleError(f"{p.id}: the oracle judges plain limits only (no rates, linked categories, combine)")
        expected = counts[BASES[i % len(BASES)][0]]
        deadline = AS_OF.replace(year=AS_OF.year + int(docs[i]["proposal"]["years"]))  # AS_OF is 1 January
        by_measure = {str(x["measure"]): x for x in docs[i]["limits"]}
        rows = {(r.party, r.measure): r for r in result.rows}
        if set(rows) != set(expected):
            problems.append(f"{p.id}: lines {sorted(rows)} != oracle {sorted(expected)}")
            continue
        meets = dict.fromkeys((party for party, _ in expected), True)
        for (party, measure), e in expected.items():
            row = rows[(party, measure)]
            limit = by_measure.get(measure)
            if limit is not None and "parties" in limit and party not in limit["parties"]:
                limit = None
            upper = None if limit is None else upper_of(limit)
            want = (
                e.total,
                e.by_system,
                e.by_term,
                upper,
                None if upper is None else upper - e.total,
                oracle_verdict(e.total, limit, p.treaty, AS_OF),
                oracle_verdict(e.total, limit, p.treaty, deadline),
            )
            got = (
                row.total,
                row.count.by_system,
                row.count.by_term,
                None if row.limit is None else row.limit.upper,
                row.headroom,
                str(row.verdict),
                str(row.verdict_due),
            )
            if got != want:
                problems.append(f"{p.id} {party} {measure}: comparison {got} != oracle {want}")
            if upper is not None and e.total > upper:
                meets[party] = False
        if all(meets.values()):
            zone_now.append(p.spec)
        if all(meets.values()) or deadline > AS_OF:  # no rates: a cut with time left is taken as feasible
            zone_due.append(p.spec)
    zone = comparison.zone()
    if list(zone.now) != zone_now or list(zone.by_deadline) != zone_due:
        problems.append(
            f"zone of agreement: now {len(zone.now)}, by deadline {len(zone.by_deadline)} != oracle "
            f"{len(zone_now)}, {len(zone_due)}"
        )
    return problems


def check_oracle(
    what: str,
    comparison: Comparison,
    proposals: Sequence[Proposal],
    docs: Sequence[dict[str, Any]],
    forces: list[Force],
) -> None:
    """Exit with status 1 if the comparison differs from the oracle."""
    try:
        problems = oracle_problems(comparison, proposals, docs, oracle_base_counts(forces))
    except OracleError as exc:
        sys.exit(f"oracle: {exc}")
    if problems:
        sys.exit(f"MISMATCH with the oracle on {what} ({len(problems)} lines):\n  " + "\n  ".join(problems[:20]))
    print(f"checked: all {len(proposals):,} proposals' lines and the zone of agreement on {what} equal the oracle's")


def naive(forces: list[Force], proposals: list[Proposal], share_summary: bool) -> int:
    """Count and judge every proposal on its own; returns the number of lines (so the work is not optimised away)."""
    merged = merge_forces(forces)
    classes = Classes.of(merged) if share_summary else None
    lines = 0
    for p in proposals:
        tally = count(merged, p.treaty, p.variants, classes or Classes.of(merged))
        deadline = p.deadline(AS_OF)
        lines += len(judge(tally, AS_OF).lines) + (len(judge(tally, deadline).lines) if deadline else 0)
    return lines


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` changes the defaults (options given explicitly still win)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive", type=int, default=10, help="proposals counted from scratch on the big force")
    parser.add_argument("--small", action="store_true", help="seconds: 40 proposals, 20,000 items, 1 repeat, K = 2")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(proposals=40, items=20_000, repeat=1, naive=2)
        args = parser.parse_args(argv)
    return args


def report(console: Console, n: int, repeat: int, t: dict[str, float], k: int, big_items: int) -> None:
    table = Table(title=f"{n:,} proposals, median of {repeat}", title_justify="left")
    for col in ("what", "time", "per proposal", "target"):
        table.add_column(col, justify="left" if col in ("what", "target") else "right")
    per = 1e6 / n

    def add(what: str, seconds: float, target: bool = False) -> None:
        time_text = f"{seconds * 1e3:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"
        met = ("< 10 s: " + ("yes" if seconds < 10 else "NO")) if target else ""
        table.add_row(what, time_text, f"{seconds * per:,.0f} µs", met)

    add("generate with vary_limits", t["generate"])
    add("load as documents (treaty loader), once", t["load"])
    add("[bold]compare_proposals, shipped US + RU forces[/]", t["shipped"], target=True)
    add("  naive: each counted, summary shared", t["naive_shared"])
    add("  naive: each counted from scratch", t["naive_scratch"])
    add(f"compare_proposals, synthetic {big_items:,} items", t["big"], target=True)
    add("  naive: each counted, summary shared", t["big_shared"])
    add(f"  naive: from scratch (scaled from {k})", t["big_scratch"])
    console.print(table)
    console.print(
        f"compare {n:,} proposals (shipped US + RU): {t['shipped']:.3f} s; end to end with generation "
        f"{t['generate'] + t['shipped']:.3f} s, with loading from documents {t['load'] + t['shipped']:.2f} s "
        "(target < 10 s)"
    )


def main() -> None:
    args = parse_args()
    console = Console(highlight=False)
    catalog = builtin_catalog()
    shipped = [load_force("us-2020-09", catalog), load_force("ru-2022", catalog)]
    t: dict[str, float] = {}

    start = time.perf_counter()
    proposals, docs = generate(args.proposals)
    t["generate"] = time.perf_counter() - start
    start = time.perf_counter()
    loaded = [proposal_from_document(d, f"generated #{i}") for i, d in enumerate(docs)]
    t["load"] = time.perf_counter() - start
    if [p.treaty.limits for p in loaded] != [p.treaty.limits for p in proposals]:
        sys.exit("MISMATCH: loaded and generated proposals differ in their limits")
    sample = min(50, len(proposals))
    check(shipped, proposals, sample)
    console.print(f"checked: {sample} proposals' lines equal the engine's, counting each on its own ({AS_OF})")

    t["shipped"], comparison = median_time(lambda: compare_proposals(shipped, proposals, AS_OF), args.repeat)
    check_oracle("the shipped forces", comparison, proposals, docs, shipped)
    half = max(1, args.repeat // 2)
    t["naive_shared"], _ = median_time(lambda: naive(shipped, proposals, True), half)
    t["naive_scratch"], _ = median_time(lambda: naive(shipped, proposals, False), half)

    build = time.perf_counter()
    big = [synthetic_force(args.items)]
    t_build = time.perf_counter() - build
    t["big"], big_comparison = median_time(lambda: compare_proposals(big, proposals, AS_OF), args.repeat)
    check_oracle("the synthetic force", big_comparison, proposals, docs, big)
    t["big_shared"], _ = median_time(lambda: naive(big, proposals, True), 1)
    k = min(args.naive, len(proposals))
    t_scratch_k, _ = median_time(lambda: naive(big, proposals[:k], False), 1)
    t["big_scratch"] = t_scratch_k * len(proposals) / k

    n = len(proposals)
    zone = comparison.zone()
    console.print(
        f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}; "
        f"{n:,} proposals over {len(BASES)} readings; compared as of {AS_OF}"
    )
    console.print(
        f"shipped forces us-2020-09 + ru-2022: {sum(f.items for f in shipped):,} items; "
        f"{sum(len(r.rows) for r in comparison.results):,} lines, {comparison.readings_counted} distinct readings "
        f"counted; zone now {len(zone.now)}, by deadline {len(zone.by_deadline)} of {n:,}"
    )
    console.print(
        f"synthetic force: {big[0].items:,} items in {len(big[0]):,} rows (built in {t_build:.1f} s); "
        f"{big_comparison.readings_counted} distinct readings counted"
    )
    report(console, n, args.repeat, t, k, big[0].items)
    print("all checks passed")


if __name__ == "__main__":
    main()
