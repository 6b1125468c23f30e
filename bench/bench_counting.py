"""Benchmark: counting a synthetic force of N items (US, RU, CN) under New START and its ru-2022 variant.

Measures, each as the median of R repeats (time.perf_counter):
  1. summarising the force into classes, ``Classes.of(force)``               (rows/s)
  2. counting one reading given that summary, ``count(..., classes)``         (items/s)
  3. end to end, what ``count_readings`` does: summarise once, count every reading (items/s)
  4. for orientation: one weighted ``np.bincount`` and, if installed, a polars group_by over the same rows
Before timing, the engine's counts under each reading (every measure, party, total, breakdown by system and by
rule) are checked against an oracle that reads the definitions, measures and variants from the loaded treaty file
and evaluates them row by row with plain numpy masks; the bench exits with status 1 if they differ.

Run:  .venv/bin/python bench/bench_counting.py [--items N] [--repeat R]   (defaults: 1,000,000 items, 5)
      .venv/bin/python bench/bench_counting.py --small                     (20,000 items, 1 repeat: the same checks)
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np
from rich.console import Console
from rich.table import Table

from detente.catalog import Armament, Category, builtin_catalog
from detente.catalog.model import SystemType
from detente.counting.classes import Classes
from detente.counting.readings import count_readings, parse_reading
from detente.counting.tally import Tally, count
from detente.forces.model import ARMAMENTS, FACILITY_KINDS, KINDS, ROLES, STATUSES, Facility, Force
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status
from detente.treaty.load import get_treaty
from detente.treaty.model import Definition, Term, Treaty, Value, Variant

PARTIES = ("US", "RU", "CN")
READINGS = ("new-start", "new-start+ru-2022")
STATUS_P = {Status.DEPLOYED: 0.45, Status.NON_DEPLOYED: 0.18, Status.TEST: 0.06, Status.TRAINING: 0.03,
            Status.REPAIR: 0.04, Status.CONVERTED: 0.12, Status.ELIMINATED: 0.12}  # fmt: skip
# per party: (facility kind, how many); every party declares the same set
FACILITY_PLAN = ((FacilityKind.ICBM_BASE, 3), (FacilityKind.SUBMARINE_BASE, 2), (FacilityKind.AIR_BASE, 2),
                 (FacilityKind.STORAGE, 1), (FacilityKind.TEST_RANGE, 1),
                 (FacilityKind.CONVERSION_ELIMINATION, 1))  # fmt: skip


def codes(vocabulary: tuple[object, ...], *words: object) -> np.ndarray:
    """The column codes of vocabulary words (a Force stores each word as its index in the vocabulary)."""
    return np.array([vocabulary.index(w) for w in words], dtype=np.int64)


def synthetic_force(n_items: int, seed: int = 2010) -> Force:
    """A varied force of exactly ``n_items`` items: ~90% single-item rows with a uid, the rest aggregate rows."""
    rng = np.random.default_rng(seed)
    systems = tuple(builtin_catalog())
    country = np.array([PARTIES.index(s.country) for s in systems])
    category = np.array([list(Category).index(s.category) for s in systems])  # 0 icbm, 1 slbm, 2 heavy bomber
    max_rvs = np.array([s.max_rvs for s in systems])
    alcm = np.array([s.alcm_capacity for s in systems])

    agg_counts = rng.integers(2, 200, max(n_items // 1000, 1))
    agg_counts = agg_counts[np.cumsum(agg_counts) <= n_items // 2]  # aggregates hold at most half the items
    n_rows = n_items - int(agg_counts.sum()) + agg_counts.size
    counts = np.ones(n_rows, dtype=np.int64)
    aggregate = np.zeros(n_rows, dtype=bool)
    aggregate[rng.choice(n_rows, agg_counts.size, replace=False)] = True
    counts[aggregate] = agg_counts

    party = rng.choice(3, n_rows, p=[0.45, 0.4, 0.15])
    system = np.empty(n_rows, dtype=np.int64)  # US and RU field their own types; CN any type of the catalog
    for p in range(3):
        pool = np.flatnonzero(country == p) if PARTIES[p] != "CN" else np.arange(len(systems))
        rows = party == p
        system[rows] = pool[rng.integers(0, pool.size, int(rows.sum()))]
    cat = category[system]
    bomber = cat == 2
    missile_kind = np.where(rng.random(n_rows) < 0.75, KINDS.index(Kind.LAUNCHER), KINDS.index(Kind.MISSILE))
    kind = np.where(bomber, KINDS.index(Kind.BOMBER), missile_kind)
    status = codes(STATUSES, *STATUS_P)[rng.choice(len(STATUS_P), n_rows, p=list(STATUS_P.values()))]
    deployed = status == STATUSES.index(Status.DEPLOYED)
    armament = codes(ARMAMENTS, *(s.armament for s in systems))[system]
    converted_bomber = bomber & (status == STATUSES.index(Status.CONVERTED))
    armament[converted_bomber & (rng.random(n_rows) < 0.8)] = ARMAMENTS.index(Armament.NONE)
    conventional = bomber & (rng.random(n_rows) < 0.1)
    role = np.where(conventional, ROLES.index(Role.CONVENTIONAL), ROLES.index(Role.NUCLEAR))
    loaded = ~bomber & (deployed | (rng.random(n_rows) < 0.2))  # deployed missiles carry RVs, some others too
    warheads = np.where(loaded, rng.integers(1, np.maximum(max_rvs[system], 1) + 1), 0)
    alcm_capacity = np.where(armament == ARMAMENTS.index(Armament.ALCM), alcm[system], 0)

    facilities = tuple(Facility(id=f"{p}-{k.value}-{i}", party=p, kind=k, name=f"{p} {k.value} {i}")
                       for p in PARTIES for k, n in FACILITY_PLAN for i in range(n))  # fmt: skip
    fac_kind = codes(FACILITY_KINDS, *(f.kind for f in facilities)).reshape(3, -1)
    wanted = codes(FACILITY_KINDS, FacilityKind.ICBM_BASE, FacilityKind.SUBMARINE_BASE, FacilityKind.AIR_BASE)[cat]
    wanted[status == STATUSES.index(Status.TEST)] = FACILITY_KINDS.index(FacilityKind.TEST_RANGE)
    eliminated = status == STATUSES.index(Status.ELIMINATED)
    wanted[eliminated] = FACILITY_KINDS.index(FacilityKind.CONVERSION_ELIMINATION)
    wanted[(kind == KINDS.index(Kind.MISSILE)) & ~deployed] = FACILITY_KINDS.index(FacilityKind.STORAGE)
    per_party = fac_kind.shape[1]
    candidates = fac_kind[party] == wanted[:, None]  # pick at random among the party's facilities of that kind
    pick = np.argmax(candidates * rng.random((n_rows, per_party)), axis=1)
    facility = np.where(rng.random(n_rows) < 0.9, party * per_party + pick, -1)  # 10% name no facility

    # uids "US-0000001", numbered within each party, built with numpy string ufuncs (no loop per item)
    order = np.argsort(party, kind="stable")
    number = np.empty(n_rows, dtype=np.int64)
    number[order] = np.arange(n_rows) - np.searchsorted(party[order], party[order]) + 1
    uids = np.strings.add(np.strings.add(np.array(PARTIES)[party], "-"), np.strings.zfill(number.astype(str), 7))
    uid = uids.astype(object)
    uid[aggregate] = None
    return Force(
        parties=PARTIES, systems=systems, facilities=facilities, party=party.astype(np.int64), system=system,
        kind=kind, status=status, armament=armament, role=role, facility=facility, count=counts,
        warheads=warheads, alcm_capacity=alcm_capacity, uid=tuple(uid.tolist()),
    )  # fmt: skip


# --- the oracle ---------------------------------------------------------------------------------------------------
# It reads the rules from the loaded treaty file and applies the variants itself, rather than restating the rules
# here: a restatement went stale when ru-2022 narrowed the converted heavy bombers that still count to the B-52H.
# It shares no code with the engine: no classes, no selector; each definition is a boolean mask over the rows.


class OracleError(Exception):
    """A treaty uses a rule the oracle does not evaluate (say which, so it gets added here)."""


@dataclasses.dataclass(frozen=True)
class Expected:
    """One measure for one party as the oracle counts it."""

    total: int
    by_system: dict[str, int]
    by_term: dict[str, int]


def oracle_reading(spec: str) -> tuple[Treaty, tuple[Variant, ...]]:
    """``TREATY+VARIANT…`` as the base treaty (as loaded) and its variants, not yet applied."""
    head, *variant_ids = (part.strip() for part in spec.split("+"))
    treaty = get_treaty(head)
    variants = []
    for vid in variant_ids:
        variant = treaty.variant(vid)
        if variant is None:
            raise OracleError(f"{head} has no variant {vid!r}")
        variants.append(variant)
    return treaty, tuple(variants)


def _names(system: SystemType) -> set[str]:
    return {n.casefold() for n in (system.id, system.name, *system.aliases)}


class _Rows:
    """The force's rows with each attribute as words, and each definition of a reading as a mask over them."""

    def __init__(self, force: Force, definitions: dict[str, Definition]) -> None:
        self.force, self.definitions = force, definitions
        self.words = {
            "kind": np.array([str(w) for w in KINDS])[force.kind],
            "status": np.array([str(w) for w in STATUSES])[force.status],
            "armament": np.array([str(w) for w in ARMAMENTS])[force.armament],
            "role": np.array([str(w) for w in ROLES])[force.role],
            # -1 (no facility) takes the last entry: a row naming no declared facility is at an undeclared one
            "facility_kind": np.array([str(f.kind) for f in force.facilities] + [str(FacilityKind.UNDECLARED)])[
                force.facility
            ],
        }
        self.memo: dict[str, np.ndarray] = {}

    def _per_system(self, test: Callable[[SystemType], bool]) -> np.ndarray:
        return np.array([test(s) for s in self.force.systems], dtype=bool)[self.force.system]

    def select(self, name: str) -> np.ndarray:
        """Rows in definition ``name``: all of a filter's conditions hold, or any of a union's parts; minus exclude."""
        if name not in self.memo:
            d = self.definitions[name]
            if d.any_of is not None:
                mask = np.zeros(len(self.force), dtype=bool)
                for part in d.any_of:
                    mask = mask | self.select(part)
            else:
                mask = np.ones(len(self.force), dtype=bool)
                if d.category is not None:
                    mask &= self._per_system(lambda s, allowed=d.category: s.category in allowed)
                if d.basing is not None:
                    mask &= self._per_system(lambda s, allowed=d.basing: s.basing in allowed)
                if d.system is not None:
                    wanted = {a.casefold() for a in d.system}
                    mask &= self._per_system(lambda s: bool(_names(s) & wanted))
                if d.heavy is not None:
                    mask &= self._per_system(lambda s, heavy=d.heavy: s.heavy == heavy)
                for attribute, words in self.words.items():
                    allowed = getattr(d, attribute)
                    if allowed is not None:
                        mask &= np.isin(words, [str(a) for a in allowed])
            for other in d.exclude:
                mask = mask & ~self.select(other)
            self.memo[name] = mask
        return self.memo[name]

    def per_item(self, term: Term, attribution: dict[str, int]) -> np.ndarray:
        """What one item of each row contributes to ``term`` (before a cap)."""
        force, value = self.force, term.value
        if isinstance(value, int):
            return np.full(len(force), value, dtype=np.int64)
        if value is Value.ITEMS:
            return np.ones(len(force), dtype=np.int64)
        if value is Value.WARHEADS:
            return force.warheads.astype(np.int64)
        if value is Value.ALCM_CAPACITY:
            return force.alcm_capacity.astype(np.int64)
        if value is Value.MAX_RVS:
            return np.array([s.max_rvs for s in force.systems], dtype=np.int64)[force.system]
        lookup = {k.casefold(): v for k, v in attribution.items()}
        per_system = [next((lookup[n] for n in _names(s) if n in lookup), None) for s in force.systems]
        missing = {force.systems[i].id for i in force.system[self.select(term.select)] if per_system[i] is None}
        if missing:
            raise OracleError(f"no attributed number for {sorted(missing)}, which term {term.name!r} counts")
        return np.array([v or 0 for v in per_system], dtype=np.int64)[force.system]


