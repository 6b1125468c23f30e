"""ILLUSTRATIVE New START notification ledgers of the United States and Russia, 2011-02-05 to 2023-03-01.

Nothing here is either party's real data. The item-level history (which silo, tube or bomber changed, and
when) is invented; only the three New START aggregates replayed at each data date are real: they equal the
published figures of :func:`detente.data.official.new_start_aggregates` (stated, derived and unconfirmed alike,
every figure that is given). Where a figure was not published (both parties' launchers on 2016-03-01) the demo
uses the number the source gives as approximate (US about 878, Russia about 856).

How it is made, deterministically (fixed keys, fixed dates, no randomness, no clock):

1. Per party, a *plan* gives for every data date and every group of items (one system type in one role, e.g.
   "Minuteman III operational silos", "Minuteman III test silos", "B-52H at air bases") how many are
   accountable and how many deployed, and how many RVs the deployed missiles of the group carry. Most numbers
   are hand-set to follow the public story (B-1B converted in 2011, Peacekeeper and deactivated Minuteman silos
   eliminated by 2015, 56 Trident tubes and 41 B-52H converted 2015–2017, 4 test silos re-designated for
   training; Russia's SS-25 and Delta III retired while Yars and Borei/Bulava come in); one group per measure
   absorbs the difference to the published figure (US: Trident tubes deployed and their RVs; Russia: Tu-95MS
   deployed, SS-25 launchers eliminated or Yars launchers produced, and the RVs of the MIRVed types).
2. Between data dates the difference between two plans is notified item by item through the real
   :meth:`detente.ledger.writer.Ledger.submit`: new items (produced, then moved to their base), movements,
   status changes (a launcher becoming deployed declares its RVs), conversions, eliminations and changes of
   warheads (effective with the next update), each dated inside the period and sent a day later, so that none
   is late. Every declared bomber states its armament (the demo's nuclear B-52Hs carry ALCMs).
3. At each data date a six-monthly ``data-update`` (effective the date at 00:00Z, sent 14 days later) declares
   the state the ledger holds; the build stops with an error if it raises any flag or if the counts differ from
   the published figures. Each party then acknowledges the other's update with a ``receipt``.

Russia's ledger ends with its update as of 2022-09-01 (it gave no data for 2023-03-01); the US's with 2023-03-01.
The 2018 spring update is dated 2018-02-05, the day the central limits took effect, as the published figures are.

The signing keys are PUBLIC DEMO KEYS derived from fixed strings (:func:`demo_key`): anyone can sign as "US" or
"RU" with them. They are for this demonstration only and must never be used for anything real.

Build it with ``detente ledger demo OUT.sqlite``; ``detente demo`` builds it into a fresh file and prints the
timeline beside the official figures. The plans are in :mod:`detente.demo.plans`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from detente.catalog.model import Catalog
from detente.counting.tally import count
from detente.crypto.keys import PartyKey
from detente.demo.plans import (
    ENTRY_INTO_FORCE,
    LABEL,
    MEASURES,
    TREATY,
    DemoBuildError,
    Group,
    Plan,
    Target,
    demo_dates,
    published_figures,
    ru_plan,
    us_plan,
)
from detente.ledger.convert import declaration_from_state
from detente.ledger.state import to_force
from detente.ledger.writer import Accepted, Ledger
from detente.treaty.load import get_treaty

_SECTION = {
    "initial-data": "database",
    "data-update": "database",
    "new-item": "database",
    "status-change": "database",
    "warheads-change": "database",
    "movement": "movement",
    "conversion": "conversion or elimination",
    "elimination": "conversion or elimination",
    "exhibition": "exhibitions",
    "receipt": "notifications",
}


def demo_key(party: str) -> PartyKey:
    """The PUBLIC demo signing key of a party: derived from a fixed string, never for real use."""
    return PartyKey.from_seed(party, hashlib.sha256(f"detente demo key {party}".encode()).digest())


def demo_keys() -> list[PartyKey]:
    """Both parties' PUBLIC demo keys: the signers a ledger needs to build the demo."""
    return [demo_key("US"), demo_key("RU")]


