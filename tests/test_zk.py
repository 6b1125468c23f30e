"""Compliance proofs on committed per-facility counts (detente.zk).

Asserted: the counts per facility are the counting engine's and add up to the party's totals (on the demo ledger's
US state); the limits proven are the compliance judge's; an honest bundle verifies; a force over a limit cannot be
proven, and a bundle forged for it (another value proven, a "negative" count hiding warheads) fails; a tampered
commitment, a bundle replayed for another date, party, treaty or entry, a statement removed, duplicated, added or
changed, and a flipped bit in any proof fail; an opening of one facility checks, names a changed value or blinding
and a finding that differs, reveals no other facility, and leaves the other proofs verifying; random small forces
within the limits always verify and over them never prove. Small hand-made counts keep most of it fast.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import json
import math
import random
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.catalog import builtin_catalog
from detente.counting import Verdict as Judgement
from detente.counting import count, judge
from detente.crypto.pedersen import IDENTITY, ORDER, Point, add, open_check, random_scalar
from detente.crypto.pedersen import commit as pedersen_commit
from detente.crypto.rangeproof import AT_MOST, RANGE, _prove, _statement, at_most_commitment
from detente.demo.ledger import build_demo_ledger, demo_keys
from detente.errors import CountingError, InputError, VerificationError
from detente.forces import Facility, FacilityKind, Force
from detente.ledger import Ledger, MemoryStore
from detente.treaty import Treaty, get_treaty
from detente.zk import (
    BUNDLE_FORMAT,
    SCHEME,
    TOTAL,
    FacilityCounts,
    Opening,
    Secret,
    Verdict,
    binding_limits,
    check_opening,
    commit,
    default_capacities,
    facility_counts,
    force_at,
    open_facility,
    prove,
    read_bundle,
    required_statements,
    totals,
    verify,
    warheads_measure,
)
from detente.zk.commitments import read_content
from detente.zk.proofs import _context

from builders import row

CATALOG = builtin_catalog()
NEW_START = get_treaty("new-start")
MEASURES = ("deployed-delivery-vehicles", "warheads", "launchers")
DATE = dt.date(2018, 2, 5)  # New START's central limits apply: 700, 1,550, 800
ENTRY = (1401, "ab" * 32)
SMALL = {
    "alpha": {"deployed-delivery-vehicles": 300, "warheads": 700, "launchers": 350},
    "bravo": {"deployed-delivery-vehicles": 200, "warheads": 600, "launchers": 300},
}
SMALL_CAPACITIES = {"alpha": 800, "bravo": 700}

Doc = dict[str, Any]


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def demo_force() -> Force:
    """The US as the demo ledger declares it on 2018-02-05 (built into memory: about a second)."""
    store = MemoryStore()
    ledger = Ledger(store, demo_keys(), CATALOG, get_treaty)
    build_demo_ledger(ledger, lambda _message: None)
    return force_at(store, "US", DATE, CATALOG)


@pytest.fixture(scope="module")
def demo(demo_force: Force) -> tuple[Doc, Secret, Doc]:
    counts = facility_counts(demo_force, "US", NEW_START)
    content, secret = commit(counts, default_capacities(demo_force, "US", NEW_START), "new-start", "US", DATE)
    return content, secret, prove(content, secret, NEW_START, ENTRY)


@pytest.fixture(scope="module")
def small() -> tuple[Doc, Secret, Doc]:
    content, secret = commit(FacilityCounts(MEASURES, SMALL), SMALL_CAPACITIES, "new-start", "US", DATE)
    return content, secret, prove(content, secret, NEW_START, ENTRY)


def check(
    bundle: Any, content: Any, treaty: Treaty = NEW_START, entry: tuple[int, str] = ENTRY, party: str = "US"
) -> Verdict:
    return verify(bundle, content, treaty, entry, party=party)


def failing(verdict: Verdict) -> set[tuple[str, str, str]]:
    return {c.statement.key for c in verdict.failures}


def encoded(point: Point) -> str:
    return base64.b64encode(bytes(point)).decode()


def forged_bundle(content: Doc, openings: Mapping[tuple[str, str], tuple[int, int]]) -> Doc:
    """A cheating prover: runs the protocol's prover on whatever it claims the values are, skipping every check.

    ``openings`` gives, per (facility, measure), the value and blinding the prover uses (true or not); the totals
    are their sums. For honest openings this makes the honest bundle.
    """
    read = read_content(content)
    statements = []
    for s in required_statements(read, NEW_START, "US"):
        context = _context("new-start", "US", read.data_date, ENTRY, s)
        if s.facility == "total":
            pairs = [openings[(f, s.measure)] for f in read.facilities]
            value, blinding = sum(v for v, _ in pairs), sum(b for _, b in pairs) % ORDER
            commitment = _sum(read.facilities[f].commitments[s.measure] for f in read.facilities)
        else:
            value, blinding = openings[(s.facility, s.measure)]
            commitment = read.facilities[s.facility].commitments[s.measure]
        if s.bound is None:
            proof = _prove(_statement(RANGE, s.k, None, commitment, commitment, context), value % ORDER, blinding, s.k)
        else:
            target = at_most_commitment(commitment, s.bound)
            transcript = _statement(AT_MOST, s.k, s.bound, commitment, target, context)
            proof = _prove(transcript, (s.bound - value) % ORDER, -blinding % ORDER, s.k)
        doc: Doc = {"kind": s.kind, "facility": s.facility, "measure": s.measure}
        if s.bound is not None:
            doc["bound"] = s.bound
        statements.append({**doc, "k": s.k, "proof": base64.b64encode(proof.to_bytes()).decode()})
    header = {"format": BUNDLE_FORMAT, "scheme": SCHEME, "treaty": "new-start", "party": "US"}
    return {
        **header,
        "data_date": read.data_date,
        "entry": {"seq": ENTRY[0], "hash": ENTRY[1]},
        "statements": statements,
    }


def _sum(points: Iterable[Point]) -> Point:
    total = IDENTITY
    for p in points:
        total = add(total, p)
    return total


def made_content(openings: Mapping[tuple[str, str], tuple[int, int]], capacities: Mapping[str, int]) -> Doc:
    """A content committing to the given (value, blinding) per facility and measure, any value modulo ℓ."""
    facilities: Doc = {}
    for (f, m), (value, blinding) in openings.items():
        facilities.setdefault(f, {"capacity": capacities[f], "commitments": {}})
        facilities[f]["commitments"][m] = encoded(pedersen_commit(value % ORDER, blinding))
    return {"scheme": SCHEME, "data_date": DATE.isoformat(), "measures": list(MEASURES), "facilities": facilities}


def honest_openings(values: Mapping[str, Mapping[str, int]]) -> dict[tuple[str, str], tuple[int, int]]:
    return {(f, m): (n, random_scalar()) for f, row_ in values.items() for m, n in row_.items()}


# ------------------------------------------------------------------------------------------------ values


def test_counts_per_facility_are_the_treatys_and_add_up_to_the_partys_totals(demo_force: Force) -> None:
    counts = facility_counts(demo_force, "US", NEW_START)
    whole = count(demo_force, NEW_START)
    assert counts.measures == MEASURES
    assert counts.totals() == {m: whole[("US", m)].total for m in MEASURES}
    assert counts.totals() == {"deployed-delivery-vehicles": 652, "warheads": 1350, "launchers": 800}  # published
    assert set(counts.facilities) == {f.id for f in demo_force.facilities if f.party == "US"}
    # Each facility's row is the engine's count of that facility's items alone.
    rows = [r for r in demo_force.rows() if r.facility == "kings-bay"]
    alone = count(Force.from_rows(rows, demo_force.facilities, parties=["US"]), NEW_START)
    assert dict(counts.counts["kings-bay"]) == {m: alone[("US", m)].total for m in MEASURES}
    assert counts.counts["davis-monthan"]["launchers"] == 0  # converted B-1Bs only: committed, as zeros


def test_counted_items_at_no_facility_are_refused_by_name_and_uncounted_ones_left_out() -> None:
    placed = dataclasses.replace(row("US", "minuteman-iii", warheads=1, uid="MM-1"), facility="malmstrom")
    nowhere = row("US", "minuteman-iii", warheads=1, count=3)
    converted = row("US", "b-1b", "converted", armament="none", uid="B1-7")
    facilities = [_facility("malmstrom")]
    with pytest.raises(CountingError, match=r"counted items at no facility: 3 × minuteman-iii deployed launcher"):
        facility_counts(Force.from_rows([placed, nowhere], facilities), "US", NEW_START)
    counts = facility_counts(Force.from_rows([placed, converted], facilities), "US", NEW_START)
    assert dict(counts.counts["malmstrom"]) == {"deployed-delivery-vehicles": 1, "warheads": 1, "launchers": 1}


def _facility(name: str) -> Facility:
    return Facility(name, "US", FacilityKind.ICBM_BASE)


def test_a_rule_that_counts_across_facilities_is_refused() -> None:
    start = get_treaty("start-i")
    bombers = [
        dataclasses.replace(row("US", "b-52h", count=150, armament="alcm"), facility="a"),
        dataclasses.replace(row("US", "b-52h", count=1, armament="alcm"), facility="b"),
    ]
    force = Force.from_rows(bombers, [_facility("a"), _facility("b")])
    with pytest.raises(CountingError, match=r"'accountable-warheads'.*add up to 1,510.*counts 1,520"):
        facility_counts(force, "US", start)


def test_default_capacities_are_what_the_carriers_could_carry_rounded_up_to_a_power_of_two(demo_force: Force) -> None:
    capacities = default_capacities(demo_force, "US", NEW_START)
    counts = facility_counts(demo_force, "US", NEW_START)
    mm3, d5, b52 = (CATALOG.get(s) for s in ("minuteman-iii", "trident-ii-d5", "b-52h"))

    def power_of_two_above(n: int) -> int:  # what a one-type base's capacity may tell: its size within a factor 2
        return 0 if n == 0 else 2 ** math.ceil(math.log2(n))

    assert capacities["fe-warren"] == power_of_two_above(150 * mm3.max_rvs)  # 150 silos, deployed or not
    assert capacities["kings-bay"] == power_of_two_above(120 * d5.max_rvs)  # converted tubes carry nothing
    assert capacities["edwards"] == power_of_two_above(4 * b52.alcm_capacity + 1)  # test B-52H and one B-2A (1)
    assert capacities["davis-monthan"] == 0
    assert all(n & (n - 1) == 0 for n in capacities.values())  # powers of two (or zero)
    assert all(counts.counts[f]["warheads"] <= capacities[f] for f in capacities)


def test_the_limits_proven_are_the_ones_the_compliance_judge_applies() -> None:
    force = Force.from_rows([row("US", "minuteman-iii", warheads=1), row("RU", "ss-25", warheads=1)])
    for name in ("new-start", "sort", "start-i", "joint-understanding"):
        treaty = get_treaty(name)
        for day in (dt.date(1995, 1, 1), dt.date(2011, 2, 5), dt.date(2012, 12, 31), DATE, dt.date(2026, 2, 5)):
            compliance = judge(count(force, treaty), day)
            for party in compliance.tally.parties:
                judged = {
                    x.measure: x.limit.upper
                    for x in compliance.lines
                    if x.party == party and x.limit is not None
                    and x.verdict in (Judgement.WITHIN, Judgement.WITHIN_RANGE, Judgement.OVER)
                }  # fmt: skip
                assert binding_limits(treaty, party, day) == judged, (name, day, party)
    assert binding_limits(NEW_START, "US", DATE) == {"deployed-delivery-vehicles": 700, "warheads": 1550,
                                                      "launchers": 800}  # fmt: skip
    assert warheads_measure(NEW_START) == "warheads"
    assert warheads_measure(get_treaty("sort")) == "operationally-deployed-warheads"


# ------------------------------------------------------------------------------------------------ commitments


def test_the_content_has_exactly_the_recorded_shape_and_its_sums_commit_to_the_totals(
    small: tuple[Doc, Secret, Doc],
) -> None:
    content, secret, _ = small
    assert set(content) == {"scheme", "data_date", "measures", "facilities"}
    assert content["scheme"] == "detente/pedersen-ed25519/v1"
    assert content["data_date"] == "2018-02-05"
    assert content["measures"] == list(MEASURES)
    assert set(content["facilities"]) == {"alpha", "bravo"}
    for f, facility in content["facilities"].items():
        assert set(facility) == {"capacity", "commitments"}
        assert facility["capacity"] == SMALL_CAPACITIES[f]
        assert list(facility["commitments"]) == list(MEASURES)
        for m, text in facility["commitments"].items():
            assert len(base64.b64decode(text, validate=True)) == 32
            point = read_content(content).facilities[f].commitments[m]
            assert open_check(point, secret.values[f][m], secret.blindings[f][m])
    json.dumps(content)  # plain JSON
    blindings = [b for f in secret.facilities for b in secret.blindings[f].values()]
    assert len(set(blindings)) == len(blindings)
    assert all(0 < b < ORDER for b in blindings)
    sums = totals(content)
    for m in MEASURES:
        value = sum(SMALL[f][m] for f in SMALL)
        blinding = sum(secret.blindings[f][m] for f in SMALL) % ORDER
        assert sums[m] == pedersen_commit(value, blinding)


def test_the_secret_round_trips_and_is_read_strictly(small: tuple[Doc, Secret, Doc]) -> None:
    _, secret, _ = small
    doc = secret.to_json()
    again = Secret.from_json(json.loads(json.dumps(doc)))
    assert again.values == secret.values
    assert again.blindings == secret.blindings
    assert again == secret
    assert "700" not in repr(secret)
    assert str(secret.blindings["alpha"]["warheads"]) not in repr(secret)
    alpha = "secret.facilities.alpha"
    zero = base64.b64encode(bytes(32)).decode()
    order = base64.b64encode(ORDER.to_bytes(32, "little")).decode()
    good = doc["facilities"]["alpha"]["blindings"]["warheads"]
    unpadded = good[:-2] + chr(ord(good[-2]) + 1) + "="  # the same bytes written with padding bits set
    cases: list[tuple[str, Any, str]] = [
        ("extra", 1, "secret.extra"),
        ("format", "detente.zk-secret/2", "secret.format"),
        ("measures", ["warheads", "warheads"], r"secret.measures\[1\]"),
        ("facilities.alpha.values.warheads", "700", f"{alpha}.values.warheads"),
        ("facilities.alpha.values.warheads", 700.0, f"{alpha}.values.warheads"),
        ("facilities.alpha.values.warheads", True, f"{alpha}.values.warheads"),
        ("facilities.alpha.values.warheads", 65536, f"{alpha}.values.warheads"),
        ("facilities.alpha.blindings.warheads", zero, f"{alpha}.blindings.warheads.*zero"),
        ("facilities.alpha.blindings.warheads", order, f"{alpha}.blindings.warheads.*below ℓ"),
        ("facilities.alpha.blindings.warheads", good[:-1], f"{alpha}.blindings.warheads.*base64"),
        ("facilities.alpha.blindings.warheads", unpadded, f"{alpha}.blindings.warheads.*canonical"),
        ("facilities.alpha.values.extra", 1, f"{alpha}.values.extra"),
    ]
    for path, value, where in cases:
        with pytest.raises(InputError, match=where):
            Secret.from_json(_set(doc, path, value))
    with pytest.raises(InputError, match=f"{alpha}.values.launchers.*missing"):
        Secret.from_json(_delete(doc, "facilities.alpha.values.launchers"))


def _walk(doc: Doc, path: str) -> tuple[Doc, Any, Any]:
    """A deep copy of the document, the node holding the path's last step, and that step (a list index as int)."""
    changed = copy.deepcopy(doc)
    steps: list[Any] = path.split(".")
    node: Any = changed
    for key in steps[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = int(steps[-1]) if isinstance(node, list) else steps[-1]
    return changed, node, last


def _set(doc: Doc, path: str, value: Any) -> Doc:
    changed, node, last = _walk(doc, path)
    node[last] = value
    return changed


def _delete(doc: Doc, path: str) -> Doc:
    changed, node, last = _walk(doc, path)
    del node[last]
    return changed


def test_commit_refuses_what_could_never_be_proven() -> None:
    with pytest.raises(InputError, match="from 0 to 65,535"):
        FacilityCounts(MEASURES, {"a": {"deployed-delivery-vehicles": 0, "warheads": 65536, "launchers": 0}})
    with pytest.raises(InputError, match="measures"):
        FacilityCounts(MEASURES, {"a": {"warheads": 1}})
    counts = FacilityCounts(MEASURES, SMALL)
    with pytest.raises(InputError, match="'bravo'"):
        commit(counts, {"alpha": 800}, "new-start", "US", DATE)
    with pytest.raises(InputError, match=r"capacities\.alpha"):
        commit(counts, {"alpha": -1, "bravo": 700}, "new-start", "US", DATE)
    named_total = FacilityCounts(MEASURES, {"total": SMALL["alpha"]})
    with pytest.raises(InputError, match="'total'"):
        commit(named_total, {"total": 800}, "new-start", "US", DATE)


# ------------------------------------------------------------------------------------------------ completeness


def test_an_honest_bundle_of_the_demo_state_verifies(demo: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = demo
    again = json.loads(json.dumps(bundle))  # through JSON text, as it travels
    verdict = check(again, content)
    assert verdict.ok, verdict.describe()
    facilities = len(content["facilities"])
    assert len(verdict.checks) == facilities * 3 + 3 + facilities
    kinds = [(s["kind"], s["facility"] == "total") for s in bundle["statements"]]
    assert kinds.count(("range", False)) == facilities * 3
    assert kinds.count(("at-most", True)) == 3
    assert kinds.count(("at-most", False)) == facilities
    assert {(s["measure"], s["bound"], s["k"]) for s in bundle["statements"] if s["facility"] == "total"} == {
        ("deployed-delivery-vehicles", 700, 10), ("warheads", 1550, 11), ("launchers", 800, 10)}  # fmt: skip
    assert all(s["k"] == 16 for s in bundle["statements"] if s["kind"] == "range")
    assert set(bundle) == {"format", "scheme", "treaty", "party", "data_date", "entry", "statements"}
    assert bundle["entry"] == {"seq": ENTRY[0], "hash": ENTRY[1]}


def test_the_honest_prover_and_the_raw_protocol_make_bundles_that_verify_alike(small: tuple[Doc, Secret, Doc]) -> None:
    content, secret, bundle = small
    assert check(bundle, content).ok
    openings = {(f, m): (secret.values[f][m], secret.blindings[f][m]) for f in SMALL for m in MEASURES}
    assert check(forged_bundle(content, openings), content).ok  # the forging helper is honest with true openings


def test_before_the_limits_apply_the_proofs_verify_but_show_no_compliance() -> None:
    """Ranges and capacities are proven and each verifies, but a bundle with no limit to prove is not a pass: it
    could otherwise be shown as if it were the bundle of a date where the limits bind."""
    early = dt.date(2012, 9, 1)  # in force, but the central limits apply from 2018-02-05
    content, secret = commit(FacilityCounts(MEASURES, SMALL), SMALL_CAPACITIES, "new-start", "US", early)
    bundle = prove(content, secret, NEW_START, ENTRY)
    assert {s["facility"] for s in bundle["statements"]} == {"alpha", "bravo"}
    verdict = check(bundle, content)
    assert all(c.ok for c in verdict.checks)
    assert not verdict.ok
    assert verdict.problems == ("no limit of New START binds US at 2012-09-01: a bundle of this date proves no total "
                                "within a limit, so it cannot show compliance",)  # fmt: skip


def test_a_content_without_a_limited_measure_cannot_be_proven_and_fails(small: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = small
    only = ("deployed-delivery-vehicles", "launchers")
    counts = FacilityCounts(only, {f: {m: SMALL[f][m] for m in only} for f in SMALL})
    partial, secret = commit(counts, SMALL_CAPACITIES, "new-start", "US", DATE)
    with pytest.raises(InputError, match="commits to no 'warheads', which New START limits"):
        prove(partial, secret, NEW_START, ENTRY)
    trimmed = {**content, "measures": list(only)}
    trimmed["facilities"] = {
        f: {**v, "commitments": {m: v["commitments"][m] for m in only}} for f, v in content["facilities"].items()
    }
    verdict = check(bundle, trimmed)
    reasons = {c.statement.key: c.reason for c in verdict.failures}
    assert reasons[("at-most", "total", "warheads")].startswith("the content commits to no 'warheads'")
    assert reasons[("at-most", "alpha", "warheads")].startswith("the content commits to no 'warheads'")
    assert reasons[("range", "alpha", "warheads")] == "not a statement this content and treaty call for"


def test_the_verifiers_own_inputs_are_refused_as_input_errors(small: tuple[Doc, Secret, Doc]) -> None:
    content, secret, bundle = small
    for entry in [(0, ENTRY[1]), (1, "AB" * 32), (1,), "1401"]:
        with pytest.raises(InputError, match="entry"):
            verify(bundle, content, NEW_START, entry, party="US")  # type: ignore[arg-type]
        with pytest.raises(InputError, match="entry"):
            prove(content, secret, NEW_START, entry)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="party"):
        verify(bundle, content, NEW_START, ENTRY, party="")
    with pytest.raises(InputError, match="secret is for treaty 'new-start', not 'sort'"):
        prove(content, secret, get_treaty("sort"), ENTRY)
    other, _ = commit(FacilityCounts(MEASURES, SMALL), SMALL_CAPACITIES, "new-start", "US", DATE)
    with pytest.raises(InputError, match="do not open the content's commitment"):
        prove(other, secret, NEW_START, ENTRY)


# ------------------------------------------------------------------------------------------------ soundness


def test_a_force_over_a_limit_cannot_be_proven_and_a_bundle_forged_for_it_fails() -> None:
    over = {**SMALL, "bravo": {**SMALL["bravo"], "warheads": 1000}}  # 700 + 1,000 = 1,700 > 1,550
    content, secret = commit(FacilityCounts(MEASURES, over), {"alpha": 800, "bravo": 1000}, "new-start", "US", DATE)
    with pytest.raises(InputError, match=r"total of 'warheads' is 1,700, above the limit of 1,550"):
        prove(content, secret, NEW_START, ENTRY)
    # The cheat proves another value: the total as 1,500 with the true blindings.
    openings = {(f, m): (secret.values[f][m], secret.blindings[f][m]) for f in over for m in MEASURES}
    claimed = dict(openings)
    claimed[("bravo", "warheads")] = (800, openings[("bravo", "warheads")][1])
    verdict = check(forged_bundle(content, claimed), content)
    assert not verdict.ok
    assert ("at-most", "total", "warheads") in failing(verdict)
    assert ("range", "bravo", "warheads") in failing(verdict)  # 800 is not what bravo's commitment holds
    reasons = {c.statement.key: c.reason for c in verdict.failures}
    assert "do not add up" in reasons[("at-most", "total", "warheads")]


def test_a_negative_count_passes_the_total_but_not_its_range_proof() -> None:
    """Why the range proofs: alpha commits to -300 (ℓ - 300), hiding 300 of bravo's 1,800 warheads from the sum."""
    values = {"alpha": {**SMALL["alpha"], "warheads": -300}, "bravo": {**SMALL["bravo"], "warheads": 1800}}
    openings = honest_openings(values)
    content = made_content(openings, {"alpha": 1500, "bravo": 1800})
    verdict = check(forged_bundle(content, openings), content)
    assert failing(verdict) == {("range", "alpha", "warheads")}  # the total (1,500 mod ℓ) and the capacities pass
    assert not verdict.ok


def test_a_tampered_commitment_in_the_content_fails(small: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = small
    other = pedersen_commit(700, random_scalar())  # the same count, another blinding
    tampered = _set(content, "facilities.alpha.commitments.warheads", encoded(other))
    verdict = check(bundle, tampered)
    assert not verdict.ok
    assert failing(verdict) == {("range", "alpha", "warheads"), ("at-most", "total", "warheads"),
                                ("at-most", "alpha", "warheads")}  # fmt: skip
    swapped = _set(
        content, "facilities.alpha.commitments.warheads", content["facilities"]["bravo"]["commitments"]["warheads"]
    )
    assert ("range", "alpha", "warheads") in failing(check(bundle, swapped))
    identity = base64.b64encode(bytes([1]) + bytes(31)).decode()
    for text, why in [(identity, "is the identity"), ("A" * 43 + "=", "small order"), ("AAAA", "3 bytes, not 32")]:
        verdict = check(bundle, _set(content, "facilities.alpha.commitments.warheads", text))
        assert not verdict.ok
        assert verdict.checks == ()
        assert verdict.problems[0].startswith("content.facilities.alpha.commitments.warheads: ")
        assert why in verdict.problems[0]
    raised = _set(content, "facilities.alpha.capacity", 900)  # a capacity changed after proving
    assert failing(check(bundle, raised)) == {("at-most", "alpha", "warheads")}


def test_a_bundle_replayed_for_another_date_party_treaty_or_entry_fails(small: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = small
    later = {**content, "data_date": "2018-09-01"}
    renamed = NEW_START.model_copy(update={"id": "new-start-bis"})
    attempts = {
        "date": check(bundle, later),
        "party": check(bundle, content, party="RU"),
        "treaty": check(bundle, content, treaty=renamed),
        "entry seq": check(bundle, content, entry=(ENTRY[0] + 1, ENTRY[1])),
        "entry hash": check(bundle, content, entry=(ENTRY[0], "cd" * 32)),
    }
    for what, verdict in attempts.items():
        assert not verdict.ok, what
        assert verdict.problems, what
        assert all(not c.ok for c in verdict.checks), what  # every proof is bound to the context, not just the header
    # Rewriting the bundle's header to match does not help: the proofs still name the old context.
    relabelled = {**bundle, "data_date": "2018-09-01", "entry": {"seq": 7, "hash": "cd" * 32}, "party": "RU"}
    verdict = check(relabelled, later, entry=(7, "cd" * 32), party="RU")
    assert not verdict.problems
    assert not verdict.ok
    assert all(not c.ok for c in verdict.checks)


def test_a_statement_removed_duplicated_added_or_changed_fails(small: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = small
    for i, statement in enumerate(bundle["statements"]):
        removed = {**bundle, "statements": bundle["statements"][:i] + bundle["statements"][i + 1 :]}
        verdict = check(removed, content)
        assert not verdict.ok
        assert [(c.statement.key, c.reason) for c in verdict.failures] == [
            (
                (statement["kind"], statement["facility"], statement["measure"]),
                "missing: the bundle holds no proof of it",
            )
        ]
    duplicated = {**bundle, "statements": [*bundle["statements"], bundle["statements"][3]]}
    with pytest.raises(VerificationError, match=r"bundle.statements\[11\]: repeats statements\[3\]"):
        read_bundle(duplicated)
    verdict = check(duplicated, content)
    assert not verdict.ok
    assert "repeats" in verdict.problems[0]
    extra = {**bundle["statements"][0], "facility": "charlie"}
    verdict = check({**bundle, "statements": [*bundle["statements"], extra]}, content)
    assert failing(verdict) == {("range", "charlie", "deployed-delivery-vehicles")}
    assert verdict.failures[0].reason == "not a statement this content and treaty call for"
    limit = next(i for i, s in enumerate(bundle["statements"]) if s["facility"] == "total")
    for key, value in (("bound", 1600), ("k", 12)):
        changed = _set(bundle, f"statements.{limit}", {**bundle["statements"][limit], key: value})
        assert failing(check(changed, content)) == {("at-most", "total", bundle["statements"][limit]["measure"])}
    assert not check({**bundle, "statements": []}, content).ok


def test_a_bundle_is_read_strictly(small: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = small
    first = bundle["statements"][0]
    cases: list[tuple[Any, str]] = [
        ({**bundle, "extra": 1}, "bundle.extra: is not a field"),
        ({k: v for k, v in bundle.items() if k != "entry"}, "bundle.entry: is missing"),
        ({**bundle, "format": "detente.zk-proof/2"}, "bundle.format"),
        ({**bundle, "scheme": "detente/pedersen-ristretto/v1"}, "bundle.scheme"),
        ({**bundle, "data_date": "2018-2-5"}, "bundle.data_date"),
        ({**bundle, "entry": {"seq": "1401", "hash": ENTRY[1]}}, "bundle.entry.seq: is a string, not an integer"),
        ({**bundle, "entry": {"seq": 1401, "hash": ENTRY[1].upper()}}, "bundle.entry.hash"),
        ({**bundle, "statements": {}}, "bundle.statements: is not an array"),
        ({**bundle, "statements": [{**first, "kind": "at-least"}]}, r"statements\[0\].kind: is 'at-least'"),
        ({**bundle, "statements": [{**first, "bound": 5}]}, r"statements\[0\].bound: is not a field"),
        ({**bundle, "statements": [{**first, "k": 16.0}]}, r"statements\[0\].k: is a number, not an integer"),
        ({**bundle, "statements": [{**first, "k": True}]}, r"statements\[0\].k: is a boolean"),
        ({**bundle, "statements": [{**first, "k": 65}]}, r"statements\[0\].k: is 65, outside 1..64"),
        ({**bundle, "statements": [{**first, "proof": first["proof"] + "="}]}, r"statements\[0\].proof"),
        ({**bundle, "statements": [{k: v for k, v in first.items() if k != "measure"}]}, r"\[0\].measure: is missing"),
        ([], "bundle: is an array, not an object"),
    ]
    for doc, why in cases:
        with pytest.raises(VerificationError, match=why):
            read_bundle(doc)
        verdict = check(doc, content)  # verify reports it, never raises on the other party's documents
        assert not verdict.ok
        assert verdict.problems


def test_a_flipped_bit_in_any_proof_fails(demo: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = demo
    rng = random.Random(20180205)  # noqa: S311 - reproducible positions, not cryptography
    statements = []
    for statement in bundle["statements"]:
        data = bytearray(base64.b64decode(statement["proof"]))
        bit = rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        statements.append({**statement, "proof": base64.b64encode(bytes(data)).decode()})
    verdict = check({**bundle, "statements": statements}, content)
    assert not verdict.ok
    assert not verdict.problems
    assert len(verdict.failures) == len(bundle["statements"])  # each proof, on its own, is refused


def test_a_flipped_bit_in_one_proof_fails_that_statement_alone(small: tuple[Doc, Secret, Doc]) -> None:
    content, _, bundle = small
    rng = random.Random(7)  # noqa: S311 - reproducible positions, not cryptography
    for at, statement in enumerate(bundle["statements"]):
        data = bytearray(base64.b64decode(statement["proof"]))
        bit = rng.randrange(16) if at % 3 == 0 else rng.randrange(len(data) * 8)  # the header's bits, sometimes
        data[bit // 8] ^= 1 << (bit % 8)
        changed = _set(bundle, f"statements.{at}", {**statement, "proof": base64.b64encode(bytes(data)).decode()})
        key = (statement["kind"], statement["facility"], statement["measure"])
        assert failing(check(changed, content)) == {key}, (at, bit)


# ------------------------------------------------------------------------------------------------ opening


def test_an_opening_of_one_facility_checks_and_reveals_no_other(demo: tuple[Doc, Secret, Doc]) -> None:
    content, secret, bundle = demo
    opening = open_facility(secret, "kings-bay")
    assert check_opening(opening, content) == []
    assert check_opening(opening, content, {"warheads": opening.values["warheads"]}) == []
    doc = opening.to_json()
    text = json.dumps(doc)
    assert doc["facility"] == "kings-bay"
    assert set(doc["values"]) == set(MEASURES)
    for other in secret.facilities:
        if other != "kings-bay":
            assert other not in text
            for m in MEASURES:
                assert base64.b64encode(secret.blindings[other][m].to_bytes(32, "little")).decode() not in text
    assert Opening.from_json(json.loads(text)) == opening
    # The proofs of every facility, and of the totals, still verify with kings-bay open.
    verdict = check(bundle, content)
    assert verdict.ok
    assert all(c.ok for c in verdict.checks if c.statement.facility != "kings-bay")


def test_a_changed_value_or_blinding_and_a_differing_finding_are_flagged(small: tuple[Doc, Secret, Doc]) -> None:
    content, secret, _ = small
    opening = open_facility(secret, "alpha")
    lower = dataclasses.replace(opening, values={**opening.values, "warheads": 699})
    [found] = check_opening(lower, content)
    assert (found.kind, found.facility, found.measure) == ("does-not-open", "alpha", "warheads")
    other = dataclasses.replace(opening, blindings={**opening.blindings, "launchers": random_scalar()})
    assert [(d.kind, d.measure) for d in check_opening(other, content)] == [("does-not-open", "launchers")]
    findings = {"warheads": 712, "launchers": 350}
    [differs] = check_opening(opening, content, findings)
    assert (differs.kind, differs.declared, differs.found) == ("wrong-count", "700", "712")
    assert differs.describe("US") == "US at alpha: warheads wrong-count (declared 700, found 712)"
    partial = dataclasses.replace(
        opening, values={"warheads": 700}, blindings={"warheads": opening.blindings["warheads"]}
    )
    assert [(d.kind, d.measure) for d in check_opening(partial, content)] == [
        ("not-opened", "deployed-delivery-vehicles"), ("not-opened", "launchers")]  # fmt: skip
    elsewhere = dataclasses.replace(opening, facility="charlie")
    assert [d.kind for d in check_opening(elsewhere, content)] == ["not-committed"]
    assert [d.kind for d in check_opening(opening, content, {"items": 3})] == ["not-committed"]
    assert [d.kind for d in check_opening(dataclasses.replace(opening, data_date="2018-09-01"), content)] == [
        "other-date"
    ]
    with pytest.raises(InputError, match="holds no facility 'charlie'"):
        open_facility(secret, "charlie")


def test_an_opening_is_read_strictly(small: tuple[Doc, Secret, Doc]) -> None:
    _, secret, _ = small
    doc = open_facility(secret, "alpha").to_json()
    zero = base64.b64encode(bytes(32)).decode()
    for changed, why in [
        ({**doc, "extra": 1}, "opening.extra"),
        ({**doc, "values": {**doc["values"], "warheads": "700"}}, "opening.values.warheads"),
        ({**doc, "blindings": {**doc["blindings"], "warheads": zero}}, "opening.blindings.warheads.*zero"),
        ({**doc, "values": {**doc["values"], "items": 1}}, "opening.blindings.items: is missing"),
        ({**doc, "values": {}, "blindings": {}}, "opening.values: is empty"),
    ]:
        with pytest.raises(VerificationError, match=why):
            Opening.from_json(changed)


# ------------------------------------------------------------------------------------------------ properties


LIMITS = {"deployed-delivery-vehicles": 700, "warheads": 1550, "launchers": 800}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.fixed_dictionaries({m: st.integers(0, 600) for m in MEASURES}),
        min_size=1,
        max_size=2,
    ),
    slack=st.integers(-3, 25),
)
def test_small_forces_within_the_limits_always_verify_and_over_them_never_prove(
    values: dict[str, dict[str, int]], slack: int
) -> None:
    capacities = {f: max(0, v["warheads"] + slack) for f, v in values.items()}
    content, secret = commit(FacilityCounts(MEASURES, values), capacities, "new-start", "US", DATE)
    sums = {m: sum(v[m] for v in values.values()) for m in MEASURES}
    over = [m for m in MEASURES if sums[m] > LIMITS[m]]
    beyond = [f for f, v in values.items() if v["warheads"] > capacities[f]]
    if over or beyond:
        with pytest.raises(InputError, match="above"):
            prove(content, secret, NEW_START, ENTRY)
        return
    verdict = check(prove(content, secret, NEW_START, ENTRY), content)
    assert verdict.ok, verdict.describe()


def test_a_total_above_a_facilitys_range_opens_and_reads_back() -> None:
    """A total sums many facilities: its opening may exceed 2**16 and still be read and checked."""
    big = {f"f{i}": {"deployed-delivery-vehicles": 0, "warheads": 60_000, "launchers": 0} for i in range(2)}
    content, secret = commit(FacilityCounts(MEASURES, big), dict.fromkeys(big, 65_536), "new-start", "US", DATE)
    opening = Opening.from_json(open_facility(secret, TOTAL).to_json())
    assert opening.values["warheads"] == 120_000
    assert check_opening(opening, content) == []
