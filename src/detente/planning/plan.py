"""A reduction plan and its parts: groups of like items, the states they may end in, the steps, the bounds met.

What :func:`detente.planning.reduce.plan_reductions` returns, and what the ledger check, the charts, the force
writer and the notifications read; the rules by which it is made are :mod:`detente.planning.reduce`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from detente.catalog.model import Armament, SystemType
from detente.counting.compliance import Compliance
from detente.counting.readings import Reading
from detente.errors import DetenteError
from detente.forces.model import Force
from detente.forces.vocabulary import Kind, Role, Status
from detente.planning.request import Action, PlanRequest
from detente.treaty.model import Limit

_NUCLEAR = (Armament.ALCM, Armament.BOMBS)
ORDER = {Action.ELIMINATE: 0, Action.CONVERT: 1, Action.NON_DEPLOY: 2, Action.DOWNLOAD: 3, Action.KEEP: 4}
"""The order in which a group's actions take its items (rule 8 of reduce); downloads among themselves deepest first."""


@dataclass(frozen=True)
class Group:
    """Items of the party alike in everything counting can see.

    ``rows`` are their rows in the force in the order items are taken (rule 8), with each row's ``counts`` and
    ``uids`` (the identifier of a row of one item, else None).
    """

    index: int
    system: SystemType
    kind: Kind
    status: Status
    armament: Armament
    role: Role
    facility: str | None
    warheads: int
    alcm_capacity: int
    items: int
    rows: tuple[int, ...]
    counts: tuple[int, ...]
    uids: tuple[str | None, ...]

    @property
    def nuclear_bomber(self) -> bool:
        """A heavy bomber equipped for nuclear armaments."""
        return self.kind is Kind.BOMBER and self.armament in _NUCLEAR

    @property
    def unnamed(self) -> int:
        """How many of its items have no identifier (they are in aggregate rows)."""
        return self.items - sum(1 for u in self.uids if u is not None)

    def label(self) -> str:
        """Every attribute that decides a count, so that no two groups read alike.

        E.g. 'trident-ii-d5 launcher, deployed, 5 RVs', 'b-52g bomber, deployed, ALCM, capacity 20' beside
        'b-52g bomber, deployed, bombs'. A bomber's armament is always given; a missile's only when it is not its
        type's; RVs (a bomber's warheads) when there are any, and always for a deployed launcher; the role when it
        is not nuclear; the facility when there is one.
        """
        parts = [f"{self.system.id} {self.kind.value}", self.status.value]
        alcm_said = False
        if self.kind is Kind.BOMBER:
            if self.armament is Armament.ALCM:
                parts.append(f"ALCM, capacity {self.alcm_capacity}")
                alcm_said = True
            else:
                parts.append("bombs" if self.armament is Armament.BOMBS else f"armament {self.armament.value}")
        elif self.armament is not self.system.armament:
            parts.append(f"armament {self.armament.value}")
        if self.alcm_capacity and not alcm_said:
            parts.append(f"ALCM capacity {self.alcm_capacity}")
        if self.warheads or (self.kind is Kind.LAUNCHER and self.status is Status.DEPLOYED):
            unit = "warhead" if self.kind is Kind.BOMBER else "RV"
            parts.append(f"{self.warheads} {unit}" + ("s" if self.warheads != 1 else ""))
        if self.role is not Role.NUCLEAR:
            parts.append(self.role.value)
        if self.facility:
            parts.append(f"at {self.facility}")
        return ", ".join(parts)

    def attributes(self) -> dict[str, Any]:
        """The attributes that decide a count, as plain data (the same the label says in words)."""
        return {
            "system": self.system.id,
            "kind": self.kind.value,
            "status": self.status.value,
            "armament": self.armament.value,
            "alcm_capacity": self.alcm_capacity,
            "role": self.role.value,
            "facility": self.facility,
            "warheads": self.warheads,
        }


@dataclass(frozen=True)
class Option:
    """A state an item of a group may end in, and the action that takes it there."""

    group: int
    action: Action
    status: Status
    warheads: int
    armament: Armament


@dataclass(frozen=True)
class Step:
    """One action of the plan: what is done to how many items of a group (``warheads``: RVs left, downloads).

    ``uids`` are the identifiers of the items it acts on (rule 8); ``unnamed`` how many of them have none.
    """

    group: Group
    action: Action
    items: int
    warheads: int
    uids: tuple[str, ...] = ()
    unnamed: int = 0

    def describe(self) -> str:
        """The step in words: the action, the group with every attribute that decides a count, and the items."""
        if self.action is Action.DOWNLOAD:
            rvs = f"{self.warheads} RV" + ("s" if self.warheads != 1 else "")
            text = f"download {self.items:,} × {self.group.label()} to {rvs}"
        else:
            verb = {Action.NON_DEPLOY: "move to non-deployed", Action.KEEP: "keep"}.get(self.action, self.action.value)
            text = f"{verb} {self.items:,} × {self.group.label()}"
        items = self.items_text()
        return f"{text}: {items}" if items else text

    def items_text(self) -> str:
        """The items it acts on, shortened past six identifiers (``as_dict`` lists them all); '' for none."""
        ids = self.uids
        shown = ", ".join(ids) if len(ids) <= 6 else f"{', '.join(ids[:3])}, …, {ids[-1]} ({len(ids):,} items)"
        if ids and self.unnamed:
            return f"{shown}, and {self.unnamed:,} without identifier"
        return shown


