"""The plans behind the ILLUSTRATIVE demo ledger.

Per party, group of items and data date: how many items are accountable and deployed and how many RVs they carry,
fitted so that the New START aggregates equal the published ones. See :mod:`detente.data.demo_ledger` for what
the demo is and how it is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from detente.catalog.load import builtin_catalog
from detente.catalog.model import Catalog
from detente.data.official import new_start_aggregates

TREATY = "new-start"
ENTRY_INTO_FORCE = dt.date(2011, 2, 5)
LABEL = "ILLUSTRATIVE demo data: invented item-level history whose New START aggregates match the published ones"
MEASURES = ("deployed-delivery-vehicles", "warheads", "launchers")
# Launchers on dates where none was published: the approximate figures the source gives (FAS, April 2016).
ASSUMED_LAUNCHERS = {("US", dt.date(2016, 3, 1)): 878, ("RU", dt.date(2016, 3, 1)): 856}


class DemoBuildError(RuntimeError):
    """The demo plan or its notifications do not give what they should (a bug in this module)."""


def demo_dates() -> list[dt.date]:
    """Every New START data date of the demo: entry into force, then each six-monthly date to 2023-03-01."""
    return sorted({a.as_of for a in new_start_aggregates()})


def published_figures(party: str) -> dict[dt.date, dict[str, int | None]]:
    """The published New START figures of a party by date, with the assumed launchers where none was published."""
    out: dict[dt.date, dict[str, int | None]] = {}
    for a in new_start_aggregates():
        if a.party == party:
            figures = dict(a.figures)
            if figures["launchers"] is None:
                figures["launchers"] = ASSUMED_LAUNCHERS.get((party, a.as_of))
            out[a.as_of] = figures
    return out


# ---------------------------------------------------------------------------------------------- groups and plans


@dataclass(frozen=True)
class Group:
    """Items of one system type in one role, with where they are and how they leave.

    ``slots`` lists every item the group ever has, as (uid, home facility), in the order they exist: the first
    ones are declared in the initial data, later ones are produced. Items leave oldest first (non-deployed
    before deployed; with ``spare``, the last tubes of each boat first). ``unit`` groups SLBM tubes by boat;
    ``overhaul`` boats at a time, rotating, keep their tubes empty.
    """

    id: str
    system: str
    kind: str
    slots: tuple[tuple[str, str], ...]
    idle: str = "non-deployed"
    removal: str = "elimination"
    words: str = ""
    made_at: str | None = None
    removed_at: str | None = None
    rv: float = 1.0
    unit: int = 1
    overhaul: int = 0
    spare: int = 0
    fifo: bool = True


@dataclass(frozen=True)
class Target:
    """One group on one data date: accountable items, deployed items, and RVs on the deployed missiles."""

    accountable: int
    deployed: int
    rvs: int = 0


@dataclass(frozen=True)
class Plan:
    """A party's facilities, groups and per-date targets."""

    party: str
    facilities: tuple[dict[str, str], ...]
    groups: tuple[Group, ...]
    dates: tuple[dt.date, ...]
    targets: tuple[dict[str, Target], ...]
    exhibitions: dict[int, tuple[tuple[str, str, tuple[str, ...]], ...]] = field(default_factory=dict)


def _facility(fid: str, kind: str, name: str, location: str = "") -> dict[str, str]:
    return {"id": fid, "kind": kind, "name": name, "location": location}


def _spread(prefix: str, homes: list[tuple[str, int]], start: int = 1, width: int = 4) -> list[tuple[str, str]]:
    """Slots numbered from ``start``, in blocks per home."""
    out = []
    n = start
    for home, how_many in homes:
        for _ in range(how_many):
            out.append((f"{prefix}-{n:0{width}d}", home))
            n += 1
    return out


def _interleave(prefix: str, homes: list[str], total: int, start: int = 1, width: int = 4) -> list[tuple[str, str]]:
    """Slots numbered from ``start``, dealt to the homes in turn."""
    return [(f"{prefix}-{n:0{width}d}", homes[(n - start) % len(homes)]) for n in range(start, start + total)]


