"""The numbers a party commits to: each facility's count of each treaty measure, and each facility's capacity.

Counts are the treaty's own. A facility's count of a measure is :func:`detente.counting.count` of the force made
of that facility's rows only (with every facility of the force kept, so a definition that selects by facility kind
reads the same), and nothing here knows a treaty. Rules, in order:

1. Every row of the party that counts in some measure is at a declared facility. Counted items at none are
   refused, named: an item at no facility could never be opened at an inspection, so a commitment that held it
   would be a number nobody can check; a pseudo-facility for them would be a name no inspector can visit. Rows at
   no facility that count in no measure are left out. The ledger places every item at a facility
   (:func:`detente.ledger.initial_data` puts rows of a force file that name none at the declared facility
   ``PARTY-undeclared``), so only a force built by hand meets this rule.
2. Every facility of the party is committed, those with no items too (all zeros): which facilities are empty is
   part of what the commitments hide.
3. The counts per facility add up, measure by measure, to the party's count of the whole force. A rule that counts
   across facilities (START I's "the first 150 bombers count 1", a per-party ``first`` rule) does not split by
   facility; such a measure is refused by name, since no sum of per-facility commitments could hold the treaty's
   count of it.

A facility's **capacity** is the most warheads the party declares it could hold. :func:`default_capacities` gives
the most its launchers and bombers could carry, each by its type's maximum, rounded up to a power of two (the exact
sum would tell a one-type base's launchers nearly exactly; the power of two tells its size within a factor of two).
It is the party's declaration, public in the commitments; the party may state another, and
the proofs then show the facility's warheads are within what it stated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from detente.catalog.model import Catalog, Category, SystemType
from detente.counting.tally import count
from detente.errors import CountingError, InputError, Location
from detente.forces.model import Force, ItemRow
from detente.forces.vocabulary import Kind, Status
from detente.ledger.port import LedgerStore
from detente.ledger.replay import replay_store
from detente.ledger.state import to_force
from detente.treaty.model import Treaty

MAX_VALUE = 2**16 - 1
"""The largest count a facility may commit to for one measure (the range proofs are over 16 bits)."""
"""Default capacities are rounded up to a multiple of this."""
_NOT_CARRIERS = frozenset({Status.CONVERTED, Status.ELIMINATED})
_MISSILE_CATEGORIES = frozenset({Category.ICBM, Category.SLBM})


@dataclass(frozen=True)
class FacilityCounts:
    """Each facility's count of each measure: ``counts[facility][measure]``, every facility with every measure.

    Building one checks the shape: at least one facility, every facility with exactly ``measures``, every count an
    integer in [0, 2**16) (the range of the proofs; a facility holds far fewer of anything).
    """

    measures: tuple[str, ...]
    counts: Mapping[str, Mapping[str, int]]

    def __post_init__(self) -> None:
        measures = tuple(self.measures)
        if not measures or len(set(measures)) != len(measures) or not all(isinstance(m, str) and m for m in measures):
            raise InputError(
                f"measures are distinct non-empty names, not {list(measures)!r}", Location(field="measures")
            )
        if not self.counts:
            raise InputError(
                "no facility to commit: a party commits to its facilities' counts", Location(field="counts")
            )
        for facility in self.counts:
            if not isinstance(facility, str) or not facility:
                raise InputError(f"a facility id is a non-empty string, not {facility!r}", Location(field="counts"))
        frozen: dict[str, Mapping[str, int]] = {}
        for facility in sorted(self.counts):
            row = self.counts[facility]
            where = f"counts.{facility}"
            if not isinstance(row, Mapping) or set(row) != set(measures):
                raise InputError(
                    f"the counts give measures {sorted(row) if isinstance(row, Mapping) else row!r}, not "
                    f"{sorted(measures)}",
                    Location(field=where),
                )
            for measure in measures:
                n = row[measure]
                if type(n) is not int or not 0 <= n <= MAX_VALUE:
                    raise InputError(
                        f"a count is an integer from 0 to {MAX_VALUE:,}, not {n!r}",
                        Location(field=f"{where}.{measure}"),
                        "the proofs show each facility's counts in 16 bits",
                    )
            frozen[facility] = MappingProxyType({m: row[m] for m in measures})
        object.__setattr__(self, "measures", measures)
        object.__setattr__(self, "counts", MappingProxyType(frozen))

    @property
    def facilities(self) -> tuple[str, ...]:
        """The facility ids, sorted."""
        return tuple(self.counts)

    def totals(self) -> dict[str, int]:
        """Each measure's sum over the facilities: the party's count."""
        return {m: sum(row[m] for row in self.counts.values()) for m in self.measures}


def force_at(store: LedgerStore, party: str, data_date: dt.date, catalog: Catalog) -> Force:
    """The party's declared force at the start of a data date, with its open facilities only.

    The start (00:00:00Z), as the ledger judges a commitments notification (rule 13 of :mod:`detente.ledger.rules`):
    a data exchange takes effect then, and the facilities committed must be exactly those open then.
    """
    state = replay_store(store, party, f"{data_date.isoformat()}T00:00:00Z")
    state.facilities = {k: f for k, f in state.facilities.items() if f.open}
    return to_force([state], catalog, as_of=data_date, title=f"{party} as of {data_date}")


def facility_counts(force: Force, party: str, treaty: Treaty) -> FacilityCounts:
    """Each of the party's facilities' count of each of the treaty's measures (rules 1-3 of the module)."""
    rows = _party_rows(force, party)
    nowhere = [r for r in rows if r.facility is None]
    if nowhere:
        _refuse_counted(nowhere, force, party, treaty)
        rows = [r for r in rows if r.facility is not None]
    facilities = [f.id for f in force.facilities if f.party == party]
    by_facility: dict[str, list[ItemRow]] = {f: [] for f in facilities}
    for row in rows:
        if row.facility not in by_facility:  # a facility of another party: the force is inconsistent
            raise CountingError(f"{party}'s items are at {row.facility!r}, a facility of another party")
        by_facility[row.facility].append(row)
    measures = tuple(m.id for m in treaty.measures)
    counts: dict[str, dict[str, int]] = {}
    for facility, here in by_facility.items():
        if not here:
            counts[facility] = dict.fromkeys(measures, 0)
            continue
        sub = Force.from_rows(here, force.facilities, force.info, force.parties)
        tally = count(sub, treaty)
        counts[facility] = {m: _small(tally[(party, m)].total, facility, m) for m in measures}
    whole = count(force, treaty)
    for m in measures:
        summed = sum(c[m] for c in counts.values())
        total = whole[(party, m)].total
        if summed != total:
            raise CountingError(
                f"measure {m!r}: {party}'s counts per facility add up to {summed:,}, but {treaty.title} counts "
                f"{total:,} for the whole force: a counting rule of the measure counts across facilities "
                "(such as 'the first N items')",
                Location(field=f"measures.{m}"),
                "commitments per facility cannot hold this treaty's count of the measure",
            )
    return FacilityCounts(measures, counts)