@dataclass(frozen=True)
class Bound:
    """A limit the plan meets: the bound used, the count now, as planned (engine) and as the model's rows said."""

    measure: str
    limit: Limit
    value: int
    before: int
    after: int
    model: int

    @property
    def headroom(self) -> int:
        """How far the planned count is below the bound."""
        return self.value - self.after


@dataclass(frozen=True)
class Piece:
    """Items of one row of the force that end in one option (``option`` indexes :attr:`Plan.options`).

    ``uid`` is the item's identifier when the row is one item with one.
    """

    row: int
    option: int
    items: int
    uid: str | None = None


@dataclass(frozen=True)
class Plan:
    """A reduction plan, verified by counting the planned force under the reading on the deadline.

    ``planned`` is the force as planned (rule 9): each of the party's rows split by the end states of its items,
    each piece's remarks naming its action first (``planned: download``); other parties' items as they were.
    """

    force: Force
    reading: Reading
    request: PlanRequest
    start: dt.date
    groups: tuple[Group, ...]
    options: tuple[Option, ...]
    allocation: tuple[int, ...]  # items per option
    bounds: tuple[Bound, ...]
    objective: tuple[tuple[str, int, int], ...]  # (quantity, now, planned)
    before: Compliance
    after: Compliance
    planned: Force
    notes: tuple[str, ...] = ()
    timing: dict[str, float] = field(default_factory=dict)
    solves: int = 0

    @property
    def party(self) -> str:
        """The party planned for."""
        return self.request.party

    @property
    def deadline(self) -> dt.date:
        """The date every limit must be met by."""
        return self.request.deadline

    @cached_property
    def pieces(self) -> tuple[Piece, ...]:
        """Which items of which rows end in which option (rule 8)."""
        return tuple(pieces_of(self.groups, self.options, self.allocation))

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every action other than keeping, in group order, with the items each acts on."""
        uids: dict[int, list[str]] = {}
        unnamed: dict[int, int] = {}
        for piece in self.pieces:
            if piece.uid is not None:
                uids.setdefault(piece.option, []).append(piece.uid)
            else:
                unnamed[piece.option] = unnamed.get(piece.option, 0) + piece.items
        out = []
        for i, (option, n) in enumerate(zip(self.options, self.allocation, strict=True)):
            if n and option.action is not Action.KEEP:
                group = self.groups[option.group]
                out.append(Step(group, option.action, n, option.warheads, tuple(uids.get(i, ())), unnamed.get(i, 0)))
        return tuple(out)

    def totals(self) -> dict[str, int]:
        """Items per action over the whole plan."""
        out = dict.fromkeys((a.value for a in Action if a is not Action.KEEP), 0)
        for step in self.steps:
            out[step.action.value] += step.items
        return out

    def as_dict(self) -> dict[str, Any]:
        """The plan as plain data (for ``--json``)."""
        return {
            "party": self.party,
            "reading": self.reading.spec,
            "force": self.force.info.title,
            "start": self.start.isoformat(),
            "deadline": self.deadline.isoformat(),
            "objective": [{"quantity": q, "now": a, "planned": b} for q, a, b in self.objective],
            "steps": [
                {
                    **s.group.attributes(),
                    "action": s.action.value,
                    "items": s.items,
                    "warheads_after": s.warheads,
                    "uids": list(s.uids),
                    "unnamed": s.unnamed,
                    "text": s.describe(),
                }
                for s in self.steps
            ],
            "totals": self.totals(),
            "limits": [
                {
                    "measure": b.measure,
                    "limit": b.value,
                    "limit_text": b.limit.describe(),
                    "now": b.before,
                    "planned": b.after,
                    "model": b.model,
                    "headroom": b.headroom,
                }
                for b in self.bounds
            ],
            "counts": self.after.as_dict().get(self.party, {}),
            "notes": list(self.notes),
            "timing_seconds": self.timing,
            "solves": self.solves,
        }


def pieces_of(groups: Sequence[Group], options: Sequence[Option], allocation: Sequence[int]) -> list[Piece]:
    """Rule 8: each group's items, in their order, handed to its options in :data:`ORDER`."""
    quotas: dict[int, list[tuple[int, int]]] = {}
    for i, (option, n) in enumerate(zip(options, allocation, strict=True)):
        if n:
            quotas.setdefault(option.group, []).append((i, n))
    out: list[Piece] = []
    for g in groups:
        mine = sorted(quotas.get(g.index, []), key=lambda q: (ORDER[options[q[0]].action], options[q[0]].warheads))
        if sum(n for _, n in mine) != g.items:
            raise DetenteError(f"internal: the plan ends {sum(n for _, n in mine):,} of {g.items:,} items of a group")
        k, left = 0, mine[0][1] if mine else 0
        for row, items, uid in zip(g.rows, g.counts, g.uids, strict=True):
            rest = items
            while rest:
                while not left:
                    k += 1
                    left = mine[k][1]
                take = min(rest, left)
                out.append(Piece(row, mine[k][0], take, uid))
                rest -= take
                left -= take
    return out


__all__ = ["ORDER", "Bound", "Group", "Option", "Piece", "Plan", "Step", "pieces_of"]
