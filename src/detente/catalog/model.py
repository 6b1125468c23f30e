"""System types and the catalog that finds them by id or alias.

Rules for names, in order (a name that breaks one is refused, naming it and the types involved):

1. Case, spaces, hyphens, underscores, dots and slashes do not matter (``LGM-30G`` = ``lgm30g``).
2. A name is an id, a name or an alias of exactly one type; no two types share a name.
3. A name that could mean several types (``Tu-95``, ``Bear``, ``Yars``, ``B-52``) is *ambiguous*: it names no type,
   and looking it up is refused with the candidates listed, so that the user says which. No name is both.
4. A type that may be equipped for more than one armament (``armaments``, e.g. a B-52H with ALCMs or with bombs)
   has no default armament for a force row: the row must say which (docs/force-format.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente.errors import AmbiguousSystemError, CatalogError, Location

# The most RVs or ALCMs one item may carry in any file: ten times the largest real load (SS-18: 10; B-52H: 20), so
# a typo is caught, and small enough that per-item values times any count stay exact (see detente.counting).
MOST_PER_ITEM = 64


class Category(StrEnum):
    """What kind of strategic delivery system a type is."""

    ICBM = "icbm"
    SLBM = "slbm"
    HEAVY_BOMBER = "heavy-bomber"


class Basing(StrEnum):
    """How a type is based."""

    SILO = "silo"
    ROAD_MOBILE = "road-mobile"
    RAIL_MOBILE = "rail-mobile"
    SUBMARINE = "submarine"
    AIR = "air"


class Armament(StrEnum):
    """What an item is equipped to carry: a missile's own RVs, long-range nuclear ALCMs, bombs, or nothing nuclear."""

    MISSILE = "missile"
    ALCM = "alcm"
    BOMBS = "bombs"
    NONE = "none"


class Confidence(StrEnum):
    """How far a shipped number can be trusted."""

    STATED = "stated"
    DERIVED = "derived"
    ESTIMATE = "estimate"
    UNCONFIRMED = "unconfirmed"
    ASSUMPTION = "assumption"


