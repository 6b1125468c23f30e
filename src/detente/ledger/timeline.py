"""Counts of every party at a series of dates, replayed from a ledger, beside the official figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from detente.catalog.model import Catalog
from detente.counting.compliance import judge
from detente.counting.readings import Reading
from detente.counting.tally import count
from detente.data.official import official_figures
from detente.ledger.port import LedgerStore
from detente.ledger.replay import moment, replay_store
from detente.ledger.state import to_force
from detente.treaty.model import Treaty


@dataclass(frozen=True)
class TimelineRow:
    """One party and measure at one date: the count from the ledger, the verdict, and the official figure."""

    date: dt.date
    party: str
    measure: str
    count: int
    verdict: str
    official: int | None
    confidence: str | None
    last_update: str = ""  # effective date of the party's latest full declaration (initial data or update)
    silent: bool = False  # a data date passed with no full declaration from the party as of it

    @property
    def agrees(self) -> bool | None:
        """Whether the count equals the official figure (None when there is none)."""
        return None if self.official is None else self.official == self.count


def data_dates(store: LedgerStore, treaty: Treaty) -> list[dt.date]:
    """Entry into force, the date limits took effect, and every data date up to the ledger's last change."""
    start = treaty.dates.entry_into_force
    ends = []
    for record in store.parties():
        head = store.head(record.party)
        if head is not None:
            ends.append(dt.date.fromisoformat(head.notification()["effective"][:10]))
    if not ends or start is None:
        return []
    end = max(ends)
    dates = {start}
    if treaty.dates.limits_due is not None and treaty.dates.limits_due <= end:
        dates.add(treaty.dates.limits_due)
    for year in range(start.year, end.year + 1):
        for month_day in treaty.notifications.update_dates:
            day = dt.date.fromisoformat(f"{year}-{month_day}")
            if start < day <= end:
                dates.add(day)
    return sorted(dates)


def timeline(
    store: LedgerStore,
    reading: Reading,
    dates: list[dt.date],
    catalog: Catalog,
    progress: Callable[[dt.date], None] | None = None,
) -> list[TimelineRow]:
    """Replay every party to the end of each date, count under the reading, and set the official figures beside."""
    rows = []
    parties = [r.party for r in store.parties()]
    for when in dates:
        until = moment(when)
        states = [replay_store(store, p, until) for p in parties]
        states = [s for s in states if s.seq > 0]  # a party with nothing declared yet is not counted
        if states:
            result = judge(count(to_force(states, catalog, when), reading.treaty, reading.variants), when)
            for line in result.lines:
                fig = official_figures(reading.treaty.id, line.party, when).get(line.measure)
                last = next(s.last_update[:10] for s in states if s.party == line.party)
                data_date = when.strftime("%m-%d") in reading.treaty.notifications.update_dates
                rows.append(
                    TimelineRow(
                        when,
                        line.party,
                        line.measure,
                        line.count.total,
                        line.verdict.value,
                        None if fig is None else fig.value,
                        None if fig is None else fig.confidence,
                        last,
                        data_date and last < when.isoformat(),
                    )
                )
        if progress is not None:
            progress(when)
    return rows
