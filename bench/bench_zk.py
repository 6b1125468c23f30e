"""Benchmark: the compliance proofs — k-bit range proofs against the scalar multiplications they need, and a whole
data exchange of commitments, proofs and their verification.

Measures, in one run:

1. Raw libsodium through PyNaCl, one core: ``crypto_scalarmult_ed25519_noclamp`` (a random scalar times a random
   point of the prime-order group), ``crypto_scalarmult_ed25519_base_noclamp`` (times the base point G, which has
   precomputed tables), ``crypto_core_ed25519_add`` and ``crypto_core_ed25519_is_valid_point``, on a pool of 64
   seeded scalars and points; the median over 31 rounds of each call's time in a batch of 64, the primitives
   interleaved. Measured at the start, after each k and after each prove and each verify of the exchange; the
   exchange's ratios and the additions' share are against the mean of the two measurements beside their phase.
2. A k-bit range proof (k = 8, 16, 32; :func:`detente.crypto.rangeproof.prove_range`) on a fresh commitment to a
   random value below 2**k: proven (``prove_range(...).to_bytes()``, the bytes a prover sends), and verified from
   those bytes (``RangeProof.from_bytes`` then ``verify_range``, what a verifier does with a proof it receives),
   the verify split into its decoding and the check of the decoded proof. Each proof is timed alone, beside its
   own floor: the 4k scalar multiplications the construction needs at the least (below), run raw
   (``_noclamp`` on the pool) just before the proof and again just after its verification, so that the machine's
   drift hits both sides of a ratio alike. Each figure is the median over P proofs of the proof's time over the
   mean of its two floors; times are medians too (the collector off while timed). Also the proof's size.
3. A whole data exchange: F facilities (100) × the treaty's 3 measures under ``get_treaty("new-start")``, US, data
   date 2021-09-01 (the central limits 700 / 1,550 / 800 apply), synthetic counts within the limits (seeded: 790
   launchers spread unevenly over the facilities, 690 of them deployed, 1,518 warheads on the deployed ones, at
   most 4 each; fewer, in proportion, below 100 facilities) and each facility's declared capacity from its counts
   (4 warheads a launcher, rounded up to 10). ``detente.zk.commit`` (the content and the secret; no ledger: the
   entry is a made-up (seq, hash)), ``detente.zk.prove`` (every statement it makes: a 16-bit range per facility
   and measure, each limited total at most its limit, each facility's warheads at most its capacity) and
   ``detente.zk.verify`` on the bundle as JSON, each in seconds, the median of R rounds (fresh blindings each);
   the bundle's size (compact JSON) and its number of statements; prove and verify also against the scalar
   multiplication floor of all the bundle's statements (4 per bit, as in 2).

The floor: the scalar multiplications per bit, counted from ``rangeproof._first_move`` and ``_announcements``.

- Prover, 4 per bit: the bit's commitment C_i = b_i·G + r_i·H needs r_i·H (b_i·G is G or nothing: at most an
  addition); the real branch's announcement n_i·H, one; the simulated branch's A = z·H - e·D_{i,1-b}, two.
- Verifier, 4 per bit: it recomputes both announcements, A_{i,j} = z_{i,j}·H - e_{i,j}·D_{i,j} for j = 0, 1, two
  each; Σ 2**i·C_i = C is checked with additions only (Horner's rule). The Fiat–Shamir check hashes every
  announcement, so each must be computed on its own: they cannot be batched into one multi-scalar check.

All of them are on a variable base (H, C_i or C_i - G): libsodium's tables are for G only, and log_G H is unknown
by design, so none can use ``_base_noclamp``; libsodium offers no double- or multi-scalar multiplication, so
z·H - e·D is two single ones. C_0 could be derived from the target by additions instead of r_0·H, but that takes
about 2(k - 1) additions, which cost more than the one multiplication here (an addition decodes both points: about
a sixth of a multiplication). The floor is therefore 4k × t(``_noclamp``) for proving and for verifying.

Left out of the floor, and reported beside it: the additions the construction needs (prover 2 a bit: b_i·G + r_i·H
or C_i - G, and the simulated announcement's subtraction; verifier 5k - 2: C_i - G and the two announcements'
subtractions a bit, and k - 1 doublings and k - 1 additions for Σ 2**i·C_i), taken at the raw time of an addition
(a subtraction is the same work); the prover's check that the commitment opens (one v·G, one r·H and an addition
a proof); Fiat–Shamir hashing; the decoder's checks of each bit's point (``is_valid_point``, and (ℓ + 1)·P = P, one
more variable-base multiplication a bit: ``pedersen.Point.from_bytes``'s rule 6); Python's own work.

Checks on the way, any failure printing ``CHECK FAILED`` and exiting 1: every range proof verifies; it is
2 + 32 + 128·k bytes, version 1 and k in its header, and its bit commitments read from the bytes add up, by raw
libsodium additions written out here, to Σ 2**i·C_i = C; the same proof with one byte changed (a seeded position
and value per proof) is refused; the exchange's bundle holds exactly F·3 + 3 + F statements (ranges, the three
limits of New START, the capacities, counted here) and verifies; the content with one commitment altered (one
facility's warheads commitment + G, a commitment to one warhead more) fails, on exactly the three statements that
read that commitment (its range, the warheads total, that facility's capacity) and no other. Speed is never a check.

Run:  .venv/bin/python bench/bench_zk.py [--bits 8,16,32] [--proofs P] [--facilities F] [--rounds R] [--json]
      (defaults: P = 100, F = 100, R = 5)
      .venv/bin/python bench/bench_zk.py --small   (k = 8 only, 5 proofs, 5 facilities, one round)
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import nacl
from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_is_valid_point,
    crypto_scalarmult_ed25519_base_noclamp,
    crypto_scalarmult_ed25519_noclamp,
)
from rich.console import Console
from rich.table import Table

from _finish import finish
from detente.crypto.pedersen import ORDER, G, Point, commit, random_scalar
from detente.crypto.rangeproof import RangeProof, prove_range, verify_range
from detente.errors import VerificationError
from detente.treaty import get_treaty
from detente.zk import FacilityCounts, prove, verify
from detente.zk import commit as zk_commit

SEED = 20261205
PARTY = "US"
TREATY = "new-start"
DATA_DATE = dt.date(2021, 9, 1)
ENTRY = (4711, hashlib.sha256(b"bench_zk: a made-up ledger entry").hexdigest())
PROVER_MULTS_PER_BIT = 4  # r_i·H, n_i·H, and z·H and e·D for the simulated announcement
VERIFIER_MULTS_PER_BIT = 4  # z0·H, e0·C_i, z1·H, e1·(C_i - G)
PROVER_ADDS_PER_BIT = 2  # b_i·G + r_i·H or C_i - G; the simulated announcement's subtraction
RAW_POOL = 64
WARHEADS_PER_LAUNCHER = 4
CAPACITY_STEP = 10
# The workload at 100 facilities; fewer facilities get as many per facility (launchers 7.9, deployed 6.9).
LAUNCHERS, DEPLOYED, WARHEADS = 790, 690, 1518

console = Console(highlight=False, width=160)


def verifier_adds(k: int) -> int:
    """Additions the verifier needs: C_i - G and two subtractions a bit, and Horner's k - 1 doublings and additions."""
    return 3 * k + 2 * (k - 1)


