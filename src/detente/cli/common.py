"""What every command shares: the console, options, and turning names into objects with clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from detente.errors import InputError

if TYPE_CHECKING:
    from detente.catalog.model import Catalog

console = Console(highlight=False)

CatalogOption = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="A catalog file of your own system types (repeatable).", show_default=False),
]
DateOption = Annotated[
    str | None,
    typer.Option("--date", "-d", help="Date to judge compliance on (YYYY-MM-DD); default: the force's own date."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def catalog_with(extra: list[Path] | None) -> Catalog:
    """The shipped catalog plus the user's own catalog files."""
    # Imported here, not above: main imports this module for the console, and `detente --help` needs no catalog.
    from detente.catalog.load import builtin_catalog, load_catalog

    catalog = builtin_catalog()
    for path in extra or []:
        catalog = catalog.merged(load_catalog(path))
    return catalog


def parse_date(text: str | None, fallback: dt.date | None) -> dt.date:
    """``--date`` as a date; without it, the force's date; without that, today (the edge reads the clock)."""
    if text is None:
        return fallback or dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {text!r}") from None


def print_json(value: Any) -> None:
    """JSON on standard output, dates as ISO strings."""
    typer.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


VERDICT_STYLE = {
    "within": "green",
    "within-range": "yellow",
    "over": "bold red",
    "not-in-force": "cyan",
    "expired": "dim",
    "no-limit": "dim",
}


def verdict_text(verdict: str) -> str:
    """A verdict coloured for the terminal."""
    return f"[{VERDICT_STYLE.get(verdict, '')}]{verdict}[/]"
