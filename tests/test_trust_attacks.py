"""The other party cheats on its log, attack by attack, and the observer catches it with a precise diagnosis.

Every attack starts from the same honest exchange: the United States' log (the us-2020-09 force as initial data,
then 20 status changes) delivered to Russia's observer in five rounds, each checkpoint cosigned by Russia's
witness (sizes 1, 6, 11, 16, 21). Each fixture is named after the attack it plays on top of that exchange (STYLE
rule 7); the test says which error names which entry or size, and, for a fork, that the evidence holds up offline
after a JSON round trip. A rollback or a history the log cannot prove consistent is refused, not cosigned, and
gives no evidence: nothing in it is signed by the log and contradicts what else it signed, and evidence made of
it anyway is refused offline. The honest runs at the end show that nothing raises an alarm when nobody cheats.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey
from detente.crypto.note import parse_note, verify_note
from detente.data.forces import load_force
from detente.demo.simulate import (
    Counterparty,
    Delivery,
    Fork,
    Observer,
    RootMismatchError,
    WithheldError,
    exchange,
)
from detente.errors import (
    ChainError,
    EscrowError,
    MisbehaviourError,
    NoteError,
    ProofError,
    RefusedCheckpointError,
)
from detente.ledger.chain import Entry
from detente.ledger.convert import initial_data
from detente.ledger.notifications import format_time
from detente.trust.escrow import Commitment, Escrow, EscrowVerifier, Opening, compare_with_findings
from detente.trust.witness import Witness, check_evidence

# Fixed test keys: anyone can sign with them; they are for these tests only.
US_KEY = PartyKey.from_seed("US", bytes([1]) * 32)
RU_KEY = PartyKey.from_seed("RU", bytes([2]) * 32)
CATALOG = builtin_catalog()
FORCE = load_force("us-2020-09", CATALOG)
ORIGIN = "detente/new-start/US"
ENTRY_INTO_FORCE = dt.datetime(2011, 2, 5, tzinfo=dt.UTC)
INITIAL_SENT = dt.datetime(2011, 3, 1, tzinfo=dt.UTC)
FIRST_TIMESTAMP = 1_298_937_600  # 2011-03-01T00:00:00Z: the witness cosigns on a fixed clock, an hour a round
BAD_SIGNATURE = "signature does not verify with the party's public key"
SPREAD = {  # declared bases that the honest exchange moves a few launchers and bombers to, for the escrow
    "fe-warren": "US-minuteman-iii-000001",
    "malmstrom": "US-minuteman-iii-000002",
    "minot-icbm": "US-minuteman-iii-000003",
    "kings-bay": "US-trident-ii-d5-000001",
    "bangor": "US-trident-ii-d5-000002",
    "barksdale": "US-b-52h-000001",
    "minot-air": "US-b-52h-000002",
}


def day(n: int) -> str:
    """The canonical time n days after the initial data were sent (1 March 2011)."""
    return format_time(INITIAL_SENT + dt.timedelta(days=n))


@dataclass
class Exchange:
    """The United States' node, Russia's observer of it, and the clocks that keep notifications in order."""

    us: Counterparty
    ru: Observer
    changes: int = 0
    days: int = 0
    timestamp: int = FIRST_TIMESTAMP
    cosigned: list[str] = field(default_factory=list)

    def _draft(self, kind: str, content: dict[str, Any]) -> dict[str, Any]:
        self.days += 1
        return {"type": kind, "effective": day(self.days), "sent": day(self.days + 1), "content": content}

    def notify(self, n: int) -> None:
        """The US appends ``n`` status changes (nothing is delivered yet).

        Non-deployed Minuteman III launchers are deployed with one RV and stood down again, in turn.
        """
        drafts = []
        for _ in range(n):
            uid = f"US-minuteman-iii-{398 + (self.changes // 2) % 50:06d}"
            if self.changes % 2 == 0:
                content = {"uid": uid, "from": "non-deployed", "to": "deployed", "warheads": 1}
            else:
                content = {"uid": uid, "from": "deployed", "to": "non-deployed"}
            drafts.append(self._draft("status-change", content))
            self.changes += 1
        accepted = self.us.submit(drafts)
        assert all(not a.flags for a in accepted)

    def move(self, uid: str, to: str) -> None:
        """The US moves an item from its undeclared facility to a declared one."""
        self.us.submit([self._draft("movement", {"uid": uid, "from": "US-undeclared", "to": to})])

    def round(self) -> str:
        """One honest round: the entries Russia lacks, a checkpoint and its proof; returns the cosigned note."""
        self.timestamp += 3600
        cosigned = exchange(self.us, self.ru, self.timestamp)
        self.cosigned.append(cosigned)
        return cosigned


def honest_exchange() -> Exchange:
    """Initial data and 20 status changes, delivered and checkpointed in five honest rounds (sizes 1..21)."""
    us = Counterparty("US", US_KEY, CATALOG)
    ru = Observer("US", US_KEY.public_key, Witness("RU", RU_KEY))
    x = Exchange(us, ru)
    us.submit([initial_data(FORCE, "US", ENTRY_INTO_FORCE, INITIAL_SENT)])
    x.round()
    for _ in range(4):
        x.notify(5)
        x.round()
    assert (us.size, ru.size, ru.proof_from) == (21, 21, 21)
    return x


def offline(evidence: dict[str, Any]) -> str:
    """Check evidence as someone else would: written to a file, read back, against the US's registered key."""
    loaded: dict[str, Any] = json.loads(json.dumps(evidence))
    assert loaded["log"] == {"name": ORIGIN, "public_key": base64.b64encode(US_KEY.public_key).decode()}
    return check_evidence(loaded, US_KEY.public_key)


