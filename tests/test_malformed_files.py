"""Malformed force and treaty files: each is refused with an error of the right class that names the file, the
line or field, and the reason.

Every malformed file below is a small edit of a valid one (checked first), so each test exercises one defect.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from detente.catalog.load import builtin_catalog
from detente.counting import count, parse_reading
from detente.errors import (
    CatalogError,
    FileFormatError,
    ForceError,
    InputError,
    TreatyError,
)
from detente.forces.model import Force
from detente.forces.read import read_force
from detente.treaty.load import load_treaty

CATALOG = builtin_catalog()

FORCE_TOML = """\
[force]
title = "Test force"
as_of = 2020-09-01
source = "TEST"

[[facilities]]
id = "minot"
party = "US"
kind = "icbm-base"

[[facilities]]
id = "kozelsk"
party = "RU"
kind = "icbm-base"

[[items]]
party = "US"
system = "minuteman-iii"
status = "deployed"
count = 400
warheads = 1
facility = "minot"

[[items]]
party = "US"
system = "b-52h"
status = "deployed"
count = 36

[[items]]
party = "RU"
system = "rs-24-silo"
status = "deployed"
uid = "RU-0001"
warheads = 4
facility = "kozelsk"
"""

FORCE_CSV = """\
party,system,status,count,warheads,source
US,minuteman-iii,deployed,400,1,TEST
US,b-52h,deployed,36,0,TEST
RU,rs-24-silo,deployed,18,4,TEST
"""

FORCE_JSON = json.dumps(
    {
        "force": {"title": "Test force", "source": "TEST"},
        "items": [
            {"party": "US", "system": "minuteman-iii", "status": "deployed", "count": 400, "warheads": 1},
            {"party": "RU", "system": "rs-24-silo", "status": "deployed", "count": 18, "warheads": 4},
        ],
    },
    indent=2,
)

TREATY_TOML = """\
id = "mini"
name = "A minimal treaty"

[dates]
signed = 2000-01-01
expires = 2010-01-01

[[parties]]
id = "US"
name = "United States"

[[parties]]
id = "RU"
name = "Russia"

[definitions.deployed]
category = ["icbm", "slbm"]
kind = ["launcher"]
status = ["deployed"]

[[measures]]
id = "deployed"
name = "Deployed missiles"
terms = [{ select = "deployed" }]

[[limits]]
measure = "deployed"
max = 700
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced (so an edit never silently misses)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def assert_refused(call: Callable[[], object], error: type[InputError], *fragments: str) -> str:
    """Assert ``call`` raises exactly ``error`` and that its message contains every fragment; return the message."""
    with pytest.raises(InputError) as info:
        call()
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def assert_force_refused(path: Path, error: type[InputError], *fragments: str) -> str:
    """A force file is refused, naming the file and the given fragments."""
    return assert_refused(lambda: read_force(path, CATALOG), error, str(path), *fragments)


def assert_treaty_refused(path: Path, *fragments: str) -> str:
    """A treaty file is refused with a TreatyError naming the file and the given fragments."""
    return assert_refused(lambda: load_treaty(path), TreatyError, str(path), *fragments)


# --------------------------------------------------------------------------- the valid starting points


def test_the_valid_files_are_accepted(tmp_path: Path) -> None:
    """The files the malformed ones are made from are valid, so each refusal below is due to its one edit."""
    toml_force = read_force(write(tmp_path, "f.toml", FORCE_TOML), CATALOG)
    assert toml_force.items == 400 + 36 + 1
    assert read_force(write(tmp_path, "f.csv", FORCE_CSV), CATALOG).items == 400 + 36 + 18
    assert read_force(write(tmp_path, "f.json", FORCE_JSON), CATALOG).items == 400 + 18
    assert load_treaty(write(tmp_path, "t.toml", TREATY_TOML)).id == "mini"


# --------------------------------------------------------------------------- truncated and empty files


