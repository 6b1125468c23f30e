"""Reduction planning: how one party's force meets every limit in force at a deadline, losing the least.

What is asked (party, deadline, objective, keep rules, capacities, RV bounds) is :mod:`detente.planning.request`.

How a plan is made (nothing here knows any treaty: the treaty file decides what counts):

1. The party's items are grouped by everything counting can see: system type, kind, status, armament, role,
   facility, warheads and ALCM capacity. Eliminated items stay as they are.
2. Each group gets its *options*, the states an item of it may end in: kept as it is; downloaded to fewer RVs
   (deployed ICBM and SLBM launchers, within the RV bounds: at least 1 and at most the type's maximum unless the
   request says otherwise; a missile above the upper bound must be downloaded); moved to non-deployed (deployed
   launchers and bombers); converted (launchers in silos and on submarines, and bombers equipped for nuclear
   armaments, unless the request names what may be converted); eliminated. Nothing is uploaded or redeployed.
3. What an item in each option contributes to each measure is found by counting a force of that one item under
   the reading with the counting engine. A term with a ``first`` rule for the party is taken at the larger of
   its special value and the item's own value, which can only over-count: such a plan may cut more than it
   needs to, never too little.
4. The limits that bind the party on the deadline (``judge`` on that date; for a range, its upper end unless
   the request asks for the lower) become rows ``Σ contribution × items ≤ bound``. Keep rules become rows
   ``≥``; yearly capacities become rows ``≤`` their total over the years to the deadline. Each group's items are
   split over its options exactly.
5. The objective is lexicographic: the first quantity is maximised, then the next with the first held at its
   optimum, and so on; a last stage makes the fewest changes (elimination 3, conversion 2, a move to
   non-deployed or a download 1 per item). Each stage is one MILP solved by HiGHS (``scipy.optimize.milp``).
6. If no plan exists, a deletion filter over the limits, keep rules and capacities finds a smallest set of them
   that cannot hold together; the error names it, with the least count reachable under the others.
7. The planned force is counted with the engine and judged on the deadline; a broken limit there is a bug and
   raises, it is never returned as a plan.

Which items a step acts on (a step names every attribute that decides a count, and the items' identifiers):

8. A group's items are taken in a fixed order: those with an identifier (a row of one item with a ``uid``) in
   identifier order, then those of aggregate rows in file order. Eliminations take the first, then conversions,
   moves to non-deployed and downloads (deepest first); the rest are kept. The ledger check
   (:mod:`detente.planning.trajectory`) hands items out in the same order, so it acts on the same items.
9. The planned force keeps every row of the force, with its source and remarks, split by the end state of its
   items; a row of one item keeps its identifier. A bomber that is no longer equipped for ALCMs carries none.
10. As notifications (:mod:`detente.planning.notify`), each item's changes fall in the period the schedule gives
    it and follow one another as the ledger check sends them: a deployed item is moved to non-deployed, then converted
    or eliminated; a download is a change of warheads, and a period with downloads ends with a data update that
    declares every item. Notifications name items by identifier, so a plan that acts on items without one (or,
    with a data update, a force with any item without one) is refused: a ledger numbers the items of an aggregate
    row itself, and nothing in the force says which of them is which.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from detente.catalog.load import builtin_catalog
from detente.catalog.model import Armament, Basing, Catalog, Category, SystemType
from detente.counting.compliance import Compliance, Verdict, judge
from detente.counting.readings import Reading
from detente.counting.tally import count
from detente.errors import DetenteError, Location, PlanningError
from detente.forces.model import Force, ForceInfo, ItemRow
from detente.forces.vocabulary import Kind, Role, Status
from detente.planning._periods import capacity_in, periods
from detente.planning.plan import Bound, Group, Option, Piece, Plan, pieces_of
from detente.planning.request import CHANGE_COST, OBJECTIVES, Action, PlanRequest, RvBounds
from detente.treaty.model import Limit, Treaty

FloatArray = npt.NDArray[np.float64]

_NUCLEAR = (Armament.ALCM, Armament.BOMBS)
_GONE = (Status.CONVERTED, Status.ELIMINATED)


# ---------------------------------------------------------------------------------------------- selection helpers


def select_systems(select: str, force: Force, catalog: Catalog | None, where: str) -> Callable[[SystemType], bool]:
    """A category, a basing or a type (id or alias, in the force or the catalog) as a test on system types.

    An unknown name is refused with a :class:`PlanningError` at ``where``.
    """
    text = select.strip()
    if text in {c.value for c in Category}:
        return lambda s: s.category.value == text
    if text in {b.value for b in Basing}:
        return lambda s: s.basing.value == text
    key = text.casefold()
    found = next(
        (s for s in force.systems if key in {s.id, s.name.casefold(), *(a.casefold() for a in s.aliases)}), None
    )
    if found is None and catalog is not None:
        found = catalog.find(text)
    if found is None:
        raise PlanningError(
            f"unknown system type or category {text!r}",
            Location(field=where),
            "a category (icbm, slbm, heavy-bomber), a basing, or a type id (see `detente catalog list`)",
        )
    wanted = found.id
    return lambda s: s.id == wanted


def _groups(force: Force, party: str) -> list[Group]:
    """The party's items grouped (rule 1), eliminated items left out; in the order of system id, then codes."""
    p = force.parties.index(party)
    eliminated = list(Status).index(Status.ELIMINATED)
    mine = np.flatnonzero((force.party == p) & (force.status != eliminated))
    columns = ("system", "kind", "status", "armament", "role", "facility", "warheads", "alcm_capacity")
    table = np.stack([getattr(force, c)[mine] for c in columns], axis=1).reshape(-1, len(columns))
    unique, inverse = np.unique(table, axis=0, return_inverse=True)
    order = np.argsort(inverse.reshape(-1), kind="stable")
    bounds = np.searchsorted(inverse.reshape(-1)[order], np.arange(len(unique) + 1))
    keys = {
        tuple(int(v) for v in unique[k]): [int(r) for r in mine[order[bounds[k] : bounds[k + 1]]]]
        for k in range(len(unique))
    }
    groups: list[Group] = []
    for key, found in sorted(keys.items(), key=lambda kv: (force.systems[kv[0][0]].id, kv[0][1:])):
        system, kind, status, armament, role, facility, warheads, alcm = key
        named = sorted((r for r in found if _uid(force, r) is not None), key=lambda r: str(force.uid[r]))
        rows = named + [r for r in found if _uid(force, r) is None]  # rule 8
        groups.append(
            Group(
                index=len(groups),
                system=force.systems[system],
                kind=list(Kind)[kind],
                status=list(Status)[status],
                armament=list(Armament)[armament],
                role=list(Role)[role],
                facility=None if facility < 0 else force.facilities[facility].id,
                warheads=warheads,
                alcm_capacity=alcm,
                items=int(force.count[rows].sum()),
                rows=tuple(rows),
                counts=tuple(int(force.count[r]) for r in rows),
                uids=tuple(_uid(force, r) for r in rows),
            )
        )
    return [g for g in groups if g.items > 0]