@pytest.fixture
def honest() -> Exchange:
    return honest_exchange()


def test_honest_exchange_is_cosigned_at_every_size(honest: Exchange) -> None:
    sizes = [parse_note(n).checkpoint().size for n in honest.cosigned]
    assert sizes == [1, 6, 11, 16, 21]
    assert honest.ru.entries() == honest.us.entries()
    assert honest.ru.checkpoint is not None
    assert honest.ru.checkpoint.root == honest.us.tree.root()


# ------------------------------------------------------------------------------------------------ tampered entry


@pytest.fixture(params=[True, False], ids=["hash-recomputed", "hash-kept"])
def tampered_entry(request: pytest.FixtureRequest, honest: Exchange) -> tuple[Exchange, list[Entry], str]:
    """#24's payload edited after signing, among #22..#26; with its hash recomputed over the edit, or not."""
    honest.notify(5)
    rehash: bool = request.param
    why = BAD_SIGNATURE if rehash else "stored hash does not match the payload (the payload was altered)"
    return honest, honest.us.tamper_entry(24, start=22, rehash=rehash), why


def test_tampered_entry_is_refused_at_its_sequence_number(tampered_entry: tuple[Exchange, list[Entry], str]) -> None:
    x, sent, why = tampered_entry
    with pytest.raises(ChainError) as caught:
        x.ru.receive(sent)
    assert (caught.value.party, caught.value.seq, caught.value.why) == ("US", 24, why)
    assert str(caught.value) == f"US ledger, entry #24: {why}"
    assert x.ru.size == 21  # nothing of the batch is recorded, not even the sound #22 and #23
    x.round()  # the honest entries are still taken afterwards
    assert x.ru.size == 26


@pytest.fixture
def tampered_delivered_entry(honest: Exchange) -> tuple[Exchange, list[Entry]]:
    """#5, delivered and checkpointed long ago, edited after signing and sent again with the whole log."""
    return honest, honest.us.tamper_entry(5)


def test_tampered_delivered_entry_is_refused(tampered_delivered_entry: tuple[Exchange, list[Entry]]) -> None:
    x, sent = tampered_delivered_entry
    with pytest.raises(ChainError) as caught:
        x.ru.receive(sent)
    assert (caught.value.seq, caught.value.why) == (5, BAD_SIGNATURE)
    assert x.ru.entries() == x.us.entries()


# ------------------------------------------------------------------------------------------------ reordered entries


