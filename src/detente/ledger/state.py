"""A party's declared state, and how each notification changes it.

:func:`apply` is the trusted path used by replay: it assumes the notification passed the rules in
:mod:`detente.ledger.rules` when it was appended, and works on the plain payload dict for speed. It is
deterministic, so replaying the same entries always yields the same state.

Time: a state ``as_of`` a moment holds the effect of every notification whose change took effect by then. A
notification may be sent after later-effective ones (a late notice), but never before its item's previous
change (rules), so filtering entries by effective time and applying them in sequence order gives, item by item,
a prefix of that item's history.

Replay is not validation: a stored entry is signed history, read as it was written, never judged again by rules
added since. What an entry leaves unsaid is read so:

1. An item declared without ``warheads`` carries none; without ``role``, it is nuclear.
2. An item declared without ``armament`` has its type's, where the type may be equipped for one only. Of a type
   that may be equipped for more than one (the catalog's ``armaments``: B-52G, B-52H), the rules refuse such a
   declaration (rule 8 of :mod:`detente.ledger.rules`), so the entry is older than that rule: it is read as
   equipped for the type's first armament (``armament``, ALCMs for the B-52s), which is what its writer meant
   when it left the field out (the catalog gave the type that one armament before it listed ``armaments``, and
   the force converter left out exactly that armament). That is an assumption, and it is named: the item's row
   of :func:`to_force` says so in its remarks (:data:`ASSUMED_ARMAMENT`), so counts of older ledgers are as
   they were, and where they rest on it can be seen.
3. A conversion leaves the item equipped for no nuclear armament (``none``).

A key rotation changes no declared item: the state keeps it (``rotations``, with its sequence number), so that the
writer knows which key signs the party's next entry (:mod:`detente.ledger.chain`, rule 4). A rotation takes effect
when it is sent (the rules), so a state as of a moment holds exactly the rotations sent by then. Commitments change
no declared item either: the state keeps the sequence number of each under its data date (``commitments``), so that
the rules refuse a second at the same date naming the first (rule 13). Both need the entry's sequence number, which
an entry's stored effect does not hold: they are *noted* from the payload (:data:`NOTES`), stored with no effect,
and read from their payloads by replay (:mod:`detente.ledger.chain`, rule 6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from detente.catalog.model import Armament, Catalog, SystemType
from detente.forces.model import Facility, Force, ForceInfo, ItemRow
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status
from detente.ledger.chain import COMMITMENTS, KEY_ROTATION, Rotation, rotation_of

ASSUMED_ARMAMENT = (
    "assumed: equipped for {armament}, the first armament of its type: its declaration states none, as "
    "declarations did before the ledger's rules asked for one (rule 2 of detente.ledger.state)"
)
"""The remark on a force row whose armament replay assumed (rule 2 above), given the armament assumed."""

# Statuses an item moves between by status-change; converted and eliminated are reached only by their own
# notifications, and nothing leaves eliminated.
_STATUS = {s.value: s for s in Status}
MOVABLE = frozenset({Status.DEPLOYED, Status.NON_DEPLOYED, Status.TEST, Status.TRAINING, Status.REPAIR})


@dataclass
class ItemState:
    """One declared item as it stands."""

    uid: str
    system: str
    kind: Kind
    status: Status
    facility: str
    warheads: int = 0
    armament: Armament | None = None
    role: Role = Role.NUCLEAR
    since: str = ""  # effective time (canonical text) of the item's last change
    pending_warheads: int | None = None  # a notified change of warheads awaiting the next update


@dataclass
class FacilityState:
    """A declared facility and whether it is open."""

    id: str
    kind: FacilityKind
    name: str = ""
    location: str = ""
    open: bool = True


@dataclass
class PartyState:
    """Everything one party has declared, as of some moment."""

    party: str
    items: dict[str, ItemState] = field(default_factory=dict)
    facilities: dict[str, FacilityState] = field(default_factory=dict)
    seq: int = 0
    head: str = "0" * 64
    last_sent: str = ""
    last_update: str = ""  # effective time of the latest initial data or six-monthly update applied
    latest_effective: str = ""  # the latest effective time of any notification applied
    retired: set[str] = field(default_factory=set)  # uids eliminated: never reused
    inspections: list[tuple[str, str]] = field(default_factory=list)  # (time, type) of inspections it conducted
    # system types its data exchanges declared (id → definition as signed), and the effective time of the first
    systems: dict[str, dict[str, Any]] = field(default_factory=dict)
    systems_since: dict[str, str] = field(default_factory=dict)
    rotations: list[Rotation] = field(default_factory=list)  # its key rotations, in sequence order
    commitments: dict[str, int] = field(default_factory=dict)  # data date → sequence number of its commitments
    _catalog: tuple[Catalog, int, Catalog] | None = field(default=None, repr=False, compare=False)

    def copy(self) -> PartyState:
        """An independent copy (items and facilities copied one level deep)."""
        return replace(
            self,
            items={k: replace(v) for k, v in self.items.items()},
            facilities={k: replace(v) for k, v in self.facilities.items()},
            retired=set(self.retired),
            inspections=list(self.inspections),
            systems=dict(self.systems),
            systems_since=dict(self.systems_since),
            rotations=list(self.rotations),
            commitments=dict(self.commitments),
        )


def party_catalog(base: Catalog, state: PartyState) -> Catalog:
    """The party's catalog: ``base`` (the writer's) and the types the party's data exchanges declared.

    Trusted like :func:`apply`: the rules refused any declared type that clashes with a known one, and a declared
    type equal to one of ``base`` adds nothing. Kept on the state until it declares another type.
    """
    if not state.systems:
        return base
    cached = state._catalog
    if cached is not None and cached[0] is base and cached[1] == len(state.systems):
        return cached[2]
    own = [SystemType.model_validate(d) for i, d in state.systems.items() if i not in base]
    catalog = base.merged(Catalog(own)) if own else base
    state._catalog = (base, len(state.systems), catalog)
    return catalog


def _declare_systems(state: PartyState, content: dict[str, Any], effective: str) -> None:
    for definition in content.get("systems", ()):
        if definition["id"] not in state.systems:
            state.systems[definition["id"]] = definition
            state.systems_since[definition["id"]] = effective


def item_from_decl(decl: dict[str, Any], since: str) -> ItemState:
    """An item state from a declared item (a payload dict)."""
    armament = decl.get("armament")
    return ItemState(
        uid=decl["uid"],
        system=decl["system"],
        kind=Kind(decl["kind"]),
        status=Status(decl["status"]),
        facility=decl["facility"],
        warheads=int(decl.get("warheads", 0)),
        armament=None if armament is None else Armament(armament),
        role=Role(decl.get("role", "nuclear")),
        since=since,
    )


def _declare(state: PartyState, content: dict[str, Any], effective: str) -> None:
    state.facilities = {
        f["id"]: FacilityState(f["id"], FacilityKind(f["kind"]), f.get("name", ""), f.get("location", ""))
        for f in content["facilities"]
    }
    state.items = {d["uid"]: item_from_decl(d, effective) for d in content["items"]}
    state.last_update = effective
    _declare_systems(state, content, effective)


def _update(state: PartyState, content: dict[str, Any], effective: str) -> None:
    """A six-monthly update: declared warheads take effect on deployed launchers not changed since its date."""
    for decl in content["items"]:
        item = state.items.get(decl["uid"])
        if item is None or item.since > effective:
            continue
        if item.kind is Kind.LAUNCHER and item.status is Status.DEPLOYED:
            item.warheads = int(decl.get("warheads", 0))
            item.pending_warheads = None
    for f in content["facilities"]:
        if f["id"] not in state.facilities:
            state.facilities[f["id"]] = FacilityState(f["id"], FacilityKind(f["kind"]), f.get("name", ""))
    state.last_update = max(state.last_update, effective)
    _declare_systems(state, content, effective)


def _new_item(state: PartyState, content: dict[str, Any], effective: str) -> None:
    state.items[content["item"]["uid"]] = item_from_decl(content["item"], effective)


_LAUNCHER, _DEPLOYED = Kind.LAUNCHER, Status.DEPLOYED  # an enum member read from its class costs 0.2 µs in 3.11


def _status_change(state: PartyState, content: dict[str, Any], effective: str) -> None:
    item = state.items[content["uid"]]
    item.status = status = _STATUS[content["to"]]
    item.pending_warheads = None  # the missile a pending change was for is loaded or unloaded now
    if item.kind is _LAUNCHER:
        item.warheads = int(content.get("warheads", 0)) if status is _DEPLOYED else 0
    item.since = effective


def _movement(state: PartyState, content: dict[str, Any], effective: str) -> None:
    item = state.items[content["uid"]]
    item.facility = content["to"]
    item.since = effective


def _conversion(state: PartyState, content: dict[str, Any], effective: str) -> None:
    item = state.items[content["uid"]]
    item.status = Status.CONVERTED
    item.warheads = 0
    item.pending_warheads = None
    if item.kind is Kind.BOMBER:
        item.armament = Armament.NONE
    item.since = effective


def _elimination(state: PartyState, content: dict[str, Any], _effective: str) -> None:
    state.retired.add(state.items.pop(content["uid"]).uid)


def _warheads_change(state: PartyState, content: dict[str, Any], _effective: str) -> None:
    state.items[content["uid"]].pending_warheads = int(content["warheads"])


def _inspection(state: PartyState, content: dict[str, Any], effective: str) -> None:
    state.inspections.append((effective, content["inspection_type"]))


def _facility_change(state: PartyState, content: dict[str, Any], _effective: str) -> None:
    f = content["facility"]
    if content["action"] == "opened":
        state.facilities[f["id"]] = FacilityState(f["id"], FacilityKind(f["kind"]), f.get("name", ""))
    else:
        state.facilities[f["id"]].open = False


def _nothing(_state: PartyState, _content: dict[str, Any], _effective: str) -> None:
    """Receipts and exhibitions change no declared item."""


Effect = Callable[[PartyState, dict[str, Any], str], None]

EFFECTS: dict[str, Effect] = {
    "initial-data": _declare,
    "data-update": _update,
    "new-item": _new_item,
    "status-change": _status_change,
    "movement": _movement,
    "conversion": _conversion,
    "elimination": _elimination,
    "warheads-change": _warheads_change,
    "inspection": _inspection,
    "facility-change": _facility_change,
}
"""What each type of notification does to a state, given its content and effective time (the trusted path)."""


def effect_of(kind: str) -> Effect:
    """The change a type of notification makes (none for types that declare nothing, such as receipts)."""
    return EFFECTS.get(kind, _nothing)


def note_rotation(state: PartyState, payload: dict[str, Any]) -> None:
    """Keep a key rotation's payload on the state (its effect, which needs its sequence number)."""
    state.rotations.append(rotation_of(payload))


