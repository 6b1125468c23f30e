"""A plan says exactly which items each step acts on, and writes the planned force and the notifications that carry
it out, so that both can be recounted: through `detente count`, and through a ledger replayed at the deadline."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from detente.catalog import builtin_catalog
from detente.catalog.model import Armament
from detente.counting import count, parse_reading
from detente.data.forces import load_force
from detente.errors import DetenteError, PlanningError
from detente.forces import Facility, FacilityKind, Force, ItemRow, Kind, Role, Status, write_force
from detente.planning.notify import notification_drafts
from detente.planning.plan import ORDER
from detente.planning.reduce import _groups, plan_reductions
from detente.planning.request import Action, PlanRequest
from detente.planning.trajectory import follow

CATALOG = builtin_catalog()
Cli = Callable[..., tuple[int, str, str]]
# START I on the 1990 MOU force: the plan converts B-52Gs, of which the force has ALCM and bomb-carrying rows
MOU = ("start-mou-1990", "start-i", "US", dt.date(2001, 12, 5))
# New START on Russia's 2022 force: the plan downloads missiles, which take effect with a data update
RU = ("ru-2022", "new-start", "RU", dt.date(2023, 3, 1))
END_STATUS: dict[str, Callable[[ItemRow], Status]] = {
    "download": lambda r: r.status,
    "non-deploy": lambda _r: Status.NON_DEPLOYED,
    "convert": lambda _r: Status.CONVERTED,
    "eliminate": lambda _r: Status.ELIMINATED,
}
STEP_ATTRIBUTES = ("system", "kind", "status", "armament", "alcm_capacity", "role", "facility", "warheads")


def _attributes(r: ItemRow) -> dict[str, Any]:
    return {
        "system": r.system.id,
        "kind": r.kind.value,
        "status": r.status.value,
        "armament": r.armament.value,
        "alcm_capacity": r.alcm_capacity,
        "role": r.role.value,
        "facility": r.facility,
        "warheads": r.warheads,
    }


def _counts(force: Force, reading: str, party: str) -> dict[str, int]:
    r = parse_reading(reading)
    tally = count(force, r.treaty, r.variants)
    return {m.id: tally[(party, m.id)].total for m in r.treaty.measures}


def _named(name: str, party: str) -> Force:
    """A shipped force with each of the party's items in a row of its own, numbered against file order."""
    force = load_force(name, CATALOG)
    total = sum(r.count for r in force.rows() if r.party == party)
    rows: list[ItemRow] = []
    for r in force.rows():
        if r.party != party:
            rows.append(r)
            continue
        for _ in range(r.count):
            rows.append(replace(r, count=1, uid=f"{party}-{total:05d}"))  # the last in the file sorts first
            total -= 1
    return Force.from_rows(rows, force.facilities, force.info, force.parties)


