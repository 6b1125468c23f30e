"""The dashboard's holdings view: by system type and by facility, numbers equal to the CLI's ``--json``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from web_fixtures import CLI, Tab, assert_refused, charts_drawn, cli_json, csv_rows


def _shown(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _assert_systems_equal_the_cli(rows: list[dict[str, str]], counts: dict[str, Any], state: dict[str, Any]) -> None:
    """A party's rendered system-type table against its ``ledger counts`` and ``ledger state`` JSON."""
    assert {r["system"] for r in rows} == set(state)
    for row in rows:
        system = row["system"]
        for measure, got in counts.items():
            assert row[f"measure:{measure}"] == _shown(got["by_system"].get(system)), (system, measure)
        launchers = counts["launchers"]["by_system"].get(system)
        deployed = counts["deployed-delivery-vehicles"]["by_system"].get(system, 0)
        assert row["non-deployed-launchers"] == _shown(None if launchers is None else launchers - deployed)
        statuses = {k.removeprefix("status:") for k in row if k.startswith("status:")}
        assert statuses == {s for per in state.values() for s in per}
        for status in statuses:
            assert row[f"status:{status}"] == _shown(state[system].get(status)), (system, status)
        assert row["items"] == _shown(sum(state[system].values()))


def test_holdings_equal_the_cli(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    counts = cli_json(cli, "ledger", "counts", str(web_ledger), "--date", "2018-02-05")
    state = cli_json(cli, "ledger", "state", str(web_ledger), "--date", "2018-02-05")
    page = tab.open(f"{web_url}/holdings?date=2018-02-05")
    assert set(counts) == set(state) == {"US", "RU"}
    for party in counts:
        _assert_systems_equal_the_cli(tab.rows(f"{party.lower()}-systems"), counts[party], state[party])
        totals = {r["measure"]: r for r in tab.rows(f"{party.lower()}-totals")}
        assert {m: (r["count"], r["limit"], r["verdict"]) for m, r in totals.items()} == {
            m: (_shown(v["count"]), _shown(v["limit"]), v["verdict"]) for m, v in counts[party].items()
        }
    # the fact sheet's point: US launchers at the deadline were exactly at the limit
    assert {r["measure"]: r["count"] for r in tab.rows("us-totals")}["launchers"] == "800"
    # each count links to the party's counts over time, each system type to the treaty
    link = page.locator('#us-systems td[data-key="measure:warheads"] a').first
    assert link.get_attribute("href") == "/counts?party=US"
    assert page.locator('#us-systems td[data-key="system"] a').first.get_attribute("href") == "/treaties"
    assert page.locator('#ru-systems td[data-key="system"] a').first.get_attribute("href") == "/treaties"
    assert charts_drawn(page, 2) == 2  # one stacked bar chart per party
    assert page.title().startswith("Holdings on 2018-02-05")
    tab.screenshot("03-holdings")
    assert tab.errors == []


def test_facilities_add_up_to_the_state(web_client: httpx.Client, web_ledger: Path, cli: CLI) -> None:
    state = cli_json(cli, "ledger", "state", str(web_ledger), "--date", "2015-09-01")
    for party, systems in state.items():
        rows = csv_rows(web_client, f"/holdings/{party.lower()}-facilities.csv?date=2015-09-01")
        summed: dict[str, Counter[str]] = {}
        for row in rows:
            if row["System type"] == "none":
                assert row["Items"] == "0"
                continue
            per = summed.setdefault(row["System type"], Counter())
            for key, value in row.items():
                if key.startswith("Items ") and value:
                    per[key.removeprefix("Items ")] += int(value)
            assert sum(int(v) for k, v in row.items() if k.startswith("Items ") and v) == int(row["Items"])
            assert row["First item"].startswith(party)
        assert {s: dict(c) for s, c in summed.items()} == systems


def test_facility_rows_link_to_an_item_history(web_client: httpx.Client) -> None:
    body = web_client.get("/holdings?date=2020-09-01&party=US").text
    assert '<a href="/items?uid=US-MM3-' in body
    first = csv_rows(web_client, "/holdings/us-facilities.csv?date=2020-09-01&party=US")[0]["First item"]
    assert web_client.get("/items", params={"uid": first, "party": "US"}).status_code == 200


def test_party_and_date_controls(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    page = tab.open(f"{web_url}/holdings?date=2018-02-05")
    page.select_option("select[name=party]", "RU")
    page.click("main form:not(.as-of) button")
    page.wait_for_url("**party=RU**")
    page.wait_for_load_state("networkidle")
    assert "date=2018-02-05" in page.url
    assert page.locator("#us-systems").count() == 0
    assert page.locator("#ru-systems").count() == 1
    # the as-of form keeps the party
    page.fill("#as-of-date", "2012-09-01")
    page.click("form.as-of button")
    page.wait_for_url("**date=2012-09-01**")
    page.wait_for_load_state("networkidle")
    assert "party=RU" in page.url
    counts = cli_json(cli, "ledger", "counts", str(web_ledger), "--date", "2012-09-01")
    state = cli_json(cli, "ledger", "state", str(web_ledger), "--date", "2012-09-01", "--party", "RU")
    _assert_systems_equal_the_cli(tab.rows("ru-systems"), counts["RU"], state["RU"])
    assert page.locator("#us-systems").count() == 0
    assert charts_drawn(page, 1) == 1
    assert tab.errors == []


def test_controls_work_without_javascript(tab_without_js: Tab, web_url: str) -> None:
    page = tab_without_js.page
    page.goto(f"{web_url}/holdings?date=2018-02-05")
    page.select_option("select[name=party]", "US")
    page.click("main form:not(.as-of) button")
    page.wait_for_url("**party=US**")
    assert page.locator("#us-systems tbody tr").count() > 0
    assert page.locator("#ru-systems").count() == 0
    assert page.locator("canvas[data-drawn=yes]").count() == 0  # the tables, no chart drawn


def test_before_any_declaration_says_so(web_client: httpx.Client) -> None:
    answer = web_client.get("/holdings?date=2010-05-01")
    assert answer.status_code == 200
    assert "US had declared nothing by the end of 2010-05-01" in answer.text
    assert 'id="us-systems"' not in answer.text


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/holdings?date=2018-13-45", 400, "is not a date"),
        ("/holdings?date=1999-01-01", 400, "outside New START"),
        ("/holdings?date=2030-01-01", 400, "outside New START"),
        ("/holdings?date=" + "9" * 5000, 400, "is not a date"),
        ("/holdings?date=" + str(10**30), 400, "is not a date"),
        ("/holdings?party=ZZ", 400, "is not a party"),
        ("/holdings?party=%3Cscript%3Ealert(1)%3C/script%3E", 400, "is not a party"),
        ("/holdings?party=us", 400, "is not a party"),
        ("/holdings/nothing.csv", 404, "no table"),
        ("/holdings/us-systems.csv?party=RU", 404, "no table"),
    ],
)
def test_bad_input_is_a_4xx_with_the_reason(web_client: httpx.Client, url: str, status: int, words: str) -> None:
    assert_refused(web_client, url, status, words)


def test_csv_is_the_table(web_client: httpx.Client, web_ledger: Path, cli: CLI) -> None:
    counts = cli_json(cli, "ledger", "counts", str(web_ledger), "--date", "2020-09-01")
    rows = csv_rows(web_client, "/holdings/ru-systems.csv?date=2020-09-01")
    assert {r["System type"]: int(r["Warheads"] or 0) for r in rows if r["Warheads"]} == counts["RU"]["warheads"][
        "by_system"
    ]
    assert sum(int(r["Launchers"]) for r in rows if r["Launchers"]) == counts["RU"]["launchers"]["count"]
