"""Every ledger rule and state-machine transition refuses what it should, naming the field and the rule, and a
refusal changes nothing; accepted notifications carry the late and discrepancy flags they should."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.catalog import builtin_catalog
from detente.catalog.model import Armament
from detente.counting import count, parse_reading
from detente.crypto.keys import PartyKey, fingerprint
from detente.forces.vocabulary import Status
from detente.ledger import rules as rules_module
from detente.ledger.notifications import NotificationError, Type, format_time
from detente.ledger.replay import replay
from detente.ledger.rules import Context
from detente.ledger.state import PartyState, to_force
from detente.ledger.writer import Accepted, Ledger, LedgerError
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty
from detente.treaty.model import NotificationRules

US_KEY = PartyKey.from_seed("US", bytes([1]) * 32)
RU_KEY = PartyKey.from_seed("RU", bytes([2]) * 32)
KEYS = {"US": US_KEY, "RU": RU_KEY}
UK_KEY = PartyKey.from_seed("UK", bytes([4]) * 32)  # a third party, registered by the tests that need one
CATALOG = builtin_catalog()
START = dt.datetime(2011, 3, 1, tzinfo=dt.UTC)
INITIAL_EFFECTIVE = "2011-02-05T00:00:00Z"  # New START's entry into force


def day(n: int) -> str:
    """The canonical time n days after 1 March 2011 (when the initial data are sent)."""
    return format_time(START + dt.timedelta(days=n))


def fac(fid: str, kind: str) -> dict[str, Any]:
    return {"id": fid, "kind": kind}


def item(uid: str, system: str, kind: str, status: str, facility: str, warheads: int | None = None) -> dict[str, Any]:
    decl = {"uid": uid, "system": system, "kind": kind, "status": status, "facility": facility}
    return decl if warheads is None else {**decl, "warheads": warheads}


US_DECL: dict[str, Any] = {
    "facilities": [
        fac("US-ICBM1", "icbm-base"),
        fac("US-SUB1", "submarine-base"),
        fac("US-AIR1", "air-base"),
        fac("US-STO1", "storage"),
        fac("US-STO2", "storage"),
    ],
    "items": [
        item("MM-001", "minuteman-iii", "launcher", "deployed", "US-ICBM1", 1),
        item("MM-002", "minuteman-iii", "launcher", "deployed", "US-ICBM1", 1),
        item("MM-003", "minuteman-iii", "launcher", "non-deployed", "US-ICBM1"),
        item("TR-001", "trident-ii-d5", "launcher", "deployed", "US-SUB1", 4),
        {**item("B52-001", "b-52h", "bomber", "deployed", "US-AIR1"), "armament": "alcm"},  # rule 8: a B-52H says
        item("MSL-001", "minuteman-iii", "missile", "non-deployed", "US-STO1"),
    ],
}
RU_DECL: dict[str, Any] = {
    "facilities": [fac("RU-ICBM1", "icbm-base")],
    "items": [item("SS18-001", "ss-18", "launcher", "deployed", "RU-ICBM1", 10)],
}
US_WARHEADS = 1 + 1 + 4 + 1  # two Minuteman III, one Trident II with 4 RVs, one B-52H counted as 1


def note(
    kind: str, content: dict[str, Any], effective: str | None = None, sent: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A draft notification; it takes effect on day 1 and is sent on day 2 unless told otherwise."""
    return {"type": kind, "effective": effective or day(1), "sent": sent or day(2), "content": content, **extra}


def receipt(of_party: str = "RU", of_seq: int = 1, **extra: Any) -> dict[str, Any]:
    return note("receipt", {"of": {"party": of_party, "seq": of_seq}}, **extra)


def status(uid: str, frm: str, to: str, **extra: Any) -> dict[str, Any]:
    warheads = {"warheads": extra.pop("warheads")} if "warheads" in extra else {}
    return note("status-change", {"uid": uid, "from": frm, "to": to, **warheads}, **extra)


def move(uid: str, frm: str, to: str, **extra: Any) -> dict[str, Any]:
    return note("movement", {"uid": uid, "from": frm, "to": to}, **extra)


