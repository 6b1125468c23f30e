"""Compliance: a tally's counts set against the treaty's limits on a date, with a verdict for each.

Verdicts, decided in this order for each party and measure on the date asked:

1. ``no-limit``: the treaty counts the measure but sets no bound on it for this party (on any date).
2. ``not-in-force``: the treaty has an entry-into-force date after the date.
3. ``expired``: the treaty's expiry date is on or before the date (whatever its limits' own dates say).
4. ``not-in-force`` or ``expired`` for the limit alone: the measure's limit only applies from a later date, or its
   last day has passed (the limit and the headroom against it are still shown).
5. ``over``: the count is above the upper bound (``max``), or not strictly below ``below``.
6. ``within-range``: a range limit (``min``–``max``): the count is within the upper end but above the lower,
   so whether it complies depends on where in the range the bound is finally set.
7. ``within``: otherwise.

A treaty with no entry-into-force date (a draft or framework) is tested as if in force.

A verdict judges a total against a limit. Items declared above a per-item ceiling (a term's ``cap``, START I's 20
or 16 ALCMs per heavy bomber) break the treaty whatever the total: they are not folded into a verdict but carried
beside it, on the line (``Line.violations``) and in ``as_dict`` (``violations``), on every date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from detente.counting.tally import Count, Tally, Violation
from detente.treaty.model import Limit, Treaty


class Verdict(StrEnum):
    """The outcome for one party and measure on one date."""

    WITHIN = "within"
    WITHIN_RANGE = "within-range"
    OVER = "over"
    NOT_IN_FORCE = "not-in-force"
    EXPIRED = "expired"
    NO_LIMIT = "no-limit"


@dataclass(frozen=True)
class Line:
    """One party and measure: the count, the limit that applies (if any), the headroom and the verdict."""

    party: str
    measure: str
    count: Count
    limit: Limit | None
    verdict: Verdict

    @property
    def headroom(self) -> int | None:
        """How many more the party could have and still meet the upper bound (negative when over)."""
        return None if self.limit is None else self.limit.upper - self.count.total

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Items counted here that were declared above a per-item ceiling."""
        return self.count.violations


@dataclass(frozen=True)
class Compliance:
    """A tally judged on a date."""

    tally: Tally
    as_of: dt.date
    lines: tuple[Line, ...]

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Every item declared above a per-item ceiling, over all lines."""
        return tuple(v for x in self.lines for v in x.violations)

    def line(self, party: str, measure: str) -> Line:
        """The line for one party and measure."""
        return next(x for x in self.lines if x.party == party and x.measure == measure)

    def as_dict(self) -> dict[str, dict[str, dict[str, object]]]:
        """Keyed by party, then measure: count, limit, headroom, verdict and breakdowns (for ``--json``)."""
        out: dict[str, dict[str, dict[str, object]]] = {}
        for x in self.lines:
            limit = x.limit
            out.setdefault(x.party, {})[x.measure] = {
                "count": x.count.total,
                "limit": None if limit is None else limit.upper,
                "limit_text": None if limit is None else limit.describe(),
                "limit_min": None if limit is None else limit.min,
                "headroom": x.headroom,
                "verdict": x.verdict.value,
                "by_system": x.count.by_system,
                "by_rule": x.count.by_term,
                "violations": [v.as_dict() for v in x.violations],
            }
        return out


def _applies(limit: Limit, party: str) -> bool:
    return limit.parties is None or party in limit.parties


def _limit_for(treaty: Treaty, measure: str, party: str, as_of: dt.date) -> tuple[Limit | None, Verdict | None]:
    """The limit in effect (or the next one, with a verdict saying why it does not bind yet)."""
    mine = [x for x in treaty.limits if x.measure == measure and _applies(x, party)]
    if not mine:
        return None, Verdict.NO_LIMIT
    current = [x for x in mine if (x.from_ is None or x.from_ <= as_of) and (x.until is None or as_of <= x.until)]
    if current:
        return max(current, key=lambda x: x.from_ or dt.date.min), None
    upcoming = [x for x in mine if x.from_ is not None and x.from_ > as_of]
    if upcoming:
        return min(upcoming, key=lambda x: x.from_ or dt.date.max), Verdict.NOT_IN_FORCE
    return max(mine, key=lambda x: x.until or dt.date.min), Verdict.EXPIRED


def judge(tally: Tally, as_of: dt.date) -> Compliance:
    """Set every count of the tally against the limits that apply on ``as_of``."""
    treaty = tally.treaty
    dates = treaty.dates
    treaty_verdict = None
    if dates.entry_into_force is not None and as_of < dates.entry_into_force:
        treaty_verdict = Verdict.NOT_IN_FORCE
    elif dates.expires is not None and as_of >= dates.expires:
        treaty_verdict = Verdict.EXPIRED
    lines = []
    for party in tally.parties:
        for measure in treaty.measures:
            c = tally[(party, measure.id)]
            limit, verdict = _limit_for(treaty, measure.id, party, as_of)
            if treaty_verdict is not None and limit is not None:
                verdict = treaty_verdict
            if verdict is None and limit is not None:
                if c.total > limit.upper:
                    verdict = Verdict.OVER
                elif limit.min is not None and c.total > limit.min:
                    verdict = Verdict.WITHIN_RANGE
                else:
                    verdict = Verdict.WITHIN
            lines.append(Line(party, measure.id, c, limit, verdict or Verdict.NO_LIMIT))
    return Compliance(tally, as_of, tuple(lines))
