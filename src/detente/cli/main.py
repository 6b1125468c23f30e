"""The ``detente`` command: treaties as code, declared forces, counting and compliance."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from detente import __version__
from detente.cli import catalog, count, data, demo, detection, inspect, ledger, plan, proposals, treaties, trust
from detente.cli.common import console
from detente.errors import DetenteError, InputError

app = typer.Typer(
    name="detente",
    help="Machinery for strategic arms control: treaties as code, declared forces, counting and compliance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(treaties.app, name="treaty")
app.add_typer(catalog.app, name="catalog")
app.add_typer(data.app, name="data")
app.add_typer(ledger.keys_app, name="keys")
app.add_typer(ledger.app, name="ledger")
app.add_typer(trust.app, name="trust")
app.add_typer(detection.app, name="detect")
app.add_typer(inspect.app, name="inspect")
app.add_typer(proposals.app, name="proposals")
app.command("validate")(count.validate)
app.command("count")(count.count)
app.command("compare")(count.compare)
app.command("demo")(demo.demo)
app.command("plan")(plan.plan)
app.command("upload")(plan.upload)


@app.command("version")
def version() -> None:
    """Print detente's version."""
    typer.echo(__version__)


def main() -> None:
    """Run the CLI; errors print one line saying where and why, and exit with code 2 (no traceback).

    That holds for bad input and for a proof, chain or evidence that does not verify.
    """
    try:
        app()
    except InputError as exc:
        console.print(f"[bold red]error:[/] {escape(exc.message())}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except DetenteError as exc:  # a finding (a proof or chain that does not verify) or the database refused
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
