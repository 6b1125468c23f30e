"""Declarations that would change a count by what they leave out, or by naming a type two ways, are refused.

Rule 8 of the ledger: a declared bomber of a type that may be equipped for more than one armament (B-52G, B-52H)
states which, and any stated armament is one its type may carry (``none`` only when converted). Rule 7: a type id
names one type in a ledger, so a party declares a type another party (or the writer's catalog) holds as it is.
Stored entries are history: the ledger written at e6b29b6, whose B-52Hs state no armament, still verifies and
replays as before, with the armament replay assumes named on each row; the demo ledger states every bomber's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from detente.catalog import builtin_catalog
from detente.counting import count
from detente.crypto.keys import PartyKey, save_key
from detente.demo.ledger import build_demo_ledger, demo_keys
from detente.errors import NotificationError
from detente.forces.vocabulary import Status
from detente.ledger.chain import verify_chain
from detente.ledger.convert import declaration_from_state
from detente.ledger.memory import MemoryStore
from detente.ledger.replay import replay, replay_store
from detente.ledger.state import ASSUMED_ARMAMENT, to_force
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

from legacy_ledger import KEYS as LEGACY_KEYS

Cli = Callable[..., tuple[int, str, str]]
CATALOG = builtin_catalog()
US_KEY = PartyKey.from_seed("US", bytes([51]) * 32)
RU_KEY = PartyKey.from_seed("RU", bytes([52]) * 32)
LEGACY = Path(__file__).parent / "data" / "ledger-e6b29b6.sqlite"
EIF = "2011-02-05T00:00:00Z"  # New START's entry into force: initial data take effect then
FACILITIES = [{"id": "US-AIR1", "kind": "air-base"}, {"id": "US-STO1", "kind": "storage"}]
ALCM_WORDS = "may be equipped for alcm or bombs"


def bomber(uid: str, system: str = "b-52h", status: str = "deployed", **extra: Any) -> dict[str, Any]:
    """A declared bomber at US-AIR1; ``armament`` and the rest only if given."""
    return {"uid": uid, "system": system, "kind": "bomber", "status": status, "facility": "US-AIR1", **extra}


def silo_at_storage(uid: str, **extra: Any) -> dict[str, Any]:
    """A Minuteman III launcher, deployed with one RV, at US-STO1."""
    fields = {"system": "minuteman-iii", "kind": "launcher", "status": "deployed", "facility": "US-STO1", "warheads": 1}
    return {"uid": uid, **fields, **extra}


def declaration(kind: str, when: str, items: list[dict[str, Any]], **content: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "sent": when,
        "effective": when,
        "content": {"facilities": FACILITIES, "items": items, **content},
    }


def new_item(item: dict[str, Any], when: str = "2011-03-01T00:00:00Z") -> dict[str, Any]:
    return {"type": "new-item", "sent": when, "effective": when, "content": {"item": item, "how": "produced"}}


def ledger_of(*keys: PartyKey, treaty: str = "new-start") -> Ledger:
    led = Ledger(MemoryStore(), keys, CATALOG, get_treaty)
    for key in keys:
        led.register(key.party, key.public_key, treaty)
    return led


def refusal(led: Ledger, party: str, drafts: list[dict[str, Any]], origin: str) -> NotificationError:
    """The writer's refusal of a batch, after checking that it left nothing behind."""
    before = led.state(party).seq
    with pytest.raises(NotificationError) as caught:
        led.submit(party, drafts, origin)
    assert led.state(party).seq == before
    assert len(list(led.store.entries(party))) == before
    return caught.value


# ------------------------------------------------------------------------------ rule 8: the armament is stated


@pytest.mark.parametrize("status", ["deployed", "non-deployed", "test", "repair"])
@pytest.mark.parametrize("system", ["b-52h", "b-52g"])
def test_initial_data_with_a_b52_that_states_no_armament_is_refused(system: str, status: str) -> None:
    led = ledger_of(US_KEY)
    items = [bomber("B2-1", "b-2a"), bomber("B52-1", system, status)]
    error = refusal(led, "US", [declaration("initial-data", EIF, items)], "us-initial.json")
    assert error.where.file == "us-initial.json #1"  # the notification
    assert error.where.field == "content.items[1].armament"  # the field
    assert error.why.startswith("[item] item 'B52-1' states no armament")  # the rule and the item
    assert ALCM_WORDS in error.why
    assert error.hint == "say armament = alcm or bombs"


