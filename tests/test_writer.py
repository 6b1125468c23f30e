"""The one writer: the same path for one notification or thousands, the Signer port, and nothing left by a refusal.

Also: a ledger written by the code before the core redesign (``tests/data/ledger-e6b29b6.sqlite``) opens, verifies
and replays, and today's writer, given the same drafts and keys, writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, fingerprint
from detente.crypto.note import Verifier, parse_note, verify_note
from detente.crypto.stored_tree import StoredTree
from detente.errors import ConflictError, LedgerError, NotificationError
from detente.ledger.chain import verify_chain
from detente.ledger.checkpoints import log_origin
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import format_time
from detente.ledger.port import LedgerStore
from detente.ledger.replay import replay, replay_store
from detente.ledger.rules import CLOCK_TOLERANCE
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

from builders import initial_launchers, toggles
from legacy_ledger import KEYS, catalog_at_e6b29b6, drafts

CATALOG = builtin_catalog()
KEY = PartyKey.from_seed("US", bytes([31]) * 32)
UIDS = [f"US-MM3-{i}" for i in range(6)]
LEGACY = Path(__file__).parent / "data" / "ledger-e6b29b6.sqlite"


class CountingSigner:
    """A signer that is not a PartyKey, as an HSM or a signing service would be: it counts what it signs."""

    def __init__(self, key: PartyKey) -> None:
        self._key = key
        self.signed = 0

    @property
    def public_key(self) -> bytes:
        return self._key.public_key

    @property
    def key_id(self) -> str:
        return fingerprint(self._key.public_key)

    def sign(self, message: bytes) -> bytes:
        self.signed += 1
        return self._key.sign(message)


class LyingSigner(CountingSigner):
    """Claims the registered public key but signs with another key (a misconfigured signing service)."""

    def __init__(self, claimed: PartyKey, actual: PartyKey) -> None:
        super().__init__(actual)
        self._claimed = claimed

    @property
    def public_key(self) -> bytes:
        return self._claimed.public_key


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    with MemoryStore() if request.param == "memory" else open_store(str(tmp_path / "l.sqlite")) as s:
        yield s


def _ledger(store: LedgerStore, signer: Any = KEY) -> Ledger:
    ledger = Ledger(store, signer, CATALOG, get_treaty)
    if not store.parties():
        ledger.register("US", KEY.public_key, "new-start")
    return ledger


def test_one_batch_and_one_at_a_time_write_the_same_entries(store: LedgerStore) -> None:
    """The writer has one path: batch size changes nothing stored, and every entry verifies."""
    notices = [initial_launchers(UIDS), *toggles(UIDS, 40)]
    whole = _ledger(store)
    whole.submit("US", notices)
    single = _ledger(MemoryStore())
    for notice in notices:
        single.submit("US", [notice])
    assert list(store.entries("US")) == list(single.store.entries("US"))
    assert len(list(verify_chain(store.entries("US"), "US", KEY.public_key))) == len(notices)
    assert store.checkpoints("US") == single.store.checkpoints("US")  # one, at the initial data


def test_any_signer_signs_entries_and_checkpoints(store: LedgerStore) -> None:
    """The Signer port: a signer that is not a PartyKey signs every entry and the exchange's checkpoint."""
    signer = CountingSigner(KEY)
    ledger = _ledger(store, signer)
    ledger.submit("US", [initial_launchers(UIDS), *toggles(UIDS, 3)])
    assert signer.signed == 4 + 1  # four entries and one checkpoint
    [checkpoint] = store.checkpoints("US")
    origin = log_origin(ledger.party("US"))
    assert verify_note(parse_note(checkpoint.note), Verifier(origin, KEY.public_key)) == {}  # raises if bad
    assert StoredTree(store, "US").root(checkpoint.size) == checkpoint.root


def test_a_signer_holding_another_key_stores_nothing(store: LedgerStore) -> None:
    ledger = _ledger(store, LyingSigner(KEY, PartyKey.from_seed("US", bytes([32]) * 32)))
    with pytest.raises(LedgerError, match="does not verify with US's registered key: nothing was stored"):
        ledger.submit("US", [initial_launchers(UIDS), *toggles(UIDS, 3)])
    assert store.head("US") is None
    assert store.checkpoints("US") == []
    assert ledger.state("US").seq == 0
    _ledger(store).submit("US", [initial_launchers(UIDS)])  # the right key goes on from nothing
    assert store.head("US") is not None


