"""Benchmark: what inspections can detect — simulated years, exact evaluations, and a sweep on Dask.

Measures, each the median of R repeats (time.perf_counter), after one warm-up:
  (a) simulated inspection years per second under New START's Type One regime (10 inspections a year, one
      designated missile each, bases drawn uniformly, the ILLUSTRATIVE New START-like bases, extra warheads
      spread thin), through ``montecarlo.simulate`` on one core; beside it, in the same run, the raw NumPy rate
      of the same random draws (one 32-bit draw per inspection, generated in the same blocks), and for
      orientation the textbook draws (a weighted ``choice`` of base, then ``integers`` for the missile);
  (b) exact detection probabilities per second: ``detection.detection_probability`` (plain integers) against
      ``scipy.stats.hypergeom.sf(0, N, M, n)`` per call, on the same cases, after checking they agree;
  (c) a sweep (strategies × 1…18 inspections a year) run locally and on a Dask LocalCluster — threads in this
      process, then one worker process per core — checked identical, as a ratio of wall times (cluster start-up
      not counted).

Checked against an oracle written here, and the bench exits with status 1 if a check fails: in (a) and in every
cell of (c), the closed-form probability (``exact_probability``) equals the oracle's, and the simulated share of
years lies within 5 standard deviations of it. The oracle is the Type One model worked out by hand: each inspection
draws a base uniformly and designates one of its missiles uniformly, so it finds a loaded one with chance
p = mean over bases of loaded / missiles, independently of the others; a year of k inspections detects with chance
1 - (1 - p)^k, in exact fractions. In (b) every case must agree with SciPy to 1e-12, and N = 100, M = 5, n = 10
must give the published 0.416 (shared/reference/verification.md §3). In (c) Dask's results must equal the local ones.

Run:  .venv/bin/python bench/bench_inspections.py [--years N] [--repeat R] [--cases C] [--sweep-years Y] [--no-dask]
      .venv/bin/python bench/bench_inspections.py --small   (200,000 years, 1 repeat, 200 cases, 5,000 years a cell)
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from detente.verification.detection import detection_probability
from detente.verification.montecarlo import (
    BLOCK_YEARS,
    STRATEGIES,
    Base,
    Estimate,
    Placement,
    Regime,
    exact_probability,
    new_start_like_bases,
    place,
    simulate,
)
from detente.verification.sweep import sweep

CHUNK = 1 << 13  # the simulator's years per vectorised step (montecarlo._CHUNK_YEARS)
EXACT_TOLERANCE = 1e-12  # closed forms in floating point against the oracle's fractions, and against SciPy
SIGMAS = 5  # a seeded simulation this far from the truth is a bug, not bad luck (about 6e-7 per check)


# --- the oracle ---------------------------------------------------------------------------------------------------


def oracle_year(bases: Sequence[Base], placements: Sequence[Placement], regime: Regime) -> Fraction:
    """The chance that a Type One year detects, by hand: see the module docstring."""
    if regime.weights is not None or not regime.revisits or regime.items != 1:
        raise SystemExit("oracle: only uniform bases, revisits allowed and one missile per inspection are modelled")
    total = Fraction(0)
    for p in placements:
        finds = sum(Fraction(n, b.missiles) for b, n in zip(bases, p.loaded, strict=True)) / len(bases)
        total += p.share * (1 - (1 - finds) ** regime.inspections)
    return total / sum(p.share for p in placements)


def estimate_problems(what: str, estimate: Estimate, exact: float | None, truth: Fraction) -> list[str]:
    """Where a closed form or a simulation disagrees with the oracle's probability."""
    problems = []
    if exact is None or abs(exact - float(truth)) > EXACT_TOLERANCE:
        problems.append(f"{what}: exact_probability {exact} != oracle {float(truth)!r}")
    n, p = estimate.years, float(truth)
    if abs(estimate.detected - n * p) > SIGMAS * (n * p * (1 - p)) ** 0.5 + 1:
        problems.append(f"{what}: {estimate.detected:,} of {n:,} years detected; the oracle expects {n * p:,.1f}")
    return problems


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_draws(years: int, inspections: int, seed: int) -> Callable[[], None]:
    """The simulator's random draws alone: one uint32 per inspection, same blocks, same step size."""

    def run() -> None:
        for block, start in enumerate(range(0, years, BLOCK_YEARS)):
            width = min(BLOCK_YEARS, years - start)
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
            for step in range(0, width, CHUNK):
                rng.integers(0, 1 << 32, (inspections, min(CHUNK, width - step)), dtype=np.uint32)

    return run