def _uid(force: Force, row: int) -> str | None:
    """The row's identifier, if the row is one item with one."""
    return force.uid[row] if force.count[row] == 1 else None


def _convertible(group: Group, tests: list[Callable[[SystemType], bool]] | None) -> bool:
    if group.status in _GONE or group.kind is Kind.MISSILE:
        return False
    if group.kind is Kind.BOMBER and not group.nuclear_bomber:
        return False  # nothing nuclear left to convert
    if tests is not None:
        return any(t(group.system) for t in tests)
    return group.kind is Kind.BOMBER or group.system.basing in (Basing.SILO, Basing.SUBMARINE)


def _options(group: Group, bounds: RvBounds | None, convertible: bool) -> list[Option]:
    """Rule 2."""
    g, out = group, []
    deployed_launcher = g.kind is Kind.LAUNCHER and g.status is Status.DEPLOYED
    high = g.warheads
    if deployed_launcher:
        low = 1 if bounds is None else bounds.low
        cap = g.system.max_rvs or g.warheads
        if bounds is not None and bounds.high is not None:
            cap = bounds.high
        if g.warheads <= cap:
            out.append(Option(g.index, Action.KEEP, g.status, g.warheads, g.armament))
        high = min(g.warheads - 1, cap)
        for k in range(high, low - 1, -1):
            out.append(Option(g.index, Action.DOWNLOAD, g.status, k, g.armament))
    else:
        out.append(Option(g.index, Action.KEEP, g.status, g.warheads, g.armament))
    if g.status is Status.DEPLOYED and g.kind in (Kind.LAUNCHER, Kind.BOMBER):
        out.append(Option(g.index, Action.NON_DEPLOY, Status.NON_DEPLOYED, 0, g.armament))
    if convertible:
        armament = Armament.NONE if g.kind is Kind.BOMBER else g.armament
        out.append(Option(g.index, Action.CONVERT, Status.CONVERTED, 0, armament))
    out.append(Option(g.index, Action.ELIMINATE, Status.ELIMINATED, 0, g.armament))
    return out


