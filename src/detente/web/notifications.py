"""View 6, notifications: how many each party sent, month by month and type by type, and how many were late.

Where each number comes from:

1. The notifications are the ledger's entries as ``detente ledger log LEDGER --party P --last N --json`` lists
   them (party, seq, sent, effective, type), counted by the month they were *sent* and by type.
2. A notification's delay is sent − effective, in days. Whether it was late is the ledger writer's own rule
   (:func:`detente.ledger.rules.late_reference`, the plain form of the check that flags ``[late]`` when a
   notification is appended), against the treaty's ``[notifications]``: initial data within
   ``initial_deadline_days`` of entry into force, a six-monthly update within ``update_deadline_days`` of its data
   date, any other change within ``change_deadline_days`` of taking effect; receipts, exhibitions, inspections
   and key rotations have no deadline.
3. The deadline shown beside a late notification is the one that rule applies (the same days from the same
   date); the flag's own words say by how much it was missed.

``?party=`` picks one party; ``?year=`` one year, or ``?from=`` and ``?to=`` a range of years (by the year sent),
within the years the ledger's notifications were sent in.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, NoReturn

from detente.catalog import Catalog
from detente.errors import DetenteError, InputError, Location
from detente.ledger.notifications import Type
from detente.ledger.port import LedgerStore
from detente.ledger.rules import Context, deadline_of, late_reference
from detente.treaty.model import NotificationRules, Treaty
from detente.web.page import MAX_DIGITS, Page, Query, party_field, text_field
from detente.web.source import Source
from detente.web.tables import Chart, Column, Series, Table

NO_DEADLINE = frozenset({Type.RECEIPT, Type.EXHIBITION, Type.INSPECTION, Type.KEY_ROTATION, Type.COMMITMENTS})
"""The types the treaty sets no deadline for (initial data has one only where the treaty has entered into force)."""


@dataclass(frozen=True)
class Sent:
    """One notification as ``detente ledger log --json`` lists it, with its delay and the late flag's words."""

    party: str
    seq: int
    type: str
    effective: str
    sent: str
    delay: float  # days from effective to sent, to a tenth
    late: str  # the [late] flag's words, or "" when it met its deadline or has none


def build(source: Source, query: Query) -> Page:
    """The notifications of the parties (``?party=``) in the years chosen (``?year=``, or ``?from=``–``?to=``)."""
    only = party_field(source, query)
    treaty = source.treaty()
    rules = treaty.notifications
    parties = [only] if only else source.parties()
    read = {p: _sent(source, p, treaty) for p in source.parties()}
    all_years = sorted({int(s.sent[:4]) for rows, _ in read.values() for s in rows})
    first, last = _years(source, query, all_years)
    chosen = {p: [s for s in read[p][0] if first <= int(s.sent[:4]) <= last] for p in parties}
    unreadable = {p: read[p][1] for p in parties if read[p][1]}
    months = _months([s for rows in chosen.values() for s in rows])
    tables = [_by_type(chosen, rules, treaty, only), _late(chosen, rules, treaty)]
    tables += [_monthly(party, rows, months) for party, rows in chosen.items()]
    span = str(first) if first == last else f"{first}–{last}"
    return Page(
        "Notifications",
        "notifications.html",
        tables,
        facts={
            "parties": source.parties(),
            "party": only or "",
            "first": first,
            "last": last,
            "years": (all_years[0], all_years[-1]) if all_years else (first, last),
            "deadlines": _deadline_words(rules, treaty),
            "unreadable": unreadable,
        },
        intro=f"{treaty.title}: the notifications {', '.join(parties)} sent in {span}, by month and type, and each "
        "one's delay (sent − effective) against the treaty's deadline for its type.",
    )


def _sent(source: Source, party: str, treaty: Treaty) -> tuple[list[Sent], list[str]]:
    """A party's notifications, judged, and the faults of entries that could not be read; kept per log size."""
    return source.kept(("notifications-sent", party), lambda: _read(source.store, party, treaty, source.catalog))


