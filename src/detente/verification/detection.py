"""What inspections can detect: exact probabilities and sample sizes, in plain integer arithmetic.

The models, each exact (no normal or binomial approximation of the sampling):

1. **Items at one site** (hypergeometric). N items, M of them in violation (over-loaded, missing, falsified), n
   examined, chosen at random without replacement. The chance that none of the M is examined is
   ``C(N − M, n) / C(N, n)``; the detection probability is one minus that. Computed with :func:`math.comb` and one
   correctly rounded integer division, so N = 100, M = 5, n = 10 gives 0.41625 (the published 0.416).
2. **Sites, then items** (multi-stage). S sites of known sizes, violations placed at given sites; k distinct sites
   drawn, then n items examined at each site drawn. With a uniform draw of the sites the answer is a sum over how
   many violating sites are drawn, weighted by elementary symmetric polynomials of the per-site non-detection
   chances, in exact fractions. With *selection weights* the sites are drawn one after another, each with
   probability proportional to its weight among the sites not yet drawn (successive sampling, the draw
   ``random.choices`` cannot do and ``numpy``'s ``choice(replace=False, p=…)`` does). That is solved exactly —
   the model is not approximated — by dynamic programming over how many sites of each kind have been drawn
   (sites with the same weight and non-detection chance are one kind), in floating point. When there are too many
   states it refuses and says so rather than approximate.
3. **Inspections in a year, and years.** Independent inspections each detecting with probability p detect at
   least once in m inspections with probability ``1 − (1 − p)^m``; independent years combine the same way.
4. **Sample sizes.** The smallest n with detection probability at least a target 1 − β, by exact search, beside
   the IAEA attribute-sampling approximation ``n ≈ N (1 − β^(1/M))``. The approximation treats the M violations
   as independent (``(1 − n/N)^M`` is never below the exact non-detection chance), so rounded up it is never
   smaller than the exact n.

Every function checks its arguments first and raises :class:`~detente.errors.StatisticsError` naming the
parameter and why: a count that is negative or not a whole number, M > N, n > N, a probability outside [0, 1], or
a size past the bounds below (:data:`MAX_ITEMS`, :data:`MAX_SITES`, :data:`MAX_REPEATS`). Exact integers grow with
the numbers they count, so the bounds keep every answer to about a second instead of letting a typo run for hours.

Sources: the hypergeometric check value and the IAEA approximation, shared/reference/verification.md §3;
IAEA, *IAEA Safeguards Glossary* (2001 edition), attribute sampling; R. Avenhaus and M. J. Canty, *Compliance
Quantified* (Cambridge University Press, 1996), on sampling without replacement; P. S. Efraimidis and P. G.
Spirakis, "Weighted random sampling with a reservoir", *Information Processing Letters* 97(5), 2006, for the
successive-sampling draw used by the Monte Carlo check.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational, Real
from typing import SupportsIndex, cast

from detente.errors import Location, StatisticsError

#: Above this many states the weighted multi-stage solution refuses (use the Monte Carlo instead).
MAX_STATES = 200_000
#: The most items a population, or all the sites together, may hold: more than twice the largest stockpile ever
#: held (about 40,000 warheads), and as far as exact integers stay near a second (a sample size of N = 100,000).
MAX_ITEMS = 100_000
#: The most sites of a multi-stage model: twice a New START party's declared facilities; the exact sum over sets of
#: sites grows with the square of their number (100 sites of 1,000 items: about 2 seconds).
MAX_SITES = 100
#: The most independent inspections or years combined, or asked for: a treaty runs decades, not millions of years.
MAX_REPEATS = 1_000_000


# --- checking arguments ---------------------------------------------------------------------------------------


_TOO_MANY_ITEMS = "exact arithmetic on more items would take minutes to hours; sample a part, or use the Monte Carlo"


def _refuse(name: str, why: str, hint: str | None = None) -> StatisticsError:
    return StatisticsError(why, Location(field=name), hint)


def check_count(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as an int if it is a whole number ≥ ``minimum``; otherwise a StatisticsError naming ``name``.

    Accepts Python and NumPy integers; refuses booleans, floats (even 5.0) and strings.
    """
    if isinstance(value, bool | float | str | bytes):
        raise _refuse(name, f"must be a whole number, got {value!r}")
    try:
        number = operator.index(cast(SupportsIndex, value))
    except TypeError:
        raise _refuse(name, f"must be a whole number, got {value!r}") from None
    if number < minimum:
        raise _refuse(name, f"must be at least {minimum}, got {number}")
    return number


