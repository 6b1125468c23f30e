"""View 8, detection: the chance that inspections find a violation, with sliders for the numbers that decide it.

Two models, each computed by the library functions the CLI calls:

1. **Items at one site.** N items, M of them violating, n examined at random: the exact hypergeometric chance
   that at least one violation is examined, and over several independent treaty years
   (``detente detect probability -N N -M M -n n --years Y --json``: :func:`~detente.verification.detection.
   detection_probability`, :func:`~detente.verification.detection.over_years`).
2. **Inspections a year against a cheater.** The ILLUSTRATIVE New START-like bases of
   :func:`~detente.verification.montecarlo.new_start_like_bases` hide extra warheads by each strategy; the chance
   that a year of 1 to 18 Type One inspections (one designated missile each) finds them, by Monte Carlo beside the
   exact formula (``detente detect chart --json``: :func:`~detente.verification.sweep.sweep`). A page must answer
   at once, so the Monte Carlo runs :data:`SWEEP_YEARS` simulated years per point with the CLI's seed, a tenth
   of the CLI's default; the page says so, and the same seed and years give the CLI's numbers exactly.

Only the default population comes from the ledger: the deployed ICBM and SLBM launchers (each holds a missile, the
item a Type One inspection designates) a party declared at the ledger's latest data date.

Every number is bounded before it is used: counts by :data:`~detente.verification.detection.MAX_ITEMS`, M and n by
N. The sliders send ``fit=yes``, which brings M and n down to a smaller N as the population slider moves (a range
cannot pass its maximum anyway); anything else asking for more violations or a larger sample than the population
is refused with a 400 that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from detente.errors import InputError, Location
from detente.forces.vocabulary import Kind, Status
from detente.treaty import Treaty
from detente.verification import detection as det
from detente.verification.montecarlo import STRATEGIES, Base, Regime, new_start_like_bases
from detente.verification.sweep import Sweep, sweep
from detente.web.page import Page, Query, choice_field, int_field
from detente.web.source import Source
from detente.web.tables import Cell, Chart, Column, Series, Table

#: Simulated treaty years per point of the chart: a thirtieth of a second for all 54 points, intervals of about
#: ±0.01 (the CLI's default is 100,000).
SWEEP_YEARS = 10_000
#: The seed of the chart's Monte Carlo: the CLI's default.
SEED = 2011
#: The chart runs from 1 inspection a year to this many: the CLI's default, New START's 10 Type One and 8 Type Two.
MAX_INSPECTIONS = 18
#: Extra warheads the cheater hides by default: the CLI's default.
DEFAULT_EXTRA = 60
#: Violating items by default: the published check value (N = 100, M = 5, n = 10).
DEFAULT_VIOLATIONS = 5
#: The population when the ledger declares no deployed missile: the published check value.
FALLBACK_POPULATION = 100
#: The sample when the treaty designates nothing: New START's 10 Type One inspections, one missile each.
FALLBACK_SAMPLE = 10
#: Treaty years to combine: a treaty runs for decades.
MAX_YEARS = 100
#: The population slider's reach at least (the number form and the URL reach MAX_ITEMS).
SLIDER_POPULATION = 1_000


@dataclass(frozen=True)
class Slider:
    """One control: its field name, label, bounds of the range input, value, and a line of help."""

    name: str
    label: str
    low: int
    high: int
    value: int
    help: str
    group: str  # "site" (model 1) or "year" (model 2)
    limit: int  # what the number form and the URL may ask for


def build(source: Source, query: Query) -> Page:
    """The detection probability for ``?population=&violations=&sample=&years=``, and the chart for ``?extra=``."""
    treaty = source.treaty()
    when = source.default_date()
    declared = _deployed_missiles(source)
    default_population = next((n for _, n in declared if n), FALLBACK_POPULATION)
    fit = choice_field(query, "fit", ["yes"]) == "yes"
    population = int_field(query, "population", default_population, 1, det.MAX_ITEMS)
    violations = int_field(query, "violations", min(DEFAULT_VIOLATIONS, population), 0, det.MAX_ITEMS)
    sample = int_field(query, "sample", min(_default_sample(treaty), population), 0, det.MAX_ITEMS)
    if fit:
        violations, sample = min(violations, population), min(sample, population)
    for name, value in (("violations", violations), ("sample", sample)):
        if value > population:
            raise InputError(
                f"{name} is {value:,}, more than the population of {population:,} items",
                Location(field=name),
                f"at most {population:,}",
            )
    years = int_field(query, "years", 1, 1, MAX_YEARS)
    bases = new_start_like_bases()
    room = [b.missiles * b.headroom for b in bases]
    extra = int_field(query, "extra", DEFAULT_EXTRA, 0, sum(room))

    probability = det.detection_probability(population, violations, sample)
    over = det.over_years(probability, years)
    result = source.kept(("detection-sweep", extra), lambda: _sweep(bases, extra))
    values = {"population": population, "violations": violations, "sample": sample, "years": years, "extra": extra}
    reach = min(det.MAX_ITEMS, max(SLIDER_POPULATION, 2 * default_population, population))
    sliders = [
        Slider("population", "Population N: items that could be examined", 1, reach, population,
               "missiles, launchers or sites: whatever one inspection picks among", "site", det.MAX_ITEMS),
        Slider("violations", "Violations M: items in violation", 0, population, violations,
               "over-loaded, undeclared or falsely declared items among them", "site", det.MAX_ITEMS),
        Slider("sample", "Sample n: items examined", 0, population, sample, _sample_help(treaty), "site",
               det.MAX_ITEMS),
        Slider("years", "Treaty years", 1, MAX_YEARS, years,
               "independent years, each with the same sample", "site", MAX_YEARS),
        # the slider stops where one base is full (beyond it the concentrate strategy has nowhere to go); the URL
        # may ask up to every base's room, and the strategies that cannot place that many say so
        Slider("extra", "Extra warheads hidden", 0, max(room), extra,
               "beyond the declaration, on the illustrative bases below", "year", sum(room)),
    ]  # fmt: skip
    defaults = [
        {"party": party, "count": count, "href": "?" + urlencode({**values, "population": count, "fit": "yes"})}
        for party, count in declared
        if count
    ]
    return Page(
        "Detection",
        "detection.html",
        [_probability_table(values, probability, over), _sweep_table(result), _bases_table(bases)],
        facts={
            "sliders": sliders,
            "probability": probability,
            "over": over,
            "chosen": values,
            "defaults": defaults,
            "when": when,
            "sweep_years": SWEEP_YEARS,
            "seed": SEED,
        },
        intro="What random inspections can detect. Move a slider: the probability follows. The numbers are "
        "exact, computed as detente detect probability computes them; the chart below is a Monte Carlo "
        "with its exact curve.",
    )


def _deployed_missiles(source: Source) -> list[tuple[str, int]]:
    """Each party's deployed ICBM and SLBM launchers at the ledger's latest data date (the default population)."""
    when = source.default_date()

    def compute() -> list[tuple[str, int]]:
        return [
            (s.party, sum(1 for i in s.items.values() if i.kind is Kind.LAUNCHER and i.status is Status.DEPLOYED))
            for s in source.states(when)
        ]

    return source.kept(("deployed-missiles", when), compute)


def _default_sample(treaty: Treaty) -> int:
    """Missiles a year's inspections designate: the quota times the designated missiles of each type that counts."""
    if treaty.inspections is None:
        return FALLBACK_SAMPLE
    return sum(int(t.quota) * int(t.designated) for t in treaty.inspections.types) or FALLBACK_SAMPLE


