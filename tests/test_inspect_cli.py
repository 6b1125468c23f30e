"""``detente inspect`` as a user runs it: plan, record (with an escrow opening), report, quota; bad input exits 2."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from detente.catalog.load import builtin_catalog
from detente.crypto.keys import PartyKey, load_key
from detente.demo.ledger import build_demo_ledger, demo_key, demo_keys
from detente.ledger.replay import replay_store
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty
from detente.trust.escrow import Escrow, opening_to_json

Cli = Callable[..., tuple[int, str, str]]
SENT = "2023-04-01T00:00:00Z"  # after the demo ledger's last notification


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The illustrative demo ledger, built once."""
    path = tmp_path_factory.mktemp("inspect-cli") / "demo.sqlite"
    store = open_store(str(path))
    build_demo_ledger(Ledger(store, demo_keys(), builtin_catalog(), get_treaty))
    store.close()
    return path


@pytest.fixture
def ledger(cli: Cli, demo_file: Path, tmp_path: Path) -> tuple[str, dict[str, Path], dict[str, PartyKey]]:
    """A copy of the demo ledger, and the parties' public demo keys in files (written by `detente keys demo`)."""
    target = tmp_path / "ledger.sqlite"
    shutil.copy(demo_file, target)
    keys = {p: demo_key(p) for p in ("US", "RU")}
    paths = {p: tmp_path / f"{p.lower()}.key" for p in keys}
    for p, key in keys.items():
        code, out, _ = cli("keys", "demo", "--party", p, "--out", str(paths[p]))
        assert code == 0
        assert "PUBLIC demo key" in out
        assert load_key(paths[p]).public_key == key.public_key
    return str(target), paths, keys