def _item_row(party: str, group: Group, option: Option) -> ItemRow:
    return ItemRow(
        party=party,
        system=group.system,
        kind=group.kind,
        status=option.status,
        count=1,
        facility=group.facility,
        warheads=option.warheads,
        armament=option.armament,
        alcm_capacity=_alcm_after(group.armament, group.alcm_capacity, option),
        role=group.role,
    )


def _alcm_after(armament: Armament, alcm_capacity: int, option: Option) -> int:
    """Rule 9: the ALCM capacity an item has in an option; none once it is equipped for something else."""
    return alcm_capacity if option.armament in (Armament.ALCM, armament) else 0


def _without_first(treaty: Treaty, party: str) -> Treaty | None:
    """The treaty with the party's ``first`` rules taken out, or None if it has none (rule 3)."""
    if not any(party in t.first for m in treaty.measures for t in m.terms):
        return None
    measures = tuple(
        m.model_copy(update={"terms": tuple(t.model_copy(update={"first": {}, "order": ()}) for t in m.terms)})
        for m in treaty.measures
    )
    return treaty.model_copy(update={"measures": measures})


class _Contributions:
    """What one item in one state adds to each measure, by counting a one-item force (memoised)."""

    def __init__(self, force: Force, reading: Reading, party: str) -> None:
        self.force = force
        self.party = party
        self.readings = [t for t in (reading.treaty, _without_first(reading.treaty, party)) if t is not None]
        self.variants = reading.variants
        self.measures = [m.id for m in reading.treaty.measures]
        self.memo: dict[tuple[object, ...], tuple[int, ...]] = {}
        self.facilities = {f.id: f for f in force.facilities}

    def of(self, group: Group, option: Option) -> tuple[int, ...]:
        key: tuple[object, ...] = (group.system.id, group.kind, option.status, option.armament, group.role)
        key = (*key, group.facility, option.warheads, group.alcm_capacity)
        if key not in self.memo:
            row = _item_row(self.party, group, option)
            facilities = [self.facilities[group.facility]] if group.facility in self.facilities else []
            one = Force.from_rows([row], facilities, parties=[self.party])
            totals = []
            for treaty in self.readings:
                tally = count(one, treaty, self.variants)
                totals.append([tally[(self.party, m)].total for m in self.measures])
            self.memo[key] = tuple(max(column) for column in zip(*totals, strict=True))
        return self.memo[key]


def _physical(group: Group, option: Option) -> dict[str, int]:
    """The built-in objective quantities of one item in one state."""
    deployed = option.status is Status.DEPLOYED
    nuclear_bomber = group.kind is Kind.BOMBER and option.armament in _NUCLEAR
    if group.kind is Kind.LAUNCHER:
        warheads, vehicle = (option.warheads, 1) if deployed else (0, 0)
    elif nuclear_bomber and deployed:
        warheads, vehicle = 1, 1
    else:
        warheads, vehicle = 0, 0
    retained = option.status not in _GONE and (group.kind is Kind.LAUNCHER or nuclear_bomber)
    return {"deployed-warheads": warheads, "deployed-vehicles": vehicle, "retained-launchers": int(retained)}


# ---------------------------------------------------------------------------------------------- the model


@dataclass
class _Row:
    """A named row of the model: ``low ≤ coefficients · x ≤ high``."""

    kind: Literal["limit", "keep", "capacity"]
    label: str
    coefficients: FloatArray
    low: float
    high: float
    measure: str | None = None


