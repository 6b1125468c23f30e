r"""Escrowed declarations (after Philippe, Glaser and Felten, 2019): commit to everything, open it step by step.

A party commits to a complete item-level declaration without revealing it: each item becomes a salted
commitment ``SHA-256("detente-escrow/1\n" || salt || canonical item)`` with a fresh 256-bit salt (items are
low-entropy: without salts they could be guessed), placed in a random order as the leaves of an RFC 9162 Merkle
tree. The party publishes only the root, the number of leaves and aggregate counts, and signs them. Later it
opens the declaration region by region (one facility at a time): the opened items, their salts, their leaf
positions and inclusion proofs.

The verifier accepts an opening only if, in this order:

1. the commitment it refers to is the one the party signed (same root and size);
2. every opened item's commitment, recomputed from the item and its salt, is included at its position under the
   root (a changed item, a changed salt or a wrong position fails here);
3. no position is opened twice, neither within an opening nor across openings;
4. the items opened so far do not exceed the aggregates committed to, in any category; once every position is
   opened they equal them exactly.

What an escrow does not prove: that the declaration matches reality. That link is made by inspections, which
compare what inspectors find at a facility with what was opened for it (:func:`compare_with_findings`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from detente.crypto.canonical import canonical
from detente.crypto.keys import Signer, verify
from detente.crypto.merkle import MerkleTree, ProofError, leaf_hash, verify_inclusion
from detente.errors import EscrowError

ESCROW_FORMAT = "detente.escrow/1"
_DOMAIN = b"detente-escrow/1\n"


def commitment_of(item: dict[str, Any], salt: bytes) -> bytes:
    """The salted commitment to one item."""
    return hashlib.sha256(_DOMAIN + salt + canonical(item)).digest()


def aggregates_of(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts by ``system/status`` plus total items and warheads: what a commitment publishes."""
    counts: Counter[str] = Counter()
    for item in items:
        counts[f"{item['system']}/{item['status']}"] += 1
        counts["items"] += 1
        counts["warheads"] += int(item.get("warheads", 0))
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Commitment:
    """What the party publishes: root, size, aggregates, signed."""

    party: str
    as_of: str
    size: int
    root: bytes
    aggregates: dict[str, int]
    signature: bytes = b""

    def statement(self) -> dict[str, Any]:
        """The signed statement as a dict."""
        return {"format": ESCROW_FORMAT, "party": self.party, "as_of": self.as_of, "size": self.size,
                "root": base64.b64encode(self.root).decode(), "aggregates": self.aggregates}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The statement with its signature."""
        return {**self.statement(), "signature": base64.b64encode(self.signature).decode()}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Commitment:
        """Read a published commitment."""
        try:
            return cls(
                str(doc["party"]),
                str(doc["as_of"]),
                int(doc["size"]),
                base64.b64decode(doc["root"]),
                {str(k): int(v) for k, v in doc["aggregates"].items()},
                base64.b64decode(doc["signature"]),
            )
        except (KeyError, TypeError, ValueError):
            raise EscrowError("not an escrow commitment") from None

    def verify_signature(self, public_key: bytes) -> None:
        """Rule 1: the party signed exactly this statement."""
        if not verify(public_key, canonical(self.statement()), self.signature):
            raise EscrowError(f"the commitment is not signed by {self.party}'s key")


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
    """A step of opening: which region, against which commitment, and the opened positions."""

    region: str
    root: bytes
    size: int
    items: tuple[Opened, ...]


@dataclass
class Escrow:
    """The declaring party's secret side: every item with its salt and position."""

    party: str
    as_of: str
    items: list[dict[str, Any]]
    salts: list[bytes]
    tree: MerkleTree

    @classmethod
    def commit(cls, party: str, as_of: str, items: Sequence[dict[str, Any]], key: Signer) -> tuple[Escrow, Commitment]:
        """Commit to a complete declaration; return the secret side and the signed public commitment."""
        order = list(items)
        for i in range(len(order) - 1, 0, -1):  # Fisher–Yates with the OS's CSPRNG: positions leak nothing
            j = secrets.randbelow(i + 1)
            order[i], order[j] = order[j], order[i]
        salts = [secrets.token_bytes(32) for _ in order]
        tree = MerkleTree.from_leaf_hashes(
            [leaf_hash(commitment_of(it, s)) for it, s in zip(order, salts, strict=True)]
        )
        public = Commitment(party, as_of, tree.size, tree.root(), aggregates_of(order))
        signed = replace(public, signature=key.sign(canonical(public.statement())))
        return cls(party, as_of, order, salts, tree), signed

    def open(self, region: str, where: dict[str, str]) -> Opening:
        """Open every item whose fields match ``where`` (e.g. ``{"facility": "US-ICBM1"}``)."""
        chosen = [i for i, it in enumerate(self.items) if all(it.get(k) == v for k, v in where.items())]
        opened = tuple(Opened(i, self.items[i], self.salts[i], tuple(self.tree.inclusion_proof(i))) for i in chosen)
        return Opening(region, self.tree.root(), self.tree.size, opened)


