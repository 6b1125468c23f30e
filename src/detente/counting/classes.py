"""A force summarised by item class.

A class is every distinct combination of party, system, kind, status, armament, role and facility kind,
with the sums counting needs. Counting then works on a few hundred classes instead of millions of rows,
and one summary serves every treaty and variant counted on the same force.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from detente.counting._exact import Numbers, bin_sums, product
from detente.forces.model import ARMAMENTS, FACILITY_KINDS, KINDS, ROLES, STATUSES, Force, IntArray

# Row attributes that form a class, with the size of each one's code space (systems and parties vary per force).
_FIXED = (
    ("kind", len(KINDS)),
    ("status", len(STATUSES)),
    ("armament", len(ARMAMENTS)),
    ("role", len(ROLES)),
    ("facility_kind", len(FACILITY_KINDS)),
)
_DENSE_LIMIT = 1 << 24  # above this many possible classes, find the present ones by sorting instead


@dataclass(frozen=True, eq=False)
class Classes:
    """Per present class: its attribute codes and sums; ``row_class`` maps each force row to its class.

    The sums are exact: int64 where they fit, Python integers where they might not (:mod:`._exact`).
    """

    force: Force
    party: IntArray
    system: IntArray
    kind: IntArray
    status: IntArray
    armament: IntArray
    role: IntArray
    facility_kind: IntArray
    items: Numbers
    warheads: Numbers
    alcm_capacity: Numbers
    row_class: IntArray

    @classmethod
    def of(cls, force: Force) -> Classes:
        """Summarise a force: three weighted bincounts over one combined integer key per row."""
        sizes = [("party", max(len(force.parties), 1)), ("system", max(len(force.systems), 1)), *_FIXED]
        key = np.zeros(len(force), dtype=np.int64)
        for name, size in sizes:
            key *= size
            key += getattr(force, name)
        space = int(np.prod([s for _, s in sizes], dtype=np.float64))
        if space <= _DENSE_LIMIT:
            present_items = bin_sums(key, force.count, space)
            # rows of zero items still need a class; only then is a second pass needed to find them
            seen = np.bincount(key, minlength=space) > 0 if (force.count == 0).any() else present_items > 0
            present = np.flatnonzero(seen)
            dense_index = np.full(space, -1, dtype=np.int64)
            dense_index[present] = np.arange(present.size)
            row_class = dense_index[key]
            items = present_items[present]
        else:
            present, row_class = np.unique(key, return_inverse=True)
            items = bin_sums(row_class, force.count, present.size)
        n = present.size
        warheads = bin_sums(row_class, product(force.count, force.warheads), n)
        alcm = bin_sums(row_class, product(force.count, force.alcm_capacity), n)
        codes: dict[str, IntArray] = {}
        rest = present.copy()
        for name, size in reversed(sizes):
            codes[name] = rest % size
            rest //= size
        return cls(force=force, items=items, warheads=warheads, alcm_capacity=alcm, row_class=row_class, **codes)

    def __len__(self) -> int:
        return int(self.items.shape[0])

    @cached_property
    def system_attributes(self) -> dict[str, IntArray]:
        """Per class, the attributes that come from its system type (for definition conditions)."""
        systems = self.force.systems
        table = {
            "first_deployed": np.array([s.first_deployed or 0 for s in systems] or [0], np.int64),
            "max_rvs": np.array([s.max_rvs for s in systems] or [0], np.int64),
            "heavy": np.array([s.heavy for s in systems] or [False], np.int64),
        }
        return {name: values[self.system] for name, values in table.items()}
