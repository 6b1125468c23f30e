r"""Range proofs on Pedersen commitments: a committed number is in [0, 2**k), or at most a bound, and nothing more.

A party commits to a number, C = v·G + r·H (:mod:`detente.crypto.pedersen`), and proves v ∈ [0, 2**k) for a k of
1 to 64 (:func:`prove_range`), or v ≤ bound (:func:`prove_at_most`), without revealing v. The proof is a bit
decomposition, each bit shown to be 0 or 1 by an OR-proof, made non-interactive by Fiat–Shamir
(:mod:`detente.crypto.transcript`).

The construction, for a commitment D to w with blinding s (D = C and w = v for a range; see below for a bound):

1. Bits. w = Σ b_i·2**i. The prover commits to each bit, C_i = b_i·G + r_i·H, with r_1 … r_{k-1} uniform in
   [1, ℓ) and r_0 = s - Σ_{i≥1} 2**i·r_i (drawn again in the rare case r_0 = 0, where C_0 would show b_0). Then
   Σ 2**i·C_i = D exactly, and the verifier checks that sum with point additions. (The other way, independent r_i
   and a Schnorr proof that Σ 2**i·C_i - D is a multiple of H, costs one more proof and shows nothing more: given
   D, these C_i are uniform under the one relation, whatever w is.)
2. Each bit is 0 or 1: with D_{i,0} = C_i and D_{i,1} = C_i - G, the prover knows log_H of D_{i,b} for its bit b
   (it is r_i), and proves it knows log_H of D_{i,0} *or* of D_{i,1} (Cramer, Damgård and Schoenmakers, 1994): a
   Schnorr proof for branch b, and a simulated one for the other branch. For branch b it draws a nonce n_i and
   announces A_{i,b} = n_i·H; for branch 1 - b it draws e_{i,1-b} and z_{i,1-b} and announces
   A_{i,1-b} = z_{i,1-b}·H - e_{i,1-b}·D_{i,1-b}.
3. One challenge e for all the bits, from the transcript once every C_i and A_{i,j} is in it. The prover answers
   e_{i,b} = e - e_{i,1-b} and z_{i,b} = n_i + e_{i,b}·r_i.
4. The verifier accepts if for every bit e_{i,0} + e_{i,1} = e and z_{i,j}·H = A_{i,j} + e_{i,j}·D_{i,j} (j = 0, 1),
   and Σ 2**i·C_i = D.

Sound: from two accepting answers to two challenges, each bit gives log_H of D_{i,0} or of D_{i,1}, so each C_i
commits to 0 or 1 (or the prover knows log_G H), and the sum binds w to those bits: w < 2**k. Zero knowledge: the
interactive protocol is special honest-verifier zero knowledge. :func:`simulate` draws, without the witness, the
C_i under the sum relation, then for the challenge given every e_{i,0}, z_{i,0} and z_{i,1} uniform, and solves
step 4 for the announcements: the same distribution as the real prover's conversations
(:func:`honest_conversation`), where every C_i is uniform under the sum, e_{i,0} is uniform whichever branch is real,
and every z is uniform.

What is sent: the challenge e and, per bit, C_i, e_{i,0}, z_{i,0} and z_{i,1} (128 bytes a bit). The verifier
computes e_{i,1} = e - e_{i,0} and the announcements from step 4, absorbs everything as the prover did, and accepts
only if the transcript gives back e.

The transcript absorbs, in order: the protocol ``detente/rangeproof/v1``; the group's name; G and H; the statement
(its kind, ``range`` or ``at-most``, its k, and for ``at-most`` its bound); the caller's context (treaty, party,
date, measure, facility: whatever the caller names); the commitment C, and for ``at-most`` D; then per bit C_i,
A_{i,0} and A_{i,1}. A proof made for one statement or context fails for any other.

At most a bound: v ≤ bound is proven as bound - v ∈ [0, 2**k) on D = bound·G - C, with blinding s = -r. The
verifier derives D from C and the bound; it is never sent. Numbers are modulo ℓ, so this shows that v is one of
bound, bound - 1, …, bound - 2**k + 1 modulo ℓ: with 2**k > bound + 1 that window holds numbers below zero (ℓ - 1
is -1). A verifier that must also know v ≥ 0 (before adding commitments up, for instance) asks for a range proof
of C as well.

Reading a proof (:meth:`RangeProof.from_bytes`), refused with :class:`~detente.errors.VerificationError` at the first
rule broken:

1. The first byte is the format version, 1.
2. The second is k, from 1 to 64.
3. The proof is exactly 2 + 32 + 128·k bytes: nothing missing, nothing after.
4. The challenge, then per bit C_i, e_{i,0}, z_{i,0}, z_{i,1}: every point decodes by
   :meth:`~detente.crypto.pedersen.Point.from_bytes` (canonical, in the prime-order subgroup, not the identity), every
   scalar by :func:`~detente.crypto.pedersen.scalar_from_bytes` (canonical, below ℓ).

Verifying (:func:`verify_range`, :func:`verify_at_most`), refused with
:class:`~detente.errors.VerificationError` at the first rule broken:

5. The proof has as many bits as the statement's k.
6. Σ 2**i·C_i is the commitment (for ``at-most``, bound·G - C): the proof is about this commitment.
7. The transcript of this statement, context and proof gives back the proof's challenge.

A statement the caller cannot ask for (k outside 1..64, a bound outside [0, 2**64), a context that is not text) is
refused with :class:`~detente.errors.InputError`, and so is a value the prover cannot prove: out of range, above the
bound, or not the one the commitment holds.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from detente.crypto.pedersen import (
    GROUP_NAME,
    IDENTITY,
    ORDER,
    POINT_SIZE,
    SCALAR_SIZE,
    G,
    H,
    Point,
    add,
    open_check,
    random_scalar,
    scalar_from_bytes,
    scalar_to_bytes,
    scale,
    sub,
)
from detente.crypto.transcript import Context, Transcript
from detente.errors import InputError, Location, VerificationError

PROTOCOL = "detente/rangeproof/v1"
FORMAT_VERSION = 1
MAX_BITS = 64
MAX_BOUND = 2**64 - 1
RANGE = "range"
AT_MOST = "at-most"
_HEADER_SIZE = 2 + SCALAR_SIZE
_BIT_SIZE = POINT_SIZE + 3 * SCALAR_SIZE


@dataclass(frozen=True)
class BitProof:
    """One bit of a non-interactive proof: its commitment C_i, the challenge e_{i,0} and the responses z_{i,0}, z_{i,1}.

    Holds only what reading rule 4 accepts: a bit commitment that is not the identity and scalars in [0, ℓ).
    """

    commitment: Point
    challenge0: int
    response0: int
    response1: int

    def __post_init__(self) -> None:
        if not isinstance(self.commitment, Point) or self.commitment.is_identity:
            raise VerificationError("a bit commitment is a point of the group other than the identity")
        for name in ("challenge0", "response0", "response1"):
            _check_scalar(getattr(self, name), name)


@dataclass(frozen=True)
class RangeProof:
    """A non-interactive range proof: the challenge and one :class:`BitProof` per bit, 1 to 64 of them."""

    challenge: int
    bits: tuple[BitProof, ...]

    def __post_init__(self) -> None:
        _check_scalar(self.challenge, "challenge")
        if not 1 <= len(self.bits) <= MAX_BITS or not all(isinstance(bit, BitProof) for bit in self.bits):
            raise VerificationError(f"a range proof has 1 to {MAX_BITS} bit proofs, not {len(self.bits)}")

    @property
    def bit_count(self) -> int:
        """k: the proof shows a number below 2**k."""
        return len(self.bits)

    def to_bytes(self) -> bytes:
        """The wire format: version, k, the challenge, then per bit C_i, e_{i,0}, z_{i,0}, z_{i,1}."""
        out = [bytes([FORMAT_VERSION, self.bit_count]), scalar_to_bytes(self.challenge)]
        for bit in self.bits:
            out.append(bytes(bit.commitment))
            out.extend(scalar_to_bytes(n) for n in (bit.challenge0, bit.response0, bit.response1))
        return b"".join(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> RangeProof:
        """Read a proof by rules 1-4, refusing anything else with the rule and the position."""
        if not isinstance(data, bytes):
            raise VerificationError(f"a range proof is bytes, not {type(data).__name__}")
        if len(data) < 2:
            raise VerificationError(f"a range proof of {len(data)} bytes has no header (version and k)")
        if data[0] != FORMAT_VERSION:
            raise VerificationError(f"range proof format version {data[0]} is not {FORMAT_VERSION}, the one read here")
        k = data[1]
        if not 1 <= k <= MAX_BITS:
            raise VerificationError(f"a range proof has 1 to {MAX_BITS} bits, not {k}")
        size = _HEADER_SIZE + k * _BIT_SIZE
        if len(data) < size:
            raise VerificationError(f"range proof truncated: {len(data)} bytes, where {k} bits take {size}")
        if len(data) > size:
            raise VerificationError(f"range proof has {len(data) - size} bytes after its {k} bits ({size} bytes)")
        challenge = scalar_from_bytes(data[2:_HEADER_SIZE], "range proof challenge")
        bits = []
        for i in range(k):
            at = _HEADER_SIZE + i * _BIT_SIZE
            commitment = Point.from_bytes(data[at : at + POINT_SIZE], f"range proof bit {i} commitment")
            at += POINT_SIZE
            scalars = [
                scalar_from_bytes(data[at + j * SCALAR_SIZE : at + (j + 1) * SCALAR_SIZE], f"range proof bit {i} {n}")
                for j, n in enumerate(("e0", "z0", "z1"))
            ]
            bits.append(BitProof(commitment, *scalars))
        return cls(challenge, tuple(bits))


@dataclass(frozen=True)
class BitRound:
    """One bit of a conversation of the interactive protocol: C_i, both announcements, e_{i,0} and both responses."""

    commitment: Point
    announcement0: Point
    announcement1: Point
    challenge0: int
    response0: int
    response1: int


@dataclass(frozen=True)
class Conversation:
    """A conversation of the interactive protocol: the verifier's challenge and the prover's rounds, one a bit."""

    challenge: int
    rounds: tuple[BitRound, ...]


# ------------------------------------------------------------------------------------------------ statements


def prove_range(commitment: Point, value: int, blinding: int, k: int, context: Context) -> RangeProof:
    """Prove that ``commitment`` (value·G + blinding·H) holds a value in [0, 2**k), for this context."""
    _check_bits(k)
    _check_opening(commitment, value, blinding)
    if not 0 <= value < 2**k:
        raise InputError(f"the value is not in [0, 2**{k}): it cannot be proven", Location(field="value"))
    transcript = _statement(RANGE, k, None, commitment, commitment, context)
    return _prove(transcript, value, blinding, k)


def verify_range(commitment: Point, proof: RangeProof, k: int, context: Context) -> None:
    """Check a proof that ``commitment`` holds a value in [0, 2**k) for this context (rules 5-7)."""
    _check_bits(k)
    transcript = _statement(RANGE, k, None, commitment, commitment, context)
    _verify(transcript, commitment, proof, k)


def at_most_commitment(commitment: Point, bound: int) -> Point:
    """bound·G - C: a commitment to bound - v with blinding -r, computed by the verifier from C and the bound."""
    _check_bound(bound)
    _check_commitment(commitment)
    return sub(scale(G, bound), commitment)


def prove_at_most(commitment: Point, value: int, blinding: int, bound: int, k: int, context: Context) -> RangeProof:
    """Prove that ``commitment`` holds a value at most ``bound``: bound - value ∈ [0, 2**k) (see the module docs)."""
    _check_bits(k)
    _check_bound(bound)
    _check_opening(commitment, value, blinding)
    if value > bound:
        raise InputError(
            f"the value exceeds the bound {bound}: it cannot be proven to be at most the bound", Location(field="value")
        )
    if bound - value >= 2**k:
        raise InputError(
            f"bound - value is not below 2**{k}",
            Location(field="k"),
            f"prove with k = {(bound - value).bit_length()} or more",
        )
    target = at_most_commitment(commitment, bound)
    transcript = _statement(AT_MOST, k, bound, commitment, target, context)
    return _prove(transcript, bound - value, (-blinding) % ORDER, k)


def verify_at_most(commitment: Point, proof: RangeProof, bound: int, k: int, context: Context) -> None:
    """Check a proof that ``commitment`` holds a value at most ``bound``, in the window of 2**k (rules 5-7)."""
    _check_bits(k)
    target = at_most_commitment(commitment, bound)
    transcript = _statement(AT_MOST, k, bound, commitment, target, context)
    _verify(transcript, target, proof, k)


def _statement(kind: str, k: int, bound: int | None, commitment: Point, target: Point, context: Context) -> Transcript:
    """A transcript holding everything public before the prover's first move."""
    _check_commitment(commitment)
    transcript = Transcript(PROTOCOL)
    transcript.append("group", GROUP_NAME.encode())
    transcript.append("generator/G", bytes(G))
    transcript.append("generator/H", bytes(H))
    transcript.append("statement/kind", kind.encode())
    transcript.append_u64("statement/bits", k)
    if bound is not None:
        transcript.append_u64("statement/bound", bound)
    transcript.append_context(context)
    transcript.append("statement/commitment", bytes(commitment))
    if kind == AT_MOST:
        transcript.append("statement/range-commitment", bytes(target))
    return transcript


