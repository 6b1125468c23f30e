"""Counting and treaties must not guess: each test feeds what used to be guessed and asserts the refusal or the count.

- a draft that ``extends`` a treaty has an id of its own, says what it inherited, and never shares a column;
- START I's 20/16 ALCMs per heavy bomber is a ceiling: a bomber declared above it counts as declared and is a
  violation, in ``count`` and in ``--json``;
- impossible declarations (ALCMs on an ICBM or SLBM, a bomber equipped for a missile) are refused on reading;
- a name that may mean several types (``Tu-95``, ``Bear``) and a bomber row without armament where its type has
  several are refused, listing the candidates.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from detente.catalog.load import builtin_catalog, catalog_from_document
from detente.catalog.model import Armament, Catalog
from detente.counting import count, count_readings, judge, parse_reading
from detente.data.forces import load_force
from detente.errors import AmbiguousSystemError, CatalogError, ForceError, PlanningError, TreatyError
from detente.forces.read import read_force
from detente.planning.compare import compare_proposals
from detente.planning.proposals import get_proposal, proposal_from_document
from detente.treaty.load import builtin_treaties, load_treaty

CATALOG = builtin_catalog()
US_2020 = load_force("us-2020-09", CATALOG)

DRAFT = """\
id = "draft"
extends = "new-start"
kind = "draft"

[[limits]]
measure = "warheads"
max = 1000
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def force_file(folder: Path, *items: str, name: str = "f.toml") -> Path:
    """A force document with these [[items]] bodies (each a few `key = value` lines)."""
    text = '[force]\nsource = "TEST"\nas_of = 2002-01-01\n' + "".join(f"\n[[items]]\n{item}\n" for item in items)
    return write(folder, name, text)


def refused(error: pytest.ExceptionInfo[BaseException], *parts: str) -> None:
    message = str(error.value)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


# --------------------------------------------------------------------------- 1. drafts: id, inheritance, columns


def test_a_draft_without_an_id_is_refused(tmp_path: Path) -> None:
    """Without an id it took new-start's, and was counted, compared and reported as New START."""
    path = write(tmp_path, "draft.toml", DRAFT.replace('id = "draft"\n', ""))
    with pytest.raises(TreatyError) as error:
        load_treaty(path)
    refused(error, f"{path}: id: a file that extends 'new-start' needs an id of its own", "reported as 'new-start'")


def test_a_draft_with_its_base_id_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "draft.toml", DRAFT.replace('id = "draft"', 'id = "new-start"'))
    with pytest.raises(TreatyError) as error:
        load_treaty(path)
    refused(error, f"{path}: id: id 'new-start' is the id of the treaty it extends", "give this file an id")


def test_a_draft_with_the_id_of_a_base_file_of_another_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", 'id = "mine"\nextends = "new-start"\n')
    child = write(tmp_path, "child.toml", 'id = "mine"\nextends = "base"\n')
    with pytest.raises(TreatyError) as error:
        load_treaty(child)
    refused(error, f"{child}: id: id 'mine' is the id of the treaty it extends")


def test_a_proposal_without_an_id_is_refused() -> None:
    doc = {"name": "p", "kind": "proposal", "extends": "new-start", "limits": []}
    with pytest.raises(TreatyError) as error:
        proposal_from_document(doc, "p.toml")
    refused(error, "p.toml: id: a file that extends 'new-start' needs an id of its own")


def test_a_draft_records_what_it_inherits_and_not_its_base_name(tmp_path: Path) -> None:
    draft = load_treaty(write(tmp_path, "draft.toml", DRAFT))
    assert draft.id == "draft"
    assert draft.title == draft.name == "draft"  # not "New START": a name is never inherited
    assert draft.summary == ""
    assert draft.origin == str(tmp_path / "draft.toml")
    assert draft.inherited["dates"] == "new-start"
    assert {"parties", "definitions", "measures", "variants", "notifications"} <= set(draft.inherited)
    assert "limits" not in draft.inherited  # given
    assert draft.merged == {}
    assert draft.dates == builtin_treaties()["new-start"].dates


def test_inheritance_is_traced_to_the_file_that_gave_each_key(tmp_path: Path) -> None:
    framing = builtin_treaties()["dec-2009-framing"]  # extends the Joint Understanding, which extends New START
    assert framing.inherited["parties"] == "new-start"
    assert framing.inherited["variants"] == "joint-understanding"
    assert "dates" not in framing.inherited  # its own [dates], empty
    own = load_treaty(write(tmp_path, "own.toml", DRAFT + "[dates]\n[definitions.extra]\nkind = ['launcher']\n"))
    assert "dates" not in own.inherited
    assert own.merged == {"definitions": "new-start"}