@dataclass
class Run:
    """Parameters, figures and failures of one run."""

    bits: tuple[int, ...]
    proofs: int
    facilities: int
    rounds: int
    raw_rounds: int
    say: Callable[[str], None]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, why: str) -> None:
        """Note a failed check."""
        self.failures.append(why)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds of one call with the collector off, and its result."""
    gc.disable()
    try:
        start = time.perf_counter()
        result = work()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


# --------------------------------------------------------------------------------------------- raw libsodium


class RawPool:
    """Seeded scalars and points of the prime-order group to run the raw primitives on."""

    def __init__(self, rng: random.Random) -> None:
        self.scalars = [rng.randrange(1, ORDER).to_bytes(32, "little") for _ in range(RAW_POOL)]
        self.points = [crypto_scalarmult_ed25519_base_noclamp(rng.randrange(1, ORDER).to_bytes(32, "little"))
                       for _ in range(RAW_POOL)]  # fmt: skip
        self.others = self.points[1:] + self.points[:1]

    def scalarmult(self) -> None:
        for s, p in zip(self.scalars, self.points, strict=True):
            crypto_scalarmult_ed25519_noclamp(s, p)

    def scalarmult_base(self) -> None:
        for s in self.scalars:
            crypto_scalarmult_ed25519_base_noclamp(s)

    def add(self) -> None:
        for p, q in zip(self.points, self.others, strict=True):
            crypto_core_ed25519_add(p, q)

    def is_valid_point(self) -> None:
        for p in self.points:
            crypto_core_ed25519_is_valid_point(p)


RAW_NAMES = {
    "scalarmult": "crypto_scalarmult_ed25519_noclamp (random scalar × random point)",
    "scalarmult_base": "crypto_scalarmult_ed25519_base_noclamp (random scalar × G)",
    "add": "crypto_core_ed25519_add",
    "is_valid_point": "crypto_core_ed25519_is_valid_point",
}
RAW_SHORT = {"scalarmult": "_noclamp × P", "scalarmult_base": "_base_noclamp × G", "add": "add",
             "is_valid_point": "is_valid_point"}  # fmt: skip


def measure_raw(run: Run, pool: RawPool, when: str) -> dict[str, Any]:
    """Seconds per call of each primitive: the median over rounds of a batch of 64, the primitives interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in RAW_NAMES}
    for _ in range(run.raw_rounds):
        for name in RAW_NAMES:
            seconds, _ = timed(getattr(pool, name))
            samples[name].append(seconds / RAW_POOL)
    raw: dict[str, Any] = {name: statistics.median(values) for name, values in samples.items()}
    raw["when"] = when
    run.raw.append(raw)
    run.say(
        f"raw ({when}): scalarmult {raw['scalarmult'] * 1e6:.1f} µs, base {raw['scalarmult_base'] * 1e6:.1f} µs, "
        f"add {raw['add'] * 1e6:.1f} µs, is_valid_point {raw['is_valid_point'] * 1e6:.1f} µs"
    )
    return raw


