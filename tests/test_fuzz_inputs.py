"""Fuzzing every input format: a mutated document is read correctly or refused cleanly, never a traceback.

Each reader gets documents made from a valid seed by one mutation: a cut at a random offset, flipped, inserted,
deleted or repeated bytes, bytes that are not UTF-8 or another encoding of the whole text, a key given twice,
nesting 10,000 deep, a hostile number (10**400, -0, NaN, Infinity, 1e400, a 5,000-digit integer), a value of the
wrong type, or random bytes in place of the file. The reader must either return a correct result or raise an
error of detente's own root (``DetenteError``) whose message is one non-empty line; any other exception fails the
test, and Hypothesis shrinks it to the smallest input that shows it.

Some mutations must be refused whatever the reader, and the tests say so: bytes that are not UTF-8, a repeated
key in JSON or TOML, nesting beyond 64 levels, NaN and Infinity literals. "Correct" is checked where an oracle
exists: whatever verifies a signature (a note, an export, an escrow commitment or opening) must be exactly what
was signed.

The readers are the ones the commands use: force files (CSV, TOML, JSON), treaty files, notification files (the
``ledger submit`` reader, then the in-memory ledger's schema and rules), inspection findings (the ``inspect record``
reader, then the schema), key files, exports (then the import's chain and rule checks), signed notes and
checkpoints, escrow commitments and openings. The whole file runs in 10 to 25 seconds;
``DETENTE_FUZZ_SCALE=20`` hunts twenty times longer.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente._files import parse_json, read_text
from detente.catalog.load import builtin_catalog
from detente.cli.inspect import _findings
from detente.cli.ledger import _drafts
from detente.crypto.keys import PartyKey, load_key
from detente.crypto.note import COSIGNATURE_V1, Checkpoint, Verifier, cosign, parse_note, sign_note, verify_note
from detente.errors import DetenteError, EscrowError, InputError, NoteError
from detente.forces.model import Force
from detente.forces.read import read_force
from detente.ledger.chain import GENESIS
from detente.ledger.exchange import export_lines, read_export
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import parse_notification
from detente.ledger.writer import Ledger
from detente.treaty.load import get_treaty, load_treaty
from detente.treaty.model import Treaty
from detente.trust.escrow import Commitment, Escrow, EscrowVerifier, opening_from_json, opening_to_json
from detente.verification.inspection import notification

from builders import TREATY_TOML, initial_launchers, toggles

CATALOG = builtin_catalog()
SCALE = float(os.environ.get("DETENTE_FUZZ_SCALE", "1"))  # e.g. 20 for a long hunt; 1 keeps the file under 25 s
FAST = settings(max_examples=int(300 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=int(120 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- seeds: one valid document per format

FORCE_CSV = """\
party,system,status,count,uid,facility,warheads,armament,source
US,minuteman-iii,deployed,1,US-000001,,1,,TEST
US,minuteman-iii,non-deployed,3,,,0,,TEST
US,b-52h,deployed,2,,,0,alcm,TEST
RU,rs-24-silo,deployed,1,RU-000001,,4,,TEST
"""

FORCE_TOML = """\
parties = ["US", "RU"]

[force]
title = "Fuzz seed"
as_of = 2020-09-01
source = "TEST"

[[facilities]]
id = "minot"
party = "US"
kind = "icbm-base"

[[items]]
party = "US"
system = "minuteman-iii"
status = "deployed"
count = 40
warheads = 1
facility = "minot"

[[items]]
party = "US"
system = "b-52h"
status = "deployed"
armament = "alcm"
count = 3

[[items]]
party = "RU"
system = "rs-24-silo"
status = "deployed"
uid = "RU-0001"
warheads = 4
"""

FORCE_JSON = json.dumps(
    {
        "force": {"title": "Fuzz seed", "as_of": "2020-09-01", "source": "TEST"},
        "facilities": [{"id": "minot", "party": "US", "kind": "icbm-base"}],
        "items": [
            {"party": "US", "system": "minuteman-iii", "status": "deployed", "count": 40, "warheads": 1},
            {"party": "US", "system": "b-52h", "status": "deployed", "armament": "alcm", "count": 3},
            {"party": "RU", "system": "rs-24-silo", "status": "deployed", "uid": "RU-0001", "warheads": 4},
        ],
    },
    indent=2,
)

TREATY_EXTENDS = """\
id = "draft"
name = "A draft on New START's counting"
extends = "new-start"

