"""The rules a notification must meet to be appended to a party's ledger.

Checked in this order; the first broken rule refuses the notification, which then changes nothing. The error
names the field and the rule (in brackets).

1. [schema] The notification matches its type's schema (:mod:`detente.ledger.notifications`).
2. [sender] It is sent by the ledger's party.
3. [sequence] Its sequence number is one more than the last; its ``prev`` is the hash of the last entry.
4. [order] It is not sent before the previous notification, and its change does not take effect before the
   previous change of any item it touches (notices may be late, but an item's history runs forward). Nothing is
   sent or takes effect on or after the day the treaty expired (a notification under a treaty no longer in force
   is not one), and, where the writer is given a clock, nothing is sent later than the clock's time plus
   ``CLOCK_TOLERANCE``: a notification dated in the future would block every later one for good.
5. [initial] The first notification is initial data, and there is only one.
6. [references] Every notification it follows exists (earlier in this ledger, or in the other party's);
   a receipt acknowledges another party's existing notification.
7. [declaration] In initial data and updates: facility ids and item uids are unique, and every item is at a
   declared facility. The system types it declares (``systems``) are sound type definitions; a type already known
   to the party's catalog (the writer's, and the types its earlier data exchanges declared) is declared exactly
   as it was, and a new one's names name no other type. A type id names one type in a ledger: a type another
   party's data exchanges declared is declared exactly as that party did (the refusal names both declarations).
8. [item] Items named exist (and are not eliminated); a new item's uid was never used; system types exist in
   the party's catalog (a new item's type declared by a data exchange in effect by then) and fit the item's kind;
   warheads stay within the type's maximum RVs. A declared item's ``armament`` (initial data, updates, new
   items) is one its type may be equipped for, or ``none``, which a converted item carries, and only a converted
   one (a bomber leaves nuclear armament by a conversion). An item of a type that may be equipped for more than
   one (the catalog's ``armaments``: B-52G and B-52H carried ALCMs or only bombs) states which, whatever its
   status: treaties count the two differently (START I: up to 10 or 1), so it is never taken from the type.
   Stored entries are history and are not judged again: replay reads an older entry that states none as
   :mod:`detente.ledger.state` says (rule 2 there).
9. [facility] Facilities named are declared and open, and may hold the type (ICBMs at ICBM bases, SLBMs at
   submarine bases, bombers at air bases; any type at storage, repair, production, conversion or elimination
   facilities, test ranges and training sites); a facility closes only when empty.
10. [state] The item state machine: status changes move among deployed, non-deployed, test, training and repair,
    from the status the ledger holds; converted items never return to those (a converted bomber carries no
    nuclear armament); eliminated items never return; a launcher becoming deployed declares its RVs; a
    change of warheads is for a deployed launcher.
11. [inspection] An inspection report names a type of the treaty's inspection regime, within its quota for the
    treaty year of the inspection; another registered party; a site that party had declared and open at that
    time, of a kind the type may visit (holding no deployed item, for types that visit only such sites); and, for
    types that count warheads, exactly the number of designated missiles the type allows, each a deployed
    launcher or bomber the inspected party had declared at that site. Items seen are listed once each.
12. [key] A key rotation takes effect when it is sent (``effective`` is ``sent``) and names, in ``public_key``,
    an Ed25519 public key (a point of the curve, not one of small order) that the party never held (its registered
    key, or one an earlier rotation named) and that no other party of the ledger holds or held, registered or
    rotated to: one key signs for one party, ever. It is signed, like every entry, by the party's current key; the
    entries after it, and the party's checkpoints from its size on, are signed by the key it names (chain rule 4 of
    :mod:`detente.ledger.chain`). With ``revoke_previous_as_of``, the key it replaces is revoked as of that time,
    after which nothing it signs is accepted, but this rotation: its last act, which puts a stop to it. So the time
    is not after the rotation is sent, nor before an entry that key signed was sent: those entries are in the
    ledger for good, and a revocation dated before them would make the ledger refuse its own history.
13. [commitments] Commitments (a party's Pedersen commitments at a data date, which the experimental compliance
    proofs start from) take effect at their data date (``effective`` is ``data_date`` at 00:00:00Z), and a party
    commits once per data date: a second for the date is refused, naming the first. Their ``measures`` are measures
    of the party's treaty, each listed once; their ``facilities`` are exactly the facilities the party had declared
    and not closed at the data date (all of them: a total added up from the commitments must leave none out), each
    with a commitment to every listed measure and to no other, each one a point of
    the group that :meth:`detente.crypto.pedersen.Point.from_bytes` accepts (canonical, of the prime-order
    subgroup, not the identity nor of small order): a commitment no proof could be made from would stand in the
    ledger for good. Once a party has committed at a data date, none of its notifications that change items or
    facilities may take effect at or before that date's start: the holdings the commitments are about are settled.
    The scheme, the data date's form, the number of facilities (1 to 10,000) and each facility's
    keys and ``capacity`` (a whole number of warheads, 0 to 10**6) are the schema's (rule 1).

Accepted notifications may carry flags: [late] when sent after the treaty's deadline, and [discrepancy] for
each difference between a six-monthly update and the state replayed to its date, or between an inspection's
findings and the inspected party's declaration at the time (:mod:`detente.ledger.findings`).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nacl.bindings import crypto_core_ed25519_is_valid_point
from pydantic import ValidationError

from detente.catalog.model import Armament, Catalog, Category, SystemType
from detente.crypto.keys import fingerprint
from detente.crypto.pedersen import Point
from detente.errors import CatalogError, Location, NotificationError, VerificationError
from detente.forces.vocabulary import FacilityKind, Kind, Status
from detente.ledger.findings import compare
from detente.ledger.notifications import Type
from detente.ledger.state import MOVABLE, PartyState, party_catalog
from detente.treaty.inspections import InspectionRegime, treaty_year
from detente.treaty.model import NotificationRules

CLOCK_TOLERANCE = dt.timedelta(minutes=10)
"""How far ahead of the writer's clock a notification may be sent: clocks of two honest parties differ by less."""

