"""The dashboard's planner: the plan it shows equals ``detente plan … --json`` for the same inputs, in a real browser.

``detente plan`` reads force files, so a plan of the ledger's declared force is compared with the command run on
that force written as a file (``write_force``), at dates before the demo's first B-52H conversion (2015): from
then on ``to_force`` gives a converted B-52H its type's ALCM capacity, which a force file refuses.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.catalog import builtin_catalog
from detente.forces.write import write_force
from detente.ledger import moment, replay_store, to_force
from detente.store import open_store
from detente.web import Source, planner
from web_fixtures import CLI, Tab, assert_refused, charts_drawn, csv_rows

Rows = list[dict[str, str]]


def _plan(cli: CLI, *args: str) -> Any:
    code, out, err = cli("plan", *args, "--json")
    assert code == 0, out + err
    return json.loads(out)


def _ledger_force(ledger: Path, party: str, when: dt.date, folder: Path) -> Path:
    """The party's declared force at the end of ``when`` (``detente ledger state`` replays it), as a force file."""
    store = open_store(str(ledger), readonly=True)
    try:
        state = replay_store(store, party, moment(when))
    finally:
        store.close()
    path = folder / f"{party}-{when}.json"
    write_force(to_force([state], builtin_catalog(), when), path)
    return path


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _assert_plan(tables: dict[str, Rows], expected: dict[str, Any]) -> None:
    """The shown tables (as the browser shows them) say what ``detente plan --json`` says."""
    steps = tables["steps"]
    assert len(steps) == len(expected["steps"])
    for row, step in zip(steps, expected["steps"], strict=True):
        assert row["action"].split(" ")[0] == step["action"]
        assert row["items"] == _n(step["items"])
        assert f"× {row['group']}" in step["text"]
        if step["uids"]:
            assert step["text"].endswith(f": {row['which']}")
    limits = {r["measure"]: r for r in tables["limits"]}
    assert set(limits) == set(expected["counts"])
    bounds = {b["measure"]: b for b in expected["limits"]}
    for measure, counted in expected["counts"].items():
        row = limits[measure]
        assert (row["planned"], row["verdict"]) == (_n(counted["count"]), counted["verdict"])
        assert row["replayed"] == _n(expected["trajectory"]["check"]["counts"][measure]["count"])
        b = bounds.get(measure)
        if b is not None:
            assert (row["now"], row["limit"], row["bound"]) == (_n(b["now"]), b["limit_text"], _n(b["limit"]))
            assert row["headroom"] == _n(b["headroom"])
    objective = [(r["quantity"], r["now"], r["planned"]) for r in tables["objective"]]
    assert objective == [(o["quantity"], _n(o["now"]), _n(o["planned"])) for o in expected["objective"]]
    years = tables["years"]
    points = expected["trajectory"]["points"]
    assert [r["date"] for r in years] == [p["date"] for p in points]
    for row, point in zip(years, points, strict=True):
        for measure, value in point["counts"].items():
            assert row[measure] == _n(value)
        for measure, value in expected["trajectory"]["bounds"].items():
            assert row[f"limit:{measure}"] == _n(value)
        assert row["done"] == (", ".join(f"{n:,} {a}" for a, n in point["done"].items() if n) or "–")


def _shown(tab: Tab) -> dict[str, Rows]:
    return {t: tab.rows(t) for t in ("steps", "limits", "objective", "years")}


def test_the_form_plans_the_ledger_force_as_the_cli_does(
    tab: Tab, web_url: str, web_ledger: Path, tmp_path: Path, cli: CLI
) -> None:
    page = tab.open(f"{web_url}/planner")
    page.select_option("#plan-force", "ledger")
    page.fill("#plan-date", "2014-09-01")
    page.select_option("#plan-party", "US")
    page.select_option("#plan-reading", "new-start")
    page.fill("#plan-deadline", "2018-02-05")
    page.fill("#plan-convert", "25")
    page.click("form.planner button")
    page.wait_for_url("**deadline=2018-02-05**")
    page.wait_for_load_state("networkidle")
    force = _ledger_force(web_ledger, "US", dt.date(2014, 9, 1), tmp_path)
    expected = _plan(
        cli,
        str(force),
        "--treaty",
        "new-start",
        "--party",
        "US",
        "--deadline",
        "2018-02-05",
        "--capacity",
        "convert=25",
    )
    # the capacity binds: 25 conversions a year are too few, so the plan eliminates some instead
    assert {s["action"] for s in expected["steps"]} == {"convert", "eliminate"}
    _assert_plan(_shown(tab), expected)
    assert page.locator("#plan-convert").input_value() == "25"  # the form shows what was asked
    assert "passed" in page.locator(".facts").inner_text()
    assert charts_drawn(page, 1) == 1  # the trajectory, drawn from the years table
    tab.screenshot("10-planner")
    assert tab.errors == []


def test_the_form_works_without_javascript(tab_without_js: Tab, web_url: str, cli: CLI) -> None:
    page = tab_without_js.page
    page.goto(f"{web_url}/planner")
    page.select_option("#plan-force", "us-2009-12")
    page.select_option("#plan-party", "US")
    page.select_option("#plan-reading", "new-start")
    page.fill("#plan-deadline", "2016-12-05")
    page.click("form.planner button")
    page.wait_for_url("**force=us-2009-12**")
    expected = _plan(cli, "us-2009-12", "--treaty", "new-start", "--party", "US", "--deadline", "2016-12-05")
    _assert_plan(_shown(tab_without_js), expected)