def textbook_draws(years: int, inspections: int, sizes: np.ndarray, seed: int) -> Callable[[], None]:
    """The draws as one would first write them: a base by weighted choice, then a missile at that base."""
    shares = np.full(sizes.size, 1 / sizes.size)

    def run() -> None:
        rng = np.random.default_rng(seed)
        for start in range(0, years, CHUNK):
            width = min(CHUNK, years - start)
            site = rng.choice(sizes.size, size=(inspections, width), p=shares)
            rng.integers(0, sizes[site])

    return run


def bench_years(args: argparse.Namespace) -> None:
    """(a) simulated years per second against the raw draws."""
    bases = new_start_like_bases()
    regime = Regime(inspections=10)
    placements = place("spread", bases, 60, regime)
    exact = exact_probability(bases, placements, regime)
    check = simulate(bases, placements, regime, args.years, seed=1, confidence=0.999)
    truth = oracle_year(bases, placements, regime)
    print(f"(a) {args.years:,} years, 10 Type One inspections each, 5 illustrative bases, 60 extra warheads spread "
          f"on {sum(placements[0].loaded)} missiles: detected {check.probability:.4f} "
          f"[{check.low:.4f}, {check.high:.4f}], exact {exact:.4f}, oracle {float(truth):.4f} "
          f"({'agrees' if check.covers(exact) else 'DIFFERS'})")  # fmt: skip
    problems = estimate_problems("(a)", check, exact, truth)
    if problems:
        raise SystemExit("\n".join(problems))
    cpu = time.process_time()
    wall = time.perf_counter()
    t_sim = median_time(lambda: simulate(bases, placements, regime, args.years, seed=1), args.repeat)
    cpu_share = (time.process_time() - cpu) / (time.perf_counter() - wall)
    t_raw = median_time(raw_draws(args.years, 10, 1), args.repeat)
    sizes = np.array([b.missiles for b in bases])
    t_book = median_time(textbook_draws(args.years, 10, sizes, 1), args.repeat)
    sim_rate, raw_rate, book_rate = args.years / t_sim, args.years / t_raw, args.years / t_book
    print(f"    simulate (threshold kernel)        {t_sim * 1e3:9.1f} ms  {sim_rate:13,.0f} years/s")
    print(f"    raw draws (1 uint32 / inspection)  {t_raw * 1e3:9.1f} ms  {raw_rate:13,.0f} years/s")
    print(f"    textbook draws (choice + integers) {t_book * 1e3:9.1f} ms  {book_rate:13,.0f} years/s")
    ratio = t_sim / t_raw
    meets = sim_rate >= 2_000_000 and ratio <= 2
    print(f"    simulated years/s: {sim_rate:,.0f} = {ratio:.2f} x the raw draws' time "
          f"({'meets' if meets else 'misses'} the target: >= 2,000,000 years/s and within 2 x; "
          f"CPU time / wall time {cpu_share:.2f}: one core)")  # fmt: skip


