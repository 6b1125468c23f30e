"""Keys over a decade: a party rotates its signing key, peers follow the rotation, and a revoked key signs nothing.

Through the real writer on the in-memory store and on SQLite (and the CLI): a rotation is signed by the key it
replaces and names the next; the writer signs with the current key; verify, import and the audit of recorded
checkpoints follow the rotations in the entries, whether or not they saw them before; a revoked key's signature
dated after its revocation is refused; a key any party held is never named again.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, fingerprint, load_key, save_key, verify
from detente.crypto.note import Checkpoint, Verifier, parse_note, sign_note, verify_note
from detente.crypto.stored_tree import StoredTree
from detente.errors import ChainError, CheckpointError, LedgerError, NotificationError
from detente.ledger.audit import audit_store, verify_store
from detente.ledger.chain import (
    KEY_ROTATION,
    Entry,
    KeyPeriod,
    Rotation,
    columns_of,
    key_at_size,
    key_periods,
    seal,
    verify_chain,
)
from detente.ledger.convert import declaration_from_state
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import parse_notification
from detente.ledger.port import CheckpointRecord, LedgerStore, PartyRecord
from detente.ledger.replay import key_history, replay, replay_store
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

from builders import behind_the_writers_back, initial_launchers

CATALOG = builtin_catalog()
US0 = PartyKey.from_seed("US", bytes([41]) * 32)  # registered
US1 = PartyKey.from_seed("US", bytes([42]) * 32)
US2 = PartyKey.from_seed("US", bytes([43]) * 32)
RU = PartyKey.from_seed("RU", bytes([44]) * 32)
UIDS = [f"US-MM3-{i}" for i in range(4)]
ORIGIN = "detente/new-start/US"
START = dt.datetime(2011, 2, 5, tzinfo=dt.UTC)  # New START's entry into force: the initial data is on time

Cli = Callable[..., tuple[int, str, str]]


def at(minutes: int) -> str:
    """A time, ``minutes`` after the initial data (the drafts below are sent in that order)."""
    return (START + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64(key: PartyKey) -> str:
    return base64.b64encode(key.public_key).decode()


def rotation(key: PartyKey | str, minute: int, revoke: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"public_key": key if isinstance(key, str) else b64(key)}
    if revoke is not None:
        content["revoke_previous_as_of"] = revoke
    return {"type": "key-rotation", "sent": at(minute), "effective": at(minute), "content": content}


class Toggles:
    """Status changes flipping the launchers in turn, each at the minute it is given (a model of their status)."""

    def __init__(self) -> None:
        self.deployed = dict.fromkeys(UIDS, True)
        self.k = 0

    def next(self, minute: int) -> dict[str, Any]:
        uid = UIDS[self.k % len(UIDS)]
        self.k += 1
        was = self.deployed[uid]
        self.deployed[uid] = not was
        content: dict[str, Any] = {"uid": uid, "from": "deployed" if was else "non-deployed"}
        content["to"] = "non-deployed" if was else "deployed"
        if not was:
            content["warheads"] = 1
        return {"type": "status-change", "sent": at(minute), "effective": at(minute), "content": content}


def initial() -> dict[str, Any]:
    return initial_launchers(UIDS, at(0))


def update(ledger: Ledger, minute: int) -> dict[str, Any]:
    """A six-monthly update declaring the state as it stands (checkpointed by the writer)."""
    content = declaration_from_state(ledger.state("US"))
    return {"type": "data-update", "sent": at(minute), "effective": at(minute), "content": content}


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    with MemoryStore() if request.param == "memory" else open_store(str(tmp_path / "l.sqlite")) as s:
        yield s


def writer(store: LedgerStore, *signers: Any) -> Ledger:
    ledger = Ledger(store, signers, CATALOG, get_treaty)
    if "US" not in {r.party for r in store.parties()}:
        ledger.register("US", US0.public_key, "new-start")
    return ledger


def signed_by(entry: Entry, *keys: PartyKey) -> list[PartyKey]:
    return [k for k in keys if verify(k.public_key, entry.payload, entry.signature)]


def forged(store: LedgerStore, draft: dict[str, Any], key: PartyKey) -> Entry:
    """The party's next entry made and signed with ``key`` outside the writer, as whoever holds that key could."""
    head = store.head("US")
    seq, prev = (head.seq + 1, head.hash_hex) if head else (1, "0" * 64)
    return seal(parse_notification({"party": "US", "seq": seq, "prev": prev, **draft}), key)