def new_item(decl: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return note("new-item", {"item": decl, "how": "produced"}, **extra)


def facility_change(fid: str, kind: str, action: str, **extra: Any) -> dict[str, Any]:
    return note("facility-change", {"facility": fac(fid, kind), "action": action}, **extra)


def exhibition(system: str, facility: str, uids: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return note("exhibition", {"system": system, "facility": facility, **({"uids": uids} if uids else {})}, **extra)


def update(change: Callable[[dict[str, Any]], None] | None = None, **extra: Any) -> dict[str, Any]:
    """A data update of the US declaration as given, after ``change`` edits a copy of it."""
    decl = copy.deepcopy(US_DECL)
    if change is not None:
        change(decl)
    return note("data-update", decl, **{"effective": "2011-09-01T00:00:00Z", "sent": "2011-09-10T00:00:00Z", **extra})


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """A SQLite ledger with US and RU registered under New START, each with its initial data (seq 1)."""
    led = Ledger(open_store(str(tmp_path / "l.sqlite")), [*KEYS.values(), UK_KEY], CATALOG, get_treaty)
    for party, decl in (("US", US_DECL), ("RU", RU_DECL)):
        led.register(party, KEYS[party].public_key, "new-start")
        led.submit(party, [note("initial-data", decl, effective=INITIAL_EFFECTIVE, sent=day(0))])
    return led


def submit(ledger: Ledger, *drafts: dict[str, Any], party: str = "US") -> list[Accepted]:
    return ledger.submit(party, list(drafts))


def stored_state(ledger: Ledger, party: str) -> PartyState:
    return replay(party, ledger.store.entries(party))


def accepts_next(ledger: Ledger, party: str, seq: int) -> None:
    """A valid receipt, sent with the last notification, is accepted with this sequence number."""
    other = "RU" if party == "US" else "US"
    when = ledger.state(party).last_sent  # sent with the last one: allowed, and later notifications stay in order
    # a remark of its own: the same receipt twice would be one notice submitted twice (writer rule 6)
    accepted = ledger.submit(party, [receipt(other, 1, effective=when, sent=when, remarks=f"#{seq}")])
    assert [a.seq for a in accepted] == [seq]
    assert not accepted[0].repeated


def assert_refused(
    ledger: Ledger,
    drafts: list[dict[str, Any]],
    field: str | None,
    rule: str | None,
    *,
    party: str = "US",
    error: type[Exception] = NotificationError,
) -> str:
    """Submit, expect a refusal naming the field and ``[rule]``; check nothing changed and the ledger goes on.

    ``field`` is checked as ``: field: `` (the field part of the message), or anywhere in a LedgerError's message.
    """
    head = ledger.store.head(party)
    before = stored_state(ledger, party)
    with pytest.raises(error) as caught:
        ledger.submit(party, drafts)
    message = str(caught.value)
    if field is not None:
        assert (field if error is LedgerError else f": {field}: ") in message, message
    if rule is not None:
        assert f"[{rule}]" in message, message
    assert ledger.store.head(party) == head
    assert stored_state(ledger, party) == before
    assert ledger.state(party) == before
    accepts_next(ledger, party, before.seq + 1)
    return message


# --- schema -------------------------------------------------------------------------------------------------------

SCHEMA_VIOLATIONS = [
    pytest.param(receipt(foo=1), "foo", id="unknown-key"),
    pytest.param(
        note("status-change", {"uid": "MM-003", "from": "non-deployed", "to": "test", "x": 1}),
        "content.x",
        id="unknown-content-key",
    ),
    pytest.param(note("launch", {}), "type", id="unknown-type"),
    pytest.param(note("warheads-change", {"uid": "MM-001", "warheads": "two"}), "content.warheads", id="wrong-type"),
    pytest.param(note("receipt", ["RU", 1]), "content", id="content-not-object"),
    pytest.param(receipt(sent="yesterday"), "sent", id="bad-time-text"),
    pytest.param(receipt(effective="2011-03-02 noon"), "effective", id="bad-time-format"),
    pytest.param(status("MM-003", "non-deployed", "stored"), "content.to", id="unknown-status"),
]


@pytest.mark.parametrize(("draft", "field"), SCHEMA_VIOLATIONS)
def test_schema_violation_is_refused(ledger: Ledger, draft: dict[str, Any], field: str) -> None:
    """A notification that breaks its schema is refused, naming the field, and nothing changes."""
    assert_refused(ledger, [draft], field, None)


@pytest.mark.parametrize(("draft", "field"), SCHEMA_VIOLATIONS)
def test_schema_violation_names_the_rule(ledger: Ledger, draft: dict[str, Any], field: str) -> None:
    """A schema refusal names the rule [schema]."""
    assert_refused(ledger, [draft], field, "schema")


def test_effective_after_sent_is_refused(ledger: Ledger) -> None:
    """A change cannot take effect after the notification is sent."""
    assert_refused(ledger, [receipt(effective=day(3), sent=day(2))], "effective", "schema")


@pytest.mark.parametrize("sent", ["2011-04-31T00:00:00Z", "2011-03-05T25:00:00Z"])
def test_impossible_calendar_time_is_refused(ledger: Ledger, sent: str) -> None:
    """A time that matches the pattern but is not a real time is refused as a schema error."""
    assert_refused(ledger, [receipt(effective=day(1), sent=sent)], "sent", "schema")


# --- sender and sequence ------------------------------------------------------------------------------------------


def test_other_partys_notification_is_refused(ledger: Ledger) -> None:
    """A notification naming another party cannot enter this party's ledger."""
    assert_refused(ledger, [receipt(party="RU")], "party", "sender")


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(RU_KEY, id="other-partys-key"),
        pytest.param(PartyKey.from_seed("US", bytes([9]) * 32), id="wrong-key"),
    ],
)
def test_a_ledger_without_the_registered_key_signs_nothing(ledger: Ledger, key: PartyKey) -> None:
    """A ledger whose signers do not hold the party's registered key refuses to submit, naming the key wanted."""
    head = ledger.store.head("US")
    other = Ledger(ledger.store, key, CATALOG, get_treaty)
    with pytest.raises(LedgerError, match=f"no signer for US's registered key {fingerprint(US_KEY.public_key)}"):
        other.submit("US", [receipt()])
    assert ledger.store.head("US") == head
    accepts_next(ledger, "US", head.seq + 1 if head else 1)


