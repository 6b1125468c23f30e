"""Loading treaty files, built-in and users' own, and resolving ``TREATY+VARIANT`` references.

Rules, in order (the first broken rule refuses the file, naming the file and field, and why):

1. The file is complete UTF-8 TOML (or JSON) whose keys are all in the treaty vocabulary (docs/treaty-format.md).
2. ``extends`` names a built-in treaty or a file next to this one, and then the file has an ``id`` of its own, not
   its base's (without one it would be counted, compared and reported as its base). The base's contents are the
   starting point: ``definitions``, ``attribution`` and ``sources`` are merged by key and ``measures`` by id; every
   other key given here (``limits``, ``dates``, ``parties``, ``variants``, …) replaces the base's, and a key not
   given is inherited — and recorded as such (``Treaty.inherited``), so that ``validate`` and ``treaty show`` say
   so. What names the document itself (``id``, ``name``, ``short_name``, ``summary``, ``kind``) is never
   inherited: a file without a ``name`` is named by its id.
3. Values have their documented types and ranges; dates are in order; each limit has one upper bound.
4. Ids are unique: parties, measures, variants.
5. Every name resolves: terms select defined definitions; definitions use defined definitions, without cycles;
   limits name defined measures and parties; per-party rules name parties of the treaty; variants replace
   definitions the treaty has; system types named anywhere exist in the catalog.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente._files import load_document, parse_toml, pydantic_error
from detente.catalog.load import builtin_catalog
from detente.catalog.model import Catalog
from detente.errors import Location as Loc
from detente.errors import TreatyError
from detente.treaty.model import Definition, Treaty, Variant

_MERGED_TABLES = ("definitions", "attribution", "sources")
_MERGED_LISTS = ("measures",)
_OWN_KEYS = ("id", "name", "short_name", "summary", "kind", "format", "extends")  # what a file is: never inherited


@dataclass(frozen=True)
class _Resolved:
    """A document with its bases merged in, and what it took from them: key → id of the treaty that gave it."""

    doc: dict[str, Any]
    inherited: dict[str, str] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)


def _merge(base: _Resolved, child: dict[str, Any], base_id: str) -> _Resolved:
    merged = {k: v for k, v in base.doc.items() if k not in _OWN_KEYS}
    inherited = {k: base.inherited.get(k, base_id) for k in merged if k not in child}
    merged_with: dict[str, str] = {}
    for key, value in child.items():
        if key in _MERGED_TABLES and isinstance(value, dict) and isinstance(base.doc.get(key), dict):
            merged[key] = {**base.doc[key], **value}
            merged_with[key] = base_id
        elif key in _MERGED_LISTS and isinstance(value, list) and isinstance(base.doc.get(key), list):
            by_id = {item.get("id"): item for item in base.doc[key] if isinstance(item, dict)}
            for item in value:
                by_id[item.get("id") if isinstance(item, dict) else None] = item
            merged[key] = list(by_id.values())
            merged_with[key] = base_id
        else:
            merged[key] = value
    if "name" not in merged and isinstance(child.get("id"), str):
        merged["name"] = child["id"]
    return _Resolved(merged, inherited, merged_with)


def _builtin_texts() -> dict[str, tuple[str, str]]:
    folder = resources.files("detente.treaty").joinpath("builtin")
    texts = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            texts[entry.name.removesuffix(".toml")] = (entry.read_text("utf-8"), f"detente/treaty/builtin/{entry.name}")
    return texts


@cache
def _parsed_builtin(name: str) -> tuple[dict[str, Any], str]:
    """A built-in treaty file parsed once (files that extend it would otherwise re-read it each time)."""
    texts = _builtin_texts()
    if name not in texts:
        raise TreatyError(f"unknown treaty {name!r}", hint=f"built-in treaties: {', '.join(sorted(texts))}")
    text, origin = texts[name]
    return parse_toml(text, origin), origin


def _raw_builtin(name: str, chain: tuple[str, ...], catalog: Catalog | None) -> _Resolved:
    doc, origin = _parsed_builtin(name)
    # a copy: merging must not touch the cache
    return _resolve_extends(copy.deepcopy(doc), origin, None, chain, catalog)


def _same_id(own_id: str, origin: str) -> TreatyError:
    return TreatyError(
        f"id {own_id!r} is the id of the treaty it extends: the two would be counted, compared and reported as one",
        Loc.of(origin, None, "id"),
        "give this file an id of its own",
    )


def _resolve_extends(
    doc: dict[str, Any], origin: str, folder: Path | None, chain: tuple[str, ...], catalog: Catalog | None
) -> _Resolved:
    base_name = doc.get("extends")
    if base_name is None:
        return _Resolved(doc)
    if not isinstance(base_name, str):
        raise TreatyError("must be the id of a treaty", Loc.of(origin, None, "extends"))
    own_id = doc.get("id")
    if own_id is None:
        raise TreatyError(
            f"a file that extends {base_name!r} needs an id of its own: without one it would be counted, compared "
            f"and reported as {base_name!r}",
            Loc.of(origin, None, "id"),
            'add e.g. id = "my-draft" (lowercase letters, digits and hyphens)',
        )
    if own_id == base_name:
        raise _same_id(own_id, origin)
    if base_name in chain:
        raise TreatyError(
            f"treaties extend each other in a cycle: {' → '.join((*chain, base_name))}", Loc.of(origin, None, "extends")
        )
    local = (
        None
        if folder is None
        else next((p for p in (folder / f"{base_name}.toml", folder / f"{base_name}.json") if p.is_file()), None)
    )
    if local is not None:
        base = _resolve_extends(load_document(local), str(local), local.parent, (*chain, base_name), catalog)
        _validated(base.doc, str(local), catalog)  # a broken base is reported as itself
    else:
        try:
            base = _raw_builtin(base_name, (*chain, base_name), catalog)
        except TreatyError as exc:
            if exc.where.file is not None:
                raise
            raise TreatyError(exc.why, Loc.of(origin, None, "extends"), exc.hint) from None
    base_id = base.doc.get("id", base_name)
    if own_id == base_id:  # a base file named otherwise than its id
        raise _same_id(own_id, origin)
    return _merge(base, doc, str(base_id))


def _check_names(treaty: Treaty, origin: str, catalog: Catalog) -> None:
    def fail(why: str, field: str, hint: str | None = None) -> None:
        raise TreatyError(why, Loc.of(origin, None, field), hint)

    def known(system: str, field: str) -> None:
        if system in catalog:
            return
        candidates = catalog.candidates(system)
        if candidates:
            fail(f"system {system!r} is ambiguous: it may mean {', '.join(candidates)}", field, "name one of them")
        fail(f"unknown system {system!r}", field)

    parties = set(treaty.party_ids())
    if len(parties) != len(treaty.parties):
        fail("a party is listed twice", "parties")
    for kind, items in (("measure", treaty.measures), ("variant", treaty.variants)):
        ids = [i.id for i in items]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            fail(f"{kind} {dup!r} is defined twice", f"{kind}s")
    definitions = treaty.definitions

    def check_definitions(defs: dict[str, Definition], prefix: str) -> None:
        for name, definition in defs.items():
            for ref in definition.references():
                if ref not in defs:
                    fail(f"uses undefined definition {ref!r}", f"{prefix}.{name}")
            for system in definition.system or ():
                known(system, f"{prefix}.{name}.system")
        _acyclic(defs, origin, prefix)

    check_definitions(definitions, "definitions")
    for system in treaty.attribution:
        known(system, "attribution")
    measure_ids = {m.id for m in treaty.measures}
    for m in treaty.measures:
        for t, term in enumerate(m.terms):
            where = f"measures[{m.id}].terms[{t}]"
            if term.select not in definitions:
                fail(f"selects undefined definition {term.select!r}", f"{where}.select")
            for party in (*term.first, *term.cap):
                if party not in parties:
                    fail(f"names party {party!r} that is not a party to the treaty", where)
    for i, limit in enumerate(treaty.limits):
        if limit.measure not in measure_ids:
            fail(
                f"limits undefined measure {limit.measure!r} (measures: {', '.join(sorted(measure_ids))})",
                f"limits[{i}].measure",
            )
        for party in limit.parties or ():
            if party not in parties:
                fail(f"names party {party!r} that is not a party to the treaty", f"limits[{i}].parties")
    for variant in treaty.variants:
        for name in variant.definitions:
            if name not in definitions:
                fail(
                    f"replaces definition {name!r} that the treaty does not have", f"variants[{variant.id}].definitions"
                )
        check_definitions({**definitions, **variant.definitions}, f"variants[{variant.id}].definitions")
        for system in variant.attribution:
            known(system, f"variants[{variant.id}].attribution")
        for key in variant.sources:
            if key not in treaty.sources:
                fail(f"cites source {key!r} that is not in [sources]", f"variants[{variant.id}].sources")


def _acyclic(defs: dict[str, Definition], origin: str, prefix: str) -> None:
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise TreatyError(
                f"definitions refer to each other in a cycle: {' → '.join((*path, name))}",
                Loc.of(origin, None, f"{prefix}.{name}"),
            )
        state[name] = 1
        for ref in defs[name].references():
            visit(ref, (*path, name))
        state[name] = 2

    for name in defs:
        visit(name, ())


def _validated(doc: dict[str, Any], origin: str, catalog: Catalog | None) -> Treaty:
    """Rules 3–5 on a document whose bases are merged in."""
    try:
        treaty = Treaty.model_validate(doc)
    except ValidationError as exc:
        raise pydantic_error(exc, origin, TreatyError) from None
    _check_names(treaty, origin, catalog or builtin_catalog())
    return treaty


def treaty_from_document(
    doc: dict[str, Any], origin: str, folder: Path | None = None, catalog: Catalog | None = None
) -> Treaty:
    """Validate a parsed treaty document (rules 2–5), recording where it came from and what it inherited."""
    resolved = _resolve_extends(doc, origin, folder, (str(doc.get("id", origin)),), catalog)
    return _validated(resolved.doc, origin, catalog).with_provenance(origin, resolved.inherited, resolved.merged)


def load_treaty(path: Path, catalog: Catalog | None = None) -> Treaty:
    """A user's treaty file (TOML or JSON)."""
    path = Path(path)
    return treaty_from_document(load_document(path), str(path), path.parent, catalog)