@dataclass
class _Model:
    groups: list[Group]
    options: list[Option]
    equal: FloatArray  # groups × options
    items: FloatArray  # per group
    upper: FloatArray  # per option
    rows: list[_Row]
    objective: list[tuple[str, FloatArray]]
    cost: FloatArray
    measure_rows: dict[str, FloatArray]
    now: list[int]  # each objective quantity as the force stands
    solves: int = 0

    def solve(self, c: FloatArray, rows: Sequence[_Row], extra: Sequence[LinearConstraint] = ()) -> FloatArray | None:
        """Minimise c · x; None when infeasible."""
        self.solves += 1
        n = len(self.options)
        constraints = [LinearConstraint(self.equal, self.items, self.items), *extra]
        if rows:
            constraints.append(
                LinearConstraint(
                    np.vstack([r.coefficients for r in rows]),
                    np.array([r.low for r in rows]),
                    np.array([r.high for r in rows]),
                )
            )
        result = milp(
            c,
            integrality=np.ones(n),
            bounds=Bounds(np.zeros(n), self.upper),
            constraints=constraints,
            options={"mip_rel_gap": 0.0, "presolve": False},
        )
        if result.status == 0:
            return np.asarray(np.round(result.x), dtype=np.float64)
        if result.status == 2:
            return None
        raise DetenteError(f"the MILP solver stopped without a plan: {result.message}")


def _limit_rows(before: Compliance, party: str, request: PlanRequest) -> list[tuple[str, Limit, int]]:
    """Rule 4: the limits that bind the party on the deadline, with the bound used."""
    out = []
    for line in before.lines:
        if line.party != party or line.limit is None:
            continue
        if line.verdict not in (Verdict.WITHIN, Verdict.WITHIN_RANGE, Verdict.OVER):
            continue
        limit = line.limit
        bound = limit.min if request.range_end == "min" and limit.min is not None else limit.upper
        out.append((line.measure, limit, bound))
    return out


def _keep_rows(
    request: PlanRequest, force: Force, catalog: Catalog | None, groups: list[Group], options: list[Option]
) -> list[_Row]:
    """Keep rules as rows ``≥`` (rule 4); a rule asking for more than there is now is refused outright."""
    rows = []
    for i, rule in enumerate(request.keep):
        where = f"keep[{i}]"
        test = select_systems(rule.select, force, catalog, where)
        members = np.array([test(groups[o.group].system) for o in options], dtype=bool)
        if not members.any():
            why = f"{rule.describe()}: {request.party} has no {rule.select} items in this force"
            raise PlanningError(why, Location(field=where))
        kept = [
            (o.status is Status.DEPLOYED) if rule.status == "deployed" else (o.status not in _GONE) for o in options
        ]
        have = sum(g.items for g in groups if test(g.system) and _counts_now(g, rule.status))
        wanted = have if rule.at_least is None else rule.at_least
        if wanted > have:
            raise PlanningError(
                f"{rule.describe()}: {request.party} has only {have:,} {rule.status} {rule.select} items",
                Location(field=where),
                "a plan only cuts; it cannot add items",
            )
        rows.append(_Row("keep", rule.describe(), np.array(kept, dtype=np.float64) * members, float(wanted), np.inf))
    return rows


def _capacity_rows(
    request: PlanRequest,
    start: dt.date,
    force: Force,
    catalog: Catalog | None,
    groups: list[Group],
    options: list[Option],
) -> list[_Row]:
    """Yearly capacities as rows ``≤`` their total over the years to the deadline (rule 4)."""
    rows = []
    spans = periods(start, request.deadline)
    for i, cap in enumerate(request.capacities):
        test = select_systems(cap.select, force, catalog, f"capacity[{i}]") if cap.select else (lambda _s: True)
        used = np.array([o.action is cap.action and test(groups[o.group].system) for o in options], np.float64)
        total = sum(capacity_in(p, cap.per_year) for p in spans)
        rows.append(_Row("capacity", f"{cap.describe()} ({total:,} by {request.deadline})", used, -np.inf, total))
    return rows


def _objectives(
    request: PlanRequest,
    treaty: Treaty,
    before: Compliance,
    groups: list[Group],
    options: list[Option],
    measure_rows: dict[str, FloatArray],
) -> tuple[list[tuple[str, FloatArray]], list[int]]:
    """Each objective quantity per option, and its value as the force stands."""
    objective: list[tuple[str, FloatArray]] = []
    now: list[int] = []
    physical = [_physical(groups[o.group], o) for o in options]
    as_is = [_physical(g, Option(g.index, Action.KEEP, g.status, g.warheads, g.armament)) for g in groups]
    for name in request.objective:
        if name in OBJECTIVES:
            objective.append((name, np.array([q[name] for q in physical], dtype=np.float64)))
            now.append(sum(q[name] * g.items for g, q in zip(groups, as_is, strict=True)))
        elif name in measure_rows:
            objective.append((name, measure_rows[name]))
            now.append(before.line(request.party, name).count.total)
        else:
            raise PlanningError(
                f"unknown objective quantity {name!r}",
                Location(field="objective"),
                f"one of {', '.join(OBJECTIVES)} or a measure of {treaty.title}: {', '.join(measure_rows)}",
            )
    return objective, now


