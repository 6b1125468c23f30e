"""Malformed force and treaty files: each is refused with an error of the right class that names the file, the
line or field, and the reason.

Every malformed file below is a small edit of a valid one (checked first), so each test exercises one defect.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from detente._files import MAX_DEPTH, check_output, parse_json
from detente.catalog.load import builtin_catalog
from detente.cli.inspect import _findings
from detente.counting import count, parse_reading
from detente.crypto.keys import PartyKey, load_key, save_key
from detente.errors import (
    CatalogError,
    FileFormatError,
    ForceError,
    InputError,
    KeyFileError,
    LedgerAddressError,
    OutputFileError,
    StoreError,
    TreatyError,
)
from detente.forces.model import Force
from detente.forces.read import read_force
from detente.ledger.exchange import read_export
from detente.store.ledger_store import _url, open_store
from detente.treaty.load import load_treaty

from builders import TREATY_TOML

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
armament = "alcm"

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
US,b-2a,deployed,36,0,TEST
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
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, "b-2a,deployed", "b-2a,on-alert"))
    assert_force_refused(path, ForceError, f"{path}:3: status", "unknown status 'on-alert'")


def test_missing_status(tmp_path: Path) -> None:
    """A row without a status is refused: there is no default."""
    path = write(tmp_path, "f.csv", edited(FORCE_CSV, "b-2a,deployed", "b-2a,"))
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


# --------------------------------------------------------------------------- parsing that hides nothing
# A repeated key, a document nested 10,000 deep, text that is not UTF-8, a number JSON cannot hold, a directory
# where a file should be, an output folder that is missing, a database detente cannot open: each is refused by
# every reader with one line naming the place and the reason, before anything is written.

DEEP = 10_000
ITEM = '{"party": "US", "system": "minuteman-iii", "status": "deployed", "source": "S"}'


def _key_file(folder: Path, text: str | bytes, name: str = "k.key") -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(0o600)
    return path


def _key_doc(**changes: object) -> dict[str, object]:
    """US's key file for the all-zero seed, with some fields changed."""

    doc: dict[str, object] = {
        "format": "detente.key/1",
        "party": "US",
        "algorithm": "ed25519",
        "seed": base64.b64encode(bytes(32)).decode(),
        "public_key": base64.b64encode(PartyKey.from_seed("US", bytes(32)).public_key).decode(),
    }
    return {**doc, **changes}


def test_a_repeated_key_in_a_json_item_is_refused_naming_the_key_the_line_and_the_object(tmp_path: Path) -> None:
    """{"status": "deployed", ..., "status": "eliminated"}: Python keeps the last, a person may read the first."""
    text = '{\n  "items": [\n    ' + ITEM + ',\n    {"party": "US", "system": "minuteman-iii",\n'
    text += '     "status": "deployed", "source": "S", "status": "eliminated"}\n  ]\n}\n'
    path = write(tmp_path, "f.json", text)
    assert_force_refused(path, FileFormatError, f"{path}:5: items[1]: key 'status' appears twice in one object")


def test_a_repeated_top_level_key_is_refused_at_its_second_line(tmp_path: Path) -> None:
    """Two "items" arrays: the first would be dropped silently."""
    path = write(tmp_path, "f.json", '{"items": [' + ITEM + '],\n"items": []}')
    assert_force_refused(path, FileFormatError, f"{path}:2: key 'items' appears twice")


def test_a_repeated_key_in_a_treaty_file_is_refused(tmp_path: Path) -> None:
    """A treaty in JSON whose limit gives "max" twice is refused before any treaty rule runs."""
    doc = '{"id": "mini", "name": "x", "limits": [{"measure": "m", "max": 700,\n "max": 1700}]}'
    path = write(tmp_path, "t.json", doc)
    assert_refused(lambda: load_treaty(path), FileFormatError, f"{path}:2: limits[0]: key 'max' appears twice")


def test_a_repeated_key_in_a_key_file_is_refused(tmp_path: Path) -> None:
    """A key file with two seeds: which key signs is not for the parser to choose."""

    text = json.dumps(_key_doc(), indent=2)[:-2] + ',\n  "seed": "' + base64.b64encode(b"\1" * 32).decode() + '"\n}'
    path = _key_file(tmp_path, text)
    assert_refused(lambda: load_key(path), KeyFileError, f"{path}:7: key 'seed' appears twice")


