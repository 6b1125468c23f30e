r"""Signed notes, checkpoints and cosignatures in the C2SP formats (signed-note, tlog-checkpoint, tlog-cosignature).

A checkpoint is the note body ``origin\nsize\nbase64(root)\n`` (optionally followed by extension lines), signed
by the log with Ed25519; a cosignature is a timestamped Ed25519 signature by another party (a witness) over
``cosignature/v1\ntime T\n`` followed by the same body.

Parsing rules (the first broken rule refuses the note with :class:`NoteError`):

1. The text is UTF-8 without a carriage return, and the body and the signatures are separated by one empty line.
2. The body ends with a newline and has no empty line; each signature line is ``— NAME BASE64`` (an em dash and a
   space, a name without spaces, and base64 of at least 5 bytes: a 4-byte key id and the signature).
3. A checkpoint body has an origin (non-empty), a size in decimal without leading zeros and below 2**63, and a
   root hash that is the base64 of exactly 32 bytes.

Verifying rules:

4. A signature line counts only if its name and key id match a verifier the caller configured (the key id is
   ``SHA-256(name || "\n" || type || public key)[:4]``, type 0x01 for note signatures, 0x04 for cosignatures);
   other lines are ignored, as the spec says.
5. A note is accepted only if the log's own signature is among them and verifies.
6. A cosignature verifies over ``cosignature/v1``, its timestamp line, and the whole body; its timestamp is
   below 2**63.

Verifier keys (how a user names a key it trusts):

7. A verifier key is ``NAME+KEYID+BASE64``: a name that is not empty and holds no space or ``+``, the key id as 8
   hex digits, and the base64 of a type byte and the 32-byte Ed25519 public key; the type is 0x01 (a log's note
   signatures) or 0x04 (a witness's cosignatures), and the key id is the one rule 4 computes from the rest.

Offline proofs: everything needed to check a claim about a log, and nothing that has to be taken on trust:

8. An inclusion proof is a ``c2sp.org/tlog-proof@v1`` file: that line, an optional ``extra BASE64`` line (opaque,
   not empty), ``index N`` (decimal without leading zeros), zero to 64 lines of one base64 32-byte hash each (the
   RFC 9162 inclusion path), an empty line, and the checkpoint note verbatim, with its signatures and cosignatures.
9. A consistency proof is a ``detente/consistency-proof@v1`` file, modelled on it: that line, zero to 64 hash
   lines (the RFC 9162 consistency path), an empty line, the older checkpoint note, an empty line, and the newer
   checkpoint note. There is no C2SP file format for it; both checkpoints travel with it so that it is checked
   against what the log signed, never against roots written beside the proof.
10. A proof is accepted only if every checkpoint in it verifies with the log key the *verifier* names (rules 4–5),
    and is of the log that key is named after (origin = key name). Then the RFC 9162 proof must lead, for
    inclusion, from the hash of the entry the verifier holds (or the ``extra`` data, which is what this proof
    claims the entry is, and is checked by the same hash) at the index to the checkpoint's root, and, for
    consistency, from the older checkpoint's size and root to the newer one's. A proof that fails any of these
    raises :class:`~detente.errors.VerificationError` naming the rule; a file that is not a proof raises
    :class:`NoteError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from detente.crypto.keys import Signer, verify
from detente.crypto.merkle import HASH_SIZE, ProofError, leaf_hash, verify_consistency, verify_inclusion
from detente.errors import NoteError, VerificationError

NOTE_SIGNATURE = 0x01
COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "
TLOG_PROOF = "c2sp.org/tlog-proof@v1"
CONSISTENCY_PROOF = "detente/consistency-proof@v1"
MAX_PROOF_HASHES = 64  # RFC 9162 trees hold fewer than 2**64 leaves: no proof is longer
MAX_CHECKPOINT_SIZE = 2**63 - 1
"""The largest checkpoint size read: a tree size is a signed 64-bit integer in every store detente writes."""
_SIZE_DIGITS = len(str(MAX_CHECKPOINT_SIZE))  # 19
_HEX = frozenset("0123456789abcdefABCDEF")


def key_id(name: str, kind: int, public_key: bytes) -> bytes:
    """The 4-byte key id of a verifier key (rule 4)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head: which log, how many entries, and the root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The note body, newline-terminated."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The line as it appears in the note, without the newline."""
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}"


