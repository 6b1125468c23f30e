"""The trust commands as a user runs them: checkpoint, cosign, proofs, evidence, escrow."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from detente.crypto.keys import PartyKey, save_key
from detente.crypto.note import Checkpoint, sign_note


def _key(tmp: Path, party: str, seed: int) -> tuple[Path, PartyKey]:
    key = PartyKey.from_seed(party, bytes([seed]) * 32)
    path = tmp / f"{party.lower()}.key"
    save_key(key, path)
    return path, key


def test_checkpoint_cosign_prove_verify_and_fork_evidence(cli, tmp_path: Path) -> None:
    us_path, us = _key(tmp_path, "US", 1)
    ru_path, ru = _key(tmp_path, "RU", 2)
    ledger = str(tmp_path / "us.sqlite")
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(us_path))[0] == 0
    assert cli("ledger", "import-force", ledger, "us-2020-09", "--key", str(us_path))[0] == 0
    note = tmp_path / "cp.txt"
    assert cli("trust", "checkpoint", ledger, "--key", str(us_path), "--out", str(note))[0] == 0
    assert note.read_text().startswith("detente/new-start/US\n1\n")

    log_key = base64.b64encode(us.public_key).decode()
    common = ["--log-name", "detente/new-start/US", "--log-key", log_key, "--key", str(ru_path)]
    state = str(tmp_path / "ru-witness.json")
    code, cosigned, _ = cli("trust", "cosign", str(note), *common, "--state", state)
    assert code == 0
    assert "\u2014 RU " in cosigned
    (tmp_path / "cosigned.txt").write_text(cosigned)
    witness = f"RU={base64.b64encode(ru.public_key).decode()}"
    code, out, _ = cli(
        "trust",
        "verify",
        str(tmp_path / "cosigned.txt"),
        "--log-name",
        "detente/new-start/US",
        "--log-key",
        log_key,
        "--witness",
        witness,
    )
    assert code == 0
    assert "cosigned by RU" in out

    code, proof, _ = cli("trust", "prove-inclusion", ledger, "--party", "US", "--seq", "1")
    assert code == 0
    (tmp_path / "p.json").write_text(proof)
    assert cli("trust", "verify", str(tmp_path / "p.json"))[0] == 0
    bad = json.loads(proof)
    bad["root"] = base64.b64encode(b"\x00" * 32).decode()
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    code, out, _ = cli("trust", "verify", str(tmp_path / "bad.json"))
    assert code == 2
    assert "error:" in out

    fork = tmp_path / "fork.txt"
    fork.write_text(
        sign_note(Checkpoint("detente/new-start/US", 1, b"\x07" * 32).body(), "detente/new-start/US", us).text()
    )
    evidence = tmp_path / "evidence.json"
    code, out, _ = cli("trust", "cosign", str(fork), *common, "--state", state, "--evidence", str(evidence))
    assert code == 2
    assert "fork" in out
    code, out, _ = cli("trust", "check-evidence", str(evidence), "--log-key", log_key)
    assert code == 0
    assert "fork proven" in out
    other = base64.b64encode(ru.public_key).decode()
    assert cli("trust", "check-evidence", str(evidence), "--log-key", other)[0] == 2


def test_escrow_commit_open_verify(cli, tmp_path: Path) -> None:
    us_path, us = _key(tmp_path, "US", 3)
    secret, commitment = tmp_path / "secret.json", tmp_path / "commitment.json"
    code, _, _ = cli(
        "trust", "escrow-commit", "us-2020-09", "--key", str(us_path), "--secret", str(secret), "--out", str(commitment)
    )
    assert code == 0
    published = json.loads(commitment.read_text())
    assert published["size"] == 1396
    assert "items" not in published  # only root, size and aggregates are public
    opening = tmp_path / "whiteman.json"
    assert cli("trust", "escrow-open", str(secret), "--facility", "whiteman", "--out", str(opening))[0] == 0
    key64 = base64.b64encode(us.public_key).decode()
    code, out, _ = cli("trust", "escrow-verify", str(commitment), str(opening), "--public-key", key64)
    assert code == 0
    assert json.loads(out[out.index("{") :])["opened"] == 12  # the 12 deployed B-2A at Whiteman
    changed = json.loads(opening.read_text())
    changed["items"][0]["item"]["warheads"] = 5
    opening.write_text(json.dumps(changed))
    code, out, _ = cli("trust", "escrow-verify", str(commitment), str(opening), "--public-key", key64)
    assert code == 2
    assert "does not match the commitment" in out
