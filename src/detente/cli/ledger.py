"""``detente keys`` and ``detente ledger``: keys, notifications, history, state, counts, verify, export, import."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente._files import load_document, parse_json, read_text
from detente.cli.common import JsonOption, console, parse_date, print_json, verdict_text
from detente.crypto.keys import PartyKey, fingerprint, load_key, save_key
from detente.errors import ChainError, FileFormatError, InputError, Location
from detente.ledger.chain import verify_chain
from detente.ledger.exchange import export_lines, read_export
from detente.store.ledger_store import SCHEMA, SqlLedgerStore, open_store

if TYPE_CHECKING:  # the commands that need them import these when they run: verify and log start without them
    from detente.counting.readings import Reading
    from detente.ledger.timeline import TimelineRow
    from detente.ledger.writer import Ledger

keys_app = typer.Typer(help="Parties' signing keys.", no_args_is_help=True)
app = typer.Typer(
    help="Ledgers of notifications: submit, log, history, state, counts, verify, export, import.", no_args_is_help=True
)

LedgerArg = Annotated[str, typer.Argument(help="Ledger: a SQLite file path or a postgresql:// URL.")]
PartyOpt = Annotated[str, typer.Option("--party", "-p", help="Party code.")]
KeyOpt = Annotated[Path, typer.Option("--key", "-k", help="The party's key file (from `detente keys generate`).")]
DateOpt = Annotated[str | None, typer.Option("--date", "-d", help="Date (YYYY-MM-DD); default: today.")]
TreatyOpt = Annotated[str, typer.Option("--treaty", "-t", help="TREATY[+VARIANT…] to count under.")]


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
    return Ledger(open_store(target), signers, builtin_catalog(), get_treaty)


def _parties(store: SqlLedgerStore, party: str | None) -> list[str]:
    known = [r.party for r in store.parties()]
    if party is not None and party not in known:
        raise InputError(f"party {party!r} is not registered in this ledger", hint=f"registered: {', '.join(known)}")
    return [party] if party else known


@keys_app.command("generate")
def keys_generate(
    party: PartyOpt, out: Annotated[Path, typer.Option("--out", "-o", help="Key file to write.")]
) -> None:
    """Generate a party's Ed25519 key into a new file readable by you only; print the public key."""
    key = PartyKey.generate(party)
    save_key(key, out)
    console.print(f"wrote {out} (mode 600) for {party}")
    console.print(f"public key: {base64.b64encode(key.public_key).decode()}  fingerprint {fingerprint(key.public_key)}")


@keys_app.command("demo")
def keys_demo(party: PartyOpt, out: Annotated[Path, typer.Option("--out", "-o", help="Key file to write.")]) -> None:
    """Write the PUBLIC demo key of a party, to add notifications to a demo ledger (never for real use)."""
    from detente.demo.ledger import demo_key  # the demo's keys, only when asked for

    if party not in ("US", "RU"):
        raise InputError(f"the demo ledger has keys for US and RU, not {party!r}")
    key = demo_key(party)
    save_key(key, out)
    console.print(f"wrote {out}: {party}'s PUBLIC demo key {fingerprint(key.public_key)} — anyone can sign with it")


@keys_app.command("show")
def keys_show(key: Annotated[Path, typer.Argument(help="Key file.")]) -> None:
    """Print a key file's party and public key (never the private part)."""
    k = load_key(key)
    console.print(
        f"{k.party}: public key {base64.b64encode(k.public_key).decode()}  fingerprint {fingerprint(k.public_key)}"
    )


@app.command("create")
def create(target: LedgerArg) -> None:
    """Create an empty ledger (a new SQLite file, or the tables in a PostgreSQL database)."""
    if "://" not in target and Path(target).exists():
        raise InputError("already exists; refusing to touch an existing ledger", Location.of(target))
    open_store(target).close()
    console.print(f"created ledger {target}")


@app.command("upgrade")
def upgrade(target: LedgerArg) -> None:
    """Bring a ledger written by an earlier detente to this version's schema (commands that only read need it)."""
    _exists(target)
    open_store(target).close()
    with open_store(target, readonly=True):  # and it now opens as every reading command opens it
        console.print(f"{target} is at schema {SCHEMA}")


@app.command("register")
def register(
    target: LedgerArg,
    key: Annotated[Path | None, typer.Option("--key", "-k", help="Take party and public key from a key file.")] = None,
    party: Annotated[str | None, typer.Option("--party", "-p", help="Party code (with --public-key).")] = None,
    public_key: Annotated[str | None, typer.Option(help="The party's public key, base64.")] = None,
    treaty: Annotated[str, typer.Option("--treaty", "-t", help="Treaty its notifications follow.")] = "new-start",
) -> None:
    """Register a party with its public key (from its key file, or given for the other party's ledger)."""
    if key is not None:
        k = load_key(key)
        code, raw = k.party, k.public_key
    elif party and public_key:
        code = party
        try:
            raw = base64.b64decode(public_key, validate=True)
        except ValueError:
            raise InputError("--public-key: not base64") from None
    else:
        raise InputError("give --key, or --party with --public-key")
    with _ledger(target) as ledger:
        ledger.register(code, raw, treaty)
    console.print(f"registered {code} ({fingerprint(raw)}) under {treaty}")


