"""``detente zk`` as a user runs it, on copies of the ILLUSTRATIVE demo ledger (built once for the module).

Commit → prove → verify holds (exit 0); the secret is kept with mode 600 and never left behind by a commit that
records nothing (a key not the party's, a secret file in the way, a second commit at the date, a submit the ledger
refuses); a bundle for another party or with a flipped byte is a finding (exit 3) with its reason, one that is not
JSON bad input (exit 2); an opening agrees with matching findings, and a wrong count or a tampered opening is a
finding naming the measure; the demo runs end to end.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from detente.cli.ledger import build_demo
from detente.cli.zk import commit_cmd, prove_cmd
from detente.crypto.keys import PartyKey, save_key
from detente.demo.ledger import demo_key
from detente.store.ledger_store import open_store

Cli = Callable[..., tuple[int, str, str]]
DATE = "2018-02-05"
SENT = "2023-04-01T00:00:00Z"  # after the demo ledger's last notification, before New START expired


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The illustrative demo ledger, built once."""
    path = tmp_path_factory.mktemp("zk-cli") / "demo.sqlite"
    build_demo(path, quiet=True).close()
    return path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The parties' public demo keys in key files."""
    folder = tmp_path_factory.mktemp("zk-keys")
    paths = {p: folder / f"{p.lower()}.key" for p in ("US", "RU")}
    for party, path in paths.items():
        save_key(demo_key(party), path)
    return paths


@pytest.fixture
def ledger(demo_file: Path, tmp_path: Path) -> str:
    """A copy of the demo ledger for one test."""
    target = tmp_path / "ledger.sqlite"
    shutil.copy(demo_file, target)
    return str(target)


