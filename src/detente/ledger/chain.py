"""Ledger entries: signed, hash-chained notifications, and how to check them.

An entry is the notification's RFC 8785 canonical bytes (its *payload*, which names its party, its sequence
number and the hash of the previous entry in ``prev``), the sender's Ed25519 signature over exactly those
bytes, and the payload's SHA-256 — the entry's hash, which the next entry's ``prev`` repeats. The bytes are
stored exactly as signed and never re-serialised.

Checking a party's entries, in order (the first failure is reported with its sequence number):

1. Sequence numbers run 1, 2, 3, … with no gap; each row's party and number equal the payload's.
2. The stored hash is the SHA-256 of the stored payload.
3. The payload's ``prev`` is the previous entry's hash (zeros for the first).
4. The signature over the payload verifies with the party's key current at that entry: its registered key,
   until an entry of type ``key-rotation`` names another, which signs every entry after it (the rotation itself
   is signed by the key it replaces, as every entry is by the key current before it). A rotation must name an
   Ed25519 public key (32 bytes, base64); one that revokes the key it replaces as of a time (a key reported
   compromised) must find no earlier entry signed by that key sent after that time: nothing a revoked key signs
   is dated after its revocation, but the rotation itself, the last thing it signs. That fault is found when the
   rotation is read, and names the entry sent after the revocation.
5. The payload is canonical: re-encoding it gives the same bytes (so no two encodings of one notification exist).
6. What a store keeps beside the payload, where it does (the row's type, sent and effective times, and the
   effect replay reads), is what the payload says. These columns are not signed: they are derived, and checked.

The *effect* of a notification is what replay needs of it, ``[type, effective, content]`` as compact JSON: a few
dozen bytes that replay parses instead of the whole payload. Data exchanges (initial data, six-monthly updates)
have none: their content is most of their payload, so replay reads the payload itself. Key rotations and
commitments have none either, and a stored one is a fault (rule 6): what replay keeps of them holds their sequence
number (a key's period starts at it; a data date's commitments are named by it), which the effect does not hold,
so replay reads their payloads (commitments' content is most of their payload too).

A party's *key history* (:class:`KeyPeriod`, :func:`key_periods`) is its registered key, the trust anchor, then
the key each rotation names, in sequence order. The key current at a size of the log (what signs its checkpoint
there, :func:`key_at_size`) is the one the last rotation among entries #1..#size names: a checkpoint at a
rotation's own size is signed by the new key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import orjson

from detente.crypto.canonical import canonical_validated, is_canonical, parse
from detente.crypto.keys import Signer, fingerprint, verify
from detente.errors import ChainError

GENESIS = "0" * 64  # the prev of a party's first entry
EXCHANGES = frozenset({"initial-data", "data-update"})  # the data exchanges: checkpointed, and with no effect
KEY_ROTATION = "key-rotation"  # the notification that changes the key a party signs with (rule 4)
COMMITMENTS = "commitments"  # a party's Pedersen commitments at a data date (rule 13 of the ledger's rules)
_READ_WHOLE = frozenset({KEY_ROTATION, COMMITMENTS})  # replay reads their payloads: it needs their numbers
_NO_EFFECT = EXCHANGES | _READ_WHOLE
_ENVELOPE = frozenset({"party", "seq", "prev", "sent", "effective", "type", "content"})  # what readers rely on
_SORTED = orjson.OPT_SORT_KEYS
_sha256 = hashlib.sha256


class Columns(NamedTuple):
    """What a store keeps beside a payload, derived from it (rule 6): for queries by time, and for replay."""

    type: str
    sent: str
    effective: str
    effect: bytes | None  # [type, effective, content] as compact JSON; None for data exchanges


def columns_of(payload: dict[str, Any]) -> Columns:
    """The derived columns of a parsed payload."""
    kind, effective = payload["type"], payload["effective"]
    effect = None
    if kind not in _NO_EFFECT:
        effect = orjson.dumps([kind, effective, payload["content"]], option=_SORTED)
    return Columns(kind, payload["sent"], effective, effect)


class Entry(NamedTuple):
    """One appended notification as stored (a named tuple: immutable, and cheap to make by the million)."""

    party: str
    seq: int
    payload: bytes
    signature: bytes
    hash: bytes
    columns: Columns | None = None  # as the store holds them beside the payload, where it does (rule 6)

    @property
    def hash_hex(self) -> str:
        """The entry's hash as hex, as ``prev`` of the next entry names it."""
        return self.hash.hex()

    def stored_columns(self) -> Columns:
        """The derived columns to store it with: as sealed, or computed from the payload (an imported entry)."""
        return self.columns or columns_of(parse(self.payload))

    def notification(self) -> dict[str, Any]:
        """The payload parsed back into a dict.

        A payload that is not a notification's (a row edited in the database) raises a :class:`ChainError` naming
        the entry: what reads it gets a finding, not a traceback.
        """
        try:
            value = parse(self.payload)
        except ValueError:
            value = None
        if type(value) is not dict or not value.keys() >= _ENVELOPE:
            why = "payload is not a notification (edited in the database? `detente ledger verify` checks every entry)"
            raise ChainError(self.party, self.seq, why)
        return value


