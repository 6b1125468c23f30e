"""View 7, inspections: quotas per treaty year and type, every recorded inspection, and what it found undeclared.

The quotas are ``detente inspect quota LEDGER --by P --year N --json`` (:func:`~detente.verification.inspection.
quota_use` over the inspections the party's full log records); the inspections and their discrepancies are
``detente inspect report LEDGER --json`` (:func:`~detente.verification.inspection.report`, which compares the
findings with the inspected party's declared state at the moment of the inspection, :mod:`detente.ledger.findings`).
The reports are :func:`detente.verification.inspection.reports`, as the CLI's; they read every entry, so they are
kept per ledger size.

The treaty year shown is the one of the as-of date unless a year is asked for (``?year=``), bounded by the years
the treaty runs (to today for a treaty with no expiry).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from detente.errors import InputError, Location
from detente.ledger import replay_store
from detente.treaty.inspections import treaty_year, year_bounds
from detente.verification.inspection import QuotaUse, Report, quota_use, reports
from detente.web.page import Page, Query, date_field, int_field, party_field
from detente.web.source import Source
from detente.web.tables import Cell, Chart, Column, Series, Table

#: The kinds of discrepancy :func:`detente.ledger.findings.compare` finds, in the order its docstring gives them;
#: a kind found that is not here is counted too, after these.
KINDS = ("missing", "undeclared", "wrong-facility", "wrong-status", "wrong-warheads")


def build(source: Source, query: Query) -> Page:
    """Quotas of the treaty year of ``?date=`` (or ``?year=``) for ``?party=`` (default: every party), and reports."""
    treaty = source.treaty()
    only = party_field(source, query)
    parties = [only] if only else source.parties()
    eif = treaty.dates.entry_into_force
    facts: dict[str, Any] = {"parties": source.parties(), "party": only or "", "regime": treaty.inspections}
    if treaty.inspections is None or eif is None:
        why = "no inspection regime" if treaty.inspections is None else "no date of entry into force (no treaty years)"
        return Page(
            "Inspections",
            "inspections.html",
            facts={**facts, "regime": None, "why": f"{treaty.title} has {why}: there are no inspections to show."},
        )
    last_year = treaty_year(eif, source.date_range()[1])
    year = int_field(query, "year", 0, 1, max(last_year, 1))
    if year:
        when = year_bounds(eif, year)[0]
    else:
        when = date_field(source, query)
        if when < eif:
            raise InputError(
                f"{when} is before {treaty.title} entered into force ({eif}): no treaty year yet",
                Location(field="date"),
                f"choose a date from {eif}, or a treaty year from 1 to {last_year}",
            )
        year = treaty_year(eif, when)
    tables = []
    for party in parties:
        tables.append(_quota_table(party, quota_use(treaty, _conducted(source, party), year=year), year))
    reports = [r for r in _reports(source) if only is None or r.inspector == only]
    if reports:
        tables += [_report_table(reports, only), _discrepancy_table(reports, only), _kinds_table(reports, only)]
    tables += [_years_table(source, party, last_year) for party in parties]
    start, end = year_bounds(eif, year)
    who = f"by {only}" if only else "by every party"
    return Page(
        f"Inspections: treaty year {year}",
        "inspections.html",
        tables,
        facts={
            **facts,
            "year": year,
            "last_year": last_year,
            "start": start,
            "end": end,
            "reports": len(reports),
            "discrepancies": sum(len(r.discrepancies) for r in reports),
        },
        date=when,
        intro=f"{treaty.title}: inspections {who}, from the ledger's inspection notifications. Treaty year {year} "
        f"runs from {start} to {end} (year 1 starts on entry into force, {eif}); pick a year or a date.",
    )


def _conducted(source: Source, party: str) -> list[tuple[str, str]]:
    """(time, type) of every inspection the party's full log records, as ``inspect quota`` replays it."""
    return source.kept(("inspections-conducted", party), lambda: list(replay_store(source.store, party).inspections))


def _reports(source: Source) -> list[Report]:
    """Every recorded inspection with its discrepancies, as ``detente inspect report`` gives them."""
    return source.kept("inspection-reports", lambda: reports(source.store, source.parties()))


def _quota_table(party: str, use: list[QuotaUse], year: int) -> Table:
    first = use[0]
    table = Table(
        f"quota-{party.lower()}",
        f"{party}'s inspections in treaty year {year} ({first.start} to {first.end})",
        [
            Column("type", "Type"),
            Column("name", "Name"),
            Column("used", "Used", numeric=True),
            Column("quota", "Quota", numeric=True),
            Column("left", "Left", numeric=True),
        ],
        source=f"detente inspect quota LEDGER --by {party} --year {year} --json",
    )
    for q in use:
        table.rows.append(
            {
                "type": Cell(q.itype.id, "/treaties", q.itype.article or q.itype.name),
                "name": q.itype.name,
                "used": q.used,
                "quota": q.itype.quota,
                "left": q.left,
            }
        )
    return table


