"""Canonical JSON (RFC 8785, JCS) for signed payloads, with a fast path.

Rules:

1. A signed payload holds only objects, arrays, strings, booleans, null and integers in ±(2**53 − 1).
   Floats are refused (their canonical text is a source of disagreement between implementations); so are
   larger integers, non-string keys, strings that are not valid Unicode (lone surrogates), and nesting deeper
   than 254 levels (as deep as orjson writes; verify reports such a payload as not canonical, it does not fail).
2. The canonical bytes are RFC 8785's: keys sorted by UTF-16 code units, no insignificant whitespace, strings
   escaped as the RFC says, UTF-8.
3. The fast path (orjson with sorted keys) is used when every key is below U+D800, where sorting by code point
   equals sorting by UTF-16 code units and orjson's escaping equals RFC 8785's; otherwise the reference
   ``rfc8785`` encoder is used. A property test checks the two agree on arbitrary payloads.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import rfc8785

from detente.errors import CanonicalError, Location

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 254  # the deepest nesting orjson writes; nothing signed comes near it
_FAST_KEY_LIMIT = "\ud800"


class _UnsignableError(Exception):
    """Raised inside the fast scan; the slow walk then finds where."""


def _scan(node: Any) -> bool:
    """Rule 1 without building paths (fast); return True if every key allows the fast path."""
    kind = type(node)
    if kind is dict:
        fast = True
        for key, child in node.items():
            if type(key) is not str:
                raise _UnsignableError
            if key and max(key) >= _FAST_KEY_LIMIT:
                fast = False
            if type(child) not in _LEAVES and not _scan(child):
                fast = False
        return fast
    if kind is list or kind is tuple:
        return all([_scan(child) for child in node if type(child) not in _LEAVES])  # noqa: C419 - scan every child
    if kind is str:
        return True
    if node is None or kind is bool:
        return True
    if kind is int and -MAX_SAFE_INTEGER <= node <= MAX_SAFE_INTEGER:
        return True
    raise _UnsignableError


_LEAVES = frozenset({str, bool, type(None)})


def _locate(node: Any, where: str, depth: int = 0) -> None:
    """Walk depth first, left to right, and raise a :class:`CanonicalError` at the first unsignable value."""
    here = where or "$"
    if isinstance(node, dict | list | tuple) and depth >= MAX_DEPTH:
        raise CanonicalError(f"nested deeper than {MAX_DEPTH} levels", Location(field=here))
    if isinstance(node, dict):
        for key, child in node.items():
            if not isinstance(key, str):
                raise CanonicalError(f"object key {key!r} is not a string", Location(field=here))
            _utf8(key, here, "object key")
            _locate(child, f"{where}.{key}" if where else key, depth + 1)
    elif isinstance(node, list | tuple):
        for i, child in enumerate(node):
            _locate(child, f"{where}[{i}]", depth + 1)
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, int):
        if abs(node) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer {node} is outside ±(2**53 − 1)", Location(field=here))
    elif isinstance(node, str):
        _utf8(node, here, "string")
    elif isinstance(node, float):
        raise CanonicalError(f"floats are not allowed in signed payloads, got {node!r}", Location(field=here))
    else:
        raise CanonicalError(f"cannot sign a value of type {type(node).__name__}", Location(field=here))


def _utf8(text: str, where: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"{what} is not valid Unicode (lone surrogate)", Location(field=where)) from None


def _check(value: Any) -> bool:
    """Rule 1: refuse an unsignable payload, naming the first offending place; True if the fast path applies."""
    try:
        return _scan(value)
    except _UnsignableError:
        _locate(value, "")
    return False  # valid, but with types the fast scan does not know (e.g. str subclasses): use the reference


def canonical(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a payload (rule 1 enforced)."""
    try:
        if not _check(value):
            return canonical_reference(value)
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # a lone surrogate somewhere, or nesting too deep: named here
        _locate(value, "")
        raise CanonicalError(f"cannot be canonicalised: {exc}") from None
    except RecursionError:
        raise CanonicalError(f"nested deeper than {MAX_DEPTH} levels") from None


def canonical_validated(payload: dict[str, Any]) -> bytes:
    """The canonical bytes of a payload that passed the notification schema.

    The schema admits only ASCII keys, strings, booleans, null and bounded integers, which is exactly where the
    fast path equals RFC 8785 (the property test covers it); a surrogate or unexpected value still falls back.
    """
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return canonical(payload)


def canonical_reference(value: Any) -> bytes:
    """The reference encoder only (for tests and for anyone who doubts the fast path)."""
    _locate(value, "")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        raise CanonicalError(f"cannot be canonicalised: {exc}") from None


# Where the fast comparison could accept what RFC 8785 would not: a float or an integer beyond ±(2**53 − 1) in
# the parsed value (orjson and RFC 8785 write numbers differently, and signed payloads allow neither), or a
# character beyond U+FFFF (a 4-byte UTF-8 sequence, where code-point order and RFC 8785's UTF-16 order of keys can
# differ; ASCII bytes have none). Such payloads take the full check.
_BEYOND_BMP = re.compile(rb"[\xf0-\xf4]")


def _plain_numbers(node: Any) -> bool:
    """No float and no integer beyond ±(2**53 − 1) in a parsed JSON object or array (recursive: the fastest walk).

    A value nested deeper than Python's recursion limit raises RecursionError; :func:`is_canonical` says no.
    """
    for child in node.values() if type(node) is dict else node:
        kind = type(child)
        if kind is str:  # most values: skip them first
            continue
        if kind is dict or kind is list:
            if not _plain_numbers(child):
                return False
        elif kind is float or (kind is int and not -MAX_SAFE_INTEGER <= child <= MAX_SAFE_INTEGER):
            return False
    return True


def is_canonical(data: bytes, parsed: Any) -> bool:
    """Whether stored bytes are the canonical encoding of what they parse to (fast for ordinary payloads).

    A value nested deeper than the encoders go (orjson writes 254 levels) is not signable, so not canonical.
    """
    try:
        fast = (
            type(parsed) in (dict, list)
            and _plain_numbers(parsed)
            and (data.isascii() or _BEYOND_BMP.search(data) is None)
        )
        if fast:
            return orjson.dumps(parsed, option=orjson.OPT_SORT_KEYS) == data
        return canonical(parsed) == data
    except (CanonicalError, orjson.JSONEncodeError, RecursionError):
        return False


def parse(data: bytes) -> Any:
    """Parse stored canonical bytes back into Python values."""
    return orjson.loads(data)