# ------------------------------------------------------------------------------------------------ the protocol


@dataclass(frozen=True)
class _BitSecret:
    """What the prover keeps of one bit between its first move and its answer."""

    bit: int
    blinding: int  # r_i = log_H of D_{i,bit}
    nonce: int  # n_i, the real branch's
    other_challenge: int  # e_{i,1-bit}, the simulated branch's
    other_response: int  # z_{i,1-bit}


def _bit_blindings(blinding: int, k: int) -> list[int]:
    """r_0 … r_{k-1}, each in [1, ℓ), with Σ 2**i·r_i = blinding (step 1)."""
    while True:
        rest = [random_scalar() for _ in range(k - 1)]
        first = (blinding - sum(r << (i + 1) for i, r in enumerate(rest))) % ORDER
        if first != 0:
            return [first, *rest]


def _first_move(value: int, blinding: int, k: int) -> tuple[list[tuple[Point, Point, Point]], list[_BitSecret]]:
    """Steps 1 and 2: per bit (C_i, A_{i,0}, A_{i,1}), and what the prover keeps to answer."""
    moves: list[tuple[Point, Point, Point]] = []
    kept: list[_BitSecret] = []
    for i, r in enumerate(_bit_blindings(blinding, k)):
        bit = (value >> i) & 1
        hidden = scale(H, r)
        commitment = add(G, hidden) if bit else hidden  # 0·G is never computed
        nonce = random_scalar()
        other_challenge, other_response = secrets.randbelow(ORDER), secrets.randbelow(ORDER)
        other_base = commitment if bit else sub(commitment, G)  # D_{i,1-bit}
        real = scale(H, nonce)
        simulated = sub(scale(H, other_response), scale(other_base, other_challenge))
        moves.append((commitment, real, simulated) if bit == 0 else (commitment, simulated, real))
        kept.append(_BitSecret(bit, r, nonce, other_challenge, other_response))
    return moves, kept


