"""A grid of Monte Carlo runs — inspections per year × cheating strategy — here or on a Dask cluster.

Each cell of the grid is one :func:`~detente.verification.montecarlo.simulate` call keyed by the cell's place in
the grid, so a cell's result depends only on the seed and the grid, never on where or in what order it ran: the
same sweep gives identical counts locally and on a cluster. Pass a ``distributed.Client`` to run the cells as
Dask tasks, or ``None`` to run them here one after another; nothing else changes. This module does not import
Dask: the client brings it.

Beside each estimate the sweep gives the closed-form probability (:func:`~detente.verification.montecarlo.
exact_probability`) where the formulas cover the case, so a chart can show both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from detente.errors import Location, StatisticsError
from detente.verification.detection import check_count
from detente.verification.montecarlo import (
    STRATEGIES,
    Base,
    Estimate,
    Regime,
    exact_probability,
    place,
    simulate,
)


@dataclass(frozen=True)
class Cell:
    """One run of the grid: a strategy against a number of inspections a year, and its key for the seed."""

    index: int
    strategy: str
    inspections: int


@dataclass(frozen=True)
class Point:
    """A cell's result: the Monte Carlo estimate and, where the formulas cover it, the exact probability."""

    strategy: str
    inspections: int
    estimate: Estimate
    exact: float | None


@dataclass(frozen=True)
class Sweep:
    """Every point of a sweep, in grid order (strategy-major), with what it was run on."""

    extra: int
    years: int
    seed: int
    regime: Regime
    strategies: tuple[str, ...]
    inspections: tuple[int, ...]
    points: tuple[Point, ...]

    def line(self, strategy: str) -> list[Point]:
        """One strategy's points, by inspections a year."""
        return [p for p in self.points if p.strategy == strategy]

    def as_json(self) -> dict[str, Any]:
        """Plain numbers for ``--json`` and for files."""
        return {
            "extra_warheads": self.extra,
            "years_per_point": self.years,
            "seed": self.seed,
            "points": [
                {"strategy": p.strategy, "inspections_per_year": p.inspections, "detected_years": p.estimate.detected,
                 "probability": p.estimate.probability, "low": p.estimate.low, "high": p.estimate.high,
                 "confidence": p.estimate.confidence, "exact": p.exact}
                for p in self.points
            ],
        }  # fmt: skip


def _run(
    cell: Cell, *, bases: tuple[Base, ...], extra: int, regime: Regime, years: int, seed: int, confidence: float
) -> Point:
    """Run one cell (in this process or on a Dask worker)."""
    at = replace(regime, inspections=cell.inspections)
    placements = place(cell.strategy, bases, extra, at)
    estimate = simulate(bases, placements, at, years, seed, key=(cell.index,), confidence=confidence)
    return Point(cell.strategy, cell.inspections, estimate, exact_probability(bases, placements, at))


def grid(strategies: Sequence[str], inspections: Sequence[int]) -> list[Cell]:
    """The cells of a sweep: every strategy against every number of inspections, each with its own key."""
    if not strategies or not inspections:
        raise StatisticsError("a sweep needs at least one strategy and one number of inspections")
    for s in strategies:
        if s not in STRATEGIES:
            raise StatisticsError(
                f"unknown strategy {s!r}", Location(field="strategy"), f"one of {', '.join(STRATEGIES)}"
            )
    counts = [check_count("inspections", m) for m in inspections]
    return [Cell(i * len(counts) + j, s, m) for i, s in enumerate(strategies) for j, m in enumerate(counts)]


def sweep(
    bases: Sequence[Base],
    extra: int,
    strategies: Sequence[str],
    inspections: Sequence[int],
    years: int,
    seed: int,
    *,
    regime: Regime | None = None,
    confidence: float = 0.95,
    client: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Detection probability for each strategy and each number of inspections a year, here or on ``client``.

    ``client`` is a ``distributed.Client`` or None; ``progress(done, total)`` is called as cells finish.
    """
    cells = grid(strategies, inspections)
    base_regime = regime or Regime()
    frozen = tuple(bases)
    run = partial(_run, bases=frozen, extra=extra, regime=base_regime, years=years, seed=seed, confidence=confidence)
    for strategy in dict.fromkeys(c.strategy for c in cells):  # refuse bad input here, before any task is sent
        place(strategy, frozen, extra, base_regime)
    check_count("years", years, 1)
    check_count("seed", seed)
    results: dict[int, Point] = {}
    if client is None:
        for cell in cells:
            results[cell.index] = run(cell)
            if progress is not None:
                progress(len(results), len(cells))
    else:
        from distributed import as_completed  # noqa: PLC0415 - only a caller with a cluster needs Dask

        futures = client.map(run, cells, pure=False)
        index_of = {f.key: c.index for f, c in zip(futures, cells, strict=True)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            results[index_of[future.key]] = future.result()
            if progress is not None:
                progress(len(results), len(cells))
    return Sweep(
        extra=extra,
        years=years,
        seed=seed,
        regime=base_regime,
        strategies=tuple(strategies),
        inspections=tuple(inspections),
        points=tuple(results[c.index] for c in cells),
    )