def test_validate_and_show_say_what_is_inherited_and_what_inherited_dates_do(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "draft.toml", DRAFT)
    code, out, _ = cli("validate", str(path))
    text = " ".join(out.split())
    assert code == 0
    assert "treaty 'draft' extends new-start" in text
    assert "inherits" in text
    assert "dates" in text
    assert "from new-start" in text
    assert "draft has no [dates] of its own and takes new-start's" in text
    assert "'expired' on and after 2026-02-05" in text
    code, out, _ = cli("treaty", "show", str(path))
    text = " ".join(out.split())
    assert code == 0
    assert "Extends new-start" in text
    assert "expires 2026-02-05 (inherited from new-start)" in text
    code, out, _ = cli("validate", str(write(tmp_path, "dated.toml", DRAFT + "[dates]\n")))
    assert code == 0
    assert "has no [dates]" not in out


def test_compare_keeps_a_column_per_draft_with_its_own_verdict(cli, tmp_path: Path) -> None:
    """The reported defect: one key, new-start, carrying the draft's 'over'."""
    path = write(tmp_path, "draft.toml", DRAFT)
    code, out, _ = cli("compare", "us-2020-09", "-t", "new-start", "-t", str(path), "--json", "-d", "2020-09-01")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"new-start", "draft"}
    assert data["new-start"]["US"]["warheads"]["verdict"] == "within"
    assert data["draft"]["US"]["warheads"]["verdict"] == "over"
    assert data["draft"]["US"]["warheads"]["limit"] == 1000
    code, out, _ = cli("compare", "us-2020-09", "-t", "new-start", "-t", str(path), "-d", "2027-01-01")
    assert code == 0
    assert "draft has no [dates] of its own" in " ".join(out.split())


