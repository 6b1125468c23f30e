"""Import checks every signed entry against the schema: a party's signature does not make a payload a notification."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from detente.catalog.load import builtin_catalog
from detente.crypto.canonical import canonical
from detente.crypto.keys import PartyKey
from detente.errors import NotificationError
from detente.ledger.chain import Entry
from detente.ledger.memory import MemoryStore
from detente.ledger.notifications import NOTIFICATION_FORMAT
from detente.ledger.writer import Ledger
from detente.treaty.load import get_treaty

from builders import initial_launchers, toggles

KEY = PartyKey.from_seed("US", bytes([5]) * 32)
UIDS = [f"US-MM3-{i}" for i in range(4)]
DRAFTS = toggles(UIDS, 5)  # the fifth sets the first launcher deployed again, with 2 RVs


def _ledger() -> Ledger:
    ledger = Ledger(MemoryStore(), KEY, builtin_catalog(), get_treaty)
    ledger.register("US", KEY.public_key, "new-start")
    return ledger


def _source() -> list[Entry]:
    """Entries 1-5 of a ledger: the initial data and the first four status changes."""
    ledger = _ledger()
    ledger.submit("US", [initial_launchers(UIDS), *DRAFTS[:4]])
    return list(ledger.store.entries("US"))


def _signed_next(after: Entry, edit: Callable[[dict[str, Any]], object]) -> Entry:
    """Entry 6 as the party really signed and chained it: the fifth status change, edited first."""
    draft = copy.deepcopy(DRAFTS[4])
    payload = {"format": NOTIFICATION_FORMAT, **draft, "party": "US", "seq": after.seq + 1, "prev": after.hash_hex}
    edit(payload)
    data = canonical(payload)
    return Entry("US", after.seq + 1, data, KEY.sign(data), hashlib.sha256(data).digest())


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda p: p.update(type="bogus"), "type"),  # not one of the types
        (lambda p: p["content"].pop("uid"), "required key is missing"),
        (lambda p: p["content"].update(extra=1), "unknown key"),
        (lambda p: p.update(remarks=7), "remarks"),
        (lambda p: p["content"].update(warheads="2"), "another form than the schema's"),  # the schema reads 2
    ],
    ids=["unknown-type", "missing-field", "unknown-key", "number-for-text", "text-for-number"],
)
def test_a_signed_entry_outside_the_schema_is_refused_and_nothing_is_imported(
    edit: Callable[[dict[str, Any]], object], words: str
) -> None:
    entries = _source()
    bad = _signed_next(entries[-1], edit)
    target = _ledger()
    record = target.party("US")
    with pytest.raises(NotificationError, match=r"\[schema\]") as refused:
        target.import_entries(record, [*entries, bad])
    assert words in str(refused.value)
    assert refused.value.where.file == "US #6"
    assert list(target.store.entries("US")) == []
    assert target.import_entries(record, [*entries, _signed_next(entries[-1], lambda _p: None)]) == 6  # unedited
