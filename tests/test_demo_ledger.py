"""The illustrative demo ledger: built through the real writer, its replayed counts equal the published figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from detente.catalog.load import builtin_catalog
from detente.counting.tally import count
from detente.crypto.merkle import MerkleTree, leaf_hash, verify_consistency
from detente.crypto.note import Checkpoint, Verifier, parse_note, verify_note
from detente.crypto.stored_tree import StoredTree
from detente.data.official import new_start_aggregates
from detente.demo.ledger import build_demo_ledger, demo_dates, demo_key, demo_keys
from detente.ledger.chain import verify_chain
from detente.ledger.replay import history, moment, replay, replay_store
from detente.ledger.rules import discrepancies
from detente.ledger.state import to_force
from detente.ledger.writer import Accepted, Ledger
from detente.store.ledger_store import SqlLedgerStore, open_store
from detente.treaty.load import get_treaty

CATALOG = builtin_catalog()
TREATY = get_treaty("new-start")


class RecordingLedger(Ledger):
    """A ledger that keeps every Accepted it returns, so that the flags can be checked."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.accepted: list[tuple[str, Accepted]] = []

    def submit(self, party: str, drafts: Sequence[dict[str, Any]], origin: str = "") -> list[Accepted]:
        accepted = super().submit(party, drafts, origin)
        self.accepted += [(d["type"], a) for d, a in zip(drafts, accepted, strict=True)]
        return accepted


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqlLedgerStore, RecordingLedger, list[str]]]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = open_store(str(path))
    ledger = RecordingLedger(store, demo_keys(), CATALOG, get_treaty)
    messages: list[str] = []
    build_demo_ledger(ledger, messages.append)
    yield store, ledger, messages
    store.close()


@pytest.fixture(scope="module")
def store(built: tuple[SqlLedgerStore, RecordingLedger, list[str]]) -> SqlLedgerStore:
    return built[0]


@pytest.fixture(scope="module")
def entries(store: SqlLedgerStore) -> dict[str, list[Any]]:
    return {p: list(store.entries(p)) for p in ("US", "RU")}


def _published() -> list[tuple[dt.date, str, str, int]]:
    return [
        (a.as_of, a.party, measure, value)
        for a in new_start_aggregates()
        for measure, value in a.figures.items()
        if value is not None
    ]


def test_dates_are_the_data_dates() -> None:
    dates = demo_dates()
    assert dates[0] == dt.date(2011, 2, 5)
    assert dates[-1] == dt.date(2023, 3, 1)
    assert dt.date(2018, 2, 5) in dates
    assert len(dates) == 25
    assert dates == sorted(set(dates))


@pytest.mark.parametrize("party", ["US", "RU"])
def test_counts_equal_every_published_figure(party: str, entries: dict[str, list[Any]]) -> None:
    checked = 0
    by_date: dict[dt.date, dict[str, int]] = {}
    for day, p, measure, value in _published():
        if p == party:
            by_date.setdefault(day, {})[measure] = value
    for day, figures in sorted(by_date.items()):
        state = replay(party, entries[party], moment(day))
        tally = count(to_force([state], CATALOG, day), TREATY)
        got = {m: tally[(party, m)].total for m in figures}
        assert got == figures, f"{party} {day}"
        checked += len(figures)
    # every stated date of both parties: three measures each (the US also on 2023-03-01)
    stated = sum(1 for a in new_start_aggregates() if a.party == party and a.confidence == "stated")
    assert checked >= 3 * stated


def test_both_ledgers_cover_their_dates(entries: dict[str, list[Any]]) -> None:
    updates = {
        p: [e.notification()["effective"][:10] for e in es if e.notification()["type"] == "data-update"]
        for p, es in entries.items()
    }
    assert updates["US"][-1] == "2023-03-01"
    assert updates["RU"][-1] == "2022-09-01"  # Russia gave no data for 2023-03-01
    assert len(updates["US"]) == 24
    assert len(updates["RU"]) == 23


def test_no_flags_at_all(built: tuple[SqlLedgerStore, RecordingLedger, list[str]]) -> None:
    _, ledger, _ = built
    flagged = [(kind, a.party, a.seq, f.kind, f.message) for kind, a in ledger.accepted for f in a.flags]
    assert flagged == []
    assert sum(1 for kind, _ in ledger.accepted if kind == "data-update") == 24 + 23


@pytest.mark.parametrize("party", ["US", "RU"])
def test_updates_match_the_replayed_ledger(party: str, entries: dict[str, list[Any]]) -> None:
    """Recomputed independently of the writer: each update against the entries before it, replayed to its date."""
    es = entries[party]
    for n, entry in enumerate(es):
        payload = entry.notification()
        if payload["type"] != "data-update":
            continue
        state = replay(party, es[:n], payload["effective"])
        assert discrepancies(payload["content"], state) == [], f"{party} #{entry.seq}"


@pytest.mark.parametrize("party", ["US", "RU"])
def test_replay_from_stored_effects_equals_replay_of_the_signed_payloads(
    party: str, store: SqlLedgerStore, entries: dict[str, list[Any]]
) -> None:
    """The store's lean replay (effects, payloads only for data exchanges) equals applying every payload."""
    es = entries[party]
    assert sum(e.columns.effect is not None for e in es) > 0.9 * len(es)  # replay reads the effects, mostly
    moments = [None, *(moment(d) for d in demo_dates()), *(e.columns.effective for e in es[::97])]
    for until in moments:
        assert replay_store(store, party, until) == replay(party, es, until), until