def test_two_columns_never_share_an_id(cli, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = write(tmp_path / "a", "draft.toml", DRAFT), write(tmp_path / "b", "draft.toml", DRAFT)
    code, out, err = cli("compare", "us-2020-09", "-t", str(a), "-t", str(b))
    assert code == 2
    assert f"two treaties are both 'draft' ({a}; {b})" in " ".join((out + err).split())
    code, out, err = cli("count", "us-2020-09", "-t", "new-start", "-t", "new-start", "--json")
    assert code == 2
    assert "reading 'new-start' is given twice" in " ".join((out + err).split())
    with pytest.raises(TreatyError, match="two treaties are both 'draft'"):
        count_readings(US_2020, [parse_reading(str(a)), parse_reading(str(b))])


def test_two_proposals_with_one_spec_are_refused() -> None:
    doc = {"id": "p", "name": "p", "kind": "proposal", "extends": "new-start", "dates": {}, "limits": []}
    one, other = proposal_from_document(doc, "one.toml"), proposal_from_document(doc, "other.toml")
    with pytest.raises(PlanningError) as error:
        compare_proposals([US_2020], [one, other], dt.date(2020, 9, 1))
    refused(error, "two proposals are both 'p' (one.toml; other.toml)")
    same = get_proposal("new-start-final")
    with pytest.raises(PlanningError, match="proposal 'new-start-final' is given twice"):
        compare_proposals([US_2020], [same, same], dt.date(2020, 9, 1))


# --------------------------------------------------------------------------- 2. a per-item ceiling is a ban

B52H_24 = 'party = "US"\nsystem = "b-52h"\nstatus = "deployed"\ncount = 160\narmament = "alcm"\nalcm_capacity = 24'


def test_a_b52h_declared_with_24_alcms_counts_24_and_is_a_violation(tmp_path: Path) -> None:
    """It used to count as 20 and be judged within, as if the declaration were legal."""
    f = read_force(force_file(tmp_path, B52H_24), CATALOG)
    reading = parse_reading("start-i")
    result = judge(count(f, reading.treaty), dt.date(2002, 1, 1))
    line = result.line("US", "accountable-warheads")
    assert line.count.total == 150 * 10 + 10 * 24  # not 1500 + 10 * 20
    assert [(v.system, v.items, v.declared, v.ceiling) for v in line.violations] == [("b-52h", 160, 24, 20)]
    assert result.violations == line.violations
    entry = result.as_dict()["US"]["accountable-warheads"]
    assert entry["violations"][0]["declared"] == 24
    assert "above the ceiling of 20 per item for US" in entry["violations"][0]["why"]


def test_count_shows_the_violation_in_the_table_and_in_json(cli, tmp_path: Path) -> None:
    path = force_file(tmp_path, B52H_24)
    code, out, _ = cli("count", str(path), "-t", "start-i", "--no-breakdown")
    text = " ".join(out.split())
    assert code == 0
    assert "within + 160 above ceiling" in text
    assert "violation 160 b-52h declared with 24 ALCMs each, above the ceiling of 20 per item for US" in text
    code, out, _ = cli("count", str(path), "-t", "start-i", "--json")
    data = json.loads(out)
    assert data["US"]["accountable-warheads"]["count"] == 1740
    assert data["US"]["accountable-warheads"]["violations"][0]["items"] == 160
    assert data["US"]["delivery-vehicles"]["violations"] == []
    code, out, _ = cli("compare", str(path), "-t", "start-i", "-t", "new-start")
    assert code == 0
    assert "above ceiling" in out


def test_a_soviet_bomber_above_16_is_a_violation_at_every_position(tmp_path: Path) -> None:
    """The ceiling binds the first 180 too: they count 8 each, and are still equipped beyond it."""
    rows = 'party = "RU"\nsystem = "tu-95ms"\nstatus = "deployed"\ncount = 5\nalcm_capacity = 18'
    f = read_force(force_file(tmp_path, rows), CATALOG)
    c = count(f, parse_reading("start-i").treaty)[("RU", "accountable-warheads")]
    assert c.total == 5 * 8
    assert [(v.items, v.declared, v.ceiling) for v in c.violations] == [(5, 18, 16)]


# --------------------------------------------------------------------------- 2. impossible declarations


@pytest.mark.parametrize(
    ("item", "field", "why"),
    [
        (
            'party = "US"\nsystem = "minuteman-iii"\nstatus = "deployed"\nalcm_capacity = 4',
            "items[0].alcm_capacity",
            "4 ALCMs declared on an ICBM (Minuteman III): only a bomber equipped for 'alcm' carries ALCMs",
        ),
        (
            'party = "US"\nsystem = "trident-ii-d5"\nstatus = "deployed"\nalcm_capacity = 1',
            "items[0].alcm_capacity",
            "1 ALCMs declared on an SLBM (Trident II D5)",
        ),
        (
            'party = "US"\nsystem = "minuteman-iii"\nstatus = "deployed"\narmament = "alcm"',
            "items[0].armament",
            "a Minuteman III cannot be equipped for 'alcm' (allowed: missile, none)",
        ),
        (
            'party = "US"\nsystem = "b-2a"\nstatus = "deployed"\narmament = "missile"',
            "items[0].armament",
            "a B-2A Spirit cannot be equipped for 'missile' (allowed: bombs, none)",
        ),
        (
            'party = "US"\nsystem = "b-2a"\nstatus = "deployed"\narmament = "alcm"',
            "items[0].armament",
            "cannot be equipped for 'alcm'",
        ),
        (
            'party = "US"\nsystem = "b-52h"\nstatus = "deployed"\narmament = "bombs"\nalcm_capacity = 20',
            "items[0].alcm_capacity",
            "20 ALCMs declared on a bomber equipped for bombs (B-52H)",
        ),
        (
            'party = "RU"\nsystem = "ss-18"\nstatus = "deployed"\nwarheads = 14',
            "items[0].warheads",
            "14 warheads exceed the 10 RVs a SS-18 Satan carries",
        ),
    ],
    ids=["icbm-alcms", "slbm-alcms", "icbm-armed-alcm", "bomber-armed-missile", "b2-alcm", "bombs-with-alcms", "rvs"],
)
def test_impossible_declarations_are_refused_on_reading(tmp_path: Path, item: str, field: str, why: str) -> None:
    path = force_file(tmp_path, item)
    with pytest.raises(ForceError) as error:
        read_force(path, CATALOG)
    refused(error, f"{path}: {field}: ", why)


def test_an_slbm_with_alcms_in_csv_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", "party,system,status,alcm_capacity,source\nUS,b-52h,deployed,20,S\n")
    with pytest.raises(ForceError) as error:
        read_force(path, CATALOG)
    refused(error, f"{path}:2: armament: must be given")
    path = write(tmp_path, "g.csv", "party,system,status,alcm_capacity,source\nUS,trident-ii-d5,deployed,2,S\n")
    with pytest.raises(ForceError) as error:
        read_force(path, CATALOG)
    refused(error, f"{path}:2: alcm_capacity: 2 ALCMs declared on an SLBM")


def test_a_bomber_equipped_for_bombs_or_converted_has_no_alcms_by_default(tmp_path: Path) -> None:
    f = read_force(
        force_file(
            tmp_path,
            'party = "US"\nsystem = "b-52h"\nstatus = "deployed"\ncount = 3\narmament = "bombs"',
            'party = "US"\nsystem = "b-52h"\nstatus = "converted"\ncount = 2\narmament = "none"',
            'party = "US"\nsystem = "b-52h"\nstatus = "deployed"\ncount = 4\narmament = "alcm"',
        ),
        CATALOG,
    )
    assert [(r.armament, r.alcm_capacity) for r in f.rows()] == [
        (Armament.BOMBS, 0),
        (Armament.NONE, 0),
        (Armament.ALCM, 20),
    ]
    assert count(f, parse_reading("start-i").treaty)[("US", "accountable-warheads")].total == 3 + 4 * 10


# --------------------------------------------------------------------------- 4. missing attributes, ambiguous names


@pytest.mark.parametrize("name", ["Tu-95", "Bear", "tu95", "BEAR"])
def test_tu95_and_bear_are_ambiguous_and_list_the_candidates(tmp_path: Path, name: str) -> None:
    """They resolved to the ALCM-carrying Tu-95MS, which START I counts 8 where a non-ALCM Bear counts 1."""
    path = force_file(tmp_path, f'party = "RU"\nsystem = "{name}"\nstatus = "deployed"')
    with pytest.raises(AmbiguousSystemError) as error:
        read_force(path, CATALOG)
    refused(error, f"{path}: items[0].system: system '{name}' is ambiguous", "tu-95ms (Tu-95MS Bear H)")
    refused(error, "tu-95-non-alcm", "name one of them")
    assert error.value.candidates == ("tu-95ms", "tu-95-non-alcm")
    assert isinstance(error.value, CatalogError)


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("B-52", ("b-52g", "b-52h")),
        ("Yars", ("rs-24-silo", "rs-24-mobile")),
        ("Topol-M", ("ss-27-silo", "ss-27-mobile")),
        ("SS-24", ("ss-24-silo", "ss-24-rail")),
        ("Trident", ("trident-i-c4", "trident-ii-d5")),
    ],
)
def test_other_names_of_several_types_are_refused(name: str, candidates: tuple[str, ...]) -> None:
    with pytest.raises(AmbiguousSystemError) as error:
        CATALOG.get(name)
    assert error.value.candidates == candidates
    assert name not in CATALOG


