r"""Reading TOML, JSON and CSV text into Python values, with errors that name the file and the line.

What a person reads in a file is what detente reads. Rules, in order (the first broken rule refuses the file):

1. The file is a regular file of UTF-8 text (a leading UTF-8 byte-order mark is dropped, as spreadsheets write
   one); UTF-16 or UTF-32 text, bytes that are not UTF-8 and NUL characters are refused.
2. The text is complete and valid in its format; a syntax error names its line.
3. An object or table gives each key once: JSON's parser would keep the last value of a repeated key, which a
   reader of the file may not (TOML forbids repeats itself).
4. JSON numbers are numbers: ``NaN`` and ``Infinity``, a float too large to hold (``1e400``) and an integer too
   long to convert are refused; strings are Unicode (a lone surrogate escape such as ``"\ud800"`` is refused).
5. Documents nest at most :data:`MAX_DEPTH` levels: every reader after this one walks them recursively.

A JSON fault is named by its line and field path (``f.json:12: items[3].status``); a too-deep TOML document by
its field path.
"""

from __future__ import annotations

import csv
import io
import json
import json.decoder
import json.scanner
import math
import os
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from detente.errors import FileFormatError, InputError, Location, OutputFileError

MAX_DEPTH = 64
"""How deeply a document may nest objects and arrays: ten times the deepest real one, far below Python's stack."""

_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (rule 1), or a :class:`FileFormatError` saying why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError("file not found", Location.of(path)) from None
    except IsADirectoryError:
        raise FileFormatError("is a directory, not a file", Location.of(path)) from None
    except OSError as exc:
        raise FileFormatError(f"cannot be read: {exc.strerror}", Location.of(path)) from None
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            raise FileFormatError(f"is {encoding} text, not UTF-8", Location.of(path, 1), "save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileFormatError("is not UTF-8 text", Location.of(path, line)) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise FileFormatError(
            "holds a NUL character, which text files do not", Location.of(path, text.count("\n", 0, nul) + 1),
            "UTF-16 text? save it as UTF-8",
        )  # fmt: skip
    return text


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error names its line (truncated files end up here)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r" \(at line (\d+), column \d+\)$", message)
        line = int(where.group(1)) if where else None
        why = message[: where.start()] if where else message
        raise FileFormatError(f"not valid TOML: {why}", Location.of(origin, line)) from None
    except RecursionError:
        raise FileFormatError(f"nested deeper than {MAX_DEPTH} levels", Location.of(origin)) from None
    except ValueError:  # tomllib lets int()'s refusal of a number with thousands of digits through
        long = re.search(rf"\d[\d_]{{{sys.get_int_max_str_digits()},}}", text)
        line = text.count("\n", 0, long.start()) + 1 if long else None
        raise FileFormatError("not valid TOML: a number too long to read", Location.of(origin, line)) from None
    deep = _too_deep(doc, False)
    if deep is not None:
        raise FileFormatError(f"nested deeper than {MAX_DEPTH} levels", Location.of(origin, None, deep))
    return doc


# --------------------------------------------------------------------------- JSON


