"""Inspections on the ledger: plan, record, classify discrepancies, enforce quotas (issue 5, workflow).

The scripted year runs on the illustrative demo ledger: the US inspects Russia in treaty year 6 (2016-02-05 to
2017-02-04) with its full quotas — 10 Type One and 8 Type Two — at sites drawn with fixed seeds. Findings at most
sites are what was declared there; at three sites the test plants one discrepancy of each kind and checks that
exactly those are found and classified, that honest sites report nothing, and that an eleventh Type One is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from detente._files import parse_toml
from detente.catalog.load import builtin_catalog
from detente.crypto.keys import PartyKey
from detente.demo.ledger import build_demo_ledger, demo_key, demo_keys
from detente.errors import InspectionError, NotificationError, TreatyError
from detente.forces.vocabulary import FacilityKind, Kind, Status
from detente.ledger.findings import compare
from detente.ledger.replay import moment, replay_store
from detente.ledger.state import FacilityState, ItemState, PartyState
from detente.ledger.writer import Ledger
from detente.store.ledger_store import SqlLedgerStore, open_store
from detente.treaty.inspections import InspectionRegime, treaty_year, year_bounds
from detente.treaty.load import get_treaty, treaty_from_document
from detente.verification.inspection import (
    declared_findings,
    eligible_sites,
    match_opening,
    notification,
    plan,
    quota_use,
    report,
)

TREATY = get_treaty("new-start")
REGIME = TREATY.inspections
assert REGIME is not None
YEAR = 6
START, END = year_bounds(dt.date(2011, 2, 5), YEAR)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqlLedgerStore, Ledger]]:
    store = open_store(str(tmp_path_factory.mktemp("inspections") / "demo.sqlite"))
    ledger = Ledger(store, demo_keys(), builtin_catalog(), get_treaty)
    build_demo_ledger(ledger)
    yield store, ledger
    store.close()


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def _sent(ledger: Ledger, party: str, at: dt.datetime) -> dt.datetime:
    """Reports are sent after everything already in the demo ledger (which runs to 2023)."""
    last = dt.datetime.fromisoformat(ledger.state(party).last_sent.replace("Z", "+00:00"))
    return max(at, last) + dt.timedelta(minutes=1)


def _record(ledger: Ledger, findings: dict[str, Any], at: dt.datetime) -> list[tuple[str, str | None]]:
    draft = notification(findings, at, _sent(ledger, "US", at), TREATY.id)
    [accepted] = ledger.submit("US", [draft])
    return [(f.detail, f.uid) for f in accepted.flags]


def assert_refused_unchanged(
    ledger: Ledger, party: str, draft: dict[str, Any], key: PartyKey, *, rule: str, field: str, why: str
) -> None:
    """The draft is refused naming ``[rule]``, the field and why; the party's head and state are unchanged."""
    head, before = ledger.store.head(party), ledger.state(party).copy()
    with pytest.raises(NotificationError) as caught:
        ledger.submit(party, [draft])
    message = str(caught.value)
    assert f"[{rule}]" in message, message
    assert f": {field}: " in message, message
    assert why in message, message
    assert ledger.store.head(party) == head
    assert ledger.state(party) == before


def _ru_at(store: SqlLedgerStore, at: dt.datetime) -> PartyState:
    return replay_store(store, "RU", moment(at))


# ------------------------------------------------------------------------------------------------ the scripted year


