"""Benchmark: the RFC 9162 Merkle tree (detente.crypto.merkle) against raw SHA-256 and against pymerkle.

Measures, in one run, on N seeded leaves of 16-40 bytes each:
  1. raw SHA-256 in a Python loop (``[sha256(x).digest() for x in inputs]``) over N and over 2N inputs of 65 bytes,
     the size of an interior node's input. A tree of N leaves needs 2N - 1 hashes: N leaf hashes and N - 1 node
     hashes;
  2. the build: ``MerkleTree.from_leaf_hashes`` over the N leaf hashes (N - 1 node hashes, compared with raw N);
     leaf hashing plus that build (2N - 1 hashes, compared with raw 2N); ``extend`` over the data; and appending one
     leaf at a time with ``append`` (2N - 1 hashes) and with ``append_leaf_hash`` (N - 1 hashes). Each figure is
     the best of R runs;
  3. 10,000 inclusion proofs (random size in [1, N], random index below it) and 10,000 consistency proofs (random
     0 < old < new ≤ N), seeded: the time to produce each proof from the stored nodes, the time to verify it, and
     ``root(size)`` for past sizes, each the best of R runs over all K;
  4. the peer: pymerkle's ``InmemoryTree`` (sha256; its default security mode is the RFC 9162 0x00/0x01 hashing):
     the append rate over P leaves (``append_entries``, run once), and the rate at which it produces and verifies
     inclusion and consistency proofs (Q of each, at seeded random sizes, best of R). Its root and its audit paths
     must equal ours, or the bench stops.

  5. the tree stored in the ledger store (SQLite, a temporary file; detente.crypto.stored_tree): D synthetic ledger
     entries (payloads of about 170 bytes holding the same seeded leaf data) appended through ``store.append`` in
     batches of 10,000, which writes each entry's row and the tree nodes it completes in one transaction; then K
     inclusion and K consistency proofs read from the database at seeded random sizes (``StoredTree.prove_*``:
     leaf, root(s) and proof in one query) and verified, each the best of R runs. The first 200 of each kind must
     equal the in-memory tree's proofs over the same payloads, or the bench stops;
  6. the append overhead of keeping the tree: A entries appended in batches of 1,000, and C entries appended one
     per transaction, each to a fresh store, through ``store.append`` (entry rows and tree nodes) and through the
     entries-only insert ``store.append`` ran before the tree was stored (the same rows, the same transaction,
     no nodes). Each the best of R runs on fresh files.

Targets: a build within 2x the raw hashing time; under 100 µs to produce or to verify an inclusion proof; at least
10x pymerkle's proof rate; under 1 ms to produce and verify a proof read from the database.

Checked, and the bench exits with status 1 if a check fails: the tree against RFC 9162 §2.1 written out here
(MTH, PATH and SUBPROOF as the RFC's recursions, on their own SHA-256 calls): the root of every size up to 1,024
leaves and of all N; every inclusion and consistency proof in trees of up to 64 leaves and 500 more of each at
random sizes up to 1,024, each accepted by ``verify_inclusion`` / ``verify_consistency`` and refused once one byte
is changed; trees built one by one equal the bulk build; pymerkle's roots and paths equal ours; the stored tree's
root equals the RFC's over the ledger payloads, and its first 200 proofs of each kind equal the in-memory tree's.

Run:  .venv/bin/python bench/bench_merkle.py [--leaves N] [--proofs K] [--repeat R] [--peer-leaves P]
      [--peer-proofs Q] [--db-leaves D] [--db-append A] [--db-commits C]
      (defaults: N = 1,000,000, K = 10,000, R = 3, P = N, Q = K, D = N, A = 100,000, C = 2,000;
      P = 0 skips the peer, D = 0 skips the database phases)
      .venv/bin/python bench/bench_merkle.py --small   (N = D = 2,000, K = 200, R = 1, A = 2,000, C = 50)
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.console import Console
from rich.table import Table

from detente.crypto.canonical import parse
from detente.crypto.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from detente.crypto.stored_tree import StoredTree
from detente.errors import ProofError
from detente.ledger.chain import Entry, columns_of
from detente.ledger.port import PartyRecord
from detente.store.ledger_store import _INSERT_QMARK, SqlLedgerStore, open_store

SEED = 20261127
BUILD_TARGET = 2.0  # x raw hashing time
PROOF_TARGET_US = 100.0
PEER_TARGET = 10.0  # x pymerkle's proof rate
DB_PROOF_TARGET_US = 1000.0  # produce + verify, read from the database
DB_BATCH = 10_000
PARTY = "US"
ORACLE_LEAVES = 1024  # every root up to this size is checked against the RFC's recursion
ORACLE_ALL = 64  # every proof in trees up to this size
ORACLE_SAMPLED = 500  # and this many more of each kind at random sizes up to ORACLE_LEAVES

console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


@dataclass
class Row:
    """One line of the results table."""

    what: str
    count: int
    seconds: float
    note: str = ""

    @property
    def us_each(self) -> float:
        return self.seconds / self.count * 1e6 if self.count else 0.0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` runs (with the collector off), and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None  # let the previous result go before the next run allocates its own
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = run()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


# --------------------------------------------------------------------------------- the oracle: RFC 9162 written out


def _split(n: int) -> int:
    """RFC 9162's k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Rfc9162:
    """MTH, PATH and PROOF of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 as its recursions say, on leaf data ranges."""

    def __init__(self, datas: Sequence[bytes], memo: bool = True) -> None:
        self.leaves = [hashlib.sha256(b"\x00" + d).digest() for d in datas]
        self.memo: dict[tuple[int, int], bytes] | None = {} if memo else None

    def mth(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi])."""
        n = hi - lo
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return self.leaves[lo]
        if self.memo is not None and (lo, hi) in self.memo:
            return self.memo[(lo, hi)]
        k = _split(n)
        h = hashlib.sha256(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi)).digest()
        if self.memo is not None:
            self.memo[(lo, hi)] = h
        return h

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        """PATH(m, D[lo:hi])."""
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self.path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        """SUBPROOF(m, D[lo:hi], b); PROOF(m, D[n]) is SUBPROOF(m, D[0:n], true)."""
        n = hi - lo
        if m == n:
            return [] if whole else [self.mth(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self.subproof(m, lo, lo + k, whole), self.mth(lo + k, hi)]
        return [*self.subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]


def _altered(hashes: list[bytes]) -> list[bytes]:
    """The same hashes with one bit of the first changed."""
    return [bytes([hashes[0][0] ^ 1]) + hashes[0][1:], *hashes[1:]]


def _refused(verify: Callable[[], None]) -> bool:
    try:
        verify()
    except ProofError:
        return True
    return False


def check_rfc9162(tree: MerkleTree, datas: list[bytes]) -> str:
    """The tree against the RFC's recursions (see the module docstring); exits with status 1 on a difference."""
    m = min(len(datas), ORACLE_LEAVES)
    rfc = Rfc9162(datas[:m])
    problems: list[str] = []
    problems += [f"root of size {n}" for n in range(m + 1) if tree.root(n) != rfc.mth(0, n)]
    rng = random.Random(SEED + 5)
    small = min(m, ORACLE_ALL)
    inclusions = [(i, n) for n in range(1, small + 1) for i in range(n)]
    inclusions += [(rng.randrange(n), n) for n in (rng.randrange(1, m + 1) for _ in range(ORACLE_SAMPLED))]
    for i, n in inclusions:
        proof, leaf, root = tree.inclusion_proof(i, n), rfc.leaves[i], rfc.mth(0, n)
        altered = (_altered(proof), root) if proof else (proof, _altered([root])[0])  # a size-1 tree has no path
        if proof != rfc.path(i, 0, n):
            problems.append(f"inclusion proof of leaf {i} in size {n}")
        elif _refused(partial(verify_inclusion, leaf, i, n, proof, root)):
            problems.append(f"verify_inclusion refuses the proof of leaf {i} in size {n}")
        elif not _refused(partial(verify_inclusion, leaf, i, n, *altered)):
            problems.append(f"verify_inclusion accepts an altered proof of leaf {i} in size {n}")
    consistencies = [(old, new) for new in range(1, small + 1) for old in range(1, new + 1)]
    for _ in range(ORACLE_SAMPLED):
        new = rng.randrange(1, m + 1)
        consistencies.append((rng.randrange(1, new + 1), new))
    for old, new in consistencies:
        proof, old_root, new_root = tree.consistency_proof(old, new), rfc.mth(0, old), rfc.mth(0, new)
        if proof != rfc.subproof(old, 0, new, True):
            problems.append(f"consistency proof {old} -> {new}")
        elif _refused(partial(verify_consistency, old, new, old_root, new_root, proof)):
            problems.append(f"verify_consistency refuses the proof {old} -> {new}")
        elif not _refused(partial(verify_consistency, old, new, old_root, _altered([new_root])[0], proof)):
            problems.append(f"verify_consistency accepts {old} -> {new} with an altered new root")
    if tree.root() != Rfc9162(datas, memo=False).mth(0, len(datas)):
        problems.append(f"root of all {len(datas):,} leaves")
    if problems:
        raise SystemExit(f"the tree differs from RFC 9162 ({len(problems)} checks): " + "; ".join(problems[:10]))
    return (
        f"checked against RFC 9162 written out: roots of sizes 0..{m:,} and {len(datas):,}, "
        f"{len(inclusions):,} inclusion and {len(consistencies):,} consistency proofs (each verified, and refused "
        "once altered)"
    )