def test_a_repeated_key_in_an_export_line_is_refused_naming_the_line(tmp_path: Path) -> None:
    """An export's entry line with two "seq" members is refused at that line of the file."""

    header = '{"format": "detente.ledger-export/1", "parties": []}'
    lines = [header, '{"party": "US", "seq": 1, "seq": 2}']
    assert_refused(lambda: read_export(lines, "x.jsonl"), FileFormatError, "x.jsonl:2: key 'seq' appears twice")


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_a_repeated_key_in_inspection_findings_is_refused(tmp_path: Path, suffix: str) -> None:
    """Findings that name the site twice are refused (TOML forbids it itself)."""

    text = (
        '{"at": "2012-03-01T10:00:00Z", "site": "RU-ICBM-1",\n "site": "RU-ICBM-2"}'
        if suffix == ".json"
        else 'at = "2012-03-01T10:00:00Z"\nsite = "RU-ICBM-1"\nsite = "RU-ICBM-2"\n'
    )
    path = write(tmp_path, "findings" + suffix, text)
    message = assert_refused(lambda: _findings(path), FileFormatError, f"{path}:")
    assert "appears twice" in message if suffix == ".json" else "not valid TOML" in message


@pytest.mark.parametrize(
    ("old", "new", "second"),
    [
        ('title = "Test force"\n', 'title = "Test force"\ntitle = "Another"\n', 'title = "Another"'),
        ('uid = "RU-0001"\n', 'uid = "RU-0001"\n\n[force]\nlabel = "again"\n', "[force]\nlabel"),
        ("count = 400\n", "count = 400\ncount = 4\n", "count = 4\n"),
        ("[force]\n", "force.title = 'x'\n[force]\n", "[force]"),
    ],
    ids=["key-twice", "table-twice", "item-key-twice", "dotted-then-table"],
)
def test_toml_refuses_repeated_keys_itself_with_a_clean_error(tmp_path: Path, old: str, new: str, second: str) -> None:
    """tomllib refuses every way of giving a key twice; the refusal is one FileFormatError naming the line."""
    text = edited(FORCE_TOML, old, new)
    line = text[: text.index(second)].count("\n") + 1
    path = write(tmp_path, "f.toml", text)
    message = assert_force_refused(path, FileFormatError, f"{path}:{line}: not valid TOML")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("f.json", '{"items": ' + "[" * DEEP + "]" * DEEP + "}", ":1: "),
        ("f.json", '{"force": {"title": "x"}, "items": [' + '{"a": ' * 70 + "1" + "}" * 70 + "]}", ":1: "),
        ("f.toml", "items = " + "[" * DEEP + "]" * DEEP + "\n", ": "),
        ("f.toml", "force." + ".".join(["a"] * 100) + " = 1\n", ": force.a.a"),
    ],
    ids=["json-10000", "json-71", "toml-10000", "toml-dotted-100"],
)
def test_a_document_nested_too_deep_is_refused(tmp_path: Path, name: str, text: str, where: str) -> None:
    """Nesting beyond 64 levels is refused by name, never a RecursionError, whether the parser or a reader
    after it would have hit Python's stack."""
    path = write(tmp_path, name, text)
    assert_force_refused(path, FileFormatError, f"{path}{where}", "nested deeper than 64 levels")


def test_nesting_of_64_levels_is_read(tmp_path: Path) -> None:
    """The limit is a limit, not an off-by-one: 64 levels parse, 65 do not."""

    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x") is not None
    with pytest.raises(FileFormatError, match="nested deeper"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "x")


