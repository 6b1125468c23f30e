"""The ``detente`` command: treaties as code, declared forces, counting and compliance.

A command's module is imported only when that command runs or prints its own help. ``detente --help`` lists the
commands from ``COMMANDS`` (name, module, one-line help) without importing any of them, so it starts in the time
Typer and Rich take, not the seconds SciPy, matplotlib, SQLAlchemy and NumPy would. ``tests/test_cli_startup.py``
keeps ``COMMANDS`` in step with the modules: the same commands, the same one-line helps.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer._click.exceptions import ClickException  # Typer's own copy of click, as Typer raises it
from typer.core import TyperCommand, TyperGroup

from detente import __version__
from detente.cli.common import EXIT_INPUT, Failure, failure_of, report, wants_json

if TYPE_CHECKING:
    from typer import _click  # Typer's own copy of click: the types TyperGroup's methods take and return


@dataclass(frozen=True)
class Lazy:
    """A top-level command: where it is defined, and the line ``detente --help`` shows for it."""

    module: str  # in detente.cli
    attribute: str  # a Typer app (a group of commands) or a command function
    help: str  # the first paragraph of the command's own help

    def load(self, name: str) -> _click.Command:
        """Import the module and build the command as ``app.add_typer`` or ``app.command`` would have."""
        target = getattr(importlib.import_module(f"detente.cli.{self.module}"), self.attribute)
        holder = typer.Typer()
        if isinstance(target, typer.Typer):
            holder.add_typer(target, name=name)
        else:
            holder.command(name)(target)
        return typer.main.get_group(holder).commands[name]


COMMANDS = {
    "validate": Lazy(
        "count",
        "validate",
        "Check treaty, proposal, force and catalog files; print what each holds, or why it is refused.",
    ),
    "count": Lazy(
        "count",
        "count",
        "Count a force under a treaty reading: count, limit, headroom, verdict, breakdown, official figures.",
    ),
    "compare": Lazy("count", "compare", "Count one force under several treaties and variants, side by side."),
    "demo": Lazy(
        "demo",
        "demo",
        "Count the shipped forces under the shipped treaties, and replay the demo ledger, beside the official figures.",
    ),
    "plan": Lazy(
        "plan",
        "plan",
        "A reduction plan that meets every limit by the deadline, losing the least; year by year; "
        "checked via a ledger.",
    ),
    "upload": Lazy(
        "plan",
        "upload",
        "The most deployed warheads each party could reach over time, leg by leg, from sourced upload parameters.",
    ),
    "treaty": Lazy("treaties", "app", "Treaties: list, show, schema."),
    "catalog": Lazy("catalog", "app", "System types: list and show."),
    "data": Lazy("data", "app", "Shipped data: New START aggregates, stockpiles, illustrative forces."),
    "keys": Lazy("ledger", "keys_app", "Parties' signing keys."),
    "ledger": Lazy(
        "ledger", "app", "Ledgers of notifications: submit, log, history, state, counts, verify, export, import."
    ),
    "node": Lazy("node", "app", "A party's node: its directory, peers, operators and status."),
    "serve": Lazy(
        "node",
        "serve",
        "Run a node: its log, its witness and mirror of its peers, and its operators' submissions, over HTTP(S).",
    ),
    "web": Lazy(
        "web",
        "web",
        "Serve the dashboard of a ledger: counts, holdings, history, integrity, inspections, detection, plans.",
    ),
    "trust": Lazy("trust", "app", "Checkpoints, cosignatures, proofs, evidence and escrowed declarations."),
    "report": Lazy(
        "report",
        "app",
        "Printable reports of a ledger: the fact sheet of its aggregate numbers, with the proofs behind them.",
    ),
    "detect": Lazy(
        "detection",
        "app",
        "What inspections can detect: exact probabilities, sample sizes, the inspection game, Monte Carlo.",
    ),
    "inspect": Lazy("inspect", "app", "Inspections: plan, record findings, report discrepancies, quota use."),
    "zk": Lazy(
        "zk",
        "app",
        "Compliance proofs (experimental): commit per facility, prove within the limits, verify, "
        "open at an inspection.",
    ),
    "proposals": Lazy(
        "proposals",
        "app",
        "Proposals: list, show, compare on forces, zone of agreement, the December 2009 bomber dispute.",
    ),
}


class LazyCommands(MutableMapping[str, "_click.Command"]):
    """A group's commands by name, the lazy ones first; a lazy one is imported the first time its value is read.

    A mapping rather than a dict of stand-ins, so that code walking ``group.commands`` (``tests/test_docs.py``)
    still finds every command and subcommand.
    """

    def __init__(self, lazy: Mapping[str, Lazy], eager: Mapping[str, _click.Command]) -> None:
        self.lazy = dict(lazy)
        self.loaded = dict(eager)

    def listing(self, name: str) -> _click.Command | None:
        """The command if it is loaded; for a lazy one not yet imported, a stand-in with its name and help."""
        if name in self.loaded:
            return self.loaded[name]
        if name in self.lazy:
            return TyperCommand(name=name, help=self.lazy[name].help)
        return None

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self.loaded:
            self.loaded[name] = self.lazy[name].load(name)
        return self.loaded[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.lazy.pop(name, None)
        self.loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self.lazy or name in self.loaded

    def __iter__(self) -> Iterator[str]:
        yield from self.lazy
        yield from (name for name in self.loaded if name not in self.lazy)

    def __len__(self) -> int:
        return len(self.lazy.keys() | self.loaded.keys())


class LazyGroup(TyperGroup):
    """The top-level group: lists every command in ``COMMANDS`` and imports one only to run it or show its help.

    ``get_command`` (what the ``--help`` listing asks) answers with a stand-in for a command not yet imported;
    ``resolve_command`` (what running a command, or its own ``--help``, asks) imports it.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.lazy_commands = LazyCommands(COMMANDS, self.commands)
        self.commands = self.lazy_commands

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """Every command's name, without importing any (TyperGroup's own reads every command)."""
        return list(self.commands)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """The command, or a stand-in with its name and one-line help if its module is not imported yet."""
        return self.lazy_commands.listing(cmd_name)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """The command named first in ``args``, its module imported: it is about to run or print its help."""
        name, command, rest = super().resolve_command(ctx, args)
        return name, command if name is None else self.commands[name], rest


