"""Small helpers for building forces in tests."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detente.catalog import builtin_catalog
from detente.counting import Compliance, count, judge, parse_reading
from detente.forces import Force, ItemRow, Kind, Role, Status
from detente.forces.model import Armament

CATALOG = builtin_catalog()


def row(
    party: str,
    system: str,
    status: str = "deployed",
    count: int = 1,
    *,
    warheads: int = 0,
    kind: str | None = None,
    armament: str | None = None,
    role: str = "nuclear",
    uid: str | None = None,
    alcm_capacity: int | None = None,
) -> ItemRow:
    """An item row with the catalog's defaults, like a force file would give."""
    s = CATALOG.get(system)
    return ItemRow(
        party=party,
        system=s,
        kind=Kind(kind) if kind else (Kind.BOMBER if s.is_bomber else Kind.LAUNCHER),
        status=Status(status),
        count=count,
        uid=uid,
        warheads=warheads,
        armament=Armament(armament) if armament else s.armament,
        alcm_capacity=s.alcm_capacity if alcm_capacity is None else alcm_capacity,
        role=Role(role),
        source="test",
    )


def force(*rows: ItemRow) -> Force:
    """A force of these rows."""
    return Force.from_rows(rows)


def judged(f: Force, reading: str, as_of: dt.date) -> Compliance:
    """Count a force under a reading and judge it on a date."""
    r = parse_reading(reading)
    return judge(count(f, r.treaty, r.variants), as_of)


def totals(f: Force, reading: str) -> dict[tuple[str, str], int]:
    """Every (party, measure) total of a force under a reading."""
    r = parse_reading(reading)
    return {key: c.total for key, c in count(f, r.treaty, r.variants).counts.items()}


def schema_properties(node: object, found: set[str] | None = None) -> set[str]:
    """Every property name anywhere in a JSON Schema (including its $defs): what the docs tests look for."""
    found = set() if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found.update(value)
            schema_properties(value, found)
    elif isinstance(node, list):
        for value in node:
            schema_properties(value, found)
    return found


def initial_launchers(uids: list[str], when: str = "2011-02-05T00:00:00Z") -> dict[str, Any]:
    """A New START initial data draft: these Minuteman III launchers, deployed with one RV, at one ICBM base."""
    item = {"system": "minuteman-iii", "kind": "launcher", "status": "deployed", "facility": "US-ICBM-1", "warheads": 1}
    return {
        "type": "initial-data",
        "sent": when,
        "effective": when,
        "treaty_ref": {"treaty": "new-start", "part": "Four"},
        "content": {
            "facilities": [{"id": "US-ICBM-1", "kind": "icbm-base"}],
            "items": [{"uid": u, **item} for u in uids],
        },
    }


def toggles(uids: list[str], n: int, day: str = "2011-03-01") -> list[dict[str, Any]]:
    """n status changes after :func:`initial_launchers`, one minute apart, each flipping the next launcher."""
    status = dict.fromkeys(uids, "deployed")
    out = []
    for k in range(n):
        uid = uids[k % len(uids)]
        new = "non-deployed" if status[uid] == "deployed" else "deployed"
        content: dict[str, Any] = {"uid": uid, "from": status[uid], "to": new}
        if new == "deployed":
            content["warheads"] = 1 + k % 3
        status[uid] = new
        when = f"{day}T{k // 60:02d}:{k % 60:02d}:00Z"
        out.append({"type": "status-change", "sent": when, "effective": when, "content": content})
    return out


# A minimal two-party treaty file: the seed that the malformed-file and fuzzing tests damage.
TREATY_TOML = """\
id = "mini"
name = "A minimal treaty"

[dates]
signed = 2000-01-01
expires = 2010-01-01

[[parties]]
id = "US"
name = "United States"

[[parties]]
id = "RU"
name = "Russia"

[definitions.deployed]
category = ["icbm", "slbm"]
kind = ["launcher"]
status = ["deployed"]

[[measures]]
id = "deployed"
name = "Deployed missiles"
terms = [{ select = "deployed" }]

[[limits]]
measure = "deployed"
max = 700
"""


def cli_ledger(
    cli: Callable[..., tuple[int, str, str]], folder: Path, drafts: list[dict[str, Any]]
) -> tuple[str, Path]:
    """A SQLite ledger made through the CLI: a new US key, registered, and ``drafts`` submitted (they must pass)."""
    ledger, key = str(folder / "l.sqlite"), folder / "us.key"
    assert cli("keys", "generate", "--party", "US", "--out", str(key))[0] == 0
    assert cli("ledger", "create", ledger)[0] == 0
    assert cli("ledger", "register", ledger, "--key", str(key))[0] == 0
    path = folder / "initial.json"
    path.write_text(json.dumps(drafts))
    code, out, err = cli("ledger", "submit", ledger, str(path), "--key", str(key))
    assert code == 0, out + err
    return ledger, key


def behind_the_writers_back(path: str | Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Run SQL on a SQLite ledger file with every append-only trigger dropped, as the database's owner could."""
    db = sqlite3.connect(path)
    try:
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        for sql, params in statements:
            db.execute(sql, params)
        db.commit()
    finally:
        db.close()
