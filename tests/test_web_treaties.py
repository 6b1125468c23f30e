"""The dashboard's treaties-and-proposals view: every table equal to the CLI's ``--json``, in a real browser.

The zone of agreement and the bomber dispute on the ledger's force are compared with the commands run on that
force written as a force file (the commands read force files, not ledgers), at dates before the demo's first
B-52H conversion (2015): from then on ``to_force`` gives a converted B-52H its type's ALCM capacity, which a force
file refuses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx

from detente.catalog import builtin_catalog
from detente.forces.write import write_force
from detente.ledger import moment, replay_store, to_force
from detente.store import open_store
from web_fixtures import CLI, Tab, assert_refused, cli_json, csv_rows


def _ledger_force(ledger: Path, when: dt.date, folder: Path) -> Path:
    """Every party's declared force at the end of ``when`` (as ``detente ledger state`` replays it), as a file."""
    store = open_store(str(ledger), readonly=True)
    try:
        states = [replay_store(store, p.party, moment(when)) for p in store.parties()]
    finally:
        store.close()
    path = folder / f"ledger-{when}.json"
    write_force(to_force(states, builtin_catalog(), when), path)
    return path


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def test_treaties_and_their_limits_equal_the_cli(tab: Tab, web_url: str, cli: CLI) -> None:
    listed = cli_json(cli, "treaty", "list")
    shown = {t["id"]: cli_json(cli, "treaty", "show", t["id"]) for t in listed}
    page = tab.open(f"{web_url}/treaties")
    rows = tab.rows("treaties")
    assert [r["id"] for r in rows] == [t["id"] for t in listed]
    for row, t in zip(rows, listed, strict=True):
        assert (row["name"], row["kind"], row["signed"]) == (t["name"], t["kind"], t["signed"] or "–")
        dates = shown[t["id"]].get("dates", {})
        for key in ("entry_into_force", "limits_due", "expires"):
            assert row[key] == dates.get(key, "–")
        assert row["variants"] == (", ".join(t["variants"]) or "–")
    limits = tab.rows("limits")
    expected = [(t["name"], lim) for t in listed for lim in shown[t["id"]].get("limits", [])]
    assert len(limits) == len(expected) > 10
    for row, (name, lim) in zip(limits, expected, strict=True):
        assert (row["treaty"], row["measure"]) == (name, lim["measure"])
        upper = lim["max"] if "max" in lim else lim["below"] - 1
        assert row["upper"] == f"{upper:,}"
        if "min" in lim:
            assert row["limit"] == f"{lim['min']:,}–{lim['max']:,}"
        else:
            assert row["limit"] == (f"≤ {lim['max']:,}" if "max" in lim else f"< {lim['below']:,}")
        assert (row["from"], row["until"]) == (lim.get("from", "–"), lim.get("until", "–"))
    # the ledger's treaty is shown by default: its terms are New START's
    assert page.locator("#choose-treaty").input_value() == "new-start"
    terms = tab.rows("terms")
    assert [(r["measure"], r["select"]) for r in terms] == [
        (m["id"], term["select"]) for m in shown["new-start"]["measures"] for term in m["terms"]
    ]
    assert tab.page.locator("#attribution").count() == 0  # New START attributes no warheads
    tab.screenshot("09-treaties")
    assert tab.errors == []


def test_the_treaty_selector_shows_its_rules(tab: Tab, web_url: str, cli: CLI) -> None:
    start = cli_json(cli, "treaty", "show", "start-i")
    page = tab.open(f"{web_url}/treaties?date=2018-02-05&force=us-2009-12")
    page.select_option("#choose-treaty", "start-i")
    page.locator("#choose-treaty").locator("xpath=ancestor::form").locator("button").click()
    page.wait_for_url("**treaty=start-i**")
    page.wait_for_load_state("networkidle")
    assert "force=us-2009-12" in page.url  # the other choices are kept
    assert "date=2018-02-05" in page.url
    terms = tab.rows("terms")
    expected = [(m["id"], t) for m in start["measures"] for t in m["terms"]]
    assert len(terms) == len(expected)
    for row, (measure, term) in zip(terms, expected, strict=True):
        assert (row["measure"], row["select"], row["term"]) == (measure, term["select"], term["label"])
        value = term.get("value", "items")
        if isinstance(value, int):
            assert row["value"] == str(value)
        assert row["cap"] == (", ".join(f"{p} {v:,}" for p, v in term.get("cap", {}).items()) or "–")
    attribution = {r["system"]: r["warheads"] for r in tab.rows("attribution")}
    assert attribution == {s: f"{n:,}" for s, n in start["attribution"].items()}
    definitions = tab.rows("definitions")
    assert [d["name"] for d in definitions] == list(start["definitions"])
    assert all(d["reading"] == "as agreed" for d in definitions)
    assert tab.errors == []


