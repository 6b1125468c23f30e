"""``detente data``: shipped official figures and forces, with their sources."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from detente.cli.common import JsonOption, console, plain, print_json
from detente.data.official import check_party, new_start_aggregates, stockpiles
from detente.errors import DataError

app = typer.Typer(help="Shipped data: New START aggregates, stockpiles, illustrative forces.", no_args_is_help=True)


@app.command("aggregates")
def aggregates(
    party: Annotated[str | None, typer.Option("--party", "-p", help="Only this party (US or RU).")] = None,
    as_json: JsonOption = False,
) -> None:
    """New START aggregate numbers for every published data exchange, with confidence and source."""
    check_party(party)
    rows = [a for a in new_start_aggregates() if party is None or a.party == party]
    if as_json:
        print_json(
            [
                {"as_of": a.as_of, "party": a.party, **a.figures, "confidence": a.confidence, "source": a.source}
                for a in rows
            ]
        )
        return
    table = Table(title="New START aggregate numbers (limits 700 / 1,550 / 800 from 2018-02-05)", title_justify="left")
    for col, justify in (
        ("as of", "left"),
        ("party", "left"),
        ("deployed", "right"),
        ("warheads", "right"),
        ("launchers", "right"),
        ("confidence", "left"),
        ("source", "left"),
    ):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for a in rows:
        f = a.figures
        table.add_row(
            str(a.as_of),
            plain(a.party),
            *(f"{v:,}" if v is not None else "–" for v in f.values()),
            plain(a.confidence),
            plain(a.source),
        )
    console.print(table)


@app.command("stockpiles")
def show_stockpiles(
    start: Annotated[int, typer.Option("--from", help="First year.")] = 1945,
    end: Annotated[int, typer.Option("--to", help="Last year.")] = 2023,
    as_json: JsonOption = False,
) -> None:
    """Estimated US and USSR/Russian nuclear stockpiles by year, with the source."""
    if start > end:
        raise DataError(f"--from {start} is after --to {end}")
    rows = [s for s in stockpiles() if start <= s.year <= end]
    if not rows:
        raise DataError(f"no stockpile data between {start} and {end} (data: 1945–2023)")
    if as_json:
        print_json([{"year": s.year, "us": s.us, "ussr_russia": s.ussr_russia, "source": s.source} for s in rows])
        return
    table = Table(
        title="Nuclear stockpiles (warheads; chart: US blue, USSR/Russia red)",
        title_justify="left",
        caption=plain(f"Source: {rows[0].source}"),
    )
    for col in ("year", "US", "USSR/Russia", "chart"):
        table.add_column(col, justify="right" if col != "chart" else "left")
    peak = max(max(s.us, s.ussr_russia) for s in rows)
    for s in rows:
        bar = "[blue]" + "█" * round(30 * s.us / peak) + "[/]\n[red]" + "█" * round(30 * s.ussr_russia / peak) + "[/]"
        table.add_row(str(s.year), f"{s.us:,}", f"{s.ussr_russia:,}", bar)
    console.print(table)


@app.command("forces")
def forces(as_json: JsonOption = False) -> None:
    """The shipped illustrative and historical forces, and what each is."""
    from detente.catalog.load import builtin_catalog  # only this command reads the forces
    from detente.data.forces import shipped_force_names, shipped_force_path
    from detente.forces.read import read_force

    shipped = {name: read_force(shipped_force_path(name), builtin_catalog()) for name in shipped_force_names()}
    if as_json:
        print_json([{"name": name, "as_of": f.info.as_of, "parties": list(f.parties), "items": f.items,
                     "label": f.info.label} for name, f in shipped.items()])  # fmt: skip
        return
    table = Table(title="Shipped forces (use the name wherever a force file is asked for)", title_justify="left")
    for col in ("name", "as of", "parties", "items", "what it is"):
        table.add_column(col, overflow="fold")
    for name, f in shipped.items():
        table.add_row(plain(name), str(f.info.as_of or "–"), plain(", ".join(f.parties)), f"{f.items:,}",
                      plain(f.info.label))  # fmt: skip
    console.print(table)