def test_deep_treaty_key_file_and_export_are_refused(tmp_path: Path) -> None:
    """The same refusal in a treaty file, a key file and an export line."""

    deep = "[" * DEEP + "]" * DEEP
    treaty = write(tmp_path, "t.json", '{"id": ' + deep + "}")
    assert_refused(lambda: load_treaty(treaty), FileFormatError, f"{treaty}:1", "nested deeper than 64 levels")
    key = _key_file(tmp_path, '{"seed": ' + deep + "}")
    assert_refused(lambda: load_key(key), KeyFileError, f"{key}:1", "nested deeper than 64 levels")
    header = '{"format": "detente.ledger-export/1", "parties": []}'
    assert_refused(lambda: read_export([header, deep], "x.jsonl"), FileFormatError, "x.jsonl:2", "nested deeper")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("NaN", "NaN and Infinity are not JSON numbers"),
        ("Infinity", "NaN and Infinity are not JSON numbers"),
        ("-Infinity", "NaN and Infinity are not JSON numbers"),
        ("1e400", "number 1e400 is too large to hold"),
        ("9" * 5000, "an integer of more than 4,300 digits is too long to read"),
        ('"\\ud800"', "a string holds a lone surrogate escape"),
    ],
)
def test_json_values_that_are_not_numbers_or_text_are_refused_by_field(tmp_path: Path, value: str, why: str) -> None:
    """Python's json reads NaN, Infinity and 1e400 as floats and a 5,000-digit integer not at all; none is JSON."""
    text = FORCE_JSON.replace('"count": 18', f'"count": {value}')
    assert text != FORCE_JSON
    path = write(tmp_path, "f.json", text)
    line = text[: text.index(value)].count("\n") + 1
    assert_force_refused(path, FileFormatError, f"{path}:{line}: items[1].count: {why}")


@pytest.mark.parametrize(("value", "items"), [("-0", 400), (str(10**400), None), ("-1", None), ("1.0", 401)])
def test_json_numbers_that_parse_reach_the_force_rules(tmp_path: Path, value: str, items: int | None) -> None:
    """-0 is 0 and 1.0 is 1 (the same numbers); 10**400 and -1 are refused by the force rules, by field."""
    path = write(tmp_path, "f.json", FORCE_JSON.replace('"count": 18', f'"count": {value}'))
    if items is None:
        assert_force_refused(path, ForceError, "items[1].count")
    else:
        assert read_force(path, CATALOG).items == items


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files_are_refused_by_name(tmp_path: Path, encoding: str) -> None:
    """A file saved as UTF-16 (Windows "Unicode") is named as such, with what to do."""
    for name, text in (("f.csv", FORCE_CSV), ("f.toml", FORCE_TOML), ("f.json", FORCE_JSON)):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        assert_force_refused(
            path, FileFormatError, f"{path}:1: is {encoding.upper()} text, not UTF-8", "save it as UTF-8"
        )


def test_utf16_without_a_byte_order_mark_is_refused_for_its_nul_characters(tmp_path: Path) -> None:
    """UTF-16 without a BOM is valid UTF-8 full of NULs: refused, not read as a header of odd column names."""
    path = tmp_path / "f.csv"
    path.write_bytes(FORCE_CSV.encode("utf-16-le"))
    assert_force_refused(path, FileFormatError, f"{path}:1: holds a NUL character", "UTF-16")


def test_a_utf8_byte_order_mark_is_dropped_as_spreadsheets_write_one(tmp_path: Path) -> None:
    """A leading UTF-8 BOM is not part of the text: the file reads exactly as without it (decision in _files)."""
    for name, text in (("f.csv", FORCE_CSV), ("f.toml", FORCE_TOML), ("f.json", FORCE_JSON)):
        plain = write(tmp_path / "plain", name, text) if (tmp_path / "plain").mkdir(exist_ok=True) is None else None
        bom = tmp_path / "bom"
        bom.mkdir(exist_ok=True)
        (bom / name).write_bytes(b"\xef\xbb\xbf" + text.encode())
        assert plain is not None
        expected, why = read_or_refuse(plain)
        assert read_or_refuse(bom / name) == (expected, why.replace(str(plain), str(bom / name)))
    assert read_force(bom / "f.json", CATALOG).items == 400 + 18


def test_a_byte_order_mark_inside_the_text_is_not_dropped(tmp_path: Path) -> None:
    """Only a leading BOM is dropped: one before a party code leaves a party code that is refused."""
    path = write(
        tmp_path, "f.csv", "party,system,status,source\nUS,minuteman-iii,deployed,S\n\ufeffRU,rs-24-silo,deployed,S\n"
    )
    assert_force_refused(path, ForceError, f"{path}:3: party", "is not a party code")


