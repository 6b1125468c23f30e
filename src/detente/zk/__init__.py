"""Proving compliance without revealing the force: commitments per facility, range proofs, openings (experimental).

A party counts each facility under the treaty (:mod:`.values`), commits to the counts and records the commitments
with each facility's declared capacity (:mod:`.commitments`), proves that every count is small and non-negative,
that every limited total is within its limit and every facility's warheads within its capacity (:mod:`.proofs`),
and at an inspection opens one facility (:mod:`.opening`). Built on :mod:`detente.crypto.pedersen` and
:mod:`detente.crypto.rangeproof`. The names below are the public API; everything else in these modules is internal.
"""

from detente.zk.commitments import SCHEME, SECRET_FORMAT, TOTAL, Secret, commit, totals
from detente.zk.opening import OPENING_FORMAT, Opening, OpeningDiscrepancy, check_opening, open_facility
from detente.zk.proofs import (
    BUNDLE_FORMAT,
    RANGE_BITS,
    ProofBundle,
    Statement,
    StatementCheck,
    Verdict,
    binding_limits,
    prove,
    read_bundle,
    required_statements,
    verify,
    warheads_measure,
)
from detente.zk.values import MAX_VALUE, FacilityCounts, default_capacities, facility_counts, force_at

__all__ = [
    "BUNDLE_FORMAT",
    "MAX_VALUE",
    "OPENING_FORMAT",
    "RANGE_BITS",
    "SCHEME",
    "SECRET_FORMAT",
    "TOTAL",
    "FacilityCounts",
    "Opening",
    "OpeningDiscrepancy",
    "ProofBundle",
    "Secret",
    "Statement",
    "StatementCheck",
    "Verdict",
    "binding_limits",
    "check_opening",
    "commit",
    "default_capacities",
    "facility_counts",
    "force_at",
    "open_facility",
    "prove",
    "read_bundle",
    "required_statements",
    "totals",
    "verify",
    "warheads_measure",
]
