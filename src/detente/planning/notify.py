"""A reduction plan as the notifications that carry it out (rule 10 of :mod:`detente.planning.reduce`).

Each item the plan acts on gets its notifications in the period the schedule gives it (the years from the start to
the deadline within the yearly capacities, :func:`detente.planning.trajectory.follow`), in the plan's order of
actions; a period with downloads ends with a data update declaring every item, since a change of warheads takes
effect with the next update. The drafts go to ``detente ledger submit`` as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from detente.errors import DetenteError, PlanningError
from detente.forces.model import Force
from detente.forces.vocabulary import Kind, Status
from detente.ledger.convert import declaration_from_force
from detente.ledger.notifications import format_time
from detente.planning._periods import Period, periods
from detente.planning.plan import ORDER, Plan, Step
from detente.planning.reduce import end_row
from detente.planning.request import Action


def notification_drafts(plan: Plan, period_of: Mapping[str, int]) -> list[dict[str, Any]]:
    """The plan as notification drafts for a ledger holding the force's items of the party (rule 10).

    ``period_of`` gives each item the plan acts on its period among the years from the start to the deadline (the
    schedule :func:`detente.planning.trajectory.follow` makes within the yearly capacities). Each draft names the
    party, is sent when it takes effect, and goes to ``detente ledger submit`` as it is. Refused with a
    :class:`PlanningError` when an item it would name has no identifier.
    """
    steps = plan.steps
    anonymous = [s for s in steps if s.unnamed]
    if anonymous:
        raise PlanningError(
            f"notifications name items by identifier, but {sum(s.unnamed for s in anonymous):,} of the items this plan "
            f"acts on have none (first: {anonymous[0].describe()})",
            hint="give each item its own row with a uid in the force file: a ledger numbers the items of an "
            "aggregate row itself, and nothing in the force says which of them is which",
        )
    if any(s.action is Action.DOWNLOAD for s in steps) and any(g.unnamed for g in plan.groups):
        unnamed = sum(g.unnamed for g in plan.groups)
        raise PlanningError(
            f"the plan downloads missiles, which take effect with a data update declaring every item, but {unnamed:,} "
            f"of {plan.party}'s items have no identifier",
            hint="give each item its own row with a uid in the force file",
        )
    spans = periods(plan.start, plan.deadline)
    changes: list[list[tuple[Step, str]]] = [[] for _ in spans]
    for step in steps:
        for uid in step.uids:
            period = period_of.get(uid)
            if period is None or not 0 <= period < len(spans):
                raise DetenteError(f"internal: the schedule gives item {uid} no period between the start and deadline")
            changes[period].append((step, uid))
    drafts: list[dict[str, Any]] = []
    for span in spans:
        mine = sorted(changes[span.index], key=lambda su: (ORDER[su[0].action], su[0].group.index, su[1]))
        notices = [(kind, content, step) for step, uid in mine for kind, content in _item_notices(step, uid)]
        seconds = span.days * 86400 or 80000
        for i, (kind, content, step) in enumerate(notices):
            when = _at(span.start, 3600 + (i + 1) * (seconds - 7200) // (len(notices) + 2))
            remarks = f"planned: {step.action.value} {step.group.label()}"
            drafts.append(_draft(plan.party, kind, when, content, remarks))
        if any(step.action is Action.DOWNLOAD for step, _ in mine):
            when = _at(span.start, span.days * 86400 - 3600) if span.days else _at(span.start, 82800)
            content = declaration_from_force(_force_at(plan, period_of, span), plan.party)
            drafts.append(_draft(plan.party, "data-update", when, content, "planned: declares the downloads"))
    return drafts


def _item_notices(step: Step, uid: str) -> list[tuple[str, dict[str, Any]]]:
    """One item's notifications, in the order they must be sent."""
    if step.action is Action.DOWNLOAD:
        return [("warheads-change", {"uid": uid, "warheads": step.warheads})]
    out: list[tuple[str, dict[str, Any]]] = []
    if step.group.status is Status.DEPLOYED:
        out.append(("status-change", {"uid": uid, "from": Status.DEPLOYED.value, "to": Status.NON_DEPLOYED.value}))
    if step.action is Action.CONVERT:
        result = "to non-nuclear armaments" if step.group.kind is Kind.BOMBER else "no longer launches a missile"
        out.append(("conversion", {"uid": uid, "result": f"planned conversion: {result}"}))
    elif step.action is Action.ELIMINATE:
        out.append(("elimination", {"uid": uid, "method": "planned elimination"}))
    return out


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=seconds)


def _draft(party: str, kind: str, when: dt.datetime, content: dict[str, Any], remarks: str) -> dict[str, Any]:
    at = format_time(when)
    return {"type": kind, "party": party, "sent": at, "effective": at, "content": content, "remarks": remarks}


def _force_at(plan: Plan, period_of: Mapping[str, int], span: Period) -> Force:
    """The party's items at the end of a period: each changed item in its end state once its period is done."""
    by_row = {p.row: p for p in plan.pieces}  # here every row of the party is one item with an identifier
    rows = []
    for i, row in enumerate(plan.force.rows()):
        if row.party != plan.party:
            continue
        piece = by_row.get(i)
        if piece is not None and piece.uid is not None:
            option = plan.options[piece.option]
            if option.action is not Action.KEEP and period_of[piece.uid] <= span.index:
                rows.append(end_row(row, option, 1))
                continue
        rows.append(row)
    facilities = [f for f in plan.force.facilities if f.party == plan.party]
    return Force.from_rows(rows, facilities, parties=[plan.party])


__all__ = ["notification_drafts"]
