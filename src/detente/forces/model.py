"""Parties' declared forces: facilities and items, held as columns so that counting is vectorised.

A :class:`Force` is built from item rows. An *item row* describes one item (with its unique identifier) or,
as an *aggregate row*, ``count`` identical items (e.g. 397 deployed Minuteman III launchers with 1 RV each).
Counting treats both the same way: an aggregate row of ``n`` contributes exactly what ``n`` item rows would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from detente.catalog.model import Armament, SystemType
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status

IntArray = npt.NDArray[np.int64]

KINDS: tuple[Kind, ...] = tuple(Kind)
STATUSES: tuple[Status, ...] = tuple(Status)
ARMAMENTS: tuple[Armament, ...] = tuple(Armament)
ROLES: tuple[Role, ...] = tuple(Role)
FACILITY_KINDS: tuple[FacilityKind, ...] = tuple(FacilityKind)


@dataclass(frozen=True)
class Facility:
    """A declared facility: an ICBM base, a submarine base, a storage site, a test range, …."""

    id: str
    party: str
    kind: FacilityKind
    name: str = ""
    location: str = ""
    source: str = ""


@dataclass(frozen=True)
class ItemRow:
    """One row of a force file after validation: ``count`` identical items of one system type."""

    party: str
    system: SystemType
    kind: Kind
    status: Status
    count: int = 1
    uid: str | None = None
    facility: str | None = None
    warheads: int = 0
    armament: Armament = Armament.MISSILE
    alcm_capacity: int = 0
    role: Role = Role.NUCLEAR
    source: str = ""
    remarks: str = ""

    def split(self) -> list[ItemRow]:
        """The aggregate row as ``count`` rows of one item each (the identifiers stay unset)."""
        return [replace(self, count=1) for _ in range(self.count)]


@dataclass(frozen=True)
class ForceInfo:
    """What a force file says about itself: title, what kind of data it is, its date and sources."""

    title: str = ""
    label: str = ""  # e.g. "illustrative: built from FAS estimates"
    as_of: dt.date | None = None
    description: str = ""
    sources: dict[str, str] = field(default_factory=dict)


def _index(values: Sequence[object]) -> dict[object, int]:
    return {v: i for i, v in enumerate(values)}


@dataclass(frozen=True, eq=False)
class Force:
    """Items of any number of parties, as parallel integer columns (one entry per row).

    ``party``, ``system``, ``facility`` index into :attr:`parties`, :attr:`systems` and :attr:`facilities`
    (``-1`` for no declared facility); ``kind``, ``status``, ``armament`` and ``role`` index into the module's
    vocabularies; ``count`` is the number of identical items in the row; ``warheads`` and ``alcm_capacity``
    are per item.
    """

    parties: tuple[str, ...]
    systems: tuple[SystemType, ...]
    facilities: tuple[Facility, ...]
    party: IntArray
    system: IntArray
    kind: IntArray
    status: IntArray
    armament: IntArray
    role: IntArray
    facility: IntArray
    count: IntArray
    warheads: IntArray
    alcm_capacity: IntArray
    uid: tuple[str | None, ...]
    info: ForceInfo = field(default_factory=ForceInfo)
    sources: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[ItemRow],
        facilities: Sequence[Facility] = (),
        info: ForceInfo | None = None,
        parties: Sequence[str] = (),
    ) -> Force:
        """Build a force from validated rows (order of ``parties`` is kept; parties seen in rows are added)."""
        rows = list(rows)
        party_list = list(dict.fromkeys([*parties, *(r.party for r in rows), *(f.party for f in facilities)]))
        system_list = list(dict.fromkeys(r.system for r in rows))
        pidx, sidx = _index(party_list), _index(system_list)
        fidx = _index([f.id for f in facilities])
        kidx, stidx, aidx, ridx = _index(KINDS), _index(STATUSES), _index(ARMAMENTS), _index(ROLES)

        def column(values: Iterable[int]) -> IntArray:
            return np.fromiter(values, dtype=np.int64, count=len(rows))

        return cls(
            parties=tuple(party_list),
            systems=tuple(system_list),
            facilities=tuple(facilities),
            party=column(pidx[r.party] for r in rows),
            system=column(sidx[r.system] for r in rows),
            kind=column(kidx[r.kind] for r in rows),
            status=column(stidx[r.status] for r in rows),
            armament=column(aidx[r.armament] for r in rows),
            role=column(ridx[r.role] for r in rows),
            facility=column(fidx.get(r.facility, -1) for r in rows),
            count=column(r.count for r in rows),
            warheads=column(r.warheads for r in rows),
            alcm_capacity=column(r.alcm_capacity for r in rows),
            uid=tuple(r.uid for r in rows),
            info=info or ForceInfo(),
            sources=tuple(r.source for r in rows),
            remarks=tuple(r.remarks for r in rows),
        )

    def __len__(self) -> int:
        return int(self.party.shape[0])

    @property
    def items(self) -> int:
        """Number of items (aggregate rows count as many)."""
        return int(self.count.sum())

    @cached_property
    def facility_kind(self) -> IntArray:
        """Each row's facility kind, as an index into the facility-kind vocabulary."""
        kinds = _index(FACILITY_KINDS)
        table = np.array([kinds[f.kind] for f in self.facilities] + [kinds[FacilityKind.UNDECLARED]], np.int64)
        return table[self.facility]

    @cached_property
    def uid_rank(self) -> IntArray:
        """Each row's rank in the sorted order of unique identifiers (rows without one rank last)."""
        uids = np.array([u if u is not None else "\uffff" for u in self.uid], dtype=str)
        return np.unique(uids, return_inverse=True)[1].astype(np.int64) if len(uids) else np.zeros(0, np.int64)

    def rows(self) -> Iterator[ItemRow]:
        """The rows back as :class:`ItemRow` objects (for writing files and for tests)."""
        for i in range(len(self)):
            fac = int(self.facility[i])
            yield ItemRow(
                party=self.parties[int(self.party[i])],
                system=self.systems[int(self.system[i])],
                kind=KINDS[int(self.kind[i])],
                status=STATUSES[int(self.status[i])],
                count=int(self.count[i]),
                uid=self.uid[i],
                facility=None if fac < 0 else self.facilities[fac].id,
                warheads=int(self.warheads[i]),
                armament=ARMAMENTS[int(self.armament[i])],
                alcm_capacity=int(self.alcm_capacity[i]),
                role=ROLES[int(self.role[i])],
                source=self.sources[i] if self.sources else "",
                remarks=self.remarks[i] if self.remarks else "",
            )
