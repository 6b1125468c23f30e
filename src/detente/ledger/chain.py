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
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from detente.errors import ChainError
from detente.ledger.canonical import canonical_validated, is_canonical, parse
from detente.ledger.keys import PartyKey, verify
from detente.ledger.notifications import GENESIS


class Entry(NamedTuple):
    """One appended notification as stored (a named tuple: immutable, and cheap to make by the million)."""

    party: str
    seq: int
    payload: bytes
    signature: bytes
    hash: bytes

    @property
    def hash_hex(self) -> str:
        """The entry's hash as hex, as ``prev`` of the next entry names it."""
        return self.hash.hex()

    def notification(self) -> dict[str, Any]:
        """The payload parsed back into a dict."""
        return dict(parse(self.payload))


def seal(payload: dict[str, Any], key: PartyKey) -> Entry:
    """Canonicalise, sign and hash a schema-valid notification payload (``party``, ``seq``, ``prev`` set)."""
    data = canonical_validated(payload)
    return Entry(payload["party"], payload["seq"], data, key.sign(data), hashlib.sha256(data).digest())


def check_entry(  # noqa: PLR0911 - one return per rule, in the module's order
    entry: Entry, public_key: bytes, expected_seq: int, prev: str
) -> tuple[str | None, dict[str, Any]]:
    """Rules 1–5 for one entry given the previous hash; return (problem or None, parsed payload)."""
    if entry.seq != expected_seq:
        return f"sequence number {entry.seq} where {expected_seq} was expected (an entry is missing)", {}
    if hashlib.sha256(entry.payload).digest() != entry.hash:
        return "stored hash does not match the payload (the payload was altered)", {}
    try:
        payload = dict(parse(entry.payload))
    except ValueError:
        return "payload is not JSON", {}
    if payload.get("party") != entry.party or payload.get("seq") != entry.seq:
        return "payload names another party or sequence number than its row", payload
    if payload.get("prev") != prev:
        return "prev does not match the previous entry's hash (the chain is broken)", payload
    if not verify(public_key, entry.payload, entry.signature):
        return "signature does not verify with the party's public key", payload
    if not is_canonical(entry.payload, payload):
        return "payload is not in canonical form", payload
    return None, payload


def verify_chain(entries: Iterable[Entry], party: str, public_key: bytes) -> Iterator[dict[str, Any]]:
    """Check a party's entries in order, yielding each parsed payload; raise :class:`ChainError` at the first fault."""
    prev = GENESIS
    expected = 1
    for entry in entries:
        problem, payload = check_entry(entry, public_key, expected, prev)
        if problem is not None:
            raise ChainError(party, expected if entry.seq != expected else entry.seq, problem)
        prev = entry.hash_hex
        expected += 1
        yield payload
