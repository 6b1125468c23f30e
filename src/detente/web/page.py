"""What a view gives the app: a page to render, or a file to download; and the reading of its query parameters.

A view is a function ``build(source, query) -> Page`` in a module named after the view; ``views.VIEWS`` lists them
in the order of the navigation. The query is the URL's parameters as strings, read only through the helpers
here, so that every form and URL refuses bad input the same way: an :class:`InputError` naming the field, which
the app answers with a 400 (an HTML page for browsers, an RFC 9457 problem for scripts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.errors import InputError, Location
from detente.web.source import Source
from detente.web.tables import Table

Query = Mapping[str, str]
MAX_DIGITS = 12  # more digits than any count, quota or sample a page asks for: refused before int() reads them


@dataclass
class Page:
    """A page: its title and template, its tables, anything else the template shows, and its as-of date."""

    title: str
    template: str
    tables: list[Table] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    date: dt.date | None = None  # the "as of" date; the selector is shown when set
    intro: str = ""

    def table(self, table_id: str) -> Table:
        """The table with this id; an unknown one is a 404 (the CSV route asks for it by name)."""
        for t in self.tables:
            if t.id == table_id:
                return t
        raise LookupError(table_id)


@dataclass(frozen=True)
class Download:
    """A file a view offers: its name, media type and bytes."""

    name: str
    media_type: str
    body: bytes


@dataclass(frozen=True)
class View:
    """One view of the dashboard: its URL segment, its title in the navigation, and how it is built."""

    slug: str
    title: str
    build: Callable[[Source, Query], Page]
    files: Callable[[Source, str, Query], Download] | None = None


def text_field(query: Query, name: str, *, limit: int = 200) -> str | None:
    """A short text parameter, or None if absent or empty; longer than ``limit`` or with control characters: 400."""
    value = query.get(name)
    if value is None or value == "":
        return None
    if len(value) > limit:
        raise InputError(f"{name} is {len(value):,} characters long", Location(field=name), f"at most {limit}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InputError(f"{name} holds control characters", Location(field=name), "type it as plain text")
    return value


def int_field(query: Query, name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``; absent: ``default``; anything else: 400 naming the bounds."""
    value = query.get(name)
    if value is None or value == "":
        return default
    text = value.strip()
    digits = text.lstrip("+-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise InputError(
            f"{name} must be a whole number, not {_echo(value)!r}",
            Location(field=name),
            f"from {low:,} to {high:,}",
        )
    number = int(text)
    if not low <= number <= high:
        raise InputError(f"{name} is {number:,}, outside {low:,} to {high:,}", Location(field=name))
    return number


def float_field(query: Query, name: str, default: float, low: float, high: float) -> float:
    """A number from ``low`` to ``high`` (a probability, a fraction); absent: ``default``."""
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        if len(value) > 32:
            raise ValueError
        number = float(value)
    except ValueError:
        raise InputError(f"{name} must be a number, not {_echo(value)!r}", Location(field=name)) from None
    if not low <= number <= high:  # NaN fails this too
        raise InputError(f"{name} is {value}, outside {low:g} to {high:g}", Location(field=name))
    return number


def choice_field(query: Query, name: str, choices: list[str], default: str | None = None) -> str | None:
    """One of ``choices``; absent: ``default``; anything else: 400 listing the choices."""
    value = query.get(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise InputError(
            f"{_echo(value)!r} is not a choice for {name}", Location(field=name), f"choose one of: {', '.join(choices)}"
        )
    return value


def _echo(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def date_field(source: Source, query: Query, name: str = "date") -> dt.date:
    """A date, ISO 8601, within the treaty's dates; absent: the latest data date the ledger reaches."""
    value = query.get(name)
    if value is None or value == "":
        return source.default_date()
    try:
        when = dt.date.fromisoformat(value) if len(value) <= 10 else None
    except ValueError:
        when = None
    if when is None:
        raise InputError(f"{_echo(value)!r} is not a date", Location(field=name), "write it as YYYY-MM-DD")
    first, last = source.date_range()
    if not first <= when <= last:
        raise InputError(
            f"{when} is outside {source.treaty().title} ({first} to {last})",
            Location(field=name),
            f"choose a date from {first} to {last}",
        )
    return when


def party_field(source: Source, query: Query, name: str = "party") -> str | None:
    """A party of the ledger; absent: None (every party)."""
    value = query.get(name)
    if value is None or value == "":
        return None
    parties = source.parties()
    if value not in parties:
        raise InputError(
            f"{_echo(value)!r} is not a party in this ledger",
            Location(field=name),
            f"its parties: {', '.join(parties)}",
        )
    return value
