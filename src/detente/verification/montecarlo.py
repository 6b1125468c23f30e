"""Monte Carlo of inspection years: cheating strategies the closed formulas leave to the user, and a check on them.

The model is a New START-like regime of Type One inspections. A party has *bases*, each holding missiles with a
declared number of warheads and a capacity (the most RVs the missile type can carry). A cheater loads ``extra``
warheads beyond the declaration onto some missiles. Each treaty year the inspector makes ``inspections``
inspections; each draws a base with the inspector's selection weights and designates missiles there at random
(New START: one designated missile, whose RVs are counted). A year detects the violation if any designated missile
carries more warheads than declared.

Strategies (how the cheater places ``extra``; :func:`place`):

1. ``concentrate`` — as few missiles as possible (each loaded to capacity), all at one base, the base chosen at
   random each year among those that can hold it all. The year is a mixture over bases.
2. ``spread`` — one extra warhead on each of ``extra`` missiles, spread over the bases in proportion to their
   missiles: thin, but on many missiles.
3. ``hide`` — as few missiles as possible, at the bases where one extra warhead is least likely to be seen (the
   smallest ``weight / (missiles × headroom)`` first): the best reply to a known, uneven inspector.

Two simulators, one interface (:func:`simulate`):

- the *threshold* kernel, for the Type One case (a base may be visited again, one missile per inspection). The
  missiles are laid out on the points of [0, 2³²) base by base, each base with length proportional to its chance of
  being designated (exact to 2⁻³²), its loaded missiles first; one uniform 32-bit draw per inspection designates
  one. Inspections are then independent, each finding a loaded missile exactly when its draw is below the count
  of loaded points, so a year detects exactly when the smallest of its draws is below it: one draw per
  inspection, a minimum over the year's inspections and one comparison. Vectorised over years, in blocks that fit
  the cache.
- the *general* kernel, for anything else: several missiles per inspection, or distinct bases within a year.
  Bases come from NumPy's weighted ``choice`` (with revisits) or from exponential keys divided by the weights,
  the k smallest (successive sampling without replacement; Efraimidis and Spirakis, 2006); the missiles examined
  at a base from NumPy's hypergeometric sampler.

Reproducible: the years are simulated in blocks of :data:`BLOCK_YEARS`, and block i of a run keyed ``key`` draws
from ``SeedSequence(seed, spawn_key=(*key, i))``. The same seed and key give the same count however the work is
split, on one core or on a Dask cluster. A ``progress(done, total)`` callback is called after each block (the
CLI passes a Rich progress bar; this module imports no CLI code). Results carry a Wilson score interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import NormalDist
from typing import Literal

import numpy as np

from detente.catalog.load import builtin_catalog
from detente.errors import Location, StatisticsError
from detente.verification.detection import (
    check_count,
    check_probability,
    multistage_probability,
    year_probability,
)

Strategy = Literal["concentrate", "spread", "hide"]
STRATEGIES: tuple[Strategy, ...] = ("concentrate", "spread", "hide")
#: Years per seeded block: the unit of reproducibility (and of progress reports).
BLOCK_YEARS = 1 << 16
_CHUNK_YEARS = 1 << 13  # years per vectorised step inside a block: the step's arrays stay in the cache
_UNITS = 1 << 32  # the threshold kernel's resolution: probabilities are whole multiples of 2⁻³²
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Base:
    """A base: how many missiles, warheads declared on each, and the most RVs one can carry."""

    name: str
    missiles: int
    declared: int
    capacity: int

    def __post_init__(self) -> None:
        check_count(f"{self.name}: missiles", self.missiles, 1)
        check_count(f"{self.name}: declared", self.declared)
        check_count(f"{self.name}: capacity", self.capacity)
        if self.capacity < self.declared:
            raise StatisticsError(
                f"capacity {self.capacity} is below the {self.declared} warheads declared", Location(field=self.name)
            )

    @property
    def headroom(self) -> int:
        """Extra warheads one missile here can take."""
        return self.capacity - self.declared


def new_start_like_bases() -> tuple[Base, ...]:
    """ILLUSTRATIVE bases shaped like a New START-era force, not any party's declaration.

    Three ICBM bases (400 Minuteman III declared with one RV each) and two submarine bases (240 Trident II D5
    declared with four): 640 missiles carrying 1,360 warheads, the scale of verification.md §3 (about 1,550
    warheads on several hundred missiles). Capacities are the shipped catalog's ``max_rvs`` (3 and 8).
    """
    catalog = builtin_catalog()
    mm3, d5 = catalog.get("minuteman-iii").max_rvs, catalog.get("trident-ii-d5").max_rvs
    return (
        Base("ICBM base 1", 150, 1, mm3),
        Base("ICBM base 2", 150, 1, mm3),
        Base("ICBM base 3", 100, 1, mm3),
        Base("SSBN base 1", 120, 4, d5),
        Base("SSBN base 2", 120, 4, d5),
    )


@dataclass(frozen=True)
class Regime:
    """How the inspector samples: inspections a year, base weights, revisits, missiles examined per inspection.

    New START's Type One: 10 inspections a year, one designated missile each; a base may be inspected again.
    ``weights`` (one per base, ≥ 0) default to uniform; with ``revisits=False`` a year's inspections go to
    distinct bases, drawn by successive weighted sampling.
    """

    inspections: int = 10
    weights: tuple[float, ...] | None = None
    revisits: bool = True
    items: int = 1

    def __post_init__(self) -> None:
        check_count("inspections", self.inspections)
        check_count("items", self.items, 1)
        if self.weights is not None:
            for i, w in enumerate(self.weights):
                if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
                    raise StatisticsError(f"must be a finite number ≥ 0, got {w!r}", Location(field=f"weights[{i}]"))
            if not any(self.weights):
                raise StatisticsError("all weights are zero: no base can be drawn", Location(field="weights"))

    def shares(self, count: int) -> list[Fraction]:
        """Each of ``count`` bases' chance of being drawn by one inspection, exactly."""
        if self.weights is None:
            return [Fraction(1, count)] * count
        if len(self.weights) != count:
            raise StatisticsError(f"{len(self.weights)} weights for {count} bases", Location(field="weights"))
        exact = [Fraction(repr(float(w))) for w in self.weights]
        return [w / sum(exact) for w in exact]