# ------------------------------------------------------------------------------------------------ the writer


def test_after_a_rotation_the_writer_signs_with_the_new_key(store: LedgerStore) -> None:
    ledger = writer(store, US0, US1)
    toggles = Toggles()
    ledger.submit("US", [initial(), toggles.next(1)])
    [rotated] = ledger.submit("US", [rotation(US1, 2)])
    assert rotated.seq == 3
    ledger.submit("US", [toggles.next(3), toggles.next(4)])
    entries = list(store.entries("US"))
    assert [signed_by(e, US0, US1) for e in entries] == [[US0], [US0], [US0], [US1], [US1]]  # the rotation: old key
    assert ledger.signer("US").public_key == US1.public_key
    assert len(list(verify_chain(store.entries("US"), "US", US0.public_key))) == 5  # from the registered key only
    assert verify_store(store, "US") == 5
    history = [KeyPeriod(US0.public_key, 1, 3, None), KeyPeriod(US1.public_key, 4, None, None)]
    assert key_history(store, "US") == history == ledger.key_history("US")
    assert replay_store(store, "US") == replay("US", entries)  # the lean replay reads the rotation too
    assert replay_store(store, "US").rotations == [Rotation(3, US1.public_key, None)]
    # another writer on the same store, its state read from storage, signs with the new key too
    again = Ledger(store, [US1], CATALOG, get_treaty)
    [accepted] = again.submit("US", [toggles.next(5)])
    assert signed_by(next(store.entries("US", accepted.seq)), US0, US1) == [US1]


def test_a_batch_that_rotates_and_goes_on_needs_both_signers(store: LedgerStore) -> None:
    toggles = Toggles()
    batch = [initial(), toggles.next(1), rotation(US1, 2), toggles.next(3)]
    with pytest.raises(LedgerError, match=r"no signer for US's current key \(named by #3\).*after the key rotation #3"):
        writer(store, US0).submit("US", batch)
    assert store.head("US") is None  # nothing of the batch was stored
    ledger = writer(store, US0, US1)
    assert [a.seq for a in ledger.submit("US", batch)] == [1, 2, 3, 4]
    assert [signed_by(e, US0, US1) for e in store.entries("US")] == [[US0], [US0], [US0], [US1]]
    assert verify_store(store, "US") == 4


def test_a_rotation_at_the_end_of_a_batch_needs_only_the_old_key(store: LedgerStore) -> None:
    """The CLI's case: the old key file signs the rotation, the new key file signs the next submit."""
    toggles = Toggles()
    old = writer(store, US0)
    old.submit("US", [initial(), rotation(US1, 1)])
    wanted = rf"no signer for US's current key \(named by #2\) {fingerprint(US1.public_key)}"
    with pytest.raises(LedgerError, match=wanted):
        old.submit("US", [toggles.next(2)])
    assert store.tree_size("US") == 2
    [accepted] = writer(store, US1).submit("US", [toggles.next(2)])
    assert accepted.seq == 3
    assert verify_store(store, "US") == 3


# ------------------------------------------------------------------------------------------------ old keys


class LyingSigner:
    """Claims one key but signs with another (a signing service that kept the old key)."""

    def __init__(self, claimed: PartyKey, actual: PartyKey) -> None:
        self.public_key, self.key_id, self._actual = claimed.public_key, claimed.key_id, actual

    def sign(self, message: bytes) -> bytes:
        return self._actual.sign(message)


def test_an_entry_signed_by_the_old_key_after_the_rotation_is_refused_and_named(store: LedgerStore) -> None:
    toggles = Toggles()
    ledger = writer(store, US0)
    ledger.submit("US", [initial(), rotation(US1, 1)])
    # the writer holds only the old key: it has nothing to sign with
    with pytest.raises(LedgerError, match="no signer for US's current key"):
        ledger.submit("US", [toggles.next(2)])
    # a signer that claims the new key but signs with the old one is caught before anything is written
    lying = Ledger(store, [LyingSigner(US1, US0)], CATALOG, get_treaty)
    with pytest.raises(LedgerError, match=r"does not verify with US's current key .*\(named by #2\): nothing was"):
        lying.submit("US", [toggles.next(2)])
    assert store.tree_size("US") == 2
    # forced into the store behind the writer's back: verify names it, and the key that signed it
    store.append([forged(store, toggles.next(2), US0)])
    with pytest.raises(ChainError) as caught:
        verify_store(store, "US")
    assert caught.value.seq == 3
    assert caught.value.why == (
        f"signed by key {fingerprint(US0.public_key)}, which #2 replaced with {fingerprint(US1.public_key)} "
        "(named by #2): the entries after a rotation are signed by the key it names"
    )


