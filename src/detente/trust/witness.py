"""A witness of another party's log: it keeps the last checkpoint it verified, and cosigns only what extends it.

In a bilateral treaty each party witnesses the other's ledger. For every new checkpoint the witness checks, in
this order (the first failure refuses it):

1. The note is a well-formed checkpoint whose origin is the log it watches (the log's key name), signed by the
   log's key (:class:`NoteError`). A checkpoint of size 0 has the empty tree's root.
2. If the witness has seen nothing of this log yet, it accepts the checkpoint (trust on first use: the first
   tree head is taken as given, and everything after must extend it).
3. A smaller size than the last verified one is a **rollback**: refused (:class:`RefusedCheckpointError`). It is
   not evidence against the log: the log signed the smaller checkpoint earlier, honestly, and anyone can re-send it.
4. The same size with a different root is a **fork**: two tree heads the log signed that cannot both be true —
   refused with :class:`MisbehaviourError`, whose evidence is both signed notes. This is the one finding a witness
   can prove to a third party, and the only evidence it writes.
5. A larger size must come with a consistency proof from the last verified size, and the proof must verify. No
   proof, or one that fails, is refused (:class:`RefusedCheckpointError`, ``no-proof`` or ``bad-proof``) and is
   not evidence either: a consistency proof is not signed, so a failing one shows only that *this* proof fails,
   and anyone could have made it. The log clears it by sending a valid proof; a log that rewrote its history
   cannot, and stays unwitnessed beyond the last size (its rewritten entries, signed, are the proof of that).
6. Accepted checkpoints replace the saved state (written atomically) and are cosigned (tlog-cosignature).

Evidence is a self-contained JSON document that anyone holding the log's public key can check offline with
:func:`check_evidence`, which takes that key (and, if given, its name) from the checker, never from the evidence,
and accepts only what it can check whole: two notes signed by that key, of its log, that contradict each other.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente._files import parse_json, read_text
from detente.crypto.keys import Signer
from detente.crypto.merkle import EMPTY_ROOT, ProofError, verify_consistency
from detente.crypto.note import (
    COSIGNATURE_V1,
    NOTE_SIGNATURE,
    Signature,
    SignedNote,
    Verifier,
    cosign,
    parse_note,
    verify_note,
)
from detente.errors import InputError, Location, MisbehaviourError, NoteError, RefusedCheckpointError

EVIDENCE_FORMAT = "detente.evidence/1"


@dataclass(frozen=True)
class Seen:
    """The last checkpoint a witness verified for a log."""

    size: int
    root: bytes
    note: str


def _evidence(kind: str, log: Verifier, notes: Sequence[str]) -> dict[str, Any]:
    return {
        "format": EVIDENCE_FORMAT,
        "kind": kind,
        "log": {"name": log.name, "public_key": base64.b64encode(log.public_key).decode()},
        "checkpoints": list(notes),
        "proof": [],
    }


def fork_evidence(log: Verifier, first: str, second: str) -> dict[str, Any]:
    """Evidence that a log signed two checkpoints of one size with different roots (:func:`check_evidence`)."""
    return _evidence("fork", log, [first, second])


class Witness:
    """Watches one or more logs; its state (last verified checkpoint per origin) lives in a JSON file."""

    def __init__(self, name: str, key: Signer, state_file: Path | None = None) -> None:
        self.name = name
        self.key = key
        self.state_file = state_file
        self.seen: dict[str, Seen] = {}
        if state_file is not None and state_file.exists():
            self._load(state_file)

    @property
    def verifier(self) -> Verifier:
        """How others verify this witness's cosignatures."""
        return Verifier(self.name, self.key.public_key, COSIGNATURE_V1)

    def _load(self, path: Path) -> None:
        # The strict reader: a log's origin given twice would otherwise keep its last "seen" checkpoint silently.
        doc = parse_json(read_text(path), str(path))
        try:
            for origin, s in doc["seen"].items():
                size, root, note = s["size"], base64.b64decode(s["root"], validate=True), s["note"]
                if type(size) is not int or size < 0 or len(root) != 32 or type(note) is not str:
                    raise ValueError
                self.seen[origin] = Seen(size, root, note)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError("not a witness state file", Location.of(path)) from None

    def _save(self) -> None:
        if self.state_file is None:
            return
        doc = {"format": "detente.witness-state/1", "witness": self.name, "seen": {
            o: {"size": s.size, "root": base64.b64encode(s.root).decode(), "note": s.note} for o, s in self.seen.items()
        }}  # fmt: skip
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=True), "utf-8")
        os.replace(tmp, self.state_file)

    def observe(self, note_text: str, log: Verifier, proof: Sequence[bytes] = (), timestamp: int = 0) -> Signature:
        """Check a checkpoint against the last one seen (rules 1–5); if it is sound, save it and cosign it."""
        if log.kind != NOTE_SIGNATURE:
            raise NoteError(f"the key given for {log.name!r} is a cosigner's key, not a log's (type 0x01)")
        note = parse_note(note_text)
        verify_note(note, log)
        checkpoint = note.checkpoint()
        if checkpoint.origin != log.name:
            raise NoteError(f"checkpoint of {checkpoint.origin!r}, but this witness watches {log.name!r} with that key")
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            raise NoteError(f"{checkpoint.origin}: a checkpoint of size 0 must have the empty tree's root")
        previous = self.seen.get(checkpoint.origin)
        if previous is not None:
            if checkpoint.size < previous.size:
                raise RefusedCheckpointError(
                    "rollback",
                    f"{checkpoint.origin} presented size {checkpoint.size} after size {previous.size}, which this "
                    "witness has cosigned (an older note, re-sent: not evidence against the log)",
                )
            if checkpoint.size == previous.size and checkpoint.root != previous.root:
                raise MisbehaviourError(
                    "fork",
                    f"{checkpoint.origin} signed two different roots for size {checkpoint.size}",
                    _evidence("fork", log, [previous.note, note.text()]),
                )
            if checkpoint.size > previous.size:
                self._check_extends(previous, checkpoint.origin, checkpoint.size, checkpoint.root, proof)
        self.seen[checkpoint.origin] = Seen(checkpoint.size, checkpoint.root, note.text())
        self._save()
        return cosign(note, self.name, self.key, timestamp)

    @staticmethod
    def _check_extends(previous: Seen, origin: str, size: int, root: bytes, proof: Sequence[bytes]) -> None:
        """Rule 5."""
        if not proof and previous.size > 0:
            raise RefusedCheckpointError(
                "no-proof",
                f"{origin} size {size} came without a consistency proof from size {previous.size}, the last this "
                "witness cosigned: ask the log for one (`detente trust prove-consistency --from "
                f"{previous.size}`)",
            )
        try:
            verify_consistency(previous.size, size, previous.root, root, list(proof))
        except ProofError as exc:
            raise RefusedCheckpointError(
                "bad-proof",
                f"{origin} size {size} is not shown to extend size {previous.size}: {exc} (a proof is not signed, "
                "so its failure is not evidence against the log; ask it for a valid one)",
            ) from None