def _answer(kept: _BitSecret, challenge: int) -> tuple[int, int, int]:
    """Step 3 for one bit: (e_{i,0}, z_{i,0}, z_{i,1})."""
    own_challenge = (challenge - kept.other_challenge) % ORDER
    own_response = (kept.nonce + own_challenge * kept.blinding) % ORDER
    if kept.bit == 0:
        return own_challenge, own_response, kept.other_response
    return kept.other_challenge, kept.other_response, own_response


def _absorb_bit(transcript: Transcript, commitment: Point, announcement0: Point, announcement1: Point) -> None:
    transcript.append("bit/commitment", bytes(commitment))
    transcript.append("bit/announcement/0", bytes(announcement0))
    transcript.append("bit/announcement/1", bytes(announcement1))


def _prove(transcript: Transcript, value: int, blinding: int, k: int) -> RangeProof:
    moves, kept = _first_move(value, blinding, k)
    for move in moves:
        _absorb_bit(transcript, *move)
    challenge = transcript.challenge("challenge")
    bits = (BitProof(move[0], *_answer(secret, challenge)) for move, secret in zip(moves, kept, strict=True))
    return RangeProof(challenge, tuple(bits))


def _announcements(
    commitment: Point, challenge: int, challenge0: int, response0: int, response1: int
) -> tuple[Point, Point]:
    """A_{i,j} = z_{i,j}·H - e_{i,j}·D_{i,j}, for j = 0, 1: the announcements step 4 accepts."""
    challenge1 = (challenge - challenge0) % ORDER
    announcement0 = sub(scale(H, response0), scale(commitment, challenge0))
    announcement1 = sub(scale(H, response1), scale(sub(commitment, G), challenge1))
    return announcement0, announcement1