def beside(before: dict[str, Any], after: dict[str, Any], name: str) -> float:
    """The mean of the two raw measurements beside a phase."""
    return float(before[name] + after[name]) / 2


# --------------------------------------------------------------------------------------------- the oracle


def oracle_problem(data: bytes, commitment: bytes, k: int) -> str | None:
    """Why a proof's bytes are not a k-bit proof about the commitment, by the wire format written out here."""
    size = 2 + 32 + 128 * k
    if len(data) != size:
        return f"is {len(data)} bytes, not 2 + 32 + 128·{k} = {size}"
    if data[0] != 1 or data[1] != k:
        return f"its header is version {data[0]}, k = {data[1]}; not version 1, k = {k}"
    points = [data[34 + 128 * i : 66 + 128 * i] for i in range(k)]
    total = points[-1]
    for point in reversed(points[:-1]):  # Σ 2**i·C_i by Horner's rule, with raw libsodium additions
        total = crypto_core_ed25519_add(crypto_core_ed25519_add(total, total), point)
    if total != commitment:
        return "its bit commitments do not add up to the commitment (Σ 2**i·C_i ≠ C)"
    return None


def refused(data: bytes, commitment: Point, k: int, context: dict[str, str]) -> bool:
    """Whether the verifier refuses these bytes as a proof about the commitment."""
    try:
        verify_range(commitment, RangeProof.from_bytes(data), k, context)
    except VerificationError:
        return True
    return False


# --------------------------------------------------------------------------------------------- range proofs


def prove_bytes(commitment: Point, value: int, blinding: int, k: int, context: dict[str, str]) -> bytes:
    """A range proof as the prover sends it."""
    return prove_range(commitment, value, blinding, k, context).to_bytes()


def floor_seconds(pool: RawPool, count: int, offset: int) -> float:
    """Seconds of ``count`` raw variable-base scalar multiplications on the pool's scalars and points."""
    scalars, points = pool.scalars, pool.points
    gc.disable()
    try:
        start = time.perf_counter()
        for i in range(offset, offset + count):
            crypto_scalarmult_ed25519_noclamp(scalars[i % RAW_POOL], points[(i * 7 + 3) % RAW_POOL])
        return time.perf_counter() - start
    finally:
        gc.enable()