def test_a_ledger_without_the_partys_key_names_the_key_it_needs(store: LedgerStore) -> None:
    ledger = _ledger(store, PartyKey.from_seed("US", bytes([33]) * 32))
    with pytest.raises(LedgerError, match=f"no signer for US's registered key {fingerprint(KEY.public_key)}"):
        ledger.submit("US", [initial_launchers(UIDS)])
    assert store.head("US") is None


def test_a_batch_refused_midway_leaves_no_trace_and_the_next_goes_on(store: LedgerStore) -> None:
    ledger = _ledger(store)
    ledger.submit("US", [initial_launchers(UIDS)])
    good = toggles(UIDS, 30)
    bad = {**good[20], "content": {**good[20]["content"], "from": "test"}}  # not the item's status
    before = list(store.entries("US"))
    with pytest.raises(NotificationError, match=r"notification #21: content\.from"):
        ledger.submit("US", [*good[:20], bad, *good[21:]])
    assert list(store.entries("US")) == before
    assert ledger.state("US") == replay("US", before)
    assert [a.seq for a in ledger.submit("US", good)] == list(range(2, 32))


def test_leaving_the_with_block_closes_the_store(tmp_path: Path) -> None:
    """SQLite removes its write-ahead log when the last connection closes: nothing is left open."""
    path = tmp_path / "l.sqlite"
    with _ledger(open_store(str(path))) as ledger:
        ledger.submit("US", [initial_launchers(UIDS)])
        assert path.with_name("l.sqlite-wal").exists()
    assert not path.with_name("l.sqlite-wal").exists()


# --- a ledger written before the redesign -----------------------------------------------------------------------


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """A copy of the ledger written at e6b29b6 (opening it may add a write-ahead log beside it)."""
    return Path(shutil.copy(LEGACY, tmp_path / "legacy.sqlite"))


def test_a_ledger_written_before_the_redesign_opens_verifies_and_replays(legacy: Path) -> None:
    with open_store(str(legacy)) as old:
        assert [r.party for r in old.parties()] == ["RU", "US"]
        for record in old.parties():
            assert record.public_key == KEYS[record.party].public_key
            payloads = list(verify_chain(old.entries(record.party), record.party, record.public_key))
            assert len(payloads) == 21
            assert replay_store(old, record.party) == replay(record.party, old.entries(record.party))
            origin = log_origin(record)
            for checkpoint in old.checkpoints(record.party):
                verify_note(parse_note(checkpoint.note), Verifier(origin, record.public_key))
                assert StoredTree(old, record.party).root(checkpoint.size) == checkpoint.root


def test_todays_writer_writes_the_same_bytes_as_the_old_one(legacy: Path, tmp_path: Path) -> None:
    """Same drafts, same keys: the same payloads, signatures, hashes, derived columns, tree and checkpoints."""
    with Ledger(open_store(str(tmp_path / "new.sqlite")), KEYS.values(), catalog_at_e6b29b6(), get_treaty) as new:
        for party, key in KEYS.items():
            new.register(party, key.public_key, "new-start")
        for party, batch in drafts():
            new.submit(party, batch)
        with open_store(str(legacy)) as old:
            for party in KEYS:
                assert list(new.store.entries(party)) == list(old.entries(party))
                assert new.store.checkpoints(party) == old.checkpoints(party)
                assert StoredTree(new.store, party).root() == StoredTree(old, party).root()
            # and the old ledger takes new appends from today's writer
            with Ledger(old, KEYS.values(), CATALOG, get_treaty) as resumed:
                uid = next(b[0]["content"]["uid"] for p, b in drafts() if p == "US" and b[0]["type"] == "status-change")
                assert resumed.state("US").items[uid].status.value == "non-deployed"
                when = "2020-12-01T00:00:00Z"
                change = {"uid": uid, "from": "non-deployed", "to": "deployed", "warheads": 1}
                [accepted] = resumed.submit(
                    "US", [{"type": "status-change", "sent": when, "effective": when, "content": change}]
                )
                assert accepted.seq == 22
                assert len(list(verify_chain(old.entries("US"), "US", KEYS["US"].public_key))) == 22


# --- dates, retries and racing writers --------------------------------------------------------------------------


def _change(uid: str, frm: str, to: str, when: str) -> dict[str, Any]:
    content = {"uid": uid, "from": frm, "to": to, **({"warheads": 1} if to == "deployed" else {})}
    return {"type": "status-change", "sent": when, "effective": when, "content": content}


