"""``detente web``: the dashboard of a ledger (by default the demo ledger, built once into a cache folder)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from detente import __version__
from detente.cli.common import console, err_console, shown
from detente.cli.ledger import build_demo
from detente.errors import InputError, Location
from detente.store.ledger_store import SCHEMA, open_store


def demo_cache() -> Path:
    """Where the demo ledger is built for ``detente web``: the user's cache folder, named by version and schema."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "detente" / f"demo-ledger-{__version__}-schema{SCHEMA}.sqlite"


def web(
    ledger: Annotated[
        str | None,
        typer.Argument(help="Ledger: a SQLite file or a postgresql:// URL; default: the illustrative demo ledger."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)] = 8401,
) -> None:
    """Serve the dashboard of a ledger: counts, holdings, history, integrity, inspections, detection, plans."""
    import uvicorn

    from detente.web import Source, create_app

    illustrative = ledger is None
    if ledger is None:
        path = demo_cache()
        if not path.exists():
            err_console.print(f"building the demo ledger once, into {shown(path)}")
            path.parent.mkdir(parents=True, exist_ok=True)
            build_demo(path).close()
        ledger = str(path)
    elif "://" not in ledger and not Path(ledger).exists():
        raise InputError("no ledger here", Location.of(ledger), "give a ledger file, or no argument for the demo")
    store = open_store(ledger, readonly=True)
    label = ledger.split("@")[-1] if "://" in ledger else ledger  # a URL is shown without its password
    with store:
        app = create_app(Source(store, label, illustrative=illustrative))
        console.print(f"the dashboard of {shown(label)}: http://{host}:{port}/  (Ctrl-C stops it)")
        uvicorn.run(app, host=host, port=port, log_level="warning")