def test_a_scripted_year_finds_every_planted_discrepancy_and_enforces_quotas(
    demo: tuple[SqlLedgerStore, Ledger],
) -> None:
    store, ledger = demo
    planted: dict[int, set[tuple[str, str]]] = {}
    found: dict[int, set[tuple[str, str | None]]] = {}
    days = [START + dt.timedelta(days=20 * i + 3) for i in range(18)]
    for i, day in enumerate(days):
        at = _at(day)
        ru = _ru_at(store, at)
        kind = "type-one" if i < 10 else "type-two"
        p = plan(TREATY, kind, "US", ru, at, seed=1000 + i)
        findings = declared_findings(p, ru)
        planted[i] = set()
        if i == 2:  # a declared missile not found; an undeclared one found
            gone = findings["seen"].pop(0)["uid"]
            findings["seen"].append({"uid": "RU-NOT-DECLARED-1", "system": "rs-24", "status": "deployed"})
            planted[i] = {("missing", gone), ("undeclared", "RU-NOT-DECLARED-1")}
        elif i == 5:  # the designated missile carries one RV more; another item is found in another status
            findings["designated"][0]["warheads"] += 1
            other = next(s for s in findings["seen"] if s["uid"] != findings["designated"][0]["uid"])
            other["status"] = "repair" if other["status"] != "repair" else "deployed"
            planted[i] = {("wrong-warheads", findings["designated"][0]["uid"]), ("wrong-status", other["uid"])}
        elif i == 12:  # an item declared at another facility is found here
            elsewhere = next(it for it in ru.items.values() if it.facility != p.site.id)
            findings["seen"].append({"uid": elsewhere.uid, "status": elsewhere.status.value})
            planted[i] = {("wrong-facility", elsewhere.uid)}
        found[i] = set(_record(ledger, findings, at))
    assert found == planted  # every planted discrepancy found and classified; none at the 15 honest sites
    assert sum(1 for v in planted.values() if not v) == 15

    seq = ledger.state("US").seq
    at = _at(END - dt.timedelta(days=2))
    ru = _ru_at(store, at)
    eleventh = notification(declared_findings(plan(TREATY, "type-one", "US", ru, at, seed=7), ru), at,
                            _sent(ledger, "US", at))  # fmt: skip
    with pytest.raises(
        NotificationError, match=r"\[inspection\] the quota of 10 Type One inspections in treaty year 6"
    ):
        ledger.submit("US", [eleventh])
    assert ledger.state("US").seq == seq  # refused: nothing appended

    use = {q.itype.id: (q.used, q.left) for q in quota_use(TREATY, ledger.state("US").inspections, year=YEAR)}
    assert use == {"type-one": (10, 0), "type-two": (8, 0)}

    # the next treaty year has its quota again
    at = _at(END + dt.timedelta(days=1))
    ru = _ru_at(store, at)
    assert _record(ledger, declared_findings(plan(TREATY, "type-one", "US", ru, at, seed=8), ru), at) == []

    # the report recomputes the same discrepancies from the ledger
    recorded = [(e.seq, e.notification()) for e in store.entries("US") if e.notification()["type"] == "inspection"]
    reports = [report(TREATY, seq, payload, _ru_at(store, _parse(payload["effective"]))) for seq, payload in recorded]
    assert len(reports) == 19
    assert {(d.kind, d.uid) for r in reports for d in r.discrepancies} == set().union(*planted.values())
    assert {r.year for r in reports} == {YEAR, YEAR + 1}


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# ------------------------------------------------------------------------------------------- refusals on the ledger


def _honest(store: SqlLedgerStore, kind: str = "type-one", seed: int = 1) -> tuple[dict[str, Any], dt.datetime]:
    at = _at(dt.date(2019, 6, 3))
    ru = _ru_at(store, at)
    return declared_findings(plan(TREATY, kind, "US", ru, at, seed=seed), ru), at


