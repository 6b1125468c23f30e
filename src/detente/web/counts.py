"""View 2, counts over time: each measure per party at every data date, against its limit and the official figure.

One table (and chart) per party and measure. The counts are ``detente ledger timeline LEDGER --json`` (the ledger
replayed to each data date); the limit is the one in effect that day (``detente ledger counts --date``); the
official figure is the published aggregate where there is one. Where the treaty has disputed readings, each
reading's count is a column of its own, so the dispute shows as two lines (New START's Russian reading of 2022
counts converted bombers and launchers the US no longer counts).
"""

from __future__ import annotations

from detente.web.page import Page, Query, party_field
from detente.web.source import Source
from detente.web.tables import Cell, Chart, Column, Series, Table


def build(source: Source, query: Query) -> Page:
    """One table per party and measure (``?party=`` picks one party)."""
    only = party_field(source, query)
    treaty = source.treaty()
    # one kept result for the page's tables: each kept lookup reads the logs' sizes, and a page has 164 rows
    tables = source.kept(("counts-tables", only), lambda: _tables(source, only))
    return Page(
        "Counts over time",
        "counts.html",
        tables,
        facts={"parties": source.parties(), "party": only or "", "variants": treaty.variants},
        intro=f"{treaty.title}: every data date the ledger reaches, counted from its notifications, against the "
        "limit and the published official figure (dashed).",
    )


def _tables(source: Source, only: str | None) -> list[Table]:
    """A table per party and measure: the timeline's rows, the limit that day, each disputed reading's count."""
    treaty = source.treaty()
    rows = source.timeline()
    disputed = {v.id: source.timeline(f"{treaty.id}+{v.id}") for v in treaty.variants}
    by_variant = {
        v: {(r.date, r.party, r.measure): r.count for r in variant_rows} for v, variant_rows in disputed.items()
    }
    tables: dict[tuple[str, str], Table] = {}
    judged = {when: source.compliance(when) for when in dict.fromkeys(r.date for r in rows)}
    for r in rows:
        if only is not None and r.party != only:
            continue
        key = (r.party, r.measure)
        if key not in tables:
            tables[key] = _table(r.party, r.measure, list(disputed))
        line = judged[r.date].line(r.party, r.measure)
        row = {
            "date": Cell(str(r.date), f"/?date={r.date}", "the overview on this date"),
            "count": Cell(r.count, f"/holdings?date={r.date}&party={r.party}", "what was counted"),
            "limit": None if line.limit is None else line.limit.upper,
            "official": r.official,
            "agrees": "–" if r.agrees is None else ("yes" if r.agrees else f"no ({r.count - (r.official or 0):+,})"),
            "verdict": r.verdict + (" (silent)" if r.silent else ""),
        }
        for v, counts in by_variant.items():
            row[f"variant:{v}"] = counts.get((r.date, r.party, r.measure))
        tables[key].rows.append(row)
    return list(tables.values())


def _table(party: str, measure: str, variants: list[str]) -> Table:
    columns = [
        Column("date", "Date"),
        Column("count", "Count", numeric=True),
        Column("limit", "Limit", numeric=True),
        Column("official", "Official figure", numeric=True),
    ]
    series = [Series("count"), Series("limit", dashed=True), Series("official", dashed=True)]
    for v in variants:
        columns.append(Column(f"variant:{v}", f"Count under {v}", numeric=True))
        series.append(Series(f"variant:{v}"))
    columns += [Column("agrees", "Equals official"), Column("verdict", "Verdict")]
    return Table(
        f"{party}-{measure}".lower(),
        f"{party}: {measure}",
        columns,
        source="detente ledger timeline LEDGER --json"
        + "".join(f"; detente ledger timeline LEDGER --treaty TREATY+{v} --json" for v in variants),
        chart=Chart("line", "date", tuple(series)),
    )