def test_unregistered_party_is_refused(ledger: Ledger) -> None:
    """Submitting for a party that is not registered is a LedgerError, and stores nothing."""
    with pytest.raises(LedgerError, match="not registered"):
        ledger.submit("CN", [receipt()])
    assert ledger.store.head("CN") is None
    accepts_next(ledger, "US", 2)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        pytest.param({"seq": 3}, "seq", id="seq-skips"),
        pytest.param({"seq": 1}, "seq", id="seq-repeats"),
        pytest.param({"prev": "ab" * 32}, "prev", id="wrong-prev"),
        pytest.param({"prev": "0" * 64}, "prev", id="genesis-prev"),
    ],
)
def test_sequence_violation_is_refused(ledger: Ledger, extra: dict[str, Any], field: str) -> None:
    """An explicit sequence number or prev hash that does not continue the chain is refused."""
    assert_refused(ledger, [receipt(**extra)], field, "sequence")


# --- order, initial, references -----------------------------------------------------------------------------------


def test_sent_before_previous_notification_is_refused(ledger: Ledger) -> None:
    """A notification cannot be sent before the previous one."""
    assert_refused(ledger, [receipt(effective="2011-02-20T00:00:00Z", sent="2011-02-28T00:00:00Z")], "sent", "order")


def test_effective_before_items_last_change_is_refused(ledger: Ledger) -> None:
    """A change cannot take effect before the item's previous change."""
    submit(ledger, status("MM-003", "non-deployed", "test", effective=day(5), sent=day(6)))
    late = status("MM-003", "test", "repair", effective=day(4), sent=day(7))
    assert_refused(ledger, [late], "effective", "order")


def test_change_before_initial_data_date_is_refused(ledger: Ledger) -> None:
    """A change to a declared item cannot take effect before the initial data declared it."""
    assert_refused(
        ledger, [move("MSL-001", "US-STO1", "US-STO2", effective="2011-02-01T00:00:00Z")], "effective", "order"
    )


def test_second_initial_data_is_refused(ledger: Ledger) -> None:
    """Initial data is given once."""
    assert_refused(ledger, [note("initial-data", copy.deepcopy(US_DECL))], "type", "initial")


def test_first_notification_must_be_initial_data(ledger: Ledger) -> None:
    """A fresh party's first notification must be its initial data."""
    ledger.register("UK", UK_KEY.public_key, "new-start")
    with pytest.raises(NotificationError) as caught:
        ledger.submit("UK", [receipt("US", 1)])
    assert ": type: " in str(caught.value)
    assert "[initial]" in str(caught.value)
    assert ledger.store.head("UK") is None
    assert ledger.state("UK") == PartyState("UK")
    decl = {"facilities": [fac("UK-SUB1", "submarine-base")], "items": []}
    assert [a.seq for a in ledger.submit("UK", [note("initial-data", decl)])] == [1]


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        pytest.param(receipt(follows=[{"party": "US", "seq": 5}]), "follows[0]", id="follows-own-future"),
        pytest.param(receipt(follows=[{"party": "US", "seq": 2}]), "follows[0]", id="follows-itself"),
        pytest.param(
            receipt(follows=[{"party": "RU", "seq": 1}, {"party": "RU", "seq": 7}]),
            "follows[1]",
            id="follows-missing-ru",
        ),
        pytest.param(receipt(follows=[{"party": "CN", "seq": 1}]), "follows[0]", id="follows-unknown-party"),
        pytest.param(receipt("US", 1), "content.of.party", id="receipt-of-own"),
        pytest.param(receipt("RU", 9), "content.of", id="receipt-of-missing"),
        pytest.param(receipt("CN", 1), "content.of", id="receipt-of-unknown-party"),
    ],
)
def test_reference_violation_is_refused(ledger: Ledger, draft: dict[str, Any], field: str) -> None:
    """Follows and receipts must point to existing notifications; a receipt is for another party's."""
    assert_refused(ledger, [draft], field, "references")


def test_valid_references_are_accepted(ledger: Ledger) -> None:
    """A receipt of RU #1, following US #1 and a notification earlier in the same batch, is accepted."""
    accepted = submit(ledger, receipt(), receipt(follows=[{"party": "US", "seq": 2}, {"party": "US", "seq": 1}]))
    assert [a.seq for a in accepted] == [2, 3]


# --- declarations: in a data update, and in a new item -------------------------------------------------------------