HOLDS: dict[FacilityKind, frozenset[Category] | None] = {
    FacilityKind.ICBM_BASE: frozenset({Category.ICBM}),
    FacilityKind.SUBMARINE_BASE: frozenset({Category.SLBM}),
    FacilityKind.AIR_BASE: frozenset({Category.HEAVY_BOMBER}),
    FacilityKind.SPACE_LAUNCH: frozenset({Category.ICBM, Category.SLBM}),
}  # kinds not listed hold any type

# Members used on the hot path are module constants: reading an enum member from its class costs 0.2 µs in 3.11.
_INITIAL, _UPDATE, _CONVERSION = Type.INITIAL_DATA, Type.DATA_UPDATE, Type.CONVERSION
_DEPLOYED, _CONVERTED, _LAUNCHER = Status.DEPLOYED, Status.CONVERTED, Kind.LAUNCHER
_NO_ARMAMENT = Armament.NONE
_GONE = frozenset({Status.CONVERTED, Status.ELIMINATED})


@dataclass(frozen=True)
class Flag:
    """Something noted about an accepted notification: it was late, or an update differs from the ledger."""

    kind: str  # "late" or "discrepancy"
    message: str
    uid: str | None = None
    detail: str = ""  # for discrepancies: missing, undeclared, wrong-status, wrong-warheads, wrong-facility


@dataclass(frozen=True)
class Context:
    """What the rules need beyond the party's current state."""

    catalog: Catalog  # the writer's; each party's adds the types its data exchanges declared (party_catalog)
    rules: NotificationRules
    entry_exists: Callable[[str, int], bool]  # (party, seq) → is there such a notification?
    state_at: Callable[[str], PartyState]  # effective time → the party's state replayed to it
    entry_into_force: dt.date | None = None
    inspections: InspectionRegime | None = None
    party_state_at: Callable[[str, str], PartyState | None] | None = None  # (party, time) → state, None if unknown
    expires: dt.date | None = None  # the treaty's first day no longer in force
    latest_sent: str | None = None  # the writer's clock plus CLOCK_TOLERANCE, canonical text; None: no clock
    # the ledger's registered parties, whose declared types rule 7 checks a declared type against; None: the
    # writer names none, and only the party's own catalog is checked
    parties: Callable[[], Iterable[str]] | None = None
    registered_key: bytes | None = None  # the party's registered key (rule 12); None: the writer names none
    keys_of_others: Callable[[], dict[bytes, str]] | None = None  # every key other parties held → that party
    # the ids of the measures of the party's treaty, in the treaty's order (rule 13); None: the writer names none
    measures: tuple[str, ...] | None = None


def _fail(rule: str, why: str, field: str, hint: str | None = None) -> NotificationError:
    return NotificationError(f"[{rule}] {why}", Location(field=field), hint)


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _uids(payload: dict[str, Any]) -> list[str]:
    content = payload["content"]
    if payload["type"] == "new-item":
        return [content["item"]["uid"]]
    return [content["uid"]] if "uid" in content else []


def _check_item_decl(decl: dict[str, Any], catalog: Catalog, where: str, facilities: dict[str, FacilityKind]) -> None:
    system = catalog.find(decl["system"])
    if system is None:
        raise _fail("item", f"unknown system {decl['system']!r}", f"{where}.system")
    if (decl["kind"] == Kind.BOMBER) != (system.category is Category.HEAVY_BOMBER):
        raise _fail("item", f"kind {decl['kind']!r} does not fit {system.name}", f"{where}.kind")
    if decl["kind"] != Kind.BOMBER and 0 < system.max_rvs < decl.get("warheads", 0):
        raise _fail(
            "item",
            f"{decl['warheads']} warheads exceed the {system.max_rvs} RVs of a {system.name}",
            f"{where}.warheads",
        )
    if decl["status"] == Status.ELIMINATED:
        raise _fail("declaration", "an eliminated item is no longer declared", f"{where}.status")
    _check_armament(decl, system, f"{where}.armament")
    _check_holds(decl["system"], decl["facility"], facilities, catalog, f"{where}.facility")


