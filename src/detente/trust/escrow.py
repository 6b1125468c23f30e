r"""Escrowed declarations (after Philippe, Glaser and Felten, 2019): commit to everything, open it step by step.

A party commits to a complete item-level declaration without revealing it: each item becomes a salted
commitment ``SHA-256("detente-escrow/1\n" || salt || canonical item)`` with a fresh 256-bit salt (items are
low-entropy: without salts they could be guessed), placed in a random order as the leaves of an RFC 9162 Merkle
tree. A *region* is one facility: every item names the facility it is at, and the declaration is opened facility
by facility. For each region the party also commits to how many items it holds, ``SHA-256("detente-escrow/2
region\n" || salt || canonical {"region", "count"})`` with a fresh salt of its own. The party publishes and signs
the root, the number of leaves, aggregate counts, the date the declaration is as of, and each region's name with
its count commitment — not the counts. Later it opens one region at a time: the region's count and that count's
salt, and every item there with its salt, leaf position and inclusion proof.

A commitment is accepted (:meth:`Commitment.from_json`, :meth:`Commitment.verify_signature`) only if its format
is ``detente.escrow/2`` (format 1 bound no per-region counts), its date is a date (``YYYY-MM-DD`` or
``YYYY-MM-DDTHH:MM:SSZ``), it names every region once with a 32-byte count commitment, its sizes and counts are
JSON integers (never ``5.9``, ``"12"`` or ``true``), its bytes strict base64 (a character outside the alphabet is
refused, not dropped), and the party signed exactly that statement. An opening is read by the same rules.

The verifier accepts an opening only if, in this order:

1. the commitment it refers to is the one the party signed (same root and size);
2. its region is one the commitment names, not opened before, and the count and salt it gives open that region's
   count commitment (a region cannot claim fewer items than the party committed it holds);
3. no position is opened twice, neither within an opening nor across openings;
4. every opened item's commitment, recomputed from the item and its salt, is included at its position under the
   root (a changed item, a changed salt or a wrong position fails here);
5. every opened item is at the region opened;
6. the opening reveals exactly as many items as the region's committed count: a **partial opening** (fewer) is
   refused by name, and so is one that shows more;
7. the items opened so far do not exceed the aggregates committed to, in any category; once every position is
   opened they equal them exactly, and once every region is opened every position must be.

Nothing of an opening is recorded unless all of it verifies. A party can sign too small a count for a region: its
opening then shows what the party signed it would, and the item left out can be opened under no region, so once
every region is open :meth:`EscrowVerifier.report` refuses the positions still shut (and an inspection of the site
finds the item). Why the counts are committed and not published: the
escrow reveals the declaration one region at a time, and counts per facility are most of what it holds; a salted
count is revealed with its region. Why the region names are public: a region must be committed once, under a name
the verifier can look up, or a party could commit two counts for one region and open the smaller.

What an escrow does not prove: that the declaration matches reality. That link is made by inspections, which
compare what inspectors find at a facility with what was opened for it (:func:`compare_with_findings`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from detente.crypto.canonical import canonical
from detente.crypto.keys import Signer, verify
from detente.crypto.merkle import MerkleTree, ProofError, leaf_hash, verify_inclusion
from detente.errors import EscrowError

ESCROW_FORMAT = "detente.escrow/2"
SIDE_FORMAT = "detente.escrow-secret/2"
REGION_FIELD = "facility"
_DOMAIN = b"detente-escrow/1\n"
_REGION_DOMAIN = b"detente-escrow/2 region\n"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")


def _count(value: Any) -> int:
    """A JSON integer ≥ 0 as written: never a float cut to an int (5.9), a string ("12") or a boolean (true)."""
    if type(value) is not int or value < 0:
        raise ValueError
    return value


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError
    return value


def _object(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise TypeError
    return dict(value)


def _base64(value: Any) -> bytes:
    """Strict base64: a character outside the alphabet is refused, not dropped."""
    return base64.b64decode(_text(value), validate=True)


def _hex(value: Any) -> bytes:
    """Strict hex: bytes.fromhex would skip whitespace."""
    if not _HEX.fullmatch(_text(value)):
        raise ValueError
    return bytes.fromhex(value)


def commitment_of(item: dict[str, Any], salt: bytes) -> bytes:
    """The salted commitment to one item."""
    return hashlib.sha256(_DOMAIN + salt + canonical(item)).digest()


def region_commitment(region: str, count: int, salt: bytes) -> bytes:
    """The salted commitment to how many items a region holds."""
    return hashlib.sha256(_REGION_DOMAIN + salt + canonical({"region": region, "count": count})).digest()


def aggregates_of(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts by ``system/status`` plus total items and warheads: what a commitment publishes."""
    counts: Counter[str] = Counter()
    for item in items:
        counts[f"{item['system']}/{item['status']}"] += 1
        counts["items"] += 1
        counts["warheads"] += int(item.get("warheads", 0))
    return dict(sorted(counts.items()))


