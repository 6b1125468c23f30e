"""``ledger verify`` reads each party's entries against its own signed checkpoints (detente.ledger.audit).

The defect this answers: a ledger whose last entry was deleted (the append-only trigger dropped first) verified,
although the party's own checkpoint, signed and recorded with the ledger, is of the larger size; and ``trust
checkpoints`` then crashed. Each attack below edits the store behind the writer's back, the way the database's
owner could, and the test names the fault ``ledger verify`` reports (and that ``trust checkpoints`` refuses
cleanly). Refusals of something checked exit 3 once the CLI tells them from bad input (2): either is accepted here,
never 0 or 1.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, save_key
from detente.crypto.note import Checkpoint, sign_note
from detente.data.forces import load_force
from detente.errors import ChainError, CheckpointError, LedgerError
from detente.ledger.audit import audit_store, verify_store
from detente.ledger.convert import declaration_from_state, initial_data
from detente.ledger.memory import MemoryStore
from detente.ledger.port import CheckpointRecord
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

from builders import behind_the_writers_back

CATALOG = builtin_catalog()
US = PartyKey.from_seed("US", bytes([31]) * 32)
RU = PartyKey.from_seed("RU", bytes([32]) * 32)
OTHER = PartyKey.from_seed("US", bytes([33]) * 32)
FORCE = load_force("us-2020-09", CATALOG)
T0 = dt.datetime.combine(FORCE.info.as_of, dt.time(), dt.UTC)
ORIGIN = "detente/new-start/US"
INITIAL = initial_data(FORCE, "US", T0, T0)
MM = next(i["uid"] for i in INITIAL["content"]["items"] if i["system"] == "minuteman-iii" and i["status"] == "deployed")

Cli = Callable[..., tuple[int, str, str]]


def at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def change(frm: str, to: str, days: int, **extra: Any) -> dict[str, Any]:
    return {"type": "status-change", "effective": at(days), "sent": at(days + 1),
            "content": {"uid": MM, "from": frm, "to": to, **extra}}  # fmt: skip


def build(ledger: Ledger) -> None:
    """US: initial data (#1, checkpointed), three changes, an update (#5, checkpointed), a change, an update (#7)."""
    ledger.register("US", US.public_key, "new-start")
    ledger.submit("US", [INITIAL])
    ledger.submit("US", [change("deployed", "non-deployed", 3), change("non-deployed", "deployed", 5, warheads=1)])
    ledger.submit("US", [change("deployed", "non-deployed", 8)])
    update = {"type": "data-update", "effective": at(10), "sent": at(13)}
    ledger.submit("US", [{**update, "content": declaration_from_state(ledger.state("US"))}])
    ledger.submit("US", [change("non-deployed", "deployed", 12, warheads=1)])
    update = {"type": "data-update", "effective": at(20), "sent": at(23)}
    ledger.submit("US", [{**update, "content": declaration_from_state(ledger.state("US"))}])


@pytest.fixture
def memory() -> MemoryStore:
    store = MemoryStore()
    build(Ledger(store, US, CATALOG, get_treaty))
    return store


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> str:
    path = tmp_path / "us.sqlite"
    store = open_store(str(path))
    build(Ledger(store, US, CATALOG, get_treaty))
    store.close()
    gc.collect()
    return str(path)


def refused(code: int) -> bool:
    return code in (2, 3)


# ------------------------------------------------------------------------------------------------ the audit itself


def test_an_honest_ledger_verifies_with_every_checkpoint(memory: MemoryStore) -> None:
    audit = audit_store(memory, "US")
    assert (audit.ok, audit.entries, audit.checkpoints) == (True, 7, 3)
    assert audit.as_dict() == {"party": "US", "entries": 7, "checkpoints": 3, "ok": True, "fault": None}
    seen: list[int] = []
    assert verify_store(memory, "US", seen.append) == 7
    assert seen[-1] == 7


def test_the_last_entry_deleted_is_found_by_its_checkpoint(memory: MemoryStore) -> None:
    memory._entries["US"].pop()  # the chain #1..#6 still verifies on its own
    with pytest.raises(CheckpointError) as caught:
        verify_store(memory, "US")
    assert str(caught.value) == "US ledger: entries missing after #6 (checkpoint at size 7)"
    audit = audit_store(memory, "US")
    assert (audit.ok, audit.entries, audit.checkpoints) == (False, 6, 2)


def test_a_checkpoint_signed_with_another_key_is_named(memory: MemoryStore) -> None:
    k = memory._checkpoints["US"][5]
    forged = sign_note(Checkpoint(ORIGIN, 5, k.root).body(), ORIGIN, OTHER).text()
    memory._checkpoints["US"][5] = CheckpointRecord("US", 5, k.root, forged)
    with pytest.raises(CheckpointError, match=r"^US ledger: checkpoint at size 5: no valid signature by the log key"):
        verify_store(memory, "US")
    assert audit_store(memory, "US").checkpoints == 1


def test_a_checkpoint_of_another_log_is_named(memory: MemoryStore) -> None:
    k = memory._checkpoints["US"][5]
    other_log = sign_note(Checkpoint("detente/start-i/US", 5, k.root).body(), ORIGIN, US).text()
    memory._checkpoints["US"][5] = CheckpointRecord("US", 5, k.root, other_log)
    with pytest.raises(CheckpointError, match="checkpoint at size 5: its origin is 'detente/start-i/US'"):
        verify_store(memory, "US")


def test_a_checkpoint_whose_stored_columns_differ_from_its_note_is_named(memory: MemoryStore) -> None:
    k = memory._checkpoints["US"][5]
    memory._checkpoints["US"][5] = CheckpointRecord("US", 5, bytes(32), k.note)
    with pytest.raises(CheckpointError, match="checkpoint at size 5: the size or root stored beside the note"):
        verify_store(memory, "US")


def test_a_checkpoint_with_another_root_than_the_entries_is_named(memory: MemoryStore) -> None:
    """The party's key signed a root its stored entries do not have: entries replaced, or the note."""
    wrong = bytes(range(32))
    note = sign_note(Checkpoint(ORIGIN, 5, wrong).body(), ORIGIN, US).text()
    memory._checkpoints["US"][5] = CheckpointRecord("US", 5, wrong, note)
    with pytest.raises(CheckpointError, match=r"checkpoint at size 5: its root is not the root of entries #1\.\.#5"):
        verify_store(memory, "US")


def test_an_entry_fault_before_a_checkpoint_is_reported_first(memory: MemoryStore) -> None:
    entries = memory._entries["US"]
    entries[2] = entries[2]._replace(signature=bytes(64))  # #3 broken, checkpoint 5 after it
    del memory._checkpoints["US"][7]
    with pytest.raises(ChainError) as caught:
        verify_store(memory, "US")
    assert caught.value.seq == 3
    audit = audit_store(memory, "US")
    assert (audit.entries, audit.checkpoints) == (2, 1)


def test_a_checkpoint_of_size_zero_must_have_the_empty_root(memory: MemoryStore) -> None:
    bad = sign_note(Checkpoint(ORIGIN, 0, bytes(32)).body(), ORIGIN, US).text()
    memory._checkpoints["US"][0] = CheckpointRecord("US", 0, bytes(32), bad)
    with pytest.raises(CheckpointError, match="checkpoint at size 0: its root is not the root"):
        verify_store(memory, "US")


def test_an_unknown_party_is_bad_input(memory: MemoryStore) -> None:
    with pytest.raises(LedgerError, match="'CN' is not registered"):
        audit_store(memory, "CN")


# ------------------------------------------------------------------------------------------------ the CLI


def test_cli_verifies_entries_and_checkpoints(cli: Cli, sqlite_ledger: str) -> None:
    code, out, _ = cli("ledger", "verify", sqlite_ledger)
    assert code == 0
    assert "US: 7 entries, chain and signatures verify; 3 recorded checkpoints match them" in out
    code, out, _ = cli("ledger", "verify", sqlite_ledger, "--json")
    assert code == 0
    assert json.loads(out) == [{"party": "US", "entries": 7, "checkpoints": 3, "ok": True, "fault": None}]


@pytest.fixture
def last_entry_deleted(sqlite_ledger: str) -> str:
    """Entry #7 (the last update) deleted; the checkpoint the party signed at size 7 stays."""
    behind_the_writers_back(sqlite_ledger, ("DELETE FROM ledger_entries WHERE party = 'US' AND seq = 7", ()))
    return sqlite_ledger


def test_cli_names_the_entries_missing_after_a_deleted_tail(cli: Cli, last_entry_deleted: str) -> None:
    code, out, err = cli("ledger", "verify", last_entry_deleted)
    assert refused(code)
    assert "US ledger: entries missing after #6 (checkpoint at size 7)" in out + err
    code, out, _ = cli("ledger", "verify", last_entry_deleted, "--json")
    assert refused(code)
    fault = "US ledger: entries missing after #6 (checkpoint at size 7)"
    assert json.JSONDecoder().raw_decode(out)[0] == [
        {"party": "US", "entries": 6, "checkpoints": 2, "ok": False, "fault": fault}
    ]


def test_cli_trust_checkpoints_refuses_a_deleted_tail_cleanly(cli: Cli, last_entry_deleted: str) -> None:
    for extra in ([], ["--json"]):
        code, out, err = cli("trust", "checkpoints", last_entry_deleted, "--party", "US", *extra)
        assert refused(code)
        assert "entries missing after #6 (checkpoint at size 7)" in out + err
        assert "Traceback" not in out + err


def test_cli_trust_checkpoints_refuses_a_deleted_checkpointed_entry_cleanly(cli: Cli, sqlite_ledger: str) -> None:
    behind_the_writers_back(sqlite_ledger, ("DELETE FROM ledger_entries WHERE party = 'US' AND seq = 5", ()))
    code, out, err = cli("trust", "checkpoints", sqlite_ledger, "--party", "US")
    assert refused(code)
    assert "entry #5, which its checkpoint at size 5 ends with, is missing" in out + err
    code, out, err = cli("ledger", "verify", sqlite_ledger)
    assert refused(code)
    assert "where 5 was expected" in out + err


def test_cli_names_a_checkpoint_note_replaced_in_the_database(cli: Cli, sqlite_ledger: str) -> None:
    root = bytes(range(32))
    note = sign_note(Checkpoint(ORIGIN, 5, root).body(), ORIGIN, US).text()
    behind_the_writers_back(
        sqlite_ledger,
        ("UPDATE ledger_checkpoints SET note = ?, root = ? WHERE party = 'US' AND size = 5", (note, root)),
    )
    code, out, err = cli("ledger", "verify", sqlite_ledger, "--party", "US")
    assert refused(code)
    assert "checkpoint at size 5: its root is not the root of entries #1..#5" in out + err
    # a proof under that note is refused too: the ledger never hands out a checkpoint its entries do not have
    code, out, err = cli("trust", "prove-inclusion", sqlite_ledger, "--party", "US", "--seq", "2", "--size", "5")
    assert refused(code)
    assert "another root than this ledger's entries" in out + err


def test_cli_json_reports_every_party(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "two.sqlite"
    store = open_store(str(path))
    ledger = Ledger(store, [US, RU], CATALOG, get_treaty)
    build(ledger)
    ledger.register("RU", RU.public_key, "new-start")
    store.close()
    gc.collect()
    behind_the_writers_back(str(path), ("DELETE FROM ledger_entries WHERE party = 'US' AND seq = 7", ()))
    code, out, _ = cli("ledger", "verify", str(path), "--json")
    assert refused(code)
    parties = {r["party"]: r for r in json.JSONDecoder().raw_decode(out)[0]}
    assert parties["RU"] == {"party": "RU", "entries": 0, "checkpoints": 0, "ok": True, "fault": None}
    assert parties["US"]["ok"] is False


def test_cli_never_hands_out_a_proof_read_from_a_damaged_tree(cli: Cli, tmp_path: Path) -> None:
    """Nodes of 16 entries and more are stored; one edited gives a proof that does not verify, and it is refused."""
    path = tmp_path / "long.sqlite"
    store = open_store(str(path))
    ledger = Ledger(store, US, CATALOG, get_treaty)
    build(ledger)
    moves = [("deployed", "non-deployed", {}), ("non-deployed", "deployed", {"warheads": 1})]
    ledger.submit("US", [change(*moves[i % 2][:2], 30 + 2 * i, **moves[i % 2][2]) for i in range(13)])
    store.close()
    gc.collect()
    key = tmp_path / "us.key"
    save_key(US, key)
    prove = ["trust", "prove-inclusion", str(path), "--party", "US", "--seq", "3", "--key", str(key)]
    assert cli(*prove)[0] == 0
    behind_the_writers_back(
        str(path), ("UPDATE ledger_tree_nodes SET hash = ? WHERE party = 'US' AND level = 4 AND idx = 0", (bytes(32),))
    )
    code, out, err = cli(*prove)
    assert refused(code)
    assert "the proof read from the ledger's stored tree does not verify" in out + err
    assert "c2sp.org/tlog-proof@v1" not in out
