"""``detente trust``: checkpoints, cosignatures, inclusion and consistency proofs, evidence, escrow."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from detente._files import load_document, read_text
from detente.catalog.load import builtin_catalog
from detente.cli.common import console, print_json
from detente.cli.ledger import LedgerArg, _open
from detente.crypto.keys import fingerprint, load_key
from detente.crypto.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from detente.crypto.note import COSIGNATURE_V1, Verifier, parse_note, verify_note
from detente.crypto.stored_tree import ConsistencyProof, StoredTree
from detente.data.forces import load_force
from detente.errors import InputError, Location, MisbehaviourError, NoteError
from detente.ledger.checkpoints import checkpoint_note, log_origin
from detente.ledger.convert import declaration_from_force
from detente.ledger.port import PartyRecord
from detente.store.ledger_store import SqlLedgerStore
from detente.trust.escrow import Commitment, Escrow, EscrowVerifier, opening_from_json, opening_to_json
from detente.trust.witness import Witness, check_evidence

app = typer.Typer(help="Checkpoints, cosignatures, proofs, evidence and escrowed declarations.", no_args_is_help=True)

PROOF_FORMAT = "detente.proof/1"
PartyOpt = Annotated[str, typer.Option("--party", "-p", help="Party whose log.")]
KeyOpt = Annotated[Path, typer.Option("--key", "-k", help="Your key file.")]


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


def _b64s(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


def _write(out: Path | None, text: str) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.exists():
        raise InputError("already exists; refusing to overwrite", Location.of(out))
    out.write_text(text, "utf-8")
    console.print(f"wrote {out}")


@app.command("checkpoint")
def checkpoint(target: LedgerArg, key: KeyOpt, out: Annotated[Path | None, typer.Option("--out", "-o")] = None) -> None:
    """Issue a signed checkpoint (C2SP) of your party's log at its current size."""
    k = load_key(key)
    with _open(target) as store:
        record = record_of(store, k.party)
        if record.public_key != k.public_key:
            raise InputError(f"the key {fingerprint(k.public_key)} is not {k.party}'s registered key")
        tree = ledger_tree(store, k.party)
        _write(out, checkpoint_note(record, tree.size, tree.root(), k).note)


def _log_verifier(log_name: str, log_key: str) -> Verifier:
    try:
        return Verifier(log_name, base64.b64decode(log_key, validate=True))
    except ValueError:
        raise InputError("--log-key: not base64") from None


def _proof_file(path: Path | None) -> list[bytes]:
    if path is None:
        return []
    doc = load_document(path)
    return [base64.b64decode(p) for p in doc.get("proof", [])]


@app.command("cosign")
def cosign_checkpoint(
    note: Annotated[Path, typer.Argument(help="The other party's checkpoint note.")],
    log_name: Annotated[str, typer.Option(help="The log's key name (its origin).")],
    log_key: Annotated[str, typer.Option(help="The log's public key, base64.")],
    key: KeyOpt,
    state: Annotated[Path, typer.Option(help="Your witness state file (kept between runs).")],
    proof: Annotated[Path | None, typer.Option(help="Consistency proof from your last checkpoint (JSON).")] = None,
    evidence: Annotated[Path, typer.Option(help="Where to write evidence of misbehaviour.")] = Path("evidence.json"),
) -> None:
    """Check the other party's checkpoint against the last one you saw and cosign it; refuse rollback and forks."""
    k = load_key(key)
    witness = Witness(k.party, k, state)
    try:
        line = witness.observe(read_text(note), _log_verifier(log_name, log_key), _proof_file(proof), int(time.time()))
    except MisbehaviourError as exc:
        evidence.write_text(json.dumps(exc.evidence, indent=2), "utf-8")
        raise InputError(f"{exc.kind}: {exc.why}; evidence written to {evidence}") from None
    typer.echo(parse_note(read_text(note)).with_signature(line).text(), nl=False)


def _tree_size(tree: StoredTree, party: str, size: int | None, option: str) -> int:
    """The size a proof is asked at: the log's current size by default, and never beyond it."""
    n = tree.size if size is None else size
    if not 0 <= n <= tree.size:
        raise InputError(f"{party}'s log has {tree.size:,} entries; there is no size {n:,}", Location(field=option))
    return n


@app.command("prove-inclusion")
def prove_inclusion(
    target: LedgerArg,
    party: PartyOpt,
    seq: Annotated[int, typer.Option(help="Sequence number of the entry.")],
    size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
) -> None:
    """An RFC 9162 inclusion proof of one entry in a party's log."""
    with _open(target) as store:
        tree = ledger_tree(store, party)
        n = _tree_size(tree, party, size, "--size")
        if not 1 <= seq <= n:
            raise InputError(f"{party} has no entry #{seq} within size {n:,}", Location(field="--seq"))
        p = tree.prove_inclusion(seq - 1, n)
        print_json({"format": PROOF_FORMAT, "kind": "inclusion", "origin": origin_of(store, party), "index": p.index,
                    "size": p.size, "leaf": base64.b64encode(p.leaf).decode(),
                    "root": base64.b64encode(p.root).decode(), "proof": _b64s(p.proof)})  # fmt: skip


