"""``detente keys`` and ``detente ledger``: keys, notifications, history, state, counts, verify, export, import."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente._files import load_document, parse_json, parse_json_line, read_text
from detente.cli.common import (
    ForceOption,
    JsonOption,
    console,
    err_console,
    output_path,
    parse_date,
    plain,
    print_json,
    shown,
    verdict_text,
)
from detente.crypto.keys import PartyKey, fingerprint, load_key, save_key
from detente.errors import FileFormatError, InputError, Location, TreatyError, VerificationError
from detente.ledger.audit import audit_store
from detente.ledger.exchange import export_lines, read_export
from detente.store.ledger_store import SCHEMA, SqlLedgerStore, open_store

if TYPE_CHECKING:  # the commands that need them import these when they run: verify and log start without them
    from detente.counting.readings import Reading
    from detente.ledger.rules import Flag
    from detente.ledger.timeline import TimelineRow
    from detente.ledger.writer import Ledger
    from detente.treaty.model import Treaty

keys_app = typer.Typer(help="Parties' signing keys.", no_args_is_help=True)
app = typer.Typer(
    help="Ledgers of notifications: submit, log, history, state, counts, verify, export, import.", no_args_is_help=True
)

LedgerArg = Annotated[str, typer.Argument(help="Ledger: a SQLite file path or a postgresql:// URL.")]
PartyOpt = Annotated[str, typer.Option("--party", "-p", help="Party code.")]
KeyOpt = Annotated[Path, typer.Option("--key", "-k", help="The party's key file (from `detente keys generate`).")]
DateOpt = Annotated[str | None, typer.Option("--date", "-d", help="Date (YYYY-MM-DD); default: today.")]
TreatyOpt = Annotated[str, typer.Option("--treaty", "-t", help="TREATY[+VARIANT…] to count under.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Key file to write (never over an existing file).")]

MAX_SEQ = 2**53 - 1  # the largest sequence number the notification schema allows
DIFF_ROWS = 200  # items shown per party by `ledger diff` (all of them with --json)


def _open(target: str) -> SqlLedgerStore:
    """The ledger store at ``target``, read-only: nothing is created, upgraded or written."""
    _exists(target)
    return open_store(target, readonly=True)


def _exists(target: str) -> None:
    if "://" not in target and not Path(target).exists():
        raise InputError("no ledger here", Location.of(target), "create one with `detente ledger create`")


def _ledger(target: str, signers: Iterable[PartyKey] = ()) -> Ledger:
    """The ledger at ``target`` (upgraded if older), signing with ``signers``; it closes its store when closed."""
    from detente.catalog.load import builtin_catalog
    from detente.ledger.writer import Ledger
    from detente.treaty.load import get_treaty

    _exists(target)
    return Ledger(open_store(target), signers, builtin_catalog(), get_treaty, clock=lambda: dt.datetime.now(dt.UTC))


def _parties(store: SqlLedgerStore, party: str | None) -> list[str]:
    known = [r.party for r in store.parties()]
    if party is not None and party not in known:
        raise InputError(f"party {party!r} is not registered in this ledger", hint=f"registered: {', '.join(known)}")
    return [party] if party else known


def _treaty_for(
    spec: str, party: str | None = None, where: Location | None = None, treaty_where: Location | None = None
) -> Treaty:
    """The built-in treaty ``spec`` names, and ``party`` one of its parties (keys, register, import).

    A ledger records its treaty by id: a treaty file is refused, since it could change or move under the ledger.
    """
    from detente.treaty.load import builtin_treaties

    treaties = builtin_treaties()
    if spec not in treaties:
        is_file = Path(spec).suffix.lower() in (".toml", ".json") or "/" in spec or "\\" in spec
        why = (
            f"{spec!r} is a treaty file; a ledger records its treaty by id, and a file could change or move under it"
            if is_file
            else f"unknown treaty {spec!r}"
        )
        raise TreatyError(why, treaty_where or Location(field="--treaty"), f"built-in treaties: {', '.join(treaties)}")
    treaty = treaties[spec]
    if party is not None and party not in treaty.party_ids():
        raise InputError(
            f"{party!r} is not a party to {treaty.id}",
            where or Location(field="--party"),
            f"its parties: {', '.join(treaty.party_ids())}",
        )
    return treaty


def _key_facts(key: PartyKey, path: Path) -> dict[str, str]:
    return {
        "party": key.party,
        "public_key": base64.b64encode(key.public_key).decode(),
        "fingerprint": fingerprint(key.public_key),
        "file": str(path),
    }


@keys_app.command("generate")
def keys_generate(
    party: PartyOpt,
    out: OutOpt,
    treaty: Annotated[str, typer.Option("--treaty", "-t", help="The treaty the party is a party to.")] = "new-start",
    as_json: JsonOption = False,
) -> None:
    """Generate a party's Ed25519 key into a new file readable by you only; print the public key."""
    _treaty_for(treaty, party)
    key = PartyKey.generate(party)
    save_key(key, out)  # never over an existing file: a key overwritten is lost
    facts = _key_facts(key, out)
    if as_json:
        print_json(facts)
        return
    console.print(f"wrote {shown(out)} (mode 600) for {shown(party)}")
    console.print(f"public key: {facts['public_key']}  fingerprint {facts['fingerprint']}")


