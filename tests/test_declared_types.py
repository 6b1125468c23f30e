"""A party's own system types, declared in its data exchanges, are its ledger's catalog on every path: submit,
import-force, counts, plan, and a peer's import; a type neither built in nor declared, or one redefined, is
refused by name."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, save_key
from detente.data.forces import load_force
from detente.ledger.convert import declaration_from_force, declaration_from_state, initial_data
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import NotificationError, parse_notification
from detente.ledger.replay import replay_store
from detente.ledger.state import party_catalog, to_force
from detente.ledger.writer import Ledger
from detente.treaty.load import get_treaty

Cli = Callable[..., tuple[int, str, str]]
RU_KEY = PartyKey.from_seed("RU", bytes([2]) * 32)
BEAR = {
    "id": "tu-95-bear-bombs",
    "name": "Tu-95 Bear (non-ALCM variants)",
    "country": "RU",
    "category": "heavy-bomber",
    "basing": "air",
    "armament": "bombs",
}
FACILITIES = [{"id": "RU-AIR1", "kind": "air-base"}]


def bomber(uid: str, system: str = "tu-95-bear-bombs") -> dict[str, Any]:
    return {"uid": uid, "system": system, "kind": "bomber", "status": "deployed", "facility": "RU-AIR1"}


def exchange(kind: str, when: str, items: list[dict[str, Any]], systems: list[dict[str, Any]] | None = None) -> Any:
    content: dict[str, Any] = {"facilities": FACILITIES, "items": items}
    if systems is not None:
        content["systems"] = systems
    return {"type": kind, "sent": when, "effective": when, "content": content}


@pytest.fixture
def ledger() -> Ledger:
    led = Ledger(MemoryStore(), RU_KEY, builtin_catalog(), get_treaty)
    led.register("RU", RU_KEY.public_key, "start-i")
    return led


def refused(ledger: Ledger, draft: dict[str, Any], rule: str, field: str) -> NotificationError:
    with pytest.raises(NotificationError) as exc:
        ledger.submit("RU", [draft])
    assert f"[{rule}]" in exc.value.why
    assert exc.value.where.field == field
    return exc.value


def test_a_type_neither_built_in_nor_declared_is_refused(ledger: Ledger) -> None:
    refused(ledger, exchange("initial-data", "1995-01-01", [bomber("B1")]), "item", "content.items[0].system")
    ledger.submit("RU", [exchange("initial-data", "1995-01-01", [bomber("B1")], [BEAR])])
    new = {
        "type": "new-item",
        "sent": "1995-02-01",
        "effective": "1995-02-01",
        "content": {"item": bomber("B2", "tu-96")},
    }
    error = refused(ledger, new, "item", "content.item.system")
    assert "unknown system 'tu-96'" in error.why
    assert ledger.state("RU").seq == 1


def test_a_declared_type_counts_and_a_later_update_may_add_types(ledger: Ledger) -> None:
    ledger.submit("RU", [exchange("initial-data", "1995-01-01", [bomber("B1")], [BEAR])])
    other = {**BEAR, "id": "tu-4-bull", "name": "Tu-4 Bull"}
    systems = [*declaration_from_state(ledger.state("RU"))["systems"], other]
    ledger.submit("RU", [exchange("data-update", "1995-03-01", [bomber("B1")], systems)])
    new = {
        "type": "new-item",
        "sent": "1995-03-02",
        "effective": "1995-03-02",
        "content": {"item": bomber("B2", "Tu-4 Bull")},
    }
    ledger.submit("RU", [new])
    assert set(ledger.state("RU").systems) == {"tu-95-bear-bombs", "tu-4-bull"}
    assert "tu-4-bull" in ledger.catalog_of("RU")
    assert "tu-4-bull" not in ledger.catalog  # the writer's own catalog is left as it was
    state = replay_store(ledger.store, "RU")
    force = to_force([state], builtin_catalog())
    assert sorted(s.id for s in force.systems) == ["tu-4-bull", "tu-95-bear-bombs"]
    assert party_catalog(builtin_catalog(), state).get("Tu-4 Bull").id == "tu-4-bull"


def test_a_new_item_of_a_type_declared_later_than_it_takes_effect_is_refused(ledger: Ledger) -> None:
    ledger.submit("RU", [exchange("initial-data", "1995-01-01", [bomber("B1")], [BEAR])])
    other = {**BEAR, "id": "tu-4-bull", "name": "Tu-4 Bull"}
    ledger.submit("RU", [exchange("data-update", "1995-03-01", [bomber("B1")], [BEAR, other])])
    late = {
        "type": "new-item",
        "sent": "1995-03-02",
        "effective": "1995-02-01",
        "content": {"item": bomber("B2", "tu-4-bull")},
    }
    error = refused(ledger, late, "item", "content.item.system")
    assert "tu-4-bull" in error.why
    assert "B2" not in ledger.state("RU").items


@pytest.mark.parametrize(
    ("systems", "field"),
    [
        ([{**BEAR, "name": "Tu-95 Bear, bombs only"}], "content.systems[0]"),  # a declared type, changed
        ([BEAR, {**BEAR, "id": "minuteman-iii", "name": "Minuteman III", "country": "US"}], "content.systems[1]"),
        ([BEAR, {**BEAR, "id": "bear-two", "aliases": ["Tu-95 Bear (non-ALCM variants)"]}], "content.systems"),
    ],
    ids=["declared-type-changed", "built-in-type-changed", "name-of-another-type"],
)
def test_a_type_redefined_differently_is_refused(ledger: Ledger, systems: list[dict[str, Any]], field: str) -> None:
    ledger.submit("RU", [exchange("initial-data", "1995-01-01", [bomber("B1")], [BEAR])])
    error = refused(ledger, exchange("data-update", "1995-03-01", [bomber("B1")], systems), "declaration", field)
    assert "already" in error.why
    assert ledger.state("RU").systems == {"tu-95-bear-bombs": BEAR}


def test_a_type_declared_again_as_it_is_adds_nothing(ledger: Ledger) -> None:
    minuteman = builtin_catalog().get("minuteman-iii").model_dump(mode="json", exclude_defaults=True)
    ledger.submit("RU", [exchange("initial-data", "1995-01-01", [bomber("B1")], [BEAR, minuteman])])
    ledger.submit("RU", [exchange("data-update", "1995-03-01", [bomber("B1")], [BEAR])])
    assert ledger.catalog_of("RU").get("minuteman-iii") == builtin_catalog().get("minuteman-iii")


@pytest.mark.parametrize(
    "bad",
    [{**BEAR, "max_rvs": 65}, {**BEAR, "colour": "red"}, {**BEAR, "name": "Bear\u202e"}, {**BEAR, "heavy": "yes"}],
    ids=["max-rvs-unbounded", "unknown-field", "bidi-name", "text-for-bool"],
)
def test_the_schema_bounds_declared_types(bad: dict[str, Any]) -> None:
    draft = {"party": "RU", "seq": 1, "prev": "0" * 64, **exchange("initial-data", "1995-01-01", [], [bad])}
    with pytest.raises(NotificationError, match=r"\[schema\]"):
        parse_notification(draft)


def test_a_force_without_its_own_types_declares_none() -> None:
    force = load_force("start-mou-1990", builtin_catalog())
    assert "systems" not in declaration_from_force(force, "US")
    ru = declaration_from_force(force, "RU")
    assert [s["id"] for s in ru["systems"]] == ["tu-95-bear-bombs"]


def _counts(text: str, party: str) -> dict[str, int]:
    return {measure: line["count"] for measure, line in json.loads(text)[party].items()}


def test_import_force_counts_and_a_peer_counts_the_same(cli: Cli, tmp_path: Path) -> None:
    key, led, peer, export = (tmp_path / n for n in ("ru.key", "l.sqlite", "peer.sqlite", "l.jsonl"))
    save_key(RU_KEY, key)
    assert cli("ledger", "create", str(led))[0] == 0
    assert cli("ledger", "register", str(led), "--key", str(key), "-t", "start-i")[0] == 0
    code, _out, err = cli("ledger", "import-force", str(led), "start-mou-1990", "--key", str(key))
    assert code == 0, err
    code, counted, err = cli("count", "start-mou-1990", "-t", "start-i", "--json")
    assert code == 0, err
    code, ledger_counts, err = cli(
        "ledger", "counts", str(led), "--treaty", "start-i", "--date", "1990-09-01", "--json"
    )
    assert code == 0, err
    expected = _counts(counted, "RU")
    assert _counts(ledger_counts, "RU") == expected
    assert expected["delivery-vehicles"] == 2500
    assert expected["accountable-warheads"] == 10271
    assert cli("ledger", "export", str(led), str(export))[0] == 0
    assert cli("ledger", "create", str(peer))[0] == 0
    code, _out, err = cli("ledger", "import", str(peer), str(export))
    assert code == 0, err
    code, peer_counts, err = cli("ledger", "counts", str(peer), "--treaty", "start-i", "--date", "1990-09-01", "--json")
    assert code == 0, err
    assert _counts(peer_counts, "RU") == expected


def test_plan_with_the_forces_own_types_passes_its_ledger_check(cli: Cli) -> None:
    code, out, err = cli("plan", "start-mou-1990", "-t", "start-i", "--party", "RU", "--json")
    assert code == 0, err
    check = json.loads(out)["trajectory"]["check"]
    assert check["passed"]
    assert check["agrees_with_plan"]
    assert check["counts"]["delivery-vehicles"]["by_system"]["tu-95-bear-bombs"] == 63


def test_initial_data_of_a_force_with_its_own_types_is_accepted(ledger: Ledger) -> None:
    force = load_force("start-mou-1990", builtin_catalog())
    when = dt.datetime(1990, 9, 1, tzinfo=dt.UTC)
    draft = initial_data(force, "RU", when, when)
    ledger.submit("RU", [draft])
    assert list(ledger.state("RU").systems) == ["tu-95-bear-bombs"]