def test_a_rotation_not_signed_by_the_current_key_is_refused_on_submit(store: LedgerStore) -> None:
    writer(store, US0, US1).submit("US", [initial(), rotation(US1, 1)])
    # the next rotation must be signed by US1: a ledger holding only the registered key cannot sign it
    with pytest.raises(LedgerError, match="no signer for US's current key"):
        writer(store, US0, US2).submit("US", [rotation(US2, 2)])
    with pytest.raises(LedgerError, match="does not verify with US's current key"):
        Ledger(store, [LyingSigner(US1, US0)], CATALOG, get_treaty).submit("US", [rotation(US2, 2)])
    assert store.tree_size("US") == 2
    writer(store, US1).submit("US", [rotation(US2, 2)])
    assert [p.public_key for p in key_history(store, "US")] == [US0.public_key, US1.public_key, US2.public_key]


def _peer() -> Ledger:
    """A peer's ledger: it registered US's key and holds no key of US's."""
    return writer(MemoryStore())


def test_a_rotation_not_signed_by_the_current_key_is_refused_on_import(store: LedgerStore) -> None:
    writer(store, US0).submit("US", [initial()])
    record = PartyRecord("US", US0.public_key, "new-start")
    for key in (US1, RU):  # self-signed by the key it names, or by anyone else's
        peer = _peer()
        with pytest.raises(ChainError, match=r"^US ledger, entry #2: signature does not verify with the party's"):
            peer.import_entries(record, [*store.entries("US"), forged(store, rotation(US1, 1), key)])
        assert peer.store.tree_size("US") == 0  # all or nothing
    # after a real rotation, one more signed by the key it replaced
    writer(store, US0).submit("US", [rotation(US1, 1)])
    peer = _peer()
    with pytest.raises(ChainError, match=r"entry #3: signed by key .*, which #2 replaced"):
        peer.import_entries(record, [*store.entries("US"), forged(store, rotation(US2, 2), US0)])
    assert peer.import_entries(record, [*store.entries("US"), forged(store, rotation(US2, 2), US1)]) == 3


# ------------------------------------------------------------------------------------------------ revocation


def test_a_revocation_is_not_dated_before_what_the_revoked_key_signed_nor_after_the_rotation(
    store: LedgerStore,
) -> None:
    toggles = Toggles()
    ledger = writer(store, US0, US1)
    ledger.submit("US", [initial(), toggles.next(10)])  # #2, sent at minute 10
    field = "notification #1: content.revoke_previous_as_of"
    with pytest.raises(NotificationError, match=rf"{field}: \[key\] .* but that key signed #2, sent {at(10)}"):
        ledger.submit("US", [rotation(US1, 20, revoke=at(9))])
    with pytest.raises(NotificationError, match=rf"{field}: \[key\] .* as of {at(21)}, after the rotation is sent"):
        ledger.submit("US", [rotation(US1, 20, revoke=at(21))])
    assert store.tree_size("US") == 2
    ledger.submit("US", [rotation(US1, 20, revoke=at(15))])
    assert key_history(store, "US")[0] == KeyPeriod(US0.public_key, 1, 3, at(15))
    # a rotation right after another: the key it replaces signed nothing else, so any time up to now will do
    writer(store, US1, US2).submit("US", [rotation(US2, 21, revoke=at(1))])
    assert [p.revoked_as_of for p in key_history(store, "US")] == [at(15), at(1), None]


def _revoking_log(store: LedgerStore) -> Entry:
    """US's log (#1, #2 sent at minute 10) and a rotation #3 revoking US0 as of minute 5, all signed by US0.

    The writer refuses that rotation, but whoever holds US0 can make it: the rotation is returned, not stored.
    """
    toggles = Toggles()
    writer(store, US0).submit("US", [initial(), toggles.next(10)])
    return forged(store, rotation(US1, 20, revoke=at(5)), US0)


def test_a_revoked_keys_signature_dated_after_the_revocation_is_refused_on_import(store: LedgerStore) -> None:
    rotation_entry = _revoking_log(store)
    record = PartyRecord("US", US0.public_key, "new-start")
    with pytest.raises(NotificationError, match=r"US #3: content.revoke_previous_as_of: \[key\] .* signed #2"):
        _peer().import_entries(record, [*store.entries("US"), rotation_entry])


