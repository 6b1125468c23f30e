"""``detente zk``: commit to each facility's counts, prove them within the limits, verify, open at an inspection.

Experimental (:mod:`detente.zk`). What each command takes as given, and from where:

1. ``commit`` counts the party's declared force at the start of the data date from the ledger, commits to every
   open facility and submits a ``commitments`` notification signed with the party's current key. The secret that
   opens the commitments is written to a file readable by its owner alone (mode 600) *before* the submit and put
   in place after it: a submit refused removes it (nothing was stored), one whose fate is unknown keeps it and
   says where. A key that is not the party's, an existing ``--secret`` file without ``--force``, or commitments
   already recorded at the date are refused before anything is written.
2. ``prove`` proves against the commitments the party's ledger recorded at the date, read from the ledger, never
   from a file; the secret must open every one of them.
3. ``verify`` reads the bundle strictly, then takes from the ledger, never from the bundle, the treaty the party
   is registered under, the entry the bundle names (its hash must be the bundle's, its type ``commitments``) and
   the commitments in it; every statement the content and the treaty call for is checked. A bundle that is not
   JSON is bad input (exit 2); one that is not a proof bundle, is about another party, treaty, date or entry, or
   whose proofs fail is a finding (exit 3).
4. ``open`` opens one facility and checks the opening against the ledger's commitments before writing it.
5. ``check-opening`` checks an opening against the commitments on the ledger (the party's, at the opening's data
   date, under its registered treaty) and the inspectors' findings; any discrepancy is a finding (exit 3).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from detente._files import parse_json, read_text
from detente.cli.common import (
    ForceOption,
    JsonOption,
    console,
    output_path,
    parse_date,
    plain,
    plain_lines,
    print_json,
    shown,
)
from detente.cli.ledger import LedgerArg, _ledger, _open
from detente.crypto.keys import PartyKey, fingerprint, load_key
from detente.errors import ConflictError, InputError, Location, OutputFileError, VerificationError

if TYPE_CHECKING:  # the commands import what they use when they run
    from detente.ledger.port import PartyRecord
    from detente.ledger.writer import Ledger
    from detente.store.ledger_store import SqlLedgerStore
    from detente.treaty.model import Treaty
    from detente.zk import FacilityCounts, Opening, OpeningDiscrepancy, Secret, Verdict

HELP = "Compliance proofs (experimental): commit per facility, prove within the limits, verify, open at an inspection."
app = typer.Typer(help=HELP, no_args_is_help=True)

PartyOpt = Annotated[str, typer.Option("--party", "-p", help="Party whose commitments.")]
DateOpt = Annotated[str, typer.Option("--date", "-d", help="The data date (YYYY-MM-DD).")]
SecretOpt = Annotated[Path, typer.Option("--secret", help="The secret file written by `zk commit`.")]
COMMITMENTS = "commitments"
DEMO_DATE = dt.date(2018, 2, 5)  # New START's central limits apply from this data exchange on
DEMO_PARTIES = ("US", "RU")


# ------------------------------------------------------------------------------------------------ shared glue


@dataclass(frozen=True)
class Recorded:
    """A party's commitments as its ledger recorded them: the entry and its content."""

    party: str
    seq: int
    hash: str
    content: dict[str, Any]
    sent: str = ""  # when the party sent them: commitments sent after an inspection began prove nothing about it

    @property
    def entry(self) -> tuple[int, str]:
        """(seq, hash): the entry the proofs bind."""
        return self.seq, self.hash


def _record(store: SqlLedgerStore, party: str) -> PartyRecord:
    records = store.parties()
    record = next((r for r in records if r.party == party), None)
    if record is None:
        known = ", ".join(r.party for r in records) or "none yet"
        raise InputError(f"party {party!r} is not registered in this ledger", Location(field="--party"),
                         f"registered: {known}")  # fmt: skip
    return record


def _treaty(record: PartyRecord) -> Treaty:
    from detente.treaty.load import get_treaty

    return get_treaty(record.treaty)


