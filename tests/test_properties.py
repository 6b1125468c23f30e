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
from detente.errors import TreatyError
from detente.forces.model import Force, ItemRow
from detente.forces.vocabulary import Kind, Role, Status
from detente.treaty.load import builtin_treaties, treaty_from_document
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


def start_i_bomber_oracle(rows: list[ItemRow], party: str) -> tuple[int, dict[tuple[str, int], int]]:
    """START I's ALCM-bomber term item by item: sort, give the first 150/180 their discounted value, the rest what
    they are declared with; and the items declared above the 20/16 ceiling, by (system, declared ALCMs)."""
    first_n, first_value, ceiling = {"US": (150, 10, 20), "RU": (180, 8, 16)}[party]
    listed = ["b-52h", "b-52g", "tu-95ms", "tu-160"]
    items = []
    above: dict[tuple[str, int], int] = {}
    for r in rows:
        if (
            r.party == party
            and r.system.category is Category.HEAVY_BOMBER
            and r.armament is Armament.ALCM
            and r.status in {Status.DEPLOYED, Status.NON_DEPLOYED, Status.REPAIR}
        ):
            own = r.alcm_capacity  # a ceiling is a ban, not a counting cap: never cut down
            if own > ceiling and r.count:
                above[(r.system.id, own)] = above.get((r.system.id, own), 0) + r.count
            system_key = (listed.index(r.system.id), "") if r.system.id in listed else (len(listed), r.system.id)
            items += [(system_key, r.uid or "\uffff", own, r.system.id)] * r.count
    items.sort()
    return sum(first_value if i < first_n else item[2] for i, item in enumerate(items)), above


@settings(SETTINGS, max_examples=80)
@given(rows=start_i_forces())
def test_start_i_alcm_bombers_match_an_item_by_item_oracle(rows: list[ItemRow]) -> None:
    """START I's discounted ALCM-bomber term equals expanding every row into items and sorting them, and every
    item declared above the ceiling is reported as a violation, none other."""
    tally = count(Force.from_rows(rows, parties=PARTIES), START_I)
    for party in PARTIES:
        c = tally[(party, "accountable-warheads")]
        expected, above = start_i_bomber_oracle(rows, party)
        assert c.by_term["ALCM heavy bombers (discounted)"] == expected
        assert {(v.system, v.declared): v.items for v in c.violations} == above
        event(f"{party}: {'some' if above else 'no'} bombers above the ceiling")


# --------------------------------------------------------------------------- large numbers never wrap

MOST = 10**12  # the most a treaty file may give (detente.treaty._numbers)


def big_treaty(value: int, first_count: int, first_value: int, ceiling: int) -> Treaty:
    """A treaty whose terms multiply large numbers: a fixed value per launcher (counted by class), declared warheads,
    and a ``first`` rule with a ceiling on bombers (counted by row)."""
    return Treaty.model_validate(
        {
            "id": "big",
            "name": "Big numbers",
            "parties": [{"id": "US", "name": "US"}, {"id": "RU", "name": "RU"}],
            "definitions": {"launchers": {"kind": ["launcher"]}, "bombers": {"category": ["heavy-bomber"]}},
            "measures": [
                {
                    "id": "weighted",
                    "name": "Weighted launchers",
                    "terms": [
                        {"select": "launchers", "value": value, "label": "fixed"},
                        {"select": "launchers", "value": "warheads", "label": "rvs"},
                    ],
                },
                {
                    "id": "discounted",
                    "name": "Discounted bombers",
                    "terms": [
                        {
                            "select": "bombers",
                            "value": "alcm_capacity",
                            "cap": {"US": ceiling},
                            "first": {"US": {"count": first_count, "value": first_value}},
                            "order": [{"by": "uid"}],
                        }
                    ],
                },
            ],
        }
    )


@st.composite
def big_rows(draw: st.DrawFn) -> ItemRow:
    """A row of a huge aggregate (up to 2**62 items, far beyond what a force file allows: the API takes any)."""
    bomber = draw(st.booleans())
    system = CATALOG.get("b-52h" if bomber else "minuteman-iii")
    return ItemRow(
        party=draw(st.sampled_from(PARTIES)),
        system=system,
        kind=Kind.BOMBER if bomber else Kind.LAUNCHER,
        status=Status.DEPLOYED,
        count=draw(st.integers(0, 2**62) | st.integers(0, 10**6)),
        warheads=0 if bomber else draw(st.integers(0, 3)),
        armament=Armament.ALCM if bomber else Armament.MISSILE,
        alcm_capacity=draw(st.integers(0, 64)) if bomber else 0,
        source="TEST",
    )


