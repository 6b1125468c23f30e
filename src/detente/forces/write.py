"""Writing force files that :func:`detente.forces.read.read_force` reads back to the same force.

A force computed by detente (a planned force, a force split into items) is written so that it can be counted,
validated, imported into a ledger or edited like any force file. Rules, in order (the first broken rule refuses the
force, and nothing is written):

1. The format follows the suffix: ``.toml`` or ``.json`` (a document: ``[force]``, ``parties``,
   ``[[facilities]]``, ``[[systems]]``, ``[[items]]``), or ``.csv`` (item rows only).
2. An existing file is refused unless ``overwrite`` is given, and so are a missing or unwritable folder
   (:func:`detente._files.check_output`).
3. A document keeps the force's information (title, label, date, description, sources), its parties in order, its
   facilities, and the system types its rows name that the reading catalog does not hold as they are (the file's
   own ``[[systems]]``). A CSV file keeps only rows, so a force with any of these is refused: write a document.
4. A row's cell is written only where it differs from what the reader would take for a blank one (kind, count,
   warheads, armament, ALCM capacity, role); the most common source becomes the document's ``force.source``.
5. The text is read back with the reader's own rules before it is written, and must give an equal force: the same
   parties, facilities, information and rows in the same order. A force the reader would refuse (a row without a
   source, two rows with one uid, text with leading spaces or a lone surrogate) is refused naming the row and why.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from detente._files import check_output, parse_json, parse_toml
from detente.catalog.load import builtin_catalog
from detente.catalog.model import Armament, Catalog, Category, SystemType
from detente.errors import ForceError, InputError, Location
from detente.forces.model import Facility, Force, ForceInfo, ItemRow
from detente.forces.read import COLUMNS, force_from_csv, force_from_document
from detente.forces.vocabulary import Kind, Role

FORMATS = (".toml", ".json", ".csv")
"""The suffixes :func:`write_force` writes."""

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def write_force(force: Force, path: Path, catalog: Catalog | None = None, *, overwrite: bool = False) -> None:
    """Write ``force`` to ``path`` as a force file that reads back, with ``catalog``, to an equal force.

    ``catalog`` is the one the file will be read with (default: the shipped catalog); types it does not hold go into
    the file's own ``[[systems]]``. Refused (rules 1–5) with a :class:`ForceError` or an output error; nothing is
    written then.
    """
    path = check_output(Path(path), overwrite=overwrite)
    text = force_text(force, path.suffix, catalog, str(path))
    path.write_text(text, encoding="utf-8")


def force_text(force: Force, suffix: str, catalog: Catalog | None = None, origin: str = "force") -> str:
    """The text of a force file in the format ``suffix`` names, checked by reading it back (rules 1, 3–5)."""
    catalog = catalog or builtin_catalog()
    kind = suffix.lower()
    if kind not in FORMATS:
        raise ForceError(
            f"cannot tell the force file format from {suffix or 'no suffix'!r}",
            Location.of(origin),
            f"name the file {', '.join(FORMATS[:-1])} or {FORMATS[-1]}",
        )
    sources = force.sources or ("",) * len(force)
    unsourced = next((i for i, source in enumerate(sources) if not source), None)
    if unsourced is not None:
        what = f"{force.parties[int(force.party[unsourced])]} {force.systems[int(force.system[unsourced])].id}"
        why = f"row {unsourced + 1} ({what}) has no source"
        raise ForceError(why, Location.of(origin), "every row of a force file needs one")
    own = _own_systems(force, catalog)
    if kind == ".csv":
        text = _csv_text(force, own, origin)
    else:
        doc = force_document(force, own)
        text = _toml_text(doc) if kind == ".toml" else json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ForceError("holds text that is not Unicode (a lone surrogate)", Location.of(origin)) from None
    try:
        if kind == ".csv":
            back = force_from_csv(text, origin, catalog)
        else:
            parsed = parse_toml(text, origin) if kind == ".toml" else parse_json(text, origin)
            back = force_from_document(parsed, origin, catalog)
    except InputError as exc:
        raise ForceError(f"cannot be written so that it reads back: {exc.why}", exc.where, exc.hint) from None
    difference = force_difference(force, back)
    if difference is not None:
        raise ForceError(f"would read back differently: {difference}", Location.of(origin))
    return text


def force_difference(a: Force, b: Force) -> str | None:
    """The first way two forces differ (parties, facilities, information, rows), or None when they are equal."""
    if a.parties != b.parties:
        return f"parties {list(a.parties)} and {list(b.parties)}"
    if a.facilities != b.facilities:
        return "the facilities differ"
    if a.info != b.info:
        return "the force's information (title, label, date, description, sources) differs"
    rows_a, rows_b = list(a.rows()), list(b.rows())
    if len(rows_a) != len(rows_b):
        return f"{len(rows_a):,} rows and {len(rows_b):,} rows"
    for i, (x, y) in enumerate(zip(rows_a, rows_b, strict=True)):
        if x != y:
            fields = [f for f in ItemRow.__dataclass_fields__ if getattr(x, f) != getattr(y, f)]
            return f"row {i + 1} differs in {', '.join(fields)}"
    return None


# ---------------------------------------------------------------------------------------------- documents (rule 3)


def _own_systems(force: Force, catalog: Catalog) -> list[SystemType]:
    """The types the force's rows name that ``catalog`` does not hold as they are."""
    return [s for s in force.systems if catalog.find(s.id) != s]


