"""The plans behind the ILLUSTRATIVE demo ledger.

Per party, group of items and data date: how many items are accountable and deployed and how many RVs they carry,
fitted so that the New START aggregates equal the published ones. See :mod:`detente.demo.ledger` for what
the demo is and how it is built.

The numbers are data, shipped in ``src/detente/demo/data/`` (each file says in its opening comment what it holds
and that it is illustrative); this module reads them and fits them to the published figures:

- ``us.toml``, ``ru.toml`` (format ``detente.demo-plan/1``, keys listed at the top of ``us.toml``): a party's
  facilities; its groups, each with the items it ever has described by a layout (``blocks``, ``dealt``,
  ``boats``, ``fill``) rather than item by item; which groups absorb the difference to the published figures;
  launcher figures assumed where none was published, each with its source; the US's removals per period; and
  exhibitions.
- ``us-deployed.csv``, ``ru-deployed.csv``, ``ru-accountable.csv``: one row per data date of the plan (``as_of``,
  in order), one column of whole numbers per group.

A file is refused whole, with a :class:`~detente.errors.DataError` naming the file and the field (or line and
column), when a key is missing, unknown or of the wrong type; when it names a facility or group it does not
define, or a date that is not one of the plan's data dates; and when a table lacks a row or a column the plan
needs, or has one for a number the plan works out itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from detente._files import parse_csv, parse_toml, pydantic_error
from detente.catalog.load import builtin_catalog
from detente.catalog.model import Catalog
from detente.data.official import new_start_aggregates
from detente.errors import DataError, Location

TREATY = "new-start"
ENTRY_INTO_FORCE = dt.date(2011, 2, 5)
LABEL = "ILLUSTRATIVE demo data: invented item-level history whose New START aggregates match the published ones"
MEASURES = ("deployed-delivery-vehicles", "warheads", "launchers")
# ASSUMED_LAUNCHERS (launchers on dates where none was published) is read from the plan files, below.


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


# ---------------------------------------------------------------------------------------------- the plan files


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


_Count = Annotated[int, Field(ge=0)]
# TOML arrays of two values, read as pairs: [FACILITY, ITEMS] and [HULL, FACILITY].
_Home = Annotated[tuple[str, _Count], Strict(False)]
_Boat = Annotated[tuple[str, str], Strict(False)]


class _Numbered(_Strict):
    """Uids PREFIX-NUMBER, numbered from ``start``, zero-padded to ``width`` digits."""

    prefix: str
    start: _Count = 1
    width: int = Field(default=4, ge=1)


class _Blocks(_Numbered):
    """Consecutive numbers, a block of ``ITEMS`` per facility."""

    layout: Literal["blocks"]
    homes: list[_Home] = Field(min_length=1)


class _Dealt(_Numbered):
    """``total`` numbers dealt to the facilities in turn."""

    layout: Literal["dealt"]
    total: _Count
    homes: list[str] = Field(min_length=1)


class _Boats(_Strict):
    """``tubes`` launch tubes per boat, boat by boat."""

    layout: Literal["boats"]
    prefix: str
    tubes: int = Field(ge=1)
    boats: list[_Boat] = Field(min_length=1)


class _Fill(_Numbered):
    """As many items as the plan works out, filling each facility up to its capacity in order."""

    layout: Literal["fill"]
    homes: list[_Home] = Field(min_length=1)


class _GroupSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    system: str
    kind: Literal["launcher", "bomber"]
    slots: list[Annotated[_Blocks | _Dealt | _Boats | _Fill, Field(discriminator="layout")]] = Field(min_length=1)
    idle: Literal["non-deployed", "test"] = "non-deployed"
    removal: Literal["elimination", "conversion"] = "elimination"
    words: str = ""
    made_at: str | None = None
    removed_at: str | None = None
    rv: float = Field(default=1.0, ge=0)
    unit: int = Field(default=1, ge=1)
    overhaul: _Count = 0
    spare: _Count = 0
    fifo: bool = True


class _Facility(_Strict):
    id: str
    kind: str
    name: str
    location: str = ""


class _AssumedLaunchers(_Strict):
    as_of: dt.date
    launchers: _Count
    source: str = Field(min_length=1)


class _Exhibition(_Strict):
    period_ending: dt.date
    system: str
    facility: str
    items: list[str] = Field(default_factory=list)


class _PlanFile(_Strict):
    format: Literal["detente.demo-plan/1"]
    party: str
    last_date: dt.date | None = None
    deployed_absorber: str
    rv_absorbers: list[str] = Field(min_length=1)
    assumed_launchers: list[_AssumedLaunchers] = Field(default_factory=list)
    facilities: list[_Facility] = Field(min_length=1)
    groups: list[_GroupSpec] = Field(min_length=1)
    removals: dict[str, dict[str, _Count]] = Field(default_factory=dict)
    exhibitions: list[_Exhibition] = Field(default_factory=list)


def _origin(name: str) -> str:
    return f"detente/demo/data/{name}"


def _read(name: str) -> str:
    try:
        return resources.files("detente.demo").joinpath("data", name).read_text("utf-8")
    except FileNotFoundError:
        raise DataError("shipped file not found", Location.of(_origin(name)), "reinstall detente") from None


@cache
def _plan_file(party: str) -> _PlanFile:
    """A party's plan file, validated, its references checked."""
    name = f"{party.lower()}.toml"
    origin = _origin(name)
    try:
        plan = _PlanFile.model_validate(parse_toml(_read(name), origin))
    except ValidationError as exc:
        raise pydantic_error(exc, origin, DataError) from None

    def refuse(why: str, where: str, hint: str | None = None) -> DataError:
        return DataError(why, Location.of(origin, None, where), hint)

    if plan.party != party:
        raise refuse(f"says party {plan.party!r}, but the file is the plan of {party!r}", "party")
    facilities = [f.id for f in plan.facilities]
    groups = [g.id for g in plan.groups]
    for what, ids in (("facilities", facilities), ("groups", groups)):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise refuse(f"id {twice[0]!r} is used twice", what)

    def facility(fid: str, where: str) -> None:
        if fid not in facilities:
            raise refuse(f"unknown facility {fid!r}", where, "define it in [[facilities]]")

    def group(gid: str, where: str) -> None:
        if gid not in groups:
            raise refuse(f"unknown group {gid!r}", where, f"groups: {', '.join(groups)}")

    for i, g in enumerate(plan.groups):
        for j, s in enumerate(g.slots):
            where = f"groups.{i}.slots.{j}"
            if isinstance(s, _Fill) and len(g.slots) > 1:
                raise refuse("a group laid out by 'fill' has only that one layout", where)
            if isinstance(s, _Boats):
                for _, fid in s.boats:
                    facility(fid, f"{where}.boats")
            else:
                for home in s.homes:
                    facility(home if isinstance(home, str) else home[0], f"{where}.homes")
        for key in ("made_at", "removed_at"):
            fid = getattr(g, key)
            if fid is not None:
                facility(fid, f"groups.{i}.{key}")
    published = {a.as_of: a.figures["launchers"] for a in new_start_aggregates() if a.party == party}
    for i, assumed in enumerate(plan.assumed_launchers):
        if published.get(assumed.as_of, 0) is not None:
            raise refuse(
                f"{assumed.as_of} is not a data date without a published launcher figure",
                f"assumed_launchers.{i}.as_of",
            )
    group(plan.deployed_absorber, "deployed_absorber")
    for gid in plan.rv_absorbers:
        group(gid, "rv_absorbers")
    for day, removed in plan.removals.items():
        for gid in removed:
            group(gid, f"removals.{day}")
    for i, show in enumerate(plan.exhibitions):
        facility(show.facility, f"exhibitions.{i}.facility")
    return plan