def exact_number(name: str, value: object) -> Fraction:
    """A finite real number as an exact fraction, a float as the decimal it prints as; else a StatisticsError."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _refuse(name, f"must be a number, got {value!r}")
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    as_float = float(value)
    if not math.isfinite(as_float):
        raise _refuse(name, f"must be a finite number, got {as_float}")
    return Fraction(repr(as_float))


def check_probability(name: str, value: object) -> Fraction:
    """``value`` as an exact fraction if it is a number in [0, 1]; otherwise a StatisticsError naming ``name``.

    A float becomes the decimal it prints as (0.95 → 19/20): the number the user typed, not its binary neighbour.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _refuse(name, f"must be a probability (a number in [0, 1]), got {value!r}")
    exact = exact_number(name, value)
    if not 0 <= exact <= 1:
        raise _refuse(name, f"must be a probability in [0, 1], got {float(exact):g}")
    return exact


def _check_population(population: object, defective: object, sample: object) -> tuple[int, int, int]:
    big_n = check_count("population N", population)
    m = check_count("violations M", defective)
    n = check_count("sample n", sample)
    if big_n > MAX_ITEMS:
        raise _refuse("population N", f"N = {big_n:,} is more than {MAX_ITEMS:,} items", _TOO_MANY_ITEMS)
    if m > big_n:
        raise _refuse("violations M", f"M = {m} is more than the population N = {big_n}")
    if n > big_n:
        raise _refuse("sample n", f"n = {n} is more than the population N = {big_n}", "at most every item")
    return big_n, m, n


# --- 1. items at one site ---------------------------------------------------------------------------------------


def non_detection(population: int, defective: int, sample: int) -> Fraction:
    """Exact chance that a random sample of n of N items includes none of the M violating ones."""
    big_n, m, n = _check_population(population, defective, sample)
    return Fraction(math.comb(big_n - m, n), math.comb(big_n, n))


def detection_probability(population: int, defective: int, sample: int) -> float:
    """Chance that n items drawn at random without replacement from N include at least one of the M violations.

    ``1 − C(N − M, n) / C(N, n)``, as one correctly rounded division of integers.
    """
    big_n, m, n = _check_population(population, defective, sample)
    total = math.comb(big_n, n)
    return (total - math.comb(big_n - m, n)) / total


# --- 3. inspections in a year, and years ------------------------------------------------------------------------


def repeated(probability: float | Fraction, times: int, name: str = "times") -> float:
    """Chance of at least one detection in ``times`` independent trials that each detect with ``probability``."""
    p = float(check_probability("probability", probability))
    count = check_count(name, times)
    if count > MAX_REPEATS:
        raise _refuse(
            name,
            f"{count:,} is more than {MAX_REPEATS:,}",
            "a treaty runs for decades, with tens of inspections a year",
        )
    if count == 0 or p == 0:
        return 0.0
    if p == 1:
        return 1.0
    return -math.expm1(count * math.log1p(-p))  # 1 − (1 − p)^m, accurate when p is small


def over_years(yearly: float | Fraction, years: int) -> float:
    """Chance of detection within ``years`` independent treaty years that each detect with ``yearly``."""
    return repeated(yearly, years, "years")


