r"""Signed notes, checkpoints and cosignatures in the C2SP formats (signed-note, tlog-checkpoint, tlog-cosignature).

A checkpoint is the note body ``origin\nsize\nbase64(root)\n`` (optionally followed by extension lines), signed
by the log with Ed25519; a cosignature is a timestamped Ed25519 signature by another party (a witness) over
``cosignature/v1\ntime T\n`` followed by the same body.

Parsing rules (the first broken rule refuses the note with :class:`NoteError`):

1. The text is UTF-8 without a carriage return, and the body and the signatures are separated by one empty line.
2. The body ends with a newline and has no empty line; each signature line is ``— NAME BASE64`` (an em dash and a
   space, a name without spaces, and base64 of at least 5 bytes: a 4-byte key id and the signature).
3. A checkpoint body has an origin (non-empty), a size in decimal without leading zeros, and a root hash that is
   the base64 of exactly 32 bytes.

Verifying rules:

4. A signature line counts only if its name and key id match a verifier the caller configured (the key id is
   ``SHA-256(name || "\n" || type || public key)[:4]``, type 0x01 for note signatures, 0x04 for cosignatures);
   other lines are ignored, as the spec says.
5. A note is accepted only if the log's own signature is among them and verifies.
6. A cosignature verifies over ``cosignature/v1``, its timestamp line, and the whole body; its timestamp is
   below 2**63.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from detente.crypto.keys import Signer, verify
from detente.errors import NoteError

NOTE_SIGNATURE = 0x01
COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "


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
        raise NoteError(f"checkpoint size {size_text!r} is not a decimal number without leading zeros")
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
