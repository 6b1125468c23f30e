"""Force files written by detente read back to the force that was written: shipped forces, random forces, refusals."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.catalog import builtin_catalog
from detente.catalog.model import Armament, Basing, Category, SystemType
from detente.data.forces import load_force, shipped_force_names
from detente.errors import ForceError, OutputFileError
from detente.forces import (
    Facility,
    FacilityKind,
    Force,
    ForceInfo,
    ItemRow,
    Kind,
    Role,
    Status,
    read_force,
    write_force,
)

CATALOG = builtin_catalog()


def assert_same(written: Force, read: Force) -> None:
    """The oracle: everything a force holds, compared field by field (not the writer's own comparison)."""
    assert read.parties == written.parties
    assert read.facilities == written.facilities
    assert read.info == written.info
    assert [s.id for s in read.systems] == [s.id for s in written.systems]
    assert list(read.rows()) == list(written.rows())


@pytest.mark.parametrize("suffix", [".toml", ".json"])
@pytest.mark.parametrize("name", shipped_force_names())
def test_every_shipped_force_reads_back_the_same(tmp_path: Path, name: str, suffix: str) -> None:
    force = load_force(name, CATALOG)
    path = tmp_path / f"{name}{suffix}"
    write_force(force, path)
    assert_same(force, read_force(path, CATALOG))


def test_only_the_forces_own_types_are_declared_in_the_file(tmp_path: Path) -> None:
    force = load_force("start-mou-1990", CATALOG)
    own = {s.id for s in force.systems if CATALOG.find(s.id) != s}
    assert own, "the MOU file declares a type of its own (the non-ALCM Bears)"
    path = tmp_path / "mou.toml"
    write_force(force, path)
    declared = tomllib.loads(path.read_text())["systems"]
    assert {s["id"] for s in declared} == own
    # read with a catalog that already holds that type, the file would define it twice: so it must not be written
    with_own = CATALOG.merged(type(CATALOG)([s for s in force.systems if s.id in own]))
    other = tmp_path / "mou-with-catalog.toml"
    write_force(force, other, with_own)
    assert "systems" not in tomllib.loads(other.read_text())
    assert_same(force, read_force(other, with_own))


# ---------------------------------------------------------------------------------------------- random forces

OWN = SystemType(
    id="test-bomber-x",
    name="Test Bomber X",
    country="US",
    category=Category.HEAVY_BOMBER,
    basing=Basing.AIR,
    alcm_capacity=7,
    armament=Armament.ALCM,
    armaments=(Armament.ALCM, Armament.BOMBS),
    sources=("SRC",),
)
SYSTEMS = [CATALOG.get(s) for s in ("minuteman-iii", "trident-ii-d5", "ss-18", "b-52h", "b-2a", "tu-95ms")]
# text as a force file may hold it: no NUL (text files do not), no lone surrogates, nothing the reader strips
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12).map(str.strip)
WORDS = TEXT.filter(bool)


@st.composite
def item_rows(draw: st.DrawFn, party: str, facilities: list[Facility], systems: list[SystemType]) -> ItemRow:
    system = draw(st.sampled_from(systems))
    bomber = system.category is Category.HEAVY_BOMBER
    kind = Kind.BOMBER if bomber else draw(st.sampled_from([Kind.LAUNCHER, Kind.MISSILE]))
    armament = draw(st.sampled_from([*system.possible_armaments, Armament.NONE]))
    alcm = draw(st.integers(0, 64)) if armament is Armament.ALCM else 0
    warheads = draw(st.integers(0, 64 if bomber else system.max_rvs))
    mine = [f.id for f in facilities if f.party == party]
    return ItemRow(
        party=party,
        system=system,
        kind=kind,
        status=draw(st.sampled_from(list(Status))),
        count=draw(st.integers(0, 1_000_000)),
        facility=draw(st.none() | st.sampled_from(mine)) if mine else None,
        warheads=warheads,
        armament=armament,
        alcm_capacity=alcm,
        role=draw(st.sampled_from(list(Role))),
        source=draw(WORDS),
        remarks=draw(TEXT),
    )