@app.command("prove-consistency")
def prove_consistency(
    target: LedgerArg,
    party: PartyOpt,
    start: Annotated[int, typer.Option("--from", help="Older size.")],
    end: Annotated[int | None, typer.Option("--to", help="Newer size (default: current).")] = None,
) -> None:
    """An RFC 9162 consistency proof between two sizes of a party's log."""
    with _open(target) as store:
        tree = ledger_tree(store, party)
        n = _tree_size(tree, party, end, "--to")
        if not 0 <= start <= n:
            raise InputError(f"--from {start:,} is not between 0 and --to {n:,}", Location(field="--from"))
        print_json(_consistency_json(origin_of(store, party), tree.prove_consistency(start, n)))


def _consistency_json(origin: str, p: ConsistencyProof) -> dict[str, Any]:
    return {"format": PROOF_FORMAT, "kind": "consistency", "origin": origin, "old_size": p.old_size,
            "new_size": p.new_size, "old_root": base64.b64encode(p.old_root).decode(),
            "new_root": base64.b64encode(p.new_root).decode(), "proof": _b64s(p.proof)}  # fmt: skip


@app.command("checkpoints")
def recorded_checkpoints(
    target: LedgerArg,
    party: PartyOpt,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Directory to write each note and its consistency proof from the one before."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The list as JSON, notes included.")] = False,
) -> None:
    """The checkpoints recorded at the party's data exchanges: list them, or export notes and proofs to a directory."""
    with _open(target) as store:
        origin = origin_of(store, party)
        recorded = store.checkpoints(party)
        tree = ledger_tree(store, party)
        rows = []
        for k in recorded:
            entry = next(store.entries(party, k.size, k.size)).notification()
            rows.append({"size": k.size, "type": entry["type"], "effective": entry["effective"], "sent": entry["sent"],
                         "root": base64.b64encode(k.root).decode(), "note": k.note})  # fmt: skip
        if out is not None:
            files = [(out / f"{party}-{k.size}.note", out / f"{party}-{k.size}.consistency.json") for k in recorded]
            taken = [path for pair in files for path in pair if path.exists()]
            if taken:
                raise InputError("already exists; refusing to overwrite", Location.of(taken[0]))
            out.mkdir(parents=True, exist_ok=True)
            previous = 0
            for k, (note_path, proof_path) in zip(recorded, files, strict=True):
                note_path.write_text(k.note, "utf-8")
                proof = _consistency_json(origin, tree.prove_consistency(previous, k.size))
                proof_path.write_text(json.dumps(proof, indent=2) + "\n", "utf-8")
                previous = k.size
            console.print(f"wrote {len(recorded)} checkpoints of {origin} and their consistency proofs to {out}")
            return
        if as_json:
            print_json({"origin": origin, "size": tree.size, "checkpoints": rows})
            return
        table = Table(title=f"checkpoints of {origin} (log size now {tree.size:,})")
        for column in ("size", "type", "effective", "sent", "root"):
            table.add_column(column, justify="right" if column == "size" else "left")
        for row in rows:
            table.add_row(f"{row['size']:,}", row["type"], row["effective"], row["sent"], row["root"])
        console.print(table)
        if not rows:
            console.print(f"{party} has no recorded checkpoint: none is issued before its first data exchange")


def _b64(doc: dict[str, Any], key: str, where: Path) -> bytes:
    try:
        return base64.b64decode(doc[key], validate=True)
    except (KeyError, TypeError, ValueError):
        raise InputError("missing or not base64", Location.of(where, None, key)) from None


@app.command("verify")
def verify_offline(
    file: Annotated[Path, typer.Argument(help="A proof (JSON) or a checkpoint note.")],
    log_name: Annotated[str | None, typer.Option(help="For a note: the log's key name.")] = None,
    log_key: Annotated[str | None, typer.Option(help="For a note: the log's public key, base64.")] = None,
    witness: Annotated[list[str] | None, typer.Option(help="NAME=BASE64KEY of a cosigner (repeatable).")] = None,
) -> None:
    """Verify a proof file or a checkpoint offline; exit 2 with the reason if it does not verify."""
    text = read_text(file)
    if not text.lstrip().startswith("{"):
        if not (log_name and log_key):
            raise InputError("a checkpoint needs --log-name and --log-key")
        witnesses = []
        for spec in witness or []:
            name, _, key64 = spec.partition("=")
            witnesses.append(Verifier(name, base64.b64decode(key64), COSIGNATURE_V1))
        note = parse_note(text)
        cosigned = verify_note(note, _log_verifier(log_name, log_key), tuple(witnesses))
        cp = note.checkpoint()
        console.print(f"[green]ok[/] checkpoint of {cp.origin} at size {cp.size:,}, signed by {log_name}; "
                      f"cosigned by {', '.join(cosigned) or 'no configured witness'}")  # fmt: skip
        return
    doc = json.loads(text)
    proof = [base64.b64decode(p) for p in doc.get("proof", [])]
    if doc.get("kind") == "inclusion":
        verify_inclusion(_b64(doc, "leaf", file), int(doc["index"]), int(doc["size"]), proof, _b64(doc, "root", file))
        console.print(f"[green]ok[/] entry #{int(doc['index']) + 1} is in {doc.get('origin')} at size {doc['size']:,}")
    elif doc.get("kind") == "consistency":
        verify_consistency(int(doc["old_size"]), int(doc["new_size"]), _b64(doc, "old_root", file),
                           _b64(doc, "new_root", file), proof)  # fmt: skip
        console.print(f"[green]ok[/] {doc.get('origin')} at size {doc['new_size']:,} extends size {doc['old_size']:,}")
    else:
        raise InputError("not a detente proof (kind must be inclusion or consistency)", Location.of(file))


