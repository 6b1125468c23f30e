"""View 5, ledger integrity: each party's checkpoints, cosignatures, consistency proofs, and the ledger verified.

Each party's signed checkpoints, the witnesses' cosignatures kept for them, the proof that each extends the one
before, and the verification of the whole ledger.

Where each number comes from:

1. The checkpoints are ``detente trust checkpoints LEDGER --party P --json``: every checkpoint the ledger recorded,
   with the type and dates of the entry at its size and its root. Their age is counted in days from the day the
   entry at its size was sent to the as-of date (``?date=``), or, without one, to the day the ledger's latest
   entry was sent; with a date, only the checkpoints whose entry was sent by the end of it are shown.
2. Whether a checkpoint extends the one before is what ``detente trust prove-consistency LEDGER --party P --from A
   --to B`` proves: the RFC 9162 consistency proof read from the ledger's stored tree, written with the two signed
   notes and verified against the key that signs the log at each size (the party's registered key, or the one a
   key rotation named). A proof that does not verify, or cannot be read, makes the pair INCONSISTENT, with why.
3. The cosignatures are the lines the ledger keeps (``store.cosignatures``): a witness's key name and the size it
   cosigned, as kept; ``detente trust verify --witness`` checks one against the witness's key.
4. The verification is ``detente ledger verify LEDGER --json`` (:func:`detente.ledger.audit.audit_store`): every
   entry's hash, link and signature, and every recorded checkpoint against the entries. A fault found there is a
   finding the page reports, not an error of the page.

A node keeps its alarms in ``alarms.jsonl`` in its directory (:mod:`detente.node.alarms`); the dashboard reads a
ledger, which holds none, and says so.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, replace
from functools import partial
from itertools import pairwise

from detente.crypto.merkle import verify_consistency
from detente.crypto.note import TlogConsistency, Verifier, parse_note, verify_checkpoint, verify_tlog_consistency
from detente.crypto.stored_tree import StoredTree
from detente.errors import DetenteError, VerificationError
from detente.ledger.audit import Audit, audit_store
from detente.ledger.chain import KeyPeriod, key_at_size
from detente.ledger.checkpoints import log_origin
from detente.ledger.port import CheckpointRecord, LedgerStore, PartyRecord
from detente.ledger.replay import key_history
from detente.web.page import Page, Query, date_field, party_field
from detente.web.source import Source
from detente.web.tables import Cell, Chart, Column, Series, Table

ALARMS_NOTE = (
    "No alarm log for a ledger file: a node keeps what its peers did wrong in alarms.jsonl in its directory "
    "(`detente node status` shows it); a ledger holds no alarms."
)


@dataclass(frozen=True)
class Recorded:
    """A recorded checkpoint as ``detente trust checkpoints --json`` lists it, and what the page found about it."""

    size: int
    type: str
    effective: str
    sent: str
    root: str  # base64, as the CLI prints it
    fault: str = ""  # the entry at its size is missing or unreadable
    consistency: str = ""  # "" for the first; "consistent" or "INCONSISTENT" from the one before
    why: str = ""  # the proof's sizes, or what failed
    hashes: int | None = None  # the consistency proof's length


def build(source: Source, query: Query) -> Page:
    """The integrity of each party's log (``?party=`` picks one; ``?date=`` sets the date ages are counted to)."""
    only = party_field(source, query)
    when = _as_of(source, query)
    parties = [only] if only else source.parties()
    audits = [source.kept(("integrity-audit", p), partial(audit_store, source.store, p)) for p in parties]
    reference, reference_words = _reference(source, when)
    tables = [_verify_table(audits, only)]
    growth: dict[str, dict[str, int]] = {}
    reach: dict[str, int | None] = {}
    for party in parties:
        recorded = source.kept(("integrity-checkpoints", party), partial(_checkpoints, source.store, party))
        if when is not None:
            recorded = [r for r in recorded if r.sent[:10] <= str(when)]
        cosigners = _cosigners(source.store, party)
        tables.append(_checkpoint_table(party, recorded, cosigners, reference, reference_words, when))
        reach[party] = None if when is None else max((r.size for r in recorded), default=0)
        for r in recorded:
            if not r.fault:
                growth.setdefault(r.effective[:10], {})[party] = r.size
    tables.insert(1, _growth_table(growth, parties))
    tables.append(_cosignature_table(source.store, parties, reach))
    failed = [a for a in audits if a.error is not None]
    return Page(
        "Ledger integrity",
        "integrity.html",
        tables,
        facts={
            "parties": source.parties(),
            "party": only or "",
            "date": "" if when is None else str(when),
            "range": source.date_range(),
            "verdicts": {a.party: "ok" if a.ok else f"FAILED: {a.error}" for a in audits},
            "failed": bool(failed),
            "alarms": ALARMS_NOTE,
        },
        intro="Each party's log as the ledger holds it: the checkpoints it signed at its data exchanges, whether "
        "each extends the one before (a consistency proof, verified), the witnesses' cosignatures kept, and every "
        f"entry verified. Ages are counted to {reference_words}.",
    )