def test_invalid_utf8_in_a_key_file_is_refused(tmp_path: Path) -> None:
    """A key file with a byte that is not UTF-8 is a KeyFileError naming the line, not a UnicodeDecodeError."""

    path = _key_file(tmp_path, b'{\n"party": "\xff"\n}')
    assert_refused(lambda: load_key(path), KeyFileError, f"{path}:2: is not UTF-8 text")
    utf16 = _key_file(tmp_path, json.dumps(_key_doc()).encode("utf-16"), "u16.key")
    assert_refused(lambda: load_key(utf16), KeyFileError, f"{utf16}:1: is UTF-16 text")


def test_a_directory_in_place_of_a_file_is_refused_by_every_reader(tmp_path: Path) -> None:
    """A folder named like a file: FileFormatError (KeyFileError for keys), not IsADirectoryError."""

    for name in ("f.csv", "f.toml", "f.json"):
        (tmp_path / name).mkdir()
        assert_force_refused(tmp_path / name, FileFormatError, "is a directory, not a file")
    (tmp_path / "t.toml").mkdir(exist_ok=True)
    assert_refused(lambda: load_treaty(tmp_path / "f.toml"), FileFormatError, "is a directory, not a file")
    assert_refused(lambda: load_key(tmp_path), KeyFileError, f"{tmp_path}: is a directory, not a key file")


def test_a_key_file_that_says_another_public_key_than_its_seed_is_refused(tmp_path: Path) -> None:
    """What a person reads in the key file (its public key) must be the key it holds."""

    other = base64.b64encode(PartyKey.from_seed("US", b"\1" * 32).public_key).decode()
    path = _key_file(tmp_path, json.dumps(_key_doc(public_key=other)))
    assert_refused(lambda: load_key(path), KeyFileError, "public_key: is not the public key of this seed")
    assert load_key(_key_file(tmp_path, json.dumps(_key_doc()), "good.key")).party == "US"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"party": 7}, "party: must be the party's code, not 7"),
        ({"party": ["US"]}, "party: must be the party's code, not ['US']"),
        ({"party": "US\nRU"}, "party: must be the party's code, not 'US\\nRU'"),
        ({"seed": 12}, "seed: must be base64 text"),
        ({"seed": "é"}, "seed: is not base64"),
        ({"seed": base64.b64encode(bytes(31)).decode()}, "seed: must be 32 bytes, not 31"),
        ({"algorithm": "rsa"}, "algorithm 'rsa' is not ed25519"),
        ({"format": "other/1"}, "not a detente key file"),
    ],
)
def test_a_key_file_with_a_field_of_the_wrong_kind_is_refused_by_field(
    tmp_path: Path, change: dict[str, object], why: str
) -> None:
    """Each field of a key file is checked for what it is, not converted with str() or int()."""

    path = _key_file(tmp_path, json.dumps(_key_doc(**change)))
    assert_refused(lambda: load_key(path), KeyFileError, why)


def test_a_key_file_that_is_a_json_list_is_refused(tmp_path: Path) -> None:
    """The top level of a key file must be an object."""

    assert_refused(lambda: load_key(_key_file(tmp_path, "[1, 2]")), KeyFileError, "not a detente key file")


@pytest.mark.parametrize("where", ["missing/k.key", "file.txt/k.key"], ids=["missing-folder", "file-as-folder"])
def test_saving_a_key_where_no_folder_is_refused_and_writes_nothing(tmp_path: Path, where: str) -> None:
    """save_key into a folder that does not exist (or is a file) is a KeyFileError naming the path."""

    (tmp_path / "file.txt").write_text("x")
    path = tmp_path / where
    why = "does not exist" if where.startswith("missing") else "is not a folder"
    assert_refused(lambda: save_key(PartyKey.generate("US"), path), KeyFileError, str(path), why)
    assert not path.exists()