def test_the_full_names_still_resolve() -> None:
    assert CATALOG.get("Tu-95MS").id == "tu-95ms"
    assert CATALOG.get("Bear H").id == "tu-95ms"
    assert CATALOG.get("Bear non-ALCM").id == "tu-95-non-alcm"
    assert CATALOG.get("Yars mobile").id == "rs-24-mobile"


def test_a_treaty_naming_an_ambiguous_system_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "t.toml", DRAFT + '[definitions.bears]\nsystem = ["Bear"]\n')
    with pytest.raises(TreatyError) as error:
        load_treaty(path)
    refused(error, f"{path}: definitions.bears.system: system 'Bear' is ambiguous: it may mean tu-95ms, tu-95-non-alcm")


@pytest.mark.parametrize("system", ["b-52h", "b-52g", "B-52H"])
def test_a_b52_row_without_armament_is_refused(tmp_path: Path, system: str) -> None:
    """B-52s carried ALCMs or only bombs (1990 MOU): START I counts 10 or 1, so the row must say which."""
    path = force_file(tmp_path, f'party = "US"\nsystem = "{system}"\nstatus = "deployed"\ncount = 3')
    with pytest.raises(ForceError) as error:
        read_force(path, CATALOG)
    refused(error, f"{path}: items[0].armament: must be given", "may be equipped for alcm or bombs")
    refused(error, "say armament = one of alcm, bombs, none")


def test_a_row_without_armament_takes_the_armament_of_a_type_that_has_one(tmp_path: Path) -> None:
    f = read_force(
        force_file(
            tmp_path,
            'party = "RU"\nsystem = "tu-95ms"\nstatus = "deployed"',
            'party = "US"\nsystem = "b-2a"\nstatus = "deployed"',
            'party = "US"\nsystem = "minuteman-iii"\nstatus = "deployed"',
        ),
        CATALOG,
    )
    assert [r.armament for r in f.rows()] == [Armament.ALCM, Armament.BOMBS, Armament.MISSILE]