def test_truncated_toml_force_file(tmp_path: Path) -> None:
    """A TOML file cut in the middle of a value is refused as invalid TOML, saying where (its end)."""
    cut = FORCE_TOML[: FORCE_TOML.index('status = "deployed"\ncount = 36') + len('status = "dep')]
    message = assert_force_refused(
        write(tmp_path, "cut.toml", cut), FileFormatError, "not valid TOML", "Unterminated string"
    )
    last_line = cut.count("\n") + 1
    assert "end of document" in message or f"cut.toml:{last_line}" in message


def test_toml_syntax_error_inside_the_file_names_its_line(tmp_path: Path) -> None:
    """A syntax error (a key without a value) in the middle of a complete TOML file is reported at its line."""
    text = edited(FORCE_TOML, "count = 400\n", "count = \n")
    line = text.splitlines().index("count = ") + 1
    assert_force_refused(write(tmp_path, "f.toml", text), FileFormatError, f"f.toml:{line}", "not valid TOML")


def test_truncated_csv_last_row_cut_short(tmp_path: Path) -> None:
    """A CSV file whose last row is cut short is refused, naming that row's line and the cell counts."""
    cut = FORCE_CSV.rstrip("\n")[: -len(",18,4,TEST")]
    path = write(tmp_path, "cut.csv", cut)
    assert_force_refused(path, FileFormatError, f"{path}:4:", "row has 3 cells but the header has 6", "truncated")


def test_truncated_csv_inside_a_quoted_cell(tmp_path: Path) -> None:
    """A CSV file cut inside a quoted cell is refused as invalid CSV, naming the line."""
    path = write(tmp_path, "cut.csv", FORCE_CSV + 'RU,ss-25,deployed,9,1,"FAS')
    assert_force_refused(path, FileFormatError, f"{path}:5:", "not valid CSV")


def test_truncated_json_force_file(tmp_path: Path) -> None:
    """A JSON file cut mid-document is refused as invalid JSON, naming a line."""
    cut = FORCE_JSON[: FORCE_JSON.index('"rs-24-silo"')]
    path = write(tmp_path, "cut.json", cut)
    message = assert_force_refused(path, FileFormatError, "not valid JSON")
    assert re.search(re.escape(str(path)) + r":\d+: ", message), message


@pytest.mark.parametrize(("name", "text"), [("f.toml", FORCE_TOML), ("f.csv", FORCE_CSV), ("f.json", FORCE_JSON)])
def test_every_truncation_is_refused_cleanly_or_read(tmp_path: Path, name: str, text: str) -> None:
    """Cut anywhere, a force file is either read (a cut between rows can leave valid text) or refused with an
    InputError naming the file: never another exception."""
    whole = read_force(write(tmp_path, "whole" + Path(name).suffix, text), CATALOG).items
    path = tmp_path / name
    for end in range(len(text)):
        path.write_text(text[:end], encoding="utf-8")
        items, message = read_or_refuse(path)
        if items is None:
            assert str(path) in message, (end, message)
        else:
            assert items <= whole, end


def read_or_refuse(path: Path) -> tuple[int | None, str]:
    """The number of items a force file holds, or None and the InputError's message."""
    try:
        return read_force(path, CATALOG).items, ""
    except InputError as exc:
        return None, str(exc)


def test_truncated_treaty_file(tmp_path: Path) -> None:
    """A treaty file cut mid-value is refused as invalid TOML (a FileFormatError, not a TreatyError)."""
    cut = TREATY_TOML[: TREATY_TOML.index('"United States"') + 5]
    assert_refused(lambda: load_treaty(write(tmp_path, "cut.toml", cut)), FileFormatError, "cut.toml", "not valid TOML")


@pytest.mark.parametrize(
    ("name", "error", "why"),
    [
        ("empty.csv", FileFormatError, "is empty: no header row"),
        ("empty.toml", FileFormatError, "items: declares no items"),
        ("empty.json", FileFormatError, "not valid JSON"),
    ],
)
def test_empty_force_file(tmp_path: Path, name: str, error: type[InputError], why: str) -> None:
    """An empty force file is refused in every format."""
    assert_force_refused(write(tmp_path, name, ""), error, why)


