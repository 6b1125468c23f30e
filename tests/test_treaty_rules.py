"""Tests written from the treaties' rules (docs/treaty-format.md, shared reference): within, over, sublimits,
ranges, and START I's 150/180 bomber threshold."""

from __future__ import annotations

import datetime as dt

import pytest

from detente.counting import count, judge
from detente.errors import CountingError
from detente.treaty import load_treaty

from builders import force, judged, row, totals

START_I_DUE = dt.date(2001, 12, 5)


# --- START I -------------------------------------------------------------------------------------------------


def test_start_i_launchers_are_considered_to_contain_a_missile_until_eliminated():
    f = force(
        row("US", "minuteman-iii", "deployed", 10, warheads=1),  # downloaded: still attributed 3
        row("US", "minuteman-iii", "non-deployed", 5),  # empty silos still count
        row("US", "minuteman-iii", "eliminated", 7),
        row("US", "minuteman-iii", "converted", 2),
    )
    t = totals(f, "start-i")
    assert t[("US", "delivery-vehicles")] == 15
    assert t[("US", "ballistic-missile-warheads")] == 45


@pytest.mark.parametrize(
    ("b52h", "expected"),
    [
        (149, 149 * 10),  # all within the first 150
        (150, 1500),
        (151, 1500 + 20),  # the 151st counts its ALCM capacity (20)
        (200, 1500 + 50 * 20),
    ],
)
def test_start_i_us_alcm_bomber_threshold(b52h, expected):
    f = force(row("US", "b-52h", "deployed", b52h))
    assert totals(f, "start-i")[("US", "accountable-warheads")] == expected


@pytest.mark.parametrize(("bears", "expected"), [(179, 179 * 8), (180, 1440), (181, 1440 + 16), (190, 1440 + 160)])
def test_start_i_russian_alcm_bomber_threshold_is_180_at_8(bears, expected):
    f = force(row("RU", "tu-95ms", "deployed", bears))
    assert totals(f, "start-i")[("RU", "accountable-warheads")] == expected


def test_start_i_threshold_order_is_stated_in_the_treaty_not_the_file():
    # B-52H come first: 100 H + 50 G at 10 each, the remaining 60 B-52G at their capacity of 12
    rows = [row("US", "b-52g", "deployed", 110), row("US", "b-52h", "deployed", 100)]
    expected = 1500 + 60 * 12
    assert totals(force(*rows), "start-i")[("US", "accountable-warheads")] == expected
    assert totals(force(*reversed(rows)), "start-i")[("US", "accountable-warheads")] == expected


def test_start_i_alcm_ceiling_is_a_ban_not_a_counting_cap():
    """20 (US) / 16 (USSR) ALCMs per heavy bomber is the most a bomber may be equipped for: a bomber declared with
    more counts what it is declared with (never cut down to the ceiling) and every such bomber is a violation."""
    f = force(
        row("US", "b-52h", "deployed", 151, alcm_capacity=24), row("RU", "tu-95ms", "deployed", 181, alcm_capacity=20)
    )
    result = judged(f, "start-i", START_I_DUE)
    us, ru = result.line("US", "accountable-warheads"), result.line("RU", "accountable-warheads")
    assert us.count.total == 1500 + 24  # the 151st counts its declared 24, not 20
    assert ru.count.total == 1440 + 20
    assert [(v.system, v.items, v.declared, v.ceiling, v.unit) for v in us.violations] == [
        ("b-52h", 151, 24, 20, "ALCMs")  # the first 150 count 10 each, but are equipped beyond the ceiling too
    ]
    assert [(v.system, v.items, v.declared, v.ceiling) for v in ru.violations] == [("tu-95ms", 181, 20, 16)]
    assert "above the ceiling of 20 per item for US" in us.violations[0].describe()
    assert result.as_dict()["US"]["accountable-warheads"]["violations"][0]["declared"] == 24
    assert result.line("US", "delivery-vehicles").violations == ()


def test_start_i_alcm_bombers_at_the_ceiling_are_no_violation():
    f = force(row("US", "b-52h", "deployed", 200), row("RU", "tu-95ms", "deployed", 200))
    result = judged(f, "start-i", START_I_DUE)
    assert result.violations == ()
    assert result.line("US", "accountable-warheads").count.total == 1500 + 50 * 20
    assert result.as_dict()["US"]["accountable-warheads"]["violations"] == []


