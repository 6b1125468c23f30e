"""A plan year by year, as ledger notifications, and the check that the ledger replayed at the deadline complies.

How a plan is followed (the ledger's own rules judge every notification; nothing here bypasses them):

1. The party's items of the force are declared as initial data (:func:`detente.ledger.convert.initial_data`),
   effective at the plan's start, in an in-memory ledger under a fixed planning key. Each group's items get the
   identifiers the declaration gives them, in its order.
2. Each group's items are handed out to its actions in that order: eliminations first, then conversions, moves
   to non-deployed and downloads (deepest first); the rest are kept.
3. Actions are spread over the yearly periods evenly (a cumulative share per period, rounded), never past a
   period's share of any yearly capacity that applies; what does not fit goes to the first period with room.
4. Each item's notifications follow one another within its period: a deployed item is first moved to
   non-deployed, then converted or eliminated; a download is a change of warheads. Every notification is sent
   when it takes effect, so none is late. A period with downloads ends with a data update that declares the
   ledger's state, which is when the new loads take effect.
5. After each period the ledger's state is counted under the reading and judged on the period's last day: the
   trajectory. Finally the stored entries are replayed as of the deadline, counted and judged: the check passes
   when every limit the plan meets is met by the replayed force.

Flags the ledger raises are reported. The initial data's [late] flag (a force dated long after the treaty
entered into force) is expected and left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from detente.catalog.model import Catalog, SystemType
from detente.counting.compliance import Compliance, judge
from detente.counting.tally import count
from detente.crypto.keys import PartyKey
from detente.errors import DetenteError, PlanningError
from detente.forces.model import Force
from detente.forces.vocabulary import Kind, Status
from detente.ledger.convert import declaration_from_state, initial_data
from detente.ledger.memory import MemoryStore
from detente.ledger.replay import moment, replay_store
from detente.ledger.state import to_force
from detente.ledger.writer import Accepted, Ledger
from detente.planning._periods import Period, capacity_in, periods
from detente.planning.plan import Plan
from detente.planning.reduce import select_systems
from detente.planning.request import Action

_ORDER = {Action.ELIMINATE: 0, Action.CONVERT: 1, Action.NON_DEPLOY: 2, Action.DOWNLOAD: 3}
_Change = tuple[str, int, Action, int]  # uid, group, action, RVs left
_Room = tuple[Action, Callable[[SystemType], bool], list[int]]  # a capacity's action, its test, room per period


def planning_key(party: str) -> PartyKey:
    """The fixed key plans are checked under: derived from a public string, it proves nothing to anyone."""
    return PartyKey.from_seed(party, hashlib.sha256(f"detente planning check {party}".encode()).digest())


@dataclass(frozen=True)
class ItemAction:
    """One item's action, and the period it falls in."""

    uid: str
    group: int
    action: Action
    warheads: int  # RVs left, for a download
    period: int


@dataclass(frozen=True)
class Point:
    """The party's counts at the end of a period (index -1: at the start), judged on that day."""

    period: int
    date: dt.date
    compliance: Compliance
    done: dict[str, int]  # items per action, cumulative

    def counts(self, party: str) -> dict[str, int]:
        """Measure → count."""
        return {x.measure: x.count.total for x in self.compliance.lines if x.party == party}


@dataclass(frozen=True)
class Check:
    """The plan replayed through a ledger: what was appended, the flags, and the counts as of the deadline."""

    passed: bool
    as_of: dt.date
    compliance: Compliance
    notifications: dict[str, int]
    flags: tuple[str, ...]
    agrees: bool  # the replayed counts equal the planned force's counts
    head: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trajectory:
    """A plan year by year, with its ledger check."""

    plan: Plan
    periods: tuple[Period, ...]
    actions: tuple[ItemAction, ...]
    points: tuple[Point, ...]
    check: Check
    timing: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Periods, counts per period and the check (for ``--json``)."""
        party = self.plan.party
        bounds = {b.measure: b.value for b in self.plan.bounds}
        return {
            "periods": [{"start": p.start.isoformat(), "end": p.end.isoformat()} for p in self.periods],
            "points": [
                {
                    "date": pt.date.isoformat(),
                    "counts": pt.counts(party),
                    "verdicts": {x.measure: x.verdict.value for x in pt.compliance.lines if x.party == party},
                    "done": pt.done,
                }
                for pt in self.points
            ],
            "bounds": bounds,
            "check": {
                "passed": self.check.passed,
                "as_of": self.check.as_of.isoformat(),
                "counts": self.check.compliance.as_dict().get(party, {}),
                "notifications": self.check.notifications,
                "flags": list(self.check.flags),
                "agrees_with_plan": self.check.agrees,
                "head": self.check.head,
                "problems": list(self.check.problems),
            },
            "timing_seconds": self.timing,
        }


# ---------------------------------------------------------------------------------------------- rules 1–3


def _uids_by_row(force: Force, party: str, declaration: dict[str, Any]) -> dict[int, list[str]]:
    """Rule 1: the identifiers the declaration gave each of the party's rows, in its order."""
    items = iter(declaration["items"])
    out: dict[int, list[str]] = {}
    p = force.parties.index(party)
    eliminated = list(Status).index(Status.ELIMINATED)
    for i in range(len(force)):
        if force.party[i] != p or force.status[i] == eliminated:
            continue
        uids = [next(items)["uid"] for _ in range(int(force.count[i]))]
        out[i] = uids
    return out