def _boats(prefix: str, boats: list[tuple[str, str]], tubes: int) -> list[tuple[str, str]]:
    return [(f"{prefix}{hull}-T{t:02d}", home) for hull, home in boats for t in range(1, tubes + 1)]


def _table(text: str) -> dict[str, list[int]]:
    """Rows of numbers by name, one column per data date ('#' lines are comments)."""
    rows = {}
    for line in text.strip().splitlines():
        if not line.startswith("#"):
            name, *values = line.split()
            rows[name] = [int(v) for v in values]
    return rows


def _solve(
    party: str,
    groups: tuple[Group, ...],
    dates: list[dt.date],
    accountable: dict[str, list[int]],
    deployed: dict[str, list[int]],
    dv_absorber: str,
    rv_absorbers: tuple[str, ...],
    fixed_rvs: dict[str, list[int]],
    catalog: Catalog,
) -> tuple[dict[str, Target], ...]:
    """Per-date targets meeting the published figures: the absorber group takes up the difference."""
    figures = published_figures(party)
    bombers = {g.id for g in groups if g.kind == "bomber"}
    out = []
    for i, day in enumerate(dates):
        fig = figures[day]
        acc = {g.id: accountable[g.id][i] for g in groups}
        dep = {g.id: deployed[g.id][i] for g in groups if g.id != dv_absorber}
        dep[dv_absorber] = (fig["deployed-delivery-vehicles"] or 0) - sum(dep.values())
        for g in groups:
            if not 0 <= dep[g.id] <= (acc[g.id] if g.idle == "non-deployed" else 0):
                raise DemoBuildError(f"{party} {day}: {g.id} would deploy {dep[g.id]} of {acc[g.id]}")
        if fig["launchers"] is not None and sum(acc.values()) != fig["launchers"]:
            raise DemoBuildError(f"{party} {day}: plan has {sum(acc.values())} launchers, not {fig['launchers']}")
        rvs: dict[str, int] = {}
        for g in groups:
            if g.id in bombers:
                rvs[g.id] = 0
            elif g.id in fixed_rvs:
                rvs[g.id] = fixed_rvs[g.id][i]
            else:
                rvs[g.id] = round(dep[g.id] * g.rv)
        want = (fig["warheads"] or 0) - sum(dep[b] for b in bombers)
        _share(want - sum(rvs.values()), rvs, {g.id: g for g in groups}, dep, rv_absorbers, catalog)
        for g in groups:
            hi = dep[g.id] * catalog.get(g.system).max_rvs
            if g.id not in bombers and not dep[g.id] <= rvs[g.id] <= hi:
                raise DemoBuildError(f"{party} {day}: {g.id} would carry {rvs[g.id]} RVs on {dep[g.id]} missiles")
        out.append({g.id: Target(acc[g.id], dep[g.id], rvs[g.id]) for g in groups})
    return tuple(out)