[[limits]]
measure = "warheads"
max = 1000
"""

TREATY_JSON = json.dumps(
    {
        "id": "mini",
        "name": "A minimal treaty",
        "dates": {"signed": "2000-01-01", "expires": "2010-01-01"},
        "parties": [{"id": "US", "name": "United States"}, {"id": "RU", "name": "Russia"}],
        "definitions": {"deployed": {"category": ["icbm", "slbm"], "kind": ["launcher"], "status": ["deployed"]}},
        "measures": [{"id": "deployed", "name": "Deployed missiles", "terms": [{"select": "deployed"}]}],
        "limits": [{"measure": "deployed", "max": 700}],
    },
    indent=2,
)

UIDS = [f"US-{i:06d}" for i in range(1, 4)]
DRAFTS = toggles(UIDS, 3)
NOTES_JSON = json.dumps(DRAFTS, indent=2)
NOTES_JSONL = "".join(json.dumps(d) + "\n" for d in DRAFTS)


def _toml_notifications(drafts: list[dict[str, Any]]) -> str:
    out = []
    for d in drafts:
        out.append(f'[[notification]]\ntype = "{d["type"]}"\nsent = "{d["sent"]}"\neffective = "{d["effective"]}"\n')
        out.append("[notification.content]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in d["content"].items()))
    return "\n".join(out)


NOTES_TOML = _toml_notifications(DRAFTS)

FINDINGS = {
    "at": "2012-03-01T10:00:00Z",
    "inspected": "RU",
    "inspection_type": "type-one",
    "site": "RU-ICBM-1",
    "seen": [{"uid": "RU-000001", "system": "rs-24-silo", "status": "deployed"}],
    "designated": [{"uid": "RU-000001", "warheads": 4}],
    "selection": "chosen",
}
FINDINGS_JSON = json.dumps(FINDINGS, indent=2)
FINDINGS_TOML = """\
at = "2012-03-01T10:00:00Z"
inspected = "RU"
inspection_type = "type-one"
site = "RU-ICBM-1"
selection = "chosen"

[[seen]]
uid = "RU-000001"
system = "rs-24-silo"
status = "deployed"

[[designated]]
uid = "RU-000001"
warheads = 4
"""

US = PartyKey.from_seed("US", bytes([1]) * 32)
RU = PartyKey.from_seed("RU", bytes([2]) * 32)
LOG = "detente/new-start/US"
LOG_VERIFIER = Verifier(LOG, US.public_key)
WITNESS = Verifier("RU", RU.public_key, COSIGNATURE_V1)


def _note() -> str:
    body = Checkpoint(LOG, 5, bytes(range(32))).body()
    note = sign_note(body, LOG, US)
    return note.with_signature(cosign(note, "RU", RU, 1_700_000_000)).text()


NOTE = _note()


def _export() -> tuple[str, list[tuple[Any, ...]]]:
    ledger = Ledger(MemoryStore(), [US], CATALOG, get_treaty)
    ledger.register("US", US.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS), *toggles(UIDS, 3)])
    records = ledger.store.parties()
    entries = list(ledger.store.entries("US"))
    text = "".join(line + "\n" for line in export_lines(records, entries))
    return text, [(e.party, e.seq, e.payload, e.signature, e.hash) for e in entries]


EXPORT, EXPORTED = _export()

ESCROW_ITEMS = [
    {
        "uid": f"US-{i:06d}",
        "system": "minuteman-iii",
        "status": "deployed",
        "facility": f"US-ICBM-{i % 2}",
        "warheads": 1,
    }
    for i in range(1, 6)
]
ESCROW, COMMITMENT = Escrow.commit("US", "2020-09-01", ESCROW_ITEMS, US)
OPENING = ESCROW.open("US-ICBM-1")
COMMITMENT_JSON = json.dumps(COMMITMENT.to_json(), indent=2)
OPENING_JSON = json.dumps(opening_to_json(OPENING), indent=2)


def _key_text() -> str:
    return json.dumps(
        {
            "format": "detente.key/1",
            "party": "US",
            "algorithm": "ed25519",
            "seed": base64.b64encode(bytes([1]) * 32).decode(),
            "public_key": base64.b64encode(US.public_key).decode(),
        },
        indent=2,
    )


KEY_FILE = _key_text()

# --------------------------------------------------------------------------- readers, with their oracles


def _read_force(path: Path) -> Force:
    force = read_force(path, CATALOG)
    assert isinstance(force, Force)
    assert force.items >= 0
    return force


def _read_treaty(path: Path) -> Treaty:
    treaty = load_treaty(path)
    assert isinstance(treaty, Treaty)
    return treaty


def _submit(path: Path) -> list[Any]:
    """What `detente ledger submit` does with a file, on a throwaway in-memory ledger with US's initial data."""
    drafts = _drafts(path)
    ledger = Ledger(MemoryStore(), [US], CATALOG, get_treaty)
    ledger.register("US", US.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS)])
    accepted = ledger.submit("US", drafts, str(path))
    assert [a.seq for a in accepted] == list(range(2, 2 + len(drafts)))
    return accepted


