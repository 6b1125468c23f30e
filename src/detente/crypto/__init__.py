"""Cryptographic primitives beneath both the ledger and trust.

Keys and the Signer port, canonical JSON, signed notes, RFC 9162 Merkle trees (in memory, and stored as nodes), and
Pedersen commitments with range proofs made non-interactive by a Fiat–Shamir transcript (experimental: the
compliance proofs are built on them).

This package imports nothing of detente's but its errors. The names below are its public API; everything else in
its modules is internal.
"""

from detente.crypto.canonical import canonical, is_canonical, parse
from detente.crypto.keys import PartyKey, Signer, fingerprint, load_key, save_key, verify
from detente.crypto.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from detente.crypto.note import (
    Checkpoint,
    Signature,
    SignedNote,
    Verifier,
    cosign,
    parse_checkpoint,
    parse_note,
    sign_note,
    verify_note,
)
from detente.crypto.pedersen import Point, commit, open_check
from detente.crypto.rangeproof import RangeProof, prove_at_most, prove_range, verify_at_most, verify_range
from detente.crypto.stored_tree import ConsistencyProof, InclusionProof, NodeSource, StoredTree
from detente.crypto.transcript import Transcript

__all__ = [
    "Checkpoint",
    "ConsistencyProof",
    "InclusionProof",
    "MerkleTree",
    "NodeSource",
    "PartyKey",
    "Point",
    "RangeProof",
    "Signature",
    "SignedNote",
    "Signer",
    "StoredTree",
    "Transcript",
    "Verifier",
    "canonical",
    "commit",
    "cosign",
    "fingerprint",
    "is_canonical",
    "leaf_hash",
    "load_key",
    "open_check",
    "parse",
    "parse_checkpoint",
    "parse_note",
    "prove_at_most",
    "prove_range",
    "save_key",
    "sign_note",
    "verify",
    "verify_at_most",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
    "verify_range",
]
