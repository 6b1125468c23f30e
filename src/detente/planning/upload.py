"""Upload planning: the most deployed warheads a party could reach over time, leg by leg, with no limit or a new one.

The model, day by day from the data's date (every number comes from a data file in which each value names its
source or says it is an assumption; ``src/detente/data/upload/`` ships one file per party):

1. Each leg (ICBMs, SLBMs, heavy bombers) starts from the warheads it carries (``deployed``) and can carry at
   most ``capacity``: its launchers times the warheads each can take.
2. After a lead time (``lead_days``: decision, moving warheads out of storage) a leg adds warheads at its
   ``rate``, given per day, month (30.4375 days) or year (365.25 days): bombers load in days, submarines in
   months as boats come into port, ICBMs in years as missiles are reopened one by one.
3. Every leg draws on one reserve of stored warheads (``reserve``). On a day the legs together want more than is
   left, what is left is shared in proportion to what each wants; the split between legs after that is a
   consequence of the model, not a forecast.
4. So each leg's series never falls, never passes its capacity, and the total never passes the starting total
   plus the reserve.
5. With a limit, the series also says on which day the total first exceeds it (day 0 if it already does), and
   ``within`` is the total held at the limit.

Data files are refused whole, naming the file and field, when a value gives neither a source nor an assumption,
cites a source the file does not list, is negative, or when a leg's capacity is below what it carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente._files import load_document, parse_toml, pydantic_error
from detente.errors import Location, PlanningError

FloatArray = npt.NDArray[np.float64]
_DAYS = {"day": 1.0, "month": 30.4375, "year": 365.25}
#: The longest horizon, in days (100 years): uploading takes days to years, and the series is computed day by day.
MAX_HORIZON_DAYS = 36_525


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Value(_Strict):
    """A number with where it comes from: a source key of the file, or an assumption stated in words."""

    value: float = Field(ge=0, description="The number.")
    source: str | None = Field(default=None, description="Key of the file's [sources] it comes from.")
    assumption: str | None = Field(default=None, description="Why this number is assumed, when it has no source.")
    note: str = Field(default="", description="How the number was read or derived.")

    @model_validator(mode="after")
    def _provenance(self) -> Self:
        if (self.source is None) == (self.assumption is None):
            raise ValueError("give exactly one of 'source' (a key of [sources]) or 'assumption' (in words)")
        return self

    @property
    def provenance(self) -> str:
        """``source KEY`` or ``assumption``."""
        return f"source {self.source}" if self.source else "assumption"


class Rate(Value):
    """An upload rate: warheads per day, month or year."""

    per: Literal["day", "month", "year"] = Field(description="The time unit of the rate.")

    @property
    def per_day(self) -> float:
        """Warheads a day."""
        return self.value / _DAYS[self.per]


class Leg(_Strict):
    """One leg of the triad: what it carries, the most it can carry, and how fast and how soon it can upload."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Identifier, e.g. icbm.")
    name: str = Field(description="Name in words.")
    deployed: Value = Field(description="Warheads it carries at the data's date.")
    capacity: Value = Field(description="The most warheads it can carry (launchers × warheads each).")
    rate: Rate = Field(description="How fast warheads can be added once uploading starts.")
    lead_days: Value = Field(description="Days from the decision until the first warheads are added.")

    @model_validator(mode="after")
    def _room(self) -> Self:
        if self.capacity.value < self.deployed.value:
            raise ValueError(f"capacity {self.capacity.value:g} is below the {self.deployed.value:g} deployed")
        return self


class UploadData(_Strict):
    """A party's upload parameters, with their sources."""

    format: Literal["detente.upload/1"] = Field(description="File format version.")
    party: str = Field(pattern=r"^[A-Z][A-Z0-9-]*$", description="Party code, as in force and treaty files.")
    title: str = Field(description="What the file describes.")
    label: str = Field(description="What kind of data this is (estimates, assumptions).")
    as_of: dt.date = Field(description="Date the starting loads describe.")
    description: str = Field(default="", description="How the numbers were chosen.")
    sources: dict[str, str] = Field(description="Source key = what it is and where.")
    reserve: Value = Field(description="Stored warheads the legs can draw on.")
    legs: tuple[Leg, ...] = Field(min_length=1, description="The legs.")

    @model_validator(mode="after")
    def _sources_listed(self) -> Self:
        values: list[tuple[str, Value]] = [("reserve", self.reserve)]
        for i, leg in enumerate(self.legs):
            for name in ("deployed", "capacity", "rate", "lead_days"):
                values.append((f"legs[{i}].{name}", getattr(leg, name)))
        for where, v in values:
            if v.source is not None and v.source not in self.sources:
                raise ValueError(f"{where} cites source {v.source!r}, which [sources] does not list")
        ids = [leg.id for leg in self.legs]
        if len(set(ids)) != len(ids):
            raise ValueError("a leg id is used twice")
        return self


def upload_data_from_document(doc: dict[str, Any], origin: str) -> UploadData:
    """Validate a parsed upload file."""
    try:
        return UploadData.model_validate(doc)
    except ValidationError as exc:
        raise pydantic_error(exc, origin, PlanningError) from None


def shipped_upload_parties() -> list[str]:
    """Parties with a shipped upload file (file names are lowercase party codes)."""
    folder = resources.files("detente.data").joinpath("upload")
    return sorted(e.name.removesuffix(".toml").upper() for e in folder.iterdir() if e.name.endswith(".toml"))


