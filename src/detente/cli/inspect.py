"""``detente inspect``: plan inspections, record findings, report discrepancies and quota use."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from detente._files import load_document
from detente.cli.common import ForceOption, JsonOption, console, output_path, plain, plain_lines, print_json, shown
from detente.cli.ledger import KeyOpt, LedgerArg, _ledger, _open, _parties
from detente.crypto.keys import load_key
from detente.errors import FileFormatError, InputError, Location
from detente.ledger.notifications import normalize_time
from detente.ledger.replay import replay_store
from detente.store.ledger_store import SqlLedgerStore
from detente.treaty.load import get_treaty
from detente.trust.escrow import Commitment, EscrowVerifier, opening_from_json
from detente.verification.inspection import (
    declared_findings,
    match_opening,
    notification,
    plan,
    quota_use,
)
from detente.verification.inspection import reports as inspection_reports

app = typer.Typer(help="Inspections: plan, record findings, report discrepancies, quota use.", no_args_is_help=True)

ByOpt = Annotated[str, typer.Option("--by", help="The inspecting party.")]
AtOpt = Annotated[str, typer.Option("--at", help="Time of the inspection (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).")]
MAX_TREATY_YEAR = 100  # treaties run for decades; a later year has no date a calendar can hold for every treaty


def _time(text: str, option: str) -> dt.datetime:
    value = normalize_time(text)
    if not isinstance(value, str) or not value.endswith("Z"):
        raise InputError(f"{option}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got {text!r}")
    try:  # the shape is right, but the month, day or hour may not exist (2012-13-01)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{option}: no such date or time: {text!r}") from None


def _treaty_of(store: SqlLedgerStore, party: str) -> str:
    return next(r.treaty for r in store.parties() if r.party == party)


def _weights(pairs: list[str] | None) -> dict[str, float]:
    weights = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        try:
            weights[name] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name:
            raise InputError(f"--weight: expected SITE=W or KIND=W with a number W, got {pair!r}")
    return weights


@app.command("plan")
def plan_cmd(
    target: LedgerArg,
    by: ByOpt,
    of: Annotated[str, typer.Option("--of", help="The inspected party.")],
    at: AtOpt,
    kind: Annotated[str, typer.Option("--type", help="Inspection type id (e.g. type-one).")] = "type-one",
    site: Annotated[str | None, typer.Option("--site", help="Choose the site; default: a seeded random draw.")] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the random draw (site, designation).", min=0, max=2**128 - 1)
    ] = None,
    weight: Annotated[
        list[str] | None, typer.Option("--weight", help="SITE=W or KIND=W: draw weight (repeatable; default 1).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write a findings template (JSON) here.")] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Plan an inspection: the site (chosen or drawn) and the designated missiles, from the declared state then.

    The findings template lists what was declared at the site; inspectors edit it to what they found.
    """
    if out is not None:
        output_path(out, force)  # before the plan: a file in the way costs nothing
    with _open(target) as store:
        _parties(store, by)
        _parties(store, of)
        when = _time(at, "--at")
        inspected = replay_store(store, of, normalize_time(when))  # type: ignore[arg-type]
        treaty = get_treaty(_treaty_of(store, by))
        p = plan(treaty, kind, by, inspected, when, site=site, seed=seed, weights=_weights(weight))
    if out is not None:
        template = {"at": f"{when:%Y-%m-%dT%H:%M:%SZ}", **declared_findings(p, inspected)}
        out.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    if as_json:
        print_json({
            "inspector": by, "inspected": of, "type": p.itype.id, "at": f"{when:%Y-%m-%dT%H:%M:%SZ}",
            "site": {"id": p.site.id, "kind": p.site.kind.value, "name": p.site.name},
            "selection": p.selection, "candidates": p.candidates, "seed": seed, "designated": list(p.designated),
            "template": None if out is None else str(out),
        })  # fmt: skip
        return
    how = "chosen" if p.selection == "chosen" else f"drawn from {p.candidates} eligible sites (seed {seed})"
    console.print(f"{shown(p.itype.name)} inspection of {shown(of)} by {shown(by)} at {when:%Y-%m-%d %H:%M}Z")
    name = f", {p.site.name}" if p.site.name else ""
    console.print(f"  site: {shown(p.site.id)} ({shown(p.site.kind.value + name)}) — {how}")
    if p.designated:
        console.print(f"  designated: {shown(', '.join(p.designated))}")
    if out is not None:
        console.print(f"  findings template: {shown(out)} (what was declared there; edit it to what you find)")


def _findings(path: Path) -> tuple[dict[str, Any], dt.datetime]:
    doc = load_document(path)
    if not isinstance(doc, dict) or "at" not in doc:
        raise FileFormatError(
            "findings need 'at' (the time of the inspection) and the report fields", Location.of(path)
        )
    findings = {k: v for k, v in doc.items() if k != "at"}
    return findings, _time(str(doc["at"]), f"{path}: at")


