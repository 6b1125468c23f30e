"""``detente proposals``: list, show, compare proposals on forces, the zone of agreement, the 2009 bomber dispute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from detente.catalog.model import Catalog
from detente.cli.common import (
    CatalogOption,
    DateOption,
    ForceOption,
    JsonOption,
    catalog_with,
    console,
    output_path,
    parse_date,
    plain,
    print_json,
    shown,
)
from detente.cli.render import comparison_table, readings_table
from detente.cli.treaties import describe
from detente.counting.compliance import Compliance
from detente.counting.readings import Reading
from detente.data.forces import load_force
from detente.errors import InputError, Location
from detente.forces.model import Force
from detente.planning.compare import (
    Comparison,
    ReadingDifference,
    Standing,
    compare_proposals,
    merge_forces,
    reading_difference,
)
from detente.planning.proposals import Proposal, builtin_proposals, get_proposal

app = typer.Typer(
    help="Proposals: list, show, compare on forces, zone of agreement, the December 2009 bomber dispute.",
    no_args_is_help=True,
)

ForcesArgument = Annotated[
    list[str], typer.Argument(help="Force files or shipped forces' names; a party may come from one force only.")
]
ProposalsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--proposal",
        help="A built-in proposal, a built-in treaty or a proposal file, optionally +VARIANT; repeatable "
        "(default: every built-in proposal).",
    ),
]
RateOption = Annotated[
    list[str] | None,
    typer.Option(
        "--rate",
        help="MEASURE=N: assume a party can cut at most N a year on MEASURE (zone of agreement); repeatable.",
    ),
]
STANDING_STYLE = {
    Standing.MEETS: "green",
    Standing.CAN_MEET: "yellow",
    Standing.CANNOT_MEET: "bold red",
    Standing.NO_DATA: "dim",
}
BOMBER_POSITIONS = ("us-dec-2009-bombers", "ru-dec-2009-bombers")
CHART_SUFFIXES = (".png", ".svg")


def _proposals(specs: Sequence[str] | None, catalog: Catalog) -> list[Proposal]:
    if specs:
        return [get_proposal(s, catalog) for s in specs]
    return list(builtin_proposals().values())


def _rates(items: Sequence[str] | None) -> dict[str, int]:
    rates = {}
    for item in items or ():
        measure, sep, value = item.partition("=")
        if not sep or not measure.strip() or not value.strip().isdigit():
            raise InputError(f"--rate: expected MEASURE=N with N a whole number ≥ 0, got {item!r}")
        rates[measure.strip()] = int(value)
    return rates


def _check_rates(rates: dict[str, int], proposals: Sequence[Proposal]) -> None:
    known = {m.id for p in proposals for m in p.treaty.measures}
    for measure in rates:
        if measure not in known:
            raise InputError(
                f"--rate: no proposal compared has a measure {measure!r}", hint=f"measures: {', '.join(sorted(known))}"
            )


def _forces(specs: Sequence[str], catalog: Catalog) -> list[Force]:
    return [load_force(s, catalog) for s in specs]


def _compared(
    force_specs: Sequence[str],
    proposal_specs: Sequence[str] | None,
    date: str | None,
    rate_items: Sequence[str] | None,
    catalog: CatalogOption,
) -> tuple[list[Force], Comparison]:
    cat = catalog_with(catalog)
    rates = _rates(rate_items)
    forces = _forces(force_specs, cat)
    proposals = _proposals(proposal_specs, cat)
    _check_rates(rates, proposals)
    dates = [f.info.as_of for f in forces if f.info.as_of is not None]
    as_of = parse_date(date, max(dates) if dates else None)
    return forces, compare_proposals(forces, proposals, as_of, rates)


@app.command("list")
def list_proposals(as_json: JsonOption = False) -> None:
    """The built-in proposals: base treaty, parties, limits, reading, deadline, who proposed them."""
    proposals = builtin_proposals()
    if as_json:
        print_json(
            [
                {
                    "id": p.id,
                    "name": p.title,
                    "extends": p.treaty.extends,
                    "parties": list(p.treaty.party_ids()),
                    "limits": {lim.measure: lim.describe() for lim in p.treaty.limits},
                    "reading": [v.id for v in p.variants],
                    "deadline": p.deadline_text,
                    "proposed_by": list(p.terms.proposed_by),
                    "label": p.terms.label,
                }
                for p in proposals.values()
            ]
        )
        return
    table = Table(title="Built-in proposals (use the id with --proposal)", title_justify="left")
    for col in ("id", "name", "based on", "parties", "limits", "reading", "to meet in", "proposed by", "label"):
        table.add_column(col, overflow="fold")
    for p in proposals.values():
        limits = "; ".join(f"{lim.measure} {lim.describe()}" for lim in p.treaty.limits)
        table.add_row(
            *(
                plain(cell)
                for cell in (
                    p.id,
                    p.title,
                    p.treaty.extends or "–",
                    ", ".join(p.treaty.party_ids()),
                    limits,
                    ", ".join(v.id for v in p.variants) or "–",
                    p.deadline_text,
                    ", ".join(p.terms.proposed_by) or "–",
                    p.terms.label,
                )
            )
        )
    console.print(table)


@app.command("show")
def show(
    proposal: Annotated[str, typer.Argument(help="A built-in proposal, a built-in treaty or a proposal file.")],
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """A proposal in words: who proposed it, deadline, reading, linked issues and categories, then its treaty."""
    p = get_proposal(proposal, catalog_with(catalog))
    if as_json:
        print_json(
            {
                "id": p.id,
                "spec": p.spec,
                "origin": p.origin,
                "proposal": p.terms.model_dump(mode="json", exclude_defaults=True),
                "reading": [v.id for v in p.variants],
                "treaty": p.treaty.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            }
        )
        return
    t = p.terms
    console.print(f"[bold]Proposal {shown(p.spec)}[/] [dim]({shown(p.origin)})[/]")
    if t.label:
        console.print(plain(t.label, "dim"))
    facts = [
        ("proposed by", ", ".join(t.proposed_by)),
        ("date", str(t.date or "")),
        ("to be met", p.deadline_text + (" after the comparison date" if t.years is not None else "")),
        ("read under", ", ".join(f"{v.id} ({v.name})" for v in p.variants)),
        ("linked issues", "; ".join(t.linked_issues)),
        ("counted together", "; ".join(f"{', '.join(m)} with {party}" for party, m in t.combine.items())),
        ("yearly rates", ", ".join(f"{m} {r:,}" for m, r in t.rates.items())),
        ("sources", ", ".join(f"{k} ({p.treaty.sources.get(k, '?')})" for k in t.sources)),
        ("note", t.note),
    ]
    for name, value in facts:
        if value and value != "–":
            console.print(plain(f"{name}: {value}"))
    for c in t.linked:
        how = []
        if c.max is not None:
            how.append(f"limited to {c.max:,} per party")
        if c.counts_toward:
            how.append(f"counted toward {c.counts_toward}")
        holdings = ", ".join(f"{party} {n:,}" for party, n in c.holdings.items()) or "none given"
        console.print(
            f"linked category [bold]{shown(c.id)}[/] — "
            + shown(
                f"{c.name}: {' and '.join(how)}; holdings {holdings}"
                + (f" as of {c.as_of}" if c.as_of else "")
                + (f" [{', '.join(c.sources)}]" if c.sources else "")
            )
        )
        if c.description:
            console.print(plain(f"  {c.description}", "dim"))
    console.print()
    describe(p.treaty)


def _row_json(comparison: Comparison) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in comparison.results:
        parties: dict[str, Any] = {}
        for row in r.rows:
            limit = row.limit
            parties.setdefault(row.party, {})[row.measure] = {
                "count": row.total,
                "linked": row.linked,
                "limit": None if limit is None else limit.upper,
                "limit_text": None if limit is None else limit.describe(),
                "limit_min": None if limit is None else limit.min,
                "headroom": row.headroom,
                "required": row.required,
                "verdict": row.verdict.value,
                "verdict_at_deadline": None if row.verdict_due is None else row.verdict_due.value,
                "by_system": row.count.by_system,
                "by_rule": row.count.by_term,
            }
        out[r.proposal.spec] = {
            "title": r.proposal.title,
            "label": r.proposal.terms.label,
            "deadline": r.deadline,
            "parties": parties,
            "standings": _standings_json(r.standings),
        }
    return out


def _standings_json(standings: Sequence[Any]) -> dict[str, Any]:
    return {
        s.party: {
            "standing": s.standing.value,
            "required": s.required,
            "per_year": {m: round(v, 1) for m, v in s.per_year.items()},
            "years": None if s.years is None else round(s.years, 2),
            "why": s.why,
        }
        for s in standings
    }


def _zone_json(comparison: Comparison) -> dict[str, Any]:
    zone = comparison.zone()
    return {"now": list(zone.now), "by_deadline": list(zone.by_deadline), "incomplete": zone.incomplete}


def _header(forces: Sequence[Force], comparison: Comparison) -> None:
    for f in forces:
        console.print(f"[bold]{shown(f.info.title or 'force')}[/] — {f.items:,} items [dim]{shown(f.info.label)}[/]")
    console.print(
        f"[dim]{len(comparison.results)} proposals compared as of {comparison.as_of}; "
        f"{comparison.readings_counted} distinct readings counted[/]"
    )


def _zone_lines(comparison: Comparison) -> None:
    zone = comparison.zone()
    console.print(f"[bold]Zone of agreement now[/]: {shown(', '.join(zone.now) or 'none')}")
    console.print(f"[bold]By each proposal's deadline[/]: {shown(', '.join(zone.by_deadline) or 'none')}")
    for spec, missing in zone.incomplete.items():
        console.print(plain(f"{spec}: no force holds items of {', '.join(missing)} — left out of the zone", "dim"))


def _cuts_table(comparison: Comparison) -> Table:
    table = Table(title="Cuts required to meet each proposal by its deadline", title_justify="left")
    for col in ("proposal", "party", "measure", "count", "limit", "cut", "per year", "deadline", "standing"):
        table.add_column(col, justify="right" if col in ("count", "cut", "per year") else "left", overflow="fold")
    for r in comparison.results:
        standing = {s.party: s for s in r.standings}
        for row in r.rows:
            if not row.required:
                continue
            s = standing[row.party]
            pace = s.per_year.get(row.measure)
            linked = f" (of which linked {row.linked:,})" if row.linked else ""
            table.add_row(
                plain(r.proposal.spec),
                plain(row.party),
                plain(row.measure),
                f"{row.total:,}{linked}",
                plain("–" if row.limit is None else row.limit.describe()),
                f"{row.required:,}",
                "–" if pace is None else f"{pace:,.0f}",
                str(r.deadline or "–"),
                plain(s.standing.value, STANDING_STYLE[s.standing]),
            )
    return table


def _chart(comparison: Comparison, path: Path) -> None:
    import matplotlib  # only --chart needs it, and it is slow to import

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measures = list(dict.fromkeys(row.measure for r in comparison.results for row in r.rows))
    specs = [r.proposal.spec for r in comparison.results if r.rows]
    parties = list(dict.fromkeys(row.party for r in comparison.results for row in r.rows))
    if not measures or not specs:
        raise InputError("nothing to chart: no proposal has a party in the forces given")
    fig, axes = plt.subplots(len(measures), 1, figsize=(max(6.0, 1.2 * len(specs) + 2), 3.2 * len(measures)))
    axes_list = list(axes) if len(measures) > 1 else [axes]
    width = 0.8 / max(len(parties), 1)
    for ax, measure in zip(axes_list, measures, strict=True):
        labelled: set[str] = set()
        for i, spec in enumerate(specs):
            rows = {row.party: row for row in comparison.result(spec).rows if row.measure == measure}
            for j, party in enumerate(parties):
                row = rows.get(party)
                if row is None:
                    continue
                x = i - 0.4 + width * (j + 0.5)
                ax.bar(x, row.total, width, color=f"C{j}", label=None if party in labelled else party)
                labelled.add(party)
                if row.limit is not None:
                    ax.hlines(row.limit.upper, x - width / 2, x + width / 2, colors="black", linewidth=2)
                    if row.limit.min is not None:
                        ax.hlines(row.limit.min, x - width / 2, x + width / 2, colors="black", linestyles="dashed")
        ax.set_title(f"{measure}: counts (bars) against each proposal's limit (black)", fontsize=9, loc="left")
        ax.set_xticks(range(len(specs)), specs, rotation=30, ha="right", fontsize=7)
        ax.set_xlim(-0.6, len(specs) - 0.4)
        ax.legend(fontsize=7)
    fig.suptitle(f"Proposals compared as of {comparison.as_of}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _chart_path(chart: Path | None, force: bool) -> Path | None:
    """The chart file, checked before any work: a known format, and never over a file without ``--force``."""
    if chart is None:
        return None
    if chart.suffix.lower() not in CHART_SUFFIXES:
        raise InputError(
            f"unknown chart type {chart.suffix or '(none)'!r}: expected .png or .svg", Location.of(chart, None, None)
        )
    return output_path(chart, force)


@app.command("compare")
def compare(
    forces: ForcesArgument,
    proposal: ProposalsOption = None,
    date: DateOption = None,
    rate: RateOption = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw counts against limits to FILE (.png or .svg).")
    ] = None,
    force: ForceOption = False,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Proposals × parties on forces: count, limit, headroom, cut required, verdict, and the zone of agreement."""
    chart = _chart_path(chart, force)
    loaded, comparison = _compared(forces, proposal, date, rate, catalog)
    if chart is not None:
        _chart(comparison, chart)
    if as_json:
        print_json(
            {
                "as_of": comparison.as_of,
                "forces": [f.info.title for f in loaded],
                "readings_counted": comparison.readings_counted,
                "proposals": _row_json(comparison),
                "zone": _zone_json(comparison),
            }
        )
        return
    _header(loaded, comparison)
    judged = [r.now for r in comparison.results if r.rows]
    console.print(readings_table(judged, f"Proposals compared as of {comparison.as_of}"))
    console.print(_cuts_table(comparison))
    _zone_lines(comparison)
    if chart is not None:
        console.print(f"[dim]chart written to {shown(chart)}[/]")


