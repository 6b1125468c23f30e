"""Signing on another core: a helper process that holds one party's key and signs payloads as the writer validates.

Signing is a quarter of what an append costs, and the chain needs only each payload's hash, not its signature. So
for a large batch the writer sends each chunk of canonical payloads to a helper as soon as it is validated, goes on
validating the next, and collects the signatures before it stores anything.

Rules:

1. The helper is ``python -m detente.ledger.signer``, started with pipes. The 32-byte seed goes down its stdin
   first: never in its arguments or environment. It writes nothing but signatures, and never logs.
2. A request is a 4-byte big-endian count, then per payload a 4-byte length and the bytes; the reply is the
   count's 64-byte signatures in order. At most ``AHEAD`` × ``CHUNK`` payloads are outstanding (the writer reads
   replies before sending more), so neither pipe fills while the other side waits. A batch that says how long it
   is sends its first and last ``CHUNK`` payloads in chunks of ``TAIL``: the helper starts after the first few, not
   the first 128, and the writer waits at the end only for it to sign the last few.
3. The writer checks the first and the last signature of every batch with the public key before storing (a
   helper signing with another key, or out of step, is caught before anything is written), and the store's
   entries are verified like any others by ``ledger verify``.
4. If the helper dies or answers short, the batch is refused with a :class:`LedgerError` and nothing is stored;
   the next batch starts a new helper. The helper exits when its stdin closes (the writer closed it or died).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import weakref
from collections import deque
from collections.abc import Callable
from typing import BinaryIO

from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from detente.errors import LedgerError
from detente.ledger import child
from detente.ledger.keys import PartyKey, verify

Sink = Callable[[int, list[bytes]], None]
"""Called with each chunk's signatures as they arrive: the position of the first in the batch, and the signatures."""

CHUNK = 128  # payloads per request
TAIL = 16  # payloads per request among a batch's first and last CHUNK
AHEAD = 4  # payloads outstanding at most: AHEAD x CHUNK (replies: 32 KiB, well inside a pipe's buffer)


class SigningHelper:
    """One helper process for one key; sign batches through :meth:`batch`."""

    def __init__(self, key: PartyKey) -> None:
        self.key = key
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None  # type: ignore[type-arg]

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            proc = child.start("detente.ledger.signer")
            assert proc.stdin is not None  # noqa: S101 - Popen with PIPE always gives one
            proc.stdin.write(self.key.seed())
            self._proc = proc
            self._finalizer = weakref.finalize(self, child.stop, proc)
        return self._proc

    def batch(self, size: int | None = None, signed: Sink | None = None) -> SigningBatch:
        """A new batch of payloads to sign, in order; ``size``, if known, lets its first and last chunks be small.

        ``signed(first, signatures)``, if given, is called as each chunk's signatures come back (``first`` is the
        position in the batch of the first of them), so that the caller can store them as they come.
        """
        return SigningBatch(self, self._started(), size, signed)

    def close(self) -> None:
        """Stop the helper (it also stops when this object is collected, or when the writer's process ends)."""
        if self._finalizer is not None:
            self._finalizer()
        self._proc = None

    def reset(self) -> None:
        """Forget a helper that failed; the next batch starts a new one."""
        self.close()


class SigningBatch:
    """Payloads sent as they come, in chunks; :meth:`signatures` returns all of theirs, in order (rules 2-4)."""

    def __init__(
        self, helper: SigningHelper, proc: subprocess.Popen[bytes], size: int | None = None, signed: Sink | None = None
    ) -> None:
        self._helper = helper
        self._stdin: BinaryIO = proc.stdin  # type: ignore[assignment]
        self._replies = proc.stdout.fileno()  # type: ignore[union-attr]  # read with os.read: select sees all of it
        self._chunk: list[bytes] = []
        self._sent: deque[int] = deque()  # sizes of the requests not yet answered
        self._signatures: list[bytes] = []
        self._messages: list[bytes] = []
        self._tail_from = sys.maxsize if size is None else size - CHUNK  # payloads added before the small chunks
        self._sink = signed

    def add(self, message: bytes) -> None:
        """Queue one payload; a full chunk goes to the helper at once."""
        self._messages.append(message)
        self._chunk.append(message)
        n = len(self._messages)
        if len(self._chunk) >= (CHUNK if CHUNK < n <= self._tail_from else TAIL):
            self._send()

    def _send(self) -> None:
        while self._sent and (
            sum(self._sent) + len(self._chunk) > AHEAD * CHUNK or select.select([self._replies], [], [], 0)[0]
        ):
            self._receive()  # room for this chunk, and any reply already here: signatures reach the sink soon
        frame = bytearray(len(self._chunk).to_bytes(4, "big"))
        for message in self._chunk:
            frame += len(message).to_bytes(4, "big")
            frame += message
        try:
            self._stdin.write(frame)
            self._stdin.flush()
        except OSError:
            self._failed("the signing helper stopped taking payloads")
        self._sent.append(len(self._chunk))
        self._chunk = []

    def _receive(self) -> None:
        count = self._sent.popleft()
        reply = _read(self._replies, 64 * count)
        if len(reply) != 64 * count:
            self._failed("the signing helper stopped before answering")
        signatures = [reply[i : i + 64] for i in range(0, len(reply), 64)]
        if self._sink is not None:
            self._sink(len(self._signatures), signatures)
        self._signatures += signatures

    def _failed(self, why: str) -> None:
        self._helper.reset()
        raise LedgerError(f"{why}: nothing was stored", hint="submit the batch again")

    def abandon(self) -> None:
        """Drop the batch (the writer refused it): the helper, with replies still in its pipe, is stopped."""
        if self._sent or self._chunk:
            self._helper.reset()

    def signatures(self) -> list[bytes]:
        """Every payload's signature, in order, after the first and last are checked (rule 3)."""
        if self._chunk:
            self._send()
        while self._sent:
            self._receive()
        public = self._helper.key.public_key
        ends = {0, len(self._messages) - 1} if self._messages else set()
        if len(self._signatures) != len(self._messages) or not all(
            verify(public, self._messages[i], self._signatures[i]) for i in ends
        ):
            self._failed("the signing helper's signatures do not verify with the party's key")
        return self._signatures


def _read(fd: int, size: int) -> bytes:
    """``size`` bytes from a pipe, or fewer if it ends first."""
    parts = []
    while size > 0 and (part := os.read(fd, size)):
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The helper's loop (rules 1-2): read the seed, then sign requests until stdin closes."""
    seed = stdin.read(32)
    if len(seed) != 32:
        return
    secret = crypto_sign_seed_keypair(seed)[1]
    while len(head := stdin.read(4)) == 4:
        out = bytearray()
        for _ in range(int.from_bytes(head, "big")):
            size = stdin.read(4)
            message = stdin.read(int.from_bytes(size, "big"))
            out += crypto_sign(message, secret)[:64]
        stdout.write(out)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