def default_capacities(force: Force, party: str, treaty: Treaty) -> dict[str, int]:
    """The most warheads each of the party's facilities' launchers and bombers could carry, rounded up to a power of 2.

    Per item that can carry (a missile launcher or a bomber, not converted nor eliminated): the largest of its
    type's maximum RVs, its type's ALCM capacity, the warheads the treaty attributes to its type, and the warheads
    it is declared with; a bomber at least 1 (the catalog gives no bomb load; New START counts one warhead for a
    bomber whatever it carries). Missiles out of launchers carry nothing here: their warheads are counted on the
    launcher that holds them. This is the party's declaration: it may state other capacities.

    The capacity is public, and the exact sum would tell a base's launchers nearly exactly (a base of one type holds
    capacity ÷ its RVs of them); rounded up to a power of two it tells the base's size within a factor of two.
    """
    rows = _party_rows(force, party)
    capacities = {f.id: 0 for f in force.facilities if f.party == party}
    for row in rows:
        if row.facility in capacities:
            capacities[row.facility] += row.count * _carry(row, treaty)
    return {f: 0 if n == 0 else 1 << (n - 1).bit_length() for f, n in sorted(capacities.items())}


def _carry(row: ItemRow, treaty: Treaty) -> int:
    """The most warheads one item of the row could carry (see :func:`default_capacities`)."""
    if row.status in _NOT_CARRIERS:
        return 0
    system = row.system
    if row.kind is Kind.BOMBER:
        return max(system.alcm_capacity, system.max_rvs, _attributed(treaty, system), row.warheads, 1)
    if row.kind is Kind.LAUNCHER and system.category in _MISSILE_CATEGORIES:
        return max(system.max_rvs, _attributed(treaty, system), row.warheads)
    return 0


def _attributed(treaty: Treaty, system: SystemType) -> int:
    """The treaty's attributed number for the type, by id, name or alias, as the counting engine finds it."""
    lookup = {k.casefold(): v for k, v in treaty.attribution.items()}
    return next((lookup[n.casefold()] for n in (system.id, system.name, *system.aliases) if n.casefold() in lookup), 0)


def _party_rows(force: Force, party: str) -> list[ItemRow]:
    if party not in force.parties:
        raise CountingError(f"the force has no party {party!r}", hint=f"its parties: {', '.join(force.parties)}")
    return [r for r in force.rows() if r.party == party and r.count > 0]


def _counts_something(rows: list[ItemRow], force: Force, party: str, treaty: Treaty) -> bool:
    tally = count(Force.from_rows(rows, force.facilities, force.info, force.parties), treaty)
    return any(tally[(party, m.id)].total for m in treaty.measures)


def _refuse_counted(nowhere: list[ItemRow], force: Force, party: str, treaty: Treaty) -> None:
    """Rule 1: refuse if a row at no facility counts in any measure, naming the rows that do (uncounted ones pass)."""
    if not _counts_something(nowhere, force, party, treaty):
        return
    counted: list[ItemRow] = []
    for row in nowhere:  # one count per row, on this error path only, to name the items that count
        if _counts_something([row], force, party, treaty):
            counted.append(row)
            if len(counted) > 8:
                break
    named = [r.uid or f"{r.count} × {r.system.id} {r.status.value} {r.kind.value}" for r in counted or nowhere]
    shown = ", ".join(named[:8]) + (" and more" if len(named) > 8 else "")
    raise CountingError(
        f"{party} has counted items at no facility: {shown}",
        Location(field="facility"),
        "give every item a declared facility: an item at none could never be opened at an inspection",
    )


def _small(n: int, facility: str, measure: str) -> int:
    if not 0 <= n <= MAX_VALUE:
        raise CountingError(
            f"facility {facility!r} counts {n:,} for {measure!r}, above the {MAX_VALUE:,} a commitment is proven to "
            "hold"
        )
    return n


__all__ = ["MAX_VALUE", "FacilityCounts", "default_capacities", "facility_counts", "force_at"]
