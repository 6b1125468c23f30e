r"""What every command shares: the consoles, options, showing data safely, and turning failures into exit codes.

Failures, in the order they are told apart (docs/cli.md, "Output, errors and exit codes"):

1. Something checked that does not hold — a signature, a chain, a proof, a checkpoint, a note, an escrow opening,
   evidence of misbehaviour (:data:`VERIFICATION_ERRORS`): exit 3.
2. Bad input or usage — any other :class:`~detente.errors.DetenteError` (a file, an argument, a name, a database
   that refuses or is not a ledger), a usage error Typer found, or a file the system would not read or write
   (``OSError``): exit 2.
3. Anything else is a bug in detente: exit 1, one line naming the exception's type; the traceback only with
   ``DETENTE_DEBUG=1``.

Errors go to standard error, never to standard output. With ``--json`` anywhere on the command line, a failure is
one JSON object on standard error, ``{"error": {"kind", "type", "message", "where", "hint", "exit_code"}}``, and
standard output stays empty.

Data is shown, never interpreted: every string that comes from a file, a ledger or an argument goes through
:func:`shown` (inside console markup) or :func:`plain` (a Rich ``Text``), which escape Rich markup and show
control and bidirectional-override characters as escapes (``\x1b``, ``\u202e``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from detente.errors import (
    ChainError,
    DetenteError,
    EscrowError,
    InputError,
    MisbehaviourError,
    NoteError,
    ProofError,
    RootMismatchError,
    VerificationError,
    WithheldError,
)

if TYPE_CHECKING:
    from detente.catalog.model import Catalog

console = Console(highlight=False)
"""Standard output: what a command answers (tables, lines, JSON)."""
err_console = Console(stderr=True, highlight=False)
"""Standard error: errors, warnings and progress bars, so that ``> file`` keeps only the answer."""

EXIT_BUG = 1
EXIT_INPUT = 2
EXIT_VERIFICATION = 3
VERIFICATION_ERRORS: tuple[type[DetenteError], ...] = (
    VerificationError,
    ChainError,
    ProofError,
    NoteError,
    MisbehaviourError,
    EscrowError,
    WithheldError,
    RootMismatchError,
)
"""Failures of something checked (exit 3); the two input errors among them (NoteError, EscrowError) included."""
DEBUG_VARIABLE = "DETENTE_DEBUG"

CatalogOption = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="A catalog file of your own system types (repeatable).", show_default=False),
]
DateOption = Annotated[
    str | None,
    typer.Option("--date", "-d", help="Date to judge compliance on (YYYY-MM-DD); default: the force's own date."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")]


def catalog_with(extra: list[Path] | None) -> Catalog:
    """The shipped catalog plus the user's own catalog files."""
    # Imported here, not above: main imports this module for the console, and `detente --help` needs no catalog.
    from detente.catalog.load import builtin_catalog, load_catalog

    catalog = builtin_catalog()
    for path in extra or []:
        catalog = catalog.merged(load_catalog(path))
    return catalog


def parse_date(text: str | None, fallback: dt.date | None) -> dt.date:
    """``--date`` as a date; without it, the force's date; without that, today (the edge reads the clock)."""
    if text is None:
        return fallback or dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {text!r}") from None


def output_path(path: Path, force: bool) -> Path:
    """A file a command is about to write, checked before any work: never overwritten without ``--force``."""
    from detente._files import check_output  # the readers: not needed by `detente --help`

    return check_output(path, overwrite=force)


# --------------------------------------------------------------------------- showing data

# C0 and C1 controls, DEL, the bidirectional marks, embeddings, overrides and isolates, and the line separators:
# characters that move the cursor, recolour the terminal, reorder what follows or start a line that is not one.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# The same in JSON output, where json.dumps has already escaped C0: what is left is escaped as \uXXXX.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object) -> str:
    r"""``value`` as text a terminal shows as written: control and bidi characters become escapes (``\x1b``)."""
    return _UNSAFE.sub(_escape_char, str(value))


def shown(value: object) -> str:
    """Data to put inside console markup: cleaned, and its square brackets escaped so that it is never a tag."""
    return escape(clean(value))


def plain(value: object, style: str = "") -> Text:
    """Data as a Rich ``Text`` (never parsed as markup), cleaned; for table cells and titles."""
    return Text(clean(value), style=style)


