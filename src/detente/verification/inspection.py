"""The inspection workflow: plan an inspection, write its findings, report discrepancies and quota use.

1. **Plan.** The inspecting party picks a site of the other party — or draws one, seeded, with weights by facility
   or facility kind — among the sites its inspection type may visit that the other party had declared and open
   at that moment (and, for types that visit only sites without deployed items, holding none). For types that
   count warheads, the designated missiles are drawn from the deployed launchers declared at the site.
2. **Record.** Findings become an ``inspection`` notification in the inspecting party's ledger; the ledger's rule
   11 refuses an unknown type, a site the type may not visit, or an inspection past its quota for the treaty year,
   and flags each discrepancy (:mod:`detente.ledger.findings`).
3. **Report.** Every recorded inspection, with the discrepancies recomputed from the ledger (the same
   comparison), and quota use per treaty year.
4. **Escrow.** Where the site's declaration was escrowed, the verified opening for that facility is compared
   with the items seen: opened but not seen, seen but not opened.

Nothing here reads a clock or a file: times and states come from the caller.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.errors import InspectionError, Location
from detente.forces.vocabulary import Kind, Status
from detente.ledger.findings import Discrepancy, compare
from detente.ledger.notifications import Type, format_time
from detente.ledger.port import LedgerStore
from detente.ledger.replay import replay_store
from detente.ledger.state import FacilityState, ItemState, PartyState
from detente.treaty.inspections import InspectionRegime, InspectionType, treaty_year, year_bounds
from detente.treaty.load import get_treaty
from detente.treaty.model import Treaty
from detente.trust.escrow import compare_with_findings


@dataclass(frozen=True)
class Plan:
    """An inspection to carry out: by whom, of whom, which type, where, when, and the designated missiles."""

    inspector: str
    inspected: str
    itype: InspectionType
    site: FacilityState
    at: dt.datetime
    designated: tuple[str, ...]
    selection: str  # "chosen" or "random"
    candidates: int  # how many sites it could have gone to


@dataclass(frozen=True)
class QuotaUse:
    """One inspection type in one treaty year: used, allowed, left."""

    year: int
    start: dt.date
    end: dt.date
    itype: InspectionType
    used: int

    @property
    def left(self) -> int:
        """Inspections of the type still allowed in the year."""
        return max(self.itype.quota - self.used, 0)


@dataclass(frozen=True)
class Report:
    """A recorded inspection and its discrepancies."""

    seq: int
    inspector: str
    inspected: str
    itype: str
    site: str
    at: str
    year: int
    seen: int
    discrepancies: tuple[Discrepancy, ...]


def regime_of(treaty: Treaty) -> InspectionRegime:
    """The treaty's inspection regime, or an error saying the treaty has none."""
    if treaty.inspections is None:
        raise InspectionError(f"{treaty.title} has no inspection regime", hint="add an [inspections] table")
    return treaty.inspections


def inspection_type(treaty: Treaty, type_id: str) -> InspectionType:
    """An inspection type by id, or an error listing the treaty's types."""
    regime = regime_of(treaty)
    found = regime.type(type_id)
    if found is None:
        known = ", ".join(t.id for t in regime.types)
        raise InspectionError(
            f"unknown inspection type {type_id!r}", Location(field="type"), f"{treaty.title}: {known}"
        )
    return found


def eligible_sites(itype: InspectionType, inspected: PartyState) -> list[FacilityState]:
    """The sites an inspection of this type may visit, in facility-id order."""
    deployed_at = Counter(i.facility for i in inspected.items.values() if i.status is Status.DEPLOYED)
    designable = Counter(i.facility for i in inspected.items.values() if _designable(i))
    return [
        f
        for f in sorted(inspected.facilities.values(), key=lambda f: f.id)
        if f.open
        and f.kind in itype.facility_kinds
        and not (itype.only_non_deployed and deployed_at[f.id])
        and designable[f.id] >= itype.designated
    ]


