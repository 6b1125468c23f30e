"""Loading catalog files: the shipped ``systems.toml`` and users' own files in the same format."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente._files import load_document, parse_toml, pydantic_error
from detente.catalog.model import Catalog, SystemType
from detente.errors import CatalogError, Location


def catalog_from_document(doc: dict[str, Any], origin: str) -> Catalog:
    """Build a catalog from a parsed document with ``[sources]``, ``[[systems]]`` and ``[ambiguous]``.

    ``[ambiguous]`` maps a name that may mean several of the document's types to their ids (``Bear = ["tu-95ms",
    "tu-95-non-alcm"]``): looking the name up is refused with the candidates listed.
    """
    unknown = set(doc) - {"sources", "systems", "ambiguous"}
    if unknown:
        raise CatalogError(
            "unknown key (expected 'sources', 'systems' and 'ambiguous')", Location.of(origin, None, min(unknown))
        )
    sources = doc.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise CatalogError('must be a table of key = "address (what it is)"', Location.of(origin, None, "sources"))
    rows = doc.get("systems", [])
    if not isinstance(rows, list):
        raise CatalogError("must be an array of tables ([[systems]])", Location.of(origin, None, "systems"))
    catalog = Catalog(sources=sources)
    for index, row in enumerate(rows):
        field = f"systems[{index}]"
        try:
            system = SystemType.model_validate(row)
        except ValidationError as exc:
            raise pydantic_error(exc, origin, CatalogError, field) from None
        missing = [s for s in system.sources if s not in sources]
        if missing:
            raise CatalogError(
                f"cites source {missing[0]!r} that is not in [sources]", Location.of(origin, None, f"{field}.sources")
            )
        catalog.add(system, Location.of(origin, None, field))
    ambiguous = doc.get("ambiguous", {})
    if not isinstance(ambiguous, dict):
        raise CatalogError('must be a table of name = ["id", "id", …]', Location.of(origin, None, "ambiguous"))
    for name, candidates in ambiguous.items():
        where = Location.of(origin, None, f"ambiguous.{name}")
        if not isinstance(candidates, list) or not all(isinstance(c, str) for c in candidates):
            raise CatalogError("must be a list of system ids", where)
        catalog.add_ambiguous(name, candidates, where)
    return catalog


@cache
def builtin_catalog() -> Catalog:
    """The shipped catalog of US and USSR/Russian strategic system types."""
    text = resources.files("detente.catalog").joinpath("systems.toml").read_text("utf-8")
    return catalog_from_document(parse_toml(text, "detente/catalog/systems.toml"), "detente/catalog/systems.toml")


def load_catalog(path: Path) -> Catalog:
    """A user's catalog file (TOML or JSON, same format as the shipped one)."""
    return catalog_from_document(load_document(path), str(path))