def seal(payload: dict[str, Any], signer: Signer) -> Entry:
    """Canonicalise, sign and hash a schema-valid notification payload (``party``, ``seq``, ``prev`` set)."""
    data = canonical_validated(payload)
    digest = _sha256(data).digest()
    return Entry(payload["party"], payload["seq"], data, signer.sign(data), digest, columns_of(payload))


def check_entry(entry: Entry, public_key: bytes, expected_seq: int, prev: str) -> tuple[str | None, dict[str, Any]]:
    """Rules 1–6 for one entry given the previous hash; return (problem or None, parsed payload)."""
    before, payload, after = _unsigned(entry, expected_seq, prev)
    if before is not None:
        return before, payload
    if not verify(public_key, entry.payload, entry.signature):
        return _BAD_SIGNATURE, payload
    return after, payload


_BAD_SIGNATURE = "signature does not verify with the party's public key"


def _unsigned(  # noqa: PLR0911 - one return per rule, in the module's order
    entry: Entry, expected_seq: int, prev: str
) -> tuple[str | None, dict[str, Any], str | None]:
    """Every rule but the signature's: (the first fault of rules 1–3, parsed payload, the first of rules 5–6).

    Rule 4 comes between the two: a fault there is reported before a fault of rules 5 and 6.
    """
    party, seq, data, _, digest, columns = entry
    if seq != expected_seq:
        return f"sequence number {seq} where {expected_seq} was expected (an entry is missing)", {}, None
    if _sha256(data).digest() != digest:
        return "stored hash does not match the payload (the payload was altered)", {}, None
    try:
        payload = orjson.loads(data)
    except ValueError:
        return "payload is not JSON", {}, None
    if type(payload) is not dict:
        return "payload is not a JSON object", {}, None
    get = payload.get
    if get("party") != party or get("seq") != seq:
        return "payload names another party or sequence number than its row", payload, None
    if get("prev") != prev:
        return "prev does not match the previous entry's hash (the chain is broken)", payload, None
    if not is_canonical(data, payload):
        return None, payload, "payload is not in canonical form"
    if columns is not None and not _columns_match(columns, payload):
        return None, payload, "the row's type, times or effect differ from its payload (edited in the database?)"
    return None, payload, None


def _columns_match(stored: Columns, payload: dict[str, Any]) -> bool:
    """Rule 6. No effect stored is no claim (rows from before effects were stored): replay reads the payload."""
    kind, sent, effective, effect = stored
    try:
        if kind != payload["type"] or sent != payload["sent"] or effective != payload["effective"]:
            return False
        if kind in _READ_WHOLE:
            return effect is None  # replay reads their payloads: an effect there would hide them from replay
        return effect is None or effect == orjson.dumps([kind, effective, payload["content"]], option=_SORTED)
    except (KeyError, TypeError, orjson.JSONEncodeError):
        return False  # the payload lacks what the columns are made of: no row can match it


class Rotation(NamedTuple):
    """A key rotation as a party's key history holds it."""

    seq: int  # the rotation's own sequence number: the key it names signs from the next entry on
    public_key: bytes  # the key it names
    revoke_previous_as_of: str | None  # the time as of which the key it replaces is revoked, if it says one


class KeyPeriod(NamedTuple):
    """One key in a party's history: what it signs, and when it was revoked, if it was."""

    public_key: bytes
    from_seq: int  # the first entry it signs (1 for the registered key, the rotation's number + 1 for the others)
    to_seq: int | None  # the last entry it signs, the rotation that replaced it; None for the current key
    revoked_as_of: str | None  # the revocation time its successor stated; None if it was not revoked

    def signs_size(self, size: int) -> bool:
        """Whether this key signs the party's checkpoint at ``size`` (the key current once the log has ``size``)."""
        return self.from_seq - 1 <= size and (self.to_seq is None or size < self.to_seq)


def rotation_of(payload: dict[str, Any]) -> Rotation:
    """The rotation a ``key-rotation`` payload makes; :class:`ValueError` if it names no 32-byte key."""
    content = payload.get("content")
    text = content.get("public_key") if type(content) is dict else None
    revoked = content.get("revoke_previous_as_of") if type(content) is dict else None
    if type(text) is not str or (revoked is not None and type(revoked) is not str):
        raise ValueError("a key rotation names its key as base64 text")
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("a key rotation names its key as base64 text") from None
    if len(key) != 32:
        raise ValueError("a key rotation names a 32-byte Ed25519 key")
    return Rotation(payload["seq"], key, revoked)


def key_periods(registered: bytes, rotations: Sequence[Rotation]) -> list[KeyPeriod]:
    """A party's key history: its registered key, then the key each rotation names, in sequence order."""
    periods = []
    key, start = registered, 1
    for rotation in rotations:
        periods.append(KeyPeriod(key, start, rotation.seq, rotation.revoke_previous_as_of))
        key, start = rotation.public_key, rotation.seq + 1
    periods.append(KeyPeriod(key, start, None, None))
    return periods


