"""Commitments on the ledger: a party records, at a data date, a Pedersen commitment per facility per treaty measure.

Through the real writer on the in-memory store and on SQLite (and the CLI), on a New START ledger of one party with
a few facilities: the notification is accepted, kept by replay under its data date with its sequence number, read
from its payload (it is stored with no effect), verified, exported and imported; each part of rule 13, and of the
schema's share of it, refuses what it should, naming the field (the facility and the measure) and why, and a
refusal changes nothing.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import gc
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nacl.bindings import crypto_core_ed25519_add

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, save_key
from detente.crypto.pedersen import G, Point, commit, random_scalar
from detente.errors import ChainError, NotificationError
from detente.ledger.audit import verify_store
from detente.ledger.chain import COMMITMENTS, columns_of, seal
from detente.ledger.exchange import export_lines, read_export
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import COMMITMENT_SCHEME, Type, parse_notification
from detente.ledger.port import LedgerStore
from detente.ledger.replay import replay, replay_store
from detente.ledger.rules import deadline_of
from detente.ledger.writer import Ledger
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

CATALOG = builtin_catalog()
US = PartyKey.from_seed("US", bytes([61]) * 32)
MEASURES = ["deployed-delivery-vehicles", "warheads", "launchers"]  # New START's, in its order
DATA_DATE = "2018-02-05"  # New START's central limits apply from this day
ROOT = Path(__file__).resolve().parent.parent

Cli = Callable[..., tuple[int, str, str]]


def b64(data: bytes | Point) -> str:
    return base64.b64encode(bytes(data)).decode()


def committed(value: int) -> str:
    """A commitment to ``value``, as the content holds it (the blinding thrown away: these are never opened)."""
    return b64(commit(value, random_scalar()))


def facility(capacity: int, values: dict[str, int] | None = None) -> dict[str, Any]:
    """A facility's entry: its capacity and a commitment to each measure (the values given, or zeros)."""
    values = values if values is not None else dict.fromkeys(MEASURES, 0)
    return {"capacity": capacity, "commitments": {m: committed(v) for m, v in values.items()}}


def commitments(
    date: str = DATA_DATE, facilities: dict[str, Any] | None = None, sent: str | None = None
) -> dict[str, Any]:
    """A commitments draft at ``date``, sent the next morning, for the three open facilities."""
    if facilities is None:
        facilities = {
            "US-ICBM-1": facility(400, {"deployed-delivery-vehicles": 2, "warheads": 2, "launchers": 3}),
            "US-STO-1": facility(0),
            "US-STO-3": facility(0),
        }
        if date > DATA_DATE:  # US-STO-4 opened during the data date
            facilities["US-STO-4"] = facility(0)
    next_morning = dt.date.fromisoformat(date) + dt.timedelta(days=1)
    return {
        "type": "commitments",
        "sent": sent or f"{next_morning}T09:00:00Z",
        "effective": f"{date}T00:00:00Z",
        "content": {
            "scheme": COMMITMENT_SCHEME,
            "data_date": date,
            "measures": list(MEASURES),
            "facilities": facilities,
        },
    }


def initial() -> dict[str, Any]:
    """Initial data at entry into force: three Minuteman III launchers at one base, a missile in storage."""
    launcher = {"system": "minuteman-iii", "kind": "launcher", "facility": "US-ICBM-1"}
    when = "2011-02-05T00:00:00Z"
    return {
        "type": "initial-data",
        "sent": when,
        "effective": when,
        "content": {
            "facilities": [
                {"id": "US-ICBM-1", "kind": "icbm-base"},
                {"id": "US-STO-1", "kind": "storage"},
                {"id": "US-STO-2", "kind": "storage"},
            ],
            "items": [
                {"uid": "MM-1", "status": "deployed", "warheads": 1, **launcher},
                {"uid": "MM-2", "status": "deployed", "warheads": 1, **launcher},
                {"uid": "MM-3", "status": "non-deployed", **launcher},
                {
                    "uid": "MSL-1",
                    "system": "minuteman-iii",
                    "kind": "missile",
                    "status": "non-deployed",
                    "facility": "US-STO-1",
                },
            ],
        },
    }


def facility_change(fid: str, action: str, effective: str) -> dict[str, Any]:
    return {
        "type": "facility-change",
        "sent": effective,
        "effective": effective,
        "content": {"facility": {"id": fid, "kind": "storage"}, "action": action},
    }


