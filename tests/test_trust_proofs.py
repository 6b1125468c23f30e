"""Offline proofs say no more than was checked: c2sp.org/tlog-proof, detente's consistency proof, verifier keys.

The defect this answers: ``trust verify PROOF.json`` checked a proof against the root written in the same file, so
a made-up proof with a made-up root printed "ok entry #1 is in detente/new-start/US". A proof now carries the
checkpoint the log signed, and is checked against a log key the verifier names (``--log-key``), whose name must be
the checkpoint's origin. Each attack below is named after what it forges; the last tests check the files detente
writes with an independent C2SP implementation (PyPI ``tlog-scales``) where it is installed.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, save_key
from detente.crypto.merkle import MerkleTree, leaf_hash
from detente.crypto.note import (
    CONSISTENCY_PROOF,
    COSIGNATURE_V1,
    NOTE_SIGNATURE,
    TLOG_PROOF,
    Checkpoint,
    SignedNote,
    TlogConsistency,
    TlogProof,
    Verifier,
    cosign,
    parse_note,
    parse_tlog_consistency,
    parse_tlog_proof,
    parse_verifier_key,
    sign_note,
    verifier_key,
    verify_tlog_consistency,
    verify_tlog_proof,
)
from detente.data.forces import load_force
from detente.errors import NoteError, VerificationError
from detente.ledger.convert import declaration_from_state, initial_data
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

ORIGIN = "detente/new-start/US"
US = PartyKey.from_seed("US", bytes([41]) * 32)
RU = PartyKey.from_seed("RU", bytes([42]) * 32)
MALLORY = PartyKey.from_seed("US", bytes([43]) * 32)
LOG = Verifier(ORIGIN, US.public_key)
WITNESS = Verifier("RU", RU.public_key, COSIGNATURE_V1)
ENTRIES = [f"entry {i}".encode() for i in range(13)]
TREE = MerkleTree()
TREE.extend(ENTRIES)

Cli = Callable[..., tuple[int, str, str]]


def signed(size: int, key: PartyKey = US, origin: str = ORIGIN, root: bytes | None = None) -> SignedNote:
    body = Checkpoint(origin, size, TREE.root(size) if root is None else root).body()
    return sign_note(body, origin, key)


def inclusion(index: int = 5, size: int = 13, **kwargs: Any) -> TlogProof:
    note = kwargs.pop("note", None) or signed(size)
    return TlogProof(index, tuple(TREE.inclusion_proof(index, size)), note, kwargs.pop("extra", ENTRIES[index]))


def consistency(old: int = 5, new: int = 13) -> TlogConsistency:
    return TlogConsistency(tuple(TREE.consistency_proof(old, new)), signed(old), signed(new))


def refused(code: int) -> bool:
    return code in (2, 3)


# ------------------------------------------------------------------------------------------------ verifier keys


def test_verifier_key_round_trip_and_published_vectors() -> None:
    text = verifier_key(LOG)
    assert text.startswith(f"{ORIGIN}+{LOG.key_id.hex()}+")
    assert parse_verifier_key(text) == LOG
    assert parse_verifier_key(verifier_key(WITNESS)) == WITNESS
    # c2sp.org/signed-note's example key and transparency-dev/formats' cosignature key
    spec = parse_verifier_key("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    assert (spec.name, spec.kind) == ("example.com/foo", NOTE_SIGNATURE)
    remora = parse_verifier_key("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
    assert remora.kind == COSIGNATURE_V1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("example.com/foo", r"NAME\+KEYID\+BASE64", id="name-only"),
        pytest.param("example.com/foo+530d903a", r"NAME\+KEYID\+BASE64", id="no-key"),
        pytest.param("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "name is empty", id="empty-name"),
        pytest.param("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "not the id", id="id"),
        pytest.param("example.com/foo+530d90+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 hex", id="short-id"),
        pytest.param("example.com/foo+530d903z+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 hex", id="not-hex"),
        pytest.param("example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "space", id="space"),
        pytest.param("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "not base64", id="b64"),
        pytest.param("example.com/foo+530d903a+AqyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k=", "type 0x02", id="ecdsa"),
        pytest.param("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYc", "Ed25519 key", id="short-key"),
    ],
)
def test_malformed_verifier_key_is_refused(text: str, words: str) -> None:
    with pytest.raises(NoteError, match=words):
        parse_verifier_key(text)


# ------------------------------------------------------------------------------------------------ tlog-proof format


def test_tlog_proof_text_is_the_c2sp_format_and_round_trips() -> None:
    proof = inclusion()
    text = proof.text()
    lines = text.split("\n")
    assert lines[0] == TLOG_PROOF
    assert lines[1] == f"extra {base64.b64encode(ENTRIES[5]).decode()}"
    assert lines[2] == "index 5"
    assert lines[3 : 3 + len(proof.proof)] == [base64.b64encode(h).decode() for h in proof.proof]
    assert text.endswith("\n\n" + proof.note.text())
    assert parse_tlog_proof(text) == proof
    without_extra = replace(proof, extra=None)
    assert parse_tlog_proof(without_extra.text()) == without_extra
    assert without_extra.text().split("\n")[1] == "index 5"


GOOD_PROOF = inclusion().text()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(GOOD_PROOF.replace(TLOG_PROOF, "c2sp.org/tlog-proof@v2"), "first line", id="version"),
        pytest.param(GOOD_PROOF.replace("\n", "\r\n"), "carriage return", id="crlf"),
        pytest.param(GOOD_PROOF.replace("index 5", "index 05"), "leading zeros", id="index-zero"),
        pytest.param(GOOD_PROOF.replace("index 5", "index -5"), "decimal", id="index-negative"),
        pytest.param(GOOD_PROOF.replace("index 5", f"index {2**64}"), "2\\*\\*64", id="index-huge"),
        pytest.param(GOOD_PROOF.replace("index 5", "index " + "9" * 5000), "2\\*\\*64", id="index-5000-digits"),
        pytest.param(GOOD_PROOF.replace("index 5\n", ""), "index N", id="no-index"),
        pytest.param(GOOD_PROOF.replace("extra ", "extra !"), "not base64", id="extra-not-base64"),
        pytest.param(GOOD_PROOF.replace(GOOD_PROOF.split("\n")[1], "extra "), "must hold data", id="extra-empty"),
        pytest.param(GOOD_PROOF.replace("index 5\n", "index 5\nAAAA\n"), "hash line 1", id="short-hash"),
        pytest.param(GOOD_PROOF.replace("index 5\n", "index 5\n" + "AAAA" * 11 + "\n"), "hash line 1", id="hash-33"),
        pytest.param(
            GOOD_PROOF.replace("index 5\n", "index 5\n" + (base64.b64encode(bytes(32)).decode() + "\n") * 65),
            "hash lines; no RFC 9162 proof has more than 64",
            id="too-many",
        ),
        pytest.param(GOOD_PROOF.split("\n\n")[0] + "\n", "no empty line", id="no-checkpoint"),
        pytest.param(GOOD_PROOF.split("\n\n")[0] + "\n\nnot a note\n", "checkpoint", id="bad-note"),
        pytest.param(GOOD_PROOF.replace("\n13\n", "\n013\n"), "leading zeros", id="bad-checkpoint"),
    ],
)
def test_malformed_tlog_proof_is_refused(text: str, words: str) -> None:
    with pytest.raises(NoteError, match=words):
        parse_tlog_proof(text)


def test_consistency_proof_text_round_trips() -> None:
    proof = consistency()
    text = proof.text()
    assert text.startswith(CONSISTENCY_PROOF + "\n")
    assert parse_tlog_consistency(text) == proof
    with pytest.raises(NoteError, match="two checkpoints"):
        parse_tlog_consistency(text[: text.index(proof.new.body)])
    with pytest.raises(NoteError, match="first line"):
        parse_tlog_consistency(GOOD_PROOF)


# ------------------------------------------------------------------------------------------------ what is verified


def test_an_honest_proof_verifies_with_its_cosigners() -> None:
    note = signed(13)
    cosigned = note.with_signature(cosign(note, "RU", RU, 1_700_000_000))
    checkpoint, cosigners = verify_tlog_proof(inclusion(note=cosigned), LOG, None, (WITNESS,))
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, 13)
    assert cosigners == {"RU": 1_700_000_000}
    for index in range(13):
        verify_tlog_proof(inclusion(index), LOG)
        verify_tlog_proof(replace(inclusion(index), extra=None), LOG, ENTRIES[index])


def test_made_up_proof_with_a_made_up_root_is_refused() -> None:
    """The defect: a proof of an entry that is in no log, under a root someone computed, signed by someone else."""
    fake = MerkleTree()
    fake.extend([b"an entry never logged", b"another"])
    note = sign_note(Checkpoint(ORIGIN, 2, fake.root()).body(), ORIGIN, MALLORY)  # the log's name, another key
    proof = TlogProof(0, tuple(fake.inclusion_proof(0)), note, b"an entry never logged")
    with pytest.raises(VerificationError, match=f"not signed by the key given for {ORIGIN}"):
        verify_tlog_proof(parse_tlog_proof(proof.text()), LOG)


def test_proof_under_a_checkpoint_of_another_log_is_refused() -> None:
    """The key is the log's, but the checkpoint is of another origin it signed: not of the log the key names."""
    note = sign_note(Checkpoint("detente/new-start/RU", 13, TREE.root()).body(), ORIGIN, US)
    with pytest.raises(VerificationError, match="of the log 'detente/new-start/RU'; the key given is"):
        verify_tlog_proof(inclusion(note=note), LOG)
    named_otherwise = Verifier("detente/new-start/RU", US.public_key)  # a verifier who names the key so
    with pytest.raises(VerificationError, match="not signed by the key given"):
        verify_tlog_proof(inclusion(), named_otherwise)


