"""The treaty file schema: parties, dates, definitions, measures, limits, attribution and variants.

A treaty file is data in a closed vocabulary — no code and no expressions. Each keyword below is described in
docs/treaty-format.md and in the published JSON Schema (``detente treaty schema``); a test checks both.

Every whole number a treaty file gives (term values, ``first`` counts, ceilings, attributed numbers, limits) lies
between 0 and 10^12, and day counts between 0 and 36,525 (:mod:`detente.treaty._numbers` says why).
"""

from __future__ import annotations

import datetime as dt
import itertools
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from detente.catalog.model import Armament, Basing, Category
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status
from detente.treaty._numbers import Days, Number, Positive, check_number
from detente.treaty.inspections import InspectionRegime

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
PartyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]*$", max_length=16)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Dates(_Strict):
    """The treaty's own dates.

    A treaty without ``entry_into_force`` is a draft or framework: its limits are tested as if in force.
    """

    signed: dt.date | None = Field(default=None, description="Date of signature.")
    entry_into_force: dt.date | None = Field(default=None, description="Date it entered into force.")
    limits_due: dt.date | None = Field(default=None, description="Date by which the central limits must be met.")
    expires: dt.date | None = Field(default=None, description="Date it expires (first day no longer in force).")
    superseded: dt.date | None = Field(
        default=None, description="Date another treaty took its place, if before expiry (shown, not used in verdicts)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        order = [("signed", self.signed), ("entry_into_force", self.entry_into_force), ("expires", self.expires)]
        known = [(k, v) for k, v in order if v is not None]
        for (k1, v1), (k2, v2) in itertools.pairwise(known):
            if v2 < v1:
                raise ValueError(f"{k2} ({v2}) is before {k1} ({v1})")
        return self


class Party(_Strict):
    """A party to the treaty, by the code force files use (US, RU, CN, …)."""

    id: PartyCode = Field(description="Party code, as in force files.")
    name: str = Field(description="Full name.")


class Definition(_Strict):
    """A named selection of items: either a *filter* (every given condition holds) or a *union* (``any_of``).

    Conditions list allowed words; an absent condition allows everything. ``exclude`` removes the items of the
    named definitions from the result.
    """

    description: str = Field(default="", description="What the definition means, in words.")
    category: tuple[Category, ...] | None = Field(default=None, description="System categories allowed.")
    basing: tuple[Basing, ...] | None = Field(default=None, description="Basing modes allowed.")
    system: tuple[str, ...] | None = Field(default=None, description="System type ids (or aliases) allowed.")
    heavy: bool | None = Field(default=None, description="Only heavy ICBMs (true) or only others (false).")
    kind: tuple[Kind, ...] | None = Field(default=None, description="Item kinds allowed.")
    status: tuple[Status, ...] | None = Field(default=None, description="Item statuses allowed.")
    armament: tuple[Armament, ...] | None = Field(default=None, description="Armaments the item is equipped for.")
    role: tuple[Role, ...] | None = Field(default=None, description="Roles allowed (nuclear, conventional).")
    facility_kind: tuple[FacilityKind, ...] | None = Field(default=None, description="Facility kinds allowed.")
    any_of: tuple[Name, ...] | None = Field(default=None, description="Union of other definitions, by name.")
    exclude: tuple[Name, ...] = Field(default=(), description="Definitions whose items are taken out.")

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        conditions = [
            self.category,
            self.basing,
            self.system,
            self.heavy,
            self.kind,
            self.status,
            self.armament,
            self.role,
            self.facility_kind,
        ]
        if self.any_of is not None and any(c is not None for c in conditions):
            raise ValueError("a definition is either a filter (conditions) or a union (any_of), not both")
        return self

    def references(self) -> tuple[str, ...]:
        """Names of the other definitions this one uses."""
        return (*(self.any_of or ()), *self.exclude)


class OrderKey(_Strict):
    """One key of the order in which a ``first`` rule takes items (e.g. which bombers are the first 150)."""

    by: Literal["system", "uid", "alcm_capacity", "warheads", "first_deployed", "facility"] = Field(
        description="Item attribute to sort on."
    )
    first: tuple[str, ...] = Field(
        default=(), description="For 'system' and 'facility': these values come first, in this order."
    )
    descending: bool = Field(default=False, description="Sort larger values first.")


class FirstRule(_Strict):
    """For one party: the first ``count`` selected items (in the term's order) count ``value`` each."""

    count: Number = Field(description="How many items get the special value.")
    value: Number = Field(description="What each of them counts.")


class Value(StrEnum):
    """What each selected item contributes to a measure."""

    ITEMS = "items"  # 1 per item
    WARHEADS = "warheads"  # the warheads declared on the item
    ATTRIBUTED = "attributed"  # the treaty's attributed number for the item's system type
    ALCM_CAPACITY = "alcm_capacity"  # the long-range nuclear ALCMs the item is equipped for
    MAX_RVS = "max_rvs"  # the catalog's maximum RVs for the item's system type


class Term(_Strict):
    """One addend of a measure: the items of a definition, each contributing a value."""

    select: Name = Field(description="The definition whose items this term counts.")
    value: Value | Number = Field(default=Value.ITEMS, description="What each item contributes, or a fixed number.")
    label: str = Field(default="", description="Name of the rule in breakdowns (defaults to the definition name).")
    cap: dict[PartyCode, Number] = Field(
        default_factory=dict,
        description="Per party: the most any one item may be declared with (its value). An item declared with more "
        "breaks the treaty: it counts what it is declared with and is reported as a violation, never cut down.",
    )
    first: dict[PartyCode, FirstRule] = Field(
        default_factory=dict, description="Per party: the first N items in 'order' count a fixed value instead."
    )
    order: tuple[OrderKey, ...] = Field(default=(), description="Order in which 'first' takes items.")

    @field_validator("value", mode="before")
    @classmethod
    def _value_in_bounds(cls, value: object) -> object:
        # a whole number out of bounds is named as such, not as "not one of the value words"
        if isinstance(value, int) and not isinstance(value, bool):
            return check_number(value)
        return value

    @model_validator(mode="after")
    def _order_given(self) -> Self:
        if self.first and not self.order:
            raise ValueError("a term with 'first' must state its 'order', so counts never depend on file order")
        if self.order and not self.first:
            raise ValueError("'order' is only meaningful with 'first'")
        return self

    @property
    def name(self) -> str:
        """The label shown in breakdowns."""
        return self.label or self.select


class Measure(_Strict):
    """Something a treaty counts, as a sum of terms."""

    id: Name = Field(description="Identifier used by limits, output and official data.")
    name: str = Field(description="Name in words.")
    unit: str = Field(default="", description="What is counted (delivery vehicles, warheads, launchers).")
    description: str = Field(default="", description="What counts, in words.")
    article: str = Field(default="", description="Where the treaty says so (article, paragraph).")
    terms: tuple[Term, ...] = Field(min_length=1, description="The addends.")


class Limit(_Strict):
    """A bound on a measure from a date: a maximum, a strict upper bound, or a range."""

    measure: Name = Field(description="Id of the measure limited.")
    max: Number | None = Field(default=None, description="Count must be at most this.")
    below: Positive | None = Field(default=None, description="Count must be strictly below this.")
    min: Number | None = Field(
        default=None, description="Lower end of a range (with max): the bound agreed lies between min and max."
    )
    from_: dt.date | None = Field(default=None, alias="from", description="First date the limit applies.")
    until: dt.date | None = Field(default=None, description="Last date the limit applies.")
    parties: tuple[PartyCode, ...] | None = Field(default=None, description="Parties it binds (default: all).")
    article: str = Field(default="", description="Where the treaty says so.")
    note: str = Field(default="", description="Remarks shown with the limit.")

    @model_validator(mode="after")
    def _bound(self) -> Self:
        if (self.max is None) == (self.below is None):
            raise ValueError("a limit needs exactly one of 'max' or 'below'")
        if self.min is not None and self.max is None:
            raise ValueError("a range needs 'min' and 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min {self.min} is above max {self.max}")
        if self.from_ and self.until and self.until < self.from_:
            raise ValueError(f"'until' ({self.until}) is before 'from' ({self.from_})")
        return self

    @property
    def upper(self) -> int:
        """The largest count that complies."""
        return self.max if self.max is not None else int(self.below or 0) - 1

    def describe(self) -> str:
        """The bound in words, e.g. '≤ 1,550' or '1,700–2,200' or '< 1,600'."""
        if self.min is not None and self.max is not None:
            return f"{self.min:,}–{self.max:,}"
        return f"≤ {self.max:,}" if self.max is not None else f"< {self.below:,}"


class NotificationRules(_Strict):
    """The treaty's deadlines for notifications (New START Protocol Part Four)."""

    change_deadline_days: Days = Field(default=5, description="Days after a change within which it is notified.")
    update_deadline_days: Days = Field(
        default=30, description="Days after a data date within which the full update is sent."
    )
    initial_deadline_days: Days = Field(
        default=45, description="Days after entry into force within which initial data is sent."
    )
    update_dates: tuple[str, ...] = Field(
        default=("03-01", "09-01"), description="Month and day (MM-DD) of the six-monthly data dates."
    )
    warheads_change_via_update: bool = Field(
        default=True, description="A change of warheads takes effect only with the next six-monthly update."
    )


class Variant(_Strict):
    """A named reading of the treaty: replaces definitions (and attributed numbers) where the parties disagree."""

    id: Name = Field(description="Identifier, used as TREATY+VARIANT.")
    name: str = Field(description="Name in words.")
    held_by: tuple[PartyCode | str, ...] = Field(default=(), description="Who holds this reading.")
    description: str = Field(description="What is read differently, and why.")
    sources: tuple[str, ...] = Field(default=(), description="Keys of the treaty's sources backing it.")
    definitions: dict[Name, Definition] = Field(default_factory=dict, description="Definitions replaced by name.")
    attribution: dict[str, Number] = Field(default_factory=dict, description="Attributed numbers replaced by system.")


class Treaty(_Strict):
    """A treaty, agreement or draft: who is bound, what is counted, and the limits."""

    format: Literal["detente.treaty/1"] = Field(default="detente.treaty/1", description="File format version.")
    id: Name = Field(description="Identifier, e.g. new-start.")
    name: str = Field(description="Full name.")
    short_name: str = Field(default="", description="Usual short name.")
    kind: Literal["treaty", "agreement", "framework", "draft", "proposal"] = Field(
        default="treaty", description="What sort of document it is."
    )
    summary: str = Field(default="", description="One paragraph on what it does.")
    extends: Name | None = Field(default=None, description="A treaty whose contents this one starts from.")
    sources: dict[str, str] = Field(default_factory=dict, description="Source key = address (what it is).")
    dates: Dates = Field(default_factory=Dates, description="The treaty's dates.")
    parties: tuple[Party, ...] = Field(min_length=1, description="Who is bound (any number).")
    definitions: dict[Name, Definition] = Field(default_factory=dict, description="Named selections of items.")
    attribution: dict[str, Number] = Field(
        default_factory=dict, description="Warheads attributed per system type (START I style)."
    )
    measures: tuple[Measure, ...] = Field(min_length=1, description="What is counted.")
    limits: tuple[Limit, ...] = Field(default=(), description="Bounds on measures.")
    variants: tuple[Variant, ...] = Field(default=(), description="Named readings of disputed definitions.")
    notifications: NotificationRules = Field(
        default_factory=NotificationRules, description="Deadlines for notifications (used by ledgers)."
    )
    inspections: InspectionRegime | None = Field(
        default=None, description="On-site inspections: types, annual quotas, sites and checks."
    )
    # Set by the loader, not part of the file: where the treaty was read from, and what it took from its bases.
    _origin: str = PrivateAttr(default="")
    _inherited: dict[str, str] = PrivateAttr(default_factory=dict)
    _merged: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def title(self) -> str:
        """Short name if given, else the name."""
        return self.short_name or self.name

    @property
    def origin(self) -> str:
        """The file it was read from (a built-in's path inside the package), or '' if made in code."""
        return self._origin

    @property
    def inherited(self) -> dict[str, str]:
        """Top-level keys the file does not give but took whole through ``extends``.

        Each maps to the treaty whose file gave it (``dates`` → ``new-start``).
        """
        return dict(self._inherited)

    @property
    def merged(self) -> dict[str, str]:
        """Tables merged key by key with the base's, each with the base it was merged with.

        These are ``definitions``, ``attribution``, ``sources`` and ``measures``, where the file gives some.
        """
        return dict(self._merged)

    def with_provenance(self, origin: str, inherited: dict[str, str], merged: dict[str, str]) -> Treaty:
        """Record where the treaty was read from and what it took from its bases (the loader's record)."""
        self._origin = origin
        self._inherited = dict(inherited)
        self._merged = dict(merged)
        return self

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id (the loader has checked that limits name existing measures)."""
        return next(m for m in self.measures if m.id == measure_id)

    def variant(self, variant_id: str) -> Variant | None:
        """The variant with this id, or None."""
        return next((v for v in self.variants if v.id == variant_id), None)

    def party_ids(self) -> tuple[str, ...]:
        """Party codes in file order."""
        return tuple(p.id for p in self.parties)