def _build(
    force: Force, reading: Reading, request: PlanRequest, start: dt.date, catalog: Catalog | None
) -> tuple[_Model, Compliance, list[tuple[str, Limit, int]], list[str]]:
    party = request.party
    groups = _groups(force, party)
    before = judge(count(force, reading.treaty, reading.variants), request.deadline)
    limits = _limit_rows(before, party, request)
    notes = []
    if not limits:
        notes.append(f"no limit binds {party} on {request.deadline} under {reading.spec}: nothing to cut")
    bounds_by_system: dict[str, RvBounds] = {}
    for b in request.rv_bounds:
        test = select_systems(b.system, force, catalog, "rvs")
        bounds_by_system.update({g.system.id: b for g in groups if test(g.system)})
    tests = None
    if request.convertible is not None:
        named = [s for s in request.convertible if s.strip() != "none"]  # "none": nothing may be converted
        tests = [select_systems(s, force, catalog, "convertible") for s in named]
    options: list[Option] = []
    for g in groups:
        options += _options(g, bounds_by_system.get(g.system.id), _convertible(g, tests))
    n = len(options)
    group_of = np.array([o.group for o in options], dtype=np.int64)
    equal = np.zeros((len(groups), n))
    equal[group_of, np.arange(n)] = 1.0
    items = np.array([g.items for g in groups], dtype=np.float64)
    contributions = _Contributions(force, reading, party)
    matrix = np.array([contributions.of(groups[o.group], o) for o in options], dtype=np.float64)
    matrix = matrix.reshape(n, len(contributions.measures)).T
    measure_rows = {m: matrix[i] for i, m in enumerate(contributions.measures)}
    rows = [
        _Row("limit", f"{m} {lim.describe()}", measure_rows[m], -np.inf, float(bound), m) for m, lim, bound in limits
    ]
    rows += _keep_rows(request, force, catalog, groups, options)
    rows += _capacity_rows(request, start, force, catalog, groups, options)
    objective, now = _objectives(request, reading.treaty, before, groups, options, measure_rows)
    cost = np.array([CHANGE_COST[o.action] for o in options], dtype=np.float64)
    model = _Model(groups, options, equal, items, items[group_of], rows, objective, cost, measure_rows, now)
    return model, before, limits, notes


def _counts_now(group: Group, status: str) -> bool:
    return group.status is Status.DEPLOYED if status == "deployed" else group.status not in _GONE


def _lexicographic(model: _Model) -> FloatArray | None:
    """Rule 5: each quantity in turn at its best, holding the ones before; then the fewest changes."""
    held: list[LinearConstraint] = []
    x: FloatArray | None = None
    for _name, values in model.objective:
        x = model.solve(-values, model.rows, held)
        if x is None:
            return None
        best = float(values @ x)
        held.append(LinearConstraint(values.reshape(1, -1), best - 0.5, np.inf))
    return model.solve(model.cost, model.rows, held)


def _diagnose(model: _Model, party: str, reading: Reading, deadline: dt.date) -> PlanningError:
    """Rule 6: a smallest set of rows that cannot hold together, in words."""
    zero = np.zeros(len(model.options))
    needed = list(model.rows)
    for row in list(needed):
        trial = [r for r in needed if r is not row]
        if model.solve(zero, trial) is None:
            needed = trial
    limits = [r for r in needed if r.kind == "limit"]
    others = [r for r in needed if r.kind != "limit"]
    least = []
    for row in limits:
        x = model.solve(row.coefficients, [r for r in needed if r is not row])
        if x is not None:
            least.append(f"the least {row.measure} it can reach is {round(float(row.coefficients @ x)):,}")
    given = f" while it must {'; '.join(r.label for r in others)}" if others else " even by eliminating everything"
    binding = " and ".join(r.label for r in limits) or "the limits"
    why = f"no plan lets {party} meet {binding} by {deadline} under {reading.spec}{given}"
    return PlanningError(
        f"{why}: {'; '.join(least)}" if least else why, hint="relax a keep rule or a capacity, or move the deadline"
    )


