"""Fiat–Shamir transcripts: the verifier's random challenges, replaced by a hash of everything said before them.

A proof made non-interactive this way is only as sound as what its transcript absorbs: a public value left out can
be changed after the proof is made. So a protocol absorbs every public thing (the group, its generators, the
statement with its numbers, the caller's context and every commitment) before it asks for a challenge.

How bytes are absorbed, in order:

1. A transcript starts with :data:`DOMAIN` and then its protocol's label, framed as rule 2 frames a message labelled
   ``protocol``; two protocols never share a challenge.
2. Each message is framed as a kind byte (0x01), the label's length (2 bytes, big-endian), the label (UTF-8, not
   empty), the message's length (8 bytes, big-endian), and the message. Every field's length is fixed or written
   before it, so the frames of a sequence can be read back one way only: two different sequences of labelled
   messages are absorbed as different bytes, and hash alike only by a collision of SHA-512.
3. A challenge labelled L absorbs the frame (0x02, L, no message); it is SHA-512 of all the bytes absorbed so far,
   reduced modulo ℓ by ``crypto_core_ed25519_scalar_reduce``: 64 bytes to a scalar, whose distance from uniform is
   below 2**-259, where 32 bytes reduced would be visibly biased. Then the challenge's 32 bytes are absorbed as a
   message labelled L, so every later challenge depends on it.
4. A context (:meth:`Transcript.append_context`) is the number of its items, then for each item, in the order of
   its names' UTF-8 bytes, its name and its value as two messages. The caller's text is never used as a label, so
   it cannot pass for one of the protocol's own messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from nacl.bindings import crypto_core_ed25519_scalar_reduce

from detente.errors import InputError, Location

DOMAIN = b"detente/transcript/v1"
"""The bytes every transcript starts with, before its protocol's label."""
_MESSAGE = b"\x01"
_CHALLENGE = b"\x02"
_MAX_LABEL = 0xFFFF

Context = Mapping[str, str]
"""What a proof is about beyond its numbers (treaty, party, date, measure, facility...): names to values."""


class Transcript:
    """A running Fiat–Shamir transcript over SHA-512 (rules 1-4). Not thread-safe; one per proof."""

    def __init__(self, protocol: str) -> None:
        self._hash = hashlib.sha512(DOMAIN)
        self.append("protocol", protocol.encode())

    def append(self, label: str, message: bytes) -> None:
        """Absorb one message under its label (rule 2)."""
        if not isinstance(message, bytes):
            raise InputError(f"a transcript message is bytes, not {type(message).__name__}", Location(field=label))
        self._frame(_MESSAGE, label, message)

    def append_u64(self, label: str, number: int) -> None:
        """Absorb an integer in [0, 2**64) as 8 bytes, big-endian."""
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number < 2**64:
            raise InputError(f"{number!r} is not an integer in [0, 2**64)", Location(field=label))
        self.append(label, number.to_bytes(8, "big"))

    def append_context(self, context: Context) -> None:
        """Absorb the caller's context (rule 4): every name a non-empty string, every value a string."""
        items = []
        for name, value in context.items():
            if not isinstance(name, str) or not name:
                raise InputError(f"a context name is a non-empty string, not {name!r}", Location(field="context"))
            if not isinstance(value, str):
                raise InputError(f"a context value is a string, not {value!r}", Location(field=f"context.{name}"))
            items.append((name.encode(), value.encode()))
        self.append_u64("context/items", len(items))
        for name_bytes, value_bytes in sorted(items):
            self.append("context/name", name_bytes)
            self.append("context/value", value_bytes)

    def challenge(self, label: str) -> int:
        """The next challenge, a scalar in [0, ℓ) (rule 3)."""
        self._frame(_CHALLENGE, label, b"")
        scalar = crypto_core_ed25519_scalar_reduce(self._hash.copy().digest())
        self.append(label, scalar)
        return int.from_bytes(scalar, "little")

    def _frame(self, kind: bytes, label: str, message: bytes) -> None:
        name = label.encode()
        if not 0 < len(name) <= _MAX_LABEL:
            raise InputError(f"a transcript label is 1 to {_MAX_LABEL} bytes, not {len(name)}")
        self._hash.update(kind + len(name).to_bytes(2, "big") + name + len(message).to_bytes(8, "big"))
        self._hash.update(message)


__all__ = ["DOMAIN", "Context", "Transcript"]
