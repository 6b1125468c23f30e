"""Exact whole-number arithmetic for counting: numpy's fast paths where they are exact, Python integers where not.

Rules, in order:

1. Columns hold whole numbers ≥ 0: as int64, or — once a number could leave what int64 holds — as Python integers
   (an array of dtype ``object``). A column never goes back from Python integers to int64.
2. A product or an elementwise sum is taken in int64 only when the largest possible result is below 2**62
   (checked in floating point, which errs by far less than that margin); otherwise in Python integers.
3. A sum, per bin or in all, is taken through float64 (``np.bincount``) only when the sum of all its numbers is
   below 2**52, where float64 adds whole numbers exactly; otherwise in Python integers.

So no count wraps or rounds, whatever the force or the treaty file, and the forces of any real arsenal never leave
numpy's fast paths (a whole New START force sums to a few thousand).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Numbers = npt.NDArray[Any]  # int64, or object holding Python ints (rule 1)

_INT64_SAFE = float(2**62)
_FLOAT_SAFE = float(2**52)


def _largest(values: Numbers) -> float:
    return float(values.max()) if values.size else 0.0


def _python(values: Numbers) -> Numbers:
    """The same numbers as Python integers (``astype(object)`` turns each int64 into an ``int``)."""
    return values if values.dtype == object else values.astype(object)


def as_numbers(value: int | Numbers, size: int) -> Numbers:
    """A column of ``size`` copies of a whole number (int64 when it fits), or the column itself."""
    if isinstance(value, np.ndarray):
        return value
    if value < _INT64_SAFE:
        return np.full(size, value, dtype=np.int64)
    column = np.empty(size, dtype=object)
    column[:] = value
    return column


def product(a: Numbers, b: Numbers) -> Numbers:
    """``a * b`` elementwise, exact (rule 2)."""
    if object not in (a.dtype, b.dtype) and _largest(a) * _largest(b) < _INT64_SAFE:
        return a * b
    return _python(a) * _python(b)


def plus(a: Numbers, b: Numbers) -> Numbers:
    """``a + b`` elementwise, exact (rule 2)."""
    if object not in (a.dtype, b.dtype) and _largest(a) + _largest(b) < _INT64_SAFE:
        return a + b
    return _python(a) + _python(b)


def cumulative(values: Numbers) -> Numbers:
    """Running sums, exact (rule 2)."""
    if values.dtype != object and float(np.sum(values, dtype=np.float64)) < _INT64_SAFE:
        return np.cumsum(values)
    return np.cumsum(_python(values))


def bin_sums(bins: npt.NDArray[np.int64], weights: Numbers, size: int) -> Numbers:
    """Per bin, the sum of the weights that fall in it, exact (rule 3)."""
    if weights.dtype != object and float(np.sum(weights, dtype=np.float64)) < _FLOAT_SAFE:
        return np.bincount(bins, weights=weights, minlength=size).astype(np.int64)
    sums = np.zeros(size, dtype=object)
    np.add.at(sums, bins, _python(weights))
    return sums


def total(values: Numbers) -> int:
    """The sum of a column as a Python integer, exact."""
    if values.dtype != object and float(np.sum(values, dtype=np.float64)) < _INT64_SAFE:
        return int(values.sum())
    return int(sum(_python(values).tolist(), 0))


def into(target: Numbers, index: npt.NDArray[np.int64], values: Numbers) -> Numbers:
    """``target`` with ``target[index] = values``, first turned into Python integers if ``values`` are (rule 1)."""
    if values.dtype == object and target.dtype != object:
        target = target.astype(object)
    target[index] = values
    return target