@pytest.mark.parametrize("party", ["US", "RU"])
def test_nothing_is_late(party: str, entries: dict[str, list[Any]]) -> None:
    def t(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    for entry in entries[party]:
        p = entry.notification()
        lag = t(p["sent"]) - t(p["effective"])
        limit = {"initial-data": 45, "data-update": 30}.get(p["type"], 5)
        assert dt.timedelta(0) <= lag <= dt.timedelta(days=limit), f"{party} #{entry.seq} {p['type']}"


@pytest.mark.parametrize("party", ["US", "RU"])
def test_chain_verifies_with_the_demo_key(party: str, store: SqlLedgerStore) -> None:
    record = {r.party: r for r in store.parties()}[party]
    assert record.public_key == demo_key(party).public_key
    assert record.treaty == "new-start"
    payloads = list(verify_chain(store.entries(party), party, record.public_key))
    assert len(payloads) > 1000
    assert payloads[0]["type"] == "initial-data"
    assert "ILLUSTRATIVE" in payloads[0]["remarks"]
    assert all(p["treaty_ref"]["treaty"] == "new-start" and p["treaty_ref"]["part"] == "Four" for p in payloads)


def test_demo_keys_are_fixed() -> None:
    assert demo_key("US").public_key == demo_key("US").public_key
    assert demo_key("US").public_key != demo_key("RU").public_key


def test_every_notification_type_is_used(entries: dict[str, list[Any]]) -> None:
    kinds = {p: {e.notification()["type"] for e in es} for p, es in entries.items()}
    common = {"initial-data", "data-update", "status-change", "warheads-change", "elimination", "exhibition", "receipt"}
    assert common <= kinds["US"]
    assert common | {"new-item", "movement"} <= kinds["RU"]
    assert "conversion" in kinds["US"]


def test_a_converted_b52h_has_a_history(store: SqlLedgerStore, entries: dict[str, list[Any]]) -> None:
    converted = [
        e.notification()["content"]["uid"]
        for e in entries["US"]
        if e.notification()["type"] == "conversion" and e.notification()["content"]["uid"].startswith("US-B52H")
    ]
    assert len(converted) == 41
    uid = converted[0]
    changes = history(store.entries("US"), uid)
    kinds = [c.type for c in changes]
    assert kinds[0] == "initial-data"
    assert "conversion" in kinds
    conversion = changes[kinds.index("conversion")]
    assert "non-nuclear" in conversion.summary
    assert "2015-01-01" <= conversion.effective < "2017-09-01"
    final = replay("US", entries["US"])
    item = final.items[uid]
    assert item.status.value == "converted"
    assert item.armament is not None
    assert item.armament.value == "none"


def test_a_yars_launcher_is_produced_moved_and_deployed(store: SqlLedgerStore) -> None:
    kinds = [c.type for c in history(store.entries("RU"), "RU-RS24M-100")]
    assert kinds[:3] == ["new-item", "movement", "status-change"]


def test_an_ss25_launcher_is_eliminated(entries: dict[str, list[Any]]) -> None:
    final = replay("RU", entries["RU"])
    assert "RU-SS25-001" in final.retired
    kinds = [c.type for c in history(entries["RU"], "RU-SS25-001")]
    assert kinds[-2:] == ["movement", "elimination"]


def test_progress_is_reported(built: tuple[SqlLedgerStore, RecordingLedger, list[str]]) -> None:
    messages = built[2]
    assert messages[0].startswith("2011-02-05")
    assert messages[-1].startswith("2023-03-01")


def test_no_time_comes_from_the_clock(entries: dict[str, list[Any]]) -> None:
    """Fixed dates only: nothing is sent after the last update's deadline, whenever the demo is built."""
    last = max(e.notification()["sent"] for es in entries.values() for e in es)
    assert last <= "2023-03-31T00:00:00Z"


@pytest.mark.parametrize("party", ["US", "RU"])
def test_every_data_exchange_has_a_checkpoint_consistent_with_the_stored_tree(
    built: tuple[SqlLedgerStore, RecordingLedger, list[str]], entries: dict[str, list[Any]], party: str
) -> None:
    """One signed checkpoint per initial data and update, each shown by a stored-tree proof to precede the log now."""
    store, ledger, _ = built
    exchanges = [e.seq for e in entries[party] if e.notification()["type"] in ("initial-data", "data-update")]
    submitted = [a.seq for kind, a in ledger.accepted if a.party == party and kind in ("initial-data", "data-update")]
    assert exchanges == submitted
    # the initial data at entry into force, then one update per later data date; Russia gave none for 2023-03-01
    assert len(exchanges) == len(demo_dates()) - (party == "RU")
    recorded = store.checkpoints(party)
    assert [k.size for k in recorded] == exchanges
    tree = StoredTree(store, party)
    assert tree.size == len(entries[party])
    origin = f"detente/new-start/{party}"
    signer = Verifier(origin, demo_key(party).public_key)
    previous = None
    for k in recorded:
        note = parse_note(k.note)
        verify_note(note, signer)
        assert note.checkpoint() == Checkpoint(origin, k.size, k.root)
        to_now = tree.prove_consistency(k.size)
        verify_consistency(k.size, tree.size, k.root, to_now.new_root, to_now.proof)
        if previous is not None:  # and each extends the one before, as a witness checks it
            step = tree.consistency_proof(previous.size, k.size)
            verify_consistency(previous.size, k.size, previous.root, k.root, step)
        previous = k
    assert tree.root() == MerkleTree.from_leaf_hashes([leaf_hash(e.payload) for e in entries[party]]).root()
