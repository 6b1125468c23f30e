"""System types and the catalog that finds them by id or alias."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from detente.errors import CatalogError, Location


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
    max_rvs: int = Field(default=0, ge=0, description="Maximum re-entry vehicles a missile carries.")
    alcm_capacity: int = Field(default=0, ge=0, description="Long-range nuclear ALCMs a bomber can carry.")
    armament: Armament = Armament.MISSILE
    first_deployed: int | None = Field(default=None, ge=1940, le=2100)
    sources: tuple[str, ...] = Field(default=(), description="Keys of the catalog's sources table.")
    confidence: Confidence = Confidence.STATED
    notes: str = ""

    @property
    def is_bomber(self) -> bool:
        """True for heavy bombers."""
        return self.category is Category.HEAVY_BOMBER


def _key(name: str) -> str:
    """Normalise a name for lookup: case, spaces, hyphens, dots and slashes do not matter."""
    return re.sub(r"[\s\-_./]+", "", name.casefold())


class Catalog:
    """System types by id, found by id or any alias regardless of case and punctuation."""

    def __init__(self, systems: Iterable[SystemType] = (), sources: dict[str, str] | None = None) -> None:
        self._systems: dict[str, SystemType] = {}
        self._lookup: dict[str, str] = {}
        self.sources: dict[str, str] = dict(sources or {})
        for system in systems:
            self.add(system)

    def add(self, system: SystemType, where: Location | None = None) -> None:
        """Add a type; refuse one whose id or alias already names another type."""
        for name in (system.id, system.name, *system.aliases):
            owner = self._lookup.get(_key(name))
            if owner is not None and owner != system.id:
                raise CatalogError(f"name {name!r} of system {system.id!r} already names {owner!r}", where)
        if system.id in self._systems:
            raise CatalogError(f"system {system.id!r} is defined twice", where)
        self._systems[system.id] = system
        for name in (system.id, system.name, *system.aliases):
            self._lookup[_key(name)] = system.id

    def merged(self, other: Catalog) -> Catalog:
        """A new catalog with this one's types and then ``other``'s (a user's own types)."""
        result = Catalog(self, {**self.sources, **other.sources})
        for system in other:
            result.add(system)
        return result

    def find(self, name: str) -> SystemType | None:
        """The type with this id or alias, or None."""
        key = self._lookup.get(_key(name))
        return None if key is None else self._systems[key]

    def get(self, name: str, where: Location | None = None) -> SystemType:
        """The type with this id or alias; a :class:`CatalogError` listing close names if there is none."""
        system = self.find(name)
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