def _check_armament(decl: dict[str, Any], system: SystemType, field: str) -> None:
    """Rule 8's armament: stated where the type has several; one the type may carry, or none when converted."""
    stated, possible = decl.get("armament"), system.possible_armaments
    if stated is None and len(possible) == 1:
        return  # the type's one armament: nothing is left to guess
    status, uid = decl["status"], decl["uid"]
    allowed = " or ".join(a.value for a in possible)
    if stated is None:
        why = (
            f"item {uid!r} states no armament: a {system.name} may be equipped for {allowed}, and treaties count "
            "them differently, so it is never taken from the type"
        )
        raise _fail("item", why, field, "say armament = none" if status == _CONVERTED else f"say armament = {allowed}")
    if status == _CONVERTED:
        if stated != _NO_ARMAMENT:
            why = f"item {uid!r} is converted, so it carries no nuclear armament, not {stated!r}"
            raise _fail("item", why, field, "say armament = none")
    elif stated == _NO_ARMAMENT:
        why = (
            f"item {uid!r} is {status} with armament 'none': only a converted item carries none (a {system.name} "
            f"is equipped for {allowed} until a conversion is notified)"
        )
        raise _fail("item", why, field, f"say armament = {allowed}")
    elif stated not in possible:  # a StrEnum equals its text
        raise _fail("item", f"item {uid!r}: a {system.name} cannot be equipped for {stated!r} (only {allowed})", field)


def _check_holds(
    system_id: str, facility: str, facilities: dict[str, FacilityKind], catalog: Catalog, field: str
) -> None:
    """Rule 9: the facility is declared and open (``facilities`` lists those), and may hold the type."""
    system = catalog.get(system_id)
    fkind = facilities.get(facility)
    if fkind is None:
        raise _fail("facility", f"facility {facility!r} is not declared or not open", field)
    allowed = HOLDS.get(fkind)
    if allowed is not None and system.category not in allowed:
        raise _fail("facility", f"a {fkind.value} may not hold a {system.name}", field)


def _check_rvs(system_id: str, warheads: int, catalog: Catalog) -> None:
    system = catalog.get(system_id)
    if 0 < system.max_rvs < warheads:
        raise _fail(
            "item", f"{warheads} warheads exceed the {system.max_rvs} RVs of a {system.name}", "content.warheads"
        )


def _declared_catalog(content: dict[str, Any], state: PartyState, ctx: Context) -> Catalog:
    """Rule 7's types: the party's catalog with the types the declaration adds.

    A type known already (the writer's, or the party's own declared before) must be declared as it is; a type
    another party of the ledger declared, as that party did.
    """
    known = party_catalog(ctx.catalog, state)
    added: list[SystemType] = []
    others: dict[str, tuple[str, str, SystemType]] | None = None  # read when first needed: most declare no types
    for i, definition in enumerate(content.get("systems", ())):
        where = f"content.systems[{i}]"
        try:
            system = SystemType.model_validate(definition)
        except ValidationError as exc:
            problem = exc.errors()[0]
            why = f"system {definition['id']!r} is not a sound type: {problem['msg']}"
            raise _fail("declaration", why, where) from None
        before = known.find(system.id)
        if before is not None and before.id == system.id and before != system:
            if system.id in ctx.catalog:
                there = "in the writer's catalog"
            else:
                there = f"by {state.party}'s data exchange effective {state.systems_since[system.id]}"
            raise _redefined(system, before, there, where)
        if system.id not in ctx.catalog:
            if others is None:
                others = _declared_by_others(state.party, ctx)
            if system.id in others:
                party, since, theirs = others[system.id]
                if theirs != system:
                    raise _redefined(system, theirs, f"by {party}'s data exchange effective {since}", where)
        if before is not None and before.id == system.id:
            continue
        if any(a.id == system.id for a in added):
            raise _fail("declaration", f"system {system.id!r} is declared twice", where)
        added.append(system)
    if not added:
        return known
    try:
        return known.merged(Catalog(added))
    except CatalogError as exc:
        raise _fail("declaration", exc.why, "content.systems") from None


_END_OF_TIME = "9999-12-31T23:59:59Z"  # every declaration in the ledger, whenever it takes effect