def _weighted_sum(commitments: Sequence[Point]) -> Point:
    """Σ 2**i·C_i, by Horner's rule from the top bit: doublings and additions, no scalar multiplication."""
    total = IDENTITY
    for commitment in reversed(commitments):
        total = add(add(total, total), commitment)
    return total


def _verify(transcript: Transcript, target: Point, proof: RangeProof, k: int) -> None:
    if not isinstance(proof, RangeProof):
        raise VerificationError(f"not a range proof: {type(proof).__name__}")
    if proof.bit_count != k:  # rule 5
        raise VerificationError(f"the range proof is over {proof.bit_count} bits; the statement is over {k}")
    if _weighted_sum([bit.commitment for bit in proof.bits]) != target:  # rule 6
        raise VerificationError(
            "the range proof's bit commitments do not add up to the commitment: it is a proof about another one"
        )
    for bit in proof.bits:
        announcements = _announcements(bit.commitment, proof.challenge, bit.challenge0, bit.response0, bit.response1)
        _absorb_bit(transcript, bit.commitment, *announcements)
    if transcript.challenge("challenge") != proof.challenge:  # rule 7
        raise VerificationError(
            "the range proof does not verify: its challenge is not the transcript's, so it was made for another "
            "statement or context, or altered"
        )


# ------------------------------------------------------------------------------------------------ interactive