def note_commitments(state: PartyState, payload: dict[str, Any]) -> None:
    """Keep the sequence number of a party's commitments under their data date (rule 13 refuses a second)."""
    state.commitments[payload["content"]["data_date"]] = payload["seq"]


Note = Callable[[PartyState, dict[str, Any]], None]

NOTES: dict[str, Note] = {KEY_ROTATION: note_rotation, COMMITMENTS: note_commitments}
"""What the types whose effect needs the entry's sequence number do to a state, given the whole payload.

They are stored with no effect (chain rule 6), so replay reads their payloads and notes them here.
"""


def apply(state: PartyState, payload: dict[str, Any], entry_hash: str) -> None:
    """Apply one appended notification to a state (trusted: the rules were checked at append)."""
    effective, kind = payload["effective"], payload["type"]
    EFFECTS.get(kind, _nothing)(state, payload["content"], effective)
    note = NOTES.get(kind)  # a lookup, not a comparison per noted type: the text's hash is kept from the one above
    if note is not None:
        note(state, payload)
    state.seq = payload["seq"]
    state.head = entry_hash
    if effective > state.latest_effective:  # noqa: PLR1730 - max() costs a call on replay's hottest line
        state.latest_effective = effective
    state.last_sent = payload["sent"]


def to_force(states: list[PartyState], catalog: Catalog, as_of: dt.date | None = None, title: str = "") -> Force:
    """The declared items of one or more parties as a force, ready to count (each with its party's catalog)."""
    rows: list[ItemRow] = []
    facilities: list[Facility] = []
    base = catalog
    for state in states:
        catalog = party_catalog(base, state)
        facilities += [Facility(f.id, state.party, f.kind, f.name, f.location) for f in state.facilities.values()]
        for item in state.items.values():
            system = catalog.get(item.system)
            armament, remarks = item.armament, ""
            if armament is None:  # rule 2 above
                armament = system.armament
                if system.default_armament is None:
                    remarks = ASSUMED_ARMAMENT.format(armament=armament.value)
            rows.append(
                ItemRow(
                    party=state.party,
                    system=system,
                    kind=item.kind,
                    status=item.status,
                    uid=item.uid,
                    facility=item.facility,
                    warheads=item.warheads,
                    armament=armament,
                    # capacity is the type's where the bomber carries ALCMs, none where it is equipped otherwise
                    alcm_capacity=system.alcm_capacity if armament is Armament.ALCM else 0,
                    role=item.role,
                    source=f"ledger {state.party} seq {state.seq}",
                    remarks=remarks,
                )
            )
    info = ForceInfo(title=title or "declared state from the ledger", label="ledger replay", as_of=as_of)
    return Force.from_rows(rows, facilities, info, [s.party for s in states])
