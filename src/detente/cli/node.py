"""``detente node`` and ``detente serve``: a party's node directory, its peers and operators, and running it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detente.cli.common import JsonOption, console, plain, print_json, shown
from detente.crypto.keys import PartyKey, fingerprint, save_key
from detente.errors import InputError, Location
from detente.node import Node, init_node, load_node, log_key, node_status, serve_node, set_key
from detente.node import add_operator as make_operator
from detente.node import add_peer as configure_peer

if TYPE_CHECKING:
    from starlette.types import ASGIApp

app = typer.Typer(no_args_is_help=True, help="A party's node: its directory, peers, operators and status.")

NodeDir = Annotated[Path, typer.Argument(help="The node directory (made by `detente node init`).")]


@app.command("init")
def init(
    directory: NodeDir,
    party: Annotated[str, typer.Option("--party", "-p", help="The node's own party (e.g. US).")],
    treaty: Annotated[str, typer.Option("--treaty", "-t", help="The treaty's id.")] = "new-start",
    store: Annotated[
        str | None, typer.Option("--store", help="A postgresql:// URL for a team store (default: ledger.sqlite).")
    ] = None,
    key: Annotated[Path | None, typer.Option("--key", help="An existing key file (default: a new key).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a node directory for one party: configuration, key and store."""
    config = init_node(directory, party, treaty, store, key)
    Node(config).close()  # the store made and the party registered now, so that `node status` can read it
    facts = {
        "directory": str(config.directory),
        "party": config.party,
        "origin": config.origin,
        "log_key": log_key(config),
    }
    if as_json:
        print_json(facts)
        return
    console.print(f"made node {shown(config.directory)} for {shown(party)} under {shown(treaty)}")
    console.print("give each peer this node's log key:")
    console.print(plain(facts["log_key"]))


@app.command("key")
def key(directory: NodeDir, as_json: JsonOption = False) -> None:
    """Print the verifier key of the node's log, for its peers' configuration."""
    config = load_node(directory)
    if as_json:
        print_json({"origin": config.origin, "log_key": log_key(config)})
        return
    console.print(plain(log_key(config)))


@app.command("add-peer")
def add_peer(
    directory: NodeDir,
    party: Annotated[str, typer.Option("--party", "-p", help="The peer's party.")],
    url: Annotated[str, typer.Option("--url", help="Where the peer's node answers (http:// or https://).")],
    peer_key: Annotated[str, typer.Option("--log-key", help="The peer's log key (`detente node key` on its node).")],
    as_json: JsonOption = False,
) -> None:
    """Add a peer: the node will witness and mirror its log, and push its own checkpoints to it."""
    config = configure_peer(load_node(directory), party, url, peer_key)
    if as_json:
        print_json({"peers": [p.model_dump() for p in config.peers]})
        return
    console.print(f"{shown(config.origin)} now has peers: {', '.join(shown(p.party) for p in config.peers)}")


@app.command("add-operator")
def add_operator(
    directory: NodeDir,
    name: Annotated[str, typer.Argument(help="The operator's name.")],
    as_json: JsonOption = False,
) -> None:
    """Make a token for an operator to submit with; it is printed once (the node keeps only its hash)."""
    token = make_operator(load_node(directory), name)
    if as_json:
        print_json({"operator": name, "token": token})
        return
    console.print(f"token for {shown(name)} (shown once; the node keeps its SHA-256):")
    console.print(plain(token))


