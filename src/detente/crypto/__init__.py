"""Cryptographic primitives beneath both the ledger and trust.

Keys and the Signer port, canonical JSON, signed notes, and RFC 9162 Merkle trees (in memory, and stored as nodes).

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
from detente.crypto.stored_tree import ConsistencyProof, InclusionProof, NodeSource, StoredTree

__all__ = [
    "Checkpoint",
    "ConsistencyProof",
    "InclusionProof",
    "MerkleTree",
    "NodeSource",
    "PartyKey",
    "Signature",
    "SignedNote",
    "Signer",
    "StoredTree",
    "Verifier",
    "canonical",
    "cosign",
    "fingerprint",
    "is_canonical",
    "leaf_hash",
    "load_key",
    "parse",
    "parse_checkpoint",
    "parse_note",
    "save_key",
    "sign_note",
    "verify",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
]