def test_proof_of_another_entry_is_refused() -> None:
    with pytest.raises(VerificationError, match=r"entry #6 is not shown to be in detente/new-start/US at size 13"):
        verify_tlog_proof(inclusion(extra=b"entry 5, edited"), LOG)
    with pytest.raises(VerificationError, match="entry #6 is not shown"):
        verify_tlog_proof(inclusion(), LOG, ENTRIES[6])  # the user's entry wins over the extra data


@pytest.mark.parametrize("attack", ["index-beyond-size", "truncated", "extended", "another-checkpoint"])
def test_tampered_proof_is_refused(attack: str) -> None:
    proof = inclusion()
    if attack == "index-beyond-size":
        proof = replace(proof, index=13)
    elif attack == "truncated":
        proof = replace(proof, proof=proof.proof[:-1])
    elif attack == "extended":
        proof = replace(proof, proof=(*proof.proof, bytes(32)))
    else:  # a genuine checkpoint of a smaller size, with the path for size 13
        proof = replace(proof, note=signed(12))
    with pytest.raises(VerificationError, match="is not shown to be in"):
        verify_tlog_proof(proof, LOG)


def test_proof_without_an_entry_is_refused_as_input() -> None:
    with pytest.raises(NoteError, match="carries no entry"):
        verify_tlog_proof(replace(inclusion(), extra=None), LOG)