def _assign(plan: Plan, uids: dict[int, list[str]]) -> list[_Change]:
    """Rule 2: (uid, group, action, RVs left) for every item that changes."""
    out = []
    for g in plan.groups:
        mine = [u for row in g.rows for u in uids[row]]
        chosen = [
            (o, n)
            for o, n in zip(plan.options, plan.allocation, strict=True)
            if o.group == g.index and n and o.action is not Action.KEEP
        ]
        chosen.sort(key=lambda on: (_ORDER[on[0].action], on[0].warheads))
        at = 0
        for option, n in chosen:
            out += [(uid, g.index, option.action, option.warheads) for uid in mine[at : at + n]]
            at += n
    return out


def _spread(plan: Plan, changes: list[_Change], spans: tuple[Period, ...]) -> list[ItemAction]:
    """Rule 3: periods for every change, evenly, within the capacities."""
    rooms: list[_Room] = [
        (cap.action, _capacity_test(plan, cap.select), [capacity_in(p, cap.per_year) for p in spans])
        for cap in plan.request.capacities
    ]
    total_days = sum(p.days for p in spans)
    placed: list[ItemAction] = []
    for action in _ORDER:
        queue = [c for c in changes if c[2] is action]
        n, done, elapsed = len(queue), 0, 0
        for p in spans:
            elapsed += p.days
            target = n if total_days == 0 or p is spans[-1] else (n * elapsed + total_days // 2) // total_days
            rest = []
            for change in queue:
                if done < target and _fits(plan, change, p.index, rooms):
                    placed.append(ItemAction(change[0], change[1], action, change[3], p.index))
                    done += 1
                else:
                    rest.append(change)
            queue = rest
        for change in queue:
            where = next((p.index for p in spans if _fits(plan, change, p.index, rooms)), None)
            if where is None:
                raise PlanningError(
                    "the yearly capacities overlap so that the plan's actions cannot be spread over the years",
                    hint="give capacities that do not overlap (one per type or category, or one for everything)",
                )
            placed.append(ItemAction(change[0], change[1], action, change[3], where))
    return placed


def _capacity_test(plan: Plan, select: str | None) -> Callable[[SystemType], bool]:
    if select is None:
        return lambda _system: True
    try:
        return select_systems(select, plan.force, None, "capacity")
    except PlanningError:  # a type the force does not have: the capacity applies to none of its items
        return lambda _system: False


def _fits(plan: Plan, change: _Change, period: int, rooms: list[_Room]) -> bool:
    """Whether one more change fits the period's capacities; if it does, it takes its room."""
    system = plan.groups[change[1]].system
    applies = [room for action, test, room in rooms if action is change[2] and test(system)]
    if any(room[period] <= 0 for room in applies):
        return False
    for room in applies:
        room[period] -= 1
    return True


# ---------------------------------------------------------------------------------------------- rule 4


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=seconds)


