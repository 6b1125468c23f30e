"""Property tests of counting: what a count must not depend on, and a plain-Python oracle to compare with.

Forces are random lists of :class:`ItemRow` kept consistent the way the force-file reader keeps them (bombers
are kind "bomber", missiles "launcher" or "missile", warheads within the type's maximum RVs, a row with a uid
describes one item and no two rows share a uid).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from detente.catalog.load import builtin_catalog
from detente.catalog.model import Armament, Category, SystemType
from detente.counting import count, parse_reading
from detente.counting.readings import Reading
from detente.counting.tally import Tally
from detente.forces.model import Force, ItemRow
from detente.forces.vocabulary import Kind, Role, Status
from detente.treaty.load import builtin_treaties
from detente.treaty.model import Treaty, Value

CATALOG = builtin_catalog()
SYSTEMS: tuple[SystemType, ...] = tuple(CATALOG)
START_I = parse_reading("start-i").treaty
ALCM_BOMBERS = tuple(CATALOG.get(name) for name in ("b-52h", "b-52g", "tu-95ms", "tu-160"))
PARTIES = ("US", "RU")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The readings whose counts must not depend on the order of a force's rows.
ORDER_READINGS = ("new-start", "new-start+ru-2022", "start-i", "sort", "joint-understanding+us-dec-2009")
# Every shipped treaty, alone and under each of its variants.
ALL_READINGS = tuple(
    spec
    for treaty in builtin_treaties().values()
    for spec in (treaty.id, *(f"{treaty.id}+{v.id}" for v in treaty.variants))
)


def countable_systems(treaty: Treaty) -> tuple[SystemType, ...]:
    """The catalog's types a treaty can count: with ``attributed`` terms, only bombers and attributed types."""
    attributed = any(t.value is Value.ATTRIBUTED for m in treaty.measures for t in m.terms)
    if not attributed:
        return SYSTEMS
    names = {n.casefold() for n in treaty.attribution}
    return tuple(s for s in SYSTEMS if s.is_bomber or s.id in names)


@st.composite
def item_rows(draw: st.DrawFn, systems: tuple[SystemType, ...], max_count: int = 40) -> ItemRow:
    """One consistent item row of one of ``systems``; its uid is a tag made unique by :func:`rows_of`."""
    system = draw(st.sampled_from(systems))
    if system.is_bomber:
        kind = Kind.BOMBER
        # mostly ALCM bombers, so that START I's discount rule has plenty to sort
        armament = draw(st.sampled_from([Armament.ALCM, Armament.ALCM, Armament.BOMBS, Armament.NONE]))
        warheads = draw(st.integers(0, 24))
        alcm_capacity = draw(st.integers(0, 24))
    else:
        kind = draw(st.sampled_from([Kind.LAUNCHER, Kind.LAUNCHER, Kind.MISSILE]))
        armament = draw(st.sampled_from([Armament.MISSILE, Armament.MISSILE, Armament.NONE]))
        warheads = draw(st.integers(0, system.max_rvs))
        alcm_capacity = 0
    uid = draw(st.none() | st.text(alphabet="AZ09-", min_size=1, max_size=3))
    return ItemRow(
        party=draw(st.sampled_from(PARTIES)),
        system=system,
        kind=kind,
        status=draw(st.sampled_from(tuple(Status))),
        count=1 if uid is not None else draw(st.integers(0, max_count)),
        uid=uid,
        warheads=warheads,
        armament=armament,
        alcm_capacity=alcm_capacity,
        role=draw(st.sampled_from(tuple(Role))),
        source="TEST",
    )


def rows_of(
    systems: tuple[SystemType, ...], *, min_size: int = 1, max_size: int = 30, max_count: int = 40
) -> st.SearchStrategy[list[ItemRow]]:
    """Lists of consistent rows whose uids, where set, are unique (the tag keeps their sort order varied)."""

    def unique(rows: list[ItemRow]) -> list[ItemRow]:
        return [r if r.uid is None else replace(r, uid=f"{r.uid}#{i}") for i, r in enumerate(rows)]

    row = item_rows(systems, max_count)
    return st.lists(row, min_size=min_size, max_size=max_size).map(unique)


