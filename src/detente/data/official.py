"""Shipped public data with provenance.

New START aggregate numbers, the START I MOU totals of 1990, and nuclear stockpiles 1945–2023.

Each New START figure carries its confidence as the source file gives it — ``stated`` (published), ``derived``
(computed from published figures), or ``unconfirmed`` — and the source it came from.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from detente.errors import DataError

# The New START measures (ids as in new-start.toml) and the columns that hold them in the aggregates file.
NEW_START_COLUMNS = {
    "deployed-delivery-vehicles": "deployed_delivery_vehicles",
    "warheads": "warheads",
    "launchers": "launchers",
}


@dataclass(frozen=True)
class Aggregate:
    """One party's New START aggregate numbers on one data-exchange date; ``None`` where unpublished."""

    as_of: dt.date
    party: str
    figures: dict[str, int | None]
    confidence: str
    source: str


@dataclass(frozen=True)
class Figure:
    """One official figure for a treaty measure, party and date, with its confidence and source."""

    value: int
    confidence: str
    source: str


@dataclass(frozen=True)
class Stockpile:
    """Estimated total nuclear warheads of the US and of the USSR/Russia in one year."""

    year: int
    us: int
    ussr_russia: int
    source: str


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("detente.data").joinpath("official", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def new_start_aggregates() -> tuple[Aggregate, ...]:
    """Every published New START data exchange, both parties, in date order."""
    rows = []
    for row in _read("new-start-aggregates.csv"):
        figures = {m: (int(row[c]) if row[c].strip() else None) for m, c in NEW_START_COLUMNS.items()}
        rows.append(
            Aggregate(dt.date.fromisoformat(row["as_of"]), row["party"], figures, row["confidence"], row["source"])
        )
    return tuple(sorted(rows, key=lambda a: (a.as_of, a.party)))


@cache
def stockpiles() -> tuple[Stockpile, ...]:
    """US and USSR/Russian stockpile estimates, one row per year."""
    return tuple(
        Stockpile(int(r["year"]), int(r["us"]), int(r["ussr_russia"]), r["source"]) for r in _read("stockpiles.csv")
    )


def aggregate_on(party: str, as_of: dt.date) -> Aggregate | None:
    """The party's New START aggregates for exactly this data date, or None if none were published."""
    return next((a for a in new_start_aggregates() if a.party == party and a.as_of == as_of), None)


@cache
def _other_figures() -> dict[tuple[str, str, dt.date], dict[str, Figure]]:
    table: dict[tuple[str, str, dt.date], dict[str, Figure]] = {}
    for r in _read("start-i-mou-1990.csv"):
        key = (r["treaty"], r["party"], dt.date.fromisoformat(r["as_of"]))
        table.setdefault(key, {})[r["measure"]] = Figure(int(r["value"]), r["confidence"], r["source"])
    return table


def official_figures(treaty_id: str, party: str, as_of: dt.date) -> dict[str, Figure]:
    """Official figures to set beside a count of this treaty, party and date, by measure id (may be empty)."""
    if treaty_id == "new-start":
        agg = aggregate_on(party, as_of)
        if agg is None:
            return {}
        return {m: Figure(v, agg.confidence, agg.source) for m, v in agg.figures.items() if v is not None}
    return dict(_other_figures().get((treaty_id, party, as_of), {}))


def check_party(party: str | None) -> None:
    """Refuse a party code the aggregates do not have."""
    parties = sorted({a.party for a in new_start_aggregates()})
    if party is not None and party not in parties:
        raise DataError(f"no New START data for party {party!r}", hint=f"parties: {', '.join(parties)}")