@st.composite
def forces(draw: st.DrawFn, document: bool = True) -> Force:
    parties = draw(st.lists(st.sampled_from(["US", "RU", "CN", "UK-2"]), min_size=1, max_size=3, unique=True))
    facilities: list[Facility] = []
    sources: dict[str, str] = {}
    systems = list(SYSTEMS)
    info = ForceInfo()
    if document:
        for i in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from([k for k in FacilityKind if k is not FacilityKind.UNDECLARED]))
            facilities.append(
                Facility(f"F-{i}", draw(st.sampled_from(parties)), kind, draw(TEXT), draw(TEXT), draw(TEXT))
            )
        if draw(st.booleans()):
            systems.append(OWN)
            sources["SRC"] = draw(TEXT)
        sources.update(draw(st.dictionaries(WORDS, TEXT, max_size=2)))
        as_of = draw(st.none() | st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1)))
        info = ForceInfo(draw(TEXT), draw(TEXT), as_of, draw(TEXT), sources)
    rows = draw(st.lists(st.sampled_from(parties).flatmap(lambda p: item_rows(p, facilities, systems)), min_size=1))
    uids = draw(st.lists(WORDS, min_size=len(rows), max_size=len(rows), unique=True))
    named = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    rows = [ItemRow(**{**vars(r), "uid": u, "count": 1}) if n else r for r, u, n in zip(rows, uids, named, strict=True)]
    listed = parties if document else list(dict.fromkeys(r.party for r in rows))
    return Force.from_rows(rows, facilities, info, listed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forces(), st.sampled_from([".toml", ".json"]))
def test_random_documents_read_back_the_same(tmp_path: Path, force: Force, suffix: str) -> None:
    path = tmp_path / f"force{suffix}"
    write_force(force, path, overwrite=True)
    assert_same(force, read_force(path, CATALOG))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forces(document=False))
def test_random_csv_files_read_back_the_same(tmp_path: Path, force: Force) -> None:
    path = tmp_path / "force.csv"
    write_force(force, path, overwrite=True)
    assert_same(force, read_force(path, CATALOG))


# ---------------------------------------------------------------------------------------------- refusals


def _row(**changes: object) -> ItemRow:
    base: dict[str, object] = {
        "party": "US",
        "system": CATALOG.get("b-52h"),
        "kind": Kind.BOMBER,
        "status": Status.DEPLOYED,
        "armament": Armament.BOMBS,
        "source": "test",
    }
    return ItemRow(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([_row(source="")], "row 1 \\(US b-52h\\) has no source"),
        ([_row(), _row(alcm_capacity=20)], "items\\[1\\].alcm_capacity.*only a bomber equipped for 'alcm'"),
        ([_row(uid="B-1"), _row(uid="B-1")], "duplicate unique identifier 'B-1'"),
        ([_row(remarks=" padded ")], "row 1 differs in remarks"),
        ([_row(party="us")], "not a party code"),
    ],
)
def test_a_force_that_would_not_read_back_is_refused_and_nothing_is_written(
    tmp_path: Path, rows: list[ItemRow], match: str
) -> None:
    path = tmp_path / "bad.toml"
    with pytest.raises(ForceError, match=match):
        write_force(Force.from_rows(rows), path)
    assert not path.exists()


def test_csv_refuses_what_it_cannot_hold(tmp_path: Path) -> None:
    force = load_force("us-2020-09", CATALOG)
    assert force.facilities
    path = tmp_path / "us.csv"
    with pytest.raises(ForceError, match=r"CSV file holds item rows only.*facilities") as caught:
        write_force(force, path)
    assert caught.value.hint == "write it as .toml or .json"
    assert not path.exists()
    rows_only = Force.from_rows(force.rows())
    write_force(rows_only, path)
    assert_same(rows_only, read_force(path, CATALOG))


def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ForceError, match=r"cannot tell the force file format from '\.txt'"):
        write_force(load_force("ru-2022", CATALOG), tmp_path / "ru.txt")
    assert not (tmp_path / "ru.txt").exists()


def test_an_existing_file_is_overwritten_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "ru.toml"
    path.write_text("keep me")
    force = load_force("ru-2022", CATALOG)
    with pytest.raises(OutputFileError, match="already exists"):
        write_force(force, path)
    assert path.read_text() == "keep me"
    write_force(force, path, overwrite=True)
    assert_same(force, read_force(path, CATALOG))