def _set(index: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(decl: dict[str, Any]) -> None:
        decl["items"][index].update(changes)

    return change


def _append(section: str, entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda decl: decl[section].append(entry)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        pytest.param(
            _append("facilities", fac("US-ICBM1", "storage")),
            "content.facilities[5].id",
            "declaration",
            id="duplicate-facility",
        ),
        pytest.param(
            _append("items", item("MM-001", "minuteman-iii", "launcher", "non-deployed", "US-ICBM1")),
            "content.items[6].uid",
            "declaration",
            id="duplicate-uid",
        ),
        pytest.param(_set(2, status="eliminated"), "content.items[2].status", "declaration", id="eliminated-item"),
        pytest.param(_set(5, facility="US-NOWHERE"), "content.items[5].facility", "facility", id="undeclared-facility"),
        pytest.param(_set(0, facility="US-AIR1"), "content.items[0].facility", "facility", id="icbm-at-air-base"),
        pytest.param(_set(3, facility="US-ICBM1"), "content.items[3].facility", "facility", id="slbm-at-icbm-base"),
        pytest.param(_set(4, facility="US-SUB1"), "content.items[4].facility", "facility", id="bomber-at-sub-base"),
        pytest.param(_set(5, system="minuteman-iv"), "content.items[5].system", "item", id="unknown-system"),
        pytest.param(_set(4, kind="launcher"), "content.items[4].kind", "item", id="bomber-as-launcher"),
        pytest.param(_set(0, kind="bomber"), "content.items[0].kind", "item", id="icbm-as-bomber"),
        pytest.param(_set(0, warheads=4), "content.items[0].warheads", "item", id="warheads-above-max-rvs"),
        pytest.param(_set(3, warheads=9), "content.items[3].warheads", "item", id="slbm-warheads-above-max-rvs"),
    ],
)
def test_declaration_violation_is_refused(
    ledger: Ledger, change: Callable[[dict[str, Any]], None], field: str, rule: str
) -> None:
    """A six-monthly update with a malformed declaration is refused (the same checks as initial data)."""
    assert_refused(ledger, [update(change)], field, rule)


def test_declaration_violation_in_initial_data_is_refused(ledger: Ledger) -> None:
    """Initial data is checked as a declaration too: a fresh party's bad initial data stores nothing."""
    ledger.register("UK", UK_KEY.public_key, "new-start")
    decl = {
        "facilities": [fac("UK-SUB1", "submarine-base")],
        "items": [item("V-1", "trident-ii-d5", "launcher", "deployed", "UK-SUB1", 9)],
    }
    with pytest.raises(NotificationError, match=r"content\.items\[0\]\.warheads: \[item\]"):
        ledger.submit("UK", [note("initial-data", decl)])
    assert ledger.store.head("UK") is None


@pytest.mark.parametrize(
    ("decl", "field", "rule"),
    [
        pytest.param(
            item("MM-001", "minuteman-iii", "launcher", "non-deployed", "US-ICBM1"),
            "content.item.uid",
            "item",
            id="used-uid",
        ),
        pytest.param(
            item("MM-009", "minuteman-iv", "launcher", "non-deployed", "US-ICBM1"),
            "content.item.system",
            "item",
            id="unknown-system",
        ),
        pytest.param(
            item("B52-009", "b-52h", "missile", "non-deployed", "US-AIR1"),
            "content.item.kind",
            "item",
            id="bomber-kind-mismatch",
        ),
        pytest.param(
            item("MM-009", "minuteman-iii", "launcher", "deployed", "US-ICBM1", 4),
            "content.item.warheads",
            "item",
            id="warheads-above-max-rvs",
        ),
        pytest.param(
            item("MM-009", "minuteman-iii", "launcher", "converted", "US-ICBM1"),
            "content.item.status",
            "state",
            id="new-converted",
        ),
        pytest.param(
            item("MM-009", "minuteman-iii", "launcher", "eliminated", "US-ICBM1"),
            "content.item.status",
            "state",
            id="new-eliminated",
        ),
        pytest.param(
            item("MM-009", "minuteman-iii", "launcher", "non-deployed", "US-NOWHERE"),
            "content.item.facility",
            "facility",
            id="undeclared-facility",
        ),
        pytest.param(
            item("MM-009", "minuteman-iii", "launcher", "non-deployed", "US-AIR1"),
            "content.item.facility",
            "facility",
            id="icbm-at-air-base",
        ),
    ],
)
def test_new_item_violation_is_refused(ledger: Ledger, decl: dict[str, Any], field: str, rule: str) -> None:
    """A new item must have a fresh uid, a known fitting type, an allowed status and a facility that may hold it."""
    assert_refused(ledger, [new_item(decl)], field, rule)


def test_new_item_at_storage_is_accepted(ledger: Ledger) -> None:
    """Storage may hold any type: a new ICBM launcher there is accepted and appears in the state."""
    [accepted] = submit(ledger, new_item(item("MM-009", "minuteman-iii", "launcher", "non-deployed", "US-STO1")))
    assert accepted.seq == 2
    assert ledger.state("US").items["MM-009"].facility == "US-STO1"


