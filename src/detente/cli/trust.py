"""``detente trust``: checkpoints, cosignatures, inclusion and consistency proofs, evidence, escrow.

Every claim these commands print says no more than was checked:

- A proof is written with the checkpoint the log signed (``c2sp.org/tlog-proof@v1`` for inclusion,
  ``detente/consistency-proof@v1`` for consistency, :mod:`detente.crypto.note` rules 8–10), and ``verify``
  accepts it only against a log key the *verifier* names with ``--log-key``, whose name must be the log's origin.
  Roots written beside a proof are never trusted: there are none.
- ``cosign`` cosigns only a checkpoint shown to extend the last one it cosigned; evidence is written only for a
  fork, the one finding made wholly of what the log signed. ``check-evidence`` checks it against the key you give.
- ``escrow-*`` commit to per-facility counts, and an opening must reveal every item committed at its facility.

A check that fails raises :class:`~detente.errors.VerificationError`; bad input raises an
:class:`~detente.errors.InputError`.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from detente._files import parse_json, read_text
from detente.cli.common import ForceOption, console, output_path, plain, print_json, shown
from detente.cli.ledger import LedgerArg, _open
from detente.crypto.canonical import canonical
from detente.crypto.keys import fingerprint, load_key
from detente.crypto.note import (
    CONSISTENCY_PROOF,
    COSIGNATURE_V1,
    NOTE_SIGNATURE,
    TLOG_PROOF,
    SignedNote,
    TlogConsistency,
    Verifier,
    parse_note,
    parse_tlog_consistency,
    parse_tlog_proof,
    parse_verifier_key,
    verifier_key,
    verify_checkpoint,
    verify_tlog_consistency,
    verify_tlog_proof,
)
from detente.crypto.stored_tree import StoredTree
from detente.errors import (
    EscrowError,
    FileFormatError,
    InputError,
    Location,
    MisbehaviourError,
    NoteError,
    OutputFileError,
    VerificationError,
)
from detente.ledger.checkpoints import checkpoint_note, inclusion_proof, log_origin
from detente.ledger.port import PartyRecord
from detente.store.ledger_store import SqlLedgerStore
from detente.trust.escrow import Commitment, Escrow, EscrowVerifier, check_as_of, opening_from_json, opening_to_json
from detente.trust.witness import Witness, check_evidence

app = typer.Typer(help="Checkpoints, cosignatures, proofs, evidence and escrowed declarations.", no_args_is_help=True)

PartyOpt = Annotated[str, typer.Option("--party", "-p", help="Party whose log.")]
KeyOpt = Annotated[Path, typer.Option("--key", "-k", help="Your key file.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")]
LogKeyOpt = Annotated[
    str,
    typer.Option(
        help="The log's key as YOU know it: a verifier key NAME+KEYID+BASE64 (`detente trust log-key`), a file "
        "holding one, or the public key in base64 (or a key file) with --log-name."
    ),
]
LogNameOpt = Annotated[
    str | None, typer.Option(help="The log's key name (its origin), when --log-key is a bare key or a key file.")
]
SignKeyOpt = Annotated[
    Path | None, typer.Option("--key", "-k", help="Sign the checkpoint(s) now with the party's key file.")
]


def record_of(store: SqlLedgerStore, party: str) -> PartyRecord:
    """The registered party, or an error naming the parties there are."""
    records = store.parties()
    record = next((r for r in records if r.party == party), None)
    if record is None:
        known = ", ".join(r.party for r in records) or "none yet"
        raise InputError(f"party {party!r} is not registered in this ledger", hint=f"registered: {known}")
    return record


def origin_of(store: SqlLedgerStore, party: str) -> str:
    """The log's origin line: detente/TREATY/PARTY."""
    return log_origin(record_of(store, party))


def ledger_tree(store: SqlLedgerStore, party: str) -> StoredTree:
    """The RFC 9162 tree over a party's entries as the ledger stores it: one leaf per entry, its signed payload."""
    record_of(store, party)
    return StoredTree(store, party)


def _out(out: Path | None, force: bool) -> Path | None:
    """The ``--out`` file, checked before any work (see :func:`detente._files.check_output`); None: standard output."""
    return None if out is None else output_path(out, force)