def honest_conversation(commitment: Point, value: int, blinding: int, k: int, challenge: int) -> Conversation:
    """The real prover of the interactive range protocol, answering a challenge an honest verifier drew.

    An honest verifier draws its challenge independently of the prover's first move, so taking it as an argument
    gives conversations distributed as the interactive protocol's. For the zero-knowledge tests, beside
    :func:`simulate`.
    """
    _check_bits(k)
    _check_opening(commitment, value, blinding)
    _check_scalar(challenge, "challenge", error=InputError)
    if not 0 <= value < 2**k:
        raise InputError(f"the value is not in [0, 2**{k}): it cannot be proven", Location(field="value"))
    moves, kept = _first_move(value, blinding, k)
    rounds = (BitRound(*move, *_answer(secret, challenge)) for move, secret in zip(moves, kept, strict=True))
    return Conversation(challenge, tuple(rounds))


def simulate(commitment: Point, k: int, challenge: int) -> Conversation:
    """An accepting conversation for a commitment and a challenge, made without knowing the value or the blinding.

    Challenge first, then responses, then what the prover must have said first: C_1 … C_{k-1} uniform, C_0 so that
    Σ 2**i·C_i is the commitment, every e_{i,0}, z_{i,0}, z_{i,1} uniform, and the announcements solved from the
    verifier's equations. :func:`check_conversation` accepts it, and it is distributed as
    :func:`honest_conversation`'s are: the interactive protocol shows an honest verifier nothing but that the
    statement holds. A non-interactive proof cannot be made this way (the challenge there is a hash of the
    announcements), which is what makes it sound; it is zero knowledge as the hash is modelled as a random oracle.
    """
    _check_bits(k)
    _check_scalar(challenge, "challenge", error=InputError)
    upper = [scale(H, random_scalar()) for _ in range(k - 1)]  # C_1 … C_{k-1}
    half = _weighted_sum(upper)  # Σ_{i≥1} 2**(i-1)·C_i
    commitments = [sub(commitment, add(half, half)), *upper]
    rounds = []
    for bit_commitment in commitments:
        challenge0, response0, response1 = (secrets.randbelow(ORDER) for _ in range(3))
        announcements = _announcements(bit_commitment, challenge, challenge0, response0, response1)
        rounds.append(BitRound(bit_commitment, *announcements, challenge0, response0, response1))
    return Conversation(challenge, tuple(rounds))


