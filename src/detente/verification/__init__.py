"""Verification: inspection regimes and workflow, detection statistics."""