def bench_range(run: Run, pool: RawPool, k: int, before: dict[str, Any]) -> dict[str, Any]:
    """P k-bit range proofs proven and verified, each beside its floor run raw; checked. Returns the raw after."""
    rng = run.rng
    context = {"bench": "bench_zk", "statement": f"range of {k} bits"}
    mults = PROVER_MULTS_PER_BIT * k  # = VERIFIER_MULTS_PER_BIT * k
    samples: dict[str, list[float]] = {name: [] for name in ("prove", "verify", "decode", "decoded", "floor")}
    ratios: dict[str, list[float]] = {name: [] for name in ("prove", "verify", "decoded")}
    sizes: set[int] = set()
    for i in range(run.proofs):
        value, blinding = rng.randrange(2**k), random_scalar()
        commitment = commit(value, blinding)
        floor_before = floor_seconds(pool, mults, i)
        prove_s, data = timed(partial(prove_bytes, commitment, value, blinding, k, context))
        gc.disable()
        try:
            start = time.perf_counter()
            proof = RangeProof.from_bytes(data)
            middle = time.perf_counter()
            verify_range(commitment, proof, k, context)
            end = time.perf_counter()
        except VerificationError as exc:
            run.fail(f"{k}-bit proof {i} does not verify: {exc}")
            continue
        finally:
            gc.enable()
        floor = (floor_before + floor_seconds(pool, mults, i + 1)) / 2
        for name, seconds in (("prove", prove_s), ("verify", end - start), ("decode", middle - start),
                              ("decoded", end - middle), ("floor", floor)):  # fmt: skip
            samples[name].append(seconds)
            if name in ratios:
                ratios[name].append(seconds / floor)
        sizes.add(len(data))
        why = oracle_problem(data, bytes(commitment), k)
        if why is not None:
            run.fail(f"{k}-bit proof {i} {why}")
        flipped = bytearray(data)
        at = rng.randrange(len(data))
        flipped[at] ^= rng.randrange(1, 256)
        if not refused(bytes(flipped), commitment, k, context):
            run.fail(f"{k}-bit proof {i} with byte {at} changed is accepted")
    after = measure_raw(run, pool, f"after k = {k}")
    if not samples["prove"]:
        return after
    median = {name: statistics.median(values) for name, values in samples.items()}
    ratio = {name: statistics.median(values) for name, values in ratios.items()}
    add = beside(before, after, "add")
    figures = {
        "k": k,
        "proofs": len(samples["prove"]),
        "bytes": sorted(sizes),
        "floor_mults": mults,
        "floor_seconds": median["floor"],
        "scalarmult_seconds": median["floor"] / mults,
        "prove_seconds": median["prove"],
        "verify_seconds": median["verify"],
        "decode_seconds": median["decode"],
        "verify_decoded_seconds": median["decoded"],
        "prove_ratio": ratio["prove"],
        "verify_ratio": ratio["verify"],
        "verify_decoded_ratio": ratio["decoded"],
        "add_seconds": add,
        "prove_ratio_with_adds": median["prove"] / (median["floor"] + PROVER_ADDS_PER_BIT * k * add),
        "verify_decoded_ratio_with_adds": median["decoded"] / (median["floor"] + verifier_adds(k) * add),
        "samples": samples,
    }
    run.figures.setdefault("range", {})[str(k)] = figures
    run.say(
        f"k = {k}: {sorted(sizes)[0]:,} bytes; floor {mults} scalarmults {median['floor'] * 1e3:.2f} ms; prove "
        f"{median['prove'] * 1e3:.2f} ms = {ratio['prove']:.2f} × floor; verify {median['verify'] * 1e3:.2f} ms = "
        f"{ratio['verify']:.2f} × (decoded {median['decoded'] * 1e3:.2f} ms = {ratio['decoded']:.2f} ×); "
        f"medians of {len(samples['prove'])}"
    )
    return after


# --------------------------------------------------------------------------------------------- the exchange