@app.command("zone")
def zone(
    forces: ForcesArgument,
    proposal: ProposalsOption = None,
    date: DateOption = None,
    rate: RateOption = None,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """The zone of agreement: which proposals every party meets now, or can meet by the deadline."""
    loaded, comparison = _compared(forces, proposal, date, rate, catalog)
    if as_json:
        print_json(
            {
                "as_of": comparison.as_of,
                "zone": _zone_json(comparison),
                "standings": {r.proposal.spec: _standings_json(r.standings) for r in comparison.results},
            }
        )
        return
    _header(loaded, comparison)
    table = Table(title=plain(f"Where each party stands, as of {comparison.as_of}"), title_justify="left")
    for col in ("proposal", "deadline", "party", "standing", "cuts required", "per year", "why"):
        table.add_column(col, overflow="fold")
    for r in comparison.results:
        for i, s in enumerate(r.standings):
            cuts = ", ".join(f"{m} {n:,}" for m, n in s.required.items()) or "–"
            pace = ", ".join(f"{m} {v:,.0f}" for m, v in s.per_year.items()) or "–"
            table.add_row(
                plain(r.proposal.spec if i == 0 else ""),
                str(r.deadline or "–") if i == 0 else "",
                plain(s.party),
                plain(s.standing.value, STANDING_STYLE[s.standing]),
                plain(cuts),
                plain(pace),
                plain(s.why),
            )
        table.add_section()
    console.print(table)
    _zone_lines(comparison)


def _dispute_json(diff: ReadingDifference, names: tuple[str, str]) -> dict[str, Any]:
    totals: dict[str, dict[str, dict[str, int]]] = {}
    for line in diff.a.lines:
        a, b = diff.total(line.party, line.measure)
        totals.setdefault(line.party, {})[line.measure] = {"a": a, "b": b, "difference": b - a}
    return {
        "as_of": diff.a.as_of,
        "readings": {"a": names[0], "b": names[1]},
        "totals": totals,
        "by_type": [
            {
                "party": t.party,
                "measure": t.measure,
                "system": t.system,
                "name": t.name,
                "a": t.a,
                "b": t.b,
                "difference": t.difference,
                "groups": [asdict(g) for g in t.groups if g.a != g.b],
            }
            for t in diff.types
        ],
    }


def _dispute_tables(diff: ReadingDifference, names: tuple[str, str], verdicts: Sequence[Compliance]) -> None:
    console.print(comparison_table(list(verdicts), f"The December 2009 bomber positions — as of {diff.a.as_of}"))
    table = Table(title="Where the difference comes from, by system type", title_justify="left")
    for col in ("party", "measure", "system type", names[0], names[1], "difference", "items that make it"):
        justify = "right" if col in (*names, "difference") else "left"
        table.add_column(plain(col), justify=justify, overflow="fold")  # type: ignore[arg-type]
    for t in diff.types:
        groups = "; ".join(
            f"{g.items:,} {g.status} ({g.role} role, armament {g.armament}): {g.a:,} vs {g.b:,}"
            for g in t.groups
            if g.a != g.b
        )
        table.add_row(plain(t.party), plain(t.measure), plain(t.name), f"{t.a:,}", f"{t.b:,}", f"{t.difference:+,}",
                      plain(groups))  # fmt: skip
    console.print(table)
    for party in diff.a.tally.parties:
        for line in diff.a.lines:
            if line.party != party:
                continue
            a, b = diff.total(party, line.measure)
            parts = [t for t in diff.types if t.party == party and t.measure == line.measure]
            if a == b:
                continue
            sum_text = " + ".join(f"{t.name} {t.difference:+,}" for t in parts)
            console.print(plain(f"{party} {line.measure}: {b:,} − {a:,} = {b - a:+,} = {sum_text}"))


@app.command("bomber-dispute")
def bomber_dispute(
    force: Annotated[str, typer.Argument(help="A force file or shipped force (default: us-2009-12).")] = "us-2009-12",
    date: DateOption = None,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """The December 2009 dispute over bombers no longer used for nuclear missions: one force under both positions."""
    cat = catalog_with(catalog)
    f = merge_forces([load_force(force, cat)])
    positions = [builtin_proposals()[name] for name in BOMBER_POSITIONS]
    as_of = parse_date(date, f.info.as_of or dt.date(2009, 12, 5))
    a, b = (Reading(p.treaty, p.variants) for p in positions)
    diff = reading_difference(f, a, b, as_of)
    names = (positions[0].variants[0].name, positions[1].variants[0].name)
    if as_json:
        print_json(_dispute_json(diff, names))
        return
    console.print(f"[bold]{shown(f.info.title or force)}[/] — {f.items:,} items [dim]{shown(f.info.label)}[/]")
    for p in positions:
        console.print(f"[bold]{shown(p.variants[0].name)}[/]: {shown(p.variants[0].description)}")
    _dispute_tables(diff, names, (diff.a, diff.b))
    if not diff.types:
        console.print("The two positions count this force the same: it has no bomber they read differently.")
