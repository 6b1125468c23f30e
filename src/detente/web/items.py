"""View 4, item history: every notification that declared or changed one item, each with its inclusion proof.

The history is ``detente ledger history LEDGER UID --json``. Each notification links to a c2sp.org/tlog-proof of its
entry, served at ``/items/PARTY-SEQ.tlog-proof``: byte for byte what ``detente trust prove-inclusion LEDGER --party
PARTY --seq SEQ`` writes, under the latest recorded checkpoint that covers the entry, so that anyone can check it
offline with ``detente trust verify FILE --log-key "$(detente trust log-key LEDGER --party PARTY)"``.

What the view accepts, in this order:

1. ``uid``: at most 200 characters, no control characters (``page.text_field``), not blank once its surrounding
   spaces are stripped: otherwise a 400. A uid no notification mentions (in ``party``'s log, if given) is a 404.
2. ``party``: a party of the ledger (``page.party_field``), or absent for every party.
3. A proof's name is ``PARTY-SEQ.tlog-proof``: PARTY a party of the ledger, SEQ a positive whole number written
   without sign or leading zero, at most the party's log size. Any other name, or an entry no recorded checkpoint
   covers yet, is a 404 saying which. A proof that does not verify against the party's registered key is never
   served (:func:`detente.ledger.inclusion_proof` refuses it: a 422).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException

from detente.crypto.note import parse_note
from detente.errors import InputError, Location, NoteError, VerificationError
from detente.ledger import CheckpointRecord, covering_checkpoint, history, inclusion_proof
from detente.ledger.replay import Change
from detente.web.page import Download, Page, Query, party_field, text_field
from detente.web.source import Source
from detente.web.tables import Cell, Column, Table

PROOF = re.compile(r"(?P<party>.+)-(?P<seq>[1-9][0-9]{0,11})\.tlog-proof")  # at most 12 digits: refused before int()
PROOF_TYPE = "text/plain; charset=utf-8"  # C2SP names no media type; the proof is UTF-8 text


def build(source: Source, query: Query) -> Page:
    """The history of ``?uid=`` (in ``?party=``'s log only, if given); without a uid, a few to start from."""
    only = party_field(source, query)
    given = text_field(query, "uid")
    parties = source.parties()
    facts: dict[str, Any] = {"parties": parties, "party": only or "", "uid": given or "", "commands": []}
    if given is None:
        return Page(
            "Item history",
            "items.html",
            [_examples(source, only)],
            facts=facts,
            intro="Every declared item (a launcher, a missile, a bomber) has a unique identifier. Give one to see "
            "every notification that declared, moved, converted or eliminated it, each with a proof that the "
            "notification is in its party's signed log.",
        )
    uid = given.strip()
    if not uid:
        raise InputError("uid is blank", Location(field="uid"), "type an item's unique identifier, e.g. one below")
    found = source.kept(("history", uid, only), lambda: _history(source, uid, only))
    if not found:
        where = f"{only}'s log" if only else "this ledger"
        raise HTTPException(404, f"no notification in {where} mentions item {uid!r}")
    checkpoints = {p: _latest(source, p) for p in found}
    rows = Table(
        "history",
        f"Notifications about {uid}",
        [
            Column("party", "Party"),
            Column("seq", "Seq", numeric=True),
            Column("effective", "Effective"),
            Column("sent", "Sent"),
            Column("type", "Type"),
            Column("what", "What"),
            Column("checkpoint", "Proved under size", numeric=True),
            Column("proof", "Inclusion proof"),
        ],
        source=f"detente ledger history LEDGER {_shell(uid)}{f' --party {only}' if only else ''} --json; proofs: "
        "detente trust prove-inclusion LEDGER --party PARTY --seq SEQ",
    )
    for party, changes in found.items():
        latest = checkpoints[party]
        for c in changes:
            covered = latest is not None and latest.size >= c.seq
            name = f"{party}-{c.seq}.tlog-proof"
            rows.rows.append(
                {
                    "party": party,
                    "seq": c.seq,
                    "effective": c.effective,
                    "sent": c.sent,
                    "type": c.type,
                    "what": c.summary,
                    "checkpoint": Cell(latest.size, why=_origin(latest)) if covered and latest else None,
                    "proof": Cell(name, f"/items/{quote(name)}", "download the c2sp.org/tlog-proof")
                    if covered
                    else Cell("no checkpoint covers it yet", why="sign one: detente trust checkpoint"),
                }
            )
    logs = Table(
        "checkpoints",
        "The checkpoints the proofs are under",
        [
            Column("party", "Party"),
            Column("origin", "Log (origin)"),
            Column("size", "Checkpoint size", numeric=True),
            Column("entries", "Log size", numeric=True),
        ],
        source="the ledger's recorded checkpoints (detente trust checkpoints LEDGER --json): the latest of each log",
    )
    for party, latest in checkpoints.items():
        logs.rows.append(
            {
                "party": party,
                "origin": _origin(latest) if latest else "no checkpoint recorded",
                "size": None
                if latest is None
                else Cell(latest.size, f"/integrity?party={party}", "signed checkpoints"),
                "entries": source.store.tree_size(party),
            }
        )
        facts["commands"].append(
            f'detente trust verify {party}-SEQ.tlog-proof --log-key "$(detente trust log-key LEDGER --party {party})"'
        )
    return Page(
        f"Item {uid}",
        "items.html",
        [rows, logs],
        facts=facts,
        intro=f"Every notification that declared or changed {uid}, in each party's log order. Each proof shows the "
        "notification is entry SEQ of its party's log under a checkpoint the party signed.",
    )


def files(source: Source, name: str, query: Query) -> Download:
    """``PARTY-SEQ.tlog-proof``: the inclusion proof of that entry under the latest checkpoint covering it."""
    matched = PROOF.fullmatch(name)
    if matched is None:
        raise HTTPException(404, f"no file {_echo(name)!r} on items: proofs are named PARTY-SEQ.tlog-proof")
    party, seq = matched["party"], int(matched["seq"])
    record = next((r for r in source.store.parties() if r.party == party), None)
    if record is None:
        raise HTTPException(
            404,
            f"no proof {_echo(name)!r}: {_echo(party)!r} is not a party in this ledger ({', '.join(source.parties())})",
        )
    size = source.store.tree_size(party)
    if seq > size:
        raise HTTPException(404, f"no proof {name!r}: {party}'s log has {size:,} entries, no entry #{seq:,}")
    checkpoint = covering_checkpoint(source.store, party, seq)
    if checkpoint is None:
        raise HTTPException(
            404,
            f"no proof {name!r}: no recorded checkpoint of {party}'s log covers entry #{seq:,} yet "
            "(sign one: detente trust checkpoint)",
        )
    try:
        note = parse_note(checkpoint.note)
    except NoteError as exc:  # a damaged ledger, not bad input
        raise VerificationError(
            f"{party}'s recorded checkpoint at size {checkpoint.size:,} cannot be read: {exc} (run `detente ledger "
            "verify`)"
        ) from None
    proof = inclusion_proof(source.store, record, seq, note)
    return Download(name, PROOF_TYPE, proof.text().encode("utf-8"))


def _history(source: Source, uid: str, only: str | None) -> dict[str, list[Change]]:
    """Each party's notifications about ``uid``, as ``detente ledger history --json`` lists them."""
    found = {}
    for party in source.parties():
        if only is not None and party != only:
            continue
        changes = history(source.store.entries(party), uid)
        if changes:
            found[party] = changes
    return found


def _examples(source: Source, only: str | None) -> Table:
    """The first item (by uid) of each system type each party held on the default date."""
    when = source.default_date()
    table = Table(
        "examples",
        f"Items to start from: the first of each system type on {when}",
        [
            Column("party", "Party"),
            Column("system", "System type"),
            Column("uid", "Item"),
            Column("status", "Status"),
            Column("facility", "Facility"),
        ],
        source=f"the replayed party states behind detente ledger state LEDGER --date {when} --json",
    )
    for state in source.states(when):
        if only is not None and state.party != only:
            continue
        first: dict[str, Any] = {}
        for item in sorted(state.items.values(), key=lambda i: i.uid):
            first.setdefault(item.system, item)
        for system, item in first.items():
            table.rows.append(
                {
                    "party": state.party,
                    "system": Cell(system, "/treaties", "the type's counting rules in the treaty"),
                    "uid": Cell(
                        item.uid, "/items?" + urlencode({"uid": item.uid, "party": state.party}), "its history"
                    ),
                    "status": item.status.value,
                    "facility": item.facility,
                }
            )
    return table


def _latest(source: Source, party: str) -> CheckpointRecord | None:
    """The party's latest recorded checkpoint: the one every proof of an entry under it is given under."""
    return covering_checkpoint(source.store, party, 1)


def _origin(record: CheckpointRecord) -> str:
    """The log's name as its signed checkpoint states it."""
    try:
        return parse_note(record.note).checkpoint().origin
    except NoteError as exc:  # shown, not raised: the proofs themselves refuse such a checkpoint (a 422)
        return f"unreadable checkpoint note ({exc})"


def _echo(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _shell(text: str) -> str:
    """``text`` as one shell word, for the command shown under the table."""
    return text if re.fullmatch(r"[A-Za-z0-9._:+-]+", text) else "'" + text.replace("'", "'\\''") + "'"
