"""Ed25519 keys of the parties: the :class:`Signer` port, the in-process signer, and key files.

Everything detente signs (ledger entries, checkpoints, cosignatures, escrow commitments) is signed through the
:class:`Signer` port: sign bytes, give the public key, give a key id. :class:`PartyKey` is the default signer, a
key held in this process. A party that keeps its key in an HSM or a separate signing service writes a class with
the same three members; nothing else changes.

A party's signing key is a 32-byte seed kept in a key file readable by its owner only (mode 0600, created
exclusively, never overwritten). The public key is published in the ledger. Key material is never printed,
logged, shown in a ``repr`` or handed to another process; only the public key and its fingerprint are.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey

from detente._files import parse_json, read_text
from detente.errors import FileFormatError, KeyFileError, Location

KEY_FORMAT = "detente.key/1"


def fingerprint(public_key: bytes) -> str:
    """A short, stable name for a public key: the first 8 bytes of its SHA-256, hex."""
    return hashlib.sha256(public_key).hexdigest()[:16]


@runtime_checkable
class Signer(Protocol):
    """What signs for a party: Ed25519 over bytes, with the public key the signatures verify under."""

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        ...

    @property
    def key_id(self) -> str:
        """A short, stable name for the key (:func:`fingerprint` of the public key)."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The 64-byte detached Ed25519 signature of ``message``."""
        ...


@dataclass(frozen=True)
class PartyKey:
    """A party's signing key held in this process: the default :class:`Signer`.

    Its ``repr`` shows the party and the public key's fingerprint only.
    """

    party: str
    _signing: SigningKey = field(repr=False)
    _secret: bytes = field(init=False, repr=False, compare=False)  # libsodium's 64-byte secret key

    def __post_init__(self) -> None:
        object.__setattr__(self, "_secret", crypto_sign_seed_keypair(bytes(self._signing))[1])

    @classmethod
    def generate(cls, party: str) -> PartyKey:
        """A fresh random key for a party."""
        return cls(party, SigningKey.generate())

    @classmethod
    def from_seed(cls, party: str, seed: bytes) -> PartyKey:
        """A key from a 32-byte seed (fixed test and demo keys are made this way)."""
        return cls(party, SigningKey(seed))

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return bytes(self._signing.verify_key)

    @property
    def key_id(self) -> str:
        """The public key's :func:`fingerprint`."""
        return fingerprint(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte detached signature of a message."""
        return crypto_sign(message, self._secret)[:64]

    def __repr__(self) -> str:
        return f"PartyKey(party={self.party!r}, public={fingerprint(self.public_key)})"


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True if the signature over the message is valid for the public key (libsodium's crypto_sign_open)."""
    if len(signature) != 64 or len(public_key) != 32:
        return False
    try:
        crypto_sign_open(signature + message, public_key)
    except (BadSignatureError, ValueError):
        return False
    return True


def save_key(key: PartyKey, path: Path) -> None:
    """Write a key file readable by its owner only; refuse to overwrite an existing file or to write nowhere."""
    path = Path(path)
    doc = {
        "format": KEY_FORMAT,
        "party": key.party,
        "algorithm": "ed25519",
        "seed": base64.b64encode(bytes(key._signing)).decode(),
        "public_key": base64.b64encode(key.public_key).decode(),
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError("already exists; refusing to overwrite a key", Location.of(path)) from None
    except FileNotFoundError:
        raise KeyFileError(f"folder {path.parent} does not exist", Location.of(path), "create it first") from None
    except NotADirectoryError:
        raise KeyFileError(f"{path.parent} is not a folder", Location.of(path)) from None
    except OSError as exc:
        raise KeyFileError(f"cannot be written: {exc.strerror}", Location.of(path)) from None
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(doc, out, indent=2)
            out.write("\n")
    except OSError as exc:  # a full disk: leave no half-written key behind
        path.unlink(missing_ok=True)
        raise KeyFileError(f"cannot be written: {exc.strerror}", Location.of(path)) from None


def load_key(path: Path, party: str | None = None) -> PartyKey:
    """Read a key file; refuse one that others can read, that is malformed, or that belongs to another party.

    Rules, in order: the path is a regular file readable by its owner only; it is strict JSON (:func:`parse_json`:
    no repeated key, UTF-8); it is an object with ``format`` ``detente.key/1``, ``algorithm`` ``ed25519`` if given,
    a ``party`` code and a base64 32-byte ``seed``; its ``public_key``, if given, is the seed's (what a person reads
    in the file is the key it holds); its party is ``party`` if one is asked for.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError("key file not found", Location.of(path)) from None
    except OSError as exc:
        raise KeyFileError(f"cannot be read: {exc.strerror}", Location.of(path)) from None
    if not stat.S_ISREG(mode):
        raise KeyFileError(
            "is a directory, not a key file" if stat.S_ISDIR(mode) else "is not a file", Location.of(path)
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError("key file is readable by others", Location.of(path), "chmod 600 it")
    try:
        doc = parse_json(read_text(path), str(path))
    except FileFormatError as exc:
        raise KeyFileError(exc.why, exc.where, exc.hint) from None
    where = Location.of(path)
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT:
        raise KeyFileError(f"not a detente key file (format {KEY_FORMAT!r})", where)
    if doc.get("algorithm", "ed25519") != "ed25519":
        raise KeyFileError(f"algorithm {doc['algorithm']!r} is not ed25519", Location.of(path, None, "algorithm"))
    owner = doc.get("party")
    if not isinstance(owner, str) or not owner or not owner.isprintable() or any(c.isspace() for c in owner):
        raise KeyFileError(f"must be the party's code, not {owner!r}", Location.of(path, None, "party"))
    seed = _base64(doc.get("seed"), Location.of(path, None, "seed"))
    if len(seed) != 32:
        raise KeyFileError(f"must be 32 bytes, not {len(seed)}", Location.of(path, None, "seed"))
    if party is not None and owner != party:
        raise KeyFileError(f"key belongs to {owner}, not {party}", where)
    key = PartyKey.from_seed(owner, seed)
    if "public_key" in doc and _base64(doc["public_key"], Location.of(path, None, "public_key")) != key.public_key:
        raise KeyFileError(
            "is not the public key of this seed", Location.of(path, None, "public_key"), "an edited key file?"
        )
    return key


def _base64(value: object, where: Location) -> bytes:
    if not isinstance(value, str):
        raise KeyFileError("must be base64 text", where)
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise KeyFileError("is not base64", where) from None