def key_at_size(periods: Sequence[KeyPeriod], size: int) -> KeyPeriod:
    """The key that signs a party's checkpoint at ``size``: the one named by the last rotation in #1..#size."""
    for period in periods:
        if period.signs_size(size):
            return period
    raise ValueError(f"no key signs size {size}")  # periods from key_periods cover every size from 0


class Keys:
    """A party's keys followed through its entries in sequence order (rule 4): which one signs the next entry.

    ``follow`` is given each entry's payload once its signature has verified; a rotation moves the current key on.
    """

    def __init__(self, registered: bytes, rotations: Iterable[Rotation] = ()) -> None:
        self.registered = registered
        self.rotations: list[Rotation] = list(rotations)
        self.current = self.rotations[-1].public_key if self.rotations else registered
        self._latest = ("", 0)  # the latest sent time among entries the current key signed, and that entry's number

    def periods(self) -> list[KeyPeriod]:
        """The key history so far."""
        return key_periods(self.registered, self.rotations)

    def follow(self, seq: int, payload: dict[str, Any]) -> tuple[int, str] | None:
        """Take in entry ``seq``, signed by the current key; a fault of rule 4 as (the entry to name, why), or None."""
        if payload.get("type") == KEY_ROTATION:
            try:
                rotation = rotation_of(payload)
            except ValueError as exc:
                return seq, f"the key rotation names no key: {exc}"
            latest, latest_seq = self._latest
            revoked = rotation.revoke_previous_as_of
            if revoked is not None and latest > revoked:
                why = (
                    f"signed by key {fingerprint(self.current)}, which #{seq} revokes as of {revoked}, and sent "
                    f"{latest}, after that: nothing a revoked key signs is dated after its revocation"
                )
                return latest_seq, why
            self.rotations.append(rotation)
            self.current, self._latest = rotation.public_key, ("", 0)
            return None
        sent = payload.get("sent")
        if type(sent) is str and sent > self._latest[0]:
            self._latest = (sent, seq)
        return None

    def name(self, key: bytes) -> str:
        """A key as a message names it: its fingerprint, and where the party's history has it."""
        if key == self.registered and not any(r.public_key == key for r in self.rotations):
            return f"{fingerprint(key)} (registered)"
        seqs = [r.seq for r in self.rotations if r.public_key == key]
        return f"{fingerprint(key)} (named by #{seqs[0]})" if seqs else fingerprint(key)

    def check(self, entry: Entry, expected_seq: int, prev: str) -> tuple[str | None, dict[str, Any]]:
        """Rules 1–6 for one entry, signed by the current key (:func:`check_entry`), a bad signature explained."""
        problem, payload = check_entry(entry, self.current, expected_seq, prev)
        if problem is _BAD_SIGNATURE:
            problem = self.signature_problem(entry)
        return problem, payload

    def signature_problem(self, entry: Entry) -> str:
        """Why an entry's signature fails rule 4, naming the key it was signed with if the party held it before."""
        if not self.rotations:
            return _BAD_SIGNATURE  # the party never rotated: its registered key is the only one
        for period in self.periods()[:-1]:
            if verify(period.public_key, entry.payload, entry.signature):
                revoked = "" if period.revoked_as_of is None else f", revoked as of {period.revoked_as_of},"
                return (
                    f"signed by key {fingerprint(period.public_key)}, which #{period.to_seq} replaced{revoked} "
                    f"with {self.name(self.current)}: the entries after a rotation are signed by the key it names"
                )
        return f"signature does not verify with the party's current key {self.name(self.current)}"


def verify_chain(
    entries: Iterable[Entry], party: str, public_key: bytes, keys: Keys | None = None
) -> Iterator[dict[str, Any]]:
    """Check a party's entries in order, yielding each parsed payload; raise :class:`ChainError` at the first fault.

    ``public_key`` is the party's registered key; the key current at each entry follows the rotations met on the
    way (rule 4), in ``keys`` if one is given (its ``current`` is the key at the size reached, read between two
    payloads). Rows are checked one by one, rules 1-6 in the module's order, so the fault named is the first in
    sequence order and, within an entry, the first rule it breaks. Payloads before a fault are yielded before it is
    raised (a revocation that a rotation states is checked when the rotation is read, after the entries it names).
    """
    keys = Keys(public_key) if keys is None else keys
    check, follow = keys.check, keys.follow
    prev, expected = GENESIS, 1
    for entry in entries:
        if entry.party != party:
            raise ChainError(party, expected, "the row belongs to another party")
        problem, payload = check(entry, expected, prev)
        if problem is not None:
            raise ChainError(party, expected, problem)
        fault = follow(expected, payload)
        if fault is not None:
            raise ChainError(party, *fault)
        yield payload
        prev, expected = entry.hash.hex(), expected + 1