def _drafts(path: Path) -> list[dict[str, Any]]:
    """Notifications from a JSON array, a JSON Lines file, or a TOML file of [[notification]] tables."""
    if path.suffix.lower() == ".jsonl":
        drafts = []
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            if line.strip():
                value = parse_json(line, f"{path}:{number}")
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


@app.command("submit")
def submit(
    target: LedgerArg,
    files: Annotated[list[Path], typer.Argument(help="Notification files (.json, .jsonl, .toml).")],
    key: KeyOpt,
) -> None:
    """Validate, sign and append notifications; all of a file, or none of it."""
    k = load_key(key)
    with _ledger(target, [k]) as ledger:
        for path in files:
            accepted = ledger.submit(k.party, _drafts(path), str(path))
            if not accepted:
                console.print(f"{path}: nothing to append")
                continue
            console.print(f"{path}: appended {len(accepted)}, {k.party} #{accepted[0].seq}–#{accepted[-1].seq}")
            for a in accepted:
                for flag in a.flags:
                    console.print(f"  [yellow]{flag.kind}[/] #{a.seq}: {escape(flag.message)}")


@app.command("import-force")
def import_force(
    target: LedgerArg,
    force: Annotated[str, typer.Argument(help="Force file or shipped force name.")],
    key: KeyOpt,
    date: Annotated[str | None, typer.Option("--date", "-d", help="Effective date; default: the force's.")] = None,
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
    console.print(f"initial data for {k.party}: #{accepted[0].seq}, {f.items:,} items")


@app.command("log")
def log(
    target: LedgerArg,
    party: Annotated[str | None, typer.Option("--party", "-p", help="Only this party.")] = None,
    last: Annotated[int, typer.Option(help="Show the last N entries of each party.")] = 20,
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
        table = Table(title=f"Ledger {target}", title_justify="left")
        for col in ("party", "seq", "sent", "effective", "type", "hash"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["party"], str(r["seq"]), r["sent"], r["effective"], r["type"], r["hash"])
        console.print(table)


@app.command("show")
def show(target: LedgerArg, party: Annotated[str, typer.Argument()], seq: Annotated[int, typer.Argument()]) -> None:
    """One notification as signed, with its hash and signature."""
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
) -> None:
    """The whole history of one item."""
    from detente.ledger.replay import history

    with _open(target) as store:
        found = False
        for p in _parties(store, party):
            changes = history(store.entries(p), uid)
            if changes:
                found = True
                table = Table(title=f"{p} item {uid}", title_justify="left")
                for col in ("seq", "effective", "sent", "type", "what"):
                    table.add_column(col)
                for c in changes:
                    table.add_row(str(c.seq), c.effective, c.sent, c.type, c.summary)
                console.print(table)
        if not found:
            raise InputError(f"no notification mentions item {uid!r}")


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
            table = Table(title=f"{p} as of {when}", title_justify="left")
            statuses = sorted({st for v in systems.values() for st in v})
            table.add_column("system")
            for st in statuses:
                table.add_column(st, justify="right")
            for system, counts in sorted(systems.items()):
                table.add_row(system, *(str(counts.get(st, "")) for st in statuses))
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
    """The timeline, with a progress bar over the dates."""
    from detente.catalog.load import builtin_catalog
    from detente.ledger.timeline import data_dates, timeline

    when_list = dates if dates is not None else data_dates(store, reading.treaty)
    with Progress(
        TextColumn("replaying the ledger"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("dates", total=len(when_list))
        return timeline(store, reading, when_list, builtin_catalog(), lambda _: bar.advance(task))


VERDICT_RANK = {"over": 5, "within-range": 4, "within": 3, "not-in-force": 2, "expired": 1, "no-limit": 0}


def timeline_table(rows: list[TimelineRow], title: str) -> Table:
    """One row per date and party: each measure's count, '=' where it equals the official figure, and verdict."""
    measures = list(dict.fromkeys(r.measure for r in rows))
    table = Table(title=title, title_justify="left", caption="= equals the published figure; ≠ shows it")
    table.add_column("date")
    table.add_column("party")
    for m in measures:
        table.add_column(m, justify="right")
    table.add_column("verdict")
    by_key: dict[tuple[dt.date, str], dict[str, TimelineRow]] = {}
    for r in rows:
        by_key.setdefault((r.date, r.party), {})[r.measure] = r
    for (when, party), cells in by_key.items():
        shown = []
        for m in measures:
            r = cells[m]
            mark = "" if r.official is None else (" [green]=[/]" if r.agrees else f" [red]≠ {r.official:,}[/]")
            shown.append(f"{r.count:,}{mark}")
        worst = max(cells.values(), key=lambda r: VERDICT_RANK.get(r.verdict, 0)).verdict
        first = next(iter(cells.values()))
        silent = f" [yellow](silent: last data {first.last_update})[/]" if first.silent else ""
        table.add_row(str(when), party + silent, *shown, verdict_text(worst))
    return table


def build_demo(out: Path) -> SqlLedgerStore:
    """Build the illustrative demo ledger into a new SQLite file, with a progress bar; nothing is left on failure.

    The caller closes the store it returns.
    """
    from detente.catalog.load import builtin_catalog
    from detente.demo.ledger import build_demo_ledger, demo_keys  # a large module, demo only
    from detente.demo.plans import demo_dates
    from detente.ledger.writer import Ledger
    from detente.treaty.load import get_treaty

    if out.exists():
        raise InputError("already exists; refusing to touch an existing file", Location.of(out))
    store = open_store(str(out))
    try:
        with Progress(
            TextColumn("building the demo ledger"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=len(demo_dates()))
            build_demo_ledger(
                Ledger(store, demo_keys(), builtin_catalog(), get_treaty),
                lambda message: bar.update(task, advance=1, description=message[:10]),
            )
    except BaseException:
        store.close()
        for made in (out, out.with_name(out.name + "-wal"), out.with_name(out.name + "-shm")):
            made.unlink(missing_ok=True)
        raise
    return store


@app.command("demo")
def demo_ledger(out: Annotated[Path, typer.Argument(help="New SQLite file to build the demo ledger into.")]) -> None:
    """Build the ILLUSTRATIVE US and Russian New START ledgers, 2011–2023, into a new SQLite file."""
    with build_demo(out) as store:
        for record in store.parties():
            head = store.head(record.party)
            console.print(f"{record.party}: {head.seq if head else 0:,} notifications, signed with a public demo key")
    console.print(f"built {out}; try: detente ledger timeline {out}")


@app.command("diff")
def changes(
    target: LedgerArg,
    start: Annotated[str, typer.Option("--from", help="Earlier date.")],
    end: Annotated[str, typer.Option("--to", help="Later date.")],
    party: Annotated[str | None, typer.Option("--party", "-p")] = None,
) -> None:
    """What changed between two dates, item by item."""
    from detente.ledger.replay import diff

    with _open(target) as store:
        a, b = parse_date(start, None), parse_date(end, None)
        if b < a:
            raise InputError(f"--to {b} is before --from {a}")
        for before, after in zip(_states(store, party, a), _states(store, party, b), strict=True):
            differences = diff(before, after)
            table = Table(title=f"{before.party}: {len(differences)} items changed {a} → {b}", title_justify="left")
            for col in ("uid", str(a), str(b)):
                table.add_column(col)
            for d in differences[:200]:
                table.add_row(d.uid, d.before, d.after)
            console.print(table)


@app.command("verify")
def verify(target: LedgerArg, party: Annotated[str | None, typer.Option("--party", "-p")] = None) -> None:
    """Check every hash, link, signature and derived column; name the first bad entry (exit 2 if any)."""
    with _open(target) as store:
        records = {r.party: r for r in store.parties()}
        for p in _parties(store, party):
            head = store.head(p)
            columns = (TextColumn(f"verifying {p}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
                task = bar.add_task(p, total=head.seq if head else 0)
                n = 0
                try:
                    for n, _ in enumerate(verify_chain(store.entries(p), p, records[p].public_key), start=1):
                        if n % 1000 == 0:
                            bar.update(task, completed=n)
                except ChainError as exc:
                    raise InputError(f"verification failed: {exc}") from None
            key = fingerprint(records[p].public_key)
            console.print(f"[green]ok[/] {p}: {n:,} entries, chain and signatures verify ({key})")


@app.command("export")
def export(target: LedgerArg, out: Annotated[Path, typer.Argument(help="JSON Lines file to write.")]) -> None:
    """Export every party's entries, exactly as signed, to JSON Lines."""
    with _open(target) as store:
        if out.exists():
            raise InputError("already exists; refusing to overwrite", Location.of(out))
        records = store.parties()
        tmp = out.with_name(out.name + ".partial")
        with tmp.open("w", encoding="utf-8") as handle:
            for line in export_lines(records, (e for r in records for e in store.entries(r.party))):
                handle.write(line + "\n")
        tmp.rename(out)
        console.print(f"exported {target} → {out}")


@app.command("import")
def import_(target: LedgerArg, source: Annotated[Path, typer.Argument(help="JSON Lines export.")]) -> None:
    """Import an export: every line, link, signature and rule is checked before anything is written."""
    records, entries = read_export(read_text(source).splitlines(), str(source))
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
            added = ledger.import_entries(record, entries[record.party], alongside=alongside)
            console.print(f"{record.party}: {added:,} entries imported ({fingerprint(record.public_key)})")
