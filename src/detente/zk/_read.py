"""Strict readers for the zk package's JSON documents: exact keys, exact types, canonical encodings.

Each reader takes the error class to raise: :class:`~detente.errors.InputError` for a document that is the caller's
own (a secret file), :class:`~detente.errors.VerificationError` for one that came from the other party (a proof
bundle, an opening, a recorded content). Either way the message names the field, as a dotted path.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from detente.errors import DetenteError, InputError, Location

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HASH = re.compile(r"[0-9a-f]{64}")
MAX_SAFE_INTEGER = 2**53 - 1


def fail(error: type[DetenteError], field: str, why: str) -> NoReturn:
    """Raise ``error`` about ``field``, with a location where the class takes one."""
    if issubclass(error, InputError):
        raise error(why, Location(field=field))
    raise error(f"{field}: {why}")


def obj(
    value: Any, field: str, required: tuple[str, ...], error: type[DetenteError], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A JSON object with every required key, no key outside required and optional."""
    if not isinstance(value, Mapping):
        fail(error, field, f"is {_kind(value)}, not an object")
    for key in value:
        if not isinstance(key, str):
            fail(error, field, f"has a key {key!r} that is not a string")
    missing = [k for k in required if k not in value]
    if missing:
        fail(error, f"{field}.{missing[0]}" if field else missing[0], "is missing")
    unknown = sorted(k for k in value if k not in required and k not in optional)
    if unknown:
        fail(error, f"{field}.{unknown[0]}" if field else unknown[0], "is not a field of this document")
    return dict(value)


def mapping(value: Any, field: str, error: type[DetenteError]) -> dict[str, Any]:
    """A JSON object with string keys, any number of them."""
    if not isinstance(value, Mapping):
        fail(error, field, f"is {_kind(value)}, not an object")
    for key in value:
        if not isinstance(key, str) or not key:
            fail(error, field, f"has a key {key!r} that is not a non-empty string")
    return dict(value)


def text(value: Any, field: str, error: type[DetenteError]) -> str:
    """A non-empty JSON string."""
    if not isinstance(value, str) or not value:
        fail(error, field, f"is {_kind(value)}, not a non-empty string")
    return value


def integer(value: Any, field: str, error: type[DetenteError], low: int = 0, high: int = MAX_SAFE_INTEGER) -> int:
    """A JSON integer as written (never a float, a string or a boolean) in [low, high]."""
    if type(value) is not int:
        fail(error, field, f"is {_kind(value)}, not an integer")
    if not low <= value <= high:
        fail(error, field, f"is {value}, outside {low}..{high}")
    return value


def date(value: Any, field: str, error: type[DetenteError]) -> str:
    """A calendar date written YYYY-MM-DD (and only so)."""
    written = text(value, field, error)
    try:
        if not _DATE.fullmatch(written):
            raise ValueError
        dt.date.fromisoformat(written)
    except ValueError:
        fail(error, field, f"{written!r} is not a date written YYYY-MM-DD")
    return written


def entry_hash(value: Any, field: str, error: type[DetenteError]) -> str:
    """A ledger entry's hash: 64 lowercase hex digits."""
    written = text(value, field, error)
    if not _HASH.fullmatch(written):
        fail(error, field, "is not an entry hash (64 lowercase hex digits)")
    return written


def b64(value: Any, field: str, error: type[DetenteError], size: int | None = None) -> bytes:
    """Canonical base64 (standard alphabet, padded): nothing dropped, nothing written two ways."""
    written = text(value, field, error)
    try:
        data = base64.b64decode(written, validate=True)
    except (binascii.Error, ValueError):
        fail(error, field, "is not base64")
    if base64.b64encode(data).decode() != written:
        fail(error, field, "is not canonical base64 (its padding bits are set)")
    if size is not None and len(data) != size:
        fail(error, field, f"is {len(data)} bytes, not {size}")
    return data


def encode(data: bytes) -> str:
    """Standard padded base64."""
    return base64.b64encode(data).decode()


def unique_texts(value: Any, field: str, error: type[DetenteError]) -> tuple[str, ...]:
    """A non-empty JSON array of distinct non-empty strings."""
    if not isinstance(value, list | tuple) or not value:
        fail(error, field, f"is {_kind(value)}, not a non-empty array")
    items = tuple(text(v, f"{field}[{i}]", error) for i, v in enumerate(value))
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item in seen:
            fail(error, f"{field}[{i}]", f"repeats {item!r}")
        seen.add(item)
    return items


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    return names.get(type(value), type(value).__name__)
