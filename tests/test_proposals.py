"""Proposals and their comparison: the comparison against the engine counting each proposal on its own, the zone of
agreement on constructed cases, the December 2009 bomber dispute, the shipped proposals and force, the docs, the
command line and bad input."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.counting import count, judge
from detente.counting.readings import Reading, parse_reading
from detente.data.forces import load_force
from detente.errors import PlanningError
from detente.forces.model import Force
from detente.planning.compare import Standing, compare_proposals, merge_forces, reading_difference
from detente.planning.proposals import (
    builtin_proposals,
    get_proposal,
    proposal_from_document,
    proposal_schema,
    vary_limits,
)

from builders import CATALOG, force, row, schema_properties

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
US_2009 = load_force("us-2009-12", CATALOG)
US_2020 = load_force("us-2020-09", CATALOG)
RU_2022 = load_force("ru-2022", CATALOG)
DEC_2009 = dt.date(2009, 12, 5)


def proposal_doc(extends: str = "new-start", limits: list[dict] | None = None, **terms: object) -> dict:
    """A proposal document in the shape a TOML file gives."""
    doc: dict = {"id": "p", "name": "test proposal", "kind": "proposal", "extends": extends, "dates": {}}
    doc["limits"] = limits if limits is not None else []
    if terms:
        doc["proposal"] = terms
    return doc


def make(doc: dict):
    return proposal_from_document(doc, "test.toml")


# ---------------------------------------------------------------------------------------------------------------
# The comparison equals counting and judging each proposal on its own with the engine.

MEASURES = ("deployed-delivery-vehicles", "warheads", "launchers")
BASES = (
    ("new-start", ()),
    ("new-start", ("ru-2022",)),
    ("dec-2009-framing", ("us-dec-2009",)),
    ("dec-2009-framing", ("ru-dec-2009",)),
    ("joint-understanding", ()),
)


@st.composite
def limit(draw: st.DrawFn, measure: str) -> dict:
    kind = draw(st.sampled_from(["max", "below", "range"]))
    value = draw(st.integers(1, 2500))
    out: dict = {"measure": measure}
    if kind == "max":
        out["max"] = value
    elif kind == "below":
        out["below"] = value
    else:
        out["min"], out["max"] = sorted((value, draw(st.integers(0, 2500))))
    if draw(st.booleans()):
        out["from"] = draw(st.dates(dt.date(2005, 1, 1), dt.date(2030, 1, 1)))
    if draw(st.integers(0, 4)) == 0:
        out["parties"] = [draw(st.sampled_from(["US", "RU"]))]
    return out


@st.composite
def proposal_docs(draw: st.DrawFn, index: int = 0) -> dict:
    base, reading = draw(st.sampled_from(BASES))
    chosen = draw(st.lists(st.sampled_from(MEASURES), unique=True, max_size=3))
    limits = [draw(limit(m)) for m in chosen for _ in range(draw(st.integers(1, 2)))]
    terms: dict = {"reading": list(reading)}
    when = draw(st.sampled_from(["none", "years", "deadline"]))
    if when == "years":
        terms["years"] = draw(st.integers(0, 10))
    elif when == "deadline":
        terms["deadline"] = draw(st.dates(dt.date(2008, 1, 1), dt.date(2035, 1, 1)))
    doc = proposal_doc(base, limits, **terms)
    doc["id"] = f"p{index}"
    return doc


@SETTINGS
@given(
    docs=st.integers(1, 5).flatmap(lambda n: st.tuples(*(proposal_docs(i) for i in range(n)))),
    us=st.sampled_from([US_2009, US_2020]),
    as_of=st.dates(dt.date(2009, 1, 1), dt.date(2030, 1, 1)),
)
def test_comparison_equals_the_engine_on_each_proposal(docs, us, as_of):
    proposals = [make(d) for d in docs]
    comparison = compare_proposals([us, RU_2022], proposals, as_of)
    readings = {(p.treaty.extends, tuple(v.id for v in p.variants)) for p in proposals}
    assert comparison.readings_counted <= len(readings)
    for p, result in zip(proposals, comparison.results, strict=True):
        deadline = p.deadline(as_of)
        # each party from its own force, counted and judged by the engine alone
        direct = {}
        for f in (us, RU_2022):
            tally = count(f, p.treaty, p.variants)
            now = judge(tally, as_of)
            due = judge(tally, deadline) if deadline else now
            for line in now.lines:
                direct[(line.party, line.measure)] = (line, due.line(line.party, line.measure))
        assert {(r.party, r.measure) for r in result.rows} == set(direct)
        for r in result.rows:
            now_line, due_line = direct[(r.party, r.measure)]
            assert r.total == now_line.count.total
            assert r.count.by_system == now_line.count.by_system
            assert r.verdict == now_line.verdict
            assert r.limit == due_line.limit
            assert r.headroom == due_line.headroom
            assert r.required == (0 if due_line.headroom is None else max(0, -due_line.headroom))
            assert r.linked == 0


def test_each_distinct_reading_is_counted_once():
    docs = [
        proposal_doc("new-start", [{"measure": "warheads", "max": n}]) | {"id": f"p{n}"} for n in (1000, 1500, 2000)
    ]
    docs += [proposal_doc("new-start", [{"measure": "warheads", "max": 1}], reading=["ru-2022"])]
    proposals = [make(d) for d in docs]
    assert compare_proposals([US_2020], proposals, DEC_2009).readings_counted == 2


def test_vary_limits_equals_loading_the_same_limits():
    limits = [
        {"measure": "warheads", "max": 1700},
        {"measure": "deployed-delivery-vehicles", "below": 850, "parties": ["US"]},
        {"measure": "launchers", "min": 800, "max": 950, "from": dt.date(2012, 1, 1)},
    ]
    varied = vary_limits(get_proposal("us-dec-2009-bombers"), limits, "v")
    loaded = make(proposal_doc("dec-2009-framing", limits, reading=["us-dec-2009"], years=7) | {"id": "loaded"})
    rows = [
        [(r.party, r.measure, r.total, r.limit, r.verdict, r.verdict_due, r.required) for r in result.rows]
        for result in compare_proposals([US_2009, RU_2022], [varied, loaded], DEC_2009).results
    ]
    assert rows[0] == rows[1]
    assert any(r[-1] for r in rows[0])  # the 2009 US force is over the varied warheads limit


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ([{"measure": "icbms", "max": 3}], "limits undefined measure 'icbms'"),
        ([{"measure": "warheads", "max": 3, "parties": ["CN"]}], "names party 'CN'"),
        ([{"measure": "warheads", "max": -1}], "greater than or equal to 0"),
        ([{"measure": "warheads"}], "exactly one of 'max' or 'below'"),
    ],
)
def test_vary_limits_refuses_bad_limits(limits, expected):
    with pytest.raises(PlanningError, match=re.escape(expected)):
        vary_limits(get_proposal("new-start-final"), limits, "v")


# ---------------------------------------------------------------------------------------------------------------
# Zone of agreement on constructed forces.

AS_OF = dt.date(2020, 1, 1)
SMALL = force(row("US", "minuteman-iii", count=10, warheads=1), row("RU", "ss-18", count=5, warheads=10))
# US: 10 deployed, 10 warheads; RU: 5 deployed, 50 warheads


def dv(max_: int) -> dict:
    return {"measure": "deployed-delivery-vehicles", "max": max_}


def standings(proposal_doc_: dict, rates: dict | None = None, forces: tuple[Force, ...] = (SMALL,)):
    result = compare_proposals(list(forces), [make(proposal_doc_)], AS_OF, rates).results[0]
    return {s.party: s for s in result.standings}, result


def test_zone_meets_now_when_every_party_is_within():
    s, result = standings(proposal_doc(limits=[dv(10)]))
    assert {p: x.standing for p, x in s.items()} == {"US": Standing.MEETS, "RU": Standing.MEETS}
    assert result.agreed_now
    assert result.agreed_by_deadline


@pytest.mark.parametrize(
    ("rate", "expected"), [(2, Standing.CANNOT_MEET), (3, Standing.CAN_MEET), (None, Standing.CAN_MEET)]
)
def test_zone_cut_against_yearly_rate(rate, expected):
    # US must cut 10 - 5 = 5 in two years: more than 2 a year, at most 3 a year
    terms = {"years": 2} | ({} if rate is None else {"rates": {"deployed-delivery-vehicles": rate}})
    s, result = standings(proposal_doc(limits=[dv(5)], **terms))
    assert s["US"].required == {"deployed-delivery-vehicles": 5}
    assert s["US"].standing is expected
    assert s["RU"].standing is Standing.MEETS
    assert not result.agreed_now
    assert result.agreed_by_deadline is (expected is Standing.CAN_MEET)
    if rate is None:
        assert "assumed feasible" in s["US"].why


def test_zone_rates_given_to_the_comparison_win():
    doc = proposal_doc(limits=[dv(5)], years=2, rates={"deployed-delivery-vehicles": 100})
    s, _ = standings(doc, rates={"deployed-delivery-vehicles": 1})
    assert s["US"].standing is Standing.CANNOT_MEET
    assert "deployed-delivery-vehicles needs 2 a year, rate 1" in s["US"].why


def test_zone_without_time_cannot_meet():
    s, _ = standings(proposal_doc(limits=[dv(5)]))  # no deadline, no years, no limits_due
    assert s["US"].standing is Standing.CANNOT_MEET
    s, _ = standings(proposal_doc(limits=[dv(5)], deadline=dt.date(2019, 1, 1)))
    assert s["US"].standing is Standing.CANNOT_MEET
    assert "not after" in s["US"].why


def test_zone_party_without_items_has_no_data():
    doc = proposal_doc(limits=[dv(10)])
    doc["parties"] = [{"id": p, "name": p} for p in ("US", "RU", "CN")]
    comparison = compare_proposals([SMALL], [make(doc)], AS_OF)
    zone = comparison.zone()
    assert zone.now == ()
    assert zone.incomplete == {"p": ("CN",)}
    assert comparison.results[0].missing == ("CN",)


def test_zone_lists_exactly_the_agreeable_proposals():
    docs = [
        proposal_doc(limits=[dv(10)]) | {"id": "fits"},
        proposal_doc(limits=[dv(5)], years=5) | {"id": "reachable"},
        proposal_doc(limits=[dv(4)]) | {"id": "never"},
    ]
    zone = compare_proposals([SMALL], [make(d) for d in docs], AS_OF).zone()
    assert zone.now == ("fits",)
    assert zone.by_deadline == ("fits", "reachable")


def test_linked_category_counted_toward_a_measure_and_limited():
    category = {
        "id": "interceptors",
        "name": "Interceptors",
        "holdings": {"US": 7},
        "counts_toward": "deployed-delivery-vehicles",
        "max": 6,
    }
    s, result = standings(proposal_doc(limits=[dv(15)], linked=[category], years=1))
    rows = {(r.party, r.measure): r for r in result.rows}
    engine = count(SMALL, result.proposal.treaty, result.proposal.variants)
    assert rows[("US", "deployed-delivery-vehicles")].total == engine[("US", "deployed-delivery-vehicles")].total + 7
    assert rows[("US", "deployed-delivery-vehicles")].linked == 7
    assert rows[("RU", "deployed-delivery-vehicles")].linked == 0
    assert rows[("US", "interceptors")].total == 7
    assert rows[("US", "interceptors")].required == 1
    assert rows[("RU", "interceptors")].total == 0
    assert s["US"].required == {"deployed-delivery-vehicles": 2, "interceptors": 1}


def test_combined_parties_count_with_their_side():
    uk = force(row("UK", "trident-ii-d5", count=4, warheads=3))
    proposal = get_proposal("uk-fr-with-us-illustrative")
    result = compare_proposals([SMALL, uk], [proposal], AS_OF).results[0]
    as_us = force(row("US", "minuteman-iii", count=10, warheads=1), row("US", "trident-ii-d5", count=4, warheads=3))
    engine = count(as_us, proposal.treaty, proposal.variants)
    rows = {(r.party, r.measure): r.total for r in result.rows}
    for measure in MEASURES:
        assert rows[("US", measure)] == engine[("US", measure)].total
    assert {r.party for r in result.rows} == {"US", "RU"}


def test_trilateral_counts_a_chinese_force_with_its_own_types(tmp_path):
    (tmp_path / "cn.toml").write_text(
        '[force]\ntitle = "test CN"\nsource = "test"\n'
        '[[systems]]\nid = "test-cn-icbm"\nname = "Test CN ICBM"\ncountry = "CN"\ncategory = "icbm"\n'
        'basing = "silo"\nmax_rvs = 3\n'
        '[[items]]\nparty = "CN"\nsystem = "test-cn-icbm"\nstatus = "deployed"\ncount = 20\nwarheads = 3\n'
    )
    cn = load_force(str(tmp_path / "cn.toml"), CATALOG)
    result = compare_proposals([SMALL, cn], [get_proposal("trilateral-illustrative")], AS_OF).results[0]
    rows = {(r.party, r.measure): r.total for r in result.rows}
    assert rows[("CN", "warheads")] == 60
    assert {s.party: s.standing for s in result.standings}["CN"] is Standing.MEETS


def test_two_forces_of_one_party_are_refused():
    with pytest.raises(PlanningError, match="party US is in force 1"):
        merge_forces([US_2009, US_2020])


# ---------------------------------------------------------------------------------------------------------------
# The December 2009 bomber dispute.


def positions() -> tuple[Reading, Reading]:
    us, ru = (builtin_proposals()[name] for name in ("us-dec-2009-bombers", "ru-dec-2009-bombers"))
    return Reading(us.treaty, us.variants), Reading(ru.treaty, ru.variants)


def check_types_add_up(f: Force) -> None:
    diff = reading_difference(f, *positions(), DEC_2009)
    for line in diff.a.lines:
        a, b = diff.total(line.party, line.measure)
        parts = [t for t in diff.types if t.party == line.party and t.measure == line.measure]
        assert b - a == sum(t.difference for t in parts)
        for t in parts:  # no 'first' rule in these readings: the groups explain the whole difference
            assert t.difference == sum(g.b - g.a for g in t.groups)


def test_bomber_dispute_difference_by_type_on_the_2009_force():
    diff = reading_difference(US_2009, *positions(), DEC_2009)
    check_types_add_up(US_2009)
    conventional = {}
    for r in US_2009.rows():
        if r.role.value == "conventional" and r.status.value == "deployed":
            conventional[r.system.id] = conventional.get(r.system.id, 0) + r.count
    assert set(conventional) == {"b-1b", "b-52h"}
    for measure in MEASURES:
        a, b = diff.total("US", measure)
        assert b - a == sum(conventional.values())
        by_type = {t.system: t.difference for t in diff.types if t.measure == measure}
        assert by_type == conventional


@SETTINGS
@given(
    groups=st.lists(
        st.tuples(
            st.sampled_from(["b-52h", "b-1b", "b-2a", "minuteman-iii"]),
            st.sampled_from(["deployed", "non-deployed", "repair", "converted"]),
            st.sampled_from(["nuclear", "conventional"]),
            st.integers(0, 40),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_bomber_dispute_types_add_up_on_any_force(groups):
    f = force(
        *(
            row("US", s, status, n, role=role, warheads=1 if s == "minuteman-iii" else 0)
            for s, status, role, n in groups
        )
    )
    check_types_add_up(f)


# ---------------------------------------------------------------------------------------------------------------
# Shipped proposals and the shipped 2009 force.

DEC_2009_PROPOSALS = {
    "start-sort-baseline",
    "ju-2009-low",
    "ju-2009-high",
    "new-start-final",
    "us-dec-2009-bombers",
    "ru-dec-2009-bombers",
    "trilateral-illustrative",
}


def test_every_shipped_proposal_loads_with_sources_and_a_label():
    proposals = builtin_proposals()
    assert set(proposals) >= DEC_2009_PROPOSALS
    for p in proposals.values():
        assert p.treaty.kind == "proposal"
        assert p.terms.sources, p.id
        for key in p.terms.sources + tuple(k for c in p.terms.linked for k in c.sources):
            assert p.treaty.sources[key].strip(), (p.id, key)
        assert p.terms.label.split(":")[0] in ("historical", "illustrative"), p.id
        if "illustrative" in p.id:
            assert p.terms.label.startswith("illustrative"), p.id
            assert "ILLUSTRATIVE" in p.treaty.name, p.id
        assert p.id not in {"new-start", "start-i", "sort", "joint-understanding", "dec-2009-framing"}


def test_shipped_bomber_positions_are_the_treaty_variants():
    for name, variant in (("us-dec-2009-bombers", "us-dec-2009"), ("ru-dec-2009-bombers", "ru-dec-2009")):
        p = builtin_proposals()[name]
        reading = parse_reading(f"dec-2009-framing+{variant}")
        assert p.treaty.definitions == reading.treaty.definitions
        assert [v.id for v in p.variants] == [variant]


def test_shipped_2009_force_rows_cite_its_sources():
    assert US_2009.info.as_of == DEC_2009
    assert US_2009.info.label.startswith("illustrative")
    for r in US_2009.rows():
        keys = [k.strip() for k in r.source.split(";")]
        assert all(k in US_2009.info.sources for k in keys), r


# ---------------------------------------------------------------------------------------------------------------
# Docs.


def test_every_proposal_keyword_is_documented():
    text = (ROOT / "docs" / "proposals.md").read_text()
    keywords = schema_properties(proposal_schema(), set())
    assert len(keywords) > 15
    missing = sorted(k for k in keywords if f"`{k}`" not in text)
    assert not missing, f"proposal keywords missing from docs/proposals.md: {missing}"
    assert "`proposal`" in text
    for standing in Standing:
        assert f"`{standing.value}`" in text


# ---------------------------------------------------------------------------------------------------------------
# The command line.


def test_cli_list_and_show(cli):
    code, out, _ = cli("proposals", "list", "--json")
    assert code == 0
    assert {p["id"] for p in json.loads(out)} == set(builtin_proposals())
    code, out, _ = cli("proposals", "show", "md-link-illustrative", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["proposal"]["linked"][0]["id"] == "strategic-interceptors"
    code, out, _ = cli("proposals", "show", "ju-2009-low")
    assert code == 0
    assert "Joint Understanding" in out


def test_cli_compare_json_matches_the_engine(cli):
    code, out, _ = cli(
        "proposals",
        "compare",
        "us-2009-12",
        "ru-2022",
        "--proposal",
        "new-start-final",
        "--date",
        "2009-12-05",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    p = builtin_proposals()["new-start-final"]
    us = judge(count(US_2009, p.treaty, p.variants), DEC_2009).line("US", "warheads")
    entry = data["proposals"]["new-start-final"]["parties"]["US"]["warheads"]
    assert (entry["count"], entry["limit"], entry["headroom"], entry["verdict"]) == (
        us.count.total,
        us.limit.upper,
        us.headroom,
        us.verdict.value,
    )
    assert entry["required"] == max(0, -us.headroom)
    assert data["zone"]["by_deadline"] == ["new-start-final"]


def test_cli_compare_table_zone_and_chart(cli, tmp_path):
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    code, out, _ = cli("proposals", "compare", "us-2009-12", "ru-2022", "--date", "2009-12-05", "--chart", str(png))
    assert code == 0
    assert "Zone of agreement now" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, _ = cli("proposals", "compare", "us-2009-12", "--proposal", "ju-2009-low", "--chart", str(svg))
    assert code == 0
    assert "<svg" in svg.read_text()[:2000]
    code, out, _ = cli(
        "proposals", "zone", "us-2009-12", "ru-2022", "--date", "2009-12-05", "--rate", "warheads=1", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert "trilateral-illustrative" in data["zone"]["incomplete"]
    assert data["standings"]["new-start-final"]["US"]["standing"] == "cannot-meet"
    assert data["standings"]["start-sort-baseline"]["US"]["standing"] == "meets"


def test_cli_bomber_dispute(cli):
    code, out, _ = cli("proposals", "bomber-dispute", "--json")
    assert code == 0
    data = json.loads(out)
    for measure, t in data["totals"]["US"].items():
        parts = [x["difference"] for x in data["by_type"] if x["measure"] == measure]
        assert t["difference"] == t["b"] - t["a"] == sum(parts)
    assert {x["system"] for x in data["by_type"]} == {"b-1b", "b-52h"}
    code, out, _ = cli("proposals", "bomber-dispute")
    assert code == 0
    assert re.search(r"US deployed-delivery-vehicles: [\d,]+ − [\d,]+ = \+\d+ = B-1B Lancer", out)


# ---------------------------------------------------------------------------------------------------------------
# Bad input: one clear line, exit code 2.

GOOD = """id = "mine"
kind = "proposal"
extends = "new-start"
name = "mine"
[dates]
[[limits]]
measure = "warheads"
max = 1000
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD, None),
        (GOOD.replace('extends = "new-start"', 'extends = "nope"'), "extends: unknown treaty 'nope'"),
        (GOOD.replace('measure = "warheads"', 'measure = "icbms"'), "limits undefined measure 'icbms'"),
        (GOOD + 'parties = ["XX"]\n', "names party 'XX' that is not a party to the treaty"),
        (GOOD + '[proposal]\ncombine = { XX = ["UK"] }\n', "combines into 'XX', which is not a party"),
        (GOOD + '[proposal]\ncombine = { US = ["RU"] }\n', "RU is a party of its own"),
        (
            GOOD + '[[proposal.linked]]\nid = "i"\nname = "i"\nmax = 1\nholdings = { CN = 3 }\n',
            "gives holdings for 'CN', which is not a party",
        ),
        (GOOD + '[[proposal.linked]]\nid = "i"\nname = "i"\n', "a linked category needs 'max'"),
        (GOOD + "[proposal]\nyears = 7\ndeadline = 2020-01-01\n", "give either 'deadline'"),
        (GOOD + '[proposal]\nreading = ["nope"]\n', "reads under variant 'nope'"),
        (GOOD + "[proposal]\nrates = { icbms = 5 }\n", "gives a rate for undefined measure 'icbms'"),
        (GOOD + '[proposal]\nsources = ["NOPE"]\n', "cites source 'NOPE'"),
        (GOOD + "[proposal]\nwho = 1\n", "proposal.who: unknown key"),
        (GOOD.replace('kind = "proposal"', 'kind = "draft"'), "is not a proposal"),
        (GOOD.replace("max = 1000", "max = "), "not valid TOML"),
        (GOOD.replace('extends = "new-start"', 'extends = "us-dec-2009-bombers"'), "a proposal extends a treaty"),
    ],
)
def test_bad_proposal_file_is_one_line_and_exit_2(cli, tmp_path, text, expected):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    code, out, err = cli("proposals", "show", str(path))
    if expected is None:
        assert code == 0
        return
    assert code == 2, err
    assert out == ""  # errors go to stderr
    assert expected in err.replace("\n", "")
    assert str(path) in err.replace("\n", "") or "mine.toml" in err
    assert "Traceback" not in out + err
    assert err.count("error:") == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["proposals", "show", "nope"], "unknown proposal 'nope'"),
        (["proposals", "show", "new-start+nope"], "has no variant 'nope'"),
        (["proposals", "compare", "us-2009-12", "--proposal", "nope"], "unknown proposal 'nope'"),
        (["proposals", "compare", "us-2009-12", "us-2020-09"], "party US is in force 1"),
        (["proposals", "compare", "us-2009-12", "--rate", "warheads"], "--rate: expected MEASURE=N"),
        (["proposals", "zone", "us-2009-12", "--rate", "icbms=3"], "--rate: no proposal compared has a measure"),
        (["proposals", "compare", "us-2009-12", "--chart", "out.pdf"], "unknown chart type '.pdf'"),
        (["proposals", "compare", "no-such-force"], "no force file or shipped force named"),
        (["proposals", "bomber-dispute", "us-2009-12", "--date", "2009-13-01"], "--date: expected YYYY-MM-DD"),
        (["proposals", "compare", "us-2009-12", "--proposal", "new-start"], None),  # a built-in treaty as it stands
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(cli, args, expected):
    code, out, err = cli(*args)
    if expected is None:
        assert code == 0
        return
    assert code == 2, err
    assert expected in err.replace("\n", "")
    assert "Traceback" not in out + err