def _assumed_launchers() -> dict[tuple[str, dt.date], int]:
    return {(p, a.as_of): a.launchers for p in ("US", "RU") for a in _plan_file(p).assumed_launchers}


# Launchers on dates where none was published: the approximate figures the source gives (FAS, April 2016), read
# with their source from us.toml and ru.toml.
ASSUMED_LAUNCHERS = _assumed_launchers()


def _plan_dates(plan: _PlanFile) -> list[dt.date]:
    return [d for d in demo_dates() if plan.last_date is None or d <= plan.last_date]


def _period(plan: _PlanFile, dates: list[dt.date], day: dt.date | str, where: str) -> int:
    """The index of the data date that ends a period of the plan."""
    text = day if isinstance(day, str) else day.isoformat()
    ends = [d.isoformat() for d in dates[1:]]
    if text not in ends:
        raise DataError(
            f"{text} does not end a period of the plan",
            Location.of(_origin(f"{plan.party.lower()}.toml"), None, where),
            f"a data date of the plan after the first: {ends[0]} to {ends[-1]}" if ends else "the plan has one date",
        )
    return ends.index(text) + 1


def _removals(plan: _PlanFile, dates: list[dt.date]) -> dict[int, dict[str, int]]:
    return {_period(plan, dates, day, f"removals.{day}"): dict(r) for day, r in plan.removals.items()}