def per_inspection(
    sizes: Sequence[int], violations: Sequence[int], items: int = 1, weights: Sequence[float] | None = None
) -> float:
    """Chance that one inspection detects: a site drawn with ``weights`` (default uniform), ``items`` examined there.

    Inspections drawn this way are independent of each other (a site may be visited again), so a year of m of
    them detects with ``repeated(p, m)``.
    """
    site_sizes, site_violations, examined = _check_sites(sizes, violations, items)
    shares = _shares(weights, len(site_sizes))
    misses = _site_misses(site_sizes, site_violations, examined)
    return float(sum(share * (1 - q) for share, q in zip(shares, misses, strict=True)))


def year_probability(
    sizes: Sequence[int],
    violations: Sequence[int],
    inspections: int,
    items: int = 1,
    weights: Sequence[float] | None = None,
) -> float:
    """Chance that a year of independent inspections (sites drawn again each time) detects at least once."""
    return repeated(per_inspection(sizes, violations, items, weights), inspections, "inspections")


# --- 2. sites, then items ---------------------------------------------------------------------------------------


def _check_sites(
    sizes: Sequence[int], violations: Sequence[int], items: int | Sequence[int]
) -> tuple[list[int], list[int], list[int]]:
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence) or not sizes:
        raise _refuse("sizes", "need at least one site (a list of item counts)")
    if isinstance(violations, str | bytes) or not isinstance(violations, Sequence):
        raise _refuse("violations", "must be a list of counts, one per site")
    if len(violations) != len(sizes):
        raise _refuse("violations", f"{len(violations)} counts for {len(sizes)} sites")
    if len(sizes) > MAX_SITES:
        raise _refuse("sizes", f"{len(sizes):,} sites is more than {MAX_SITES:,}", "group sites of one kind into one")
    site_sizes = [check_count(f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
    if sum(site_sizes) > MAX_ITEMS:
        raise _refuse("sizes", f"{sum(site_sizes):,} items at the sites is more than {MAX_ITEMS:,}", _TOO_MANY_ITEMS)
    site_violations = [check_count(f"violations[{i}]", v) for i, v in enumerate(violations)]
    per_site = [items] * len(sizes) if not isinstance(items, Sequence) else list(items)
    if len(per_site) != len(sizes):
        raise _refuse("items", f"{len(per_site)} item counts for {len(sizes)} sites")
    examined = [check_count("items" if not isinstance(items, Sequence) else f"items[{i}]", n, 1)
                for i, n in enumerate(per_site)]  # fmt: skip
    for i, (size, bad, n) in enumerate(zip(site_sizes, site_violations, examined, strict=True)):
        if bad > size:
            raise _refuse(f"violations[{i}]", f"{bad} violations at a site of {size} items")
        if n > size:
            raise _refuse("items", f"{n} items examined at site {i}, which has only {size}")
    return site_sizes, site_violations, examined


def _site_misses(sizes: list[int], violations: list[int], items: list[int]) -> list[Fraction]:
    """Per site, the exact chance that examining its items finds nothing."""
    return [Fraction(math.comb(n - m, k), math.comb(n, k)) for n, m, k in zip(sizes, violations, items, strict=True)]


def _shares(weights: Sequence[float] | None, count: int) -> list[Fraction]:
    if weights is None:
        return [Fraction(1, count)] * count
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence) or len(weights) != count:
        raise _refuse("weights", f"need one weight per site ({count})")
    exact: list[Fraction] = []
    for i, w in enumerate(weights):
        number = exact_number(f"weights[{i}]", w)
        if number < 0:
            raise _refuse(f"weights[{i}]", f"must be 0 or more, got {w!r}")
        exact.append(number)
    total = sum(exact)
    if total == 0:
        raise _refuse("weights", "all weights are zero: no site can be drawn")
    return [w / total for w in exact]


def _elementary(values: list[Fraction]) -> list[Fraction]:
    """e_0 … e_len of ``values``: ``e[j]`` is the sum of the products of every j of them."""
    e = [Fraction(1)] + [Fraction(0)] * len(values)
    for v in values:
        for j in range(len(e) - 1, 0, -1):
            e[j] += e[j - 1] * v
    return e


def multistage_non_detection(
    sizes: Sequence[int], violations: Sequence[int], sites: int, items: int | Sequence[int] = 1
) -> Fraction:
    """Exact chance that k distinct sites drawn uniformly, then ``items`` per site, find no violation.

    If the sites holding violations have per-site miss chances q_1 … q_v and the other S − v sites none, the
    drawn set holds a given j of the violating sites with probability ``C(S − v, k − j) / C(S, k)``, so the
    answer is ``Σ_j e_j(q) C(S − v, k − j) / C(S, k)`` with e_j the elementary symmetric polynomials.
    """
    site_sizes, site_violations, examined = _check_sites(sizes, violations, items)
    s = len(site_sizes)
    k = check_count("sites k", sites)
    if k > s:
        raise _refuse("sites k", f"{k} sites to inspect but only {s} sites")
    misses = _site_misses(site_sizes, site_violations, examined)
    q = [miss for miss, bad in zip(misses, site_violations, strict=True) if bad]
    e = _elementary(q)
    v = len(q)
    total = Fraction(0)
    for j in range(min(k, v) + 1):
        total += e[j] * math.comb(s - v, k - j)
    return total / math.comb(s, k)


def multistage_probability(
    sizes: Sequence[int],
    violations: Sequence[int],
    sites: int,
    items: int | Sequence[int] = 1,
    weights: Sequence[float] | None = None,
) -> float:
    """Chance that k distinct sites, then ``items`` items at each, detect at least one violation.

    Without ``weights`` the k sites are a uniformly random set (exact fractions). With ``weights`` they are drawn
    one after another, each with probability proportional to its weight among those not yet drawn
    (:func:`weighted_multistage_non_detection`).
    """
    if weights is None:
        return float(1 - multistage_non_detection(sizes, violations, sites, items))
    return 1.0 - weighted_multistage_non_detection(sizes, violations, sites, items, weights)


def weighted_multistage_non_detection(
    sizes: Sequence[int],
    violations: Sequence[int],
    sites: int,
    items: int | Sequence[int],
    weights: Sequence[float],
    max_states: int = MAX_STATES,
) -> float:
    """Chance of no detection when k distinct sites are drawn by successive weighted sampling, then items.

    Exact in the model: sites of equal weight and equal miss chance form one kind, and a state is how many of
    each kind have been drawn; the probability of every state after k draws is propagated draw by draw, and the
    answer is ``Σ P(state) Π q_kind^drawn``. Raises StatisticsError when the states would exceed ``max_states``
    (too many distinct weights with k large: use the Monte Carlo, or group sites).
    """
    site_sizes, site_violations, examined = _check_sites(sizes, violations, items)
    shares = _shares(weights, len(site_sizes))
    k = check_count("sites k", sites)
    positive = sum(1 for w in shares if w > 0)
    if k > positive:
        raise _refuse("sites k", f"{k} distinct sites to draw but only {positive} have a weight above zero")
    misses = _site_misses(site_sizes, site_violations, examined)
    kinds: dict[tuple[Fraction, Fraction], int] = {}
    for share, miss in zip(shares, misses, strict=True):
        kinds[(share, miss)] = kinds.get((share, miss), 0) + 1
    weight = [float(w) for w, _ in kinds]
    miss_of = [float(q) for _, q in kinds]
    available = list(kinds.values())
    bound = math.prod(min(c, k) + 1 for c in available)
    if bound > max_states and _states_needed(available, k) > max_states:
        raise _refuse(
            "weights",
            f"the exact weighted draw needs more than {max_states:,} states here",
            "group sites with equal weights, or use the Monte Carlo (detente detect simulate)",
        )
    states: dict[tuple[int, ...], float] = {(0,) * len(available): 1.0}
    for _ in range(k):
        after: dict[tuple[int, ...], float] = {}
        for drawn, p in states.items():
            left = sum((c - d) * w for c, d, w in zip(available, drawn, weight, strict=True))
            for i, (c, d) in enumerate(zip(available, drawn, strict=True)):
                if d < c and weight[i] > 0:
                    nxt = (*drawn[:i], d + 1, *drawn[i + 1 :])
                    after[nxt] = after.get(nxt, 0.0) + p * (c - d) * weight[i] / left
        states = after
    return sum(p * math.prod(q**d for q, d in zip(miss_of, drawn, strict=True)) for drawn, p in states.items())


def _states_needed(available: list[int], k: int) -> int:
    """How many ways to draw exactly k sites from kinds of these sizes (the last layer, the largest one)."""
    ways = [1] + [0] * k
    for c in available:
        ways = [sum(ways[j - d] for d in range(min(c, j) + 1)) for j in range(k + 1)]
    return ways[k]


# --- 4. sample sizes ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSize:
    """The smallest sample for a target detection probability, exactly and by the IAEA approximation."""

    population: int
    violations: int
    target: Fraction
    exact: int
    exact_probability: float
    iaea: float
    iaea_rounded: int
    iaea_probability: float

    @property
    def non_detection(self) -> Fraction:
        """β, the non-detection probability allowed."""
        return 1 - self.target


def sample_size(population: int, defective: int, target: float | Fraction) -> SampleSize:
    """Smallest n of N items with detection probability ≥ ``target`` when M are in violation, exact and IAEA.

    The exact n is found by bisection on ``C(N − M, n) ≤ β C(N, n)`` in integers (non-detection falls as n
    grows), β = 1 − target. The IAEA attribute-sampling approximation is ``N (1 − β^(1/M))``, given as computed
    and rounded up; it is never below the exact n.
    """
    big_n, m, _ = _check_population(population, defective, 0)
    goal = check_probability("target", target)
    if goal == 0:
        exact = 0
    elif m == 0:
        raise _refuse("violations M", "M = 0: there is nothing to detect, no sample reaches a target above 0")
    else:
        beta = 1 - goal
        lo, hi = 0, big_n - m + 1  # n = N − M + 1 always includes a violation
        while lo < hi:
            mid = (lo + hi) // 2
            if math.comb(big_n - m, mid) * beta.denominator <= beta.numerator * math.comb(big_n, mid):
                hi = mid
            else:
                lo = mid + 1
        exact = lo
    beta_f = float(1 - goal)
    iaea = 0.0 if goal == 0 else big_n * (1 - beta_f ** (1 / m))
    iaea_rounded = min(big_n, math.ceil(iaea))
    return SampleSize(
        population=big_n,
        violations=m,
        target=goal,
        exact=exact,
        exact_probability=detection_probability(big_n, m, exact),
        iaea=iaea,
        iaea_rounded=iaea_rounded,
        iaea_probability=detection_probability(big_n, m, iaea_rounded),
    )


def inspections_needed(per_inspection: float | Fraction, target: float | Fraction) -> int:
    """Smallest number m of independent inspections with ``1 − (1 − p)^m ≥ target``.

    Raises StatisticsError when no number reaches it (p = 0 and a target above 0).
    """
    p = check_probability("per-inspection probability", per_inspection)
    goal = check_probability("target", target)
    if goal == 0:
        return 0
    if p == 0:
        raise _refuse("per-inspection probability", "is 0: no number of inspections detects anything")
    if p == 1:
        return 1
    if goal == 1:
        raise _refuse("target", "1 cannot be reached by independent inspections that each may miss")
    # (1 − p)^m ≤ 1 − target, decided in exact fractions around the floating-point estimate
    m = max(1, math.ceil(math.log(float(1 - goal)) / math.log1p(-float(p))))
    if m > MAX_REPEATS:
        raise _refuse(
            "per-inspection probability",
            f"{float(p):g} needs more than {MAX_REPEATS:,} inspections to reach the target",
        )
    while m > 1 and (1 - p) ** (m - 1) <= 1 - goal:
        m -= 1
    while (1 - p) ** m > 1 - goal:
        m += 1
    return m
