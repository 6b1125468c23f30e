"""Trust between parties: a witness, and escrowed declarations.

The witness cosigns logs and keeps evidence of forks and rollbacks; escrowed declarations are opened region by
region.

The names below are the public API; everything else in these modules is internal.
"""

from detente.trust.escrow import Commitment, Escrow, EscrowVerifier, compare_with_findings
from detente.trust.witness import Seen, Witness, check_evidence

__all__ = ["Commitment", "Escrow", "EscrowVerifier", "Seen", "Witness", "check_evidence", "compare_with_findings"]
