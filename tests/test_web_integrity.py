"""The ledger-integrity view: checkpoints, consistency proofs and verification equal to the CLI's, and a damaged
ledger reported as a finding on a page that still loads."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.crypto.note import Checkpoint, sign_note
from detente.demo.ledger import demo_key
from detente.store import open_store
from detente.web import Source
from web_fixtures import CLI, Tab, assert_refused, charts_drawn, csv_rows

from builders import behind_the_writers_back


def _json(cli: CLI, *args: str) -> Any:
    _, out, _ = cli(*args)
    return json.loads(out)


@pytest.fixture
def copy_of(
    web_ledger: Path, tmp_path: Path, serve: Callable[[Source], httpx.Client]
) -> Iterator[Callable[..., tuple[Path, httpx.Client]]]:
    """A copy of the demo ledger changed by SQL behind the writer's back, and the dashboard over the copy."""
    stores = []

    def make(*statements: tuple[str, tuple[Any, ...]]) -> tuple[Path, httpx.Client]:
        path = tmp_path / f"copy{len(stores)}.sqlite"
        shutil.copyfile(web_ledger, path)
        behind_the_writers_back(path, *statements)
        store = open_store(str(path), readonly=True)
        stores.append(store)
        return path, serve(Source(store, path.name))

    yield make
    for store in stores:
        store.close()