HISTORY = [
    initial(),
    facility_change("US-STO-2", "closed", "2017-06-01T00:00:00Z"),  # closed before the data date
    facility_change("US-STO-3", "opened", "2018-01-10T00:00:00Z"),  # opened before it
    facility_change("US-STO-4", "opened", "2018-02-05T12:00:00Z"),  # opened on the data date, after its start
]


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    with MemoryStore() if request.param == "memory" else open_store(str(tmp_path / "l.sqlite")) as s:
        yield s


def writer(store: LedgerStore) -> Ledger:
    ledger = Ledger(store, [US], CATALOG, get_treaty)
    if "US" not in {r.party for r in store.parties()}:
        ledger.register("US", US.public_key, "new-start")
        ledger.submit("US", HISTORY)
    return ledger


@pytest.fixture
def ledger() -> Ledger:
    return writer(MemoryStore())


# ------------------------------------------------------------------------------------------------ accepted


def test_commitments_are_accepted_kept_by_replay_and_verified(store: LedgerStore) -> None:
    ledger = writer(store)
    before = ledger.state("US").copy()
    [accepted] = ledger.submit("US", [commitments()])
    assert (accepted.seq, accepted.flags) == (5, ())
    state = ledger.state("US")
    assert state.commitments == {DATA_DATE: 5}
    assert (state.items, state.facilities) == (before.items, before.facilities)  # no effect on items or facilities
    entries = list(store.entries("US"))
    payload = entries[-1].notification()
    assert payload["content"] == commitments()["content"] | {"facilities": payload["content"]["facilities"]}
    assert columns_of(payload).effect is None  # stored with no effect: replay reads the payload, with its number
    assert replay_store(store, "US") == replay("US", entries) == state
    assert replay_store(store, "US", "2018-02-04T23:59:59Z").commitments == {}  # not in effect before its date
    assert replay_store(store, "US", "2018-02-05T00:00:00Z").commitments == {DATA_DATE: 5}
    assert verify_store(store, "US") == 5


def test_a_commitments_notification_has_no_deadline(ledger: Ledger) -> None:
    """Sent a year after its data date, it carries no late flag: the treaty sets no deadline for it."""
    [accepted] = ledger.submit("US", [commitments(sent="2019-02-05T00:00:00Z")])
    assert accepted.flags == ()
    assert deadline_of(Type.COMMITMENTS, f"{DATA_DATE}T00:00:00Z", get_treaty("new-start").notifications, None) is None


def test_a_second_for_the_same_data_date_is_refused_naming_the_first(store: LedgerStore) -> None:
    ledger = writer(store)
    ledger.submit("US", [commitments()])
    again = commitments(sent="2018-03-01T00:00:00Z")
    why = rf"content.data_date: \[commitments\] US committed at data date {DATA_DATE} already, in #5: a party commits"
    with pytest.raises(NotificationError, match=why):
        ledger.submit("US", [again])
    with pytest.raises(NotificationError, match=why):  # a writer whose state is replayed from storage knows it too
        Ledger(store, [US], CATALOG, get_treaty).submit("US", [again])
    with pytest.raises(NotificationError, match=r"notification #2: content.data_date: \[commitments\].*in #6"):
        Ledger(store, [US], CATALOG, get_treaty).submit("US", [commitments("2018-09-01"), commitments("2018-09-01")])
    assert store.head("US").seq == 5  # nothing of the refused batch was stored
    assert ledger.submit("US", [commitments("2018-09-01")])[0].seq == 6  # another data date: accepted
    assert ledger.state("US").commitments == {DATA_DATE: 5, "2018-09-01": 6}
    assert replay_store(store, "US").commitments == {DATA_DATE: 5, "2018-09-01": 6}


def test_an_export_with_commitments_imports_and_replays_alike(store: LedgerStore, tmp_path: Path) -> None:
    ledger = writer(store)
    ledger.submit("US", [commitments()])
    lines = list(export_lines(store.parties(), store.entries("US")))
    records, entries = read_export(lines, "us.jsonl")
    with Ledger(open_store(str(tmp_path / "peer.sqlite")), [], CATALOG, get_treaty) as peer:
        peer.register("US", US.public_key, "new-start")
        assert peer.import_entries(records[0], entries["US"]) == 5
        assert verify_store(peer.store, "US") == 5
        assert [e.payload for e in peer.store.entries("US")] == [e.payload for e in store.entries("US")]
        assert peer.state("US") == ledger.state("US")
        assert peer.state("US").commitments == {DATA_DATE: 5}
        assert peer.import_entries(records[0], entries["US"]) == 0  # the same again: nothing new
    gc.collect()