def _read(force: Force, treaty: Treaty, variants: Sequence[Variant]) -> tuple[_Rows, dict[str, int]]:
    """The force's rows under ``treaty`` read with ``variants``: each replaces definitions and attributed numbers
    by name, in order."""
    definitions, attribution = dict(treaty.definitions), dict(treaty.attribution)
    for variant in variants:
        definitions.update(variant.definitions)
        attribution.update(variant.attribution)
    return _Rows(force, definitions), attribution


def _term_values(rows: _Rows, attribution: dict[str, int], term: Term, party: str) -> np.ndarray:
    """What one item of each row contributes to ``term`` for ``party`` (0 for rows it does not select)."""
    if term.first:
        raise OracleError(f"term {term.name!r}: the oracle does not evaluate 'first' rules")
    own = rows.per_item(term, attribution)
    if party in term.cap:
        own = np.minimum(own, term.cap[party])
    return np.where(rows.select(term.select), own, 0)


def oracle_counts(force: Force, treaty: Treaty, variants: Sequence[Variant] = ()) -> dict[tuple[str, str], Expected]:
    """Every measure of ``treaty`` read under ``variants``, for every party of the treaty that the force names:
    totals and breakdowns, row by row."""
    rows, attribution = _read(force, treaty, variants)
    out: dict[tuple[str, str], Expected] = {}
    for party in (p.id for p in treaty.parties if p.id in force.parties):
        mine = force.party == force.parties.index(party)
        for measure in treaty.measures:
            by_term: dict[str, int] = {}
            by_system = np.zeros(len(force.systems), dtype=np.int64)
            for term in measure.terms:
                contribution = np.where(mine, force.count * _term_values(rows, attribution, term, party), 0)
                by_term[term.name] = by_term.get(term.name, 0) + int(contribution.sum())
                for s in range(len(force.systems)):
                    by_system[s] += int(contribution[force.system == s].sum())
            systems = {force.systems[s].id: int(n) for s, n in enumerate(by_system) if n}
            out[(party, measure.id)] = Expected(sum(by_term.values()), systems, by_term)
    return out