# ---------------------------------------------------------------------------------------------- item-level engine


@dataclass
class _Item:
    uid: str
    group: Group
    index: int
    status: str
    facility: str
    warheads: int = 0


@dataclass
class _Step:
    """One notification to send in a period: its phase (0–7) orders it in time, ``key`` within the phase."""

    phase: int
    key: tuple[Any, ...]
    type: str
    content: dict[str, Any]


def _deploy_key(g: Group, item: _Item, i: int) -> tuple[Any, ...]:
    """Which items a group loads first at date index i (smaller first)."""
    boat, tube = divmod(item.index, g.unit)
    spare = tube >= g.unit - g.spare
    if g.overhaul:
        boats = len(g.slots) // g.unit
        turn = (boat - i // 2) % boats
        return (turn >= boats - g.overhaul, spare, turn, tube)
    return (False, spare, item.index if g.fifo else -item.index, 0)


def _removal_key(g: Group, item: _Item) -> tuple[Any, ...]:
    tube = item.index % g.unit
    return (tube < g.unit - g.spare, item.status == "deployed", item.index)


# What the demo's bombers of a type that may be equipped for more than one armament carry: each bomber's
# declaration states its armament (the ledger's rule 8 refuses a B-52H that does not say). ILLUSTRATIVE: the demo's
# nuclear B-52Hs are all ALCM carriers; its other bombers are of types with one armament, which they state too.
_ARMAMENT = {"b-52h": "alcm"}


def _armament(g: Group, catalog: Catalog) -> str | None:
    """The armament a group's items are declared with: bombers say theirs; missiles and launchers carry missiles."""
    if g.kind != "bomber":
        return None
    default = catalog.get(g.system).default_armament
    if default is not None:
        return default.value
    if g.system not in _ARMAMENT:
        raise DemoBuildError(f"group {g.id}: a {g.system} may carry several armaments, and the demo names none")
    return _ARMAMENT[g.system]


def _decl(item: _Item, armament: str | None) -> dict[str, Any]:
    decl = {
        "uid": item.uid,
        "system": item.group.system,
        "kind": item.group.kind,
        "status": item.status,
        "facility": item.facility,
        "warheads": item.warheads,
    }
    if armament is not None:
        decl["armament"] = armament
    return decl


def _loads(want: int, items: list[_Item], start: dict[str, int], top: int) -> dict[str, int]:
    """RVs per deployed missile summing to ``want``: keep the starting loads, evening out the change."""
    loads = {it.uid: min(max(start[it.uid], 1), top) for it in items}
    order = [it.uid for it in items]
    diff = want - sum(loads.values())
    while diff != 0:
        step = 1 if diff > 0 else -1
        movable = [u for u in order if (loads[u] < top if step > 0 else loads[u] > 1)]
        if not movable:
            raise DemoBuildError(f"cannot place {want} RVs on {len(items)} missiles")
        movable.sort(key=lambda u: loads[u] * step)
        for u in movable:
            if diff == 0:
                break
            loads[u] += step
            diff -= step
    return loads


class _Fleet:
    """The generator's own model of one party's items, turning plan targets into notifications."""

    def __init__(self, plan: Plan, catalog: Catalog) -> None:
        self.plan = plan
        self.catalog = catalog
        self.items: dict[str, _Item] = {}
        self.used: dict[str, int] = {g.id: 0 for g in plan.groups}
        self.armament = {g.id: _armament(g, catalog) for g in plan.groups}

    def members(self, g: Group) -> list[_Item]:
        """The group's accountable items (converted ones stay declared but leave the group's count)."""
        return [it for it in self.items.values() if it.group.id == g.id and it.status != "converted"]

    def initial(self) -> dict[str, Any]:
        """The initial declaration at the first date."""
        targets = self.plan.targets[0]
        for g in self.plan.groups:
            t = targets[g.id]
            for n in range(t.accountable):
                uid, home = g.slots[n]
                self.items[uid] = _Item(uid, g, n, g.idle, home)
            self.used[g.id] = t.accountable
            members = sorted(self.members(g), key=lambda it: _deploy_key(g, it, 0))
            chosen = members[: t.deployed]
            for it in chosen:
                it.status = "deployed"
            if g.kind == "launcher" and chosen:
                start = {it.uid: t.rvs // t.deployed for it in chosen}
                for uid, n in _loads(t.rvs, chosen, start, self.catalog.get(g.system).max_rvs).items():
                    self.items[uid].warheads = n
        return {
            "facilities": list(self.plan.facilities),
            "items": [_decl(it, self.armament[it.group.id]) for it in self.items.values()],
        }

    def period(self, i: int) -> list[_Step]:
        """The notifications that take the fleet from the targets of date i-1 to those of date i."""
        steps: list[_Step] = []
        for g in self.plan.groups:
            steps += self._group_period(g, i, self.plan.targets[i][g.id])
        return steps

    def _group_period(self, g: Group, i: int, t: Target) -> list[_Step]:
        steps: list[_Step] = []
        members = self.members(g)
        top = self.catalog.get(g.system).max_rvs
        # 1. production, and the move from the factory to the base
        for _ in range(t.accountable - len(members)):
            n = self.used[g.id]
            uid, home = g.slots[n]
            self.used[g.id] += 1
            item = _Item(uid, g, n, "non-deployed", g.made_at or home)
            self.items[uid] = item
            members.append(item)
            steps.append(_Step(1, (g.id, n), "new-item", {"item": _decl(item, self.armament[g.id]), "how": "produced"}))
            if g.made_at:
                item.facility = home
                steps.append(_Step(2, (g.id, n), "movement", {"uid": uid, "from": g.made_at, "to": home}))
        # 2. items leaving: unloaded first, moved to the elimination site if there is one, then removed
        leaving = sorted(members, key=lambda it: _removal_key(g, it))[: max(0, len(members) - t.accountable)]
        for it in leaving:
            if it.status == "deployed":
                steps.append(
                    _Step(3, (g.id, it.index), "status-change", {"uid": it.uid, "from": "deployed", "to": g.idle})
                )
                it.status, it.warheads = g.idle, 0
            if g.removed_at and it.facility != g.removed_at:
                steps.append(
                    _Step(4, (g.id, it.index), "movement", {"uid": it.uid, "from": it.facility, "to": g.removed_at})
                )
                it.facility = g.removed_at
            if g.removal == "conversion":
                steps.append(_Step(5, (g.id, it.index), "conversion", {"uid": it.uid, "result": g.words}))
                it.status = "converted"
            else:
                steps.append(_Step(5, (g.id, it.index), "elimination", {"uid": it.uid, "method": g.words}))
                del self.items[it.uid]
        staying = [it for it in members if it not in leaving]
        # 3. loading and unloading to the deployed target
        ranked = sorted(staying, key=lambda it: _deploy_key(g, it, i))
        chosen = ranked[: t.deployed]
        chosen_ids = {it.uid for it in chosen}
        for it in staying:
            if it.status == "deployed" and it.uid not in chosen_ids:
                steps.append(
                    _Step(3, (g.id, it.index), "status-change", {"uid": it.uid, "from": "deployed", "to": g.idle})
                )
                it.status, it.warheads = g.idle, 0
        if g.kind == "bomber":
            for it in chosen:
                if it.status != "deployed":
                    steps.append(
                        _Step(
                            6, (g.id, it.index), "status-change", {"uid": it.uid, "from": it.status, "to": "deployed"}
                        )
                    )
                    it.status = "deployed"
            return steps
        # 4. RVs: newly loaded missiles declare theirs; loads of missiles that stay change with the next update
        if chosen:
            average = max(1, round(t.rvs / len(chosen)))
            start = {it.uid: it.warheads if it.status == "deployed" else average for it in chosen}
            loads = _loads(t.rvs, chosen, start, top)
        for it in chosen:
            if it.status != "deployed":
                content = {"uid": it.uid, "from": it.status, "to": "deployed", "warheads": loads[it.uid]}
                steps.append(_Step(6, (g.id, it.index), "status-change", content))
                it.status = "deployed"
            elif loads[it.uid] != it.warheads:
                steps.append(_Step(7, (g.id, it.index), "warheads-change", {"uid": it.uid, "warheads": loads[it.uid]}))
            it.warheads = loads[it.uid]
        return steps

    def counts(self) -> dict[str, int]:
        """The three New START measures of the model (a cross-check of the ledger's own count)."""
        dv = w = launchers = 0
        for it in self.items.values():
            if it.status == "converted":
                continue
            launchers += 1
            if it.status == "deployed":
                dv += 1
                w += 1 if it.group.kind == "bomber" else it.warheads
        return {"deployed-delivery-vehicles": dv, "warheads": w, "launchers": launchers}


# ---------------------------------------------------------------------------------------------- timing and drafts


def _at(day: dt.date, seconds: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=seconds)


def _timed(steps: list[_Step], start: dt.date, end: dt.date) -> Iterator[tuple[dt.datetime, _Step]]:
    """Effective times for a period's steps: eight phases in turn across [start, end], spread over each phase's days."""
    span = (end - start).days + 1
    phases = 8
    for phase in range(phases):
        first = start + dt.timedelta(days=phase * span // phases)
        days = max(1, (phase + 1) * span // phases - phase * span // phases)
        mine = sorted((s for s in steps if s.phase == phase), key=lambda s: s.key)
        per_day: dict[int, list[_Step]] = {}
        for j, s in enumerate(mine):
            per_day.setdefault(j * days // len(mine), []).append(s)
        for offset, todays in sorted(per_day.items()):
            gap = 16 * 3600 // len(todays)
            for k, s in enumerate(todays):
                yield _at(first + dt.timedelta(days=offset), 6 * 3600 + k * gap), s


def _draft(
    kind: str, effective: dt.datetime, sent: dt.datetime, content: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    draft = {
        "type": kind,
        "sent": sent,
        "effective": effective,
        "treaty_ref": {"treaty": TREATY, "part": "Four", "section": _SECTION[kind]},
        "content": content,
    }
    draft.update({k: v for k, v in extra.items() if v})
    return draft


def _check_flags(accepted: list[Accepted], what: str) -> None:
    flagged = [(a.seq, f.kind, f.message) for a in accepted for f in a.flags]
    if flagged:
        raise DemoBuildError(f"{what}: {len(flagged)} flags, first {flagged[0]}")


def _check_counts(ledger: Ledger, fleet: _Fleet, day: dt.date) -> None:
    party = fleet.plan.party
    figures = published_figures(party)[day]
    treaty = get_treaty(TREATY)
    tally = count(to_force([ledger.state(party)], ledger.catalog, day), treaty)
    model = fleet.counts()
    for m in MEASURES:
        got = tally[(party, m)].total
        want = figures[m]
        if got != model[m] or (want is not None and got != want):
            raise DemoBuildError(f"{party} {day} {m}: ledger {got}, model {model[m]}, published {want}")


# ---------------------------------------------------------------------------------------------- building


def build_demo_ledger(ledger: Ledger, progress: Callable[[str], None] | None = None) -> None:
    """Register US and RU under New START with the public demo keys and submit the whole illustrative history.

    The ledger must hold both demo keys as signers (:func:`demo_keys`).
    """
    say = progress or (lambda _message: None)
    catalog = ledger.catalog
    plans = {"US": us_plan(catalog), "RU": ru_plan(catalog)}
    fleets = {p: _Fleet(plan, catalog) for p, plan in plans.items()}
    for p in plans:
        ledger.register(p, demo_key(p).public_key, TREATY)
    updates: dict[tuple[str, dt.date], int] = {}
    last_sent: dict[str, dt.datetime] = {}
    # initial data, sent 44 days after entry into force
    for hour, (p, fleet) in enumerate(fleets.items(), start=10):
        sent = _at(ENTRY_INTO_FORCE + dt.timedelta(days=44), hour * 3600)
        draft = _draft(
            "initial-data",
            _at(ENTRY_INTO_FORCE),
            sent,
            fleet.initial(),
            remarks=f"{LABEL}. Initial data as of entry into force; signed with a public demo key, never for real use.",
        )
        accepted = ledger.submit(p, [draft], origin=f"{p} initial data")
        _check_flags(accepted, f"{p} initial data")
        _check_counts(ledger, fleet, ENTRY_INTO_FORCE)
        updates[(p, ENTRY_INTO_FORCE)] = accepted[0].seq
        last_sent[p] = sent
    _receipts(ledger, updates, ENTRY_INTO_FORCE, last_sent)
    say(f"{ENTRY_INTO_FORCE}: initial data of US and RU")
    dates = demo_dates()
    for prev, day in itertools.pairwise(dates):
        for p, fleet in fleets.items():
            if day not in fleet.plan.dates:
                continue
            i = fleet.plan.dates.index(day)
            start = max(prev + dt.timedelta(days=28), last_sent[p].date() + dt.timedelta(days=1))
            last_sent[p] = _submit_period(ledger, fleet, i, start, day - dt.timedelta(days=3), last_sent[p])
            sent = _at(day + dt.timedelta(days=14), (10 if p == "US" else 11) * 3600)
            content = declaration_from_state(ledger.state(p))
            remarks = f"{LABEL}. Six-monthly update as of {day}."
            accepted = ledger.submit(p, [_draft("data-update", _at(day), sent, content, remarks=remarks)])
            _check_flags(accepted, f"{p} update as of {day}")
            _check_counts(ledger, fleet, day)
            updates[(p, day)] = accepted[0].seq
            last_sent[p] = sent
        _receipts(ledger, updates, day, last_sent)
        done = [p for p in fleets if (p, day) in updates]
        say(f"{day}: updates of {', '.join(done)}")


def _receipts(
    ledger: Ledger,
    updates: dict[tuple[str, dt.date], int],
    day: dt.date,
    last_sent: dict[str, dt.datetime],
) -> None:
    """Each party acknowledges the other's update (when both gave one)."""
    for p, other in (("US", "RU"), ("RU", "US")):
        if (p, day) not in updates or (other, day) not in updates:
            continue
        sent = max(last_sent.values()) + dt.timedelta(days=2)
        ref = {"party": other, "seq": updates[(other, day)]}
        draft = _draft("receipt", sent, sent, {"of": ref})
        _check_flags(ledger.submit(p, [draft]), f"{p} receipt")
        last_sent[p] = sent


def _submit_period(
    ledger: Ledger, fleet: _Fleet, i: int, start: dt.date, end: dt.date, last_sent: dt.datetime
) -> dt.datetime:
    """Exhibitions (their own batch, so that conversions can follow them), then the period's changes."""
    party = fleet.plan.party
    follows: list[dict[str, Any]] = []
    shows = fleet.plan.exhibitions.get(i, ())
    if shows:
        drafts = []
        for k, (system, facility, uids) in enumerate(shows):
            when = _at(start, (9 + k) * 3600)
            content = {"system": system, "facility": facility, "uids": list(uids)}
            drafts.append(_draft("exhibition", when, when + dt.timedelta(hours=2), content))
        accepted = ledger.submit(party, drafts, origin=f"{party} exhibitions")
        _check_flags(accepted, f"{party} exhibitions")
        follows = [{"party": party, "seq": a.seq} for a in accepted]
        start += dt.timedelta(days=1)
        last_sent = drafts[-1]["sent"]
    steps = fleet.period(i)
    drafts = []
    for effective, step in _timed(steps, start, end):
        refs = follows[:1] if step.type == "conversion" and step.content["uid"].startswith("US-B1B") else ()
        sent = effective + dt.timedelta(hours=26)
        drafts.append(_draft(step.type, effective, sent, step.content, follows=list(refs)))
    if drafts:
        accepted = ledger.submit(party, drafts, origin=f"{party} period to {fleet.plan.dates[i]}")
        _check_flags(accepted, f"{party} changes to {fleet.plan.dates[i]}")
        last_sent = drafts[-1]["sent"]
    return last_sent