def _plan_json(cli: Cli, *args: str) -> dict[str, Any]:
    code, out, err = cli("plan", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _without_official(counts: dict[str, Any]) -> dict[str, Any]:
    return {m: {k: v for k, v in c.items() if k != "official"} for m, c in counts.items()}


# ---------------------------------------------------------------------------------------------- what a step says


def test_each_step_carries_every_attribute_that_decides_a_count_and_those_alone_give_the_plans_counts(cli: Cli):
    name, reading, party, deadline = MOU
    data = _plan_json(cli, name, "-t", reading, "--party", party, "--deadline", str(deadline))
    force = load_force(name, CATALOG)
    mine = [r for r in force.rows() if r.party == party]
    rows = [r for r in force.rows() if r.party != party]
    left = {id(r): r.count for r in mine}
    applied: list[ItemRow] = []
    for step in data["steps"]:
        assert set(STEP_ATTRIBUTES) <= set(step)
        wanted = {k: step[k] for k in STEP_ATTRIBUTES}
        matching = [r for r in mine if _attributes(r) == wanted]
        assert sum(left[id(r)] for r in matching) >= step["items"], step["text"]
        todo = step["items"]
        for r in matching:  # which of the matching items does not matter: they are alike in all that counts
            take = min(todo, left[id(r)])
            if take:
                after = replace(r, count=take, warheads=step["warheads_after"], status=END_STATUS[step["action"]](r))
                if after.kind is Kind.BOMBER and after.status is Status.CONVERTED:
                    after = replace(after, armament=Armament.NONE, alcm_capacity=0)
                applied.append(after)
                left[id(r)] -= take
                todo -= take
    rows += [replace(r, count=left[id(r)]) for r in mine] + applied
    planned = {m: c["count"] for m, c in data["counts"].items()}
    assert _counts(Force.from_rows(rows), reading, party) == planned


def test_the_b52g_step_says_which_b52gs_and_the_other_reading_would_break_the_limit():
    """The issue: 'convert N × b-52g bomber, deployed' matched the ALCM and the bomb-carrying rows alike."""
    name, reading, party, deadline = MOU
    force = load_force(name, CATALOG)
    plan = plan_reductions(force, parse_reading(reading), PlanRequest(party, deadline), CATALOG)
    b52g = [g for g in plan.groups if g.system.id == "b-52g"]
    assert {g.armament for g in b52g} == {Armament.ALCM, Armament.BOMBS}
    assert len({g.label() for g in b52g}) == 2
    (step,) = [s for s in plan.steps if s.group.system.id == "b-52g"]
    assert step.group.label() in step.describe()
    # the same number of B-52Gs taken from the other row: the count the ambiguous text also allowed
    other = next(g for g in b52g if g is not step.group)
    misread = [r for r in plan.planned.rows() if r.system.id != "b-52g"]
    for r in force.rows():
        if r.system.id == "b-52g" and r.armament is other.armament:
            converted = replace(r, count=step.items, status=Status.CONVERTED, armament=Armament.NONE, alcm_capacity=0)
            misread += [replace(r, count=r.count - step.items), converted]
        elif r.system.id == "b-52g":
            misread.append(r)
    bound = next(b for b in plan.bounds if b.measure == "accountable-warheads")
    planned = _counts(plan.planned, reading, party)["accountable-warheads"]
    other_reading = _counts(Force.from_rows(misread), reading, party)["accountable-warheads"]
    assert planned == bound.after <= bound.value
    assert other_reading > bound.value  # so the step's armament decides whether the limit is met


GROUP_SYSTEMS = ("minuteman-iii", "b-52g", "b-2a", "tu-95ms")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(GROUP_SYSTEMS),
            st.sampled_from([Kind.LAUNCHER, Kind.MISSILE]),
            st.sampled_from([Status.DEPLOYED, Status.NON_DEPLOYED, Status.CONVERTED]),
            st.sampled_from(list(Armament)),
            st.integers(0, 3),
            st.integers(0, 20),
            st.sampled_from(list(Role)),
            st.sampled_from([None, "F-1", "F-2"]),
        ),
        min_size=1,
        max_size=12,
    )
)
@example(  # the case: B-52Gs alike but for their armament, and two launchers alike but for theirs
    [
        ("b-52g", Kind.LAUNCHER, Status.DEPLOYED, Armament.ALCM, 0, 0, Role.NUCLEAR, None),
        ("b-52g", Kind.LAUNCHER, Status.DEPLOYED, Armament.BOMBS, 0, 0, Role.NUCLEAR, None),
        ("minuteman-iii", Kind.LAUNCHER, Status.NON_DEPLOYED, Armament.MISSILE, 0, 0, Role.NUCLEAR, "F-1"),
        ("minuteman-iii", Kind.LAUNCHER, Status.NON_DEPLOYED, Armament.NONE, 0, 0, Role.NUCLEAR, "F-1"),
    ]
)
def test_no_two_groups_are_labelled_alike(cells):
    rows = []
    for system, missile_kind, status, armament, warheads, alcm, role, facility in cells:
        s = CATALOG.get(system)
        kind = Kind.BOMBER if s.is_bomber else missile_kind
        rows.append(ItemRow("US", s, kind, status, 1, None, facility, warheads, armament, alcm, role, source="test"))
    facilities = [Facility(f, "US", FacilityKind.STORAGE) for f in ("F-1", "F-2")]
    groups = _groups(Force.from_rows(rows, facilities), "US")
    labels = [g.label() for g in groups]
    assert len(set(labels)) == len(labels), labels
    keys = [tuple(g.attributes().values()) for g in groups]
    assert len(set(keys)) == len(keys)


# ---------------------------------------------------------------------------------------------- which items