@pytest.mark.parametrize(
    ("change", "field", "why"),
    [
        ({"inspection_type": "type-three"}, "content.inspection_type", "unknown inspection type 'type-three'"),
        ({"inspected": "US"}, "content.inspected", "a party inspects another registered party"),
        ({"inspected": "CN"}, "content.inspected", "'CN': is not registered"),
        ({"site": "RU-nowhere"}, "content.site", "RU had no open facility 'RU-nowhere' then"),
        ({"site": "RU-pibanshur"}, "content.site", "may not visit a conversion-elimination"),
        ({"designated": []}, "content.designated", "designates 1 missiles, not 0"),
        ({"designated": [{"uid": "RU-NOT-THERE", "warheads": 1}]}, "content.designated[0].uid", "not a deployed"),
    ],
)
def test_an_inspection_that_breaks_rule_11_is_refused(
    demo: tuple[SqlLedgerStore, Ledger], change: dict[str, Any], field: str, why: str
) -> None:
    store, ledger = demo
    findings, at = _honest(store)
    draft = notification({**findings, **change}, at, _sent(ledger, "US", at))
    assert_refused_unchanged(ledger, "US", draft, demo_key("US"), rule="inspection", field=field, why=why)


def test_an_item_seen_twice_is_refused(demo: tuple[SqlLedgerStore, Ledger]) -> None:
    store, ledger = demo
    findings, at = _honest(store)
    findings["seen"].append(dict(findings["seen"][0]))
    draft = notification(findings, at, _sent(ledger, "US", at))
    key = demo_key("US")
    assert_refused_unchanged(ledger, "US", draft, key, rule="inspection", field="content.seen", why="listed twice")


def test_an_inspection_before_entry_into_force_is_refused(demo: tuple[SqlLedgerStore, Ledger]) -> None:
    store, ledger = demo
    findings, _ = _honest(store)
    at = _at(dt.date(2011, 1, 3))
    draft = notification(findings, at, _sent(ledger, "US", at))
    key = demo_key("US")
    assert_refused_unchanged(ledger, "US", draft, key, rule="inspection", field="effective", why="before entry")


def test_type_two_goes_only_where_nothing_is_deployed(demo: tuple[SqlLedgerStore, Ledger]) -> None:
    store, _ = demo
    at = _at(dt.date(2019, 6, 3))
    ru = _ru_at(store, at)
    type_two = REGIME.type("type-two")
    assert type_two is not None
    sites = eligible_sites(type_two, ru)
    assert sites
    deployed_at = {i.facility for i in ru.items.values() if i.status is Status.DEPLOYED}
    assert all(f.kind in type_two.facility_kinds and f.id not in deployed_at for f in sites)
    with pytest.raises(InspectionError, match="may not visit a icbm-base"):
        plan(TREATY, "type-two", "US", ru, at, site="RU-teykovo")


# ------------------------------------------------------------------------------------------------ planning draws


def test_a_seeded_draw_is_reproducible_and_follows_the_weights(demo: tuple[SqlLedgerStore, Ledger]) -> None:
    store, _ = demo
    at = _at(dt.date(2019, 6, 3))
    ru = _ru_at(store, at)
    first = [plan(TREATY, "type-one", "US", ru, at, seed=s) for s in range(40)]
    again = [plan(TREATY, "type-one", "US", ru, at, seed=s) for s in range(40)]
    assert [(p.site.id, p.designated) for p in first] == [(p.site.id, p.designated) for p in again]
    assert len({p.site.id for p in first}) > 5
    only_subs = {"icbm-base": 0.0, "air-base": 0.0}
    drawn = {plan(TREATY, "type-one", "US", ru, at, seed=s, weights=only_subs).site.kind for s in range(30)}
    assert drawn == {FacilityKind.SUBMARINE_BASE}
    for p in first:
        for uid in p.designated:
            item = ru.items[uid]
            assert (item.facility, item.status) == (p.site.id, Status.DEPLOYED)
            assert item.kind in (Kind.LAUNCHER, Kind.BOMBER)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"site": "RU-nowhere"}, "has declared no facility 'RU-nowhere'"),
        ({"weights": {"icbm-base": -1.0}}, "not negative"),
        ({"weights": {"icbm-base": 0.0, "air-base": 0.0, "submarine-base": 0.0}}, "weighs 0"),
    ],
)
def test_bad_plans_are_refused(demo: tuple[SqlLedgerStore, Ledger], kwargs: dict[str, Any], why: str) -> None:
    store, _ = demo
    at = _at(dt.date(2019, 6, 3))
    with pytest.raises(InspectionError, match=why):
        plan(TREATY, "type-one", "US", _ru_at(store, at), at, **kwargs)


