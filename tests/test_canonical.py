"""Canonical JSON: the fast path equals the reference RFC 8785 encoder, and unsignable values are refused by path."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.catalog.model import Armament
from detente.crypto.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    canonical,
    canonical_reference,
    canonical_validated,
    is_canonical,
)
from detente.crypto.keys import PartyKey
from detente.errors import ChainError
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status
from detente.ledger.chain import GENESIS, Entry, check_entry, verify_chain
from detente.ledger.notifications import NOTIFICATION_FORMAT, Type, parse_notification


def _chars(low: int, high: int) -> st.SearchStrategy[str]:
    return st.characters(min_codepoint=low, max_codepoint=high, exclude_categories=("Cs",))


# Text that exercises escaping and UTF-16 key order: anything, control characters, the top of the BMP (above the
# surrogates, where code-point and UTF-16 order agree with each other but not with non-BMP characters), and
# non-BMP characters such as emoji (a surrogate pair in UTF-16, so they sort before U+E000).
TEXT = st.one_of(
    st.text(max_size=8),
    st.text(_chars(0x00, 0x1F), max_size=4),
    st.text(_chars(0xE000, 0xFFFF), max_size=4),
    st.text(_chars(0x10000, 0x10FFFF), max_size=4),
    st.text(st.sampled_from('a"\\/\x7f\u2028\u2029\ud7ff\ue000\uffff\U00010000\U0001f600'), max_size=6),
)
SAFE_INT = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
SCALAR = st.none() | st.booleans() | SAFE_INT | TEXT
JSON = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=6), max_leaves=40
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_fast_path_equals_reference(value: Any) -> None:
    """canonical() gives the reference rfc8785 bytes for any float-free JSON value, and they parse back to it."""
    data = canonical(value)
    assert data == canonical_reference(value)
    assert orjson.loads(data) == value


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(TEXT, SCALAR, min_size=2, max_size=12))
def test_keys_are_sorted_by_utf16_code_units(value: dict[str, Any]) -> None:
    """Object keys come out in UTF-16 code unit order, whichever path encodes them."""
    keys = list(orjson.loads(canonical(value)))
    assert keys == sorted(value, key=lambda k: k.encode("utf-16-be"))


def test_rfc8785_property_sorting_example() -> None:
    """RFC 8785 §3.2.3: the published property-sorting example comes out in the published order."""
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    assert list(orjson.loads(canonical(value)).values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]
    assert canonical(value) == canonical_reference(value)


RFC_EXAMPLE = {
    "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
    "literals": [None, True, False],
}
RFC_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
).encode()


def test_rfc8785_sample_canonicalization() -> None:
    """RFC 8785 §3.2.2: the reference encoder gives the published bytes; ours refuses its floats, and gives the
    published bytes (less the numbers) for the rest."""
    assert rfc8785.dumps(RFC_EXAMPLE) == RFC_OUTPUT
    with pytest.raises(CanonicalError, match=r"numbers\[\d\]: floats are not allowed"):
        canonical(RFC_EXAMPLE)
    without_numbers = {k: v for k, v in RFC_EXAMPLE.items() if k != "numbers"}
    expected = RFC_OUTPUT.replace(b'"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],', b"")
    assert canonical(without_numbers) == expected
    assert canonical_reference(without_numbers) == expected


# --- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "path", "words"),
    [
        pytest.param({"a": 1.5}, "a", "floats are not allowed", id="float"),
        pytest.param({"a": [0, {"b": 2.0}]}, "a[1].b", "floats are not allowed", id="nested-float"),
        pytest.param([1, 1.0], "[1]", "floats are not allowed", id="float-in-list"),
        pytest.param({"n": MAX_SAFE_INTEGER + 1}, "n", "outside", id="int-above"),
        pytest.param({"n": [-MAX_SAFE_INTEGER - 1]}, "n[0]", "outside", id="int-below"),
        pytest.param({"a": {1: "x"}}, "a", "key 1 is not a string", id="int-key"),
        pytest.param({"a": [{None: 1}]}, "a[0]", "key None is not a string", id="none-key"),
        pytest.param({True: 1}, "$", "key True is not a string", id="bool-key-at-root"),
        pytest.param({"a": ("x", b"raw")}, "a[1]", "cannot sign a value of type bytes", id="bytes"),
    ],
)
def test_unsignable_value_is_refused_by_path(value: Any, path: str, words: str) -> None:
    """Floats, unsafe integers, non-string keys and non-JSON values are refused, naming the path."""
    for encode in (canonical, canonical_reference):
        with pytest.raises(CanonicalError) as caught:
            encode(value)
        assert str(caught.value).startswith(f"{path}: "), str(caught.value)
        assert words in str(caught.value)


@pytest.mark.parametrize("edge", [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0])
def test_safe_integers_at_the_edges_are_accepted(edge: int) -> None:
    """±(2**53 − 1) are signable."""
    assert canonical({"n": edge}) == canonical_reference({"n": edge}) == f'{{"n":{edge}}}'.encode()


BAD_LEAF = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: ("floats are not allowed", f)),
    st.integers(min_value=MAX_SAFE_INTEGER + 1).map(lambda n: ("outside", n)),
    st.integers(max_value=-MAX_SAFE_INTEGER - 1).map(lambda n: ("outside", n)),
    st.integers().map(lambda n: ("is not a string", {n: "x"})),
)
STEP = st.one_of(st.text(min_size=1, max_size=6), st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(STEP, min_size=1, max_size=5), BAD_LEAF, SCALAR)
def test_unsignable_value_anywhere_is_refused_by_path(
    steps: list[str | int], bad: tuple[str, Any], filler: Any
) -> None:
    """A float, unsafe integer or non-string key at any depth is refused, naming exactly its path."""
    words, node = bad
    path = ""
    for step in steps:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else step)
    for step in reversed(steps):
        node = [filler] * step + [node] if isinstance(step, int) else {step: node}
    for encode in (canonical, canonical_reference):
        with pytest.raises(CanonicalError) as caught:
            encode(node)
        assert str(caught.value).startswith(f"{path}: "), (path, str(caught.value))
        assert words in str(caught.value)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        pytest.param({"a": ["ok", "\ud800"]}, "a[1]", id="value"),
        pytest.param({"a": {"\udc00": 1}}, "a", id="key"),
    ],
)
def test_lone_surrogate_is_refused_by_path(value: Any, path: str) -> None:
    """A string that is not valid Unicode is refused, naming where it is."""
    with pytest.raises(CanonicalError) as caught:
        canonical(value)
    assert str(caught.value).startswith(f"{path}: "), str(caught.value)


@pytest.mark.parametrize("value", [{"a": ["ok", "\ud800"]}, {"\udfff": 1}, ["\ud83d"]])
def test_lone_surrogate_is_refused(value: Any) -> None:
    """A lone surrogate, in a key or a value, is refused with CanonicalError by every encoder."""
    for encode in (canonical, canonical_reference, canonical_validated):
        with pytest.raises(CanonicalError):
            encode(value)


def test_first_offending_place_is_named() -> None:
    """With several floats, the first in document order is named."""
    with pytest.raises(CanonicalError, match=r"^a\[0\]: "):
        canonical({"a": [1.5, 2.5]})


# --- notifications ------------------------------------------------------------------------------------------------

# Identifiers may hold any character a person can see and compare (the schema refuses controls, zero widths and
# bidi marks); free text may hold anything.
_SEEN = st.characters(
    blacklist_categories=("Cc", "Cs"),
    blacklist_characters="\u061c\u200b\u200c\u200d\u200e\u200f\u2028\u2029"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff",
)
UID = st.text(_SEEN, min_size=1, max_size=64)
FREE = st.text(max_size=16)
PARTY = st.from_regex(r"[A-Z][A-Z0-9-]{0,15}", fullmatch=True)
REF = st.fixed_dictionaries({"party": PARTY, "seq": st.integers(1, MAX_SAFE_INTEGER)})
ITEM = st.fixed_dictionaries(
    {
        "uid": UID,
        "system": st.text(_SEEN, min_size=1, max_size=16),
        "kind": st.sampled_from(Kind),
        "status": st.sampled_from(Status),
        "facility": UID,
    },
    optional={"warheads": st.integers(0, 64), "armament": st.sampled_from(Armament), "role": st.sampled_from(Role)},
)
FACILITY = st.fixed_dictionaries(
    {"id": UID, "kind": st.sampled_from(FacilityKind)}, optional={"name": FREE, "location": FREE}
)
DECLARATION = st.fixed_dictionaries({"facilities": st.lists(FACILITY, max_size=3), "items": st.lists(ITEM, max_size=3)})
STATUS = st.sampled_from(Status)


def _time_text(seconds: int) -> str:
    return f"{dt.datetime.fromtimestamp(seconds, dt.UTC):%Y-%m-%dT%H:%M:%SZ}"


BASE64_32 = st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b).decode())
MEASURE = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)

CONTENT: dict[Type, st.SearchStrategy[dict[str, Any]]] = {
    Type.INITIAL_DATA: DECLARATION,
    Type.DATA_UPDATE: DECLARATION,
    Type.NEW_ITEM: st.fixed_dictionaries(
        {"item": ITEM}, optional={"how": st.sampled_from(["produced", "arrived", "declared"])}
    ),
    Type.STATUS_CHANGE: st.fixed_dictionaries(
        {"uid": UID, "from": STATUS, "to": STATUS}, optional={"warheads": st.integers(0, 64)}
    ),
    Type.MOVEMENT: st.fixed_dictionaries({"uid": UID, "from": UID, "to": UID}),
    Type.CONVERSION: st.fixed_dictionaries({"uid": UID}, optional={"result": FREE}),
    Type.ELIMINATION: st.fixed_dictionaries({"uid": UID}, optional={"method": FREE}),
    Type.WARHEADS_CHANGE: st.fixed_dictionaries({"uid": UID, "warheads": st.integers(0, 64)}),
    Type.FACILITY_CHANGE: st.fixed_dictionaries(
        {"facility": FACILITY, "action": st.sampled_from(["opened", "closed"])}
    ),
    Type.EXHIBITION: st.fixed_dictionaries(
        {"system": st.text(_SEEN, min_size=1, max_size=16), "facility": UID},
        optional={"uids": st.lists(UID, max_size=3)},
    ),
    Type.RECEIPT: st.fixed_dictionaries({"of": REF}),
    Type.KEY_ROTATION: st.fixed_dictionaries(
        {"public_key": BASE64_32},
        optional={"revoke_previous_as_of": st.integers(0, 4_102_444_800).map(_time_text)},
    ),
    Type.INSPECTION: st.fixed_dictionaries(
        {
            "inspected": PARTY,
            "inspection_type": st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True),
            "site": UID,
            "seen": st.lists(
                st.fixed_dictionaries(
                    {"uid": UID, "status": STATUS}, optional={"system": st.text(_SEEN, min_size=1, max_size=16)}
                ),
                max_size=3,
            ),
        },
        optional={
            "designated": st.lists(st.fixed_dictionaries({"uid": UID, "warheads": st.integers(0, 64)}), max_size=2),
            "selection": st.sampled_from(["chosen", "random"]),
        },
    ),
    Type.COMMITMENTS: st.fixed_dictionaries(
        {
            "scheme": st.just("detente/pedersen-ed25519/v1"),
            "data_date": st.dates(dt.date(1970, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat),
            "measures": st.lists(MEASURE, min_size=1, max_size=3),
            "facilities": st.dictionaries(
                UID,
                st.fixed_dictionaries(
                    {"capacity": st.integers(0, 10**6), "commitments": st.dictionaries(MEASURE, BASE64_32, max_size=3)}
                ),
                min_size=1,
                max_size=3,
            ),
        }
    ),
}
TIMES = st.lists(st.integers(0, 4_102_444_800), min_size=2, max_size=2).map(sorted)  # 1970 to 2100, seconds


@st.composite
def notifications(draw: st.DrawFn) -> dict[str, Any]:
    """A random notification that passes the schema (content keys ASCII, strings any valid Unicode)."""
    kind = draw(st.sampled_from(Type))
    effective, sent = (dt.datetime.fromtimestamp(t, dt.UTC) for t in draw(TIMES))
    draft = {
        "party": draw(st.from_regex(r"[A-Z][A-Z0-9-]{0,15}", fullmatch=True)),
        "seq": draw(st.integers(1, MAX_SAFE_INTEGER)),
        "prev": draw(st.binary(min_size=32, max_size=32)).hex(),
        "sent": sent,
        "effective": effective,
        "type": kind.value,
        "content": draw(CONTENT[kind]),
    }
    optional = {
        "treaty_ref": st.fixed_dictionaries(
            {}, optional=dict.fromkeys(("treaty", "article", "part", "section", "paragraph"), FREE)
        ),
        "follows": st.lists(REF, max_size=3),
        "remarks": st.text(max_size=40),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            draft[key] = draw(strategy)
    return draft


@settings(max_examples=300, deadline=None)
@given(notifications())
def test_validated_payload_encodes_as_reference(draft: dict[str, Any]) -> None:
    """canonical_validated() of any schema-valid notification payload equals the reference encoder's bytes."""
    payload = parse_notification(draft)
    data = canonical_validated(payload)
    assert data == canonical_reference(payload)
    assert data == canonical(payload)
    assert orjson.loads(data) == payload