class _JsonFaultError(Exception):
    """Raised inside the parser's hooks (rules 3, 4); the slow scan then finds where."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _JsonFaultError
    return obj


def _constant(_name: str) -> NoReturn:
    raise _JsonFaultError


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _JsonFaultError
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant, parse_float=_float)
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _too_deep(value: Any, strings: bool) -> str | None:
    """The field path of the first fault of rule 5 (and, if ``strings``, of rule 4's surrogates), or None.

    Iterative: the value may be as deep as the parser's stack allowed.
    """
    if type(value) is not dict and type(value) is not list:
        return "$" if strings and type(value) is str and _lone_surrogate(value) else None
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]  # the top level is level 1
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            return _shorten(path)
        children = node.items() if type(node) is dict else enumerate(node)
        for key, child in children:
            if strings and type(key) is str and _lone_surrogate(key):
                return _shorten(path)
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1, f"{path}.{key}" if type(key) is str else f"{path}[{key}]"))
            elif strings and kind is str and _lone_surrogate(child):
                return _shorten(path)
    return None


def _shorten(path: str) -> str:
    path = path.lstrip(".") or "$"
    if not path.isprintable():  # a key holding a newline or a control character must not forge an output line
        path = path.encode("unicode_escape").decode("ascii")
    return path if len(path) <= 80 else f"{path[:60]}…{path[-19:]}"


def _field(frames: list[list[Any]]) -> str | None:
    path = "".join(f"[{index}]" if keys is None else f".{key}" for keys, index, key in frames if key or keys is None)
    return _shorten(path) if path else None


def _first_fault(text: str) -> tuple[int, str | None, str] | None:  # noqa: PLR0911 - one return per fault
    """Scan JSON text for the first fault of rules 3–5: (offset, field path, why), or None.

    Only called once the parser has refused the text or its value: the text up to the fault parsed, so a plain
    token scan is enough. Each open container is a frame ``[keys seen or None for an array, index, last key]``.
    """
    frames: list[list[Any]] = []
    key_next = False
    digits = sys.get_int_max_str_digits()
    i, end = 0, len(text)
    while i < end:
        c = text[i]
        if c == '"':
            try:
                value, after = _scanstring(text, i + 1)
            except ValueError:
                return None
            if key_next:
                keys = frames[-1][0]
                if value in keys:
                    frames[-1][2] = None  # the field named is the object's
                    return i, _field(frames), f"key {value!r} appears twice in one object (which value counts?)"
                keys.add(value)
                frames[-1][2] = value
                key_next = False
            if _lone_surrogate(value):
                return i, _field(frames), "a string holds a lone surrogate escape, which is not Unicode text"
            i = after
            continue
        if c in "{[":
            if len(frames) >= MAX_DEPTH:
                return i, None, f"nested deeper than {MAX_DEPTH} levels"
            frames.append([set(), 0, None] if c == "{" else [None, 0, None])
            key_next = c == "{"
        elif c in "}]":
            if frames:
                frames.pop()
            key_next = False
        elif c == ",":
            if frames and frames[-1][0] is None:
                frames[-1][1] += 1
            key_next = bool(frames) and frames[-1][0] is not None
        elif c == "N" or c == "I" or text.startswith("-I", i):  # noqa: PLR1714 - NaN, Infinity, -Infinity
            return i, _field(frames), "NaN and Infinity are not JSON numbers"
        elif c in "-0123456789":
            number = json.scanner.NUMBER_RE.match(text, i)
            if number is None:
                return None
            whole, fraction, exponent = number.groups()
            if (fraction or exponent) and not math.isfinite(float(number.group())):
                shown = number.group() if len(number.group()) <= 20 else number.group()[:20] + "…"
                return i, _field(frames), f"number {shown} is too large to hold"
            if not (fraction or exponent) and len(whole.lstrip("-")) > digits:
                return i, _field(frames), f"an integer of more than {digits:,} digits is too long to read"
            i = number.end()
            continue
        i += 1
    return None


def _json(text: str, origin: str, line: int, syntax: str, hint: str | None) -> Any:
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{syntax}: {exc.msg}", Location.of(origin, line + exc.lineno - 1), hint) from None
    except (_JsonFaultError, RecursionError, ValueError):  # ValueError: an integer with thousands of digits
        pass
    else:
        if _too_deep(value, _SURROGATE_ESCAPE.search(text) is not None) is None:
            return value
    fault = _first_fault(text)
    if fault is None:  # not expected: every fault above is one the scan knows
        raise FileFormatError("not valid JSON", Location.of(origin, line))
    at, field, why = fault
    raise FileFormatError(why, Location.of(origin, line + text.count("\n", 0, at), field))


def parse_json(text: str, origin: str, line: int = 1) -> Any:
    """Parse JSON text (rules 2–5); a fault names its line (counted from ``line``) and, where it can, its field."""
    return _json(text, origin, line, "not valid JSON", None)


def parse_json_line(text: str, origin: str, line: int) -> Any:
    """Parse one line of a JSON Lines file (rules 2–5); a syntax error is most likely a line cut short."""
    return _json(text, origin, line, "not a complete JSON line", "a truncated file?")


# --------------------------------------------------------------------------- CSV, documents, output


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


def check_output(path: Path, *, overwrite: bool = False) -> Path:
    """The path of a file to write, checked before any work is done; refused if it cannot be written.

    Refused: a path that is a directory, a file that exists (unless ``overwrite``), a folder that is missing, is
    not a folder or is not writable. Commands call this first, so a typo in ``--out`` costs nothing; the write
    itself may still fail (a full disk).
    """
    path = Path(path)
    if path.is_dir():
        raise OutputFileError("is a directory; give the name of a file to write", Location.of(path))
    if path.exists() and not overwrite:
        raise OutputFileError("already exists; refusing to overwrite", Location.of(path))
    folder = path.parent
    if not folder.exists():
        raise OutputFileError(f"folder {folder} does not exist", Location.of(path), "create it first")
    if not folder.is_dir():
        raise OutputFileError(f"{folder} is not a folder", Location.of(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFileError(f"folder {folder} is not writable", Location.of(path))
    return path


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