def test_check_output_refuses_what_cannot_be_written(tmp_path: Path) -> None:
    """The check commands run before any work: a directory, an existing file, a missing folder, a file as folder."""

    (tmp_path / "there.txt").write_text("x")
    cases = [
        (tmp_path, "is a directory; give the name of a file to write"),
        (tmp_path / "there.txt", "already exists; refusing to overwrite"),
        (tmp_path / "missing" / "out.json", f"folder {tmp_path / 'missing'} does not exist"),
        (tmp_path / "there.txt" / "out.json", "is not a folder"),
    ]
    for path, why in cases:
        assert_refused(lambda path=path: check_output(path), OutputFileError, str(path), why)
    assert check_output(tmp_path / "there.txt", overwrite=True) == tmp_path / "there.txt"
    assert check_output(tmp_path / "new.json") == tmp_path / "new.json"


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("mysql://user@host/db", "unsupported database 'mysql'"),
        ("http://example.org/ledger", "unsupported database 'http'"),
        ("postgres://host/db", "unsupported database 'postgres'"),
        ("sqlite://", "SQLite URL without a file"),
        ("sqlite:///", "SQLite URL without a file"),
        ("sqlite:///:memory:", "SQLite URL without a file"),
        ("postgresql://host:port/db", "not a valid database URL"),
    ],
)
def test_an_unsupported_ledger_address_is_refused_before_anything_is_opened(target: str, why: str) -> None:
    """open_store refuses, by name, what it cannot open: a LedgerAddressError (an InputError and a StoreError)."""

    for readonly in (False, True):
        with pytest.raises(LedgerAddressError, match=re.escape(why)) as refused:
            open_store(target, readonly=readonly).close()
        assert isinstance(refused.value, StoreError)
        assert "\n" not in str(refused.value)


def test_an_empty_ledger_address_is_refused() -> None:
    """An empty address is no ledger, whether opened to write or to read."""

    with pytest.raises(LedgerAddressError, match="no ledger given"):
        open_store("")
    with pytest.raises(StoreError):
        open_store("", readonly=True)


def test_a_refused_ledger_address_does_not_print_its_password() -> None:
    """A URL's password is not echoed in the refusal."""

    with pytest.raises(LedgerAddressError) as refused:
        open_store("mysql://alice:s3cret@db.example/ledger")
    assert "s3cret" not in str(refused.value)
    assert "alice:***@db.example" in str(refused.value)


def test_sqlite_urls_with_a_file_and_postgresql_urls_are_accepted() -> None:
    """The addresses that name a database are turned into SQLAlchemy URLs, as before."""

    assert _url("ledger.sqlite") == "sqlite:///ledger.sqlite"
    assert _url("sqlite:///ledger.sqlite") == "sqlite:///ledger.sqlite"
    assert _url("sqlite:////tmp/ledger.sqlite") == "sqlite:////tmp/ledger.sqlite"
    assert _url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert _url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('{"party": "US", "seq": true}', "US entry #True where #1 was expected"),
        ('{"party": "US", "seq": 1.0}', "US entry #1.0 where #1 was expected"),
        ('{"party": ["US"], "seq": 1}', "entry of party ['US'], which the header does not list"),
    ],
)
def test_an_export_entry_of_the_wrong_kind_is_refused(line: str, why: str) -> None:
    """true is not 1 and ["US"] is not a party: the export says what it says."""

    key = base64.b64encode(bytes(32)).decode()
    header = json.dumps({"format": "detente.ledger-export/1", "parties": [{"party": "US", "public_key": key}]})
    assert_refused(lambda: read_export([header, line], "x.jsonl"), FileFormatError, "x.jsonl:2", why)


@pytest.mark.parametrize(
    ("party", "field"),
    [
        (1, "parties[0]: must be an object"),
        ({"party": 7}, "parties[0].party: must be a party code, not 7"),
        ({"party": "US\nRU"}, "parties[0].party: must be a party code, not 'US\\nRU'"),
    ],
)
def test_an_export_header_of_the_wrong_kind_is_refused(party: object, field: str) -> None:
    """A header whose parties are not objects with a party code is refused by field, not an AttributeError."""

    header = json.dumps({"format": "detente.ledger-export/1", "parties": [party]})
    assert_refused(lambda: read_export([header], "x.jsonl"), FileFormatError, f"x.jsonl:1: {field}")