def _as_of(source: Source, query: Query) -> dt.date | None:
    """The optional as-of date: absent or empty, None (ages to the latest entry); else as every view reads one."""
    if not query.get("date"):
        return None
    return date_field(source, query)


def _reference(source: Source, when: dt.date | None) -> tuple[dt.date, str]:
    """The day ages are counted to, and how the page names it."""
    if when is not None:
        return when, f"the as-of date, {when}"
    latest = ""
    for party in source.parties():
        head = source.store.head(party)
        if head is None:
            continue
        try:
            latest = max(latest, str(head.notification()["sent"]))
        except DetenteError:  # an unreadable last entry: the verification names it; the others still date the ledger
            continue
    if not latest:
        return source.default_date(), f"the latest data date, {source.default_date()}"
    return dt.date.fromisoformat(latest[:10]), f"the day the ledger's latest entry was sent, {latest[:10]}"


def _verify_table(audits: list[Audit], only: str | None) -> Table:
    table = Table(
        "verify",
        "Verification of every entry and checkpoint",
        [
            Column("party", "Party"),
            Column("entries", "Entries verified", numeric=True),
            Column("checkpoints", "Checkpoints checked", numeric=True),
            Column("ok", "Result"),
            Column("fault", "First fault"),
        ],
        source="detente ledger verify LEDGER" + (f" --party {only}" if only else "") + " --json",
        note="Verified in sequence order: each entry's hash, its link to the one before and its signature by the "
        "party's key at that point; each recorded checkpoint's signature and root against the entries up to its "
        "size. The first fault stops a party's count there.",
    )
    for a in audits:
        table.rows.append(
            {
                "party": Cell(a.party, f"/integrity?party={a.party}", "this party's log alone"),
                "entries": a.entries,
                "checkpoints": a.checkpoints,
                "ok": "ok" if a.ok else "FAILED",
                "fault": "" if a.error is None else str(a.error),
            }
        )
    return table


def _checkpoints(store: LedgerStore, party: str) -> list[Recorded]:
    """The recorded checkpoints with their entries (as the CLI lists them) and the consistency of each pair."""
    record = next(r for r in store.parties() if r.party == party)
    recorded = store.checkpoints(party)
    size = store.tree_size(party)
    rows = [_described(store, party, k, size) for k in recorded]
    proven = rows[:1]
    periods = _periods(store, party)
    tree = StoredTree(store, party)
    for (old, new), row in zip(pairwise(recorded), rows[1:], strict=True):
        consistency, why, hashes = _consistency(tree, record, periods, old, new)
        proven.append(replace(row, consistency=consistency, why=why, hashes=hashes))
    return proven


def _described(store: LedgerStore, party: str, k: CheckpointRecord, size: int) -> Recorded:
    """One checkpoint as ``detente trust checkpoints --json`` lists it; a missing or unreadable entry is a fault."""
    root = base64.b64encode(k.root).decode()
    entry = next(store.entries(party, k.size, k.size), None) if 0 < k.size <= size else None
    if entry is None:
        fault = (
            f"entries missing after #{size} (checkpoint at size {k.size})"
            if k.size > size
            else f"entry #{k.size}, which its checkpoint at size {k.size} ends with, is missing"
        )
        return Recorded(k.size, "–", "", "", root, fault=fault)
    try:
        n = entry.notification()
    except DetenteError as exc:
        return Recorded(k.size, "–", "", "", root, fault=str(exc))
    return Recorded(k.size, str(n["type"]), str(n["effective"]), str(n["sent"]), root)


def _periods(store: LedgerStore, party: str) -> list[KeyPeriod] | str:
    """The party's key history, or why it cannot be read (a damaged rotation: the verification names it)."""
    try:
        return key_history(store, party)
    except (DetenteError, ValueError, KeyError, TypeError) as exc:
        return f"the party's key history cannot be read: {exc}"