def test_csv_of_blank_lines_and_comments_is_empty(tmp_path: Path) -> None:
    """Blank and # comment lines alone are no header row."""
    assert_force_refused(write(tmp_path, "f.csv", "\n# nothing here\n  \n"), FileFormatError, "is empty: no header row")


def test_empty_treaty_file(tmp_path: Path) -> None:
    """An empty treaty file is refused for its first missing key."""
    assert_treaty_refused(write(tmp_path, "t.toml", ""), "id", "required key is missing")


# --------------------------------------------------------------------------- values of the wrong type


def test_count_that_is_not_a_number(tmp_path: Path) -> None:
    """count = "many" is refused, naming the item's field."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "count = 400", 'count = "many"'))
    assert_force_refused(path, ForceError, "items[0].count", "expected a whole number", "'many'")


def test_count_that_is_not_a_number_in_csv(tmp_path: Path) -> None:
    """In CSV the same error names the line and the column."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, ",36,", ",many,"))
    assert_force_refused(path, ForceError, f"{path}:3: count", "expected a whole number", "'many'")


def test_fractional_warheads(tmp_path: Path) -> None:
    """warheads = 2.5 is refused, naming the item's field."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "warheads = 1\n", "warheads = 2.5\n"))
    assert_force_refused(path, ForceError, "items[0].warheads", "expected a whole number", "2.5")


def test_fractional_warheads_in_csv(tmp_path: Path) -> None:
    """In CSV, 2.5 warheads is refused with its line."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, ",400,1,", ",400,2.5,"))
    assert_force_refused(path, ForceError, f"{path}:2: warheads", "expected a whole number", "'2.5'")


@pytest.mark.parametrize("value", ['"yesterday"', '"2020-13-01"', "2020", "2020-09-01T12:00:00", "true"])
def test_as_of_that_is_not_a_date(tmp_path: Path, value: str) -> None:
    """force.as_of must be a date: text that is not a date, a number, a date-time and a boolean are refused."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "as_of = 2020-09-01", f"as_of = {value}"))
    assert_force_refused(path, ForceError, "force.as_of", "expected a date YYYY-MM-DD")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("count = 36\n", "count = 99999999999999999999\n", "items[1].count"),
        ("count = 36\n", "count = 1e30\n", "items[1].count"),
        ("count = 36\n", "count = 36\nwarheads = 99999999999999999999\n", "items[1].warheads"),
    ],
)
def test_absurdly_large_number_is_an_input_error(tmp_path: Path, old: str, new: str, field: str) -> None:
    """A number too large to count with is refused as an input error naming its field, not a crash."""
    assert_force_refused(write(tmp_path, "f.toml", edited(FORCE_TOML, old, new)), ForceError, field)


def test_large_count_times_warheads_is_refused_or_counted_exactly(tmp_path: Path) -> None:
    """4 bombers with 2**62 weapons each: either the file is refused, or SORT counts exactly 2**64."""
    text = edited(FORCE_TOML, "count = 36\n", f"count = 4\nwarheads = {2**62}\n")
    try:
        force = read_force(write(tmp_path, "f.toml", text), CATALOG)
    except ForceError:
        return
    us = Force.from_rows(r for r in force.rows() if r.system.id == "b-52h")
    assert count(us, parse_reading("sort").treaty)[("US", "operationally-deployed-warheads")].total == 4 * 2**62


# --------------------------------------------------------------------------- unknown words


def test_unknown_system_suggests_close_names(tmp_path: Path) -> None:
    """An unknown system type is a CatalogError naming the field, with a hint listing close names."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'system = "minuteman-iii"', 'system = "Minuteman 4"'))
    assert_force_refused(
        path,
        CatalogError,
        "items[0].system",
        "unknown system 'Minuteman 4'",
        "did you mean minuteman-ii, minuteman-iii?",
    )