def plain_lines(values: Iterable[object], style: str = "") -> Text:
    r"""Several data strings, one a line, in one cell (each cleaned: a newline inside one is shown as ``\x0a``)."""
    return Text("\n".join(clean(v) for v in values), style=style)


def print_json(value: Any) -> None:
    r"""JSON on standard output, dates as ISO strings; characters that would drive a terminal escaped as \uXXXX."""
    text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    typer.echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


VERDICT_STYLE = {
    "within": "green",
    "within-range": "yellow",
    "over": "bold red",
    "not-in-force": "cyan",
    "expired": "dim",
    "no-limit": "dim",
}


def verdict_text(verdict: str) -> str:
    """A verdict coloured for the terminal (console markup)."""
    return f"[{VERDICT_STYLE.get(verdict, '')}]{shown(verdict)}[/]"


# --------------------------------------------------------------------------- failures


@dataclass(frozen=True)
class Failure:
    """A failure as the user is told it: its kind, exit code, message, where, what to do."""

    kind: str  # usage, input, environment, verification, interrupted, bug
    type: str  # the exception's class name
    message: str
    exit_code: int
    where: str | None = None
    hint: str | None = None
    notes: tuple[str, ...] = ()
    trace: str | None = field(default=None, compare=False)

    def line(self) -> str:
        """The one line shown on a terminal: where, why, and what to do."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        return text + (f" ({self.hint})" if self.hint else "")

    def as_json(self) -> dict[str, Any]:
        """The object written on standard error with ``--json``."""
        error: dict[str, Any] = {
            "kind": self.kind,
            "type": self.type,
            "message": self.message,
            "where": self.where,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }
        if self.notes:
            error["notes"] = list(self.notes)
        if self.trace is not None:
            error["traceback"] = self.trace
        return {"error": error}


def debugging() -> bool:
    """Whether ``DETENTE_DEBUG`` asks for tracebacks."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def failure_of(exc: BaseException) -> Failure:
    """What to tell the user about an exception detente raised, or one it did not expect (a bug)."""
    notes = tuple(str(n) for n in getattr(exc, "__notes__", ()))
    name = type(exc).__name__
    if isinstance(exc, DetenteError):
        code, kind = (EXIT_VERIFICATION, "verification") if isinstance(exc, VERIFICATION_ERRORS) else (EXIT_INPUT, "")
        if isinstance(exc, InputError):
            where = str(exc.where) or None
            return Failure(kind or "input", name, exc.why, code, where, exc.hint, notes)
        if isinstance(exc, ChainError):
            return Failure(kind, name, exc.why, code, f"{exc.party} ledger, entry #{exc.seq}", None, notes)
        return Failure(kind or "input", name, str(exc), code, None, None, notes)
    if isinstance(exc, OSError):  # a file or device the system refused: the environment, not detente
        where = None if exc.filename is None else str(exc.filename)
        return Failure("environment", name, exc.strerror or str(exc), EXIT_INPUT, where, None, notes)
    trace = "".join(traceback.format_exception(exc)) if debugging() else None
    return Failure(
        "bug",
        name,
        f"this is a bug in detente: {name}: {exc}",
        EXIT_BUG,
        None,
        None if trace else f"run again with {DEBUG_VARIABLE}=1 for the traceback, and please report it",
        notes,
        trace,
    )


def report(failure: Failure, as_json: bool) -> None:
    """Tell the user on standard error: one JSON object, or one line (and the traceback when debugging)."""
    if as_json:
        err_console.file.write(json.dumps(failure.as_json()) + "\n")  # ASCII: safe on any terminal
        err_console.file.flush()
        return
    if failure.trace is not None:
        err_console.file.write(failure.trace)
    err_console.print(Text.assemble(("error:", "bold red"), " ", clean(failure.line())), soft_wrap=True)
    for note in failure.notes:
        err_console.print(plain(f"  note: {note}"), soft_wrap=True)


def wants_json(args: Sequence[str]) -> bool:
    """Whether ``--json`` is on the command line (before a ``--`` that ends the options)."""
    args = list(args)
    return "--json" in (args[: args.index("--")] if "--" in args else args)