def _consistency(
    tree: StoredTree, record: PartyRecord, periods: list[KeyPeriod] | str, old: CheckpointRecord, new: CheckpointRecord
) -> tuple[str, str, int | None]:
    """Whether ``new`` extends ``old``: the proof ``trust prove-consistency`` writes, verified; (verdict, why, length).

    Both notes are verified with the key that signs the log at their size; where a key rotation lies between them
    the two keys differ, and the proof is checked as :func:`verify_tlog_consistency` checks it, one key per note.
    """
    origin = log_origin(record)
    hashes: int | None = None
    try:
        if isinstance(periods, str):
            raise VerificationError(periods)
        proof = TlogConsistency(
            tuple(tree.consistency_proof(old.size, new.size)), parse_note(old.note), parse_note(new.note)
        )
        hashes = len(proof.proof)
        old_key, new_key = (key_at_size(periods, k.size).public_key for k in (old, new))
        if old_key == new_key:
            verify_tlog_consistency(proof, Verifier(origin, new_key))
        else:
            verify_checkpoint(proof.old, Verifier(origin, old_key), (), "older checkpoint")
            verify_checkpoint(proof.new, Verifier(origin, new_key), (), "newer checkpoint")
            a, b = proof.old.checkpoint(), proof.new.checkpoint()
            verify_consistency(a.size, b.size, a.root, b.root, proof.proof)
    except (DetenteError, ValueError) as exc:
        return "INCONSISTENT", f"size {new.size:,} is not shown to extend size {old.size:,}: {exc}", hashes
    return "consistent", f"size {new.size:,} extends size {old.size:,} (a proof of {hashes} hashes verified)", hashes


def _cosigners(store: LedgerStore, party: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for c in store.cosignatures(party):
        out.setdefault(c.size, []).append(c.cosigner)
    return out


def _checkpoint_table(
    party: str,
    recorded: list[Recorded],
    cosigners: dict[int, list[str]],
    reference: dt.date,
    reference_words: str,
    when: dt.date | None,
) -> Table:
    table = Table(
        f"checkpoints-{party}".lower(),
        f"{party}: recorded checkpoints",
        [
            Column("size", "Size", numeric=True),
            Column("type", "Entry type"),
            Column("effective", "Effective"),
            Column("sent", "Sent"),
            Column("age", "Age (days)", numeric=True),
            Column("cosigned", "Cosigned"),
            Column("hashes", "Proof hashes", numeric=True),
            Column("consistency", "Extends the one before"),
            Column("root", "Root (base64)"),
        ],
        source=f"detente trust checkpoints LEDGER --party {party} --json; each pair: detente trust "
        f"prove-consistency LEDGER --party {party} --from A --to B, verified",
        note=f"Age: days from the day the entry at the checkpoint's size was sent to {reference_words}."
        + (f" Checkpoints sent after {when} are not shown." if when else ""),
    )
    for r in recorded:
        names = cosigners.get(r.size, [])
        year = r.sent[:4]
        table.rows.append(
            {
                "size": r.size,
                "type": Cell(r.type, f"/notifications?party={party}&year={year}", f"{party}'s notifications in {year}")
                if year
                else Cell(r.type, "", r.fault),
                "effective": r.effective,
                "sent": r.sent,
                "root": r.root,
                "age": (reference - dt.date.fromisoformat(r.sent[:10])).days if r.sent else None,
                "cosigned": Cell("yes: " + ", ".join(names), "", "as kept; not checked here") if names else "no",
                "hashes": r.hashes,
                "consistency": Cell(r.consistency or "first", "", r.why or "the first checkpoint recorded")
                if not r.fault
                else Cell(f"entry fault: {r.fault}", "", r.fault),
            }
        )
    return table


def _cosignature_table(store: LedgerStore, parties: list[str], reach: dict[str, int | None]) -> Table:
    """The cosignatures of each party's checkpoints; with an as-of date, those of the checkpoints shown."""
    table = Table(
        "cosignatures",
        "Cosignatures kept",
        [Column("party", "Log of"), Column("size", "Size", numeric=True), Column("cosigner", "Cosigner (key name)")],
        source="the cosignatures the ledger keeps for each party's checkpoints (store.cosignatures)",
    )
    for party in parties:
        for c in store.cosignatures(party):
            limit = reach[party]
            if limit is None or c.size <= limit:
                table.rows.append({"party": party, "size": c.size, "cosigner": c.cosigner})
    if not table.rows:
        table.note = (
            "None kept: a witness (the other party's node) cosigns a checkpoint once a proof shows it extends the "
            "last one the witness cosigned; a ledger built without nodes holds none."
        )
    return table


def _growth_table(growth: dict[str, dict[str, int]], parties: list[str]) -> Table:
    return Table(
        "growth",
        "Log size at each checkpoint",
        [Column("date", "Effective"), *(Column(f"size:{p}", f"{p} log size", numeric=True) for p in parties)],
        rows=[{"date": day, **{f"size:{p}": sizes.get(p) for p in parties}} for day, sizes in sorted(growth.items())],
        source="detente trust checkpoints LEDGER --party P --json: size against the effective date of its entry",
        chart=Chart("line", "date", tuple(Series(f"size:{p}") for p in parties)),
    )