def _declared_by_others(party: str, ctx: Context) -> dict[str, tuple[str, str, SystemType]]:
    """The types the ledger's other parties declared: id → (party, effective time of its first exchange, type)."""
    if ctx.parties is None or ctx.party_state_at is None:
        return {}
    found: dict[str, tuple[str, str, SystemType]] = {}
    for other in sorted(set(ctx.parties()) - {party}):
        their = ctx.party_state_at(other, _END_OF_TIME)
        if their is None:
            continue
        for sid, definition in their.systems.items():
            if sid not in found:
                found[sid] = (other, their.systems_since[sid], SystemType.model_validate(definition))
    return found


def _redefined(system: SystemType, before: SystemType, there: str, where: str) -> NotificationError:
    """Rule 7's refusal of a type declared otherwise than it already is: both declarations, field by field."""
    mine, theirs = system.model_dump(mode="json"), before.model_dump(mode="json")
    differ = [f"{k} {theirs[k]!r} there, {mine[k]!r} here" for k in mine if mine[k] != theirs[k]]
    shown = "; ".join(differ[:3]) + (f"; and {len(differ) - 3} more" if len(differ) > 3 else "")
    why = (
        f"system {system.id!r} is already declared {there}, with other fields ({shown}): a type id names one type "
        "in a ledger and is never redefined"
    )
    return _fail("declaration", why, where, "declare it exactly as it is, or give this type an id of its own")


def _check_declaration(content: dict[str, Any], catalog: Catalog) -> None:
    facilities: dict[str, FacilityKind] = {}
    for i, f in enumerate(content["facilities"]):
        if f["id"] in facilities:
            raise _fail("declaration", f"facility {f['id']!r} is declared twice", f"content.facilities[{i}].id")
        facilities[f["id"]] = FacilityKind(f["kind"])
    seen: set[str] = set()
    for i, decl in enumerate(content["items"]):
        if decl["uid"] in seen:
            raise _fail("declaration", f"item {decl['uid']!r} is declared twice", f"content.items[{i}].uid")
        seen.add(decl["uid"])
        _check_item_decl(decl, catalog, f"content.items[{i}]", facilities)


def _open_facilities(state: PartyState) -> dict[str, FacilityKind]:
    return {f.id: f.kind for f in state.facilities.values() if f.open}


def discrepancies(declared: dict[str, Any], replayed: PartyState) -> list[Flag]:
    """Differences between a six-monthly update and the state replayed to its date, item by item."""
    flags = []
    items = {d["uid"]: d for d in declared["items"]}
    for uid, item in sorted(replayed.items.items()):
        d = items.get(uid)
        if d is None:
            flags.append(Flag("discrepancy", f"{uid}: in the ledger, missing from the update", uid, "missing"))
            continue
        expected = item.pending_warheads if item.pending_warheads is not None else item.warheads
        for detail, ledger_value, update_value in (
            ("wrong-status", item.status.value, d["status"]),
            ("wrong-facility", item.facility, d["facility"]),
            ("wrong-warheads", expected, d.get("warheads", 0)),
        ):
            if ledger_value != update_value:
                flags.append(Flag("discrepancy", f"{uid}: ledger {ledger_value}, update {update_value}", uid, detail))
    for uid in sorted(set(items) - set(replayed.items)):
        flags.append(Flag("discrepancy", f"{uid}: in the update, never notified", uid, "undeclared"))
    return flags


_NO_DEADLINE = frozenset(
    {Type.RECEIPT, Type.EXHIBITION, Type.INITIAL_DATA, Type.INSPECTION, Type.KEY_ROTATION, Type.COMMITMENTS}
)


def _late(payload: dict[str, Any], ctx: Context) -> list[Flag]:
    kind = payload["type"]
    rules = ctx.rules
    if kind == _INITIAL and ctx.entry_into_force is not None:
        eif = dt.datetime.combine(ctx.entry_into_force, dt.time(), dt.UTC)
        return _overdue(_time(payload["sent"]), eif + dt.timedelta(rules.initial_deadline_days))
    if kind in _NO_DEADLINE:
        return []
    days = rules.update_deadline_days if kind == _UPDATE else rules.change_deadline_days
    # canonical times (YYYY-MM-DDTHH:MM:SSZ) compare as text; parse only when the fast test cannot decide
    effective, sent = payload["effective"], payload["sent"]
    if days >= 1 and sent[:8] == effective[:8] and int(sent[8:10]) < int(effective[8:10]) + days:
        return []  # same month, an earlier day than the deadline's: on time whatever the hour
    return _overdue(_time(sent), _time(effective) + dt.timedelta(days=days))


def _overdue(sent: dt.datetime, due: dt.datetime) -> list[Flag]:
    if sent <= due:
        return []
    days = (sent - due).total_seconds() / 86400
    return [Flag("late", f"sent {days:.1f} days after the deadline of {due:%Y-%m-%d %H:%M}Z")]