@app.command("record")
def record(
    target: LedgerArg,
    findings_file: Annotated[Path, typer.Argument(help="Findings (JSON or TOML), e.g. from `inspect plan --out`.")],
    key: KeyOpt,
    sent: Annotated[
        str | None, typer.Option("--sent", help="When the report is sent; default: the inspection.")
    ] = None,
    opening: Annotated[
        Path | None, typer.Option(help="An escrow opening of the site to match with the findings.")
    ] = None,
    commitment: Annotated[Path | None, typer.Option(help="The signed escrow commitment the opening refers to.")] = None,
    escrow_key: Annotated[str | None, typer.Option(help="Public key (base64) that signed the commitment.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record an inspection's findings in your party's ledger; print each discrepancy with the declaration.

    With ``--opening``, the opening is verified against the commitment first and matched with the items seen.
    """
    findings, when = _findings(findings_file)
    opened = _opened(opening, commitment, escrow_key) if opening is not None else None
    if opened is not None:
        matched = match_opening(opened, findings)  # before anything is written
    k = load_key(key)
    with _ledger(target, [k]) as ledger:
        treaty = ledger.party(k.party).treaty
        draft = notification(findings, when, _time(sent, "--sent") if sent else when, treaty)
        [accepted] = ledger.submit(k.party, [draft], str(findings_file))
    discrepancies = [f for f in accepted.flags if f.kind == "discrepancy"]
    if as_json:
        print_json({
            "party": k.party, "seq": accepted.seq, "hash": accepted.hash,
            "inspection_type": findings["inspection_type"], "site": findings["site"],
            "discrepancies": [{"kind": f.detail, "uid": f.uid, "message": f.message} for f in discrepancies],
            "escrow": matched if opened is not None else None,
        })  # fmt: skip
        return
    what = f"{findings['inspection_type']} at {findings['site']}"
    console.print(f"recorded as {shown(k.party)} #{accepted.seq}: {shown(what)}")
    for flag in discrepancies:
        console.print(f"  [yellow]{shown(flag.detail)}[/] {shown(flag.message)}")
    if not discrepancies:
        console.print("  [green]no discrepancy[/]: the findings match the declaration")
    if opened is not None:
        for label, uids in matched.items():
            console.print(f"  escrow {shown(label)}: {shown(', '.join(uids)) if uids else 'none'}")


def _opened(opening: Path, commitment: Path | None, escrow_key: str | None) -> list[dict[str, Any]]:
    import base64

    if commitment is None or escrow_key is None:
        raise InputError("--opening needs --commitment and --escrow-key to be verified first")
    c = Commitment.from_json(_json(commitment))
    try:
        c.verify_signature(base64.b64decode(escrow_key, validate=True))
    except ValueError:
        raise InputError("--escrow-key: not base64") from None
    return EscrowVerifier(c).accept(opening_from_json(_json(opening)))


def _json(path: Path) -> dict[str, Any]:
    doc = load_document(path)
    if not isinstance(doc, dict):
        raise FileFormatError("expected a JSON object", Location.of(path))
    return doc


@app.command("report")
def report_cmd(
    target: LedgerArg,
    by: Annotated[str | None, typer.Option("--by", help="Only inspections by this party.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this treaty year.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every recorded inspection and its discrepancies, recomputed from the ledger."""
    with _open(target) as store:
        reports = [r for r in inspection_reports(store, _parties(store, by)) if year is None or r.year == year]
    if as_json:
        print_json([{**r.__dict__, "discrepancies": [d.__dict__ for d in r.discrepancies]} for r in reports])
        return
    table = Table(title="Inspections", title_justify="left")
    for column in ("by", "#", "of", "type", "site", "time", "year", "seen", "discrepancies"):
        table.add_column(column, justify="right" if column in ("#", "year", "seen") else "left")
    for r in reports:
        found = [f"{d.kind} {d.uid} ({d.declared} → {d.found})" for d in r.discrepancies]
        table.add_row(*(plain(v) for v in (r.inspector, r.seq, r.inspected, r.itype, r.site, r.at, r.year, r.seen)),
                      plain_lines(found, "yellow") if found else plain("none", "green"))  # fmt: skip
    console.print(table)
    total = sum(len(r.discrepancies) for r in reports)
    console.print(f"{len(reports)} inspections, {total} discrepancies")


@app.command("quota")
def quota(
    target: LedgerArg,
    by: ByOpt,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Treaty year (1 = the first from entry into force).", max=MAX_TREATY_YEAR),
    ] = None,
    date: Annotated[str | None, typer.Option("--date", "-d", help="Or: the treaty year of this date.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Inspections used and left per type in a treaty year."""
    with _open(target) as store:
        _parties(store, by)
        treaty = get_treaty(_treaty_of(store, by))
        on = None if date is None else _time(date, "--date").date()
        use = quota_use(treaty, replay_store(store, by).inspections, year=year, on=on)
        if as_json:
            print_json([{"year": q.year, "start": q.start, "end": q.end, "type": q.itype.id, "used": q.used,
                         "quota": q.itype.quota, "left": q.left} for q in use])  # fmt: skip
            return
        first = use[0]
        table = Table(title=plain(f"{by}'s inspections, treaty year {first.year} ({first.start} to {first.end})"))
        for column in ("type", "used", "quota", "left"):
            table.add_column(column, justify="left" if column == "type" else "right")
        for q in use:
            table.add_row(plain(q.itype.name), str(q.used), str(q.itype.quota), str(q.left))
        console.print(table)
