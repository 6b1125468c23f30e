"""Inspection regimes in treaty files: inspection types, annual quotas, where each may go and what it checks.

A regime is data, like the rest of a treaty. Quotas run per *treaty year*: year 1 starts on the day of entry
into force, year k on its (k−1)th anniversary. What an inspection checks is a closed vocabulary
(:class:`Check`); the inspection workflow (:mod:`detente.verification.inspection`) compares findings with the
declared state only for what the inspection's type checks.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente.forces.vocabulary import FacilityKind
from detente.treaty._numbers import Number

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class Check(StrEnum):
    """What an inspection of a type checks at its site."""

    ITEMS = "items"  # the items present, by unique identifier, with their status
    WARHEADS = "warheads"  # the reentry vehicles on designated deployed missiles
    CONVERSIONS = "conversions"  # that items declared converted are converted
    ELIMINATIONS = "eliminations"  # that items declared eliminated are eliminated


class InspectionType(BaseModel):
    """One kind of on-site inspection (New START: Type One, Type Two)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Name = Field(description="Identifier used in inspection reports, e.g. type-one.")
    name: str = Field(description="Name in words.")
    quota: Number = Field(description="How many a party may conduct per treaty year.")
    facility_kinds: tuple[FacilityKind, ...] = Field(min_length=1, description="Kinds of facility it may visit.")
    only_non_deployed: bool = Field(
        default=False, description="It may visit only sites holding no deployed items (New START Type Two)."
    )
    checks: tuple[Check, ...] = Field(min_length=1, description="What it checks.")
    designated: Number = Field(
        default=0, description="How many deployed missiles (or bombers) at the site the inspectors designate."
    )
    notice_hours: Number | None = Field(
        default=None, description="Hours of notice before the inspectors arrive, if the treaty sets them."
    )
    article: str = Field(default="", description="Where the treaty says so.")

    @model_validator(mode="after")
    def _designation(self) -> Self:
        if (self.designated > 0) != (Check.WARHEADS in self.checks):
            raise ValueError("an inspection checks 'warheads' exactly when it designates missiles ('designated' > 0)")
        return self


class InspectionRegime(BaseModel):
    """A treaty's on-site inspections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    types: tuple[InspectionType, ...] = Field(min_length=1, description="The inspection types.")
    note: str = Field(default="", description="Remarks shown with the regime.")

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [t.id for t in self.types]
        if len(set(ids)) != len(ids):
            raise ValueError(f"inspection type ids repeat: {ids}")
        return self

    def type(self, type_id: str) -> InspectionType | None:
        """The inspection type with this id, or None."""
        return next((t for t in self.types if t.id == type_id), None)


def treaty_year(entry_into_force: dt.date, day: dt.date) -> int:
    """The treaty year (1, 2, …) a day falls in; 0 before entry into force."""
    if day < entry_into_force:
        return 0
    years = day.year - entry_into_force.year
    anniversary = _anniversary(entry_into_force, years)
    return years + 1 if day >= anniversary else years


def year_bounds(entry_into_force: dt.date, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of treaty year ``year`` (1-based)."""
    start = _anniversary(entry_into_force, year - 1)
    return start, _anniversary(entry_into_force, year) - dt.timedelta(days=1)


def _anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: the year starts on 1 March
        return dt.date(day.year + years, 3, 1)
