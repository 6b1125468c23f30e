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
import re
from collections.abc import Iterable, Iterator
from typing import Any

from detente._files import parse_json_line
from detente.errors import FileFormatError, Location
from detente.ledger.chain import Entry
from detente.ledger.port import PartyRecord

EXPORT_FORMAT = "detente.ledger-export/1"
_PARTY = re.compile(r"[A-Z][A-Z0-9-]{0,15}")  # a party code, as the notification schema has it


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
        obj = parse_json_line(line, origin, number)  # strict: a repeated key, NaN or a 10,000-deep line is refused
        if not isinstance(obj, dict):
            raise FileFormatError("each line must be a JSON object", where)
        if closed:
            raise FileFormatError("a line after the closing line", where)
        if "end" in obj and number > 1:
            _check_end(obj, entries, where)
            closed = True
            continue
        if number == 1:
            _header(obj, origin, records, entries)
            continue
        party, seq = obj.get("party"), obj.get("seq")
        if not isinstance(party, str) or party not in entries:
            raise FileFormatError(f"entry of party {party!r}, which the header does not list", where)
        expected = len(entries[party]) + 1
        if type(seq) is not int or seq != expected:  # not a bool, a float or a string that happens to equal it
            raise FileFormatError(
                f"{party} entry #{seq!r} where #{expected} was expected (missing or reordered lines)", where
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


def _header(obj: dict[str, Any], origin: str, records: list[PartyRecord], entries: dict[str, list[Entry]]) -> None:
    """Rule 1's header: the format, and each party once with its name, a 32-byte key and its treaty."""
    if obj.get("format") != EXPORT_FORMAT or not isinstance(obj.get("parties"), list):
        raise FileFormatError(f"the first line must be a {EXPORT_FORMAT} header", Location.of(origin, 1))
    for i, p in enumerate(obj["parties"]):
        at = f"parties[{i}]"
        if not isinstance(p, dict):
            raise FileFormatError("must be an object", Location.of(origin, 1, at))
        party, treaty = p.get("party"), p.get("treaty", "")
        if not isinstance(party, str) or not _PARTY.fullmatch(party):
            raise FileFormatError(f"must be a party code, not {party!r}", Location.of(origin, 1, f"{at}.party"))
        if not isinstance(treaty, str):
            raise FileFormatError("must be a treaty id", Location.of(origin, 1, f"{at}.treaty"))
        key = _b64(p.get("public_key"), Location.of(origin, 1, f"{at}.public_key"))
        if party in entries or len(key) != 32:
            raise FileFormatError("a party is listed twice or has a bad key", Location.of(origin, 1, at))
        records.append(PartyRecord(party, key, treaty))
        entries[party] = []


def _check_end(obj: dict[str, Any], entries: dict[str, list[Entry]], where: Location) -> None:
    end = obj["end"]
    if obj.get("format") != EXPORT_FORMAT or not isinstance(end, dict) or set(end) != set(entries):
        raise FileFormatError("the closing line does not name the header's parties", where)
    for party, got in entries.items():
        want = end[party]  # its "head" is for readers; an edited entry is found, and named, by the chain check
        if not isinstance(want, dict) or type(want.get("entries")) is not int or want["entries"] != len(got):
            said = repr(want.get("entries")) if isinstance(want, dict) else "no number of"
            raise FileFormatError(
                f"{party}: the closing line says {said} entries, the file holds {len(got)} (lines missing or added)",
                where,
            )