def _write(out: Path | None, text: str) -> None:
    """Write what a command made to ``out`` (checked by :func:`_out` when the command started), or print it."""
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, "utf-8")
    console.print(f"wrote {shown(out)}")


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long or with a NUL byte is no file
        return False


def _named_key(spec: str, name: str | None, kind: int, option: str) -> Verifier:
    """A key the user names (see :data:`LogKeyOpt`): who signs, under which name, with which public key."""
    where = Location(field=option)
    text = spec.strip()
    if _is_file(text):
        content = read_text(Path(text))
        if content.lstrip().startswith("{"):  # a detente key file: only its public key is used
            if name is None:
                raise InputError("a key file holds no key name; give --log-name too, or a verifier key", where)
            return Verifier(name, load_key(Path(text)).public_key, kind)
        text = content.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b""
    bare = len(raw) == 32
    if not bare or name is None:
        try:
            verifier = parse_verifier_key(text)
        except NoteError as exc:
            if bare:
                why = "a bare public key names no log: give --log-name too, or a verifier key"
            elif name is not None:
                why = f"not a verifier key ({exc.why}), nor the base64 of a 32-byte Ed25519 public key"
            else:
                why = exc.why if text.count("+") >= 2 else f"{exc.why}, or a base64 key with --log-name"
            raise InputError(why, where) from None
        if verifier.kind != kind:
            wanted = "a log's (type 0x01)" if kind == NOTE_SIGNATURE else "a cosigner's (type 0x04)"
            raise InputError(f"the verifier key of {verifier.name!r} is not {wanted}", where)
        if name is not None and name != verifier.name:
            raise InputError(f"the verifier key is named {verifier.name!r}, not {name!r}", where)
        return verifier
    return Verifier(name, raw, kind)


def _log_key(log_key: str, log_name: str | None) -> Verifier:
    return _named_key(log_key, log_name, NOTE_SIGNATURE, "--log-key")


def _witnesses(specs: list[str] | None) -> tuple[Verifier, ...]:
    out = []
    for spec in specs or []:
        name, equals, key64 = spec.partition("=")
        if equals and "+" not in name:  # NAME=BASE64
            out.append(_named_key(key64, name, COSIGNATURE_V1, "--witness"))
        else:
            out.append(_named_key(spec, None, COSIGNATURE_V1, "--witness"))
    return tuple(out)


def _cosigners(cosigned: dict[str, int]) -> str:
    return ", ".join(f"{shown(name)} (at {when})" for name, when in cosigned.items()) or "no witness you named"


def _json_object(path: Path) -> dict[str, Any]:
    doc = parse_json(read_text(path), str(path))
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object", Location.of(path))
    return doc


def _parsed_note(text: str, where: Path) -> SignedNote:
    try:
        note = parse_note(text)
        note.checkpoint()
    except NoteError as exc:
        raise NoteError(exc.why, Location.of(where)) from None
    return note


# ------------------------------------------------------------------------------------------------ the log's side


@app.command("checkpoint")
def checkpoint(target: LedgerArg, key: KeyOpt, out: OutOpt = None, force: ForceOption = False) -> None:
    """Issue a signed checkpoint (C2SP) of your party's log at its current size."""
    out = _out(out, force)
    k = load_key(key)
    with _open(target) as store:
        record = record_of(store, k.party)
        if record.public_key != k.public_key:
            raise InputError(f"the key {fingerprint(k.public_key)} is not {k.party}'s registered key")
        tree = ledger_tree(store, k.party)
        _write(out, checkpoint_note(record, tree.size, tree.root(), k).note)


@app.command("log-key")
def log_key_command(target: LedgerArg, party: PartyOpt, out: OutOpt = None, force: ForceOption = False) -> None:
    """The verifier key (NAME+KEYID+BASE64) of a party's log, from its registered key: what verifiers name."""
    out = _out(out, force)
    with _open(target) as store:
        record = record_of(store, party)
        _write(out, verifier_key(Verifier(log_origin(record), record.public_key)) + "\n")


def _tree_size(tree: StoredTree, party: str, size: int | None, option: str) -> int:
    """The size a proof is asked at: the log's current size by default, and never beyond it."""
    n = tree.size if size is None else size
    if not 0 <= n <= tree.size:
        raise InputError(f"{party}'s log has {tree.size:,} entries; there is no size {n:,}", Location(field=option))
    return n