@keys_app.command("demo")
def keys_demo(party: PartyOpt, out: OutOpt, as_json: JsonOption = False) -> None:
    """Write the PUBLIC demo key of a party, to add notifications to a demo ledger (never for real use)."""
    from detente.demo.ledger import demo_key  # the demo's keys, only when asked for

    if party not in ("US", "RU"):
        raise InputError(f"the demo ledger has keys for US and RU, not {party!r}", Location(field="--party"))
    key = demo_key(party)
    save_key(key, out)
    if as_json:
        print_json({**_key_facts(key, out), "demo": True})
        return
    console.print(
        f"wrote {shown(out)}: {party}'s PUBLIC demo key {fingerprint(key.public_key)} — anyone can sign with it"
    )


@keys_app.command("show")
def keys_show(key: Annotated[Path, typer.Argument(help="Key file.")], as_json: JsonOption = False) -> None:
    """Print a key file's party and public key (never the private part)."""
    k = load_key(key)
    facts = _key_facts(k, key)
    if as_json:
        print_json(facts)
        return
    console.print(f"{shown(k.party)}: public key {facts['public_key']}  fingerprint {facts['fingerprint']}")


@app.command("create")
def create(target: LedgerArg, as_json: JsonOption = False) -> None:
    """Create an empty ledger (a new SQLite file, or the tables in a PostgreSQL database)."""
    if "://" not in target and Path(target).exists():  # a ledger is never overwritten, not even with --force
        raise InputError("already exists; refusing to touch an existing ledger", Location.of(target))
    open_store(target).close()
    if as_json:
        print_json({"ledger": target, "schema": SCHEMA})
        return
    console.print(f"created ledger {shown(target)}")


@app.command("upgrade")
def upgrade(target: LedgerArg, as_json: JsonOption = False) -> None:
    """Bring a ledger written by an earlier detente to this version's schema (commands that only read need it)."""
    _exists(target)
    open_store(target).close()
    with open_store(target, readonly=True):  # and it now opens as every reading command opens it
        if as_json:
            print_json({"ledger": target, "schema": SCHEMA})
            return
        console.print(f"{shown(target)} is at schema {SCHEMA}")