def _sample_help(treaty: Treaty) -> str:
    if treaty.inspections is None or not any(t.quota and t.designated for t in treaty.inspections.types):
        return "drawn at random without replacement"
    return (
        f"drawn at random without replacement; by default {_default_sample(treaty)}, the missiles a year of "
        f"{treaty.title} inspections designates"
    )


def _sweep(bases: tuple[Base, ...], extra: int) -> Sweep:
    # Regime() is the CLI's: 10 inspections a year (each point sets its own), uniform weights, revisits, one missile
    return sweep(bases, extra, list(STRATEGIES), range(1, MAX_INSPECTIONS + 1), SWEEP_YEARS, SEED, regime=Regime())


def _probability_table(values: dict[str, int], probability: float, over: float) -> Table:
    n, m, k, y = (values[key] for key in ("population", "violations", "sample", "years"))
    table = Table(
        "probability",
        "Detection probability: items at one site",
        [
            Column("population", "Population N", numeric=True),
            Column("violations", "Violations M", numeric=True),
            Column("sample", "Sample n", numeric=True),
            Column("probability", "Probability in a year", numeric=True),
            Column("years", "Years", numeric=True),
            Column("over_years", "Probability over the years", numeric=True),
        ],
        source=f"detente detect probability -N {n} -M {m} -n {k} --years {y} --json",
        note="1 − C(N − M, n) / C(N, n), in exact integers; over Y independent years, 1 − (1 − p)^Y.",
    )
    table.rows.append(
        {
            "population": n,
            "violations": m,
            "sample": k,
            "probability": Cell(probability, "", f"{probability:.4f}"),
            "years": y,
            "over_years": Cell(over, "", f"{over:.4f}"),
        }
    )
    return table


