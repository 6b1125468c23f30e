"""A party's log as a C2SP tiled transparency log (tlog-tiles): what a node serves, computed from the ledger store.

The log is the party's RFC 9162 tree as the store keeps it, one leaf per entry: the hash of its signed payload
(:mod:`detente.crypto.stored_tree`); entry ``seq`` is leaf ``seq - 1``. Its signed tree heads are the checkpoints
the writer records at every data exchange (:mod:`detente.ledger.checkpoints`). This module turns a store into the
spec's resources: hash tiles, entry bundles and the checkpoint, plus detente's own signed bundles, which carry
each entry with its signature whatever its size. It reads through the :class:`~detente.ledger.port.LedgerStore`
port and speaks no HTTP; :func:`write_tiles` lays the resources out in a directory for a static web server, and
:func:`split_entries` and :func:`split_signed` read the bundles a peer serves.

Paths (relative to the log's prefix; :func:`tile_path` writes them, :func:`parse_tile_path` reads them):

1. A hash tile is ``tile/<L>/<N>[.p/<W>]``, an entry bundle ``tile/entries/<N>[.p/<W>]``, and detente's signed
   bundle ``signed/<N>[.p/<W>]``. ``L`` is a decimal level in 0..63; ``N`` is the tile index written as groups
   of three digits, every group but the last prefixed with ``x`` (1234067 is ``x001/x234/067``); the
   ``.p/<W>`` suffix, with ``W`` in 1..255, marks a partial tile of width ``W``; a full tile has no suffix.
2. Only the canonical spelling is read: no leading zeros (in ``L``, ``W``, or a leading ``000`` group of ``N``),
   exactly three ASCII digits per group, no empty, extra or trailing segment, no ``.p/256`` or ``.p/0``, no
   prefix or leading slash. Anything else is refused with an :class:`~detente.errors.InputError` naming the
   path; a path is accepted only if :func:`tile_path` writes it back identically.
3. A tile whose first leaf, ``N * 256**(L+1)``, is 2**64 or more is refused as well: no RFC 9162 tree reaches
   it (detente's bound; the spec leaves ``N`` unbounded).

Contents:

4. Hash tile ``(L, N)`` of width ``W`` is the concatenation of the 32-byte hashes of the tree nodes at positions
   ``(8L, 256N + k)`` for ``k`` in ``[0, W)``: the MTH of leaves ``[(256N + k) * 256**L, (256N + k + 1) *
   256**L)``. Level 0 holds the leaf hashes; a hash at level ``L >= 1`` is the root of a *full* tile at ``L - 1``.
   All ``W`` hashes are read in one ``tree_nodes`` call.
5. Entry bundle ``N`` of width ``W`` holds entries ``256N + 1 .. 256N + W`` (leaves ``256N .. 256N + W - 1``),
   each as a big-endian uint16 length and the entry's signed payload exactly as stored, so SHA-256(0x00 || bytes)
   is the leaf in hash tile ``(0, N)``. An entry longer than 65,535 bytes cannot be framed, and the spec has no
   larger framing: such a bundle does not exist in the spec's format, and reading it is refused with a
   :class:`~detente.errors.FramingError` naming the entry, its size and the signed bundle that carries it (the
   node answers 404 with that text). A bundle whose entries all fit is served, so the spec's clients read it.
   All ``W`` entries are read in one ``entries`` call.
6. Detente's extension, outside the spec's ``tile/`` namespace so that no tlog-tiles client mistakes it for a
   tile: the signed bundle ``signed/N[.p/W]`` holds the same entries as entry bundle ``N``, each as a big-endian
   uint32 length ``L`` and ``L`` bytes: the entry's Ed25519 signature (64 bytes, over the payload, by the
   party's registered key), then its payload exactly as stored (so ``L = 64 + len(payload)``, and SHA-256(0x00
   || payload) is the leaf). It exists wherever entry bundle ``N`` would (rules 7–8), whatever the entries'
   sizes. Why: detente's data exchanges (the initial data, each six-monthly update) are a full declaration of
   100–200 KB, which the spec's uint16 framing cannot carry; one fetch gives a mirror the payloads and their
   signatures. With it and the party's public key, a reader checks every entry's leaf and signature without
   trusting the node; the tree does not commit to the signatures, the party's key does. All ``W`` entries are
   read in one ``entries`` call, as for rule 5.

Which tiles exist, for a tree of ``s`` leaves (the size of a signed checkpoint):

7. Level ``L`` has ``c = floor(s / 256**L)`` hashes (bundles, entry and signed: ``c = s``, as level 0). The full
   tiles are ``N < floor(c / 256)``; the partial tile is ``N = floor(c / 256)`` of width ``c mod 256``, and
   exists only if that width is not 0 (empty tiles are never served). Levels with ``c = 0`` have no tile. A
   partial tile is never hashed into the level above. (An entry bundle listed here may still be refused when
   read: rule 5.)
8. A full tile exists at ``s`` once the tree covers it. A partial tile exists at ``s`` only with exactly the width
   ``s`` gives it: the spec has logs serve the partial tiles of the sizes they issued checkpoints for, and clients
   fetch no partial tile no verified checkpoint requires, so a partial tile of another width is refused even
   when the tree holds its hashes. Every tile is immutable: what exists at one size is the same bytes at any
   larger size at which it exists. A node serving several checkpoints serves a tile if it exists at any of their
   sizes (:func:`serving_size`); one that exists at none is refused with a :class:`~detente.errors.TreeError`.
9. Reads are of a size the store's tree has reached (``0 <= s <= tree_size``); a larger one is refused before
   anything else is read.

Writing a directory (:func:`write_tiles`), for the sizes of recorded checkpoints:

10. Every size given is the size of a checkpoint the store recorded for the party; its note is a checkpoint of the
    party's log (origin ``detente/TREATY/PARTY``) with the size and root recorded, and that root is the stored
    tree's at that size. Otherwise nothing is written.
11. Every resource that exists at any of the sizes (rule 7) is written under its path (rule 1), entry and signed
    bundles first, then hash tiles level by level, each through a temporary file renamed into place. A resource
    already there with the same bytes is left as it is; one with other bytes is refused
    (:class:`~detente.errors.OutputFileError`): the directory holds another history of the log (a fork) or was
    altered, and it is kept as evidence. An entry bundle that cannot be framed (rule 5) is skipped, not a
    failure: it is reported in :attr:`TilesWritten.skipped` at every write, its entries are in the signed bundle
    of the same index and width, and a file at its path is refused as one with other bytes.
12. The ``checkpoint`` file (the recorded note, verbatim) is written last, so a write that fails leaves the
    directory serving its previous checkpoint with every resource that checkpoint needs. It is never rolled back:
    a checkpoint there of a larger size is kept. A checkpoint there of another log, of a size beyond the stored
    tree, or with another root than the stored tree's at its size is refused before anything is written.
13. One writer per directory, as one writer per ledger: two processes writing one directory at once may race.

Reading a peer's bundles (:func:`split_entries`, :func:`split_signed`), before anything in them is trusted:

14. A bundle is split only if its framing is exact: exactly the ``count`` items its path's width gives, each a
    length (uint16 for an entry bundle, uint32 for a signed bundle) and that many bytes, nothing after the last
    item; in a signed bundle every item holds at least the 64-byte signature. Anything else is refused with a
    :class:`~detente.errors.PeerRequestError` (422) saying where the framing breaks. Splitting proves nothing
    else: the reader hashes the payloads to its checkpoint's root and checks the signatures with the party's key.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from detente.crypto.merkle import HASH_SIZE, MAX_SIZE
from detente.crypto.note import parse_note
from detente.crypto.stored_tree import StoredTree
from detente.errors import (
    FramingError,
    InputError,
    LedgerError,
    Location,
    NoteError,
    OutputFileError,
    PeerRequestError,
    StoreError,
    TreeError,
)
from detente.ledger.chain import Entry
from detente.ledger.checkpoints import log_origin
from detente.ledger.port import CheckpointRecord, LedgerStore

ENTRIES: Final = "entries"
"""The level of an entry bundle, ``tile/entries/N``."""
SIGNED: Final = "signed"
"""The level of detente's signed bundle, ``signed/N`` (rule 6)."""
Level = int | Literal["entries", "signed"]
"""A hash tile's level (0..63), or :data:`ENTRIES` or :data:`SIGNED` for a bundle."""