def _designable(item: ItemState) -> bool:
    return item.status is Status.DEPLOYED and item.kind in (Kind.LAUNCHER, Kind.BOMBER)


def designable(inspected: PartyState, site: str) -> list[str]:
    """Uids of the deployed launchers and bombers declared at a site, sorted: what inspectors may designate."""
    return sorted(i.uid for i in inspected.items.values() if i.facility == site and _designable(i))


def plan(
    treaty: Treaty,
    type_id: str,
    inspector: str,
    inspected: PartyState,
    at: dt.datetime,
    *,
    site: str | None = None,
    seed: int | None = None,
    weights: Mapping[str, float] | None = None,
) -> Plan:
    """Plan one inspection (step 1): the chosen ``site``, or one drawn with ``seed`` and ``weights``.

    ``weights`` maps facility ids or facility kinds to non-negative weights (a facility's own weight wins over
    its kind's; anything unnamed weighs 1). The same seed gives the same plan.
    """
    itype = inspection_type(treaty, type_id)
    dates = treaty.dates
    if dates.entry_into_force is not None and at.date() < dates.entry_into_force:
        raise InspectionError(f"{treaty.title} entered into force on {dates.entry_into_force}, after {at:%Y-%m-%d}")
    if dates.expires is not None and at.date() >= dates.expires:
        raise InspectionError(f"{treaty.title} expired on {dates.expires}: no inspection on {at:%Y-%m-%d}")
    sites = eligible_sites(itype, inspected)
    if not sites:
        raise InspectionError(f"{inspected.party} has no site a {itype.name} inspection may visit at {at:%Y-%m-%d}")
    rng = np.random.default_rng(seed)
    if site is not None:
        found = next((f for f in sites if f.id == site), None)
        if found is None:
            raise InspectionError(_why_not(site, itype, inspected), Location(field="site"))
        chosen, selection = found, "chosen"
    else:
        p = _weights(sites, weights or {})
        chosen, selection = sites[int(rng.choice(len(sites), p=p))], "random"
    designated: tuple[str, ...] = ()
    if itype.designated:
        launchers = designable(inspected, chosen.id)
        picks = rng.choice(len(launchers), size=itype.designated, replace=False)
        designated = tuple(launchers[int(i)] for i in sorted(picks))
    return Plan(inspector, inspected.party, itype, chosen, at, designated, selection, len(sites))


def _why_not(site: str, itype: InspectionType, inspected: PartyState) -> str:
    facility = inspected.facilities.get(site)
    if facility is None:
        return f"{inspected.party} has declared no facility {site!r}"
    if not facility.open:
        return f"{site} is closed"
    if facility.kind not in itype.facility_kinds:
        return f"a {itype.name} inspection may not visit a {facility.kind.value} ({site})"
    if itype.only_non_deployed:
        return f"{site} holds deployed items; a {itype.name} inspection visits only sites without"
    return f"{site} has fewer than {itype.designated} deployed missiles or bombers to designate"


def _weights(sites: Sequence[FacilityState], weights: Mapping[str, float]) -> np.ndarray[Any, np.dtype[np.float64]]:
    values = np.array([weights.get(f.id, weights.get(f.kind.value, 1.0)) for f in sites], dtype=np.float64)
    if (values < 0).any() or not np.isfinite(values).all():
        raise InspectionError("weights must be finite and not negative", Location(field="weights"))
    if values.sum() <= 0:
        raise InspectionError("every eligible site weighs 0: nothing can be drawn", Location(field="weights"))
    normalised: np.ndarray[Any, np.dtype[np.float64]] = values / values.sum()
    return normalised