# --- items and the state machine -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "field", "rule"),
    [
        pytest.param(status("MM-404", "deployed", "non-deployed"), "content.uid", "item", id="status-unknown"),
        pytest.param(move("MM-404", "US-ICBM1", "US-STO1"), "content.uid", "item", id="move-unknown"),
        pytest.param(note("conversion", {"uid": "MM-404"}), "content.uid", "item", id="convert-unknown"),
        pytest.param(note("elimination", {"uid": "MM-404"}), "content.uid", "item", id="eliminate-unknown"),
        pytest.param(
            note("warheads-change", {"uid": "MM-404", "warheads": 1}), "content.uid", "item", id="warheads-unknown"
        ),
        pytest.param(status("MM-001", "non-deployed", "test"), "content.from", "state", id="wrong-from"),
        pytest.param(status("MM-001", "deployed", "converted"), "content.to", "state", id="to-converted"),
        pytest.param(status("MM-001", "deployed", "eliminated"), "content.to", "state", id="to-eliminated"),
        pytest.param(status("MM-001", "deployed", "deployed", warheads=1), "content.to", "state", id="no-op"),
        pytest.param(status("MSL-001", "non-deployed", "non-deployed"), "content.to", "state", id="no-op-missile"),
        pytest.param(
            status("MM-003", "non-deployed", "deployed"), "content.warheads", "state", id="deployed-without-warheads"
        ),
        pytest.param(
            status("MM-003", "non-deployed", "deployed", warheads=4),
            "content.warheads",
            "item",
            id="deployed-above-max-rvs",
        ),
        pytest.param(
            status("B52-001", "deployed", "non-deployed", warheads=1),
            "content.warheads",
            "state",
            id="warheads-on-bomber",
        ),
        pytest.param(
            status("MSL-001", "non-deployed", "deployed", warheads=1),
            "content.warheads",
            "state",
            id="warheads-on-missile",
        ),
        pytest.param(
            status("MM-001", "deployed", "non-deployed", warheads=1),
            "content.warheads",
            "state",
            id="warheads-leaving-deployed",
        ),
        pytest.param(
            status("MM-003", "non-deployed", "test", warheads=1), "content.warheads", "state", id="warheads-to-test"
        ),
        pytest.param(
            note("warheads-change", {"uid": "MM-001", "warheads": 4}),
            "content.warheads",
            "item",
            id="warheads-change-above-max-rvs",
        ),
        pytest.param(
            note("warheads-change", {"uid": "MM-003", "warheads": 1}),
            "content.uid",
            "state",
            id="warheads-change-non-deployed",
        ),
        pytest.param(
            note("warheads-change", {"uid": "B52-001", "warheads": 1}),
            "content.uid",
            "state",
            id="warheads-change-bomber",
        ),
        pytest.param(
            note("warheads-change", {"uid": "MSL-001", "warheads": 1}),
            "content.uid",
            "state",
            id="warheads-change-missile",
        ),
    ],
)
def test_item_and_state_violation_is_refused(ledger: Ledger, draft: dict[str, Any], field: str, rule: str) -> None:
    """Status and warheads changes follow the item state machine from the status the ledger holds."""
    assert_refused(ledger, [draft], field, rule)


@pytest.mark.parametrize(
    ("uid", "frm", "to", "warheads"),
    [
        ("MM-003", "non-deployed", "deployed", 2),
        ("MM-001", "deployed", "non-deployed", None),
        ("MM-003", "non-deployed", "repair", None),
        ("B52-001", "deployed", "training", None),
        ("MSL-001", "non-deployed", "test", None),
    ],
)
def test_allowed_status_changes_are_accepted(ledger: Ledger, uid: str, frm: str, to: str, warheads: int | None) -> None:
    """The allowed transitions among deployed, non-deployed, test, training and repair are accepted."""
    extra = {} if warheads is None else {"warheads": warheads}
    [accepted] = submit(ledger, status(uid, frm, to, **extra))
    assert accepted.seq == 2
    assert accepted.flags == ()
    it = stored_state(ledger, "US").items[uid]
    assert (it.status, it.warheads) == (Status(to), warheads or 0)


def test_converted_bomber_never_returns(ledger: Ledger) -> None:
    """A converted bomber carries no nuclear armament and cannot return to service or be converted again."""
    submit(ledger, note("conversion", {"uid": "B52-001", "result": "conventional"}, effective=day(3), sent=day(4)))
    bomber = stored_state(ledger, "US").items["B52-001"]
    assert (bomber.status, bomber.armament, bomber.warheads) == (Status.CONVERTED, Armament.NONE, 0)
    assert ledger.state("US").items["B52-001"].armament is Armament.NONE
    assert_refused(
        ledger, [status("B52-001", "converted", "deployed", effective=day(5), sent=day(6))], "content.to", "state"
    )
    assert_refused(
        ledger, [status("B52-001", "deployed", "non-deployed", effective=day(5), sent=day(6))], "content.to", "state"
    )
    assert_refused(
        ledger, [note("conversion", {"uid": "B52-001"}, effective=day(5), sent=day(6))], "content.uid", "state"
    )