def deadline_of(
    kind: str, effective: str, rules: NotificationRules, entry_into_force: dt.date | None
) -> dt.datetime | None:
    """When a notification of ``kind`` taking effect at ``effective`` must be sent by; None where none applies.

    Initial data: the treaty's days after entry into force; a six-monthly update: its days after the data date;
    receipts, exhibitions, inspections, key rotations and commitments: none; any other change: its days after taking
    effect.
    """
    if kind == Type.INITIAL_DATA:
        if entry_into_force is None:
            return None
        return dt.datetime.combine(entry_into_force, dt.time(), dt.UTC) + dt.timedelta(rules.initial_deadline_days)
    if kind == Type.DATA_UPDATE:
        return _time(effective) + dt.timedelta(days=rules.update_deadline_days)
    if kind in (Type.RECEIPT, Type.EXHIBITION, Type.INSPECTION, Type.KEY_ROTATION, Type.COMMITMENTS):
        return None
    return _time(effective) + dt.timedelta(days=rules.change_deadline_days)


def late_reference(payload: dict[str, Any], ctx: Context) -> list[Flag]:
    """The deadline check written plainly, with datetimes throughout: the fast ``_late`` must equal it (tested)."""
    due = deadline_of(payload["type"], payload["effective"], ctx.rules, ctx.entry_into_force)
    sent = _time(payload["sent"])
    if due is None or sent <= due:
        return []
    days = (sent - due).total_seconds() / 86400
    return [Flag("late", f"sent {days:.1f} days after the deadline of {due:%Y-%m-%d %H:%M}Z")]


def _item(state: PartyState, uid: str) -> Any:
    """The declared item a notification is about, or the refusal naming why there is none."""
    found = state.items.get(uid)
    if found is None:
        why = "was eliminated and cannot return" if uid in state.retired else "is not declared"
        raise _fail("item" if uid not in state.retired else "state", f"item {uid!r} {why}", "content.uid")
    return found


