"""Reduction and upload planning: plans verified by counting, optimal against brute force, checked via a ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.catalog import builtin_catalog
from detente.counting import Reading, count, judge, parse_reading
from detente.data.forces import load_force
from detente.errors import PlanningError
from detente.forces import Force
from detente.planning._periods import capacity_in, periods
from detente.planning.reduce import plan_reductions
from detente.planning.request import Action, Capacity, KeepRule, PlanRequest, RvBounds
from detente.planning.trajectory import follow
from detente.planning.upload import (
    Leg,
    Rate,
    UploadData,
    Value,
    shipped_upload_data,
    shipped_upload_parties,
    upload_data_from_document,
    upload_series,
)
from detente.treaty.model import Limit

from builders import row

CATALOG = builtin_catalog()


def _party_totals(force: Force, reading: Reading, party: str) -> dict[str, int]:
    tally = count(force, reading.treaty, reading.variants)
    return {m.id: tally[(party, m.id)].total for m in reading.treaty.measures}


def _items_by_system(force: Force, party: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in force.rows():
        if r.party == party:
            out[r.system.id] = out.get(r.system.id, 0) + r.count
    return out


# ---------------------------------------------------------------------------------------------- shipped forces


@pytest.mark.parametrize(
    ("force_name", "reading", "party", "deadline"),
    [
        ("us-2020-09", "new-start+ru-2022", "US", dt.date(2022, 9, 1)),
        ("ru-2022", "new-start", "RU", dt.date(2023, 3, 1)),
        ("us-2020-09", "new-start", "US", dt.date(2021, 2, 1)),
    ],
)
def test_shipped_plans_meet_every_limit_when_the_planned_force_is_counted(force_name, reading, party, deadline):
    force = load_force(force_name, CATALOG)
    r = parse_reading(reading)
    plan = plan_reductions(force, r, PlanRequest(party, deadline))
    judged = judge(count(plan.planned, r.treaty, r.variants), deadline)
    limited = [x for x in judged.lines if x.party == party and x.limit is not None]
    assert limited, "New START limits bind on these deadlines"
    for line in limited:
        assert line.count.total <= line.limit.upper, line
    # a plan never loses or invents items: every item of the force is still there, in some state
    assert _items_by_system(plan.planned, party) == _items_by_system(force, party)
    before = _party_totals(force, r, party)
    if all(before[x.measure] <= x.limit.upper for x in limited):
        assert not plan.steps, "a force within every limit needs no action"


def test_us_under_russias_2022_reading_removes_the_disputed_launchers_and_keeps_every_warhead():
    force = load_force("us-2020-09", CATALOG)
    r = parse_reading("new-start+ru-2022")
    plan = plan_reductions(force, r, PlanRequest("US", dt.date(2022, 9, 1)))
    before = _party_totals(force, r, "US")
    after = _party_totals(plan.planned, r, "US")
    assert before["launchers"] > 800
    assert after["launchers"] == 800  # cut exactly to the limit, no further: launchers are the third objective
    assert after["warheads"] == before["warheads"]
    assert after["deployed-delivery-vehicles"] == before["deployed-delivery-vehicles"]
    assert plan.totals()["eliminate"] + plan.totals()["convert"] == before["launchers"] - 800


def test_russia_downloads_rather_than_removes_missiles():
    force = load_force("ru-2022", CATALOG)
    r = parse_reading("new-start")
    plan = plan_reductions(force, r, PlanRequest("RU", dt.date(2023, 3, 1)))
    after = _party_totals(plan.planned, r, "RU")
    assert after["warheads"] == 1550  # the warheads limit binds and nothing more is cut
    assert after["deployed-delivery-vehicles"] == _party_totals(force, r, "RU")["deployed-delivery-vehicles"]
    assert {s.action for s in plan.steps} == {Action.DOWNLOAD}
    assert all(s.warheads >= 1 for s in plan.steps)


def test_rv_bounds_force_downloads_and_are_respected():
    force = load_force("ru-2022", CATALOG)
    r = parse_reading("new-start")
    request = PlanRequest("RU", dt.date(2023, 3, 1), rv_bounds=(RvBounds.parse("ss-18=2-6"),))
    plan = plan_reductions(force, r, request)
    loads = [x.warheads for x in plan.planned.rows() if x.system.id == "ss-18" and x.status.value == "deployed"]
    assert loads
    assert all(2 <= w <= 6 for w in loads)


def test_keep_rules_hold_and_the_cut_moves_elsewhere(cli):
    code, out, _ = cli(
        "plan", "ru-2022", "--deadline", "2023-03-01", "--keep", "ss-18=all", "--rvs", "ss-18=10", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert not [s for s in data["steps"] if s["system"] == "ss-18"]  # every SS-18 stays deployed with its 10 RVs
    assert data["steps"]
    assert {lim["measure"]: lim["planned"] for lim in data["limits"]}["warheads"] <= 1550


def test_a_treaty_measure_can_be_the_objective():
    force = load_force("ru-2022", CATALOG)
    r = parse_reading("new-start")
    plan = plan_reductions(force, r, PlanRequest("RU", dt.date(2023, 3, 1), objective=("warheads",)))
    ((name, now, planned),) = plan.objective
    assert name == "warheads"
    assert now == _party_totals(force, r, "RU")["warheads"]
    assert planned == _party_totals(plan.planned, r, "RU")["warheads"] == 1550


def test_no_limit_in_force_means_nothing_to_do():
    force = load_force("us-2020-09", CATALOG)
    plan = plan_reductions(force, parse_reading("new-start"), PlanRequest("US", dt.date(2027, 1, 1)))
    assert not plan.bounds
    assert not plan.steps
    assert any("no limit binds" in n for n in plan.notes)


# ---------------------------------------------------------------------------------------------- brute force

# (system, kind, status, warheads range, armament); statuses and kinds as force files write them
_MENU = [
    ("minuteman-iii", "launcher", "deployed", (1, 3), None),
    ("trident-ii-d5", "launcher", "deployed", (1, 3), None),
    ("rs-24-mobile", "launcher", "deployed", (1, 3), None),
    ("minuteman-iii", "launcher", "non-deployed", (0, 0), None),
    ("trident-ii-d5", "launcher", "converted", (0, 0), None),
    ("b-52h", "bomber", "deployed", (0, 0), None),
    ("b-2a", "bomber", "non-deployed", (0, 0), None),
    ("b-52h", "bomber", "converted", (0, 0), "none"),
    ("minuteman-iii", "missile", "non-deployed", (0, 0), None),
]
_COST = {"keep": 0, "download": 1, "non-deploy": 1, "convert": 2, "eliminate": 3}


def _end_states(system: str, kind: str, status: str, warheads: int, armament: str) -> list[dict[str, Any]]:
    """Every state the plan may leave one item in, written from the documented rules (not from the code)."""
    s = CATALOG.get(system)
    base = {"system": system, "kind": kind, "armament": armament, "basing": s.basing.value}
    states = [{**base, "status": status, "warheads": warheads, "action": "keep"}]
    if status in ("converted", "eliminated") or kind == "missile":
        return [*states, {**base, "status": "eliminated", "warheads": 0, "action": "eliminate"}]
    if kind == "launcher" and status == "deployed":
        states += [{**base, "status": "deployed", "warheads": k, "action": "download"} for k in range(1, warheads)]
    if status == "deployed":
        states.append({**base, "status": "non-deployed", "warheads": 0, "action": "non-deploy"})
    if kind == "bomber" or s.basing.value in ("silo", "submarine"):
        states.append({**base, "status": "converted", "warheads": 0, "action": "convert", "armament": "none"})
    states.append({**base, "status": "eliminated", "warheads": 0, "action": "eliminate"})
    return states


def _measures(state: dict[str, Any], russian_reading: bool) -> np.ndarray:
    """New START's three measures and the planner's objective, read off new-start.toml by hand."""
    nuclear_bomber = state["kind"] == "bomber" and state["armament"] in ("alcm", "bombs")
    launcher = state["kind"] == "launcher"
    deployed = state["status"] == "deployed"
    accountable = state["status"] in ("deployed", "non-deployed", "test", "training", "repair")
    dv = int(deployed and (launcher or nuclear_bomber))
    warheads = state["warheads"] if deployed and launcher else int(deployed and nuclear_bomber)
    counted = int(accountable and (launcher or nuclear_bomber))
    if russian_reading and state["status"] == "converted":
        counted = int(launcher or state["system"] == "b-52h")
    retained = int(accountable and (launcher or nuclear_bomber))
    return np.array([dv, warheads, counted, retained, _COST[state["action"]], int(state["action"] == "eliminate")])


@st.composite
def small_cases(draw):
    picks = draw(st.lists(st.sampled_from(range(len(_MENU))), min_size=1, max_size=3, unique=True))
    groups = []
    for i in picks:
        system, kind, status, (lo, hi), armament = _MENU[i]
        warheads = draw(st.integers(lo, hi))
        groups.append((system, kind, status, warheads, armament, draw(st.integers(1, 3))))
    limits = (draw(st.integers(0, 6)), draw(st.integers(0, 14)), draw(st.integers(0, 8)))
    russian = draw(st.booleans())
    keep = draw(st.none() | st.integers(0, 3))
    capacity = draw(st.none() | st.integers(0, 2))
    return groups, limits, russian, keep, capacity


def _brute_force(groups, limits, russian, keep_system, keep_at_least, capacity_total):
    """The best (warheads, vehicles, retained, −changes) over every way of ending every item, or None."""
    per_group = []
    for system, kind, status, warheads, armament, n in groups:
        states = _end_states(system, kind, status, warheads, armament or CATALOG.get(system).armament.value)
        vectors = [_measures(s, russian) for s in states]
        kept = [int(s["system"] == keep_system and s["status"] == "deployed") for s in states]
        sums = []
        for combo in itertools.combinations_with_replacement(range(len(states)), n):
            sums.append(np.append(sum(vectors[c] for c in combo), sum(kept[c] for c in combo)))
        per_group.append(np.array(sums))
    total = per_group[0]
    for more in per_group[1:]:
        total = (total[:, None, :] + more[None, :, :]).reshape(-1, total.shape[1])
    ok = (total[:, 0] <= limits[0]) & (total[:, 1] <= limits[1]) & (total[:, 2] <= limits[2])
    if keep_at_least is not None:
        ok &= total[:, 6] >= keep_at_least
    if capacity_total is not None:
        ok &= total[:, 5] <= capacity_total
    feasible = total[ok]
    if not feasible.size:
        return None
    return max((int(v[1]), int(v[0]), int(v[3]), -int(v[4])) for v in feasible)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases())
def test_plans_are_optimal_on_small_cases_by_brute_force(case):
    groups, (max_dv, max_warheads, max_launchers), russian, keep, capacity = case
    rows = [
        row("US", system, status, n, warheads=warheads, kind=kind, armament=armament)
        for system, kind, status, warheads, armament, n in groups
    ]
    force = Force.from_rows(rows)
    base = parse_reading("new-start+ru-2022" if russian else "new-start")
    limits = (
        Limit(measure="deployed-delivery-vehicles", max=max_dv),
        Limit(measure="warheads", max=max_warheads),
        Limit(measure="launchers", max=max_launchers),
    )
    reading = Reading(base.treaty.model_copy(update={"limits": limits}), base.variants)
    keep_system = groups[0][0]
    deployed_now = sum(g[5] for g in groups if g[0] == keep_system and g[2] == "deployed")
    keep_rules = ()
    keep_at_least = None
    if keep is not None and deployed_now:
        keep_at_least = min(keep, deployed_now)
        keep_rules = (KeepRule(keep_system, keep_at_least),)
    start, deadline = dt.date(2020, 1, 1), dt.date(2022, 1, 1)
    capacities = () if capacity is None else (Capacity(Action.ELIMINATE, capacity),)
    request = PlanRequest("US", deadline, start=start, keep=keep_rules, capacities=capacities)
    best = _brute_force(
        groups,
        limits=(max_dv, max_warheads, max_launchers),
        russian=russian,
        keep_system=keep_system,
        keep_at_least=keep_at_least,
        capacity_total=None if capacity is None else 2 * capacity,
    )
    if best is None:
        with pytest.raises(PlanningError, match="no plan lets US meet"):
            plan_reductions(force, reading, request)
        return
    plan = plan_reductions(force, reading, request)
    # the plan's own force, read back through the hand-written oracle
    got = np.zeros(6, dtype=np.int64)
    for r in plan.planned.rows():
        action = (r.remarks or "planned: keep").removeprefix("planned: ")
        state = {
            "system": r.system.id,
            "kind": r.kind.value,
            "status": r.status.value,
            "warheads": r.warheads,
            "armament": r.armament.value,
            "action": action,
        }
        got += r.count * _measures(state, russian)
    assert got[0] <= max_dv
    assert got[1] <= max_warheads
    assert got[2] <= max_launchers
    assert (int(got[1]), int(got[0]), int(got[3]), -int(got[4])) == best


# ---------------------------------------------------------------------------------------------- infeasible


def test_infeasible_plan_names_the_limit_and_the_capacities_that_bind():
    force = load_force("us-2020-09", CATALOG)
    r = parse_reading("new-start+ru-2022")
    launchers_now = _party_totals(force, r, "US")["launchers"]
    request = PlanRequest(
        "US",
        dt.date(2022, 9, 1),
        keep=(KeepRule("minuteman-iii", None),),  # does not bind: deployed missiles are not the problem
        capacities=(Capacity(Action.ELIMINATE, 40), Capacity(Action.CONVERT, 0)),
    )
    with pytest.raises(PlanningError) as caught:
        plan_reductions(force, r, request)
    message = str(caught.value)
    assert "launchers ≤ 800" in message
    assert "eliminate ≤ 40 a year" in message
    # neither binds: converting B-2A (the only conversion that takes an item out of Russia's count) cannot close
    # the gap on its own, so the smallest set that cannot hold together is the limit and the eliminations
    assert "convert" not in message
    assert "keep all deployed minuteman-iii" not in message
    b2a = _items_by_system(force, "US")["b-2a"]
    assert f"the least launchers it can reach is {launchers_now - 80 - b2a:,}" in message


def test_convertible_none_forbids_conversions_and_the_error_counts_without_them():
    force = load_force("us-2020-09", CATALOG)
    r = parse_reading("new-start+ru-2022")
    launchers_now = _party_totals(force, r, "US")["launchers"]
    request = PlanRequest("US", dt.date(2022, 9, 1), convertible=("none",))
    assert plan_reductions(force, r, request).totals()["convert"] == 0
    capped = dataclasses.replace(request, capacities=(Capacity(Action.ELIMINATE, 40),))
    with pytest.raises(PlanningError, match=f"the least launchers it can reach is {launchers_now - 80:,}"):
        plan_reductions(force, r, capped)


def test_keep_rule_asking_for_more_than_there_is_is_refused():
    force = load_force("us-2020-09", CATALOG)
    with pytest.raises(PlanningError, match="has only 397 deployed minuteman-iii"):
        plan_reductions(
            force,
            parse_reading("new-start"),
            PlanRequest("US", dt.date(2021, 1, 1), keep=(KeepRule("minuteman-iii", 500),)),
        )


# ---------------------------------------------------------------------------------------------- the ledger check


def test_the_plan_replayed_through_a_ledger_meets_the_limits_year_by_year_within_capacity():
    force = load_force("us-2020-09", CATALOG)
    r = parse_reading("new-start+ru-2022")
    request = PlanRequest("US", dt.date(2023, 9, 1), capacities=(Capacity(Action.ELIMINATE, 40),))
    plan = plan_reductions(force, r, request)
    trajectory = follow(plan)
    check = trajectory.check
    assert check.passed
    assert check.agrees
    assert not check.problems
    assert not check.flags
    assert check.compliance.line("US", "launchers").count.total <= 800
    assert check.notifications["elimination"] == plan.totals()["eliminate"]
    spans = periods(plan.start, plan.deadline)
    for p in spans:
        eliminated = sum(1 for a in trajectory.actions if a.period == p.index and a.action is Action.ELIMINATE)
        assert eliminated <= capacity_in(p, 40)
    launchers = [pt.counts("US")["launchers"] for pt in trajectory.points]
    assert launchers == sorted(launchers, reverse=True)  # only falls, year by year
    assert launchers[0] == _party_totals(force, r, "US")["launchers"]
    assert launchers[-1] == check.compliance.line("US", "launchers").count.total


def test_downloads_take_effect_through_the_data_update():
    force = load_force("ru-2022", CATALOG)
    r = parse_reading("new-start")
    plan = plan_reductions(force, r, PlanRequest("RU", dt.date(2023, 3, 1)))
    check = follow(plan).check
    assert check.passed
    assert check.agrees
    assert check.notifications["warheads-change"] == plan.totals()["download"]
    assert check.notifications["data-update"] == 1
    assert check.compliance.line("RU", "warheads").count.total == 1550


def test_the_check_fails_when_the_notifications_do_not_carry_out_a_sufficient_plan():
    force = load_force("us-2020-09", CATALOG)
    r = parse_reading("new-start+ru-2022")
    plan = plan_reductions(force, r, PlanRequest("US", dt.date(2022, 9, 1)))
    # a tampered plan that skips one elimination: the ledger replay must catch it
    i = next(
        i
        for i, (o, n) in enumerate(zip(plan.options, plan.allocation, strict=True))
        if n and o.action is Action.ELIMINATE
    )
    keep = next(j for j, o in enumerate(plan.options) if o.group == plan.options[i].group and o.action is Action.KEEP)
    allocation = list(plan.allocation)
    allocation[i] -= 1
    allocation[keep] += 1
    check = follow(dataclasses.replace(plan, allocation=tuple(allocation))).check
    assert not check.passed
    assert any("launchers" in p and "801" in p for p in check.problems)


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("request_args", "match"),
    [
        ({"party": "CN", "deadline": dt.date(2022, 1, 1)}, "no items of party 'CN'"),
        ({"party": "US", "deadline": dt.date(2019, 1, 1)}, "before the force's date"),
        ({"party": "US", "deadline": dt.date(2022, 1, 1), "keep": (KeepRule("no-such-missile"),)}, "unknown system"),
        ({"party": "US", "deadline": dt.date(2022, 1, 1), "objective": ("happiness",)}, "unknown objective"),
        ({"party": "US", "deadline": dt.date(2022, 1, 1), "keep": (KeepRule("ss-18"),)}, "has no ss-18"),
    ],
)
def test_bad_requests_are_planning_errors(request_args, match):
    force = load_force("us-2020-09", CATALOG)
    with pytest.raises(PlanningError, match=match):
        plan_reductions(force, parse_reading("new-start"), PlanRequest(**request_args))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Capacity(Action.ELIMINATE, -1), "must not be negative"),
        (lambda: Capacity.parse("eliminate=-3"), "must not be negative"),
        (lambda: Capacity.parse("download=3"), "not eliminate"),
        (lambda: KeepRule.parse("slbm:armed=3"), "neither deployed nor retained"),
        (lambda: KeepRule.parse("slbm"), "is not SELECT"),
        (lambda: RvBounds.parse("bulava=5-2"), "is not a range"),
        (lambda: RvBounds.parse("bulava=many"), "are not SYSTEM"),
    ],
)
def test_bad_rules_are_planning_errors(make, match):
    with pytest.raises(PlanningError, match=match):
        make()


def test_a_party_outside_the_treaty_is_refused():
    force = Force.from_rows([row("CN", "ss-18", warheads=10)])
    with pytest.raises(PlanningError, match="not a party to New START"):
        plan_reductions(
            force, parse_reading("new-start"), PlanRequest("CN", dt.date(2022, 1, 1), start=dt.date(2021, 1, 1))
        )


# ---------------------------------------------------------------------------------------------- periods


@given(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(0, 4000), st.integers(0, 500))
def test_periods_cover_the_span_and_never_overstate_capacity(start, days, per_year):
    deadline = start + dt.timedelta(days=days)
    spans = periods(start, deadline)
    assert spans[0].start == start
    assert spans[-1].end == deadline
    assert sum(p.days for p in spans) == days
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    assert all(p.full for p in spans[:-1])
    assert sum(capacity_in(p, per_year) for p in spans) <= per_year * days / 365 + 1e-9


# ---------------------------------------------------------------------------------------------- upload


def _value(x: float) -> Value:
    return Value(value=x, assumption="test")


@st.composite
def upload_data(draw):
    legs = []
    for i in range(draw(st.integers(1, 3))):
        deployed = draw(st.integers(0, 800))
        room = draw(st.integers(0, 800))
        legs.append(
            Leg(
                id=f"leg-{i}",
                name=f"leg {i}",
                deployed=_value(deployed),
                capacity=_value(deployed + room),
                rate=Rate(
                    value=draw(st.integers(0, 400)),
                    per=draw(st.sampled_from(["day", "month", "year"])),
                    assumption="test",
                ),
                lead_days=_value(draw(st.integers(0, 400))),
            )
        )
    return UploadData(
        format="detente.upload/1",
        party="XX",
        title="t",
        label="test",
        as_of=dt.date(2026, 2, 5),
        sources={},
        reserve=_value(draw(st.integers(0, 3000))),
        legs=tuple(legs),
    )


@settings(max_examples=60, deadline=None)
@given(upload_data(), st.integers(0, 3000))
def test_upload_is_monotone_and_capped(data, horizon):
    s = upload_series(data, horizon)
    start = sum(leg.deployed.value for leg in data.legs)
    for leg in data.legs:
        v = s.legs[leg.id]
        assert np.all(np.diff(v) >= -1e-9)
        assert v[0] == leg.deployed.value
        assert np.all(v <= leg.capacity.value + 1e-6)
    assert np.all(np.diff(s.total) >= -1e-9)
    assert np.all(s.total <= start + data.reserve.value + 1e-6)
    room = sum(leg.capacity.value - leg.deployed.value for leg in data.legs)
    slowest = max(
        (leg.lead_days.value + (leg.capacity.value - leg.deployed.value) / leg.rate.per_day if leg.rate.value else 0)
        for leg in data.legs
    )
    if horizon >= slowest + 1 and all(leg.rate.value for leg in data.legs):
        assert s.total[-1] == pytest.approx(start + min(room, data.reserve.value))


def test_upload_respects_lead_time_and_reports_the_limit_crossing():
    leg = Leg(
        id="bombers",
        name="b",
        deployed=_value(100),
        capacity=_value(400),
        rate=Rate(value=50, per="day", assumption="t"),
        lead_days=_value(3),
    )
    data = UploadData(
        format="detente.upload/1",
        party="XX",
        title="t",
        label="l",
        as_of=dt.date(2026, 2, 5),
        sources={},
        reserve=_value(1000),
        legs=(leg,),
    )
    s = upload_series(data, 30, limit=220)
    assert s.at(3)["total"] == 100
    assert s.at(4)["total"] == 150
    assert s.at(10)["total"] == 400
    assert s.exceeds_limit_on == 6  # 100 + 50 × (6 − 3) = 250 > 220, while day 5 gives 200
    assert s.within is not None
    assert s.within.max() == 220


def test_shipped_upload_files_are_sourced_and_sensible():
    assert shipped_upload_parties() == ["RU", "US"]
    for party in shipped_upload_parties():
        data = shipped_upload_data(party)
        assert data.party == party
        for leg in data.legs:
            for value in (leg.deployed, leg.capacity, leg.rate, leg.lead_days):
                assert value.source in data.sources or value.assumption
        s = upload_series(data, 3652)
        assert s.total[-1] > s.total[0]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["reserve"].pop("source"), "exactly one of 'source'"),
        (lambda d: d["reserve"].update(source="NOWHERE"), "does not list"),
        (lambda d: d["legs"][0]["capacity"].update(value=1), "below the"),
        (lambda d: d["legs"][0]["rate"].update(value=-5), "greater than or equal to 0"),
        (lambda d: d.update(colour="red"), "unknown key"),
    ],
)
def test_bad_upload_files_are_refused(change, match):
    doc: dict[str, Any] = {
        "format": "detente.upload/1",
        "party": "XX",
        "title": "t",
        "label": "l",
        "as_of": "2026-02-05",
        "sources": {"S": "somewhere"},
        "reserve": {"value": 10, "source": "S"},
        "legs": [
            {
                "id": "icbm",
                "name": "i",
                "deployed": {"value": 5, "source": "S"},
                "capacity": {"value": 9, "source": "S"},
                "rate": {"value": 1, "per": "year", "assumption": "a"},
                "lead_days": {"value": 0, "assumption": "a"},
            }
        ],
    }
    upload_data_from_document(json.loads(json.dumps(doc)), "test.toml")
    change(doc)
    with pytest.raises(PlanningError, match=match):
        upload_data_from_document(doc, "test.toml")


# ---------------------------------------------------------------------------------------------- CLI


def test_cli_plan_json_has_the_plan_the_trajectory_and_a_passing_check(cli, tmp_path):
    chart = tmp_path / "plan.png"
    code, out, _ = cli(
        "plan",
        "us-2020-09",
        "-t",
        "new-start+ru-2022",
        "--deadline",
        "2022-09-01",
        "--capacity",
        "eliminate=60",
        "--json",
        "--chart",
        str(chart),
    )
    assert code == 0
    data = json.loads(out)
    assert data["party"] == "US"
    assert {lim["measure"]: lim["planned"] for lim in data["limits"]}["launchers"] == 800
    assert data["trajectory"]["check"]["passed"] is True
    assert [p["date"] for p in data["trajectory"]["points"]] == ["2020-09-01", "2021-09-01", "2022-09-01"]
    assert chart.stat().st_size > 1000


def test_cli_plans_for_a_proposal_by_its_own_deadline(cli):
    code, out, _ = cli("plan", "us-2009-12", "-t", "ju-2009-low", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["reading"] == "ju-2009-low"
    force_date = dt.date.fromisoformat(data["start"])
    assert data["deadline"] == force_date.replace(year=force_date.year + 7).isoformat()  # "to meet in 7 years"
    limits = {lim["measure"]: lim for lim in data["limits"]}
    assert limits["deployed-delivery-vehicles"]["planned"] <= 500
    assert limits["warheads"]["planned"] <= 1500
    assert data["trajectory"]["check"]["passed"] is True


def test_cli_plan_tables(cli):
    code, out, _ = cli("plan", "ru-2022", "--deadline", "2023-03-01")
    assert code == 0
    for text in ("download", "ss-18", "1,550", "check passed", "Year by year"):
        assert text in out


def test_cli_upload_json_and_chart(cli, tmp_path):
    chart = tmp_path / "upload.svg"
    code, out, _ = cli("upload", "US", "--limit", "1550", "--years", "2", "--json", "--chart", str(chart))
    assert code == 0
    (data,) = json.loads(out)
    assert data["party"] == "US"
    assert data["limit"] == 1550
    totals = [row["total"] for row in data["series"]]
    assert totals == sorted(totals)
    assert chart.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "us-2020-09", "--party", "XX", "--deadline", "2022-01-01"],
        ["plan", "us-2020-09", "--deadline", "2019-01-01"],
        ["plan", "us-2020-09", "--deadline", "2022-01-01", "--capacity", "eliminate=-1"],
        ["plan", "us-2020-09", "--deadline", "2022-01-01", "--keep", "no-such-type=all"],
        ["plan", "us-2020-09", "-t", "new-start+ru-2022", "--deadline", "2021-09-01", "--capacity", "eliminate=10"],
        ["plan", "us-2020-09"],  # New START's limits were due before the force's date: a deadline is needed
        ["plan", "us-2020-09", "--deadline", "2022-01-01", "--chart", "plan.gif"],
        ["upload", "CN"],
        ["upload", "--years", "-1"],
    ],
)
def test_cli_bad_input_exits_2_with_one_line(cli, args):
    code, out, err = cli(*args)
    assert code == 2
    assert out == ""  # errors go to stderr
    assert err.startswith("error:")
    assert len(err.strip().splitlines()) == 1