def test_plan_record_report_quota(cli: Cli, ledger: tuple[str, dict[str, Path], dict[str, PartyKey]], tmp_path: Path):
    target, paths, keys = ledger
    template = tmp_path / "findings.json"
    code, out, err = cli("inspect", "plan", target, "--by", "US", "--of", "RU", "--at", "2022-06-01T08:00:00Z",
                         "--seed", "3", "--out", str(template))  # fmt: skip
    assert code == 0, err
    doc = json.loads(template.read_text())
    assert doc["inspected"] == "RU"
    assert doc["inspection_type"] == "type-one"
    assert f"site: {doc['site']}" in out
    assert len(doc["designated"]) == 1
    assert doc["designated"][0]["uid"] in out

    code, out, err = cli("inspect", "record", target, str(template), "--key", str(paths["US"]), "--sent", SENT)
    assert code == 0, err
    assert "no discrepancy" in out

    # escrow: Russia committed to its declaration of that day and opens this site; one missile is not found there
    declared = replay_store(open_store(target), "RU", "2022-06-01T08:00:00Z")
    items = [{"uid": i.uid, "system": i.system, "status": i.status.value, "facility": i.facility,
              "warheads": i.warheads} for i in declared.items.values()]  # fmt: skip
    escrow, signed = Escrow.commit("RU", "2022-06-01", items, keys["RU"])
    commitment, opening = tmp_path / "commitment.json", tmp_path / "opening.json"
    commitment.write_text(json.dumps(signed.to_json()))
    opening.write_text(json.dumps(opening_to_json(escrow.open(doc["site"], {"facility": doc["site"]}))))
    gone = doc["seen"].pop()["uid"]
    doc["designated"][0]["warheads"] += 1
    doc["at"] = "2022-06-02T08:00:00Z"
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(doc))
    escrow_key = base64.b64encode(keys["RU"].public_key).decode()
    escrow = ["--opening", str(opening), "--commitment", str(commitment), "--escrow-key", escrow_key]
    code, out, err = cli("inspect", "record", target, str(planted), "--key", str(paths["US"]), "--sent", SENT, *escrow)
    assert code == 0, err
    assert f"missing RU at {doc['site']}: {gone} missing" in out
    assert "wrong-warheads" in out
    assert f"escrow missing: {gone}" in out
    assert "escrow undeclared: none" in out

    code, out, _ = cli("inspect", "report", target, "--json")
    assert code == 0
    reports = json.loads(out)
    assert [len(r["discrepancies"]) for r in reports] == [0, 2]
    assert {d["kind"] for d in reports[1]["discrepancies"]} == {"missing", "wrong-warheads"}
    assert cli("inspect", "report", target)[1].count("\n") > 3

    code, out, _ = cli("inspect", "quota", target, "--by", "US", "--date", "2022-06-01", "--json")
    assert code == 0
    assert {q["type"]: (q["used"], q["left"]) for q in json.loads(out)} == {"type-one": (2, 8), "type-two": (0, 8)}
    assert json.loads(out)[0]["year"] == 12  # 2022-02-05 to 2023-02-04


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["plan", "{ledger}", "--by", "US", "--of", "RU", "--at", "2022-06-01", "--site", "nowhere"],
         "has declared no facility 'nowhere'"),
        (["plan", "{ledger}", "--by", "US", "--of", "CN", "--at", "2022-06-01"], "party 'CN' is not registered"),
        (["plan", "{ledger}", "--by", "US", "--of", "RU", "--at", "June"], "--at: expected"),
        (["plan", "{ledger}", "--by", "US", "--of", "RU", "--at", "2022-06-01", "--type", "type-7"],
         "unknown inspection type 'type-7'"),
        (["plan", "{ledger}", "--by", "US", "--of", "RU", "--at", "2022-06-01", "--weight", "icbm-base"],
         "--weight: expected"),
        (["quota", "{ledger}", "--by", "US", "--year", "-1"], "treaty years start at 1"),
        (["record", "{ledger}", "{truncated}", "--key", "{key}"], "truncated.json"),
        (["record", "{ledger}", "{no_at}", "--key", "{key}"], "findings need 'at'"),
        (["plan", "{ledger}", "--by", "US", "--of", "RU", "--at", "2016-03-01", "--out", "{key}"], "already exists"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_reason(
    cli: Cli, ledger: tuple[str, dict[str, Path], dict[str, PartyKey]], tmp_path: Path, args: list[str], why: str
) -> None:
    target, paths, _ = ledger
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"at": "2022-06-01", "inspected": "RU", "se')
    no_at = tmp_path / "no_at.json"
    no_at.write_text('{"inspected": "RU"}')
    names = {"ledger": target, "truncated": str(truncated), "no_at": str(no_at), "key": str(paths["US"])}
    code, out, err = cli("inspect", *(a.format(**names) for a in args))
    assert code == 2
    assert why in out + err
    assert "Traceback" not in out + err


def test_a_refused_record_writes_nothing(cli: Cli, ledger: tuple[str, dict[str, Path], dict[str, PartyKey]],
                                        tmp_path: Path) -> None:  # fmt: skip
    target, paths, _ = ledger
    before = cli("ledger", "log", target, "--party", "US", "--json")[1]
    findings = tmp_path / "f.json"
    findings.write_text(json.dumps({"at": "2022-06-01", "inspected": "RU", "inspection_type": "type-one",
                                    "site": "nowhere", "seen": [], "designated": []}))  # fmt: skip
    code, out, err = cli("inspect", "record", target, str(findings), "--key", str(paths["US"]), "--sent", SENT)
    assert code == 2
    assert "[inspection]" in out + err
    assert cli("ledger", "log", target, "--party", "US", "--json")[1] == before


def test_plan_and_record_print_json_and_a_template_is_replaced_only_with_force(
    cli: Cli, ledger: tuple[str, dict[str, Path], dict[str, PartyKey]], tmp_path: Path
) -> None:
    target, paths, _ = ledger
    template = tmp_path / "findings.json"
    template.write_text("{}")
    plan_args = ["inspect", "plan", target, "--by", "US", "--of", "RU", "--at", "2022-06-01T08:00:00Z", "--seed", "3",
                 "--out", str(template), "--json"]  # fmt: skip
    code, out, err = cli(*plan_args)
    assert (code, out) == (2, "")
    assert "already exists" in json.loads(err)["error"]["message"]
    assert template.read_text() == "{}"
    code, out, err = cli(*plan_args, "--force")
    assert code == 0, err
    planned = json.loads(out)
    doc = json.loads(template.read_text())
    assert planned["site"]["id"] == doc["site"]
    assert planned["designated"] == [d["uid"] for d in doc["designated"]]
    assert (planned["inspector"], planned["inspected"], planned["type"]) == ("US", "RU", "type-one")

    code, out, err = cli("inspect", "record", target, str(template), "--key", str(paths["US"]), "--sent", SENT,
                         "--json")  # fmt: skip
    assert code == 0, err
    recorded = json.loads(out)
    assert (recorded["party"], recorded["site"], recorded["discrepancies"]) == ("US", doc["site"], [])
    assert cli("ledger", "show", target, "US", str(recorded["seq"]))[0] == 0
