"""Tables for counts, comparisons and breakdowns; what a treaty inherited, and items declared above a ceiling."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from detente.cli.common import verdict_text
from detente.counting.compliance import Compliance, Line
from detente.data.official import official_figures
from detente.treaty.model import Treaty


def _signed(n: int | None) -> str:
    return "–" if n is None else f"{n:+,}" if n else "0"


def _verdict(line: Line) -> str:
    """The verdict, marked when the count holds items declared above a per-item ceiling (listed by violations)."""
    text = verdict_text(line.verdict.value)
    n = sum(v.items for v in line.violations)
    return text + (f" [bold red]+ {n:,} above ceiling[/]" if n else "")


def violation_lines(result: Compliance) -> list[str]:
    """Each group of items declared above a per-item ceiling, in words (empty when there are none)."""
    return [f"[bold red]violation[/] {escape(v.describe())}" for v in result.violations]


def inheritance_lines(treaty: Treaty) -> list[str]:
    """What a treaty took from its bases through ``extends``, in words, and what its inherited dates do."""
    lines = []
    for verb, table in (("inherits", treaty.inherited), ("merges", treaty.merged)):
        by_base: dict[str, list[str]] = {}
        for key, base in table.items():
            by_base.setdefault(base, []).append(key)
        if by_base:
            link = "from" if verb == "inherits" else "with"
            lines.append(f"{verb} " + "; ".join(f"{', '.join(keys)} {link} {base}" for base, keys in by_base.items()))
    note = dates_note(treaty)
    return [*lines, note] if note else lines


def dates_note(treaty: Treaty) -> str | None:
    """When a treaty file took its dates from its base, what that does to its verdicts (None otherwise)."""
    base = treaty.inherited.get("dates")
    if base is None:
        return None
    d = treaty.dates
    given = "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in d.model_dump().items() if v is not None) or "none"
    effects = []
    if d.entry_into_force is not None:
        effects.append(f"'not-in-force' before {d.entry_into_force}")
    if d.expires is not None:
        effects.append(f"'expired' on and after {d.expires}")
    effect = f": every verdict is {' and '.join(effects)}" if effects else ""
    return (
        f"{treaty.id} has no [dates] of its own and takes {base}'s ({given}){effect}; "
        "give [dates] (an empty table for none) to set its own"
    )


def _line_columns(table: Table, overflow: str = "ellipsis") -> None:
    """The columns every per-line table shares: party, measure, count, limit, headroom, verdict, official."""
    for name in ("party", "measure", "count", "limit", "headroom", "verdict", "official"):
        justify = "right" if name in ("count", "limit", "headroom", "official") else "left"
        table.add_column(name, justify=justify, overflow=overflow)  # type: ignore[arg-type]


def compliance_table(result: Compliance, title: str | None = None) -> Table:
    """Party × measure: count, limit, headroom, verdict, and the official figure where one was published."""
    tally = result.tally
    table = Table(title=title or f"{tally.reading} — as of {result.as_of}", title_justify="left")
    _line_columns(table)
    for line in result.lines:
        official = official_figures(tally.treaty.id, line.party, result.as_of).get(line.measure)
        official_text = "" if official is None else f"{official.value:,} ({official.confidence})"
        table.add_row(
            line.party,
            line.measure,
            f"{line.count.total:,}",
            "–" if line.limit is None else line.limit.describe(),
            _signed(line.headroom),
            _verdict(line),
            official_text,
        )
    return table


def breakdown_table(result: Compliance, party: str) -> Table:
    """One party: system type × measure, then one row per counting rule."""
    tally = result.tally
    measures = [m.id for m in tally.treaty.measures]
    table = Table(title=f"{party}: where the counts come from ({tally.reading})", title_justify="left")
    table.add_column("system type / rule")
    for m in measures:
        table.add_column(m, justify="right")
    systems = sorted({s for m in measures for s in tally[(party, m)].by_system})
    for system in systems:
        table.add_row(system, *(f"{tally[(party, m)].by_system.get(system, 0):,}" for m in measures))
    table.add_section()
    for m_index, m in enumerate(measures):
        for rule, value in tally[(party, m)].by_term.items():
            cells = [""] * len(measures)
            cells[m_index] = f"{value:,}"
            table.add_row(f"[italic]{rule}[/]", *cells)
    return table


def comparison_table(results: list[Compliance], title: str) -> Table:
    """Readings side by side: one row per party and measure, one column per reading."""
    table = Table(title=title, title_justify="left")
    table.add_column("party")
    table.add_column("measure")
    for r in results:
        table.add_column(r.tally.spec, justify="right")
    table.add_column("official", justify="right")
    keys: list[tuple[str, str]] = []
    for r in results:
        for line in r.lines:
            if (line.party, line.measure) not in keys:
                keys.append((line.party, line.measure))
    for party, measure in keys:
        cells = []
        official = ""
        for r in results:
            found = next((x for x in r.lines if x.party == party and x.measure == measure), None)
            if found is None:
                cells.append("")
                continue
            limit = "" if found.limit is None else f" / {found.limit.describe()}"
            cells.append(f"{found.count.total:,}{limit} {_verdict(found)}")
            fig = official_figures(r.tally.treaty.id, party, r.as_of).get(measure)
            if fig is not None and not official:
                official = f"{fig.value:,} ({fig.confidence})"
        table.add_row(party, measure, *cells, official)
    return table


def readings_table(results: list[Compliance], title: str) -> Table:
    """Several readings, one row per reading, party and measure (fits a narrow terminal)."""
    table = Table(title=title, title_justify="left")
    table.add_column("reading", overflow="fold")
    _line_columns(table, overflow="fold")
    for r in results:
        for i, line in enumerate(r.lines):
            fig = official_figures(r.tally.treaty.id, line.party, r.as_of).get(line.measure)
            table.add_row(
                r.tally.spec if i == 0 else "",
                line.party,
                line.measure,
                f"{line.count.total:,}",
                "–" if line.limit is None else line.limit.describe(),
                _signed(line.headroom),
                _verdict(line),
                "" if fig is None else f"{fig.value:,}",
            )
        table.add_section()
    return table