def test_verify_names_an_entry_the_revoked_key_signed_after_its_revocation(store: LedgerStore) -> None:
    rotation_entry = _revoking_log(store)
    store.append([rotation_entry])  # behind the writer's back
    with pytest.raises(ChainError) as caught:
        verify_store(store, "US")
    assert caught.value.seq == 2  # the entry dated after the revocation, not the rotation that revokes it
    assert caught.value.why == (
        f"signed by key {fingerprint(US0.public_key)}, which #3 revokes as of {at(5)}, and sent {at(10)}, after "
        "that: nothing a revoked key signs is dated after its revocation"
    )


def test_after_a_revocation_the_revoked_key_signs_nothing(store: LedgerStore) -> None:
    toggles = Toggles()
    writer(store, US0).submit("US", [initial(), rotation(US1, 1, revoke=at(1))])
    late = forged(store, toggles.next(2), US0)  # dated after the revocation, by the revoked key
    record = PartyRecord("US", US0.public_key, "new-start")
    why = f"signed by key {fingerprint(US0.public_key)}, which #2 replaced, revoked as of {at(1)},"
    with pytest.raises(ChainError, match=rf"entry #3: {why}"):
        _peer().import_entries(record, [*store.entries("US"), late])
    store.append([late])
    with pytest.raises(ChainError, match=rf"entry #3: {why}"):
        verify_store(store, "US")


# ------------------------------------------------------------------------------------------------ a peer


def _decade(store: LedgerStore) -> Ledger:
    """US: initial data (checkpointed), changes, a rotation to US1, an update (checkpointed), a rotation to US2
    revoking US1, changes, an update (checkpointed)."""
    ledger = writer(store, US0, US1, US2)
    toggles = Toggles()
    ledger.submit("US", [initial(), toggles.next(1), toggles.next(2)])  # #1-#3
    ledger.submit("US", [rotation(US1, 3), toggles.next(4)])  # #4, #5
    ledger.submit("US", [update(ledger, 5)])  # #6
    ledger.submit("US", [rotation(US2, 7, revoke=at(6)), toggles.next(8), toggles.next(9)])  # #7-#9
    ledger.submit("US", [update(ledger, 10)])  # #10
    return ledger


def test_a_peer_that_never_saw_the_rotations_follows_them(store: LedgerStore, tmp_path: Path) -> None:
    source = _decade(store)
    entries = list(store.entries("US"))
    record = PartyRecord("US", US0.public_key, "new-start")  # all the peer knows of US's keys
    with writer(open_store(str(tmp_path / "peer.sqlite"))) as peer:
        assert peer.import_entries(record, entries[:3]) == 3  # mirrored before any rotation
        assert peer.key_history("US") == [KeyPeriod(US0.public_key, 1, None, None)]
        assert peer.import_entries(record, entries) == 7  # the rest, with both rotations in it
        assert verify_store(peer.store, "US") == 10
        assert peer.key_history("US") == source.key_history("US") == key_history(peer.store, "US")
        assert peer.state("US") == source.state("US")
    with writer(MemoryStore()) as fresh:  # the whole log at once, into a ledger that only knew the registered key
        assert fresh.import_entries(record, entries) == 10
        assert fresh.key_history("US") == [
            KeyPeriod(US0.public_key, 1, 4, None),
            KeyPeriod(US1.public_key, 5, 7, at(6)),
            KeyPeriod(US2.public_key, 8, None, None),
        ]


def test_an_export_with_rotations_imports_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "us.sqlite"
    with open_store(str(source)) as s:
        _decade(s)
    gc.collect()
    export, target = tmp_path / "us.jsonl", tmp_path / "peer.sqlite"
    assert cli("ledger", "export", str(source), str(export))[0] == 0
    assert cli("ledger", "create", str(target))[0] == 0
    code, out, err = cli("ledger", "import", str(target), str(export), "--json")
    assert (code, json.loads(out)["imported"]) == (0, {"US": 10}), err
    code, out, err = cli("ledger", "verify", str(target), "--json")
    assert code == 0, err
    # an export carries entries, not checkpoints: the peer has none to check
    assert json.loads(out) == [{"party": "US", "entries": 10, "checkpoints": 0, "ok": True, "fault": None}]