def _record_findings(path: Path) -> dict[str, Any]:
    """What `detente inspect record` does with a findings file before the ledger's rules: read, then the schema."""
    findings, when = _findings(path)
    payload = parse_notification({"party": "US", "seq": 1, "prev": GENESIS, **notification(findings, when)})
    assert payload["type"] == "inspection"
    return payload


def _load_key(path: Path) -> PartyKey:
    path.chmod(0o600)
    key = load_key(path)
    assert isinstance(key, PartyKey)
    return key


def _import(path: Path) -> int:
    """What `detente ledger import` checks before writing: the file, then every link, signature and rule."""
    records, entries = read_export(read_text(path).splitlines(), str(path))
    ledger = Ledger(MemoryStore(), (), CATALOG, get_treaty)
    alongside = frozenset((e.party, e.seq) for batch in entries.values() for e in batch)
    added = 0
    for record in records:
        added += ledger.import_entries(record, entries[record.party], write=False, alongside=alongside)
    got = [(e.party, e.seq, e.payload, e.signature, e.hash) for batch in entries.values() for e in batch]
    assert got == EXPORTED, "an export that imports must hold exactly the entries signed"
    return added


def _verify_note(path: Path) -> dict[str, int]:
    note = parse_note(read_text(path))
    checkpoint = note.checkpoint()
    cosigned = verify_note(note, LOG_VERIFIER, (WITNESS,))
    assert note.body == parse_note(NOTE).body, "a note that verifies must say what was signed"
    assert checkpoint.size == 5
    return cosigned


def _verify_commitment(path: Path) -> Commitment:
    commitment = Commitment.from_json(parse_json(read_text(path), str(path)))
    commitment.verify_signature(US.public_key)
    assert commitment.statement() == COMMITMENT.statement(), "a commitment that verifies must be the one signed"
    return commitment


def _accept_opening(path: Path) -> list[dict[str, Any]]:
    items = EscrowVerifier(COMMITMENT).accept(opening_from_json(parse_json(read_text(path), str(path))))
    assert sorted(items, key=lambda i: i["uid"]) == [i for i in ESCROW_ITEMS if i["facility"] == "US-ICBM-1"]
    return items


# --------------------------------------------------------------------------- mutations

NON_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc", b"\xf4\x90\x80\x80"]
JSON_TOKENS = ["1" + "0" * 400, "-0", "-0.0", "1.5", "-1", "1e400", "-1e400", "9" * 5000, "true", "null", '""', "[]"]
JSON_REFUSED = {"NaN": "NaN and Infinity", "Infinity": "NaN and Infinity", "-Infinity": "NaN and Infinity",
                "1e400": "too large", "-1e400": "too large", "9" * 5000: "too long"}  # fmt: skip
TOML_TOKENS = ["1" + "0" * 400, "-0", "nan", "inf", "-inf", "1e400", "1.5", "-1", "true", '""', "[]", "{}",
               "1979-05-27T07:32:00Z", "'''x'''", "9" * 5000, "0x7fffffffffffffffffff"]  # fmt: skip
HOSTILE_VALUES: list[Any] = [None, True, False, 0, -1, 2**53, 10**400, -0.0, 1.5, float("nan"), float("inf"), "",
                             "x" * 300, "\ud800", "US\nRU", "\u202e", [], {}, [None], {"": None},
                             "2011-02-30T00:00:00Z"]  # fmt: skip