@pytest.mark.parametrize(
    ("day", "why"),
    [(dt.date(2030, 6, 3), "expired on 2026-02-05"), (dt.date(2010, 6, 3), "entered into force on 2011-02-05")],
)
def test_no_inspection_is_planned_outside_the_treaty(
    demo: tuple[SqlLedgerStore, Ledger], day: dt.date, why: str
) -> None:
    store, _ = demo
    with pytest.raises(InspectionError, match=why):
        plan(TREATY, "type-one", "US", _ru_at(store, _at(dt.date(2019, 6, 3))), _at(day))


def test_an_unknown_type_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InspectionError, match=r"unknown inspection type 'type-9'.*type-one, type-two"):
        plan(TREATY, "type-9", "US", PartyState("RU"), _at(dt.date(2019, 6, 3)))


def test_a_treaty_without_a_regime_has_no_inspections() -> None:
    with pytest.raises(InspectionError, match="has no inspection regime"):
        quota_use(get_treaty("sort"), [])


# --------------------------------------------------------------------------------------- comparison, unit by unit


def _state() -> PartyState:
    s = PartyState("RU")
    s.facilities = {
        "base": FacilityState("base", FacilityKind.ICBM_BASE),
        "store": FacilityState("store", FacilityKind.STORAGE),
    }
    s.items = {
        "m1": ItemState("m1", "rs-24", Kind.LAUNCHER, Status.DEPLOYED, "base", warheads=4),
        "m2": ItemState("m2", "rs-24", Kind.LAUNCHER, Status.DEPLOYED, "base", warheads=3, pending_warheads=4),
        "c1": ItemState("c1", "rs-24", Kind.LAUNCHER, Status.CONVERTED, "store"),
        "n1": ItemState("n1", "rs-24", Kind.MISSILE, Status.NON_DEPLOYED, "store"),
    }
    s.retired = {"e1"}
    return s


def _findings(site: str, seen: list[tuple[str, str]], designated: list[tuple[str, int]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "inspected": "RU",
        "inspection_type": "x",
        "site": site,
        "seen": [{"uid": u, "status": st} for u, st in seen],
        "designated": [{"uid": u, "warheads": w} for u, w in designated],
    }


def test_an_exact_match_has_no_discrepancy() -> None:
    type_one, type_two = REGIME.type("type-one"), REGIME.type("type-two")
    assert type_one is not None
    assert type_two is not None
    assert compare(_findings("base", [("m1", "deployed"), ("m2", "deployed")], [("m1", 4)]), _state(), type_one) == []
    # a pending change of warheads is what the missile carries now
    assert compare(_findings("base", [("m1", "deployed"), ("m2", "deployed")], [("m2", 4)]), _state(), type_one) == []
    honest = _findings("store", [("c1", "converted"), ("n1", "non-deployed"), ("e1", "eliminated")])
    assert compare(honest, _state(), type_two) == []


def test_each_kind_of_discrepancy_is_classified() -> None:
    type_one, type_two = REGIME.type("type-one"), REGIME.type("type-two")
    assert type_one is not None
    assert type_two is not None
    found = compare(_findings("base", [("m1", "repair"), ("zz", "deployed")], [("m1", 5)]), _state(), type_one)
    assert {(d.kind, d.uid) for d in found} == {
        ("wrong-status", "m1"),
        ("undeclared", "zz"),
        ("missing", "m2"),
        ("wrong-warheads", "m1"),
    }
    found = compare(_findings("store", [("c1", "deployed"), ("e1", "non-deployed"), ("m1", "deployed")]), _state(),
                    type_two)  # fmt: skip
    assert {(d.kind, d.uid) for d in found} == {
        ("wrong-status", "c1"),  # declared converted, found unconverted
        ("wrong-status", "e1"),  # declared eliminated, found intact
        ("missing", "n1"),
        ("wrong-facility", "m1"),
    }


def test_only_what_the_type_checks_is_compared() -> None:
    counts_only = REGIME.types[0].model_copy(update={"checks": ("warheads",)})
    found = compare(_findings("base", [], [("m1", 5)]), _state(), counts_only)
    assert [(d.kind, d.uid) for d in found] == [("wrong-warheads", "m1")]  # the unseen items are not "missing"


def test_escrow_openings_are_matched_with_findings() -> None:
    opened = [{"uid": "m1", "facility": "base"}, {"uid": "m2", "facility": "base"}]
    assert match_opening(opened, _findings("base", [("m1", "deployed"), ("x9", "deployed")])) == {
        "missing": ["m2"],
        "undeclared": ["x9"],
    }
    with pytest.raises(InspectionError, match="not at store"):
        match_opening(opened, _findings("store", []))


# ------------------------------------------------------------------------------------------ regimes and years


def test_new_start_regime_is_18_a_year() -> None:
    assert {t.id: t.quota for t in REGIME.types} == {"type-one": 10, "type-two": 8}
    assert REGIME.type("type-one").designated == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("day", "year"),
    [("2011-02-04", 0), ("2011-02-05", 1), ("2012-02-04", 1), ("2012-02-05", 2), ("2016-02-05", 6), ("2026-02-04", 15)],
)
def test_treaty_years_run_from_entry_into_force(day: str, year: int) -> None:
    assert treaty_year(dt.date(2011, 2, 5), dt.date.fromisoformat(day)) == year