FULL: Final = 256
"""The width of a full tile: 256 hashes (8,192 bytes), or 256 entries in a bundle."""
MAX_LEVEL: Final = 63
MAX_ENTRY: Final = 0xFFFF
"""The longest entry an entry bundle can frame: its length is a big-endian uint16 (rule 5)."""
MAX_SIGNED: Final = 0xFFFF_FFFF
"""The longest item (signature and payload) a signed bundle can frame: its length is a big-endian uint32 (rule 6)."""
SIGNATURE_SIZE: Final = 64
"""The length of an Ed25519 signature, the head of every item of a signed bundle (rule 6)."""
CHECKPOINT: Final = "checkpoint"
"""The path of the log's latest checkpoint."""

_TILE = "tile"
_LONGEST_PATH = 64  # a canonical path is at most ~50 characters (rule 3); longer ones are not parsed at all


@dataclass(frozen=True)
class TileRef:
    """One resource of the tiled log: a hash tile at ``level``, or a bundle; its index and width (rule 1).

    ``width`` is :data:`FULL` for a full tile, else 1..255. Made with anything else, it raises
    :class:`~detente.errors.InputError`.
    """

    level: Level
    index: int
    width: int = FULL

    def __post_init__(self) -> None:
        level, index, width = self.level, self.index, self.width
        where = Location(field="tile")
        if level not in (ENTRIES, SIGNED) and not (type(level) is int and 0 <= level <= MAX_LEVEL):
            raise InputError(f"tile level {level!r} is not 0..{MAX_LEVEL}, {ENTRIES!r} or {SIGNED!r}", where)
        if type(index) is not int or index < 0:
            raise InputError(f"tile index {index!r} is not a non-negative integer", where)
        if type(width) is not int or not 1 <= width <= FULL:
            raise InputError(f"tile width {width!r} is not 1..{FULL}", where)
        if index << (8 * (self.tree_level + 1)) >= MAX_SIZE:
            raise InputError(f"tile {index} of level {level} starts beyond 2**64 leaves: no tree has it", where)

    @property
    def tree_level(self) -> int:
        """The tree level of the hashes (or entries) it holds: bundles are level 0's."""
        return self.level if isinstance(self.level, int) else 0

    @property
    def is_partial(self) -> bool:
        """Whether it is a partial tile (fewer than 256 hashes or entries)."""
        return self.width != FULL

    @property
    def is_bundle(self) -> bool:
        """Whether it holds entries (an entry or a signed bundle) rather than hashes."""
        return not isinstance(self.level, int)

    @property
    def leaves(self) -> range:
        """The indices of the leaves it covers (rule 4); leaf ``i`` is entry ``i + 1``."""
        shift = 8 * self.tree_level
        first = FULL * self.index
        return range(first << shift, (first + self.width) << shift)

    @property
    def path(self) -> str:
        """Its path under the log's prefix (rule 1)."""
        digits = f"{self.index:d}"
        digits = digits.zfill(-(-len(digits) // 3) * 3)
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
        name = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
        if self.is_partial:
            name += f".p/{self.width}"
        head = SIGNED if self.level == SIGNED else f"{_TILE}/{self.level}"
        return f"{head}/{name}"


def tile_path(level: Level, n: int, width: int = FULL) -> str:
    """The path of tile ``n`` at ``level`` (or of bundle ``n``, level :data:`ENTRIES` or :data:`SIGNED`).

    ``tile_path(0, 1234067, 5)`` is ``"tile/0/x001/x234/067.p/5"``; a full tile (``width`` 256) has no suffix.
    """
    return TileRef(level, n, width).path


def _refuse(path: str, why: str) -> InputError:
    shown = path if len(path) <= _LONGEST_PATH else path[:_LONGEST_PATH] + "…"
    return InputError(
        why, Location(field=f"tile path {shown!r}"), "c2sp.org/tlog-tiles says how a tile path is written"
    )


def _decimal(text: str) -> int | None:
    """A decimal of ASCII digits without leading zeros, or None."""
    if not text or not text.isascii() or not text.isdigit() or (text[0] == "0" and len(text) > 1):
        return None
    return int(text)


def parse_tile_path(path: str) -> TileRef:
    """The resource a path names, if the path is canonical (rules 1–3); :class:`~detente.errors.InputError` if not."""
    if not isinstance(path, str):
        raise InputError(f"a tile path is text, not {type(path).__name__}", Location(field="tile path"))
    if len(path) > _LONGEST_PATH:
        raise _refuse(path, f"is longer than any tile path ({_LONGEST_PATH} characters)")
    segments = path.split("/")
    level: Level
    if segments[0] == SIGNED:
        level, rest = SIGNED, segments[1:]
    elif segments[0] == _TILE and len(segments) > 1:
        rest = segments[2:]
        if segments[1] == ENTRIES:
            level = ENTRIES
        else:
            number = _decimal(segments[1])
            if number is None or number > MAX_LEVEL:
                raise _refuse(path, f"level {segments[1]!r} is not a number 0..{MAX_LEVEL} without leading zeros")
            level = number
    else:
        raise _refuse(path, f"is not under {_TILE}/ or {SIGNED}/")
    width = FULL
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        number = _decimal(rest[-1])
        if number is None or not 1 <= number < FULL:
            raise _refuse(path, f"partial width {rest[-1]!r} is not a number 1..255 without leading zeros")
        width = number
        rest = [*rest[:-2], rest[-2][:-2]]
    if not rest:
        raise _refuse(path, "names no tile index")
    digits = []
    for i, group in enumerate(rest):
        body = group if i == len(rest) - 1 else group.removeprefix("x")
        if (i < len(rest) - 1 and not group.startswith("x")) or len(body) != 3 or not body.isascii():
            raise _refuse(path, f"index segment {group!r} is not 'xDDD' (all but the last) or 'DDD' (the last)")
        if not body.isdigit():
            raise _refuse(path, f"index segment {group!r} is not three digits")
        digits.append(body)
    if len(digits) > 1 and digits[0] == "000":
        raise _refuse(path, "the tile index has a leading group of zeros")
    try:
        ref = TileRef(level, int("".join(digits)), width)
    except InputError as exc:
        raise _refuse(path, exc.why) from None
    if ref.path != path:  # rules 1-2 say the same; kept so that no spelling but the canonical one is ever accepted
        raise _refuse(path, f"is not canonical: {ref.path!r}")
    return ref


# --------------------------------------------------------------------------------------------- which tiles exist


def exists_at(ref: TileRef, size: int) -> bool:
    """Whether the tree of ``size`` leaves has this tile, at this width (rules 7–8)."""
    count = size >> (8 * ref.tree_level)
    if not ref.is_partial:
        return (ref.index + 1) * FULL <= count
    return ref.index == count // FULL and ref.width == count % FULL


def serving_size(ref: TileRef, sizes: Iterable[int]) -> int | None:
    """The smallest of ``sizes`` (a node's checkpoint sizes) at which the tile exists, or None (rule 8)."""
    return min((s for s in sizes if exists_at(ref, s)), default=None)


def sizes_having(ref: TileRef) -> tuple[int, int | None]:
    """The tree sizes at which the tile exists (rules 7, 8): ``[low, high)``, or ``[low, ∞)`` (``high`` None).

    A full tile exists from the size that fills it on; a partial tile only at the sizes that give its level exactly
    its width of hashes. So a node finds a size to serve a tile at with one indexed query, not a scan of every
    checkpoint it recorded.
    """
    shift = 8 * ref.tree_level
    count = FULL * ref.index + ref.width
    return (count << shift, None) if not ref.is_partial else (count << shift, (count + 1) << shift)


def tiles_at(size: int) -> list[TileRef]:
    """Every resource the tree of ``size`` leaves has (rule 7): entry and signed bundles, then tiles by level."""
    out: list[TileRef] = []
    full, width = divmod(size, FULL)
    for bundle in (ENTRIES, SIGNED):
        out.extend(TileRef(bundle, n) for n in range(full))
        if width:
            out.append(TileRef(bundle, full, width))
    level = 0
    while count := size >> (8 * level):
        full, width = divmod(count, FULL)
        out.extend(TileRef(level, n) for n in range(full))
        if width:
            out.append(TileRef(level, full, width))
        level += 1
    return out


# --------------------------------------------------------------------------------------------- reading


def _check(store: LedgerStore, party: str, ref: TileRef, size: int, kind: Literal["hash", "bundle"]) -> None:
    """Refuse a tile of the wrong kind, a size the tree has not reached, or a tile that size does not have."""
    if (kind == "bundle") != ref.is_bundle:
        other = "read_entries or read_signed" if ref.is_bundle else "read_tile"
        raise InputError(f"{ref.path} is not a {kind} tile; {other} reads it", Location(field="tile"))
    if type(size) is not int or size < 0:
        raise TreeError(f"tree size {size!r} is not a non-negative integer", Location(field="size"))
    stored = store.tree_size(party)
    if size > stored:
        raise TreeError(f"the {party} log has {stored} entries, not {size}", Location(field="size"))
    if not exists_at(ref, size):
        full, width = divmod(size >> (8 * ref.tree_level), FULL)
        noun = "bundle" if ref.is_bundle else f"level-{ref.tree_level} tile"
        has = f"{full} full {noun}(s)" + (f" and {noun} {full} of width {width}" if width else "")
        raise TreeError(
            f"the {party} log at size {size} has no {ref.path}: it has {has}",
            Location(field="tile"),
            "a partial tile is served at the width a checkpoint's size gives it, a full one once the tree covers it",
        )


def read_tile(store: LedgerStore, party: str, ref: TileRef, size: int) -> bytes:
    """Hash tile ``ref`` of the party's log as it exists at ``size`` leaves (rules 4, 7–9), in one store read."""
    _check(store, party, ref, size, "hash")
    level = 8 * ref.tree_level
    first = FULL * ref.index
    hashes = store.tree_nodes(party, [(level, first + k) for k in range(ref.width)])
    data = b"".join(hashes)
    if len(hashes) != ref.width or len(data) != ref.width * HASH_SIZE:
        raise StoreError(f"the {party} tree gave {len(data)} bytes for {ref.path}, not {ref.width} hashes")
    return data


def _entries(store: LedgerStore, party: str, ref: TileRef, size: int) -> list[Entry]:
    """The entries a bundle holds, in one store read (rules 5–9)."""
    _check(store, party, ref, size, "bundle")
    first = FULL * ref.index + 1
    last = first + ref.width - 1
    entries = list(store.entries(party, first, last))
    if [e.seq for e in entries] != list(range(first, last + 1)):
        raise StoreError(f"the {party} log gave {len(entries)} entries for #{first}..#{last} ({ref.path})")
    return entries


def read_entries(store: LedgerStore, party: str, ref: TileRef, size: int) -> bytes:
    """Entry bundle ``ref`` (level :data:`ENTRIES`) at ``size`` leaves: the signed payloads, framed (rules 5, 7–9).

    An entry longer than :data:`MAX_ENTRY` raises :class:`~detente.errors.FramingError`: the bundle does not
    exist in the spec's format, and its entries are in :func:`read_signed`'s bundle of the same index and width.
    """
    if ref.level != ENTRIES:
        raise InputError(f"{ref.path} is not an entry bundle", Location(field="tile"))
    out = bytearray()
    for e in _entries(store, party, ref, size):
        if len(e.payload) > MAX_ENTRY:
            signed = TileRef(SIGNED, ref.index, ref.width).path
            raise FramingError(
                f"{party} #{e.seq} is {len(e.payload):,} bytes, longer than the {MAX_ENTRY:,} a tlog-tiles entry "
                f"bundle can frame, so this bundle does not exist in that format; {signed} carries its entries, "
                "each with its signature",
                Location(field=ref.path),
            )
        out += len(e.payload).to_bytes(2, "big")
        out += e.payload
    return bytes(out)


def read_signed(store: LedgerStore, party: str, ref: TileRef, size: int) -> bytes:
    """Signed bundle ``ref`` (level :data:`SIGNED`) at ``size`` leaves: signatures and payloads (rules 6–9).

    Every entry is framed, whatever its size: this is how an entry too long for :func:`read_entries` travels.
    """
    if ref.level != SIGNED:
        raise InputError(f"{ref.path} is not a signed bundle", Location(field="tile"))
    out = bytearray()
    for e in _entries(store, party, ref, size):
        if len(e.signature) != SIGNATURE_SIZE:
            raise StoreError(
                f"the {party} log holds a signature of {len(e.signature)} bytes for #{e.seq}, not {SIGNATURE_SIZE} "
                "(`detente ledger verify` audits the ledger)"
            )
        length = SIGNATURE_SIZE + len(e.payload)
        if length > MAX_SIGNED:
            raise FramingError(
                f"{party} #{e.seq} is {len(e.payload):,} bytes, longer than a signed bundle can frame",
                Location(field=ref.path),
            )
        out += length.to_bytes(4, "big")
        out += e.signature
        out += e.payload
    return bytes(out)


def read_resource(store: LedgerStore, party: str, ref: TileRef, size: int) -> bytes:
    """Whichever of :func:`read_tile`, :func:`read_entries` or :func:`read_signed` ``ref`` is for."""
    if ref.level == ENTRIES:
        return read_entries(store, party, ref, size)
    if ref.level == SIGNED:
        return read_signed(store, party, ref, size)
    return read_tile(store, party, ref, size)


# --------------------------------------------------------------------------------------------- a peer's bundles


def _split(data: bytes, count: int, head: int, least: int, what: str) -> list[bytes]:
    """The ``count`` items of ``data``, each a ``head``-byte length and ``least`` bytes or more (rule 14)."""
    if type(count) is not int or count < 0:
        raise InputError(f"an item count of {count!r} is not a non-negative integer", Location(field="count"))
    view = memoryview(data)
    items: list[bytes] = []
    at = 0
    while at < len(view):
        if len(items) == count:
            raise PeerRequestError(422, f"{what} has {len(view) - at:,} bytes more than the {_items(count)} it holds")
        if at + head > len(view):
            raise PeerRequestError(422, f"{what} ends inside the length of item {len(items) + 1} of {count}")
        length = int.from_bytes(view[at : at + head], "big")
        at += head
        if length < least:
            raise PeerRequestError(
                422, f"item {len(items) + 1} of {what} is {length} bytes, shorter than the signature it begins with"
            )
        if at + length > len(view):
            raise PeerRequestError(
                422, f"item {len(items) + 1} of {what} says {length:,} bytes, but {len(view) - at:,} remain"
            )
        items.append(bytes(view[at : at + length]))
        at += length
    if len(items) != count:
        raise PeerRequestError(422, f"{what} holds {_items(len(items))}, not the {count} its width gives")
    return items


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


def split_entries(data: bytes, count: int, *, path: str | None = None) -> list[bytes]:
    """The ``count`` payloads of an entry bundle (rule 5) a peer sent, if its framing is exact (rule 14).

    Anything else raises :class:`~detente.errors.PeerRequestError` (422), naming ``path`` if given.
    """
    return _split(data, count, 2, 0, path or "the entry bundle")


def split_signed(data: bytes, count: int, *, path: str | None = None) -> list[tuple[bytes, bytes]]:
    """The ``count`` (signature, payload) pairs of a signed bundle (rule 6) a peer sent, if framed exactly (rule 14).

    Every item must hold at least the 64-byte signature. Anything else raises
    :class:`~detente.errors.PeerRequestError` (422), naming ``path`` if given.
    """
    items = _split(data, count, 4, SIGNATURE_SIZE, path or "the signed bundle")
    return [(item[:SIGNATURE_SIZE], item[SIGNATURE_SIZE:]) for item in items]


# --------------------------------------------------------------------------------------------- writing


def _published(store: LedgerStore, party: str, sizes: Iterable[int] | None) -> tuple[str, list[CheckpointRecord]]:
    """The party's log origin and the recorded checkpoints to publish, by size, each checked (rule 10)."""
    record = next((p for p in store.parties() if p.party == party), None)
    if record is None:
        raise LedgerError(f"party {party} is not registered in this ledger", Location(field="party"))
    recorded = {k.size: k for k in store.checkpoints(party)}
    wanted = sorted(set(recorded if sizes is None else sizes))
    if not wanted:
        raise TreeError(f"the {party} log has no checkpoint to publish", Location(field="sizes"))
    missing = [s for s in wanted if s not in recorded]
    if missing:
        raise TreeError(
            f"the {party} log has no checkpoint at size {missing[0]!r}",
            Location(field="sizes"),
            f"its checkpoints are at sizes {', '.join(map(str, sorted(recorded))) or 'none'}",
        )
    origin = log_origin(record)
    tree = StoredTree(store, party)
    out = []
    for size in wanted:
        k = recorded[size]
        try:
            body = parse_note(k.note).checkpoint()
        except NoteError as exc:
            raise StoreError(f"the {party} checkpoint at size {size} is not a checkpoint note: {exc}") from None
        if (body.origin, body.size, body.root) != (origin, k.size, k.root):
            raise StoreError(
                f"the {party} checkpoint at size {size} says {body.origin} at size {body.size}, not {origin} at "
                "the size and root recorded beside it (`detente ledger verify` audits the ledger)"
            )
        if size > tree.size or tree.root(size) != k.root:
            raise StoreError(
                f"the {party} checkpoint at size {size} is not of the stored tree, of {tree.size} entries "
                "(`detente ledger verify` audits the ledger)"
            )
        out.append(k)
    return origin, out


def _kept_checkpoint(store: LedgerStore, party: str, origin: str, target: Path, latest: int) -> bool:
    """Whether the directory's checkpoint stays: a larger one of this log does (rule 12); one that is not, refused."""
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputFileError(f"cannot be read as a checkpoint: {exc}", Location.of(target)) from None
    try:
        there = parse_note(text).checkpoint()
    except NoteError as exc:
        raise OutputFileError(f"is not a checkpoint note ({exc.why})", Location.of(target)) from None
    if there.origin != origin:
        raise OutputFileError(f"is a checkpoint of {there.origin}, not of {origin}", Location.of(target))
    stored = store.tree_size(party)
    if there.size > stored:
        raise OutputFileError(
            f"is of size {there.size}, beyond the {stored} entries of the {party} log: the directory was written "
            "from another ledger",
            Location.of(target),
        )
    if StoredTree(store, party).root(there.size) != there.root:
        raise OutputFileError(
            f"has another root at size {there.size} than the {party} log: the directory holds another history "
            "of the log (a fork), kept as evidence",
            Location.of(target),
        )
    return there.size > latest


def _atomic_write(target: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it into place (rule 11)."""
    temporary: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if not replace and target.exists():  # _write_immutable's check, again just before the rename
            raise OutputFileError("appeared while it was being written (another writer?)", Location.of(target))
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise OutputFileError(f"cannot be written: {exc.strerror or exc}", Location.of(target)) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _write_immutable(directory: Path, path: str, data: bytes) -> bool:
    """Write a tile unless it is there with the same bytes; refuse it there with other bytes (rule 11)."""
    target = directory.joinpath(*path.split("/"))
    try:
        there = target.read_bytes()
    except FileNotFoundError:
        there = None
    except OSError as exc:
        raise OutputFileError(f"cannot be read back: {exc.strerror or exc}", Location.of(target)) from None
    if there is not None:
        if there == data:
            return False
        raise OutputFileError(
            f"holds {len(there)} bytes that are not {path} of this log: the directory holds another history of the "
            "log (a fork) or was altered; it is kept as evidence",
            Location.of(target),
            "publish into a new directory, and keep this one",
        )
    _atomic_write(target, data, replace=False)
    return True


def _refuse_unframed(directory: Path, path: str) -> None:
    """Refuse a file where an entry bundle that cannot be framed would be (rule 11): this log never wrote one."""
    target = directory.joinpath(*path.split("/"))
    try:
        there = target.exists() or target.is_symlink()
    except OSError as exc:
        raise OutputFileError(f"cannot be read back: {exc.strerror or exc}", Location.of(target)) from None
    if there:
        raise OutputFileError(
            f"is there, but this log has no {path}: an entry of it is too long to frame (rule 5). The directory "
            "holds another history of the log (a fork) or was altered; it is kept as evidence",
            Location.of(target),
            "publish into a new directory, and keep this one",
        )


@dataclass(frozen=True)
class TilesWritten:
    """What :func:`write_tiles` did to a directory (rules 11–12)."""

    written: tuple[str, ...]
    """The paths written, in order, ``checkpoint`` last if it was; those already there with the same bytes are not."""
    skipped: tuple[str, ...]
    """The entry bundles that exist at the sizes but cannot be framed (rule 5), at every write: the directory never
    holds them, and the signed bundle of the same index and width (``signed/...``) carries their entries."""


def write_tiles(
    store: LedgerStore, party: str, directory: str | os.PathLike[str], sizes: Iterable[int] | None = None
) -> TilesWritten:
    """Write the party's log as tlog-tiles resources for the checkpoint ``sizes`` (default: every one recorded).

    ``directory`` is laid out as the log's URL paths (rules 1, 11, 12), so a static web server can serve it; it is
    made if its parent exists. Returns the paths written, the ``checkpoint`` last if it was (resources already
    there with the same bytes are not rewritten), and the entry bundles skipped because an entry is too long for
    one (rule 5): their entries are in the signed bundles, written as every other resource.
    """
    origin, published = _published(store, party, sizes)
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise OutputFileError("is a file, not a directory to write tiles into", Location.of(folder))
    if not folder.exists():
        if not folder.parent.is_dir():
            raise OutputFileError(f"folder {folder.parent} does not exist", Location.of(folder), "create it first")
        try:
            folder.mkdir()
        except OSError as exc:
            raise OutputFileError(f"cannot be made: {exc.strerror or exc}", Location.of(folder)) from None
    latest = published[-1]
    keep = _kept_checkpoint(store, party, origin, folder / CHECKPOINT, latest.size)
    at: dict[TileRef, int] = {}  # each resource, and the first size it exists at
    for k in published:
        for ref in tiles_at(k.size):
            at.setdefault(ref, k.size)
    written: list[str] = []
    skipped: list[str] = []
    for ref in sorted(at, key=lambda r: (not r.is_bundle, r.tree_level, str(r.level), r.index, r.width)):
        try:
            data = read_resource(store, party, ref, at[ref])
        except FramingError:
            if ref.level != ENTRIES:
                raise
            _refuse_unframed(folder, ref.path)
            skipped.append(ref.path)
            continue
        if _write_immutable(folder, ref.path, data):
            written.append(ref.path)
    if not keep:
        target = folder / CHECKPOINT
        note = latest.note.encode()
        try:
            unchanged = target.read_bytes() == note
        except FileNotFoundError:
            unchanged = False
        if not unchanged:
            _atomic_write(target, note, replace=True)
            written.append(CHECKPOINT)
    return TilesWritten(tuple(written), tuple(skipped))


__all__ = [
    "CHECKPOINT",
    "ENTRIES",
    "FULL",
    "MAX_ENTRY",
    "MAX_SIGNED",
    "SIGNATURE_SIZE",
    "SIGNED",
    "Level",
    "TileRef",
    "TilesWritten",
    "exists_at",
    "parse_tile_path",
    "read_entries",
    "read_resource",
    "read_signed",
    "read_tile",
    "serving_size",
    "sizes_having",
    "split_entries",
    "split_signed",
    "tile_path",
    "tiles_at",
    "write_tiles",
]