@dataclass(frozen=True)
class Placement:
    """Where the extra warheads are in a year: loaded missiles per base, and this placement's share of years."""

    loaded: tuple[int, ...]
    share: Fraction = Fraction(1)


def _refuse(why: str, hint: str | None = None) -> StatisticsError:
    return StatisticsError(why, Location(field="extra warheads"), hint)


def place(strategy: str, bases: Sequence[Base], extra: int, regime: Regime | None = None) -> tuple[Placement, ...]:
    """The placements (with their shares of years) by which ``strategy`` hides ``extra`` warheads at ``bases``."""
    extra = check_count("extra warheads", extra)
    if strategy not in STRATEGIES:
        raise StatisticsError(
            f"unknown strategy {strategy!r}", Location(field="strategy"), f"one of {', '.join(STRATEGIES)}"
        )
    room = [b.missiles * b.headroom for b in bases]
    if extra > sum(room):
        raise _refuse(f"{extra} extra warheads do not fit: the missiles have room for {sum(room)}")
    if extra == 0:
        return (Placement((0,) * len(bases)),)
    if strategy == "concentrate":
        able = [i for i, r in enumerate(room) if r >= extra]
        if not able:
            raise _refuse(f"no single base has room for {extra} extra warheads (most: {max(room)})", "use spread")
        return tuple(
            Placement(tuple(-(-extra // bases[i].headroom) if j == i else 0 for j in range(len(bases))),
                      Fraction(1, len(able)))
            for i in able
        )  # fmt: skip
    if strategy == "spread":
        return (Placement(_spread(bases, extra)),)
    shares = (regime or Regime()).shares(len(bases))
    order = sorted((i for i in range(len(bases)) if room[i]),
                   key=lambda i: (shares[i] / (bases[i].missiles * bases[i].headroom), i))  # fmt: skip
    loaded, left = [0] * len(bases), extra
    for i in order:
        put = min(left, room[i])
        loaded[i] = -(-put // bases[i].headroom)
        left -= put
    return (Placement(tuple(loaded)),)


def _spread(bases: Sequence[Base], extra: int) -> tuple[int, ...]:
    """``extra`` missiles, one extra warhead each, by largest remainder in proportion to the missiles with room."""
    able = [b.missiles if b.headroom else 0 for b in bases]
    if extra > sum(able):
        raise _refuse(f"{extra} missiles to load one each, but only {sum(able)} have room", "use concentrate")
    quotas = [Fraction(extra * a, sum(able)) for a in able]
    loaded = [math.floor(q) for q in quotas]
    for i in sorted(range(len(bases)), key=lambda i: (loaded[i] - quotas[i], i))[: extra - sum(loaded)]:
        loaded[i] += 1
    return tuple(min(x, a) for x, a in zip(loaded, able, strict=True))


def exact_probability(bases: Sequence[Base], placements: Sequence[Placement], regime: Regime) -> float:
    """The yearly detection probability by the closed formulas (:mod:`detection`), averaged over the placements.

    Each placement counts in proportion to its share (shares need not sum to one).
    """
    sizes = [b.missiles for b in bases]
    weights = None if regime.weights is None else list(regime.weights)
    total = 0.0
    for p in placements:
        if regime.revisits:
            year = year_probability(sizes, list(p.loaded), regime.inspections, regime.items, weights)
        else:
            year = multistage_probability(sizes, list(p.loaded), regime.inspections, regime.items, weights)
        total += float(p.share) * year
    return total / float(sum(p.share for p in placements))


@dataclass(frozen=True)
class Estimate:
    """Years simulated, years with a detection, and the estimate with its Wilson score interval."""

    detected: int
    years: int
    confidence: float
    kernel: str
    low: float = field(init=False)
    high: float = field(init=False)

    def __post_init__(self) -> None:
        low, high = wilson(self.detected, self.years, self.confidence)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def probability(self) -> float:
        """The share of years with a detection."""
        return self.detected / self.years if self.years else 0.0

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (E. B. Wilson, JASA 22, 1927)."""
    conf = float(check_probability("confidence", confidence))
    if trials == 0:
        return 0.0, 1.0
    if not 0 < conf < 1:
        raise StatisticsError("must be strictly between 0 and 1", Location(field="confidence"))
    z = NormalDist().inv_cdf(0.5 + conf / 2)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


# --- the threshold kernel -------------------------------------------------------------------------------------------


def _base_units(shares: Sequence[Fraction]) -> list[int]:
    """Each base's share of 2³² points, by largest remainder so that they sum to exactly 2³²."""
    quotas = [s * _UNITS for s in shares]
    units = [math.floor(q) for q in quotas]
    for i in sorted(range(len(units)), key=lambda i: (units[i] - quotas[i], i))[: _UNITS - sum(units)]:
        units[i] += 1
    return units


def loaded_points(bases: Sequence[Base], loaded: Sequence[int], shares: Sequence[Fraction]) -> int:
    """Of 2³² equally likely designations, how many fall on a loaded missile.

    Base i holds ``units[i]`` of the 2³² points (its share of inspections) and the first
    ``⌊loaded · units / missiles⌋`` of them are its loaded missiles'. One inspection, with revisits allowed and one
    missile designated, is then a single uniform 32-bit draw: it finds a loaded missile exactly when the draw is
    below this count. Probabilities are whole multiples of 2⁻³².
    """
    units = _base_units(shares)
    return sum((n_loaded * u) // b.missiles for b, n_loaded, u in zip(bases, loaded, units, strict=True))


def _threshold_years(rng: np.random.Generator, threshold: int, years: int, inspections: int) -> int:
    """Years (of ``inspections`` independent one-missile inspections) in which some designated missile was loaded.

    A year detects exactly when its smallest draw is below the threshold.
    """
    if inspections == 0 or threshold == 0:
        return 0
    if threshold >= _UNITS:
        return years
    detected = 0
    for start in range(0, years, _CHUNK_YEARS):
        width = min(_CHUNK_YEARS, years - start)
        draws = rng.integers(0, _UNITS, (inspections, width), dtype=np.uint32)
        detected += int(np.count_nonzero(draws.min(axis=0) < threshold))
    return detected


# --- the general kernel ---------------------------------------------------------------------------------------------


def _general_years(
    rng: np.random.Generator, sizes: np.ndarray, loaded: np.ndarray, shares: np.ndarray, regime: Regime, years: int
) -> int:
    """Years with a detection, for any regime: bases by weighted choice or successive sampling, then missiles."""
    k = regime.inspections
    if k == 0:
        return 0
    detected = 0
    for start in range(0, years, _CHUNK_YEARS):
        width = min(_CHUNK_YEARS, years - start)
        if regime.revisits:
            sites = rng.choice(sizes.size, size=(width, k), p=shares)
        else:
            with np.errstate(divide="ignore"):
                keys = rng.exponential(size=(width, sizes.size)) / shares  # weight 0 → never drawn
            sites = np.argpartition(keys, k - 1, axis=1)[:, :k]
        good = loaded[sites]
        found = rng.hypergeometric(good, sizes[sites] - good, regime.items) > 0
        detected += int(np.count_nonzero(found.any(axis=1)))
    return detected


# --- the driver -----------------------------------------------------------------------------------------------------


def simulate(
    bases: Sequence[Base],
    placements: Sequence[Placement],
    regime: Regime,
    years: int,
    seed: int,
    *,
    key: tuple[int, ...] = (),
    confidence: float = 0.95,
    kernel: Literal["auto", "threshold", "general"] = "auto",
    progress: Progress | None = None,
) -> Estimate:
    """Simulate ``years`` treaty years of ``regime`` against the cheater's ``placements``; seeded and reproducible.

    ``kernel="auto"`` uses the threshold kernel when it applies (revisits allowed, one missile per inspection).
    """
    years = check_count("years", years, 1)
    seed = check_count("seed", seed)
    if not placements:
        raise StatisticsError("no placement to simulate", Location(field="strategy"))
    shares = regime.shares(len(bases))
    for p in placements:
        if len(p.loaded) != len(bases):
            raise StatisticsError(f"{len(p.loaded)} counts for {len(bases)} bases", Location(field="placement"))
        for b, n in zip(bases, p.loaded, strict=True):
            if not 0 <= n <= b.missiles:
                raise StatisticsError(f"{n} loaded missiles at a base of {b.missiles}", Location(field=b.name))
    if not regime.revisits and regime.inspections > sum(1 for s in shares if s > 0):
        raise StatisticsError(
            f"{regime.inspections} distinct bases a year, but only {sum(1 for s in shares if s > 0)} can be drawn",
            Location(field="inspections"),
        )
    if regime.items > min(b.missiles for b in bases):
        raise StatisticsError(f"{regime.items} missiles per inspection at a base with fewer", Location(field="items"))
    table_ok = regime.revisits and regime.items == 1
    if kernel == "threshold" and not table_ok:
        why = "the threshold kernel needs revisits and one missile per inspection"
        raise StatisticsError(why, Location(field="kernel"))
    use_table = table_ok and kernel != "general"
    mix = np.array([float(p.share) for p in placements])
    mix /= mix.sum()
    thresholds = [loaded_points(bases, p.loaded, shares) for p in placements] if use_table else []
    sizes = np.array([b.missiles for b in bases], dtype=np.int64)
    loaded = [np.array(p.loaded, dtype=np.int64) for p in placements]
    share_array = np.array([float(s) for s in shares])
    detected = 0
    for block, start in enumerate(range(0, years, BLOCK_YEARS)):
        width = min(BLOCK_YEARS, years - start)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(*key, block))))
        per_placement = rng.multinomial(width, mix) if len(placements) > 1 else np.array([width])
        for i, n in enumerate(per_placement.tolist()):
            if n == 0:
                continue
            if use_table:
                detected += _threshold_years(rng, thresholds[i], n, regime.inspections)
            else:
                detected += _general_years(rng, sizes, loaded[i], share_array, regime, n)
        if progress is not None:
            progress(start + width, years)
    return Estimate(detected, years, confidence, "threshold" if use_table else "general")