@app.command("rotate-key")
def rotate_key(
    directory: NodeDir,
    revoke_as_of: Annotated[
        str | None,
        typer.Option("--revoke-as-of", help="Revoke the current key as of this UTC time (it was compromised)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rotate the node's key: a new key file, a key-rotation notification signed by the current key, node.toml updated.

    Stop the node first (`detente serve` holds the key it started with); its peers follow the rotation when they
    mirror it.
    """
    config = load_node(directory)
    number = 2
    while (config.directory / f"{config.party}-{number}.key").exists():
        number += 1
    name = f"{config.party}-{number}.key"
    new = PartyKey.generate(config.party)
    save_key(new, config.directory / name)
    try:
        with Node(config) as node:
            accepted = node.rotate_key(new, revoke_as_of)
    except BaseException:
        (config.directory / name).unlink()  # refused: no key file that signs nothing
        raise
    config = set_key(config, name)
    facts = {"party": config.party, "seq": accepted.seq, "key_file": name, "public_key": fingerprint(new.public_key)}
    if as_json:
        print_json(facts)
        return
    console.print(
        f"{shown(config.party)}'s key is now {facts['public_key']} ({shown(name)}), from entry #{accepted.seq + 1}"
    )


@app.command("status")
def status(directory: NodeDir, as_json: JsonOption = False) -> None:
    """The node's log, what it holds of each peer's, the cosignatures exchanged and the alarms (read-only)."""
    facts = node_status(directory)
    if as_json:
        print_json(facts)
        return
    console.print(
        f"{shown(facts['origin'])}: {facts['size']:,} entries, checkpoint at {facts['checkpoint']:,}"
        + (f", last notification sent {facts['last_sent']}" if facts.get("last_sent") else "")
        + f" (as of {facts['as_of']})"
    )
    acknowledgement = facts["acknowledgement"]
    table = Table(
        "peer",
        "mirrored",
        "witnessed",
        "cosigned ours",
        "unacknowledged",
        "its last notification",
        "state",
        title=f"peers (acknowledgement window {acknowledgement['window_days']} days)",
    )
    for peer in facts["peers"]:
        state = peer["state"] + (f" since {peer['silent_since']}" if peer.get("silent_since") else "")
        table.add_row(
            plain(peer["party"]),
            f"{peer['mirrored']:,}",
            f"{peer['witnessed']:,}",
            f"{peer['cosigned_ours']:,}",
            f"{acknowledgement['peers'][peer['party']]['unacknowledged_count']:,}",
            plain(peer.get("last_sent") or "never"),
            plain(state, "bold red" if peer["state"] == "silent" else ""),
        )
    console.print(table)
    for alarm in facts["alarms"]:
        console.print(plain(f"ALARM {alarm['time']} {alarm['peer']} {alarm['kind']}: {alarm['why']}", "bold red"))


@app.command("demo")
def demo(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to make the two nodes (a new directory; default: a temporary one)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a US and a Russian node on loopback and exchange the ILLUSTRATIVE 2011–2023 demo history between them."""
    import tempfile  # only the demo makes a temporary directory

    from detente.demo.nodes import run_node_demo  # the demo layer, only when asked for

    folder = directory or Path(tempfile.mkdtemp(prefix="detente-nodes-"))
    with console.status("starting the nodes…") as spinner:
        result = run_node_demo(folder, lambda message: spinner.update(f"exchanging: {message}"))
    facts = {
        "directory": str(result.directory),
        "seconds": round(result.seconds, 1),
        "entries": result.entries,
        "mirrors": {
            party: {"agree": result.agreement(party)[0], "published": result.agreement(party)[1]}
            for party in result.mirrors
        },
        "silence": result.silence,
    }
    if as_json:
        print_json(facts)
        return
    console.print(
        f"two nodes exchanged {sum(result.entries.values()):,} notifications in {result.seconds:.0f} s "
        f"(US {result.entries['US']:,}, RU {result.entries['RU']:,}); each mirrored, verified and cosigned the other's"
    )
    table = Table("node", "mirror of", "published figures (date × measure)", "equal to them", title="mirrors")
    for party in result.mirrors:
        agree, published = result.agreement(party)
        table.add_row(party, "RU" if party == "US" else "US", f"{published}", f"{agree}")
    console.print(table)
    silence = result.silence
    console.print(
        plain(
            f"as of {silence['as_of']} the US node shows RU {silence['state']}"
            + (
                f" since {silence['silent_since']} (the exchange due {silence.get('missed_exchange_due')} never came)"
                if silence["state"] == "silent"
                else ""
            )
        )
    )
    console.print(plain(f"the nodes are in {folder}: `detente node status {folder / 'us'}`"))


def serve(
    directory: NodeDir,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)] = 8400,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="TLS certificate chain (PEM).")] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="TLS private key (PEM).")] = None,
) -> None:
    """Run a node: its log, its witness and mirror of its peers, and its operators' submissions, over HTTP(S).

    The dashboard of everything the node holds (its own log and its mirrors) is served under /dashboard/.
    """
    if (tls_cert is None) != (tls_key is None):
        raise InputError("give both --tls-cert and --tls-key, or neither", Location(field="--tls-cert"))
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            raise InputError("no such file", Location.of(path))
    serve_node(directory, host, port, tls_cert, tls_key, mounts={"/dashboard": _dashboard})


def _dashboard(node: Node) -> ASGIApp:
    """The dashboard of the node's store: its own log and the logs it mirrors, at ``/dashboard/``."""
    from detente.web import Source, create_app

    return create_app(Source(node.store, f"the {node.party} node"))