def test_converted_bomber_counts_no_warheads(ledger: Ledger) -> None:
    """After conversion the bomber no longer counts toward deployed warheads under New START."""
    submit(ledger, note("conversion", {"uid": "B52-001"}, effective=day(3), sent=day(4)))
    assert _warheads(ledger) == US_WARHEADS - 1


def test_eliminated_item_never_returns(ledger: Ledger) -> None:
    """An eliminated item cannot change status, move, be eliminated again, or come back under its uid."""
    submit(ledger, note("elimination", {"uid": "MM-002", "method": "silo destroyed"}, effective=day(3), sent=day(4)))
    assert "MM-002" in stored_state(ledger, "US").retired
    later = {"effective": day(5), "sent": day(6)}
    cases = [
        (status("MM-002", "deployed", "non-deployed", **later), "content.uid", "state"),
        (move("MM-002", "US-ICBM1", "US-STO1", **later), "content.uid", "state"),
        (note("elimination", {"uid": "MM-002"}, **later), "content.uid", "state"),
        (note("conversion", {"uid": "MM-002"}, **later), "content.uid", "state"),
        (note("warheads-change", {"uid": "MM-002", "warheads": 1}, **later), "content.uid", "state"),
        (
            new_item(item("MM-002", "minuteman-iii", "launcher", "non-deployed", "US-ICBM1"), **later),
            "content.item.uid",
            "item",
        ),
        (exhibition("minuteman-iii", "US-ICBM1", ["MM-002"], **later), "content.uids[0]", "item"),
    ]
    for draft, field, rule in cases:
        assert_refused(ledger, [draft], field, rule)


# --- movements and facilities --------------------------------------------------------------------------------------


def test_movement_from_wrong_facility_is_refused(ledger: Ledger) -> None:
    """A movement starts where the ledger says the item is."""
    assert_refused(ledger, [move("MSL-001", "US-STO2", "US-ICBM1")], "content.from", "state")


def test_movement_to_same_facility_is_refused(ledger: Ledger) -> None:
    """A movement must move the item."""
    assert_refused(ledger, [move("MSL-001", "US-STO1", "US-STO1")], "content.to", "facility")


def test_movement_to_storage_is_accepted(ledger: Ledger) -> None:
    """A movement to a storage facility (which may hold any type) is accepted and changes the item's facility."""
    [accepted] = submit(ledger, move("MM-003", "US-ICBM1", "US-STO2"))
    assert accepted.seq == 2
    assert stored_state(ledger, "US").items["MM-003"].facility == "US-STO2"


@pytest.mark.parametrize(
    ("draft", "rule"),
    [
        pytest.param(move("MSL-001", "US-STO1", "US-NOWHERE"), "facility", id="undeclared"),
        pytest.param(move("MM-003", "US-ICBM1", "US-AIR1"), "facility", id="icbm-to-air-base"),
        pytest.param(move("B52-001", "US-AIR1", "US-SUB1"), "facility", id="bomber-to-sub-base"),
    ],
)
def test_movement_to_unfit_facility_is_refused(ledger: Ledger, draft: dict[str, Any], rule: str) -> None:
    """A movement must go to a declared, open facility that may hold the item's type."""
    assert_refused(ledger, [draft], "content.to", rule)


@pytest.mark.parametrize(
    "draft",
    [
        pytest.param(move("MSL-001", "US-STO1", "US-NOWHERE"), id="undeclared"),
        pytest.param(move("MM-003", "US-ICBM1", "US-AIR1"), id="icbm-to-air-base"),
    ],
)
def test_movement_to_unfit_facility_changes_nothing(ledger: Ledger, draft: dict[str, Any]) -> None:
    """A movement to an unfit facility is refused under [facility] and changes nothing."""
    assert_refused(ledger, [draft], None, "facility")


def test_closed_facility_takes_nothing(ledger: Ledger) -> None:
    """An empty facility closes; nothing then moves or is added there, and it cannot close twice."""
    [closed] = submit(ledger, facility_change("US-STO2", "storage", "closed", effective=day(3), sent=day(4)))
    assert closed.seq == 2
    assert stored_state(ledger, "US").facilities["US-STO2"].open is False
    later = {"effective": day(5), "sent": day(6)}
    new = item("MM-009", "minuteman-iii", "launcher", "non-deployed", "US-STO2")
    assert_refused(ledger, [new_item(new, **later)], "content.item.facility", "facility")
    assert_refused(
        ledger, [facility_change("US-STO2", "storage", "closed", **later)], "content.facility.id", "facility"
    )
    assert_refused(ledger, [move("MSL-001", "US-STO1", "US-STO2", **later)], None, "facility")


