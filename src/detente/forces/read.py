"""Reading force files: CSV for spreadsheet users, TOML and JSON documents.

Rules, in order (the first broken rule refuses the whole file, naming the file, line or field, and why):

1. The file is UTF-8 text in the format its suffix names (``.csv``, ``.toml``, ``.json``), complete and parseable.
2. A document's top level has only the keys ``force``, ``parties``, ``facilities``, ``systems``, ``items`` and
   ``items_csv`` (a CSV file of item rows, relative to the document); a CSV file has a header row naming only
   known columns, and ``party``, ``system`` and ``status`` among them.
3. Each item row names a known party code shape, a system type known to the catalog (or declared in the file's
   own ``[[systems]]``), a known kind and status, a whole ``count`` ≥ 0 and ``warheads`` ≥ 0, and a source
   (its own or the document's ``force.source``).
4. A row with a unique identifier (``uid``) describes one item: its count is 1, and no other row has that uid.
5. A row's facility, if the document declares facilities, is one of them and belongs to the row's party.
6. A missile or launcher row carries no more warheads than its type's maximum RVs, where the catalog gives one.
7. A row's ``armament`` is one its type may be equipped for (``missile`` for ICBMs and SLBMs; the catalog's
   ``armaments`` for bombers), or ``none`` (converted). A row of a type that may be equipped for more than one
   (B-52G, B-52H: ALCMs or only bombs) must state which: treaties count the two differently, so it is never guessed.
8. Only a bomber equipped for ALCMs carries ALCMs: ``alcm_capacity`` above 0 on an ICBM or SLBM row, or on a bomber
   row equipped for anything else, is refused. An ALCM bomber row without it has its type's capacity; a capacity
   above a treaty's per-bomber ceiling is not repaired here but flagged as a violation when counted.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, TypeVar

from detente._files import load_document, parse_csv, read_text
from detente.catalog.load import catalog_from_document
from detente.catalog.model import MOST_PER_ITEM, Armament, Catalog, Category, SystemType
from detente.errors import FileFormatError, ForceError, Location
from detente.forces.model import Facility, Force, ForceInfo, ItemRow
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status

COLUMNS = (
    "party",
    "system",
    "kind",
    "status",
    "count",
    "uid",
    "facility",
    "warheads",
    "armament",
    "alcm_capacity",
    "role",
    "source",
    "remarks",
)
REQUIRED_COLUMNS = ("party", "system", "status")
DOCUMENT_KEYS = ("force", "parties", "facilities", "systems", "items", "items_csv")
E = TypeVar("E", Kind, Status, Role, Armament)
FORCE_KEYS = ("title", "label", "as_of", "description", "source", "sources")


def _text(value: object, where: Location, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ForceError(f"expected text, got {type(value).__name__} {value!r}", where)
    value = value.strip()
    if required and not value:
        raise ForceError("must not be empty", where)
    return value


# Bounds that catch typos (counting is exact for any numbers, see detente.counting): no row of one type and status
# in any real force holds a million items, and no item carries more than 64 RVs or ALCMs.
MAX_COUNT = 1_000_000
MAX_PER_ITEM = MOST_PER_ITEM
PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9-]{0,15}$")


def _whole(value: object, where: Location, default: int, most: int) -> int:
    """A whole number in 0..``most`` from a CSV cell or a TOML/JSON value; blank means ``default``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool) or (isinstance(value, float) and not (value.is_integer() and abs(value) < 2**53)):
        raise ForceError(f"expected a whole number, got {value!r}", where)
    if isinstance(value, int | float):
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise ForceError(f"expected a whole number, got {value!r}", where) from None
    else:
        raise ForceError(f"expected a whole number, got {type(value).__name__}", where)
    if number < 0:
        raise ForceError(f"must not be negative, got {number}", where)
    if number > most:
        raise ForceError(f"must be at most {most:,}, got {number:,}", where)
    return number


