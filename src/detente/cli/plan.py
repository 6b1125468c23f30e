"""``detente plan`` (a reduction plan, year by year, checked through a ledger) and ``detente upload``.

``detente plan`` can also write the planned force (``--out-force``), for ``detente count`` to recount or ``detente
ledger import-force`` to declare, and the notifications that carry the plan out on a ledger holding the force
(``--out-notifications``), for ``detente ledger submit``. Every output path is checked before any work (an existing
file only with ``--force``), and every output is made before any is written, so a refusal leaves none behind.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from detente.catalog.model import Catalog
from detente.cli.common import (
    CatalogOption,
    ForceOption,
    JsonOption,
    catalog_with,
    clean,
    console,
    output_path,
    plain,
    print_json,
    shown,
    verdict_text,
)
from detente.counting.readings import Reading, parse_reading
from detente.data.forces import load_force
from detente.errors import InputError, Location, PlanningError, TreatyError
from detente.planning.proposals import get_proposal
from detente.planning.request import DEFAULT_OBJECTIVE, Capacity, KeepRule, PlanRequest, RvBounds
from detente.planning.upload import (
    MAX_HORIZON_DAYS,
    UploadSeries,
    load_upload_data,
    milestones,
    shipped_upload_data,
    shipped_upload_parties,
    upload_series,
)

if TYPE_CHECKING:
    from detente.planning.plan import Plan
    from detente.planning.trajectory import Trajectory

CHART_FORMATS = (".png", ".svg")
FORCE_FORMATS = (".toml", ".json", ".csv")  # what detente.forces.write writes
NOTIFICATION_FORMATS = (".json", ".jsonl")  # what `detente ledger submit` reads, besides TOML
MAX_YEARS = MAX_HORIZON_DAYS / 365.25  # upload's horizon: 100 years
ChartOption = Annotated[
    Path | None, typer.Option("--chart", help="Also draw the trajectories against the limits to FILE (.png or .svg).")
]


def _chart_path(chart: Path | None, force: bool) -> Path | None:
    """The chart file, checked before any work: a known format, and never over a file without ``--force``."""
    if chart is None:
        return None
    if chart.suffix.lower() not in CHART_FORMATS:
        raise InputError(
            f"cannot tell the chart format from {chart.suffix or 'no suffix'!r}",
            Location.of(chart),
            "name the file .png or .svg",
        )
    return output_path(chart, force)


def _out_path(path: Path | None, formats: tuple[str, ...], what: str, force: bool) -> Path | None:
    """An output file, checked before any work: a format it can be written in, never over a file without --force."""
    if path is None:
        return None
    if path.suffix.lower() not in formats:
        raise InputError(
            f"cannot tell the {what} format from {path.suffix or 'no suffix'!r}",
            Location.of(path),
            f"name the file {' or '.join(formats)}",
        )
    return output_path(path, force)


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: expected YYYY-MM-DD, got {text!r}") from None


# ---------------------------------------------------------------------------------------------- plan


def _plan_tables(plan: Plan, trajectory: Trajectory) -> None:
    party = plan.party
    steps = Table(
        title=plain(f"Plan for {party} under {plan.reading.spec}, {plan.start} → {plan.deadline}"), title_justify="left"
    )
    for name, justify in (("items", "left"), ("now", "right"), ("action", "left"), ("count", "right")):
        steps.add_column(name, justify=justify)  # type: ignore[arg-type]
    for step in plan.steps:
        rvs = f" to {step.warheads} RV" + ("s" if step.warheads != 1 else "")
        action = step.action.value + (rvs if step.action.value == "download" else "")
        items = plain(step.group.label())
        if step.uids:
            items.append(Text(f"\n{clean(step.items_text())}", style="dim"))
        steps.add_row(items, f"{step.group.items:,}", plain(action), f"{step.items:,}")
    if not plan.steps:
        steps.add_row("(nothing to do)", "", "", "")
    console.print(steps)
    limits = Table(title=f"Counts on {plan.deadline} against the limits", title_justify="left")
    for name in ("measure", "now", "planned", "limit", "headroom", "verdict", "ledger check"):
        limits.add_column(name, justify="left" if name in ("measure", "verdict", "ledger check") else "right")
    bounds = {b.measure: b for b in plan.bounds}
    for line in plan.after.lines:
        if line.party != party:
            continue
        b = bounds.get(line.measure)
        replayed = trajectory.check.compliance.line(party, line.measure).count.total
        limits.add_row(
            plain(line.measure),
            f"{plan.before.line(party, line.measure).count.total:,}",
            f"{line.count.total:,}",
            plain(
                "–" if b is None else (b.limit.describe() if b.value == b.limit.upper else f"≤ {b.value:,} (range end)")
            ),
            "–" if b is None else f"{b.headroom:+,}",
            verdict_text(line.verdict.value),
            f"{replayed:,}",
        )
    console.print(limits)
    kept = Table(title="What the plan keeps (objective, in order)", title_justify="left")
    for name in ("quantity", "now", "planned", "lost"):
        kept.add_column(name, justify="left" if name == "quantity" else "right")
    for name, now, after in plan.objective:
        kept.add_row(plain(name), f"{now:,}", f"{after:,}", f"{now - after:,}")
    console.print(kept)
    years = Table(title="Year by year (counts replayed from the ledger at each period's end)", title_justify="left")
    measures = [m.id for m in plan.reading.treaty.measures]
    years.add_column("date")
    for m in measures:
        years.add_column(plain(m), justify="right")
    years.add_column("done so far")
    for point in trajectory.points:
        counts = point.counts(party)
        done = ", ".join(f"{n:,} {a}" for a, n in point.done.items() if n) or "–"
        years.add_row(str(point.date), *(f"{counts.get(m, 0):,}" for m in measures), plain(done))
    console.print(years)
    check = trajectory.check
    sent = shown(", ".join(f"{n:,} {t}" for t, n in check.notifications.items()))
    mark = "[green]passed[/]" if check.passed else "[bold red]FAILED[/]"
    console.print(
        f"check {mark}: {sent} appended to an in-memory ledger and replayed as of {check.as_of}; "
        + ("the replayed counts equal the planned force's." if check.agrees else "the replayed counts differ.")
    )
    for problem in check.problems:
        console.print(plain(problem, "red"))
    for flag in check.flags:
        console.print(f"[yellow]flag[/] {shown(flag)}")
    for note in plan.notes:
        console.print(plain(f"note: {note}", "dim"))


def _plan_chart(plan: Plan, trajectory: Trajectory, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # only --chart draws
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    party = plan.party
    measures = [m.id for m in plan.reading.treaty.measures]
    bounds = {b.measure: b.value for b in plan.bounds}
    figure = Figure(figsize=(7.5, 2.6 * len(measures)), dpi=100)
    FigureCanvasAgg(figure)
    dates = date2num([p.date for p in trajectory.points])  # type: ignore[no-untyped-call]
    for i, m in enumerate(measures):
        axes = figure.add_subplot(len(measures), 1, i + 1)
        axes.plot(dates, [p.counts(party).get(m, 0) for p in trajectory.points], marker="o", label=f"{party} {m}")
        if m in bounds:
            axes.axhline(bounds[m], color="black", linestyle="--", linewidth=1, label=f"limit {bounds[m]:,}")
        axes.set_title(f"{m} ({plan.reading.spec})", fontsize=9, loc="left")
        axes.xaxis_date()
        axes.grid(visible=True, alpha=0.3)
        axes.legend(fontsize=7)
    figure.suptitle(f"Reduction plan for {party}, {plan.start} → {plan.deadline}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, format=path.suffix.lower()[1:])


def _output_paths(
    chart: Path | None, out_force: Path | None, out_notifications: Path | None, force: bool
) -> tuple[Path | None, Path | None, Path | None]:
    """The output files, checked before any work: each in a format it can be written in, each its own file."""
    named = [p.resolve() for p in (chart, out_force, out_notifications) if p is not None]
    if len(set(named)) < len(named):
        raise InputError(
            "one file is named for two outputs", hint="give --chart, --out-force and --out-notifications a file each"
        )
    return (
        _chart_path(chart, force),
        _out_path(out_force, FORCE_FORMATS, "force file", force),
        _out_path(out_notifications, NOTIFICATION_FORMATS, "notifications file", force),
    )


def _write_outputs(
    plan: Plan,
    trajectory: Trajectory,
    out_force: Path | None,
    out_notifications: Path | None,
    catalog: Catalog,
    force: bool,
) -> dict[str, Any]:
    """Write the planned force and the notifications; both are made before either is written (a refusal leaves none)."""
    from detente.forces.write import force_text
    from detente.planning.notify import notification_drafts

    texts: list[tuple[Path, str]] = []
    drafts = None
    if out_notifications is not None:  # on the ledger check's schedule: it acts on the same items (rule 8)
        try:
            drafts = notification_drafts(plan, {a.uid: a.period for a in trajectory.actions})
        except PlanningError as exc:
            raise PlanningError(exc.why, Location(field="--out-notifications"), exc.hint) from None
        if out_notifications.suffix.lower() == ".jsonl":
            texts.append((out_notifications, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drafts)))
        else:
            texts.append((out_notifications, json.dumps(drafts, indent=2, ensure_ascii=False) + "\n"))
    if out_force is not None:
        texts.append((out_force, force_text(plan.planned, out_force.suffix, catalog, str(out_force))))
    for path, text in texts:
        output_path(path, force).write_text(text, encoding="utf-8")
    return {
        "force": None if out_force is None else str(out_force),
        "notifications": None if out_notifications is None else str(out_notifications),
        "notification_count": None if drafts is None else len(drafts),
    }


def _reading(spec: str, catalog: Catalog, start: dt.date | None) -> tuple[Reading, dt.date | None]:
    """A treaty reading, or a proposal (``detente proposals list``) read as its treaty; and when its limits are due."""
    try:
        reading = parse_reading(spec, catalog)
    except TreatyError as exc:
        try:
            proposal = get_proposal(spec, catalog)
        except PlanningError:
            raise exc from None
        return Reading(proposal.treaty, proposal.variants), proposal.deadline(start or dt.date.today())
    return reading, reading.treaty.dates.limits_due


def plan(
    force_spec: Annotated[str, typer.Argument(metavar="FORCE", help="A force file or a shipped force's name.")],
    treaty: Annotated[
        str, typer.Option("--treaty", "-t", help="TREATY[+VARIANT…], a treaty file, or a proposal.")
    ] = "new-start",
    party: Annotated[str | None, typer.Option("--party", "-p", help="The party to plan for.")] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Meet the limits by (YYYY-MM-DD).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start (default: the force's date).")] = None,
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="SELECT[:deployed|retained]=N|all; repeatable.")
    ] = None,
    capacity: Annotated[
        list[str] | None, typer.Option("--capacity", help="eliminate|convert[:SELECT]=N a year; repeatable.")
    ] = None,
    rvs: Annotated[list[str] | None, typer.Option("--rvs", help="SYSTEM=LOW-HIGH RVs per missile; repeatable.")] = None,
    convertible: Annotated[
        list[str] | None, typer.Option("--convertible", help="Types or categories that may be converted; repeatable.")
    ] = None,
    objective: Annotated[
        str, typer.Option("--objective", help="Quantities to keep, most important first, comma-separated.")
    ] = ",".join(DEFAULT_OBJECTIVE),
    range_end: Annotated[str, typer.Option("--range-end", help="For a range limit, plan to its max or min.")] = "max",
    chart: ChartOption = None,
    out_force: Annotated[
        Path | None,
        typer.Option("--out-force", help="Write the planned force to FILE (.toml, .json or .csv), to recount it."),
    ] = None,
    out_notifications: Annotated[
        Path | None,
        typer.Option(
            "--out-notifications",
            help="Write the notifications that carry out the plan to FILE (.json or .jsonl), for `ledger submit`.",
        ),
    ] = None,
    force: ForceOption = False,
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """A reduction plan that meets every limit by the deadline, losing the least; year by year; checked via a ledger."""
    from detente.planning.reduce import plan_reductions  # SciPy: only this command plans
    from detente.planning.trajectory import follow  # the ledger check: only this command

    chart, out_force, out_notifications = _output_paths(chart, out_force, out_notifications, force)
    cat = catalog_with(catalog)
    f = load_force(force_spec, cat)
    reading, due = _reading(treaty, cat, _date(start, "--start") or f.info.as_of)
    who = party or (f.parties[0] if len(f.parties) == 1 else None)
    if who is None:
        raise InputError(f"the force holds {', '.join(f.parties)}: say which with --party", Location(field="--party"))
    start_date = _date(start, "--start")
    when = _date(deadline, "--deadline") or due
    if when is None:
        raise InputError(f"{reading.treaty.title} gives no date the limits are due: give --deadline")
    if deadline is None and (start_date or f.info.as_of or when) > when:
        raise InputError(
            f"the limits of {reading.treaty.title} were due on {when}, before the force's date: give --deadline"
        )
    if range_end not in ("max", "min"):
        raise InputError(f"--range-end: expected max or min, got {range_end!r}")
    request = PlanRequest(
        party=who,
        deadline=when,
        start=start_date,
        objective=tuple(o.strip() for o in objective.split(",") if o.strip()),
        keep=tuple(KeepRule.parse(k) for k in keep or ()),
        capacities=tuple(Capacity.parse(c) for c in capacity or ()),
        rv_bounds=tuple(RvBounds.parse(r) for r in rvs or ()),
        convertible=None if convertible is None else tuple(convertible),
        range_end="min" if range_end == "min" else "max",
    )
    result = plan_reductions(f, reading, request, cat)
    trajectory = follow(result, cat)
    outputs = _write_outputs(result, trajectory, out_force, out_notifications, cat, force)
    if chart is not None:
        _plan_chart(result, trajectory, chart)
    if as_json:
        print_json({**result.as_dict(), "trajectory": trajectory.as_dict(), "outputs": outputs})
        return
    info = f.info
    console.print(f"[bold]{shown(info.title or force_spec)}[/] — {shown(who)}, {shown(reading.spec)}")
    if info.label:
        console.print(plain(info.label, "dim"))
    _plan_tables(result, trajectory)
    if chart is not None:
        console.print(f"chart written to {shown(chart)}")
    if out_force is not None:
        console.print(
            f"planned force written to {shown(out_force)}; `detente count FILE -t {shown(reading.spec)}` recounts it"
        )
    if out_notifications is not None:
        console.print(
            f"{outputs['notification_count']:,} notifications written to {shown(out_notifications)}, for a ledger "
            f"holding the force's items of {shown(who)} from {result.start} (`detente ledger submit LEDGER FILE`)"
        )


# ---------------------------------------------------------------------------------------------- upload


def _upload_chart(series: list[UploadSeries], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # only --chart draws
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 3.2 * len(series)), dpi=100)
    FigureCanvasAgg(figure)
    for i, s in enumerate(series):
        axes = figure.add_subplot(len(series), 1, i + 1)
        years = s.days / 365.25
        for leg in s.data.legs:
            axes.plot(years, s.legs[leg.id], label=leg.name, linewidth=1)
        axes.plot(years, s.total, color="black", linewidth=2, label="total")
        if s.limit is not None:
            axes.axhline(s.limit, color="red", linestyle="--", linewidth=1, label=f"limit {s.limit:,}")
        title = f"{s.data.party}: deployed warheads from {s.data.as_of} ({s.data.label})"
        axes.set_title("\n".join(textwrap.wrap(title, 120)), fontsize=7, loc="left")
        axes.set_xlabel("years")
        axes.grid(visible=True, alpha=0.3)
        axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, format=path.suffix.lower()[1:])


def _upload_table(s: UploadSeries, marks: list[int]) -> Table:
    d = s.data
    table = Table(title=plain(f"{d.title} — from {d.as_of}"), title_justify="left", caption=plain(d.label))
    table.add_column("after")
    table.add_column("date")
    for leg in d.legs:
        table.add_column(plain(leg.id), justify="right")
    table.add_column("total", justify="right")
    if s.limit is not None:
        table.add_column(f"vs limit {s.limit:,}", justify="right")
    for day in marks:
        values = s.at(day)
        cells = [f"{values[leg.id]:,.0f}" for leg in d.legs]
        extra = [f"{values['total'] - s.limit:+,.0f}"] if s.limit is not None else []
        when = d.as_of + dt.timedelta(days=day)
        table.add_row(_span(day), str(when), *cells, f"{values['total']:,.0f}", *extra)
    return table


def _span(day: int) -> str:
    if day < 30:
        return f"{day} day" + ("s" if day != 1 else "")
    if day < 365:
        months = round(day / 30.4375)
        return f"{months} month" + ("s" if months != 1 else "")
    return f"{day / 365.25:.1f} years"


def _parameters(s: UploadSeries) -> Table:
    table = Table(title=plain(f"{s.data.party}: parameters and where they come from"), title_justify="left")
    for name in ("leg", "deployed", "capacity", "rate", "lead (days)"):
        table.add_column(name, overflow="fold")
    for leg in s.data.legs:
        table.add_row(
            plain(leg.name),
            plain(f"{leg.deployed.value:,.0f} ({leg.deployed.provenance})"),
            plain(f"{leg.capacity.value:,.0f} ({leg.capacity.provenance})"),
            plain(f"{leg.rate.value:,.0f}/{leg.rate.per} ({leg.rate.provenance})"),
            plain(f"{leg.lead_days.value:,.0f} ({leg.lead_days.provenance})"),
        )
    r = s.data.reserve
    table.add_row("reserve (all legs)", plain(f"{r.value:,.0f} ({r.provenance})"), "", "", "")
    return table


def upload(
    parties: Annotated[list[str] | None, typer.Argument(help="Parties (default: every shipped one).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="A limit on deployed warheads to draw.")] = None,
    years: Annotated[float, typer.Option("--years", help=f"How far ahead (at most {MAX_YEARS:g}).")] = 5.0,
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Your own upload file (repeatable), instead of shipped ones.")
    ] = None,
    chart: ChartOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """The most deployed warheads each party could reach over time, leg by leg, from sourced upload parameters."""
    chart = _chart_path(chart, force)
    if not math.isfinite(years) or years < 0:
        raise InputError(f"--years must be a number of years ≥ 0, got {years}")
    if years > MAX_YEARS:
        raise InputError(
            f"--years must be at most {MAX_YEARS:g}, got {years:g}",
            hint="an upload takes days to years, and the series is computed day by day",
        )
    loaded = [load_upload_data(p) for p in data or ()]
    if not data:
        loaded = [shipped_upload_data(p) for p in (parties or shipped_upload_parties())]
    horizon = round(years * 365.25)
    series = [upload_series(d, horizon, limit) for d in loaded]
    marks = milestones(horizon)
    if chart is not None:
        _upload_chart(series, chart)
    if as_json:
        print_json([s.as_dict(marks) for s in series])
        return
    for s in series:
        console.print(_upload_table(s, marks))
        console.print(_parameters(s))
        if s.limit is not None:
            day = s.exceeds_limit_on
            said = "never" if day is None else ("already at the start" if day == 0 else f"after {_span(day)}")
            console.print(
                f"{shown(s.data.party)} exceeds {s.limit:,} deployed warheads: {said} (warheads as loaded, bomber "
                "weapons one by one: no treaty's counting rule)"
            )
        for key, text in s.data.sources.items():
            console.print(plain(f"{key}: {text}", "dim"))
    if chart is not None:
        console.print(f"chart written to {shown(chart)}")