def test_start_i_non_alcm_bombers_count_one():
    f = force(row("US", "b-1b", "deployed", 95), row("US", "b-52h", "deployed", 3, armament="bombs"))
    t = totals(f, "start-i")
    assert t[("US", "accountable-warheads")] == 98
    assert t[("US", "delivery-vehicles")] == 98


def test_start_i_sublimits_heavy_and_mobile():
    f = force(
        row("RU", "ss-18", "deployed", 154, warheads=10),  # 1,540: exactly at the heavy-ICBM sublimit
        row("RU", "ss-25", "deployed", 700, warheads=1),
        row("RU", "ss-24-rail", "deployed", 40, warheads=10),  # mobile: 700 + 400 = 1,100, at the sublimit
        row("RU", "ss-24-silo", "deployed", 1, warheads=10),  # silo SS-24 is not mobile
    )
    result = judged(f, "start-i", START_I_DUE)
    assert result.line("RU", "heavy-icbm-warheads").count.total == 1540
    assert result.line("RU", "heavy-icbm-warheads").verdict.value == "within"
    assert result.line("RU", "mobile-icbm-warheads").count.total == 1100
    assert result.line("RU", "mobile-icbm-warheads").verdict.value == "within"
    over = judged(force(*f.rows(), row("RU", "ss-18", "non-deployed", 1)), "start-i", START_I_DUE)
    assert over.line("RU", "heavy-icbm-warheads").count.total == 1550
    assert over.line("RU", "heavy-icbm-warheads").verdict.value == "over"
    assert over.line("RU", "ballistic-missile-warheads").verdict.value == "within"


def test_start_i_central_limits_within_and_over():
    at_limit = force(row("US", "minuteman-iii", "deployed", 1600, warheads=3))
    result = judged(at_limit, "start-i", START_I_DUE)
    assert result.line("US", "delivery-vehicles").verdict.value == "within"
    assert result.line("US", "ballistic-missile-warheads").verdict.value == "within"  # 4,800 ≤ 4,900
    over = judged(force(*at_limit.rows(), row("US", "b-1b", "deployed")), "start-i", START_I_DUE)
    assert over.line("US", "delivery-vehicles").verdict.value == "over"
    assert over.line("US", "delivery-vehicles").headroom == -1


def test_start_i_refuses_a_type_it_attributes_nothing_to():
    with pytest.raises(CountingError, match=r"attributes no warheads to RS-24 Yars"):
        totals(force(row("RU", "rs-24-mobile", "deployed", 1, warheads=4)), "start-i")


# --- SORT ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("warheads", "verdict"), [(1700, "within"), (1701, "within-range"), (2200, "within-range"), (2201, "over")]
)
def test_sort_range_on_its_one_day(warheads, verdict):
    f = force(row("US", "minuteman-iii", "deployed", warheads, warheads=1))
    assert judged(f, "sort", dt.date(2012, 12, 31)).line("US", "operationally-deployed-warheads").verdict == verdict


def test_sort_counts_operationally_deployed_only():
    f = force(
        row("US", "trident-ii-d5", "deployed", 10, warheads=4),
        row("US", "trident-ii-d5", "repair", 2, warheads=4),  # in overhaul: not operationally deployed
        row("US", "trident-ii-d5", "non-deployed", 5, kind="missile"),
        row("US", "b-52h", "deployed", 3, warheads=12),  # weapons declared for bombers at their bases
        row("US", "b-52h", "non-deployed", 2, warheads=12),
    )
    assert totals(f, "sort")[("US", "operationally-deployed-warheads")] == 40 + 36


def test_sort_limit_binds_only_on_2012_12_31():
    f = force(row("US", "minuteman-iii", "deployed", 3000, warheads=1))
    line = lambda d: judged(f, "sort", d).line("US", "operationally-deployed-warheads").verdict.value  # noqa: E731
    assert line(dt.date(2003, 1, 1)) == "not-in-force"  # before entry into force
    assert line(dt.date(2012, 12, 30)) == "not-in-force"  # in force, limit not yet binding
    assert line(dt.date(2012, 12, 31)) == "over"
    assert line(dt.date(2013, 1, 1)) == "expired"


# --- New START ---------------------------------------------------------------------------------------------------