def check_conversation(commitment: Point, conversation: Conversation, k: int) -> None:
    """The interactive protocol's verifier (step 4) with the challenge the conversation carries: it does not hash.

    Refuses with :class:`~detente.errors.VerificationError` naming the first bit and equation that fails.
    """
    _check_bits(k)
    rounds = conversation.rounds
    if len(rounds) != k:
        raise VerificationError(f"the conversation is over {len(rounds)} bits; the statement is over {k}")
    _check_scalar(conversation.challenge, "challenge")
    for i, bit in enumerate(rounds):
        for name in ("challenge0", "response0", "response1"):
            _check_scalar(getattr(bit, name), f"bit {i} {name}")
        challenge1 = (conversation.challenge - bit.challenge0) % ORDER
        if scale(H, bit.response0) != add(bit.announcement0, scale(bit.commitment, bit.challenge0)):
            raise VerificationError(f"bit {i}: z0·H is not A0 + e0·C_{i}")
        if scale(H, bit.response1) != add(bit.announcement1, scale(sub(bit.commitment, G), challenge1)):
            raise VerificationError(f"bit {i}: z1·H is not A1 + e1·(C_{i} - G)")
    if _weighted_sum([bit.commitment for bit in rounds]) != commitment:
        raise VerificationError("the bit commitments do not add up to the commitment")


# ------------------------------------------------------------------------------------------------ checks


def _check_bits(k: int) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_BITS:
        raise InputError(f"k, the number of bits, is an integer from 1 to {MAX_BITS}, not {k!r}", Location(field="k"))


def _check_commitment(commitment: Point) -> None:
    if not isinstance(commitment, Point):
        raise InputError(
            f"a commitment is a Point, not {type(commitment).__name__}",
            Location(field="commitment"),
            "decode received bytes with Point.from_bytes",
        )


def _check_bound(bound: int) -> None:
    if not isinstance(bound, int) or isinstance(bound, bool) or not 0 <= bound <= MAX_BOUND:
        raise InputError(f"a bound is an integer in [0, 2**64), not {bound!r}", Location(field="bound"))


def _check_opening(commitment: Point, value: int, blinding: int) -> None:
    """The prover's inputs: a value ≥ 0 and a nonzero blinding that open the commitment."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(f"a value is a non-negative integer, not {value!r}", Location(field="value"))
    if not isinstance(blinding, int) or isinstance(blinding, bool) or not 0 < blinding < ORDER:
        raise InputError("a blinding is an integer in [1, ℓ)", Location(field="blinding"))
    if not open_check(commitment, value, blinding):
        raise InputError(
            "the commitment is not value·G + blinding·H for the value and blinding given",
            Location(field="commitment"),
            "prove with the value and blinding the commitment was made with",
        )


def _check_scalar(n: object, what: str, error: type[Exception] = VerificationError) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < ORDER:
        raise error(f"{what} is not a scalar in [0, ℓ)")


__all__ = [
    "AT_MOST",
    "FORMAT_VERSION",
    "MAX_BITS",
    "MAX_BOUND",
    "PROTOCOL",
    "RANGE",
    "BitProof",
    "BitRound",
    "Conversation",
    "RangeProof",
    "at_most_commitment",
    "check_conversation",
    "honest_conversation",
    "prove_at_most",
    "prove_range",
    "simulate",
    "verify_at_most",
    "verify_range",
]