@pytest.mark.parametrize(
    ("force", "party", "reading", "deadline"),
    [
        ("us-2009-12", "US", "new-start", "2018-02-05"),
        ("start-mou-1990", "RU", "start-i", "2001-12-05"),
        ("us-2020-09", "US", "new-start+ru-2022", "2023-02-05"),
    ],
)
def test_a_shipped_force_plans_as_the_cli_does(
    web_client: httpx.Client, cli: CLI, force: str, party: str, reading: str, deadline: str
) -> None:
    expected = _plan(cli, force, "--treaty", reading, "--party", party, "--deadline", deadline)
    query = f"force={force}&party={party}&reading={reading.replace('+', '%2B')}&deadline={deadline}"
    tables = {t: csv_rows(web_client, f"/planner/{t}.csv?{query}") for t in ("steps", "limits", "objective", "years")}
    shown = {t: [{k: _shown_value(v) for k, v in row.items()} for row in rows] for t, rows in tables.items()}
    _assert_plan({t: _keyed(t, rows) for t, rows in shown.items()}, expected)


def _shown_value(text: str) -> str:
    """A CSV value as the page shows it: whole numbers with separators, blanks as dashes."""
    if text == "":
        return "–"
    return f"{int(text):,}" if text.lstrip("-").isdigit() else text


KEYS = {  # the CSV's column labels → the page's column keys
    "steps": {"Action": "action", "Items of": "group", "In the group": "now", "Acted on": "items", "Which": "which"},
    "limits": {
        "Measure": "measure",
        "Now": "now",
        "Planned": "planned",
        "Limit": "limit",
        "Planned to": "bound",
        "Headroom": "headroom",
        "Verdict": "verdict",
        "Replayed from the ledger": "replayed",
    },
    "objective": {"Quantity": "quantity", "Now": "now", "Planned": "planned", "Lost": "lost"},
}


def _keyed(table: str, rows: Rows) -> Rows:
    if table == "years":  # labelled by measure id, and "limit: MEASURE"
        named = {"Date": "date", "Done so far": "done"}
        return [{named.get(k, k.replace("limit: ", "limit:")): v for k, v in r.items()} for r in rows]
    return [{KEYS[table][k]: v for k, v in r.items()} for r in rows]


def test_the_plan_json_is_the_commands(web_source: Source, web_ledger: Path, tmp_path: Path, cli: CLI) -> None:
    """``/planner/plan.json`` (once the view offers files) is ``detente plan --json``, timings aside."""
    force = _ledger_force(web_ledger, "RU", dt.date(2011, 2, 5), tmp_path)
    expected = _plan(cli, str(force), "--treaty", "new-start", "--party", "RU", "--deadline", "2018-02-05")
    query = {"force": "ledger", "party": "RU", "date": "2011-02-05", "reading": "new-start", "deadline": "2018-02-05"}
    got = json.loads(planner.files(web_source, "plan.json", query).body)
    for body in (expected, got):
        del body["timing_seconds"], body["trajectory"]["timing_seconds"]
    assert got == expected
    assert expected["steps"]


def test_bad_input_is_a_4xx_with_the_reason(web_client: httpx.Client) -> None:
    ship = "/planner?force=us-2009-12&reading=new-start"
    cases = {
        "/planner?force=nowhere": (400, "is not a choice for force"),
        "/planner?force=%3Cscript%3E": (400, "is not a choice for force"),
        "/planner?reading=new-start%2Bzz": (400, "is not a choice for reading"),
        "/planner?party=ZZ": (400, "is not a choice for party"),
        f"{ship}&party=RU": (400, "is not a choice for party"),  # us-2009-12 holds the US only
        f"{ship}&deadline=2009-01-01": (400, "is not after the force's date 2009-12-05"),
        f"{ship}&deadline=2009-12-05": (400, "is not after the force's date"),
        f"{ship}&deadline=2100-01-01": (400, "more than 30 years after"),
        f"{ship}&deadline=2018-02-30": (400, "is not a date"),
        f"{ship}&deadline={10**30}": (400, "is not a date"),
        f"{ship}&eliminate={10**30}": (400, "must be a whole number"),
        f"{ship}&eliminate=-5": (400, "outside 0 to 100,000"),
        f"{ship}&convert=1.5": (400, "must be a whole number"),
        f"{ship}&eliminate=0&convert=0": (400, "no plan lets US meet"),  # the planner's own reason
        "/planner?force=ledger&party=US&date=2010-05-01": (400, "US had declared no items by the end of 2010-05-01"),
        "/planner?date=1999-01-01": (400, "outside New START"),
        "/planner/nothing.csv": (404, "no table"),
    }
    for url, (status, words) in cases.items():
        assert_refused(web_client, url, status, words)


def test_plans_are_kept(web_source: Source) -> None:
    query = {"force": "us-2009-12", "reading": "new-start", "deadline": "2017-02-05"}
    first = planner.build(web_source, query)
    again = planner.build(web_source, query)
    assert first.facts["check"] is again.facts["check"]  # the same result, not planned twice