CSV_CELLS = ["", "-1", "1e400", "NaN", "9" * 5000, "1.5", '"quoted, with comma"', '"', "\ufeffUS", "US\x00",
             "=cmd|' /C calc'!A0", "deployed ", "DEPLOYED", "0x10", "1_000", "1,000"]  # fmt: skip
DEPTHS = [65, 1_000, 10_000]


class Mutant:
    """A mutated document, and the fragment its refusal must contain if it must be refused."""

    def __init__(self, data: bytes, must: str | None = None, how: str = "") -> None:
        self.data = data
        self.must = must
        self.how = how

    def __repr__(self) -> str:
        shown = self.data if len(self.data) <= 300 else self.data[:150] + b"..." + self.data[-150:]
        return f"Mutant({self.how}, must={self.must!r}, {shown!r})"


@st.composite
def byte_mutants(draw: st.DrawFn, seed: str) -> Mutant:  # noqa: PLR0911 - one return per mutation
    """Cuts, flips, inserts, deletes, repeats, bytes that are not UTF-8, other encodings, random bytes."""
    data = seed.encode()
    n = len(data)
    op = draw(st.sampled_from(["cut", "flip", "insert", "delete", "repeat", "non-utf8", "encoding", "random"]))
    at = draw(st.integers(0, n))
    if op == "cut":
        return Mutant(data[:at], how=f"cut at {at}")
    if op == "flip":
        i = min(at, n - 1)
        return Mutant(data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :], how=f"flip {i}")
    if op == "insert":
        return Mutant(data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:], how=f"insert at {at}")
    if op == "delete":
        return Mutant(data[:at] + data[at + draw(st.integers(1, 40)) :], how=f"delete at {at}")
    if op == "repeat":
        a, b = sorted((draw(st.integers(0, n)), draw(st.integers(0, n))))
        return Mutant(data[:at] + data[a:b] + data[at:], how=f"repeat {a}:{b} at {at}")
    if op == "non-utf8":
        return Mutant(data[:at] + draw(st.sampled_from(NON_UTF8)) + data[at:], "UTF-8", f"non-utf8 at {at}")
    if op == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-32", "utf-16-le", "latin-1-of-non-ascii"]))
        if encoding == "latin-1-of-non-ascii":
            return Mutant("é".encode("latin-1") + data, "UTF-8", encoding)
        must = "NUL" if encoding == "utf-16-le" else encoding.upper()
        return Mutant(seed.encode(encoding), must, encoding)
    return Mutant(draw(st.binary(max_size=200)), how="random bytes")


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from _objects(child)


def _places(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in a parsed document."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield value, key
        yield from _places(child)


def _dump_repeating(value: Any, target: dict[str, Any], key: str, again: Any) -> str:
    """JSON text of ``value`` in which the object ``target`` gives ``key`` a second time, with ``again``."""
    if isinstance(value, dict):
        members = [f"{json.dumps(k)}: {_dump_repeating(v, target, key, again)}" for k, v in value.items()]
        if value is target:
            members.append(f"{json.dumps(key)}: {json.dumps(again)}")
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump_repeating(v, target, key, again) for v in value) + "]"
    return json.dumps(value)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null')  # a string first