# Values the fast canonical-form check must send to the full check: floats, integers beyond ±(2**53 − 1).
UNSAFE = (
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=2**53, max_value=2**63 - 1)
    | st.integers(min_value=-(2**63), max_value=-(2**53))
)
ANY_JSON = st.recursive(
    SCALAR | UNSAFE, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=5), max_leaves=30
)


def _reference_is_canonical(data: bytes) -> bool:
    try:
        return canonical_reference(orjson.loads(data)) == data
    except CanonicalError:
        return False


def _agrees_with_the_reference(value: Any, encoding: str) -> None:
    """is_canonical on the value written one way says what the reference says (values it refuses: nothing to say)."""
    if encoding == "reference":
        try:
            data = canonical_reference(value)
        except CanonicalError:
            return
    else:
        option = orjson.OPT_SORT_KEYS if encoding == "sorted" else 0
        option |= orjson.OPT_INDENT_2 if encoding == "spaced" else 0
        data = orjson.dumps(value, option=option)
    assert is_canonical(data, orjson.loads(data)) == _reference_is_canonical(data)


@settings(max_examples=300, deadline=None)
@given(ANY_JSON, st.sampled_from(["orjson", "sorted", "reference", "spaced"]))
def test_the_fast_canonical_check_equals_the_reference(value: Any, encoding: str) -> None:
    """is_canonical (used by verify) says exactly what the RFC 8785 reference says, for bytes written any way."""
    _agrees_with_the_reference(value, encoding)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1e+20}',  # a float written without a dot
        b'{"a":[true,false,null,1.5]}',  # the words outside strings, then a float
        b'{"a":true,"b":"1.5e3"}',  # a float's text inside a string only: canonical
        b'{"a":9007199254740991}',  # the largest signable integer
        b'{"a":9007199254740992}',  # one beyond
        b'{"a":-9007199254740992}',
        b'{"a":"x\\"y","b":2.0}',  # an escaped quote: strings cannot be split on quotes
        b'{"b":1,"a":2}',  # keys out of order
        b'{"a": 1}',  # a space
        b'[{"e":"E"},-0]',  # -0 is written 0
        b'{"a":"version 1.5, 2e+3"}',  # float-like text inside a string only: canonical (found the slow way)
        b'{"a":1e+300,"b":"x"}',
        b'{"a":5e-324}',
        b'{"a":[-0.0]}',
        b'{"format":"detente.notification/1","n":7}',  # a dot between letters
        # payloads that name the format, with a float or an integer too large somewhere else:
        b'{"a":1.5,"format":"detente.notification/1"}',  # a second '.'
        b'{"a":1e+16,"format":"detente.notification/1"}',  # "e+"
        b'{"a":1e16,"format":"detente.notification/1"}',  # orjson writes this float otherwise
        b'{"a":1E5,"format":"detente.notification/1"}',
        b'{"b":{"format":"detente.notification/1"},"c":[1e-7]}',  # the format nested, and "e-"
        b'{"a":9007199254740991,"format":"detente.notification/1"}',
        b'{"a":9007199254740992,"format":"detente.notification/1"}',
        b'{"a":[-9007199254740992],"format":"detente.notification/1"}',
        b'{"format":"detente.notification/1","r":"time-sensitive"}',
        b'{"format":"detente.notification/1", "a":1}',
        b'{"format":"detente.notification/2","r":"x"}',
    ],
)
def test_the_canonical_check_on_the_cases_its_fast_path_must_not_get_wrong(data: bytes) -> None:
    assert is_canonical(data, orjson.loads(data)) == _reference_is_canonical(data)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(TEXT, ANY_JSON, max_size=5), st.sampled_from(["orjson", "sorted", "reference"]))
