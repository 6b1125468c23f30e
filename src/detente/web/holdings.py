"""View 3, holdings: what each party held on a date, by system type and by facility, as the fact sheets lay it out.

For each party three tables. Its totals against the limits (``detente ledger counts LEDGER --date D --json``). Its
holdings by system type: what the treaty counts of each type, measure by measure (the ``by_system`` of the same
command), and the declared items of the type by status (``detente ledger state LEDGER --date D --json``), charted
stacked by status. Where the treaty counts both launchers and deployed delivery vehicles (New START), the State
Department's "non-deployed launchers" is shown too: the one subtracted from the other, as its tooltip says. And its
holdings by facility: the items at each declared facility by system type and status, from the same replayed party
states (the CLI prints no such table; the sums per system type are the ``state`` numbers above).

The item counts by status are summed here, as ``detente ledger state`` sums them: that command does the sum inside
its own function, and the view does not import the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from detente.catalog import Catalog
from detente.counting import Compliance
from detente.forces.vocabulary import Status
from detente.ledger import PartyState
from detente.ledger.state import party_catalog
from detente.treaty import Treaty
from detente.web.page import Page, Query, date_field, party_field
from detente.web.source import Source
from detente.web.tables import Cell, Chart, Column, Series, Table

CATEGORY_ORDER = {"icbm": 0, "slbm": 1, "heavy-bomber": 2}  # the fact sheets' order; types the catalog lacks last
STATUS_ORDER = [s.value for s in Status]
# The measures New START's fact sheets subtract to show non-deployed launchers (launchers less deployed ones).
LAUNCHERS, DEPLOYED = "launchers", "deployed-delivery-vehicles"


def build(source: Source, query: Query) -> Page:
    """Holdings at ``?date=`` (default: the latest data date), of every party or of ``?party=``."""
    when = date_field(source, query)
    only = party_field(source, query)
    treaty = source.treaty()
    # kept as one result: the facility table walks every declared item
    tables, empty = source.kept(("holdings-tables", when, only), lambda: _tables(source, treaty, when, only))
    return Page(
        f"Holdings on {when}",
        "holdings.html",
        tables,
        facts={"parties": source.parties(), "party": only or "", "empty": empty},
        date=when,
        intro=f"{treaty.title}: what each party had declared by the end of {when}, by system type and by facility, "
        "and what the treaty counts of it.",
    )


def _tables(source: Source, treaty: Treaty, when: dt.date, only: str | None) -> tuple[list[Table], list[str]]:
    """Each party's totals, holdings by system type and by facility; and the parties with nothing declared yet."""
    result = source.compliance(when)
    tables: list[Table] = []
    empty: list[str] = []
    for state in source.states(when):
        if only is not None and state.party != only:
            continue
        if not state.items and not state.facilities:
            empty.append(state.party)
            continue
        catalog = party_catalog(source.catalog, state)
        tables.append(_totals(state.party, result, when))
        tables.append(_systems(state, catalog, treaty, result, when))
        tables.append(_facilities(state, catalog, when))
    return tables, empty


def _totals(party: str, result: Compliance, when: dt.date) -> Table:
    table = Table(
        f"{party}-totals".lower(),
        f"{party}: aggregate numbers on {when}",
        [
            Column("measure", "Measure"),
            Column("name", "What is counted"),
            Column("count", "Count", numeric=True),
            Column("limit", "Limit", numeric=True),
            Column("verdict", "Verdict"),
        ],
        source=f"detente ledger counts LEDGER --date {when} --json",
    )
    measures = {m.id: m for m in result.tally.treaty.measures}
    for line in result.lines:
        if line.party != party:
            continue
        table.rows.append(
            {
                "measure": line.measure,
                "name": measures[line.measure].name,
                "count": Cell(line.count.total, f"/counts?party={party}", "this measure over time"),
                "limit": None if line.limit is None else Cell(line.limit.upper, "/treaties", line.limit.describe()),
                "verdict": line.verdict.value,
            }
        )
    return table