def test_an_import_checks_the_rule_too() -> None:
    """An export holding a second commitments at a date, signed by the party, is refused on import."""
    source = writer(MemoryStore())
    source.submit("US", [commitments()])
    second = parse_notification({**commitments(sent="2018-03-01T00:00:00Z"), "party": "US", "seq": 6,
                                 "prev": source.store.head("US").hash_hex})  # fmt: skip
    entries = [*source.store.entries("US"), seal(second, US)]
    peer = Ledger(MemoryStore(), [], CATALOG, get_treaty)
    peer.register("US", US.public_key, "new-start")
    with pytest.raises(NotificationError, match=r"US #6: content.data_date: \[commitments\] .* already, in #5"):
        peer.import_entries(source.party("US"), entries)
    assert peer.store.head("US") is None


def test_a_stored_effect_on_commitments_is_named_by_verify() -> None:
    """Replay reads commitments from their payload: an effect stored beside them would hide them from replay."""
    store = MemoryStore()
    writer(store).submit("US", [commitments()])
    entry = store._entries["US"][-1]
    payload = json.loads(entry.payload)
    effect = json.dumps([COMMITMENTS, payload["effective"], payload["content"]], separators=(",", ":")).encode()
    store._entries["US"][-1] = entry._replace(columns=entry.stored_columns()._replace(effect=effect))
    with pytest.raises(ChainError, match=r"entry #5: the row's type, times or effect differ from its payload"):
        verify_store(store, "US")


# ------------------------------------------------------------------------------------------------ refused


ORDER_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")  # a torsion point
ORDER_2 = bytes.fromhex("ec" + "ff" * 30 + "7f")  # (0, -1)


