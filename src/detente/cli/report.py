"""``detente report``: printable reports of a ledger — the fact sheet, as HTML and PDF, with the proofs behind it.

``report fact-sheet`` writes three things into ``--out`` (default: the current folder), named after the date:
``fact-sheet-D.html``, ``fact-sheet-D.pdf`` and ``fact-sheet-D-proofs/PARTY-SEQ.tlog-proof``. Everything is
checked before anything is written — the date, the ledger, and that no output exists (unless ``--force``) — and
everything is computed before the first file is written, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.common import ForceOption, JsonOption, console, output_path, print_json, shown
from detente.cli.ledger import LedgerArg, _open
from detente.errors import InputError, Location, OutputFileError

app = typer.Typer(
    help="Printable reports of a ledger: the fact sheet of its aggregate numbers, with the proofs behind them.",
    no_args_is_help=True,
)

DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        help="The day the sheet is as of (YYYY-MM-DD); default: the latest data date the ledger reaches.",
    ),
]
OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write into (default: the current folder).")]
IllustrativeOpt = Annotated[
    bool,
    typer.Option(
        "--illustrative",
        help="Mark the sheet ILLUSTRATIVE. A ledger whose parties are registered with the public demo keys is "
        "marked so without it.",
    ),
]


@app.command("fact-sheet")
def fact_sheet_command(
    target: LedgerArg,
    date: DateOpt = None,
    out: OutDirOpt = Path(),
    illustrative: IllustrativeOpt = False,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write the fact sheet as of a date (HTML, PDF, and the inclusion proofs for `detente trust verify`).

    Any day from the treaty's signature to its expiry; off a data date, the sheet names the data dates either side.
    """
    from detente.web.factsheet import (
        check_date,
        fact_sheet,
        fact_sheet_html,
        fact_sheet_pdf,
        fact_sheet_proofs,
    )
    from detente.web.source import Source

    when = _parse_date(date)
    if not out.is_dir():
        why = "is not a folder" if out.exists() else "does not exist"
        raise InputError(f"{why}; give a folder to write the fact sheet into", Location.of(out, field="--out"))
    label = target.split("@")[-1] if "://" in target else target  # a URL is shown without its password
    with _open(target) as store:
        source = Source(store, label, illustrative=illustrative)
        if when is None:
            when = source.default_date()
        check_date(source, when, "--date")
        stem = f"fact-sheet-{when}"
        html_path = output_path(out / f"{stem}.html", force)
        pdf_path = output_path(out / f"{stem}.pdf", force)
        proofs_dir = _proofs_dir(out / f"{stem}-proofs", force)
        sheet = fact_sheet(source, when)
        html = fact_sheet_html(sheet, standalone=True)
        pdf = fact_sheet_pdf(sheet)
        proofs = fact_sheet_proofs(sheet)
    html_path.write_text(html, "utf-8")
    pdf_path.write_bytes(pdf)
    proofs_dir.mkdir(exist_ok=True)
    written = []
    for name, text in proofs.items():
        path = proofs_dir / name
        path.write_text(text, "utf-8")
        written.append(str(path))
    if as_json:
        print_json({"written": {"html": str(html_path), "pdf": str(pdf_path), "proofs": written}, **sheet.as_dict()})
        return
    console.print(
        f"wrote {shown(html_path)}, {shown(pdf_path)} and {len(written)} proofs in {shown(proofs_dir)}", soft_wrap=True
    )
    if sheet.illustrative:
        console.print(f"[bold red]ILLUSTRATIVE[/]: {shown(sheet.illustrative_why)}")
    for p in sheet.proofs:
        first = next((e.file for e in p.entries if e.file), None)
        if first is not None:
            console.print(
                f"check {p.party}'s: detente trust verify {shown(proofs_dir / first)} --log-key {shown(p.log_key)}",
                soft_wrap=True,
            )


def _parse_date(text: str | None) -> dt.date | None:
    """``--date`` as a date, or None to take the ledger's latest data date; anything else refused by name."""
    if text is None:
        return None
    try:
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    echo = text if len(text) <= 40 else text[:40] + "…"
    raise InputError(f"{echo!r} is not a date", Location(field="--date"), "write it as YYYY-MM-DD")


def _proofs_dir(path: Path, force: bool) -> Path:
    """The proofs' folder, checked with the other outputs: refused if it is a file, or exists without --force."""
    if path.exists() and not path.is_dir():
        raise OutputFileError("is a file; the proofs go in a folder of this name", Location.of(path))
    if path.exists() and not force:
        raise OutputFileError("already exists; refusing to overwrite", Location.of(path), "add --force")
    return path