def countable(rows: list[ItemRow], reading: Reading) -> list[ItemRow]:
    """The rows a reading can count without refusing: those of the types :func:`countable_systems` allows."""
    allowed = set(countable_systems(reading.treaty))
    return [r for r in rows if r.system in allowed]


def snapshot(tally: Tally) -> dict[tuple[str, str], tuple[int, dict[str, int], dict[str, int]]]:
    """Everything a tally says, per party and measure: total, by system and by term."""
    return {key: (c.total, c.by_system, c.by_term) for key, c in tally.counts.items()}


def counted(rows: list[ItemRow], reading: Reading, parties: tuple[str, ...] = ()) -> dict:
    """The snapshot of counting these rows (as one force, naming ``parties`` first) under a reading."""
    return snapshot(count(Force.from_rows(rows, parties=parties), reading.treaty, reading.variants))


# --------------------------------------------------------------------------- order independence


@settings(SETTINGS, max_examples=80)
@given(data=st.data())
def test_counts_do_not_depend_on_row_order(data: st.DataObject) -> None:
    """Every measure, party, system and term is the same for any permutation of the rows, under each reading."""
    rows = data.draw(rows_of(SYSTEMS), label="rows")
    shuffled = data.draw(st.permutations(rows), label="shuffled")
    for spec in ORDER_READINGS:
        reading = parse_reading(spec)
        if countable(rows, reading):  # the parties come from the rows, in row order: no rows, nothing to count
            assert counted(countable(shuffled, reading), reading) == counted(countable(rows, reading), reading), spec


START_I_SYSTEMS = countable_systems(START_I)
COUNTED_BY_START_I = (Status.DEPLOYED, Status.NON_DEPLOYED, Status.REPAIR)


@st.composite
def alcm_bomber_rows(draw: st.DrawFn) -> ItemRow:
    """A row of bombers of the four types START I's order lists: mostly counted ALCM bombers in aggregates of up to
    110, some single items with a uid, capacities on both sides of the caps (US 20, RU 16) and the discounted
    values (10, 8)."""
    uid = draw(st.sampled_from([None, None, None, "B"]))
    return ItemRow(
        party=draw(st.sampled_from(PARTIES)),
        system=draw(st.sampled_from(ALCM_BOMBERS)),
        kind=Kind.BOMBER,
        status=draw(st.sampled_from([*COUNTED_BY_START_I, Status.DEPLOYED, Status.TEST, Status.CONVERTED])),
        count=1 if uid else draw(st.integers(20, 110)),
        uid=uid,
        warheads=draw(st.integers(0, 24)),
        armament=draw(st.sampled_from([Armament.ALCM] * 4 + [Armament.BOMBS])),
        alcm_capacity=draw(st.integers(0, 24)),
        role=draw(st.sampled_from(tuple(Role))),
        source="TEST",
    )


def start_i_forces() -> st.SearchStrategy[list[ItemRow]]:
    """Forces where the 150/180 line falls inside the ALCM bombers, often cutting an aggregate row or uid run."""

    def unique(rows: list[ItemRow]) -> list[ItemRow]:
        return [r if r.uid is None else replace(r, uid=f"{r.uid}@{i}") for i, r in enumerate(rows)]

    bombers = st.lists(alcm_bomber_rows(), min_size=6, max_size=20)
    others = rows_of(START_I_SYSTEMS, min_size=0, max_size=8)
    return st.tuples(bombers, others).map(lambda parts: unique([*parts[0], *parts[1]]))


def alcm_items(rows: list[ItemRow], party: str) -> int:
    return sum(
        r.count
        for r in rows
        if r.party == party and r.system.is_bomber and r.armament is Armament.ALCM and r.status in COUNTED_BY_START_I
    )