def test_new_start_test_launchers_and_bombers_are_non_deployed():
    f = force(
        row("US", "minuteman-iii", "test", 4),
        row("US", "b-2a", "test", 1),
        row("US", "b-2a", "deployed", 2),
        row("US", "b-52h", "converted", 5, armament="none"),
        row("US", "b-52h", "eliminated", 5),
    )
    t = totals(f, "new-start")
    assert t[("US", "deployed-delivery-vehicles")] == 2
    assert t[("US", "warheads")] == 2
    assert t[("US", "launchers")] == 7


def test_new_start_limits_apply_from_2018():
    f = force(row("US", "minuteman-iii", "deployed", 701, warheads=1))
    line = lambda d: judged(f, "new-start", d).line("US", "deployed-delivery-vehicles").verdict.value  # noqa: E731
    assert line(dt.date(2011, 2, 4)) == "not-in-force"
    assert line(dt.date(2017, 1, 1)) == "not-in-force"
    assert line(dt.date(2018, 2, 5)) == "over"
    assert line(dt.date(2026, 2, 5)) == "expired"


# --- Joint Understanding, December 2009 ----------------------------------------------------------------------------


@pytest.fixture
def late_2009_bombers():
    return force(
        row("US", "minuteman-iii", "deployed", 450, warheads=1),
        row("US", "b-52h", "deployed", 44),
        row("US", "b-52h", "deployed", 32, role="conventional"),
        row("US", "b-1b", "deployed", 66, role="conventional"),
    )


def test_joint_understanding_ranges(late_2009_bombers):
    result = judged(late_2009_bombers, "joint-understanding", dt.date(2009, 12, 1))
    line = result.line("US", "deployed-delivery-vehicles")
    assert line.count.total == 450 + 44 + 32 + 66
    assert line.verdict.value == "within-range"  # 592: above 500, within 1,100
    assert result.line("US", "warheads").verdict.value == "within"  # 592 ≤ 1,500


def test_december_2009_bomber_positions_differ_by_conventional_bombers(late_2009_bombers):
    us = totals(late_2009_bombers, "joint-understanding+us-dec-2009")
    ru = totals(late_2009_bombers, "joint-understanding+ru-dec-2009")
    assert us[("US", "deployed-delivery-vehicles")] == 450 + 44
    assert ru[("US", "deployed-delivery-vehicles")] == 450 + 44 + 32 + 66
    assert ru[("US", "launchers")] - us[("US", "launchers")] == 98


def test_december_2009_framing_is_strictly_below():
    at = force(row("US", "minuteman-iii", "deployed", 1600, warheads=1))
    under = force(row("US", "minuteman-iii", "deployed", 1599, warheads=1))
    d = dt.date(2009, 12, 1)
    assert judged(at, "dec-2009-framing", d).line("US", "deployed-delivery-vehicles").verdict.value == "over"
    assert judged(under, "dec-2009-framing", d).line("US", "deployed-delivery-vehicles").verdict.value == "within"
    assert judged(under, "dec-2009-framing", d).line("US", "launchers").verdict.value == "no-limit"


def test_any_number_of_parties(tmp_path):
    path = tmp_path / "trilateral.toml"
    path.write_text(
        'id = "trilateral"\nextends = "new-start"\nname = "Trilateral draft"\nkind = "draft"\n[dates]\n'
        '[[parties]]\nid = "US"\nname = "United States"\n[[parties]]\nid = "RU"\nname = "Russia"\n'
        '[[parties]]\nid = "CN"\nname = "China"\n'
        '[[limits]]\nmeasure = "warheads"\nmax = 1550\nparties = ["US", "RU"]\n'
        '[[limits]]\nmeasure = "warheads"\nmax = 600\nparties = ["CN"]\n'
    )
    treaty = load_treaty(path)
    f = force(
        row("US", "minuteman-iii", "deployed", 400, warheads=1),
        row("RU", "rs-24-mobile", "deployed", 100, warheads=4),
        row("CN", "rs-24-silo", "deployed", 160, warheads=4),  # a stand-in type for the test
    )
    result = judge(count(f, treaty), dt.date(2030, 1, 1))
    assert result.tally.parties == ("US", "RU", "CN")
    assert result.line("CN", "warheads").verdict.value == "over"
    assert result.line("CN", "warheads").headroom == -40
    assert result.line("RU", "warheads").verdict.value == "within"
