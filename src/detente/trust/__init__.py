"""Trust between parties: a witness, and escrowed declarations.

The witness cosigns only checkpoints shown to extend what it cosigned, and keeps evidence of forks (the one
finding made wholly of what the log signed); escrowed declarations are opened region by region, each region whole.

The names below are the public API; everything else in these modules is internal.
"""

from detente.trust.escrow import Commitment, Escrow, EscrowVerifier, compare_with_findings
from detente.trust.witness import Seen, Witness, check_evidence, fork_evidence

__all__ = [
    "Commitment",
    "Escrow",
    "EscrowVerifier",
    "Seen",
    "Witness",
    "check_evidence",
    "compare_with_findings",
    "fork_evidence",
]