def leaf_datas(n: int) -> list[bytes]:
    rng = random.Random(SEED)
    return [rng.randbytes(rng.randrange(16, 41)) for _ in range(n)]


def raw_loop(inputs: list[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(x).digest() for x in inputs]


def append_each(datas: list[bytes]) -> MerkleTree:
    tree = MerkleTree()
    for data in datas:
        tree.append(data)
    return tree


def append_each_hash(hashes: list[bytes]) -> MerkleTree:
    tree = MerkleTree()
    for h in hashes:
        tree.append_leaf_hash(h)
    return tree


def extend_all(datas: list[bytes]) -> MerkleTree:
    tree = MerkleTree()
    tree.extend(datas)
    return tree


def hash_and_build(datas: list[bytes]) -> MerkleTree:
    return MerkleTree.from_leaf_hashes([leaf_hash(d) for d in datas])


def bench_proofs(tree: MerkleTree, k: int, repeat: int) -> dict[str, Row]:
    """Produce and verify K inclusion and K consistency proofs at seeded random sizes; time each phase."""
    n = tree.size
    rng = random.Random(SEED + 1)
    sizes = [rng.randrange(1, n + 1) for _ in range(k)]
    indices = [rng.randrange(size) for size in sizes]
    pairs = []
    for _ in range(k):
        new = rng.randrange(2, n + 1)
        pairs.append((rng.randrange(1, new), new))
    rows: dict[str, Row] = {}

    seconds, roots = best_of(repeat, lambda: [tree.root(size) for size in sizes])
    rows["root"] = Row("root(size) of a past size", k, seconds)
    leaves = [tree.leaf(i) for i in indices]
    seconds, audits = best_of(
        repeat, lambda: [tree.inclusion_proof(i, size) for i, size in zip(indices, sizes, strict=True)]
    )
    rows["inc_make"] = Row("inclusion proof: produce", k, seconds, f"{sum(map(len, audits)) / k:.1f} hashes each")

    def verify_all_inclusion() -> None:
        for leaf, i, size, audit, root in zip(leaves, indices, sizes, audits, roots, strict=True):
            verify_inclusion(leaf, i, size, audit, root)

    seconds, _ = best_of(repeat, verify_all_inclusion)
    rows["inc_verify"] = Row("inclusion proof: verify", k, seconds)

    old_roots = [tree.root(old) for old, _ in pairs]
    new_roots = [tree.root(new) for _, new in pairs]
    seconds, proofs = best_of(repeat, lambda: [tree.consistency_proof(old, new) for old, new in pairs])
    rows["con_make"] = Row("consistency proof: produce", k, seconds, f"{sum(map(len, proofs)) / k:.1f} hashes each")

    def verify_all_consistency() -> None:
        for (old, new), old_root, new_root, proof in zip(pairs, old_roots, new_roots, proofs, strict=True):
            verify_consistency(old, new, old_root, new_root, proof)

    seconds, _ = best_of(repeat, verify_all_consistency)
    rows["con_verify"] = Row("consistency proof: verify", k, seconds)
    return rows


def bench_peer(datas: list[bytes], q: int, ours: MerkleTree, repeat: int) -> dict[str, Row]:
    """pymerkle's in-memory tree: append, then produce and verify Q proofs of each kind."""
    import pymerkle  # noqa: PLC0415 - optional: only the peer needs it

    rows: dict[str, Row] = {}
    p = len(datas)
    peer = pymerkle.InmemoryTree(algorithm="sha256")  # security on (default): RFC 9162's 0x00 / 0x01 prefixes
    gc.collect()
    seconds, _ = best_of(1, lambda: peer.append_entries(datas))
    rows["peer_append"] = Row(f"pymerkle {pymerkle.__version__} append_entries", p, seconds)
    if peer.get_root() != ours.root(p):
        raise SystemExit("pymerkle's root differs from ours: the peer is not configured as RFC 9162")

    rng = random.Random(SEED + 2)
    sizes = [rng.randrange(1, p + 1) for _ in range(q)]
    indices = [rng.randrange(size) for size in sizes]
    pairs = []
    for _ in range(q):
        new = rng.randrange(2, p + 1)
        pairs.append((rng.randrange(1, new), new))
    seconds, audits = best_of(
        repeat, lambda: [peer.prove_inclusion(i + 1, s) for i, s in zip(indices, sizes, strict=True)]
    )
    rows["peer_inc_make"] = Row("pymerkle inclusion proof: produce", q, seconds)
    if [a.path[1:] for a in audits[:50]] != [
        ours.inclusion_proof(i, s) for i, s in zip(indices[:50], sizes[:50], strict=True)
    ]:
        raise SystemExit("pymerkle's audit paths differ from ours")
    leaves = [ours.leaf(i) for i in indices]
    roots = [ours.root(s) for s in sizes]

    def verify_inclusion_all() -> None:
        for audit, leaf, root in zip(audits, leaves, roots, strict=True):
            pymerkle.verify_inclusion(leaf, root, audit)

    seconds, _ = best_of(repeat, verify_inclusion_all)
    rows["peer_inc_verify"] = Row("pymerkle inclusion proof: verify", q, seconds)
    seconds, proofs = best_of(repeat, lambda: [peer.prove_consistency(old, new) for old, new in pairs])
    rows["peer_con_make"] = Row("pymerkle consistency proof: produce", q, seconds)
    states = [(ours.root(old), ours.root(new)) for old, new in pairs]

    def verify_consistency_all() -> None:
        for proof, (old_root, new_root) in zip(proofs, states, strict=True):
            pymerkle.verify_consistency(old_root, new_root, proof)

    seconds, _ = best_of(repeat, verify_consistency_all)
    rows["peer_con_verify"] = Row("pymerkle consistency proof: verify", q, seconds)
    return rows


# ------------------------------------------------------------------------------------------- 5, 6: stored in SQLite


def ledger_entries(datas: list[bytes], start: int = 1) -> list[Entry]:
    """Entries the store can file, one per leaf datum: the store hashes payloads, it does not check signatures."""
    out = []
    for seq, data in enumerate(datas, start):
        payload = (
            f'{{"content":{{"d":"{data.hex()}"}},"effective":"2021-01-01T00:00:00Z","party":"{PARTY}",'
            f'"seq":{seq},"sent":"2021-01-02T00:00:00Z","type":"receipt"}}'
        ).encode()
        out.append(Entry(PARTY, seq, payload, bytes(64), hashlib.sha256(payload).digest()))
    return out


def fresh_store(directory: str, name: str) -> SqlLedgerStore:
    store = open_store(os.path.join(directory, name))
    store.add_party(PartyRecord(PARTY, bytes(32), "new-start"))
    return store


def append_entries_only(store: SqlLedgerStore, batch: list[Entry]) -> None:
    """What ``store.append`` did before the tree was stored: the same rows in the same kind of transaction."""
    rows = [(e.party, e.seq, *columns_of(parse(e.payload)), e.payload, e.signature, e.hash) for e in batch]
    store._write(lambda c: c.exec_driver_sql(_INSERT_QMARK, rows))  # the store's own transaction, as append had it


def bench_db_proofs(store: SqlLedgerStore, k: int, repeat: int, ours: MerkleTree) -> dict[str, Row]:
    """K inclusion and K consistency proofs read from the stored tree and verified; the first 200 checked."""
    tree = StoredTree(store, PARTY)
    n = tree.size
    rng = random.Random(SEED + 4)
    sizes = [rng.randrange(1, n + 1) for _ in range(k)]
    indices = [rng.randrange(size) for size in sizes]
    pairs = []
    for _ in range(k):
        new = rng.randrange(2, n + 1)
        pairs.append((rng.randrange(1, new), new))
    for i, size in zip(indices[:200], sizes[:200], strict=True):
        p = tree.prove_inclusion(i, size)
        if (p.leaf, p.root, p.proof) != (ours.leaf(i), ours.root(size), ours.inclusion_proof(i, size)):
            raise SystemExit(f"the stored tree's inclusion proof of leaf {i} in size {size} differs from memory's")
    for old, new in pairs[:200]:
        c = tree.prove_consistency(old, new)
        if (c.old_root, c.new_root, c.proof) != (ours.root(old), ours.root(new), ours.consistency_proof(old, new)):
            raise SystemExit(f"the stored tree's consistency proof {old} -> {new} differs from memory's")
    rows: dict[str, Row] = {}
    seconds, made = best_of(repeat, lambda: [tree.prove_inclusion(i, s) for i, s in zip(indices, sizes, strict=True)])
    rows["db_inc_make"] = Row("SQLite inclusion proof: produce (leaf, root, path)", k, seconds,
                              f"{sum(len(p.proof) for p in made) / k:.1f} hashes each")  # fmt: skip

    def verify_all_inclusion() -> None:
        for p in made:
            verify_inclusion(p.leaf, p.index, p.size, p.proof, p.root)

    seconds, _ = best_of(repeat, verify_all_inclusion)
    rows["db_inc_verify"] = Row("SQLite inclusion proof: verify", k, seconds)
    seconds, made_c = best_of(repeat, lambda: [tree.prove_consistency(old, new) for old, new in pairs])
    rows["db_con_make"] = Row("SQLite consistency proof: produce (roots, proof)", k, seconds,
                              f"{sum(len(c.proof) for c in made_c) / k:.1f} hashes each")  # fmt: skip

    def verify_all_consistency() -> None:
        for c in made_c:
            verify_consistency(c.old_size, c.new_size, c.old_root, c.new_root, c.proof)

    seconds, _ = best_of(repeat, verify_all_consistency)
    rows["db_con_verify"] = Row("SQLite consistency proof: verify", k, seconds)
    seconds, _ = best_of(repeat, lambda: [tree.root(size) for size in sizes])
    rows["db_root"] = Row("SQLite root(size) of a past size", k, seconds)
    return rows


def timed_append(directory: str, name: str, entries: list[Entry], batch: int, append: Any) -> float:
    """Seconds to append ``entries`` to a fresh store ``batch`` at a time (opening the store is not timed)."""
    store = fresh_store(directory, name)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for at in range(0, len(entries), batch):
            append(store, entries[at : at + batch])
        return time.perf_counter() - start
    finally:
        gc.enable()
        store.close()


def bench_db_append(directory: str, datas: list[bytes], batch: int, repeat: int, label: str) -> dict[str, Row]:
    """Appends with the tree kept (``store.append``) and without (entries only); runs alternate, best of R each."""
    entries = ledger_entries(datas)
    kinds = {
        "with": ("store.append: entries + tree nodes", lambda st, b: st.append(b)),
        "without": ("entries only (the append before the stored tree)", append_entries_only),
    }
    best = dict.fromkeys(kinds, float("inf"))
    for r in range(repeat):
        for key, (_, append) in kinds.items():
            seconds = timed_append(directory, f"append-{label}-{key}-{r}.sqlite", entries, batch, append)
            best[key] = min(best[key], seconds)
    return {
        f"db_append_{label}_{key}": Row(f"{what}, {batch:,} per transaction", len(entries), best[key])
        for key, (what, _) in kinds.items()
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` changes the defaults (options given explicitly still win)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-leaves", type=int, default=None, help="leaves for pymerkle (default: --leaves)")
    parser.add_argument("--peer-proofs", type=int, default=None, help="proofs for pymerkle (default: --proofs)")
    parser.add_argument("--db-leaves", type=int, default=None, help="entries in the SQLite ledger (default: --leaves)")
    parser.add_argument("--db-append", type=int, default=100_000, help="entries appended in batches of 1,000")
    parser.add_argument("--db-commits", type=int, default=2_000, help="entries appended one per transaction")
    parser.add_argument("--small", action="store_true", help="seconds: the same phases and checks on 2,000 leaves")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(leaves=2_000, proofs=200, repeat=1, db_append=2_000, db_commits=50)
        args = parser.parse_args(argv)
    return args


def main() -> None:  # noqa: PLR0915 - one run, phase after phase, in the order the docstring gives
    """Run every phase and print the figures, the targets and a table."""
    args = parse_args()
    n, k, repeat = args.leaves, args.proofs, args.repeat
    p = n if args.peer_leaves is None else min(args.peer_leaves, n)
    run_start = time.perf_counter()
    console.print(
        f"bench_merkle: N = {n:,} leaves, {k:,} proofs of each kind, best of {repeat}; "
        f"Python {platform.python_version()}, {platform.machine()}, OpenSSL-backed hashlib.sha256, "
        f"SQLite {sqlite3.sqlite_version}"
    )

    datas = leaf_datas(n)
    hashes = [leaf_hash(d) for d in datas]
    rng = random.Random(SEED + 3)
    inputs = [rng.randbytes(65) for _ in range(2 * n)]
    rows: dict[str, Row] = {}
    seconds, _ = best_of(repeat, lambda: raw_loop(inputs[:n]))
    rows["raw_n"] = Row("raw SHA-256 loop, N inputs of 65 B", n, seconds)
    seconds, _ = best_of(repeat, lambda: raw_loop(inputs))
    rows["raw_2n"] = Row("raw SHA-256 loop, 2N inputs of 65 B", 2 * n, seconds)
    inputs.clear()  # 2N inputs no longer needed
    console.print(f"raw done ({time.perf_counter() - run_start:.0f} s)")

    seconds, tree = best_of(repeat, lambda: MerkleTree.from_leaf_hashes(hashes))
    rows["build"] = Row("from_leaf_hashes (N - 1 node hashes)", n, seconds, "vs raw N")
    seconds, _ = best_of(repeat, lambda: hash_and_build(datas))
    rows["build_full"] = Row("leaf_hash + from_leaf_hashes (2N - 1)", n, seconds, "vs raw 2N")
    seconds, _ = best_of(repeat, lambda: extend_all(datas))
    rows["extend"] = Row("extend(datas) (2N - 1)", n, seconds, "vs raw 2N")
    seconds, appended = best_of(repeat, lambda: append_each(datas))
    rows["append"] = Row("append(data) one by one (2N - 1)", n, seconds, "vs raw 2N")
    seconds, _ = best_of(repeat, lambda: append_each_hash(hashes))
    rows["append_hash"] = Row("append_leaf_hash one by one (N - 1)", n, seconds, "vs raw N")
    if appended.levels() != tree.levels():
        raise SystemExit("appending one by one and building in bulk gave different trees")
    del appended
    console.print(f"build done ({time.perf_counter() - run_start:.0f} s)")
    console.print(check_rfc9162(tree, datas))

    rows.update(bench_proofs(tree, k, repeat))
    console.print(f"proofs done ({time.perf_counter() - run_start:.0f} s)")

    peer_note = ""
    if p > 0:
        try:
            rows.update(bench_peer(datas[:p], k if args.peer_proofs is None else args.peer_proofs, tree, repeat))
            peer_note = f"pymerkle on {p:,} leaves" + ("" if p == n else f" (fewer than N = {n:,})")
        except ImportError:
            peer_note = "pymerkle is not installed: peer skipped (.venv/bin/pip install pymerkle)"
        console.print(f"peer done ({time.perf_counter() - run_start:.0f} s)")

    d = n if args.db_leaves is None else min(args.db_leaves, n)
    db_note = ""
    if d > 0:
        del tree  # the in-memory tree compared with the database is the one over the ledger payloads
        gc.collect()
        with tempfile.TemporaryDirectory(prefix="bench_merkle_") as directory:
            store = fresh_store(directory, "ledger.sqlite")
            try:
                entries = ledger_entries(datas[:d])
                start = time.perf_counter()
                for at in range(0, d, DB_BATCH):
                    store.append(entries[at : at + DB_BATCH])
                rows["db_fill"] = Row(f"store.append of {d:,} entries, {DB_BATCH:,} per transaction", d,
                                      time.perf_counter() - start, "entries + tree nodes")  # fmt: skip
                ours = MerkleTree.from_leaf_hashes([leaf_hash(e.payload) for e in entries])
                rfc_root = Rfc9162([e.payload for e in entries], memo=False).mth(0, d)
                del entries
                size_mb = os.path.getsize(os.path.join(directory, "ledger.sqlite")) / 1e6
                with store.engine.connect() as c:
                    node_rows = c.exec_driver_sql("SELECT count(*) FROM ledger_tree_nodes").scalar()
                db_note = f"SQLite ledger of {d:,} entries: {node_rows:,} tree nodes, file {size_mb:,.0f} MB"
                console.print(f"database filled ({time.perf_counter() - run_start:.0f} s): {db_note}")
                stored_root = StoredTree(store, PARTY).root()
                if stored_root != ours.root():
                    raise SystemExit("the stored tree's root differs from the in-memory tree's")
                if stored_root != rfc_root:
                    raise SystemExit("the stored tree's root differs from RFC 9162's over the ledger payloads")
                rows.update(bench_db_proofs(store, k, repeat, ours))
                del ours
            finally:
                store.close()
            console.print(f"database proofs done ({time.perf_counter() - run_start:.0f} s)")
            if args.db_append:
                rows.update(bench_db_append(directory, datas[: args.db_append], 1_000, repeat, "batched"))
            if args.db_commits:
                rows.update(bench_db_append(directory, datas[: args.db_commits], 1, repeat, "single"))
            console.print(f"database appends done ({time.perf_counter() - run_start:.0f} s)")

    # -- ratios and targets ---------------------------------------------------------------------------------
    ratio = {
        "build": rows["build"].seconds / rows["raw_n"].seconds,
        "build_full": rows["build_full"].seconds / rows["raw_2n"].seconds,
        "extend": rows["extend"].seconds / rows["raw_2n"].seconds,
        "append": rows["append"].seconds / rows["raw_2n"].seconds,
        "append_hash": rows["append_hash"].seconds / rows["raw_n"].seconds,
    }
    console.print()
    for key, row in rows.items():
        extra = f"  {ratio[key]:.2f}x raw" if key in ratio else ""
        console.print(
            f"{row.what}: {row.count:,} in {row.seconds:.3f} s = {row.us_each:.2f} µs each "
            f"({row.rate:,.0f}/s){extra}{'  ' + row.note if row.note else ''}"
        )
    inc_make, inc_verify = rows["inc_make"].us_each, rows["inc_verify"].us_each
    build, build_full = ratio["build"], ratio["build_full"]
    verdicts = [
        ("build within 2x raw (from_leaf_hashes vs raw N)", build <= BUILD_TARGET, f"{build:.2f}x"),
        ("build within 2x raw (hash + build vs raw 2N)", build_full <= BUILD_TARGET, f"{build_full:.2f}x"),
        ("inclusion proof produced < 100 µs", inc_make < PROOF_TARGET_US, f"{inc_make:.1f} µs"),
        ("inclusion proof verified < 100 µs", inc_verify < PROOF_TARGET_US, f"{inc_verify:.1f} µs"),
    ]  # fmt: skip
    if "db_inc_make" in rows:
        for make, check, what in (
            ("db_inc_make", "db_inc_verify", "inclusion"),
            ("db_con_make", "db_con_verify", "consistency"),
        ):
            both = rows[make].us_each + rows[check].us_each
            verdicts.append((f"{what} proof from SQLite, produced + verified < 1 ms", both < DB_PROOF_TARGET_US,
                             f"{both:.1f} µs"))  # fmt: skip
    for label in ("batched", "single"):
        if f"db_append_{label}_with" in rows:
            with_, without = rows[f"db_append_{label}_with"], rows[f"db_append_{label}_without"]
            console.print(
                f"append overhead of the stored tree ({label}): {with_.rate:,.0f}/s with, {without.rate:,.0f}/s "
                f"without = {with_.us_each - without.us_each:+.1f} µs per entry "
                f"({with_.seconds / without.seconds:.2f}x the time)"
            )
    if "peer_inc_make" in rows:
        for ours, theirs, what in (
            ("inc_make", "peer_inc_make", "inclusion produce"),
            ("inc_verify", "peer_inc_verify", "inclusion verify"),
            ("con_make", "peer_con_make", "consistency produce"),
            ("con_verify", "peer_con_verify", "consistency verify"),
        ):
            speedup = rows[theirs].us_each / rows[ours].us_each
            verdicts.append((f"≥ 10x pymerkle's rate: {what}", speedup >= PEER_TARGET, f"{speedup:.1f}x"))
        append_speedup = rows["peer_append"].us_each / rows["append"].us_each
        console.print(f"append one by one vs pymerkle append_entries: {append_speedup:.1f}x faster")
    console.print()
    for what, met, figure in verdicts:
        console.print(f"target {'MET' if met else 'MISSED'}: {what}: {figure}")
    if peer_note:
        console.print(peer_note)
    if db_note:
        console.print(db_note)

    table = Table(title=f"Merkle tree: N = {n:,} leaves, best of {repeat} for builds")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("µs each", justify="right")
    table.add_column("per second", justify="right")
    table.add_column("note")
    for key, row in rows.items():
        note = f"{ratio[key]:.2f}x raw; {row.note}" if key in ratio else row.note
        table.add_row(row.what, f"{row.count:,}", f"{row.seconds:.3f}", f"{row.us_each:.2f}", f"{row.rate:,.0f}", note)
    console.print(table)
    console.print(f"total {time.perf_counter() - run_start:.0f} s")
    print("all checks passed")


if __name__ == "__main__":
    main()
