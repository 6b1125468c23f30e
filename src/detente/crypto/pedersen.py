"""Pedersen commitments in the prime-order subgroup of edwards25519, computed by libsodium.

The group is the subgroup of order ℓ = 2**252 + 27742317777372353535851937790883648493 of the edwards25519 curve
(the Ed25519 group), held as 32-byte compressed points. :data:`G` is the standard base point. :data:`H` is
``crypto_core_ed25519_from_uniform(SHA-512(H_LABEL)[:32])``: libsodium's Elligator 2 map, which also multiplies by
the cofactor 8, so H lands in the prime-order subgroup without a further step. H is the image of a hash of a fixed,
published label, so nobody knows log_G(H), and anyone can check how it was made.

A commitment to a value v with a blinding r is ``C = v·G + r·H`` (:func:`commit`). With r uniform in [1, ℓ) it
reveals nothing about v (C is a uniform group element whatever v is), and it binds: opening C to two different
values would give log_G(H). Commitments add: ``commit(v1, r1) + commit(v2, r2) = commit(v1 + v2, r1 + r2)``.

Decoding a point from bytes (:meth:`Point.from_bytes`) refuses with :class:`~detente.errors.VerificationError` at
the first rule it breaks:

1. It is exactly 32 bytes.
2. Its y coordinate (the low 255 bits) is below p = 2**255 - 19: an encoding with y ≥ p is not canonical.
3. It is a point of the curve.
4. It is the one encoding of its point: libsodium encodes the point back to the same bytes (this refuses a sign bit
   on x = 0).
5. It is not of small order (8·P is not the identity): this refuses the identity and the eight torsion points.
6. It is in the prime-order subgroup: ``crypto_core_ed25519_is_valid_point`` accepts it (it checks rules 2-6
   itself), and (ℓ + 1)·P = P. The second check is there because ``is_valid_point`` before libsodium's fix for
   CVE-2025-69277 passed points with an order-2 component; a PyNaCl built against an older system libsodium would.

Decoding a scalar (:func:`scalar_from_bytes`) takes exactly 32 bytes, little-endian, below ℓ; any other encoding of
the same number is refused. Scalars are Python ints in [0, ℓ) in memory.

Arithmetic on the identity and on zero: libsodium's scalar multiplications refuse a zero scalar and refuse to output
the identity (both ``crypto_scalarmult_ed25519_noclamp`` and ``crypto_scalarmult_ed25519_base_noclamp`` fail, and
PyNaCl raises). So :func:`scale` answers n ≡ 0 (mod ℓ), or the identity as the point, with the identity itself, and
calls libsodium only with n in [1, ℓ) and a point of order ℓ, whose product has order ℓ and is never the identity.
``commit(0, r)`` is therefore r·H: 0·G is never computed. Additions (``crypto_core_ed25519_add``/``sub``) take and
give the identity as any other point. A :class:`Point` can hold the identity, because sums and differences of points
can be it; only the decoder refuses it, since nothing detente sends is the identity.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_from_uniform,
    crypto_core_ed25519_is_valid_point,
    crypto_core_ed25519_sub,
    crypto_scalarmult_ed25519_base_noclamp,
    crypto_scalarmult_ed25519_noclamp,
)
from nacl.exceptions import CryptoError

from detente.errors import InputError, Location, VerificationError

ORDER = 2**252 + 27742317777372353535851937790883648493
"""ℓ, the order of the prime-order subgroup: scalars are integers modulo ℓ."""
FIELD_PRIME = 2**255 - 19
"""p, the prime of the field the coordinates are in."""
POINT_SIZE = 32
SCALAR_SIZE = 32
GROUP_NAME = "edwards25519/prime-order-subgroup"
"""The group's name, as proofs absorb it into their transcripts."""
H_LABEL = b"detente/pedersen/H/v1"
"""The label H is derived from: ``H = from_uniform(SHA-512(H_LABEL)[:32])``. A new label would be a new H."""

_IDENTITY = (1).to_bytes(POINT_SIZE, "little")  # (x, y) = (0, 1): y = 1 and no sign bit
_Y_MASK = (1 << 255) - 1


