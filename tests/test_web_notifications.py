"""The notifications view: counts per party, type and month equal to counting ``detente ledger log --json`` rows,
delays from those rows, and lateness as the ledger writer flags it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from detente.catalog import builtin_catalog
from detente.ledger.notifications import format_time
from detente.ledger.rules import Context, late_reference
from detente.store import open_store
from detente.treaty import get_treaty
from detente.web import Source
from detente.web.notifications import deadline
from web_fixtures import CLI, Tab, assert_refused, charts_drawn, csv_rows

from builders import behind_the_writers_back

ALL = "100000"  # `ledger log --last` has no upper bound (min 1): more than any party's log here


def _log(cli: CLI, ledger: Path, party: str) -> list[dict[str, Any]]:
    code, out, _ = cli("ledger", "log", str(ledger), "--party", party, "--last", ALL, "--json")
    assert code == 0
    rows: list[dict[str, Any]] = json.loads(out)
    assert rows[0]["seq"] == 1  # the whole log, not its tail
    return rows


def _days(row: dict[str, Any]) -> float:
    sent, effective = (dt.datetime.fromisoformat(row[k].replace("Z", "+00:00")) for k in ("sent", "effective"))
    return round((sent - effective).total_seconds() / 86400, 1)


def _shown(number: float) -> str:
    return f"{number:,.3f}".rstrip("0").rstrip(".")


def test_counts_equal_the_log(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    tab.open(f"{web_url}/notifications")
    by_type = {(r["party"], r["type"]): r for r in tab.rows("by-type")}
    for party in ("US", "RU"):
        log = _log(cli, web_ledger, party)
        kinds = Counter(r["type"] for r in log)
        assert {k for p, k in by_type if p == party} == set(kinds)
        for kind, n in kinds.items():
            row = by_type[(party, kind)]
            delays = [_days(r) for r in log if r["type"] == kind]
            assert row["count"] == f"{n:,}"
            assert row["median"] == _shown(round(statistics.median(delays), 1))
            assert row["max"] == _shown(max(delays))
        months = Counter((r["sent"][:7], r["type"]) for r in log)
        monthly = tab.rows(f"monthly-{party.lower()}")
        assert sum(int(m["total"].replace(",", "")) for m in monthly) == len(log)
        for m in monthly:
            for kind in kinds:
                assert m[f"type:{kind}"] == f"{months.get((m['month'], kind), 0):,}"
    assert charts_drawn(tab.page, 2) == 2  # a stacked bar chart per party
    assert "every notification in the years chosen met its deadline" in tab.page.inner_text("main")
    tab.screenshot("06-notifications")
    assert tab.errors == []


def test_party_and_year_controls(tab: Tab, web_url: str, web_ledger: Path, cli: CLI) -> None:
    page = tab.open(f"{web_url}/notifications")
    page.select_option("#notifications-party", "RU")
    page.fill("#notifications-from", "2015")
    page.fill("#notifications-to", "2016")
    page.click("main form button")
    page.wait_for_url("**to=2016**")
    page.wait_for_load_state("networkidle")
    log = [r for r in _log(cli, web_ledger, "RU") if "2015" <= r["sent"][:4] <= "2016"]
    rows = tab.rows("by-type")
    assert {r["party"] for r in rows} == {"RU"}
    assert {r["type"]: r["count"] for r in rows} == {k: f"{n:,}" for k, n in Counter(r["type"] for r in log).items()}
    assert page.locator("#monthly-us").count() == 0
    assert [m["month"] for m in tab.rows("monthly-ru")][::12] == ["2015-01", "2016-01"]
    assert tab.errors == []


def test_a_single_year(web_client: httpx.Client, web_ledger: Path, cli: CLI) -> None:
    for party in ("US", "RU"):
        log = [r for r in _log(cli, web_ledger, party) if r["sent"].startswith("2018")]
        rows = csv_rows(web_client, "/notifications/by-type.csv?year=2018")
        assert {r["Type"]: int(r["Notifications"]) for r in rows if r["Party"] == party} == Counter(
            r["type"] for r in log
        )
    assert csv_rows(web_client, "/notifications/by-type.csv?year=2018&from=2018&to=2018") == rows


def test_a_late_notification_is_listed_as_the_writer_flags_it(
    web_ledger: Path, cli: CLI, tmp_path: Path, serve: Callable[[Source], httpx.Client]
) -> None:
    ledger = tmp_path / "late.sqlite"
    shutil.copyfile(web_ledger, ledger)
    draft = tmp_path / "late.json"
    draft.write_text(
        json.dumps(
            {
                "type": "status-change",
                "effective": "2023-04-01T00:00:00Z",
                "sent": "2023-04-20T00:00:00Z",  # 19 days: the treaty allows 5
                "content": {"uid": "US-SSBN738-T12", "from": "deployed", "to": "non-deployed"},
            }
        )
    )
    key = tmp_path / "us.key"
    assert cli("keys", "demo", "--party", "US", "--out", str(key))[0] == 0
    code, out, _ = cli("ledger", "submit", str(ledger), str(draft), "--key", str(key), "--json")
    assert code == 0
    [entry] = json.loads(out)[0]["entries"]
    [flag] = entry["flags"]
    assert flag["kind"] == "late"
    store = open_store(str(ledger), readonly=True)
    try:
        client = serve(Source(store, ledger.name))
        [late] = csv_rows(client, "/notifications/late.csv")
        assert (late["Party"], int(late["Seq"]), late["Type"]) == ("US", entry["seq"], "status-change")
        assert late["Missed by"] == flag["message"]
        assert late["Deadline"].startswith("2023-04-06 00:00Z")  # 5 days after it took effect
        assert float(late["Delay (days)"]) == 19.0
        by_type = {(r["Party"], r["Type"]): r for r in csv_rows(client, "/notifications/by-type.csv?party=US")}
        assert by_type[("US", "status-change")]["Late"] == "1"
        assert by_type[("US", "receipt")]["Late"] == ""  # no deadline: neither late nor on time
        assert csv_rows(client, "/notifications/late.csv?year=2022") == []
    finally:
        store.close()


def test_the_deadline_shown_is_the_one_the_writer_applies(web_ledger: Path, cli: CLI) -> None:
    """A second before the deadline shown the writer's rule finds a notification on time, a second after, late."""
    treaty = get_treaty("new-start")
    rules = treaty.notifications
    context = Context(builtin_catalog(), rules, _never, _never, entry_into_force=treaty.dates.entry_into_force)
    rows = [r for party in ("US", "RU") for r in _log(cli, web_ledger, party)]
    kinds = {r["type"] for r in rows}
    sample = rows[::97] + [next(r for r in rows if r["type"] == k) for k in kinds]
    checked = 0
    for r in sample:
        due, words = deadline(r["type"], r["effective"], rules, treaty)
        payload = {"type": r["type"], "effective": r["effective"]}
        if due is None:
            assert words.startswith("none")
            assert late_reference({**payload, "sent": "2026-01-01T00:00:00Z"}, context) == []
            continue
        for shift, late in ((-1, False), (0, False), (1, True)):
            sent = format_time(due + dt.timedelta(seconds=shift))
            assert bool(late_reference({**payload, "sent": sent}, context)) is late, (r, sent)
        checked += 1
    assert checked > 40