def _systems(state: PartyState, catalog: Catalog, treaty: Treaty, result: Compliance, when: dt.date) -> Table:
    party = state.party
    by_status = _by_status(state)
    counted = {line.measure: line.count.by_system for line in result.lines if line.party == party}
    statuses = [s for s in STATUS_ORDER if any(s in per for per in by_status.values())]
    subtract = LAUNCHERS in counted and DEPLOYED in counted
    columns = [Column("system", "System type"), Column("name", "Name"), Column("category", "Category")]
    columns += [Column(f"measure:{m.id}", m.id.replace("-", " ").capitalize(), numeric=True) for m in treaty.measures]
    if subtract:
        columns.append(Column("non-deployed-launchers", "Non-deployed launchers", numeric=True))
    columns += [Column(f"status:{s}", f"Items {s}", numeric=True) for s in statuses]
    columns.append(Column("items", "Items declared", numeric=True))
    table = Table(
        f"{party}-systems".lower(),
        f"{party}: holdings by system type on {when}",
        columns,
        source=f"detente ledger counts LEDGER --date {when} --json (by_system of each measure); "
        f"detente ledger state LEDGER --date {when} --json (items by status)",
        note="The measures are the treaty's counting of the types' items (converted and eliminated items leave "
        "accountability); the items are every declared item of the type, whatever the treaty counts."
        + (" Non-deployed launchers: launchers counted less deployed delivery vehicles counted." if subtract else ""),
        chart=Chart("bar", "system", tuple(Series(f"status:{s}") for s in statuses), stacked=True)
        if statuses
        else None,
    )
    systems = sorted(set(by_status) | {s for per in counted.values() for s in per}, key=_order(catalog, by_status))
    for system in systems:
        known = catalog.find(system)
        row: dict[str, Any] = {
            "system": Cell(system, "/treaties", "the type's counting rules in the treaty"),
            "name": known.name if known else system,
            "category": known.category.value if known else "not in the catalog",
        }
        for m in treaty.measures:
            value = counted.get(m.id, {}).get(system)
            row[f"measure:{m.id}"] = None if value is None else Cell(value, f"/counts?party={party}", m.name)
        if subtract:
            launchers, deployed = counted[LAUNCHERS].get(system), counted[DEPLOYED].get(system)
            if launchers is not None:
                row["non-deployed-launchers"] = Cell(
                    launchers - (deployed or 0), f"/counts?party={party}", "launchers less deployed delivery vehicles"
                )
        per = by_status.get(system, Counter())
        for s in statuses:
            row[f"status:{s}"] = per.get(s)
        row["items"] = sum(per.values())
        table.rows.append(row)
    return table


def _facilities(state: PartyState, catalog: Catalog, when: dt.date) -> Table:
    party = state.party
    statuses = [s for s in STATUS_ORDER if any(i.status.value == s for i in state.items.values())]
    table = Table(
        f"{party}-facilities".lower(),
        f"{party}: holdings by facility on {when}",
        [
            Column("facility", "Facility"),
            Column("name", "Name"),
            Column("kind", "Kind"),
            Column("system", "System type"),
            *(Column(f"status:{s}", f"Items {s}", numeric=True) for s in statuses),
            Column("items", "Items", numeric=True),
            Column("first", "First item"),
        ],
        source=f"the replayed party states behind detente ledger state LEDGER --date {when} --json, by facility",
        note="Declared facilities that hold no item on the date are listed with none; a facility items name but "
        "the party never declared is marked so.",
    )
    at: dict[str, dict[str, list[Any]]] = {}
    for item in state.items.values():
        at.setdefault(item.facility, {}).setdefault(item.system, []).append(item)
    order = _order(catalog, {})
    for fid in [*state.facilities, *sorted(set(at) - set(state.facilities))]:
        facility = state.facilities.get(fid)
        if facility is None:
            name, kind, why = fid, "not declared", "items name this facility; the party never declared it"
        else:
            name, kind = facility.name or fid, facility.kind.value + ("" if facility.open else " (closed)")
            why = ", ".join(x for x in (facility.name, facility.location) if x)
        head = {"facility": Cell(fid, why=why), "name": name, "kind": kind}
        held = at.get(fid, {})
        if not held:
            table.rows.append({**head, "system": "none", "items": 0})
        for system in sorted(held, key=order):
            items = sorted(held[system], key=lambda i: i.uid)
            counts = Counter(i.status.value for i in items)
            first = items[0].uid
            table.rows.append(
                {
                    **head,
                    "system": Cell(system, "/treaties", "the type's counting rules in the treaty"),
                    **{f"status:{s}": counts.get(s) for s in statuses},
                    "items": len(items),
                    "first": Cell(first, "/items?" + urlencode({"uid": first, "party": party}), "its notifications"),
                }
            )
    return table


def _by_status(state: PartyState) -> dict[str, Counter[str]]:
    """Each system type's declared items by status, as ``detente ledger state --json`` sums them."""
    out: dict[str, Counter[str]] = {}
    for item in state.items.values():
        out.setdefault(item.system, Counter())[item.status.value] += 1
    return out


def _order(catalog: Catalog, seen: dict[str, Any]) -> Callable[[str], tuple[int, int, str]]:
    """Sort key of system types: ICBMs, SLBMs, heavy bombers, then types the catalog lacks; within each, as seen."""
    first = {s: i for i, s in enumerate(seen)}

    def key(system: str) -> tuple[int, int, str]:
        known = catalog.find(system)
        return (CATEGORY_ORDER.get(known.category.value, 3) if known else 4, first.get(system, len(first)), system)

    return key
