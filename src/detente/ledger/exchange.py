"""Export and import of ledgers as JSON Lines.

Line 1 is a header: ``{"format": "detente.ledger-export/1", "parties": [{"party", "public_key", "treaty"}]}``
with public keys in base64. Every further line is one entry: ``{"party", "seq", "payload", "signature",
"hash"}`` — the payload and signature in base64 (the exact signed bytes), the hash in hex. Entries are in
order per party. The last line closes the export: ``{"format": …, "end": {PARTY: {"entries": n, "head": hash}}}``.

Reading rules (the first broken rule refuses the whole file, naming its line; nothing is written):

1. Every line is a complete JSON object of the right shape; the header comes first and names each party once.
2. Entries belong to parties in the header and run 1, 2, 3, … per party (a missing, repeated or reordered
   line is refused).
3. The closing line comes last and gives each party's number of entries (and last hash); the numbers must match
   (an export cut at a line boundary has no closing line, or the wrong one, and is refused).
4. The chain is checked by the ledger on import: hashes, links, signatures and rules (``Ledger.import_entries``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from typing import Any

from detente.errors import FileFormatError, Location
from detente.ledger.chain import Entry
from detente.ledger.port import PartyRecord

EXPORT_FORMAT = "detente.ledger-export/1"


def export_lines(records: Iterable[PartyRecord], entries: Iterable[Entry]) -> Iterator[str]:
    """The export, line by line (without newlines)."""
    header = {
        "format": EXPORT_FORMAT,
        "parties": [
            {"party": r.party, "public_key": base64.b64encode(r.public_key).decode(), "treaty": r.treaty}
            for r in records
        ],
    }
    yield json.dumps(header, sort_keys=True)
    end: dict[str, dict[str, Any]] = {r.party: {"entries": 0, "head": None} for r in records}
    for e in entries:
        end[e.party] = {"entries": e.seq, "head": e.hash.hex()}
        yield json.dumps(
            {
                "party": e.party,
                "seq": e.seq,
                "payload": base64.b64encode(e.payload).decode(),
                "signature": base64.b64encode(e.signature).decode(),
                "hash": e.hash.hex(),
            },
            sort_keys=True,
        )
    yield json.dumps({"format": EXPORT_FORMAT, "end": end}, sort_keys=True)


def _b64(value: Any, where: Location) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise FileFormatError("is not base64", where) from None


def read_export(lines: Iterable[str], origin: str) -> tuple[list[PartyRecord], dict[str, list[Entry]]]:
    """Parse an export (rules 1 and 2): the parties, and each party's entries in order."""
    records: list[PartyRecord] = []
    entries: dict[str, list[Entry]] = {}
    closed = False
    for number, line in enumerate(lines, start=1):
        where = Location.of(origin, number)
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"not a complete JSON line: {exc.msg}", where, "a truncated export?") from None
        if not isinstance(obj, dict):
            raise FileFormatError("each line must be a JSON object", where)
        if closed:
            raise FileFormatError("a line after the closing line", where)
        if "end" in obj and number > 1:
            _check_end(obj, entries, where)
            closed = True
            continue
        if number == 1:
            if obj.get("format") != EXPORT_FORMAT or not isinstance(obj.get("parties"), list):
                raise FileFormatError(f"the first line must be a {EXPORT_FORMAT} header", where)
            for p in obj["parties"]:
                key = _b64(p.get("public_key"), Location.of(origin, number, "public_key"))
                if p.get("party") in entries or len(key) != 32:
                    raise FileFormatError("a party is listed twice or has a bad key", where)
                records.append(PartyRecord(str(p["party"]), key, str(p.get("treaty", ""))))
                entries[str(p["party"])] = []
            continue
        party, seq = obj.get("party"), obj.get("seq")
        if party not in entries:
            raise FileFormatError(f"entry of party {party!r}, which the header does not list", where)
        expected = len(entries[party]) + 1
        if seq != expected:
            raise FileFormatError(
                f"{party} entry #{seq} where #{expected} was expected (missing or reordered lines)", where
            )
        try:
            digest = bytes.fromhex(obj["hash"])
        except (KeyError, ValueError, TypeError):
            raise FileFormatError("hash is not hex", Location.of(origin, number, "hash")) from None
        entries[party].append(
            Entry(
                party,
                seq,
                _b64(obj.get("payload"), Location.of(origin, number, "payload")),
                _b64(obj.get("signature"), Location.of(origin, number, "signature")),
                digest,
            )
        )
    if not records:
        raise FileFormatError("is empty: no header line", Location.of(origin))
    if not closed:
        raise FileFormatError(
            "has no closing line: the export is cut short", Location.of(origin), "a truncated export?"
        )
    return records, entries


def _check_end(obj: dict[str, Any], entries: dict[str, list[Entry]], where: Location) -> None:
    end = obj["end"]
    if obj.get("format") != EXPORT_FORMAT or not isinstance(end, dict) or set(end) != set(entries):
        raise FileFormatError("the closing line does not name the header's parties", where)
    for party, got in entries.items():
        want = end[party]  # its "head" is for readers; an edited entry is found, and named, by the chain check
        if not isinstance(want, dict) or want.get("entries") != len(got):
            raise FileFormatError(
                f"{party}: the closing line says {want.get('entries') if isinstance(want, dict) else '?'} entries, "
                f"the file holds {len(got)} (lines missing or added)",
                where,
            )