@dataclass(frozen=True, slots=True)
class Point:
    """An element of the prime-order subgroup (the identity included), held as its 32-byte canonical encoding.

    Building one from bytes checks that they encode such an element (rules 1-4 and 6 of the module docstring; the
    identity is allowed, since arithmetic can give it). :meth:`from_bytes` is the strict decoder for bytes that came
    from elsewhere: it also refuses the identity (rule 5) and says why it refused.
    """

    encoding: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.encoding, bytes):
            raise VerificationError(f"a point is 32 bytes, not {type(self.encoding).__name__}")
        why = _refusal(self.encoding, allow_identity=True)
        if why is not None:
            raise VerificationError(f"point {self.encoding.hex()[:16]}…: {why}")

    @classmethod
    def from_bytes(cls, data: bytes, what: str = "point") -> Point:
        """Decode a point received from elsewhere, by rules 1-6; ``what`` names it in the error."""
        if not isinstance(data, bytes):
            raise VerificationError(f"{what}: a point is 32 bytes, not {type(data).__name__}")
        why = _refusal(data, allow_identity=False)
        if why is not None:
            raise VerificationError(f"{what} {data.hex()[:16]}…: {why}")
        return _trusted(data)

    @property
    def is_identity(self) -> bool:
        """True for the identity element (the neutral element of addition)."""
        return self.encoding == _IDENTITY

    def __bytes__(self) -> bytes:
        return self.encoding

    def __repr__(self) -> str:
        return f"Point({self.encoding.hex()})"


def _trusted(encoding: bytes) -> Point:
    """A point from bytes libsodium produced from points of the group: its group law keeps them in it."""
    point = object.__new__(Point)
    object.__setattr__(point, "encoding", encoding)
    return point


def _refusal(data: bytes, *, allow_identity: bool) -> str | None:  # noqa: PLR0911 - a return per rule, in order
    """Why ``data`` is not the encoding of a point of the group (the first rule it breaks), or None."""
    if len(data) != POINT_SIZE:
        return f"is {len(data)} bytes, not {POINT_SIZE}"
    if data == _IDENTITY and allow_identity:
        return None
    if int.from_bytes(data, "little") & _Y_MASK >= FIELD_PRIME:
        return "is not canonical: its y coordinate is not below p = 2**255 - 19"
    if crypto_core_ed25519_is_valid_point(data) and _has_order_l(data):
        return None
    # Refused: find the first rule broken, for the message. crypto_core_ed25519_add decodes any point of the curve
    # (whatever its order or encoding) and fails on bytes that are not one.
    try:
        again = crypto_core_ed25519_add(data, _IDENTITY)
    except CryptoError:
        return "is not a point of the curve"
    if again != data:
        return "is not canonical: it sets the sign of x where x = 0"
    multiple = data
    for _ in range(3):
        multiple = crypto_core_ed25519_add(multiple, multiple)
    if multiple == _IDENTITY:
        return "is the identity" if data == _IDENTITY else "has small order (it is one of the 8 torsion points)"
    return "is not in the prime-order subgroup (it has a torsion component)"


def _has_order_l(data: bytes) -> bool:
    """ℓ·P = O, checked as (ℓ + 1)·P = P: libsodium will not output the identity, but outputs P."""
    try:
        return crypto_scalarmult_ed25519_noclamp((ORDER + 1).to_bytes(SCALAR_SIZE, "little"), data) == data
    except CryptoError:  # a libsodium that checks the subgroup (fixed for CVE-2025-69277) refuses P itself
        return False


IDENTITY = _trusted(_IDENTITY)
"""The identity element, O = 0·G."""
G = _trusted(crypto_scalarmult_ed25519_base_noclamp((1).to_bytes(SCALAR_SIZE, "little")))
"""The standard Ed25519 base point, the generator values are committed on."""


def derive_h(label: bytes = H_LABEL) -> Point:
    """The generator hashed from a label: Elligator 2 (times the cofactor) of the first half of its SHA-512.

    Refuses a label whose image is not of order ℓ (the identity, with probability about 2**-252), so no label gives
    a generator that commits to nothing.
    """
    return Point.from_bytes(crypto_core_ed25519_from_uniform(hashlib.sha512(label).digest()[:32]), "generator H")


