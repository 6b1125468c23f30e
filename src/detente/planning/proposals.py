"""Proposals: treaty files with ``kind = "proposal"`` and a ``[proposal]`` table.

The table says who proposed it, when, by when it is to be met, how it is read, and what it links.

A proposal *is* a treaty file: its base treaty comes through ``extends`` and the treaty loader merges and checks it
exactly as it does a draft (docs/treaty-format.md). What only a proposal has sits in its ``[proposal]`` table
(docs/proposals.md), which the treaty schema does not know and which this module takes off before the treaty
loader sees the rest.

Rules, in order (the first broken rule refuses the proposal, naming file and field, and why):

1. The document is a table; ``[proposal]``, if present, is a table whose keys are all in the proposal vocabulary.
2. A proposal file says ``kind = "proposal"``. ``extends`` names a treaty (built-in or a file next to it), never
   another proposal: a proposal's own ``[proposal]`` table is not inherited.
3. The rest of the file is a valid treaty (the treaty loader's rules 1–5: base, types, ids, names).
4. Every name in ``[proposal]`` resolves against that treaty: ``reading`` names its variants; ``combine`` maps a
   party of the treaty to parties that are *not* parties of it (they would be counted twice); ``rates`` and a
   linked category's ``counts_toward`` name its measures; ``holdings`` name its parties; ``sources`` and a linked
   category's ``sources`` are keys of its ``[sources]``.
5. ``deadline`` and ``years`` are not both given; a linked category is either limited (``max``) or counted toward
   a measure (``counts_toward``), or both — never neither.

Parties counted with another (``combine``, e.g. UK and French forces counted with the United States) are merged
into that party's side before counting. Categories the force vocabulary cannot hold — missile-defense interceptors
— are *linked categories*: the proposal carries the holdings it assumes, with sources, and the comparison reports
them on their own lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from detente._files import load_document, parse_toml, pydantic_error
from detente.catalog.model import Catalog
from detente.errors import Location, PlanningError
from detente.treaty.load import apply_variants, builtin_treaties, treaty_from_document
from detente.treaty.model import Limit, Name, PartyCode, Treaty, Variant


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LinkedCategory(_Strict):
    """Something the proposal links to the offensive limits but a force file cannot hold (e.g. interceptors).

    The proposal states what each party holds, with sources; the comparison reports the category on its own line
    (``max``) and/or adds the holdings to a measure (``counts_toward``), shown apart from the counted items.
    """

    id: Name = Field(description="Identifier, used as the line's measure in comparisons.")
    name: str = Field(description="Name in words.")
    unit: str = Field(default="", description="What is counted (interceptors, launchers).")
    description: str = Field(default="", description="What the category holds and why it is linked.")
    holdings: dict[PartyCode, int] = Field(
        default_factory=dict, description="Per party: how many it holds (a party not listed holds none)."
    )
    as_of: dt.date | None = Field(default=None, description="Date of the holdings.")
    max: int | None = Field(default=None, ge=0, description="Limit on the category, per party.")
    counts_toward: Name | None = Field(
        default=None, description="A measure of the treaty the holdings are added to (e.g. deployed delivery vehicles)."
    )
    sources: tuple[str, ...] = Field(default=(), description="Keys of the proposal's [sources] for the holdings.")

    @model_validator(mode="after")
    def _linked_somehow(self) -> Self:
        if self.max is None and self.counts_toward is None:
            raise ValueError("a linked category needs 'max' (limited), 'counts_toward' (counted), or both")
        negative = next((p for p, n in self.holdings.items() if n < 0), None)
        if negative is not None:
            raise ValueError(f"holdings of {negative} are negative")
        return self


class ProposalTerms(_Strict):
    """The ``[proposal]`` table: what a proposal adds to its treaty text."""

    label: str = Field(
        default="", description="What the proposal is, e.g. 'historical: …' or 'illustrative: …' (shown with it)."
    )
    proposed_by: tuple[str, ...] = Field(default=(), description="Who put it forward (party codes or names).")
    date: dt.date | None = Field(default=None, description="When it was put forward.")
    deadline: dt.date | None = Field(default=None, description="Date by which its limits are to be met.")
    years: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Years, counted from the date of a comparison, by which its limits are to be met.",
    )
    reading: tuple[Name, ...] = Field(
        default=(), description="Variants of the treaty the proposal is read under, applied in order."
    )
    linked_issues: tuple[str, ...] = Field(
        default=(), description="Issues tied to it in the talks, in words (e.g. missile defense in Europe)."
    )
    combine: dict[PartyCode, tuple[PartyCode, ...]] = Field(
        default_factory=dict, description="Per party of the treaty: other parties whose items count as its own."
    )
    rates: dict[Name, int] = Field(
        default_factory=dict,
        description="Per measure: the most a party is assumed able to cut in a year (for the zone of agreement).",
    )
    linked: tuple[LinkedCategory, ...] = Field(default=(), description="Linked categories (e.g. interceptors).")
    sources: tuple[str, ...] = Field(default=(), description="Keys of the treaty's [sources] backing the proposal.")
    note: str = Field(default="", description="Remarks shown with it.")

    @model_validator(mode="after")
    def _one_deadline(self) -> Self:
        if self.deadline is not None and self.years is not None:
            raise ValueError("give either 'deadline' (a date) or 'years' (after the comparison date), not both")
        if self.date is not None and self.deadline is not None and self.deadline < self.date:
            raise ValueError(f"deadline {self.deadline} is before the date proposed {self.date}")
        rate = next((m for m, r in self.rates.items() if r < 0), None)
        if rate is not None:
            raise ValueError(f"rate for {rate!r} is negative")
        return self


@dataclass(frozen=True)
class Proposal:
    """A proposal: its treaty as read under its ``reading`` variants, and its proposal terms."""

    treaty: Treaty
    variants: tuple[Variant, ...]
    terms: ProposalTerms
    origin: str

    @property
    def id(self) -> str:
        """The treaty id of the proposal."""
        return self.treaty.id

    @property
    def spec(self) -> str:
        """The proposal as PROPOSAL+VARIANT… (the variants it is read under)."""
        return "+".join([self.treaty.id, *(v.id for v in self.variants)])

    @property
    def title(self) -> str:
        """Short name if given, else the name."""
        return self.treaty.title

    @property
    def deadline_text(self) -> str:
        """When its limits are to be met, in words: a date, years after the comparison, or the treaty's date."""
        if self.terms.deadline is not None:
            return str(self.terms.deadline)
        if self.terms.years is not None:
            return f"{self.terms.years} years"
        return str(self.treaty.dates.limits_due or "–")

    def deadline(self, as_of: dt.date) -> dt.date | None:
        """The date its limits are to be met when compared on ``as_of``.

        Its ``deadline``, else ``years`` after ``as_of``, else its treaty's ``limits_due``; None if none.
        """
        if self.terms.deadline is not None:
            return self.terms.deadline
        if self.terms.years is not None:
            return _add_years(as_of, self.terms.years)
        return self.treaty.dates.limits_due

    def combined_parties(self) -> dict[str, str]:
        """Party counted with another → that other (from ``combine``)."""
        return {member: party for party, members in self.terms.combine.items() for member in members}


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def _check_names(terms: ProposalTerms, treaty: Treaty, origin: str) -> None:
    def fail(why: str, field: str, hint: str | None = None) -> None:
        raise PlanningError(why, Location.of(origin, None, f"proposal.{field}"), hint)

    parties = set(treaty.party_ids())
    measures = {m.id for m in treaty.measures}
    party_list = ", ".join(treaty.party_ids())
    for vid in terms.reading:
        if treaty.variant(vid) is None:
            known = ", ".join(v.id for v in treaty.variants) or "none"
            fail(f"reads under variant {vid!r} that the treaty does not have", "reading", f"its variants: {known}")
    for party, members in terms.combine.items():
        if party not in parties:
            fail(f"combines into {party!r}, which is not a party to the proposal", "combine", f"parties: {party_list}")
        for member in members:
            if member in parties:
                fail(f"{member} is a party of its own; counting it with {party} would count it twice", "combine")
    seen: dict[str, str] = {}
    for party, members in terms.combine.items():
        for member in members:
            if member in seen and seen[member] != party:
                fail(f"{member} is combined with both {seen[member]} and {party}", "combine")
            seen[member] = party
    for measure in terms.rates:
        if measure not in measures:
            fail(f"gives a rate for undefined measure {measure!r}", "rates", f"measures: {', '.join(sorted(measures))}")
    for key in terms.sources:
        if key not in treaty.sources:
            fail(f"cites source {key!r} that is not in [sources]", "sources")
    ids = [c.id for c in terms.linked]
    for i, category in enumerate(terms.linked):
        where = f"linked[{i}]"
        if ids.count(category.id) > 1 or category.id in measures:
            fail(f"linked category id {category.id!r} is used twice (or is a measure's id)", f"{where}.id")
        if category.counts_toward is not None and category.counts_toward not in measures:
            fail(
                f"counts toward undefined measure {category.counts_toward!r}",
                f"{where}.counts_toward",
                f"measures: {', '.join(sorted(measures))}",
            )
        for party in category.holdings:
            if party not in parties:
                fail(f"gives holdings for {party!r}, which is not a party to the proposal", f"{where}.holdings")
        for key in category.sources:
            if key not in treaty.sources:
                fail(f"cites source {key!r} that is not in [sources]", f"{where}.sources")