def test_a_converted_b52_that_states_no_armament_is_told_to_say_none() -> None:
    led = ledger_of(US_KEY)
    error = refusal(led, "US", [declaration("initial-data", EIF, [bomber("B52-1", status="converted")])], "i")
    assert error.where.field == "content.items[0].armament"
    assert error.hint == "say armament = none"


def test_a_data_update_and_a_new_item_must_state_it_too() -> None:
    led = ledger_of(US_KEY)
    led.submit("US", [declaration("initial-data", EIF, [bomber("B52-1", armament="alcm")])])
    update = declaration("data-update", "2011-03-01T00:00:00Z", [bomber("B52-1")])
    error = refusal(led, "US", [update], "us-update.json")
    assert (error.where.file, error.where.field) == ("us-update.json #1", "content.items[0].armament")
    assert "item 'B52-1' states no armament" in error.why
    # a batch: the second notification is refused, and the first is not kept either
    batch = [new_item(bomber("B52-2", armament="bombs")), new_item(bomber("B52-3"), "2011-03-02T00:00:00Z")]
    error = refusal(led, "US", batch, "us-new.json")
    assert (error.where.file, error.where.field) == ("us-new.json #2", "content.item.armament")
    assert "item 'B52-3' states no armament" in error.why
    assert "B52-2" not in led.state("US").items


def test_the_stated_armament_is_what_counts() -> None:
    """Why it may not be left out: START I counts a deployed ALCM B-52H as 10 warheads and a bomb-carrying one as 1."""
    counted = {}
    for armament in ("alcm", "bombs"):
        led = ledger_of(US_KEY)
        led.submit("US", [declaration("initial-data", EIF, [bomber("B52-1", armament=armament)])])
        item = led.state("US").items["B52-1"]
        assert item.armament is not None
        assert item.armament.value == armament
        [row] = to_force([led.state("US")], CATALOG).rows()
        assert (row.armament.value, row.remarks) == (armament, "")
        tally = count(to_force([led.state("US")], CATALOG), get_treaty("start-i"))
        counted[armament] = tally[("US", "accountable-warheads")].total
    assert counted == {"alcm": 10, "bombs": 1}


def test_a_type_with_one_armament_may_leave_it_out_and_replays_without_an_assumption() -> None:
    led = ledger_of(US_KEY)
    led.submit("US", [declaration("initial-data", EIF, [bomber("B2-1", "b-2a"), bomber("B52-1", armament="alcm")])])
    assert led.state("US").items["B2-1"].armament is None
    rows = {r.uid: r for r in to_force([led.state("US")], CATALOG).rows()}
    assert (rows["B2-1"].armament.value, rows["B2-1"].remarks) == ("bombs", "")


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (bomber("X-1", "tu-160", armament="bombs"), "a Tu-160 Blackjack cannot be equipped for 'bombs' (only alcm)"),
        (bomber("X-1", armament="missile"), "cannot be equipped for 'missile' (only alcm or bombs)"),
        (bomber("X-1", armament="none"), "is deployed with armament 'none': only a converted item carries none"),
        (bomber("X-1", "b-2a", "non-deployed", armament="none"), "only a converted item carries none"),
        (bomber("X-1", status="converted", armament="alcm"), "is converted, so it carries no nuclear armament"),
        (silo_at_storage("X-1", armament="alcm"), "a Minuteman III cannot be equipped for 'alcm' (only missile)"),
    ],
    ids=["tu160-bombs", "bomber-missile", "deployed-none", "non-deployed-none", "converted-alcm", "icbm-alcm"],
)
def test_an_armament_the_item_cannot_carry_is_refused_not_repaired(item: dict[str, Any], words: str) -> None:
    led = ledger_of(US_KEY)
    error = refusal(led, "US", [declaration("initial-data", EIF, [item])], "i")
    assert error.where.field == "content.items[0].armament"
    assert error.why.startswith("[item] item 'X-1'")
    assert words in error.why


