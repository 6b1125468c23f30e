"""The dashboard's detection view: the probability and the chart equal ``detente detect … --json``; live sliders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from playwright.sync_api import expect

from detente.catalog import builtin_catalog
from detente.web.detection import SEED, SWEEP_YEARS
from web_fixtures import CLI, Tab, assert_refused, charts_drawn, csv_rows

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _probability(cli: CLI, population: int, violations: int, sample: int, years: int = 1) -> dict[str, float]:
    code, out, err = cli("detect", "probability", "-N", str(population), "-M", str(violations), "-n", str(sample),
                         "--years", str(years), "--json")  # fmt: skip
    assert code == 0, err
    result: dict[str, float] = json.loads(out)
    return result


def _shown(page: Page) -> tuple[float, str]:
    """The probability the page shows: its exact value and its text."""
    result = page.locator("#result")
    return float(result.get_attribute("data-value") or "nan"), result.inner_text().strip()


def test_probability_equals_the_cli(web_client: httpx.Client, cli: CLI) -> None:
    for n, m, k, y in [(100, 5, 10, 1), (612, 3, 10, 12), (1, 1, 1, 1), (50_000, 7, 2_000, 100), (478, 0, 478, 3)]:
        want = _probability(cli, n, m, k, y)
        query = f"population={n}&violations={m}&sample={k}&years={y}"
        [row] = csv_rows(web_client, f"/detection/probability.csv?{query}")
        assert float(row["Probability in a year"]) == want["probability"]
        assert float(row["Probability over the years"]) == want["probability_over_years"]
        assert (int(row["Population N"]), int(row["Violations M"]), int(row["Sample n"])) == (n, m, k)
        body = web_client.get(f"/detection?{query}").text
        assert f'data-value="{want["probability"]}"><strong>{want["probability"]:.4f}</strong>' in body
        over = f'id="result-over-years" data-value="{want["probability_over_years"]}"'
        assert (over in body) == (y > 1)


def test_default_population_is_the_ledgers_deployed_missiles(
    web_client: httpx.Client, web_ledger: Path, web_source: object, cli: CLI
) -> None:
    when = "2023-03-01"  # the demo ledger's latest data date, where the page opens
    code, out, _ = cli("ledger", "state", str(web_ledger), "--date", when, "--json")
    assert code == 0
    catalog = builtin_catalog()
    deployed = {
        party: sum(n.get("deployed", 0) for s, n in systems.items() if catalog.get(s).category in ("icbm", "slbm"))
        for party, systems in json.loads(out).items()
    }
    body = web_client.get("/detection").text
    first = next(p for p in ("RU", "US") if deployed[p])  # the ledger's order of parties
    assert f'name="population" min="1" max="1000" step="1" value="{deployed[first]}"' in body
    assert f"that {first} declared on {when}" in body
    for party, count in deployed.items():
        assert f"{party}&#39;s {count:,}" in body or f"{party}'s {count:,}" in body
    [row] = csv_rows(web_client, "/detection/probability.csv")
    want = _probability(cli, deployed[first], 5, 10)
    assert float(row["Probability in a year"]) == want["probability"]


def test_chart_equals_the_cli_with_the_same_seed_and_years(web_client: httpx.Client, cli: CLI, tmp_path: Path) -> None:
    for extra in (60, 7):
        out_file = tmp_path / f"chart-{extra}.svg"
        code, out, err = cli("detect", "chart", "--out", str(out_file), "--extra", str(extra), "--years",
                             str(SWEEP_YEARS), "--seed", str(SEED), "--json")  # fmt: skip
        assert code == 0, err
        want = json.loads(out)
        rows = {int(r["Inspections a year"]): r for r in csv_rows(web_client, f"/detection/chart.csv?extra={extra}")}
        assert len(rows) == 18
        for point in want["points"]:
            row = rows[point["inspections_per_year"]]
            strategy = point["strategy"]
            assert float(row[f"{strategy} (Monte Carlo)"]) == point["probability"]
            assert float(row[f"{strategy} (exact)"]) == point["exact"]
            assert row[f"{strategy}: 95% interval"] == f"{point['low']:.3f}–{point['high']:.3f}"
        body = web_client.get(f"/detection?extra={extra}").text
        assert f"--extra {extra} --years {SWEEP_YEARS} --seed {SEED} --json" in body
        assert f"{SWEEP_YEARS:,} simulated years per point with seed {SEED}" in body


def test_bases_are_the_clis(web_client: httpx.Client, cli: CLI) -> None:
    code, out, _ = cli("detect", "simulate", "--strategy", "spread", "--extra", "1", "--years", "10", "--json")
    assert code == 0
    bases = [(b["name"], b["missiles"], b["declared"], b["capacity"]) for b in json.loads(out)["bases"]]
    rows = csv_rows(web_client, "/detection/bases.csv")
    assert [(r["Base"], int(r["Missiles"]), int(r["Warheads declared on each"]), int(r["Most it can carry"]))
            for r in rows] == bases  # fmt: skip


def test_sliders_fit_violations_and_sample_to_a_smaller_population(web_client: httpx.Client, cli: CLI) -> None:
    [row] = csv_rows(web_client, "/detection/probability.csv?population=12&violations=40&sample=30&fit=yes")
    assert (int(row["Violations M"]), int(row["Sample n"])) == (12, 12)
    assert float(row["Probability in a year"]) == _probability(cli, 12, 12, 12)["probability"]


def test_moving_a_slider_changes_the_probability(tab: Tab, web_url: str, cli: CLI) -> None:
    page = tab.open(f"{web_url}/detection?population=200&violations=4&sample=10")
    value, text = _shown(page)
    want = _probability(cli, 200, 4, 10)["probability"]
    assert (value, text) == (want, f"{want:.4f}")
    assert charts_drawn(page, 1) == 1

    # drag: the range input takes a new value, htmx swaps the page's main part after its delay
    page.fill("#sample", "40")
    page.wait_for_url("**sample=40**")
    want = _probability(cli, 200, 4, 40)["probability"]
    expect(page.locator("#result")).to_have_attribute("data-value", repr(want))
    assert _shown(page) == (want, f"{want:.4f}")
    assert page.locator("#sample-value").inner_text() == "40"

    # keyboard: the slider keeps its focus across the swap, so each press moves it on
    page.focus("#violations")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_url("**violations=7**")
    want = _probability(cli, 200, 7, 40)["probability"]
    expect(page.locator("#result")).to_have_attribute("data-value", repr(want))
    assert _shown(page) == (want, f"{want:.4f}")
    assert page.evaluate("document.activeElement.id") == "violations"
    assert page.locator("#violations-value").inner_text() == "7"
    assert charts_drawn(page, 1) == 1
    tab.screenshot("08-detection")  # last: a screenshot leaves style="" on inputs, which htmx would copy on a swap
    assert tab.errors == []


def test_the_extra_slider_redraws_the_chart(tab: Tab, web_url: str) -> None:
    page = tab.open(f"{web_url}/detection")
    before = page.locator("#chart tbody tr").first.inner_text()
    page.fill("#extra", "200")
    page.wait_for_url("**extra=200**")
    expect(page.locator("#chart-title")).to_contain_text("200 extra warheads")
    assert page.locator("#chart tbody tr").first.inner_text() != before
    assert charts_drawn(page, 1) == 1
    assert tab.errors == []


def test_the_sliders_work_without_javascript(tab_without_js: Tab, web_url: str, cli: CLI) -> None:
    page = tab_without_js.page
    page.goto(f"{web_url}/detection?population=300&violations=2&sample=5")
    page.fill("#sample", "60")
    page.click("#sliders button[type=submit]")
    page.wait_for_url("**sample=60**")
    want = _probability(cli, 300, 2, 60)["probability"]
    assert _shown(page) == (want, f"{want:.4f}")
    page.click("details summary")
    page.fill("#population-number", "1000")
    page.fill("#violations-number", "900")
    page.click("#numbers button[type=submit]")
    page.wait_for_url("**violations=900**")
    want = _probability(cli, 1000, 900, 60)["probability"]
    assert _shown(page)[0] == want


def test_bad_input_is_a_400_with_the_reason(web_client: httpx.Client) -> None:
    cases = {
        "/detection?population=10&violations=11": "violations is 11, more than the population of 10",
        "/detection?population=10&sample=11": "sample is 11, more than the population of 10",
        f"/detection?population={10**30}": "population must be a whole number",
        f"/detection?sample={10**30}": "sample must be a whole number",
        "/detection?population=0": "population is 0, outside 1 to 100,000",
        "/detection?population=100001": "outside 1 to 100,000",
        "/detection?violations=-1": "outside 0 to 100,000",
        "/detection?sample=2.5": "sample must be a whole number",
        "/detection?years=101": "years is 101, outside 1 to 100",
        "/detection?extra=600": "no single base has room for 600 extra warheads",
        "/detection?extra=99999": "outside 0 to 1,760",
        "/detection?fit=no": "is not a choice for fit",
        "/detection?population=%3Cscript%3Ealert(1)%3C/script%3E": "population must be a whole number",
        "/detection/nothing.csv": "no table",
    }
    for url, words in cases.items():
        assert_refused(web_client, url, 404 if url.endswith(".csv") else 400, words)