def _share(
    diff: int,
    rvs: dict[str, int],
    groups: dict[str, Group],
    dep: dict[str, int],
    absorbers: tuple[str, ...],
    catalog: Catalog,
) -> None:
    """Spread a difference of RVs over the absorbing groups, in proportion to the room each has."""
    room = {}
    for gid in absorbers:
        hi = dep[gid] * catalog.get(groups[gid].system).max_rvs
        room[gid] = hi - rvs[gid] if diff > 0 else rvs[gid] - dep[gid]
    total = sum(room.values())
    if abs(diff) > total:
        raise DemoBuildError(f"cannot absorb {diff} RVs (room {total})")
    if diff == 0:
        return
    sign = 1 if diff > 0 else -1
    shares = {gid: abs(diff) * r // total for gid, r in room.items()}
    left = abs(diff) - sum(shares.values())
    for gid in sorted(room, key=lambda g: -(abs(diff) * room[g] % total)):
        if left == 0:
            break
        if shares[gid] < room[gid]:
            shares[gid] += 1
            left -= 1
    for gid, s in shares.items():
        rvs[gid] += sign * s


# ---------------------------------------------------------------------------------------------- the US plan

_US_FACILITIES = (
    _facility("fe-warren", "icbm-base", "F.E. Warren AFB", "Wyoming"),
    _facility("malmstrom", "icbm-base", "Malmstrom AFB", "Montana"),
    _facility("minot-icbm", "icbm-base", "Minot AFB (ICBM wing)", "North Dakota"),
    _facility("vandenberg", "test-range", "Vandenberg AFB", "California"),
    _facility("kings-bay", "submarine-base", "Naval Submarine Base Kings Bay", "Georgia"),
    _facility("bangor", "submarine-base", "Naval Base Kitsap-Bangor", "Washington"),
    _facility("barksdale", "air-base", "Barksdale AFB (B-52H)", "Louisiana"),
    _facility("minot-air", "air-base", "Minot AFB (B-52H wing)", "North Dakota"),
    _facility("whiteman", "air-base", "Whiteman AFB (B-2A)", "Missouri"),
    _facility("dyess", "air-base", "Dyess AFB (B-1B)", "Texas"),
    _facility("ellsworth", "air-base", "Ellsworth AFB (B-1B)", "South Dakota"),
    _facility("edwards", "test-range", "Edwards AFB (test bombers)", "California"),
    _facility("davis-monthan", "conversion-elimination", "Davis-Monthan AFB (storage and elimination)", "Arizona"),
)

_OHIO = [
    ("730", "bangor"),
    ("731", "bangor"),
    ("732", "bangor"),
    ("733", "bangor"),
    ("734", "kings-bay"),
    ("735", "bangor"),
    ("736", "kings-bay"),
    ("737", "bangor"),
    ("738", "kings-bay"),
    ("739", "bangor"),
    ("740", "kings-bay"),
    ("741", "kings-bay"),
    ("742", "kings-bay"),
    ("743", "bangor"),
]


def _us_groups() -> tuple[Group, ...]:
    b52_tails = [f"60-{n:04d}" for n in range(1, 63)] + [f"61-{n:04d}" for n in range(1, 33)]  # 94 airframes
    b52 = [f"US-B52H-{t}" for t in b52_tails]
    return (
        Group(
            "mm3",
            "minuteman-iii",
            "launcher",
            tuple(_interleave("US-MM3", ["fe-warren", "malmstrom", "minot-icbm"], 450)),
        ),
        Group(
            "mm3-nd",
            "minuteman-iii",
            "launcher",
            tuple(_spread("US-MM3", [("malmstrom", 50), ("minot-icbm", 15)], start=451)),
            words="silo eliminated: headworks removed, silo filled and levelled",
        ),
        Group("mm3-test", "minuteman-iii", "launcher", tuple(_spread("US-MM3", [("vandenberg", 4)], 516)), idle="test"),
        Group(
            "mm3-test-x",
            "minuteman-iii",
            "launcher",
            tuple(_spread("US-MM3", [("vandenberg", 8)], 520)),
            idle="test",
            words="test silo eliminated",
        ),
        Group(
            "mm3-train",
            "minuteman-iii",
            "launcher",
            tuple(_spread("US-MM3", [("vandenberg", 4)], 528)),
            idle="test",
            removal="conversion",
            words="re-designated a training silo: no longer capable of launching an ICBM",
        ),
        Group(
            "pk",
            "peacekeeper",
            "launcher",
            tuple(_spread("US-PK", [("fe-warren", 50)], width=3)),
            words="silo eliminated: headworks removed, silo filled and levelled",
        ),
        Group(
            "pk-test",
            "peacekeeper",
            "launcher",
            tuple(_spread("US-PK", [("vandenberg", 1)], 51, width=3)),
            idle="test",
            words="last Peacekeeper test silo eliminated",
        ),
        Group(
            "trident",
            "trident-ii-d5",
            "launcher",
            tuple(_boats("US-SSBN", _OHIO, 24)),
            removal="conversion",
            words="launch tube converted: can no longer launch an SLBM",
            rv=4.0,
            unit=24,
            overhaul=2,
            spare=4,
        ),
        Group(
            "b52h",
            "b-52h",
            "bomber",
            tuple((uid, ("barksdale", "minot-air")[n % 2]) for n, uid in enumerate(b52[:83])),
            removal="conversion",
            words="converted to a heavy bomber equipped for non-nuclear armaments",
        ),
        Group("b52h-test", "b-52h", "bomber", tuple((uid, "edwards") for uid in b52[83:87]), idle="test"),
        Group(
            "b52h-store",
            "b-52h",
            "bomber",
            tuple((uid, "davis-monthan") for uid in b52[87:94]),
            words="cut apart at Davis-Monthan",
        ),
        Group("b2a", "b-2a", "bomber", tuple(_spread("US-B2A", [("whiteman", 19)], width=2))),
        Group("b2a-test", "b-2a", "bomber", tuple(_spread("US-B2A", [("edwards", 1)], 20, width=2)), idle="test"),
        Group(
            "b1b",
            "b-1b",
            "bomber",
            tuple(_spread("US-B1B", [("dyess", 36), ("ellsworth", 30)], width=3)),
            removal="conversion",
            words="converted to a heavy bomber equipped for non-nuclear armaments (as exhibited)",
        ),
        Group(
            "b1b-store",
            "b-1b",
            "bomber",
            tuple(_spread("US-B1B", [("davis-monthan", 26)], 67, width=3)),
            removal="conversion",
            words="converted to a heavy bomber equipped for non-nuclear armaments (as exhibited)",
        ),
    )


# Items leaving accountability in the period ending at date index i.
_US_REMOVED: dict[int, dict[str, int]] = {
    1: {"b1b": 66, "b1b-store": 15},
    2: {"b1b-store": 3},
    3: {"b1b-store": 6},
    4: {"b1b-store": 2, "mm3-nd": 4},
    5: {"mm3-nd": 13},
    6: {"mm3-nd": 30, "pk": 33},
    7: {"mm3-nd": 18, "pk": 17, "b52h-store": 5},
    8: {"pk-test": 1, "mm3-test-x": 8, "b52h-store": 2, "b52h": 3},
    10: {"trident": 12, "b52h": 8},
    11: {"trident": 16, "b52h": 14},
    12: {"trident": 16, "b52h": 12},
    13: {"trident": 12, "b52h": 4, "mm3-train": 4},
}


# Deployed items per group at each data date (index into demo_dates()); trident is worked out from the total.
# mm3-extra: RVs on Minuteman III beyond one per deployed missile.
_US_DEPLOYED = _table(
    """
# date       0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20  21  22  23  24
mm3        449 449 449 449 449 449 449 447 449 445 441 416 405 399 400 400 398 400 398 397 400 400 400 400 400
b52h        76  76  76  76  76  76  77  77  70  62  52  44  36  36  38  36  38  36  37  36  36  38  40  36  38
b2a         18  18  18  18  18  18  12  10  10  11  12  12  12  13  11  12  12  13  12  12  12  13  12  12  12
b1b         60   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0
mm3-extra  150 130 110  90  70  50  20   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0   0
"""
)


def us_plan(catalog: Catalog | None = None) -> Plan:
    """The US plan: 25 data dates, 2011-02-05 to 2023-03-01."""
    catalog = catalog or builtin_catalog()
    groups = _us_groups()
    dates = demo_dates()
    n = len(dates)
    accountable: dict[str, list[int]] = {}
    for g in groups:
        level = len(g.slots)
        accountable[g.id] = []
        for i in range(n):
            level -= _US_REMOVED.get(i, {}).get(g.id, 0)
            accountable[g.id].append(level)
    deployed = {g.id: [0] * n for g in groups}
    deployed.update({k: v for k, v in _US_DEPLOYED.items() if k in deployed})
    # Minuteman III: some missiles still carry two or three RVs until the move to one RV each is finished (2014).
    extra = _US_DEPLOYED["mm3-extra"]
    fixed = {"mm3": [d + e for d, e in zip(deployed["mm3"], extra, strict=True)]}
    targets = _solve("US", groups, dates, accountable, deployed, "trident", ("trident",), fixed, catalog)
    b1b_show = ("b-1b", "ellsworth", ("US-B1B-037",))
    b2a_show = ("b-2a", "whiteman", ("US-B2A-01",))
    return Plan("US", _US_FACILITIES, groups, tuple(dates), targets, {1: (b1b_show, b2a_show)})


# ---------------------------------------------------------------------------------------------- the Russian plan

_RU_FACILITIES = (
    _facility("RU-dombarovsky", "icbm-base", "Dombarovskiy", "Orenburg oblast"),
    _facility("RU-uzhur", "icbm-base", "Uzhur", "Krasnoyarsk krai"),
    _facility("RU-kozelsk", "icbm-base", "Kozelsk", "Kaluga oblast"),
    _facility("RU-tatishchevo", "icbm-base", "Tatishchevo", "Saratov oblast"),
    _facility("RU-teykovo", "icbm-base", "Teykovo", "Ivanovo oblast"),
    _facility("RU-yoshkar-ola", "icbm-base", "Yoshkar-Ola", "Mari El"),
    _facility("RU-vypolzovo", "icbm-base", "Vypolzovo", "Tver oblast"),
    _facility("RU-yurya", "icbm-base", "Yurya", "Kirov oblast"),
    _facility("RU-nizhniy-tagil", "icbm-base", "Nizhniy Tagil", "Sverdlovsk oblast"),
    _facility("RU-novosibirsk", "icbm-base", "Novosibirsk", "Novosibirsk oblast"),
    _facility("RU-kansk", "icbm-base", "Kansk", "Krasnoyarsk krai"),
    _facility("RU-irkutsk", "icbm-base", "Irkutsk", "Irkutsk oblast"),
    _facility("RU-barnaul", "icbm-base", "Barnaul", "Altai krai"),
    _facility("RU-gadzhiyevo", "submarine-base", "Gadzhiyevo", "Murmansk oblast"),
    _facility("RU-vilyuchinsk", "submarine-base", "Vilyuchinsk", "Kamchatka krai"),
    _facility("RU-severodvinsk", "production", "Severodvinsk (shipyard)", "Arkhangelsk oblast"),
    _facility("RU-votkinsk", "production", "Votkinsk (missiles and mobile launchers)", "Udmurtia"),
    _facility("RU-kazan", "production", "Kazan (aircraft plant)", "Tatarstan"),
    _facility("RU-pibanshur", "conversion-elimination", "Piban'shur (mobile launcher elimination)", "Udmurtia"),
    _facility("RU-engels", "air-base", "Engels", "Saratov oblast"),
    _facility("RU-ukrainka", "air-base", "Ukrainka", "Amur oblast"),
    _facility("RU-plesetsk", "test-range", "Plesetsk", "Arkhangelsk oblast"),
)

_SS25_BASES = [
    ("RU-yoshkar-ola", 27),
    ("RU-kansk", 27),
    ("RU-vypolzovo", 36),
    ("RU-nizhniy-tagil", 36),
    ("RU-yurya", 36),
    ("RU-novosibirsk", 36),
    ("RU-irkutsk", 36),
    ("RU-barnaul", 45),
]
_YARS_BASES = [
    ("RU-teykovo", 18),
    ("RU-novosibirsk", 27),
    ("RU-nizhniy-tagil", 27),
    ("RU-yoshkar-ola", 27),
    ("RU-irkutsk", 27),
    ("RU-yurya", 27),
    ("RU-barnaul", 27),
    ("RU-vypolzovo", 27),
]


def _ru_groups(ss25: int) -> tuple[Group, ...]:
    ss25_bases = []
    left = ss25
    for base, n in _SS25_BASES:
        ss25_bases.append((base, min(n, left)))
        left -= min(n, left)
    if left:
        ss25_bases[-1] = (ss25_bases[-1][0], ss25_bases[-1][1] + left)
    return (
        Group(
            "ss18",
            "ss-18",
            "launcher",
            tuple(_interleave("RU-SS18", ["RU-dombarovsky", "RU-uzhur", "RU-dombarovsky"], 74, width=3)),
            words="silo eliminated",
            rv=10,
            fifo=False,
        ),
        Group(
            "ss19",
            "ss-19",
            "launcher",
            tuple(_interleave("RU-SS19", ["RU-kozelsk", "RU-tatishchevo"], 100, width=3)),
            words="silo eliminated",
            rv=6,
            fifo=False,
        ),
        Group(
            "ss25",
            "ss-25",
            "launcher",
            tuple(_spread("RU-SS25", ss25_bases, width=3)),
            words="mobile launcher eliminated: launch equipment removed, chassis cut",
            removed_at="RU-pibanshur",
            fifo=False,
        ),
        Group("ss25-test", "ss-25", "launcher", tuple(_spread("RU-SS25T", [("RU-plesetsk", 6)], width=3)), idle="test"),
        Group("ss27s", "ss-27-silo", "launcher", tuple(_spread("RU-SS27S", [("RU-tatishchevo", 60)], width=3))),
        Group(
            "ss27s-test",
            "ss-27-silo",
            "launcher",
            tuple(_spread("RU-SS27T", [("RU-plesetsk", 4)], width=3)),
            idle="test",
        ),
        Group("ss27m", "ss-27-mobile", "launcher", tuple(_spread("RU-SS27M", [("RU-teykovo", 18)], width=3))),
        Group(
            "rs24m",
            "rs-24-mobile",
            "launcher",
            tuple(_spread("RU-RS24M", _YARS_BASES, width=3)),
            made_at="RU-votkinsk",
            rv=4,
        ),
        Group(
            "rs24m-test",
            "rs-24-mobile",
            "launcher",
            tuple(_spread("RU-RS24T", [("RU-plesetsk", 4)], width=3)),
            idle="test",
        ),
        Group("rs24s", "rs-24-silo", "launcher", tuple(_spread("RU-RS24S", [("RU-kozelsk", 24)], width=3)), rv=4),
        Group(
            "ssn18",
            "ss-n-18",
            "launcher",
            tuple(
                _boats(
                    "RU-K",
                    [
                        ("211", "RU-vilyuchinsk"),
                        ("44", "RU-vilyuchinsk"),
                        ("223", "RU-vilyuchinsk"),
                        ("433", "RU-vilyuchinsk"),
                        ("496", "RU-vilyuchinsk"),
                        ("506", "RU-vilyuchinsk"),
                    ],
                    16,
                )
            ),
            words="launch tube eliminated with the submarine's missile section",
            rv=3,
            unit=16,
            fifo=False,
        ),
        Group(
            "sineva",
            "sineva",
            "launcher",
            tuple(_boats("RU-K", [(h, "RU-gadzhiyevo") for h in ("51", "84", "114", "117", "18", "407")], 16)),
            rv=4,
            unit=16,
            overhaul=1,
        ),
        Group(
            "ssn20",
            "ss-n-20",
            "launcher",
            tuple(
                _boats("RU-TK", [("17", "RU-severodvinsk"), ("20", "RU-severodvinsk"), ("208", "RU-severodvinsk")], 20)
            ),
            words="launch tube eliminated with the submarine's missile section",
            unit=20,
        ),
        Group(
            "bulava",
            "bulava",
            "launcher",
            tuple(
                _boats(
                    "RU-K",
                    [
                        ("535", "RU-gadzhiyevo"),
                        ("550", "RU-vilyuchinsk"),
                        ("551", "RU-vilyuchinsk"),
                        ("549", "RU-gadzhiyevo"),
                        ("552", "RU-vilyuchinsk"),
                        ("553", "RU-gadzhiyevo"),
                    ],
                    16,
                )
            ),
            made_at="RU-severodvinsk",
            rv=5,
            unit=16,
        ),
        Group(
            "tu95",
            "tu-95ms",
            "bomber",
            tuple(_interleave("RU-TU95", ["RU-engels", "RU-ukrainka", "RU-ukrainka"], 70, width=3)),
            words="airframe cut apart",
            fifo=False,
        ),
        Group(
            "tu160", "tu-160", "bomber", tuple(_spread("RU-TU160", [("RU-engels", 16)], width=3)), made_at="RU-kazan"
        ),
    )


# Accountable items per group at each data date (index into the Russian dates); ss25 and rs24m are worked out.
_RU_ACCOUNTABLE = _table(
    """
# date       0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20  21  22  23
ss18        74  74  74  74  74  74  70  70  70  70  68  68  68  68  64  64  64  64  64  64  64  64  64  64
ss19       100 100  96  96  92  90  86  80  76  72  68  64  60  56  50  50  50  48  46  44  42  42  40  40
ss25-test    6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6   6
ss27s       52  54  56  58  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60
ss27s-test   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4
ss27m       18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18
rs24m-test   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4   4
rs24s        0   0   0   0   0   0   0   6   6  10  10  10  12  12  12  12  12  12  16  16  18  20  20  20
ssn18       96  96  96  96  80  80  64  64  64  64  64  64  64  64  48  48  48  48  48  48  32  32  16  16
sineva      96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96  96
ssn20       60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60
bulava       0   0   0   0  16  16  32  32  48  48  48  48  48  48  48  48  48  48  48  64  64  64  80  96
tu95        70  70  70  70  70  70  68  68  68  68  66  66  66  64  64  64  64  64  62  62  62  62  62  62
tu160       13  13  13  13  13  13  13  13  13  13  13  13  13  13  13  14  14  14  15  15  15  15  16  16
"""
)
# Deployed items per group; tu95 is worked out from the total.
_RU_DEPLOYED = _table(
    """
# date       0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20  21  22  23
ss18        58  58  56  56  54  54  52  52  50  50  48  46  46  46  46  46  46  46  46  44  42  40  40  40
ss19        60  56  50  50  46  40  40  40  40  36  30  30  30  20  20  20  20  20  12  10  10   6   6   6
ss25       150 140 120 114 111 102  99  96  81  72  63  45  45  36  36  27  27  18  18  18   9   9   9   9
ss27s       52  54  56  58  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60  60
ss27m       18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18  18
rs24m        9  15  18  24  33  36  45  54  63  72  81  90  99 108 117 120 130 132 135 138 144 147 150 165
rs24s        0   0   0   0   0   0   0   6   6  10  10  10  12  12  12  12  12  12  16  16  18  20  20  20
ssn18       48  48  48  48  48  32  32  32  32  32  32  32  32  32  32  16  16  16  16  16  16  16   0   0
sineva      64  64  80  64  64  80  80  80  80  80  80  64  64  64  80  80  80  80  64  80  80  80  80  80
bulava       0   0   0   0   0   0  16  32  32  32  32  48  48  48  48  48  48  48  48  48  64  64  80  80
tu160       11  11  11  10  11  11  11  12  11  11  10  11  11  11  11  12  11  11  10  11  12  11  12  12
"""
)


def ru_plan(catalog: Catalog | None = None) -> Plan:
    """The Russian plan: 24 data dates, 2011-02-05 to 2022-09-01."""
    catalog = catalog or builtin_catalog()
    dates = [d for d in demo_dates() if d <= dt.date(2022, 9, 1)]
    figures = published_figures("RU")
    acc = {g: list(v) for g, v in _RU_ACCOUNTABLE.items()}
    dep = {g: [0] * len(dates) for g in acc} | {g: list(v) for g, v in _RU_DEPLOYED.items()}
    # Launchers: SS-25 launchers are eliminated, or (when the total rises) Yars launchers produced ahead of need.
    acc["ss25"], acc["rs24m"] = [], []
    ss25_prev, yars_prev = 10**6, 0
    for i, day in enumerate(dates):
        total = figures[day]["launchers"]
        if total is None:
            raise DemoBuildError(f"RU {day}: no launcher figure, published or assumed")
        yars = max(yars_prev, dep["rs24m"][i])
        rest = total - sum(v[i] for k, v in acc.items() if k not in ("ss25", "rs24m")) - yars
        ss25 = min(rest, ss25_prev)
        yars += rest - ss25
        acc["ss25"].append(ss25)
        acc["rs24m"].append(yars)
        ss25_prev, yars_prev = ss25, yars
    groups = _ru_groups(acc["ss25"][0])
    for g in groups:
        if max(acc[g.id]) > len(g.slots):
            raise DemoBuildError(f"RU: group {g.id} needs {max(acc[g.id])} slots, has {len(g.slots)}")
    absorbers = ("ss19", "rs24m", "rs24s", "sineva", "bulava", "ssn18", "ss18")
    targets = _solve("RU", groups, dates, acc, dep, "tu95", absorbers, {}, catalog)
    yars_show = ("rs-24-mobile", "RU-votkinsk", ())
    return Plan("RU", _RU_FACILITIES, groups, tuple(dates), targets, {1: (yars_show,)})