@st.composite
def json_value_mutants(draw: st.DrawFn, text: str) -> Mutant:
    """Structured mutations of one JSON document: a repeated key, a hostile value, deep nesting, a hostile token."""
    doc = json.loads(text)
    op = draw(st.sampled_from(["repeat-key", "value", "deep", "token"]))
    if op == "repeat-key":
        target = draw(st.sampled_from([o for o in _objects(doc) if o]))
        key = draw(st.sampled_from(sorted(target)))
        again = draw(st.sampled_from([target[key], *HOSTILE_VALUES[:9]]))
        return Mutant(_dump_repeating(doc, target, key, again).encode(), "appears twice", f"repeat {key!r}")
    if op in ("value", "deep"):
        container, key = draw(st.sampled_from(list(_places(doc))))
        if op == "deep":
            depth = draw(st.sampled_from(DEPTHS))
            container[key] = "DEEP"
            marked = json.dumps(doc)
            return Mutant(marked.replace('"DEEP"', _deep(depth), 1).encode(), "nested deeper", f"deep {depth}")
        value = draw(st.sampled_from(HOSTILE_VALUES))
        container[key] = value
        ascii_only = draw(st.booleans())
        out = json.dumps(doc, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        must = None
        if (isinstance(value, float) and value != value) or value in (float("inf"),):  # noqa: PLR0124 - NaN
            must = "NaN and Infinity"
        elif value == "\ud800":
            must = "lone surrogate" if ascii_only else "UTF-8"
        return Mutant(out, must, f"{key!r} = {value!r:.40}")
    tokens = [m for m in JSON_TOKEN.finditer(text) if not text[m.end() :].lstrip().startswith(":")]  # values only
    match = draw(st.sampled_from(tokens))
    token = draw(st.sampled_from([*JSON_TOKENS, *JSON_REFUSED]))
    out = text[: match.start()] + token + text[match.end() :]
    return Mutant(out.encode(), JSON_REFUSED.get(token), f"token {match.group()!r} -> {token[:20]!r}")


@st.composite
def json_mutants(draw: st.DrawFn, seed: str) -> Mutant:
    return draw(st.one_of(byte_mutants(seed), json_value_mutants(seed)))


@st.composite
def jsonl_mutants(draw: st.DrawFn, seed: str) -> Mutant:
    """A JSON Lines file: byte mutations of the whole, or a structured mutation of one line."""
    if draw(st.booleans()):
        return draw(byte_mutants(seed))
    lines = seed.splitlines()
    i = draw(st.integers(0, len(lines) - 1))
    one = draw(json_value_mutants(lines[i]))
    text = one.data.decode("utf-8", "surrogatepass").replace("\n", " ")
    data = "\n".join([*lines[:i], text, *lines[i + 1 :]]).encode("utf-8", "surrogatepass") + b"\n"
    return Mutant(data, one.must, f"line {i + 1}: {one.how}")


KEY_LINE = re.compile(r"^([A-Za-z0-9_\"'.-]+\s*=\s*)(.+)$", re.MULTILINE)
TABLE_LINE = re.compile(r"^\[[^\[\]]+\]$", re.MULTILINE)


@st.composite
def toml_mutants(draw: st.DrawFn, seed: str) -> Mutant:
    """TOML: byte mutations, a key or table given twice, a hostile value, a value nested deep."""
    op = draw(st.sampled_from(["bytes", "bytes", "repeat-key", "repeat-table", "value", "deep"]))
    if op == "bytes":
        return draw(byte_mutants(seed))
    if op == "repeat-table":
        tables = TABLE_LINE.findall(seed)
        if tables:
            return Mutant((seed + "\n" + draw(st.sampled_from(tables)) + "\n").encode(), "not valid TOML", op)
    line = draw(st.sampled_from(list(KEY_LINE.finditer(seed))))
    if op == "repeat-key":
        again = line.group(1) + draw(st.sampled_from([line.group(2), "1", '"other"']))
        out = seed[: line.end()] + "\n" + again + seed[line.end() :]
        return Mutant(out.encode(), "not valid TOML", f"repeat {line.group(1).strip()}")
    if op == "deep":
        depth = draw(st.sampled_from(DEPTHS))
        out = seed[: line.start(2)] + _deep(depth) + seed[line.end(2) :]
        return Mutant(out.encode(), "nested deeper", f"deep {depth}")
    token = draw(st.sampled_from(TOML_TOKENS))
    out = seed[: line.start(2)] + token + seed[line.end(2) :]
    return Mutant(out.encode(), "not valid TOML" if token == "9" * 5000 else None, f"{line.group(1)}{token[:20]}")


@st.composite
def csv_mutants(draw: st.DrawFn, seed: str) -> Mutant:
    """CSV: byte mutations, a column given twice, a row repeated, a hostile cell."""
    op = draw(st.sampled_from(["bytes", "bytes", "repeat-column", "repeat-row", "cell"]))
    if op == "bytes":
        return draw(byte_mutants(seed))
    rows = list(csv.reader(io.StringIO(seed)))
    if op == "repeat-column":
        j = draw(st.integers(0, len(rows[0]) - 1))
        rows = [[*r, r[j]] for r in rows]
        must: str | None = "appears twice"
    elif op == "repeat-row":
        i = draw(st.integers(1, len(rows) - 1))
        rows.insert(i, rows[i])
        must = "duplicate" if rows[i][rows[0].index("uid")] else None
    else:
        i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(rows[0]) - 1))
        rows[i][j] = draw(st.sampled_from(CSV_CELLS))
        must = None
    out = "\n".join(",".join(r) for r in rows) + "\n"  # unquoted on purpose: a cell may break the row
    return Mutant(out.encode(), must, op)