def test_what_the_rules_accept_about_armament() -> None:
    """A converted B-52H says none; a converted bomber of one armament may say none or nothing; conversion sets none."""
    led = ledger_of(US_KEY)
    items = [
        bomber("B52-1", armament="alcm"),
        bomber("B52-2", status="converted", armament="none"),
        bomber("B1-1", "b-1b", "converted"),
        bomber("B1-2", "b-1b", "converted", armament="none"),
    ]
    led.submit("US", [declaration("initial-data", EIF, items)])
    when = "2011-03-01T00:00:00Z"
    led.submit("US", [{"type": "conversion", "sent": when, "effective": when, "content": {"uid": "B52-1"}}])
    state = led.state("US")
    assert state.items["B52-1"].status is Status.CONVERTED
    assert state.items["B52-1"].armament is not None
    assert state.items["B52-1"].armament.value == "none"
    # an update written from the state says so, and passes
    update = {**declaration("data-update", "2011-09-01T00:00:00Z", []), "content": declaration_from_state(state)}
    [accepted] = led.submit("US", [update])
    assert accepted.flags == ()


def test_the_cli_refuses_a_b52_without_armament_with_exit_code_2(cli: Cli, tmp_path: Path) -> None:
    ledger, key = str(tmp_path / "l.sqlite"), tmp_path / "us.key"
    save_key(US_KEY, key)
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key))[0] == 0
    path = tmp_path / "initial.json"
    path.write_text(json.dumps([declaration("initial-data", EIF, [bomber("B52-1")])]))
    code, out, err = cli("ledger", "submit", ledger, str(path), "--key", str(key))
    assert code == 2, out + err
    assert f"{path} #1: content.items[0].armament: [item] item 'B52-1' states no armament" in err
    assert "(say armament = alcm or bombs)" in err
    path.write_text(json.dumps([declaration("initial-data", EIF, [bomber("B52-1", armament="alcm")])]))
    code, out, err = cli("ledger", "submit", ledger, str(path), "--key", str(key), "--json")
    assert code == 0, out + err
    assert json.loads(out)[0]["appended"] == 1


def test_a_force_file_declared_through_the_cli_states_its_b52s_armament(cli: Cli, tmp_path: Path) -> None:
    """The force converter keeps what the force file had to say (it used to leave out ALCMs, the type's first)."""
    ledger, key = str(tmp_path / "l.sqlite"), tmp_path / "us.key"
    save_key(US_KEY, key)
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key))[0] == 0
    code, out, err = cli("ledger", "import-force", ledger, "us-2020-09", "--key", str(key))
    assert code == 0, out + err
    with open_store(ledger) as store:
        [entry] = store.entries("US")
        items = entry.notification()["content"]["items"]
        b52 = {(i["status"], i.get("armament")) for i in items if i["system"] == "b-52h"}
        assert b52 == {("deployed", "alcm"), ("non-deployed", "alcm"), ("test", "alcm"), ("converted", "none")}
        assert all("armament" not in i for i in items if i["system"] in ("b-2a", "minuteman-iii"))
        rows = to_force([replay_store(store, "US")], CATALOG).rows()
        assert not [r for r in rows if r.remarks]


# ------------------------------------------------------------------------------ history: legacy and demo


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    return Path(shutil.copy(LEGACY, tmp_path / "legacy.sqlite"))