class SystemType(BaseModel):
    """One strategic system type, e.g. Minuteman III: its category, basing, capacities and sources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable lowercase identifier, e.g. minuteman-iii.")
    name: str = Field(min_length=1, description="Usual name, e.g. 'Minuteman III'.")
    aliases: tuple[str, ...] = Field(default=(), description="Other names users may type.")
    country: str = Field(min_length=1, description="Party code of the country that fields it, e.g. US, RU.")
    category: Category
    basing: Basing
    heavy: bool = Field(default=False, description="A heavy ICBM in START I's sense (SS-18).")
    max_rvs: int = Field(default=0, ge=0, le=MOST_PER_ITEM, description="Maximum re-entry vehicles a missile carries.")
    alcm_capacity: int = Field(
        default=0, ge=0, le=MOST_PER_ITEM, description="Long-range nuclear ALCMs a bomber can carry."
    )
    armament: Armament = Field(default=Armament.MISSILE, description="What items of the type are equipped for.")
    armaments: tuple[Armament, ...] = Field(
        default=(),
        description="When items of the type may be equipped for more than one armament: all of them "
        "(a force row of the type must then say which).",
    )
    first_deployed: int | None = Field(default=None, ge=1940, le=2100)
    sources: tuple[str, ...] = Field(default=(), description="Keys of the catalog's sources table.")
    confidence: Confidence = Confidence.STATED
    notes: str = ""

    @model_validator(mode="after")
    def _armaments_fit(self) -> Self:
        missile_type = self.category is not Category.HEAVY_BOMBER
        for armament in self.possible_armaments:
            if armament is Armament.NONE:
                raise ValueError("'none' is what a converted item is equipped for, not a type's armament")
            if (armament is Armament.MISSILE) != missile_type:
                what = "an ICBM or SLBM is equipped for 'missile'" if missile_type else "a bomber is not a missile"
                raise ValueError(f"armament {armament.value!r} does not fit a {self.category.value}: {what}")
        if self.armaments and self.armament not in self.armaments:
            raise ValueError(f"armament {self.armament.value!r} is not among its armaments")
        if self.alcm_capacity and Armament.ALCM not in self.possible_armaments:
            raise ValueError("alcm_capacity is given, but the type is not equipped for 'alcm'")
        return self

    @property
    def is_bomber(self) -> bool:
        """True for heavy bombers."""
        return self.category is Category.HEAVY_BOMBER

    @property
    def possible_armaments(self) -> tuple[Armament, ...]:
        """Every armament an item of this type may be equipped for (besides ``none``, when converted)."""
        return self.armaments or (self.armament,)

    @property
    def default_armament(self) -> Armament | None:
        """The armament a row of this type has when it states none; None when the type has several (rule 4)."""
        possible = self.possible_armaments
        return possible[0] if len(possible) == 1 else None


def _key(name: str) -> str:
    """Normalise a name for lookup: case, spaces, hyphens, dots and slashes do not matter."""
    return re.sub(r"[\s\-_./]+", "", name.casefold())


class Catalog:
    """System types by id, found by id or any alias regardless of case and punctuation (rules above)."""

    def __init__(
        self,
        systems: Iterable[SystemType] = (),
        sources: dict[str, str] | None = None,
        ambiguous: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._systems: dict[str, SystemType] = {}
        self._lookup: dict[str, str] = {}
        self._ambiguous: dict[str, tuple[str, tuple[str, ...]]] = {}  # key → (name as written, candidate ids)
        self.sources: dict[str, str] = dict(sources or {})
        for system in systems:
            self.add(system)
        for name, candidates in (ambiguous or {}).items():
            self.add_ambiguous(name, candidates)

    def add(self, system: SystemType, where: Location | None = None) -> None:
        """Add a type; refuse one whose id or alias already names another type or is an ambiguous name."""
        for name in (system.id, system.name, *system.aliases):
            owner = self._lookup.get(_key(name))
            if owner is not None and owner != system.id:
                raise CatalogError(f"name {name!r} of system {system.id!r} already names {owner!r}", where)
            if _key(name) in self._ambiguous:
                written, candidates = self._ambiguous[_key(name)]
                raise CatalogError(
                    f"name {name!r} of system {system.id!r} is ambiguous in the catalog: {written!r} may mean "
                    f"{_either(candidates)}",
                    where,
                    "give the type a name of its own",
                )
        if system.id in self._systems:
            raise CatalogError(f"system {system.id!r} is defined twice", where)
        self._systems[system.id] = system
        for name in (system.id, system.name, *system.aliases):
            self._lookup[_key(name)] = system.id

    def add_ambiguous(self, name: str, candidates: Iterable[str], where: Location | None = None) -> None:
        """Record a name that may mean several of this catalog's types (rule 3)."""
        ids = tuple(dict.fromkeys(candidates))
        if len(ids) < 2:
            raise CatalogError(f"ambiguous name {name!r} needs at least two candidate types, got {list(ids)}", where)
        unknown = [i for i in ids if i not in self._systems]
        if unknown:
            raise CatalogError(f"ambiguous name {name!r} lists unknown system {unknown[0]!r}", where)
        owner = self._lookup.get(_key(name))
        if owner is not None:
            raise CatalogError(f"ambiguous name {name!r} already names system {owner!r}", where)
        self._ambiguous[_key(name)] = (name, ids)

    def merged(self, other: Catalog) -> Catalog:
        """A new catalog with this one's types and then ``other``'s (a user's own types)."""
        result = Catalog(self, {**self.sources, **other.sources}, self.ambiguous_names())
        for system in other:
            result.add(system)
        for name, candidates in other.ambiguous_names().items():
            result.add_ambiguous(name, candidates)
        return result

    def ambiguous_names(self) -> dict[str, tuple[str, ...]]:
        """Names that may mean several types, each with its candidate ids."""
        return dict(self._ambiguous.values())

    def candidates(self, name: str) -> tuple[str, ...]:
        """The types an ambiguous name may mean (empty if the name is not ambiguous)."""
        found = self._ambiguous.get(_key(name))
        return () if found is None else found[1]

    def find(self, name: str) -> SystemType | None:
        """The type with this id or alias, or None (also for an ambiguous name: it names no one type)."""
        key = self._lookup.get(_key(name))
        return None if key is None else self._systems[key]

    def get(self, name: str, where: Location | None = None) -> SystemType:
        """The type with this id or alias; refused listing the candidates (ambiguous) or close names (unknown)."""
        system = self.find(name)
        candidates = self.candidates(name)
        if system is None and candidates:
            described = ", ".join(f"{c} ({self._systems[c].name})" for c in candidates)
            raise AmbiguousSystemError(
                f"system {name!r} is ambiguous: it may mean {described}", where, "name one of them", candidates
            )
        if system is None:
            close = [s.id for s in self if _key(name)[:4] and _key(name)[:4] in _key(s.id + s.name)]
            hint = f"did you mean {', '.join(close[:4])}?" if close else "see `detente catalog list`"
            raise CatalogError(f"unknown system {name!r}", where, hint)
        return system

    def __iter__(self) -> Iterator[SystemType]:
        return iter(self._systems.values())

    def __len__(self) -> int:
        return len(self._systems)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None


def _either(ids: tuple[str, ...]) -> str:
    return " or ".join([", ".join(ids[:-1]), ids[-1]]) if len(ids) > 1 else ids[0]