def test_the_canonical_check_equals_the_reference_on_values_that_name_the_format(
    value: dict[str, Any], encoding: str
) -> None:
    """Values shaped like payloads (they name the format) with arbitrary members: the same answer as the reference."""
    _agrees_with_the_reference({**value, "format": NOTIFICATION_FORMAT}, encoding)


def _nested(depth: int) -> bytes:
    """An object holding ``depth - 1`` nested arrays: ``depth`` levels in all."""
    return b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize("depth", [2, 254, 255, 300, 1_000])
def test_nesting_deeper_than_254_levels_is_unsignable_and_not_canonical(depth: int) -> None:
    """orjson writes at most 254 levels: deeper is refused by name, and verify says not canonical (no crash)."""
    data = _nested(depth)
    value = orjson.loads(data)
    if depth <= 254:
        assert canonical(value) == canonical_reference(value) == data
        assert is_canonical(data, value)
        return
    with pytest.raises(CanonicalError, match="nested deeper than 254 levels"):
        canonical(value)
    with pytest.raises(CanonicalError, match="nested deeper than 254 levels"):
        canonical_reference(value)
    assert not is_canonical(data, value)


def test_verify_reports_a_signed_payload_nested_too_deep_as_not_canonical() -> None:
    """A party that signs such bytes (the writer never would) gets a finding, not a traceback, from verify."""
    key = PartyKey.from_seed("US", bytes(32))
    body = {"party": "US", "seq": 1, "prev": GENESIS, "deep": orjson.loads(_nested(300))["a"]}
    data = _deep_bytes(body)
    entry = Entry("US", 1, data, key.sign(data), hashlib.sha256(data).digest())
    problem, _ = check_entry(entry, key.public_key, 1, GENESIS)
    assert problem == "payload is not in canonical form"