# --------------------------------------------------------------------------- the same, as the CLI meets them


def _one_line_refusal(result: tuple[int, str, str], *fragments: str) -> list[str]:
    """What is wrong with a refusal: it must exit 2 with one line on stderr, nothing on stdout, naming ``fragments``."""
    code, out, err = result
    text = err.strip()
    found = [] if code == 2 else [f"exit {code}"]
    found += [] if out == "" else [f"stdout: {out!r}"]
    found += [] if text.startswith("error:") and "\n" not in text else [f"not one error line: {text!r}"]
    found += [f"{fragment!r} not in {text!r}" for fragment in fragments if fragment not in text]
    return found


@pytest.mark.parametrize(
    ("target", "why"),
    [("mysql://u@h/db", "unsupported database 'mysql'"), ("sqlite://", "SQLite URL without a file")],
)
def test_cli_refuses_an_unsupported_ledger_address_in_one_line(cli, target: str, why: str) -> None:
    """`ledger create` and a reading command exit 2 with one line."""
    assert not _one_line_refusal(cli("ledger", "create", target), why)
    assert not _one_line_refusal(cli("ledger", "log", target), why)


def test_cli_refuses_a_key_into_a_missing_folder_and_writes_nothing(cli, tmp_path: Path) -> None:
    """`keys generate --out missing/k.key` exits 2 in one line; no folder or file appears."""
    out = tmp_path / "missing" / "k.key"
    assert not _one_line_refusal(
        cli("keys", "generate", "--party", "US", "--out", str(out)), str(out), "does not exist"
    )
    assert not out.parent.exists()


def test_cli_refuses_hostile_input_files_in_one_line(cli, tmp_path: Path) -> None:
    """validate, keys show and ledger import on a repeated key, a 10,000-deep file, UTF-16 and a folder."""
    dup = write(tmp_path, "dup.json", '{"items": [' + ITEM + "],\n" + '"items": []}')
    assert not _one_line_refusal(cli("validate", str(dup)), f"{dup}:2", "key 'items' appears twice")
    deep = write(tmp_path, "deep.json", '{"items": ' + "[" * DEEP + "]" * DEEP + "}")
    assert not _one_line_refusal(cli("validate", str(deep)), str(deep), "nested deeper than 64 levels")
    utf16 = tmp_path / "u16.toml"
    utf16.write_bytes(FORCE_TOML.encode("utf-16"))
    assert not _one_line_refusal(cli("validate", str(utf16)), "is UTF-16 text, not UTF-8")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert not _one_line_refusal(cli("validate", str(folder)), "is a directory, not a file")
    assert not _one_line_refusal(cli("keys", "show", str(tmp_path)), "is a directory, not a key file")
    export = write(tmp_path, "x.jsonl", "[" * DEEP + "]" * DEEP + "\n")
    assert not _one_line_refusal(cli("ledger", "import", str(tmp_path / "l.sqlite"), str(export)), "nested deeper")
    assert not (tmp_path / "l.sqlite").exists()


def test_cli_submit_refuses_notifications_with_a_repeated_key_and_appends_nothing(cli, tmp_path: Path) -> None:
    """A status change that names two items (uid twice) is refused whole: nothing is signed for either."""

    key = tmp_path / "us.key"
    save_key(PartyKey.from_seed("US", bytes(32)), key)
    ledger = str(tmp_path / "l.sqlite")
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key))[0] == 0
    change = (
        '{"type": "status-change", "sent": "2011-03-01", "effective": "2011-03-01",\n'
        ' "content": {"uid": "US-000001", "from": "deployed", "to": "non-deployed",\n'
        '             "uid": "US-000002"}}'
    )
    for name, text in (("n.json", f"[{change}]"), ("n.jsonl", change.replace("\n", " "))):
        path = write(tmp_path, name, text)
        assert not _one_line_refusal(
            cli("ledger", "submit", ledger, str(path), "--key", str(key)), "key 'uid' appears twice"
        )
    with open_store(ledger, readonly=True) as store:
        assert store.head("US") is None