def _recorded(store: SqlLedgerStore, record: PartyRecord, size: int | None, covering: int, option: str) -> str:
    """The recorded checkpoint at ``size``, or the latest one covering entry #covering: its note."""
    recorded = store.checkpoints(record.party)
    if size is None:
        chosen = [k for k in recorded if k.size >= covering]
        wanted = f"covering entry #{covering}" if covering else ""
    else:
        chosen = [k for k in recorded if k.size == size]
        wanted = f"at size {size:,}"
    if not chosen:
        sizes = ", ".join(f"{k.size:,}" for k in recorded) or "none"
        raise InputError(
            f"{record.party} has no recorded checkpoint {wanted}".rstrip(),
            Location(field=option),
            f"recorded at sizes: {sizes}; sign one now with --key, or give a signed one",
        )
    return max(chosen, key=lambda k: k.size).note


def _signed_checkpoint(
    store: SqlLedgerStore,
    record: PartyRecord,
    tree: StoredTree,
    size: int | None,
    key: Path | None,
    note_file: Path | None = None,
    covering: int = 0,
    option: str = "--size",
) -> SignedNote:
    """A checkpoint of the party's log that verifies with its registered key and has the stored root.

    From ``note_file`` (kept verbatim, cosignatures and all), signed now with ``key``, or recorded by the ledger.
    """
    log = Verifier(log_origin(record), record.public_key)
    if note_file is not None:
        note = _parsed_note(read_text(note_file), note_file)
        if size is not None and note.checkpoint().size != size:
            raise InputError(
                f"the checkpoint is at size {note.checkpoint().size:,}, not {size:,}", Location.of(note_file)
            )
        verify_checkpoint(note, log)  # a note that does not verify is a finding (exit 3), not bad input
        source = f"the checkpoint in {note_file}"
    elif key is not None:
        k = load_key(key)
        if (k.party, k.public_key) != (record.party, record.public_key):
            raise InputError(f"the key {fingerprint(k.public_key)} is not {record.party}'s registered key")
        n = tree.size if size is None else size
        return parse_note(checkpoint_note(record, n, tree.root(n), k).note)
    else:
        note = parse_note(_recorded(store, record, size, covering, option))
        try:
            verify_checkpoint(note, log)
        except VerificationError as exc:
            raise VerificationError(
                f"{exc} (a checkpoint recorded in this ledger: run `detente ledger verify`)"
            ) from None
        source = "the recorded checkpoint"
    checkpoint = note.checkpoint()
    _tree_size(tree, record.party, checkpoint.size, option)
    if tree.root(checkpoint.size) != checkpoint.root:
        raise VerificationError(
            f"{source} at size {checkpoint.size:,} has another root than this ledger's entries: it is not of this "
            "log as stored here (run `detente ledger verify`)"
        )
    return note


def _self_checked(check: Callable[[], object]) -> None:
    """Never hand out a proof that does not verify: one read from damaged tree nodes is refused here."""
    try:
        check()
    except VerificationError as exc:
        raise VerificationError(f"the proof read from the ledger's stored tree does not verify: {exc}") from None


@app.command("prove-inclusion")
def prove_inclusion(
    target: LedgerArg,
    party: PartyOpt,
    seq: Annotated[int, typer.Option(help="Sequence number of the entry.")],
    size: Annotated[int | None, typer.Option(help="Tree size (default: the latest recorded checkpoint).")] = None,
    key: SignKeyOpt = None,
    checkpoint_file: Annotated[
        Path | None, typer.Option("--checkpoint", help="A signed (or cosigned) checkpoint of this log to prove under.")
    ] = None,
    out: OutOpt = None,
    force: ForceOption = False,
) -> None:
    """A c2sp.org/tlog-proof of one entry: index, RFC 9162 path, the signed checkpoint, the entry as extra data."""
    out = _out(out, force)
    with _open(target) as store:
        record = record_of(store, party)
        tree = ledger_tree(store, party)
        if size is not None:
            _tree_size(tree, party, size, "--size")
        if not 1 <= seq <= (tree.size if size is None else size):
            raise InputError(f"{party} has no entry #{seq} within size {size or tree.size:,}", Location(field="--seq"))
        note = _signed_checkpoint(store, record, tree, size, key, checkpoint_file, covering=seq)
        checkpoint = note.checkpoint()
        if seq > checkpoint.size:
            raise InputError(f"the checkpoint is at size {checkpoint.size:,}: entry #{seq} is not under it")
        if next(store.entries(party, seq, seq), None) is None:
            raise VerificationError(f"{party}'s entry #{seq} is missing (run `detente ledger verify`)")
        _write(out, inclusion_proof(store, record, seq, note).text())


