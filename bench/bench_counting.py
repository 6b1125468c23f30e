"""Benchmark: counting a synthetic force of N items (US, RU, CN) under New START and its ru-2022 variant.

Measures, each as the median of R repeats (time.perf_counter):
  1. summarising the force into classes, ``Classes.of(force)``               (rows/s)
  2. counting one reading given that summary, ``count(..., classes)``         (items/s)
  3. end to end, what ``count_readings`` does: summarise once, count every reading (items/s)
  4. for orientation: one weighted ``np.bincount`` and, if installed, a polars group_by over the same rows
Before timing, the engine's New START totals are checked against plain numpy masks written here from the
rules in new-start.toml.

Run:  .venv/bin/python bench/bench_counting.py [--items N] [--repeat R]   (defaults: 1,000,000 items, 5)
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
from rich.console import Console
from rich.table import Table

from detente.catalog import Armament, Category, builtin_catalog
from detente.counting.classes import Classes
from detente.counting.readings import count_readings, parse_reading
from detente.counting.tally import count
from detente.forces.model import ARMAMENTS, FACILITY_KINDS, KINDS, ROLES, STATUSES, Facility, Force
from detente.forces.vocabulary import FacilityKind, Kind, Role, Status

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


def numpy_totals(force: Force, ru_2022: bool) -> dict[tuple[str, str], int]:
    """New START measures per party from plain boolean masks over the rows, following new-start.toml."""
    category = np.array([s.category.value for s in force.systems])[force.system]
    kind = np.array(KINDS)[force.kind]
    status = np.array(STATUSES)[force.status]
    armament = np.array(ARMAMENTS)[force.armament]
    missile = np.isin(category, ["icbm", "slbm"]) & (kind == "launcher")
    hb = category == "heavy-bomber"
    nuclear_hb = hb & np.isin(armament, ["alcm", "bombs"])
    accountable = ["deployed", "non-deployed", "test", "training", "repair", *(["converted"] if ru_2022 else [])]
    dep_missile = missile & (status == "deployed")
    dep_hb = nuclear_hb & (status == "deployed")
    launcher_hb = (hb if ru_2022 else nuclear_hb) & np.isin(status, accountable)  # ru-2022 drops the armament test
    launchers = (missile & np.isin(status, accountable)) | launcher_hb
    n, w = force.count, force.count * force.warheads
    totals = {}
    for p in ("US", "RU"):
        mine = force.party == force.parties.index(p)
        totals[(p, "deployed-delivery-vehicles")] = int(n[mine & (dep_missile | dep_hb)].sum())
        totals[(p, "warheads")] = int(w[mine & dep_missile].sum() + n[mine & dep_hb].sum())
        totals[(p, "launchers")] = int(n[mine & launchers].sum())
    return totals


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Build the force, check the engine, time each stage, print plain lines and a Rich table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="items in the synthetic force")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats per figure (median is reported)")
    args = parser.parse_args()

    start = time.perf_counter()
    force = synthetic_force(args.items)
    built = time.perf_counter() - start
    readings = [parse_reading(spec) for spec in READINGS]
    rows, items = len(force), force.items
    classes = Classes.of(force)
    print(f"force: {rows:,} rows, {items:,} items ({rows - force.uid.count(None):,} with a uid), "
          f"{len(classes):,} classes; built in {built:.2f} s")  # fmt: skip

    for reading, tally in zip(readings, count_readings(force, readings), strict=True):
        expected = numpy_totals(force, ru_2022="ru-2022" in reading.spec)
        got = {key: c.total for key, c in tally.counts.items()}
        if got != expected or tally.parties != ("US", "RU"):
            raise SystemExit(f"check failed for {reading.spec}: engine {got} != numpy {expected}")
        print(f"  {reading.spec:<18} " + ", ".join(f"{p} {m} {v:,}" for (p, m), v in got.items()))
    print("check: engine totals equal independent numpy totals")

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


if __name__ == "__main__":
    main()