def _exhibitions(plan: _PlanFile, dates: list[dt.date]) -> dict[int, tuple[tuple[str, str, tuple[str, ...]], ...]]:
    out: dict[int, tuple[tuple[str, str, tuple[str, ...]], ...]] = {}
    for n, show in enumerate(plan.exhibitions):
        i = _period(plan, dates, show.period_ending, f"exhibitions.{n}.period_ending")
        out[i] = (*out.get(i, ()), (show.system, show.facility, tuple(show.items)))
    return out


def _facilities(plan: _PlanFile) -> tuple[dict[str, str], ...]:
    return tuple({"id": f.id, "kind": f.kind, "name": f.name, "location": f.location} for f in plan.facilities)


def _table(name: str, dates: list[dt.date], allowed: set[str], required: set[str]) -> dict[str, list[int]]:
    """Rows of whole numbers by column, one row per data date (``as_of``), from a shipped CSV file."""
    origin = _origin(name)
    header, rows = parse_csv(_read(name), origin)
    if header[0] != "as_of":
        raise DataError("the first column must be as_of", Location.of(origin, None, header[0]))
    columns = header[1:]
    for c in columns:
        if c not in allowed or columns.count(c) > 1:
            why = "is given twice" if c in allowed else "is not a number this table gives"
            raise DataError(
                f"column {c!r} {why}", Location.of(origin, None, c), f"columns: {', '.join(sorted(allowed))}"
            )
    missing = sorted(required - set(columns))
    if missing:
        raise DataError("required column is missing", Location.of(origin, None, missing[0]))
    if len(rows) != len(dates):
        raise DataError(
            f"has {len(rows)} rows, the plan has {len(dates)} data dates",
            Location.of(origin),
            f"one row per data date, {dates[0]} to {dates[-1]}",
        )
    out: dict[str, list[int]] = {c: [] for c in columns}
    for (line, cells), day in zip(rows, dates, strict=True):
        if cells[0].strip() != day.isoformat():
            raise DataError(f"expected data date {day}, found {cells[0]!r}", Location.of(origin, line, "as_of"))
        for c, cell in zip(columns, cells[1:], strict=True):
            if not cell.strip().isdecimal():
                raise DataError(f"must be a whole number, 0 or more (got {cell!r})", Location.of(origin, line, c))
            out[c].append(int(cell))
    return out


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


def _fill(homes: list[tuple[str, int]], total: int) -> list[tuple[str, int]]:
    """``total`` items over the homes up to their capacities, in order; any excess to the last."""
    out = []
    left = total
    for home, capacity in homes:
        out.append((home, min(capacity, left)))
        left -= min(capacity, left)
    if left:
        out[-1] = (out[-1][0], out[-1][1] + left)
    return out