def test_the_legacy_ledger_verifies_and_replays_with_the_assumed_armament_named(legacy: Path) -> None:
    """Written at e6b29b6, when a B-52H had one armament: its 46 nuclear B-52Hs state none. Read as before."""
    with open_store(str(legacy)) as store:
        record = next(r for r in store.parties() if r.party == "US")
        assert len(list(verify_chain(store.entries("US"), "US", record.public_key))) == 21
        state = replay_store(store, "US")
        assert state == replay("US", store.entries("US"))
        rows = list(to_force([state], CATALOG).rows())
    b52 = [r for r in rows if r.system.id == "b-52h"]
    assumed = [r for r in b52 if r.remarks]
    assert len(assumed) == 46
    assert {(r.armament.value, r.remarks) for r in assumed} == {("alcm", ASSUMED_ARMAMENT.format(armament="alcm"))}
    assert {r.armament.value for r in b52 if not r.remarks} == {"none"}  # the converted ones said so
    assert not [r for r in rows if r.remarks and r.system.id != "b-52h"]  # B-2A and missiles have one armament
    new_start = count(to_force([state], CATALOG), get_treaty("new-start"))
    assert new_start[("US", "deployed-delivery-vehicles")].total == 675 - 20  # 20 Minuteman III taken down since
    start_i = count(to_force([state], CATALOG), get_treaty("start-i"))
    # START I counts its 36 deployed and 6 non-deployed B-52Hs as ALCM carriers, 10 each: the reading of before
    assert start_i[("US", "accountable-warheads")].by_system["b-52h"] == (36 + 6) * 10


def test_the_legacy_ledger_takes_appends_but_a_new_update_must_state_what_replay_assumed(legacy: Path) -> None:
    with Ledger(open_store(str(legacy)), LEGACY_KEYS.values(), CATALOG, get_treaty) as led:
        when = "2021-03-01T00:00:00Z"
        content = declaration_from_state(led.state("US"))
        update = {"type": "data-update", "sent": "2021-03-10T00:00:00Z", "effective": when, "content": content}
        error = refusal(led, "US", [update], "us-update.json")
        assert error.where.field is not None
        index = int(error.where.field.split("[")[1].split("]")[0])
        assert content["items"][index]["system"] == "b-52h"
        assert error.where.field == f"content.items[{index}].armament"
        for item in content["items"]:
            if item["system"] == "b-52h" and "armament" not in item:
                item["armament"] = "alcm"
        [accepted] = led.submit("US", [update])
        assert (accepted.seq, accepted.flags) == (22, ())
        stored = next(led.store.entries("US", 22, 22)).notification()["content"]["items"]
        assert {i.get("armament") for i in stored if i["system"] == "b-52h"} == {"alcm", "none"}


def test_the_demo_ledger_states_every_bombers_armament() -> None:
    led = Ledger(MemoryStore(), demo_keys(), CATALOG, get_treaty)
    build_demo_ledger(led)
    declared = 0
    for party in ("US", "RU"):
        for entry in led.store.entries(party):
            payload = entry.notification()
            content = payload["content"]
            items = content.get("items", []) + ([content["item"]] if "item" in content else [])
            for item in items:
                if item["kind"] == "bomber":
                    declared += 1
                    assert "armament" in item, (party, entry.seq, item["uid"])
                    if item["system"] == "b-52h":
                        assert item["armament"] == ("none" if item["status"] == "converted" else "alcm")
        assert not [r for r in to_force([led.state(party)], CATALOG).rows() if r.remarks]
    assert declared > 1000


# ------------------------------------------------------------------------------ rule 7: one type per id


def mirv(max_rvs: int = 3, **extra: Any) -> dict[str, Any]:
    """A declared ICBM type that no built-in type is."""
    fields = {"id": "x-1", "name": "X-1", "country": "US", "category": "icbm", "basing": "silo", "max_rvs": max_rvs}
    return {**fields, **extra}


def silo(uid: str, party: str, warheads: int = 1) -> dict[str, Any]:
    return {"uid": uid, "system": "x-1", "kind": "launcher", "status": "deployed", "facility": f"{party}-ICBM1",
            "warheads": warheads}  # fmt: skip


def exchange(party: str, kind: str, when: str, items: list[dict[str, Any]], systems: list[Any]) -> dict[str, Any]:
    content = {"facilities": [{"id": f"{party}-ICBM1", "kind": "icbm-base"}], "items": items, "systems": systems}
    return {"type": kind, "sent": when, "effective": when, "content": content}


def two_parties() -> Ledger:
    led = Ledger(MemoryStore(), [US_KEY, RU_KEY], CATALOG, get_treaty)
    for key in (US_KEY, RU_KEY):
        led.register(key.party, key.public_key, "new-start")
    return led


