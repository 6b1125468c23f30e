"""What a reduction plan is asked for: the party, the deadline, the objective, keep rules, capacities, RV bounds.

Every rule is checked when it is made, so a bad one is refused before any planning, as a :class:`PlanningError`
naming the field: a negative count or capacity, a capacity for an action other than eliminate or convert, a keep
status other than ``deployed`` or ``retained``, RV bounds that are not a range. The text forms the CLI takes are
parsed here too (``KeepRule.parse``, ``Capacity.parse``, ``RvBounds.parse``). Whether a named type exists is
decided later, against the force and the catalog (:func:`detente.planning.reduce.select_systems`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from detente.errors import Location, PlanningError

OBJECTIVES: dict[str, str] = {
    "deployed-warheads": "RVs on deployed ICBMs and SLBMs, plus one per deployed heavy bomber equipped for nuclear "
    "armaments",
    "deployed-vehicles": "deployed ICBMs and SLBMs (launchers holding a missile) and deployed nuclear heavy bombers",
    "retained-launchers": "ICBM and SLBM launchers and nuclear heavy bombers neither converted nor eliminated",
}
"""Quantities a plan can keep, counted on the items themselves (not by any treaty); treaty measures also work."""

DEFAULT_OBJECTIVE = ("deployed-warheads", "deployed-vehicles", "retained-launchers")


class Action(StrEnum):
    """What a plan does to an item."""

    KEEP = "keep"
    DOWNLOAD = "download"
    NON_DEPLOY = "non-deploy"
    CONVERT = "convert"
    ELIMINATE = "eliminate"


CHANGE_COST = {Action.KEEP: 0, Action.DOWNLOAD: 1, Action.NON_DEPLOY: 1, Action.CONVERT: 2, Action.ELIMINATE: 3}


def _count_text(text: str, what: str, where: str) -> int:
    try:
        value = int(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise PlanningError(f"{what} must be a whole number, got {text.strip()!r}", Location(field=where)) from None
    if value < 0:
        raise PlanningError(f"{what} must not be negative, got {value}", Location(field=where))
    return value


@dataclass(frozen=True)
class KeepRule:
    """Keep at least ``at_least`` items of a system type or category (all there are now, when None).

    ``status`` says what kept means: ``deployed`` (still deployed, whatever its RVs) or ``retained`` (neither
    converted nor eliminated).
    """

    select: str
    at_least: int | None = None
    status: Literal["deployed", "retained"] = "deployed"

    def __post_init__(self) -> None:
        if self.at_least is not None and self.at_least < 0:
            raise PlanningError(f"a keep rule needs a count of 0 or more, got {self.at_least}", Location(field="keep"))
        if self.status not in ("deployed", "retained"):
            raise PlanningError(f"keep {self.status!r}: expected deployed or retained", Location(field="keep"))

    @classmethod
    def parse(cls, text: str) -> KeepRule:
        """``SELECT[:deployed|retained]=N|all``, e.g. ``minuteman-iii=all`` or ``slbm:retained=240``."""
        head, sep, amount = text.partition("=")
        select, _, status = head.partition(":")
        if not sep or not select.strip():
            raise PlanningError(
                f"keep rule {text!r} is not SELECT[:deployed|retained]=N|all", Location(field="keep"), "e.g. slbm=200"
            )
        word = status.strip() or "deployed"
        if word not in ("deployed", "retained"):
            raise PlanningError(
                f"keep rule {text!r}: {word!r} is neither deployed nor retained", Location(field="keep")
            )
        n = None if amount.strip() == "all" else _count_text(amount, "a keep rule's count", "keep")
        return cls(select.strip(), n, "retained" if word == "retained" else "deployed")

    def describe(self) -> str:
        """The rule in words."""
        amount = "all" if self.at_least is None else f"≥ {self.at_least:,}"
        return f"keep {amount} {self.status} {self.select}"


@dataclass(frozen=True)
class Capacity:
    """At most ``per_year`` eliminations (or conversions) a year, of everything or of one type or category."""

    action: Action
    per_year: int
    select: str | None = None

    def __post_init__(self) -> None:
        if self.action not in (Action.ELIMINATE, Action.CONVERT):
            raise PlanningError(
                f"a capacity is for eliminate or convert, not {self.action.value!r}", Location(field="capacity")
            )
        if self.per_year < 0:
            raise PlanningError(
                f"a yearly capacity must not be negative, got {self.per_year}", Location(field="capacity")
            )

    @classmethod
    def parse(cls, text: str) -> Capacity:
        """``ACTION[:SELECT]=N`` a year, e.g. ``eliminate=30`` or ``convert:heavy-bomber=12``."""
        head, sep, amount = text.partition("=")
        action, _, select = head.partition(":")
        if not sep or action.strip() not in (Action.ELIMINATE.value, Action.CONVERT.value):
            raise PlanningError(
                f"capacity {text!r} is not eliminate|convert[:SELECT]=N",
                Location(field="capacity"),
                "e.g. eliminate=30",
            )
        n = _count_text(amount, "a yearly capacity", "capacity")
        return cls(Action(action.strip()), n, select.strip() or None)

    def describe(self) -> str:
        """The capacity in words."""
        what = f" {self.select}" if self.select else ""
        return f"{self.action.value}{what} ≤ {self.per_year:,} a year"


@dataclass(frozen=True)
class RvBounds:
    """The fewest and the most RVs a deployed missile of a type may carry after the plan."""

    system: str
    low: int = 1
    high: int | None = None

    def __post_init__(self) -> None:
        if self.low < 0 or (self.high is not None and self.high < self.low):
            raise PlanningError(
                f"RV bounds for {self.system}: {self.low}–{self.high} is not a range", Location(field="rvs")
            )

    @classmethod
    def parse(cls, text: str) -> RvBounds:
        """``SYSTEM=LOW-HIGH`` or ``SYSTEM=N`` (exactly N)."""
        system, sep, span = text.partition("=")
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", span)
        if not sep or not system.strip() or match is None:
            raise PlanningError(f"RV bounds {text!r} are not SYSTEM=LOW-HIGH", Location(field="rvs"), "e.g. bulava=1-4")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        return cls(system.strip(), low, high)


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: for which party, by when, keeping what, within which capacities."""

    party: str
    deadline: dt.date
    start: dt.date | None = None  # default: the force's own date
    objective: tuple[str, ...] = DEFAULT_OBJECTIVE
    keep: tuple[KeepRule, ...] = ()
    capacities: tuple[Capacity, ...] = ()
    rv_bounds: tuple[RvBounds, ...] = ()
    convertible: tuple[str, ...] | None = None  # types or categories that may be converted; None: rule 2's default
    range_end: Literal["max", "min"] = "max"

    def __post_init__(self) -> None:
        if not self.objective:
            raise PlanningError("the objective names no quantity", Location(field="objective"))
        if self.range_end not in ("max", "min"):
            raise PlanningError(f"range end {self.range_end!r}: expected max or min", Location(field="range_end"))