def big_oracle(rows: list[ItemRow], value: int, first_count: int, first_value: int) -> dict[tuple[str, str], int]:
    """The two measures in Python integers: per launcher ``value`` + its warheads; bombers sorted by what they are
    declared with (no uids: ties fall to the item's own value), the first ``first_count`` of US at ``first_value``."""
    out = {}
    for party in PARTIES:
        mine = [r for r in rows if r.party == party]
        out[(party, "weighted")] = sum(r.count * (value + r.warheads) for r in mine if not r.system.is_bomber)
        bombers = sorted((r for r in mine if r.system.is_bomber), key=lambda r: r.alcm_capacity)
        left = first_count if party == "US" else 0
        total = 0
        for r in bombers:
            within = min(left, r.count)
            total += within * first_value + (r.count - within) * r.alcm_capacity
            left -= within
        out[(party, "discounted")] = total
    return out


def test_the_reported_wrap_is_now_exact() -> None:
    """The defect as reported: a count of 6.27e19 came out as 7,359,767,778,871,345,152 (it wrapped round 2**64
    three times). 62,700,000 launchers at the largest value a treaty file may give now count exactly."""
    rows = [ItemRow("US", CATALOG.get("minuteman-iii"), Kind.LAUNCHER, Status.DEPLOYED, count=62_700_000, source="T")]
    c = count(Force.from_rows(rows), big_treaty(MOST, 0, 0, 64))[("US", "weighted")]
    assert c.total == 62_700_000 * MOST == 62_700_000_000_000_000_000
    assert c.total != 7_359_767_778_871_345_152
    assert c.by_term == {"fixed": 62_700_000 * MOST, "rvs": 0}


@settings(SETTINGS, max_examples=100)
@given(
    rows=st.lists(big_rows(), min_size=1, max_size=12),
    value=st.integers(0, MOST) | st.sampled_from([0, 1, MOST]),
    first_count=st.integers(0, MOST),
    first_value=st.integers(0, MOST),
    ceiling=st.integers(0, 64),
)
def test_large_values_never_wrap(rows: list[ItemRow], value: int, first_count: int, first_value: int, ceiling: int):
    """Counts of any size are exact: totals, breakdowns by system and by rule equal Python's integers, where int64
    would wrap (2**62 items × 10**12 each) and float64 would round (sums above 2**53)."""
    tally = count(Force.from_rows(rows, parties=PARTIES), big_treaty(value, first_count, first_value, ceiling))
    expected = big_oracle(rows, value, first_count, first_value)
    for key, want in expected.items():
        c = tally[key]
        assert c.total == want, key
        assert type(c.total) is int
        assert sum(c.by_system.values()) == want
        assert sum(c.by_term.values()) == want
    event("beyond int64" if max(expected.values()) >= 2**63 else "within int64")
    event("beyond float64's exact integers" if max(expected.values()) > 2**53 else "within 2**53")


@settings(SETTINGS, max_examples=40)
@given(
    number=st.integers(MOST + 1, 2**63 - 1), where=st.sampled_from(["value", "first", "cap", "limit", "attribution"])
)
def test_numbers_above_the_bound_are_refused_in_treaty_files(number: int, where: str) -> None:
    """A treaty file's number above 10**12 is refused, naming the field and the bound."""
    term: dict = {"select": "all", "value": 1}
    doc: dict = {
        "id": "big",
        "name": "Big",
        "parties": [{"id": "US", "name": "US"}],
        "definitions": {"all": {}},
        "measures": [{"id": "m", "name": "M", "terms": [term]}],
        "limits": [{"measure": "m", "max": 10}],
    }
    field = {
        "value": "measures.0.terms.0.value",
        "first": "measures.0.terms.0.first.US.value",
        "cap": "measures.0.terms.0.cap.US",
        "limit": "limits.0.max",
        "attribution": "attribution.minuteman-iii",
    }[where]
    if where == "value":
        term["value"] = number
    elif where == "first":
        term["first"] = {"US": {"count": 1, "value": number}}
        term["order"] = [{"by": "uid"}]
    elif where == "cap":
        term["cap"] = {"US": number}
    elif where == "limit":
        doc["limits"][0]["max"] = number
    else:
        doc["attribution"] = {"minuteman-iii": number}
    with pytest.raises(TreatyError) as refused:
        treaty_from_document(doc, "big.toml")
    message = str(refused.value)
    assert message.startswith(f"big.toml: {field}"), message
    assert f"{number:,} is above 1,000,000,000,000" in message