def test_unknown_system_in_csv_names_the_line(tmp_path: Path) -> None:
    """In CSV the unknown system names its line; a name with no close match points to the catalog."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, "RU,rs-24-silo", "RU,zz-99"))
    assert_force_refused(path, CatalogError, f"{path}:4: system", "unknown system 'zz-99'", "detente catalog list")


def test_minuteman_3_is_an_alias_not_an_unknown_system(tmp_path: Path) -> None:
    """'Minuteman 3' is not refused: case, spaces and hyphens do not matter, and 'Minuteman-3' is an alias."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'system = "minuteman-iii"', 'system = "Minuteman 3"'))
    assert read_force(path, CATALOG).systems[0].id == "minuteman-iii"


def test_unknown_status(tmp_path: Path) -> None:
    """An unknown status is refused, listing the allowed ones."""
    path = write(
        tmp_path, "f.toml", edited(FORCE_TOML, 'status = "deployed"\ncount = 36', 'status = "alert"\ncount = 36')
    )
    assert_force_refused(
        path, ForceError, "items[1].status", "unknown status 'alert'", "allowed: deployed, non-deployed"
    )


def test_unknown_status_in_csv(tmp_path: Path) -> None:
    """In CSV the unknown status names its line."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, "b-52h,deployed", "b-52h,on-alert"))
    assert_force_refused(path, ForceError, f"{path}:3: status", "unknown status 'on-alert'")


def test_missing_status(tmp_path: Path) -> None:
    """A row without a status is refused: there is no default."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, "b-52h,deployed", "b-52h,"))
    assert_force_refused(path, ForceError, f"{path}:3: status", "must not be empty")


def test_unknown_kind(tmp_path: Path) -> None:
    """An unknown kind is refused, listing the allowed ones."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "count = 400\n", 'count = 400\nkind = "silo"\n'))
    assert_force_refused(path, ForceError, "items[0].kind", "unknown kind 'silo'", "allowed: launcher, missile, bomber")


def test_kind_that_does_not_fit_the_system(tmp_path: Path) -> None:
    """A Minuteman III row of kind "bomber" is refused (and a B-52H of kind "launcher")."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "count = 400\n", 'count = 400\nkind = "bomber"\n'))
    assert_force_refused(path, ForceError, "items[0].kind", "kind 'bomber' does not fit Minuteman III (icbm)")
    path = write(tmp_path, "g.toml", edited(FORCE_TOML, "count = 36\n", 'count = 36\nkind = "launcher"\n'))
    assert_force_refused(path, ForceError, "items[1].kind", "kind 'launcher' does not fit B-52H (heavy-bomber)")


@pytest.mark.parametrize("party", ["us", "U.S."])
def test_party_that_is_not_a_party_code(tmp_path: Path, party: str) -> None:
    """A party that cannot be a party code (treaties use ^[A-Z][A-Z0-9-]*$) is refused, naming the field."""
    path = write(
        tmp_path, "f.toml", edited(FORCE_TOML, 'party = "US"\nsystem = "b-52h"', f'party = "{party}"\nsystem = "b-52h"')
    )
    assert_force_refused(path, ForceError, "items[1].party")


# --------------------------------------------------------------------------- numbers out of range


def test_negative_count(tmp_path: Path) -> None:
    """A negative count is refused, naming the item's field."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "count = 36", "count = -36"))
    assert_force_refused(path, ForceError, "items[1].count", "must not be negative, got -36")


def test_negative_count_in_csv(tmp_path: Path) -> None:
    """In CSV a negative count names its line."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, ",36,", ",-36,"))
    assert_force_refused(path, ForceError, f"{path}:3: count", "must not be negative, got -36")


def test_warheads_above_max_rvs(tmp_path: Path) -> None:
    """A Minuteman III with 4 warheads is refused: its type carries at most 3 RVs."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "warheads = 1\n", "warheads = 4\n"))
    assert_force_refused(path, ForceError, "items[0].warheads", "4 warheads exceed the 3 RVs a Minuteman III carries")


def test_warheads_above_max_rvs_in_csv(tmp_path: Path) -> None:
    """In CSV the same error names the line: an RS-24 (4 RVs at most) with 5."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, ",18,4,", ",18,5,"))
    assert_force_refused(
        path, ForceError, f"{path}:4: warheads", "5 warheads exceed the 4 RVs a RS-24 Yars (silo) carries"
    )


