"""``detente detect``: what inspections can detect — probabilities, sample sizes, the game, simulation, charts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from detente.cli.common import (
    ForceOption,
    JsonOption,
    console,
    err_console,
    output_path,
    plain,
    print_json,
    shown,
)
from detente.errors import InputError, Location, StatisticsError
from detente.verification import detection as det
from detente.verification.game import Game
from detente.verification.montecarlo import (
    STRATEGIES,
    Base,
    Regime,
    exact_probability,
    new_start_like_bases,
    place,
    simulate,
)

app = typer.Typer(
    help="What inspections can detect: exact probabilities, sample sizes, the inspection game, Monte Carlo.",
    no_args_is_help=True,
)

SiteOpt = Annotated[
    list[str] | None,
    typer.Option("--site", help="A site as SIZE:VIOLATIONS (repeatable): multi-stage, sites then items."),
]
WeightOpt = Annotated[
    list[float] | None, typer.Option("--weight", help="Selection weight of each site or base, in order (repeatable).")
]
BaseOpt = Annotated[
    list[str] | None,
    typer.Option("--base", help="A base as NAME:MISSILES:DECLARED:CAPACITY (repeatable); default: illustrative set."),
]
#: Simulated years a command may ask for: about ten seconds of the general kernel (one to three million years a
#: second on one core), far more than an interval to three decimals needs (a million years: ±0.001).
MAX_SIMULATED_YEARS = 10_000_000
#: Inspections a simulated year may hold: New START allows 18.
MAX_INSPECTIONS = 1_000
#: A chart's sweep: years × strategies × inspection counts, the same budget spread over every point, on a laptop
#: or a Dask cluster.
MAX_SWEEP_YEARS = 100_000_000
YearsOpt = Annotated[
    int, typer.Option("--years", help=f"Simulated treaty years (at most {MAX_SIMULATED_YEARS:,}).", min=1,
                      max=MAX_SIMULATED_YEARS)
]  # fmt: skip
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same result.", min=0)]


_WHOLE = re.compile(r"-?[0-9]{1,18}")  # a whole number an int64 holds, in ASCII digits


def _numbers(spec: str, count: int, first: int) -> list[int] | None:
    """The ``:``-separated whole numbers of ``spec`` from part ``first`` on, if it has ``count`` parts."""
    parts = spec.split(":")
    if len(parts) != count or not all(_WHOLE.fullmatch(p.strip()) for p in parts[first:]):
        return None
    return [int(p) for p in parts[first:]]


def _sites(specs: list[str]) -> tuple[list[int], list[int]]:
    sizes, bad = [], []
    for i, spec in enumerate(specs):
        numbers = _numbers(spec, 2, 0)
        if numbers is None:
            raise InputError(f"expected SIZE:VIOLATIONS, got {spec!r}", Location(field=f"--site #{i + 1}"))
        sizes.append(numbers[0])
        bad.append(numbers[1])
    return sizes, bad


def _bases(specs: list[str] | None) -> tuple[Base, ...]:
    if not specs:
        return new_start_like_bases()
    bases = []
    for i, spec in enumerate(specs):
        numbers = _numbers(spec, 4, 1)
        if numbers is None:
            raise InputError(
                f"expected NAME:MISSILES:DECLARED:CAPACITY, got {spec!r}", Location(field=f"--base #{i + 1}")
            )
        bases.append(Base(spec.split(":")[0], *numbers))
    return tuple(bases)


def _regime(inspections: int, weights: list[float] | None, distinct: bool, items: int) -> Regime:
    return Regime(inspections, None if not weights else tuple(weights), not distinct, items)


@contextmanager
def _progress_bar(label: str, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar as a ``progress(done, total)`` callback (None when printing JSON)."""
    if not show:
        yield None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("probability")