def _never(*_: object) -> Any:
    raise AssertionError("the deadline rule reads no ledger state")


def test_bad_input_is_a_4xx_with_the_reason(web_client: httpx.Client) -> None:
    cases = {
        "/notifications?party=ZZ": "is not a party",
        "/notifications?party=%3Cscript%3E": "is not a party",
        "/notifications?year=1999": "year 1999 is outside the years",
        "/notifications?year=abc": "must be a year",
        "/notifications?year=" + "1" + "0" * 30: "characters long",
        "/notifications?year=-5": "must be a year",
        "/notifications?from=%3Cscript%3E": "must be a year",
        "/notifications?from=2020&to=2012": "from 2020 is after to 2012",
        "/notifications?year=2015&from=2012": "disagree",
        "/notifications/nothing.csv": "no table",
    }
    for url, words in cases.items():
        assert_refused(web_client, url, (400, 404), words)
    assert web_client.get("/notifications?year=&from=&to=").status_code == 200  # empty fields: every year


def test_an_unreadable_entry_is_reported_not_counted(
    web_ledger: Path, tmp_path: Path, serve: Callable[[Source], httpx.Client]
) -> None:
    ledger = tmp_path / "damaged.sqlite"
    shutil.copyfile(web_ledger, ledger)
    behind_the_writers_back(ledger, ("UPDATE ledger_entries SET payload = ? WHERE party = 'RU' AND seq = 7",
                                     (b"not a notification",)))  # fmt: skip
    store = open_store(str(ledger), readonly=True)
    try:
        client = serve(Source(store, ledger.name))
        page = client.get("/notifications", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "RU: 1 entry cannot be read" in page.text
        assert "RU #7" in page.text
        rows = csv_rows(client, "/notifications/by-type.csv?party=RU")
        assert sum(int(r["Notifications"]) for r in rows) == store.tree_size("RU") - 1
    finally:
        store.close()
