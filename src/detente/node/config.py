"""A node directory: one party's configuration, key, operators and (by default) its SQLite store.

Layout, as ``detente node init`` makes it::

    node.toml        party, treaty, store, key, and one [[peers]] table per peer
    PARTY.key        the party's Ed25519 signing key (owner-only), unless node.toml names another file
    operators.toml   who may submit: operator name → SHA-256 of their token (never the token itself)
    ledger.sqlite    the store, unless node.toml gives a postgresql:// URL

Rules for reading ``node.toml`` (the first failure refuses the whole file, naming the key and why):

1. It is TOML with exactly the keys below; an unknown key is refused (a typo would otherwise be ignored).
2. ``party`` is a party of ``treaty``; ``treaty`` is a built-in treaty id (a ledger records its treaty by id).
3. ``store`` is a path relative to the node directory or a ``postgresql://`` URL; ``key`` a path relative to it.
4. Each peer has a ``party`` of the treaty other than the node's own, an ``http://`` or ``https://`` URL, and a
   verifier key (``NAME+KEYID+BASE64``) whose name is that party's log origin, ``detente/TREATY/PARTY``: the key a
   checkpoint from that peer must verify under. A peer appears once.

Operators authenticate with bearer tokens stored hashed: a token is 32 random bytes shown once when made; the node
keeps only its SHA-256 and compares in constant time. Tokens rather than signed requests because the operators are
the party's own staff and scripts on a link they control (behind TLS), what they submit is signed by the node's key
anyway, and a token can be revoked by deleting one line.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detente._files import parse_toml, pydantic_error, read_text
from detente.crypto.keys import PartyKey, load_key, save_key
from detente.crypto.note import Verifier, parse_verifier_key, verifier_key
from detente.errors import InputError, Location, NodeError, NoteError
from detente.treaty.load import builtin_treaties

CONFIG = "node.toml"
OPERATORS = "operators.toml"
_OPERATOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Peer(BaseModel):
    """A peer as configured: its party, where its node answers, and the key its log signs with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    party: Annotated[str, Field(min_length=1, max_length=16)]
    url: Annotated[str, Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=2000)]
    key: Annotated[str, Field(min_length=1, max_length=400)]

    @property
    def verifier(self) -> Verifier:
        """The verifier of the peer's log (checked when the configuration is read)."""
        return parse_verifier_key(self.key)

    @property
    def base(self) -> str:
        """The URL without a trailing slash."""
        return self.url.rstrip("/")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party: Annotated[str, Field(min_length=1, max_length=16)]
    treaty: Annotated[str, Field(min_length=1, max_length=64)]
    store: Annotated[str, Field(min_length=1, max_length=2000)] = "ledger.sqlite"
    key: Annotated[str, Field(min_length=1, max_length=2000)]
    peers: list[Peer] = []


class NodeConfig:
    """A node directory, read and checked (rules 1–4)."""

    def __init__(self, directory: Path, data: _File) -> None:
        self.directory = directory
        self.party = data.party
        self.treaty = data.treaty
        self.store_setting = data.store
        self.key_setting = data.key
        self.peers = tuple(data.peers)

    @property
    def origin(self) -> str:
        """The node's log origin, and the name its checkpoints and cosignatures are signed under."""
        return origin_of(self.treaty, self.party)

    @property
    def store_target(self) -> str:
        """What :func:`detente.store.open_store` takes: an absolute SQLite path or the PostgreSQL URL."""
        if "://" in self.store_setting:
            return self.store_setting
        return str((self.directory / self.store_setting).resolve())

    def key(self) -> PartyKey:
        """The party's signing key, read from its file (owner-only, of this party)."""
        return load_key(self.directory / self.key_setting, self.party)

    def peer(self, party: str) -> Peer | None:
        """The configured peer of that party."""
        return next((p for p in self.peers if p.party == party), None)

    def peer_by_origin(self, origin: str) -> Peer | None:
        """The configured peer whose log has this origin."""
        return next((p for p in self.peers if origin_of(self.treaty, p.party) == origin), None)


def origin_of(treaty: str, party: str) -> str:
    """A party's log origin: ``detente/TREATY/PARTY`` (as :func:`detente.ledger.log_origin` names it)."""
    return f"detente/{treaty}/{party}"


def load_node(directory: Path) -> NodeConfig:
    """Read and check a node directory's ``node.toml`` (rules 1–4)."""
    directory = Path(directory)
    path = directory / CONFIG
    if not directory.is_dir():
        raise NodeError("no such node directory", Location.of(directory), "make one with `detente node init`")
    if not path.is_file():
        raise NodeError(f"not a node directory: it has no {CONFIG}", Location.of(directory))
    try:
        data = _File.model_validate(parse_toml(read_text(path), str(path)))
    except ValidationError as exc:
        raise pydantic_error(exc, str(path), NodeError) from None
    _check(data, path)
    return NodeConfig(directory.resolve(), data)


def _check(data: _File, path: Path) -> None:
    """Rules 2–4 for a configuration read from (or about to be written to) ``path``."""
    treaties = builtin_treaties()
    if data.treaty not in treaties:
        raise NodeError(
            f"unknown treaty {data.treaty!r}", Location.of(path, None, "treaty"), f"built in: {', '.join(treaties)}"
        )
    parties = treaties[data.treaty].party_ids()
    if data.party not in parties:
        raise NodeError(
            f"{data.party!r} is not a party to {data.treaty}", Location.of(path, None, "party"), ", ".join(parties)
        )
    seen: set[str] = set()
    for i, peer in enumerate(data.peers):
        where = Location.of(path, None, f"peers[{i}]")
        if peer.party == data.party or peer.party not in parties or peer.party in seen:
            why = "is the node's own party" if peer.party == data.party else "is not a party to the treaty"
            raise NodeError(f"peer {peer.party!r} {'appears twice' if peer.party in seen else why}", where)
        seen.add(peer.party)
        try:
            verifier = peer.verifier
        except NoteError as exc:
            raise NodeError(f"key: {exc}", where) from None
        if verifier.name != origin_of(data.treaty, peer.party):
            raise NodeError(f"key is for the log {verifier.name!r}, not {origin_of(data.treaty, peer.party)!r}", where)


