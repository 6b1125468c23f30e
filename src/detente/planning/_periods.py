"""Years between a plan's start and its deadline, and how much of a yearly capacity each of them holds.

1. Periods run a year at a time from the start; the last one ends at the deadline and may be shorter (or empty,
   when the deadline is the start itself).
2. A year after 29 February is 28 February of the next year.
3. A full period holds the whole yearly capacity; a shorter one holds the part of it its days make of a year of
   365 days, rounded down, so that capacity is never overstated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """One year (or the last, shorter part) of a plan: from ``start`` up to, not including, ``end``."""

    index: int
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Its length in days."""
        return (self.end - self.start).days

    @property
    def full(self) -> bool:
        """Whether it is a whole year."""
        return self.end == add_years(self.start, 1)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def periods(start: dt.date, deadline: dt.date) -> tuple[Period, ...]:
    """Yearly periods from ``start`` to ``deadline`` (one empty period when they are the same day)."""
    out: list[Period] = []
    begin = start
    while True:
        end = min(add_years(start, len(out) + 1), deadline)
        out.append(Period(len(out), begin, end))
        if end >= deadline:
            return tuple(out)
        begin = end


def capacity_in(period: Period, per_year: int) -> int:
    """How much of a yearly capacity one period holds (rule 3)."""
    if period.full:
        return per_year
    return per_year * period.days // 365
