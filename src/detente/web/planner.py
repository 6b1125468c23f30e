"""View 10, the planner: the least-loss reduction plan for a force, a reading and a deadline, year by year.

The plan is ``detente plan FORCE --treaty READING --party PARTY --deadline DEADLINE [--capacity …] --json``, made
with the command's own library functions (:func:`detente.planning.reduce.plan_reductions`, then
:func:`detente.planning.trajectory.follow`, which carries it out through an in-memory ledger and replays it).
:func:`files` gives that JSON itself as ``plan.json`` for the same inputs.

What the form asks (every field read through :mod:`detente.web.page`'s helpers or the checks here; anything else
is a 400 naming the field):

1. ``force``: ``ledger`` (the default), the party's declared force from this ledger at ``date`` (the ledger's
   state replayed to the end of that day, the party's items only: what ``detente plan`` plans when the state is
   written to a force file); or a shipped force (``detente data forces``), at its own date.
2. ``party``: one of the force's parties (default: its first).
3. ``reading``: a built-in treaty, or a treaty read under one of its variants (``new-start+ru-2022``).
4. ``deadline``: after the force's date and at most 30 years after it. Default: when the reading's limits are
   due, or, when they were due before the force's date (or it has no such date), a year after the force's date.
5. ``eliminate``, ``convert``: at most so many eliminations (conversions) a year; blank for no bound.

The command each table names always carries ``--deadline`` and ``--party``: the page states what it planned
for, where the command would fall back on its own defaults.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

from detente.data.forces import load_force, shipped_force_names
from detente.errors import InputError, Location
from detente.forces.model import Force
from detente.ledger import to_force
from detente.planning.plan import Plan
from detente.planning.reduce import plan_reductions
from detente.planning.request import Action, Capacity, PlanRequest
from detente.planning.trajectory import Trajectory, follow
from detente.treaty.load import builtin_treaties
from detente.web.page import Download, Page, Query, choice_field, date_field, int_field
from detente.web.source import Source
from detente.web.tables import Cell, Chart, Column, Series, Table

LEDGER = "ledger"  # the force choice meaning the party's declared force from this ledger
MAX_YEARS = 30  # a deadline further out plans nothing anyone negotiates, and its ledger check grows with it
MAX_PER_YEAR = 100_000  # more than any party holds: a larger yearly capacity binds nothing


@dataclass(frozen=True)
class Asked:
    """What the form asks for, checked: the key plans are kept by."""

    force: str
    party: str
    date: dt.date | None  # the ledger force's date; None for a shipped force (its own date)
    reading: str
    deadline: dt.date
    eliminate: int | None
    convert: int | None

    def command(self) -> str:
        """The ``detente plan`` command that gives this plan."""
        force = "FORCE" if self.force == LEDGER else self.force
        capacities = "".join(
            f" --capacity {action}={n}"
            for action, n in (("eliminate", self.eliminate), ("convert", self.convert))
            if n is not None
        )
        text = (
            f"detente plan {force} --treaty {self.reading} --party {self.party} --deadline {self.deadline}"
            f"{capacities} --json"
        )
        if self.force == LEDGER:
            text += f" (FORCE: {self.party}'s declared force from the ledger on {self.date}, written as a force file)"
        return text


def readings() -> list[str]:
    """Every built-in treaty, and each read under one of its variants."""
    return [spec for t in builtin_treaties().values() for spec in (t.id, *(f"{t.id}+{v.id}" for v in t.variants))]


def build(source: Source, query: Query) -> Page:
    """The form, and the plan for what it asks."""
    asked, force = _asked(source, query)
    plan, trajectory = _planned(source, asked, force)
    command = asked.command()
    tables = [_steps(plan, command), _limits(plan, trajectory, command), _objective(plan, command)]
    tables.append(_years(plan, trajectory, command))
    check = trajectory.check
    parties = list(dict.fromkeys([*source.parties(), *(p for f in _shipped(source).values() for p in f.parties)]))
    return Page(
        f"Reduction plan for {plan.party} under {plan.reading.spec}, {plan.start} to {plan.deadline}",
        "planner.html",
        tables,
        facts={
            "asked": asked,
            "forces": [LEDGER, *shipped_force_names()],
            "parties": parties,
            "readings": readings(),
            "date": asked.date or date_field(source, query),  # the ledger date the form keeps, for a shipped force too
            "date_range": source.date_range(),
            "force_title": force.info.title,
            "force_label": force.info.label,
            "start": plan.start,
            "check": check,
            "sent": ", ".join(f"{n:,} {kind}" for kind, n in check.notifications.items()),
            "notes": plan.notes,
            "query": _query(asked),
        },
        intro="The plan that meets every limit binding the party on the deadline while keeping the most deployed "
        "warheads, then deployed vehicles, then retained launchers; then carried out year by year through a ledger "
        "and replayed, as a check.",
    )


def files(source: Source, name: str, query: Query) -> Download:
    """``plan.json``: what ``detente plan … --json`` prints for the same inputs."""
    if name != "plan.json":
        raise HTTPException(404, f"no file {name!r} on planner; its file: plan.json")
    asked, force = _asked(source, query)
    plan, trajectory = _planned(source, asked, force)
    body = {
        **plan.as_dict(),
        "trajectory": trajectory.as_dict(),
        "outputs": {"force": None, "notifications": None, "notification_count": None},
    }
    text = json.dumps(body, indent=2, ensure_ascii=False, default=str) + "\n"
    return Download(f"plan-{asked.party}-{asked.deadline}.json", "application/json", text.encode())


# ---------------------------------------------------------------------------------------------- the form


def _shipped(source: Source) -> dict[str, Force]:
    return source.kept(
        "shipped-forces", lambda: {name: load_force(name, source.catalog) for name in shipped_force_names()}
    )


def _asked(source: Source, query: Query) -> tuple[Asked, Force]:
    """The form's fields, checked in the order they are shown, and the force they name."""
    choice = choice_field(query, "force", [LEDGER, *shipped_force_names()], LEDGER) or LEDGER
    when = date_field(source, query)
    parties = source.parties() if choice == LEDGER else list(_shipped(source)[choice].parties)
    party = choice_field(query, "party", parties, parties[0] if parties else None)
    if party is None:
        raise InputError("the force holds no party", Location(field="force"), "choose another force")
    if choice == LEDGER:
        force = source.kept(("party-force", party, when), lambda: _declared(source, party, when))
        if not force.items:  # the planner's solver is given no variables then, and fails without a reason
            raise InputError(
                f"{party} had declared no items by the end of {when}",
                Location(field="date"),
                "choose a date after its initial data",
            )
    else:
        force = _shipped(source)[choice]
    start = force.info.as_of or when
    treaties = builtin_treaties()
    default = source.treaty_id() if source.treaty_id() in treaties else next(iter(treaties))
    reading = choice_field(query, "reading", readings(), default) or default
    deadline = _deadline(query, start, treaties[reading.split("+")[0]].dates.limits_due)
    eliminate = _per_year(query, "eliminate")
    convert = _per_year(query, "convert")
    asked = Asked(choice, party, when if choice == LEDGER else None, reading, deadline, eliminate, convert)
    return asked, force


