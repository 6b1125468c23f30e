"""Checking entries in runs (signatures verified last in each run) finds what checking them one by one finds.

The oracle is :func:`check_entry` applied to each entry in turn. Ledgers carry several faults of different
kinds at random places, so that a fault found before the signature pass (a broken hash) and one found in it (a
bad signature, a non-canonical payload) compete inside one run and across runs.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.errors import ChainError
from detente.ledger.chain import GENESIS, Columns, Entry, check_entry, check_run, check_runs, seal, verify_chain
from detente.ledger.keys import PartyKey
from detente.ledger.notifications import format_time
from detente.ledger.verify import verify_parallel

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


def one_by_one(entries: list[Entry]) -> tuple[list[dict[str, Any]], tuple[int, str] | None]:
    """The oracle: every rule for each entry in turn, stopping at the first fault."""
    good: list[dict[str, Any]] = []
    prev, expected = GENESIS, 1
    for entry in entries:
        if entry.party != "US":
            return good, (expected, "the row belongs to another party")
        problem, payload = check_entry(entry, KEY.public_key, expected, prev)
        if problem is not None:
            return good, (expected, problem)
        good.append(payload)
        prev, expected = entry.hash_hex, expected + 1
    return good, None


faults = st.dictionaries(st.integers(0, LENGTH - 1), st.sampled_from(sorted(FAULTS)), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(faults=faults, size=st.integers(1, LENGTH + 2), chunk=st.integers(1, LENGTH + 2))
def test_runs_of_any_size_find_what_one_by_one_finds(faults: dict[int, str], size: int, chunk: int) -> None:
    entries = [FAULTS[faults[i]](entry) if i in faults else entry for i, entry in enumerate(LEDGER)]
    expected_good, expected_problem = one_by_one(entries)

    good: list[dict[str, Any]] = []
    problem = None
    for run in check_runs(entries, "US", KEY.public_key, 1, GENESIS, size=size):
        good += run.payloads
        problem = run.problem
        assert run.good == len(run.payloads)
        assert run.last == (entries[len(good) - 1].hash_hex if good else GENESIS)
    assert (good, problem) == (expected_good, expected_problem)
    counted = list(check_runs(entries, "US", KEY.public_key, 1, GENESIS, keep=False, size=size))
    assert sum(run.good for run in counted) == len(expected_good)
    assert (counted[-1].problem if counted else None) == expected_problem
    assert not any(run.payloads for run in counted)

    yielded: list[dict[str, Any]] = []
    if expected_problem is None:
        yielded = list(verify_chain(entries, "US", KEY.public_key))
        assert verify_parallel(entries, "US", KEY.public_key, workers=2, chunk=chunk) == LENGTH
    else:
        with pytest.raises(ChainError) as serial:
            yielded.extend(verify_chain(entries, "US", KEY.public_key))
        with pytest.raises(ChainError) as parallel:
            verify_parallel(entries, "US", KEY.public_key, workers=2, chunk=chunk)
        for error in (serial.value, parallel.value):
            assert (error.seq, error.why) == expected_problem
    assert yielded == expected_good  # the entries before a fault are yielded before it is raised


def test_a_bad_signature_is_named_before_a_later_entry_whose_hash_is_broken() -> None:
    """Inside one run the hash fault is found first (before the signature pass); the earlier entry still wins."""
    entries = [*LEDGER[:3], FAULTS["signature"](LEDGER[3]), *LEDGER[4:6], FAULTS["hash"](LEDGER[6]), *LEDGER[7:]]
    run = check_run(entries, "US", KEY.public_key, 1, GENESIS)
    assert run.problem == (4, "signature does not verify with the party's public key")
    assert [p["seq"] for p in run.payloads] == [1, 2, 3]
    assert run.last == LEDGER[2].hash_hex


def test_a_run_checked_without_its_first_link_reports_the_prev_it_names() -> None:
    run = check_run(LEDGER[5:9], "US", KEY.public_key, 6, None)
    assert (run.problem, run.first_prev, run.last) == (None, LEDGER[4].hash_hex, LEDGER[8].hash_hex)
    assert [p["seq"] for p in run.payloads] == [6, 7, 8, 9]
    empty = check_run([], "US", KEY.public_key, 1, GENESIS)
    assert (empty.payloads, empty.last, empty.problem) == ([], GENESIS, None)


def test_the_cycle_collector_is_paused_only_while_a_run_is_checked() -> None:
    """Between runs, and after a fault, an abandoned verify or a row that is not an entry, the collector is on."""
    seen: list[bool] = []
    for payload in verify_chain(LEDGER, "US", KEY.public_key):
        seen.append(gc.isenabled())  # the caller's code between yields runs with the collector as it was
        assert payload["seq"] == len(seen)
    assert seen == [True] * LENGTH
    with pytest.raises(ChainError):
        list(verify_chain([*LEDGER[:5], FAULTS["hash"](LEDGER[5])], "US", KEY.public_key))
    assert gc.isenabled()
    abandoned = verify_chain(LEDGER, "US", KEY.public_key)
    next(abandoned)
    abandoned.close()
    assert gc.isenabled()
    with pytest.raises(AttributeError):
        list(verify_chain([LEDGER[0], "not an entry"], "US", KEY.public_key))  # type: ignore[list-item]
    assert gc.isenabled()
    gc.disable()
    try:  # paused by the caller: left paused
        assert len(list(verify_chain(LEDGER, "US", KEY.public_key))) == LENGTH
        assert not gc.isenabled()
    finally:
        gc.enable()