# ------------------------------------------------------------------------------------------------ checkpoints


def test_checkpoints_across_a_rotation_verify_with_the_key_of_their_size(store: LedgerStore) -> None:
    _decade(store)
    audit = audit_store(store, "US")
    assert (audit.ok, audit.entries, audit.checkpoints) == (True, 10, 3)
    history = key_history(store, "US")
    for recorded, key in zip(store.checkpoints("US"), (US0, US1, US2), strict=True):
        assert key_at_size(history, recorded.size).public_key == key.public_key
        verify_note(parse_note(recorded.note), Verifier(ORIGIN, key.public_key))  # raises if not signed by it
    # a standalone checkpoint at a rotation's own size is the new key's: the old one signs nothing from there on
    assert [key_at_size(history, size).public_key for size in (3, 4, 6, 7)] == [
        US0.public_key,
        US1.public_key,
        US1.public_key,
        US2.public_key,
    ]
    root = StoredTree(store, "US").root(7)
    by_old = CheckpointRecord("US", 7, root, sign_note(Checkpoint(ORIGIN, 7, root).body(), ORIGIN, US1).text())
    by_new = CheckpointRecord("US", 7, root, sign_note(Checkpoint(ORIGIN, 7, root).body(), ORIGIN, US2).text())
    assert audit_store(_with_checkpoint(store, by_new), "US").ok
    with pytest.raises(CheckpointError) as caught:
        verify_store(_with_checkpoint(store, by_old), "US")
    assert caught.value.size == 7
    assert str(caught.value).startswith("US ledger: checkpoint at size 7: no valid signature by the log key")
    assert str(caught.value).endswith(
        f"(with US's key at that size, {fingerprint(US2.public_key)} (named by #7)): it is signed by "
        f"{fingerprint(US1.public_key)} (named by #4), which #7 replaced, revoked as of {at(6)}"
    )


def _with_checkpoint(store: LedgerStore, extra: CheckpointRecord) -> MemoryStore:
    """A copy of the store's US log, with one more checkpoint recorded among its own."""
    copy = MemoryStore()
    copy.add_party(store.parties()[0])
    copy.append(list(store.entries("US")), [k for k in store.checkpoints("US") if k.size < extra.size])
    copy.record_checkpoint(extra)
    for later in store.checkpoints("US"):
        if later.size > extra.size:
            copy.record_checkpoint(later)
    return copy


def test_a_checkpoint_beyond_the_rotation_signed_by_the_old_key_is_named(store: LedgerStore) -> None:
    _decade(store)
    [_, at_six, _] = store.checkpoints("US")
    note = sign_note(Checkpoint(ORIGIN, 6, at_six.root).body(), ORIGIN, US0).text()
    copy = MemoryStore()
    copy.add_party(store.parties()[0])
    checkpoints = [k if k.size != 6 else CheckpointRecord("US", 6, k.root, note) for k in store.checkpoints("US")]
    copy.append(list(store.entries("US")), checkpoints)
    audit = audit_store(copy, "US")
    assert isinstance(audit.error, CheckpointError)
    assert audit.checkpoints == 1
    assert "checkpoint at size 6" in str(audit.error)
    assert f"signed by {fingerprint(US0.public_key)} (registered), which #4 replaced" in str(audit.error)


# ------------------------------------------------------------------------------------------------ keys held before


def test_a_rotation_to_a_key_any_party_held_is_refused(store: LedgerStore) -> None:
    ledger = writer(store, US0, US1, RU)
    ledger.register("RU", RU.public_key, "new-start")
    ledger.submit("US", [initial()])
    field = "notification #1: content.public_key: [key]"
    cases = [
        (RU, f"key {fingerprint(RU.public_key)} is RU's: one key signs for one party"),
        (US0, f"US held key {fingerprint(US0.public_key)} before (its registered key)"),
    ]
    for key, why in cases:
        with pytest.raises(NotificationError) as caught:
            ledger.submit("US", [rotation(key, 1)])
        assert str(caught.value).startswith(f"{field} {why}")
    ledger.submit("US", [rotation(US1, 1)])
    for key, why in [(US1, "(the key #2 named)"), (US0, "(its registered key)")]:
        with pytest.raises(NotificationError, match=rf"held key .* before {re.escape(why)}"):
            ledger.submit("US", [rotation(key, 2)])
    # the other way round: RU may not rotate to a key US rotated to, and no party registers with it
    ru = initial_launchers([], at(0)) | {"content": {"facilities": [], "items": []}}
    ledger.submit("RU", [ru])
    with pytest.raises(NotificationError, match=r"key .* is US's: one key signs for one party"):
        ledger.submit("RU", [rotation(US1, 3)])
    with pytest.raises(LedgerError, match=r"was US's, named by a key rotation"):
        ledger.register("CN", US1.public_key, "new-start")
    assert store.tree_size("US") == 2
    assert store.tree_size("RU") == 1