def test_consistency_needs_both_checkpoints_signed_and_consistent() -> None:
    old, new, _ = verify_tlog_consistency(consistency(), LOG)
    assert (old.size, new.size) == (5, 13)
    honest = consistency()
    for forged, words in [
        (replace(honest, old=signed(5, MALLORY)), "older checkpoint is not signed"),
        (replace(honest, new=signed(13, MALLORY)), "newer checkpoint is not signed"),
        (replace(honest, new=signed(13, origin="detente/new-start/RU")), "not signed by the key"),
        (replace(honest, new=signed(13, root=hashlib.sha256(b"rewritten").digest())), "not shown to extend size 5"),
        (replace(honest, proof=honest.proof[1:]), "not shown to extend"),
        (TlogConsistency(honest.proof, honest.new, honest.old), "larger than new size"),
    ]:
        with pytest.raises(VerificationError, match=words):
            verify_tlog_consistency(parse_tlog_consistency(forged.text()), LOG)


# ------------------------------------------------------------------------------------------------ the CLI


def at(days: int) -> dt.datetime:
    return dt.datetime(2020, 9, 1, tzinfo=dt.UTC) + dt.timedelta(days=days)


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[str, Path, str]:
    """A SQLite ledger of the US: initial data (checkpoint 1), two changes, an update (checkpoint 4); key, vkey."""
    catalog = builtin_catalog()
    force = load_force("us-2020-09", catalog)
    path = tmp_path / "us.sqlite"
    store = open_store(str(path))
    led = Ledger(store, US, catalog, get_treaty)
    led.register("US", US.public_key, "new-start")
    initial = initial_data(force, "US", at(0), at(0))
    led.submit("US", [initial])
    uid = next(i["uid"] for i in initial["content"]["items"] if i["status"] == "deployed" and "minuteman" in i["uid"])
    led.submit("US", [
        {"type": "status-change", "effective": at(2), "sent": at(3),
         "content": {"uid": uid, "from": "deployed", "to": "non-deployed"}},
        {"type": "status-change", "effective": at(4), "sent": at(5),
         "content": {"uid": uid, "from": "non-deployed", "to": "deployed", "warheads": 1}},
    ])  # fmt: skip
    led.submit("US", [{"type": "data-update", "effective": at(6), "sent": at(7),
                       "content": declaration_from_state(led.state("US"))}])  # fmt: skip
    store.close()
    gc.collect()
    key = tmp_path / "us.key"
    save_key(US, key)
    return str(path), key, verifier_key(LOG)