@settings(SETTINGS, max_examples=80)
@given(data=st.data())
def test_start_i_bomber_discount_does_not_depend_on_row_order(data: st.DataObject) -> None:
    """START I's "first 150 (US) / 180 (RU) ALCM bombers" rule gives the same counts for any row order.

    Most rows are ALCM bombers of b-52h, b-52g, tu-95ms and tu-160 in large aggregates, so the 150/180 line
    falls inside the force and cuts between types, uids and capacities.
    """
    reading = parse_reading("start-i")
    rows = data.draw(start_i_forces(), label="rows")
    for party, first in (("US", 150), ("RU", 180)):
        event(f"{party} ALCM bombers {'over' if alcm_items(rows, party) > first else 'within'} the first {first}")
    shuffled = data.draw(st.permutations(rows), label="shuffled")
    assert counted(shuffled, reading) == counted(rows, reading)


# --------------------------------------------------------------------------- aggregates and eliminated items


@settings(SETTINGS, max_examples=60)
@given(rows=rows_of(SYSTEMS, max_size=20, max_count=12))
def test_splitting_aggregate_rows_changes_nothing(rows: list[ItemRow]) -> None:
    """An aggregate row of n counts exactly as its n one-item rows (ItemRow.split) do, under each reading.

    Both forces name their parties, since a row of count 0 splits into no rows at all.
    """
    split = [item for row in rows for item in row.split()]
    assert sum(r.count for r in split) == sum(r.count for r in rows)
    assert all(r.count == 1 for r in split)
    for spec in ORDER_READINGS:
        reading = parse_reading(spec)
        assert counted(countable(split, reading), reading, PARTIES) == counted(
            countable(rows, reading), reading, PARTIES
        ), spec


def test_split_keeps_everything_but_the_count() -> None:
    """ItemRow.split gives count rows of one item, equal to the original in every other field."""
    row = ItemRow(
        party="US",
        system=CATALOG.get("b-52h"),
        kind=Kind.BOMBER,
        status=Status.DEPLOYED,
        count=3,
        warheads=4,
        armament=Armament.ALCM,
        alcm_capacity=20,
        source="S",
        remarks="r",
    )
    assert row.split() == [replace(row, count=1)] * 3
    assert replace(row, count=0).split() == []


@settings(SETTINGS, max_examples=60)
@given(data=st.data())
def test_adding_an_eliminated_item_changes_nothing(data: st.DataObject) -> None:
    """An eliminated item of any system type (even one a treaty attributes nothing to) counts for nothing,
    under every shipped treaty and each of its variants."""
    rows = data.draw(rows_of(SYSTEMS, max_size=15), label="rows")
    extra = data.draw(item_rows(SYSTEMS, max_count=1000), label="extra")
    extra = replace(extra, status=Status.ELIMINATED, uid=None if extra.uid is None else "eliminated-extra")
    position = data.draw(st.integers(0, len(rows)), label="position")
    for spec in ALL_READINGS:
        reading = parse_reading(spec)
        base = countable(rows, reading)
        with_extra = [*base[:position], extra, *base[position:]]
        assert counted(with_extra, reading, PARTIES) == counted(base, reading, PARTIES), spec


# --------------------------------------------------------------------------- oracles


ACCOUNTABLE = {Status.DEPLOYED, Status.NON_DEPLOYED, Status.TEST, Status.TRAINING, Status.REPAIR}
MISSILES = {Category.ICBM, Category.SLBM}
NUCLEAR_ARMAMENTS = {Armament.ALCM, Armament.BOMBS}