@st.composite
def text_mutants(draw: st.DrawFn, seed: str) -> Mutant:
    """Line-based text (signed notes): byte mutations, or a line repeated, dropped, swapped or replaced."""
    if draw(st.booleans()):
        return draw(byte_mutants(seed))
    lines = seed.split("\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    op = draw(st.sampled_from(["repeat", "drop", "swap", "replace"]))
    if op == "repeat":
        lines.insert(i, lines[i])
    elif op == "drop":
        del lines[i]
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = draw(st.sampled_from(["", "0", "01", "-1", "9" * 5000, "\u2014 ", "\u2014 x y z", "\r", "é", "="]))
    return Mutant("\n".join(lines).encode(), None, f"{op} line {i}")


# --------------------------------------------------------------------------- the property


# Tracebacks the fuzzers found in readers a change could not edit, each shown by a strict xfail test at the end of
# this file (which starts failing once it is fixed: then delete both). Matched by exception and the function that
# raised it. None today: the last three (findings at a time that does not exist, a checkpoint size of 5,000 digits, a
# commitment's party code printed raw) are fixed and tested below as refusals.
def _refusal(read: Callable[[Path], Any], path: Path) -> DetenteError | None:
    """None if the reader read the file (its oracle held), else its DetenteError; any other exception propagates."""
    try:
        read(path)
    except DetenteError as exc:
        return exc
    return None


def problems(read: Callable[[Path], Any], path: Path, mutant: Mutant) -> list[str]:
    """What is wrong with how the reader took the mutant: it must give a result (checked by its oracle) or a
    DetenteError of one non-empty line, and refuse what the mutant says must be refused. Empty when all is well."""
    path.write_bytes(mutant.data)
    refused = _refusal(read, path)
    if refused is None:
        return [] if mutant.must is None else [f"must be refused ({mutant.must!r}), but was read"]
    message = str(refused)
    found = []
    if not message.strip():
        found.append(f"{type(refused).__name__} without a message")
    if "\n" in message or "\r" in message:
        found.append(f"not one line: {message!r}")
    if mutant.must is not None and mutant.must not in message:
        found.append(f"refused, but not for {mutant.must!r}: {message}")
    return found


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


READERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "force.csv": (FORCE_CSV, _read_force),
    "force.toml": (FORCE_TOML, _read_force),
    "force.json": (FORCE_JSON, _read_force),
    "treaty.toml": (TREATY_TOML, _read_treaty),
    "draft.toml": (TREATY_EXTENDS, _read_treaty),
    "treaty.json": (TREATY_JSON, _read_treaty),
    "notifications.json": (NOTES_JSON, _submit),
    "notifications.jsonl": (NOTES_JSONL, _submit),
    "notifications.toml": (NOTES_TOML, _submit),
    "findings.json": (FINDINGS_JSON, _record_findings),
    "findings.toml": (FINDINGS_TOML, _record_findings),
    "us.key": (KEY_FILE, _load_key),
    "export.jsonl": (EXPORT, _import),
    "checkpoint.note": (NOTE, _verify_note),
    "commitment.json": (COMMITMENT_JSON, _verify_commitment),
    "opening.json": (OPENING_JSON, _accept_opening),
}


@pytest.mark.parametrize("name", list(READERS))
def test_the_seeds_are_read(folder: Path, name: str) -> None:
    """Every seed is a valid document its reader accepts, so a refusal below is due to its mutation."""
    seed, read = READERS[name]
    path = folder / name
    path.write_text(seed, encoding="utf-8")
    assert _refusal(read, path) is None


def fuzz(folder: Path, name: str, mutant: Mutant) -> list[str]:
    """One example: the named reader on the mutant."""
    return problems(READERS[name][1], folder / name, mutant)


@FAST
@given(mutant=csv_mutants(FORCE_CSV))
def test_force_csv(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "force.csv", mutant)


@FAST
@given(mutant=toml_mutants(FORCE_TOML))
def test_force_toml(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "force.toml", mutant)