def _start(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def _committed_at(store: SqlLedgerStore, party: str, date: dt.date) -> int | None:
    """The sequence number of the party's commitments at the data date, if it recorded any."""
    from detente.ledger.replay import replay_store

    return replay_store(store, party, _start(date)).commitments.get(date.isoformat())


def _entry(store: SqlLedgerStore, party: str, seq: int) -> tuple[str, dict[str, Any]] | None:
    """The hash and the signed notification of the party's entry #seq, or None if the ledger has none."""
    entry = next(store.entries(party, seq, seq), None)
    return None if entry is None else (entry.hash_hex, entry.notification())


def _recorded(store: SqlLedgerStore, party: str, date: dt.date) -> Recorded:
    """The party's commitments at the data date, from its ledger; bad input if there are none."""
    seq = _committed_at(store, party, date)
    found = None if seq is None else _entry(store, party, seq)
    if seq is None or found is None:
        raise InputError(f"{party} has recorded no commitments at data date {date}", Location(field="--date"),
                         "commit first with `detente zk commit`")  # fmt: skip
    return Recorded(party, seq, found[0], found[1]["content"], found[1]["sent"])


def _read_secret(path: Path, party: str, date: dt.date | None = None) -> Secret:
    from detente.zk import Secret

    secret = Secret.from_json(_json(path))
    if secret.party != party:
        raise InputError(f"the secret is {secret.party}'s, not {party}'s", Location.of(path, None, "party"))
    if date is not None and secret.data_date != date.isoformat():
        raise InputError(f"the secret is of data date {secret.data_date}, not {date}", Location.of(path, None,
                         "data_date"))  # fmt: skip
    return secret


def _json(path: Path) -> Any:
    return parse_json(read_text(path), str(path))


def _write_json(path: Path, doc: Any) -> int:
    """Write a document whole or not at all (checked with ``output_path`` when the command started); its size."""
    data = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return len(data)


def _time(text: str | None, option: str) -> str:
    """``--sent`` as canonical UTC text; without it, now (the writer's clock)."""
    from detente.ledger.notifications import format_time, normalize_time

    if text is None:
        return format_time(dt.datetime.now(dt.UTC))
    value = normalize_time(text)
    try:
        if not isinstance(value, str) or not value.endswith("Z"):
            raise ValueError(value)
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got {text!r}", Location(field=option)) from None
    return value


# ------------------------------------------------------------------------------------------------ commit


@dataclass(frozen=True)
class Committed:
    """What ``commit`` recorded: the entry, what it commits to, and where the secret is kept."""

    party: str
    date: dt.date
    seq: int
    hash: str
    facilities: dict[str, int]  # facility → declared capacity (public)
    measures: tuple[str, ...]
    secret: Path
    counts: FacilityCounts  # the party's own numbers: never printed


def _capacities(pairs: list[str] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for pair in pairs or []:
        facility, sep, value = pair.partition("=")
        n = int(value) if value.isascii() and value.isdigit() else -1
        if not sep or not facility or n < 0:
            raise InputError(f"expected FACILITY=N with a whole number N, got {pair!r}", Location(field="--capacity"))
        if facility in out:
            raise InputError(f"facility {facility!r} is given twice", Location(field="--capacity"))
        out[facility] = n
    return out


def _check_party(key: PartyKey, party: str) -> None:
    if key.party != party:
        raise InputError(f"the key is {key.party}'s, not {party}'s: nothing was written or submitted",
                         Location(field="--key"))  # fmt: skip


def _check_key(ledger: Ledger, key: PartyKey, party: str) -> None:
    """The key signs for the party now (its registered key, or the one its last rotation named)."""
    _check_party(key, party)
    ledger.signer(party)  # a LedgerError naming the key wanted, if this is not it


def _keep_secret(path: Path, text: str) -> Path:
    """Write the secret to a new temporary file beside ``path``, mode 600 from its creation, flushed to disk."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)  # O_EXCL, mode 600
    kept = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        kept.unlink(missing_ok=True)
        raise
    return kept


def _put_in_place(kept: Path, path: Path, force: bool, recorded: str) -> None:
    """Rename the kept secret to ``path``; if that fails, the secret stays where it is and the error says where."""
    try:
        if path.exists() and not force:  # made since the command started: never overwritten without --force
            raise FileExistsError(path)
        kept.replace(path)
    except OSError:
        raise OutputFileError(
            f"the commitments are recorded ({recorded}), but the secret could not be put here; it is kept in {kept}",
            Location.of(path),
            f"move {kept} to where you keep secrets: it alone opens the commitments",
        ) from None
    with contextlib.suppress(OSError):  # the rename itself on disk too, where the system allows it
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _commit(
    ledger: Ledger,
    key: PartyKey,
    party: str,
    date: dt.date,
    capacities: Mapping[str, int],
    sent: str | None,
    secret_path: Path,
    force: bool,
) -> Committed:
    """Count the party's facilities at the data date, commit, keep the secret, submit, and put the secret in place.

    ``secret_path`` was checked by the caller before any work. ``sent`` None: the party's last notification's time.
    """
    from detente.zk import commit, default_capacities, facility_counts, force_at, warheads_measure

    _check_key(ledger, key, party)
    state = ledger.state(party)
    first = state.commitments.get(date.isoformat())
    if first is not None:
        raise InputError(f"{party} committed at data date {date} already, in #{first}: a party commits once per "
                         "data date", Location(field="--date"), f"#{first} stands; prove from it")  # fmt: skip
    treaty = _treaty(ledger.party(party))
    force_then = force_at(ledger.store, party, date, ledger.catalog_of(party))
    counts = facility_counts(force_then, party, treaty)
    declared = default_capacities(force_then, party, treaty)
    unknown = sorted(set(capacities) - set(declared))
    if unknown:
        raise InputError(f"{party} had no open facility {unknown[0]!r} at {date}", Location(field="--capacity"),
                         f"its facilities: {', '.join(declared)}")  # fmt: skip
    declared.update(capacities)
    warheads = warheads_measure(treaty)
    for facility, capacity in capacities.items():
        if warheads is not None and counts.counts[facility][warheads] > capacity:
            raise InputError(
                f"facility {facility!r} holds more {warheads} than the capacity {capacity:,} given: no proof could "
                "ever be made from these commitments, and a party commits once per data date",
                Location(field="--capacity"),
                "give a capacity at least as large as what the facility holds",
            )
    content, secret = commit(counts, declared, treaty.id, party, date)
    draft = {"type": COMMITMENTS, "sent": sent or state.last_sent, "effective": _start(date), "content": content}
    kept = _keep_secret(secret_path, json.dumps(secret.to_json(), indent=2) + "\n")
    try:
        [accepted] = ledger.submit(party, [draft], f"commitments at {date}")
    except (InputError, ConflictError):  # refused before anything was stored: the secret opens nothing
        kept.unlink(missing_ok=True)
        raise
    except BaseException as exc:  # the store may have kept the entry: so the secret is kept too
        exc.add_note(f"the secret is kept in {kept}: if {party}'s ledger holds commitments at {date} "
                     f"(`detente ledger log`), keep it as {secret_path}; if not, delete it")  # fmt: skip
        raise
    _put_in_place(kept, secret_path, force, f"{party} #{accepted.seq}")
    return Committed(party, date, accepted.seq, accepted.hash, declared, counts.measures, secret_path, counts)


@app.command("commit")
def commit_cmd(
    target: LedgerArg,
    party: PartyOpt,
    date: DateOpt,
    key: Annotated[Path, typer.Option("--key", "-k", help="The party's key file: it signs the commitments.")],
    secret: Annotated[
        Path, typer.Option("--secret", help="Where to keep the secret (values, blindings): never share it.")
    ],
    capacity: Annotated[
        list[str] | None,
        typer.Option("--capacity", help="FACILITY=N: declare N warheads as the facility's capacity (repeatable)."),
    ] = None,
    sent: Annotated[
        str | None, typer.Option("--sent", help="When the commitments are sent (YYYY-MM-DD[THH:MM:SSZ]); default: now.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --secret file if it exists.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Commit to the party's counts per facility at a data date, record them on its ledger, keep the secret.

    Each open facility's count of each treaty measure (the declared force at the start of the date) and its
    capacity (by default the most warheads its launchers and bombers could carry); the secret file is mode 600.
    """
    output_path(secret, force)
    when = parse_date(date, None)
    capacities = _capacities(capacity)
    sent_at = _time(sent, "--sent")
    k = load_key(key)
    _check_party(k, party)  # before the ledger is opened for writing
    with _ledger(target, [k]) as ledger:
        made = _commit(ledger, k, party, when, capacities, sent_at, secret, force)
    facts = {"party": party, "data_date": str(when), "seq": made.seq, "hash": made.hash,
             "measures": list(made.measures), "facilities": made.facilities, "secret": str(secret)}  # fmt: skip
    if as_json:
        print_json(facts)
        return
    console.print(f"committed {shown(party)} #{made.seq} ({made.hash[:16]}…) at data date {when}, signed "
                  f"{fingerprint(k.public_key)}: {len(made.facilities)} facilities × {len(made.measures)} measures "
                  f"({shown(', '.join(made.measures))})")  # fmt: skip
    console.print(plain(f"  facilities (capacity): {', '.join(f'{f} ({c:,})' for f, c in made.facilities.items())}"))
    console.print(f"  secret kept in {shown(secret)} (mode 600): it opens every commitment, never share it")


# ------------------------------------------------------------------------------------------------ prove


def _prove(store: SqlLedgerStore, party: str, date: dt.date, secret: Secret) -> tuple[Recorded, dict[str, Any]]:
    from detente.zk import prove

    treaty = _treaty(_record(store, party))
    recorded = _recorded(store, party, date)
    return recorded, prove(recorded.content, secret, treaty, recorded.entry)


@app.command("prove")
def prove_cmd(
    target: LedgerArg,
    party: PartyOpt,
    date: DateOpt,
    secret: SecretOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="The proof bundle to write (JSON).")],
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Prove the party's commitments at a data date within the treaty's limits and each facility's capacity."""
    output_path(out, force)
    when = parse_date(date, None)
    kept = _read_secret(secret, party, when)
    started = time.perf_counter()
    with _open(target) as store:
        recorded, bundle = _prove(store, party, when, kept)
    seconds = time.perf_counter() - started
    size = _write_json(out, bundle)
    facts = {"party": party, "data_date": str(when), "entry": {"seq": recorded.seq, "hash": recorded.hash},
             "statements": len(bundle["statements"]), "bytes": size, "seconds": round(seconds, 2),
             "file": str(out)}  # fmt: skip
    if as_json:
        print_json(facts)
        return
    console.print(f"proved {shown(party)}'s commitments #{recorded.seq} at {when}: {len(bundle['statements'])} "
                  f"statements in {seconds:.1f} s; wrote {shown(out)} ({size:,} bytes)")  # fmt: skip


# ------------------------------------------------------------------------------------------------ verify


@dataclass(frozen=True)
class Checked:
    """A bundle checked against a ledger: what it was held against, and the verdict."""

    party: str
    treaty: str
    data_date: str
    entry: tuple[int, str]
    problems: tuple[str, ...]
    verdict: Verdict | None  # None when the entry the bundle names is not the party's commitments

    @property
    def ok(self) -> bool:
        """Whether the bundle proves the recorded commitments within the limits."""
        return not self.problems and self.verdict is not None and self.verdict.ok

    def reasons(self) -> list[str]:
        """Every reason it does not hold, the bundle's as a whole first."""
        verdict = self.verdict
        if verdict is None:
            return list(self.problems)
        failed = [f"{c.statement.describe()}: {c.reason}" for c in verdict.failures]
        return [*self.problems, *verdict.problems, *failed]

    def as_json(self) -> dict[str, Any]:
        """The result as ``zk verify --json`` prints it."""
        checks = [] if self.verdict is None else self.verdict.checks
        return {
            "party": self.party, "treaty": self.treaty, "data_date": self.data_date,
            "entry": {"seq": self.entry[0], "hash": self.entry[1]}, "ok": self.ok,
            "problems": [*self.problems, *(() if self.verdict is None else self.verdict.problems)],
            "statements": [{"kind": c.statement.kind, "facility": c.statement.facility,
                            "measure": c.statement.measure, "bound": c.statement.bound, "k": c.statement.k,
                            "statement": c.statement.describe(), "ok": c.ok, "reason": c.reason or None}
                           for c in checks],
            "verdict": self.verdict_line(),
        }  # fmt: skip

    def verdict_line(self) -> str:
        """The verdict in one line."""
        if self.ok and self.verdict is not None:
            return f"the proofs hold: {len(self.verdict.checks)} statements verified"
        n = len(self.reasons())
        return f"the proofs do not hold: {n} problem{'' if n == 1 else 's'}"


def _verify(store: SqlLedgerStore, party: str, date: dt.date, doc: Any) -> Checked:
    """Check a bundle (as parsed JSON) against the party's commitments at the date the verifier names.

    The verifier names the date, never the bundle: a bundle of another date (one where no limit bound, say) must not
    pass for this one. The commitments are the party's at that date on the ledger; the bundle must name that entry.
    """
    from detente.zk import read_bundle, verify

    bundle = read_bundle(doc)  # a VerificationError naming the field: not a proof bundle
    treaty = _treaty(_record(store, party))
    problems = []
    if bundle.party != party:
        problems.append(f"the bundle is about party {bundle.party}, not {party}")
    if bundle.data_date != date.isoformat():
        problems.append(f"the bundle is of data date {bundle.data_date}, not {date}, the date being verified")
    if problems:
        return Checked(party, treaty.id, bundle.data_date, bundle.entry, tuple(problems), None)
    recorded = _recorded(store, party, date)  # bad input if the party has no commitments at the date
    if bundle.entry != recorded.entry:
        seq, claimed = bundle.entry
        problems.append(f"the bundle names entry #{seq} ({claimed[:16]}…), not {party}'s commitments at {date}, "
                        f"#{recorded.seq} ({recorded.hash[:16]}…)")  # fmt: skip
    if problems:
        return Checked(party, treaty.id, bundle.data_date, bundle.entry, tuple(problems), None)
    verdict = verify(bundle, recorded.content, treaty, recorded.entry, party=party)
    return Checked(party, treaty.id, date.isoformat(), recorded.entry, (), verdict)


def _verification_failed(checked: Checked) -> VerificationError:
    reasons = checked.reasons()
    more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return VerificationError(f"{checked.party}'s proofs do not hold: {reasons[0] if reasons else 'none'}{more}")


@app.command("verify")
def verify_cmd(
    target: LedgerArg,
    proof: Annotated[Path, typer.Argument(help="The proof bundle (from `zk prove`).")],
    party: PartyOpt,
    date: DateOpt,
    as_json: JsonOption = False,
) -> None:
    """Verify a proof bundle against the party's commitments at the date on the ledger, under its treaty.

    The date is the verifier's: a bundle of another date is refused. Each statement with its result, and the
    verdict: exit 0 if the proofs hold, 3 if not.
    """
    doc = _json(proof)  # not JSON: bad input (exit 2)
    started = time.perf_counter()
    with _open(target) as store:
        checked = _verify(store, party, parse_date(date, None), doc)
    seconds = time.perf_counter() - started
    if as_json:
        print_json({**checked.as_json(), "seconds": round(seconds, 2)})
    else:
        _show_checked(checked, seconds)
    if not checked.ok:
        raise _verification_failed(checked)


def _show_checked(checked: Checked, seconds: float) -> None:
    seq, entry_hash = checked.entry
    title = f"{checked.party}'s commitments #{seq} ({entry_hash[:16]}…) at {checked.data_date} under {checked.treaty}"
    table = Table(title=plain(title), title_justify="left")
    for column in ("statement", "", "reason"):
        table.add_column(column)
    for check in () if checked.verdict is None else checked.verdict.checks:
        mark = "[green]ok[/]" if check.ok else "[bold red]fails[/]"
        table.add_row(plain(check.statement.describe()), mark, plain(check.reason))
    if table.row_count:
        console.print(table)
    else:
        console.print(plain(title))
    for problem in checked.problems + (() if checked.verdict is None else checked.verdict.problems):
        console.print(f"  [bold red]problem[/]: {shown(problem)}")
    style = "green" if checked.ok else "bold red"
    console.print(f"[{style}]{shown(checked.verdict_line())}[/] ({seconds:.1f} s)")


# ------------------------------------------------------------------------------------------------ openings


def _opening(store: SqlLedgerStore, party: str, date: dt.date, secret: Secret, facility: str) -> Opening:
    """The opening of one facility, checked against the party's commitments on the ledger."""
    from detente.zk import check_opening, open_facility

    recorded = _recorded(store, party, date)
    opening = open_facility(secret, facility)
    wrong = check_opening(opening, recorded.content)
    if wrong:
        raise InputError(f"the secret does not open {party}'s commitments #{recorded.seq} at {facility}: "
                         f"{wrong[0].describe(party)}", Location(field="--secret"),
                         "open with the secret `zk commit` wrote for these commitments")  # fmt: skip
    return opening


@app.command("open")
def open_cmd(
    target: LedgerArg,
    party: PartyOpt,
    date: DateOpt,
    secret: SecretOpt,
    facility: Annotated[
        str, typer.Option("--facility", help="The facility inspected; `total` opens the sums over facilities.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The opening to hand to the inspectors (JSON).")],
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Open one facility's commitments for an inspection: its counts and blindings, and nothing of any other."""
    output_path(out, force)
    when = parse_date(date, None)
    kept = _read_secret(secret, party, when)
    with _open(target) as store:
        opening = _opening(store, party, when, kept, facility)
    _write_json(out, opening.to_json())
    if as_json:
        print_json({"party": party, "data_date": str(when), "facility": facility, "values": dict(opening.values),
                    "file": str(out)})  # fmt: skip
        return
    values = ", ".join(f"{m} {v:,}" for m, v in opening.values.items())
    console.print(f"opened {shown(party)} at {shown(facility)} ({shown(values)}), checked against the ledger; "
                  f"wrote {shown(out)}")  # fmt: skip


def _findings(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    doc = _json(path)
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object: measure → the number counted at the facility", Location.of(path))
    return doc


def _check_opening(
    store: SqlLedgerStore, party: str, date: dt.date, doc: Any, findings: dict[str, Any] | None
) -> tuple[Opening, Recorded, list[OpeningDiscrepancy]]:
    """The opening (as parsed JSON) against the party's commitments on the ledger, and the findings."""
    from detente.zk import Opening, check_opening

    opening = Opening.from_json(doc)  # a VerificationError naming the field
    record = _record(store, party)
    if opening.party != party:
        raise VerificationError(f"the opening is of {opening.party}'s commitments, not {party}'s")
    if opening.treaty != record.treaty:
        raise VerificationError(f"the opening is under {opening.treaty}, not {record.treaty}, {party}'s treaty")
    recorded = _recorded(store, party, date)  # the inspectors' date: commitments made since cannot stand in
    return opening, recorded, check_opening(opening, recorded.content, findings)


def _discrepancy_json(d: OpeningDiscrepancy, party: str) -> dict[str, str]:
    return {"kind": d.kind, "facility": d.facility, "measure": d.measure, "declared": d.declared, "found": d.found,
            "message": d.describe(party)}  # fmt: skip


@app.command("check-opening")
def check_opening_cmd(
    target: LedgerArg,
    opening: Annotated[Path, typer.Argument(help="The opening (from `zk open`).")],
    party: PartyOpt,
    date: DateOpt,
    findings: Annotated[
        Path | None, typer.Option("--findings", help="JSON object: measure → the number counted at the facility.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check an opening against the party's commitments at the date on the ledger and what the inspectors counted.

    The date is the inspectors' (the data date the inspection checks): an opening of other commitments, made since,
    is a discrepancy (other date). Each discrepancy (not committed, other date, not opened, does not open, wrong
    count): exit 3 if any.
    """
    counted = _findings(findings)
    doc = _json(opening)
    with _open(target) as store:
        opened, recorded, found = _check_opening(store, party, parse_date(date, None), doc, counted)
    if as_json:
        print_json({"party": party, "facility": opened.facility, "data_date": opened.data_date,
                    "entry": {"seq": recorded.seq, "hash": recorded.hash, "sent": recorded.sent},
                    "values": dict(opened.values),
                    "findings": counted, "ok": not found,
                    "discrepancies": [_discrepancy_json(d, party) for d in found]})  # fmt: skip
    else:
        values = ", ".join(f"{m} {v:,}" for m, v in opened.values.items())
        console.print(f"opening of {shown(party)} at {shown(opened.facility)} ({shown(values)}) against "
                      f"commitments #{recorded.seq} at {shown(opened.data_date)}, sent {shown(recorded.sent)} "
                      "(before the inspection, or they prove nothing about it)")  # fmt: skip
        for d in found:
            console.print(f"  [bold red]{shown(d.kind)}[/] {shown(d.describe(party))}")
        if not found:
            agree = " and agrees with the findings" if counted else ""
            console.print(f"  [green]no discrepancy[/]: it opens the recorded commitments{agree}")
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise VerificationError(f"the opening does not hold: {found[0].describe(party)}{more}")


# ------------------------------------------------------------------------------------------------ demo


def _demo_base(made: Committed, store: SqlLedgerStore) -> str:
    """The ICBM base holding the most deployed warheads (then the first by id): the one inspected."""
    from detente.catalog.load import builtin_catalog
    from detente.forces.vocabulary import FacilityKind
    from detente.zk import force_at

    force = force_at(store, made.party, made.date, builtin_catalog())
    bases = [f.id for f in force.facilities if f.party == made.party and f.kind is FacilityKind.ICBM_BASE]
    counts = made.counts.counts
    loaded = [b for b in bases if counts[b].get("deployed-delivery-vehicles", 0) > 0]
    if not loaded:
        raise InputError(f"{made.party} has no ICBM base with deployed missiles at {made.date}")
    return min(loaded, key=lambda b: (-counts[b].get("warheads", 0), b))


@app.command("demo")
def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to write the ledger and files (default: a temporary folder).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Commit, prove and verify each party's ILLUSTRATIVE 2018-02-05 data exchange; open a Russian base.

    On the demo ledger (public demo keys): each party commits per base, proves within New START's limits, and the
    other party verifies from the ledger and the bundle alone; then an inspection opens one Russian ICBM base, with
    findings as declared and with one warhead more.
    """
    from detente.cli.ledger import build_demo
    from detente.demo.ledger import demo_key

    folder = directory or Path(tempfile.mkdtemp(prefix="detente-zk-"))
    folder.mkdir(parents=True, exist_ok=True)
    ledger_file = folder / "demo-ledger.sqlite"
    files = {p: (folder / f"{p}.zk-secret.json", folder / f"{p}.zk-proof.json") for p in DEMO_PARTIES}
    opening_file = folder / "RU.zk-opening.json"
    for path in (ledger_file, *(f for pair in files.values() for f in pair), opening_file):
        output_path(path, False)  # every file checked before the ledger is built
    build_demo(ledger_file, quiet=True).close()
    target = str(ledger_file)
    rows: list[dict[str, Any]] = []
    made: dict[str, Committed] = {}
    for party in DEMO_PARTIES:
        secret_file, proof_file = files[party]
        started = time.perf_counter()
        with _ledger(target, [demo_key(party)]) as ledger:  # sent as of the demo ledger's last notification
            made[party] = _commit(ledger, demo_key(party), party, DEMO_DATE, {}, None, secret_file, False)
        committed = time.perf_counter()
        with _open(target) as store:
            _, bundle = _prove(store, party, DEMO_DATE, _read_secret(secret_file, party, DEMO_DATE))
        size = _write_json(proof_file, bundle)
        proved = time.perf_counter()
        with _open(target) as store:  # as the other party would: the ledger and the bundle, nothing else
            checked = _verify(store, party, DEMO_DATE, _json(proof_file))
        verified = time.perf_counter()
        rows.append({
            "party": party, "entry": {"seq": made[party].seq, "hash": made[party].hash},
            "facilities": len(made[party].facilities), "measures": list(made[party].measures),
            "statements": len(bundle["statements"]),
            "seconds": {"commit": round(committed - started, 2), "prove": round(proved - committed, 2),
                        "verify": round(verified - proved, 2)},
            "bundle_bytes": size, "ok": checked.ok, "verdict": checked.verdict_line(),
        })  # fmt: skip
    with _open(target) as store:
        base = _demo_base(made["RU"], store)
        opening = _opening(store, "RU", DEMO_DATE, _read_secret(files["RU"][0], "RU", DEMO_DATE), base)
        _write_json(opening_file, opening.to_json())
        declared = dict(made["RU"].counts.counts[base])
        one_more = {**declared, "warheads": declared["warheads"] + 1}
        cases = []
        for case, counted in (("as declared", declared), ("one warhead more", one_more)):
            _, _, found = _check_opening(store, "RU", DEMO_DATE, _json(opening_file), counted)
            cases.append({"case": case, "findings": counted,
                          "discrepancies": [_discrepancy_json(d, "RU") for d in found]})  # fmt: skip
        again = _verify(store, "RU", DEMO_DATE, _json(files["RU"][1]))
    others = [] if again.verdict is None else [c for c in again.verdict.checks if c.statement.facility != base]
    facts = {
        "illustrative": True, "directory": str(folder), "ledger": target, "data_date": str(DEMO_DATE),
        "parties": rows,
        "inspection": {"party": "RU", "facility": base, "opening": str(opening_file), "cases": cases,
                       "others": {"statements": len(others), "ok": again.ok and all(c.ok for c in others)}},
    }  # fmt: skip
    if as_json:
        print_json(facts)
        return
    _show_demo(facts)


def _show_demo(facts: dict[str, Any]) -> None:
    table = Table(
        title=f"ILLUSTRATIVE: compliance proofs of the {facts['data_date']} data exchange under New START",
        title_justify="left",
        caption="demo ledger, public demo keys; each party's bundle verified from the ledger and the bundle alone",
    )
    for column in (
        "party",
        "entry",
        "facilities",
        "statements",
        "commit s",
        "prove s",
        "verify s",
        "bundle",
        "verdict",
    ):
        table.add_column(column, justify="right" if column not in ("party", "verdict") else "left")
    for row in facts["parties"]:
        s = row["seconds"]
        style = "green" if row["ok"] else "bold red"
        table.add_row(plain(row["party"]), f"#{row['entry']['seq']}", str(row["facilities"]), str(row["statements"]),
                      f"{s['commit']:.2f}", f"{s['prove']:.2f}", f"{s['verify']:.2f}",
                      f"{row['bundle_bytes'] / 1024:,.0f} KiB", f"[{style}]{shown(row['verdict'])}[/]")  # fmt: skip
    console.print(table)
    inspection = facts["inspection"]
    table = Table(
        title=plain(f"ILLUSTRATIVE: an inspection opens {inspection['party']} at {inspection['facility']}"),
        title_justify="left",
    )
    for column in ("inspectors found", "counted", "discrepancies"):
        table.add_column(column)
    for case in inspection["cases"]:
        counted = ", ".join(f"{m} {n:,}" for m, n in case["findings"].items())
        found = (
            plain_lines((d["message"] for d in case["discrepancies"]), "bold red")
            if case["discrepancies"]
            else ("[green]none[/]")
        )
        table.add_row(plain(case["case"]), plain(counted), found)
    console.print(table)
    others = inspection["others"]
    mark = "[green]still verify[/]" if others["ok"] else "[bold red]do not verify[/]"
    console.print(f"after the opening, RU's other {others['statements']} statements (the other bases and the "
                  f"totals) {mark}: the opening shows one base and nothing of the others")  # fmt: skip
    console.print(f"ILLUSTRATIVE files in {shown(facts['directory'])}: try `detente zk verify "
                  f"{shown(facts['ledger'])} {shown(facts['directory'])}/US.zk-proof.json --party US`")  # fmt: skip
