"""Reading TOML, JSON and CSV text into Python values, with errors that name the file and the line."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente.errors import FileFormatError, InputError, Location


def read_text(path: Path) -> str:
    """The file's text as UTF-8, or a :class:`FileFormatError` saying why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError("file not found", Location.of(path)) from None
    except IsADirectoryError:
        raise FileFormatError("is a directory, not a file", Location.of(path)) from None
    except OSError as exc:
        raise FileFormatError(f"cannot be read: {exc.strerror}", Location.of(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileFormatError("is not UTF-8 text", Location.of(path, line)) from None


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error names its line (truncated files end up here)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        where = re.search(r" \(at line (\d+), column \d+\)$", text)
        line = int(where.group(1)) if where else None
        why = text[: where.start()] if where else text
        raise FileFormatError(f"not valid TOML: {why}", Location.of(origin, line)) from None


def parse_json(text: str, origin: str) -> Any:
    """Parse JSON text; a syntax error names its line (truncated files end up here)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"not valid JSON: {exc.msg}", Location.of(origin, exc.lineno)) from None


def parse_csv(text: str, origin: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Parse CSV text into its header and (line number, cells) rows, skipping blank and ``#`` comment lines.

    Rows with a different number of cells than the header are refused, naming the line: a truncated last row
    is the usual cause.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if len(cells) != len(header):
                raise FileFormatError(
                    f"row has {len(cells)} cells but the header has {len(header)}",
                    Location.of(origin, line),
                    "a truncated or hand-edited row?",
                )
            rows.append((line, cells))
    except csv.Error as exc:
        raise FileFormatError(f"not valid CSV: {exc}", Location.of(origin, reader.line_num)) from None
    if header is None:
        raise FileFormatError("is empty: no header row", Location.of(origin))
    return header, rows


def load_document(path: Path) -> dict[str, Any]:
    """Read a TOML or JSON document (chosen by suffix) whose top level is a table."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return parse_toml(text, str(path))
    if suffix == ".json":
        doc = parse_json(text, str(path))
        if not isinstance(doc, dict):
            raise FileFormatError("the top level must be a JSON object", Location.of(path, 1))
        return doc
    raise FileFormatError(f"unknown file type {suffix!r}: expected .toml or .json", Location.of(path))


def pydantic_error(
    exc: ValidationError,
    origin: str,
    cls: type[InputError] = InputError,
    prefix: str = "",
) -> InputError:
    """Turn pydantic's first validation error into an :class:`InputError` naming the field path."""
    first = exc.errors(include_url=False)[0]
    loc = [str(p) for p in first["loc"]]
    field = ".".join(p for p in [prefix, *loc] if p)
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key (see the format documentation for the keywords allowed here)"
    elif first["type"] == "missing":
        msg = "required key is missing"
    if first["type"] not in ("extra_forbidden", "missing") and "input" in first:
        shown = repr(first["input"])
        msg += f" (got {shown[:60]})"
    return cls(msg, Location.of(origin, None, field))