def check_evidence(evidence: dict[str, Any], public_key: bytes, name: str | None = None) -> str:
    """Check evidence offline against the log's public key (and key name, if given) as the checker knows them.

    Never the key written in the evidence: both checkpoints must be signed with the checker's key, under the log's
    name, be of that log, and contradict each other. Only a fork is such evidence; a rollback or a failing
    consistency proof (which older detente wrote as evidence) is refused with the reason. Returns the finding in
    words; raises :class:`NoteError` if the evidence does not hold up.
    """
    try:
        if evidence["format"] != EVIDENCE_FORMAT:
            raise NoteError("not detente evidence")
        log = Verifier(str(evidence["log"]["name"]), public_key)
        if base64.b64decode(evidence["log"]["public_key"]) != public_key:
            raise NoteError("the evidence names another key than the log's: it is not evidence against this log")
        notes: list[SignedNote] = [parse_note(text) for text in evidence["checkpoints"]]
        kind = evidence["kind"]
    except (KeyError, TypeError, ValueError):
        raise NoteError("evidence is missing a field or has one of the wrong type") from None
    if name is not None and log.name != name:
        raise NoteError(f"the evidence is about the log key {log.name!r}, not {name!r}")
    if kind in ("rollback", "inconsistent"):
        raise NoteError(
            f"{kind} is not evidence against a log: "
            + (
                "the log signed the smaller checkpoint earlier, and anyone can present it again"
                if kind == "rollback"
                else "a consistency proof is not signed by the log, so a failing one shows nothing about it"
            )
        )
    if kind != "fork":
        raise NoteError(f"unknown kind of evidence {kind!r}")
    if len(notes) != 2:
        raise NoteError("fork evidence must hold two checkpoints")
    for note in notes:
        verify_note(note, log)
    first, second = (n.checkpoint() for n in notes)
    if first.origin != log.name or second.origin != log.name:
        raise NoteError(f"the checkpoints are not both of the log {log.name!r} (origins {first.origin!r}, "
                        f"{second.origin!r})")  # fmt: skip
    if first.size != second.size or first.root == second.root:
        raise NoteError("not a fork: the checkpoints do not share a size with different roots")
    return f"fork proven: {log.name} signed two roots for size {first.size} of {first.origin}"


__all__ = [
    "MisbehaviourError",
    "NoteError",
    "RefusedCheckpointError",
    "Seen",
    "Witness",
    "check_evidence",
    "fork_evidence",
]
