"""Pedersen commitments, Fiat–Shamir transcripts and range proofs (detente.crypto.pedersen, transcript, rangeproof).

Asserted: every honest proof verifies; a value out of range cannot be proven, and a proof made for one commitment,
statement or context fails for any other; every single-bit change of a serialized proof is refused; each kind of bad
point and scalar encoding is refused, with concrete bytes; the commitments are homomorphic; H is what its label
gives; the simulator's conversations verify without the witness and look like the real prover's. Small k keeps it
fast: proving and verifying cost a few scalar multiplications a bit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import secrets
import statistics
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_from_uniform,
    crypto_core_ed25519_is_valid_point,
    crypto_scalarmult_ed25519_base_noclamp,
    crypto_scalarmult_ed25519_noclamp,
)
from nacl.exceptions import CryptoError

from detente.crypto import pedersen
from detente.crypto.pedersen import (
    H_LABEL,
    IDENTITY,
    ORDER,
    G,
    H,
    Point,
    add,
    combine,
    commit,
    derive_h,
    neg,
    open_check,
    random_scalar,
    scalar_from_bytes,
    scalar_to_bytes,
    scale,
    sub,
)
from detente.crypto.rangeproof import (
    AT_MOST,
    RANGE,
    BitProof,
    Conversation,
    RangeProof,
    _prove,
    _statement,
    at_most_commitment,
    check_conversation,
    honest_conversation,
    prove_at_most,
    prove_range,
    simulate,
    verify_at_most,
    verify_range,
)
from detente.crypto.transcript import DOMAIN, Transcript
from detente.errors import InputError, VerificationError

CONTEXT = {
    "treaty": "new-start",
    "party": "US",
    "date": "2026-02-05",
    "measure": "deployed-warheads",
    "facility": "Minot AFB",
}

# Concrete encodings, each refused for its own reason (pedersen's decoding rules 1-6).
IDENTITY_BYTES = bytes.fromhex("01" + "00" * 31)
ORDER_2 = bytes.fromhex("ec" + "ff" * 30 + "7f")  # (0, -1): y = p - 1
ORDER_4 = bytes(32)  # (sqrt(-1), 0)
ORDER_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
Y_IS_P_PLUS_1 = bytes.fromhex("ee" + "ff" * 30 + "7f")  # the identity again, y written as p + 1
Y_IS_P_PLUS_3 = bytes.fromhex("f0" + "ff" * 30 + "7f")  # the point with y = 3, y written as p + 3
IDENTITY_WITH_SIGN = bytes.fromhex("01" + "00" * 30 + "80")  # x = 0 with its sign bit set
OFF_CURVE = bytes.fromhex("02" + "00" * 31)  # y = 2: (y² - 1)/(d·y² + 1) is not a square
G_PLUS_ORDER_2 = bytes.fromhex("95" + "99" * 31)  # G + (0, -1): order 2ℓ, passed by libsodium before CVE-2025-69277
H_PLUS_ORDER_8 = bytes.fromhex("0ce2a3773c8424a991a34b882d076eb963e0730d6b2456d6654771103c59a90a")  # order 8ℓ

BAD_POINTS = {  # name: (bytes, why they are refused)
    "identity": (IDENTITY_BYTES, "is the identity"),
    "order-2": (ORDER_2, "small order"),
    "order-4": (ORDER_4, "small order"),
    "order-8": (ORDER_8, "small order"),
    "identity-y-is-p+1": (Y_IS_P_PLUS_1, "not canonical: its y coordinate"),
    "y-is-p+3": (Y_IS_P_PLUS_3, "not canonical: its y coordinate"),
    "identity-negative-zero": (IDENTITY_WITH_SIGN, "sets the sign of x where x = 0"),
    "off-curve": (OFF_CURVE, "not a point of the curve"),
    "G+order-2": (G_PLUS_ORDER_2, "not in the prime-order subgroup"),
    "H+order-8": (H_PLUS_ORDER_8, "not in the prime-order subgroup"),
    "short": (bytes(G)[:31], "is 31 bytes, not 32"),
    "long": (bytes(G) + b"\x00", "is 33 bytes, not 32"),
}
REFUSED_POINTS = [pytest.param(data, why, id=name) for name, (data, why) in BAD_POINTS.items()]


def committed(value: int) -> tuple[Point, int]:
    blinding = random_scalar()
    return commit(value, blinding), blinding


def flip(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def refused(data: bytes, verify: Callable[[RangeProof], None]) -> bool:
    """True if the bytes fail to parse or the parsed proof fails ``verify``, both with VerificationError."""
    try:
        proof = RangeProof.from_bytes(data)
    except VerificationError:
        return True
    try:
        verify(proof)
    except VerificationError:
        return True
    return False


# ------------------------------------------------------------------------------------------------ the group


def test_g_is_the_ed25519_base_point_and_h_is_what_its_label_gives() -> None:
    assert bytes(G).hex() == "58" + "66" * 31
    # Reproducible from the label by anyone: Elligator 2 (with the cofactor cleared) of SHA-512(label)[:32].
    assert bytes(H) == crypto_core_ed25519_from_uniform(hashlib.sha512(H_LABEL).digest()[:32])
    assert H_LABEL == b"detente/pedersen/H/v1"
    assert bytes(H).hex() == "38237d06a8e34fe843b4313fd9cb431adfc8564e1228b34e6999263e27336cde"
    assert derive_h(H_LABEL) == H
    assert derive_h(b"detente/pedersen/H/v2") != H
    assert H != G
    assert not H.is_identity
    assert Point.from_bytes(bytes(H)) == H
    assert crypto_core_ed25519_is_valid_point(bytes(H))
    # Order ℓ: (ℓ - 1)·H is -H, and (ℓ + 1)·H is H (libsodium will not output ℓ·H, the identity).
    assert scale(H, ORDER - 1) == neg(H)
    assert crypto_scalarmult_ed25519_noclamp((ORDER + 1).to_bytes(32, "little"), bytes(H)) == bytes(H)


def test_a_label_whose_image_is_the_identity_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # from_uniform of 32 zero bytes is the identity: a generator that would commit to nothing.
    assert crypto_core_ed25519_from_uniform(bytes(32)) == IDENTITY_BYTES
    monkeypatch.setattr(pedersen, "crypto_core_ed25519_from_uniform", lambda _: IDENTITY_BYTES)
    with pytest.raises(VerificationError, match=r"generator H .*is the identity"):
        derive_h(b"any")


def test_libsodium_refuses_the_zero_scalar_and_the_identity_so_scale_answers_them_itself() -> None:
    zero = bytes(32)
    for call in (
        lambda: crypto_scalarmult_ed25519_base_noclamp(zero),
        lambda: crypto_scalarmult_ed25519_noclamp(zero, bytes(H)),
        lambda: crypto_scalarmult_ed25519_noclamp(ORDER.to_bytes(32, "little"), bytes(H)),  # output: the identity
        lambda: crypto_scalarmult_ed25519_noclamp((5).to_bytes(32, "little"), IDENTITY_BYTES),
    ):
        with pytest.raises(CryptoError):
            call()
    assert scale(G, 0) == IDENTITY
    assert scale(H, ORDER) == IDENTITY
    assert scale(H, -ORDER) == IDENTITY
    assert scale(IDENTITY, 5) == IDENTITY
    assert scale(G, ORDER + 7) == scale(G, 7)
    assert scale(H, -1) == neg(H)
    assert add(H, neg(H)) == IDENTITY
    assert sub(G, G).is_identity
    assert add(IDENTITY, G) == G
    r = random_scalar()
    assert commit(0, r) == scale(H, r)  # 0·G is the identity, never computed
    assert combine(0, 0) == IDENTITY
    assert combine(3, 0) == scale(G, 3)


def test_commit_refuses_a_zero_blinding_and_numbers_outside_the_scalars() -> None:
    for value, blinding in [(5, 0), (5, ORDER), (5, -1), (-1, 5), (ORDER, 5), (True, 5)]:
        with pytest.raises(InputError):
            commit(value, blinding)


@settings(max_examples=40)
@given(
    v1=st.integers(0, ORDER - 1),
    v2=st.integers(0, ORDER - 1),
    r1=st.integers(1, ORDER - 1),
    r2=st.integers(1, ORDER - 1),
    n=st.integers(-(2**300), 2**300),
)
def test_commitments_are_homomorphic(v1: int, v2: int, r1: int, r2: int, n: int) -> None:
    c1, c2 = commit(v1, r1), commit(v2, r2)
    assert open_check(c1, v1, r1)
    assert open_check(add(c1, c2), v1 + v2, r1 + r2)
    assert open_check(add(c1, c2), (v1 + v2) % ORDER, (r1 + r2) % ORDER)
    assert open_check(sub(c1, c2), v1 - v2, r1 - r2)
    assert open_check(scale(c1, n), n * v1, n * r1)
    assert not open_check(add(c1, c2), v1 + v2 + 1, r1 + r2)
    assert not open_check(add(c1, c2), v1 + v2, r1 + r2 + 1)
    assert not open_check(c1, v2, r1) or v1 == v2


def test_sum_of_commitments_opens_to_the_sum_of_counts() -> None:
    counts = [0, 1, 412, 80, 2**32 - 1]
    openings = [committed(count) for count in counts]
    total = IDENTITY
    for commitment, _ in openings:
        total = add(total, commitment)
    assert open_check(total, sum(counts), sum(blinding for _, blinding in openings))
    assert not open_check(total, sum(counts) - 1, sum(blinding for _, blinding in openings))


# ------------------------------------------------------------------------------------------------ decoding


@pytest.mark.parametrize(("data", "reason"), REFUSED_POINTS)
def test_point_decoding_refuses_each_bad_encoding_for_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        Point.from_bytes(data, "commitment")
    if data != IDENTITY_BYTES:
        with pytest.raises(VerificationError):
            Point(data)
    if len(data) == 32:
        assert not crypto_core_ed25519_is_valid_point(data)


def test_libsodiums_addition_takes_encodings_the_decoder_refuses() -> None:
    """Why decoding is strict: the group law decodes non-canonical and off-subgroup bytes without complaint."""
    assert crypto_core_ed25519_add(Y_IS_P_PLUS_3, IDENTITY_BYTES) == (3).to_bytes(32, "little")
    assert crypto_core_ed25519_add(Y_IS_P_PLUS_1, bytes(G)) == bytes(G)
    assert crypto_core_ed25519_add(IDENTITY_WITH_SIGN, bytes(G)) == bytes(G)
    assert crypto_core_ed25519_add(G_PLUS_ORDER_2, ORDER_2) == bytes(G)


def test_a_point_with_a_torsion_component_is_refused_even_if_is_valid_point_passes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As libsodium before its fix for CVE-2025-69277 did for G + (0, -1): the (ℓ + 1)·P = P check still holds."""
    monkeypatch.setattr(pedersen, "crypto_core_ed25519_is_valid_point", lambda _: True)
    for data in (G_PLUS_ORDER_2, H_PLUS_ORDER_8):
        with pytest.raises(VerificationError, match="not in the prime-order subgroup"):
            Point.from_bytes(data)
    assert Point.from_bytes(bytes(H)) == H


