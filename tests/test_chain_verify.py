"""Verify names the first fault of a ledger, whatever other faults follow it.

Ledgers carry up to four faults of nine kinds at random places. The oracle needs none of verify's code: the first
faulted position is the smallest one seeded, and each kind of fault has one message, the rule it breaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.crypto.keys import PartyKey
from detente.errors import ChainError
from detente.ledger.chain import GENESIS, Columns, Entry, seal, verify_chain
from detente.ledger.notifications import format_time

KEY = PartyKey.from_seed("US", bytes([7]) * 32)
OTHER = PartyKey.from_seed("RU", bytes([8]) * 32)
T0 = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
LENGTH = 24


def _payload(party: str, seq: int, prev: str) -> dict[str, Any]:
    return {
        "format": "detente.notification/1",
        "party": party,
        "seq": seq,
        "prev": prev,
        "type": "receipt",
        "sent": format_time(T0 + dt.timedelta(days=2 * seq)),
        "effective": format_time(T0 + dt.timedelta(days=seq)),
        "content": {"of": {"party": "XX", "seq": seq}},
    }


def _signed(data: bytes, key: PartyKey, seq: int, columns: Columns | None) -> Entry:
    """An entry over exactly these bytes, validly signed and hashed (whatever the bytes are)."""
    return Entry(key.party, seq, data, key.sign(data), hashlib.sha256(data).digest(), columns)


def _flipped(signature: bytes) -> bytes:
    flipped = bytearray(signature)
    flipped[3] ^= 0x10
    return bytes(flipped)


def _relinked(entry: Entry) -> Entry:
    """Validly signed, but linked to nothing."""
    payload = orjson.loads(entry.payload)
    payload["prev"] = "f" * 64
    return seal(payload, KEY)


def _spaced(entry: Entry) -> Entry:
    """Validly signed and hashed, but not canonical."""
    data = orjson.dumps(orjson.loads(entry.payload), option=orjson.OPT_INDENT_2)
    return _signed(data, KEY, entry.seq, entry.columns)


def _other_times(entry: Entry) -> Entry:
    assert entry.columns is not None
    return entry._replace(columns=entry.columns._replace(sent="2000-01-01T00:00:00Z"))


# One fault each; an entry's link to the next is left as it was.
FAULTS: dict[str, Callable[[Entry], Entry]] = {
    "hash": lambda e: e._replace(payload=e.payload.replace(b"receipt", b"receipT")),
    "signature": lambda e: e._replace(signature=_flipped(e.signature)),
    "foreign-signature": lambda e: e._replace(signature=OTHER.sign(e.payload)),
    "not-canonical": _spaced,
    "columns": _other_times,
    "prev": _relinked,
    "seq": lambda e: e._replace(seq=e.seq + 1),
    "row-party": lambda e: e._replace(party="RU"),
    "not-json": lambda e: _signed(b"{not json", KEY, e.seq, e.columns),
}


def _ledger() -> list[Entry]:
    out: list[Entry] = []
    prev = GENESIS
    for seq in range(1, LENGTH + 1):
        entry = seal(_payload("US", seq, prev), KEY)
        out.append(entry)
        prev = entry.hash_hex
    return out


LEDGER = _ledger()


# What verify says of each kind of fault, where it is the first: the rule the faulted entry breaks.
WHY = {
    "hash": "stored hash does not match the payload (the payload was altered)",
    "signature": "signature does not verify with the party's public key",
    "foreign-signature": "signature does not verify with the party's public key",
    "not-canonical": "payload is not in canonical form",
    "columns": "the row's type, times or effect differ from its payload (edited in the database?)",
    "prev": "prev does not match the previous entry's hash (the chain is broken)",
    "seq": "sequence number {seq} where {expected} was expected (an entry is missing)",
    "row-party": "the row belongs to another party",
    "not-json": "payload is not JSON",
}
faults = st.dictionaries(st.integers(0, LENGTH - 1), st.sampled_from(sorted(FAULTS)), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(faults=faults)
def test_verify_names_the_first_fault_and_yields_what_came_before(faults: dict[int, str]) -> None:
    entries = [FAULTS[faults[i]](entry) if i in faults else entry for i, entry in enumerate(LEDGER)]
    yielded: list[dict[str, Any]] = []
    if not faults:
        yielded = list(verify_chain(entries, "US", KEY.public_key))
        assert [p["seq"] for p in yielded] == list(range(1, LENGTH + 1))
        return
    first = min(faults)
    with pytest.raises(ChainError) as caught:
        yielded.extend(verify_chain(entries, "US", KEY.public_key))
    assert (caught.value.party, caught.value.seq) == ("US", first + 1)
    assert caught.value.why == WHY[faults[first]].format(seq=first + 2, expected=first + 1)
    assert yielded == [orjson.loads(e.payload) for e in LEDGER[:first]]  # the entries before the fault, in order


def test_a_bad_signature_is_named_before_a_later_entry_whose_hash_is_broken() -> None:
    entries = [*LEDGER[:3], FAULTS["signature"](LEDGER[3]), *LEDGER[4:6], FAULTS["hash"](LEDGER[6]), *LEDGER[7:]]
    with pytest.raises(ChainError, match="signature does not verify") as caught:
        list(verify_chain(entries, "US", KEY.public_key))
    assert caught.value.seq == 4


def test_within_one_entry_a_broken_hash_is_named_before_a_bad_signature() -> None:
    """Rules in the module's order: an entry both altered and badly signed is reported as altered."""
    both = FAULTS["signature"](FAULTS["hash"](LEDGER[2]))
    with pytest.raises(ChainError, match="stored hash does not match") as caught:
        list(verify_chain([*LEDGER[:2], both, *LEDGER[3:]], "US", KEY.public_key))
    assert caught.value.seq == 3
