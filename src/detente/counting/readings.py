"""Readings: a treaty plus named variants, written ``TREATY+VARIANT+…``; counting one force under several."""

from __future__ import annotations

from dataclasses import dataclass

from detente.catalog.model import Catalog
from detente.counting.classes import Classes
from detente.counting.tally import Tally, count
from detente.errors import TreatyError
from detente.forces.model import Force
from detente.treaty.load import apply_variants, get_treaty
from detente.treaty.model import Treaty, Variant


@dataclass(frozen=True)
class Reading:
    """A treaty as read under zero or more variants."""

    treaty: Treaty
    variants: tuple[Variant, ...] = ()

    @property
    def spec(self) -> str:
        """The reading as TREATY+VARIANT…."""
        return "+".join([self.treaty.id, *(v.id for v in self.variants)])


def parse_reading(spec: str, catalog: Catalog | None = None) -> Reading:
    """``new-start``, ``new-start+ru-2022`` or ``path/to/draft.toml+variant``."""
    head, *variant_ids = spec.split("+")
    treaty = get_treaty(head.strip(), catalog)
    read, variants = apply_variants(treaty, tuple(v.strip() for v in variant_ids))
    return Reading(read, variants)


def distinct(readings: list[Reading]) -> list[Reading]:
    """The readings, refused if two would share a column (the same ``TREATY+VARIANT…``).

    Side by side, in tables and in ``--json``, a reading is known by that name alone, so two treaties with one id
    would be reported as one.
    """
    seen: dict[str, Reading] = {}
    for reading in readings:
        first = seen.get(reading.spec)
        if first is not None:
            a, b = first.treaty.origin or "built in", reading.treaty.origin or "built in"
            why = (
                f"reading {reading.spec!r} is given twice"
                if a == b
                else f"two treaties are both {reading.treaty.id!r} ({a}; {b}), so their columns would share the "
                f"name {reading.spec!r}"
            )
            raise TreatyError(why, hint="give each treaty file an id of its own, and each reading once")
        seen[reading.spec] = reading
    return readings


def count_readings(force: Force, readings: list[Reading]) -> list[Tally]:
    """Count one force under several readings, summarising it once; refused if two share a name (:func:`distinct`)."""
    distinct(readings)
    classes = Classes.of(force)
    return [count(force, r.treaty, r.variants, classes) for r in readings]