def test_variant_definitions_are_listed_beside_the_agreed_ones(web_client: httpx.Client, cli: CLI) -> None:
    treaty = cli_json(cli, "treaty", "show", "new-start")
    rows = csv_rows(web_client, "/treaties/definitions.csv?treaty=new-start")
    agreed = [r["Definition"] for r in rows if r["Reading"] == "as agreed"]
    assert agreed == list(treaty["definitions"])
    replaced = [(r["Reading"].split(" ")[0], r["Definition"]) for r in rows if r["Reading"] != "as agreed"]
    assert replaced == [(v["id"], name) for v in treaty["variants"] for name in v["definitions"]]
    for r in rows:
        d = treaty["definitions"][r["Definition"]] if r["Reading"] == "as agreed" else None
        if d is not None and "any_of" in d:
            assert r["Selects"] == "any of " + ", ".join(d["any_of"])
        if d is not None:
            assert r["In words"] == d.get("description", "")


def test_proposals_equal_the_cli(web_client: httpx.Client, cli: CLI) -> None:
    listed = cli_json(cli, "proposals", "list")
    rows = csv_rows(web_client, "/treaties/proposals.csv")
    assert [r["Proposal"] for r in rows] == [p["id"] for p in listed]
    for row, p in zip(rows, listed, strict=True):
        assert row["Name"] == p["name"]
        assert row["Based on"] == (p["extends"] or "")
        assert row["Parties"] == ", ".join(p["parties"])
        assert row["Limits"] == "; ".join(f"{m} {text}" for m, text in p["limits"].items())
        assert row["Read under"] == ", ".join(p["reading"])
        assert row["To be met"] == p["deadline"]
        assert row["Proposed by"] == ", ".join(p["proposed_by"])


def _assert_zone(client: httpx.Client, query: str, expected: dict[str, Any]) -> None:
    zone = {r["Proposal"]: r for r in csv_rows(client, f"/treaties/zone.csv?{query}")}
    assert list(zone) == list(expected["standings"])
    for spec, row in zone.items():
        assert row["Every party meets it now"] == ("true" if spec in expected["zone"]["now"] else "false")
        assert row["Every party can meet it by the deadline"] == (
            "true" if spec in expected["zone"]["by_deadline"] else "false"
        )
        assert row["No data for"] == ", ".join(expected["zone"]["incomplete"].get(spec, []))
    standings = csv_rows(client, f"/treaties/standings.csv?{query}")
    flat = [(spec, party, s) for spec, parties in expected["standings"].items() for party, s in parties.items()]
    assert len(standings) == len(flat)
    for row, (spec, party, s) in zip(standings, flat, strict=True):
        assert (row["Proposal"], row["Party"], row["Standing"]) == (spec, party, s["standing"])
        assert row["Cuts required"] == ", ".join(f"{m} {n:,}" for m, n in s["required"].items())
        assert row["Per year"] == ", ".join(f"{m} {v:,}" for m, v in s["per_year"].items())
        assert row["Years left"] == ("" if s["years"] is None else str(s["years"]))
        assert row["Why"] == s["why"]


def test_the_zone_on_the_ledger_force_equals_the_cli(
    web_client: httpx.Client, web_ledger: Path, tmp_path: Path, cli: CLI
) -> None:
    for when in (dt.date(2011, 2, 5), dt.date(2014, 9, 1)):
        force = _ledger_force(web_ledger, when, tmp_path)
        expected = cli_json(cli, "proposals", "zone", str(force), "--date", str(when))
        assert expected["as_of"] == str(when)
        _assert_zone(web_client, f"date={when}", expected)
    # the two dates differ somewhere, or the date would not be a control worth having
    early = csv_rows(web_client, "/treaties/standings.csv?date=2011-02-05")
    late = csv_rows(web_client, "/treaties/standings.csv?date=2014-09-01")
    assert early != late


def test_the_zone_on_a_shipped_force_equals_the_cli(web_client: httpx.Client, cli: CLI) -> None:
    expected = cli_json(cli, "proposals", "zone", "us-2009-12")
    _assert_zone(web_client, "force=us-2009-12", expected)
    body = web_client.get("/treaties?force=us-2009-12").text
    assert f"The zone of agreement on {expected['as_of']}" in body  # the force's own date, as the command's default