def test_cli_the_made_up_json_proof_of_the_defect_is_refused(cli: Cli, tmp_path: Path) -> None:
    tree = MerkleTree()
    tree.extend([b"made up"])
    made_up = {"format": "detente.proof/1", "kind": "inclusion", "origin": ORIGIN, "index": 0, "size": 1,
               "leaf": base64.b64encode(leaf_hash(b"made up")).decode(),
               "root": base64.b64encode(tree.root()).decode(), "proof": []}  # fmt: skip
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(made_up))
    code, out, err = cli("trust", "verify", str(path), "--log-key", verifier_key(LOG))
    assert refused(code)
    assert "carries no signed checkpoint" in out + err
    assert "ok" not in out
    code, _, _ = cli("trust", "verify", str(path))
    assert code == 2  # and no proof is verified without a log key named


def test_cli_a_made_up_tlog_proof_is_refused(cli: Cli, tmp_path: Path) -> None:
    fake = MerkleTree()
    fake.extend([b"made up"])
    note = sign_note(Checkpoint(ORIGIN, 1, fake.root()).body(), ORIGIN, MALLORY)
    path = tmp_path / "fake.tlog-proof"
    path.write_text(TlogProof(0, (), note, b"made up").text())
    code, out, err = cli("trust", "verify", str(path), "--log-key", verifier_key(LOG))
    assert refused(code)
    assert f"not signed by the key given for {ORIGIN}" in out + err
    assert "ok" not in out
    # What a proof shows is what the key the verifier names signed: named with Mallory's key, it verifies. Which
    # key is the log's is the verifier's to know (`trust log-key` on its own copy of the ledger), never the file's.
    mallory = verifier_key(Verifier(ORIGIN, MALLORY.public_key))
    assert cli("trust", "verify", str(path), "--log-key", mallory)[0] == 0


def test_cli_proves_and_verifies_inclusion_and_consistency(cli: Cli, ledger: tuple[str, Path, str], tmp_path: Path):
    target, key, vkey = ledger
    code, vkey_printed, _ = cli("trust", "log-key", target, "--party", "US")
    assert (code, vkey_printed) == (0, vkey + "\n")
    key_file = tmp_path / "us.vkey"
    key_file.write_text(vkey_printed)
    code, proof, _ = cli("trust", "prove-inclusion", target, "--party", "US", "--seq", "3")
    assert code == 0
    parsed = parse_tlog_proof(proof)
    assert (parsed.index, parsed.note.checkpoint().size) == (2, 4)  # under the latest recorded checkpoint
    path = tmp_path / "p.tlog-proof"
    path.write_text(proof)
    code, out, _ = cli("trust", "verify", str(path), "--log-key", str(key_file))
    assert code == 0
    assert f"ok entry #3 (status-change, effective 2020-09-05T00:00:00Z) is in {ORIGIN} at size 4" in out
    # the entry as `ledger show` prints it is the entry the proof is for; another entry is not
    code, shown_entry, _ = cli("ledger", "show", target, "US", "3")
    (tmp_path / "entry3.json").write_text(shown_entry)
    assert cli("trust", "verify", str(path), "--log-key", vkey, "--entry", str(tmp_path / "entry3.json"))[0] == 0
    code, shown_entry, _ = cli("ledger", "show", target, "US", "2")
    (tmp_path / "entry2.json").write_text(shown_entry)
    code, out, err = cli("trust", "verify", str(path), "--log-key", vkey, "--entry", str(tmp_path / "entry2.json"))
    assert refused(code)
    assert "entry #3 is not shown to be in" in out + err

    code, out, err = cli("trust", "prove-inclusion", target, "--party", "US", "--seq", "2", "--size", "3")
    assert code == 2
    assert "no recorded checkpoint at size 3" in out + err
    assert "--key" in out + err
    code, out, _ = cli("trust", "prove-inclusion", target, "--party", "US", "--seq", "2", "--size", "3", "--key",
                       str(key))  # fmt: skip
    assert code == 0
    assert parse_tlog_proof(out).note.checkpoint().size == 3

    code, out, _ = cli("trust", "prove-consistency", target, "--party", "US", "--from", "1")
    assert code == 0
    (tmp_path / "c.proof").write_text(out)
    code, out, _ = cli("trust", "verify", str(tmp_path / "c.proof"), "--log-key", vkey)
    assert code == 0
    assert f"{ORIGIN} at size 4 extends size 1" in out
    code, out, err = cli("trust", "prove-consistency", target, "--party", "US", "--from", "2")
    assert code == 2
    assert "no recorded checkpoint at size 2" in out + err
    code, out, _ = cli("trust", "prove-consistency", target, "--party", "US", "--from", "0", "--key", str(key))
    assert code == 0
    assert parse_tlog_consistency(out).old.checkpoint().size == 0  # the empty tree, signed: extended by any
    mallory = verifier_key(Verifier(ORIGIN, MALLORY.public_key))
    code, out, err = cli("trust", "verify", str(tmp_path / "c.proof"), "--log-key", mallory)
    assert refused(code)
    assert "not signed by the key given" in out + err


