"""The shipped forces reproduce published figures when counted under the shipped treaties."""

from __future__ import annotations

import datetime as dt

import pytest

from detente.data.forces import load_force
from detente.data.official import official_figures

from builders import CATALOG, judged


@pytest.fixture(scope="module")
def us_2020():
    return load_force("us-2020-09", CATALOG)


def test_us_2020_under_new_start_matches_state_department_aggregates(us_2020):
    result = judged(us_2020, "new-start", dt.date(2020, 9, 1))
    official = official_figures("new-start", "US", dt.date(2020, 9, 1))
    for measure, expected in (("deployed-delivery-vehicles", 675), ("warheads", 1457), ("launchers", 800)):
        line = result.line("US", measure)
        assert line.count.total == expected
        assert official[measure].value == expected
        assert line.verdict.value == "within"
    assert result.line("US", "launchers").headroom == 0


def test_us_2020_launchers_under_russias_2022_reading_are_901(us_2020):
    line = judged(us_2020, "new-start+ru-2022", dt.date(2020, 9, 1)).line("US", "launchers")
    assert line.count.total == 901
    assert line.verdict.value == "over"
    assert line.headroom == -101
    # the difference is exactly the items Russia named: 56 tubes, 41 B-52H, 4 silos
    base = judged(us_2020, "new-start", dt.date(2020, 9, 1)).line("US", "launchers").count.by_system
    read = line.count.by_system
    diff = {s: read[s] - base.get(s, 0) for s in read}
    assert {s: d for s, d in diff.items() if d} == {"trident-ii-d5": 56, "b-52h": 41, "minuteman-iii": 4}


def test_us_2020_breakdown_by_rule(us_2020):
    line = judged(us_2020, "new-start", dt.date(2020, 9, 1)).line("US", "warheads")
    assert line.count.by_term == {"RVs on deployed ICBMs and SLBMs": 1409, "1 per deployed heavy bomber": 48}
    assert line.count.by_system == {"minuteman-iii": 397, "trident-ii-d5": 1012, "b-2a": 12, "b-52h": 36}


def test_start_mou_1990_reproduces_published_totals():
    mou = load_force("start-mou-1990", CATALOG)
    as_of = dt.date(1990, 9, 1)
    result = judged(mou, "start-i", as_of)
    for party in ("US", "RU"):
        published = official_figures("start-i", party, as_of)
        assert len(published) == 5
        for measure, figure in published.items():
            assert result.line(party, measure).count.total == figure.value, (party, measure)
    # START I was not yet in force in 1990; by the 2001 deadline these forces would be over the limits
    assert result.line("US", "delivery-vehicles").verdict.value == "not-in-force"
    later = judged(mou, "start-i", dt.date(2001, 12, 5))
    assert later.line("US", "delivery-vehicles").verdict.value == "over"
    assert later.line("RU", "heavy-icbm-warheads").headroom == 1540 - 3080


def test_russia_2022_estimate_is_compared_with_russias_declaration():
    ru = load_force("ru-2022", CATALOG)
    assert "illustrative" in ru.info.label
    result = judged(ru, "new-start", dt.date(2022, 3, 1))
    official = official_figures("new-start", "RU", dt.date(2022, 3, 1))
    assert official["warheads"].value == 1474
    # FAS's ICBM warheads (1,179) are the file's; the count adds SLBM RVs and one per bomber
    assert result.line("RU", "warheads").count.by_term["RVs on deployed ICBMs and SLBMs"] == 1179 + 560
    assert result.line("RU", "deployed-delivery-vehicles").count.total == 300 + 160 + 68