def oracle_item_values(force: Force, treaty: Treaty, variants: Sequence[Variant], party: str) -> dict[str, np.ndarray]:
    """Per measure: what one item of each row contributes to it, for ``party`` (every row; mask by party)."""
    rows, attribution = _read(force, treaty, variants)
    return {
        m.id: sum((_term_values(rows, attribution, t, party) for t in m.terms), np.zeros(len(force), np.int64))
        for m in treaty.measures
    }


def tally_problems(tally: Tally, expected: dict[tuple[str, str], Expected]) -> list[str]:
    """Where the engine's tally differs from the oracle's counts (empty when they agree)."""
    problems = []
    parties = tuple(dict.fromkeys(p for p, _ in expected))
    if tally.parties != parties:
        problems.append(f"{tally.spec}: parties {tally.parties} != oracle {parties}")
    for key in sorted(set(tally.counts) | set(expected)):
        got, want = tally.counts.get(key), expected.get(key)
        if got is None or want is None:
            problems.append(f"{tally.spec} {key}: engine {got} vs oracle {want}")
            continue
        for what in ("total", "by_system", "by_term"):
            if getattr(got, what) != getattr(want, what):
                problems.append(
                    f"{tally.spec} {key} {what}: engine {getattr(got, what)} != oracle {getattr(want, what)}"
                )
    return problems


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` changes the defaults (options given explicitly still win)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="items in the synthetic force")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats per figure (median is reported)")
    parser.add_argument("--small", action="store_true", help="seconds, not minutes: 20,000 items, 1 repeat")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(items=20_000, repeat=1)
        args = parser.parse_args(argv)
    return args


def check(force: Force, specs: Sequence[str]) -> None:
    """The engine's tallies under each reading equal the oracle's counts, or the bench exits with status 1."""
    readings = [parse_reading(spec) for spec in specs]
    for spec, tally in zip(specs, count_readings(force, readings), strict=True):
        try:
            expected = oracle_counts(force, *oracle_reading(spec))
        except OracleError as exc:
            raise SystemExit(f"check failed for {spec}: {exc}") from None
        problems = tally_problems(tally, expected)
        if problems:
            raise SystemExit(f"check failed for {spec}:\n  " + "\n  ".join(problems))
        totals = ", ".join(f"{p} {m} {c.total:,}" for (p, m), c in tally.counts.items())
        print(f"  {spec:<18} {totals}")
    print("check: the engine's counts (totals, by system, by rule) equal the oracle's, read from the treaty file")


def main() -> None:
    """Build the force, check the engine, time each stage, print plain lines and a Rich table."""
    args = parse_args()
    start = time.perf_counter()
    force = synthetic_force(args.items)
    built = time.perf_counter() - start
    readings = [parse_reading(spec) for spec in READINGS]
    rows, items = len(force), force.items
    classes = Classes.of(force)
    print(f"force: {rows:,} rows, {items:,} items ({rows - force.uid.count(None):,} with a uid), "
          f"{len(classes):,} classes; built in {built:.2f} s")  # fmt: skip
    check(force, READINGS)

    # a fresh Force per call (same arrays) so the cached facility_kind column is paid for each time, as in use
    def fresh() -> Force:
        return dataclasses.replace(force)

    results: list[tuple[str, float, int, str]] = []  # (what, seconds, units, unit)
    results.append(("Classes.of(force)", median_time(lambda: Classes.of(fresh()), args.repeat), rows, "rows"))
    for reading in readings:
        t = median_time(lambda r=reading: count(force, r.treaty, r.variants, classes), args.repeat)
        results.append((f"count {reading.spec} (classes given)", t, items, "items"))
    cpu = time.process_time()
    end_to_end = median_time(lambda: count_readings(fresh(), readings), args.repeat)
    cpu_share = (time.process_time() - cpu) / (end_to_end * (args.repeat + 1))  # rough: medians vs all calls
    results.append((f"end to end: Classes.of + all readings ({', '.join(READINGS)})", end_to_end, items, "items"))
    key = force.party * len(force.systems) + force.system
    t = median_time(lambda: np.bincount(key, weights=force.count), args.repeat)
    results.append(("primitive: one np.bincount with weights", t, rows, "rows"))
    try:
        import polars as pl  # noqa: PLC0415 - optional, for orientation only
    except ImportError:
        print("note: polars is not installed; its group_by figure is skipped")
    else:
        frame = pl.DataFrame({"party": force.party, "system": force.system, "count": force.count,
                              "warheads": force.warheads})  # fmt: skip
        t = median_time(lambda: frame.group_by(["party", "system"]).agg(pl.all().sum()), args.repeat)
        results.append(("primitive: polars group_by(party, system).agg(sum)", t, rows, "rows"))

    print(f"\nmedian of {args.repeat} repeats, {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}, one process")  # fmt: skip
    for what, seconds, units, unit in results:
        print(f"{what:<72} {seconds * 1e3:9.2f} ms {units / seconds / 1e6:9.2f} M {unit}/s")
    print("(counting with the summary given works on classes, not rows: its cost hardly grows with N)")
    rate = items / end_to_end
    verdict = "meets" if rate >= 5e6 else "misses"
    print(f"end to end, covering all {len(readings)} readings together: {rate / 1e6:.2f} M items/s "
          f"({verdict} the 5 M items/s target; CPU time / wall time {cpu_share:.2f}: one core at most)")  # fmt: skip

    table = Table(title=f"Counting {items:,} items in {rows:,} rows (median of {args.repeat})")
    table.add_column("stage")
    table.add_column("median ms", justify="right")
    table.add_column("rate", justify="right")
    for what, seconds, units, unit in results:
        table.add_row(what, f"{seconds * 1e3:.2f}", f"{units / seconds / 1e6:,.2f} M {unit}/s")
    Console().print(table)
    print("all checks passed")


if __name__ == "__main__":
    main()