def test_cli_proof_under_a_cosigned_checkpoint_keeps_its_cosignature(
    cli: Cli, ledger: tuple[str, Path, str], tmp_path: Path
) -> None:
    target, _, vkey = ledger
    recorded = json.loads(cli("trust", "checkpoints", target, "--party", "US", "--json")[1])["checkpoints"][-1]
    note = parse_note(recorded["note"])
    cosigned = tmp_path / "cosigned.note"
    cosigned.write_text(note.with_signature(cosign(note, "RU", RU, 1_700_000_000)).text())
    code, proof, _ = cli("trust", "prove-inclusion", target, "--party", "US", "--seq", "1", "--checkpoint",
                         str(cosigned))  # fmt: skip
    assert code == 0
    (tmp_path / "p").write_text(proof)
    code, out, _ = cli("trust", "verify", str(tmp_path / "p"), "--log-key", vkey, "--witness", verifier_key(WITNESS))
    assert code == 0
    assert "cosigned by RU (at 1700000000)" in out
    forged = tmp_path / "forged.note"
    forged.write_text(sign_note(Checkpoint(ORIGIN, 4, bytes(32)).body(), ORIGIN, US).text())
    code, out, err = cli("trust", "prove-inclusion", target, "--party", "US", "--seq", "1", "--checkpoint",
                         str(forged))  # fmt: skip
    assert refused(code)
    assert "another root than this ledger's entries" in out + err


def test_cli_log_key_forms_are_checked(cli: Cli, ledger: tuple[str, Path, str], tmp_path: Path) -> None:
    target, key, vkey = ledger
    note = tmp_path / "now.note"
    cli("trust", "checkpoint", target, "--key", str(key), "--out", str(note))
    bare = base64.b64encode(US.public_key).decode()
    assert cli("trust", "verify", str(note), "--log-key", vkey)[0] == 0
    assert cli("trust", "verify", str(note), "--log-key", bare, "--log-name", ORIGIN)[0] == 0
    assert cli("trust", "verify", str(note), "--log-key", str(key), "--log-name", ORIGIN)[0] == 0
    for args, words in [
        (["--log-key", bare], "--log-name"),
        (["--log-key", str(key)], "--log-name"),
        (["--log-key", vkey, "--log-name", "detente/new-start/RU"], "is named"),
        (["--log-key", verifier_key(WITNESS)], "not a log's"),
        (["--log-key", "AAAA", "--log-name", ORIGIN], "32-byte"),
    ]:
        code, out, err = cli("trust", "verify", str(note), *args)
        assert code == 2, args
        assert words in out + err, args
    code, out, err = cli("trust", "verify", str(note), "--log-key", bare, "--log-name", "detente/new-start/RU")
    assert refused(code)
    assert "not signed by the key given for detente/new-start/RU" in out + err