@pytest.mark.parametrize(
    ("theirs", "words"),
    [
        (mirv(4), "max_rvs 3 there, 4 here"),
        (mirv(3, category="slbm", basing="submarine"), "category 'icbm' there, 'slbm' here"),
        (mirv(3, name="X-1 Mod 2"), "name 'X-1' there, 'X-1 Mod 2' here"),
    ],
    ids=["max-rvs", "category", "name"],
)
def test_a_second_party_declaring_a_type_id_differently_is_refused_naming_both(
    theirs: dict[str, Any], words: str
) -> None:
    led = two_parties()
    led.submit("US", [exchange("US", "initial-data", EIF, [silo("US-1", "US")], [mirv(3)])])
    draft = exchange("RU", "initial-data", EIF, [silo("RU-1", "RU")], [theirs])
    error = refusal(led, "RU", [draft], "ru-initial.json")
    assert (error.where.file, error.where.field) == ("ru-initial.json #1", "content.systems[0]")
    assert error.why.startswith(f"[declaration] system 'x-1' is already declared by US's data exchange effective {EIF}")
    assert words in error.why
    assert led.state("RU").systems == {}


def test_whichever_party_declares_second_is_refused_also_in_a_later_update() -> None:
    led = two_parties()
    led.submit("RU", [exchange("RU", "initial-data", EIF, [], [])])
    led.submit("US", [exchange("US", "initial-data", EIF, [silo("US-1", "US", 4)], [mirv(4)])])
    update = exchange("RU", "data-update", "2011-03-01T00:00:00Z", [], [mirv(3)])
    error = refusal(led, "RU", [update], "ru-update.json")
    assert "already declared by US's data exchange" in error.why
    assert "max_rvs 4 there, 3 here" in error.why


def test_the_same_type_declared_alike_by_both_parties_is_accepted_and_counts_alike() -> None:
    led = two_parties()
    led.submit("US", [exchange("US", "initial-data", EIF, [silo("US-1", "US", 3)], [mirv(3)])])
    led.submit("RU", [exchange("RU", "initial-data", EIF, [silo("RU-1", "RU", 3)], [mirv(3)])])
    force = to_force([led.state("US"), led.state("RU")], CATALOG)
    assert [s.id for s in force.systems] == ["x-1"]  # one type, not two that share an id


def test_a_party_redefining_a_built_in_type_is_refused_naming_the_catalog() -> None:
    led = two_parties()
    minuteman = {**CATALOG.get("minuteman-iii").model_dump(mode="json", exclude_defaults=True), "max_rvs": 4}
    error = refusal(led, "RU", [exchange("RU", "initial-data", EIF, [], [minuteman])], "ru.json")
    assert error.where.field == "content.systems[0]"
    assert "system 'minuteman-iii' is already declared in the writer's catalog" in error.why
    assert "max_rvs 3 there, 4 here" in error.why


def test_the_cli_refuses_a_redefined_built_in_type_with_exit_code_2(cli: Cli, tmp_path: Path) -> None:
    ledger, key = str(tmp_path / "l.sqlite"), tmp_path / "ru.key"
    save_key(RU_KEY, key)
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key))[0] == 0
    minuteman = {**CATALOG.get("minuteman-iii").model_dump(mode="json", exclude_defaults=True), "max_rvs": 4}
    path = tmp_path / "ru.json"
    path.write_text(json.dumps([exchange("RU", "initial-data", EIF, [], [minuteman])]))
    code, out, err = cli("ledger", "submit", ledger, str(path), "--key", str(key))
    assert code == 2, out + err
    assert f"{path} #1: content.systems[0]: [declaration] system 'minuteman-iii' is already declared" in err


def test_the_writer_refuses_a_type_another_party_declared_differently() -> None:
    led = two_parties()
    led.submit("US", [exchange("US", "initial-data", EIF, [silo("US-1", "US")], [mirv(3)])])
    with pytest.raises(NotificationError, match=r"already declared by US's data exchange"):
        led.submit("RU", [exchange("RU", "initial-data", EIF, [silo("RU-1", "RU")], [mirv(4)])])