def _word(enum: type[E], value: object, where: Location, default: E | None) -> E:
    text = _text(value, where)
    if not text:
        if default is None:
            raise ForceError("must not be empty", where)
        return default
    try:
        return enum(text.lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ForceError(f"unknown {enum.__name__.lower()} {text!r} (allowed: {allowed})", where) from None


def _armament(system: SystemType, value: object, where: Location) -> Armament:
    """Rule 7: the row's armament, one its type may be equipped for or ``none``; stated where the type has several."""
    possible = system.possible_armaments
    allowed = ", ".join(a.value for a in (*possible, Armament.NONE))
    if not _text(value, where):
        default = system.default_armament
        if default is None:
            raise ForceError(
                f"must be given: a {system.name} may be equipped for {' or '.join(a.value for a in possible)}, "
                "and treaties count them differently",
                where,
                f"say armament = one of {allowed} ('none' if converted)",
            )
        return default
    armament = _word(Armament, value, where, None)
    if armament is not Armament.NONE and armament not in possible:
        raise ForceError(f"a {system.name} cannot be equipped for {armament.value!r} (allowed: {allowed})", where)
    return armament


class RowReader:
    """Validates item rows one by one against a catalog and the declared facilities (rules 3–8)."""

    def __init__(self, catalog: Catalog, facilities: dict[str, Facility], default_source: str = "") -> None:
        self.catalog = catalog
        self.facilities = facilities
        self.default_source = default_source
        self.uids: dict[str, Location] = {}

    def read(self, cells: dict[str, Any], origin: str, line: int | None, prefix: str = "") -> ItemRow:
        """Validate one row; ``prefix`` names it in a document (``items[3]``), ``line`` in a CSV file."""

        def at(name: str) -> Location:
            return Location.of(origin, line, f"{prefix}.{name}" if prefix else name)

        unknown = [k for k in cells if k not in COLUMNS]
        if unknown:
            raise ForceError(f"unknown column {unknown[0]!r} (allowed: {', '.join(COLUMNS)})", at(unknown[0]))
        party = _text(cells.get("party"), at("party"), required=True)
        if not PARTY_CODE.match(party):
            raise ForceError(
                f"party {party!r} is not a party code (capital letters and digits, e.g. US, RU)", at("party")
            )
        system = self.catalog.get(_text(cells.get("system"), at("system"), required=True), at("system"))
        default_kind = Kind.BOMBER if system.category is Category.HEAVY_BOMBER else Kind.LAUNCHER
        kind = _word(Kind, cells.get("kind"), at("kind"), default_kind)
        if (kind is Kind.BOMBER) != (system.category is Category.HEAVY_BOMBER):
            raise ForceError(f"kind {kind.value!r} does not fit {system.name} ({system.category.value})", at("kind"))
        status = _word(Status, cells.get("status"), at("status"), None)
        count = _whole(cells.get("count"), at("count"), 1, MAX_COUNT)
        uid = _text(cells.get("uid"), at("uid")) or None
        if uid is not None:
            if count != 1:
                raise ForceError(f"a row with a uid describes one item, but count is {count}", at("count"))
            if uid in self.uids:
                raise ForceError(f"duplicate unique identifier {uid!r}, first at {self.uids[uid]}", at("uid"))
            self.uids[uid] = at("uid")
        warheads = _whole(cells.get("warheads"), at("warheads"), 0, MAX_PER_ITEM)
        if kind is not Kind.BOMBER and 0 < system.max_rvs < warheads:
            raise ForceError(
                f"{warheads} warheads exceed the {system.max_rvs} RVs a {system.name} carries", at("warheads")
            )
        armament = _armament(system, cells.get("armament"), at("armament"))
        default_alcm = system.alcm_capacity if armament is Armament.ALCM else 0
        alcm = _whole(cells.get("alcm_capacity"), at("alcm_capacity"), default_alcm, MAX_PER_ITEM)
        if alcm and armament is not Armament.ALCM:
            what = f"a bomber equipped for {armament}" if system.is_bomber else f"an {system.category.value.upper()}"
            raise ForceError(
                f"{alcm} ALCMs declared on {what} ({system.name}): only a bomber equipped for 'alcm' carries ALCMs",
                at("alcm_capacity"),
            )
        facility = _text(cells.get("facility"), at("facility")) or None
        if facility is not None and self.facilities:
            declared = self.facilities.get(facility)
            if declared is None:
                raise ForceError(f"unknown facility {facility!r} (not declared in this file)", at("facility"))
            if declared.party != party:
                raise ForceError(f"facility {facility!r} belongs to {declared.party}, not {party}", at("facility"))
        source = _text(cells.get("source"), at("source")) or self.default_source
        if not source:
            raise ForceError("every row needs a source (or set force.source for the whole file)", at("source"))
        return ItemRow(
            party=party,
            system=system,
            kind=kind,
            status=status,
            count=count,
            uid=uid,
            facility=facility,
            warheads=warheads,
            armament=armament,
            alcm_capacity=alcm,
            role=_word(Role, cells.get("role"), at("role"), Role.NUCLEAR),
            source=source,
            remarks=_text(cells.get("remarks"), at("remarks")),
        )


def _csv_rows(text: str, origin: str, reader: RowReader) -> list[ItemRow]:
    header, rows = parse_csv(text, origin)
    for name in header:
        if header.count(name) > 1:
            raise ForceError(f"column {name!r} appears twice in the header", Location.of(origin, 1))
        if name not in COLUMNS:
            raise ForceError(f"unknown column {name!r} (allowed: {', '.join(COLUMNS)})", Location.of(origin, 1))
    for name in REQUIRED_COLUMNS:
        if name not in header:
            raise ForceError(f"the header has no {name!r} column", Location.of(origin, 1))
    return [reader.read(dict(zip(header, cells, strict=True)), origin, line) for line, cells in rows]


def _facilities(doc: dict[str, Any], origin: str) -> list[Facility]:
    facilities: list[Facility] = []
    seen: set[str] = set()
    raw = doc.get("facilities", [])
    if not isinstance(raw, list):
        raise ForceError("must be an array of tables", Location.of(origin, None, "facilities"))
    for i, row in enumerate(raw):

        def at(name: str, i: int = i) -> Location:
            return Location.of(origin, None, f"facilities[{i}].{name}")

        if not isinstance(row, dict):
            raise ForceError("must be a table", Location.of(origin, None, f"facilities[{i}]"))
        unknown = set(row) - {"id", "party", "kind", "name", "location", "source"}
        if unknown:
            raise ForceError("unknown key", at(min(unknown)))
        fid = _text(row.get("id"), at("id"), required=True)
        if fid in seen:
            raise ForceError(f"facility {fid!r} is declared twice", at("id"))
        seen.add(fid)
        kind_text = _text(row.get("kind"), at("kind"), required=True)
        try:
            kind = FacilityKind(kind_text)
        except ValueError:
            allowed = ", ".join(k.value for k in FacilityKind if k is not FacilityKind.UNDECLARED)
            raise ForceError(f"unknown facility kind {kind_text!r} (allowed: {allowed})", at("kind")) from None
        facilities.append(
            Facility(
                id=fid,
                party=_text(row.get("party"), at("party"), required=True),
                kind=kind,
                name=_text(row.get("name"), at("name")),
                location=_text(row.get("location"), at("location")),
                source=_text(row.get("source"), at("source")),
            )
        )
    return facilities


def _info(doc: dict[str, Any], origin: str) -> tuple[ForceInfo, str]:
    meta = doc.get("force", {})
    if not isinstance(meta, dict):
        raise ForceError("must be a table", Location.of(origin, None, "force"))
    unknown = set(meta) - set(FORCE_KEYS)
    if unknown:
        raise ForceError(
            f"unknown key (allowed: {', '.join(FORCE_KEYS)})", Location.of(origin, None, f"force.{min(unknown)}")
        )
    as_of = meta.get("as_of")
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise ForceError(
                f"expected a date YYYY-MM-DD, got {as_of!r}", Location.of(origin, None, "force.as_of")
            ) from None
    if (as_of is not None and not isinstance(as_of, dt.date)) or isinstance(as_of, dt.datetime):
        raise ForceError(f"expected a date YYYY-MM-DD, got {as_of!r}", Location.of(origin, None, "force.as_of"))
    sources = meta.get("sources", {})
    if not isinstance(sources, dict):
        raise ForceError("must be a table of key = address", Location.of(origin, None, "force.sources"))
    info = ForceInfo(
        title=_text(meta.get("title"), Location.of(origin, None, "force.title")),
        label=_text(meta.get("label"), Location.of(origin, None, "force.label")),
        as_of=as_of,
        description=_text(meta.get("description"), Location.of(origin, None, "force.description")),
        sources={str(k): str(v) for k, v in sources.items()},
    )
    return info, _text(meta.get("source"), Location.of(origin, None, "force.source"))


def read_force(path: Path, catalog: Catalog) -> Force:
    """Read and validate a force file (CSV, TOML or JSON); refuse it whole on the first error."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return force_from_csv(read_text(path), str(path), catalog)
    return force_from_document(load_document(path), str(path), catalog, path.parent)


def force_from_csv(text: str, origin: str, catalog: Catalog) -> Force:
    """A force from the text of a CSV file of item rows (rules 2–8), ``origin`` naming it in errors."""
    return Force.from_rows(_csv_rows(text, origin, RowReader(catalog, {})))


def force_from_document(doc: dict[str, Any], origin: str, catalog: Catalog, folder: Path | None = None) -> Force:
    """A force from a parsed TOML or JSON document (rules 2–8); ``items_csv`` is read from ``folder``."""
    unknown = set(doc) - set(DOCUMENT_KEYS)
    if unknown:
        raise ForceError(f"unknown key (allowed: {', '.join(DOCUMENT_KEYS)})", Location.of(origin, None, min(unknown)))
    info, default_source = _info(doc, origin)
    if "systems" in doc:
        own = catalog_from_document({"systems": doc["systems"], "sources": info.sources}, origin)
        catalog = catalog.merged(own)
    facilities = _facilities(doc, origin)
    reader = RowReader(catalog, {f.id: f for f in facilities}, default_source)
    items = doc.get("items", [])
    if not isinstance(items, list):
        raise ForceError("must be an array of tables ([[items]])", Location.of(origin, None, "items"))
    rows: list[ItemRow] = []
    for i, cells in enumerate(items):
        if not isinstance(cells, dict):
            raise ForceError("must be a table", Location.of(origin, None, f"items[{i}]"))
        rows.append(reader.read(cells, origin, None, f"items[{i}]"))
    if "items_csv" in doc:
        csv_name = _text(doc["items_csv"], Location.of(origin, None, "items_csv"), required=True)
        if folder is None:
            raise ForceError(
                "items_csv names a file, but this document is not read from a folder",
                Location.of(origin, None, "items_csv"),
            )
        csv_path = folder / csv_name
        rows.extend(_csv_rows(read_text(csv_path), str(csv_path), reader))
    if not rows:
        raise FileFormatError("declares no items", Location.of(origin, None, "items"))
    parties = doc.get("parties", [])
    if not isinstance(parties, list) or not all(isinstance(p, str) for p in parties):
        raise ForceError("must be a list of party codes", Location.of(origin, None, "parties"))
    return Force.from_rows(rows, facilities, info, parties)
