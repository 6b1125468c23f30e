"""The dashboard's inspections view: quotas and reports equal ``detente inspect quota|report --json``.

The demo ledger records no inspection, so most tests use a copy of it into which the CLI records three (``inspect
plan``, then ``inspect record`` with the parties' demo keys): a clean Type One by the US, and a Russian Type One and
Type Two, the second finding an item in another status than declared and one never declared.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.cli.main import main
from detente.node import free_port, serving
from detente.store import open_store
from detente.web import Source, create_app
from web_fixtures import CLI, Tab, assert_refused, charts_drawn, csv_rows, served

SENT = "2023-04-01T00:00:00Z"  # after the demo ledger's last notification
AS_OF = re.compile(r'id="as-of-date" type="date" name="date" value="([0-9-]{10})"')


def _run(*args: str) -> dict[str, Any]:
    """The detente command in-process (for a module's fixture, where the function-scoped ``cli`` cannot go)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr(sys, "argv", ["detente", *args])
        code: object = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    assert not code, (args, out.getvalue())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.fixture(scope="module")
def inspected(web_ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo ledger with three inspections recorded through the CLI, two discrepancies among them."""
    folder = tmp_path_factory.mktemp("inspected")
    target = folder / "inspected.sqlite"
    shutil.copy(web_ledger, target)
    keys = {p: folder / f"{p.lower()}.key" for p in ("US", "RU")}
    for party, path in keys.items():
        with contextlib.redirect_stdout(io.StringIO()), pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "argv", ["detente", "keys", "demo", "--party", party, "--out", str(path)])
            main()

    def record(by: str, of: str, at: str, kind: str, seed: int, change: Callable[[dict[str, Any]], None]) -> None:
        findings = folder / f"{by}-{at[:10]}.json"
        _run("inspect", "plan", str(target), "--by", by, "--of", of, "--at", at, "--type", kind, "--seed", str(seed),
             "--out", str(findings), "--json")  # fmt: skip
        doc = json.loads(findings.read_text())
        change(doc)
        findings.write_text(json.dumps(doc))
        _run("inspect", "record", str(target), str(findings), "--key", str(keys[by]), "--sent", SENT, "--json")

    def found_otherwise(doc: dict[str, Any]) -> None:
        doc["seen"][0]["status"] = "deployed"  # declared test
        doc["seen"].append({"uid": "US-XX-0001", "system": "minuteman-iii", "status": "non-deployed"})

    record("US", "RU", "2022-06-01T08:00:00Z", "type-one", 3, lambda doc: None)
    record("RU", "US", "2019-06-01T08:00:00Z", "type-one", 5, lambda doc: None)
    record("RU", "US", "2019-07-01T08:00:00Z", "type-two", 5, found_otherwise)
    return target


@pytest.fixture(scope="module")
def inspected_client(inspected: Path) -> Iterator[httpx.Client]:
    store = open_store(str(inspected), readonly=True)
    with served(Source(store, inspected.name, illustrative=True)) as client:
        yield client
    store.close()


@pytest.fixture(scope="module")
def inspected_url(inspected: Path) -> Iterator[str]:
    store = open_store(str(inspected), readonly=True)
    port = free_port()
    with serving(create_app(Source(store, inspected.name, illustrative=True)), port, name="the dashboard"):
        yield f"http://127.0.0.1:{port}"
    store.close()


def _quota(cli: CLI, ledger: Path, party: str, *when: str) -> list[dict[str, Any]]:
    code, out, err = cli("inspect", "quota", str(ledger), "--by", party, *when, "--json")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def _report(cli: CLI, ledger: Path, *only: str) -> list[dict[str, Any]]:
    code, out, err = cli("inspect", "report", str(ledger), *only, "--json")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def _quota_rows(rows: list[dict[str, str]]) -> list[tuple[str, int, int, int]]:
    return [(r["Type"], int(r["Used"]), int(r["Quota"]), int(r["Left"])) for r in rows]


def _want_quota(want: list[dict[str, Any]]) -> list[tuple[str, int, int, int]]:
    return [(q["type"], q["used"], q["quota"], q["left"]) for q in want]


def test_quota_equals_the_cli(inspected_client: httpx.Client, inspected: Path, cli: CLI) -> None:
    opened = AS_OF.search(inspected_client.get("/inspections").text)
    assert opened is not None
    for party in ("US", "RU"):
        for query, when in (("year=9", ["--year", "9"]), ("year=12", ["--year", "12"]),
                            ("date=2019-06-30", ["--date", "2019-06-30"]), ("", ["--date", opened[1]])):  # fmt: skip
            want = _quota(cli, inspected, party, *when)
            rows = csv_rows(inspected_client, f"/inspections/quota-{party.lower()}.csv?{query}")
            assert _quota_rows(rows) == _want_quota(want), (party, query)
            body = inspected_client.get(f"/inspections?{query}").text
            assert f"treaty year {want[0]['year']} ({want[0]['start']} to {want[0]['end']})" in body
            assert f"detente inspect quota LEDGER --by {party} --year {want[0]['year']} --json" in body
    used = {(p, y): sum(q["used"] for q in _quota(cli, inspected, p, "--year", str(y))) for p in ("US", "RU")
            for y in (9, 12)}  # fmt: skip
    assert used == {("US", 9): 0, ("US", 12): 1, ("RU", 9): 2, ("RU", 12): 0}  # the fixture's three inspections


def test_every_treaty_year_equals_the_cli(inspected_client: httpx.Client, inspected: Path, cli: CLI) -> None:
    rows = {int(r["Treaty year"]): r for r in csv_rows(inspected_client, "/inspections/years-ru.csv?party=RU")}
    assert sorted(rows) == list(range(1, 16))  # New START: 2011-02-05 to 2026-02-04
    for year in (1, 9, 12, 15):
        want = _quota(cli, inspected, "RU", "--year", str(year))
        row = rows[year]
        assert (row["From"], row["To"]) == (want[0]["start"], want[0]["end"])
        for q in want:
            name = {"type-one": "Type One", "type-two": "Type Two"}[q["type"]]
            assert (int(row[f"{name} used"]), int(row[f"{name} left"])) == (q["used"], q["left"])


def test_report_equals_the_cli(inspected_client: httpx.Client, inspected: Path, cli: CLI) -> None:
    for query, only in (("", []), ("?party=US", ["--by", "US"]), ("?party=RU", ["--by", "RU"])):
        want = _report(cli, inspected, *only)
        rows = csv_rows(inspected_client, f"/inspections/inspections.csv{query}")
        assert [(r["By"], int(r["Notification"]), r["Of"], r["Type"], r["Site"], r["Time"], int(r["Treaty year"]),
                 int(r["Items seen"]), int(r["Discrepancies"])) for r in rows] == [
            (w["inspector"], w["seq"], w["inspected"], w["itype"], w["site"], w["at"], w["year"], w["seen"],
             len(w["discrepancies"])) for w in want
        ]  # fmt: skip
        found = csv_rows(inspected_client, f"/inspections/discrepancies.csv{query}")
        assert [(int(r["Notification"]), r["Kind"], r["Item"], r["Declared"], r["Found"]) for r in found] == [
            (w["seq"], d["kind"], d["uid"], d["declared"], d["found"]) for w in want for d in w["discrepancies"]
        ]
        kinds = {
            r["Kind"]: int(r["Discrepancies"]) for r in csv_rows(inspected_client, f"/inspections/kinds.csv{query}")
        }
        counted = Counter(d["kind"] for w in want for d in w["discrepancies"])
        assert kinds == {k: counted[k] for k in kinds}
        assert set(counted) <= set(kinds)
    assert sum(len(w["discrepancies"]) for w in _report(cli, inspected)) == 2
    # every link from a discrepancy or an inspection leads to a page that answers
    body = inspected_client.get("/inspections").text.split('id="discrepancies"')[1].split("</table>")[0]
    links = {html.unescape(h) for h in re.findall(r'href="([^"]+)"', body)}
    assert any(h.startswith("/items?") for h in links)
    for href in links:
        assert inspected_client.get(href).status_code == 200, href


def test_inspections_in_the_browser(tab: Tab, inspected_url: str, inspected: Path, cli: CLI) -> None:
    page = tab.open(f"{inspected_url}/inspections")
    want = _report(cli, inspected)
    rows = tab.rows("inspections")
    assert [(r["by"], r["seq"], r["site"], r["discrepancies"]) for r in rows] == [
        (w["inspector"], f"{w['seq']:,}", w["site"], str(len(w["discrepancies"]))) for w in want
    ]
    assert page.locator("#inspection-summary").inner_text() == "3 inspections recorded, 2 discrepancies."
    assert page.locator("#no-inspections").count() == 0
    found = tab.rows("discrepancies")
    assert [(r["kind"], r["uid"], r["declared"], r["found"]) for r in found] == [
        (d["kind"], d["uid"], d["declared"], d["found"]) for w in want for d in w["discrepancies"]
    ]
    opened = page.input_value("#as-of-date")
    for party in ("US", "RU"):
        shown = [
            (r["type"], int(r["used"]), int(r["quota"]), int(r["left"])) for r in tab.rows(f"quota-{party.lower()}")
        ]
        assert shown == _want_quota(_quota(cli, inspected, party, "--date", opened))

    # the party and year controls
    page.select_option("#inspections-party", "RU")
    page.fill("#inspections-year", "9")
    page.click("form.inspections button")
    page.wait_for_url("**year=9**")
    page.wait_for_load_state("networkidle")
    assert page.locator("#quota-us").count() == 0
    shown = [(r["type"], int(r["used"]), int(r["quota"]), int(r["left"])) for r in tab.rows("quota-ru")]
    assert shown == _want_quota(_quota(cli, inspected, "RU", "--year", "9"))
    assert [r["by"] for r in tab.rows("inspections")] == ["RU", "RU"]

    # the as-of date picks the treaty year, and keeps the party
    page.fill("#as-of-date", "2022-07-01")
    page.click("form.as-of button")
    page.wait_for_url("**date=2022-07-01**")
    page.wait_for_load_state("networkidle")
    assert "party=RU" in page.url
    assert page.locator("h1").inner_text() == "Inspections: treaty year 12"
    shown = [(r["type"], int(r["used"]), int(r["quota"]), int(r["left"])) for r in tab.rows("quota-ru")]
    assert shown == _want_quota(_quota(cli, inspected, "RU", "--date", "2022-07-01"))
    assert charts_drawn(page, 2) == 2  # the kinds, RU's years
    tab.screenshot("07-inspections")
    assert tab.errors == []


def test_the_demo_says_it_has_no_inspections(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    assert _report(cli, web_ledger) == []
    page = tab.open(f"{web_url}/inspections")
    assert page.locator("#no-inspections").inner_text().startswith("No inspections are recorded in this ledger.")
    assert page.locator("#inspections").count() == 0
    for party in ("US", "RU"):
        want = _quota(cli, web_ledger, party, "--date", page.input_value("#as-of-date"))
        assert all(q["left"] == q["quota"] for q in want)
        shown = [
            (r["type"], int(r["used"]), int(r["quota"]), int(r["left"])) for r in tab.rows(f"quota-{party.lower()}")
        ]
        assert shown == _want_quota(want)
    assert tab.errors == []


def test_bad_input_is_a_400_with_the_reason(web_client: httpx.Client) -> None:
    cases = {
        "/inspections?party=ZZ": (400, "is not a party"),
        "/inspections?party=%3Cscript%3E": (400, "is not a party"),
        "/inspections?year=0": (400, "year is 0, outside 1 to 15"),
        "/inspections?year=16": (400, "year is 16, outside 1 to 15"),
        f"/inspections?year={10**30}": (400, "year must be a whole number"),
        "/inspections?year=twelve": (400, "year must be a whole number"),
        "/inspections?year=%3Cscript%3E": (400, "year must be a whole number"),
        "/inspections?date=1999-01-01": (400, "outside New START"),
        "/inspections?date=2010-06-01": (400, "before New START entered into force (2011-02-05)"),
        "/inspections?date=2018-13-45": (400, "is not a date"),
        "/inspections/nothing.csv": (404, "no table"),
    }
    for url, (status, words) in cases.items():
        assert_refused(web_client, url, status, words)