@FAST
@given(mutant=json_mutants(FORCE_JSON))
def test_force_json(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "force.json", mutant)


@FAST
@given(mutant=toml_mutants(TREATY_TOML))
def test_treaty_toml(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "treaty.toml", mutant)


@SLOW
@given(mutant=toml_mutants(TREATY_EXTENDS))
def test_treaty_extending_new_start(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "draft.toml", mutant)


@FAST
@given(mutant=json_mutants(TREATY_JSON))
def test_treaty_json(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "treaty.json", mutant)


@SLOW
@given(mutant=json_mutants(NOTES_JSON))
def test_notifications_json(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "notifications.json", mutant)


@SLOW
@given(mutant=jsonl_mutants(NOTES_JSONL))
def test_notifications_jsonl(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "notifications.jsonl", mutant)


@SLOW
@given(mutant=toml_mutants(NOTES_TOML))
def test_notifications_toml(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "notifications.toml", mutant)


@FAST
@given(mutant=json_mutants(FINDINGS_JSON))
def test_findings_json(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "findings.json", mutant)


@FAST
@given(mutant=toml_mutants(FINDINGS_TOML))
def test_findings_toml(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "findings.toml", mutant)


@FAST
@given(mutant=json_mutants(KEY_FILE))
def test_key_file(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "us.key", mutant)


@SLOW
@given(mutant=jsonl_mutants(EXPORT))
def test_export(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "export.jsonl", mutant)


@FAST
@given(mutant=text_mutants(NOTE))
def test_checkpoint_note(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "checkpoint.note", mutant)


@FAST
@given(mutant=json_mutants(COMMITMENT_JSON))
def test_escrow_commitment(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "commitment.json", mutant)


@FAST
@given(mutant=json_mutants(OPENING_JSON))
def test_escrow_opening(folder: Path, mutant: Mutant) -> None:
    assert not fuzz(folder, "opening.json", mutant)


# --------------------------------------------------------------------------- what the fuzzers found, now refused
# Each was a traceback (or a message of two lines) the fuzzers found; each is now a clean refusal of one line.


def test_findings_at_a_time_that_does_not_exist_are_refused(folder: Path) -> None:
    """'at': '2012-13-01T10:00:00Z' has the canonical shape, so normalize_time passes it; fromisoformat refused it."""
    path = folder / "bad-at.json"
    path.write_text(json.dumps({**FINDINGS, "at": "2012-13-01T10:00:00Z"}), encoding="utf-8")
    with pytest.raises(InputError, match="at: no such date or time: '2012-13-01T10:00:00Z'") as refused:
        _record_findings(path)
    assert str(path) in str(refused.value)


def test_checkpoint_size_too_long_to_read_is_refused() -> None:
    """A size line of 5,000 digits passes isdigit(); int() refused it with a ValueError, not a NoteError."""
    body = f"{LOG}\n{'1' * 5000}\n{base64.b64encode(bytes(32)).decode()}\n"
    with pytest.raises(NoteError, match="is not below 2\\*\\*63") as refused:
        parse_note(body + "\n" + NOTE.split("\n\n", 1)[1]).checkpoint()
    assert len(str(refused.value)) < 200  # the size is cut short in the message, not printed whole


@pytest.mark.parametrize(("size", "read"), [(2**63 - 1, True), (2**63, False), (10**19, False)])
def test_checkpoint_sizes_up_to_2_to_the_63_minus_1(size: int, read: bool) -> None:
    body = f"{LOG}\n{size}\n{base64.b64encode(bytes(32)).decode()}\n"
    note = parse_note(body + "\n" + NOTE.split("\n\n", 1)[1])
    if read:
        assert note.checkpoint().size == size
    else:
        with pytest.raises(NoteError, match="not below 2"):
            note.checkpoint()


def test_commitment_refusal_is_one_line(folder: Path) -> None:
    """A commitment whose party is "US\\nRU" was refused with a message that forged a second line."""
    path = folder / "two-lines.json"
    path.write_text(json.dumps({**COMMITMENT.to_json(), "party": "US\nRU"}), encoding="utf-8")
    with pytest.raises(EscrowError) as refused:
        _verify_commitment(path)
    assert "\n" not in str(refused.value)
    assert "'US\\nRU'" in str(refused.value)