@pytest.mark.parametrize("case", [MOU, RU], ids=["conversions", "downloads"])
def test_items_are_taken_in_identifier_order_and_the_ledger_check_takes_the_same(case):
    name, reading, party, deadline = case
    force = _named(name, party)
    plan = plan_reductions(force, parse_reading(reading), PlanRequest(party, deadline), CATALOG)
    assert plan.steps
    acted: dict[str, tuple[Action, int]] = {}
    for g in plan.groups:
        steps = sorted((s for s in plan.steps if s.group is g), key=lambda s: (ORDER[s.action], s.warheads))
        named = sorted(u for u in g.uids if u is not None)
        taken = [u for s in steps for u in s.uids]
        assert taken == named[: len(taken)]  # rule 8: the first identifiers, action after action
        for s in steps:
            assert len(s.uids) == s.items
            assert s.unnamed == 0
            acted.update(dict.fromkeys(s.uids, (s.action, s.warheads)))
    by_uid = {r.uid: r for r in plan.planned.rows() if r.party == party}
    before = {r.uid: r for r in force.rows() if r.party == party}
    assert set(by_uid) == set(before)  # every item is still there, under its own identifier
    for uid, r in by_uid.items():
        action, warheads = acted.get(uid, (Action.KEEP, before[uid].warheads))
        assert r.remarks.startswith(f"planned: {action.value}")
        expected = {Action.CONVERT: Status.CONVERTED, Action.ELIMINATE: Status.ELIMINATED}
        assert r.status is expected.get(
            action, Status.NON_DEPLOYED if action is Action.NON_DEPLOY else before[uid].status
        )
        assert r.warheads == (warheads if action in (Action.KEEP, Action.DOWNLOAD) else 0)
    followed = {a.uid: (a.action, a.warheads) for a in follow(plan, CATALOG).actions}
    assert {u: a for u, (a, _) in followed.items()} == {u: a for u, (a, _) in acted.items()}


# ---------------------------------------------------------------------------------------------- --out-force


def test_the_planned_force_recounts_to_the_plans_counts(cli: Cli, tmp_path: Path):
    name, reading, party, deadline = MOU
    out = tmp_path / "planned.toml"
    data = _plan_json(cli, name, "-t", reading, "--party", party, "--deadline", str(deadline), "--out-force", str(out))
    assert data["outputs"]["force"] == str(out)
    code, counted, err = cli("count", str(out), "-t", reading, "--json")
    assert code == 0, err
    recount = json.loads(counted)
    assert _without_official(recount[party]) == _without_official(data["counts"])
    # the other party's items are as they were
    code, original, err = cli("count", name, "-t", reading, "--json", "--date", str(deadline))
    assert code == 0, err
    other = next(p for p in recount if p != party)
    assert _without_official(recount[other]) == _without_official(json.loads(original)[other])


def test_a_planned_force_with_identifiers_keeps_them_and_recounts(cli: Cli, tmp_path: Path):
    name, reading, party, deadline = RU
    source = tmp_path / "ru-items.toml"
    write_force(_named(name, party), source)
    out = tmp_path / "planned.json"
    data = _plan_json(cli, str(source), "-t", reading, "--deadline", str(deadline), "--out-force", str(out))
    written = json.loads(out.read_text())
    downloaded = {u for s in data["steps"] if s["action"] == "download" for u in s["uids"]}
    assert downloaded
    assert {i["uid"] for i in written["items"] if i["remarks"].startswith("planned: download")} == downloaded
    code, counted, err = cli("count", str(out), "-t", reading, "--json")
    assert code == 0, err
    assert _without_official(json.loads(counted)[party]) == _without_official(data["counts"])


# ---------------------------------------------------------------------------------------------- --out-notifications


def _ledger_counts(cli: Cli, tmp: Path, force_file: Path, notifications: Path, reading: str, party: str, at: str):
    """Import the force into a new ledger, submit the notifications, replay at the deadline: (counts, flags)."""
    ledger, key = str(tmp / "l.sqlite"), tmp / "party.key"
    assert cli("keys", "generate", "--party", party, "--out", str(key))[0] == 0
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key), "--treaty", reading)[0] == 0
    code, _, err = cli("ledger", "import-force", ledger, str(force_file), "--key", str(key))
    assert code == 0, err
    code, out, err = cli("ledger", "submit", ledger, str(notifications), "--key", str(key), "--json")
    assert code == 0, err
    flags = [f for batch in json.loads(out) for e in batch["entries"] for f in e["flags"]]
    code, out, err = cli("ledger", "counts", ledger, "--date", at, "-t", reading, "--json")
    assert code == 0, err
    return json.loads(out)[party], flags