def _declared(source: Source, party: str, when: dt.date) -> Force:
    """The party's declared force at the end of ``when``, as ``detente ledger state`` replays it."""
    return to_force([s for s in source.states(when) if s.party == party], source.catalog, when)


def _deadline(query: Query, start: dt.date, due: dt.date | None) -> dt.date:
    """A date after ``start`` and at most :data:`MAX_YEARS` after it (see rule 4 of the module)."""
    latest = _years_after(start, MAX_YEARS)
    value = query.get("deadline")
    if value is None or value == "":
        return due if due is not None and start < due <= latest else _years_after(start, 1)
    try:
        deadline = dt.date.fromisoformat(value) if len(value) <= 10 else None
    except ValueError:
        deadline = None
    if deadline is None:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InputError(f"{shown!r} is not a date", Location(field="deadline"), "write it as YYYY-MM-DD")
    if deadline <= start:
        raise InputError(
            f"the deadline {deadline} is not after the force's date {start}",
            Location(field="deadline"),
            f"choose a date after {start}",
        )
    if deadline > latest:
        raise InputError(
            f"the deadline {deadline} is more than {MAX_YEARS} years after the force's date {start}",
            Location(field="deadline"),
            f"choose a date up to {latest}",
        )
    return deadline


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February, as the plan's yearly periods take it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _per_year(query: Query, name: str) -> int | None:
    value = query.get(name)
    if value is None or value.strip() == "":
        return None
    return int_field(query, name, 0, 0, MAX_PER_YEAR)


def _query(asked: Asked) -> str:
    """The URL query of the form as filled in (for the JSON link)."""
    fields = {
        "force": asked.force,
        "party": asked.party,
        "date": asked.date,
        "reading": asked.reading,
        "deadline": asked.deadline,
        "eliminate": asked.eliminate,
        "convert": asked.convert,
    }
    return "&".join(f"{k}={v}" for k, v in fields.items() if v is not None)


# ---------------------------------------------------------------------------------------------- the plan