# --------------------------------------------------------------------------- unique identifiers


def test_duplicate_uid_names_the_second_row(tmp_path: Path) -> None:
    """Two items with one uid in a TOML file: the error is at the second, and points back to the first."""
    second = '[[items]]\nparty = "RU"\nsystem = "rs-24-silo"\nstatus = "deployed"\nuid = "RU-0001"\n'
    path = write(tmp_path, "f.toml", FORCE_TOML + "\n" + second)
    assert_force_refused(
        path, ForceError, "items[3].uid", "duplicate unique identifier 'RU-0001'", "first at", "items[2].uid"
    )


def test_duplicate_uid_in_csv_names_the_second_line(tmp_path: Path) -> None:
    """Two rows with one uid in a CSV file: the error names the second row's line, and the first's."""
    text = "party,system,status,uid,source\nUS,mm3,deployed,A1,S\nUS,mm3,deployed,A2,S\nUS,mm3,deployed,A1,S\n"
    path = write(tmp_path, "f.csv", text)
    assert_force_refused(path, ForceError, f"{path}:4: uid", "duplicate unique identifier 'A1'", f"first at {path}:2")


def test_duplicate_uid_between_a_document_and_its_items_csv(tmp_path: Path) -> None:
    """A uid in the document's items and again in its items_csv file is a duplicate, named at the CSV line."""
    write(
        tmp_path,
        "more.csv",
        "party,system,status,uid\nRU,rs-24-silo,deployed,RU-0002\nRU,rs-24-silo,deployed,RU-0001\n",
    )
    path = write(tmp_path, "f.toml", 'items_csv = "more.csv"\n' + FORCE_TOML)
    assert_refused(
        lambda: read_force(path, CATALOG),
        ForceError,
        f"{tmp_path / 'more.csv'}:3: uid",
        "duplicate unique identifier 'RU-0001'",
        f"first at {path}: items[2].uid",
    )


def test_uid_row_with_count_2(tmp_path: Path) -> None:
    """A row with a uid describes one item: count 2 is refused, naming the count."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'uid = "RU-0001"\n', 'uid = "RU-0001"\ncount = 2\n'))
    assert_force_refused(path, ForceError, "items[2].count", "a row with a uid describes one item, but count is 2")


# --------------------------------------------------------------------------- facilities


def test_unknown_facility(tmp_path: Path) -> None:
    """A facility the file does not declare is refused."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'facility = "minot"', 'facility = "malmstrom"'))
    assert_force_refused(
        path, ForceError, "items[0].facility", "unknown facility 'malmstrom'", "not declared in this file"
    )


def test_facility_of_another_party(tmp_path: Path) -> None:
    """A US row at a Russian facility is refused, naming both parties."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'facility = "minot"', 'facility = "kozelsk"'))
    assert_force_refused(path, ForceError, "items[0].facility", "facility 'kozelsk' belongs to RU, not US")


def test_unknown_facility_kind(tmp_path: Path) -> None:
    """A facility of an unknown kind is refused, naming the facility's field."""
    path = write(
        tmp_path,
        "f.toml",
        edited(FORCE_TOML, 'kind = "icbm-base"\n\n[[facilities]]', 'kind = "silo-field"\n\n[[facilities]]'),
    )
    assert_force_refused(path, ForceError, "facilities[0].kind", "unknown facility kind 'silo-field'")


# --------------------------------------------------------------------------- sources, columns, keys


def test_missing_source(tmp_path: Path) -> None:
    """Without force.source, a row without its own source is refused."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'source = "TEST"\n', ""))
    assert_force_refused(path, ForceError, "items[0].source", "every row needs a source")


def test_missing_source_in_csv(tmp_path: Path) -> None:
    """A CSV file has no force.source to fall back on: a row with a blank source is refused with its line."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, ",36,0,TEST", ",36,0,"))
    assert_force_refused(path, ForceError, f"{path}:3: source", "every row needs a source")