def _assert_dispute(rows: list[dict[str, str]], types: list[dict[str, str]], expected: dict[str, Any]) -> None:
    flat = [(p, m, v) for p, measures in expected["totals"].items() for m, v in measures.items()]
    assert [(r["party"], r["measure"]) for r in rows] == [(p, m) for p, m, _ in flat]
    for row, (_, _, v) in zip(rows, flat, strict=True):
        assert (row["a"], row["b"], row["difference"]) == (_n(v["a"]), _n(v["b"]), _n(v["difference"]))
    assert len(types) == len(expected["by_type"])
    for row, t in zip(types, expected["by_type"], strict=True):
        assert (row["party"], row["measure"], row["system"]) == (t["party"], t["measure"], t["name"])
        assert (row["a"], row["b"], row["difference"]) == (_n(t["a"]), _n(t["b"]), _n(t["difference"]))
        for g in t["groups"]:  # what each side counts of each group, and the attributes that decide it
            assert (
                f"{g['items']:,} {g['status']} {g['kind']}s, armament {g['armament']}, {g['role']} role" in row["why"]
            )
            assert f"US position {g['a']:,}, Russian position {g['b']:,}" in row["why"]


def test_the_bomber_dispute_equals_the_cli(tab: Tab, web_url: str, web_ledger: Path, tmp_path: Path, cli: CLI) -> None:
    expected = cli_json(cli, "proposals", "bomber-dispute")
    page = tab.open(f"{web_url}/treaties?date=2014-09-01")
    assert page.locator("#choose-bombers").input_value() == "us-2009-12"  # the command's default force
    _assert_dispute(tab.rows("dispute"), tab.rows("dispute-types"), expected)
    headings = page.eval_on_selector_all("#dispute thead th", "ths => ths.map(t => t.textContent)")
    assert headings[2:4] == [expected["readings"]["a"], expected["readings"]["b"]]
    # the same dispute on the ledger's declared force, chosen in the form
    page.select_option("#choose-bombers", "ledger")
    page.locator("#choose-bombers").locator("xpath=ancestor::form").locator("button").click()
    page.wait_for_url("**bombers=ledger**")
    page.wait_for_load_state("networkidle")
    force = _ledger_force(web_ledger, dt.date(2014, 9, 1), tmp_path)
    on_ledger = cli_json(cli, "proposals", "bomber-dispute", str(force), "--date", "2014-09-01")
    _assert_dispute(tab.rows("dispute"), tab.rows("dispute-types"), on_ledger)
    assert on_ledger["totals"] != expected["totals"]
    assert tab.errors == []


def test_the_as_of_date_changes_the_zone(tab: Tab, web_url: str, web_ledger: Path, tmp_path: Path, cli: CLI) -> None:
    page = tab.open(f"{web_url}/treaties?date=2023-03-01&treaty=sort")
    before = tab.rows("standings")
    page.fill("#as-of-date", "2012-09-01")
    page.click("form.as-of button")
    page.wait_for_url("**date=2012-09-01**")
    page.wait_for_load_state("networkidle")
    assert "treaty=sort" in page.url
    force = _ledger_force(web_ledger, dt.date(2012, 9, 1), tmp_path)
    expected = cli_json(cli, "proposals", "zone", str(force), "--date", "2012-09-01")
    standings = tab.rows("standings")
    flat = [(spec, party, s) for spec, parties in expected["standings"].items() for party, s in parties.items()]
    assert [(r["proposal"], r["party"], r["standing"], r["required"]) for r in standings] == [
        (spec, party, s["standing"], ", ".join(f"{m} {n:,}" for m, n in s["required"].items()) or "–")
        for spec, party, s in flat
    ]
    assert standings != before
    assert tab.errors == []


def test_bad_input_is_a_4xx_with_the_reason(web_client: httpx.Client) -> None:
    cases = {
        "/treaties?treaty=zz": (400, "is not a choice for treaty"),
        "/treaties?treaty=%3Cscript%3E": (400, "is not a choice for treaty"),
        "/treaties?force=nowhere": (400, "is not a choice for force"),
        "/treaties?bombers=" + "9" * 40: (400, "is not a choice for bombers"),
        "/treaties?date=2018-13-45": (400, "is not a date"),
        "/treaties?date=1999-01-01": (400, "outside New START"),
        "/treaties?date=" + str(10**30): (400, "is not a date"),
        "/treaties/nothing.csv": (404, "no table"),
    }
    for url, (status, words) in cases.items():
        assert_refused(web_client, url, status, words)