def _base_is_proposal(base: object, folder: Path | None) -> bool:
    if not isinstance(base, str):
        return False
    if folder is not None:
        for suffix in (".toml", ".json"):
            path = folder / f"{base}{suffix}"
            if path.is_file():
                return "proposal" in load_document(path)
    return base in _builtin_proposal_texts() and base not in builtin_treaties()


def proposal_from_document(
    doc: Mapping[str, Any], origin: str, folder: Path | None = None, catalog: Catalog | None = None
) -> Proposal:
    """Validate a parsed proposal document (rules 1–5)."""
    rest = dict(doc)
    raw_terms = rest.pop("proposal", {})
    if not isinstance(raw_terms, dict):
        raise PlanningError("must be a table ([proposal])", Location.of(origin, None, "proposal"))
    if rest.get("kind") != "proposal":
        raise PlanningError(
            f"is not a proposal: kind is {rest.get('kind', 'treaty (the default)')!r}",
            Location.of(origin, None, "kind"),
            'a proposal file says kind = "proposal"; a treaty is given by its built-in id',
        )
    if _base_is_proposal(rest.get("extends"), folder):
        raise PlanningError(
            f"extends the proposal {rest['extends']!r}: a proposal extends a treaty, not another proposal",
            Location.of(origin, None, "extends"),
            "extend the proposal's own base treaty and restate what you need",
        )
    treaty = treaty_from_document(rest, origin, folder, catalog)
    try:
        terms = ProposalTerms.model_validate(raw_terms)
    except ValidationError as exc:
        raise pydantic_error(exc, origin, PlanningError, prefix="proposal") from None
    _check_names(terms, treaty, origin)
    read, variants = apply_variants(treaty, terms.reading)
    return Proposal(read, variants, terms, origin)


