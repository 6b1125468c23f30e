"""Checkpoints issued at every data exchange by the writer, and ``detente trust checkpoints``.

A batch with an initial data or a six-monthly update gets one signed C2SP checkpoint per exchange, at the size that
ends with it, recorded in the batch's transaction; the note verifies with the party's registered key and its root
is the in-memory tree's over the entries up to that size. Other notifications and imports record none; a refused
batch records nothing. The CLI lists the checkpoints and exports each note with a consistency proof from the one
before, which ``trust verify`` and a witness's ``trust cosign`` accept in turn.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, save_key
from detente.crypto.merkle import MerkleTree, leaf_hash, verify_consistency
from detente.crypto.note import (
    Verifier,
    parse_note,
    parse_tlog_consistency,
    parse_tlog_proof,
    verifier_key,
    verify_note,
)
from detente.crypto.stored_tree import StoredTree
from detente.data.forces import load_force
from detente.errors import NotificationError
from detente.ledger.checkpoints import EXCHANGES, log_origin
from detente.ledger.convert import declaration_from_state, initial_data
from detente.ledger.memory import MemoryStore
from detente.ledger.port import LedgerStore
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

CATALOG = builtin_catalog()
KEY = PartyKey.from_seed("US", bytes([21]) * 32)
OTHER = PartyKey.from_seed("RU", bytes([22]) * 32)
FORCE = load_force("us-2020-09", CATALOG)
T0 = dt.datetime.combine(FORCE.info.as_of, dt.time(), dt.UTC)


def at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def change(uid: str, frm: str, to: str, days: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "status-change",
        "effective": at(days),
        "sent": at(days + 1),
        "content": {"uid": uid, "from": frm, "to": to, **extra},
    }


def update(ledger: Ledger, days: int) -> dict[str, Any]:
    return {
        "type": "data-update",
        "effective": at(days),
        "sent": at(days + 3),
        "content": declaration_from_state(ledger.state("US")),
    }


INITIAL = initial_data(FORCE, "US", T0, T0)
MM = next(i["uid"] for i in INITIAL["content"]["items"] if i["system"] == "minuteman-iii" and i["status"] == "deployed")


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    store: LedgerStore = MemoryStore() if request.param == "memory" else open_store(str(tmp_path / "l.sqlite"))
    led = Ledger(store, KEY, CATALOG, get_treaty)
    led.register("US", KEY.public_key, "new-start")
    yield led
    store.close()
    gc.collect()


def build(ledger: Ledger) -> None:
    """Initial data (#1); two changes (#2, #3); an update between two changes (#5 of #4..#6); an update alone (#7)."""
    ledger.submit("US", [INITIAL])
    ledger.submit(
        "US", [change(MM, "deployed", "non-deployed", 3), change(MM, "non-deployed", "deployed", 5, warheads=1)]
    )
    ledger.submit("US", [change(MM, "deployed", "non-deployed", 8)])
    ledger.submit("US", [update(ledger, 10), change(MM, "non-deployed", "deployed", 12, warheads=1)])
    ledger.submit("US", [update(ledger, 20)])


def assert_sound(ledger: Ledger, party: str, key: PartyKey) -> list[int]:
    """Every recorded checkpoint verifies with the party's key and has the in-memory root; returns their sizes."""
    store = ledger.store
    record = ledger.party(party)
    stored = list(store.entries(party))
    tree = MerkleTree.from_leaf_hashes([leaf_hash(e.payload) for e in stored])
    origin = log_origin(record)
    sizes = []
    for k in store.checkpoints(party):
        note = parse_note(k.note)
        assert verify_note(note, Verifier(origin, key.public_key)) == {}
        cp = note.checkpoint()
        assert (cp.origin, cp.size, cp.root) == (origin, k.size, k.root)
        assert k.root == tree.root(k.size)
        assert stored[k.size - 1].notification()["type"] in EXCHANGES
        sizes.append(k.size)
    return sizes


def test_one_checkpoint_per_data_exchange_at_the_size_it_ends(ledger: Ledger) -> None:
    build(ledger)
    assert [e.notification()["type"] for e in ledger.store.entries("US")] == [
        "initial-data", "status-change", "status-change", "status-change", "data-update", "status-change",
        "data-update",
    ]  # fmt: skip
    assert assert_sound(ledger, "US", KEY) == [1, 5, 7]


def test_a_batch_with_two_exchanges_gets_two_checkpoints(ledger: Ledger) -> None:
    ledger.submit("US", [INITIAL])
    ledger.submit("US", [update(ledger, 4), change(MM, "deployed", "non-deployed", 8), update(ledger, 10)])
    assert assert_sound(ledger, "US", KEY) == [1, 2, 4]


def test_a_refused_batch_records_no_checkpoint(ledger: Ledger) -> None:
    ledger.submit("US", [INITIAL])
    bad = change(MM, "non-deployed", "deployed", 5)  # MM is deployed: the change starts from the wrong status
    with pytest.raises(NotificationError):
        ledger.submit("US", [update(ledger, 4), bad])
    assert [k.size for k in ledger.store.checkpoints("US")] == [1]
    assert ledger.store.tree_size("US") == 1


def test_the_checkpoint_is_signed_with_the_key_of_the_append(ledger: Ledger) -> None:
    ledger.submit("US", [INITIAL])
    note = parse_note(ledger.store.checkpoints("US")[0].note)
    origin = "detente/new-start/US"
    assert [s.name for s in note.signatures] == [origin]
    assert verify_note(note, Verifier(origin, KEY.public_key)) == {}
    with pytest.raises(Exception, match="no valid signature"):
        verify_note(note, Verifier(origin, OTHER.public_key))


def test_imported_entries_get_no_checkpoint_but_the_same_tree(ledger: Ledger) -> None:
    build(ledger)
    copy = Ledger(MemoryStore(), (), CATALOG, get_treaty)
    record = ledger.party("US")
    copy.register("US", record.public_key, record.treaty)
    assert copy.import_entries(record, ledger.store.entries("US")) == 7
    assert copy.store.checkpoints("US") == []
    assert StoredTree(copy.store, "US").root() == StoredTree(ledger.store, "US").root()


# --- the CLI ------------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_ledger(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> tuple[str, Path]:
    """A SQLite ledger built through the writer as in ``build``, with the US key saved to a file."""
    path = tmp_path / "us.sqlite"
    led = Ledger(open_store(str(path)), KEY, CATALOG, get_treaty)
    led.register("US", KEY.public_key, "new-start")
    build(led)
    led.store.close()
    key = tmp_path / "us.key"
    save_key(KEY, key)
    return str(path), key


def test_cli_lists_the_checkpoints(cli: Callable[..., tuple[int, str, str]], cli_ledger: tuple[str, Path]) -> None:
    ledger, _ = cli_ledger
    code, out, _ = cli("trust", "checkpoints", ledger, "--party", "US", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["origin"] == "detente/new-start/US"
    assert doc["size"] == 7
    assert [(c["size"], c["type"]) for c in doc["checkpoints"]] == [
        (1, "initial-data"), (5, "data-update"), (7, "data-update")
    ]  # fmt: skip
    assert all(parse_note(c["note"]).checkpoint().size == c["size"] for c in doc["checkpoints"])
    code, out, _ = cli("trust", "checkpoints", ledger, "--party", "US")
    assert code == 0
    assert "data-update" in out
    assert "initial-data" in out


def test_cli_exports_notes_and_proofs_that_a_witness_accepts_in_turn(
    cli: Callable[..., tuple[int, str, str]], cli_ledger: tuple[str, Path], tmp_path: Path
) -> None:
    ledger, _ = cli_ledger
    out_dir = tmp_path / "exported"
    assert cli("trust", "checkpoints", ledger, "--party", "US", "--out", str(out_dir))[0] == 0
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        [*(f"US-{n}.note" for n in (1, 5, 7)), *(f"US-{n}.consistency-proof" for n in (5, 7))]
    )
    witness_key = tmp_path / "ru.key"
    save_key(OTHER, witness_key)
    log_key = verifier_key(Verifier("detente/new-start/US", KEY.public_key))
    state = tmp_path / "ru-witness.json"
    previous = None
    for size in (1, 5, 7):
        proof_args: list[str] = []
        if previous is not None:
            proof_path = out_dir / f"US-{size}.consistency-proof"
            proof = parse_tlog_consistency(proof_path.read_text())
            old, new = proof.old.checkpoint(), proof.new.checkpoint()
            assert (old.size, new.size) == (previous, size)
            verify_consistency(old.size, size, old.root, new.root, proof.proof)
            assert cli("trust", "verify", str(proof_path), "--log-key", log_key)[0] == 0
            proof_args = ["--proof", str(proof_path)]
        code, cosigned, err = cli(
            "trust", "cosign", str(out_dir / f"US-{size}.note"), "--log-key", log_key, "--key", str(witness_key),
            "--state", str(state), *proof_args,
        )  # fmt: skip
        assert code == 0, cosigned + err
        assert "\u2014 RU " in cosigned
        previous = size
    code, out, err = cli("trust", "checkpoints", ledger, "--party", "US", "--out", str(out_dir))
    assert code == 2
    assert "refusing to overwrite" in out + err


def test_cli_refuses_an_unknown_party_and_sizes_beyond_the_log(
    cli: Callable[..., tuple[int, str, str]], cli_ledger: tuple[str, Path]
) -> None:
    ledger, _ = cli_ledger
    code, out, err = cli("trust", "checkpoints", ledger, "--party", "CN")
    assert code == 2
    assert "'CN' is not registered" in out + err
    code, out, err = cli("trust", "prove-inclusion", ledger, "--party", "US", "--seq", "3", "--size", "9")
    assert code == 2
    assert "no size 9" in out + err
    code, out, err = cli("trust", "prove-consistency", ledger, "--party", "US", "--from", "6", "--to", "5")
    assert code == 2
    assert "--from 6" in out + err


def test_cli_proofs_come_from_the_stored_tree(
    cli: Callable[..., tuple[int, str, str]], cli_ledger: tuple[str, Path], tmp_path: Path
) -> None:
    ledger, key = cli_ledger
    store = open_store(ledger)
    try:
        tree = MerkleTree.from_leaf_hashes([leaf_hash(e.payload) for e in store.entries("US")])
    finally:
        store.close()
    code, out, _ = cli(
        "trust", "prove-inclusion", ledger, "--party", "US", "--seq", "4", "--size", "6", "--key", str(key)
    )
    assert code == 0
    inclusion = parse_tlog_proof(out)
    assert list(inclusion.proof) == tree.inclusion_proof(3, 6)
    assert inclusion.note.checkpoint().root == tree.root(6)
    code, out, _ = cli("trust", "prove-consistency", ledger, "--party", "US", "--from", "3", "--key", str(key))
    assert code == 0
    assert list(parse_tlog_consistency(out).proof) == tree.consistency_proof(3, 7)
    code, out, _ = cli("trust", "prove-consistency", ledger, "--party", "US", "--from", "5")  # recorded: 5 and 7
    assert code == 0
    assert list(parse_tlog_consistency(out).proof) == tree.consistency_proof(5, 7)
    note = tmp_path / "now.note"
    assert cli("trust", "checkpoint", ledger, "--key", str(key), "--out", str(note))[0] == 0
    assert parse_note(note.read_text()).checkpoint().root == tree.root()