@pytest.mark.parametrize("field", ["sent", "effective"])
def test_nothing_is_notified_under_a_treaty_that_has_expired(store: LedgerStore, field: str) -> None:
    """New START expired on 2026-02-05: a notification dated then or later is refused, naming the date."""
    ledger = _ledger(store)
    ledger.submit("US", [initial_launchers(UIDS)])
    late = _change(UIDS[0], "deployed", "non-deployed", "2026-02-04T23:59:59Z")
    late[field] = "2026-02-05T00:00:00Z"
    if field == "effective":
        late["sent"] = "2026-02-06T00:00:00Z"
    with pytest.raises(
        NotificationError, match=rf"{field}: \[order\] .* on or after 2026-02-05, when the treaty expired"
    ):
        ledger.submit("US", [late])
    assert store.tree_size("US") == 1
    [ok] = ledger.submit("US", [_change(UIDS[0], "deployed", "non-deployed", "2026-02-04T23:59:59Z")])
    assert ok.seq == 2


def test_a_notification_sent_in_the_writers_future_is_refused(store: LedgerStore) -> None:
    """With a clock, nothing later than its time plus the tolerance: a date in 9999 would block the ledger."""
    now = dt.datetime(2011, 3, 1, 12, tzinfo=dt.UTC)
    ledger = Ledger(store, KEY, CATALOG, get_treaty, clock=lambda: now)
    ledger.register("US", KEY.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS)])
    ahead = format_time(now + CLOCK_TOLERANCE + dt.timedelta(seconds=1))
    with pytest.raises(NotificationError, match=r"sent: \[order\] sent .* later than this writer's clock allows"):
        ledger.submit("US", [_change(UIDS[0], "deployed", "non-deployed", ahead)])
    within = format_time(now + CLOCK_TOLERANCE)
    assert [a.seq for a in ledger.submit("US", [_change(UIDS[0], "deployed", "non-deployed", within)])] == [2]


def test_a_retried_submit_appends_nothing_and_says_so(store: LedgerStore) -> None:
    ledger = _ledger(store)
    ledger.submit("US", [initial_launchers(UIDS)])
    batch = toggles(UIDS, 5)
    first = ledger.submit("US", batch)
    again = ledger.submit("US", batch)
    assert [(a.seq, a.hash) for a in again] == [(a.seq, a.hash) for a in first]
    assert all(a.repeated for a in again)
    assert not any(a.repeated for a in first)
    assert store.tree_size("US") == 6
    with pytest.raises(NotificationError, match=r"\[order\]"):  # a batch that only partly matches is judged anew
        ledger.submit("US", [*batch[3:], batch[0]])
    assert store.tree_size("US") == 6


def test_a_second_writer_that_fell_behind_makes_its_batch_again_on_the_new_head(tmp_path: Path) -> None:
    """Two processes' writers on one ledger: the one whose state is stale retries once, and nothing is lost."""
    path = str(tmp_path / "l.sqlite")
    with _ledger(open_store(path)) as first, Ledger(open_store(path), KEY, CATALOG, get_treaty) as second:
        first.submit("US", [initial_launchers(UIDS)])
        assert second.state("US").seq == 1  # second reads the head now, then falls behind
        first.submit("US", [_change(UIDS[0], "deployed", "non-deployed", "2011-03-01T00:00:00Z")])
        [accepted] = second.submit("US", [_change(UIDS[1], "deployed", "non-deployed", "2011-03-02T00:00:00Z")])
        assert accepted.seq == 3
        assert len(list(verify_chain(first.store.entries("US"), "US", KEY.public_key))) == 3


class _Racing(MemoryStore):
    """A store that another writer always beats to the next entry."""

    def append(self, batch: Any, checkpoints: Any = ()) -> None:
        if batch and batch[0].seq > 1:
            raise ConflictError("the store refused the write: another writer appended meanwhile")
        super().append(batch, checkpoints)


def test_a_writer_that_keeps_losing_the_race_says_busy_and_stores_nothing() -> None:
    ledger = _ledger(_Racing())
    ledger.submit("US", [initial_launchers(UIDS)])
    with pytest.raises(ConflictError, match="busy: another writer keeps appending to US's ledger"):
        ledger.submit("US", toggles(UIDS, 3))
    assert ledger.store.tree_size("US") == 1
    assert ledger.state("US").seq == 1