@dataclass(frozen=True)
class SignedNote:
    """A note body and its signature lines."""

    body: str
    signatures: tuple[Signature, ...]

    def text(self) -> str:
        """The whole note as text."""
        return self.body + "\n" + "".join(s.line() + "\n" for s in self.signatures)

    def with_signature(self, signature: Signature) -> SignedNote:
        """The same note with one more signature line."""
        return SignedNote(self.body, (*self.signatures, signature))

    def checkpoint(self) -> Checkpoint:
        """The body read as a checkpoint (rule 3)."""
        return parse_checkpoint(self.body)


@dataclass(frozen=True)
class Verifier:
    """A configured key: a name, a public key, and whether it signs notes (a log) or cosigns (a witness)."""

    name: str
    public_key: bytes
    kind: int = NOTE_SIGNATURE

    @property
    def key_id(self) -> bytes:
        """Its key id (rule 4)."""
        return key_id(self.name, self.kind, self.public_key)


def parse_checkpoint(body: str) -> Checkpoint:
    """Rule 3."""
    if not body.endswith("\n"):
        raise NoteError("checkpoint body must end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint needs an origin, a size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if any(not line for line in extensions):
        raise NoteError("checkpoint has an empty extension line")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")) or not size_text.isascii():
        raise NoteError(f"checkpoint size {size_text[:40]!r} is not a decimal number without leading zeros")
    # Checked before int(): Python refuses to convert more than 4,300 digits, with a ValueError.
    if len(size_text) > _SIZE_DIGITS or int(size_text) > MAX_CHECKPOINT_SIZE:
        raise NoteError(f"checkpoint size {size_text[:40]}{'…' if len(size_text) > 40 else ''} is not below 2**63")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("checkpoint root hash is not base64") from None
    if len(root) != 32:
        raise NoteError(f"checkpoint root hash is {len(root)} bytes, not 32")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def parse_note(text: str) -> SignedNote:
    """Rules 1 and 2."""
    if "\r" in text:
        raise NoteError("note contains a carriage return")
    body, sep, rest = text.partition("\n\n")
    if not sep:
        raise NoteError("note has no empty line between body and signatures")
    body += "\n"
    if not rest.endswith("\n"):
        raise NoteError("note must end with a newline")
    signatures = []
    for line in rest[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError(f"signature line must start with an em dash and a space: {line[:40]!r}")
        name, space, encoded = line[len(_DASH) :].partition(" ")
        if not space or not name or " " in encoded:
            raise NoteError(f"signature line must be '— NAME BASE64': {line[:40]!r}")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise NoteError(f"signature of {name!r} is not base64") from None
        if len(raw) < 5:
            raise NoteError(f"signature of {name!r} is too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("note has no signature")
    return SignedNote(body, tuple(signatures))


def sign_note(body: str, name: str, key: Signer) -> SignedNote:
    """A note signed by a log key (note signature type 0x01)."""
    return SignedNote(body, (Signature(name, key_id(name, NOTE_SIGNATURE, key.public_key), key.sign(body.encode())),))


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a cosignature signs (rule 6)."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


def cosign(note: SignedNote, name: str, key: Signer, timestamp: int) -> Signature:
    """A witness's cosignature over a note's body at a POSIX time."""
    if not 0 <= timestamp < 2**63:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    signed = key.sign(cosignature_message(note.body, timestamp))
    return Signature(name, key_id(name, COSIGNATURE_V1, key.public_key), struct.pack(">Q", timestamp) + signed)


def verify_signature(note: SignedNote, signature: Signature, verifier: Verifier) -> int | None:
    """Check one line against one verifier; return the cosignature time (or 0 for a note signature), else None."""
    if signature.name != verifier.name or signature.key_id != verifier.key_id:
        return None
    if verifier.kind == NOTE_SIGNATURE:
        return 0 if verify(verifier.public_key, note.body.encode(), signature.signature) else None
    if len(signature.signature) != 8 + 64:
        return None
    (timestamp,) = struct.unpack(">Q", signature.signature[:8])
    if timestamp >= 2**63:
        return None
    message = cosignature_message(note.body, timestamp)
    return timestamp if verify(verifier.public_key, message, signature.signature[8:]) else None


def verify_note(note: SignedNote, log: Verifier, witnesses: tuple[Verifier, ...] = ()) -> dict[str, int]:
    """Rules 4–6: the log's signature must verify; returns the verified cosigners and their times."""
    if not any(verify_signature(note, s, log) == 0 for s in note.signatures):
        raise NoteError(f"no valid signature by the log key {log.name!r} ({log.key_id.hex()})")
    cosigned: dict[str, int] = {}
    for witness in witnesses:
        for s in note.signatures:
            when = verify_signature(note, s, witness)
            if when is not None:
                cosigned[witness.name] = when
    return cosigned


# ------------------------------------------------------------------------------------------------ verifier keys


def verifier_key(verifier: Verifier) -> str:
    """The verifier key string of a configured key (rule 7): ``name+hex(key id)+base64(type || public key)``."""
    encoded = base64.b64encode(bytes([verifier.kind]) + verifier.public_key).decode()
    return f"{verifier.name}+{verifier.key_id.hex()}+{encoded}"


def parse_verifier_key(text: str) -> Verifier:
    """Rule 7: a verifier key string, checked whole (its key id must be the one its name, type and key give)."""
    name, plus, rest = text.partition("+")
    declared, plus_again, encoded = rest.partition("+")
    if not (plus and plus_again):
        raise NoteError("a verifier key is NAME+KEYID+BASE64 (as `detente trust log-key` prints it)")
    if not name or any(ch.isspace() for ch in text):
        raise NoteError(f"verifier key {text[:60]!r} holds a space, or its name is empty")
    if len(declared) != 8 or not set(declared) <= _HEX:
        raise NoteError(f"verifier key id {declared!r} is not 8 hex digits")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("verifier key is not base64 after its key id") from None
    if len(raw) != 33 or raw[0] not in (NOTE_SIGNATURE, COSIGNATURE_V1):
        kind = f"type {raw[0]:#04x}, " if raw else ""
        raise NoteError(f"verifier key is not an Ed25519 key ({kind}{max(len(raw) - 1, 0)} key bytes)")
    verifier = Verifier(name, raw[1:], raw[0])
    if verifier.key_id != bytes.fromhex(declared):
        raise NoteError(f"verifier key id {declared} is not the id of its name and key ({verifier.key_id.hex()})")
    return verifier


# ------------------------------------------------------------------------------------------------ offline proofs


def _decimal(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")):
        raise NoteError(f"{what} {text[:40]!r} is not a decimal number without leading zeros")
    if len(text) > 20 or int(text) >= 2**64:
        raise NoteError(f"{what} {text[:40]} is not below 2**64")
    return int(text)


def _hashes(lines: list[str], what: str) -> tuple[bytes, ...]:
    if len(lines) > MAX_PROOF_HASHES:
        raise NoteError(f"{what} has {len(lines)} hash lines; no RFC 9162 proof has more than {MAX_PROOF_HASHES}")
    out = []
    for number, line in enumerate(lines, start=1):
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            value = b""
        if len(value) != HASH_SIZE:
            raise NoteError(f"{what}: hash line {number} is not the base64 of {HASH_SIZE} bytes: {line[:48]!r}")
        out.append(value)
    return tuple(out)


def _b64_lines(hashes: tuple[bytes, ...]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


def _checkpoint_note(text: str, what: str) -> SignedNote:
    try:
        note = parse_note(text)
        note.checkpoint()
    except NoteError as exc:
        raise NoteError(f"{what}: {exc}") from None
    return note


@dataclass(frozen=True)
class TlogProof:
    """An offline inclusion proof (c2sp.org/tlog-proof, rule 8): index, RFC 9162 path, the signed checkpoint."""

    index: int
    proof: tuple[bytes, ...]
    note: SignedNote
    extra: bytes | None = None

    def text(self) -> str:
        """The proof file's text."""
        lines = [TLOG_PROOF]
        if self.extra:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines += [f"index {self.index}", *_b64_lines(self.proof)]
        return "\n".join(lines) + "\n\n" + self.note.text()


@dataclass(frozen=True)
class TlogConsistency:
    """An offline consistency proof (rule 9): the RFC 9162 path and the two signed checkpoints it joins."""

    proof: tuple[bytes, ...]
    old: SignedNote
    new: SignedNote

    def text(self) -> str:
        """The proof file's text."""
        head = "\n".join([CONSISTENCY_PROOF, *_b64_lines(self.proof)])
        return head + "\n\n" + self.old.text() + "\n" + self.new.text()


def _proof_head(text: str, first: str, what: str, then: str) -> tuple[list[str], str]:
    """A proof file's lines after its first, and the notes after its empty line; NoteError if it is not ``what``."""
    if "\r" in text:
        raise NoteError("proof contains a carriage return")
    head, blank, notes = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != first:
        raise NoteError(f"not {what}: the first line must be {first!r}")
    if not blank:
        raise NoteError(f"{what} has no empty line before {then}")
    return lines[1:], notes


def parse_tlog_proof(text: str) -> TlogProof:
    """Rule 8; :class:`NoteError` names the first line that breaks it."""
    rest, note_text = _proof_head(text, TLOG_PROOF, "a tlog-proof", "its checkpoint")
    extra = None
    if rest and rest[0].startswith("extra "):
        try:
            extra = base64.b64decode(rest.pop(0)[len("extra ") :], validate=True)
        except (binascii.Error, ValueError):
            raise NoteError("tlog-proof: the extra line is not base64") from None
        if not extra:
            raise NoteError("tlog-proof: an extra line must hold data (leave it out otherwise)")
    if not rest or not rest[0].startswith("index "):
        raise NoteError("tlog-proof: expected the line 'index N' after the first line (and any extra line)")
    index = _decimal(rest.pop(0)[len("index ") :], "tlog-proof index")
    proof = _hashes(rest, "tlog-proof")
    return TlogProof(index, proof, _checkpoint_note(note_text, "tlog-proof checkpoint"), extra)


def parse_tlog_consistency(text: str) -> TlogConsistency:
    """Rule 9; :class:`NoteError` names the first part that breaks it."""
    lines, notes = _proof_head(text, CONSISTENCY_PROOF, "a consistency proof", "its checkpoints")
    proof = _hashes(lines, "consistency proof")
    old_body, _, rest = notes.partition("\n\n")  # a checkpoint body has no empty line; its signatures end at one
    old_signatures, between, new_text = rest.partition("\n\n")
    if not between or not new_text:
        raise NoteError("consistency proof needs two checkpoints, each followed by its signatures")
    old = _checkpoint_note(old_body + "\n\n" + old_signatures + "\n", "consistency proof, older checkpoint")
    return TlogConsistency(proof, old, _checkpoint_note(new_text, "consistency proof, newer checkpoint"))


def verify_checkpoint(
    note: SignedNote, log: Verifier, witnesses: tuple[Verifier, ...] = (), what: str = ""
) -> dict[str, int]:
    """Rule 10's first half: the note is signed by ``log`` and of the log named after it; returns the cosigners."""
    label = what or "checkpoint"
    try:
        cosigned = verify_note(note, log, witnesses)
    except NoteError as exc:
        raise VerificationError(f"the {label} is not signed by the key given for {log.name}: {exc}") from None
    origin = note.checkpoint().origin
    if origin != log.name:
        raise VerificationError(f"the {label} is of the log {origin!r}; the key given is {log.name!r}'s")
    return cosigned


def verify_tlog_proof(
    proof: TlogProof, log: Verifier, entry: bytes | None = None, witnesses: tuple[Verifier, ...] = ()
) -> tuple[Checkpoint, dict[str, int]]:
    """Rule 10 for inclusion: ``entry`` (default: the proof's extra data) is at its index under a signed checkpoint.

    Returns the checkpoint and the verified cosigners with their times.
    """
    cosigned = verify_checkpoint(proof.note, log, witnesses)
    checkpoint = proof.note.checkpoint()
    data = proof.extra if entry is None else entry
    if data is None:
        raise NoteError("the proof carries no entry (no extra line): give the entry it is for")
    try:
        verify_inclusion(leaf_hash(data), proof.index, checkpoint.size, proof.proof, checkpoint.root)
    except ProofError as exc:
        raise VerificationError(
            f"entry #{proof.index + 1} is not shown to be in {checkpoint.origin} at size {checkpoint.size}: {exc}"
        ) from None
    return checkpoint, cosigned


def verify_tlog_consistency(
    proof: TlogConsistency, log: Verifier, witnesses: tuple[Verifier, ...] = ()
) -> tuple[Checkpoint, Checkpoint, dict[str, int]]:
    """Rule 10 for consistency: both checkpoints are ``log``'s, and the newer extends the older.

    Returns both checkpoints and the verified cosigners of the newer one.
    """
    verify_checkpoint(proof.old, log, (), "older checkpoint")
    cosigned = verify_checkpoint(proof.new, log, witnesses, "newer checkpoint")
    old, new = proof.old.checkpoint(), proof.new.checkpoint()
    try:
        verify_consistency(old.size, new.size, old.root, new.root, proof.proof)
    except ProofError as exc:
        raise VerificationError(
            f"{new.origin} at size {new.size} is not shown to extend size {old.size}: {exc}"
        ) from None
    return old, new, cosigned