def _read(store: LedgerStore, party: str, treaty: Treaty, catalog: Catalog) -> tuple[list[Sent], list[str]]:
    """A party's notifications as ``ledger log --json`` reads them, each judged on time or late; and the faults."""
    # the deadline rule reads only the treaty's rules and its entry into force, never the ledger's state
    context = Context(catalog, treaty.notifications, _unused, _unused, entry_into_force=treaty.dates.entry_into_force)
    out, faults = [], []
    for entry in store.entries(party):
        try:
            n = entry.notification()
            sent, effective = str(n["sent"]), str(n["effective"])
            delay = (_time(sent) - _time(effective)).total_seconds() / 86400
            flags = late_reference(n, context)
        except (DetenteError, ValueError, TypeError, AttributeError) as exc:
            # an entry edited in the database (`detente ledger verify` names it too): not counted, and said so
            faults.append(f"{party} #{entry.seq}: {exc}")
            continue
        out.append(
            Sent(party, entry.seq, str(n["type"]), effective, sent, round(delay, 1), flags[0].message if flags else "")
        )
    return out, faults


def _unused(*_: object) -> NoReturn:
    raise AssertionError("the deadline rule reads no ledger state")


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _years(source: Source, query: Query, years: list[int]) -> tuple[int, int]:
    """The years chosen: ``year``, or ``from``–``to``, within the years the ledger's notifications were sent in."""
    if years:
        low, high = years[0], years[-1]
    else:  # nothing sent yet: the treaty's own years bound the fields
        start, end = source.date_range()
        low, high = start.year, end.year
    year = year_field(query, "year", low, high)
    first = year_field(query, "from", low, high)
    last = year_field(query, "to", low, high)
    if year is not None:
        if first not in (None, year) or last not in (None, year):
            raise InputError(
                f"year {year} and the range {first or low}–{last or high} disagree",
                Location(field="year"),
                "give a year, or a range of years, not both",
            )
        return year, year
    first, last = first or low, last or high
    if first > last:
        raise InputError(f"from {first} is after to {last}", Location(field="from"), "give from ≤ to")
    return first, last


def year_field(query: Query, name: str, low: int, high: int) -> int | None:
    """A year from ``low`` to ``high``, or None if absent; anything else: 400 naming the years there are.

    Not :func:`~detente.web.page.int_field`, which writes numbers with thousands separators ("2,011").
    """
    text = text_field(query, name, limit=MAX_DIGITS)
    if text is None:
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        raise InputError(f"{name} must be a year such as {high}, not {text!r}", Location(field=name))
    year = int(text)
    if not low <= year <= high:
        raise InputError(
            f"{name} {year} is outside the years the ledger's notifications were sent in",
            Location(field=name),
            f"choose a year from {low} to {high}",
        )
    return year


