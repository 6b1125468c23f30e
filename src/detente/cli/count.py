"""``detente validate``, ``detente count`` and ``detente compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from detente._files import load_document
from detente.catalog.load import load_catalog
from detente.cli.common import CatalogOption, DateOption, JsonOption, catalog_with, console, parse_date, print_json
from detente.cli.render import (
    breakdown_table,
    comparison_table,
    compliance_table,
    dates_note,
    inheritance_lines,
    violation_lines,
)
from detente.counting.compliance import Compliance, judge
from detente.counting.readings import count_readings, parse_reading
from detente.data.forces import load_force
from detente.data.official import official_figures
from detente.errors import FileFormatError, Location
from detente.forces.model import Force
from detente.forces.read import read_force
from detente.treaty.load import load_treaty
from detente.treaty.model import Treaty

ForceArgument = Annotated[str, typer.Argument(help="A force file (.csv, .toml, .json) or a shipped force's name.")]
ReadingsOption = Annotated[
    list[str] | None,
    typer.Option("--treaty", "-t", help="TREATY[+VARIANT…] or a treaty file; repeatable (default: new-start)."),
]


def _kind_of(path: Path) -> str:
    if path.suffix.lower() == ".csv":
        return "force"
    doc = load_document(path)
    if "proposal" in doc:
        return "proposal"
    if "measures" in doc or "extends" in doc:
        return "treaty"
    if "items" in doc or "items_csv" in doc or "force" in doc:
        return "force"
    if "systems" in doc:
        return "catalog"
    raise FileFormatError(
        "is neither a treaty (no 'measures'), a force (no 'items') nor a catalog (no 'systems')", Location.of(path)
    )


def validate(
    files: Annotated[list[Path], typer.Argument(help="Treaty, proposal, force or catalog files.")],
    catalog: CatalogOption = None,
) -> None:
    """Check treaty, proposal, force and catalog files; print what each holds, or why it is refused."""
    cat = catalog_with(catalog)
    for path in files:
        kind = _kind_of(path)
        if kind == "treaty":
            t = load_treaty(path, cat)
            extends = f" extends {t.extends}" if t.extends else ""
            console.print(
                f"[green]ok[/] {path}: treaty {t.id!r}{extends} — {len(t.parties)} parties, {len(t.measures)} "
                f"measures, {len(t.limits)} limits, {len(t.variants)} variants"
            )
            _print_inheritance(t)
        elif kind == "proposal":
            from detente.planning.proposals import load_proposal

            p = load_proposal(path, cat)
            console.print(
                f"[green]ok[/] {path}: proposal {p.treaty.id!r} on {p.treaty.extends or 'its own terms'} — "
                f"{len(p.treaty.parties)} parties, {len(p.treaty.limits)} limits"
            )
            _print_inheritance(p.treaty)
        elif kind == "force":
            f = read_force(path, cat)
            console.print(
                f"[green]ok[/] {path}: force of {', '.join(f.parties)} — {len(f):,} rows, "
                f"{f.items:,} items, {len(f.facilities)} facilities"
            )
        else:
            c = load_catalog(path)
            console.print(f"[green]ok[/] {path}: catalog of {len(c)} system types")


def _print_inheritance(treaty: Treaty) -> None:
    for line in inheritance_lines(treaty):
        console.print(f"  {escape(line)}")


def _print_notes(results: list[Compliance]) -> None:
    """Under a table: treaties whose dates came from their base, and items declared above a ceiling."""
    for treaty in {id(r.tally.treaty): r.tally.treaty for r in results}.values():
        note = dates_note(treaty)
        if note:
            console.print(f"[yellow]note[/] {escape(note)}")
    for result in results:
        for line in violation_lines(result):
            console.print(f"{line} [dim]({result.tally.spec})[/]" if len(results) > 1 else line)


def _judged(force: Force, readings: list[str] | None, date: str | None, catalog: CatalogOption) -> list[Compliance]:
    cat = catalog_with(catalog)
    parsed = [parse_reading(r, cat) for r in (readings or ["new-start"])]
    as_of = parse_date(date, force.info.as_of)
    return [judge(t, as_of) for t in count_readings(force, parsed)]


def _json(result: Compliance) -> dict[str, dict[str, dict[str, object]]]:
    data = result.as_dict()
    for party, measures in data.items():
        figures = official_figures(result.tally.treaty.id, party, result.as_of)
        for measure, entry in measures.items():
            fig = figures.get(measure)
            entry["official"] = (
                None if fig is None else {"value": fig.value, "confidence": fig.confidence, "source": fig.source}
            )
    return data


def _force_header(force: Force, spec: str) -> None:
    info = force.info
    console.print(f"[bold]{info.title or spec}[/] — {len(force):,} rows, {force.items:,} items")
    if info.label:
        console.print(f"[dim]{info.label}[/]")


def count(
    force: ForceArgument,
    treaty: ReadingsOption = None,
    date: DateOption = None,
    breakdown: Annotated[bool, typer.Option("--breakdown/--no-breakdown", help="Show where counts come from.")] = True,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Count a force under a treaty reading: count, limit, headroom, verdict, breakdown, official figures."""
    f = load_force(force, catalog_with(catalog))
    results = _judged(f, treaty, date, catalog)
    if as_json:
        print_json(_json(results[0]) if len(results) == 1 else {r.tally.spec: _json(r) for r in results})
        return
    _force_header(f, force)
    for result in results:
        console.print(compliance_table(result))
        _print_notes([result])
        if breakdown:
            for party in result.tally.parties:
                console.print(breakdown_table(result, party))


def compare(
    force: ForceArgument,
    treaty: ReadingsOption = None,
    date: DateOption = None,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Count one force under several treaties and variants, side by side."""
    f = load_force(force, catalog_with(catalog))
    results = _judged(f, treaty or ["new-start", "new-start+ru-2022"], date, catalog)
    if as_json:
        print_json({r.tally.spec: _json(r) for r in results})
        return
    _force_header(f, force)
    console.print(comparison_table(results, f"Side by side — as of {results[0].as_of}"))
    _print_notes(results)