WITH_TORSION = crypto_core_ed25519_add(bytes(commit(3, random_scalar())), ORDER_2)  # canonical, order 2ℓ


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to a draft: the value at a dotted path (keys with dots cannot be named, and none here has one)."""

    def change(draft: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = draft
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(draft: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = draft
        for key in parents:
            node = node[key]
        del node[last]

    return change


ICBM = "content.facilities.US-ICBM-1"
WARHEADS = f"{ICBM}.commitments.warheads"

REFUSED = {  # name: (change to the draft, rule, field named, why)
    "another scheme": (_set("content.scheme", "detente/pedersen-ristretto/v1"), "schema", "content.scheme",
                       "Input should be 'detente/pedersen-ed25519/v1'"),
    "data date not a date": (_set("content.data_date", "5 Feb 2018"), "schema", "content.data_date",
                             "should match pattern"),
    "data date not a real date": (_set("content.data_date", "2018-02-30"), "schema", "content.data_date",
                                  "2018-02-30 is not a real date"),
    "effective not the data date's start": (_set("effective", "2018-02-05T09:00:00Z"), "commitments", "effective",
                                            "take effect at its start (2018-02-05T00:00:00Z), not at 2018-02-05T09"),
    "effective another day": (_set("effective", "2018-02-04T00:00:00Z"), "commitments", "effective",
                              "at data date 2018-02-05 take effect at its start"),
    "no measures": (_set("content.measures", []), "schema", "content.measures", "at least 1 item"),
    "a measure twice": (_set("content.measures", ["warheads", "launchers", "warheads"]), "commitments",
                        "content.measures[2]", "measure 'warheads' is listed twice"),
    "a measure of no treaty": (_set("content.measures", ["warheads", "icbm-warheads"]), "commitments",
                               "content.measures[1]", "'icbm-warheads' is not a measure of US's treaty (its measures: "
                               "deployed-delivery-vehicles, warheads, launchers)"),
    "a measure id not an id": (_set("content.measures", ["Warheads"]), "schema", "content.measures.0",
                               "should match pattern"),
    "no facilities": (_set("content.facilities", {}), "schema", "content.facilities", "at least 1 item"),
    "a facility never declared": (_set("content.facilities.US-ICBM-9", facility(0)), "commitments",
                                  "content.facilities.US-ICBM-9", "facility 'US-ICBM-9' was not declared at data date"),
    "a facility closed before the data date": (_set("content.facilities.US-STO-2", facility(0)), "commitments",
                                               "content.facilities.US-STO-2", "'US-STO-2' was closed at data date"),
    "a facility opened after the data date's start": (_set("content.facilities.US-STO-4", facility(0)), "commitments",
                                                      "content.facilities.US-STO-4", "'US-STO-4' was not declared"),
    "a facility with another key": (_set(f"{ICBM}.remarks", "x"), "schema", f"{ICBM}.remarks", "unknown key"),
    "a facility without capacity": (_drop(f"{ICBM}.capacity"), "schema", f"{ICBM}.capacity", "required key"),
    "a facility without commitments": (_drop(f"{ICBM}.commitments"), "schema", f"{ICBM}.commitments",
                                       "required key"),
    "a negative capacity": (_set(f"{ICBM}.capacity", -1), "schema", f"{ICBM}.capacity", "greater than or equal to 0"),
    "a capacity over a million": (_set(f"{ICBM}.capacity", 10**6 + 1), "schema", f"{ICBM}.capacity",
                                  "less than or equal to 1000000"),
    "a capacity as text": (_set(f"{ICBM}.capacity", "400"), "schema", f"{ICBM}.capacity", "valid integer"),
    "a capacity as a float": (_set(f"{ICBM}.capacity", 400.0), "schema", f"{ICBM}.capacity", "valid integer"),
    "a capacity as a boolean": (_set(f"{ICBM}.capacity", True), "schema", f"{ICBM}.capacity", "valid integer"),
    "a measure without a commitment": (_drop(WARHEADS), "commitments", f"{ICBM}.commitments",
                                       "facility 'US-ICBM-1' has no commitment to 'warheads'"),
    "a commitment to a measure not listed": (_set(f"{ICBM}.commitments.icbm-warheads", committed(1)), "commitments",
                                             f"{ICBM}.commitments.icbm-warheads", "facility 'US-ICBM-1' has a "
                                             "commitment to 'icbm-warheads', which the measures do not list"),
    "a commitment too short": (_set(WARHEADS, "P"), "schema", WARHEADS, "should match pattern"),
    "a commitment not base64": (_set(WARHEADS, "not base64, and not 44 characters long, either"), "schema", WARHEADS,
                                "should match pattern"),
    "a commitment of 31 bytes": (_set(WARHEADS, b64(bytes(G)[:31])), "schema", WARHEADS, "should match pattern"),
    "a commitment in non-canonical base64": (_set(WARHEADS, b64(G)[:42] + "B="), "schema", WARHEADS,
                                             "should match pattern"),
    "a commitment off the curve": (_set(WARHEADS, b64(bytes.fromhex("02" + "00" * 31))), "commitments", WARHEADS,
                                   "facility 'US-ICBM-1', measure 'warheads': commitment 0200000000000000…: is not a "
                                   "point of the curve"),
    "the identity": (_set(WARHEADS, b64(bytes.fromhex("01" + "00" * 31))), "commitments", WARHEADS,
                     "measure 'warheads': commitment 0100000000000000…: is the identity"),
    "a point of small order": (_set(WARHEADS, b64(ORDER_8)), "commitments", WARHEADS, "has small order"),
    "a point not canonical": (_set(WARHEADS, b64(bytes.fromhex("f0" + "ff" * 30 + "7f"))), "commitments", WARHEADS,
                              "is not canonical: its y coordinate is not below p"),
    "a point with a torsion component": (_set(WARHEADS, b64(WITH_TORSION)), "commitments", WARHEADS,
                                         "is not in the prime-order subgroup"),
}  # fmt: skip


@pytest.mark.parametrize(("change", "rule", "field", "why"), REFUSED.values(), ids=list(REFUSED))
def test_each_rule_refuses_naming_the_field_and_why(
    ledger: Ledger, change: Callable[[dict[str, Any]], None], rule: str, field: str, why: str
) -> None:
    draft = commitments()
    change(draft)
    head, before = ledger.store.head("US"), ledger.state("US").copy()
    with pytest.raises(NotificationError) as caught:
        ledger.submit("US", [draft])
    message = str(caught.value)
    assert f"[{rule}]" in message, message
    assert f": {field}: " in message, message
    assert why in message, message
    assert ledger.store.head("US") == head
    assert ledger.state("US") == before


def test_an_extra_measure_among_a_facilitys_commitments_is_refused(ledger: Ledger) -> None:
    """A commitment to a measure of the treaty that the notification does not list: the facility and measure named."""
    draft = commitments()
    draft["content"]["measures"] = ["warheads", "launchers"]
    with pytest.raises(NotificationError) as caught:
        ledger.submit("US", [draft])
    assert re.search(
        r": content\.facilities\.US-ICBM-1\.commitments\.deployed-delivery-vehicles: \[commitments\] facility "
        r"'US-ICBM-1' has a commitment to 'deployed-delivery-vehicles', which the measures do not list",
        str(caught.value),
    ), caught.value
    draft["content"]["facilities"] = {
        fid: {**f, "commitments": {m: c for m, c in f["commitments"].items() if m in ("warheads", "launchers")}}
        for fid, f in draft["content"]["facilities"].items()
    }
    [accepted] = ledger.submit("US", [draft])  # a subset of the treaty's measures, committed to by each facility
    assert accepted.seq == 5


def test_at_most_ten_thousand_facilities() -> None:
    """The schema bounds the facilities of one notification (checked without a ledger: no facility is declared)."""
    one = facility(0)
    draft = commitments(facilities={f"F-{i}": one for i in range(10_001)})
    with pytest.raises(NotificationError, match=r"content\.facilities: \[schema\] .*at most 10000 items"):
        parse_notification({**draft, "party": "US", "seq": 5, "prev": "0" * 64})
    draft["content"]["facilities"].pop("F-0")
    assert len(parse_notification({**draft, "party": "US", "seq": 5, "prev": "0" * 64})["content"]["facilities"]) == (
        10_000
    )


def test_facilities_are_as_declared_at_the_start_of_the_data_date(ledger: Ledger) -> None:
    """Open at 00:00:00Z of the data date: opened by then, closed only later; late notices of earlier changes count.

    A peer importing the log judges it the same way (its state at the data date, not the state it has so far).
    """
    sent = {"sent": "2018-02-06T00:00:00Z"}
    opened = facility_change("US-STO-5", "opened", "2018-02-05T00:00:00Z") | sent  # at the data date's start
    closed_before = facility_change("US-STO-3", "closed", "2018-02-01T00:00:00Z") | sent  # a late notice
    closed_after = facility_change("US-STO-5", "closed", "2018-02-05T06:00:00Z") | sent  # after the start
    ledger.submit("US", [opened, closed_before, closed_after])
    draft = commitments(facilities={"US-STO-5": facility(0), "US-STO-1": facility(0), "US-ICBM-1": facility(0)})
    assert ledger.submit("US", [draft])[0].seq == 8
    refused = commitments("2018-02-06", facilities={"US-STO-3": facility(0)}, sent="2018-02-07T00:00:00Z")
    with pytest.raises(NotificationError, match=r"content.facilities.US-STO-3: \[commitments\] .* was closed"):
        ledger.submit("US", [refused])
    refused["content"]["facilities"] = {"US-STO-5": facility(0)}  # closed since the 5th
    with pytest.raises(NotificationError, match=r"content.facilities.US-STO-5: \[commitments\] .* was closed"):
        ledger.submit("US", [refused])
    records, entries = read_export(export_lines(ledger.store.parties(), ledger.store.entries("US")), "us.jsonl")
    peer = Ledger(MemoryStore(), [], CATALOG, get_treaty)
    peer.register("US", US.public_key, "new-start")
    assert peer.import_entries(records[0], entries["US"]) == 8
    assert peer.state("US") == ledger.state("US")


def test_the_documented_example_is_a_valid_draft(ledger: Ledger) -> None:
    """The example in docs/notifications.md passes the schema and, on this ledger, every rule."""
    doc = (ROOT / "docs" / "notifications.md").read_text("utf-8")
    section = doc[doc.index("## Commitments") :]
    example = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    # the example's party has two open facilities at the data date: this ledger's third is closed (a late notice)
    ledger.submit(
        "US", [facility_change("US-STO-3", "closed", "2018-02-01T00:00:00Z") | {"sent": "2018-02-05T13:00:00Z"}]
    )
    assert [accepted.seq for accepted in ledger.submit("US", [example])] == [6]
    assert ledger.state("US").commitments == {DATA_DATE: 6}


def test_the_scheme_constant_is_the_schemas() -> None:
    draft = commitments()
    payload = parse_notification({**draft, "party": "US", "seq": 5, "prev": "0" * 64})
    assert payload["content"]["scheme"] == COMMITMENT_SCHEME == "detente/pedersen-ed25519/v1"
    assert payload["content"] == draft["content"]  # nothing converted: the content is signed as given


# ------------------------------------------------------------------------------------------------ the CLI


def test_the_cli_submits_commitments_verifies_and_refuses_a_second(cli: Cli, tmp_path: Path) -> None:
    key, ledger = tmp_path / "us.key", str(tmp_path / "us.sqlite")
    save_key(US, key)
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key), "--treaty", "new-start")[0] == 0

    def file(name: str, *drafts: dict[str, Any]) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(list(drafts)), encoding="utf-8")
        return str(path)

    code, _, err = cli("ledger", "submit", ledger, file("history.json", *HISTORY), "--key", str(key))
    assert code == 0, err
    code, out, err = cli(
        "ledger", "submit", ledger, file("commitments.json", commitments()), "--key", str(key), "--json"
    )
    assert code == 0, err
    [done] = json.loads(out)
    assert (done["first"], done["entries"][0]["flags"]) == (5, [])
    code, out, err = cli("ledger", "verify", ledger, "--json")
    assert code == 0, err
    assert json.loads(out) == [{"party": "US", "entries": 5, "checkpoints": 1, "ok": True, "fault": None}]
    again = file("again.json", commitments(sent="2018-03-01T00:00:00Z"))
    code, _, err = cli("ledger", "submit", ledger, again, "--key", str(key))
    assert code == 2
    assert f"{again} #1: content.data_date: [commitments] US committed at data date {DATA_DATE} already, in #5" in (
        " ".join(err.split())
    )
    bad = commitments()
    bad["content"]["data_date"] = "2018-08-01"
    bad["effective"] = "2018-08-01T00:00:00Z"
    bad["sent"] = "2018-08-02T00:00:00Z"
    bad["content"]["facilities"]["US-ICBM-1"]["commitments"]["launchers"] = b64(ORDER_8)
    code, _, err = cli("ledger", "submit", ledger, file("bad.json", bad), "--key", str(key))
    assert code == 2
    assert "content.facilities.US-ICBM-1.commitments.launchers: [commitments] facility 'US-ICBM-1', measure " in (
        " ".join(err.split())
    )
    # export and import through the CLI keep it
    export, peer = tmp_path / "us.jsonl", str(tmp_path / "peer.sqlite")
    assert cli("ledger", "export", ledger, str(export))[0] == 0
    assert cli("ledger", "create", peer)[0] == 0
    code, out, err = cli("ledger", "import", peer, str(export), "--json")
    assert (code, json.loads(out)["imported"]) == (0, {"US": 5}), err
    assert cli("ledger", "verify", peer)[0] == 0
    with open_store(peer) as s:
        assert replay_store(s, "US").commitments == {DATA_DATE: 5}
    gc.collect()


def test_a_draft_is_not_changed_by_submitting_it(ledger: Ledger) -> None:
    draft = commitments()
    kept = copy.deepcopy(draft)
    ledger.submit("US", [draft])
    assert draft == kept


def test_every_open_facility_must_be_committed(ledger: Ledger) -> None:
    """A facility left out would be left out of the totals the proofs add up: refused, naming it."""
    draft = commitments()
    del draft["content"]["facilities"]["US-STO-3"]
    with pytest.raises(NotificationError, match=r"content\.facilities: \[commitments\] US had 1 more open facility at "
                       r"data date 2018-02-05 \('US-STO-3'\) with no commitments"):  # fmt: skip
        ledger.submit("US", [draft])
    assert ledger.state("US").commitments == {}


def test_after_committing_the_holdings_at_the_date_are_settled(ledger: Ledger) -> None:
    """A facility opened, or an item moved, with effect at or before a committed data date is refused: the
    commitments (and every proof made from them) would be about holdings the ledger no longer shows."""
    ledger.submit("US", [commitments()])
    sent = {"sent": "2018-02-07T00:00:00Z"}
    backdated = facility_change("US-STO-9", "opened", "2018-01-01T00:00:00Z") | sent
    with pytest.raises(NotificationError, match=r"effective: \[commitments\] takes effect 2018-01-01T00:00:00Z, at "
                       r"or before data date 2018-02-05, at which US has committed \(#5\)"):  # fmt: skip
        ledger.submit("US", [backdated])
    at_start = facility_change("US-STO-9", "opened", "2018-02-05T00:00:00Z") | sent
    with pytest.raises(NotificationError, match=r"\[commitments\] takes effect 2018-02-05T00:00:00Z"):
        ledger.submit("US", [at_start])
    later = facility_change("US-STO-9", "opened", "2018-02-05T00:00:01Z") | sent  # after the start: a new fact
    assert [a.seq for a in ledger.submit("US", [later])] == [6]
    assert ledger.state("US").commitments == {DATA_DATE: 5}