def probability(
    population: Annotated[int | None, typer.Option("--population", "-N", help="Items at the site.")] = None,
    violations: Annotated[int | None, typer.Option("--violations", "-M", help="Items in violation.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", "-n", help="Items examined.")] = None,
    site: SiteOpt = None,
    sites_inspected: Annotated[int, typer.Option("--inspect", help="Sites inspected (multi-stage).")] = 1,
    items: Annotated[int, typer.Option("--items", help="Items examined at each site inspected.")] = 1,
    weight: WeightOpt = None,
    revisits: Annotated[
        bool, typer.Option("--revisits", help="Each inspection draws a site anew (may repeat); default: distinct.")
    ] = False,
    years: Annotated[int, typer.Option("--years", help="Also give the chance over this many years.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Exact detection probability: items at one site (-N -M -n), or sites then items (--site …, --inspect, --items)."""
    result: dict[str, Any]
    if site:
        if population is not None or violations is not None or sample is not None:
            raise InputError("give either -N/-M/-n (one site) or --site (several), not both")
        sizes, bad = _sites(site)
        if revisits:
            p = det.year_probability(sizes, bad, sites_inspected, items, weight)
            model = f"{sites_inspected} inspections, each drawing a site anew, {items} item(s) examined"
        else:
            p = det.multistage_probability(sizes, bad, sites_inspected, items, weight)
            model = f"{sites_inspected} distinct sites drawn, {items} item(s) examined at each"
        model += ", sites drawn by weight" if weight else ", sites drawn uniformly"
        result = {"model": model, "sizes": sizes, "violations": bad}
    else:
        if population is None or violations is None or sample is None:
            raise InputError("give -N, -M and -n (one site), or --site SIZE:VIOLATIONS … (several)")
        p = det.detection_probability(population, violations, sample)
        model = f"{sample} of {population} items examined, {violations} in violation (hypergeometric)"
        result = {"model": model, "population": population, "violations": violations, "sample": sample}
    result["probability"] = p
    result["years"] = years
    result["probability_over_years"] = det.over_years(p, years)
    if as_json:
        print_json(result)
        return
    console.print(plain(model))
    console.print(f"detection probability: [bold]{p:.4f}[/]")
    if years != 1:
        console.print(f"over {years} independent years: [bold]{result['probability_over_years']:.4f}[/]")


@app.command("sample-size")
def sample_size_command(
    population: Annotated[int, typer.Option("--population", "-N", help="Items at the site.")],
    violations: Annotated[int, typer.Option("--violations", "-M", help="Items in violation to detect.")],
    target: Annotated[
        list[float] | None, typer.Option("--target", help="Detection probability wanted (repeatable).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Smallest sample for a target detection probability: exact search beside the IAEA approximation."""
    targets = target or [0.5, 0.9, 0.95, 0.99]
    sizes = [det.sample_size(population, violations, t) for t in targets]
    if as_json:
        print_json([
            {"target": float(s.target), "beta": float(s.non_detection), "exact": s.exact,
             "exact_probability": s.exact_probability, "iaea": s.iaea, "iaea_rounded": s.iaea_rounded,
             "iaea_probability": s.iaea_probability}
            for s in sizes
        ])  # fmt: skip
        return
    table = Table(title=f"Sample size: N = {population:,} items, M = {violations:,} in violation", title_justify="left")
    for name in ("target", "β", "exact n", "detects", "IAEA N(1−β^(1/M))", "IAEA n", "detects", "IAEA − exact"):
        table.add_column(name, justify="right")
    for s in sizes:
        table.add_row(f"{float(s.target):g}", f"{float(s.non_detection):g}", f"{s.exact:,}",
                      f"{s.exact_probability:.4f}", f"{s.iaea:,.2f}", f"{s.iaea_rounded:,}",
                      f"{s.iaea_probability:.4f}", f"{s.iaea_rounded - s.exact:+d}")  # fmt: skip
    console.print(table)


@app.command("game")
def game_command(
    gain: Annotated[float, typer.Option("--gain", "-g", help="The inspectee's gain from an undetected violation.")],
    sanction: Annotated[float, typer.Option("--sanction", "-b", help="What a detected violation costs it.")],
    false_alarm_rate: Annotated[float, typer.Option("--false-alarm-rate", help="α, per inspection scheme.")] = 0.0,
    false_alarm_cost: Annotated[float, typer.Option("--false-alarm-cost", help="h, to the inspectee.")] = 0.0,
    detection: Annotated[float | None, typer.Option("--detection", help="A detection probability.")] = None,
    population: Annotated[int | None, typer.Option("--population", "-N", help="Items, for a sample size.")] = None,
    violations: Annotated[int | None, typer.Option("--violations", "-M", help="Items in violation.")] = None,
    per_inspection: Annotated[
        float | None, typer.Option("--per-inspection", help="One inspection's detection probability.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The inspection game under inspector leadership: the detection probability that deters, and what it takes."""
    game = Game(gain, sanction, false_alarm_rate, false_alarm_cost)
    result: dict[str, Any] = {"threshold": game.threshold, "deterrable": game.deterrable}
    if detection is not None:
        result["detection"] = detection
        result["deters"] = game.deters(detection)
        result["violation_payoff"] = game.violation_payoff(detection)
        result["legal_payoff"] = game.legal_payoff()
    if (population is None) != (violations is None):
        raise InputError("give both --population and --violations for a sample size", Location(field="--violations"))
    if game.deterrable and population is not None and violations is not None:
        result["minimum_sample"] = game.minimum_sample(population, violations)
    if game.deterrable and per_inspection is not None:
        result["minimum_inspections"] = game.minimum_inspections(per_inspection)
    if as_json:
        print_json(result)
        return
    alpha = Fraction(repr(false_alarm_rate))
    console.print(f"legal behaviour is the best reply when p ≥ (g + αh)/(g + b) = [bold]{game.threshold:.4f}[/]"
                  + (f" (α = {alpha})" if alpha else ""))  # fmt: skip
    if not game.deterrable:
        console.print("[bold red]no detection probability deters[/]: a false alarm costs more than the sanction")
    if detection is not None:
        verdict = "[green]deters[/]" if result["deters"] else "[bold red]does not deter[/]"
        console.print(f"p = {detection:g} {verdict}: violating is worth {result['violation_payoff']:.4g}, "
                      f"legal behaviour {result['legal_payoff']:.4g}")  # fmt: skip
    if "minimum_sample" in result:
        console.print(f"fewest items of {population:,} to examine ({violations:,} in violation): "
                      f"[bold]{result['minimum_sample']:,}[/]")  # fmt: skip
    if "minimum_inspections" in result:
        console.print(f"fewest inspections at p = {per_inspection:g} each: [bold]{result['minimum_inspections']:,}[/]")


@app.command("simulate")
def simulate_command(
    strategy: Annotated[str, typer.Option("--strategy", "-s", help=f"One of {', '.join(STRATEGIES)}.")],
    extra: Annotated[int, typer.Option("--extra", "-x", help="Extra warheads beyond the declaration.")],
    years: YearsOpt = 1_000_000,
    seed: SeedOpt = 2011,
    inspections: Annotated[
        int, typer.Option("--inspections", "-m", help="Inspections a year.", min=0, max=MAX_INSPECTIONS)
    ] = 10,
    weight: WeightOpt = None,
    distinct: Annotated[bool, typer.Option("--distinct", help="A year's inspections go to distinct bases.")] = False,
    items: Annotated[int, typer.Option("--items", help="Missiles examined per inspection.")] = 1,
    base: BaseOpt = None,
    confidence: Annotated[float, typer.Option("--confidence", help="Of the Wilson interval.")] = 0.95,
    as_json: JsonOption = False,
) -> None:
    """Monte Carlo of inspection years against a cheating strategy (default: New START-like Type One, 10 a year)."""
    bases = _bases(base)
    regime = _regime(inspections, weight, distinct, items)
    regime.shares(len(bases))  # refuse a wrong number of weights before the bar starts
    placements = place(strategy, bases, extra, regime)
    exact = exact_probability(bases, placements, regime)  # first: it refuses sizes past its bounds at once
    with _progress_bar(f"simulating {years:,} years", not as_json) as progress:
        estimate = simulate(bases, placements, regime, years, seed, confidence=confidence, progress=progress)
    result = {
        "strategy": strategy, "extra_warheads": extra, "inspections_per_year": inspections, "years": years,
        "seed": seed, "kernel": estimate.kernel, "detected_years": estimate.detected,
        "probability": estimate.probability, "low": estimate.low, "high": estimate.high, "confidence": confidence,
        "exact": exact, "placements": [{"loaded": list(p.loaded), "share": float(p.share)} for p in placements],
        "bases": [{"name": b.name, "missiles": b.missiles, "declared": b.declared, "capacity": b.capacity}
                  for b in bases],
    }  # fmt: skip
    if as_json:
        print_json(result)
        return
    if not base:
        console.print("[dim]bases: ILLUSTRATIVE New START-like set (not a declaration); --base to give your own[/]")
    console.print(
        f"{shown(strategy)}: {extra} extra warheads; {inspections} inspections a year, {items} missile(s) each"
    )
    console.print(f"detected in {estimate.detected:,} of {years:,} years: [bold]{estimate.probability:.4f}[/] "
                  f"({confidence:.0%} interval {estimate.low:.4f}–{estimate.high:.4f}); exact {exact:.4f}")  # fmt: skip


@app.command("chart")
def chart_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="FILE.png or FILE.svg.")],
    extra: Annotated[int, typer.Option("--extra", "-x", help="Extra warheads beyond the declaration.")] = 60,
    max_inspections: Annotated[
        int, typer.Option("--max-inspections", help="Up to this many a year.", min=1, max=MAX_INSPECTIONS)
    ] = 18,
    strategy: Annotated[list[str] | None, typer.Option("--strategy", "-s", help="Repeatable; default: all.")] = None,
    years: YearsOpt = 100_000,
    seed: SeedOpt = 2011,
    weight: WeightOpt = None,
    base: BaseOpt = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="A Dask scheduler address: run the sweep there.")
    ] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Chart detection probability against inspections a year, one line per strategy (Monte Carlo and exact)."""
    from detente.verification.charts import save_chart  # matplotlib: only this command draws
    from detente.verification.sweep import sweep

    if out.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"cannot tell the format from {out.suffix or 'no suffix'!r}", Location.of(out),
                         "name the file .png or .svg")  # fmt: skip
    output_path(out, force)
    strategies = strategy or list(STRATEGIES)
    sweep_years = years * len(strategies) * max_inspections
    if sweep_years > MAX_SWEEP_YEARS:
        raise StatisticsError(
            f"the sweep would simulate {sweep_years:,} years (years × strategies × inspection counts), "
            f"more than {MAX_SWEEP_YEARS:,}",
            Location(field="--years"),
            "fewer --years, strategies or --max-inspections",
        )
    bases = _bases(base)
    regime = _regime(10, weight, False, 1)
    regime.shares(len(bases))
    client = None
    if scheduler is not None:
        from distributed import Client  # only this option needs Dask

        client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        with _progress_bar("sweeping", not as_json) as progress:
            result = sweep(bases, extra, strategies, range(1, max_inspections + 1), years, seed,
                           regime=regime, client=client, progress=progress)  # fmt: skip
    finally:
        if client is not None:
            client.close()  # type: ignore[no-untyped-call]
    save_chart(result, out)
    if as_json:
        print_json(result.as_json())
    else:
        console.print(f"wrote {shown(out)}")