def bench_exact(args: argparse.Namespace) -> None:
    """(b) exact evaluations per second, plain integers against SciPy per call."""
    from scipy.stats import hypergeom  # noqa: PLC0415 - only this figure needs SciPy

    rnd = random.Random(5)
    cases = []
    for _ in range(args.cases):
        big_n = rnd.randint(10, 1550)
        cases.append((big_n, rnd.randint(1, min(50, big_n)), rnd.randint(1, min(50, big_n))))
    worst = max(abs(detection_probability(*c) - float(hypergeom.sf(0, *c))) for c in cases)
    print(f"(b) {len(cases):,} cases, N in 10..1550, M and n in 1..50: largest difference from SciPy {worst:.1e}")
    if worst > EXACT_TOLERANCE:
        raise SystemExit(f"(b) detection_probability differs from SciPy by {worst:.1e} (> {EXACT_TOLERANCE:.0e})")
    if round(detection_probability(100, 5, 10), 3) != 0.416:
        raise SystemExit(
            f"(b) N = 100, M = 5, n = 10 gives {detection_probability(100, 5, 10)}, not the published 0.416"
        )

    def ours() -> None:
        for c in cases:
            detection_probability(*c)

    def scipy_sf() -> None:
        for c in cases:
            hypergeom.sf(0, *c)

    t_ours = median_time(ours, args.repeat)
    t_scipy = median_time(scipy_sf, args.repeat)
    print(f"    detection_probability (math.comb)  {len(cases) / t_ours:13,.0f} evaluations/s "
          f"({t_ours / len(cases) * 1e6:.2f} us each)")  # fmt: skip
    print(f"    scipy.stats.hypergeom.sf(0, ...)    {len(cases) / t_scipy:13,.0f} evaluations/s "
          f"({t_scipy / len(cases) * 1e6:.2f} us each)")  # fmt: skip
    print(f"    plain integers are {t_scipy / t_ours:.1f} x faster per call than SciPy")


def bench_sweep(args: argparse.Namespace) -> None:
    """(c) the same sweep locally and on a Dask LocalCluster."""
    bases = new_start_like_bases()
    grid = (bases, 60, list(STRATEGIES), range(1, 19), args.sweep_years, 11)
    cells = len(STRATEGIES) * 18
    start = time.perf_counter()
    local = sweep(*grid)
    t_local = time.perf_counter() - start
    print(f"(c) sweep: {len(STRATEGIES)} strategies x 1..18 inspections a year = {cells} cells of "
          f"{args.sweep_years:,} years ({cells * args.sweep_years:,} years in all)")  # fmt: skip
    print(f"    local, one process                 {t_local:9.2f} s")
    problems = []
    for point in local.points:
        at = Regime(inspections=point.inspections)
        truth = oracle_year(bases, place(point.strategy, bases, 60, at), at)
        problems += estimate_problems(f"(c) {point.strategy} x {point.inspections}", point.estimate, point.exact, truth)
    if problems:
        raise SystemExit("\n".join(problems))
    print(f"    every cell agrees with the oracle: exact within {EXACT_TOLERANCE:.0e}, simulated within {SIGMAS} sigma")
    if args.no_dask:
        return
    from distributed import Client, LocalCluster  # noqa: PLC0415 - only this figure needs Dask

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # no heartbeat noise while workers shut down

    workers = os.cpu_count() or 1
    for processes, n_workers, threads in ((False, 1, workers), (True, workers, 1)):
        kind = f"{workers} threads in this process" if not processes else f"{workers} worker processes"
        start = time.perf_counter()
        with (
            LocalCluster(n_workers=n_workers, threads_per_worker=threads, processes=processes,
                         dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):  # fmt: skip
            started = time.perf_counter() - start
            sweep(bases, 60, ["hide"], [1], 1_000, 1, client=client)  # warm the workers' imports
            start = time.perf_counter()
            remote = sweep(*grid, client=client)
            t_dask = time.perf_counter() - start
        same = remote == local
        print(f"    Dask LocalCluster, {kind:<28} {t_dask:6.2f} s   (start-up {started:.1f} s, not counted)")
        print(f"    local / Dask = {t_local / t_dask:.2f} x; results identical: {same}")
        if not same:
            raise SystemExit("the Dask sweep differs from the local sweep")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` changes the defaults (options given explicitly still win)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--years", type=int, default=2_000_000, help="simulated years for (a)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats per figure (median reported)")
    parser.add_argument("--cases", type=int, default=2_000, help="exact evaluations for (b)")
    parser.add_argument("--sweep-years", type=int, default=200_000, help="years per sweep cell for (c)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask half of (c)")
    parser.add_argument("--small", action="store_true", help="seconds: the same checks on fewer years and cases")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(years=200_000, repeat=1, cases=200, sweep_years=5_000)
        args = parser.parse_args(argv)
    return args


def main() -> None:
    """Print the three figures."""
    args = parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores, median of {args.repeat}")  # fmt: skip
    bench_years(args)
    bench_exact(args)
    bench_sweep(args)
    print("all checks passed")


if __name__ == "__main__":
    main()