def shipped_upload_data(party: str) -> UploadData:
    """The shipped upload file of a party."""
    if party.upper() not in shipped_upload_parties():
        raise PlanningError(
            f"no upload data for party {party!r}",
            Location(field="party"),
            f"shipped: {', '.join(shipped_upload_parties())}; or give a file with --data",
        )
    name = f"{party.lower()}.toml"
    text = resources.files("detente.data").joinpath("upload", name).read_text("utf-8")
    origin = f"detente/data/upload/{name}"
    return upload_data_from_document(parse_toml(text, origin), origin)


def load_upload_data(path: Path) -> UploadData:
    """A user's upload file (TOML or JSON, same format as the shipped ones)."""
    return upload_data_from_document(load_document(path), str(path))


@dataclass(frozen=True)
class UploadSeries:
    """Deployed warheads per leg and in total, day by day from the data's date."""

    data: UploadData
    days: npt.NDArray[np.int64]
    legs: dict[str, FloatArray]
    total: FloatArray
    limit: int | None = None

    @property
    def dates(self) -> list[dt.date]:
        """The day of each point."""
        return [self.data.as_of + dt.timedelta(days=int(d)) for d in self.days]

    @property
    def exceeds_limit_on(self) -> int | None:
        """Rule 5: the first day the total is above the limit (None without a limit, or if it never is)."""
        if self.limit is None:
            return None
        above = np.flatnonzero(self.total > self.limit + 1e-9)
        return int(self.days[above[0]]) if above.size else None

    @property
    def within(self) -> FloatArray | None:
        """Rule 5: the total held at the limit."""
        return None if self.limit is None else np.minimum(self.total, float(self.limit))

    def at(self, day: int) -> dict[str, float]:
        """Each leg and the total on a day (the last day if beyond)."""
        i = min(int(np.searchsorted(self.days, day)), len(self.days) - 1)
        out = {leg: float(v[i]) for leg, v in self.legs.items()}
        out["total"] = float(self.total[i])
        return out

    def as_dict(self, milestones: list[int]) -> dict[str, Any]:
        """Milestone rows and the parameters with their provenance (for ``--json``)."""
        d = self.data
        return {
            "party": d.party,
            "title": d.title,
            "label": d.label,
            "as_of": d.as_of.isoformat(),
            "limit": self.limit,
            "exceeds_limit_on_day": self.exceeds_limit_on,
            "reserve": {"value": d.reserve.value, "provenance": d.reserve.provenance},
            "legs": [
                {
                    "id": leg.id,
                    "name": leg.name,
                    **{
                        name: {"value": getattr(leg, name).value, "provenance": getattr(leg, name).provenance}
                        for name in ("deployed", "capacity", "lead_days")
                    },
                    "rate": {"value": leg.rate.value, "per": leg.rate.per, "provenance": leg.rate.provenance},
                }
                for leg in d.legs
            ],
            "series": [
                {"day": day, "date": (d.as_of + dt.timedelta(days=day)).isoformat(), **self.at(day)}
                for day in milestones
            ],
            "sources": d.sources,
        }


def upload_series(data: UploadData, horizon_days: int, limit: int | None = None) -> UploadSeries:
    """Rules 1–5 over ``horizon_days`` days (daily points)."""
    if horizon_days < 0:
        raise PlanningError(f"the horizon must not be negative, got {horizon_days} days", Location(field="horizon"))
    if horizon_days > MAX_HORIZON_DAYS:
        raise PlanningError(
            f"the horizon must be at most {MAX_HORIZON_DAYS:,} days (100 years), got {horizon_days:,}",
            Location(field="horizon"),
            "an upload takes days to years; the series is computed day by day",
        )
    if limit is not None and limit < 0:
        raise PlanningError(f"a limit must not be negative, got {limit}", Location(field="limit"))
    days = np.arange(horizon_days + 1, dtype=np.int64)
    legs = data.legs
    room = np.array([leg.capacity.value - leg.deployed.value for leg in legs])
    # what each leg would have added by each day with no reserve to share (rules 1 and 2)
    wanted = np.array(
        [
            np.minimum(r, leg.rate.per_day * np.maximum(days - leg.lead_days.value, 0.0))
            for leg, r in zip(legs, room, strict=True)
        ]
    )
    step = np.diff(wanted, axis=1, prepend=0.0)
    added = np.zeros_like(step)
    left = data.reserve.value
    for t in range(step.shape[1]):  # rule 3: share what is left when the legs want more
        want = step[:, t]
        total_want = float(want.sum())
        take = want if total_want <= left else want * (left / total_want)
        added[:, t] = take
        left -= float(take.sum())
    cumulative = np.cumsum(added, axis=1)
    series = {leg.id: leg.deployed.value + cumulative[i] for i, leg in enumerate(legs)}
    total = np.sum(np.array(list(series.values())), axis=0)
    return UploadSeries(data, days, series, total, limit)


def milestones(horizon_days: int) -> list[int]:
    """Days worth showing: the first days (bombers), months (submarines), then years (ICBMs)."""
    marks = [0, 7, 30, 91, 182, 365, 730, 1096, 1461, 1826, 2557, 3652]
    return [d for d in marks if d < horizon_days] + [horizon_days]