def _toml_string(value: str) -> str:
    """A TOML basic string (json's escaping is TOML's for the characters that need it)."""
    import json  # noqa: PLC0415 - only writing a configuration needs it

    return json.dumps(value, ensure_ascii=False)


def _write_config(directory: Path, data: _File) -> None:
    lines = [
        "# A detente node (docs/node.md): one party's ledger, its tiled log, and the witness and mirror of its peers.",
        f"party = {_toml_string(data.party)}",
        f"treaty = {_toml_string(data.treaty)}",
        f"store = {_toml_string(data.store)}",
        f"key = {_toml_string(data.key)}",
    ]
    for peer in data.peers:
        lines += ["", "[[peers]]", f"party = {_toml_string(peer.party)}", f"url = {_toml_string(peer.url)}"]
        lines.append(f"key = {_toml_string(peer.key)}")
    _atomic_write(directory / CONFIG, "\n".join(lines) + "\n")


def _atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def init_node(
    directory: Path, party: str, treaty: str, store: str | None = None, key: Path | None = None
) -> NodeConfig:
    """Make a node directory for one party: its configuration, its key (a new one unless given), no peers yet.

    The directory must not exist or be empty. The store is created when the node first opens it.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise NodeError("exists and is not an empty directory", Location.of(directory), "choose a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        if key is None:
            key_name = f"{party}.key"
            save_key(PartyKey.generate(party), directory / key_name)
        else:
            load_key(key, party)  # the key is checked before it is named
            key_name = str(Path(key).resolve())
        _write_config(directory, _File(party=party, treaty=treaty, store=store or "ledger.sqlite", key=key_name))
        _atomic_write(directory / OPERATORS, '# operator name = "sha256:<hex>" (detente node operator add)\n')
        return load_node(directory)
    except BaseException:
        for child in directory.iterdir():
            child.unlink()
        directory.rmdir()
        raise


def add_peer(config: NodeConfig, party: str, url: str, key: str) -> NodeConfig:
    """Add a peer to a node's configuration, checked as ``node.toml`` is read (rule 4)."""
    data = _File.model_validate(parse_toml(read_text(config.directory / CONFIG), CONFIG))
    if any(p.party == party for p in data.peers):
        raise NodeError(f"peer {party!r} is configured already", Location.of(config.directory / CONFIG))
    try:
        peer = Peer(party=party, url=url, key=key)
    except ValidationError as exc:
        raise pydantic_error(exc, "peer", NodeError) from None
    candidate = data.model_copy(update={"peers": [*data.peers, peer]})
    _check(candidate, config.directory / CONFIG)  # refused here if the peer is wrong: node.toml is untouched
    _write_config(config.directory, candidate)
    return load_node(config.directory)


def set_key(config: NodeConfig, key_file: str) -> NodeConfig:
    """Point the node at another key file (after a key rotation), checked as ``node.toml`` is read."""
    data = _File.model_validate(parse_toml(read_text(config.directory / CONFIG), CONFIG))
    candidate = data.model_copy(update={"key": key_file})
    load_key(config.directory / key_file, config.party)  # the key is checked before it is named
    _write_config(config.directory, candidate)
    return load_node(config.directory)


def log_key(config: NodeConfig) -> str:
    """The verifier key of the node's own log, to give to its peers."""
    return verifier_key(Verifier(config.origin, config.key().public_key))


# ------------------------------------------------------------------------------------------------ operators


def _operators(config: NodeConfig) -> dict[str, str]:
    path = config.directory / OPERATORS
    doc: dict[str, Any] = parse_toml(read_text(path), str(path)) if path.exists() else {}
    for name, value in doc.items():
        if not isinstance(value, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
            raise NodeError('must be "sha256:<64 hex digits>"', Location.of(path, None, name))
    return doc


def add_operator(config: NodeConfig, name: str) -> str:
    """Make a token for a new operator; return it (it is shown once: the node keeps only its hash)."""
    if not _OPERATOR_NAME.fullmatch(name):
        raise InputError(
            f"operator name {name!r} must be 1–64 letters, digits, '.', '_' or '-'", Location(field="name")
        )
    operators = _operators(config)
    if name in operators:
        raise NodeError(f"operator {name!r} exists", Location.of(config.directory / OPERATORS), "remove the line first")
    token = secrets.token_urlsafe(32)
    operators[name] = "sha256:" + hashlib.sha256(token.encode()).hexdigest()
    body = "".join(f"{k} = {_toml_string(v)}\n" for k, v in operators.items())
    _atomic_write(config.directory / OPERATORS, '# operator name = "sha256:<hex>" (detente node operator add)\n' + body)
    return token


def operator_of(config: NodeConfig, token: str) -> str | None:
    """The operator a bearer token belongs to, or None; every stored hash is compared in constant time."""
    digest = "sha256:" + hashlib.sha256(token.encode()).hexdigest()
    found = None
    for name, stored in _operators(config).items():
        if hmac.compare_digest(stored, digest):
            found = name
    return found


__all__ = [
    "CONFIG",
    "NodeConfig",
    "Peer",
    "add_operator",
    "add_peer",
    "init_node",
    "load_node",
    "log_key",
    "operator_of",
    "origin_of",
    "set_key",
]