@app.command("check-evidence")
def evidence(
    file: Annotated[Path, typer.Argument(help="Evidence written by `detente trust cosign`.")],
    log_key: Annotated[str, typer.Option(help="The log's public key as YOU know it (base64), not the evidence's.")],
) -> None:
    """Check evidence of a fork, rollback or inconsistency offline, with nothing but the log's public key."""
    try:
        finding = check_evidence(json.loads(read_text(file)), _log_verifier("log", log_key).public_key)
    except json.JSONDecodeError:
        raise InputError("not JSON", Location.of(file)) from None
    except NoteError as exc:
        raise InputError(f"the evidence does not hold up: {exc.why}", Location.of(file)) from None
    console.print(f"[bold red]{finding}[/]")


@app.command("escrow-commit")
def escrow_commit(
    force: Annotated[str, typer.Argument(help="Force file or shipped force: the complete declaration.")],
    key: KeyOpt,
    secret: Annotated[Path, typer.Option(help="Where to keep the secret side (items, salts): never share it.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The public, signed commitment.")],
    as_of: Annotated[str, typer.Option(help="Date of the declaration.")] = "",
) -> None:
    """Commit to a complete item-level declaration; publish only the root and aggregate counts."""
    k = load_key(key)
    items = declaration_from_force(load_force(force, builtin_catalog()), k.party)["items"]
    escrow, commitment = Escrow.commit(k.party, as_of, items, k)
    for path in (secret, out):
        if path.exists():
            raise InputError("already exists; refusing to overwrite", Location.of(path))
    secret.write_text(
        json.dumps(
            {
                "format": "detente.escrow-secret/1",
                "party": k.party,
                "as_of": as_of,
                "items": escrow.items,
                "salts": [s.hex() for s in escrow.salts],
            }
        ),
        "utf-8",
    )
    secret.chmod(0o600)
    out.write_text(json.dumps(commitment.to_json(), indent=2), "utf-8")
    console.print(f"committed {commitment.size:,} items; root {commitment.root.hex()[:16]}…; secret kept in {secret}")


@app.command("escrow-open")
def escrow_open(
    secret: Annotated[Path, typer.Argument(help="The secret side written by escrow-commit.")],
    facility: Annotated[str, typer.Option(help="Open the items at this facility.")],
    out: Annotated[Path, typer.Option("--out", "-o")],
) -> None:
    """Open the escrowed items of one facility: items, salts and inclusion proofs."""
    doc = json.loads(read_text(secret))
    salts = [bytes.fromhex(s) for s in doc["salts"]]
    from detente.trust.escrow import commitment_of

    tree = MerkleTree.from_leaf_hashes(
        [leaf_hash(commitment_of(i, s)) for i, s in zip(doc["items"], salts, strict=True)]
    )
    escrow = Escrow(doc["party"], doc["as_of"], doc["items"], salts, tree)
    opening = escrow.open(facility, {"facility": facility})
    if not opening.items:
        raise InputError(f"no escrowed item is at facility {facility!r}")
    _write(out, json.dumps(opening_to_json(opening), indent=2))


@app.command("escrow-verify")
def escrow_verify(
    commitment: Annotated[Path, typer.Argument(help="The signed commitment.")],
    openings: Annotated[list[Path], typer.Argument(help="Openings, in the order received.")],
    public_key: Annotated[str, typer.Option(help="The committing party's public key, base64.")],
) -> None:
    """Check openings against the signed commitment; report what is still unopened."""
    c = Commitment.from_json(json.loads(read_text(commitment)))
    c.verify_signature(base64.b64decode(public_key))
    verifier = EscrowVerifier(c)
    for path in openings:
        items = verifier.accept(opening_from_json(json.loads(read_text(path))))
        console.print(f"[green]ok[/] {path}: {len(items)} items open and match the commitment")
    print_json(verifier.report())
