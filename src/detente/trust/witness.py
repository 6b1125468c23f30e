"""A witness of another party's log: it keeps the last checkpoint it verified, and cosigns only what extends it.

In a bilateral treaty each party witnesses the other's ledger. For every new checkpoint the witness checks, in
this order (the first failure refuses it and, where the log misbehaved, produces evidence):

1. The note is a well-formed checkpoint whose origin is the log it watches (the log's key name), signed by the
   log's key.
2. If the witness has seen nothing of this log yet, it accepts the checkpoint (trust on first use: the first
   tree head is taken as given, and everything after must extend it).
3. A smaller size than the last verified one is a **rollback**: refused, with both signed checkpoints as evidence.
4. The same size with a different root is a **fork**: two tree heads the log signed that cannot both be true —
   refused, with both as evidence. This evidence is conclusive on its own.
5. A larger size must come with a consistency proof from the last verified size that verifies; otherwise it is
   **inconsistent**: refused, with both checkpoints and the failing proof as evidence (the log can clear itself
   only by producing a valid proof, which it cannot do if it rewrote its history).
6. Accepted checkpoints replace the saved state (written atomically) and are cosigned (tlog-cosignature).

Evidence is a self-contained JSON document that anyone holding the log's public key can check offline with
:func:`check_evidence` (which takes that key from the checker, never from the evidence).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.crypto.keys import Signer
from detente.crypto.merkle import ProofError, verify_consistency
from detente.crypto.note import COSIGNATURE_V1, Signature, SignedNote, Verifier, cosign, parse_note, verify_note
from detente.errors import InputError, Location, MisbehaviourError, NoteError

EVIDENCE_FORMAT = "detente.evidence/1"


@dataclass(frozen=True)
class Seen:
    """The last checkpoint a witness verified for a log."""

    size: int
    root: bytes
    note: str


def _evidence(kind: str, log: Verifier, notes: Sequence[str], proof: Sequence[bytes] = ()) -> dict[str, Any]:
    return {
        "format": EVIDENCE_FORMAT,
        "kind": kind,
        "log": {"name": log.name, "public_key": base64.b64encode(log.public_key).decode()},
        "checkpoints": list(notes),
        "proof": [base64.b64encode(p).decode() for p in proof],
    }


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
        try:
            doc = json.loads(path.read_text("utf-8"))
            for origin, s in doc["seen"].items():
                self.seen[origin] = Seen(int(s["size"]), base64.b64decode(s["root"]), s["note"])
        except (ValueError, KeyError, TypeError):
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
        note = parse_note(note_text)
        verify_note(note, log)
        checkpoint = note.checkpoint()
        if checkpoint.origin != log.name:
            raise NoteError(f"checkpoint of {checkpoint.origin!r}, but this witness watches {log.name!r} with that key")
        previous = self.seen.get(checkpoint.origin)
        if previous is not None:
            if checkpoint.size < previous.size:
                raise MisbehaviourError(
                    "rollback",
                    f"{checkpoint.origin} presented size {checkpoint.size} after size {previous.size}",
                    _evidence("rollback", log, [previous.note, note.text()]),
                )
            if checkpoint.size == previous.size and checkpoint.root != previous.root:
                raise MisbehaviourError(
                    "fork",
                    f"{checkpoint.origin} signed two different roots for size {checkpoint.size}",
                    _evidence("fork", log, [previous.note, note.text()]),
                )
            if checkpoint.size > previous.size:
                try:
                    verify_consistency(previous.size, checkpoint.size, previous.root, checkpoint.root, list(proof))
                except ProofError as exc:
                    raise MisbehaviourError(
                        "inconsistent",
                        f"{checkpoint.origin} size {checkpoint.size} does not extend size {previous.size}: {exc}",
                        _evidence("inconsistent", log, [previous.note, note.text()], proof),
                    ) from None
        self.seen[checkpoint.origin] = Seen(checkpoint.size, checkpoint.root, note.text())
        self._save()
        return cosign(note, self.name, self.key, timestamp)


def check_evidence(evidence: dict[str, Any], public_key: bytes) -> str:
    """Check evidence offline against the log's public key as the checker knows it.

    Never the key written in the evidence: both checkpoints must be signed with the checker's key, and show what
    is claimed. Returns the finding in words; raises :class:`NoteError` if the evidence does not hold up.
    """
    try:
        if evidence["format"] != EVIDENCE_FORMAT:
            raise NoteError("not detente evidence")
        log = Verifier(evidence["log"]["name"], public_key)
        if base64.b64decode(evidence["log"]["public_key"]) != public_key:
            raise NoteError("the evidence names another key than the log's: it is not evidence against this log")
        notes: list[SignedNote] = [parse_note(text) for text in evidence["checkpoints"]]
        proof = [base64.b64decode(p) for p in evidence["proof"]]
        kind = evidence["kind"]
    except (KeyError, TypeError, ValueError):
        raise NoteError("evidence is missing a field or has one of the wrong type") from None
    if len(notes) != 2:
        raise NoteError("evidence must hold two checkpoints")
    for note in notes:
        verify_note(note, log)
    first, second = (n.checkpoint() for n in notes)
    if first.origin != second.origin:
        raise NoteError("the two checkpoints are of different logs")
    if kind == "fork":
        if first.size != second.size or first.root == second.root:
            raise NoteError("not a fork: the checkpoints do not share a size with different roots")
        return f"fork proven: {log.name} signed two roots for size {first.size} of {first.origin}"
    if kind == "rollback":
        if second.size >= first.size:
            raise NoteError("not a rollback: the second checkpoint is not smaller")
        return (f"rollback shown: {log.name} presented size {second.size} after size {first.size} "
                f"(the log must still produce a consistency proof from {second.size} to {first.size})")  # fmt: skip
    if kind == "inconsistent":
        if second.size <= first.size:
            raise NoteError("not an inconsistency claim: the second checkpoint is not larger")
        try:
            verify_consistency(first.size, second.size, first.root, second.root, proof)
        except ProofError as exc:
            return (f"inconsistency shown: the proof {log.name} gave from size {first.size} to {second.size} fails "
                    f"({exc}); a log that did not rewrite its history can always produce one")  # fmt: skip
        raise NoteError("not inconsistent: the proof in the evidence verifies")
    raise NoteError(f"unknown kind of evidence {kind!r}")


__all__ = ["MisbehaviourError", "NoteError", "Seen", "Witness", "check_evidence"]