@pytest.fixture(params=[(23, 25), (22, 26)], ids=["inside", "at-the-start"])
def reordered_entries(request: pytest.FixtureRequest, honest: Exchange) -> tuple[Exchange, list[Entry], int, int]:
    """Two of #22..#26 swapped in what is sent, each entry still validly signed."""
    honest.notify(5)
    a, b = request.param
    return honest, honest.us.reorder(a, b, start=22), a, b


def test_reordered_entries_are_refused_where_the_order_breaks(
    reordered_entries: tuple[Exchange, list[Entry], int, int],
) -> None:
    x, sent, a, b = reordered_entries
    with pytest.raises(ChainError) as caught:
        x.ru.receive(sent)
    assert caught.value.seq == a
    assert caught.value.why.startswith(f"entry #{b} arrived where #{a} was expected")
    assert x.ru.size == 21


# ------------------------------------------------------------------------------------------------ replayed signature


@pytest.fixture
def replayed_signature(honest: Exchange) -> tuple[Exchange, list[Entry]]:
    """#24 carries #3's signature, valid once, over another payload."""
    honest.notify(5)
    return honest, honest.us.replay_signature(24, from_seq=3, start=22)


def test_replayed_signature_is_refused_at_the_entry_that_carries_it(
    replayed_signature: tuple[Exchange, list[Entry]],
) -> None:
    x, sent = replayed_signature
    assert sent[2].signature == x.us.entries()[2].signature  # #24 has #3's signature
    with pytest.raises(ChainError) as caught:
        x.ru.receive(sent)
    assert (caught.value.seq, caught.value.why) == (24, BAD_SIGNATURE)
    assert x.ru.size == 21


# ------------------------------------------------------------------------------------------------ withheld entries


@pytest.fixture
def withheld_entries(honest: Exchange) -> tuple[Exchange, Delivery]:
    """#22..#24 sent, #25 and #26 held back, and a checkpoint of size 26 that covers them."""
    honest.notify(5)
    return honest, honest.us.withhold(2, start=22)


def test_withheld_entries_are_named(withheld_entries: tuple[Exchange, Delivery]) -> None:
    x, delivery = withheld_entries
    assert x.ru.receive(delivery.entries) == 3
    with pytest.raises(WithheldError) as caught:
        x.ru.receive_checkpoint(delivery.checkpoint, x.us.consistency_proof(x.ru.proof_from))
    assert (caught.value.size, caught.value.delivered, list(caught.value.withheld)) == (26, 24, [25, 26])
    assert "checkpoint covers 26 entries, only 24 delivered: #25..#26 withheld" in str(caught.value)
    assert x.ru.checkpoint is not None
    assert x.ru.checkpoint.size == 21  # not accepted
    # Once the withheld entries arrive, the very same checkpoint is accepted.
    x.ru.receive(x.us.entries(25))
    x.ru.receive_checkpoint(delivery.checkpoint, x.us.consistency_proof(x.ru.proof_from))
    assert x.ru.checkpoint.size == 26


# ------------------------------------------------------------------------------------------------ forks


@pytest.fixture(params=[21, 9], ids=["at-the-last-entry", "deep-in-history"])
def forked_log(request: pytest.FixtureRequest, honest: Exchange) -> tuple[Exchange, Fork]:
    """An alternative history of the 21 entries Russia holds, from #21 or from #9, signed with the US's real key."""
    return honest, honest.us.fork(at_size=request.param)


def test_forked_checkpoint_is_proven_a_fork_offline(forked_log: tuple[Exchange, Fork]) -> None:
    x, fork = forked_log
    honest_root = x.us.tree.root(21)
    assert fork.tree.root(21) != honest_root
    with pytest.raises(MisbehaviourError) as caught:
        x.ru.receive_checkpoint(fork.checkpoint(21))
    assert caught.value.kind == "fork"
    assert caught.value.why == f"{ORIGIN} signed two different roots for size 21"
    assert caught.value.evidence["kind"] == "fork"
    assert offline(caught.value.evidence) == f"fork proven: {ORIGIN} signed two roots for size 21 of {ORIGIN}"
    assert x.ru.witness.seen[ORIGIN].root == honest_root  # the witness keeps the history it cosigned