def test_every_shipped_b52_row_states_its_armament() -> None:
    """The shipped forces relied on the default; each now says it, and counts stay the official ones."""
    for name in ("us-2009-12", "us-2020-09", "start-mou-1990"):
        text = (Path(__file__).parent.parent / "src/detente/data/forces" / f"{name}.toml").read_text()
        for block in text.split("[[items]]")[1:]:
            if 'system = "b-52' in block:
                assert "armament = " in block, (name, block)


def test_a_users_type_may_not_take_an_ambiguous_name() -> None:
    mine = catalog_from_document(
        {"systems": [{"id": "bear-x", "name": "Bear", "country": "RU", "category": "heavy-bomber", "basing": "air",
                      "armament": "bombs"}]},
        "mine.toml",
    )  # fmt: skip
    with pytest.raises(CatalogError, match="name 'Bear' of system 'bear-x' is ambiguous in the catalog"):
        CATALOG.merged(mine)


@pytest.mark.parametrize(
    ("system", "why"),
    [
        ({"category": "icbm", "basing": "silo", "alcm_capacity": 2}, "not equipped for 'alcm'"),
        ({"category": "heavy-bomber", "basing": "air"}, "armament 'missile' does not fit a heavy-bomber"),
        ({"category": "icbm", "basing": "silo", "armament": "bombs"}, "armament 'bombs' does not fit a icbm"),
        ({"category": "icbm", "basing": "silo", "max_rvs": 65}, "less than or equal to 64"),
        (
            {"category": "heavy-bomber", "basing": "air", "armament": "alcm", "armaments": ["bombs", "none"]},
            "'none' is what a converted item is equipped for",
        ),
    ],
)
def test_impossible_system_types_are_refused(system: dict[str, object], why: str) -> None:
    doc = {"systems": [{"id": "x-1", "name": "X-1", "country": "XX", **system}]}
    with pytest.raises(CatalogError, match=why):
        catalog_from_document(doc, "mine.toml")


def test_a_catalog_file_declares_its_own_ambiguous_names() -> None:
    doc = {
        "systems": [
            {"id": "x-1a", "name": "X-1A", "country": "XX", "category": "icbm", "basing": "silo"},
            {"id": "x-1b", "name": "X-1B", "country": "XX", "category": "icbm", "basing": "road-mobile"},
        ],
        "ambiguous": {"X-1": ["x-1a", "x-1b"]},
    }
    merged = CATALOG.merged(catalog_from_document(doc, "mine.toml"))
    with pytest.raises(AmbiguousSystemError, match="'X-1' is ambiguous"):
        merged.get("X-1")
    with pytest.raises(CatalogError, match="lists unknown system 'x-9'"):
        catalog_from_document({**doc, "ambiguous": {"X-1": ["x-1a", "x-9"]}}, "mine.toml")
    assert isinstance(merged, Catalog)


# --------------------------------------------------------------------------- 3. bounds in files


def test_a_treaty_file_number_above_ten_to_the_twelfth_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "t.toml", DRAFT.replace("max = 1000", "max = 9_200_000_000_000_000_000"))
    with pytest.raises(TreatyError) as error:
        load_treaty(path)
    refused(error, f"{path}: limits.0.max", "9,200,000,000,000,000,000 is above 1,000,000,000,000")
    path = write(tmp_path, "u.toml", DRAFT + "[notifications]\nchange_deadline_days = 100000\n")
    with pytest.raises(TreatyError, match=r"notifications\.change_deadline_days: .*100,000 is above 36,525"):
        load_treaty(path)
    path = write(
        tmp_path, "v.toml", DRAFT + "[[measures]]\nid = 'w'\nname = 'W'\nterms = [{ select = 'x', value = -3 }]\n"
    )
    with pytest.raises(TreatyError, match=r"measures\.3\.terms\.0\.value: .*-3 is negative"):
        load_treaty(path)


def test_a_force_file_count_above_a_million_is_refused(tmp_path: Path) -> None:
    path = force_file(tmp_path, 'party = "US"\nsystem = "minuteman-iii"\nstatus = "deployed"\ncount = 1_000_001')
    with pytest.raises(ForceError) as error:
        read_force(path, CATALOG)
    refused(error, f"{path}: items[0].count: must be at most 1,000,000, got 1,000,001")