def test_unknown_csv_column(tmp_path: Path) -> None:
    """A header naming an unknown column is refused at line 1, listing the known columns."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, ",source\n", ",source,colour\n").replace("TEST\n", "TEST,red\n"))
    assert_force_refused(path, ForceError, f"{path}:1: unknown column 'colour'", "allowed: party, system, kind")


@pytest.mark.parametrize("column", ["party", "system", "status"])
def test_csv_without_a_required_column(tmp_path: Path, column: str) -> None:
    """A header without party, system or status is refused at line 1, naming the missing column."""
    header, *rows = [line.split(",") for line in FORCE_CSV.splitlines()]
    keep = [i for i, name in enumerate(header) if name != column]
    text = "\n".join(",".join(cells[i] for i in keep) for cells in [header, *rows]) + "\n"
    assert_force_refused(write(tmp_path, "f.csv", text), ForceError, "f.csv:1", f"the header has no {column!r} column")


def test_csv_without_a_header_row(tmp_path: Path) -> None:
    """A CSV file that starts with data has no header: its first cell is refused as a column name."""
    path = write(tmp_path, "f.csv", FORCE_CSV.split("\n", 1)[1])
    assert_force_refused(path, ForceError, f"{path}:1", "unknown column 'US'")


def test_unknown_top_level_key_in_force_file(tmp_path: Path) -> None:
    """A misspelt top-level key ([[item]]) is refused, naming the key."""
    path = write(tmp_path, "f.toml", FORCE_TOML + '\n[[item]]\nparty = "US"\n')
    assert_force_refused(path, ForceError, ": item:", "unknown key (allowed: force, parties")


def test_unknown_key_in_force_table(tmp_path: Path) -> None:
    """A misspelt key in [force] is refused, naming it."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, 'title = "Test force"', 'titel = "Test force"'))
    assert_force_refused(path, ForceError, "force.titel", "unknown key")


def test_unknown_item_field(tmp_path: Path) -> None:
    """A misspelt item field is refused, naming the item and the field."""
    path = write(tmp_path, "f.toml", edited(FORCE_TOML, "count = 36\n", "count = 36\nwarhead = 1\n"))
    assert_force_refused(path, ForceError, "items[1].warhead", "unknown column 'warhead'")


def test_force_that_is_not_a_table_with_own_systems(tmp_path: Path) -> None:
    """force = "x" is refused as not a table, even when the file declares its own [[systems]]."""
    doc = {
        "force": "x",
        "systems": [],
        "items": [{"party": "US", "system": "mm3", "status": "deployed", "source": "S"}],
    }
    assert_force_refused(write(tmp_path, "f.json", json.dumps(doc)), ForceError, "force", "must be a table")


def test_force_that_is_not_a_table(tmp_path: Path) -> None:
    """force = "x" (without own systems) is refused as not a table."""
    doc = {"force": "x", "items": [{"party": "US", "system": "mm3", "status": "deployed", "source": "S"}]}
    assert_force_refused(write(tmp_path, "f.json", json.dumps(doc)), ForceError, ": force: must be a table")


def test_json_top_level_that_is_not_an_object(tmp_path: Path) -> None:
    """A JSON force file whose top level is a list is refused."""
    assert_force_refused(write(tmp_path, "f.json", "[]"), FileFormatError, "top level must be a JSON object")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    """A Latin-1 CSV file is refused, naming the line of the first bad byte."""
    path = tmp_path / "f.csv"
    path.write_bytes(FORCE_CSV.replace("TEST\nRU", "Café\nRU").encode("latin-1"))
    assert_force_refused(path, FileFormatError, f"{path}:3", "is not UTF-8 text")


# --------------------------------------------------------------------------- treaty files


