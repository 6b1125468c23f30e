"""``detente treaty``: list and show treaties (limits and rules in words), print the JSON Schema."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from detente.cli.common import CatalogOption, JsonOption, catalog_with, console, print_json
from detente.cli.render import inheritance_lines
from detente.counting.readings import parse_reading
from detente.treaty.load import builtin_treaties, json_schema
from detente.treaty.model import Definition, Term, Treaty, Value

app = typer.Typer(help="Treaties: list, show, schema.", no_args_is_help=True)


@app.command("list")
def list_treaties(as_json: JsonOption = False) -> None:
    """List the built-in treaties, agreements and frameworks."""
    treaties = builtin_treaties()
    if as_json:
        print_json(
            [
                {
                    "id": t.id,
                    "name": t.title,
                    "kind": t.kind,
                    "signed": t.dates.signed,
                    "variants": [v.id for v in t.variants],
                }
                for t in treaties.values()
            ]
        )
        return
    table = Table(title="Built-in treaties", title_justify="left")
    for col in ("id", "name", "kind", "signed", "in force", "limits", "variants"):
        table.add_column(col)
    for t in treaties.values():
        d = t.dates
        in_force = f"{d.entry_into_force or '–'} → {d.expires or '–'}" if d.entry_into_force else "draft"
        limits = "; ".join(f"{lim.measure} {lim.describe()}" for lim in t.limits)
        table.add_row(
            t.id, t.title, t.kind, str(d.signed or "–"), in_force, limits, ", ".join(v.id for v in t.variants)
        )
    console.print(table)


def _definition_words(name: str, d: Definition) -> str:
    if d.any_of is not None:
        text = "any of " + ", ".join(d.any_of)
    else:
        parts = []
        for field in ("category", "basing", "system", "kind", "status", "armament", "role", "facility_kind"):
            allowed = getattr(d, field)
            if allowed is not None:
                parts.append(f"{field.replace('_', ' ')} in {{{', '.join(str(a) for a in allowed)}}}")
        if d.heavy is not None:
            parts.append("heavy ICBMs only" if d.heavy else "no heavy ICBMs")
        text = " and ".join(parts) or "every item"
    if d.exclude:
        text += ", except " + ", ".join(d.exclude)
    return text


def _term_words(term: Term) -> str:
    value = term.value
    each = {
        Value.ITEMS: "1",
        Value.WARHEADS: "its declared warheads",
        Value.ATTRIBUTED: "its attributed warheads",
        Value.ALCM_CAPACITY: "its ALCM capacity",
        Value.MAX_RVS: "its type's maximum RVs",
    }
    text = f"each {term.select} counts {value if isinstance(value, int) else each[value]}"
    if term.cap:
        ceilings = ", ".join(f"{v} for {p}" for p, v in term.cap.items())
        text += f" (a ceiling: none may be declared with more than {ceilings})"
    if term.first:
        firsts = ", ".join(f"the first {r.count} of {p} count {r.value}" for p, r in term.first.items())
        order = ", then ".join(k.by + (f" ({', '.join(k.first)} first)" if k.first else "") for k in term.order)
        text += f"; {firsts}, taken in order of {order}"
    return text


def describe(treaty: Treaty) -> None:
    """Print a treaty in words: dates, parties, measures with their rules, limits, definitions, variants."""
    d = treaty.dates
    console.print(f"[bold]{escape(treaty.title)}[/] ({treaty.id}, {treaty.kind}) — {escape(treaty.name)}")
    if treaty.summary:
        console.print(escape(treaty.summary))
    if treaty.extends:
        console.print(f"Extends {treaty.extends}:")
        for line in inheritance_lines(treaty):
            console.print(f"  {escape(line)}")
    dates = [f"{k.replace('_', ' ')} {v}" for k, v in d.model_dump().items() if v is not None]
    base = treaty.inherited.get("dates")
    console.print(
        "Dates: "
        + ("; ".join(dates) or "none (tested as if in force)")
        + (f" [yellow](inherited from {base})[/]" if base else "")
    )
    console.print("Parties: " + ", ".join(f"{p.id} ({p.name})" for p in treaty.parties))
    for m in treaty.measures:
        console.print(f"\n[bold]{m.id}[/] — {m.name} [dim]{m.article}[/]")
        for term in m.terms:
            console.print(f"  + {term.name}: {_term_words(term)}")
        for lim in (x for x in treaty.limits if x.measure == m.id):
            when = f" from {lim.from_}" if lim.from_ else ""
            when += f" until {lim.until}" if lim.until else ""
            who = f" for {', '.join(lim.parties)}" if lim.parties else ""
            note = f" — {lim.note}" if lim.note else ""
            console.print(f"  limit {lim.describe()}{who}{when}{note}")
    console.print("\n[bold]Definitions[/]")
    for name, definition in treaty.definitions.items():
        console.print(f"  [bold]{name}[/]: {_definition_words(name, definition)}")
        if definition.description:
            console.print(f"    [dim]{definition.description}[/]")
    if treaty.attribution:
        console.print("\n[bold]Attributed warheads[/]: " + ", ".join(f"{k} {v}" for k, v in treaty.attribution.items()))
    for v in treaty.variants:
        console.print(f"\n[bold]Variant {v.id}[/] — {v.name} (held by {', '.join(v.held_by) or '–'})")
        console.print(f"  {v.description}")
        for name, definition in v.definitions.items():
            console.print(f"  replaces [bold]{name}[/]: {_definition_words(name, definition)}")
    if treaty.sources:
        console.print("\n[bold]Sources[/]")
        for key, address in treaty.sources.items():
            console.print(f"  {key}: {address}")


@app.command("show")
def show(
    reading: Annotated[str, typer.Argument(help="Treaty id or file, optionally +VARIANT (e.g. new-start+ru-2022).")],
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a treaty: its dates, parties, limits and counting rules in words."""
    r = parse_reading(reading, catalog_with(catalog))
    if as_json:
        print_json(r.treaty.model_dump(mode="json", by_alias=True, exclude_defaults=True))
        return
    describe(r.treaty)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of treaty files."""
    typer.echo(json_schema(), nl=False)