@app.command("register")
def register(
    target: LedgerArg,
    key: Annotated[Path | None, typer.Option("--key", "-k", help="Take party and public key from a key file.")] = None,
    party: Annotated[str | None, typer.Option("--party", "-p", help="Party code (with --public-key).")] = None,
    public_key: Annotated[str | None, typer.Option(help="The party's public key, base64.")] = None,
    treaty: Annotated[
        str, typer.Option("--treaty", "-t", help="Treaty its notifications follow: a built-in treaty's id.")
    ] = "new-start",
    as_json: JsonOption = False,
) -> None:
    """Register a party with its public key (from its key file, or given for the other party's ledger)."""
    if key is not None and (party is not None or public_key is not None):
        raise InputError("give --key, or --party with --public-key, not both")
    if key is not None:
        k = load_key(key)
        code, raw, where = k.party, k.public_key, Location.of(key, None, "party")
    elif party and public_key:
        code, where = party, Location(field="--party")
        try:
            raw = base64.b64decode(public_key, validate=True)
        except ValueError:
            raise InputError("not base64", Location(field="--public-key")) from None
    else:
        raise InputError("give --key, or --party with --public-key")
    _treaty_for(treaty, code, where)
    with _ledger(target) as ledger:
        ledger.register(code, raw, treaty)
    if as_json:
        print_json({"party": code, "public_key": base64.b64encode(raw).decode(), "fingerprint": fingerprint(raw),
                    "treaty": treaty})  # fmt: skip
        return
    console.print(f"registered {shown(code)} ({fingerprint(raw)}) under {shown(treaty)}")


def _drafts(path: Path) -> list[dict[str, Any]]:
    """Notifications from a JSON array, a JSON Lines file, or a TOML file of [[notification]] tables."""
    if path.suffix.lower() == ".jsonl":
        drafts = []
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            if line.strip():
                value = parse_json_line(line, str(path), number)
                if not isinstance(value, dict):
                    raise FileFormatError("each line must be a notification object", Location.of(path, number))
                drafts.append(value)
        return drafts
    doc: Any = parse_json(read_text(path), str(path)) if path.suffix.lower() == ".json" else load_document(path)
    if isinstance(doc, dict):
        doc = doc.get("notification", [doc] if "type" in doc else None)
    if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
        raise FileFormatError(
            "expected notifications: a JSON array of objects or TOML [[notification]] tables", Location.of(path)
        )
    return doc


def _flag_json(flag: Flag) -> dict[str, Any]:
    return {"kind": flag.kind, "detail": flag.detail or None, "uid": flag.uid, "message": flag.message}


@app.command("submit")
def submit(
    target: LedgerArg,
    files: Annotated[list[Path], typer.Argument(help="Notification files (.json, .jsonl, .toml).")],
    key: KeyOpt,
    as_json: JsonOption = False,
) -> None:
    """Validate, sign and append notifications: every file's, in one transaction, or none of them."""
    k = load_key(key)
    batches = [(path, _drafts(path)) for path in files]  # every file read before anything is appended
    drafts = [d for _, ds in batches for d in ds]
    names = [f"{path} #{i}" for path, ds in batches for i in range(1, len(ds) + 1)]
    with _ledger(target, [k]) as ledger:
        accepted = ledger.submit(k.party, drafts, names)
    repeated = bool(accepted) and all(a.repeated for a in accepted)
    done: list[dict[str, Any]] = []
    start = 0
    for path, ds in batches:
        mine = accepted[start : start + len(ds)]
        start += len(ds)
        done.append(
            {
                "file": str(path),
                "party": k.party,
                "appended": 0 if repeated else len(mine),
                "first": mine[0].seq if mine else None,
                "last": mine[-1].seq if mine else None,
                "already_in_the_ledger": repeated,
                "entries": [{"seq": a.seq, "hash": a.hash, "flags": [_flag_json(f) for f in a.flags]} for a in mine],
            }
        )
        if as_json:
            continue
        if not mine:
            console.print(f"{shown(path)}: nothing to append")
            continue
        span = f"{shown(k.party)} #{mine[0].seq}–#{mine[-1].seq}"
        if repeated:
            console.print(f"{shown(path)}: already in the ledger as {span} (a submit retried): nothing appended")
            continue
        console.print(f"{shown(path)}: appended {len(mine)}, {span}")
        for a in mine:
            for flag in a.flags:
                console.print(f"  [yellow]{shown(flag.kind)}[/] #{a.seq}: {shown(flag.message)}")
    if as_json:
        print_json(done)