def workload(n: int, rng: random.Random, measures: tuple[str, ...]) -> tuple[FacilityCounts, dict[str, int]]:
    """Seeded counts of n facilities within New START's limits, and capacities from them (see the docstring)."""
    scale = min(1.0, n / 100)
    launchers, deployed = round(LAUNCHERS * scale), round(DEPLOYED * scale)
    warheads = round(WARHEADS * scale)
    names = [f"US-site-{i:03d}" for i in range(n)]
    weights = [rng.uniform(0.1, 3.0) for _ in names]
    at = rng.choices(range(n), weights, k=launchers)  # each launcher's facility
    live = rng.sample(range(launchers), deployed)  # the deployed launchers
    carried = dict.fromkeys(live, 1)
    for _ in range(warheads - deployed):  # each more warhead on a deployed launcher with room for it
        room = [u for u in live if carried[u] < WARHEADS_PER_LAUNCHER]
        carried[rng.choice(room)] += 1
    per = {name: dict.fromkeys(measures, 0) for name in names}
    for unit, where in enumerate(at):
        row = per[names[where]]
        row["launchers"] += 1
        if unit in carried:
            row["deployed-delivery-vehicles"] += 1
            row["warheads"] += carried[unit]
    capacities = {
        name: -(-WARHEADS_PER_LAUNCHER * row["launchers"] // CAPACITY_STEP) * CAPACITY_STEP for name, row in per.items()
    }
    return FacilityCounts(measures, per), capacities


def tamper(content: dict[str, Any], facility: str, measure: str) -> dict[str, Any]:
    """The content with one commitment replaced by itself + G: a commitment to one more."""
    altered = copy.deepcopy(content)
    commitments = altered["facilities"][facility]["commitments"]
    point = base64.b64decode(commitments[measure])
    commitments[measure] = base64.b64encode(crypto_core_ed25519_add(point, bytes(G))).decode()
    return altered


def bench_exchange(run: Run, pool: RawPool, before: dict[str, Any]) -> dict[str, Any]:
    """Commit, prove and verify a whole data exchange, R rounds; then one commitment tampered with."""
    treaty = get_treaty(TREATY)
    measures = tuple(m.id for m in treaty.measures)
    counts, capacities = workload(run.facilities, random.Random(SEED + 2), measures)  # the same whatever ran before
    limits = {x.measure: x.upper for x in treaty.limits}  # New START's three central limits, read from its file
    totals = counts.totals()
    if len(limits) != 3 or any(totals[m] > limits[m] for m in measures):
        run.fail(f"the workload is not within New START's limits: {totals} against {limits}")
        return before
    n = run.facilities
    expected = n * len(measures) + len(limits) + n
    rounds: list[dict[str, Any]] = []
    content: dict[str, Any] = {}
    bundle: dict[str, Any] = {}
    raws = [before]
    for r in range(run.rounds):
        commit_s, (content, secret) = timed(lambda: zk_commit(counts, capacities, TREATY, PARTY, DATA_DATE))
        prove_s, bundle = timed(partial(prove, content, secret, treaty, ENTRY))
        between = measure_raw(run, pool, f"round {r + 1}, after prove")
        verify_s, verdict = timed(partial(verify, bundle, content, treaty, ENTRY, party=PARTY))
        raws.append(measure_raw(run, pool, f"round {r + 1}, after verify"))
        statements = bundle["statements"]
        if len(statements) != expected:
            run.fail(f"the bundle holds {len(statements)} statements, not {n}·3 + 3 + {n} = {expected}")
        if not verdict.ok or len(verdict.checks) != expected:
            run.fail(f"the bundle of round {r + 1} does not verify: {verdict.describe()[:500]}")
        bits = sum(s["k"] for s in statements)
        prove_mult, verify_mult = beside(raws[-2], between, "scalarmult"), beside(between, raws[-1], "scalarmult")
        rounds.append({
            "commit_seconds": commit_s, "prove_seconds": prove_s, "verify_seconds": verify_s,
            "statements": len(statements), "bits": bits,
            "prove_scalarmult_seconds": prove_mult, "verify_scalarmult_seconds": verify_mult,
            "prove_ratio": prove_s / (PROVER_MULTS_PER_BIT * bits * prove_mult),
            "verify_ratio": verify_s / (VERIFIER_MULTS_PER_BIT * bits * verify_mult),
        })  # fmt: skip
        run.say(
            f"exchange round {r + 1}: commit {commit_s:.3f} s, prove {prove_s:.2f} s "
            f"({rounds[-1]['prove_ratio']:.2f} × floor), verify {verify_s:.2f} s "
            f"({rounds[-1]['verify_ratio']:.2f} × floor); {len(statements)} statements, {bits:,} bits"
        )
    victim = max(sorted(counts.facilities), key=lambda f: counts.counts[f]["warheads"])
    tampered = tamper(content, victim, "warheads")
    tampered_s, verdict = timed(partial(verify, bundle, tampered, treaty, ENTRY, party=PARTY))
    raws.append(measure_raw(run, pool, "after the tampered verify"))
    wanted = {("range", victim, "warheads"), ("at-most", "total", "warheads"), ("at-most", victim, "warheads")}
    failing = {c.statement.key for c in verdict.failures}
    if verdict.ok:
        run.fail(f"the bundle verifies against a content with {victim!r}'s warheads commitment altered")
    elif failing != wanted or verdict.problems:
        run.fail(f"the altered commitment fails {sorted(failing)} (problems {verdict.problems}), not {sorted(wanted)}")
    compact = json.dumps(bundle, separators=(",", ":")).encode()
    proof_bytes = sum(2 + 32 + 128 * s["k"] for s in bundle["statements"])
    kinds = {"range": 0, "limit": 0, "capacity": 0}
    for s in bundle["statements"]:
        kinds["range" if s["kind"] == "range" else "limit" if s["facility"] == "total" else "capacity"] += 1
    run.figures["exchange"] = {
        "facilities": n,
        "measures": list(measures),
        "totals": totals,
        "limits": limits,
        "statements": expected,
        "statement_kinds": kinds,
        "bits": rounds[-1]["bits"] if rounds else 0,
        "bundle_bytes": len(compact),
        "proof_bytes": proof_bytes,
        "content_bytes": len(json.dumps(content, separators=(",", ":")).encode()),
        "rounds": rounds,
        "commit_seconds": statistics.median(x["commit_seconds"] for x in rounds),
        "prove_seconds": statistics.median(x["prove_seconds"] for x in rounds),
        "verify_seconds": statistics.median(x["verify_seconds"] for x in rounds),
        "prove_ratio": statistics.median(x["prove_ratio"] for x in rounds),
        "verify_ratio": statistics.median(x["verify_ratio"] for x in rounds),
        "tampered_verify_seconds": tampered_s,
        "tampered_failures": sorted(failing),
    }
    run.say(
        f"tampered ({victim}'s warheads + G): verify {tampered_s:.2f} s, fails on {len(failing)} statements: "
        + "; ".join(f"{kind} {where} {m}" for kind, where, m in sorted(failing))
    )
    return raws[-1]


# --------------------------------------------------------------------------------------------- the report


def report(run: Run) -> None:
    """The figures as Rich tables."""
    table = Table(title="raw libsodium (PyNaCl), µs a call: median of batches of 64", title_justify="left")
    table.add_column("measured")
    for name in RAW_NAMES:
        table.add_column(RAW_SHORT[name], justify="right")
    for raw in run.raw:
        table.add_row(str(raw["when"]), *(f"{raw[name] * 1e6:.1f}" for name in RAW_NAMES))
    console.print(table)

    table = Table(
        title="k-bit range proofs against the floor: 4k scalar multiplications (_noclamp) to prove, 4k to verify",
        title_justify="left",
    )
    for name in ("k", "bytes", "floor (raw)", "prove", "× floor", "verify (from bytes)", "× floor", "of it decoding",
                 "verify decoded", "× floor", "× floor + adds (prove / verify decoded)"):  # fmt: skip
        table.add_column(name, justify="right")
    for f in run.figures.get("range", {}).values():
        table.add_row(
            str(f["k"]),
            f"{f['bytes'][0]:,}",
            f"{f['floor_seconds'] * 1e3:.2f} ms",
            f"{f['prove_seconds'] * 1e3:.2f} ms",
            f"{f['prove_ratio']:.2f}",
            f"{f['verify_seconds'] * 1e3:.2f} ms",
            f"{f['verify_ratio']:.2f}",
            f"{f['decode_seconds'] * 1e3:.2f} ms",
            f"{f['verify_decoded_seconds'] * 1e3:.2f} ms",
            f"{f['verify_decoded_ratio']:.2f}",
            f"{f['prove_ratio_with_adds']:.2f} / {f['verify_decoded_ratio_with_adds']:.2f}",
        )
    console.print(table)

    ex = run.figures.get("exchange")
    if ex:
        kinds = ex["statement_kinds"]
        table = Table(
            title=f"a data exchange: {ex['facilities']} facilities × {len(ex['measures'])} measures under New START "
            f"(median of {len(ex['rounds'])} round{'s' if len(ex['rounds']) > 1 else ''})",
            title_justify="left",
        )
        for name in ("what", "figure", "note"):
            table.add_column(name, justify="left")
        per = ex["commit_seconds"] / (ex["facilities"] * len(ex["measures"])) * 1e6
        table.add_row("commit (detente.zk.commit)", f"{ex['commit_seconds']:.3f} s",
                      f"{per:.0f} µs a commitment; content {ex['content_bytes']:,} B")  # fmt: skip
        table.add_row("prove (detente.zk.prove)", f"{ex['prove_seconds']:.2f} s",
                      f"{ex['prove_ratio']:.2f} × floor of {ex['bits']:,} bits × 4 scalarmults")  # fmt: skip
        table.add_row("verify (detente.zk.verify)", f"{ex['verify_seconds']:.2f} s",
                      f"{ex['verify_ratio']:.2f} × floor; tampered: {ex['tampered_verify_seconds']:.2f} s, "
                      f"fails {len(ex['tampered_failures'])} statements")  # fmt: skip
        table.add_row("bundle", f"{ex['bundle_bytes']:,} B",
                      f"compact JSON; its proofs {ex['proof_bytes']:,} B before base64")  # fmt: skip
        table.add_row("statements", f"{ex['statements']:,}",
                      f"{kinds['range']} ranges (k = 16), {kinds['limit']} limits, {kinds['capacity']} capacities; "
                      f"totals {ex['totals']}")  # fmt: skip
        console.print(table)


def parse_args() -> argparse.Namespace:
    """The command line; ``--small`` changes the defaults."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bits", default="8,16,32", help="the k of the range proofs, comma-separated (8,16,32)")
    parser.add_argument("--proofs", type=int, default=100, help="range proofs per k (100)")
    parser.add_argument("--facilities", type=int, default=100, help="facilities in the data exchange (100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the data exchange (5)")
    parser.add_argument("--small", action="store_true", help="k = 8, 5 proofs, 5 facilities, one round: the checks")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.small:
        args.bits, args.proofs, args.facilities, args.rounds = "8", 5, 5, 1
    return args


def main() -> None:
    """Run the phases, check them, and print the figures."""
    args = parse_args()
    say: Callable[[str], None] = (lambda _m: None) if args.json else print
    run = Run(
        bits=tuple(int(b) for b in args.bits.split(",")),
        proofs=args.proofs,
        facilities=args.facilities,
        rounds=args.rounds,
        raw_rounds=3 if args.small else 31,
        say=say,
    )
    load_start = os.getloadavg()
    started = time.monotonic()
    say(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, PyNaCl {nacl.__version__}; "
        f"load average {load_start[0]:.2f} at the start; k = {', '.join(map(str, run.bits))}, {run.proofs} proofs "
        f"each; {run.facilities} facilities, {run.rounds} round{'s' if run.rounds > 1 else ''}"
    )
    pool = RawPool(random.Random(SEED + 1))
    measure_raw(run, pool, "warm-up")  # untimed in effect: the first calls pay for imports and caches
    run.raw.clear()
    raw = measure_raw(run, pool, "start")
    for k in run.bits:
        raw = bench_range(run, pool, k, raw)
    bench_exchange(run, pool, raw)
    run.figures["raw"] = run.raw
    finish(
        run.figures,
        run.failures,
        as_json=args.json,
        show=lambda: report(run),
        load_start=load_start[0],
        started=started,
        pynacl=nacl.__version__,
    )


if __name__ == "__main__":
    main()