def test_points_decode_back_to_themselves_and_the_identity_only_in_memory() -> None:
    for point in (G, H, neg(G), commit(7, random_scalar())):
        assert Point.from_bytes(bytes(point)) == point
    assert Point(IDENTITY_BYTES) == IDENTITY
    assert IDENTITY.is_identity
    with pytest.raises(VerificationError):
        Point.from_bytes(bytes(IDENTITY))
    with pytest.raises(VerificationError, match="not bytearray"):
        Point.from_bytes(bytearray(bytes(G)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(ORDER.to_bytes(32, "little"), "not canonical", id="l"),
        pytest.param((ORDER + 1).to_bytes(32, "little"), "not canonical", id="l+1"),
        pytest.param((2**256 - 1).to_bytes(32, "little"), "not canonical", id="2^256-1"),
        pytest.param(bytes(31), "not 31 bytes", id="short"),
        pytest.param(bytes(33), "not 33 bytes", id="long"),
    ],
)
def test_scalar_decoding_refuses_non_canonical_encodings(data: bytes, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        scalar_from_bytes(data)


def test_scalars_round_trip_at_their_ends() -> None:
    for n in (0, 1, ORDER - 1, random_scalar()):
        assert scalar_from_bytes(scalar_to_bytes(n)) == n
    for n in (-1, ORDER):
        with pytest.raises(InputError):
            scalar_to_bytes(n)


# ------------------------------------------------------------------------------------------------ transcripts


def framed(kind: bytes, label: str, message: bytes) -> bytes:
    name = label.encode()
    return kind + len(name).to_bytes(2, "big") + name + len(message).to_bytes(8, "big") + message


def test_a_challenge_is_sha512_of_the_framed_transcript_reduced_mod_l() -> None:
    """The transcript's rules 1-3, written out independently."""
    transcript = Transcript("demo/v1")
    transcript.append("commitment", bytes(G))
    transcript.append_u64("bits", 16)
    absorbed = DOMAIN + framed(b"\x01", "protocol", b"demo/v1") + framed(b"\x01", "commitment", bytes(G))
    absorbed += framed(b"\x01", "bits", (16).to_bytes(8, "big")) + framed(b"\x02", "challenge", b"")
    expected = int.from_bytes(hashlib.sha512(absorbed).digest(), "little") % ORDER
    assert transcript.challenge("challenge") == expected
    absorbed += framed(b"\x01", "challenge", expected.to_bytes(32, "little")) + framed(b"\x02", "again", b"")
    assert transcript.challenge("again") == int.from_bytes(hashlib.sha512(absorbed).digest(), "little") % ORDER


def challenge_of(protocol: str, messages: list[tuple[str, bytes]]) -> int:
    transcript = Transcript(protocol)
    for label, message in messages:
        transcript.append(label, message)
    return transcript.challenge("challenge")


def test_different_message_sequences_give_different_challenges() -> None:
    sequences = [
        ("p", [("a", b"bc")]),
        ("p", [("ab", b"c")]),
        ("p", [("a", b"b"), ("a", b"c")]),
        ("p", [("a", b"b"), ("c", b"")]),
        ("p", [("a", b"bc"), ("a", b"")]),
        ("p", [("a", b""), ("a", b"bc")]),
        ("p", []),
        ("pa", [("", b"bc")][:0]),
        ("q", [("a", b"bc")]),
    ]
    challenges = [challenge_of(protocol, messages) for protocol, messages in sequences]
    assert len(set(challenges)) == len(challenges)
    assert challenge_of("p", [("a", b"bc")]) == challenges[0]  # and the same sequence, the same challenge
    assert all(0 <= c < ORDER for c in challenges)


def test_contexts_are_absorbed_by_name_whatever_their_order() -> None:
    def of(context: dict[str, str]) -> int:
        transcript = Transcript("p")
        transcript.append_context(context)
        return transcript.challenge("challenge")

    assert of({"party": "US", "date": "2026-02-05"}) == of({"date": "2026-02-05", "party": "US"})
    distinct = [of({}), of({"a": ""}), of({"a": "b"}), of({"ab": ""}), of({"a": "", "b": ""}), of({"b": "a"})]
    assert len(set(distinct)) == len(distinct)
    for bad in ({"": "x"}, {"date": 2026}, {3: "x"}):
        with pytest.raises(InputError):
            Transcript("p").append_context(bad)  # type: ignore[arg-type]


def test_transcript_refuses_what_it_cannot_frame() -> None:
    transcript = Transcript("p")
    with pytest.raises(InputError):
        transcript.append("", b"x")
    with pytest.raises(InputError):
        transcript.append_u64("n", 2**64)
    with pytest.raises(InputError):
        transcript.append("m", "text")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ completeness


@pytest.mark.parametrize("k", [1, 2, 8, 16])
def test_every_honest_range_proof_verifies(k: int) -> None:
    for value in sorted({0, 1, 2**k - 1, secrets.randbelow(2**k)}):
        commitment, blinding = committed(value)
        proof = prove_range(commitment, value, blinding, k, CONTEXT)
        data = proof.to_bytes()
        assert len(data) == 2 + 32 + 128 * k
        parsed = RangeProof.from_bytes(data)
        assert parsed == proof
        verify_range(commitment, parsed, k, CONTEXT)


@pytest.mark.parametrize(
    ("value", "bound", "k"),
    [
        (1550, 1550, 1),  # the bound itself
        (0, 0, 1),
        (0, 800, 10),
        (0, 1023, 10),  # bound - value = 2**k - 1: the widest window
        (1, 1024, 10),
        (412, 800, 12),
        (2**64 - 6, 2**64 - 1, 3),
        (0, 2**32 - 1, 32),
    ],
)
def test_every_honest_at_most_proof_verifies(value: int, bound: int, k: int) -> None:
    commitment, blinding = committed(value)
    proof = prove_at_most(commitment, value, blinding, bound, k, CONTEXT)
    verify_at_most(commitment, RangeProof.from_bytes(proof.to_bytes()), bound, k, CONTEXT)


# ------------------------------------------------------------------------------------------------ soundness


def test_a_value_out_of_range_or_above_the_bound_cannot_be_proven() -> None:
    for value, k in [(16, 4), (2**64, 64)]:
        commitment, blinding = committed(value)
        with pytest.raises(InputError, match="cannot be proven"):
            prove_range(commitment, value, blinding, k, CONTEXT)
    commitment, blinding = committed(801)
    with pytest.raises(InputError, match="exceeds the bound 800"):
        prove_at_most(commitment, 801, blinding, 800, 12, CONTEXT)
    commitment, blinding = committed(0)
    with pytest.raises(InputError, match=r"k = 10 or more"):
        prove_at_most(commitment, 0, blinding, 800, 9, CONTEXT)


def test_the_prover_refuses_an_opening_the_commitment_does_not_have() -> None:
    commitment, blinding = committed(5)
    for value, r in [(6, blinding), (5, blinding + 1), (5, 0), (-1, blinding)]:
        with pytest.raises(InputError):
            prove_range(commitment, value, r, 4, CONTEXT)
    for k in (0, 65, True):
        with pytest.raises(InputError):
            prove_range(commitment, 5, blinding, k, CONTEXT)
    for bound in (-1, 2**64):
        with pytest.raises(InputError):
            prove_at_most(commitment, 5, blinding, bound, 4, CONTEXT)


def test_a_prover_that_skips_its_own_check_makes_a_proof_that_fails() -> None:
    k = 4
    commitment, blinding = committed(2**k + 3)  # bits 0..3 hold 3; the fifth bit has nowhere to go
    cheat = _prove(_statement(RANGE, k, None, commitment, commitment, CONTEXT), 2**k + 3, blinding, k)
    with pytest.raises(VerificationError, match="do not add up"):
        verify_range(commitment, cheat, k, CONTEXT)
    bound = 800
    commitment, blinding = committed(bound + 1)  # bound - value = -1, which is ℓ - 1 modulo ℓ
    target = at_most_commitment(commitment, bound)
    statement = _statement(AT_MOST, 12, bound, commitment, target, CONTEXT)
    cheat = _prove(statement, (bound - (bound + 1)) % ORDER, -blinding % ORDER, 12)
    with pytest.raises(VerificationError, match="do not add up"):
        verify_at_most(commitment, cheat, bound, 12, CONTEXT)


def test_a_proof_for_another_value_does_not_pass_for_this_commitment() -> None:
    k = 8
    honest, honest_blinding = committed(200)
    proof = prove_range(honest, 200, honest_blinding, k, CONTEXT)
    for other in (commit(300, random_scalar()), commit(200, random_scalar()), add(honest, G), neg(honest)):
        with pytest.raises(VerificationError, match="do not add up"):
            verify_range(other, proof, k, CONTEXT)
    # At most: a proof for 700 ≤ 800 presented for a commitment to 900.
    allowed, allowed_blinding = committed(700)
    proof = prove_at_most(allowed, 700, allowed_blinding, 800, 10, CONTEXT)
    over, _ = committed(900)
    with pytest.raises(VerificationError):
        verify_at_most(over, proof, 800, 10, CONTEXT)


def test_a_proof_replayed_in_another_context_or_statement_fails() -> None:
    k, bound = 10, 800
    commitment, blinding = committed(700)
    proof = prove_at_most(commitment, 700, blinding, bound, k, CONTEXT)
    verify_at_most(commitment, proof, bound, k, CONTEXT)
    others = [
        {**CONTEXT, "date": "2026-09-01"},
        {**CONTEXT, "party": "RU"},
        {**CONTEXT, "treaty": "start-i"},
        {**CONTEXT, "measure": "deployed-launchers"},
        {**CONTEXT, "facility": "Malmstrom AFB"},
        {**CONTEXT, "inspection": "2026-03"},
        {name: value for name, value in CONTEXT.items() if name != "facility"},
        {},
    ]
    for context in others:
        with pytest.raises(VerificationError, match="another statement or context"):
            verify_at_most(commitment, proof, bound, k, context)
    for other_bound in (bound - 1, bound + 1, 0):
        with pytest.raises(VerificationError):
            verify_at_most(commitment, proof, other_bound, k, CONTEXT)
    for other_k in (k - 1, k + 1):
        with pytest.raises(VerificationError, match="over 10 bits"):
            verify_at_most(commitment, proof, bound, other_k, CONTEXT)
    # The same D = bound·G - C from another bound and commitment: the sum holds, the transcript does not.
    shifted = add(commitment, scale(G, 5))
    assert at_most_commitment(shifted, bound + 5) == at_most_commitment(commitment, bound)
    with pytest.raises(VerificationError, match="another statement or context"):
        verify_at_most(shifted, proof, bound + 5, k, CONTEXT)


def test_a_range_proof_is_not_an_at_most_proof_nor_the_reverse() -> None:
    k, bound = 10, 800
    commitment, blinding = committed(700)
    target = at_most_commitment(commitment, bound)
    as_range = prove_range(target, bound - 700, -blinding % ORDER, k, CONTEXT)
    verify_range(target, as_range, k, CONTEXT)
    with pytest.raises(VerificationError, match="another statement or context"):
        verify_at_most(commitment, as_range, bound, k, CONTEXT)
    as_at_most = prove_at_most(commitment, 700, blinding, bound, k, CONTEXT)
    with pytest.raises(VerificationError, match="another statement or context"):
        verify_range(target, as_at_most, k, CONTEXT)


def test_a_changed_field_of_a_proof_fails() -> None:
    k = 4
    commitment, blinding = committed(9)
    proof = prove_range(commitment, 9, blinding, k, CONTEXT)
    bit = proof.bits[2]
    changed = [
        dataclasses.replace(proof, challenge=(proof.challenge + 1) % ORDER),
        *(
            dataclasses.replace(proof, bits=(*proof.bits[:2], dataclasses.replace(bit, **{name: new}), *proof.bits[3:]))
            for name, new in [
                ("challenge0", (bit.challenge0 + 1) % ORDER),
                ("response0", (bit.response0 + 1) % ORDER),
                ("response1", (bit.response1 - 1) % ORDER),
            ]
        ),
        dataclasses.replace(proof, bits=(proof.bits[1], proof.bits[0], *proof.bits[2:])),
    ]
    for other in changed:
        with pytest.raises(VerificationError):
            verify_range(commitment, other, k, CONTEXT)
    with pytest.raises(VerificationError, match="not a range proof"):
        verify_range(commitment, proof.to_bytes(), k, CONTEXT)  # type: ignore[arg-type]


def test_a_proof_object_holds_only_what_parsing_accepts() -> None:
    commitment, blinding = committed(1)
    bit = prove_range(commitment, 1, blinding, 1, CONTEXT).bits[0]
    with pytest.raises(VerificationError):
        BitProof(IDENTITY, 0, 0, 0)
    with pytest.raises(VerificationError):
        dataclasses.replace(bit, response0=ORDER)
    with pytest.raises(VerificationError):
        RangeProof(ORDER, (bit,))
    with pytest.raises(VerificationError):
        RangeProof(0, ())
    with pytest.raises(VerificationError):
        RangeProof(0, (bit,) * 65)


# ------------------------------------------------------------------------------------------------ parsing


def test_every_single_bit_flip_of_a_small_proof_is_refused() -> None:
    commitment, blinding = committed(1)
    data = prove_range(commitment, 1, blinding, 1, CONTEXT).to_bytes()
    assert len(data) == 162
    accepted = [
        bit
        for bit in range(len(data) * 8)
        if not refused(flip(data, bit), lambda p: verify_range(commitment, p, 1, CONTEXT))
    ]
    assert accepted == []


def test_sampled_bit_flips_of_a_larger_proof_are_refused() -> None:
    k, bound = 12, 3000
    commitment, blinding = committed(2999)
    data = prove_at_most(commitment, 2999, blinding, bound, k, CONTEXT).to_bytes()
    rng = random.Random(20260205)  # noqa: S311 - reproducible positions, not cryptography
    bits = [*range(16), *rng.sample(range(16, len(data) * 8), 64)]  # the header's, and 64 across the rest
    for bit in bits:
        assert refused(flip(data, bit), lambda p: verify_at_most(commitment, p, bound, k, CONTEXT)), bit


def test_truncated_extended_and_mislabelled_proofs_are_refused() -> None:
    commitment, blinding = committed(2)
    data = prove_range(commitment, 2, blinding, 2, CONTEXT).to_bytes()
    for size in range(len(data)):
        with pytest.raises(VerificationError):
            RangeProof.from_bytes(data[:size])
    with pytest.raises(VerificationError, match="1 bytes after its 2 bits"):
        RangeProof.from_bytes(data + b"\x00")
    for version in (0, 2, 255):
        with pytest.raises(VerificationError, match="format version"):
            RangeProof.from_bytes(bytes([version]) + data[1:])
    for k in (0, 65, 255):
        with pytest.raises(VerificationError, match="1 to 64 bits"):
            RangeProof.from_bytes(data[:1] + bytes([k]) + data[2:])
    with pytest.raises(VerificationError, match="truncated"):
        RangeProof.from_bytes(data[:1] + bytes([3]) + data[2:])
    with pytest.raises(VerificationError, match="not bytearray"):
        RangeProof.from_bytes(bytearray(data))  # type: ignore[arg-type]


def test_non_canonical_scalars_and_bad_points_inside_a_proof_are_refused() -> None:
    commitment, blinding = committed(2)
    data = prove_range(commitment, 2, blinding, 2, CONTEXT).to_bytes()

    def with_bytes(at: int, new: bytes) -> bytes:
        return data[:at] + new + data[at + len(new) :]

    def plus_order(at: int) -> bytes:  # the same scalar modulo ℓ, written as n + ℓ
        n = int.from_bytes(data[at : at + 32], "little")
        return with_bytes(at, (n + ORDER).to_bytes(32, "little"))

    second_bit = 2 + 32 + 128
    cases = {
        "range proof challenge": plus_order(2),
        "range proof bit 0 e0": plus_order(2 + 32 + 32),
        "range proof bit 0 z0": plus_order(2 + 32 + 64),
        "range proof bit 1 z1": plus_order(second_bit + 96),
    }
    for encoding, why in BAD_POINTS.values():
        if len(encoding) == 32:
            cases[f"range proof bit 1 commitment .*{why}"] = with_bytes(second_bit, encoding)
    for what, bad in cases.items():
        with pytest.raises(VerificationError, match=what):
            RangeProof.from_bytes(bad)


# ------------------------------------------------------------------------------------------------ zero knowledge


def test_simulated_conversations_verify_without_the_witness() -> None:
    k = 6
    commitment, _ = committed(37)  # the simulator never sees 37 nor the blinding
    for challenge in (0, 1, ORDER - 1, secrets.randbelow(ORDER)):
        conversation = simulate(commitment, k, challenge)
        check_conversation(commitment, conversation, k)
        assert all(not r.commitment.is_identity for r in conversation.rounds)


def test_the_simulator_proves_even_false_statements_so_only_the_hash_makes_proofs_sound() -> None:
    k = 4
    commitment, _ = committed(2**k + 3)  # out of range
    challenge = secrets.randbelow(ORDER)
    conversation = simulate(commitment, k, challenge)
    check_conversation(commitment, conversation, k)  # the interactive verifier, told the challenge, accepts
    proof = RangeProof(
        challenge, tuple(BitProof(r.commitment, r.challenge0, r.response0, r.response1) for r in conversation.rounds)
    )
    with pytest.raises(VerificationError, match="challenge is not the transcript's"):
        verify_range(commitment, proof, k, CONTEXT)


def test_honest_conversations_verify_and_tampered_ones_do_not() -> None:
    k = 5
    commitment, blinding = committed(21)
    conversation = honest_conversation(commitment, 21, blinding, k, secrets.randbelow(ORDER))
    check_conversation(commitment, conversation, k)
    first = conversation.rounds[0]
    bad = [
        dataclasses.replace(conversation, challenge=(conversation.challenge + 1) % ORDER),
        dataclasses.replace(conversation, rounds=conversation.rounds[:-1]),  # a bit short
        dataclasses.replace(
            conversation,
            rounds=(dataclasses.replace(first, response1=(first.response1 + 1) % ORDER), *conversation.rounds[1:]),
        ),
        dataclasses.replace(
            conversation,
            rounds=(dataclasses.replace(first, announcement0=add(first.announcement0, H)), *conversation.rounds[1:]),
        ),
        dataclasses.replace(conversation, rounds=(*conversation.rounds[1:], first)),
    ]
    for other in bad:
        with pytest.raises(VerificationError):
            check_conversation(commitment, other, k)
    with pytest.raises(VerificationError, match="do not add up"):
        check_conversation(add(commitment, G), conversation, k)


def uniform_share(numbers: list[int]) -> float:
    """The mean of the numbers as fractions of ℓ: about 0.5 for uniform scalars."""
    return statistics.fmean(n / ORDER for n in numbers)


def test_real_and_simulated_conversations_look_alike_whatever_the_bits() -> None:
    """Every e_{i,0}, z_{i,0}, z_{i,1} uniform for real bits 0, real bits 1 and simulated bits; no bit shows."""
    k, runs = 4, 40
    groups: dict[str, list[Conversation]] = {"zeros": [], "ones": [], "simulated": []}
    for _ in range(runs):
        for name, value in (("zeros", 0), ("ones", 2**k - 1)):
            commitment, blinding = committed(value)
            groups[name].append(honest_conversation(commitment, value, blinding, k, secrets.randbelow(ORDER)))
        commitment, _ = committed(secrets.randbelow(2**k))
        groups["simulated"].append(simulate(commitment, k, secrets.randbelow(ORDER)))
    shares: dict[str, dict[str, float]] = {}
    for name, conversations in groups.items():
        rounds = [r for c in conversations for r in c.rounds]
        assert len(rounds) == k * runs
        shares[name] = {
            field: uniform_share([getattr(r, field) for r in rounds])
            for field in ("challenge0", "response0", "response1")
        }
        # The encodings of the points too: their low bit is a fair coin.
        for field in ("commitment", "announcement0", "announcement1"):
            low_bits = [bytes(getattr(r, field))[0] & 1 for r in rounds]
            assert abs(statistics.fmean(low_bits) - 0.5) < 0.2, (name, field)
    # 160 uniform draws have a mean within 0.5 ± 0.12 but for 5σ; real and simulated within 0.15 of each other.
    for name, by_field in shares.items():
        for field, share in by_field.items():
            assert abs(share - 0.5) < 0.12, (name, field, share)
    for field in ("challenge0", "response0", "response1"):
        assert abs(shares["zeros"][field] - shares["ones"][field]) < 0.15
        assert abs(shares["zeros"][field] - shares["simulated"][field]) < 0.15


# ------------------------------------------------------------------------------------------------ properties


@settings(max_examples=25)
@given(
    bound=st.integers(0, 2**20),
    k=st.integers(1, 8),
    slack=st.integers(0, 255),
    date=st.dates().map(str),
    party=st.text(min_size=1, max_size=8),
)
def test_at_most_proves_every_value_in_its_window_and_nothing_else(
    bound: int, k: int, slack: int, date: str, party: str
) -> None:
    context = {**CONTEXT, "date": date, "party": party}
    value = bound - min(slack % 2**k, bound)
    commitment, blinding = committed(value)
    proof = prove_at_most(commitment, value, blinding, bound, k, context)
    verify_at_most(commitment, RangeProof.from_bytes(proof.to_bytes()), bound, k, context)
    with pytest.raises(VerificationError):
        verify_at_most(commitment, proof, bound + 1, k, context)
    with pytest.raises(VerificationError):
        verify_at_most(commitment, proof, bound, k, {**context, "party": party + "x"})


@settings(max_examples=25)
@given(bound=st.integers(0, 2**20), excess=st.integers(1, 2**20), k=st.integers(1, 21))
def test_a_value_above_the_bound_is_never_proven(bound: int, excess: int, k: int) -> None:
    commitment, blinding = committed(bound + excess)
    with pytest.raises(InputError):
        prove_at_most(commitment, bound + excess, blinding, bound, k, CONTEXT)


@settings(max_examples=25)
@given(k=st.integers(1, 10), data=st.data())
def test_range_proofs_verify_for_every_value_below_two_to_the_k(k: int, data: st.DataObject) -> None:
    value = data.draw(st.integers(0, 2**k - 1))
    commitment, blinding = committed(value)
    proof = prove_range(commitment, value, blinding, k, CONTEXT)
    verify_range(commitment, RangeProof.from_bytes(proof.to_bytes()), k, CONTEXT)
    if value >= 2:
        with pytest.raises(InputError, match="cannot be proven"):
            prove_range(commitment, value, blinding, value.bit_length() - 1, CONTEXT)