H = derive_h()
"""The generator blindings are committed on; log_G(H) is unknown to everyone (see :data:`H_LABEL`)."""


def scalar_to_bytes(n: int) -> bytes:
    """The 32-byte little-endian canonical encoding of a scalar in [0, ℓ)."""
    if not _is_int(n) or not 0 <= n < ORDER:
        raise InputError(f"a scalar is an integer in [0, ℓ), not {n!r}")
    return n.to_bytes(SCALAR_SIZE, "little")


def scalar_from_bytes(data: bytes, what: str = "scalar") -> int:
    """Decode a canonical scalar: exactly 32 bytes, little-endian, below ℓ; ``what`` names it in the error."""
    if not isinstance(data, bytes) or len(data) != SCALAR_SIZE:
        size = f"{len(data)} bytes" if isinstance(data, bytes) else type(data).__name__
        raise VerificationError(f"{what}: a scalar is {SCALAR_SIZE} bytes, not {size}")
    n = int.from_bytes(data, "little")
    if n >= ORDER:
        raise VerificationError(f"{what} {data.hex()[:16]}…: is not canonical: it is not below ℓ")
    return n


def random_scalar() -> int:
    """A uniform scalar in [1, ℓ), from the operating system's CSPRNG: a blinding or a nonce, never zero."""
    return 1 + secrets.randbelow(ORDER - 1)


def add(p: Point, q: Point) -> Point:
    """P + Q."""
    return _trusted(crypto_core_ed25519_add(p.encoding, q.encoding))


def sub(p: Point, q: Point) -> Point:
    """P - Q."""
    return _trusted(crypto_core_ed25519_sub(p.encoding, q.encoding))


def neg(p: Point) -> Point:
    """-P."""
    return sub(IDENTITY, p)


def scale(p: Point, n: int) -> Point:
    """n·P for any integer n (taken modulo ℓ); 0·P and n·O are the identity, computed without libsodium."""
    if not _is_int(n):
        raise InputError(f"a scalar is an integer, not {type(n).__name__}")
    n %= ORDER
    if n == 0 or p.is_identity:
        return IDENTITY
    scalar = n.to_bytes(SCALAR_SIZE, "little")
    if p == G:
        return _trusted(crypto_scalarmult_ed25519_base_noclamp(scalar))  # the base point has precomputed tables
    return _trusted(crypto_scalarmult_ed25519_noclamp(scalar, p.encoding))


def combine(value: int, blinding: int) -> Point:
    """value·G + blinding·H for any integers (modulo ℓ), zeros included: what a commitment is, unchecked."""
    return add(scale(G, value), scale(H, blinding))


def commit(value: int, blinding: int) -> Point:
    """The Pedersen commitment v·G + r·H to a value v in [0, ℓ) with a blinding r in [1, ℓ).

    A zero blinding is refused: v·G hides nothing of a value anyone can guess. Draw blindings with
    :func:`random_scalar`.
    """
    if not _is_int(value) or not 0 <= value < ORDER:
        raise InputError(f"a committed value is an integer in [0, ℓ), not {value!r}", Location(field="value"))
    if not _is_int(blinding) or not 0 < blinding < ORDER:
        raise InputError(
            "a blinding is an integer in [1, ℓ)",
            Location(field="blinding"),
            "draw it with random_scalar(); a zero blinding would reveal the value",
        )
    return combine(value, blinding)


def open_check(commitment: Point, value: int, blinding: int) -> bool:
    """True if the commitment is value·G + blinding·H (both modulo ℓ): the opening the committer gave holds."""
    if not (isinstance(commitment, Point) and _is_int(value) and _is_int(blinding)):
        return False
    return combine(value, blinding) == commitment


def _is_int(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool)


__all__ = [
    "FIELD_PRIME",
    "GROUP_NAME",
    "H_LABEL",
    "IDENTITY",
    "ORDER",
    "POINT_SIZE",
    "SCALAR_SIZE",
    "G",
    "H",
    "Point",
    "add",
    "combine",
    "commit",
    "derive_h",
    "neg",
    "open_check",
    "random_scalar",
    "scalar_from_bytes",
    "scalar_to_bytes",
    "scale",
    "sub",
]
