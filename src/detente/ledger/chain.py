"""Ledger entries: signed, hash-chained notifications, and how to check them.

An entry is the notification's RFC 8785 canonical bytes (its *payload*, which names its party, its sequence
number and the hash of the previous entry in ``prev``), the sender's Ed25519 signature over exactly those
bytes, and the payload's SHA-256 — the entry's hash, which the next entry's ``prev`` repeats. The bytes are
stored exactly as signed and never re-serialised.

Checking a party's entries, in order (the first failure is reported with its sequence number):

1. Sequence numbers run 1, 2, 3, … with no gap; each row's party and number equal the payload's.
2. The stored hash is the SHA-256 of the stored payload.
3. The payload's ``prev`` is the previous entry's hash (zeros for the first).
4. The signature over the payload verifies with the party's public key.
5. The payload is canonical: re-encoding it gives the same bytes (so no two encodings of one notification exist).
6. What a store keeps beside the payload, where it does (the row's type, sent and effective times, and the
   effect replay reads), is what the payload says. These columns are not signed: they are derived, and checked.

The *effect* of a notification is what replay needs of it, ``[type, effective, content]`` as compact JSON: a few
dozen bytes that replay parses instead of the whole payload. Data exchanges (initial data, six-monthly updates)
have none: their content is most of their payload, so replay reads the payload itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import orjson

from detente.crypto.canonical import canonical_validated, is_canonical, parse
from detente.crypto.keys import Signer, verify
from detente.errors import ChainError

GENESIS = "0" * 64  # the prev of a party's first entry
EXCHANGES = frozenset({"initial-data", "data-update"})  # the data exchanges: checkpointed, and with no effect
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
    if kind not in EXCHANGES:
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
        return effect is None or effect == orjson.dumps([kind, effective, payload["content"]], option=_SORTED)
    except (KeyError, TypeError, orjson.JSONEncodeError):
        return False  # the payload lacks what the columns are made of: no row can match it


def verify_chain(entries: Iterable[Entry], party: str, public_key: bytes) -> Iterator[dict[str, Any]]:
    """Check a party's entries in order, yielding each parsed payload; raise :class:`ChainError` at the first fault.

    Rows are checked one by one, rules 1-6 in the module's order, so the fault named is the first in sequence order
    and, within an entry, the first rule it breaks. Payloads before a fault are yielded before it is raised.
    """
    prev, expected = GENESIS, 1
    for entry in entries:
        if entry.party != party:
            raise ChainError(party, expected, "the row belongs to another party")
        problem, payload = check_entry(entry, public_key, expected, prev)
        if problem is not None:
            raise ChainError(party, expected, problem)
        yield payload
        prev, expected = entry.hash.hex(), expected + 1