def test_forked_entries_are_two_versions_of_one_entry(forked_log: tuple[Exchange, Fork]) -> None:
    x, fork = forked_log
    with pytest.raises(ChainError) as caught:
        x.ru.receive(fork.entries())
    assert caught.value.seq == fork.at_size
    assert "two versions of one entry" in caught.value.why
    assert x.ru.entries() == x.us.entries()


@pytest.fixture
def fork_behind_a_consistency_proof(honest: Exchange) -> tuple[Exchange, Fork]:
    """The US appends #22..#26, but shows Russia a checkpoint of size 26 of a history rewritten from #18 on."""
    honest.notify(5)
    return honest, honest.us.fork(at_size=18)


def forged_evidence(kind: str, notes: list[str], proof: list[bytes]) -> dict[str, Any]:
    """Evidence as earlier detente wrote it for a rollback or a failing proof: signed notes, and an unsigned proof."""
    return {
        "format": "detente.evidence/1",
        "kind": kind,
        "log": {"name": ORIGIN, "public_key": base64.b64encode(US_KEY.public_key).decode()},
        "checkpoints": notes,
        "proof": [base64.b64encode(h).decode() for h in proof],
    }


def test_fork_behind_a_consistency_proof_is_refused_without_evidence(
    fork_behind_a_consistency_proof: tuple[Exchange, Fork],
) -> None:
    x, fork = fork_behind_a_consistency_proof
    with pytest.raises(RefusedCheckpointError) as caught:
        x.ru.receive_checkpoint(fork.checkpoint(26), fork.consistency_proof(21, 26))
    assert caught.value.kind == "bad-proof"
    assert caught.value.why.startswith(f"{ORIGIN} size 26 is not shown to extend size 21: ")
    assert "not evidence against the log" in caught.value.why
    assert x.ru.proof_from == 21  # the witness keeps the history it cosigned and cosigns nothing new
    # The failing proof is no proof of anything: anyone can write one. Offline, it is refused as evidence.
    made_up = forged_evidence("inconsistent", [x.cosigned[-1], fork.checkpoint(26)], fork.consistency_proof(21, 26))
    with pytest.raises(NoteError, match="a consistency proof is not signed by the log"):
        offline(made_up)


def test_fork_behind_a_consistency_proof_cannot_borrow_the_honest_proof(
    fork_behind_a_consistency_proof: tuple[Exchange, Fork],
) -> None:
    x, fork = fork_behind_a_consistency_proof
    with pytest.raises(RefusedCheckpointError) as caught:
        x.ru.receive_checkpoint(fork.checkpoint(26), x.us.consistency_proof(21, 26))
    assert caught.value.kind == "bad-proof"
    assert x.ru.proof_from == 21


@pytest.fixture
def larger_checkpoint_without_proof(honest: Exchange) -> tuple[Exchange, str]:
    """#22..#26 appended and delivered, and an honest checkpoint of size 26 sent with no consistency proof."""
    honest.notify(5)
    honest.ru.receive(honest.us.entries(22))
    return honest, honest.us.checkpoint()


def test_larger_checkpoint_without_proof_is_refused_not_evidence(
    larger_checkpoint_without_proof: tuple[Exchange, str],
) -> None:
    x, note = larger_checkpoint_without_proof
    with pytest.raises(RefusedCheckpointError) as caught:
        x.ru.receive_checkpoint(note)
    assert caught.value.kind == "no-proof"
    assert f"{ORIGIN} size 26 came without a consistency proof from size 21" in caught.value.why
    assert x.ru.proof_from == 21
    # "Evidence" of an inconsistency the log never committed: the log signed both notes, and both are honest.
    with pytest.raises(NoteError, match="inconsistent is not evidence against a log"):
        offline(forged_evidence("inconsistent", [x.cosigned[-1], note], []))
    x.ru.receive_checkpoint(note, x.us.consistency_proof(21))  # with its proof, the same note is cosigned
    assert x.ru.proof_from == 26


