"""Turning a force file into an initial-data notification, and a ledger state back into a declaration.

Ledgers hold items one by one, each with its unique identifier. Rows of a force file that have no identifier
(aggregate rows) get generated ones, ``PARTY-SYSTEM-NNNNNN`` numbered per party and type in file order; rows
without a facility are placed at the party's ``PARTY-undeclared`` facility. Both are stated in the
notification's remarks.

A declaration carries, in ``systems``, the types its items name that the built-in catalog does not hold as they
are: the other party's software has the built-in catalog and nothing else, so those are the types it must be
told, and a force that names only built-in types declares exactly what it declared before ``systems`` existed.

An item states its ``armament`` where it is not its type's one armament, and always where the type may be
equipped for more than one (B-52G, B-52H: the force file had to say which, and the ledger's rule 8 asks it of the
declaration too); other items leave it out, as they always did. A declaration of a state states the armament
the ledger holds; an item of an older entry that stated none is declared with none, not with the armament replay
assumes for it, so the rules ask the party to say which rather than sign the assumption for it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from detente.catalog.load import builtin_catalog
from detente.catalog.model import SystemType
from detente.forces.model import Force
from detente.forces.vocabulary import FacilityKind
from detente.ledger.state import PartyState


def declaration_from_force(force: Force, party: str) -> dict[str, Any]:
    """The content of an initial-data notification declaring one party's items of a force."""
    if party not in force.parties:
        from detente.errors import ForceError  # noqa: PLC0415

        raise ForceError(f"the force has no items of party {party!r}", hint=f"its parties: {', '.join(force.parties)}")
    facilities = [
        {"id": f.id, "kind": f.kind.value, "name": f.name, "location": f.location}
        for f in force.facilities
        if f.party == party
    ]
    undeclared = f"{party}-undeclared"
    numbers: Counter[str] = Counter()
    used = {u for u in force.uid if u}
    items = []
    named: dict[str, SystemType] = {}
    for row in force.rows():
        if row.party != party:
            continue
        named[row.system.id] = row.system
        for _ in range(row.count):
            uid = row.uid
            while uid is None or (uid in used and row.uid is None):
                numbers[row.system.id] += 1
                uid = f"{party}-{row.system.id}-{numbers[row.system.id]:06d}"
            used.add(uid)
            decl: dict[str, Any] = {
                "uid": uid,
                "system": row.system.id,
                "kind": row.kind.value,
                "status": row.status.value,
                "facility": row.facility or undeclared,
                "warheads": row.warheads,
            }
            if row.armament is not row.system.default_armament:  # always where the type has several
                decl["armament"] = row.armament.value
            if row.role.value != "nuclear":
                decl["role"] = row.role.value
            items.append(decl)
    if any(i["facility"] == undeclared for i in items):
        facilities.append({"id": undeclared, "kind": FacilityKind.UNDECLARED.value, "name": "no facility given"})
    declared = {"facilities": facilities, "items": [i for i in items if i["status"] != "eliminated"]}
    builtin = builtin_catalog()
    own = [system_definition(s) for s in named.values() if builtin.find(s.id) != s]
    if own:
        declared["systems"] = own
    return declared


def system_definition(system: SystemType) -> dict[str, Any]:
    """A system type as a declaration's ``systems`` holds it: the fields a force file would give, defaults left out."""
    return system.model_dump(mode="json", exclude_defaults=True)


def initial_data(force: Force, party: str, effective: dt.datetime, sent: dt.datetime) -> dict[str, Any]:
    """An initial-data notification draft from a force file."""
    return {
        "type": "initial-data",
        "party": party,
        "sent": sent,
        "effective": effective,
        "treaty_ref": {"part": "Four", "section": "initial data"},
        "content": declaration_from_force(force, party),
        "remarks": "from a force file; identifiers PARTY-SYSTEM-NNNNNN and facility PARTY-undeclared are generated",
    }


def declaration_from_state(state: PartyState) -> dict[str, Any]:
    """A full declaration of a state, as a six-monthly update's content."""
    facilities = [
        {"id": f.id, "kind": f.kind.value, "name": f.name, "location": f.location}
        for f in state.facilities.values()
        if f.open
    ]
    items = []
    for item in state.items.values():
        decl: dict[str, Any] = {
            "uid": item.uid,
            "system": item.system,
            "kind": item.kind.value,
            "status": item.status.value,
            "facility": item.facility,
            "warheads": item.pending_warheads if item.pending_warheads is not None else item.warheads,
        }
        if item.armament is not None:
            decl["armament"] = item.armament.value
        if item.role.value != "nuclear":
            decl["role"] = item.role.value
        items.append(decl)
    declared: dict[str, Any] = {"facilities": facilities, "items": items}
    if state.systems:  # every type it declared so far: an update is a full declaration
        declared["systems"] = list(state.systems.values())
    return declared
