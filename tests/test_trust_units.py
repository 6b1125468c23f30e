"""Units of the trust layer: C2SP notes and checkpoints, the witness's saved state, escrowed declarations.

Notes are checked against published vectors where there are any: the signed-note spec's example
(c2sp.org/signed-note), golang.org/x/mod/sumdb/note's PeterNeumann and EnochRoot keys and notes, and the
cosignature verifier key of transparency-dev/formats' tests. Key ids are recomputed here from the spec's formula,
not with :func:`detente.crypto.note.key_id`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from detente.crypto.canonical import canonical
from detente.crypto.keys import PartyKey
from detente.crypto.merkle import MerkleTree
from detente.crypto.note import (
    COSIGNATURE_V1,
    NOTE_SIGNATURE,
    Checkpoint,
    Signature,
    SignedNote,
    Verifier,
    cosign,
    key_id,
    parse_checkpoint,
    parse_note,
    sign_note,
    verify_note,
)
from detente.errors import EscrowError, InputError, MisbehaviourError, NoteError, RefusedCheckpointError
from detente.trust.escrow import (
    Commitment,
    Escrow,
    EscrowVerifier,
    Opened,
    Opening,
    aggregates_of,
    commitment_of,
    compare_with_findings,
    opening_from_json,
    opening_to_json,
)
from detente.trust.witness import Witness, check_evidence

DASH = "\u2014"
LOG_KEY = PartyKey.from_seed("US", bytes([1]) * 32)
WITNESS_KEY = PartyKey.from_seed("RU", bytes([2]) * 32)
OTHER_KEY = PartyKey.from_seed("US", bytes([3]) * 32)
ORIGIN = "detente/new-start/US"
LOG = Verifier(ORIGIN, LOG_KEY.public_key)
WITNESS = Verifier("RU", WITNESS_KEY.public_key, COSIGNATURE_V1)
ROOT = hashlib.sha256(b"a root").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()

# c2sp.org/signed-note, the example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    f"{DASH} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"  # noqa: E501 - published vector
)
# golang.org/x/mod/sumdb/note, note_test.go.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = f"{DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"  # noqa: E501 - published vector
ENOCH_SIG = (
    f"{DASH} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
# transparency-dev/formats, note/note_cosigv1_test.go: a cosignature (type 0x04) verifier key.
COSIGNATURE_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def vkey_parts(vkey: str) -> tuple[str, bytes, int, bytes]:
    """A verifier key ``name+hash+base64(type || public key)``: name, declared key id, type, public key."""
    name, declared, encoded = vkey.split("+", 2)
    raw = base64.b64decode(encoded)
    return name, bytes.fromhex(declared), raw[0], raw[1:]


def spec_key_id(name: str, kind: int, public_key: bytes) -> bytes:
    """The signed-note key id, written out from the spec: SHA-256(name || 0x0A || type || public key)[:4]."""
    h = hashlib.sha256()
    h.update(name.encode("utf-8"))
    h.update(b"\x0a")
    h.update(bytes([kind]))
    h.update(public_key)
    return h.digest()[:4]


def checkpoint_note(size: int = 7, root: bytes = ROOT, key: PartyKey = LOG_KEY, origin: str = ORIGIN) -> SignedNote:
    return sign_note(Checkpoint(origin, size, root).body(), ORIGIN, key)


# ------------------------------------------------------------------------------------------------ note.py


def test_checkpoint_body_is_origin_size_and_base64_root_lines() -> None:
    assert Checkpoint(ORIGIN, 7, ROOT).body() == f"{ORIGIN}\n7\n{ROOT_B64}\n"
    assert Checkpoint(ORIGIN, 0, ROOT).body() == f"{ORIGIN}\n0\n{ROOT_B64}\n"
    with_extension = Checkpoint(ORIGIN, 7, ROOT, ("extension one", "two"))
    assert with_extension.body() == f"{ORIGIN}\n7\n{ROOT_B64}\nextension one\ntwo\n"
    assert parse_checkpoint(with_extension.body()) == with_extension


def test_note_text_is_body_blank_line_and_signature_lines() -> None:
    note = checkpoint_note()
    body, signature = note.text().split("\n\n")
    assert body + "\n" == note.body
    name, encoded = signature.removeprefix(f"{DASH} ").removesuffix("\n").split(" ")
    raw = base64.b64decode(encoded)
    assert name == ORIGIN
    assert raw[:4] == spec_key_id(ORIGIN, 0x01, LOG_KEY.public_key)
    assert len(raw) == 4 + 64


def test_parse_and_format_round_trip() -> None:
    note = checkpoint_note()
    cosigned = note.with_signature(cosign(note, "RU", WITNESS_KEY, 1_700_000_000))
    for signed in (note, cosigned):
        text = signed.text()
        assert parse_note(text) == signed
        assert parse_note(text).text() == text
    assert parse_note(cosigned.text()).checkpoint() == Checkpoint(ORIGIN, 7, ROOT)


def test_go_sumdb_note_vector_is_signed_byte_for_byte() -> None:
    name, _, kind, public_key = vkey_parts(GO_VKEY)
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    key = PartyKey.from_seed("PeterNeumann", seed)
    assert key.public_key == public_key
    assert kind == NOTE_SIGNATURE
    assert sign_note(GO_TEXT, name, key).text() == GO_TEXT + "\n" + PETER_SIG
    assert verify_note(parse_note(GO_TEXT + "\n" + PETER_SIG), Verifier(name, public_key)) == {}


def test_spec_example_note_verifies() -> None:
    name, _, _, public_key = vkey_parts(SPEC_VKEY)
    note = parse_note(SPEC_NOTE)
    assert note.body == "This is an example message.\n"
    assert verify_note(note, Verifier(name, public_key)) == {}


@pytest.mark.parametrize("vkey", [SPEC_VKEY, GO_VKEY, ENOCH_VKEY, COSIGNATURE_VKEY])
def test_key_id_is_the_specs_formula(vkey: str) -> None:
    name, declared, kind, public_key = vkey_parts(vkey)
    assert spec_key_id(name, kind, public_key) == declared
    assert key_id(name, kind, public_key) == declared
    assert Verifier(name, public_key, kind).key_id == declared


def test_key_ids_of_notes_and_cosignatures_differ() -> None:
    pub = WITNESS_KEY.public_key
    assert key_id("RU", NOTE_SIGNATURE, pub) == spec_key_id("RU", 0x01, pub)
    assert key_id("RU", COSIGNATURE_V1, pub) == spec_key_id("RU", 0x04, pub)
    assert WITNESS.key_id == spec_key_id("RU", 0x04, pub) != spec_key_id("RU", 0x01, pub)
    line = cosign(checkpoint_note(), "RU", WITNESS_KEY, 5)
    assert line.key_id == spec_key_id("RU", 0x04, pub)


GOOD_LINE = checkpoint_note().signatures[0].line()
GOOD_BODY = Checkpoint(ORIGIN, 7, ROOT).body()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(GOOD_BODY + GOOD_LINE + "\n", "no empty line", id="no-blank-line"),
        pytest.param(GOOD_BODY.replace("\n", "\r\n") + "\n" + GOOD_LINE + "\n", "carriage return", id="crlf"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE + "\r\n", "carriage return", id="cr-at-end"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE, "end with a newline", id="no-final-newline"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE.replace(DASH, "-") + "\n", "em dash", id="hyphen-for-dash"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE.replace(DASH, "\u2013") + "\n", "em dash", id="en-dash"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE.replace(f"{DASH} ", DASH) + "\n", "em dash", id="dash-no-space"),
        pytest.param(GOOD_BODY + "\n\n" + GOOD_LINE + "\n", "em dash", id="two-blank-lines"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE[:-2] + "!!\n", "not base64", id="bad-base64"),
        pytest.param(GOOD_BODY + "\n" + GOOD_LINE[:-1] + "\n", "not base64", id="bad-base64-padding"),
        pytest.param(f"{GOOD_BODY}\n{DASH} {ORIGIN} AAAAAA==\n", "too short", id="short-signature"),
        pytest.param(f"{GOOD_BODY}\n{DASH}  AAAAAAAA\n", "NAME BASE64", id="empty-name"),
        pytest.param(f"{GOOD_BODY}\n{DASH} {ORIGIN}\n", "NAME BASE64", id="no-signature-field"),
        pytest.param(f"{GOOD_BODY}\n{DASH} a b AAAAAAAA\n", "NAME BASE64", id="space-in-name"),
    ],
)
def test_malformed_note_is_refused(text: str, words: str) -> None:
    with pytest.raises(NoteError, match=words):
        parse_note(text)


def _signed_text(body: str) -> str:
    return sign_note(body, ORIGIN, LOG_KEY).text()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(f"{ORIGIN}\n07\n{ROOT_B64}\n", "leading zeros", id="size-leading-zero"),
        pytest.param(f"{ORIGIN}\n-7\n{ROOT_B64}\n", "decimal number", id="size-negative"),
        pytest.param(f"{ORIGIN}\n+7\n{ROOT_B64}\n", "decimal number", id="size-plus"),
        pytest.param(f"{ORIGIN}\n\u0667\n{ROOT_B64}\n", "decimal number", id="size-arabic-digit"),
        pytest.param(f"{ORIGIN}\n7\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes, not 32", id="root-31"),
        pytest.param(f"{ORIGIN}\n7\n{base64.b64encode(ROOT + b'!').decode()}\n", "33 bytes", id="root-33"),
        pytest.param(f"{ORIGIN}\n7\n{ROOT_B64[:-1]}\n", "not base64", id="root-bad-base64"),
        pytest.param(f"{ORIGIN}\n7\n", "needs an origin", id="no-root"),
        pytest.param(f"\n7\n{ROOT_B64}\n", "origin is empty", id="empty-origin"),
    ],
)
def test_malformed_checkpoint_is_refused(body: str, words: str) -> None:
    note = parse_note(_signed_text(body))  # well-formed as a note, and signed: only the body is wrong
    with pytest.raises(NoteError, match=words):
        note.checkpoint()


def test_checkpoint_with_an_empty_extension_line_is_refused() -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(f"{ORIGIN}\n7\n{ROOT_B64}\n\nextension\n")


def test_signature_line_of_an_unknown_key_is_ignored() -> None:
    note = checkpoint_note()
    stranger = sign_note(note.body, "stranger", OTHER_KEY).signatures[0]
    impostor = sign_note(note.body, ORIGIN, OTHER_KEY).signatures[0]  # the log's name, another key: another key id
    unknown = SignedNote(note.body, (stranger, impostor, *note.signatures))
    assert verify_note(parse_note(unknown.text()), LOG, (WITNESS,)) == {}
    # The Go vector: EnochRoot's line is unknown to a verifier of PeterNeumann only, and ignored.
    name, _, _, public_key = vkey_parts(GO_VKEY)
    assert verify_note(parse_note(GO_TEXT + "\n" + ENOCH_SIG + PETER_SIG), Verifier(name, public_key)) == {}


def test_note_without_the_logs_signature_is_refused() -> None:
    note = checkpoint_note()
    only_others = SignedNote(note.body, (sign_note(note.body, ORIGIN, OTHER_KEY).signatures[0],))
    with pytest.raises(NoteError, match="no valid signature by the log key"):
        verify_note(only_others, LOG)
    only_witness = SignedNote(note.body, (cosign(note, "RU", WITNESS_KEY, 1),))
    with pytest.raises(NoteError, match="no valid signature by the log key"):
        verify_note(only_witness, LOG, (WITNESS,))


def test_note_with_a_changed_body_is_refused() -> None:
    note = checkpoint_note(size=7)
    moved = SignedNote(Checkpoint(ORIGIN, 8, ROOT).body(), note.signatures)
    with pytest.raises(NoteError, match="no valid signature"):
        verify_note(parse_note(moved.text()), LOG)


def test_cosignature_verifies_with_its_timestamp() -> None:
    note = checkpoint_note()
    line = cosign(note, "RU", WITNESS_KEY, 1_700_000_000)
    assert struct.unpack(">Q", line.signature[:8]) == (1_700_000_000,)
    signed = parse_note(note.with_signature(line).text())
    assert verify_note(signed, LOG, (WITNESS,)) == {"RU": 1_700_000_000}


@pytest.mark.parametrize("timestamp", [1_700_000_001, 1_699_999_999, 0, 2**63 - 1, 2**63])
def test_cosignature_with_a_tampered_timestamp_fails(timestamp: int) -> None:
    note = checkpoint_note()
    line = cosign(note, "RU", WITNESS_KEY, 1_700_000_000)
    tampered = Signature(line.name, line.key_id, struct.pack(">Q", timestamp) + line.signature[8:])
    signed = parse_note(note.with_signature(tampered).text())
    assert verify_note(signed, LOG, (WITNESS,)) == {}  # the log's signature stands; the cosignature does not count


def test_cosignature_timestamp_out_of_range_is_refused() -> None:
    with pytest.raises(NoteError, match="out of range"):
        cosign(checkpoint_note(), "RU", WITNESS_KEY, 2**63)


# ------------------------------------------------------------------------------------------------ witness.py


def test_witness_state_survives_a_restart_and_still_refuses_a_rollback(tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    tree = MerkleTree()
    tree.extend(f"entry {i}".encode() for i in range(20))
    before = Witness("RU", WITNESS_KEY, state)
    before.observe(checkpoint_note(5, tree.root(5)).text(), LOG)
    before.observe(checkpoint_note(12, tree.root(12)).text(), LOG, tree.consistency_proof(5, 12))
    saved = json.loads(state.read_text("utf-8"))
    assert saved["seen"][ORIGIN]["size"] == 12
    assert not (tmp_path / "witness.json.tmp").exists()

    after = Witness("RU", WITNESS_KEY, state)  # a new process, the same file
    assert after.seen[ORIGIN].size == 12
    assert after.seen[ORIGIN].root == tree.root(12)
    with pytest.raises(RefusedCheckpointError) as caught:  # refused, but no evidence: the log signed size 5 once
        after.observe(checkpoint_note(5, tree.root(5)).text(), LOG)
    assert caught.value.kind == "rollback"
    assert f"{ORIGIN} presented size 5 after size 12" in str(caught.value)
    with pytest.raises(MisbehaviourError) as forked:
        after.observe(checkpoint_note(12, tree.root(11)).text(), LOG)
    assert forked.value.kind == "fork"
    assert json.loads(state.read_text("utf-8")) == saved  # refusals change nothing on disk

    again = Witness("RU", WITNESS_KEY, state)
    again.observe(checkpoint_note(20, tree.root(20)).text(), LOG, tree.consistency_proof(12, 20))
    assert Witness("RU", WITNESS_KEY, state).seen[ORIGIN].size == 20


def test_witness_refuses_a_state_file_it_cannot_read(tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    state.write_text('{"seen": {"x": {"size": 1}}}', "utf-8")
    with pytest.raises(InputError, match="not a witness state file"):
        Witness("RU", WITNESS_KEY, state)


def test_witness_state_with_a_log_given_twice_is_refused_not_read_as_the_last(tmp_path: Path) -> None:
    """json.loads kept the last "seen" checkpoint of a repeated origin: a rolled-back state read silently."""
    state = tmp_path / "witness.json"
    tree = MerkleTree()
    tree.extend(f"entry {i}".encode() for i in range(12))
    Witness("RU", WITNESS_KEY, state).observe(checkpoint_note(12, tree.root(12)).text(), LOG)
    seen = json.dumps(json.loads(state.read_text("utf-8"))["seen"][ORIGIN])
    older = json.dumps({"size": 5, "root": base64.b64encode(tree.root(5)).decode(), "note": "n"})
    state.write_text(f'{{"seen": {{"{ORIGIN}": {seen}, "{ORIGIN}": {older}}}}}', "utf-8")
    with pytest.raises(InputError, match=f"key '{ORIGIN}' appears twice"):
        Witness("RU", WITNESS_KEY, state)


def test_witness_state_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    state.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        Witness("RU", WITNESS_KEY, state)


@pytest.mark.parametrize(
    "seen",
    [
        {"size": 5.9, "root": base64.b64encode(ROOT).decode(), "note": "n"},
        {"size": "5", "root": base64.b64encode(ROOT).decode(), "note": "n"},
        {"size": True, "root": base64.b64encode(ROOT).decode(), "note": "n"},
        {"size": 5, "root": "!" + base64.b64encode(ROOT).decode(), "note": "n"},
        {"size": 5, "root": base64.b64encode(ROOT[:31]).decode(), "note": "n"},
    ],
)
def test_witness_state_of_the_wrong_types_is_refused(tmp_path: Path, seen: dict[str, Any]) -> None:
    state = tmp_path / "witness.json"
    state.write_text(json.dumps({"seen": {ORIGIN: seen}}), "utf-8")
    with pytest.raises(InputError, match="not a witness state file"):
        Witness("RU", WITNESS_KEY, state)


def test_witness_refuses_a_checkpoint_of_another_origin() -> None:
    witness = Witness("RU", WITNESS_KEY)
    witness.observe(checkpoint_note(7, ROOT).text(), LOG)
    shadow = checkpoint_note(7, hashlib.sha256(b"another history").digest(), origin=f"{ORIGIN}-shadow")
    with pytest.raises(NoteError):
        witness.observe(shadow.text(), LOG)


def test_witness_refuses_a_false_empty_tree_head_and_a_cosigners_key() -> None:
    witness = Witness("RU", WITNESS_KEY)
    with pytest.raises(NoteError, match="a checkpoint of size 0 must have the empty tree's root"):
        witness.observe(checkpoint_note(0, ROOT).text(), LOG)
    with pytest.raises(NoteError, match="is a cosigner's key, not a log's"):
        witness.observe(checkpoint_note(7, ROOT).text(), Verifier(ORIGIN, LOG_KEY.public_key, COSIGNATURE_V1))
    assert witness.seen == {}


def test_witness_cosigns_a_larger_checkpoint_only_with_a_proof_that_holds() -> None:
    tree = MerkleTree()
    tree.extend(f"entry {i}".encode() for i in range(9))
    witness = Witness("RU", WITNESS_KEY)
    witness.observe(checkpoint_note(4, tree.root(4)).text(), LOG)
    larger = checkpoint_note(9, tree.root(9)).text()
    with pytest.raises(RefusedCheckpointError) as missing:
        witness.observe(larger, LOG)
    assert missing.value.kind == "no-proof"
    with pytest.raises(RefusedCheckpointError) as failing:
        witness.observe(larger, LOG, tree.consistency_proof(5, 9))  # a proof, from the wrong size
    assert failing.value.kind == "bad-proof"
    assert "not evidence against the log" in failing.value.why
    assert witness.seen[ORIGIN].size == 4
    witness.observe(larger, LOG, tree.consistency_proof(4, 9))
    assert witness.seen[ORIGIN].size == 9


def forged_fork_evidence() -> dict[str, Any]:
    """Fork "evidence" against the US log, made by someone else: two heads signed with their own key."""
    other_root = hashlib.sha256(b"another history").digest()
    notes = [sign_note(Checkpoint(ORIGIN, 7, r).body(), ORIGIN, OTHER_KEY).text() for r in (ROOT, other_root)]
    return {
        "format": "detente.evidence/1",
        "kind": "fork",
        "log": {"name": ORIGIN, "public_key": base64.b64encode(OTHER_KEY.public_key).decode()},
        "checkpoints": notes,
        "proof": [],
    }


def test_genuine_fork_evidence_names_the_key_it_was_checked_with() -> None:
    witness = Witness("RU", WITNESS_KEY)
    witness.observe(checkpoint_note(7, ROOT).text(), LOG)
    with pytest.raises(MisbehaviourError) as caught:
        witness.observe(checkpoint_note(7, hashlib.sha256(b"another history").digest()).text(), LOG)
    evidence = json.loads(json.dumps(caught.value.evidence))
    assert base64.b64decode(evidence["log"]["public_key"]) == LOG_KEY.public_key
    assert (
        check_evidence(evidence, LOG_KEY.public_key) == f"fork proven: {ORIGIN} signed two roots for size 7 of {ORIGIN}"
    )


def test_fork_evidence_must_be_of_the_log_the_checker_names() -> None:
    witness = Witness("RU", WITNESS_KEY)
    witness.observe(checkpoint_note(7, ROOT).text(), LOG)
    with pytest.raises(MisbehaviourError) as caught:
        witness.observe(checkpoint_note(7, hashlib.sha256(b"another history").digest()).text(), LOG)
    evidence = json.loads(json.dumps(caught.value.evidence))
    assert check_evidence(evidence, LOG_KEY.public_key, ORIGIN).startswith("fork proven")
    with pytest.raises(NoteError, match="not 'detente/new-start/RU'"):
        check_evidence(evidence, LOG_KEY.public_key, "detente/new-start/RU")
    other_origin = [checkpoint_note(7, r, origin="detente/start-i/US").text() for r in (ROOT, bytes(32))]
    with pytest.raises(NoteError, match="not both of the log"):
        check_evidence({**evidence, "checkpoints": other_origin}, LOG_KEY.public_key)
    for kind in ("rollback", "inconsistent"):
        with pytest.raises(NoteError, match=f"{kind} is not evidence against a log"):
            check_evidence({**evidence, "kind": kind}, LOG_KEY.public_key)
    with pytest.raises(NoteError, match="unknown kind"):
        check_evidence({**evidence, "kind": "hunch"}, LOG_KEY.public_key)


def test_forged_evidence_is_refused_against_the_logs_registered_key() -> None:
    """Evidence signed with someone else's key under the log's name proves nothing against the log."""
    forged = forged_fork_evidence()
    with pytest.raises(NoteError, match="another key"):
        check_evidence(forged, LOG_KEY.public_key)


# ------------------------------------------------------------------------------------------------ escrow.py


def item(uid: str, system: str, status: str, facility: str, warheads: int = 0) -> dict[str, Any]:
    kind = "bomber" if system.startswith("b-") else "launcher"
    return {"uid": uid, "system": system, "kind": kind, "status": status, "facility": facility, "warheads": warheads}


DECLARATION = [
    item("MM-001", "minuteman-iii", "deployed", "fe-warren", 1),
    item("MM-002", "minuteman-iii", "deployed", "fe-warren", 1),
    item("MM-003", "minuteman-iii", "non-deployed", "fe-warren"),
    item("MM-004", "minuteman-iii", "deployed", "malmstrom", 1),
    item("TR-001", "trident-ii-d5", "deployed", "kings-bay", 4),
    item("TR-002", "trident-ii-d5", "deployed", "kings-bay", 5),
    item("TR-003", "trident-ii-d5", "non-deployed", "kings-bay"),
    item("B52-001", "b-52h", "deployed", "barksdale"),
]
FACILITIES = ["fe-warren", "malmstrom", "kings-bay", "barksdale"]


@pytest.fixture
def escrowed() -> tuple[Escrow, Commitment]:
    return Escrow.commit("US", "2011-09-01", DECLARATION, LOG_KEY)


def at(facility: str) -> dict[str, str]:
    return {"facility": facility}


def test_salts_are_32_random_bytes_and_all_differ(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, _ = escrowed
    assert all(isinstance(s, bytes) and len(s) == 32 for s in escrow.salts)
    assert len(set(escrow.salts)) == len(escrow.salts)
    other, _ = Escrow.commit("US", "2011-09-01", DECLARATION, LOG_KEY)
    assert not set(other.salts) & set(escrow.salts)


def test_the_same_declaration_committed_twice_gives_different_roots(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    _, again = Escrow.commit("US", "2011-09-01", DECLARATION, LOG_KEY)
    assert again.root != commitment.root
    assert (again.size, again.aggregates) == (commitment.size, commitment.aggregates) == (8, aggregates_of(DECLARATION))
    assert sorted(escrow.items, key=lambda it: it["uid"]) == sorted(DECLARATION, key=lambda it: it["uid"])


def test_commitment_signature_and_json_round_trip(escrowed: tuple[Escrow, Commitment]) -> None:
    _, commitment = escrowed
    read = Commitment.from_json(json.loads(json.dumps(commitment.to_json())))
    assert read == commitment
    read.verify_signature(LOG_KEY.public_key)
    with pytest.raises(EscrowError, match="not signed by the key given for party 'US'"):
        read.verify_signature(OTHER_KEY.public_key)
    with pytest.raises(EscrowError, match="not signed"):
        replace(read, aggregates={**read.aggregates, "warheads": 1}).verify_signature(LOG_KEY.public_key)


def _one(escrow: Escrow, facility: str) -> tuple[Opening, Opened]:
    opening = escrow.open(facility, at(facility))
    return opening, opening.items[0]


def test_opening_with_a_wrong_salt_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    opening, first = _one(escrow, "malmstrom")
    wrong = replace(opening, items=(replace(first, salt=bytes(32)),))
    with pytest.raises(EscrowError, match=f"position {first.index} .*does not match the commitment"):
        EscrowVerifier(commitment).accept(wrong)
    short = replace(opening, items=(replace(first, salt=first.salt[:31]),))
    with pytest.raises(EscrowError, match="the salt is 31 bytes, not 32"):
        EscrowVerifier(commitment).accept(short)


def test_opening_at_a_wrong_index_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    opening, first = _one(escrow, "malmstrom")
    for index in {(first.index + 1) % 8, (first.index + 7) % 8}:
        moved = replace(opening, items=(replace(first, index=index),))
        with pytest.raises(EscrowError, match=f"position {index} .*does not match the commitment"):
            EscrowVerifier(commitment).accept(moved)


def test_opening_with_the_proof_of_another_position_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    opening, first = _one(escrow, "malmstrom")
    other = (first.index + 3) % 8
    borrowed = replace(opening, items=(replace(first, proof=tuple(escrow.tree.inclusion_proof(other))),))
    with pytest.raises(EscrowError, match=f"position {first.index} .*does not match the commitment"):
        EscrowVerifier(commitment).accept(borrowed)


def test_item_opened_twice_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    verifier = EscrowVerifier(commitment)
    opening, first = _one(escrow, "malmstrom")
    with pytest.raises(EscrowError, match=f"position {first.index} is opened twice"):
        verifier.accept(replace(opening, items=(first, first)))
    verifier.accept(opening)
    with pytest.raises(EscrowError, match="'malmstrom' is already open"):
        verifier.accept(escrow.open("malmstrom", at("malmstrom")))
    renamed = replace(opening, region="fe-warren")  # the same positions under another region's name
    with pytest.raises(EscrowError, match=r"the count given for 'fe-warren' .* is not the one committed"):
        verifier.accept(renamed)
    assert verifier.report()["opened"] == 1


def test_opening_against_another_root_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, _ = escrowed
    _, other_commitment = Escrow.commit("US", "2011-09-01", DECLARATION, LOG_KEY)
    with pytest.raises(EscrowError, match="refers to another commitment"):
        EscrowVerifier(other_commitment).accept(escrow.open("fe-warren", at("fe-warren")))


def test_opening_json_round_trip_still_verifies(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    opening = escrow.open("kings-bay", at("kings-bay"))
    read = opening_from_json(json.loads(json.dumps(opening_to_json(opening))))
    assert read == opening
    assert len(EscrowVerifier(commitment).accept(read)) == 3
    with pytest.raises(EscrowError, match="not an escrow opening"):
        opening_from_json({"region": "x"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 5.9),  # int() made it 5
        ("size", "12"),
        ("size", True),
        ("size", -1),
        ("aggregates", {"items": 5.0}),
        ("aggregates", {"items": "5"}),
        ("party", 7),  # str() made it "7"
        ("root", "@@"),  # validate: junk is refused, not dropped
        ("signature", "AAAA\nAAAA"),
    ],
)
def test_commitment_fields_must_be_what_they_claim(escrowed: tuple[Escrow, Commitment], field: str, value: Any) -> None:
    _, commitment = escrowed
    doc = commitment.to_json()
    if field == "root":
        value = doc["root"][:4] + value + doc["root"][4:]
    with pytest.raises(EscrowError, match="not an escrow commitment"):
        Commitment.from_json({**doc, field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 5.9),
        ("size", "12"),
        ("count", True),
        ("count", 3.0),
        ("root", "junk"),
        ("count_salt", "00 11"),  # bytes.fromhex skipped the space
        ("region", 1),
        ("index", 1.5),
        ("index", "0"),
        ("proof", "%%"),
        ("item", [["uid", "x"]]),  # dict() read a list of pairs as an item
    ],
)
def test_opening_fields_must_be_what_they_claim(escrowed: tuple[Escrow, Commitment], field: str, value: Any) -> None:
    escrow, _ = escrowed
    doc = opening_to_json(escrow.open("kings-bay", at("kings-bay")))
    if field == "root":
        doc["root"] = doc["root"][:8] + "!" + doc["root"][8:]
    elif field in ("index", "item"):
        doc["items"][0][field] = value
    elif field == "proof":
        doc["items"][0]["proof"] = [value + p for p in doc["items"][0]["proof"]] or [value]
    else:
        doc[field] = value
    with pytest.raises(EscrowError, match="not an escrow opening"):
        opening_from_json(doc)


def test_commitment_of_a_party_holding_a_newline_is_refused_on_one_line(escrowed: tuple[Escrow, Commitment]) -> None:
    _, commitment = escrowed
    forged = Commitment.from_json({**commitment.to_json(), "party": "US\nRU"})
    with pytest.raises(EscrowError) as refused:
        forged.verify_signature(LOG_KEY.public_key)
    assert "\n" not in str(refused.value)
    assert "'US\\nRU'" in str(refused.value)


def test_report_shows_what_is_not_yet_open(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    verifier = EscrowVerifier(commitment)
    verifier.accept(escrow.open("fe-warren", at("fe-warren")))
    verifier.accept(escrow.open("kings-bay", at("kings-bay")))
    report = verifier.report()
    assert report["regions"] == ["fe-warren", "kings-bay"]
    assert (report["opened"], report["unopened"], report["complete"]) == (6, 2, False)
    assert report["unopened_by_category"] == {
        "b-52h/deployed": 1,
        "items": 2,
        "minuteman-iii/deployed": 1,
        "warheads": 1,
    }
    verifier.accept(escrow.open("malmstrom", at("malmstrom")))
    verifier.accept(escrow.open("barksdale", at("barksdale")))
    assert verifier.report()["complete"]
    assert verifier.report()["unopened_by_category"] == {}


def test_compare_with_findings_names_missing_and_undeclared() -> None:
    opened = [it for it in DECLARATION if it["facility"] == "fe-warren"]
    assert compare_with_findings(opened, ["MM-001", "MM-002", "MM-003"]) == {"missing": [], "undeclared": []}
    assert compare_with_findings(opened, ["MM-003", "MM-001", "MM-999", "MM-777"]) == {
        "missing": ["MM-002"],
        "undeclared": ["MM-777", "MM-999"],
    }


def _signed(commitment: Commitment, aggregates: dict[str, int]) -> Commitment:
    lying = replace(commitment, aggregates=aggregates)
    return replace(lying, signature=LOG_KEY.sign(canonical(lying.statement())))


def test_openings_beyond_the_committed_aggregates_are_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    understated = _signed(commitment, {**commitment.aggregates, "trident-ii-d5/deployed": 1, "warheads": 7})
    understated.verify_signature(LOG_KEY.public_key)  # the party signed these aggregates: they are its claim
    verifier = EscrowVerifier(understated)
    verifier.accept(escrow.open("fe-warren", at("fe-warren")))
    with pytest.raises(EscrowError, match=r"openings exceed the committed aggregate trident-ii-d5/deployed: 2 > 1"):
        verifier.accept(escrow.open("kings-bay", at("kings-bay")))
    assert verifier.report()["regions"] == ["fe-warren"]


def test_every_position_open_but_short_of_the_aggregates_is_refused(escrowed: tuple[Escrow, Commitment]) -> None:
    escrow, commitment = escrowed
    overstated = _signed(commitment, {**commitment.aggregates, "b-2a/deployed": 2, "items": 10})
    verifier = EscrowVerifier(overstated)
    for facility in FACILITIES:
        verifier.accept(escrow.open(facility, at(facility)))
    with pytest.raises(EscrowError, match="every position is open but the items do not add up"):
        verifier.report()


def test_commitment_of_depends_on_item_and_salt() -> None:
    first = DECLARATION[0]
    salt = bytes(range(32))
    expected = hashlib.sha256(b"detente-escrow/1\n" + salt + canonical(first)).digest()
    assert commitment_of(first, salt) == expected
    assert commitment_of({**first, "warheads": 2}, salt) != expected
    assert commitment_of(first, bytes(32)) != expected