@app.command("prove-consistency")
def prove_consistency(
    target: LedgerArg,
    party: PartyOpt,
    start: Annotated[int, typer.Option("--from", help="Older size.")],
    end: Annotated[int | None, typer.Option("--to", help="Newer size (default: the latest checkpoint).")] = None,
    key: SignKeyOpt = None,
    out: OutOpt = None,
    force: ForceOption = False,
) -> None:
    """A consistency proof between two signed checkpoints of a party's log (recorded, or signed now with --key)."""
    out = _out(out, force)
    with _open(target) as store:
        record = record_of(store, party)
        tree = ledger_tree(store, party)
        if end is not None:
            _tree_size(tree, party, end, "--to")
        if not 0 <= start <= (tree.size if end is None else end):
            raise InputError(
                f"--from {start:,} is not between 0 and --to {tree.size if end is None else end:,}",
                Location(field="--from"),
            )
        new = _signed_checkpoint(store, record, tree, end, key, covering=start, option="--to")
        old = _signed_checkpoint(store, record, tree, start, key, option="--from")
        n = new.checkpoint().size
        if start > n:
            raise InputError(f"--from {start:,} is beyond the newer checkpoint's size {n:,}", Location(field="--from"))
        proof = TlogConsistency(tuple(tree.consistency_proof(start, n)), old, new)
        _self_checked(lambda: verify_tlog_consistency(proof, Verifier(log_origin(record), record.public_key)))
        _write(out, proof.text())


@app.command("checkpoints")
def recorded_checkpoints(
    target: LedgerArg,
    party: PartyOpt,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Directory to write each note and its consistency proof from the one before."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite notes and proofs already in --out.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The list as JSON, notes included.")] = False,
) -> None:
    """The checkpoints recorded at the party's data exchanges: list them, or export notes and proofs to a directory."""
    if out is not None and out.exists() and not out.is_dir():  # before reading the ledger: a typo costs nothing
        raise OutputFileError("is a file, not a directory to write notes and proofs into", Location.of(out))
    with _open(target) as store:
        origin = origin_of(store, party)
        recorded = store.checkpoints(party)
        tree = ledger_tree(store, party)
        rows = []
        for k in recorded:
            entry = next(store.entries(party, k.size, k.size), None) if 0 < k.size <= tree.size else None
            if entry is None:
                fault = (
                    f"entries missing after #{tree.size} (checkpoint at size {k.size})"
                    if k.size > tree.size
                    else f"entry #{k.size}, which its checkpoint at size {k.size} ends with, is missing"
                )
                raise VerificationError(f"{party} ledger: {fault}; `detente ledger verify` checks every entry")
            n = entry.notification()
            rows.append({"size": k.size, "type": n["type"], "effective": n["effective"], "sent": n["sent"],
                         "root": base64.b64encode(k.root).decode(), "note": k.note})  # fmt: skip
        if out is not None:
            _export(out, party, origin, recorded, tree, force)
            return
        if as_json:
            print_json({"origin": origin, "size": tree.size, "checkpoints": rows})
            return
        table = Table(title=plain(f"checkpoints of {origin} (log size now {tree.size:,})"))
        for column in ("size", "type", "effective", "sent", "root"):
            table.add_column(column, justify="right" if column == "size" else "left")
        for row in rows:
            table.add_row(f"{row['size']:,}", *(plain(row[c]) for c in ("type", "effective", "sent", "root")))
        console.print(table)
        if not rows:
            console.print(f"{shown(party)} has no recorded checkpoint: none is issued before its first data exchange")