def _years_table(source: Source, party: str, last_year: int) -> Table:
    treaty = source.treaty()
    conducted = _conducted(source, party)
    by_year = [quota_use(treaty, conducted, year=y) for y in range(1, last_year + 1)]
    types = by_year[0] if by_year else []
    columns = [Column("year", "Treaty year"), Column("start", "From"), Column("end", "To")]
    for q in types:
        columns += [
            Column(f"used:{q.itype.id}", f"{q.itype.name} used", numeric=True),
            Column(f"left:{q.itype.id}", f"{q.itype.name} left", numeric=True),
        ]
    table = Table(
        f"years-{party.lower()}",
        f"{party}'s inspections in every treaty year",
        columns,
        source=f"detente inspect quota LEDGER --by {party} --year N --json, for N = 1 to {last_year}",
        chart=Chart("bar", "year", tuple(Series(f"used:{q.itype.id}") for q in types), stacked=True),
    )
    for use in by_year:
        row: dict[str, Any] = {
            "year": Cell(use[0].year, f"/inspections?party={party}&year={use[0].year}", "this year's quotas"),
            "start": str(use[0].start),
            "end": str(use[0].end),
        }
        for q in use:
            row[f"used:{q.itype.id}"] = q.used
            row[f"left:{q.itype.id}"] = q.left
        table.rows.append(row)
    return table


def _report_source(only: str | None) -> str:
    return "detente inspect report LEDGER" + (f" --by {only}" if only else "") + " --json"


def _report_table(reports: list[Report], only: str | None) -> Table:
    table = Table(
        "inspections",
        "Every recorded inspection",
        [
            Column("by", "By"),
            Column("seq", "Notification", numeric=True),
            Column("of", "Of"),
            Column("type", "Type"),
            Column("site", "Site"),
            Column("at", "Time"),
            Column("year", "Treaty year", numeric=True),
            Column("seen", "Items seen", numeric=True),
            Column("discrepancies", "Discrepancies", numeric=True),
        ],
        source=_report_source(only),
        note="Items seen is what the inspectors listed at the site; each discrepancy is a difference from what the "
        "inspected party had declared at the moment of the inspection (below).",
    )
    for r in reports:
        table.rows.append(
            {
                "by": r.inspector,
                "seq": Cell(r.seq, f"/notifications?party={r.inspector}", f"{r.inspector}'s notifications"),
                "of": r.inspected,
                "type": r.itype,
                "site": r.site,
                "at": r.at,
                "year": Cell(r.year, f"/inspections?party={r.inspector}&year={r.year}", "that year's quotas"),
                "seen": r.seen,
                "discrepancies": len(r.discrepancies),
            }
        )
    return table


def _discrepancy_table(reports: list[Report], only: str | None) -> Table:
    table = Table(
        "discrepancies",
        "Discrepancies: what was found against what was declared",
        [
            Column("by", "By"),
            Column("seq", "Notification", numeric=True),
            Column("of", "Of"),
            Column("site", "Site"),
            Column("at", "Time"),
            Column("kind", "Kind"),
            Column("uid", "Item"),
            Column("declared", "Declared"),
            Column("found", "Found"),
        ],
        source=_report_source(only),
        note="None found." if not any(r.discrepancies for r in reports) else "",
    )
    for r in reports:
        for d in r.discrepancies:
            table.rows.append(
                {
                    "by": r.inspector,
                    "seq": Cell(r.seq, f"/notifications?party={r.inspector}", f"{r.inspector}'s notifications"),
                    "of": r.inspected,
                    "site": r.site,
                    "at": r.at,
                    "kind": d.kind,
                    "uid": d.uid  # an undeclared item has no history to link to
                    if d.kind == "undeclared"
                    else Cell(d.uid, f"/items?party={r.inspected}&uid={quote(d.uid)}", "the item's declared history"),
                    "declared": d.declared,
                    "found": d.found,
                }
            )
    return table


def _kinds_table(reports: list[Report], only: str | None) -> Table:
    counted = Counter(d.kind for r in reports for d in r.discrepancies)
    table = Table(
        "kinds",
        "Discrepancies by kind",
        [Column("kind", "Kind"), Column("count", "Discrepancies", numeric=True)],
        source=f"the discrepancies of {_report_source(only)}, counted by kind",
        chart=Chart("bar", "kind", (Series("count"),)),
    )
    for kind in (*KINDS, *sorted(set(counted) - set(KINDS))):
        table.rows.append({"kind": kind, "count": counted[kind]})
    return table
