"""Trust between parties: Merkle trees and proofs over ledgers, signed checkpoints, and witnesses."""