@app.command("import-force")
def import_force(
    target: LedgerArg,
    force: Annotated[str, typer.Argument(help="Force file or shipped force name.")],
    key: KeyOpt,
    date: Annotated[str | None, typer.Option("--date", "-d", help="Effective date; default: the force's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Declare a force file's items of the key's party as the ledger's initial data."""
    from detente.catalog.load import builtin_catalog
    from detente.data.forces import load_force
    from detente.ledger.convert import initial_data

    k = load_key(key)
    f = load_force(force, builtin_catalog())
    effective = dt.datetime.combine(parse_date(date, f.info.as_of), dt.time(), dt.UTC)
    with _ledger(target, [k]) as ledger:
        accepted = ledger.submit(k.party, [initial_data(f, k.party, effective, effective)], force)
    if as_json:
        print_json({"party": k.party, "seq": accepted[0].seq, "hash": accepted[0].hash, "items": f.items})
        return
    console.print(f"initial data for {shown(k.party)}: #{accepted[0].seq}, {f.items:,} items")


@app.command("log")
def log(
    target: LedgerArg,
    party: Annotated[str | None, typer.Option("--party", "-p", help="Only this party.")] = None,
    last: Annotated[int, typer.Option(help="Show the last N entries of each party.", min=1)] = 20,
    as_json: JsonOption = False,
) -> None:
    """The latest notifications: sequence, sent, effective, type, what."""
    with _open(target) as store:
        rows = []
        for p in _parties(store, party):
            head = store.head(p)
            start = max(1, (head.seq if head else 0) - last + 1)
            for e in store.entries(p, start):
                n = e.notification()
                rows.append(
                    {
                        "party": p,
                        "seq": e.seq,
                        "sent": n["sent"],
                        "effective": n["effective"],
                        "type": n["type"],
                        "hash": e.hash_hex[:16],
                        "remarks": n.get("remarks", ""),
                    }
                )
        if as_json:
            print_json(rows)
            return
        table = Table(title=plain(f"Ledger {target}"), title_justify="left")
        for col in ("party", "seq", "sent", "effective", "type", "hash"):
            table.add_column(col)
        for r in rows:
            table.add_row(*(plain(r[c]) for c in ("party", "seq", "sent", "effective", "type", "hash")))
        console.print(table)


@app.command("show")
def show(
    target: LedgerArg,
    party: Annotated[str, typer.Argument()],
    seq: Annotated[int, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="Accepted for scripts: the output is always JSON.")] = False,
) -> None:
    """One notification as signed, with its hash and signature."""
    if not 1 <= seq <= MAX_SEQ:  # the schema's bound, and a number every database can hold
        raise InputError(f"no notification #{seq}: sequence numbers run from 1 to {MAX_SEQ:,}", Location(field="SEQ"))
    with _open(target) as store:
        _parties(store, party)
        entry = next(store.entries(party, seq, seq), None)
        if entry is None:
            raise InputError(f"{party} has no notification #{seq}")
        print_json(
            {
                "notification": entry.notification(),
                "hash": entry.hash_hex,
                "signature": base64.b64encode(entry.signature).decode(),
            }
        )


@app.command("history")
def item_history(
    target: LedgerArg,
    uid: Annotated[str, typer.Argument(help="Unique identifier.")],
    party: Annotated[str | None, typer.Option("--party", "-p")] = None,
    as_json: JsonOption = False,
) -> None:
    """The whole history of one item."""
    from detente.ledger.replay import history

    with _open(target) as store:
        found: dict[str, list[Any]] = {}
        for p in _parties(store, party):
            changes = history(store.entries(p), uid)
            if changes:
                found[p] = changes
    if not found:
        raise InputError(f"no notification mentions item {uid!r}")
    if as_json:
        print_json([{"party": p, "seq": c.seq, "effective": c.effective, "sent": c.sent, "type": c.type,
                     "what": c.summary} for p, changes in found.items() for c in changes])  # fmt: skip
        return
    for p, changes in found.items():
        table = Table(title=plain(f"{p} item {uid}"), title_justify="left")
        for col in ("seq", "effective", "sent", "type", "what"):
            table.add_column(col)
        for c in changes:
            table.add_row(str(c.seq), plain(c.effective), plain(c.sent), plain(c.type), plain(c.summary))
        console.print(table)


def _states(store: SqlLedgerStore, party: str | None, when: dt.date) -> list[Any]:
    from detente.ledger.replay import moment, replay_store

    return [replay_store(store, p, moment(when)) for p in _parties(store, party)]


@app.command("state")
def state(
    target: LedgerArg,
    date: DateOpt = None,
    party: Annotated[str | None, typer.Option("--party", "-p")] = None,
    as_json: JsonOption = False,
) -> None:
    """What each party had declared by a date: items by type and status."""
    with _open(target) as store:
        when = parse_date(date, None)
        summary: dict[str, dict[str, dict[str, int]]] = {}
        for s in _states(store, party, when):
            per = summary.setdefault(s.party, {})
            for item in s.items.values():
                per.setdefault(item.system, {}).setdefault(item.status.value, 0)
                per[item.system][item.status.value] += 1
        if as_json:
            print_json(summary)
            return
        for p, systems in summary.items():
            table = Table(title=plain(f"{p} as of {when}"), title_justify="left")
            statuses = sorted({st for v in systems.values() for st in v})
            table.add_column("system")
            for st in statuses:
                table.add_column(plain(st), justify="right")
            for system, counts in sorted(systems.items()):
                table.add_row(plain(system), *(str(counts.get(st, "")) for st in statuses))
            console.print(table)


@app.command("counts")
def counts(
    target: LedgerArg, date: DateOpt = None, treaty: TreatyOpt = "new-start", as_json: JsonOption = False
) -> None:
    """Counts and compliance of every party at a date, through the treaty engine."""
    from detente.catalog.load import builtin_catalog
    from detente.counting.compliance import judge
    from detente.counting.readings import parse_reading
    from detente.counting.tally import count
    from detente.ledger.state import to_force

    with _open(target) as store:
        when = parse_date(date, None)
        reading = parse_reading(treaty)
        force = to_force(_states(store, None, when), builtin_catalog(), when)
        result = judge(count(force, reading.treaty, reading.variants), when)
        if as_json:
            print_json(result.as_dict())
            return
        from detente.cli.render import compliance_table

        console.print(compliance_table(result))


@app.command("timeline")
def show_timeline(
    target: LedgerArg,
    treaty: TreatyOpt = "new-start",
    dates: Annotated[list[str] | None, typer.Option("--at", help="Dates (default: the treaty's data dates).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Counts at every data date, beside the official figures, with the verdicts."""
    from detente.counting.readings import parse_reading

    with _open(target) as store:
        reading = parse_reading(treaty)
        rows = timeline_with_progress(store, reading, [parse_date(d, None) for d in dates] if dates else None, as_json)
        if as_json:
            print_json([vars(r) for r in rows])
            return
        console.print(timeline_table(rows, f"{reading.treaty.title}: counts replayed from {target}"))


def timeline_with_progress(
    store: SqlLedgerStore, reading: Reading, dates: list[dt.date] | None, quiet: bool = False
) -> list[TimelineRow]:
    """The timeline, with a progress bar over the dates (on standard error, on a terminal)."""
    from detente.catalog.load import builtin_catalog
    from detente.ledger.timeline import data_dates, timeline

    when_list = dates if dates is not None else data_dates(store, reading.treaty)
    with Progress(
        TextColumn("replaying the ledger"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("dates", total=len(when_list))
        return timeline(store, reading, when_list, builtin_catalog(), lambda _: bar.advance(task))


VERDICT_RANK = {"over": 5, "within-range": 4, "within": 3, "not-in-force": 2, "expired": 1, "no-limit": 0}


def timeline_table(rows: list[TimelineRow], title: str) -> Table:
    """One row per date and party: each measure's count, '=' where it equals the official figure, and verdict.

    ``title`` is shown as written (it may hold a path or a treaty's title), never as markup.
    """
    measures = list(dict.fromkeys(r.measure for r in rows))
    table = Table(title=plain(title), title_justify="left", caption="= equals the published figure; ≠ shows it")
    table.add_column("date")
    table.add_column("party")
    for m in measures:
        table.add_column(plain(m), justify="right")
    table.add_column("verdict")
    by_key: dict[tuple[dt.date, str], dict[str, TimelineRow]] = {}
    for r in rows:
        by_key.setdefault((r.date, r.party), {})[r.measure] = r
    for (when, party), cells in by_key.items():
        shown_cells = []
        for m in measures:
            r = cells[m]
            mark = "" if r.official is None else (" [green]=[/]" if r.agrees else f" [red]≠ {r.official:,}[/]")
            shown_cells.append(f"{r.count:,}{mark}")
        worst = max(cells.values(), key=lambda r: VERDICT_RANK.get(r.verdict, 0)).verdict
        first = next(iter(cells.values()))
        silent = f" [yellow](silent: last data {shown(first.last_update)})[/]" if first.silent else ""
        table.add_row(str(when), shown(party) + silent, *shown_cells, verdict_text(worst))
    return table


def build_demo(out: Path, force: bool = False, quiet: bool = False) -> SqlLedgerStore:
    """Build the illustrative demo ledger into a new SQLite file, with a progress bar; nothing is left on failure.

    An existing file is refused, or with ``force`` replaced once the new ledger is complete (it is built beside
    it). The caller closes the store it returns.
    """
    from detente.catalog.load import builtin_catalog
    from detente.demo.ledger import build_demo_ledger, demo_keys  # a large module, demo only
    from detente.demo.plans import demo_dates
    from detente.ledger.writer import Ledger
    from detente.treaty.load import get_treaty

    output_path(out, force)
    building = out.with_name(out.name + ".partial") if out.exists() else out
    _remove_sqlite(building)  # a .partial left by a build that was killed
    store = open_store(str(building))
    try:
        with Progress(
            TextColumn("building the demo ledger"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=quiet or not err_console.is_terminal,
        ) as bar:
            task = bar.add_task("", total=len(demo_dates()))
            build_demo_ledger(
                Ledger(store, demo_keys(), builtin_catalog(), get_treaty),
                lambda message: bar.update(task, advance=1, description=message[:10]),
            )
    except BaseException:
        store.close()
        _remove_sqlite(building)
        raise
    if building != out:
        store.close()
        _remove_sqlite(out)
        building.replace(out)
        store = open_store(str(out))
    return store


def _remove_sqlite(path: Path) -> None:
    for made in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        made.unlink(missing_ok=True)


@app.command("demo")
def demo_ledger(
    out: Annotated[Path, typer.Argument(help="New SQLite file to build the demo ledger into.")],
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Build the ILLUSTRATIVE US and Russian New START ledgers, 2011–2023, into a new SQLite file."""
    with build_demo(out, force, quiet=as_json) as store:
        heads = {r.party: store.head(r.party) for r in store.parties()}
    sizes = {party: head.seq if head else 0 for party, head in heads.items()}
    if as_json:
        print_json({"ledger": str(out), "notifications": sizes, "illustrative": True})
        return
    for party, size in sizes.items():
        console.print(f"{party}: {size:,} notifications, signed with a public demo key")
    console.print(f"built {shown(out)}; try: detente ledger timeline {shown(out)}")


@app.command("diff")
def changes(
    target: LedgerArg,
    start: Annotated[str, typer.Option("--from", help="Earlier date.")],
    end: Annotated[str, typer.Option("--to", help="Later date.")],
    party: Annotated[str | None, typer.Option("--party", "-p")] = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two dates, item by item."""
    from detente.ledger.replay import diff

    with _open(target) as store:
        a, b = parse_date(start, None), parse_date(end, None)
        if b < a:
            raise InputError(f"--to {b} is before --from {a}")
        found = {
            before.party: diff(before, after)
            for before, after in zip(_states(store, party, a), _states(store, party, b), strict=True)
        }
    if as_json:
        print_json({p: [{"uid": d.uid, "before": d.before, "after": d.after} for d in differences]
                    for p, differences in found.items()})  # fmt: skip
        return
    for p, differences in found.items():
        shown_rows = differences[:DIFF_ROWS]
        more = len(differences) - len(shown_rows)
        table = Table(
            title=plain(f"{p}: {len(differences)} items changed {a} → {b}"),
            title_justify="left",
            caption=f"the first {DIFF_ROWS}; {more:,} more with --json" if more else None,
        )
        for col in ("uid", str(a), str(b)):
            table.add_column(col)
        for d in shown_rows:
            table.add_row(plain(d.uid), plain(d.before), plain(d.after))
        console.print(table)


@app.command("verify")
def verify(
    target: LedgerArg, party: Annotated[str | None, typer.Option("--party", "-p")] = None, as_json: JsonOption = False
) -> None:
    """Check every entry and every recorded checkpoint against them; name the first fault and fail.

    Entries: hash, link, signature and derived columns. Checkpoints: signature, origin, size, and root against the
    entries (a checkpoint beyond the last entry: entries missing). With ``--json``, every party is checked and the
    result printed (party, entries verified, checkpoints checked, ok, first fault) before failing if one has a fault.
    """

    def advance(bar: Progress, task: TaskID, entries: int) -> None:
        bar.update(task, completed=entries)

    with _open(target) as store:
        records = {r.party: r for r in store.parties()}
        audits = []
        for p in _parties(store, party):
            head = store.head(p)
            columns = (TextColumn(f"verifying {shown(p)}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            quiet = as_json or not err_console.is_terminal
            with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
                task = bar.add_task(p, total=head.seq if head else 0)
                audit = audit_store(store, p, partial(advance, bar, task))
            audits.append(audit)
            if as_json:
                continue
            if audit.error is not None:
                raise VerificationError(f"verification failed: {audit.error}")
            key = fingerprint(records[p].public_key)
            console.print(
                f"[green]ok[/] {shown(p)}: {audit.entries:,} entries, chain and signatures verify; "
                f"{audit.checkpoints} recorded checkpoints match them ({key})"
            )
        if as_json:
            print_json([a.as_dict() for a in audits])
            failed = [a for a in audits if a.error is not None]
            if failed:
                raise VerificationError(f"verification failed: {failed[0].error}")


@app.command("export")
def export(
    target: LedgerArg,
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write.")],
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Export every party's entries, exactly as signed, to JSON Lines."""
    output_path(out, force)
    with _open(target) as store:
        records = store.parties()
        tmp = out.with_name(out.name + ".partial")
        lines = 0
        try:
            with tmp.open("w", encoding="utf-8") as handle:
                for line in export_lines(records, (e for r in records for e in store.entries(r.party))):
                    handle.write(line + "\n")
                    lines += 1
            tmp.replace(out)  # whole, or not at all: a reader never sees half an export
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    if as_json:
        print_json({"ledger": target, "file": str(out), "lines": lines, "parties": [r.party for r in records]})
        return
    console.print(f"exported {shown(target)} → {shown(out)}")


@app.command("import")
def import_(
    target: LedgerArg, source: Annotated[Path, typer.Argument(help="JSON Lines export.")], as_json: JsonOption = False
) -> None:
    """Import an export: every line, link, signature and rule is checked before anything is written."""
    records, entries = read_export(read_text(source).splitlines(), str(source))
    for record in records:  # a party of its treaty, under a built-in treaty's id
        _treaty_for(record.treaty, record.party, Location.of(source, 1, "party"), Location.of(source, 1, "treaty"))
    added: dict[str, int] = {}
    with _ledger(target) as ledger:
        known = {r.party: r for r in ledger.store.parties()}
        for record in records:
            have = known.get(record.party)
            if have is not None and have.public_key != record.public_key:
                raise InputError(
                    f"{record.party}'s key in the export ({fingerprint(record.public_key)}) is not the one "
                    f"registered here ({fingerprint(have.public_key)})",
                    Location.of(source, 1),
                )
        alongside = frozenset((e.party, e.seq) for batch in entries.values() for e in batch)
        for record in records:  # check everything before writing anything
            ledger.import_entries(record, entries[record.party], write=False, alongside=alongside)
        for record in records:
            if record.party not in known:
                ledger.register(record.party, record.public_key, record.treaty)
            added[record.party] = ledger.import_entries(record, entries[record.party], alongside=alongside)
            if not as_json:
                print_line = f"{record.party}: {added[record.party]:,} entries imported"
                console.print(f"{shown(print_line)} ({fingerprint(record.public_key)})")
    if as_json:
        print_json({"ledger": target, "imported": added})