app = typer.Typer(
    name="detente",
    cls=LazyGroup,
    help="Machinery for strategic arms control: treaties as code, declared forces, counting and compliance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


@app.callback()
def detente() -> None:
    """Nothing to do before a command; with it Typer builds a group even though only ``version`` is registered."""


@app.command("version")
def version() -> None:
    """Print detente's version."""
    typer.echo(__version__)


def main() -> None:
    """Run the CLI; a failure is one line on standard error (one JSON object with ``--json``) and an exit code.

    Exit codes (docs/cli.md, "Output, errors and exit codes"): 0 done; 2 bad input or usage; 3 something checked
    does not hold (a signature, chain, proof, checkpoint or evidence); 1 a bug. ``detente.cli.common`` tells them
    apart.
    """
    as_json = wants_json(sys.argv[1:])
    try:
        # Not standalone: usage errors come back here to be told as JSON when asked, like every other failure.
        code = app(standalone_mode=False)
    except ClickException as exc:
        if not as_json:
            _show_usage_error(exc)
            sys.exit(EXIT_INPUT)
        ctx = getattr(exc, "ctx", None)  # a usage error knows its command
        where = None if ctx is None else ctx.command_path
        report(Failure("usage", type(exc).__name__, exc.format_message(), EXIT_INPUT, where, "see --help"), True)
        sys.exit(EXIT_INPUT)
    except typer.Abort:
        report(Failure("interrupted", "Abort", "aborted", 130), as_json)
        sys.exit(130)
    except Exception as exc:  # every failure is told, and one detente did not expect is told as a bug
        failure = failure_of(exc)
        report(failure, as_json)
        sys.exit(failure.exit_code)
    if isinstance(code, int) and code:  # a typer.Exit(code) or Ctrl-C (130)
        sys.exit(code)


def _show_usage_error(exc: ClickException) -> None:
    """A usage error as Typer shows it when it runs standalone: usage, a pointer to --help, the error in a box."""
    from typer import rich_utils  # only when there is a usage error to show

    if type(exc).__name__ == "NoArgsIsHelpError":  # the help was printed when the error was made
        return
    rich_utils.rich_format_error(exc)


if __name__ == "__main__":
    main()
