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

from detente.errors import KeyFileError, Location

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
    """Write a key file readable by its owner only; refuse to overwrite an existing file."""
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
    with os.fdopen(fd, "w") as out:
        json.dump(doc, out, indent=2)
        out.write("\n")


def load_key(path: Path, party: str | None = None) -> PartyKey:
    """Read a key file; refuse one that others can read, that is malformed, or that belongs to another party."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise KeyFileError("key file not found", Location.of(path)) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError("key file is readable by others", Location.of(path), "chmod 600 it")
    try:
        doc = json.loads(text)
        seed = base64.b64decode(doc["seed"], validate=True)
        owner = str(doc["party"])
        if doc.get("format") != KEY_FORMAT or len(seed) != 32:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise KeyFileError("not a detente key file", Location.of(path)) from None
    if party is not None and owner != party:
        raise KeyFileError(f"key belongs to {owner}, not {party}", Location.of(path))
    return PartyKey.from_seed(owner, seed)