def load_proposal(path: Path, catalog: Catalog | None = None) -> Proposal:
    """A user's proposal file (TOML or JSON)."""
    path = Path(path)
    return proposal_from_document(load_document(path), str(path), path.parent, catalog)


@cache
def _builtin_proposal_texts() -> dict[str, tuple[str, str]]:
    folder = resources.files("detente.planning").joinpath("builtin")
    return {
        entry.name.removesuffix(".toml"): (entry.read_text("utf-8"), f"detente/planning/builtin/{entry.name}")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


@cache
def builtin_proposals() -> dict[str, Proposal]:
    """The proposals shipped with detente, by id, in file-name order."""
    proposals = {}
    for _name, (text, origin) in sorted(_builtin_proposal_texts().items()):
        proposal = proposal_from_document(parse_toml(text, origin), origin)
        proposals[proposal.id] = proposal
    return proposals


def treaty_as_proposal(treaty: Treaty) -> Proposal:
    """A treaty taken as it stands, as a proposal of its own limits (no proposal terms)."""
    return Proposal(treaty, (), ProposalTerms(), f"built-in treaty {treaty.id}")


def get_proposal(spec: str, catalog: Catalog | None = None) -> Proposal:
    """``ID[+VARIANT…]``: a built-in proposal, a built-in treaty taken as it stands, or a proposal file."""
    head, *variant_ids = (part.strip() for part in spec.split("+"))
    if Path(head).suffix.lower() in (".toml", ".json"):
        proposal = load_proposal(Path(head), catalog)
    elif head in builtin_proposals():
        proposal = builtin_proposals()[head]
    elif head in builtin_treaties():
        proposal = treaty_as_proposal(builtin_treaties()[head])
    else:
        raise PlanningError(
            f"unknown proposal {head!r}",
            hint=f"built-in proposals: {', '.join(builtin_proposals())}; or a built-in treaty id, or a .toml path",
        )
    if not variant_ids:
        return proposal
    read, extra = apply_variants(proposal.treaty, tuple(variant_ids))
    return Proposal(read, (*proposal.variants, *extra), proposal.terms, proposal.origin)


_LIMIT_ADAPTER = TypeAdapter(tuple[Limit, ...])
_NAME_ADAPTER = TypeAdapter(Name)


def vary_limits(proposal: Proposal, limits: Sequence[Limit | Mapping[str, Any]], new_id: str) -> Proposal:
    """The proposal with other limits (and a new id): how sweeps generate variations without re-reading files.

    Limits are checked as a file's are: types and bounds, then the measures and parties they name.
    """
    origin = f"{proposal.origin} (varied as {new_id})"
    try:
        _NAME_ADAPTER.validate_python(new_id)
        checked = _LIMIT_ADAPTER.validate_python(
            tuple(x if isinstance(x, Limit) else Limit.model_validate(x) for x in limits)
        )
    except ValidationError as exc:
        raise pydantic_error(exc, origin, PlanningError, prefix="limits") from None
    measures = {m.id for m in proposal.treaty.measures}
    parties = set(proposal.treaty.party_ids())
    for i, lim in enumerate(checked):
        if lim.measure not in measures:
            raise PlanningError(
                f"limits undefined measure {lim.measure!r} (measures: {', '.join(sorted(measures))})",
                Location.of(origin, None, f"limits[{i}].measure"),
            )
        unknown = next((p for p in lim.parties or () if p not in parties), None)
        if unknown is not None:
            raise PlanningError(
                f"names party {unknown!r} that is not a party to the proposal",
                Location.of(origin, None, f"limits[{i}].parties"),
            )
    treaty = proposal.treaty.model_copy(update={"id": new_id, "limits": checked})
    return replace(proposal, treaty=treaty)


def proposal_schema() -> dict[str, Any]:
    """The JSON Schema of the ``[proposal]`` table (its keywords are documented in docs/proposals.md)."""
    return ProposalTerms.model_json_schema()