def test_movement_to_closed_facility_names_destination(ledger: Ledger) -> None:
    """A movement to a closed facility is refused naming content.to."""
    submit(ledger, facility_change("US-STO2", "storage", "closed", effective=day(3), sent=day(4)))
    assert_refused(
        ledger, [move("MSL-001", "US-STO1", "US-STO2", effective=day(5), sent=day(6))], "content.to", "facility"
    )


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        pytest.param(facility_change("US-ICBM1", "icbm-base", "opened"), "content.facility.id", id="opened-twice"),
        pytest.param(facility_change("US-ICBM1", "icbm-base", "closed"), "content.facility.id", id="close-non-empty"),
        pytest.param(
            facility_change("US-AIR1", "air-base", "closed"), "content.facility.id", id="close-holding-bomber"
        ),
        pytest.param(facility_change("US-NOWHERE", "storage", "closed"), "content.facility.id", id="close-unknown"),
    ],
)
def test_facility_violation_is_refused(ledger: Ledger, draft: dict[str, Any], field: str) -> None:
    """A facility opens once, and closes only when it is declared, open and empty."""
    assert_refused(ledger, [draft], field, "facility")


def test_facility_opens_and_takes_items(ledger: Ledger) -> None:
    """A newly opened facility is declared and open, and can receive a movement."""
    submit(ledger, facility_change("US-STO3", "storage", "opened", effective=day(3), sent=day(4)))
    [moved] = submit(ledger, move("MSL-001", "US-STO1", "US-STO3", effective=day(5), sent=day(6)))
    assert moved.seq == 3
    state = stored_state(ledger, "US")
    assert state.facilities["US-STO3"].open
    assert state.items["MSL-001"].facility == "US-STO3"


# --- exhibitions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "field", "rule"),
    [
        pytest.param(exhibition("minuteman-iv", "US-ICBM1"), "content.system", "item", id="unknown-system"),
        pytest.param(exhibition("b-52h", "US-NOWHERE"), "content.facility", "facility", id="unknown-facility"),
        pytest.param(exhibition("b-52h", "US-AIR1", ["B52-404"]), "content.uids[0]", "item", id="unknown-uid"),
        pytest.param(
            exhibition("b-52h", "US-AIR1", ["B52-001", "B52-404"]), "content.uids[1]", "item", id="second-uid-unknown"
        ),
    ],
)
def test_exhibition_violation_is_refused(ledger: Ledger, draft: dict[str, Any], field: str, rule: str) -> None:
    """An exhibition names a known system, a declared facility and declared items."""
    assert_refused(ledger, [draft], field, rule)


def test_exhibition_at_closed_facility_is_refused(ledger: Ledger) -> None:
    """An exhibition at a closed facility breaks rule 9 (facilities named are declared and open)."""
    submit(ledger, facility_change("US-STO2", "storage", "closed", effective=day(3), sent=day(4)))
    assert_refused(
        ledger, [exhibition("b-52h", "US-STO2", effective=day(5), sent=day(6))], "content.facility", "facility"
    )


# --- batches ------------------------------------------------------------------------------------------------------


def test_batch_with_invalid_third_notification_is_refused_whole(ledger: Ledger) -> None:
    """If notification #3 of 3 is refused, #1 and #2 are not appended either."""
    batch = [
        status("MM-003", "non-deployed", "test", effective=day(1), sent=day(2)),
        note("elimination", {"uid": "MM-002"}, effective=day(2), sent=day(3)),
        move("MM-002", "US-ICBM1", "US-STO1", effective=day(3), sent=day(4)),  # eliminated by #2 in this batch
    ]
    message = assert_refused(ledger, batch, "content.uid", "state")
    assert message.startswith("notification #3: ")
    assert ledger.store.head("US").seq == 2  # only the follow-up receipt was appended
    assert stored_state(ledger, "US").items["MM-003"].status is Status.NON_DEPLOYED


def test_valid_batch_is_appended_in_order(ledger: Ledger) -> None:
    """A valid batch is appended whole, numbered in order, each notification judged after the ones before it."""
    batch = [
        status("MM-003", "non-deployed", "test", effective=day(1), sent=day(2)),
        status("MM-003", "test", "repair", effective=day(2), sent=day(3)),
        move("MM-003", "US-ICBM1", "US-STO2", effective=day(3), sent=day(4)),
    ]
    assert [a.seq for a in submit(ledger, *batch)] == [2, 3, 4]
    it = stored_state(ledger, "US").items["MM-003"]
    assert (it.status, it.facility) == (Status.REPAIR, "US-STO2")


# --- flags --------------------------------------------------------------------------------------------------------


def test_late_notification_is_accepted_and_flagged(ledger: Ledger) -> None:
    """A change notified 6 days after it took effect (deadline 5) is accepted, flagged late by 1 day."""
    [accepted] = submit(ledger, status("MM-003", "non-deployed", "test", effective=day(1), sent=day(7)))
    assert accepted.seq == 2
    [flag] = accepted.flags
    assert flag.kind == "late"
    assert "1.0 days after the deadline" in flag.message
    assert stored_state(ledger, "US").items["MM-003"].status is Status.TEST


def test_notification_on_deadline_is_not_late(ledger: Ledger) -> None:
    """A change notified exactly 5 days after it took effect is on time."""
    [accepted] = submit(ledger, status("MM-003", "non-deployed", "test", effective=day(1), sent=day(6)))
    assert accepted.flags == ()