def _drafts(plan: Plan, actions: list[ItemAction], period: Period) -> list[dict[str, Any]]:
    """The period's notifications, spread over its days (rule 4)."""
    steps: list[tuple[str, dict[str, Any]]] = []
    for a in sorted(actions, key=lambda a: (_ORDER[a.action], a.group, a.uid)):
        g = plan.groups[a.group]
        if a.action is Action.DOWNLOAD:
            steps.append(("warheads-change", {"uid": a.uid, "warheads": a.warheads}))
            continue
        if g.status is Status.DEPLOYED:
            steps.append(("status-change", {"uid": a.uid, "from": "deployed", "to": "non-deployed"}))
        if a.action is Action.CONVERT:
            result = "to non-nuclear armaments" if g.kind is Kind.BOMBER else "no longer launches a missile"
            steps.append(("conversion", {"uid": a.uid, "result": f"planned conversion: {result}"}))
        elif a.action is Action.ELIMINATE:
            steps.append(("elimination", {"uid": a.uid, "method": "planned elimination"}))
    span = period.days * 86400 or 80000
    drafts = []
    for i, (kind, content) in enumerate(steps):
        when = _at(period.start, 3600 + (i + 1) * (span - 7200) // (len(steps) + 2))
        drafts.append({"type": kind, "sent": when, "effective": when, "content": content, "remarks": "planned"})
    return drafts


# ---------------------------------------------------------------------------------------------- rule 5


def _judged(state_force: Force, plan: Plan, day: dt.date) -> Compliance:
    return judge(count(state_force, plan.reading.treaty, plan.reading.variants), day)


def _done(actions: list[ItemAction], upto: int) -> dict[str, int]:
    tally = Counter(a.action.value for a in actions if a.period <= upto)
    return {a.value: tally.get(a.value, 0) for a in _ORDER}


def follow(plan: Plan, catalog: Catalog | None = None) -> Trajectory:
    """The plan year by year through an in-memory ledger, and its check as of the deadline (rules 1–5)."""
    clock = time.perf_counter()
    party, force = plan.party, plan.force
    catalog = catalog or Catalog(force.systems)
    spans = periods(plan.start, plan.deadline)
    treaty = plan.reading.treaty
    key = planning_key(party)
    ledger = Ledger(MemoryStore(), key, catalog, lambda _name: treaty)
    ledger.register(party, key.public_key, treaty.id)
    first = initial_data(force, party, _at(plan.start, 0), _at(plan.start, 0))
    uids = _uids_by_row(force, party, first["content"])
    actions = _spread(plan, _assign(plan, uids), spans)
    scheduled = time.perf_counter()
    flags: list[str] = []
    types: Counter[str] = Counter()

    def submit(drafts: list[dict[str, Any]], what: str) -> None:
        accepted: list[Accepted] = ledger.submit(party, drafts, origin=what)
        for draft, a in zip(drafts, accepted, strict=True):
            types[draft["type"]] += 1
            for flag in a.flags:
                if not (draft["type"] == "initial-data" and flag.kind == "late"):
                    flags.append(f"#{a.seq} {draft['type']}: [{flag.kind}] {flag.message}")

    submit([first], "initial data")
    points = [Point(-1, plan.start, _judged(to_force([ledger.state(party)], catalog), plan, plan.start), _done([], -1))]
    for p in spans:
        mine = [a for a in actions if a.period == p.index]
        drafts = _drafts(plan, mine, p)
        if drafts:
            submit(drafts, f"period to {p.end}")
        if any(a.action is Action.DOWNLOAD for a in mine):
            when = _at(p.start, p.days * 86400 - 3600) if p.days else _at(p.start, 82800)
            content = declaration_from_state(ledger.state(party))
            update = {"type": "data-update", "sent": when, "effective": when, "content": content}
            submit([{**update, "remarks": "planned: declares the downloads"}], f"update to {p.end}")
        state = to_force([ledger.state(party)], catalog)
        points.append(Point(p.index, p.end, _judged(state, plan, p.end), _done(actions, p.index)))
    followed = time.perf_counter()
    check = _check(plan, ledger, catalog, dict(types), flags)
    checked = time.perf_counter()
    return Trajectory(
        plan,
        spans,
        tuple(actions),
        tuple(points),
        check,
        {"schedule": scheduled - clock, "ledger": followed - scheduled, "replay": checked - followed},
    )


def _check(plan: Plan, ledger: Ledger, catalog: Catalog, types: dict[str, int], flags: list[str]) -> Check:
    """Rule 5: replay the stored entries as of the deadline and judge the force they give."""
    party = plan.party
    state = replay_store(ledger.store, party, moment(plan.deadline))
    replayed = _judged(to_force([state], catalog, plan.deadline), plan, plan.deadline)
    problems = []
    for b in plan.bounds:
        got = replayed.line(party, b.measure).count.total
        if got > b.value:
            problems.append(f"{b.measure}: the ledger replays {got:,}, above the bound {b.value:,}")
    planned = {x.measure: x.count.total for x in plan.after.lines if x.party == party}
    counted = {x.measure: x.count.total for x in replayed.lines if x.party == party}
    if state.seq != sum(types.values()):
        raise DetenteError(f"internal: the ledger holds {state.seq} entries, {sum(types.values())} were appended")
    return Check(
        passed=not problems,
        as_of=plan.deadline,
        compliance=replayed,
        notifications=types,
        flags=tuple(flags),
        agrees=planned == counted,
        head=state.head,
        problems=tuple(problems),
    )