@pytest.mark.parametrize(("case", "suffix"), [(MOU, ".json"), (RU, ".jsonl")], ids=["conversions", "downloads"])
def test_the_notifications_carry_out_the_plan_on_a_ledger_holding_the_force(cli: Cli, tmp_path: Path, case, suffix):
    name, reading, party, deadline = case
    source = tmp_path / "items.toml"
    write_force(_named(name, party), source)
    out = tmp_path / f"notifications{suffix}"
    data = _plan_json(
        cli, str(source), "-t", reading, "--party", party, "--deadline", str(deadline), "--out-notifications", str(out)
    )
    lines = out.read_text().splitlines()
    drafts = [json.loads(x) for x in lines] if suffix == ".jsonl" else json.loads(out.read_text())
    assert data["outputs"]["notification_count"] == len(drafts)
    # they name exactly the items the steps name
    kinds = {"convert": "conversion", "eliminate": "elimination", "download": "warheads-change"}
    for action, kind in kinds.items():
        uids = {u for s in data["steps"] if s["action"] == action for u in s["uids"]}
        assert {d["content"]["uid"] for d in drafts if d["type"] == kind} == uids
    assert any(d["type"] in kinds.values() for d in drafts)
    counts, flags = _ledger_counts(cli, tmp_path, source, out, reading, party, str(deadline))
    assert not flags
    assert _without_official(counts) == _without_official(data["counts"])


def test_notifications_are_refused_for_items_without_identifiers_and_nothing_is_written(cli: Cli, tmp_path: Path):
    name, reading, party, deadline = MOU
    notes, planned = tmp_path / "n.json", tmp_path / "p.toml"
    args = (name, "-t", reading, "--party", party, "--deadline", str(deadline))
    code, out, err = cli("plan", *args, "--out-notifications", str(notes), "--out-force", str(planned), "--json")
    assert code == 2
    assert out == ""
    error = json.loads(err)["error"]
    assert error["where"] == "--out-notifications"
    assert "identifier" in error["message"]
    assert "uid" in error["hint"]
    assert not notes.exists()
    assert not planned.exists()


def test_the_planner_refuses_a_schedule_that_misses_an_item():
    name, reading, party, deadline = MOU
    plan = plan_reductions(_named(name, party), parse_reading(reading), PlanRequest(party, deadline), CATALOG)
    schedule = {a.uid: a.period for a in follow(plan, CATALOG).actions}
    assert notification_drafts(plan, schedule)
    schedule.pop(plan.steps[0].uids[0])
    with pytest.raises(DetenteError, match="internal: the schedule gives item"):
        notification_drafts(plan, schedule)


def test_downloads_need_every_item_named_for_the_data_update():
    name, reading, party, deadline = RU
    force = _named(name, party)
    plan = plan_reductions(force, parse_reading(reading), PlanRequest(party, deadline), CATALOG)
    downloaded = {s.group.system.id for s in plan.steps}
    # one item the plan keeps, whose row loses its identifier: the update could not declare it
    kept = next(r for r in force.rows() if r.system.id not in downloaded)
    rows = [replace(r, uid=None) if r == kept else r for r in force.rows()]
    partly = Force.from_rows(rows, force.facilities, force.info, force.parties)
    plan = plan_reductions(partly, parse_reading(reading), PlanRequest(party, deadline), CATALOG)
    assert all(not s.unnamed for s in plan.steps)
    schedule = {a.uid: a.period for a in follow(plan, CATALOG).actions}
    with pytest.raises(PlanningError, match="data update declaring every item, but 1 of RU's items"):
        notification_drafts(plan, schedule)


# ---------------------------------------------------------------------------------------------- output files


def test_outputs_are_checked_before_any_work_and_overwritten_only_with_force(cli: Cli, tmp_path: Path):
    name, reading, _, deadline = RU
    args = (name, "-t", reading, "--deadline", str(deadline))
    existing = tmp_path / "planned.toml"
    existing.write_text("keep me")
    code, out, err = cli("plan", *args, "--out-force", str(existing))
    assert (code, out) == (2, "")
    assert "already exists" in err
    assert existing.read_text() == "keep me"
    code, _, err = cli("plan", *args, "--out-force", str(existing), "--force")
    assert code == 0, err
    assert existing.read_text() != "keep me"
    for bad, why in (
        (("--out-force", str(tmp_path / "p.txt")), "cannot tell the force file format"),
        (("--out-notifications", str(tmp_path / "n.toml")), "cannot tell the notifications file format"),
        (("--out-force", str(tmp_path / "same.json"), "--out-notifications", str(tmp_path / "same.json")), "two"),
        (("--out-force", str(tmp_path / "missing" / "p.toml")), "does not exist"),
    ):
        code, out, err = cli("plan", *args, *bad)
        assert (code, out) == (2, ""), bad
        assert why in err
    code, out, err = cli("plan", *args, "--out-force", str(tmp_path / "p.csv"))
    assert (code, out) == (2, "")
    assert "CSV file holds item rows only" in err
    assert not (tmp_path / "p.csv").exists()
