"""The dashboard's item history: notifications equal to ``detente ledger history --json``, proofs equal to the CLI's."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.node import free_port, serving
from detente.store import open_store
from detente.web import Source, create_app
from web_fixtures import CLI, Tab, assert_refused


def _history(cli: CLI, ledger: Path, uid: str, *options: str) -> list[dict[str, Any]]:
    code, out, err = cli("ledger", "history", str(ledger), uid, *options, "--json")
    assert code == 0, err
    return list(json.loads(out))


def _assert_rows_equal(rows: list[dict[str, str]], expected: list[dict[str, Any]]) -> None:
    assert len(rows) == len(expected) > 0
    for row, want in zip(rows, expected, strict=True):
        assert row["party"] == want["party"]
        assert row["seq"] == f"{want['seq']:,}"
        assert (row["effective"], row["sent"], row["type"], row["what"]) == (
            want["effective"],
            want["sent"],
            want["type"],
            want["what"],
        )
        assert row["proof"] == f"{want['party']}-{want['seq']}.tlog-proof"


def _cli_proof(cli: CLI, ledger: Path, party: str, seq: int, out: Path) -> bytes:
    code, _, err = cli("trust", "prove-inclusion", str(ledger), "--party", party, "--seq", str(seq), "--out", str(out))
    assert code == 0, err
    return out.read_bytes()


def _verifies(cli: CLI, ledger: Path, party: str, proof: Path) -> str:
    code, key, err = cli("trust", "log-key", str(ledger), "--party", party)
    assert code == 0, err
    code, out, err = cli("trust", "verify", str(proof), "--log-key", key.strip())
    assert code == 0, err
    return out


def test_examples_lead_to_a_history_equal_to_the_cli(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    page = tab.open(f"{web_url}/items")
    examples = tab.rows("examples")
    state = json.loads(cli("ledger", "state", str(web_ledger), "--json")[1])
    assert {(r["party"], r["system"]) for r in examples} == {(p, s) for p, systems in state.items() for s in systems}
    first = examples[0]
    page.click(f'#examples a:text-is("{first["uid"]}")')
    page.wait_for_url("**uid=**")
    page.wait_for_load_state("networkidle")
    _assert_rows_equal(tab.rows("history"), _history(cli, web_ledger, first["uid"]))
    assert page.title().startswith(f"Item {first['uid']}")
    checkpoints = {r["party"]: r for r in tab.rows("checkpoints")}
    assert set(checkpoints) == {first["party"]}
    origin = checkpoints[first["party"]]["origin"]
    assert origin == f"detente/new-start/{first['party']}"
    assert page.get_by_text(f"--party {first['party']}").count() > 0  # how to verify a proof offline
    tab.screenshot("04-items")
    assert tab.errors == []


def test_search_form_and_party_filter(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    page = tab.open(f"{web_url}/items")
    page.fill("#item-uid", "  US-MM3-0002 ")  # spaces around a pasted uid are not part of it
    page.select_option("#item-party", "US")
    page.click("form.item-search button")
    page.wait_for_url("**uid=**")
    page.wait_for_load_state("networkidle")
    assert "party=US" in page.url
    _assert_rows_equal(tab.rows("history"), _history(cli, web_ledger, "US-MM3-0002", "--party", "US"))
    page.fill("#item-uid", "RU-SS18-011")
    page.select_option("#item-party", "")
    page.click("form.item-search button")
    page.wait_for_url("**uid=RU-SS18-011**")
    page.wait_for_load_state("networkidle")
    _assert_rows_equal(tab.rows("history"), _history(cli, web_ledger, "RU-SS18-011"))
    assert tab.errors == []


def test_proof_link_downloads_the_clis_proof(
    tab: Tab, web_url: str, web_ledger: Path, cli: CLI, tmp_path: Path
) -> None:
    page = tab.open(f"{web_url}/items?uid=US-B2A-01")
    row = tab.rows("history")[-1]
    with page.expect_download() as download:
        page.click(f'#history a:text-is("{row["proof"]}")')
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == row["proof"]
    seq = int(row["seq"].replace(",", ""))
    assert saved.read_bytes() == _cli_proof(cli, web_ledger, "US", seq, tmp_path / "cli.tlog-proof")
    assert f"entry #{seq}" in _verifies(cli, web_ledger, "US", saved)
    assert tab.errors == []


@pytest.mark.parametrize(("party", "uid"), [("US", "US-MM3-0001"), ("RU", "RU-TU160-001")])
def test_every_proof_of_a_history_is_the_clis_and_verifies(
    web_client: httpx.Client, web_ledger: Path, cli: CLI, tmp_path: Path, party: str, uid: str
) -> None:
    changes = _history(cli, web_ledger, uid)
    for change in (changes[0], changes[len(changes) // 2], changes[-1]):
        name = f"{party}-{change['seq']}.tlog-proof"
        answer = web_client.get(f"/items/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
        served = tmp_path / name
        served.write_bytes(answer.content)
        assert answer.content == _cli_proof(cli, web_ledger, party, change["seq"], tmp_path / f"cli-{name}")
        _verifies(cli, web_ledger, party, served)


def test_controls_work_without_javascript(tab_without_js: Tab, web_url: str) -> None:
    page = tab_without_js.page
    page.goto(f"{web_url}/items")
    page.fill("#item-uid", "US-B2A-01")
    page.press("#item-uid", "Enter")
    page.wait_for_url("**uid=US-B2A-01**")
    assert page.locator("#history tbody tr").count() > 0


@pytest.fixture
def grown(web_ledger: Path, tmp_path: Path, cli: CLI) -> Iterator[tuple[Path, httpx.Client]]:
    """The demo ledger with one more US notification, after its last data exchange: no checkpoint covers it."""
    ledger = tmp_path / "grown.sqlite"
    shutil.copyfile(web_ledger, ledger)
    key = tmp_path / "US.key"
    assert cli("keys", "demo", "--party", "US", "--out", str(key))[0] == 0
    change = tmp_path / "change.json"
    change.write_text(
        json.dumps(
            [
                {
                    "format": "detente.notification/1",
                    "party": "US",
                    "sent": "2023-03-20T08:00:00Z",
                    "effective": "2023-03-20T06:00:00Z",
                    "type": "status-change",
                    "content": {"uid": "US-B2A-01", "from": "deployed", "to": "non-deployed"},
                }
            ]
        )
    )
    code, _, err = cli("ledger", "submit", str(ledger), str(change), "--key", str(key))
    assert code == 0, err
    store = open_store(str(ledger), readonly=True)
    port = free_port()
    try:
        with (
            serving(create_app(Source(store, ledger.name)), port, name="the grown ledger's dashboard"),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client,
        ):
            yield ledger, client
    finally:
        store.close()


def test_an_entry_no_checkpoint_covers_has_no_proof(grown: tuple[Path, httpx.Client], cli: CLI) -> None:
    ledger, client = grown
    seq = _history(cli, ledger, "US-B2A-01")[-1]["seq"]
    code, _, err = cli("trust", "prove-inclusion", str(ledger), "--party", "US", "--seq", str(seq))
    assert code != 0
    assert "no recorded checkpoint covering" in err
    body = client.get("/items?uid=US-B2A-01", headers={"accept": "text/html"}).text
    assert "no checkpoint covers it yet" in body
    assert f"US-{seq}.tlog-proof" not in body
    answer = client.get(f"/items/US-{seq}.tlog-proof")
    assert answer.status_code == 404
    assert f"no recorded checkpoint of US's log covers entry #{seq:,}" in answer.json()["detail"]
    assert client.get(f"/items/US-{seq - 1}.tlog-proof").status_code == 200  # the one before still has its proof


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/items?uid=%20%20%20", 400, "uid is blank"),
        ("/items?uid=" + "A" * 201, 400, "at most 200"),
        ("/items?uid=US-MM3%000001", 400, "control characters"),
        ("/items?uid=US%0AMM3", 400, "control characters"),
        ("/items?uid=US-MM3-0001&party=ZZ", 400, "is not a party"),
        ("/items?uid=US-NOPE-0001", 404, "no notification in this ledger mentions item 'US-NOPE-0001'"),
        ("/items?uid=US-MM3-0001&party=RU", 404, "no notification in RU's log mentions item 'US-MM3-0001'"),
        ("/items?uid=%3Cscript%3Ealert(1)%3C/script%3E", 404, "mentions item '<script>alert(1)</script>'"),
        ("/items?uid=" + str(10**30), 404, f"mentions item '{10**30}'"),
        ("/items/US-5.proof", 404, "proofs are named PARTY-SEQ.tlog-proof"),
        ("/items/US-0.tlog-proof", 404, "proofs are named PARTY-SEQ.tlog-proof"),
        ("/items/US-05.tlog-proof", 404, "proofs are named PARTY-SEQ.tlog-proof"),
        ("/items/US--5.tlog-proof", 404, "is not a party"),
        ("/items/US-+5.tlog-proof", 404, "proofs are named PARTY-SEQ.tlog-proof"),
        (f"/items/US-{10**30}.tlog-proof", 404, "proofs are named PARTY-SEQ.tlog-proof"),
        ("/items/US-999999999999.tlog-proof", 404, "no entry #999,999,999,999"),
        ("/items/ZZ-5.tlog-proof", 404, "'ZZ' is not a party"),
        ("/items/%3Cscript%3E-5.tlog-proof", 404, "is not a party"),
        ("/items/nothing.csv", 404, "no table"),
    ],
)
def test_bad_input_is_a_4xx_with_the_reason(web_client: httpx.Client, url: str, status: int, words: str) -> None:
    assert_refused(web_client, url, status, words)