def test_a_rotation_names_a_usable_key_and_takes_effect_when_sent(store: LedgerStore) -> None:
    ledger = writer(store, US0)
    ledger.submit("US", [initial()])
    no_point = base64.b64encode(bytes(32)).decode()  # 32 bytes, but no key of the curve: nothing could sign for it
    with pytest.raises(NotificationError, match=r"content.public_key: \[key\] .* is not an Ed25519 public key"):
        ledger.submit("US", [rotation(no_point, 1)])
    not_canonical = b64(US1)[:42] + "B="  # the last character's unused bits set: a second text for some key
    for text in (b64(US1)[:-2], not_canonical, "not base64 at all, not a key, not 44 characters."):
        with pytest.raises(NotificationError, match=r"content.public_key: \[schema\]"):
            ledger.submit("US", [rotation(text, 1)])
    early = rotation(US1, 2) | {"effective": at(1)}
    with pytest.raises(NotificationError, match=r"effective: \[key\] a key rotation takes effect when it is sent"):
        ledger.submit("US", [early])
    assert store.tree_size("US") == 1


def test_a_stored_effect_on_a_rotation_is_named_by_verify() -> None:
    """Replay reads a rotation's payload: an effect stored beside it would hide the rotation from replay."""
    store = MemoryStore()
    writer(store, US0).submit("US", [initial(), rotation(US1, 1)])
    entry = store._entries["US"][1]
    payload = json.loads(entry.payload)
    effect = json.dumps([KEY_ROTATION, payload["effective"], payload["content"]], separators=(",", ":")).encode()
    assert columns_of(payload).effect is None
    store._entries["US"][1] = entry._replace(columns=entry.stored_columns()._replace(effect=effect))
    with pytest.raises(ChainError, match=r"entry #2: the row's type, times or effect differ from its payload"):
        verify_store(store, "US")


# ------------------------------------------------------------------------------------------------ properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(st.sampled_from(["change", "rotate", "revoke", "update"]), min_size=1, max_size=14),
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=6),
    data=st.data(),
)
def test_any_history_of_rotations_is_followed_by_verify_and_by_a_peer(
    plan: list[str], sizes: list[int], data: st.DataObject
) -> None:
    """Whatever the rotations and batches: each entry and checkpoint is signed by exactly the key the model says,
    verify and a fresh peer follow them from the registered key, and an entry re-signed by any other key is named.
    """
    keys = [PartyKey.from_seed("US", bytes([100 + i]) * 32) for i in range(len(plan) + 1)]
    ledger, signer_of, rotations = _written(plan, sizes, keys)
    store = ledger.store
    entries = list(store.entries("US"))
    assert [signed_by(e, *keys) for e in entries] == [[keys[k]] for k in signer_of]
    assert verify_store(store, "US") == len(entries)
    assert key_history(store, "US") == key_periods(keys[0].public_key, rotations) == ledger.key_history("US")
    for recorded in store.checkpoints("US"):  # at data exchanges: signed by the key that signed the exchange
        key = keys[signer_of[recorded.size - 1]]
        verify_note(parse_note(recorded.note), Verifier(ORIGIN, key.public_key))
        assert key_at_size(key_history(store, "US"), recorded.size).public_key == key.public_key
    peer = _peer_of(keys[0])
    assert peer.import_entries(PartyRecord("US", keys[0].public_key, "new-start"), entries) == len(entries)
    assert peer.key_history("US") == ledger.key_history("US")
    assert peer.state("US") == ledger.state("US")
    # one entry re-signed by another of the party's keys: verify names that entry
    seq = data.draw(st.integers(1, len(entries)), label="seq")
    others = [k for k in keys if k is not keys[signer_of[seq - 1]]]
    if others:
        wrong = data.draw(st.sampled_from(others), label="key")
        entries[seq - 1] = entries[seq - 1]._replace(signature=wrong.sign(entries[seq - 1].payload))
        with pytest.raises(ChainError) as caught:
            list(verify_chain(entries, "US", keys[0].public_key))
        assert caught.value.seq == seq


