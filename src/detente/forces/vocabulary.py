"""The closed vocabulary of force files: item kinds, statuses, roles and facility kinds.

Treaty files refer to these words in their definitions; what a word *counts as* is decided by each treaty,
never here. Every word is documented in docs/force-format.md, and a test checks that.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What an item row describes."""

    LAUNCHER = "launcher"  # an ICBM silo or mobile launcher, or an SLBM launch tube; 'deployed' = holds a missile
    MISSILE = "missile"  # a missile not in a launcher (stored, in transit, at a test range)
    BOMBER = "bomber"  # a heavy bomber


class Status(StrEnum):
    """The state an item is declared in."""

    DEPLOYED = "deployed"
    NON_DEPLOYED = "non-deployed"
    TEST = "test"
    TRAINING = "training"
    REPAIR = "repair"
    CONVERTED = "converted"
    ELIMINATED = "eliminated"


class Role(StrEnum):
    """Whether an item is assigned nuclear missions (a bomber may keep its equipment but lose the role)."""

    NUCLEAR = "nuclear"
    CONVENTIONAL = "conventional"


class FacilityKind(StrEnum):
    """Kinds of declared facilities."""

    ICBM_BASE = "icbm-base"
    SUBMARINE_BASE = "submarine-base"
    AIR_BASE = "air-base"
    STORAGE = "storage"
    CONVERSION_ELIMINATION = "conversion-elimination"
    TEST_RANGE = "test-range"
    SPACE_LAUNCH = "space-launch"
    PRODUCTION = "production"
    REPAIR = "repair"
    TRAINING = "training"
    UNDECLARED = "undeclared"  # an item row names no facility, or one the file does not declare
