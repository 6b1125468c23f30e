"""The trust commands as a user runs them: checkpoint, log key, cosign, proofs, evidence, escrow.

Every refusal is asserted by its message; a refusal of something checked (a signature, a proof, evidence, an
opening) exits 3 once the CLI tells it apart from bad input (2), so these tests accept either and never 0 or 1.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from detente.crypto.keys import PartyKey, save_key
from detente.crypto.merkle import MerkleTree
from detente.crypto.note import Checkpoint, TlogProof, Verifier, sign_note, verifier_key

ORIGIN = "detente/new-start/US"


def _key(tmp: Path, party: str, seed: int) -> tuple[Path, PartyKey]:
    key = PartyKey.from_seed(party, bytes([seed]) * 32)
    path = tmp / f"{party.lower()}.key"
    save_key(key, path)
    return path, key


def refused(code: int) -> bool:
    """Refused cleanly: bad input (2) or a check that does not hold (3); not done (0), not a crash (1)."""
    return code in (2, 3)


def test_checkpoint_cosign_prove_verify_and_fork_evidence(cli, tmp_path: Path) -> None:
    us_path, us = _key(tmp_path, "US", 1)
    ru_path, ru = _key(tmp_path, "RU", 2)
    ledger = str(tmp_path / "us.sqlite")
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(us_path))[0] == 0
    assert cli("ledger", "import-force", ledger, "us-2020-09", "--key", str(us_path))[0] == 0
    note = tmp_path / "cp.txt"
    assert cli("trust", "checkpoint", ledger, "--key", str(us_path), "--out", str(note))[0] == 0
    assert note.read_text().startswith(f"{ORIGIN}\n1\n")

    code, vkey, _ = cli("trust", "log-key", ledger, "--party", "US")
    assert code == 0
    vkey = vkey.strip()
    assert vkey.startswith(f"{ORIGIN}+")
    state = str(tmp_path / "ru-witness.json")
    common = ["--log-key", vkey, "--key", str(ru_path), "--state", state]
    code, cosigned, _ = cli("trust", "cosign", str(note), *common)
    assert code == 0
    assert "\u2014 RU " in cosigned
    (tmp_path / "cosigned.txt").write_text(cosigned)
    witness = f"RU={base64.b64encode(ru.public_key).decode()}"
    code, out, _ = cli("trust", "verify", str(tmp_path / "cosigned.txt"), "--log-key", vkey, "--witness", witness)
    assert code == 0
    assert "cosigned by RU" in out
    legacy = ["--log-name", ORIGIN, "--log-key", base64.b64encode(us.public_key).decode()]
    assert cli("trust", "verify", str(tmp_path / "cosigned.txt"), *legacy)[0] == 0

    proof = tmp_path / "p.tlog-proof"
    assert cli("trust", "prove-inclusion", ledger, "--party", "US", "--seq", "1", "--out", str(proof))[0] == 0
    assert proof.read_text().startswith("c2sp.org/tlog-proof@v1\nextra ")
    code, out, _ = cli("trust", "verify", str(proof), "--log-key", vkey)
    assert code == 0
    assert f"entry #1 (initial-data, effective 2020-09-01T00:00:00Z) is in {ORIGIN} at size 1" in out
    code, out, err = cli("trust", "verify", str(proof), "--log-key", base64.b64encode(us.public_key).decode())
    assert code == 2
    assert "--log-name" in out + err  # a bare key names no log: the origin could not be checked

    fork = tmp_path / "fork.txt"
    fork.write_text(sign_note(Checkpoint(ORIGIN, 1, b"\x07" * 32).body(), ORIGIN, us).text())
    evidence = tmp_path / "evidence.json"
    code, out, err = cli("trust", "cosign", str(fork), *common, "--evidence", str(evidence))
    assert refused(code)
    assert "fork" in out + err
    code, out, _ = cli("trust", "check-evidence", str(evidence), "--log-key", vkey)
    assert code == 0
    assert "fork proven" in out
    other = ["--log-name", ORIGIN, "--log-key", base64.b64encode(ru.public_key).decode()]
    code, out, err = cli("trust", "check-evidence", str(evidence), *other)
    assert refused(code)
    assert "another key" in out + err


def test_cosign_of_a_larger_checkpoint_without_a_proof_is_refused_and_writes_no_evidence(cli, tmp_path: Path) -> None:
    """The defect: a larger checkpoint with no --proof gave "evidence" of an inconsistency the log never committed."""
    us_path, _ = _key(tmp_path, "US", 1)
    ru_path, _ = _key(tmp_path, "RU", 2)
    ledger = str(tmp_path / "us.sqlite")
    cli("ledger", "create", ledger)
    cli("ledger", "register", ledger, "--key", str(us_path))
    cli("ledger", "import-force", ledger, "us-2020-09", "--key", str(us_path))
    vkey = cli("trust", "log-key", ledger, "--party", "US")[1].strip()
    first = tmp_path / "cp1.txt"
    cli("trust", "checkpoint", ledger, "--key", str(us_path), "--out", str(first))
    state = tmp_path / "ru-witness.json"
    common = ["--log-key", vkey, "--key", str(ru_path), "--state", str(state)]
    assert cli("trust", "cosign", str(first), *common)[0] == 0
    change = [{"type": "status-change", "effective": "2020-09-05T00:00:00Z", "sent": "2020-09-06T00:00:00Z",
               "content": {"uid": "US-minuteman-iii-000398", "from": "non-deployed", "to": "deployed",
                           "warheads": 1}}]  # fmt: skip
    (tmp_path / "change.json").write_text(json.dumps(change))
    assert cli("ledger", "submit", ledger, str(tmp_path / "change.json"), "--key", str(us_path))[0] == 0
    second = tmp_path / "cp2.txt"
    cli("trust", "checkpoint", ledger, "--key", str(us_path), "--out", str(second))
    saved = state.read_text()

    evidence = tmp_path / "evidence.json"
    code, out, err = cli("trust", "cosign", str(second), *common, "--evidence", str(evidence))
    assert refused(code)
    assert "not cosigned (no-proof)" in out + err
    assert "without a consistency proof from size 1" in out + err
    assert not evidence.exists()
    assert state.read_text() == saved

    consistency = tmp_path / "c.proof"
    prove = ["trust", "prove-consistency", ledger, "--party", "US", "--from", "1", "--key", str(us_path)]
    assert cli(*prove, "--out", str(consistency))[0] == 0
    code, out, _ = cli("trust", "verify", str(consistency), "--log-key", vkey)
    assert code == 0
    assert f"{ORIGIN} at size 2 extends size 1" in out
    code, cosigned, err = cli("trust", "cosign", str(second), *common, "--proof", str(consistency))
    assert code == 0, err
    assert "\u2014 RU " in cosigned


def test_escrow_commit_open_verify(cli, tmp_path: Path) -> None:
    us_path, us = _key(tmp_path, "US", 3)
    secret, commitment = tmp_path / "secret.json", tmp_path / "commitment.json"
    commit = ["trust", "escrow-commit", "us-2020-09", "--key", str(us_path), "--secret", str(secret)]
    code, _, _ = cli(*commit, "--out", str(commitment), "--as-of", "2020-09-01")
    assert code == 0
    published = json.loads(commitment.read_text())
    assert published["size"] == 1396
    assert published["as_of"] == "2020-09-01"
    assert "items" not in published  # only root, size, aggregates and per-facility count commitments are public
    assert "whiteman" in published["regions"]
    assert "12" not in json.dumps(published["regions"])  # counts are committed, not shown
    opening = tmp_path / "whiteman.json"
    assert cli("trust", "escrow-open", str(secret), "--facility", "whiteman", "--out", str(opening))[0] == 0
    key64 = base64.b64encode(us.public_key).decode()
    code, out, _ = cli("trust", "escrow-verify", str(commitment), str(opening), "--public-key", key64)
    assert code == 0
    assert json.loads(out[out.index("{") :])["opened"] == 12  # the 12 deployed B-2A at Whiteman
    changed = json.loads(opening.read_text())
    changed["items"][0]["item"]["warheads"] = 5
    opening.write_text(json.dumps(changed))
    code, out, err = cli("trust", "escrow-verify", str(commitment), str(opening), "--public-key", key64)
    assert refused(code)
    assert "does not match the commitment" in out + err


def test_escrow_partial_opening_is_refused_by_name(cli, tmp_path: Path) -> None:
    """The defect: an opening that revealed only part of a site reported "ok"."""
    us_path, us = _key(tmp_path, "US", 3)
    secret, commitment, opening = tmp_path / "secret.json", tmp_path / "commitment.json", tmp_path / "o.json"
    cli("trust", "escrow-commit", "us-2020-09", "--key", str(us_path), "--secret", str(secret), "--out",
        str(commitment), "--as-of", "2020-09-01T00:00:00Z")  # fmt: skip
    cli("trust", "escrow-open", str(secret), "--facility", "whiteman", "--out", str(opening))
    key64 = base64.b64encode(us.public_key).decode()
    doc = json.loads(opening.read_text())
    doc["items"] = doc["items"][:-2]  # two B-2A kept back
    opening.write_text(json.dumps(doc))
    code, out, err = cli("trust", "escrow-verify", str(commitment), str(opening), "--public-key", key64)
    assert refused(code)
    assert "partial opening of 'whiteman': 10 items revealed, 12 committed there" in out + err
    doc["count"] = 10  # and claim the site holds 10: the committed count does not open to it
    opening.write_text(json.dumps(doc))
    code, out, err = cli("trust", "escrow-verify", str(commitment), str(opening), "--public-key", key64)
    assert refused(code)
    assert "the count given for 'whiteman' (10) is not the one committed" in out + err


def test_escrow_commit_refuses_an_empty_or_malformed_date(cli, tmp_path: Path) -> None:
    us_path, _ = _key(tmp_path, "US", 3)
    for as_of, why in [
        ("", "expected a date"),
        ("2020-13-01", "no such date"),
        ("2020-02-30", "no such date"),
        ("yesterday", "expected a date"),
        ("2020-09-01T00:00:00+03:00", "expected a date"),
        ("2020-09-01T25:00:00Z", "no such date"),
    ]:
        secret, out = tmp_path / f"s{len(why)}{as_of[:4]}.json", tmp_path / f"c{len(why)}{as_of[:4]}.json"
        code, stdout, err = cli("trust", "escrow-commit", "us-2020-09", "--key", str(us_path), "--secret",
                                str(secret), "--out", str(out), "--as-of", as_of)  # fmt: skip
        assert code == 2, as_of
        assert why in stdout + err, as_of
        assert not secret.exists()
        assert not out.exists()
    code, _, _ = cli("trust", "escrow-commit", "us-2020-09", "--key", str(us_path), "--secret",
                     str(tmp_path / "s.json"), "--out", str(tmp_path / "c.json"))  # fmt: skip
    assert code == 2  # --as-of is required


def test_escrow_files_that_are_not_what_they_claim_are_bad_input(cli, tmp_path: Path) -> None:
    us_path, us = _key(tmp_path, "US", 3)
    secret, commitment = tmp_path / "secret.json", tmp_path / "commitment.json"
    cli("trust", "escrow-commit", "us-2020-09", "--key", str(us_path), "--secret", str(secret), "--out",
        str(commitment), "--as-of", "2020-09-01")  # fmt: skip
    code, out, err = cli("trust", "escrow-open", str(secret), "--facility", "nowhere", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "nothing is committed at 'nowhere'" in out + err
    old = {k: v for k, v in json.loads(commitment.read_text()).items() if k != "regions"}
    (tmp_path / "old.json").write_text(json.dumps({**old, "format": "detente.escrow/1"}))
    opening = tmp_path / "whiteman.json"
    cli("trust", "escrow-open", str(secret), "--facility", "whiteman", "--out", str(opening))
    key64 = base64.b64encode(us.public_key).decode()
    code, out, err = cli("trust", "escrow-verify", str(tmp_path / "old.json"), str(opening), "--public-key", key64)
    assert code == 2
    assert "does not bind how many items each facility holds" in out + err
    (tmp_path / "partial.json").write_text(json.dumps({"region": "whiteman", "items": []}))
    code, out, err = cli("trust", "escrow-verify", str(commitment), str(tmp_path / "partial.json"), "--public-key",
                         key64)  # fmt: skip
    assert code == 2
    assert "partial.json" in out + err
    assert "not an escrow opening" in out + err


def _proof_of_one_entry(tmp: Path, payload: bytes) -> tuple[Path, str]:
    """A tlog-proof of a one-entry log holding ``payload``, signed by its key, and that key as verifiers name it."""
    log = PartyKey.from_seed("US", bytes([9]) * 32)
    tree = MerkleTree()
    tree.extend([payload])
    note = sign_note(Checkpoint(ORIGIN, 1, tree.root()).body(), ORIGIN, log)
    path = tmp / "one.tlog-proof"
    path.write_text(TlogProof(0, (), note, payload).text(), "utf-8")
    return path, verifier_key(Verifier(ORIGIN, log.public_key))


def test_verify_refuses_a_proven_entry_with_a_key_given_twice(cli, tmp_path: Path) -> None:
    """The defect: json.loads read the entry, so it was described by the last of two "type" values."""
    payload = b'{"party": "US", "seq": 1, "type": "initial-data", "type": "update", "effective": "2020-09-01"}'
    path, vkey = _proof_of_one_entry(tmp_path, payload)
    code, out, err = cli("trust", "verify", str(path), "--log-key", vkey)
    assert code == 3, out + err
    assert "the proven entry is not one a detente log holds" in err
    assert "key 'type' appears twice" in err
    assert "ok" not in out


def test_verify_describes_a_proven_entry_read_strictly(cli, tmp_path: Path) -> None:
    payload = b'{"party": "US", "seq": 1, "type": "initial-data", "effective": "2020-09-01"}'
    path, vkey = _proof_of_one_entry(tmp_path, payload)
    code, out, err = cli("trust", "verify", str(path), "--log-key", vkey)
    assert code == 0, err
    assert "entry #1 (initial-data, effective 2020-09-01)" in out
    path, vkey = _proof_of_one_entry(tmp_path, b"opaque, not JSON")
    code, out, err = cli("trust", "verify", str(path), "--log-key", vkey)
    assert code == 0, err
    assert "entry #1 is in" in out