@cache
def builtin_treaties() -> dict[str, Treaty]:
    """The treaties shipped with detente, by id, in file-name order."""
    treaties = {}
    for _name, (text, origin) in sorted(_builtin_texts().items()):
        treaty = treaty_from_document(parse_toml(text, origin), origin)
        treaties[treaty.id] = treaty
    return treaties


def get_treaty(spec: str, catalog: Catalog | None = None) -> Treaty:
    """A built-in treaty by id, or a treaty file by path."""
    path = Path(spec)
    if path.suffix.lower() in (".toml", ".json"):
        return load_treaty(path, catalog)
    treaties = builtin_treaties()
    if spec not in treaties:
        raise TreatyError(
            f"unknown treaty {spec!r}", hint=f"built-in treaties: {', '.join(treaties)}; or give a .toml path"
        )
    return treaties[spec]


def apply_variants(treaty: Treaty, variant_ids: tuple[str, ...]) -> tuple[Treaty, tuple[Variant, ...]]:
    """The treaty as read under the named variants, applied in order, and the variants themselves."""
    chosen = []
    definitions = dict(treaty.definitions)
    attribution = dict(treaty.attribution)
    for vid in variant_ids:
        variant = treaty.variant(vid)
        if variant is None:
            known = ", ".join(v.id for v in treaty.variants) or "none"
            raise TreatyError(f"treaty {treaty.id!r} has no variant {vid!r}", hint=f"its variants: {known}")
        definitions.update(variant.definitions)
        attribution.update(variant.attribution)
        chosen.append(variant)
    read = treaty.model_copy(update={"definitions": definitions, "attribution": attribution})
    return read, tuple(chosen)


def json_schema() -> str:
    """The published JSON Schema of treaty files."""
    schema = Treaty.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:detente:schema:treaty:1"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