def _months(rows: list[Sent]) -> list[str]:
    """Every month from the first notification's to the last one's (YYYY-MM), empty months included."""
    if not rows:
        return []
    low, high = min(s.sent[:7] for s in rows), max(s.sent[:7] for s in rows)
    year, month = int(low[:4]), int(low[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= high:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def deadline(kind: str, effective: str, rules: NotificationRules, treaty: Treaty) -> tuple[dt.datetime | None, str]:
    """The deadline a notification of ``kind`` is held to (the writer's own rule, ``deadline_of``), and in words."""
    due = deadline_of(kind, effective, rules, treaty.dates.entry_into_force)
    if kind == Type.INITIAL_DATA:
        words = f"{rules.initial_deadline_days} days after entry into force" if due else "none (not in force)"
    elif due is None:
        words = "none"
    elif kind == Type.DATA_UPDATE:
        words = f"{rules.update_deadline_days} days after its data date"
    else:
        words = f"{rules.change_deadline_days} days after taking effect"
    return due, words


def _deadline_words(rules: NotificationRules, treaty: Treaty) -> dict[str, str]:
    eif = treaty.dates.entry_into_force
    return {
        "initial data": f"{rules.initial_deadline_days} days after entry into force"
        + (f" ({eif})" if eif else " (not in force)"),
        "six-monthly update": f"{rules.update_deadline_days} days after each data date "
        f"({', '.join(rules.update_dates)})",
        "any other change": f"{rules.change_deadline_days} days after it takes effect",
        "no deadline": ", ".join(sorted(NO_DEADLINE)),
    }


def _by_type(chosen: dict[str, list[Sent]], rules: NotificationRules, treaty: Treaty, only: str | None) -> Table:
    table = Table(
        "by-type",
        "Per type and party: count, delay and lateness",
        [
            Column("party", "Party"),
            Column("type", "Type"),
            Column("deadline", "Deadline"),
            Column("count", "Notifications", numeric=True),
            Column("median", "Median delay (days)", numeric=True),
            Column("max", "Max delay (days)", numeric=True),
            Column("late", "Late", numeric=True),
        ],
        source="detente ledger log LEDGER"
        + (f" --party {only}" if only else "")
        + " --last 100000 --json, counted by type; deadlines from the treaty's [notifications]",
        note="Delay: sent − effective, in days. Late: sent after the deadline, by the ledger writer's rule.",
    )
    for party, rows in chosen.items():
        by_kind: dict[str, list[Sent]] = defaultdict(list)
        for s in rows:
            by_kind[s.type].append(s)
        for kind in sorted(by_kind):
            group = by_kind[kind]
            due, words = deadline(kind, group[0].effective, rules, treaty)
            delays = [s.delay for s in group]
            table.rows.append(
                {
                    "party": party,
                    "type": kind,
                    "deadline": words,
                    "count": len(group),
                    "median": round(statistics.median(delays), 1),
                    "max": max(delays),
                    "late": None if due is None else sum(1 for s in group if s.late),
                }
            )
    return table


def _monthly(party: str, rows: list[Sent], months: list[str]) -> Table:
    counts = Counter((s.sent[:7], s.type) for s in rows)
    kinds = sorted({s.type for s in rows})
    # the chart's colours repeat after eight series: the most frequent types first, so a repeat falls on a rare one
    frequency = Counter(s.type for s in rows)
    charted = sorted(kinds, key=lambda k: (-frequency[k], k))
    table = Table(
        f"monthly-{party}".lower(),
        f"{party}: notifications sent each month, by type",
        [
            Column("month", "Month sent"),
            *(Column(f"type:{k}", k, numeric=True) for k in kinds),
            Column("total", "Total", numeric=True),
        ],
        source=f"detente ledger log LEDGER --party {party} --last 100000 --json, counted by month sent and type",
        chart=Chart("bar", "month", tuple(Series(f"type:{k}") for k in charted), stacked=True) if kinds else None,
    )
    for month in months:
        row: dict[str, Any] = {"month": month}
        for k in kinds:
            row[f"type:{k}"] = counts.get((month, k), 0)
        row["total"] = sum(counts.get((month, k), 0) for k in kinds)
        table.rows.append(row)
    return table


def _late(chosen: dict[str, list[Sent]], rules: NotificationRules, treaty: Treaty) -> Table:
    table = Table(
        "late",
        "Late notifications",
        [
            Column("party", "Party"),
            Column("seq", "Seq", numeric=True),
            Column("type", "Type"),
            Column("effective", "Effective"),
            Column("sent", "Sent"),
            Column("delay", "Delay (days)", numeric=True),
            Column("deadline", "Deadline"),
            Column("why", "Missed by"),
        ],
        source="detente ledger log LEDGER --json rows, judged by the ledger writer's deadline rule",
    )
    for party, rows in chosen.items():
        for s in rows:
            if not s.late:
                continue
            due, words = deadline(s.type, s.effective, rules, treaty)
            table.rows.append(
                {
                    "party": party,
                    "seq": s.seq,
                    "type": s.type,
                    "effective": s.effective,
                    "sent": s.sent,
                    "delay": s.delay,
                    "deadline": f"{due:%Y-%m-%d %H:%M}Z ({words})" if due else words,
                    "why": s.late,
                }
            )
    if not table.rows:
        table.note = "None: every notification in the years chosen met its deadline."
    return table
