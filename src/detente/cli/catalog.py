"""``detente catalog``: the system types known to detente."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from detente.catalog.model import SystemType
from detente.cli.common import CatalogOption, JsonOption, catalog_with, console, print_json

app = typer.Typer(help="System types: list and show.", no_args_is_help=True)


def _armaments(system: SystemType) -> str:
    possible = system.possible_armaments
    return " or ".join(a.value for a in possible) + (" (rows say which)" if len(possible) > 1 else "")


@app.command("list")
def list_systems(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """List system types with category, basing, capacities and sources."""
    cat = catalog_with(catalog)
    if as_json:
        print_json([s.model_dump(mode="json") for s in cat])
        return
    table = Table(title=f"System types ({len(cat)})", title_justify="left")
    columns = ("id", "name", "country", "category", "basing", "max RVs", "ALCMs", "armament", "confidence", "sources")
    for col in columns:
        table.add_column(col)
    for s in cat:
        table.add_row(
            s.id,
            s.name,
            s.country,
            s.category.value,
            s.basing.value,
            str(s.max_rvs or "–"),
            str(s.alcm_capacity or "–"),
            _armaments(s),
            s.confidence.value,
            ", ".join(s.sources),
        )
    console.print(table)
    ambiguous = cat.ambiguous_names()
    if ambiguous:
        console.print("Names that may mean several types (refused: name the type):")
        for name, candidates in ambiguous.items():
            console.print(f"  {name}: {', '.join(candidates)}")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="System id or alias.")], catalog: CatalogOption = None) -> None:
    """Show one system type and where its numbers come from."""
    cat = catalog_with(catalog)
    s = cat.get(name)
    for key, value in s.model_dump(mode="json").items():
        console.print(f"[bold]{key}[/]: {value}")
    for key in s.sources:
        console.print(f"  {key}: {cat.sources.get(key, '?')}")
