"""The notifications of ``tests/data/ledger-e6b29b6.sqlite``, a ledger written by the code before the core redesign.

The file was written at commit e6b29b6 from exactly these drafts, in this order, with these fixed test keys. Signing
is deterministic, so today's writer, given the same drafts and keys, must write the same bytes: the upgrade test
compares the two entry by entry, checkpoint by checkpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from detente.catalog import builtin_catalog
from detente.catalog.model import Catalog
from detente.crypto.keys import PartyKey
from detente.data.forces import load_force
from detente.ledger.convert import initial_data


def catalog_at_e6b29b6() -> Catalog:
    """The built-in catalog as e6b29b6 read it: before ``armaments``, a B-52G or B-52H had one armament, ALCMs.

    The drafts were made, and the ledger written, under it: a B-52H equipped for ALCMs stated no armament, which
    today's rules refuse (rule 8) and today's replay reads as an assumption (rule 2 of detente.ledger.state).
    """
    today = builtin_catalog()
    then = (s.model_copy(update={"armaments": ()}) if s.armaments else s for s in today)
    return Catalog(then, today.sources, today.ambiguous_names())


KEYS = {"RU": PartyKey.from_seed("RU", bytes([21]) * 32), "US": PartyKey.from_seed("US", bytes([20]) * 32)}


def _uids(initial: dict[str, Any], system: str, status: str) -> list[str]:
    items = initial["content"]["items"]
    return [i["uid"] for i in items if (i["system"], i["status"]) == (system, status) and "uid" in i]


def drafts() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(party, batch) in the order they were submitted: initial data, status changes and an update per party."""
    catalog = catalog_at_e6b29b6()
    for party, force_name in (("US", "us-2020-09"), ("RU", "ru-2022")):
        force = load_force(force_name, catalog)
        as_of = dt.datetime.combine(force.info.as_of, dt.time(), dt.UTC)
        initial = initial_data(force, party, as_of, as_of)
        initial["content"].pop("systems", None)  # e6b29b6 declared no types: its catalog was its built-in one
        yield party, [initial]
        system = "minuteman-iii" if party == "US" else "rs-24-mobile"
        uids = _uids(initial, system, "deployed")[:20]
        changes = []
        for k, uid in enumerate(uids):
            when = as_of + dt.timedelta(days=1, minutes=k)
            changes.append(
                {
                    "type": "status-change",
                    "sent": when,
                    "effective": when,
                    "content": {"uid": uid, "from": "deployed", "to": "non-deployed"},
                }
            )
        yield party, changes[:5]
        yield party, changes[5:]