def _written(plan: list[str], sizes: list[int], keys: list[PartyKey]) -> tuple[Ledger, list[int], list[Rotation]]:
    """US's ledger written by ``plan`` in batches of ``sizes`` (in turn), and the model: the index of the key that
    signs each entry, and the rotations ("revoke": a rotation revoking the key it replaces as of when it is sent)."""
    ledger = Ledger(MemoryStore(), keys, CATALOG, get_treaty)
    ledger.register("US", keys[0].public_key, "new-start")
    toggles = Toggles()
    ledger.submit("US", [initial()])
    signer_of = [0]  # signer_of[seq - 1] is the index of the key that signs entry seq
    rotations: list[Rotation] = []
    pending: list[dict[str, Any]] = []
    batches = 0
    for minute, step in enumerate(plan, start=1):
        signer_of.append(len(rotations))  # a rotation too is signed by the key it replaces
        if step == "update":  # made from the state the entries before it leave: a batch of its own
            if pending:
                ledger.submit("US", pending)
                pending, batches = [], batches + 1
            ledger.submit("US", [update(ledger, minute)])
            continue
        if step in ("rotate", "revoke"):
            revoke = at(minute) if step == "revoke" else None
            pending.append(rotation(keys[len(rotations) + 1], minute, revoke))
            rotations.append(Rotation(len(signer_of), keys[len(rotations) + 1].public_key, revoke))
        else:
            pending.append(toggles.next(minute))
        if len(pending) >= sizes[batches % len(sizes)]:
            ledger.submit("US", pending)
            pending, batches = [], batches + 1
    if pending:
        ledger.submit("US", pending)
    return ledger, signer_of, rotations


def _peer_of(registered: PartyKey) -> Ledger:
    peer = Ledger(MemoryStore(), [], CATALOG, get_treaty)
    peer.register("US", registered.public_key, "new-start")
    return peer


# ------------------------------------------------------------------------------------------------ the CLI


def test_cli_rotates_a_key_and_verify_names_the_old_keys_signature(cli: Cli, tmp_path: Path) -> None:
    old_key, new_key, ledger = tmp_path / "us.key", tmp_path / "us-2031.key", str(tmp_path / "us.sqlite")
    save_key(US0, old_key)
    assert cli("keys", "generate", "--party", "US", "--out", str(new_key))[0] == 0
    new = load_key(new_key)
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(old_key), "--treaty", "new-start")[0] == 0
    toggles = Toggles()

    def file(name: str, *drafts: dict[str, Any]) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(list(drafts)), encoding="utf-8")
        return str(path)

    assert cli("ledger", "submit", ledger, file("1.json", initial(), toggles.next(10)), "--key", str(old_key))[0] == 0
    early = file("bad.json", rotation(b64(new), 20, revoke=at(5)))
    code, _, err = cli("ledger", "submit", ledger, early, "--key", str(old_key))
    assert code == 2
    assert "[key] revokes the key it replaces as of" in err
    rotate = file("2.json", rotation(b64(new), 20, revoke=at(10)))
    code, out, err = cli("ledger", "submit", ledger, rotate, "--key", str(old_key))
    assert code == 0, err
    change = file("3.json", toggles.next(30))
    code, _, err = cli("ledger", "submit", ledger, change, "--key", str(old_key))
    assert code == 2
    assert f"no signer for US's current key (named by #3) {fingerprint(new.public_key)}" in err
    code, out, err = cli("ledger", "submit", ledger, change, "--key", str(new_key), "--json")
    assert code == 0, err
    assert json.loads(out)[0]["first"] == 4
    code, out, err = cli("ledger", "verify", ledger, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["entries"] == 4
    # #4 re-signed with the old, revoked key, in the database: verify fails (3), naming the entry and the key
    with open_store(ledger) as s:
        payload = next(s.entries("US", 4)).payload
    gc.collect()
    behind_the_writers_back(ledger, ("UPDATE ledger_entries SET signature = ? WHERE party = 'US' AND seq = 4",
                                     (US0.sign(payload),)))  # fmt: skip
    code, out, err = cli("ledger", "verify", ledger)
    assert code == 3
    assert f"entry #4: signed by key {fingerprint(US0.public_key)}, which #3 replaced, revoked as of {at(10)}" in err