def test_late_data_update_is_flagged(ledger: Ledger) -> None:
    """A six-monthly update sent 33 days after its data date (deadline 30) is flagged late by 3 days."""
    [accepted] = submit(ledger, update(sent="2011-10-04T00:00:00Z"))
    assert [(f.kind, "3.0 days" in f.message) for f in accepted.flags] == [("late", True)]


def _warheads(ledger: Ledger, until: str | None = None) -> int:
    """US deployed warheads under New START, from the state replayed out of storage."""
    state = replay("US", ledger.store.entries("US"), until)
    reading = parse_reading("new-start")
    tally = count(to_force([state], CATALOG), reading.treaty, reading.variants)
    return tally.counts["US", "warheads"].total


def test_warheads_change_takes_effect_at_next_update(ledger: Ledger) -> None:
    """A notified change of RVs is pending until the next six-monthly update, which makes it count."""
    assert _warheads(ledger) == US_WARHEADS
    submit(ledger, note("warheads-change", {"uid": "TR-001", "warheads": 2}, effective=day(10), sent=day(11)))
    trident = stored_state(ledger, "US").items["TR-001"]
    assert (trident.warheads, trident.pending_warheads) == (4, 2)
    assert _warheads(ledger) == US_WARHEADS

    [accepted] = submit(ledger, update(_set(3, warheads=2)))
    assert accepted.flags == ()
    trident = stored_state(ledger, "US").items["TR-001"]
    assert (trident.warheads, trident.pending_warheads) == (2, None)
    assert _warheads(ledger) == US_WARHEADS - 2
    assert _warheads(ledger, until="2011-08-31T23:59:59Z") == US_WARHEADS


def test_honest_data_update_has_no_discrepancies(ledger: Ledger) -> None:
    """An update that matches the ledger replayed to its date is accepted without flags."""
    submit(ledger, move("MSL-001", "US-STO1", "US-STO2", effective=day(3), sent=day(4)))
    [accepted] = submit(ledger, update(_set(5, facility="US-STO2")))
    assert (accepted.seq, accepted.flags) == (3, ())


def test_differing_data_update_is_accepted_with_each_discrepancy(ledger: Ledger) -> None:
    """An update that differs from the ledger is accepted, with one discrepancy flag per difference."""

    def differ(decl: dict[str, Any]) -> None:
        decl["items"][0]["status"] = "non-deployed"  # MM-001: wrong-status (warheads kept, so only the status differs)
        del decl["items"][1]  # MM-002: missing
        decl["items"][2]["warheads"] = 3  # TR-001 (now index 2): wrong-warheads
        decl["items"][4]["facility"] = "US-STO2"  # MSL-001 (now index 4): wrong-facility
        decl["items"].append(item("MM-777", "minuteman-iii", "missile", "non-deployed", "US-STO1"))  # undeclared

    head = ledger.store.head("US")
    [accepted] = submit(ledger, update(differ))
    assert accepted.seq == head.seq + 1
    assert {f.kind for f in accepted.flags} == {"discrepancy"}
    assert sorted((f.uid, f.detail) for f in accepted.flags) == [
        ("MM-001", "wrong-status"),
        ("MM-002", "missing"),
        ("MM-777", "undeclared"),
        ("MSL-001", "wrong-facility"),
        ("TR-001", "wrong-warheads"),
    ]


def test_discrepancy_compares_with_state_at_update_date(ledger: Ledger) -> None:
    """A change that takes effect after the data date is not a discrepancy in that update."""
    submit(ledger, move("MSL-001", "US-STO1", "US-STO2", effective="2011-09-05T00:00:00Z", sent="2011-09-06T00:00:00Z"))
    [accepted] = submit(ledger, update())
    assert accepted.flags == ()


# --- the deadline fast path -----------------------------------------------------------------------------------------


@given(
    effective=st.datetimes(min_value=dt.datetime(2011, 1, 1), max_value=dt.datetime(2030, 12, 31)),
    delay=st.integers(min_value=0, max_value=90 * 86400),
    kind=st.sampled_from([t.value for t in Type]),
    deadline=st.integers(min_value=0, max_value=60),
)
def test_the_fast_deadline_check_equals_the_plain_one(
    effective: dt.datetime, delay: int, kind: str, deadline: int
) -> None:
    """The text-comparing fast path of the [late] check flags exactly what plain datetime arithmetic flags."""
    sent = effective + dt.timedelta(seconds=delay)
    payload = {"type": kind, "effective": f"{effective:%Y-%m-%dT%H:%M:%SZ}", "sent": f"{sent:%Y-%m-%dT%H:%M:%SZ}"}
    rules = NotificationRules(change_deadline_days=deadline, update_deadline_days=deadline)
    ctx = Context(CATALOG, rules, lambda _p, _s: False, lambda _t: PartyState("US"), dt.date(2011, 2, 5))
    assert rules_module._late(payload, ctx) == rules_module.late_reference(payload, ctx)