def _export(out: Path, party: str, origin: str, recorded: list[Any], tree: StoredTree, force: bool) -> None:
    """Each note as ``P-SIZE.note`` and, from the second on, ``P-SIZE.consistency-proof`` from the one before."""
    notes = [out / f"{party}-{k.size}.note" for k in recorded]
    proofs = [out / f"{party}-{k.size}.consistency-proof" for k in recorded[1:]]
    if out.is_dir():  # every file checked before the first is written
        for path in (*notes, *proofs):
            output_path(path, force)
    out.mkdir(parents=True, exist_ok=True)
    for k, path in zip(recorded, notes, strict=True):
        path.write_text(k.note, "utf-8")
    for old, new, path in zip(recorded[:-1], recorded[1:], proofs, strict=True):
        hashes = tuple(tree.consistency_proof(old.size, new.size))
        path.write_text(TlogConsistency(hashes, parse_note(old.note), parse_note(new.note)).text(), "utf-8")
    console.print(
        f"wrote {len(recorded)} checkpoints of {shown(origin)} and {len(proofs)} consistency proofs to {shown(out)}"
    )


# ------------------------------------------------------------------------------------------------ the verifier's side


def _consistency_hashes(path: Path, note: SignedNote, witness: Witness) -> list[bytes]:
    """The hashes of a consistency proof file for ``note``, from the size the witness last cosigned."""
    text = read_text(path)
    if text.startswith(CONSISTENCY_PROOF + "\n"):
        try:
            proof = parse_tlog_consistency(text)
        except NoteError as exc:
            raise NoteError(exc.why, Location.of(path)) from None
        if proof.new.body != note.body:
            raise InputError("the proof is for another checkpoint than the one to cosign", Location.of(path))
        seen = witness.seen.get(note.checkpoint().origin)
        old = proof.old.checkpoint()
        if seen is not None and (old.size, old.root) != (seen.size, seen.root):
            raise InputError(
                f"the proof starts from size {old.size:,}; this witness last cosigned size {seen.size:,}",
                Location.of(path),
                f"ask for a proof from {seen.size}",
            )
        return list(proof.proof)
    doc = _json_object(path)  # the hashes alone, as earlier detente wrote them: checked against signed roots
    try:
        return [base64.b64decode(p, validate=True) for p in doc["proof"]]
    except (KeyError, TypeError, ValueError):
        raise InputError("not a consistency proof", Location.of(path)) from None