def test_a_leap_day_entry_into_force_has_years_starting_on_1_march() -> None:
    assert year_bounds(dt.date(2024, 2, 29), 2) == (dt.date(2025, 3, 1), dt.date(2026, 2, 28))
    assert treaty_year(dt.date(2024, 2, 29), dt.date(2025, 2, 28)) == 1


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ('[[inspections.types]]\nid = "a"\nname = "A"\nquota = -1\nfacility_kinds = ["storage"]\nchecks = ["items"]',
         "quota"),
        ('[[inspections.types]]\nid = "a"\nname = "A"\nquota = 1\nfacility_kinds = ["moon"]\nchecks = ["items"]',
         "facility_kinds"),
        ('[[inspections.types]]\nid = "a"\nname = "A"\nquota = 1\nfacility_kinds = ["storage"]\nchecks = ["warheads"]',
         "designates"),
        ('[[inspections.types]]\nid = "a"\nname = "A"\nquota = 1\nfacility_kinds = ["storage"]\nchecks = ["items"]\n'
         '[[inspections.types]]\nid = "a"\nname = "B"\nquota = 1\nfacility_kinds = ["storage"]\nchecks = ["items"]',
         "repeat"),
    ],
)  # fmt: skip
def test_a_bad_regime_is_refused_with_its_field(table: str, why: str) -> None:
    text = f'id = "draft"\nname = "Draft"\nextends = "new-start"\n{table}\n'
    with pytest.raises(TreatyError, match=why):
        treaty_from_document(parse_toml(text, "draft.toml"), "draft.toml")


def test_a_regime_in_a_draft_replaces_the_base_one() -> None:
    text = (
        'id = "draft"\nname = "Draft"\nextends = "new-start"\n[[inspections.types]]\nid = "short-notice"\n'
        'name = "Short notice"\nquota = 30\nfacility_kinds = ["icbm-base"]\nchecks = ["items"]\n'
    )
    treaty = treaty_from_document(parse_toml(text, "draft.toml"), "draft.toml")
    assert isinstance(treaty.inspections, InspectionRegime)
    assert [(t.id, t.quota) for t in treaty.inspections.types] == [("short-notice", 30)]