@dataclass
class EscrowVerifier:
    """The other party's side: checks openings against the signed commitment and keeps track of what is open."""

    commitment: Commitment
    opened: dict[int, dict[str, Any]] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)

    def accept(self, opening: Opening) -> list[dict[str, Any]]:
        """Rules 1–4 for one opening; nothing is recorded unless all of it verifies. Returns its items."""
        c = self.commitment
        if opening.root != c.root or opening.size != c.size:
            raise EscrowError(f"opening of {opening.region!r} refers to another commitment (root or size differs)")
        seen: set[int] = set()
        for o in opening.items:
            if o.index in self.opened or o.index in seen:
                raise EscrowError(f"position {o.index} is opened twice ({opening.region!r})")
            seen.add(o.index)
            if len(o.salt) != 32:
                raise EscrowError(f"position {o.index}: the salt is {len(o.salt)} bytes, not 32")
            try:
                verify_inclusion(leaf_hash(commitment_of(o.item, o.salt)), o.index, c.size, list(o.proof), c.root)
            except ProofError as exc:
                raise EscrowError(f"position {o.index} ({opening.region!r}): the opened item does not match the "
                                  f"commitment — {exc}") from None  # fmt: skip
        tally = Counter(aggregates_of([*self.opened.values(), *(o.item for o in opening.items)]))
        for key, value in tally.items():
            if value > c.aggregates.get(key, 0):
                raise EscrowError(
                    f"openings exceed the committed aggregate {key}: {value} > {c.aggregates.get(key, 0)}"
                )
        for o in opening.items:
            self.opened[o.index] = o.item
        self.regions.append(opening.region)
        return [o.item for o in opening.items]

    def report(self) -> dict[str, Any]:
        """What is open, what is not, and whether the openings add up (rule 4)."""
        opened = aggregates_of(self.opened.values())
        complete = len(self.opened) == self.commitment.size
        if complete and opened != self.commitment.aggregates:
            raise EscrowError(f"every position is open but the items do not add up to the aggregates: {opened}")
        unopened = {k: v - opened.get(k, 0) for k, v in self.commitment.aggregates.items() if v - opened.get(k, 0)}
        return {"regions": list(self.regions), "opened": len(self.opened),
                "unopened": self.commitment.size - len(self.opened), "complete": complete,
                "unopened_by_category": unopened}  # fmt: skip


def compare_with_findings(opened: Sequence[dict[str, Any]], seen_uids: Iterable[str]) -> dict[str, list[str]]:
    """Match a facility's opened items with the uids inspectors saw there: missing and undeclared."""
    declared = {it["uid"] for it in opened}
    seen = set(seen_uids)
    return {"missing": sorted(declared - seen), "undeclared": sorted(seen - declared)}


def opening_to_json(opening: Opening) -> dict[str, Any]:
    """An opening as a JSON document."""
    return {"format": ESCROW_FORMAT, "region": opening.region, "root": base64.b64encode(opening.root).decode(),
            "size": opening.size, "items": [o.to_json() for o in opening.items]}  # fmt: skip


def opening_from_json(doc: dict[str, Any]) -> Opening:
    """Read an opening; malformed fields are refused."""
    try:
        items = tuple(Opened(int(o["index"]), dict(o["item"]), bytes.fromhex(o["salt"]),
                             tuple(base64.b64decode(p) for p in o["proof"])) for o in doc["items"])  # fmt: skip
        return Opening(str(doc["region"]), base64.b64decode(doc["root"]), int(doc["size"]), items)
    except (KeyError, TypeError, ValueError):
        raise EscrowError("not an escrow opening") from None


__all__ = ["Commitment", "Escrow", "EscrowError", "EscrowVerifier", "compare_with_findings"]