@app.command("cosign")
def cosign_checkpoint(
    note: Annotated[Path, typer.Argument(help="The other party's checkpoint note.")],
    log_key: LogKeyOpt,
    key: KeyOpt,
    state: Annotated[Path, typer.Option(help="Your witness state file (kept between runs).")],
    log_name: LogNameOpt = None,
    proof: Annotated[Path | None, typer.Option(help="Consistency proof from the size you last cosigned.")] = None,
    evidence: Annotated[Path, typer.Option(help="Where to write evidence of a fork.")] = Path("evidence.json"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --evidence file if it exists.")] = False,
) -> None:
    """Cosign the other party's checkpoint if it extends the last one you cosigned; refuse anything else.

    A fork (two roots signed for one size) is written as evidence; a rollback, a missing or a failing consistency
    proof is refused without evidence (none of them is signed by the log).
    """
    # Both checked first: a fork found and then not written, or a cosignature not saved, would be lost.
    output_path(evidence, force)
    output_path(state, True)  # kept between runs: overwritten, but it must be a file in a writable folder
    k = load_key(key)
    log = _log_key(log_key, log_name)
    text = read_text(note)
    signed = _parsed_note(text, note)
    witness = Witness(k.party, k, state)
    hashes = _consistency_hashes(proof, signed, witness) if proof is not None else []
    try:
        line = witness.observe(text, log, hashes, int(time.time()))
    except MisbehaviourError as exc:
        evidence.write_text(json.dumps(exc.evidence, indent=2), "utf-8")
        raise VerificationError(
            f"{exc.kind}: {exc.why}; evidence written to {evidence} (`detente trust check-evidence` checks it)"
        ) from None
    typer.echo(signed.with_signature(line).text(), nl=False)


def _entry_data(path: Path) -> bytes:
    """The signed payload bytes of an entry: a notification, or `ledger show` output, as JSON."""
    doc = _json_object(path)
    if "notification" in doc and "signature" in doc:
        doc = doc["notification"]
    return canonical(doc)


def _entry_words(data: bytes, index: int, origin: str) -> str:
    """What the proven entry says of itself (type, date), checked against its place in the log."""
    try:
        json.loads(data)
        text = data.decode("utf-8")
    except ValueError:  # opaque extra data, not a detente entry: nothing to describe
        return ""
    try:  # the strict reader: a payload with a key twice is refused, not described by its last value
        payload = parse_json(text, "the proven entry")
    except FileFormatError as exc:
        raise VerificationError(f"the proven entry is not one a detente log holds: {exc}") from None
    if not isinstance(payload, dict) or "seq" not in payload:
        return ""
    party = origin.rsplit("/", 1)[-1]
    if payload.get("seq") != index + 1 or payload.get("party", party) != party:
        raise VerificationError(
            f"the entry at index {index} names {payload.get('party')} #{payload.get('seq')}: it is not "
            f"{party}'s entry #{index + 1}, which a detente log holds there"
        )
    return f" ({payload.get('type')}, effective {payload.get('effective')})"


@app.command("verify")
def verify_offline(
    file: Annotated[Path, typer.Argument(help="A tlog-proof, a consistency proof, or a checkpoint note.")],
    log_key: LogKeyOpt,
    log_name: LogNameOpt = None,
    entry: Annotated[
        Path | None, typer.Option(help="The entry a tlog-proof is for (JSON; default: the proof's extra data).")
    ] = None,
    witness: Annotated[
        list[str] | None, typer.Option(help="A cosigner: verifier key, or NAME=BASE64 (repeatable).")
    ] = None,
) -> None:
    """Verify a proof or a (cosigned) checkpoint offline against the log key you name; fail with the reason."""
    text = read_text(file)
    log = _log_key(log_key, log_name)
    witnesses = _witnesses(witness)
    signer = f"signed by {shown(log.name)} ({log.key_id.hex()})"
    first = text.split("\n", 1)[0]
    if first == TLOG_PROOF:
        try:
            proof = parse_tlog_proof(text)
        except NoteError as exc:
            raise NoteError(exc.why, Location.of(file)) from None
        data = _entry_data(entry) if entry is not None else proof.extra
        checkpoint, cosigned = verify_tlog_proof(proof, log, data, witnesses)
        words = _entry_words(data, proof.index, checkpoint.origin) if data is not None else ""
        console.print(f"[green]ok[/] entry #{proof.index + 1}{shown(words)} is in {shown(checkpoint.origin)} at size "
                      f"{checkpoint.size:,}; checkpoint {signer}; cosigned by {_cosigners(cosigned)}")  # fmt: skip
    elif first == CONSISTENCY_PROOF:
        try:
            both = parse_tlog_consistency(text)
        except NoteError as exc:
            raise NoteError(exc.why, Location.of(file)) from None
        old, new, cosigned = verify_tlog_consistency(both, log, witnesses)
        console.print(f"[green]ok[/] {shown(new.origin)} at size {new.size:,} extends size {old.size:,}; both "
                      f"checkpoints {signer}; the newer cosigned by {_cosigners(cosigned)}")  # fmt: skip
    elif text.lstrip().startswith("{"):
        raise InputError(
            "a JSON proof carries no signed checkpoint, so nothing in it can be verified",
            Location.of(file),
            "make one with `detente trust prove-inclusion` or `prove-consistency`",
        )
    else:
        note = _parsed_note(text, file)
        cosigned = verify_checkpoint(note, log, witnesses)
        cp = note.checkpoint()
        console.print(f"[green]ok[/] checkpoint of {shown(cp.origin)} at size {cp.size:,}, {signer}; "
                      f"cosigned by {_cosigners(cosigned)}")  # fmt: skip


@app.command("check-evidence")
def evidence(
    file: Annotated[Path, typer.Argument(help="Evidence written by `detente trust cosign`.")],
    log_key: LogKeyOpt,
    log_name: LogNameOpt = None,
) -> None:
    """Check evidence of a fork offline, against the log key you name (never the one written in the evidence)."""
    doc = _json_object(file)
    log = _log_key(log_key, log_name)
    try:
        finding = check_evidence(doc, log.public_key, log.name)
    except NoteError as exc:
        raise VerificationError(f"{file}: the evidence does not hold up: {exc.why}") from None
    console.print(f"[bold red]{shown(finding)}[/]")


# ------------------------------------------------------------------------------------------------ escrow


def _write_secret(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner alone from the first byte (mode 0600); never over an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made since the check: refused all the same
        raise OutputFileError("already exists; refusing to overwrite", Location.of(path)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


@app.command("escrow-commit")
def escrow_commit(
    declaration: Annotated[
        str, typer.Argument(metavar="FORCE", help="Force file or shipped force: the complete declaration.")
    ],
    key: KeyOpt,
    secret: Annotated[Path, typer.Option(help="Where to keep the secret side (items, salts): never share it.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The public, signed commitment.")],
    as_of: Annotated[str, typer.Option(help="Date of the declaration: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --out file if it exists (never the --secret file).")
    ] = False,
) -> None:
    """Commit to a complete item-level declaration; publish only the root, aggregates and per-facility commitments.

    The secret file is created readable by you alone (mode 0600) and never overwritten.
    """
    from detente.catalog.load import builtin_catalog
    from detente.data.forces import load_force
    from detente.ledger.convert import declaration_from_force

    try:
        check_as_of(as_of)
    except EscrowError as exc:  # bad input here, not an escrow that fails to verify
        raise InputError(exc.why, Location(field="--as-of")) from None
    # Both checked before committing: a secret kept without its published commitment is a commitment lost.
    output_path(secret, False)
    output_path(out, force)
    if secret.absolute() == out.absolute():
        raise OutputFileError("is given as both --secret and --out", Location.of(out))
    k = load_key(key)
    items = declaration_from_force(load_force(declaration, builtin_catalog()), k.party)["items"]
    escrow, commitment = Escrow.commit(k.party, as_of, items, k)
    _write_secret(secret, json.dumps(escrow.secret_json()))
    out.write_text(json.dumps(commitment.to_json(), indent=2), "utf-8")
    console.print(
        f"committed {commitment.size:,} items at {len(commitment.regions)} facilities as of {as_of}; root "
        f"{commitment.root.hex()[:16]}…; secret kept in {shown(secret)}"
    )


@app.command("escrow-open")
def escrow_open(
    secret: Annotated[Path, typer.Argument(help="The secret side written by escrow-commit.")],
    facility: Annotated[str, typer.Option(help="Open every item at this facility.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The opening to send (JSON).")],
    force: ForceOption = False,
) -> None:
    """Open the escrowed items of one facility, all of them: its committed count, items, salts, inclusion proofs."""
    output_path(out, force)
    try:
        opening = Escrow.from_secret_json(_json_object(secret)).open(facility)
    except EscrowError as exc:  # your own secret, or a facility it does not hold: bad input, not a failed check
        raise InputError(exc.why, Location.of(secret)) from None
    _write(out, json.dumps(opening_to_json(opening), indent=2))


@app.command("escrow-verify")
def escrow_verify(
    commitment: Annotated[Path, typer.Argument(help="The signed commitment.")],
    openings: Annotated[list[Path], typer.Argument(help="Openings, in the order received.")],
    public_key: Annotated[str, typer.Option(help="The committing party's public key, base64.")],
) -> None:
    """Check openings against the signed commitment (each must open its whole facility); report what is unopened."""
    try:
        key = base64.b64decode(public_key, validate=True)
    except ValueError:
        raise InputError("not base64", Location(field="--public-key")) from None
    current = commitment
    parsed = []
    try:  # reading them: a file that is not a commitment or an opening is bad input
        c = Commitment.from_json(_json_object(commitment))
        for current in openings:
            parsed.append((current, opening_from_json(_json_object(current))))
    except EscrowError as exc:
        raise InputError(exc.why, Location.of(current)) from None
    try:  # checking them: what fails here is a finding about the party
        c.verify_signature(key)
        verifier = EscrowVerifier(c)
        for path, opening in parsed:
            items = verifier.accept(opening)
            console.print(
                f"[green]ok[/] {shown(path)}: all {len(items)} items of {shown(opening.region)} open and match the "
                "commitment"
            )
        report = verifier.report()
    except EscrowError as exc:
        raise VerificationError(exc.message()) from None
    print_json(report)