def end_row(row: ItemRow, option: Option, items: int) -> ItemRow:
    """Rule 9: ``items`` of a row as they end in an option."""
    return replace(
        row,
        status=option.status,
        count=items,
        warheads=option.warheads,
        armament=option.armament,
        alcm_capacity=_alcm_after(row.armament, row.alcm_capacity, option),
        remarks=f"planned: {option.action.value}" + (f"; {row.remarks}" if row.remarks else ""),
    )


def _planned_force(force: Force, pieces: Sequence[Piece], options: Sequence[Option], deadline: dt.date) -> Force:
    """Rule 9: every row of the force, the party's split by the end states of its items."""
    by_row: dict[int, list[Piece]] = {}
    for piece in pieces:
        by_row.setdefault(piece.row, []).append(piece)
    rows: list[ItemRow] = []
    for i, row in enumerate(force.rows()):
        mine = by_row.get(i)
        rows += [row] if mine is None else [end_row(row, options[p.option], p.items) for p in mine]
    info = force.info
    planned = ForceInfo(
        title=f"{info.title or 'force'}, as planned for {deadline}",
        label=f"plan: {info.label}" if info.label else "plan",
        as_of=deadline,
        description=info.description,
        sources=info.sources,
    )
    return Force.from_rows(rows, force.facilities, planned, force.parties)


def plan_reductions(force: Force, reading: Reading, request: PlanRequest, catalog: Catalog | None = None) -> Plan:
    """The plan that meets every limit binding ``request.party`` on the deadline, losing the least (rules 1–7).

    Raises :class:`PlanningError` for an unknown party, a deadline before the start, a keep rule naming an
    unknown type, or when no plan exists (naming the limits, keep rules and capacities that bind).
    """
    clock = time.perf_counter()
    party = request.party
    if party not in force.parties or not (force.party == force.parties.index(party)).any():
        raise PlanningError(
            f"the force has no items of party {party!r}",
            Location(field="party"),
            f"its parties: {', '.join(force.parties) or 'none'}",
        )
    if party not in reading.treaty.party_ids():
        raise PlanningError(
            f"{party} is not a party to {reading.treaty.title}",
            Location(field="party"),
            f"its parties: {', '.join(reading.treaty.party_ids())}",
        )
    start = request.start or force.info.as_of
    if start is None:
        raise PlanningError("the force has no date: give the plan's start", Location(field="start"))
    if request.deadline < start:
        raise PlanningError(
            f"the deadline {request.deadline} is before the force's date {start}", Location(field="deadline")
        )
    model, before, limits, notes = _build(force, reading, request, start, catalog or builtin_catalog())
    built = time.perf_counter()
    x = _lexicographic(model)
    if x is None:
        raise _diagnose(model, party, reading, request.deadline)
    solved = time.perf_counter()
    allocation = [int(v) for v in x]
    pieces = pieces_of(model.groups, model.options, allocation)
    planned = _planned_force(force, pieces, model.options, request.deadline)
    after = judge(count(planned, reading.treaty, reading.variants), request.deadline)
    bounds = []
    for measure, limit, value in limits:
        counted = after.line(party, measure).count.total
        predicted = round(float(model.measure_rows[measure] @ x))
        if counted > value:
            raise DetenteError(
                f"internal: the planned force counts {counted:,} {measure} against a bound of {value:,} "
                f"(the model said {predicted:,})"
            )
        bounds.append(Bound(measure, limit, value, before.line(party, measure).count.total, counted, predicted))
    if any(b.model > b.after for b in bounds):
        notes.append("a 'first' rule was counted at its larger value (rule 3): the plan may cut more than needed")
    objective = tuple(
        (name, now, round(float(values @ x))) for (name, values), now in zip(model.objective, model.now, strict=True)
    )
    verified = time.perf_counter()
    return Plan(
        force=force,
        reading=reading,
        request=request,
        start=start,
        groups=tuple(model.groups),
        options=tuple(model.options),
        allocation=tuple(allocation),
        bounds=tuple(bounds),
        objective=objective,
        before=before,
        after=after,
        planned=planned,
        notes=tuple(notes),
        timing={"build": built - clock, "solve": solved - built, "verify": verified - solved},
        solves=model.solves,
    )