def test_fork_behind_a_consistency_proof_sends_entries_that_do_not_link(
    fork_behind_a_consistency_proof: tuple[Exchange, Fork],
) -> None:
    x, fork = fork_behind_a_consistency_proof
    with pytest.raises(ChainError) as caught:
        x.ru.receive(fork.entries(22))
    assert caught.value.seq == 22
    assert caught.value.why == "prev does not match the previous entry's hash (the chain is broken)"
    x.round()  # the honest log still goes through
    assert x.ru.proof_from == 26


@pytest.fixture
def split_view(honest: Exchange) -> tuple[Exchange, Fork]:
    """Honest #22..#26 sent to Russia, but a checkpoint of a history rewritten from #24 on: consistent with 21."""
    honest.notify(5)
    return honest, honest.us.fork(at_size=24)


def test_split_view_is_caught_by_the_root_and_then_by_the_witness(split_view: tuple[Exchange, Fork]) -> None:
    x, fork = split_view
    x.ru.receive(x.us.entries(22))
    with pytest.raises(RootMismatchError) as caught:
        x.ru.receive_checkpoint(fork.checkpoint(26), fork.consistency_proof(21, 26))
    assert caught.value.size == 26
    assert (caught.value.signed, caught.value.delivered) == (fork.tree.root(), x.us.tree.root())
    assert "the entries delivered are not the ones the log signed for" in str(caught.value)
    # The witness took the signed head (it extends size 21); the honest head of size 26 is now a provable fork.
    with pytest.raises(MisbehaviourError) as fork_caught:
        x.ru.receive_checkpoint(x.us.checkpoint())
    assert fork_caught.value.kind == "fork"
    assert offline(fork_caught.value.evidence).startswith("fork proven")


# ------------------------------------------------------------------------------------------------ rollback


@pytest.fixture(params=[11, 0])
def rolled_back_checkpoint(request: pytest.FixtureRequest, honest: Exchange) -> tuple[Exchange, str, int]:
    """A smaller checkpoint (of size 11, issued in the third round, or of the empty log) presented as the latest."""
    return honest, honest.us.rollback(request.param), request.param


def test_rolled_back_checkpoint_is_refused_without_evidence(rolled_back_checkpoint: tuple[Exchange, str, int]) -> None:
    x, note, size = rolled_back_checkpoint
    if size == 11:
        assert x.cosigned[2].startswith(note)  # the very note cosigned in the third round
    with pytest.raises(RefusedCheckpointError) as caught:
        x.ru.receive_checkpoint(note)
    assert caught.value.kind == "rollback"
    assert caught.value.why.startswith(f"{ORIGIN} presented size {size} after size 21")
    assert x.ru.proof_from == 21
    # The log signed both notes, honestly, at their time: put side by side they prove nothing against it.
    with pytest.raises(NoteError, match="rollback is not evidence against a log"):
        offline(forged_evidence("rollback", [x.cosigned[-1], note], []))


# ------------------------------------------------------------------------------------------------ wrong key


@pytest.fixture
def wrong_key(honest: Exchange) -> tuple[Exchange, Delivery]:
    """#22..#26 and a checkpoint of size 26, all signed with a US key that is not the registered one."""
    honest.notify(5)
    return honest, honest.us.wrong_key(start=22)


def test_wrong_key_entries_are_refused_at_the_first(wrong_key: tuple[Exchange, Delivery]) -> None:
    x, delivery = wrong_key
    assert [e.payload for e in delivery.entries] == [e.payload for e in x.us.entries(22)]
    with pytest.raises(ChainError) as caught:
        x.ru.receive(delivery.entries)
    assert (caught.value.seq, caught.value.why) == (22, BAD_SIGNATURE)


def test_wrong_key_checkpoint_is_refused_before_the_witness_sees_it(wrong_key: tuple[Exchange, Delivery]) -> None:
    x, delivery = wrong_key
    x.ru.receive(x.us.entries(22))
    with pytest.raises(NoteError) as caught:
        x.ru.receive_checkpoint(delivery.checkpoint, x.us.consistency_proof(21))
    assert f"no valid signature by the log key {ORIGIN!r}" in str(caught.value)
    assert x.ru.proof_from == 21


# ------------------------------------------------------------------------------------------------ escrow


def spread(x: Exchange) -> None:
    """A few launchers and bombers moved to each declared base, so that the escrow opens base by base."""
    for facility, uid in SPREAD.items():
        x.move(uid, facility)


