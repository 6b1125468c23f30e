"""Every command that writes a file checks where before doing any work, and refuses a bad place cleanly.

A bad place is a folder that does not exist, a directory given for a file, or a file that exists (without
``--force``). Each command is run with inputs that do not exist either (no ledger, no key, no note): the refusal
names the output, so the check came first, and nothing is written. Exit 2, one line on standard error.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from detente.crypto.keys import PartyKey, save_key


def _commands(out: str) -> dict[str, list[str]]:
    """Each writing command, given ``out`` as the file it writes; every other input is missing."""
    return {
        "ledger export": ["ledger", "export", "no-ledger.sqlite", out],
        "trust checkpoint": ["trust", "checkpoint", "no-ledger.sqlite", "--key", "no.key", "--out", out],
        "trust log-key": ["trust", "log-key", "no-ledger.sqlite", "--party", "US", "--out", out],
        "trust prove-inclusion": ["trust", "prove-inclusion", "no-ledger.sqlite", "-p", "US", "--seq", "1", "-o", out],
        "trust prove-consistency": [
            "trust",
            "prove-consistency",
            "no-ledger.sqlite",
            "-p",
            "US",
            "--from",
            "0",
            "-o",
            out,
        ],
        "trust escrow-open": ["trust", "escrow-open", "no-secret.json", "--facility", "x", "--out", out],
        "trust escrow-commit --out": [
            "trust",
            "escrow-commit",
            "us-2020-09",
            "--key",
            "no.key",
            "--secret",
            "fresh-secret.json",
            "--out",
            out,
            "--as-of",
            "2020-09-01",
        ],
        "trust escrow-commit --secret": [
            "trust",
            "escrow-commit",
            "us-2020-09",
            "--key",
            "no.key",
            "--secret",
            out,
            "--out",
            "fresh-commitment.json",
            "--as-of",
            "2020-09-01",
        ],
        "trust cosign --evidence": [
            "trust",
            "cosign",
            "no.note",
            "--log-key",
            "x",
            "--key",
            "no.key",
            "--state",
            "state.json",
            "--evidence",
            out,
        ],
        "inspect plan": [
            "inspect",
            "plan",
            "no-ledger.sqlite",
            "--by",
            "US",
            "--of",
            "RU",
            "--at",
            "2020-01-01",
            "--out",
            out,
        ],
        "detect chart": ["detect", "chart", "--out", out],
        "plan --chart": ["plan", "no-force.csv", "--chart", out],
        "upload --chart": ["upload", "--chart", out],
        "proposals compare --chart": ["proposals", "compare", "no-force.csv", "--chart", out],
    }


NAMES = list(_commands("x"))
CHARTS = {"detect chart", "plan --chart", "upload --chart", "proposals compare --chart"}


def _out(tmp_path: Path, name: str, stem: str) -> Path:
    return tmp_path / f"{stem}.{'png' if name in CHARTS else 'out'}"


def _refused(cli, args: list[str], why: str, out: Path) -> None:
    code, stdout, err = cli(*args)
    assert code == 2, (args, stdout, err)
    assert stdout == "", stdout
    assert why in err, err
    assert str(out) in err, err  # the output is named: not the missing ledger, key or force read after it
    assert err.count("\n") == 1, err


@pytest.mark.parametrize("name", NAMES)
def test_an_output_in_a_missing_folder_is_refused_before_any_work(cli, tmp_path: Path, monkeypatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    out = _out(tmp_path / "missing", name, "file")
    _refused(cli, _commands(str(out))[name], "does not exist", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, not even the other escrow file


@pytest.mark.parametrize("name", NAMES)
def test_an_existing_output_is_refused_and_kept(cli, tmp_path: Path, monkeypatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    out = _out(tmp_path, name, "taken")
    out.write_text("mine", "utf-8")
    _refused(cli, _commands(str(out))[name], "already exists", out)
    assert out.read_text("utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.parametrize("name", NAMES)
def test_a_directory_given_as_the_output_is_refused(cli, tmp_path: Path, monkeypatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    out = _out(tmp_path, name, "folder")
    out.mkdir()
    _refused(cli, _commands(str(out))[name], "is a directory", out)
    assert out.is_dir()
    assert list(out.iterdir()) == []  # nothing written into it either


@pytest.mark.parametrize("name", sorted(set(NAMES) - {"trust escrow-commit --secret"}))
def test_force_lets_the_command_go_past_an_existing_output(cli, tmp_path: Path, monkeypatch, name: str) -> None:
    """With --force the output check passes; the command then stops at its first missing input, not at the file."""
    monkeypatch.chdir(tmp_path)
    out = _out(tmp_path, name, "taken")
    out.write_text("mine", "utf-8")
    code, _, err = cli(*_commands(str(out))[name], "--force")
    assert "already exists" not in err, err
    if name not in ("detect chart", "upload --chart"):  # those two have no other input: they run
        assert code == 2, err


def test_escrow_commit_never_overwrites_the_secret_even_with_force(cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text("an earlier secret", "utf-8")
    code, _, err = cli("trust", "escrow-commit", "us-2020-09", "--key", "no.key", "--secret", str(secret),
                       "--out", str(tmp_path / "c.json"), "--as-of", "2020-09-01", "--force")  # fmt: skip
    assert code == 2
    assert "already exists" in err
    assert secret.read_text("utf-8") == "an earlier secret"


def _us_key(tmp_path: Path) -> Path:
    path = tmp_path / "us.key"
    save_key(PartyKey.from_seed("US", bytes([3]) * 32), path)
    return path


def test_escrow_commit_with_its_commitment_in_a_missing_folder_writes_no_secret(cli, tmp_path: Path) -> None:
    """The defect: the secret was written, then the commitment failed; a secret without its commitment."""
    secret = tmp_path / "secret.json"
    out = tmp_path / "missing" / "commitment.json"
    code, _, err = cli("trust", "escrow-commit", "us-2020-09", "--key", str(_us_key(tmp_path)), "--secret",
                       str(secret), "--out", str(out), "--as-of", "2020-09-01")  # fmt: skip
    assert code == 2
    assert "does not exist" in err
    assert not secret.exists()


def test_escrow_commit_refuses_one_file_for_both_sides(cli, tmp_path: Path) -> None:
    both = tmp_path / "both.json"
    code, _, err = cli("trust", "escrow-commit", "us-2020-09", "--key", str(_us_key(tmp_path)), "--secret",
                       str(both), "--out", str(both), "--as-of", "2020-09-01")  # fmt: skip
    assert code == 2
    assert "both --secret and --out" in err
    assert not both.exists()


def test_escrow_secret_is_created_readable_by_its_owner_alone(cli, tmp_path: Path, monkeypatch) -> None:
    created: list[tuple[int, int]] = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):
        if str(path).endswith("secret.json"):
            created.append((flags & os.O_EXCL, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    key = _us_key(tmp_path)
    monkeypatch.setattr("os.open", spy)
    secret, out = tmp_path / "secret.json", tmp_path / "commitment.json"
    commit = ["trust", "escrow-commit", "us-2020-09", "--key", str(key), "--secret", str(secret), "--out", str(out),
              "--as-of", "2020-09-01"]  # fmt: skip
    code, _, err = cli(*commit)
    assert code == 0, err
    assert created == [(os.O_EXCL, 0o600)]  # 0600 from creation: never a moment readable by others
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["size"] == 1396
    code, _, err = cli(*commit, "--force")
    assert code == 2
    assert "already exists" in err  # --force is for the commitment, never the secret
    assert str(secret) in err


def test_cosign_refuses_a_state_in_a_missing_folder_before_reading_anything(cli, tmp_path: Path) -> None:
    state = tmp_path / "missing" / "state.json"
    code, _, err = cli("trust", "cosign", "no.note", "--log-key", "x", "--key", "no.key", "--state", str(state),
                       "--evidence", str(tmp_path / "e.json"))  # fmt: skip
    assert code == 2
    assert "does not exist" in err
    assert str(state) in err


def test_cosign_refuses_a_directory_as_its_state(cli, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.mkdir()
    code, _, err = cli("trust", "cosign", "no.note", "--log-key", "x", "--key", "no.key", "--state", str(state),
                       "--evidence", str(tmp_path / "e.json"))  # fmt: skip
    assert code == 2
    assert "is a directory" in err


def test_checkpoints_refuses_a_file_in_place_of_its_directory_at_once(cli, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.write_text("a file", "utf-8")
    code, _, err = cli("trust", "checkpoints", "no-ledger.sqlite", "--party", "US", "--out", str(out))
    assert code == 2
    assert "is a file, not a directory" in err
    assert str(out) in err


def _ledger_with_checkpoints(cli, tmp_path: Path) -> tuple[str, Path]:
    key = _us_key(tmp_path)
    ledger = str(tmp_path / "us.sqlite")
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key))[0] == 0
    assert cli("ledger", "import-force", ledger, "us-2020-09", "--key", str(key))[0] == 0
    return ledger, key


def test_trust_writers_refuse_an_existing_file_and_overwrite_it_with_force(cli, tmp_path: Path) -> None:
    ledger, key = _ledger_with_checkpoints(cli, tmp_path)
    note = tmp_path / "cp.note"
    note.write_text("old", "utf-8")
    code, _, err = cli("trust", "checkpoint", ledger, "--key", str(key), "--out", str(note))
    assert code == 2
    assert "already exists" in err
    assert note.read_text("utf-8") == "old"
    assert cli("trust", "checkpoint", ledger, "--key", str(key), "--out", str(note), "--force")[0] == 0
    assert note.read_text("utf-8").startswith("detente/new-start/US\n")
    vkey = tmp_path / "log.vkey"
    vkey.write_text("old", "utf-8")
    assert cli("trust", "log-key", ledger, "--party", "US", "--out", str(vkey))[0] == 2
    assert cli("trust", "log-key", ledger, "--party", "US", "--out", str(vkey), "--force")[0] == 0
    assert vkey.read_text("utf-8").startswith("detente/new-start/US+")
    proof = tmp_path / "p.tlog-proof"
    proof.write_text("old", "utf-8")
    prove = ["trust", "prove-inclusion", ledger, "--party", "US", "--seq", "1", "--key", str(key), "--out", str(proof)]
    assert cli(*prove)[0] == 2
    assert cli(*prove, "--force")[0] == 0
    assert proof.read_text("utf-8").startswith("c2sp.org/tlog-proof@v1\n")


def test_cosign_with_an_existing_evidence_file_is_refused_before_cosigning(cli, tmp_path: Path) -> None:
    ledger, key = _ledger_with_checkpoints(cli, tmp_path)
    note = tmp_path / "cp.note"
    assert cli("trust", "checkpoint", ledger, "--key", str(key), "--out", str(note))[0] == 0
    ru = tmp_path / "ru.key"
    save_key(PartyKey.from_seed("RU", bytes([4]) * 32), ru)
    log_key = ["--log-name", "detente/new-start/US", "--log-key",
               base64.b64encode(PartyKey.from_seed("US", bytes([3]) * 32).public_key).decode()]  # fmt: skip
    evidence, state = tmp_path / "evidence.json", tmp_path / "state.json"
    evidence.write_text("an earlier finding", "utf-8")
    cosign = ["trust", "cosign", str(note), *log_key, "--key", str(ru), "--state", str(state), "--evidence",
              str(evidence)]  # fmt: skip
    code, stdout, err = cli(*cosign)
    assert code == 2
    assert "already exists" in err
    assert stdout == ""
    assert not state.exists()  # nothing cosigned, nothing saved
    code, stdout, err = cli(*cosign, "--force")
    assert code == 0, err
    assert "\u2014 RU " in stdout
    assert evidence.read_text("utf-8") == "an earlier finding"  # no fork: nothing written over it