def _groups(plan: _PlanFile, sizes: dict[str, int] | None = None) -> tuple[Group, ...]:
    """The plan's groups; ``sizes`` gives the number of items of each group laid out by ``fill``."""
    out = []
    for i, g in enumerate(plan.groups):
        slots: list[tuple[str, str]] = []
        for s in g.slots:
            if isinstance(s, _Blocks):
                slots += _spread(s.prefix, list(s.homes), s.start, s.width)
            elif isinstance(s, _Dealt):
                slots += _interleave(s.prefix, s.homes, s.total, s.start, s.width)
            elif isinstance(s, _Boats):
                slots += _boats(s.prefix, list(s.boats), s.tubes)
            elif sizes is None or g.id not in sizes:
                raise DataError(
                    "layout 'fill' is for a group whose size the plan works out, and this one's is not",
                    Location.of(_origin(f"{plan.party.lower()}.toml"), None, f"groups.{i}.slots"),
                )
            else:
                slots += _spread(s.prefix, _fill(list(s.homes), sizes[g.id]), s.start, s.width)
        out.append(
            Group(
                id=g.id,
                system=g.system,
                kind=g.kind,
                slots=tuple(slots),
                idle=g.idle,
                removal=g.removal,
                words=g.words,
                made_at=g.made_at,
                removed_at=g.removed_at,
                rv=g.rv,
                unit=g.unit,
                overhaul=g.overhaul,
                spare=g.spare,
                fifo=g.fifo,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------- fitting


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


# ---------------------------------------------------------------------------------------------- the plans


def us_plan(catalog: Catalog | None = None) -> Plan:
    """The US plan: 25 data dates, 2011-02-05 to 2023-03-01."""
    catalog = catalog or builtin_catalog()
    plan = _plan_file("US")
    groups = _groups(plan)
    dates = _plan_dates(plan)
    n = len(dates)
    removed = _removals(plan, dates)
    # Accountable: every slot at first, less the items removed in each period.
    accountable: dict[str, list[int]] = {}
    for g in groups:
        level = len(g.slots)
        accountable[g.id] = []
        for i in range(n):
            level -= removed.get(i, {}).get(g.id, 0)
            accountable[g.id].append(level)
    ids = {g.id for g in groups} - {plan.deployed_absorber}
    table = _table("us-deployed.csv", dates, ids | {"mm3-extra"}, {"mm3", "mm3-extra"})
    deployed = {g.id: [0] * n for g in groups}
    deployed.update({k: v for k, v in table.items() if k in deployed})
    # Minuteman III: some missiles still carry two or three RVs until the move to one RV each is finished (2014).
    fixed = {"mm3": [d + e for d, e in zip(deployed["mm3"], table["mm3-extra"], strict=True)]}
    absorbers = tuple(plan.rv_absorbers)
    targets = _solve("US", groups, dates, accountable, deployed, plan.deployed_absorber, absorbers, fixed, catalog)
    return Plan("US", _facilities(plan), groups, tuple(dates), targets, _exhibitions(plan, dates))


def ru_plan(catalog: Catalog | None = None) -> Plan:
    """The Russian plan: 24 data dates, 2011-02-05 to 2022-09-01."""
    catalog = catalog or builtin_catalog()
    plan = _plan_file("RU")
    dates = _plan_dates(plan)
    figures = published_figures("RU")
    ids = [g.id for g in plan.groups]
    given = set(ids) - {"ss25", "rs24m"}  # worked out below
    acc = _table("ru-accountable.csv", dates, given, given)
    deployed = _table("ru-deployed.csv", dates, set(ids) - {plan.deployed_absorber}, {"rs24m"})
    dep = {g: [0] * len(dates) for g in ids} | deployed
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
    groups = _groups(plan, {"ss25": acc["ss25"][0]})
    for g in groups:
        if max(acc[g.id]) > len(g.slots):
            raise DemoBuildError(f"RU: group {g.id} needs {max(acc[g.id])} slots, has {len(g.slots)}")
    absorbers = tuple(plan.rv_absorbers)
    targets = _solve("RU", groups, dates, acc, dep, plan.deployed_absorber, absorbers, {}, catalog)
    return Plan("RU", _facilities(plan), groups, tuple(dates), targets, _exhibitions(plan, dates))
