"""Comparing proposals on forces, and the difference two readings make, by system type.

For forces × proposals × parties: counts, limits, headroom, the cuts each limit requires, the verdict — and the zone
of agreement.

How a comparison is made:

1. Each proposal is known by its spec (``ID+VARIANT…``) in results, the zone and output: two that share one are
   refused, naming both origins.
2. The forces are put together into one: a party may come from one force only (two forces of one party would be
   counted twice and are refused). A proposal's ``combine`` moves the items of the parties it names to their side.
3. Limits do not change counts. Proposals whose counting rules are the same — the same definitions, attributed
   numbers, measures and parties, after their variants, and the same ``combine`` — share one count: each distinct
   reading is counted once, on a force summarised once, and only the limits are judged again per proposal.
4. Each proposal is judged with the engine (:func:`detente.counting.compliance.judge`) on the comparison date (the
   verdict) and on its deadline (the limit that must be met then; without a deadline, the limit on the date). A
   linked category adds its holdings to the measure it ``counts_toward`` (shown apart as ``linked``), and its
   ``max`` is judged on a line of its own, measure = the category's id.
5. A line's *required cut* is how far its count is above the upper bound of that limit (a range is met at its upper
   end; ``below N`` means at most N − 1); its headroom is the upper bound minus the count.

The zone of agreement (a party's *standing* under a proposal, then the proposals every party can accept):

- ``meets``: every limit is met now — no cut is required;
- ``can-meet``: cuts are required, the deadline is after the comparison date, and each cut fits in the time left
  at the yearly rate stated for its measure (``rates`` of the proposal, or given to the comparison, which win).
  Where no rate is stated for a measure the cut is assumed feasible: the items to be cut exist, since every count
  is of items in the force (or of a linked category's holdings), so cutting them to the limit is always possible;
- ``cannot-meet``: cuts are required and there is no deadline, the deadline has passed, or a cut exceeds its
  measure's rate × the years left (the reason names the measure);
- ``no-data``: no force given holds any item of the party — it cannot be judged, and keeps the proposal out of
  the zone.

A proposal is in the zone *now* when every one of its parties meets it, and *by its deadline* when every party
meets it or can meet it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from detente.counting.classes import Classes
from detente.counting.compliance import Compliance, Line, Verdict, judge
from detente.counting.readings import Reading
from detente.counting.tally import Count, Tally, count
from detente.errors import PlanningError
from detente.forces.model import ARMAMENTS, KINDS, ROLES, STATUSES, Facility, Force, ForceInfo, IntArray, ItemRow
from detente.planning.proposals import LinkedCategory, Proposal
from detente.treaty.model import Limit, Measure, Term, Treaty

_YEAR_DAYS = 365.25


class Standing(StrEnum):
    """Where a party stands under a proposal (see the module's rules)."""

    MEETS = "meets"
    CAN_MEET = "can-meet"
    CANNOT_MEET = "cannot-meet"
    NO_DATA = "no-data"


@dataclass(frozen=True)
class Row:
    """One proposal, party and measure: the count, the limit to meet, headroom, required cut and verdicts."""

    proposal: str
    party: str
    measure: str
    count: Count
    linked: int
    limit: Limit | None
    verdict: Verdict
    verdict_due: Verdict | None

    @property
    def total(self) -> int:
        """The count, linked holdings included."""
        return self.count.total

    @property
    def headroom(self) -> int | None:
        """How many more the party could have and still meet the upper bound (negative when over)."""
        return None if self.limit is None else self.limit.upper - self.count.total

    @property
    def required(self) -> int:
        """The cut this limit requires (0 when met or when there is no limit)."""
        headroom = self.headroom
        return 0 if headroom is None else max(0, -headroom)


@dataclass(frozen=True)
class PartyStanding:
    """One party under one proposal: its standing, the cuts required and the yearly pace they need."""

    proposal: str
    party: str
    standing: Standing
    required: dict[str, int]
    per_year: dict[str, float]
    years: float | None
    why: str


@dataclass(frozen=True)
class ProposalResult:
    """One proposal compared: the engine's compliance on the date and on the deadline, rows and standings."""

    proposal: Proposal
    now: Compliance
    due: Compliance | None
    deadline: dt.date | None
    rows: tuple[Row, ...]
    standings: tuple[PartyStanding, ...]

    @property
    def agreed_now(self) -> bool:
        """Every party meets every limit now."""
        return all(s.standing is Standing.MEETS for s in self.standings)

    @property
    def agreed_by_deadline(self) -> bool:
        """Every party meets, or can meet by the deadline, every limit."""
        return all(s.standing in (Standing.MEETS, Standing.CAN_MEET) for s in self.standings)

    @property
    def missing(self) -> tuple[str, ...]:
        """Parties with no data."""
        return tuple(s.party for s in self.standings if s.standing is Standing.NO_DATA)


@dataclass(frozen=True)
class Zone:
    """The zone of agreement: proposals every party meets now, or can meet by the deadline."""

    now: tuple[str, ...]
    by_deadline: tuple[str, ...]
    incomplete: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """Every proposal compared on one date; ``readings_counted`` says how many distinct readings were counted."""

    as_of: dt.date
    results: tuple[ProposalResult, ...]
    readings_counted: int

    def result(self, spec: str) -> ProposalResult:
        """The result for one proposal, by spec (ID+VARIANT…) or id."""
        return next(r for r in self.results if spec in (r.proposal.spec, r.proposal.id))

    def zone(self) -> Zone:
        """The zone of agreement."""
        return Zone(
            now=tuple(r.proposal.spec for r in self.results if r.agreed_now),
            by_deadline=tuple(r.proposal.spec for r in self.results if r.agreed_by_deadline),
            incomplete={r.proposal.spec: r.missing for r in self.results if r.missing},
        )


def merge_forces(forces: Sequence[Force]) -> Force:
    """One force holding the items of several; refused when two of them hold the same party.

    Facility ids used by more than one force get the force's position appended (``kings-bay@2``). The merged
    force's date is the latest of theirs.
    """
    if not forces:
        raise PlanningError("no force given", hint="name at least one force file or shipped force")
    if len(forces) == 1:
        return forces[0]
    owner: dict[str, int] = {}
    for i, f in enumerate(forces):
        for party in f.parties:
            if party in owner and bool((f.party == f.parties.index(party)).any()):
                raise PlanningError(
                    f"party {party} is in force {owner[party] + 1} ({forces[owner[party]].info.title or 'untitled'}) "
                    f"and in force {i + 1} ({f.info.title or 'untitled'}); it would be counted twice",
                    hint="compare forces of the same party in separate runs",
                )
            if bool((f.party == f.parties.index(party)).any()):
                owner[party] = i
    ids = [fac.id for f in forces for fac in f.facilities]
    clashing = {x for x in ids if ids.count(x) > 1}
    rows: list[ItemRow] = []
    facilities: list[Facility] = []
    for i, f in enumerate(forces):
        rename = {fac.id: f"{fac.id}@{i + 1}" if fac.id in clashing else fac.id for fac in f.facilities}
        facilities += [replace(fac, id=rename[fac.id]) for fac in f.facilities]
        rows += [r if r.facility is None else replace(r, facility=rename[r.facility]) for r in f.rows()]
    dates = [f.info.as_of for f in forces if f.info.as_of is not None]
    info = ForceInfo(
        title=" + ".join(f.info.title for f in forces if f.info.title),
        label="; ".join(f.info.label for f in forces if f.info.label),
        as_of=max(dates) if dates else None,
        sources={k: v for f in forces for k, v in f.info.sources.items()},
    )
    parties = list(dict.fromkeys(p for f in forces for p in f.parties))
    return Force.from_rows(rows, facilities, info, parties)


def combine_parties(force: Force, combined: Mapping[str, str]) -> Force:
    """The force with the items of each combined party moved to the party it is counted with."""
    moving = {member: party for member, party in combined.items() if member in force.parties}
    if not moving:
        return force
    parties = list(force.parties)
    for party in moving.values():
        if party not in parties:
            parties.append(party)
    table = np.array([parties.index(moving.get(p, p)) for p in force.parties] or [0], dtype=np.int64)
    return replace(force, parties=tuple(parties), party=table[force.party])


def _rules_key(treaty: Treaty) -> str:
    """The parts of a treaty that decide counts (limits, dates and names do not)."""
    parts = treaty.model_dump(mode="json", include={"definitions", "attribution", "measures"})
    return json.dumps([parts, treaty.party_ids()], sort_keys=True)


class _Counter:
    """Counts each distinct reading once per combination of parties, on a force summarised once per combination."""

    def __init__(self, force: Force) -> None:
        self.force = force
        self.worlds: dict[tuple[tuple[str, str], ...], tuple[Force, Classes]] = {}
        self.tallies: dict[tuple[tuple[tuple[str, str], ...], str], Tally] = {}
        self.keys: dict[tuple[int, int, int, tuple[str, ...]], tuple[str, Treaty]] = {}
        self.present_in: dict[int, set[str]] = {}  # by id of a force held in self.worlds (or self.force)

    def _key(self, treaty: Treaty) -> str:
        # proposals generated from one another share these objects: skip re-serialising them
        identity = (id(treaty.definitions), id(treaty.attribution), id(treaty.measures), treaty.party_ids())
        known = self.keys.get(identity)
        if known is None:
            known = (_rules_key(treaty), treaty)  # the treaty is kept so that the ids stay its objects'
            self.keys[identity] = known
        return known[0]

    def tally(self, proposal: Proposal) -> Tally | None:
        combined = tuple(sorted(proposal.combined_parties().items()))
        world = self.worlds.get(combined)
        if world is None:
            moved = combine_parties(self.force, dict(combined))
            world = (moved, Classes.of(moved))
            self.worlds[combined] = world
        force, classes = world
        if not set(proposal.treaty.party_ids()) & self.present(force):
            return None
        key = (combined, self._key(proposal.treaty))
        found = self.tallies.get(key)
        if found is None:
            found = count(force, proposal.treaty, proposal.variants, classes)
            self.tallies[key] = found
        return found

    @property
    def counted(self) -> int:
        return len(self.tallies)

    def present(self, force: Force) -> set[str]:
        """Parties with at least one row in the force (a party listed without items has no data)."""
        found = self.present_in.get(id(force))
        if found is None:
            found = {force.parties[i] for i in np.unique(force.party)}
            self.present_in[id(force)] = found
        return found


def _with_linked(
    tally: Tally, treaty: Treaty, linked: tuple[LinkedCategory, ...]
) -> tuple[Tally, dict[tuple[str, str], int]]:
    """The tally with linked categories added: to the measure they count toward, and as measures of their own."""
    if not linked:
        return tally, {}
    counts = dict(tally.counts)
    added: dict[tuple[str, str], int] = {}
    measures = list(treaty.measures)
    limits = list(treaty.limits)
    for category in linked:
        for party in tally.parties:
            n = category.holdings.get(party, 0)
            if category.counts_toward is not None:
                c = counts[(party, category.counts_toward)]
                counts[(party, category.counts_toward)] = Count(
                    party,
                    c.measure,
                    c.total + n,
                    {**c.by_system, category.id: n} if n else c.by_system,
                    {**c.by_term, category.name: n},
                    c.violations,  # items above a ceiling stay reported when holdings are added
                )
                added[(party, category.counts_toward)] = added.get((party, category.counts_toward), 0) + n
            if category.max is not None:
                counts[(party, category.id)] = Count(
                    party, category.id, n, {category.id: n} if n else {}, {category.name: n}
                )
                added[(party, category.id)] = n
        if category.max is not None:
            measures.append(
                Measure(
                    id=category.id,
                    name=category.name,
                    unit=category.unit,
                    description=category.description,
                    terms=(Term(select=category.id, label=category.name),),
                )
            )
            limits.append(Limit(measure=category.id, max=category.max, note="linked category (proposal data)"))
    judged = treaty.model_copy(update={"measures": tuple(measures), "limits": tuple(limits)})
    return replace(tally, treaty=judged, counts=counts), added


def _standing(
    result_rows: list[Row],
    proposal: Proposal,
    party: str,
    as_of: dt.date,
    deadline: dt.date | None,
    rates: Mapping[str, int],
) -> PartyStanding:
    required = {r.measure: r.required for r in result_rows if r.required}
    spec = proposal.spec
    if not required:
        return PartyStanding(spec, party, Standing.MEETS, {}, {}, None, "every limit met now")
    if deadline is None:
        return PartyStanding(spec, party, Standing.CANNOT_MEET, required, {}, None, "cuts required, no deadline")
    if deadline <= as_of:
        why = f"cuts required and the deadline {deadline} is not after {as_of}"
        return PartyStanding(spec, party, Standing.CANNOT_MEET, required, {}, 0.0, why)
    years = (deadline - as_of).days / _YEAR_DAYS
    per_year = {m: cut / years for m, cut in required.items()}
    too_fast = [(m, per_year[m], rates[m]) for m in required if m in rates and per_year[m] > rates[m]]
    if too_fast:
        why = "; ".join(f"{m} needs {pace:,.0f} a year, rate {rate:,}" for m, pace, rate in too_fast)
        return PartyStanding(spec, party, Standing.CANNOT_MEET, required, per_year, years, why)
    unrated = [m for m in required if m not in rates]
    why = f"cuts fit in {years:.1f} years"
    if unrated:
        why += f" (no rate for {', '.join(unrated)}: assumed feasible, the items exist to be cut)"
    return PartyStanding(spec, party, Standing.CAN_MEET, required, per_year, years, why)


def _rows(spec: str, now: Compliance, due: Compliance | None, added: Mapping[tuple[str, str], int]) -> list[Row]:
    binding: dict[tuple[str, str], Line] = {(x.party, x.measure): x for x in (due or now).lines}
    rows = []
    for line in now.lines:
        final = binding[(line.party, line.measure)]
        rows.append(
            Row(
                proposal=spec,
                party=line.party,
                measure=line.measure,
                count=line.count,
                linked=added.get((line.party, line.measure), 0),
                limit=final.limit,
                verdict=line.verdict,
                verdict_due=None if due is None else final.verdict,
            )
        )
    return rows


def _distinct(proposals: Sequence[Proposal]) -> None:
    """Refuse two proposals that would share a column: results, the zone and ``--json`` know one by its spec."""
    seen: dict[str, Proposal] = {}
    for proposal in proposals:
        first = seen.get(proposal.spec)
        if first is not None:
            why = (
                f"proposal {proposal.spec!r} is given twice"
                if first.origin == proposal.origin
                else f"two proposals are both {proposal.spec!r} ({first.origin}; {proposal.origin}), so their results "
                "would be reported as one"
            )
            raise PlanningError(why, hint="give each proposal file an id of its own, and each proposal once")
        seen[proposal.spec] = proposal


def compare_proposals(
    forces: Sequence[Force],
    proposals: Sequence[Proposal],
    as_of: dt.date,
    rates: Mapping[str, int] | None = None,
) -> Comparison:
    """Compare proposals on the given forces on ``as_of`` (rules above). ``rates`` override proposals' own."""
    if not proposals:
        raise PlanningError("no proposal given", hint="name at least one proposal (detente proposals list)")
    _distinct(proposals)
    counter = _Counter(merge_forces(forces))
    results = []
    for proposal in proposals:
        tally = counter.tally(proposal)
        spec = proposal.spec
        parties = proposal.treaty.party_ids()
        if tally is None:
            empty = Tally(proposal.treaty, proposal.variants, (), {})
            nobody = tuple(
                PartyStanding(spec, p, Standing.NO_DATA, {}, {}, None, "no force holds its items") for p in parties
            )
            results.append(ProposalResult(proposal, judge(empty, as_of), None, None, (), nobody))
            continue
        read = replace(tally, treaty=proposal.treaty, variants=proposal.variants)
        read, added = _with_linked(read, proposal.treaty, proposal.terms.linked)
        deadline = proposal.deadline(as_of)
        now = judge(read, as_of)
        due = None if deadline is None else judge(read, deadline)
        rows = _rows(spec, now, due, added)
        stated = {**proposal.terms.rates, **(rates or {})}
        standings: list[PartyStanding] = []
        present = counter.present(counter.worlds[tuple(sorted(proposal.combined_parties().items()))][0])
        for party in parties:
            if party not in present:
                standings.append(PartyStanding(spec, party, Standing.NO_DATA, {}, {}, None, "no force holds its items"))
                continue
            mine = [r for r in rows if r.party == party]
            standings.append(_standing(mine, proposal, party, as_of, deadline, stated))
        results.append(ProposalResult(proposal, now, due, deadline, tuple(rows), tuple(standings)))
    return Comparison(as_of, tuple(results), counter.counted)


@dataclass(frozen=True)
class ItemGroup:
    """Items of one system type alike in kind, status, armament and role, and what each reading counts of them."""

    kind: str
    status: str
    armament: str
    role: str
    items: int
    a: int
    b: int


@dataclass(frozen=True)
class TypeDifference:
    """One party, measure and system type counted under two readings, with the groups of items that differ."""

    party: str
    measure: str
    system: str
    name: str
    a: int
    b: int
    groups: tuple[ItemGroup, ...]

    @property
    def difference(self) -> int:
        """Count under the second reading minus count under the first."""
        return self.b - self.a


@dataclass(frozen=True)
class ReadingDifference:
    """One force under two readings, judged on a date, and the difference by system type."""

    a: Compliance
    b: Compliance
    types: tuple[TypeDifference, ...]

    def total(self, party: str, measure: str) -> tuple[int, int]:
        """The two readings' totals for a party and measure."""
        return self.a.line(party, measure).count.total, self.b.line(party, measure).count.total


def _rows_of(force: Force, index: IntArray) -> Force:
    """The force's rows at ``index`` (columns sliced; parties, types and facilities kept)."""
    picked = index.tolist()
    return replace(
        force,
        party=force.party[index],
        system=force.system[index],
        kind=force.kind[index],
        status=force.status[index],
        armament=force.armament[index],
        role=force.role[index],
        facility=force.facility[index],
        count=force.count[index],
        warheads=force.warheads[index],
        alcm_capacity=force.alcm_capacity[index],
        uid=tuple(force.uid[i] for i in picked),
        sources=tuple(force.sources[i] for i in picked) if force.sources else (),
        remarks=tuple(force.remarks[i] for i in picked) if force.remarks else (),
    )


def _groups(
    force: Force, party: str, system: int, reading_a: Reading, reading_b: Reading, measures: list[str]
) -> dict[str, tuple[ItemGroup, ...]]:
    """Per measure: each group of the type's items (alike in kind, status, armament, role) counted on its own."""
    mine = np.flatnonzero((force.party == force.parties.index(party)) & (force.system == system))
    key = ((force.kind[mine] * len(STATUSES) + force.status[mine]) * len(ARMAMENTS) + force.armament[mine]) * len(
        ROLES
    ) + force.role[mine]
    found: dict[str, list[ItemGroup]] = {m: [] for m in measures}
    for value in np.unique(key):
        rows = mine[key == value]
        sub = _rows_of(force, rows)
        first = int(rows[0])
        words = (
            KINDS[int(force.kind[first])].value,
            STATUSES[int(force.status[first])].value,
            ARMAMENTS[int(force.armament[first])].value,
            ROLES[int(force.role[first])].value,
        )
        items = int(force.count[rows].sum())
        tally_a = count(sub, reading_a.treaty, reading_a.variants)
        tally_b = count(sub, reading_b.treaty, reading_b.variants)
        for m in measures:
            found[m].append(ItemGroup(*words, items, tally_a[(party, m)].total, tally_b[(party, m)].total))
    return {m: tuple(groups) for m, groups in found.items()}


def reading_difference(force: Force, reading_a: Reading, reading_b: Reading, as_of: dt.date) -> ReadingDifference:
    """Count one force under two readings and say, per party, measure and system type, where they differ.

    Each type counted differently is explained by its groups of items, each counted on its own: exact unless a
    term of either reading has a ``first`` rule, whose count for a group depends on the other groups.
    """
    classes = Classes.of(force)
    tally_a = count(force, reading_a.treaty, reading_a.variants, classes)
    tally_b = count(force, reading_b.treaty, reading_b.variants, classes)
    shared = [m.id for m in reading_a.treaty.measures if any(m.id == n.id for n in reading_b.treaty.measures)]
    types = []
    for party in tally_a.parties:
        if party not in tally_b.parties:
            continue
        differing: dict[str, list[str]] = {}
        for measure in shared:
            by_a, by_b = tally_a[(party, measure)].by_system, tally_b[(party, measure)].by_system
            for system_id in set(by_a) | set(by_b):
                if by_a.get(system_id, 0) != by_b.get(system_id, 0):
                    differing.setdefault(system_id, []).append(measure)
        groups = {}
        for system_id, measures in differing.items():
            index = next(i for i, s in enumerate(force.systems) if s.id == system_id)
            groups[system_id] = (index, _groups(force, party, index, reading_a, reading_b, measures))
        for measure in shared:
            by_a, by_b = tally_a[(party, measure)].by_system, tally_b[(party, measure)].by_system
            for system_id in sorted(s for s, ms in differing.items() if measure in ms):
                index, per_measure = groups[system_id]
                a, b = by_a.get(system_id, 0), by_b.get(system_id, 0)
                name = force.systems[index].name
                types.append(TypeDifference(party, measure, system_id, name, a, b, per_measure[measure]))
    return ReadingDifference(judge(tally_a, as_of), judge(tally_b, as_of), tuple(types))
