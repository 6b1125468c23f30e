"""``detente demo``: the main job on shipped data.

Shipped forces counted under shipped treaties, with the official figures beside them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.catalog.load import builtin_catalog
from detente.cli.common import ForceOption, console, output_path, plain, shown
from detente.cli.ledger import build_demo, timeline_table, timeline_with_progress
from detente.cli.render import readings_table
from detente.counting.compliance import judge
from detente.counting.readings import count_readings, parse_reading
from detente.data.forces import shipped_force_path
from detente.forces.read import read_force
from detente.verification.montecarlo import STRATEGIES, Regime, exact_probability, new_start_like_bases, place

# Which readings make sense for each shipped force (a force is counted under treaties of its time).
DEMO = (
    ("us-2020-09", ("new-start", "new-start+ru-2022", "sort", "joint-understanding", "dec-2009-framing")),
    ("ru-2022", ("new-start", "sort", "joint-understanding")),
    ("start-mou-1990", ("start-i",)),
)


def demo(
    ledger: Annotated[
        Path | None, typer.Option(help="Where to build the demo ledger (a new SQLite file); default: a fresh temp dir.")
    ] = None,
    overwrite: ForceOption = False,
) -> None:
    """Count the shipped forces under the shipped treaties, and replay the demo ledger, beside the official figures."""
    catalog = builtin_catalog()
    if ledger is not None:
        output_path(ledger, overwrite)  # before the counting: a file in the way costs nothing
    for name, specs in DEMO:
        force = read_force(shipped_force_path(name), catalog)
        readings = [parse_reading(s, catalog) for s in specs]
        as_of = force.info.as_of
        assert as_of is not None, f"shipped force {name} has a date"  # noqa: S101 - shipped data invariant
        results = [judge(t, as_of) for t in count_readings(force, readings)]
        console.rule(f"[bold]{shown(force.info.title)}[/]  ({shown(name)})")
        console.print(plain(force.info.label, "dim"))
        console.print(readings_table(results, f"{force.items:,} items counted as of {as_of}"))
    target = ledger or Path(tempfile.mkdtemp(prefix="detente-demo-")) / "demo-ledger.sqlite"
    console.rule("[bold]New START ledgers of the US and Russia, 2011–2023[/]  (ILLUSTRATIVE item-level history)")
    with build_demo(target, overwrite) as store:
        reading = parse_reading("new-start", catalog)
        rows = timeline_with_progress(store, reading, None)
        console.print(timeline_table(rows, f"Counts replayed from {target} at every data date"))
        matched = sum(1 for r in rows if r.agrees)
        published = sum(1 for r in rows if r.official is not None)
        console.print(f"{matched} of {published} published figures equal the counts replayed from the ledger.")
        _detection()
        console.print(
            "Verdicts: within · within-range (meets the top of a range limit) · over · not-in-force (limits not yet "
            "binding on that date) · expired · no-limit. 'official' is the published figure for the same date and "
            "party. More: detente count us-2020-09 --treaty new-start+ru-2022; detente treaty show start-i; "
            f"detente data aggregates; detente ledger history {shown(target)} US-B52H-60-0001; detente inspect plan "
            f"{shown(target)} "
            "--by US --of RU --at 2016-03-01 --seed 4; detente detect chart --out detection.svg; detente proposals "
            "bomber-dispute; detente plan us-2020-09 -t new-start+ru-2022 --deadline 2023-09-01."
        )


def _detection() -> None:
    """What New START's Type One inspections could catch a year, exactly, on illustrative New START-scale bases."""
    bases = new_start_like_bases()
    table = Table(
        title="Chance that a year of Type One inspections (10, one designated missile each) finds extra warheads",
        title_justify="left",
        caption="ILLUSTRATIVE: 640 missiles with 1,360 declared warheads at 5 bases; exact (detente detect simulate "
        "checks it by Monte Carlo)",
    )
    table.add_column("extra warheads")
    for strategy in STRATEGIES:
        table.add_column(strategy, justify="right")
    regime = Regime(inspections=10)
    for extra in (20, 60, 200):
        cells = [f"{exact_probability(bases, place(s, bases, extra, regime), regime):.3f}" for s in STRATEGIES]
        table.add_row(f"{extra:,}", *cells)
    console.rule("[bold]What inspections can detect[/]")
    console.print(table)