def check_as_of(as_of: str) -> str:
    """The date a declaration is as of: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ``, a real date; else refused."""
    if not isinstance(as_of, str) or not _DATE.fullmatch(as_of):
        raise EscrowError(f"as of {as_of!r}: expected a date, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
    try:
        if len(as_of) == 10:
            dt.date.fromisoformat(as_of)
        else:
            dt.datetime.strptime(as_of, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise EscrowError(f"as of {as_of!r}: no such date or time") from None
    return as_of


def _region_of(item: dict[str, Any]) -> str:
    region = item.get(REGION_FIELD)
    if not isinstance(region, str) or not region:
        raise EscrowError(
            f"item {item.get('uid', '?')!r} has no {REGION_FIELD}: a declaration is escrowed facility by facility"
        )
    return region


@dataclass(frozen=True)
class Commitment:
    """What the party publishes: root, size, aggregates, per-region count commitments, signed."""

    party: str
    as_of: str
    size: int
    root: bytes
    aggregates: dict[str, int]
    regions: dict[str, bytes] = field(default_factory=dict)
    signature: bytes = b""

    def statement(self) -> dict[str, Any]:
        """The signed statement as a dict."""
        regions = {r: base64.b64encode(c).decode() for r, c in sorted(self.regions.items())}
        return {"format": ESCROW_FORMAT, "party": self.party, "as_of": self.as_of, "size": self.size,
                "root": base64.b64encode(self.root).decode(), "aggregates": self.aggregates,
                "regions": regions}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The statement with its signature."""
        return {**self.statement(), "signature": base64.b64encode(self.signature).decode()}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Commitment:
        """Read a published commitment; an older format or a malformed field is refused."""
        if isinstance(doc, dict) and doc.get("format") != ESCROW_FORMAT:
            raise EscrowError(
                f"a commitment of format {doc.get('format')!r}, not {ESCROW_FORMAT!r}: it does not bind how many "
                "items each facility holds, so no opening of it can be shown complete (ask the party to commit again)"
            )
        try:
            regions = {_text(r): _base64(c) for r, c in doc["regions"].items()}
            commitment = cls(
                _text(doc["party"]),
                _text(doc["as_of"]),
                _count(doc["size"]),
                _base64(doc["root"]),
                {_text(k): _count(v) for k, v in doc["aggregates"].items()},
                regions,
                _base64(doc["signature"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EscrowError("not an escrow commitment") from None
        check_as_of(commitment.as_of)
        if any(len(c) != 32 for c in regions.values()) or len(commitment.root) != 32:
            raise EscrowError("a commitment's root and region count commitments are 32 bytes each")
        return commitment

    def verify_signature(self, public_key: bytes) -> None:
        """The party signed exactly this statement."""
        if not verify(public_key, canonical(self.statement()), self.signature):
            raise EscrowError(f"the commitment is not signed by the key given for party {self.party!r}")  # !r: one line


@dataclass(frozen=True)
class Opened:
    """One opened position: the item, its salt and its inclusion proof."""

    index: int
    item: dict[str, Any]
    salt: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"index": self.index, "item": self.item, "salt": self.salt.hex(),
                "proof": [base64.b64encode(p).decode() for p in self.proof]}  # fmt: skip


@dataclass(frozen=True)
class Opening:
    """A step of opening: which region, against which commitment, its committed count, and the opened positions."""

    region: str
    root: bytes
    size: int
    items: tuple[Opened, ...]
    count: int = -1
    count_salt: bytes = b""


@dataclass
class Escrow:
    """The declaring party's secret side: every item with its salt and position, and each region's count salt."""

    party: str
    as_of: str
    items: list[dict[str, Any]]
    salts: list[bytes]
    tree: MerkleTree
    region_salts: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def commit(cls, party: str, as_of: str, items: Sequence[dict[str, Any]], key: Signer) -> tuple[Escrow, Commitment]:
        """Commit to a complete declaration; return the secret side and the signed public commitment."""
        check_as_of(as_of)
        counts = Counter(_region_of(item) for item in items)
        order = list(items)
        for i in range(len(order) - 1, 0, -1):  # Fisher–Yates with the OS's CSPRNG: positions leak nothing
            j = secrets.randbelow(i + 1)
            order[i], order[j] = order[j], order[i]
        salts = [secrets.token_bytes(32) for _ in order]
        region_salts = {region: secrets.token_bytes(32) for region in sorted(counts)}
        tree = MerkleTree.from_leaf_hashes(
            [leaf_hash(commitment_of(it, s)) for it, s in zip(order, salts, strict=True)]
        )
        regions = {r: region_commitment(r, counts[r], s) for r, s in region_salts.items()}
        public = Commitment(party, as_of, tree.size, tree.root(), aggregates_of(order), regions)
        signed = replace(public, signature=key.sign(canonical(public.statement())))
        return cls(party, as_of, order, salts, tree, region_salts), signed

    def open(self, region: str, where: dict[str, str] | None = None) -> Opening:
        """Open every item of a region (a facility); ``where``, if given, must be ``{"facility": region}``."""
        if where is not None and where != {REGION_FIELD: region}:
            raise EscrowError(f"an opening is of one whole {REGION_FIELD}, not of items chosen by {where!r}")
        if region not in self.region_salts:
            raise EscrowError(f"nothing is committed at {region!r}")
        chosen = [i for i, it in enumerate(self.items) if it.get(REGION_FIELD) == region]
        opened = tuple(Opened(i, self.items[i], self.salts[i], tuple(self.tree.inclusion_proof(i))) for i in chosen)
        return Opening(region, self.tree.root(), self.tree.size, opened, len(chosen), self.region_salts[region])

    def secret_json(self) -> dict[str, Any]:
        """The secret side as a JSON document, to keep (never to share)."""
        return {"format": SIDE_FORMAT, "party": self.party, "as_of": self.as_of, "items": self.items,
                "salts": [s.hex() for s in self.salts],
                "region_salts": {r: s.hex() for r, s in sorted(self.region_salts.items())}}  # fmt: skip

    @classmethod
    def from_secret_json(cls, doc: dict[str, Any]) -> Escrow:
        """Read the secret side back; the tree is rebuilt from the items and their salts."""
        if not isinstance(doc, dict) or doc.get("format") != SIDE_FORMAT:
            raise EscrowError(f"not an escrow secret of format {SIDE_FORMAT!r}")
        try:
            items = [dict(it) for it in doc["items"]]
            salts = [bytes.fromhex(s) for s in doc["salts"]]
            region_salts = {str(r): bytes.fromhex(s) for r, s in doc["region_salts"].items()}
            party, as_of = str(doc["party"]), str(doc["as_of"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EscrowError("the escrow secret is missing a field or has one of the wrong type") from None
        if len(items) != len(salts) or {_region_of(it) for it in items} != set(region_salts):
            raise EscrowError("the escrow secret's items, salts and regions do not match")
        tree = MerkleTree.from_leaf_hashes([leaf_hash(commitment_of(i, s)) for i, s in zip(items, salts, strict=True)])
        return cls(party, as_of, items, salts, tree, region_salts)


@dataclass
class EscrowVerifier:
    """The other party's side: checks openings against the signed commitment and keeps track of what is open."""

    commitment: Commitment
    opened: dict[int, dict[str, Any]] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)

    def accept(self, opening: Opening) -> list[dict[str, Any]]:
        """Rules 1–7 for one opening; nothing is recorded unless all of it verifies. Returns its items."""
        c = self.commitment
        region = opening.region
        if opening.root != c.root or opening.size != c.size:
            raise EscrowError(f"opening of {region!r} refers to another commitment (root or size differs)")
        if region not in c.regions:
            raise EscrowError(f"the commitment holds no {REGION_FIELD} {region!r}: nothing there can be opened")
        if region in self.regions:
            raise EscrowError(f"{region!r} is already open")
        count_salt = opening.count_salt
        if len(count_salt) != 32 or region_commitment(region, opening.count, count_salt) != c.regions[region]:
            raise EscrowError(f"the count given for {region!r} ({opening.count}) is not the one committed")
        seen: set[int] = set()
        for o in opening.items:
            if o.index in self.opened or o.index in seen:
                raise EscrowError(f"position {o.index} is opened twice ({region!r})")
            seen.add(o.index)
            if len(o.salt) != 32:
                raise EscrowError(f"position {o.index}: the salt is {len(o.salt)} bytes, not 32")
            try:
                verify_inclusion(leaf_hash(commitment_of(o.item, o.salt)), o.index, c.size, list(o.proof), c.root)
            except ProofError as exc:
                raise EscrowError(f"position {o.index} ({region!r}): the opened item does not match the "
                                  f"commitment — {exc}") from None  # fmt: skip
            if o.item.get(REGION_FIELD) != region:
                raise EscrowError(f"position {o.index} is at {o.item.get(REGION_FIELD)!r}, not at {region!r}")
        if len(opening.items) != opening.count:
            what = "partial opening" if len(opening.items) < opening.count else "opening beyond its count"
            raise EscrowError(
                f"{what} of {region!r}: {len(opening.items)} items revealed, {opening.count} committed there"
            )
        tally = Counter(aggregates_of([*self.opened.values(), *(o.item for o in opening.items)]))
        for key, value in tally.items():
            if value > c.aggregates.get(key, 0):
                raise EscrowError(
                    f"openings exceed the committed aggregate {key}: {value} > {c.aggregates.get(key, 0)}"
                )
        for o in opening.items:
            self.opened[o.index] = o.item
        self.regions.append(region)
        return [o.item for o in opening.items]

    def report(self) -> dict[str, Any]:
        """What is open, what is not, and whether the openings add up (rule 7)."""
        c = self.commitment
        opened = aggregates_of(self.opened.values())
        complete = len(self.opened) == c.size
        if complete and opened != c.aggregates:
            raise EscrowError(f"every position is open but the items do not add up to the aggregates: {opened}")
        unopened_regions = sorted(set(c.regions) - set(self.regions))
        if not unopened_regions and not complete:
            raise EscrowError(
                f"every committed {REGION_FIELD} is open, but {c.size - len(self.opened)} positions are not: "
                "the commitment holds items it names no region for"
            )
        unopened = {k: v - opened.get(k, 0) for k, v in c.aggregates.items() if v - opened.get(k, 0)}
        return {"regions": list(self.regions), "opened": len(self.opened), "unopened": c.size - len(self.opened),
                "complete": complete, "unopened_regions": unopened_regions,
                "unopened_by_category": unopened}  # fmt: skip


def compare_with_findings(opened: Sequence[dict[str, Any]], seen_uids: Iterable[str]) -> dict[str, list[str]]:
    """Match a facility's opened items with the uids inspectors saw there: missing and undeclared."""
    declared = {it["uid"] for it in opened}
    seen = set(seen_uids)
    return {"missing": sorted(declared - seen), "undeclared": sorted(seen - declared)}


def opening_to_json(opening: Opening) -> dict[str, Any]:
    """An opening as a JSON document."""
    return {"format": ESCROW_FORMAT, "region": opening.region, "root": base64.b64encode(opening.root).decode(),
            "size": opening.size, "count": opening.count, "count_salt": opening.count_salt.hex(),
            "items": [o.to_json() for o in opening.items]}  # fmt: skip


def opening_from_json(doc: dict[str, Any]) -> Opening:
    """Read an opening; malformed fields, and an opening without its region's count, are refused."""
    try:
        items = tuple(Opened(_count(o["index"]), _object(o["item"]), _hex(o["salt"]),
                             tuple(_base64(p) for p in o["proof"])) for o in doc["items"])  # fmt: skip
        return Opening(_text(doc["region"]), _base64(doc["root"]), _count(doc["size"]), items,
                       _count(doc["count"]), _hex(doc["count_salt"]))  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError):
        raise EscrowError("not an escrow opening (with its region's count and salt)") from None


__all__ = ["Commitment", "Escrow", "EscrowError", "EscrowVerifier", "check_as_of", "compare_with_findings"]
