"""View 1, the overview: the treaty, each party's counts against each limit with the verdict, and each log's state.

The counts are ``detente ledger counts LEDGER --date D --json``; a log's state at the date follows the node's rules
(:mod:`detente.node.status`): a party is *silent* once the deadline of the data exchange due after its last
notification has passed with nothing newer, and its log is *witnessed* up to the largest size another key cosigned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from detente.node import next_exchange_deadline
from detente.web.page import Page, Query, date_field
from detente.web.source import Source
from detente.web.tables import Cell, Column, Table


def build(source: Source, query: Query) -> Page:
    """The overview at ``?date=`` (default: the latest data date)."""
    when = date_field(source, query)
    treaty = source.treaty()
    result = source.compliance(when)
    states = {s.party: s for s in source.states(when)}
    limits = Table(
        "limits",
        f"Counts against the limits on {when}",
        [
            Column("party", "Party"),
            Column("measure", "Measure"),
            Column("count", "Count", numeric=True),
            Column("limit", "Limit", numeric=True),
            Column("headroom", "Headroom", numeric=True),
            Column("verdict", "Verdict"),
            Column("data_date", "Data as of"),
        ],
        source=f"detente ledger counts LEDGER --date {when} --json",
    )
    for line in result.lines:
        state = states[line.party]
        limits.rows.append(
            {
                "party": line.party,
                "measure": Cell(line.measure, f"/counts?party={line.party}", "this measure over time"),
                "count": Cell(
                    line.count.total, f"/holdings?date={when}&party={line.party}", "by system type and facility"
                ),
                "limit": None if line.limit is None else Cell(line.limit.upper, "/treaties", line.limit.describe()),
                "headroom": line.headroom,
                "verdict": line.verdict.value,
                "data_date": state.last_update[:10] or "none yet",
            }
        )
    logs = Table(
        "logs",
        f"Each party's log on {when}",
        [
            Column("party", "Party"),
            Column("size", "Notifications", numeric=True),
            Column("last_sent", "Last sent"),
            Column("checkpoint", "Latest checkpoint", numeric=True),
            Column("witnessed", "Witnessed up to", numeric=True),
            Column("state", "State"),
        ],
        source="the ledger's entries, checkpoints and kept cosignatures (detente trust checkpoints LEDGER --json)",
    )
    for party in source.parties():
        logs.rows.append(_log_row(source, party, states[party].seq, states[party].last_sent, when, treaty))
    in_force = _in_force(treaty.dates.entry_into_force, treaty.dates.expires, when)
    return Page(
        f"{treaty.title} on {when}",
        "overview.html",
        [limits, logs],
        facts={"treaty": treaty, "in_force": in_force, "verdicts": _worst(result.as_dict())},
        date=when,
        intro=f"{treaty.name}: {in_force}. Counted from the ledger's notifications in effect by the end of {when}.",
    )


def _log_row(source: Source, party: str, seq: int, last_sent: str, when: dt.date, treaty: Any) -> dict[str, Any]:
    checkpoints = [c.size for c in source.store.checkpoints(party) if c.size <= seq]
    cosigned = [c.size for c in source.store.cosignatures(party) if c.size <= seq]
    if seq == 0:
        state = "awaited"
    else:
        due = next_exchange_deadline(treaty, dt.date.fromisoformat(last_sent[:10]))
        state = f"silent since {last_sent[:10]} (missed the exchange due {due})" if when > due else "current"
    return {
        "party": party,
        "size": Cell(seq, f"/notifications?party={party}", "notifications in effect by the date"),
        "last_sent": last_sent[:10] or "never",
        "checkpoint": Cell(max(checkpoints, default=0), f"/integrity?party={party}", "signed checkpoints"),
        "witnessed": Cell(max(cosigned, default=0), f"/integrity?party={party}", "cosigned by a witness"),
        "state": state,
    }


def _in_force(start: dt.date | None, expires: dt.date | None, when: dt.date) -> str:
    if start is None:
        return "not in force (a draft or framework)"
    if when < start:
        return f"not yet in force (from {start})"
    if expires is not None and when >= expires:
        return f"expired on {expires}"
    return f"in force since {start}" + (f", until {expires}" if expires else "")


def _worst(counts: dict[str, dict[str, dict[str, object]]]) -> dict[str, str]:
    """Each party's verdict in one word: over if any measure is over."""
    out = {}
    for party, measures in counts.items():
        verdicts = {str(m["verdict"]) for m in measures.values()}
        out[party] = (
            "over"
            if "over" in verdicts
            else ("within" if verdicts <= {"within", "no-limit"} else ", ".join(sorted(verdicts)))
        )
    return out