def _sweep_table(result: Sweep) -> Table:
    columns = [Column("inspections", "Inspections a year", numeric=True)]
    series = []
    for s in result.strategies:
        columns += [
            Column(f"mc:{s}", f"{s} (Monte Carlo)", numeric=True),
            Column(f"interval:{s}", f"{s}: 95% interval"),
            Column(f"exact:{s}", f"{s} (exact)", numeric=True),
        ]
        series += [Series(f"mc:{s}"), Series(f"exact:{s}", dashed=True)]
    table = Table(
        "chart",
        f"Detection within a year against inspections a year: {result.extra} extra warheads",
        columns,
        source=f"detente detect chart --out FILE.svg --extra {result.extra} --years {result.years} "
        f"--seed {result.seed} --json",
        note=f"Monte Carlo: {result.years:,} simulated years per point, seed {result.seed} (the CLI runs 100,000 "
        "by default; these are fewer so that the page answers at once), with the Wilson 95% interval; the exact "
        "column is the closed formula. Strategies: concentrate (as few missiles as possible at one base), spread "
        "(one extra warhead on each of many missiles), hide (where inspections look least).",
        chart=Chart("line", "inspections", tuple(series)),
    )
    for m in result.inspections:
        row: dict[str, Any] = {"inspections": m}
        for p in result.points:
            if p.inspections != m:
                continue
            row[f"mc:{p.strategy}"] = Cell(
                p.estimate.probability, "", f"detected in {p.estimate.detected:,} of {p.estimate.years:,} years"
            )
            row[f"interval:{p.strategy}"] = f"{p.estimate.low:.3f}–{p.estimate.high:.3f}"
            row[f"exact:{p.strategy}"] = p.exact
        table.rows.append(row)
    return table


def _bases_table(bases: tuple[Base, ...]) -> Table:
    table = Table(
        "bases",
        "The bases of the chart (ILLUSTRATIVE, New START-like; not a declaration)",
        [
            Column("name", "Base"),
            Column("missiles", "Missiles", numeric=True),
            Column("declared", "Warheads declared on each", numeric=True),
            Column("capacity", "Most it can carry", numeric=True),
        ],
        source="detente detect simulate --strategy spread --extra 1 --json (its bases)",
    )
    for b in bases:
        table.rows.append(
            {
                "name": b.name,
                "missiles": b.missiles,
                "declared": b.declared,
                "capacity": b.capacity,
            }
        )
    return table
