"""Charts of what inspections detect: detection probability against inspections a year, one line per strategy.

Drawn with matplotlib's object API on a :class:`~matplotlib.figure.Figure` and the Agg canvas, never through
``pyplot``, so no global figure state is touched and nothing needs a display. The format follows the file name:
``.png`` or ``.svg``.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from detente.errors import InputError, Location
from detente.verification.sweep import Sweep

FORMATS = (".png", ".svg")
_COLOURS = {"concentrate": "#1f77b4", "spread": "#2ca02c", "hide": "#d62728"}


def detection_figure(result: Sweep, title: str | None = None) -> Figure:
    """Each strategy: Monte Carlo estimates with their intervals, and the exact curve dashed where known."""
    figure = Figure(figsize=(7.5, 4.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for strategy in result.strategies:
        line = result.line(strategy)
        xs = [p.inspections for p in line]
        colour = _COLOURS.get(strategy)
        axes.fill_between(xs, [p.estimate.low for p in line], [p.estimate.high for p in line],
                          color=colour, alpha=0.2, linewidth=0)  # fmt: skip
        axes.plot(xs, [p.estimate.probability for p in line], marker="o", markersize=3, color=colour,
                  label=f"{strategy} (Monte Carlo)")  # fmt: skip
        exact = [(p.inspections, p.exact) for p in line if p.exact is not None]
        if exact:
            axes.plot(*zip(*exact, strict=True), linestyle="--", linewidth=1, color=colour, label=f"{strategy} (exact)")
    confidence = result.points[0].estimate.confidence if result.points else 0.95
    axes.set_xlabel("inspections per year")
    axes.set_ylabel("probability of detection within the year")
    axes.set_ylim(0, 1)
    axes.grid(visible=True, alpha=0.3)
    axes.set_title(
        title
        or f"{result.extra} extra warheads; {result.years:,} simulated years per point, "
        f"{confidence:.0%} intervals (seed {result.seed})",
        fontsize=9,
    )
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def save_chart(result: Sweep, path: Path, title: str | None = None) -> Path:
    """Write the chart to ``path`` (``.png`` or ``.svg``, by its suffix); refuse other suffixes."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"cannot tell the format from {path.suffix or 'no suffix'!r}", Location.of(path),
                         "name the file .png or .svg")  # fmt: skip
    detection_figure(result, title).savefig(path, format=suffix[1:])
    return path