@pytest.fixture
def committed(honest: Exchange) -> tuple[Exchange, Escrow, Commitment]:
    spread(honest)
    escrow, commitment = honest.us.escrow("2011-09-01T00:00:00Z")
    return honest, escrow, commitment


def facilities_of(escrow: Escrow) -> list[str]:
    return sorted({str(it["facility"]) for it in escrow.items})


@pytest.fixture(params=["warheads", "facility"])
def changed_opening(
    request: pytest.FixtureRequest, committed: tuple[Exchange, Escrow, Commitment]
) -> tuple[EscrowVerifier, Opening, int]:
    """Whiteman opened honestly; then Barksdale with one item's warheads, or its facility, changed."""
    x, escrow, commitment = committed
    verifier = EscrowVerifier(commitment)
    verifier.accept(escrow.open("whiteman", {"facility": "whiteman"}))
    opening = x.us.changed_opening(escrow, "barksdale", request.param, moved_from="US-undeclared")
    (changed,) = [o.index for o in opening.items if o.item != escrow.items[o.index]]
    return verifier, opening, changed


def test_changed_opening_is_refused_at_the_changed_position(
    changed_opening: tuple[EscrowVerifier, Opening, int],
) -> None:
    verifier, opening, changed = changed_opening
    before = verifier.report()
    with pytest.raises(EscrowError) as caught:
        verifier.accept(opening)
    assert f"position {changed} ('barksdale'): the opened item does not match the commitment" in str(caught.value)
    assert verifier.report() == before  # nothing of the opening is recorded


def test_escrow_opened_facility_by_facility_adds_up(committed: tuple[Exchange, Escrow, Commitment]) -> None:
    x, escrow, commitment = committed
    commitment.verify_signature(US_KEY.public_key)
    verifier = EscrowVerifier(commitment)
    facilities = facilities_of(escrow)
    assert set(SPREAD) | {"whiteman", "US-undeclared"} == set(facilities)
    for facility in facilities:
        opened = verifier.accept(escrow.open(facility, {"facility": facility}))
        assert opened
        assert all(it["facility"] == facility for it in opened)
        assert compare_with_findings(opened, [it["uid"] for it in opened]) == {"missing": [], "undeclared": []}
    report = verifier.report()
    assert report["complete"]
    assert (report["opened"], report["unopened"], report["unopened_by_category"]) == (commitment.size, 0, {})
    assert report["regions"] == facilities
    assert len(escrow.items) == len(x.us.ledger.state("US").items)


# ------------------------------------------------------------------------------------------------ honest runs


def test_many_checkpoints_over_growing_sizes_are_all_cosigned(honest: Exchange) -> None:
    rng = random.Random(2011)  # noqa: S311 - reproducible batch sizes, not cryptography
    witness = honest.ru.witness.verifier
    sizes = []
    for _ in range(24):
        honest.notify(rng.randint(1, 6))
        cosigned = honest.round()
        note = parse_note(cosigned)
        assert verify_note(note, honest.us.verifier, (witness,)) == {"RU": honest.timestamp}
        sizes.append(note.checkpoint().size)
    assert sizes == sorted(set(sizes))
    assert sizes[-1] == honest.us.size == honest.ru.size
    honest.round()  # a round with nothing new: the same size and root again, cosigned again
    assert honest.ru.entries() == honest.us.entries()
    assert honest.ru.receive(honest.us.entries(1)) == 0  # everything sent again is recognised, nothing added


def test_inclusion_proofs_of_random_entries_verify(honest: Exchange) -> None:
    honest.notify(12)
    honest.round()
    checkpoint = honest.ru.checkpoint
    assert checkpoint is not None
    rng = random.Random(9162)  # noqa: S311 - reproducible choice of entries, not cryptography
    for seq in rng.sample(range(1, checkpoint.size + 1), 12):
        honest.ru.check_included(seq, honest.us.inclusion_proof(seq, checkpoint.size))
    with pytest.raises(ProofError):
        honest.ru.check_included(7, honest.us.inclusion_proof(8, checkpoint.size))