def test_checkpoints_and_verification_equal_the_cli(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    tab.open(f"{web_url}/integrity")
    verified = _json(cli, "ledger", "verify", str(web_ledger), "--json")
    shown = {r["party"]: r for r in tab.rows("verify")}
    assert set(shown) == {a["party"] for a in verified} == {"US", "RU"}
    for a in verified:
        row = shown[a["party"]]
        assert (row["entries"], row["checkpoints"]) == (f"{a['entries']:,}", f"{a['checkpoints']:,}")
        assert row["ok"] == ("ok" if a["ok"] else "FAILED")
    latest = max(r["sent"] for p in ("US", "RU") for r in _json(cli, "ledger", "log", str(web_ledger), "--party", p,
                                                                  "--last", "1", "--json"))  # fmt: skip
    for party in ("US", "RU"):
        expected = _json(cli, "trust", "checkpoints", str(web_ledger), "--party", party, "--json")["checkpoints"]
        rows = tab.rows(f"checkpoints-{party.lower()}")
        assert len(rows) == len(expected) > 20
        for row, want in zip(rows, expected, strict=True):
            assert row["size"] == f"{want['size']:,}"
            assert (row["type"], row["effective"], row["sent"], row["root"]) == (
                want["type"], want["effective"], want["sent"], want["root"]
            )  # fmt: skip
            age = (dt.date.fromisoformat(latest[:10]) - dt.date.fromisoformat(want["sent"][:10])).days
            assert row["age"] == f"{age:,}"
            assert row["cosigned"] == "no"  # the demo ledger was built without nodes: no witness cosigned
        assert [r["consistency"] for r in rows] == ["first"] + ["consistent"] * (len(rows) - 1)
        growth = {r["date"]: r[f"size:{party}"] for r in tab.rows("growth")}
        assert all(growth[w["effective"][:10]] == f"{w['size']:,}" for w in expected)
    assert tab.page.locator("#growth-title").is_visible()
    assert charts_drawn(tab.page, 1) == 1
    assert "No alarm log for a ledger file" in tab.page.inner_text("main")
    tab.screenshot("05-integrity")
    assert tab.errors == []


def test_consistency_is_the_proof_the_cli_writes(
    web_client: httpx.Client, web_ledger: Path, cli: CLI, tmp_path: Path
) -> None:
    rows = csv_rows(web_client, "/integrity/checkpoints-us.csv?party=US")
    old, new = rows[1], rows[2]
    code, proof, _ = cli(
        "trust", "prove-consistency", str(web_ledger), "--party", "US", "--from", old["Size"], "--to", new["Size"]
    )
    assert code == 0
    hashes = proof.split("\n\n", 1)[0].split("\n")[1:]  # the lines between the proof's first line and its notes
    assert new["Proof hashes"] == str(len(hashes))
    (tmp_path / "p").write_text(proof)
    _, log_key, _ = cli("trust", "log-key", str(web_ledger), "--party", "US")
    code, out, _ = cli("trust", "verify", str(tmp_path / "p"), "--log-key", log_key.strip())
    assert code == 0
    assert f"at size {int(new['Size']):,} extends size {int(old['Size']):,}" in out
    assert new["Extends the one before"] == "consistent"


def test_party_and_date_controls(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    page = tab.open(f"{web_url}/integrity")
    page.select_option("#integrity-party", "RU")
    page.click("main form button")
    page.wait_for_url("**party=RU**")
    page.wait_for_load_state("networkidle")
    assert page.locator("#checkpoints-ru").count() == 1
    assert page.locator("#checkpoints-us").count() == 0
    assert [r["party"] for r in tab.rows("verify")] == ["RU"]
    page.fill("#integrity-date", "2015-01-01")
    page.click("main form button")
    page.wait_for_url("**date=2015-01-01**")
    page.wait_for_load_state("networkidle")
    expected = _json(cli, "trust", "checkpoints", str(web_ledger), "--party", "RU", "--json")["checkpoints"]
    by_then = [c for c in expected if c["sent"][:10] <= "2015-01-01"]
    rows = tab.rows("checkpoints-ru")
    assert [r["size"] for r in rows] == [f"{c['size']:,}" for c in by_then]
    assert 0 < len(rows) < len(expected)
    for row, c in zip(rows, by_then, strict=True):
        assert row["age"] == f"{(dt.date(2015, 1, 1) - dt.date.fromisoformat(c['sent'][:10])).days:,}"
    assert tab.errors == []


def test_a_tampered_entry_fails_verification_on_a_page_that_loads(copy_of: Any, web_ledger: Path, cli: CLI) -> None:
    db = sqlite3.connect(f"file:{web_ledger}?mode=ro", uri=True)
    try:
        [(payload,)] = db.execute("SELECT payload FROM ledger_entries WHERE party = 'US' AND seq = 5").fetchall()
    finally:
        db.close()
    at = payload.index(b'"sent":"') + len(b'"sent":"') + 3  # the last digit of the year it was sent
    changed = payload[:at] + bytes([payload[at] ^ 1]) + payload[at + 1 :]  # one byte: 2011 becomes 2010
    path, client = copy_of(("UPDATE ledger_entries SET payload = ? WHERE party = 'US' AND seq = 5", (changed,)))
    code, out, _ = cli("ledger", "verify", str(path), "--json")
    assert code == 3
    expected = {a["party"]: a for a in json.loads(out)}
    assert not expected["US"]["ok"]
    answer = client.get("/integrity", headers={"accept": "text/html"})
    assert answer.status_code == 200
    assert "The ledger does not verify" in answer.text
    rows = {r["Party"]: r for r in csv_rows(client, "/integrity/verify.csv")}
    assert rows["US"]["Result"] == "FAILED"
    assert rows["US"]["First fault"] == expected["US"]["fault"]
    assert "entry #5" in rows["US"]["First fault"]
    assert int(rows["US"]["Entries verified"]) == expected["US"]["entries"] == 4
    assert rows["RU"]["Result"] == "ok"


def test_a_forged_checkpoint_is_inconsistent(copy_of: Any, web_ledger: Path, cli: CLI) -> None:
    recorded = _json(cli, "trust", "checkpoints", str(web_ledger), "--party", "US", "--json")
    size = recorded["checkpoints"][2]["size"]
    origin = recorded["origin"]
    root = bytes(32)  # the log signs a root its entries do not have: a fork of its own history
    note = sign_note(Checkpoint(origin, size, root).body(), origin, demo_key("US")).text()
    path, client = copy_of(
        ("UPDATE ledger_checkpoints SET root = ?, note = ? WHERE party = 'US' AND size = ?", (root, note, size))
    )
    rows = csv_rows(client, "/integrity/checkpoints-us.csv?party=US")
    by_size = {int(r["Size"]): r for r in rows}
    assert by_size[size]["Root (base64)"] == base64.b64encode(root).decode()
    assert by_size[size]["Extends the one before"] == "INCONSISTENT"
    after = recorded["checkpoints"][3]["size"]
    assert by_size[after]["Extends the one before"] == "INCONSISTENT"  # nor does the next extend the forged one
    assert {r["Extends the one before"] for s, r in by_size.items() if s not in (size, after)} <= {
        "first",
        "consistent",
    }
    code, out, _ = cli("ledger", "verify", str(path), "--party", "US", "--json")
    assert code == 3
    [audit] = json.loads(out)
    verify = csv_rows(client, "/integrity/verify.csv?party=US")
    assert verify[0]["First fault"] == audit["fault"]
    assert f"checkpoint at size {size}" in audit["fault"]
    page = client.get("/integrity?party=US", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "is not shown to extend size" in page.text  # the reason, in the consistency cell's title


def test_kept_cosignatures_are_listed(copy_of: Any, web_ledger: Path, cli: CLI) -> None:
    recorded = _json(cli, "trust", "checkpoints", str(web_ledger), "--party", "US", "--json")["checkpoints"]
    size = recorded[1]["size"]
    line = "— detente/new-start/RU/witness AAAAAA=="
    _, client = copy_of(
        (
            "INSERT INTO ledger_cosignatures (party, size, cosigner, line) VALUES (?, ?, ?, ?)",
            ("US", size, "detente/new-start/RU/witness", line),
        )
    )
    kept = csv_rows(client, "/integrity/cosignatures.csv")
    assert kept == [{"Log of": "US", "Size": str(size), "Cosigner (key name)": "detente/new-start/RU/witness"}]
    rows = {int(r["Size"]): r["Cosigned"] for r in csv_rows(client, "/integrity/checkpoints-us.csv")}
    assert rows[size] == "yes: detente/new-start/RU/witness"
    assert {c for s, c in rows.items() if s != size} == {"no"}
    before = csv_rows(client, "/integrity/cosignatures.csv?date=2011-06-01")
    assert before == []  # the checkpoint it cosigned was not sent yet


def test_bad_input_is_a_4xx_with_the_reason(web_client: httpx.Client) -> None:
    cases = {
        "/integrity?party=ZZ": "is not a party",
        "/integrity?party=%3Cscript%3E": "is not a party",
        "/integrity?date=2018-13-45": "is not a date",
        "/integrity?date=1999-01-01": "outside New START",
        "/integrity?date=" + "9" * 30: "is not a date",
        "/integrity?date=%3Cscript%3E": "is not a date",
        "/integrity/nothing.csv": "no table",
    }
    for url, words in cases.items():
        assert_refused(web_client, url, (400, 404), words)
    assert web_client.get("/integrity?date=").status_code == 200  # an empty date is no date: ages to the latest entry