@pytest.fixture(scope="module")
def proven(demo_file: Path, keys: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A demo ledger where the US committed at the data date, its secret and its proof bundle (read-only for tests)."""
    folder = tmp_path_factory.mktemp("zk-proven")
    files = {"ledger": folder / "ledger.sqlite", "secret": folder / "us.secret", "proof": folder / "us.proof"}
    shutil.copy(demo_file, files["ledger"])
    target = str(files["ledger"])
    commit_cmd(target, "US", DATE, keys["US"], files["secret"], None, SENT, False, True)
    prove_cmd(target, "US", DATE, files["secret"], files["proof"], False, True)
    return files


def _head(target: str, party: str) -> int:
    with open_store(target, readonly=True) as store:
        head = store.head(party)
        return head.seq if head else 0


def _commit(cli: Cli, target: str, key: Path, secret: Path, *more: str, party: str = "US") -> tuple[int, str, str]:
    return cli("zk", "commit", target, "--party", party, "--date", DATE, "--key", str(key), "--secret", str(secret),
               "--sent", SENT, *more)  # fmt: skip


def _left_behind(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or p.suffix == ".secret")


# ------------------------------------------------------------------------------------------------ commit


def test_commit_prove_verify(cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path):
    secret, proof = tmp_path / "us.secret", tmp_path / "us.proof"
    before = _head(ledger, "US")
    code, out, err = _commit(cli, ledger, keys["US"], secret, "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["seq"] == before + 1 == _head(ledger, "US")
    assert set(made) == {"party", "data_date", "seq", "hash", "measures", "facilities", "secret"}  # no counts
    assert made["measures"] == ["deployed-delivery-vehicles", "warheads", "launchers"]
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert _left_behind(tmp_path) == ["us.secret"]
    kept = json.loads(secret.read_text())
    assert sorted(kept["facilities"]) == sorted(made["facilities"])

    code, out, err = cli("zk", "prove", ledger, "-p", "US", "-d", DATE, "--secret", str(secret), "--out", str(proof))
    assert code == 0, err
    assert f"#{made['seq']}" in out
    code, out, err = cli("zk", "verify", ledger, str(proof), "--party", "US", "--date", DATE, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["ok"] is True
    assert result["entry"] == {"seq": made["seq"], "hash": made["hash"]}
    assert result["treaty"] == "new-start"
    assert all(s["ok"] for s in result["statements"])
    limits = {s["measure"]: s["bound"] for s in result["statements"] if s["facility"] == "total"}
    assert limits == {"deployed-delivery-vehicles": 700, "warheads": 1550, "launchers": 800}
    code, out, _ = cli("zk", "verify", ledger, str(proof), "--party", "US", "--date", DATE)
    assert code == 0
    assert "the proofs hold" in out


@pytest.mark.parametrize("which", ["other party's key", "unregistered key"])
def test_a_key_not_the_partys_writes_and_submits_nothing(
    cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path, which: str
):
    key = keys["RU"]
    if which == "unregistered key":
        key = tmp_path / "stranger.key"
        save_key(PartyKey.generate("US"), key)
    before = _head(ledger, "US")
    code, _, err = _commit(cli, ledger, key, tmp_path / "us.secret")
    assert code == 2, err
    assert "key" in err
    assert _left_behind(tmp_path) == []
    assert _head(ledger, "US") == before


def test_an_existing_secret_file_is_refused_without_force(cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path):
    secret = tmp_path / "us.secret"
    secret.write_text("an older secret")
    before = _head(ledger, "US")
    code, _, err = _commit(cli, ledger, keys["US"], secret)
    assert code == 2
    assert "already exists" in err
    assert secret.read_text() == "an older secret"
    assert _head(ledger, "US") == before
    code, _, err = _commit(cli, ledger, keys["US"], secret, "--force")
    assert code == 0, err
    assert json.loads(secret.read_text())["party"] == "US"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_a_second_commit_at_the_date_is_refused_and_leaves_no_secret(
    cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path
):
    code, _, err = _commit(cli, ledger, keys["US"], tmp_path / "first.secret")
    assert code == 0, err
    head = _head(ledger, "US")
    code, _, err = _commit(cli, ledger, keys["US"], tmp_path / "second.secret")
    assert code == 2
    assert f"already, in #{head}" in err
    assert not (tmp_path / "second.secret").exists()
    assert _left_behind(tmp_path) == ["first.secret"]
    assert _head(ledger, "US") == head


def test_a_submit_the_ledger_refuses_removes_the_secret(cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path):
    before = _head(ledger, "US")
    secret = tmp_path / "us.secret"
    code, _, err = cli("zk", "commit", ledger, "-p", "US", "-d", DATE, "-k", str(keys["US"]), "--secret", str(secret),
                       "--sent", "2018-02-06T09:00:00Z")  # fmt: skip  # before the ledger's last notification
    assert code == 2
    assert "[order]" in err
    assert _left_behind(tmp_path) == []
    assert _head(ledger, "US") == before


def test_a_capacity_below_the_facilitys_warheads_is_refused(
    cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path
):
    code, _, err = _commit(cli, ledger, keys["US"], tmp_path / "us.secret", "--capacity", "malmstrom=10")
    assert code == 2
    assert "malmstrom" in err
    code, _, err = _commit(cli, ledger, keys["US"], tmp_path / "us.secret", "--capacity", "nowhere=10")
    assert code == 2
    assert "nowhere" in err
    assert _left_behind(tmp_path) == []


# ------------------------------------------------------------------------------------------------ verify


def test_a_bundle_for_another_party_is_a_finding(cli: Cli, proven: dict[str, Path]):
    code, out, err = cli(
        "zk", "verify", str(proven["ledger"]), str(proven["proof"]), "--party", "RU", "--date", DATE, "--json"
    )
    assert code == 3
    assert "about party US, not RU" in err
    assert json.loads(out)["ok"] is False


def test_a_flipped_byte_in_a_proof_is_a_finding(cli: Cli, proven: dict[str, Path], tmp_path: Path):
    bundle = json.loads(proven["proof"].read_text())
    target = bundle["statements"][-1]  # a facility's capacity statement
    proof = bytearray(base64.b64decode(target["proof"]))
    proof[len(proof) // 2] ^= 0x01
    target["proof"] = base64.b64encode(bytes(proof)).decode()
    flipped = tmp_path / "flipped.proof"
    flipped.write_text(json.dumps(bundle))
    code, out, err = cli("zk", "verify", str(proven["ledger"]), str(flipped), "--party", "US", "--date", DATE, "--json")
    assert code == 3
    failed = [s for s in json.loads(out)["statements"] if not s["ok"]]
    assert [(s["kind"], s["facility"]) for s in failed] == [(target["kind"], target["facility"])]
    assert failed[0]["reason"]
    assert failed[0]["statement"] in json.loads(err)["error"]["message"]


@pytest.mark.parametrize("damage", ["truncated", "not JSON"])
def test_a_bundle_that_is_not_json_is_bad_input(cli: Cli, proven: dict[str, Path], tmp_path: Path, damage: str):
    text = proven["proof"].read_text()
    broken = tmp_path / "broken.proof"
    broken.write_text(text[: len(text) // 2] if damage == "truncated" else "statements: none\n")
    code, out, err = cli("zk", "verify", str(proven["ledger"]), str(broken), "--party", "US", "--date", DATE)
    assert code == 2
    assert "not valid JSON" in err
    assert out == ""


# ------------------------------------------------------------------------------------------------ openings


def _open(cli: Cli, proven: dict[str, Path], facility: str, out: Path) -> None:
    code, _, err = cli("zk", "open", str(proven["ledger"]), "-p", "US", "-d", DATE, "--secret", str(proven["secret"]),
                       "--facility", facility, "--out", str(out), "--json")  # fmt: skip
    assert code == 0, err


def test_an_opening_with_findings(cli: Cli, proven: dict[str, Path], tmp_path: Path):
    opening = tmp_path / "malmstrom.opening"
    _open(cli, proven, "malmstrom", opening)
    values = json.loads(opening.read_text())["values"]
    same, more = tmp_path / "same.json", tmp_path / "more.json"
    same.write_text(json.dumps(values))
    more.write_text(json.dumps({**values, "warheads": values["warheads"] + 1}))
    check = ("zk", "check-opening", str(proven["ledger"]), str(opening), "--party", "US", "--date", DATE, "--findings")
    code, out, err = cli(*check, str(same), "--json")
    assert code == 0, err
    assert json.loads(out)["discrepancies"] == []
    code, out, err = cli(*check, str(more), "--json")
    assert code == 3
    [found] = json.loads(out)["discrepancies"]
    assert (found["kind"], found["measure"]) == ("wrong-count", "warheads")
    assert "warheads wrong-count" in err
    code, out, _ = cli(*check, str(more))
    assert code == 3
    assert "warheads" in out


def test_a_tampered_opening_is_a_finding(cli: Cli, proven: dict[str, Path], tmp_path: Path):
    opening = tmp_path / "bangor.opening"
    _open(cli, proven, "bangor", opening)
    doc = json.loads(opening.read_text())
    doc["values"]["warheads"] -= 1
    opening.write_text(json.dumps(doc))
    code, _, err = cli("zk", "check-opening", str(proven["ledger"]), str(opening), "--party", "US", "--date", DATE)
    assert code == 3
    assert "warheads does-not-open" in err


def test_the_totals_open_to_the_partys_counts(cli: Cli, proven: dict[str, Path], tmp_path: Path):
    """Opening `total` shows the aggregates, as `ledger counts` gives them, and checks against the sums."""
    opening = tmp_path / "total.opening"
    _open(cli, proven, "total", opening)
    values = json.loads(opening.read_text())["values"]
    code, out, _ = cli("ledger", "counts", str(proven["ledger"]), "--date", DATE, "--json")
    assert code == 0
    assert values == {measure: line["count"] for measure, line in json.loads(out)["US"].items()}
    code, out, err = cli(
        "zk", "check-opening", str(proven["ledger"]), str(opening), "--party", "US", "--date", DATE, "--json"
    )
    assert code == 0, err
    assert json.loads(out)["discrepancies"] == []
    doc = json.loads(opening.read_text())
    doc["values"]["warheads"] -= 1  # an aggregate reported one lower than committed does not open the sum
    opening.write_text(json.dumps(doc))
    code, _, err = cli("zk", "check-opening", str(proven["ledger"]), str(opening), "--party", "US", "--date", DATE)
    assert code == 3
    assert "warheads does-not-open" in err


# ------------------------------------------------------------------------------------------------ demo


def test_demo(cli: Cli, tmp_path: Path):
    code, out, err = cli("zk", "demo", "--dir", str(tmp_path / "demo"), "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert facts["illustrative"] is True
    assert [(p["party"], p["ok"]) for p in facts["parties"]] == [("US", True), ("RU", True)]
    inspection = facts["inspection"]
    assert inspection["party"] == "RU"
    declared, one_more = inspection["cases"]
    assert declared["discrepancies"] == []
    [found] = one_more["discrepancies"]
    assert (found["kind"], found["measure"], found["facility"]) == ("wrong-count", "warheads", inspection["facility"])
    assert inspection["others"]["ok"] is True
    assert inspection["others"]["statements"] > 0


def test_the_verifier_names_the_date_not_the_bundle(cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path):
    """A bundle of a date where no limit binds proves no compliance, and cannot pass for another date's."""
    early, secret, proof = "2011-09-01", tmp_path / "early.secret", tmp_path / "early.proof"
    code, _, err = cli("zk", "commit", ledger, "-p", "US", "-d", early, "--key", str(keys["US"]), "--secret",
                       str(secret), "--sent", SENT, "--json")  # fmt: skip
    assert code == 0, err
    code, _, err = cli("zk", "prove", ledger, "-p", "US", "-d", early, "--secret", str(secret), "--out", str(proof))
    assert code == 0, err
    code, _, err = cli("zk", "verify", ledger, str(proof), "--party", "US", "--date", early)
    assert code == 3
    assert "no limit of New START binds US at 2011-09-01" in err
    _commit(cli, ledger, keys["US"], tmp_path / "now.secret")  # the commitments at DATE exist
    code, _, err = cli("zk", "verify", ledger, str(proof), "--party", "US", "--date", DATE)
    assert code == 3
    assert f"the bundle is of data date {early}, not {DATE}" in err


def test_an_opening_of_other_commitments_cannot_answer_an_inspection(
    cli: Cli, ledger: str, keys: dict[str, Path], tmp_path: Path
):
    """Commitments made since, at another date, opened instead of those at the inspected date: other-date."""
    _commit(cli, ledger, keys["US"], tmp_path / "now.secret")
    later, secret, opening = "2017-12-31", tmp_path / "later.secret", tmp_path / "later.opening"
    code, _, err = cli("zk", "commit", ledger, "-p", "US", "-d", later, "--key", str(keys["US"]), "--secret",
                       str(secret), "--sent", SENT)  # fmt: skip
    assert code == 0, err
    code, _, err = cli("zk", "open", ledger, "-p", "US", "-d", later, "--secret", str(secret), "--facility",
                       "malmstrom", "--out", str(opening))  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("zk", "check-opening", ledger, str(opening), "--party", "US", "--date", DATE, "--json")
    assert code == 3
    assert "other-date" in {d["kind"] for d in json.loads(out)["discrepancies"]}