def check(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    """Apply rules 2–13 to a schema-valid notification (as its payload dict); return its flags."""
    kind = payload["type"]
    if payload["party"] != state.party:
        raise _fail("sender", f"this is {state.party}'s ledger, not {payload['party']}'s", "party")
    if payload["seq"] != state.seq + 1:
        raise _fail("sequence", f"expected sequence number {state.seq + 1}, got {payload['seq']}", "seq")
    if payload["prev"] != state.head:
        raise _fail("sequence", f"prev must be the last entry's hash {state.head[:16]}…", "prev")
    if payload["sent"] < state.last_sent:
        raise _fail("order", f"sent {payload['sent']}, before the previous notification ({state.last_sent})", "sent")
    effective = payload["effective"]
    _check_dates(payload, ctx)
    for uid in _uids(payload):
        touched = state.items.get(uid)
        if touched is not None and effective < touched.since:
            why = f"takes effect {effective}, before item {uid}'s last change ({touched.since})"
            raise _fail("order", why, "effective")
    if (state.seq == 0) != (kind == _INITIAL):
        why = "the first notification must be initial data" if state.seq == 0 else "initial data was already given"
        raise _fail("initial", why, "type")
    for i, ref in enumerate(payload.get("follows", [])):
        own = ref["party"] == state.party
        if (own and ref["seq"] > state.seq) or not ctx.entry_exists(ref["party"], ref["seq"]):
            raise _fail("references", f"follows {ref['party']} #{ref['seq']}, which does not exist", f"follows[{i}]")
    if state.commitments and kind not in _NOT_HOLDINGS:
        _check_after_commitments(state, payload)
    flags = _late(payload, ctx)
    return flags + _BY_TYPE[kind](state, payload, ctx)


# Notifications that change no item and no facility: they may take effect before a data date committed at.
_NOT_HOLDINGS = frozenset({Type.RECEIPT, Type.EXHIBITION, Type.INSPECTION, Type.KEY_ROTATION, Type.COMMITMENTS})


def _check_after_commitments(state: PartyState, payload: dict[str, Any]) -> None:
    """Rule 13's second half: once committed at a data date, the holdings as of that date are settled."""
    latest = max(state.commitments)
    if payload["effective"] <= f"{latest}T00:00:00Z":
        why = (
            f"takes effect {payload['effective']}, at or before data date {latest}, at which {state.party} has "
            f"committed (#{state.commitments[latest]}): a change there now would leave the commitments, and every "
            "proof made from them, about holdings the ledger no longer shows"
        )
        raise _fail("commitments", why, "effective", f"notify it as taking effect after {latest}")


def _check_dates(payload: dict[str, Any], ctx: Context) -> None:
    """Rule 4's dates: not under an expired treaty, and not sent in the writer's future."""
    if ctx.expires is not None:
        end = f"{ctx.expires.isoformat()}T00:00:00Z"
        for field in ("effective", "sent"):
            if payload[field] >= end:
                why = f"{payload[field]} is on or after {ctx.expires}, when the treaty expired"
                raise _fail("order", why, field)
    if ctx.latest_sent is not None and payload["sent"] > ctx.latest_sent:
        why = f"sent {payload['sent']}, later than this writer's clock allows ({ctx.latest_sent})"
        raise _fail("order", why, "sent")


# Each type's own rules (7-13), one function per type, looked up by the type's text. They return any flags.


def _check_exchange(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    content = payload["content"]
    _check_declaration(content, _declared_catalog(content, state, ctx))
    if payload["type"] == _UPDATE:
        return discrepancies(content, ctx.state_at(payload["effective"]))
    return []


def _check_new_item(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    decl = payload["content"]["item"]
    if decl["uid"] in state.items or decl["uid"] in state.retired:
        raise _fail("item", f"uid {decl['uid']!r} is already used", "content.item.uid")
    if decl["status"] in _GONE:
        raise _fail("state", f"a new item cannot be {decl['status']}", "content.item.status")
    catalog = party_catalog(ctx.catalog, state)
    _check_item_decl(decl, catalog, "content.item", _open_facilities(state))
    system = catalog.get(decl["system"])
    since = state.systems_since.get(system.id)
    if since is not None and system.id not in ctx.catalog and payload["effective"] < since:
        why = f"system {system.id!r} is declared by the data exchange in effect from {since}, after this change"
        raise _fail("item", why, "content.item.system")
    return []


def _check_status_change(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    content = payload["content"]
    it = _item(state, content["uid"])
    if it.status in _GONE:
        raise _fail("state", f"item {it.uid!r} is {it.status.value}: it cannot return to service", "content.to")
    if content["from"] != it.status:  # a StrEnum equals its text
        raise _fail("state", f"item {it.uid!r} is {it.status.value}, not {content['from']}", "content.from")
    if content["to"] not in MOVABLE:  # schema-valid text; a StrEnum hashes as its text
        raise _fail("state", f"{content['to']} is reached by its own notification, not a status change", "content.to")
    if content["to"] == content["from"]:
        raise _fail("state", "status does not change", "content.to")
    becomes_deployed_launcher = content["to"] == _DEPLOYED and it.kind is _LAUNCHER
    if becomes_deployed_launcher and "warheads" not in content:
        raise _fail("state", "a launcher becoming deployed must declare the RVs on its missile", "content.warheads")
    if "warheads" in content:
        if not becomes_deployed_launcher:
            raise _fail("state", "warheads are declared only for a launcher becoming deployed", "content.warheads")
        _check_rvs(it.system, content["warheads"], party_catalog(ctx.catalog, state))
    return []


def _check_movement(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    content = payload["content"]
    it = _item(state, content["uid"])
    if content["from"] != it.facility:
        raise _fail("state", f"item {it.uid!r} is at {it.facility}, not {content['from']}", "content.from")
    if content["to"] == content["from"]:
        raise _fail("facility", "the item does not move", "content.to")
    _check_holds(it.system, content["to"], _open_facilities(state), party_catalog(ctx.catalog, state), "content.to")
    return []


def _check_retirement(state: PartyState, payload: dict[str, Any], _ctx: Context) -> list[Flag]:
    """Conversion and elimination."""
    it = _item(state, payload["content"]["uid"])
    if payload["type"] == _CONVERSION and it.status is _CONVERTED:
        raise _fail("state", f"item {it.uid!r} is already converted", "content.uid")
    return []


def _check_warheads_change(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    content = payload["content"]
    it = _item(state, content["uid"])
    if it.kind is not _LAUNCHER or it.status is not _DEPLOYED:
        raise _fail("state", "a change of warheads is for a deployed launcher", "content.uid")
    _check_rvs(it.system, content["warheads"], party_catalog(ctx.catalog, state))
    return []


def _check_facility_change(state: PartyState, payload: dict[str, Any], _ctx: Context) -> list[Flag]:
    content = payload["content"]
    f = content["facility"]
    existing = state.facilities.get(f["id"])
    if content["action"] == "opened" and existing is not None and existing.open:
        raise _fail("facility", f"facility {f['id']!r} is already open", "content.facility.id")
    if content["action"] == "closed":
        if existing is None or not existing.open:
            raise _fail("facility", f"facility {f['id']!r} is not open", "content.facility.id")
        there = sorted(i.uid for i in state.items.values() if i.facility == f["id"])
        if there:
            why = f"facility {f['id']!r} still holds {len(there)} items ({there[0]}, …)"
            raise _fail("facility", why, "content.facility.id")
    return []


def _check_exhibition(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    content = payload["content"]
    if party_catalog(ctx.catalog, state).find(content["system"]) is None:
        raise _fail("item", f"unknown system {content['system']!r}", "content.system")
    if content["facility"] not in _open_facilities(state):
        raise _fail("facility", f"facility {content['facility']!r} is not declared or not open", "content.facility")
    for i, uid in enumerate(content.get("uids", [])):
        if uid not in state.items:
            raise _fail("item", f"item {uid!r} is not declared", f"content.uids[{i}]")
    return []


def _check_receipt(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    of = payload["content"]["of"]
    if of["party"] == state.party:
        raise _fail("references", "a receipt acknowledges another party's notification", "content.of.party")
    if not ctx.entry_exists(of["party"], of["seq"]):
        raise _fail("references", f"{of['party']} #{of['seq']} does not exist", "content.of")
    return []


def _check_inspection(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    """Rule 11; the findings' differences from the inspected party's declaration come back as flags."""
    content, effective = payload["content"], payload["effective"]
    regime = ctx.inspections
    itype = None if regime is None else regime.type(content["inspection_type"])
    if regime is None or itype is None:
        known = "none" if regime is None else ", ".join(t.id for t in regime.types)
        why = f"unknown inspection type {content['inspection_type']!r} (this treaty's types: {known})"
        raise _fail("inspection", why, "content.inspection_type")
    if ctx.entry_into_force is None:
        raise _fail("inspection", "the treaty has no date of entry into force: no treaty years, no quotas", "effective")
    year = treaty_year(ctx.entry_into_force, _time(effective).date())
    if year == 0:
        raise _fail("inspection", f"{effective} is before entry into force ({ctx.entry_into_force})", "effective")
    used = sum(
        1
        for when, tid in state.inspections
        if tid == itype.id and treaty_year(ctx.entry_into_force, _time(when).date()) == year
    )
    if used >= itype.quota:
        why = f"the quota of {itype.quota} {itype.name} inspections in treaty year {year} is used up"
        raise _fail("inspection", why, "content.inspection_type")
    inspected = content["inspected"]
    other = None
    if inspected != state.party and ctx.party_state_at is not None:
        other = ctx.party_state_at(inspected, effective)
    if other is None:
        why = "a party inspects another registered party" if inspected == state.party else "is not registered"
        raise _fail("inspection", f"{inspected!r}: {why}", "content.inspected")
    site = other.facilities.get(content["site"])
    if site is None or not site.open:
        raise _fail("inspection", f"{inspected} had no open facility {content['site']!r} then", "content.site")
    if site.kind not in itype.facility_kinds:
        raise _fail("inspection", f"a {itype.name} inspection may not visit a {site.kind.value}", "content.site")
    here = [i for i in other.items.values() if i.facility == site.id]
    if itype.only_non_deployed and any(i.status is Status.DEPLOYED for i in here):
        raise _fail(
            "inspection", f"{site.id} holds deployed items: {itype.name} visits only sites without", "content.site"
        )
    designated = content.get("designated", [])
    if len(designated) != itype.designated:
        why = f"a {itype.name} inspection designates {itype.designated} missiles, not {len(designated)}"
        raise _fail("inspection", why, "content.designated")
    for i, d in enumerate(designated):
        it = other.items.get(d["uid"])
        if it is None or it.facility != site.id or it.status is not Status.DEPLOYED or it.kind is Kind.MISSILE:
            why = f"{d['uid']!r} is not a deployed launcher or bomber {inspected} declared at {site.id}"
            raise _fail("inspection", why, f"content.designated[{i}].uid")
    uids = [s["uid"] for s in content["seen"]]
    if len(set(uids)) != len(uids):
        raise _fail("inspection", "an item is listed twice among those seen", "content.seen")
    return [Flag("discrepancy", d.describe(inspected, site.id), d.uid, d.kind) for d in compare(content, other, itype)]


def _check_key_rotation(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    """Rule 12."""
    content, sent = payload["content"], payload["sent"]
    if payload["effective"] != sent:
        why = f"a key rotation takes effect when it is sent ({sent}), not at {payload['effective']}"
        raise _fail("key", why, "effective", f"say effective = {sent}")
    key = base64.b64decode(content["public_key"])  # the schema's pattern: 32 bytes, canonical base64
    if not crypto_core_ed25519_is_valid_point(key):
        why = f"{content['public_key']} is not an Ed25519 public key: no signature could ever verify with it"
        raise _fail("key", why, "content.public_key", "give the public key of a key made by `detente keys generate`")
    held = {r.public_key: f"the key #{r.seq} named" for r in state.rotations}
    if ctx.registered_key is not None:
        held.setdefault(ctx.registered_key, "its registered key")
    if key in held:
        why = f"{state.party} held key {fingerprint(key)} before ({held[key]}): a rotation names a key never used"
        raise _fail("key", why, "content.public_key", "generate a new key")
    others = {} if ctx.keys_of_others is None else ctx.keys_of_others()
    if key in others:
        why = (
            f"key {fingerprint(key)} is {others[key]}'s: one key signs for one party, or a signature could not say "
            "which party made it"
        )
        raise _fail("key", why, "content.public_key", f"generate a key for {state.party}")
    revoked = content.get("revoke_previous_as_of")
    if revoked is None:
        return []
    field = "content.revoke_previous_as_of"
    if revoked > sent:
        why = (
            f"revokes the key it replaces as of {revoked}, after the rotation is sent ({sent}): that key signs "
            "nothing after the rotation anyway, and a revocation states when it was compromised, by now at the latest"
        )
        raise _fail("key", why, field, f"revoke it as of {sent} or earlier")
    since = state.rotations[-1].seq if state.rotations else 0
    if state.seq > since and revoked < state.last_sent:
        why = (
            f"revokes the key it replaces as of {revoked}, but that key signed #{state.seq}, sent {state.last_sent}, "
            "after that: entries in the ledger are accepted for good, and a revoked key's are not after its revocation"
        )
        hint = f"revoke it as of {state.last_sent} or later; a correction of what it signed is a new notification"
        raise _fail("key", why, field, hint)
    return []


def _check_commitments(state: PartyState, payload: dict[str, Any], ctx: Context) -> list[Flag]:
    """Rule 13."""
    content = payload["content"]
    date, effective = content["data_date"], payload["effective"]
    start = f"{date}T00:00:00Z"
    if effective != start:
        why = f"commitments at data date {date} take effect at its start ({start}), not at {effective}"
        raise _fail("commitments", why, "effective", f"say effective = {start}")
    first = state.commitments.get(date)
    if first is not None:
        why = (
            f"{state.party} committed at data date {date} already, in #{first}: a party commits once per data date, "
            "so that every proof about the date starts from the same commitments"
        )
        raise _fail("commitments", why, "content.data_date", f"#{first} stands; commit at another data date")
    measures = content["measures"]
    known = ctx.measures
    for i, measure in enumerate(measures):
        if measure in measures[:i]:
            raise _fail("commitments", f"measure {measure!r} is listed twice", f"content.measures[{i}]")
        if known is not None and measure not in known:
            why = f"{measure!r} is not a measure of {state.party}'s treaty (its measures: {', '.join(known)})"
            raise _fail("commitments", why, f"content.measures[{i}]")
    listed = frozenset(measures)
    facilities = ctx.state_at(start).facilities  # as declared at the data date, later notices included
    for facility_id, facility in content["facilities"].items():
        where = f"content.facilities.{facility_id}"
        declared = facilities.get(facility_id)
        if declared is None or not declared.open:
            done = "not declared" if declared is None else "closed"
            why = f"facility {facility_id!r} was {done} at data date {date}: {state.party} commits for its open ones"
            raise _fail("commitments", why, where)
        commitments = facility["commitments"]
        for measure in commitments:
            if measure not in listed:
                why = f"facility {facility_id!r} has a commitment to {measure!r}, which the measures do not list"
                raise _fail("commitments", why, f"{where}.commitments.{measure}", "list it in measures, or drop it")
        for measure in measures:
            text = commitments.get(measure)
            if text is None:
                why = f"facility {facility_id!r} has no commitment to {measure!r}: each commits to every measure listed"
                raise _fail("commitments", why, f"{where}.commitments")
            try:
                Point.from_bytes(base64.b64decode(text), "commitment")  # the schema's pattern: 32 bytes, canonical
            except VerificationError as exc:
                why = (
                    f"facility {facility_id!r}, measure {measure!r}: {exc}, so it is no Pedersen commitment of "
                    f"{content['scheme']} and no proof could be made from it"
                )
                raise _fail("commitments", why, f"{where}.commitments.{measure}") from None
    left_out = sorted(f for f, declared in facilities.items() if declared.open and f not in content["facilities"])
    if left_out:
        shown = ", ".join(repr(f) for f in left_out[:5]) + (
            f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        )
        why = (
            f"{state.party} had {len(left_out)} more open facilit{'y' if len(left_out) == 1 else 'ies'} at data date "
            f"{date} ({shown}) with no commitments: the totals added up from the commitments would leave them out"
        )
        raise _fail(
            "commitments", why, "content.facilities", "commit for every open facility, zero where it holds none"
        )
    return []


_BY_TYPE: dict[str, Callable[[PartyState, dict[str, Any], Context], list[Flag]]] = {
    Type.INITIAL_DATA: _check_exchange,
    Type.DATA_UPDATE: _check_exchange,
    Type.NEW_ITEM: _check_new_item,
    Type.STATUS_CHANGE: _check_status_change,
    Type.MOVEMENT: _check_movement,
    Type.CONVERSION: _check_retirement,
    Type.ELIMINATION: _check_retirement,
    Type.WARHEADS_CHANGE: _check_warheads_change,
    Type.FACILITY_CHANGE: _check_facility_change,
    Type.EXHIBITION: _check_exhibition,
    Type.RECEIPT: _check_receipt,
    Type.INSPECTION: _check_inspection,
    Type.KEY_ROTATION: _check_key_rotation,
    Type.COMMITMENTS: _check_commitments,
}