def test_limit_on_an_undefined_measure(tmp_path: Path) -> None:
    """A limit naming a measure the treaty does not define is refused, listing the measures."""
    path = write(tmp_path, "t.toml", edited(TREATY_TOML, 'measure = "deployed"', 'measure = "warheads"'))
    assert_treaty_refused(path, "limits[0].measure", "limits undefined measure 'warheads'", "measures: deployed")


def test_term_selecting_an_undefined_definition(tmp_path: Path) -> None:
    """A term selecting an undefined definition is refused, naming the measure and term."""
    path = write(tmp_path, "t.toml", edited(TREATY_TOML, '{ select = "deployed" }', '{ select = "bombers" }'))
    assert_treaty_refused(path, "measures[deployed].terms[0].select", "selects undefined definition 'bombers'")


def test_definition_using_an_undefined_definition(tmp_path: Path) -> None:
    """A definition whose any_of names an undefined definition is refused."""
    path = write(tmp_path, "t.toml", TREATY_TOML + '\n[definitions.all]\nany_of = ["deployed", "bombers"]\n')
    assert_treaty_refused(path, "definitions.all", "uses undefined definition 'bombers'")


def test_definition_cycle(tmp_path: Path) -> None:
    """Definitions that use each other in a cycle are refused, showing the cycle."""
    cycle = (
        '\n[definitions.a]\nany_of = ["b"]\n\n[definitions.b]\nany_of = ["c"]\n\n'
        '[definitions.c]\nany_of = ["deployed"]\nexclude = ["a"]\n'
    )
    assert_treaty_refused(write(tmp_path, "t.toml", TREATY_TOML + cycle), "definitions.a", "cycle: a → b → c → a")


def test_definition_excluding_itself(tmp_path: Path) -> None:
    """A definition that excludes itself is the shortest cycle."""
    path = write(
        tmp_path,
        "t.toml",
        edited(TREATY_TOML, 'status = ["deployed"]\n', 'status = ["deployed"]\nexclude = ["deployed"]\n'),
    )
    assert_treaty_refused(path, "definitions.deployed", "cycle: deployed → deployed")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('name = "A minimal treaty"', 'name = "A minimal treaty"\nsumary = "typo"', ": sumary:"),
        ('status = ["deployed"]', 'statuses = ["deployed"]', "definitions.deployed.statuses"),
        ("max = 700", "maximum = 700", "limits.0.maximum"),
        ("expires = 2010-01-01", "expiry = 2010-01-01", "dates.expiry"),
    ],
)
def test_unknown_key_in_treaty(tmp_path: Path, old: str, new: str, field: str) -> None:
    """A misspelt key anywhere in a treaty file is refused, naming its dotted path."""
    assert_treaty_refused(write(tmp_path, "t.toml", edited(TREATY_TOML, old, new)), field, "unknown key")


def test_variant_replacing_a_definition_that_does_not_exist(tmp_path: Path) -> None:
    """A variant may only replace definitions the treaty has."""
    variant = (
        '\n[[variants]]\nid = "v"\nname = "V"\ndescription = "d"\n\n'
        '[variants.definitions.bomber]\ncategory = ["heavy-bomber"]\n'
    )
    assert_treaty_refused(
        write(tmp_path, "t.toml", TREATY_TOML + variant),
        "variants[v].definitions",
        "replaces definition 'bomber' that the treaty does not have",
    )


def test_limit_with_both_max_and_below(tmp_path: Path) -> None:
    """A limit has exactly one upper bound."""
    path = write(tmp_path, "t.toml", edited(TREATY_TOML, "max = 700", "max = 700\nbelow = 700"))
    assert_treaty_refused(path, "limits.0", "a limit needs exactly one of 'max' or 'below'")


def test_limit_with_neither_max_nor_below(tmp_path: Path) -> None:
    """A limit without an upper bound is refused too."""
    path = write(tmp_path, "t.toml", edited(TREATY_TOML, "max = 700\n", 'note = "no bound"\n'))
    assert_treaty_refused(path, "limits.0", "a limit needs exactly one of 'max' or 'below'")