def force_document(force: Force, own: list[SystemType]) -> dict[str, Any]:
    """The force as a document's plain data (dates as :class:`datetime.date`), ``own`` as its ``[[systems]]``."""
    rows = list(force.rows())
    sources = Counter(r.source for r in rows if r.source)
    default_source = sources.most_common(1)[0][0] if sources else ""
    doc: dict[str, Any] = {"parties": list(force.parties)}
    meta = _info(force.info)
    if default_source:
        meta["source"] = default_source
    if meta:
        doc["force"] = meta
    if force.facilities:
        doc["facilities"] = [_facility(f) for f in force.facilities]
    if own:
        doc["systems"] = [s.model_dump(mode="json", exclude_defaults=True) for s in own]
    doc["items"] = [_cells(r, default_source) for r in rows]
    return doc


def _facility(f: Facility) -> dict[str, str]:
    cells = {"id": f.id, "party": f.party, "kind": f.kind.value, "name": f.name, "location": f.location}
    return {k: v for k, v in {**cells, "source": f.source}.items() if v}


def _info(info: ForceInfo) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in ("title", "label", "as_of", "description"):
        value = getattr(info, key)
        if value:
            meta[key] = value
    if info.sources:
        meta["sources"] = dict(info.sources)
    return meta


def _cells(row: ItemRow, default_source: str) -> dict[str, Any]:
    """A row's cells, each left out where the reader's default gives the same value (rule 4)."""
    system = row.system
    cells: dict[str, Any] = {"party": row.party, "system": system.id}
    if row.kind is not (Kind.BOMBER if system.category is Category.HEAVY_BOMBER else Kind.LAUNCHER):
        cells["kind"] = row.kind.value
    cells["status"] = row.status.value
    if row.count != 1:
        cells["count"] = row.count
    if row.uid is not None:
        cells["uid"] = row.uid
    if row.facility is not None:
        cells["facility"] = row.facility
    if row.warheads:
        cells["warheads"] = row.warheads
    if row.armament is not system.default_armament:
        cells["armament"] = row.armament.value
    if row.alcm_capacity != (system.alcm_capacity if row.armament is Armament.ALCM else 0):
        cells["alcm_capacity"] = row.alcm_capacity
    if row.role is not Role.NUCLEAR:
        cells["role"] = row.role.value
    if row.source != default_source:
        cells["source"] = row.source
    if row.remarks:
        cells["remarks"] = row.remarks
    return cells


def _csv_text(force: Force, own: list[SystemType], origin: str) -> str:
    """Item rows as CSV; refused when the force holds what a CSV file cannot (rule 3)."""
    rows = list(force.rows())
    lost = []
    if force.info != ForceInfo():
        lost.append("a title, date or sources")
    if force.facilities:
        lost.append("facilities")
    if own:
        lost.append(f"its own system types ({', '.join(s.id for s in own)})")
    if force.parties != tuple(dict.fromkeys(r.party for r in rows)):
        lost.append("parties without items, or in another order than their rows")
    if lost:
        raise ForceError(
            f"a CSV file holds item rows only, and this force has {', '.join(lost)}",
            Location.of(origin),
            "write it as .toml or .json",
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; and a cell holding \r or \n is then quoted
    writer.writerow(COLUMNS)
    for r in rows:
        cells = _cells(r, "")
        writer.writerow(["" if cells.get(c) is None else str(cells[c]) for c in COLUMNS])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- TOML


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL, which JSON leaves alone, is escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()  # a TOML local date
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")  # not reached: documents hold only these


def _toml_text(doc: dict[str, Any]) -> str:
    """The document as TOML: top-level values, then tables, then arrays of tables (one level deep, as written)."""
    lines = ["# A force file written by detente (docs/force-format.md)."]
    tables = {k: v for k, v in doc.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc.items() if k not in tables and k not in arrays]
    for name, table in tables.items():
        lines += ["", f"[{_toml_key(name)}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
        for sub, inner in ((k, v) for k, v in table.items() if isinstance(v, dict)):
            lines += ["", f"[{_toml_key(name)}.{_toml_key(sub)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in inner.items()]
    for name, items in arrays.items():
        for item in items:
            lines += ["", f"[[{_toml_key(name)}]]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"