def new_start_oracle(rows: list[ItemRow], *, ru_2022: bool = False) -> dict:
    """New START's three measures by a plain loop, from the rules written in new-start.toml.

    Under Russia's 2022 reading converted ICBM/SLBM launchers and converted B-52H (whatever they are now equipped
    for) are launchers too; other converted bombers are not.
    """
    launcher_statuses = ACCOUNTABLE | ({Status.CONVERTED} if ru_2022 else set())
    terms = {
        "deployed-delivery-vehicles": ("deployed ICBMs and SLBMs", "deployed heavy bombers"),
        "warheads": ("RVs on deployed ICBMs and SLBMs", "1 per deployed heavy bomber"),
        "launchers": ("ICBM and SLBM launchers", "heavy bombers"),
    }
    result: dict = {}
    for party in PARTIES:
        if not any(r.party == party for r in rows):
            continue
        sums = {m: {"total": 0, "by_system": {}, "by_term": dict.fromkeys(terms[m], 0)} for m in terms}

        def add(measure: str, term: int, system: str, n: int, sums: dict = sums) -> None:
            entry = sums[measure]
            entry["total"] += n
            entry["by_system"][system] = entry["by_system"].get(system, 0) + n
            entry["by_term"][terms[measure][term]] += n

        for r in rows:
            if r.party != party:
                continue
            category = r.system.category
            is_missile_launcher = category in MISSILES and r.kind is Kind.LAUNCHER
            is_bomber = category is Category.HEAVY_BOMBER
            is_nuclear_bomber = is_bomber and r.armament in NUCLEAR_ARMAMENTS
            if is_missile_launcher and r.status is Status.DEPLOYED:
                add("deployed-delivery-vehicles", 0, r.system.id, r.count)
                add("warheads", 0, r.system.id, r.count * r.warheads)
            if is_nuclear_bomber and r.status is Status.DEPLOYED:
                add("deployed-delivery-vehicles", 1, r.system.id, r.count)
                add("warheads", 1, r.system.id, r.count)
            if is_missile_launcher and r.status in launcher_statuses:
                add("launchers", 0, r.system.id, r.count)
            accountable_bomber = is_nuclear_bomber and r.status in ACCOUNTABLE
            converted_b52h = ru_2022 and r.system.id == "b-52h" and r.status is Status.CONVERTED
            if accountable_bomber or converted_b52h:
                add("launchers", 1, r.system.id, r.count)
        for measure, entry in sums.items():
            by_system = {k: v for k, v in entry["by_system"].items() if v}
            result[(party, measure)] = (entry["total"], by_system, entry["by_term"])
    return result


@pytest.mark.parametrize("spec", ["new-start", "new-start+ru-2022"])
@SETTINGS
@given(rows=rows_of(SYSTEMS))
def test_new_start_matches_a_plain_loop(spec: str, rows: list[ItemRow]) -> None:
    """Launchers (deployed + non-deployed ICBM/SLBM launchers and bombers), deployed vehicles and warheads
    equal what a plain Python loop over the rows finds from New START's rules."""
    assert counted(rows, parse_reading(spec)) == new_start_oracle(rows, ru_2022=spec.endswith("ru-2022"))


def start_i_bomber_oracle(rows: list[ItemRow], party: str) -> int:
    """START I's ALCM-bomber term item by item: sort, give the first 150/180 their discounted value."""
    first_n, first_value, cap = {"US": (150, 10, 20), "RU": (180, 8, 16)}[party]
    listed = ["b-52h", "b-52g", "tu-95ms", "tu-160"]
    items = []
    for r in rows:
        if (
            r.party == party
            and r.system.category is Category.HEAVY_BOMBER
            and r.armament is Armament.ALCM
            and r.status in {Status.DEPLOYED, Status.NON_DEPLOYED, Status.REPAIR}
        ):
            own = min(r.alcm_capacity, cap)
            system_key = (listed.index(r.system.id), "") if r.system.id in listed else (len(listed), r.system.id)
            items += [(system_key, r.uid or "\uffff", own, r.system.id)] * r.count
    items.sort()
    return sum(first_value if i < first_n else item[2] for i, item in enumerate(items))


@settings(SETTINGS, max_examples=80)
@given(rows=start_i_forces())
def test_start_i_alcm_bombers_match_an_item_by_item_oracle(rows: list[ItemRow]) -> None:
    """START I's discounted ALCM-bomber term equals expanding every row into items and sorting them."""
    tally = count(Force.from_rows(rows, parties=PARTIES), START_I)
    for party in PARTIES:
        term = tally[(party, "accountable-warheads")].by_term["ALCM heavy bombers (discounted)"]
        assert term == start_i_bomber_oracle(rows, party)