def test_dates_out_of_order(tmp_path: Path) -> None:
    """A treaty that expires before it is signed is refused, naming both dates."""
    path = write(tmp_path, "t.toml", edited(TREATY_TOML, "expires = 2010-01-01", "expires = 1999-01-01"))
    assert_treaty_refused(path, "dates", "expires (1999-01-01) is before signed (2000-01-01)")


def test_unknown_system_in_attribution(tmp_path: Path) -> None:
    """An attributed number for a system type the catalog does not know is refused."""
    path = write(tmp_path, "t.toml", TREATY_TOML + "\n[attribution]\nminuteman-iii = 3\nminuteman-iv = 3\n")
    assert_treaty_refused(path, "attribution", "unknown system 'minuteman-iv'")


def test_unknown_system_in_a_definition(tmp_path: Path) -> None:
    """A definition naming an unknown system type is refused."""
    path = write(
        tmp_path, "t.toml", edited(TREATY_TOML, 'kind = ["launcher"]', 'kind = ["launcher"]\nsystem = ["mx-2"]')
    )
    assert_treaty_refused(path, "definitions.deployed.system", "unknown system 'mx-2'")


def test_extends_an_unknown_treaty_is_refused(tmp_path: Path) -> None:
    """`extends` naming no built-in treaty and no file next to this one is refused, listing the built-ins."""
    path = write(tmp_path, "t.toml", 'extends = "old-start"\n' + TREATY_TOML)
    assert_refused(
        lambda: load_treaty(path), TreatyError, "unknown treaty 'old-start'", "built-in treaties: ", "new-start"
    )


def test_extends_an_unknown_treaty_names_the_file_and_field(tmp_path: Path) -> None:
    """The refusal of an unknown `extends` says which file and field it is about."""
    path = write(tmp_path, "t.toml", 'extends = "old-start"\n' + TREATY_TOML)
    assert_treaty_refused(path, "extends", "unknown treaty 'old-start'")


def test_extends_a_broken_file_next_to_this_one_is_refused(tmp_path: Path) -> None:
    """A base file next to the treaty with an invalid value is refused, naming the field."""
    write(tmp_path, "base.toml", edited(TREATY_TOML, "max = 700", "max = -1"))
    child = write(tmp_path, "child.toml", 'id = "child"\nextends = "base"\nname = "Child"\n')
    assert_refused(lambda: load_treaty(child), TreatyError, "limits.0.max", "greater than or equal to 0")


def test_extends_a_broken_file_names_the_file_with_the_defect(tmp_path: Path) -> None:
    """The error for a base file's invalid limit names the base file, not the child that extends it."""
    base = write(tmp_path, "base.toml", edited(TREATY_TOML, "max = 700", "max = -1"))
    child = write(tmp_path, "child.toml", 'id = "child"\nextends = "base"\nname = "Child"\n')
    assert_refused(lambda: load_treaty(child), TreatyError, str(base), "limits.0.max")


# --------------------------------------------------------------------------- readings


def test_reading_with_an_unknown_variant() -> None:
    """new-start+nope is refused, naming the treaty, the variant and the variants it has."""
    assert_refused(
        lambda: parse_reading("new-start+nope"),
        TreatyError,
        "treaty 'new-start' has no variant 'nope'",
        "its variants: ru-2022",
    )


def test_reading_of_an_unknown_treaty() -> None:
    """no-such-treaty is refused, listing the built-in treaties and the file alternative."""
    assert_refused(
        lambda: parse_reading("no-such-treaty"),
        TreatyError,
        "unknown treaty 'no-such-treaty'",
        "built-in treaties: ",
        "new-start",
        "or give a .toml path",
    )


def test_reading_of_a_treaty_file_that_does_not_exist(tmp_path: Path) -> None:
    """A reading naming a .toml path that does not exist is refused as a missing file."""
    path = tmp_path / "draft.toml"
    assert_refused(lambda: parse_reading(f"{path}+v"), FileFormatError, str(path), "file not found")