def declared_findings(plan_: Plan, inspected: PartyState) -> dict[str, Any]:
    """The findings an inspection would record if the site matched its declaration exactly (a template)."""
    here = sorted((i for i in inspected.items.values() if i.facility == plan_.site.id), key=lambda i: i.uid)
    designated = []
    for uid in plan_.designated:
        item = inspected.items[uid]
        warheads = item.pending_warheads if item.pending_warheads is not None else item.warheads
        designated.append({"uid": uid, "warheads": warheads})
    return {
        "inspected": plan_.inspected,
        "inspection_type": plan_.itype.id,
        "site": plan_.site.id,
        "seen": [{"uid": i.uid, "system": i.system, "status": i.status.value} for i in here],
        "designated": designated,
        "selection": plan_.selection,
    }


def notification(
    findings: dict[str, Any], at: dt.datetime, sent: dt.datetime | None = None, treaty: str = ""
) -> dict[str, Any]:
    """An ``inspection`` notification draft from findings (step 2), ready for :meth:`Ledger.submit`."""
    draft: dict[str, Any] = {
        "type": Type.INSPECTION.value,
        "effective": format_time(at),
        "sent": format_time(sent or at),
        "content": findings,
    }
    if treaty:
        draft["treaty_ref"] = {"treaty": treaty, "part": "Five"}
    return draft


def quota_use(
    treaty: Treaty, inspections: Iterable[tuple[str, str]], year: int | None = None, on: dt.date | None = None
) -> list[QuotaUse]:
    """Quota use per type for one treaty year (``year``, or the year of ``on``), from (time, type) pairs."""
    regime = regime_of(treaty)
    eif = treaty.dates.entry_into_force
    if eif is None:
        raise InspectionError(f"{treaty.title} has no date of entry into force: no treaty years")
    if year is None:
        year = treaty_year(eif, on or eif)
    if year < 1:
        raise InspectionError(f"treaty years start at 1 (entry into force {eif}), not {year}", Location(field="year"))
    start, end = year_bounds(eif, year)
    done = [tid for when, tid in inspections if start <= dt.date.fromisoformat(when[:10]) <= end]
    return [QuotaUse(year, start, end, t, done.count(t.id)) for t in regime.types]


def report(treaty: Treaty, seq: int, payload: dict[str, Any], inspected_then: PartyState) -> Report:
    """One recorded inspection with its discrepancies (step 3), given the inspected state at its time."""
    content = payload["content"]
    itype = inspection_type(treaty, content["inspection_type"])
    eif = treaty.dates.entry_into_force
    year = treaty_year(eif, dt.date.fromisoformat(payload["effective"][:10])) if eif else 0
    found = compare(content, inspected_then, itype)
    return Report(
        seq,
        payload["party"],
        content["inspected"],
        itype.id,
        content["site"],
        payload["effective"],
        year,
        len(content["seen"]),
        tuple(found),
    )


def reports(store: LedgerStore, parties: Iterable[str]) -> list[Report]:
    """Every inspection recorded in the logs of ``parties``, in log order, with its discrepancies recomputed.

    Each is judged against the inspected party's state replayed to the inspection's time, under the treaty the
    inspecting party is registered with.
    """
    treaties = {r.party: r.treaty for r in store.parties()}
    found = []
    for party in parties:
        treaty = get_treaty(treaties[party])
        for entry in store.entries(party):
            payload = entry.notification()
            if payload["type"] != Type.INSPECTION:
                continue
            inspected = replay_store(store, payload["content"]["inspected"], payload["effective"])
            found.append(report(treaty, entry.seq, payload, inspected))
    return found


def match_opening(opened_items: Sequence[dict[str, Any]], findings: dict[str, Any]) -> dict[str, list[str]]:
    """Step 4: a verified escrow opening for the site against the items seen there.

    The opening must be for the inspected site: every opened item is declared at it.
    """
    site = findings["site"]
    elsewhere = sorted(str(it.get("uid")) for it in opened_items if it.get("facility") != site)
    if elsewhere:
        raise InspectionError(f"the opening holds items not at {site}: {', '.join(elsewhere[:3])}")
    return compare_with_findings(opened_items, (s["uid"] for s in findings["seen"]))