def _deep_bytes(body: dict[str, Any]) -> bytes:
    """Sorted compact JSON of a value too deep for orjson to write (the standard library has no such limit)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


# A payload with a repeated key: orjson keeps the last value, so what verify reads is not what a person reading the
# bytes may take them to say ("uid": "US-000001" ... "uid": "US-000002"). Such bytes are not canonical (RFC 8785
# writes each key once), so verify refuses them by rule 5 without the parsers having to detect repeats.

_STATUS_CHANGE = {
    "type": "status-change",
    "sent": "2011-03-01T00:00:00Z",
    "effective": "2011-03-01T00:00:00Z",
    "content": {"uid": "US-000001", "from": "deployed", "to": "non-deployed"},
}


def _signed(key: PartyKey, data: bytes) -> Entry:
    return Entry("US", 1, data, key.sign(data), hashlib.sha256(data).digest())


@pytest.mark.parametrize(
    ("old", "new", "read_as"),
    [
        (b'"uid":"US-000001"', b'"uid":"US-000001","uid":"US-000002"', ("content", "uid", "US-000002")),
        (b'"uid":"US-000001"', b'"uid":"US-000001","uid":"US-000001"', ("content", "uid", "US-000001")),
        (b'"to":"non-deployed"', b'"to":"non-deployed","to":"deployed"', ("content", "to", "deployed")),
        (b'"seq":1', b'"seq":1,"seq":1', ("seq", None, 1)),
    ],
    ids=["uid-of-another-item", "uid-repeated-alike", "status-overridden", "envelope-key"],
)
def test_verify_refuses_a_signed_payload_with_a_repeated_key_as_not_canonical(
    old: bytes, new: bytes, read_as: tuple[str, str | None, Any]
) -> None:
    """An entry whose signed bytes give a key twice is refused by verify_chain: not in canonical form."""
    key = PartyKey.from_seed("US", bytes(32))
    payload = parse_notification({"party": "US", "seq": 1, "prev": GENESIS, **_STATUS_CHANGE})
    data = canonical(payload)
    assert data.count(old) == 1
    forged = data.replace(old, new)
    outer, inner, value = read_as
    parsed = orjson.loads(forged)  # the fast parser keeps the last value of a repeated key, silently
    assert (parsed[outer][inner] if inner else parsed[outer]) == value
    assert not is_canonical(forged, parsed)
    entry = _signed(key, forged)  # properly signed, hashed and linked: only the form is wrong
    assert list(verify_chain([_signed(key, data)], "US", key.public_key)) == [payload]
    with pytest.raises(ChainError) as refused:
        list(verify_chain([entry], "US", key.public_key))
    assert (refused.value.party, refused.value.seq, refused.value.why) == ("US", 1, "payload is not in canonical form")