def test_cli_exported_checkpoints_and_proofs_verify_and_a_witness_takes_them_in_turn(
    cli: Cli, ledger: tuple[str, Path, str], tmp_path: Path
) -> None:
    target, _, vkey = ledger
    out_dir = tmp_path / "exported"
    assert cli("trust", "checkpoints", target, "--party", "US", "--out", str(out_dir))[0] == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["US-1.note", "US-4.consistency-proof", "US-4.note"]
    code, out, _ = cli("trust", "verify", str(out_dir / "US-4.consistency-proof"), "--log-key", vkey)
    assert code == 0
    assert "at size 4 extends size 1" in out
    ru_key = tmp_path / "ru.key"
    save_key(RU, ru_key)
    common = ["--log-key", vkey, "--key", str(ru_key), "--state", str(tmp_path / "ru.json")]
    assert cli("trust", "cosign", str(out_dir / "US-1.note"), *common)[0] == 0
    code, out, err = cli("trust", "cosign", str(out_dir / "US-4.note"), *common)
    assert refused(code)
    assert "no-proof" in out + err
    code, out, err = cli("trust", "cosign", str(out_dir / "US-4.note"), *common, "--proof",
                         str(out_dir / "US-4.consistency-proof"))  # fmt: skip
    assert code == 0, err
    assert "\u2014 RU " in out
    code, out, err = cli("trust", "cosign", str(out_dir / "US-1.note"), *common)
    assert refused(code)
    assert "not cosigned (rollback)" in out + err


# ------------------------------------------------------------------------------------------------ interoperability


def test_tlog_scales_verifies_a_tlog_proof_detente_writes(cli: Cli, ledger: tuple[str, Path, str]) -> None:
    """PyPI tlog-scales (independent C2SP code) parses the checkpoint, checks its signature by the verifier key
    detente prints, checks the cosignature, and checks the inclusion path from the entry's leaf hash."""
    signing = pytest.importorskip("tlog_scales.signing")
    tlog = pytest.importorskip("tlog_scales.tlog")
    tiles = pytest.importorskip("tlog_scales.tiles")
    target, _, vkey = ledger
    code, text, _ = cli("trust", "prove-inclusion", target, "--party", "US", "--seq", "3")
    assert code == 0
    head, _, note_text = text.partition("\n\n")  # the tlog-proof layout, read without detente's parser
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    extra = base64.b64decode(lines[1].removeprefix("extra "))
    index = int(lines[2].removeprefix("index "))
    hashes = [base64.b64decode(line) for line in lines[3:]]
    note = parse_note(note_text)
    cosigned = note.with_signature(cosign(note, "RU", RU, 1_700_000_000)).text()
    checkpoint = tlog.Checkpoint.from_text(cosigned)
    checkpoint.verify(signing.Vkey.from_string(vkey))
    witness = signing.Vkey.from_string(verifier_key(WITNESS))
    assert len(signing.VkeySet(witness).verify(checkpoint.signatures, checkpoint)) == 1
    tlog.InclusionProof(index, checkpoint.size, hashes).check(tiles.leaf_hash(extra), checkpoint.root_hash)
    with pytest.raises(tlog.InclusionProofInvalid):
        tlog.InclusionProof(index, checkpoint.size, hashes).check(tiles.leaf_hash(extra + b" "), checkpoint.root_hash)
    mallory = signing.Vkey.from_string(verifier_key(Verifier(ORIGIN, MALLORY.public_key)))
    with pytest.raises(RuntimeError, match="no signature matched"):
        checkpoint.verify(mallory)


def test_tlog_scales_verifies_a_consistency_proof_detente_writes(cli: Cli, ledger: tuple[str, Path, str]) -> None:
    signing = pytest.importorskip("tlog_scales.signing")
    tlog = pytest.importorskip("tlog_scales.tlog")
    target, _, vkey = ledger
    code, text, _ = cli("trust", "prove-consistency", target, "--party", "US", "--from", "1")
    assert code == 0
    proof = parse_tlog_consistency(text)
    old = tlog.Checkpoint.from_text(proof.old.text())
    new = tlog.Checkpoint.from_text(proof.new.text())
    for checkpoint in (old, new):
        checkpoint.verify(signing.Vkey.from_string(vkey))
    tlog.ConsistencyProof(old.size, new.size, list(proof.proof)).check(old.root_hash, new.root_hash)


def test_detente_verifies_a_checkpoint_tlog_scales_signs() -> None:
    signing = pytest.importorskip("tlog_scales.signing")
    tlog = pytest.importorskip("tlog_scales.tlog")
    signer = signing.PlainEd25519Signer(ORIGIN, bytes([41]) * 32)  # US's seed: the same key, signed elsewhere
    assert signer.vkey.serialize() == verifier_key(LOG)
    theirs = tlog.Checkpoint.make_signed(ORIGIN, 13, TREE.root(), [signer]).serialize()
    proof = TlogProof(5, tuple(TREE.inclusion_proof(5)), parse_note(theirs), ENTRIES[5])
    checkpoint, _ = verify_tlog_proof(parse_tlog_proof(proof.text()), parse_verifier_key(signer.vkey.serialize()))
    assert checkpoint.size == 13