def _planned(source: Source, asked: Asked, force: Force) -> tuple[Plan, Trajectory]:
    """The plan and its ledger check, kept per inputs (and per ledger size, as every kept result)."""

    def compute() -> tuple[Plan, Trajectory]:
        capacities = tuple(
            Capacity(action, n)
            for action, n in ((Action.ELIMINATE, asked.eliminate), (Action.CONVERT, asked.convert))
            if n is not None
        )
        request = PlanRequest(party=asked.party, deadline=asked.deadline, capacities=capacities)
        plan = plan_reductions(force, source.reading(asked.reading), request, source.catalog)
        return plan, follow(plan, source.catalog)

    return source.kept(("plan", asked), compute)


def _steps(plan: Plan, command: str) -> Table:
    table = Table(
        "steps",
        f"What to do, {plan.start} to {plan.deadline}",
        [
            Column("action", "Action"),
            Column("group", "Items of"),
            Column("now", "In the group", numeric=True),
            Column("items", "Acted on", numeric=True),
            Column("which", "Which"),
        ],
        source=command + " (steps)",
        note="" if plan.steps else "Nothing to do: the force already meets every limit binding on the deadline.",
    )
    for step in plan.steps:
        action = step.action.value
        if step.action is Action.DOWNLOAD:
            action += f" to {step.warheads} RV" + ("s" if step.warheads != 1 else "")
        table.rows.append(
            {
                "action": action,
                "group": step.group.label(),
                "now": step.group.items,
                "items": step.items,
                "which": Cell(step.items_text() or None, "", ", ".join(step.uids)),
            }
        )
    return table


def _limits(plan: Plan, trajectory: Trajectory, command: str) -> Table:
    table = Table(
        "limits",
        f"Counts on {plan.deadline} against the limits",
        [
            Column("measure", "Measure"),
            Column("now", "Now", numeric=True),
            Column("planned", "Planned", numeric=True),
            Column("limit", "Limit"),
            Column("bound", "Planned to", numeric=True),
            Column("headroom", "Headroom", numeric=True),
            Column("verdict", "Verdict"),
            Column("replayed", "Replayed from the ledger", numeric=True),
        ],
        source=command + " (limits, counts, trajectory.check)",
    )
    bounds = {b.measure: b for b in plan.bounds}
    for line in plan.after.lines:
        if line.party != plan.party:
            continue
        b = bounds.get(line.measure)
        table.rows.append(
            {
                "measure": line.measure,
                "now": plan.before.line(plan.party, line.measure).count.total,
                "planned": line.count.total,
                "limit": None if b is None else b.limit.describe(),
                "bound": None if b is None else b.value,
                "headroom": None if b is None else b.headroom,
                "verdict": line.verdict.value,
                "replayed": trajectory.check.compliance.line(plan.party, line.measure).count.total,
            }
        )
    return table


def _objective(plan: Plan, command: str) -> Table:
    table = Table(
        "objective",
        "What the plan keeps (most important first)",
        [
            Column("quantity", "Quantity"),
            Column("now", "Now", numeric=True),
            Column("planned", "Planned", numeric=True),
            Column("lost", "Lost", numeric=True),
        ],
        source=command + " (objective)",
    )
    table.rows = [{"quantity": q, "now": a, "planned": b, "lost": a - b} for q, a, b in plan.objective]
    return table


def _years(plan: Plan, trajectory: Trajectory, command: str) -> Table:
    """Each measure per year against the bound the plan meets: the table the trajectory chart is drawn from."""
    measures = [m.id for m in plan.reading.treaty.measures]
    bounds = {b.measure: b.value for b in plan.bounds}
    columns = [Column("date", "Date")]
    series = []
    for m in measures:
        columns.append(Column(m, m, numeric=True))
        series.append(Series(m))
    for m in measures:
        if m in bounds:
            columns.append(Column(f"limit:{m}", f"limit: {m}", numeric=True))
            series.append(Series(f"limit:{m}", dashed=True))
    columns.append(Column("done", "Done so far"))
    table = Table(
        "years",
        "Year by year (counts replayed from the ledger at each period's end)",
        columns,
        source=command + " (trajectory.points, trajectory.bounds)",
        chart=Chart("line", "date", tuple(series), title="Each measure per year against its limit"),
    )
    for point in trajectory.points:
        counts = point.counts(plan.party)
        row: dict[str, Any] = {"date": point.date.isoformat()}
        row.update({m: counts.get(m, 0) for m in measures})
        row.update({f"limit:{m}": bounds[m] for m in measures if m in bounds})
        row["done"] = ", ".join(f"{n:,} {a}" for a, n in point.done.items() if n) or None
        table.rows.append(row)
    return table
