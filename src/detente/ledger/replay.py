"""Replaying entries into a party's state at any moment, and what the ledger says about an item or a period.

Also a party's key history as its stored entries name it (:func:`key_history`): what signs its entries and its
checkpoints at each size, for a reader that holds the store but no writer (a node checking a peer's checkpoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from detente.errors import ChainError, LedgerError
from detente.ledger.chain import KEY_ROTATION, Entry, KeyPeriod, key_periods, rotation_of
from detente.ledger.notifications import format_time
from detente.ledger.port import LedgerStore
from detente.ledger.state import EFFECTS, NOTES, PartyState, apply, effect_of


def moment(value: dt.date | dt.datetime | None) -> str | None:
    """A date or time as the canonical text entries are filtered by; a date means the end of that day (UTC)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return format_time(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    return format_time(dt.datetime.combine(value, dt.time(23, 59, 59), dt.UTC))


def replay(party: str, entries: Iterable[Entry], until: str | None = None) -> PartyState:
    """Apply entries in sequence order; with ``until``, only those whose change took effect by then."""
    state = PartyState(party)
    for entry in entries:
        payload = entry.notification()
        if until is None or payload["effective"] <= until:
            apply(state, payload, entry.hash.hex())
    return state


def replay_store(store: LedgerStore, party: str, until: str | None = None) -> PartyState:
    """Replay a party's stored entries (the lean path: each entry's stored effect, or its payload if none).

    The effects are checked against the signed payloads by verify (:mod:`detente.ledger.chain`, rule 6). A row
    that cannot be replayed at all (a hand-edited database) raises :class:`ChainError` naming its entry.
    """
    state = PartyState(party)
    latest = ""
    loads = orjson.loads  # no call in between: this loop runs millions of times
    effects, nothing, notes = EFFECTS, effect_of(""), NOTES
    try:
        for effect, payload in store.replay_rows(party, until):
            if effect is not None:  # what _replay_row does, inlined
                kind, effective, content = loads(effect)
            else:
                data = loads(payload or b"")  # the port gives the payload where there is no effect
                kind, effective, content = data["type"], data["effective"], data["content"]
                note = notes.get(kind)  # rotations and commitments are stored with no effect (chain rule 6)
                if note is not None:
                    note(state, data)
            effects.get(kind, nothing)(state, content, effective)
            if effective > latest:  # noqa: PLR1730 - max() costs a call on replay's hottest line
                latest = effective
    except _UNREPLAYABLE as exc:
        raise _unreplayable(store, party, until, exc) from None
    last = store.last_entry(party, until)
    if last is not None:
        header = last.notification()
        state.seq, state.last_sent, state.head = last.seq, header["sent"], last.hash.hex()
        state.latest_effective = latest
    return state


# What a row that does not decode, or does not fit the state, raises on the way through replay.
_UNREPLAYABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def _replay_row(state: PartyState, effect: bytes | None, payload: bytes) -> None:
    """Apply one stored row: its effect, or its payload where it has none."""
    if effect is not None:
        kind, effective, content = orjson.loads(effect)
    else:
        data = orjson.loads(payload)
        kind, effective, content = data["type"], data["effective"], data["content"]
        note = NOTES.get(kind)
        if note is not None:
            note(state, data)
    effect_of(kind)(state, content, effective)


def _unreplayable(store: LedgerStore, party: str, until: str | None, exc: Exception) -> ChainError:
    """Find the first row replay fails on, again and slowly (with its sequence number this time), and name it."""
    state = PartyState(party)
    for entry in store.entries(party, until=until):
        try:
            _replay_row(state, None if entry.columns is None else entry.columns.effect, entry.payload)
        except _UNREPLAYABLE as again:
            exc = again
            seq = entry.seq
            break
    else:  # no row fails when read again: say so rather than guess one
        why = f"replay failed ({type(exc).__name__}: {exc}) but no entry fails when read again"
        return ChainError(party, 0, why + "; `detente ledger verify` checks every entry")
    why = f"its stored effect or payload does not replay ({type(exc).__name__}: {exc})"
    hint = "; was the database edited? `detente ledger verify` checks every entry"
    return ChainError(party, seq, why + hint)


_ROTATION_MARK = b'"type":"key-rotation"'  # in a rotation's canonical payload; parsed to be sure


def key_history(store: LedgerStore, party: str) -> list[KeyPeriod]:
    """A party's keys as its stored entries name them: the registered key, then each rotation's, in order.

    Each period says which entries the key signs and, where its successor revoked it, as of when; the key that
    signs the party's checkpoint at a size is :func:`detente.ledger.chain.key_at_size` of these. Read from the
    stored rows, as replay reads them: ``detente ledger verify`` checks that they are the party's signed entries.
    A :class:`~detente.ledger.writer.Ledger` gives the same from the state it keeps (``Ledger.key_history``).
    """
    record = next((r for r in store.parties() if r.party == party), None)
    if record is None:
        raise LedgerError(f"party {party!r} is not registered in this ledger")
    rotations = []
    for effect, payload in store.replay_rows(party):
        if effect is None and payload is not None and _ROTATION_MARK in payload:
            data = orjson.loads(payload)
            if data["type"] == KEY_ROTATION:
                rotations.append(rotation_of(data))
    return key_periods(record.public_key, rotations)


def replay_payloads(party: str, payloads: Iterable[tuple[dict[str, Any], str]], until: str | None = None) -> PartyState:
    """As :func:`replay`, from parsed payloads and their hashes."""
    state = PartyState(party)
    for payload, digest in payloads:
        if until is None or payload["effective"] <= until:
            apply(state, payload, digest)
    return state


@dataclass(frozen=True)
class Change:
    """One notification touching an item, in words."""

    seq: int
    sent: str
    effective: str
    type: str
    summary: str


def _touches(payload: dict[str, Any], uid: str) -> str | None:
    content = payload["content"]
    kind = payload["type"]
    if kind in ("initial-data", "data-update"):
        for decl in content["items"]:
            if decl["uid"] == uid:
                return f"declared {decl['status']} at {decl['facility']} with {decl.get('warheads', 0)} warheads"
        return None
    if kind == "new-item" and content["item"]["uid"] == uid:
        decl = content["item"]
        return f"{content.get('how', 'produced')}: {decl['system']} {decl['status']} at {decl['facility']}"
    if content.get("uid") != uid and uid not in content.get("uids", ()):
        return None
    summaries = {
        "status-change": lambda c: f"{c['from']} → {c['to']}" + (f" ({c['warheads']} RVs)" if "warheads" in c else ""),
        "movement": lambda c: f"moved {c['from']} → {c['to']}",
        "conversion": lambda c: f"converted: {c.get('result', '')}".rstrip(": "),
        "elimination": lambda c: f"eliminated: {c.get('method', '')}".rstrip(": "),
        "warheads-change": lambda c: f"warheads → {c['warheads']} (effective with the next update)",
        "exhibition": lambda c: f"exhibited at {c['facility']}",
    }
    return summaries[kind](content) if kind in summaries else kind


def history(entries: Iterable[Entry], uid: str) -> list[Change]:
    """Every notification that declared or changed an item, in order."""
    changes = []
    for entry in entries:
        payload = entry.notification()
        summary = _touches(payload, uid)
        if summary is not None:
            changes.append(Change(entry.seq, payload["sent"], payload["effective"], payload["type"], summary))
    return changes


@dataclass(frozen=True)
class Difference:
    """How one item differs between two states."""

    uid: str
    before: str
    after: str


def diff(before: PartyState, after: PartyState) -> list[Difference]:
    """Items added, removed or changed (status, facility, warheads) between two states of one party."""

    def words(state: PartyState, uid: str) -> str:
        item = state.items.get(uid)
        if item is None:
            return "eliminated" if uid in state.retired else "–"
        return f"{item.system} {item.status.value} at {item.facility}, {item.warheads} warheads"

    out = []
    for uid in sorted(set(before.items) | set(after.items)):
        a, b = words(before, uid), words(after, uid)
        if a != b:
            out.append(Difference(uid, a, b))
    return out
