"""A party's log as C2SP tlog-tiles, read from the ledger store (``detente.node.tiles``).

Paths are checked both ways, against the spec's examples and the independent tlog-scales encoder, and hostile
paths are refused. Tiles and bundles of a ledger built by the real writer (in memory and on SQLite), with
checkpoints at sizes on both sides of tile boundaries, are checked against an independently recomputed tree
(``MerkleTree`` over the payloads). Then tlog-scales, an independent implementation, reads them from a directory
written by ``write_tiles`` and straight from the store: it rebuilds the root of every signed checkpoint, the
inclusion and consistency proofs the store gives, and every entry; its own writer, fed the same entries and
committed at the same sizes, writes byte for byte the same ``tile/`` tree. The demo ledger's data exchanges are
longer than a tlog-tiles entry bundle can frame: those bundles are refused by name and skipped by ``write_tiles``,
while detente's signed bundles carry every entry and signature, and its tiles still prove its log. What a peer
sends is split strictly: every framing but the exact one is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tlog_scales import tiles as scales_tiles
from tlog_scales.backend import LocalBackend, TilesBackend
from tlog_scales.reader import TilesReader
from tlog_scales.signing import DummySigner, Vkey
from tlog_scales.writer import TilesWriter

from detente.catalog import builtin_catalog
from detente.crypto.keys import PartyKey, verify
from detente.crypto.merkle import MerkleTree, leaf_hash
from detente.crypto.note import Checkpoint, TlogProof, Verifier, parse_note, sign_note, verifier_key, verify_tlog_proof
from detente.crypto.stored_tree import StoredTree
from detente.demo.ledger import build_demo_ledger, demo_keys
from detente.errors import FramingError, InputError, LedgerError, OutputFileError, PeerRequestError, TreeError
from detente.ledger.checkpoints import log_origin
from detente.ledger.convert import declaration_from_state
from detente.ledger.memory import MemoryStore
from detente.ledger.port import LedgerStore
from detente.ledger.writer import Ledger
from detente.node.tiles import (
    CHECKPOINT,
    ENTRIES,
    FULL,
    MAX_ENTRY,
    SIGNED,
    TileRef,
    TilesWritten,
    exists_at,
    parse_tile_path,
    read_entries,
    read_resource,
    read_signed,
    read_tile,
    serving_size,
    sizes_having,
    split_entries,
    split_signed,
    tile_path,
    tiles_at,
    write_tiles,
)
from detente.store.ledger_store import open_store
from detente.treaty.load import get_treaty

from builders import initial_launchers

CATALOG = builtin_catalog()
KEY = PartyKey.from_seed("US", bytes([41]) * 32)
UIDS = [f"US-MM3-{i}" for i in range(4)]
T0 = dt.datetime(2011, 3, 1, tzinfo=dt.UTC)
SIZES = [1, 255, 256, 300, 511, 512, 513, 700, 1029]
"""Checkpoint sizes: the initial data, then updates just below, at and above tile boundaries; 1029 = 4·256 + 5."""


# --- a ledger built by the writer ----------------------------------------------------------------------------------


def _stamp(minute: int) -> str:
    return (T0 + dt.timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(store: LedgerStore) -> LedgerStore:
    """A US ledger with a data exchange (so a checkpoint) at each of SIZES, status changes in between."""
    ledger = Ledger(store, KEY, CATALOG, get_treaty)
    ledger.register("US", KEY.public_key, "new-start")
    ledger.submit("US", [initial_launchers(UIDS)])
    status = dict.fromkeys(UIDS, "deployed")
    minute = seq = 1
    for size in SIZES[1:]:
        drafts: list[dict[str, Any]] = []
        while seq + len(drafts) < size - 1:
            uid = UIDS[minute % len(UIDS)]
            new = "non-deployed" if status[uid] == "deployed" else "deployed"
            content = {"uid": uid, "from": status[uid], "to": new, **({"warheads": 1} if new == "deployed" else {})}
            status[uid] = new
            when = _stamp(minute)
            drafts.append({"type": "status-change", "sent": when, "effective": when, "content": content})
            minute += 1
        ledger.submit("US", drafts)
        when = _stamp(minute)
        minute += 1
        content = declaration_from_state(ledger.state("US"))
        ledger.submit("US", [{"type": "data-update", "effective": when, "sent": when, "content": content}])
        seq = size
    assert [k.size for k in store.checkpoints("US")] == SIZES
    return store


@functools.cache
def memory_ledger() -> LedgerStore:
    """One in-memory ledger for the property tests (hypothesis runs a test many times; the ledger is read only)."""
    return build(MemoryStore())


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerStore]:
    if request.param == "memory":
        yield memory_ledger()
        return
    with open_store(str(tmp_path_factory.mktemp("tiles") / "l.sqlite")) as sql:
        yield build(sql)


@functools.cache
def oracle_levels() -> list[list[bytes]]:
    """Every perfect subtree's hash, by level, recomputed from the payloads alone."""
    payloads = [e.payload for e in memory_ledger().entries("US")]
    return MerkleTree.from_leaf_hashes([leaf_hash(p) for p in payloads]).levels()


def head_of(ref: TileRef) -> int:
    """The bytes of a bundle's length field: uint16 in the spec's entry bundles, uint32 in detente's signed ones."""
    return 2 if ref.level == ENTRIES else 4


def unframe(data: bytes, head: int = 2) -> list[bytes]:
    """A bundle's items, written here independently of the module: a big-endian length, that many bytes, to the end."""
    out, at = [], 0
    while at < len(data):
        length = int.from_bytes(data[at : at + head], "big")
        out.append(data[at + head : at + head + length])
        assert len(out[-1]) == length, "truncated bundle"
        at += head + length
    return out


def frame(items: Sequence[bytes], head: int = 2) -> bytes:
    """The bundle of ``items``, framed as :func:`unframe` reads it."""
    return b"".join(len(item).to_bytes(head, "big") + item for item in items)


def expected(store: LedgerStore, ref: TileRef) -> bytes | list[bytes]:
    """What a resource must hold, from the entries and the independent tree."""
    if ref.is_bundle:
        entries = list(store.entries("US"))[ref.leaves.start : ref.leaves.stop]
        return [e.payload if ref.level == ENTRIES else e.signature + e.payload for e in entries]
    level = oracle_levels()[8 * ref.tree_level]
    return b"".join(level[FULL * ref.index : FULL * ref.index + ref.width])


# --- paths ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ((0, 1234067, 5), "tile/0/x001/x234/067.p/5"),  # the spec's example index
        ((0, 0), "tile/0/000"),
        ((1, 0, 1), "tile/1/000.p/1"),
        ((63, 0), "tile/63/000"),
        ((2, 999), "tile/2/999"),
        ((2, 1000), "tile/2/x001/000"),
        ((ENTRIES, 1234067), "tile/entries/x001/x234/067"),
        ((ENTRIES, 4, 255), "tile/entries/004.p/255"),
        ((SIGNED, 4, 5), "signed/004.p/5"),
        ((SIGNED, 1234067), "signed/x001/x234/067"),
    ],
)
def test_paths_are_written_as_the_spec_writes_them(args: tuple[Any, ...], path: str) -> None:
    assert tile_path(*args) == path
    assert parse_tile_path(path) == TileRef(*args)


def _max_index(level: int) -> int:
    """The last tile index whose first leaf is below 2**64."""
    return max(1, 2**64 >> (8 * (level + 1))) - 1


refs = st.one_of(st.integers(0, 63), st.sampled_from([ENTRIES, SIGNED])).flatmap(
    lambda level: st.builds(
        TileRef,
        st.just(level),
        st.integers(0, _max_index(level if isinstance(level, int) else 0)),
        st.integers(1, FULL),
    )
)


@given(refs)
@example(TileRef(0, 0, 256))
@example(TileRef(7, 0, 1))
@example(TileRef(ENTRIES, 2**56 - 1, 255))
def test_paths_agree_with_tlog_scales_and_parse_back(ref: TileRef) -> None:
    """tlog-scales writes the same path (its level -1 is the entry bundle); parsing gives the tile back."""
    if ref.level != SIGNED:
        level = -1 if ref.level == ENTRIES else ref.tree_level
        theirs = "/".join(scales_tiles.tile_path(level, ref.index, ref.width % FULL))
        assert ref.path == theirs
    assert parse_tile_path(ref.path) == ref


HOSTILE = [
    "",
    "tile",
    "tile/",
    "tile/0",
    "tile/0/",
    "/tile/0/000",  # a leading slash: paths are relative to the prefix
    "tile/0/000/",  # a trailing segment
    "tile//000",
    "tile/0//000",
    "tile/00/000",  # a leading zero in the level
    "tile/01/000",
    "tile/64/000",  # levels are 0..63
    "tile/-1/000",
    "tile/+1/000",
    "tile/ 1/000",
    "tile/0/0",  # groups are three digits
    "tile/0/00",
    "tile/0/0000",
    "tile/0/1",
    "tile/0/x000/001",  # a leading group of zeros
    "tile/0/x000/x001/000",
    "tile/0/001/000",  # all but the last group start with x
    "tile/0/x001",  # the last group does not
    "tile/0/x001/x000",
    "tile/0/X001/000",
    "tile/0/xx01/000",
    "tile/0/-01",
    "tile/0/0_1",
    "tile/0/1_0",
    "tile/0/ 01",
    "tile/0/٠٠١",  # Arabic-Indic digits are digits to Python, not to the spec
    "tile/0/00¹",
    "tile/٠/000",
    "tile/0/001.p",
    "tile/0/001.p/",
    "tile/0/001.p/0",  # empty tiles are never served
    "tile/0/001.p/256",  # a full tile has no suffix
    "tile/0/001.p/300",
    "tile/0/001.p/05",
    "tile/0/001.p/5/6",
    "tile/0/001.p/5/",
    "tile/0/001.P/5",
    "tile/0/001.q/5",
    "tile/0/001p/5",
    "tile/0/001.p.p/5",
    "tile/0/x001.p/000",
    "tile/0/001.p/ 5",
    "tile/0/001.p/+5",
    "tile/0/001.p/5\n",
    "tile/0/001\x00",
    "tile/entries",
    "tile/entries/",
    "tile/entries/00",
    "tile/entries/000.p/256",
    "tile/Entries/000",
    "tile/entry/000",
    "tile/signed/000",  # detente's signed bundles are outside tile/
    "signed",
    "signed/",
    "signed/0",
    "signed/000.p/0",
    "signed/000.p/256",
    "signed/x000/001",
    "Signed/000",
    "signatures/000",  # the signature sidecar that signed bundles replaced
    "signed/entries/000",
    "tile/entries/signed/000",
    "checkpoint",  # not a tile
    "TILE/0/000",
    "tile\\0\\000",
    "./tile/0/000",
    "tile/./0/000",
    "tile/0/../0/000",
    "tile/7/001",  # starts at 2**64: no tree has it
    "tile/8/000/",
    "tile/0/x072/x057/x594/x037/x927/936",  # 2**64 / 256: the first level-0 tile past every tree
    "tile/entries/x072/x057/x594/x037/x927/936",
    "tile/0/x018/x446/x744/x073/x709/x551/616",
    "tile/0/" + "x999/" * 20 + "999",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_are_refused_by_name(path: str) -> None:
    with pytest.raises(InputError, match="tile path") as caught:
        parse_tile_path(path)
    assert type(caught.value) is InputError


PATH_TEXT = st.text(alphabet="tile/entriessignedx.p0123456789 ٠¹\\\n-+_Xx", max_size=40)


@given(st.one_of(PATH_TEXT, st.text(max_size=30), refs.map(lambda r: r.path)))
@example("tile/0/x001/x234/067.p/5")
def test_any_text_is_refused_or_is_exactly_canonical(text: str) -> None:
    """Whatever parses writes back to itself: no second spelling of a tile is ever accepted."""
    try:
        ref = parse_tile_path(text)
    except InputError as exc:
        refused = exc
    else:
        assert ref.path == text
        assert tile_path(ref.level, ref.index, ref.width) == text
        return
    assert type(refused) is InputError


@given(refs, st.data())
def test_a_damaged_path_is_refused_or_names_another_tile_canonically(ref: TileRef, data: st.DataObject) -> None:
    path = ref.path
    at = data.draw(st.integers(0, len(path)))
    change = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    char = data.draw(st.sampled_from(list("0123456789x/.p٠ ")))
    damaged = {
        "insert": path[:at] + char + path[at:],
        "delete": path[:at] + path[at + 1 :],
        "replace": path[:at] + char + path[at + 1 :],
    }[change]
    try:
        other = parse_tile_path(damaged)
    except InputError:
        return
    assert other.path == damaged


@pytest.mark.parametrize(
    "args", [(64, 0), (-1, 0), ("tiles", 0), (True, 0), (0, -1), (0, 1.0), (0, 0, 0), (0, 0, 257), (0, 0, True)]
)
def test_a_tile_that_cannot_exist_is_refused_when_named(args: tuple[Any, ...]) -> None:
    with pytest.raises(InputError, match="tile"):
        tile_path(*args)


# --- which tiles exist ---------------------------------------------------------------------------------------------


def test_the_spec_examples_of_which_tiles_a_tree_has() -> None:
    """Size 70,000: 273 full level-0 tiles, one of width 112, one full level-1 tile, one of 17, one level-2 of 1."""
    hashes = [r for r in tiles_at(70_000) if not r.is_bundle]
    assert [r for r in hashes if r.level == 0] == [*(TileRef(0, n) for n in range(273)), TileRef(0, 273, 112)]
    assert [r for r in hashes if r.level != 0] == [TileRef(1, 0), TileRef(1, 1, 17), TileRef(2, 0, 1)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1"
    assert [r for r in tiles_at(256) if not r.is_bundle] == [TileRef(0, 0), TileRef(1, 0, 1)]
    assert tiles_at(0) == []


@settings(deadline=None)
@given(st.integers(0, 2**20))
@example(65_536)
@example(65_535)
@example(70_000)
def test_the_tiles_of_a_size_are_those_tlog_scales_counts(size: int) -> None:
    """Per level, the full tiles and the partial one that ``level_tiles`` of tlog-scales gives; bundles as level 0."""
    mine = tiles_at(size)
    assert len(mine) == len(set(mine))
    for level in (ENTRIES, SIGNED, *range(8)):
        tree_level = level if isinstance(level, int) else 0
        full, width = scales_tiles.level_tiles(size, tree_level)
        want = [TileRef(level, n) for n in range(full)] + ([TileRef(level, full, width)] if width else [])
        assert [r for r in mine if r.level == level] == want
        assert all(exists_at(r, size) for r in want)


@settings(max_examples=50)
@given(st.integers(0, 2**18), st.lists(refs, max_size=20))
@example(300, [])
def test_a_tile_exists_at_a_size_exactly_when_that_size_has_it(size: int, others: list[TileRef]) -> None:
    """``exists_at`` says yes to what ``tiles_at`` lists, and no to its neighbours: another width or index."""
    have = set(tiles_at(size))
    near = {
        TileRef(r.level, index, width)
        for r in have
        for index, width in ((r.index, r.width - 1), (r.index, r.width + 1), (r.index + 1, r.width))
        if 1 <= width <= FULL
    }
    for ref in have | near | set(others):
        assert exists_at(ref, size) == (ref in have), (ref, size)


def test_a_partial_tile_is_served_at_the_checkpoint_that_needs_it_and_no_other_width() -> None:
    """Partial tiles of past checkpoints stay served after the full tile exists; other widths are never served."""
    assert serving_size(TileRef(0, 0, 255), SIZES) == 255
    assert serving_size(TileRef(0, 1, 44), SIZES) == 300
    assert serving_size(TileRef(0, 1, 43), SIZES) is None  # the tree has these hashes, but no checkpoint needs them
    assert serving_size(TileRef(0, 1), SIZES) == 512
    assert serving_size(TileRef(1, 0, 1), SIZES) == 256
    assert serving_size(TileRef(1, 0, 4), SIZES) == 1029
    assert serving_size(TileRef(1, 0, 3), SIZES) is None
    assert serving_size(TileRef(0, 4), SIZES) is None  # beyond the last checkpoint
    assert serving_size(TileRef(2, 0, 1), SIZES) is None  # 1029 leaves reach no level 2
    assert serving_size(TileRef(ENTRIES, 2, 1), SIZES) == 513


# --- what the store gives ------------------------------------------------------------------------------------------


def test_every_resource_at_every_checkpoint_is_the_independent_trees(store: LedgerStore) -> None:
    for size in SIZES:
        for ref in tiles_at(size):
            data = read_resource(store, "US", ref, size)
            assert (unframe(data, head_of(ref)) if ref.is_bundle else data) == expected(store, ref), ref.path
            if not ref.is_bundle:
                assert len(data) == 32 * ref.width


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 1029))
@example(1029)
@example(256 * 4)
def test_every_tile_at_any_size_is_the_independent_trees(size: int) -> None:
    """read_tile answers for any size the tree reached, not only checkpoints; the tree decides what it holds."""
    store = memory_ledger()
    for ref in tiles_at(size):
        data = read_resource(store, "US", ref, size)
        assert (unframe(data, head_of(ref)) if ref.is_bundle else data) == expected(store, ref), ref.path


def test_entries_hash_to_the_level_0_tile_and_signatures_verify(store: LedgerStore) -> None:
    ref = TileRef(0, 4, 5)
    leaves = read_tile(store, "US", ref, 1029)
    payloads = split_entries(read_entries(store, "US", TileRef(ENTRIES, 4, 5), 1029), 5)
    signed = split_signed(read_signed(store, "US", TileRef(SIGNED, 4, 5), 1029), 5)
    assert [p for _, p in signed] == payloads
    assert b"".join(leaf_hash(p) for p in payloads) == leaves
    assert all(len(s) == 64 and verify(KEY.public_key, p, s) for s, p in signed)
    assert [e.payload for e in store.entries("US", 1025, 1029)] == payloads


@pytest.mark.parametrize(
    ("path", "size", "why"),
    [
        ("tile/0/004", 1029, r"has no tile/0/004: it has 4 full level-0 tile\(s\) and level-0 tile 4 of width 5"),
        ("tile/0/004.p/4", 1029, "level-0 tile 4 of width 5"),  # not the width this size gives
        ("tile/0/004.p/6", 1029, "level-0 tile 4 of width 5"),
        ("tile/0/000.p/255", 1029, "no tile/0/000.p/255"),  # this size has the full tile there
        ("tile/1/000.p/3", 1029, "level-1 tile 0 of width 4"),
        ("tile/1/000", 1029, r"0 full level-1 tile\(s\) and level-1 tile 0 of width 4"),
        ("tile/2/000.p/1", 1029, r"it has 0 full level-2 tile\(s\) \(a partial"),  # empty levels have no tile
        ("tile/0/005.p/1", 1029, "no tile/0/005.p/1"),
        ("tile/entries/004", 1029, r"4 full bundle\(s\) and bundle 4 of width 5"),
        ("signed/001.p/43", 300, "bundle 1 of width 44"),
        ("tile/0/000.p/1", 0, r"0 full level-0 tile\(s\) \(a partial"),
        ("tile/0/000", 1030, "has 1029 entries, not 1030"),  # beyond the stored tree
        ("tile/0/000", -1, "not a non-negative integer"),
    ],
)
def test_a_tile_that_size_does_not_have_is_refused(store: LedgerStore, path: str, size: int, why: str) -> None:
    ref = parse_tile_path(path)
    with pytest.raises(TreeError, match=why):
        read_resource(store, "US", ref, size)


def test_each_reader_reads_its_own_kind(store: LedgerStore) -> None:
    with pytest.raises(InputError, match="read_entries or read_signed reads it"):
        read_tile(store, "US", TileRef(SIGNED, 0), 1029)
    with pytest.raises(InputError, match="is not an entry bundle"):
        read_entries(store, "US", TileRef(SIGNED, 0), 1029)
    with pytest.raises(InputError, match="is not a signed bundle"):
        read_signed(store, "US", TileRef(ENTRIES, 0), 1029)


class CountingStore:
    """The store, counting the calls made to it."""

    def __init__(self, inner: LedgerStore) -> None:
        self.inner = inner
        self.calls: list[tuple[str, int]] = []

    def tree_nodes(self, party: str, positions: Sequence[tuple[int, int]]) -> list[bytes]:
        self.calls.append(("tree_nodes", len(positions)))
        return self.inner.tree_nodes(party, positions)

    def entries(self, party: str, start: int = 1, stop: int | None = None) -> Iterator[Any]:
        self.calls.append(("entries", (stop or 0) - start + 1))
        return self.inner.entries(party, start, stop)

    def __getattr__(self, name: str) -> Any:
        if name != "tree_size":
            self.calls.append((name, 0))
        return getattr(self.inner, name)


@pytest.mark.parametrize(
    ("ref", "call"),
    [
        (TileRef(0, 2), ("tree_nodes", 256)),
        (TileRef(0, 4, 5), ("tree_nodes", 5)),
        (TileRef(1, 0, 4), ("tree_nodes", 4)),
        (TileRef(ENTRIES, 2), ("entries", 256)),
        (TileRef(SIGNED, 1), ("entries", 256)),
        (TileRef(SIGNED, 4, 5), ("entries", 5)),
    ],
)
def test_a_tile_is_one_store_read(store: LedgerStore, ref: TileRef, call: tuple[str, int]) -> None:
    counting = CountingStore(store)
    read_resource(counting, "US", ref, 1029)
    assert counting.calls == [call]


# --- a peer's bundles, split ---------------------------------------------------------------------------------------


def split(level: str, data: bytes, count: int) -> list[bytes]:
    """The items a split gives, as the bytes :func:`frame` framed: a signed bundle's are signature and payload."""
    if level == ENTRIES:
        return split_entries(data, count)
    return [signature + payload for signature, payload in split_signed(data, count)]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted({r for s in SIZES for r in tiles_at(s) if r.is_bundle}, key=lambda r: r.path)))
def test_splitting_what_the_store_serves_gives_back_the_stored_items(ref: TileRef) -> None:
    store = memory_ledger()
    size = serving_size(ref, SIZES)
    assert size is not None
    stored = list(store.entries("US"))[ref.leaves.start : ref.leaves.stop]
    data = read_resource(store, "US", ref, size)
    if ref.level == ENTRIES:
        assert split_entries(data, ref.width, path=ref.path) == [e.payload for e in stored]
    else:
        assert split_signed(data, ref.width, path=ref.path) == [(e.signature, e.payload) for e in stored]


LEVELS = st.sampled_from([ENTRIES, SIGNED])


@st.composite
def bundles(draw: st.DrawFn) -> tuple[str, list[bytes]]:
    """A bundle's level and items: any bytes, at least a signature's worth in a signed bundle."""
    level = draw(LEVELS)
    least = 0 if level == ENTRIES else 64
    return level, draw(st.lists(st.binary(min_size=least, max_size=least + 40), min_size=1, max_size=6))


def refused(level: str, data: bytes, count: int) -> str:
    with pytest.raises(PeerRequestError) as caught:
        split(level, data, count)
    assert caught.value.status == 422
    return caught.value.why


@given(bundles(), st.binary(min_size=1, max_size=70))
@example((ENTRIES, [b""]), b"\x00")
@example((SIGNED, [bytes(64)]), b"\x00")
def test_a_bundle_splits_only_as_framed_truncated_extended_or_miscounted_it_is_refused(
    bundle: tuple[str, list[bytes]], extra: bytes
) -> None:
    level, items = bundle
    head = 2 if level == ENTRIES else 4
    framed = frame(items, head)
    assert split(level, framed, len(items)) == items
    for cut in range(len(framed)):
        refused(level, framed[:cut], len(items))
    refused(level, framed + extra, len(items))
    refused(level, framed, len(items) + 1)
    refused(level, framed, len(items) - 1)


@given(bundles(), st.data())
def test_a_bundle_with_damaged_framing_is_refused_or_split_into_exactly_its_count(
    bundle: tuple[str, list[bytes]], data: st.DataObject
) -> None:
    """Whatever a peer sends, a split gives exactly ``count`` items that frame back to those bytes, or a 422."""
    level, items = bundle
    head = 2 if level == ENTRIES else 4
    framed = bytearray(frame(items, head))
    at = data.draw(st.integers(0, len(framed)))
    change = data.draw(st.sampled_from(["insert", "delete", "replace", "length"]))
    byte = data.draw(st.integers(0, 255))
    if change == "insert":
        framed[at:at] = bytes([byte])
    elif change == "delete":
        del framed[at : at + 1]
    elif change == "replace":
        framed[at : at + 1] = bytes([byte])
    else:  # a length field, set to any value
        starts = list(itertools.accumulate([0, *(head + len(i) for i in items[:-1])]))
        start = data.draw(st.sampled_from(starts))
        framed[start : start + head] = data.draw(st.integers(0, 256**head - 1)).to_bytes(head, "big")
    try:
        got = split(level, bytes(framed), len(items))
    except PeerRequestError as exc:
        status = exc.status
    else:
        status = 200
    assert status in (200, 422)
    if status == 422:
        return
    assert len(got) == len(items)
    assert frame(got, head) == framed
    assert all(len(item) >= (0 if level == ENTRIES else 64) for item in got)


@pytest.mark.parametrize(
    ("level", "data", "count", "why"),
    [
        (SIGNED, frame([bytes(63)], 4), 1, "item 1 of the signed bundle is 63 bytes, shorter than the signature"),
        (SIGNED, frame([bytes(64), bytes(10)], 4), 2, "item 2 of the signed bundle is 10 bytes"),
        (SIGNED, b"\xff\xff\xff\xff" + bytes(64), 1, "item 1 of the signed bundle says 4,294,967,295 bytes, but 64"),
        (SIGNED, b"\x00\x00\x00", 1, "ends inside the length of item 1 of 1"),
        (SIGNED, b"", 1, "the signed bundle holds 0 items, not the 1 its width gives"),
        (ENTRIES, frame([b"a", b"b"]), 1, "the entry bundle has 3 bytes more than the 1 item it holds"),
        (ENTRIES, frame([b"a"]) + b"\x00", 1, "has 1 bytes more than the 1 item"),
        (ENTRIES, frame([b"a"] * 3), 4, "holds 3 items, not the 4"),
        (ENTRIES, frame([b"abc"])[:-1], 1, "item 1 of the entry bundle says 3 bytes, but 2 remain"),
        (ENTRIES, frame([b"abc"], 4), 1, "has 5 bytes more than the 1 item"),  # a signed bundle's framing, misread
        (ENTRIES, frame([b"a", b"b"]), 0, "has 6 bytes more than the 0 items"),
    ],
)
def test_a_bundle_framed_otherwise_is_refused_saying_where(level: str, data: bytes, count: int, why: str) -> None:
    assert why in refused(level, data, count)


def test_a_split_names_the_path_it_was_given() -> None:
    with pytest.raises(PeerRequestError, match=r"^signed/001\.p/5 holds 0 items, not the 5"):
        split_signed(b"", 5, path="signed/001.p/5")
    with pytest.raises(PeerRequestError, match=r"^tile/entries/001 holds 1 item, not the 256"):
        split_entries(frame([b"{}"]), 256, path="tile/entries/001")
    with pytest.raises(InputError, match="count of -1"):
        split_entries(b"", -1)
    assert split_entries(b"", 0) == []
    assert split_signed(b"", 0) == []


# --- tlog-scales reads what the node serves ------------------------------------------------------------------------


class Recording:
    """A tlog-scales backend that notes every resource it was asked for and did not find."""

    def __init__(self, inner: TilesBackend) -> None:
        self.inner = inner
        self.missed: list[str] = []

    def get(self, *path: str) -> bytes | None:
        data = self.inner.get(*path)
        if data is None:
            self.missed.append("/".join(path))
        return data


class StoreBackend:
    """The node's read side, without HTTP: a path is parsed, served at a checkpoint that has it, or not found (as
    is an entry bundle that cannot be framed: the node answers 404)."""

    def __init__(self, store: LedgerStore, party: str) -> None:
        self.store = store
        self.party = party
        self.sizes = [k.size for k in store.checkpoints(party)]

    def get(self, *path: str) -> bytes | None:
        if path == (CHECKPOINT,):
            return self.store.checkpoints(self.party)[-1].note.encode()
        ref = parse_tile_path("/".join(path))
        size = serving_size(ref, self.sizes)
        if size is None:
            return None
        try:
            return read_resource(self.store, self.party, ref, size)
        except FramingError:
            return None


def log_key(store: LedgerStore, party: str, public_key: bytes) -> tuple[str, Vkey]:
    """The party's log origin, and its verifier key as tlog-scales reads it from detente's verifier-key text."""
    origin = log_origin(next(p for p in store.parties() if p.party == party))
    return origin, Vkey.from_string(verifier_key(Verifier(origin, public_key)))


def check_with_tlog_scales(
    backend: Callable[[], TilesBackend], store: LedgerStore, party: str, public_key: bytes, every_entry: bool = True
) -> None:
    """tlog-scales verifies the served checkpoint, rebuilds every recorded checkpoint's root from the tiles of its
    size alone, and gives the store's inclusion and consistency proofs; every entry it reads is the stored one."""
    origin, vkey = log_key(store, party, public_key)
    recorded = store.checkpoints(party)
    tree = StoredTree(store, party)
    source = Recording(backend())
    reader = TilesReader(source)
    cp = reader.get_checkpoint()
    cp.verify(vkey)  # raises if the log's signature does not verify
    assert (cp.origin, cp.size, cp.root_hash) == (origin, recorded[-1].size, recorded[-1].root)
    assert reader.calculate_root_hash() == cp.root_hash
    entries = list(store.entries(party))
    indices = range(cp.size) if every_entry else sorted({0, 255, 256, cp.size // 2, cp.size - 1})
    for i in indices:
        proof = reader.get_inclusion_proof(i, cp.size)
        assert proof.node_hashes == tree.inclusion_proof(i, cp.size)
        data = reader.get_entry(i) if every_entry else entries[i].payload
        assert data == entries[i].payload
        proof.check(leaf_hash(data), cp.root_hash)
    for old, new in itertools.pairwise(recorded):
        consistency = reader.get_consistency_proof(old.size, new.size)
        assert consistency.node_hashes == tree.consistency_proof(old.size, new.size)
        consistency.check(old.root, new.root)
    assert source.missed == []
    for k in recorded:  # each size from a fresh reader, which must find the partial tiles of that size
        fresh = Recording(backend())
        at_size = TilesReader(fresh)
        at_size.set_size(k.size)
        assert at_size.calculate_root_hash() == k.root, k.size
        i = k.size - 1
        assert at_size.get_inclusion_proof(i, k.size).node_hashes == tree.inclusion_proof(i, k.size)
        if every_entry:
            assert at_size.get_entry(i) == entries[i].payload
        assert fresh.missed == [], (k.size, fresh.missed)


def test_tlog_scales_reads_the_directory_write_tiles_writes(store: LedgerStore, tmp_path: Path) -> None:
    out = tmp_path / "log"
    result = write_tiles(store, "US", out)
    assert result.written[-1] == CHECKPOINT
    assert result.skipped == ()
    assert (out / CHECKPOINT).read_text(encoding="utf-8") == store.checkpoints("US")[-1].note
    check_with_tlog_scales(lambda: LocalBackend(out), store, "US", KEY.public_key)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_tlog_scales_reads_the_tiles_served_from_the_store(store: LedgerStore) -> None:
    check_with_tlog_scales(lambda: StoreBackend(store, "US"), store, "US", KEY.public_key)


def test_a_tlog_proof_built_from_the_tiles_verifies_with_detente(store: LedgerStore, tmp_path: Path) -> None:
    """tlog-scales's inclusion proof from the written tiles, in a c2sp.org/tlog-proof with the served checkpoint."""
    write_tiles(store, "US", tmp_path)
    reader = TilesReader(LocalBackend(tmp_path))
    cp = reader.get_checkpoint()
    note = parse_note((tmp_path / CHECKPOINT).read_text(encoding="utf-8"))
    origin, _ = log_key(store, "US", KEY.public_key)
    for i in (0, 700, cp.size - 1):
        proof = TlogProof(i, tuple(reader.get_inclusion_proof(i, cp.size).node_hashes), note)
        checkpoint, _ = verify_tlog_proof(proof, Verifier(origin, KEY.public_key), reader.get_entry(i))
        assert checkpoint.size == 1029


def test_tlog_scales_writes_the_same_tiles_from_the_same_entries(store: LedgerStore, tmp_path: Path) -> None:
    """Its writer, fed the payloads and committed at each checkpoint size (keeping partial tiles), writes the same
    ``tile/`` tree, byte for byte: every full and partial tile, every entry bundle."""
    theirs = tmp_path / "theirs"
    origin, _ = log_key(store, "US", KEY.public_key)
    writer = TilesWriter.create(theirs, origin)
    entries = list(store.entries("US"))
    done = 0
    for size in SIZES:
        for e in entries[done:size]:
            writer.add_leaf(e.payload)
        writer.commit([DummySigner()], gc=False)
        done = size
    mine = tmp_path / "mine"
    write_tiles(store, "US", mine)

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "tile").rglob("*")) if p.is_file()
        }

    assert files(mine) == files(theirs)
    assert len(files(mine)) == len({r for s in SIZES for r in tiles_at(s) if r.level != SIGNED})
    signed = {p.relative_to(mine).as_posix() for p in (mine / SIGNED).rglob("*") if p.is_file()}
    assert signed == {r.path for s in SIZES for r in tiles_at(s) if r.level == SIGNED}


# --- writing a directory -------------------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under root: inode, modification time and bytes."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in root.rglob("*")
        if p.is_file()
    }


def test_writing_again_rewrites_nothing_and_a_later_checkpoint_adds_only_what_is_new(
    store: LedgerStore, tmp_path: Path
) -> None:
    first = write_tiles(store, "US", tmp_path, [1, 255, 256, 300]).written
    assert (tmp_path / CHECKPOINT).read_text(encoding="utf-8") == store.checkpoints("US")[3].note
    assert set(first) == {r.path for s in (1, 255, 256, 300) for r in tiles_at(s)} | {CHECKPOINT}
    assert len(first) == len(set(first))
    before = snapshot(tmp_path)
    assert write_tiles(store, "US", tmp_path, [300, 256]) == TilesWritten((), ())
    assert snapshot(tmp_path) == before
    later = write_tiles(store, "US", tmp_path).written
    assert not set(later) & (set(first) - {CHECKPOINT})
    after = snapshot(tmp_path)
    assert {p: after[p] for p in before if p != CHECKPOINT} == {p: v for p, v in before.items() if p != CHECKPOINT}
    assert (tmp_path / CHECKPOINT).read_text(encoding="utf-8") == store.checkpoints("US")[-1].note
    assert write_tiles(store, "US", tmp_path) == TilesWritten((), ())


def test_the_published_checkpoint_is_never_rolled_back(store: LedgerStore, tmp_path: Path) -> None:
    write_tiles(store, "US", tmp_path)
    assert write_tiles(store, "US", tmp_path, [300]) == TilesWritten((), ())
    assert (tmp_path / CHECKPOINT).read_text(encoding="utf-8") == store.checkpoints("US")[-1].note


def test_a_tile_there_with_other_bytes_is_a_fork_and_is_kept(store: LedgerStore, tmp_path: Path) -> None:
    write_tiles(store, "US", tmp_path, [300])
    tile = tmp_path / "tile" / "0" / "000"
    forged = bytes([tile.read_bytes()[0] ^ 1]) + tile.read_bytes()[1:]
    tile.write_bytes(forged)
    with pytest.raises(OutputFileError, match=r"000: holds 8192 bytes that are not tile/0/000 of this log.*fork"):
        write_tiles(store, "US", tmp_path)
    assert tile.read_bytes() == forged
    assert (tmp_path / CHECKPOINT).read_text(encoding="utf-8") == store.checkpoints("US")[3].note  # not moved on


def _signed(origin: str, size: int, root: bytes, key: PartyKey = KEY) -> str:
    return sign_note(Checkpoint(origin, size, root).body(), origin, key).text()


@pytest.mark.parametrize(
    ("checkpoint", "why"),
    [
        (lambda origin: _signed(origin, 300, bytes(32)), "another root at size 300.*fork"),
        (lambda origin: _signed(origin, 5000, bytes(32)), "size 5000, beyond the 1029 entries"),
        (lambda origin: _signed("example.org/log", 300, bytes(32)), "checkpoint of example.org/log"),
        (lambda origin: "not a note\n", "is not a checkpoint note"),
    ],
)
def test_a_checkpoint_there_of_another_history_stops_the_write_before_it_starts(
    store: LedgerStore, tmp_path: Path, checkpoint: Callable[[str], str], why: str
) -> None:
    origin, _ = log_key(store, "US", KEY.public_key)
    (tmp_path / CHECKPOINT).write_text(checkpoint(origin), encoding="utf-8")
    with pytest.raises(OutputFileError, match=why):
        write_tiles(store, "US", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT]


@pytest.mark.parametrize(
    ("party", "sizes", "error", "why"),
    [
        ("US", [300, 301], TreeError, "no checkpoint at size 301.*sizes 1, 255, 256, 300"),
        ("US", [0], TreeError, "no checkpoint at size 0"),
        ("US", [], TreeError, "no checkpoint to publish"),
        ("RU", None, LedgerError, "party RU is not registered"),
    ],
)
def test_only_recorded_checkpoints_are_published(
    store: LedgerStore, tmp_path: Path, party: str, sizes: list[int] | None, error: type[Exception], why: str
) -> None:
    with pytest.raises(error, match=why):
        write_tiles(store, party, tmp_path / "out", sizes)
    assert not (tmp_path / "out").exists()


def test_a_directory_that_cannot_be_written_is_refused(store: LedgerStore, tmp_path: Path) -> None:
    with pytest.raises(OutputFileError, match="does not exist"):
        write_tiles(store, "US", tmp_path / "missing" / "log")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFileError, match="is a file"):
        write_tiles(store, "US", tmp_path / "file")
    (tmp_path / "log" / "tile").mkdir(parents=True)
    (tmp_path / "log" / "tile" / "0").write_text("in the way")
    with pytest.raises(OutputFileError, match=r"tile/0/000\.p/1: cannot be read back: Not a directory"):
        write_tiles(store, "US", tmp_path / "log")
    assert not (tmp_path / "log" / CHECKPOINT).exists()


def test_a_failed_write_leaves_no_temporary_file_and_the_old_checkpoint(
    store: LedgerStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tiles(store, "US", tmp_path, [1])
    renamed: list[str] = []

    def full_disk_at_the_third(source: str, target: str) -> None:
        if len(renamed) == 2:
            raise OSError(28, "No space left on device")
        renamed.append(target)
        os.rename(source, target)

    monkeypatch.setattr(os, "replace", full_disk_at_the_third)
    with pytest.raises(OutputFileError, match="cannot be written: No space left on device"):
        write_tiles(store, "US", tmp_path, [255])
    monkeypatch.undo()
    assert len(renamed) == 2
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert (tmp_path / CHECKPOINT).read_text(encoding="utf-8") == store.checkpoints("US")[0].note
    assert CHECKPOINT in write_tiles(store, "US", tmp_path, [255]).written  # and the next run completes it
    reader = TilesReader(LocalBackend(tmp_path))
    assert reader.get_checkpoint().size == 255
    assert reader.calculate_root_hash() == store.checkpoints("US")[1].root


# --- the demo ledger -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> LedgerStore:
    store = MemoryStore()
    build_demo_ledger(Ledger(store, demo_keys(), CATALOG, get_treaty))
    return store


def demo_public_key(party: str) -> bytes:
    return next(k.public_key for k in demo_keys() if k.party == party)


def demo_bundles(demo: LedgerStore, party: str, level: str) -> dict[TileRef, int]:
    """Every bundle of ``level`` the party's checkpoints have, and the first size that has it."""
    at: dict[TileRef, int] = {}
    for k in demo.checkpoints(party):
        for ref in tiles_at(k.size):
            if ref.level == level:
                at.setdefault(ref, k.size)
    return at


@pytest.mark.parametrize("party", ["US", "RU"])
def test_the_demo_ledgers_signed_bundles_carry_every_entry_and_prove_every_checkpoint(
    demo: LedgerStore, party: str
) -> None:
    """Every signed bundle of every checkpoint reads and splits; its signatures verify under the party's demo key,
    and its payloads, as leaves, hash to the root of each checkpoint recorded, long declarations included."""
    entries = list(demo.entries(party))
    assert len(entries[0].payload) > MAX_ENTRY  # the initial data: every item declared in one signed payload
    public = demo_public_key(party)
    items: dict[TileRef, list[tuple[bytes, bytes]]] = {}
    for ref, size in demo_bundles(demo, party, SIGNED).items():
        items[ref] = split_signed(read_signed(demo, party, ref, size), ref.width, path=ref.path)
        stored = entries[ref.leaves.start : ref.leaves.stop]
        assert items[ref] == [(e.signature, e.payload) for e in stored], ref.path
        assert all(verify(public, payload, signature) for signature, payload in items[ref]), ref.path
    for k in demo.checkpoints(party):
        leaves = [leaf_hash(p) for ref in tiles_at(k.size) if ref.level == SIGNED for _, p in items[ref]]
        assert len(leaves) == k.size
        assert MerkleTree.from_leaf_hashes(leaves).root() == k.root, k.size
    assert sum(len(e.payload) > MAX_ENTRY for e in entries) > 20  # the data exchanges, every six months


@pytest.mark.parametrize("party", ["US", "RU"])
def test_the_demo_ledgers_entry_bundles_with_a_declaration_are_refused_naming_the_signed_bundle(
    demo: LedgerStore, party: str
) -> None:
    """Every checkpoint of the demo ends with a data exchange, so every entry bundle it has holds one and cannot be
    framed; the refusal names the first long entry, its size and the signed bundle that carries it. A bundle of
    short entries (at sizes between the data exchanges) is served, and hashes to the level-0 tile."""
    entries = list(demo.entries(party))
    for ref, size in demo_bundles(demo, party, ENTRIES).items():
        long = next(e for e in entries[ref.leaves.start : ref.leaves.stop] if len(e.payload) > MAX_ENTRY)
        signed = tile_path(SIGNED, ref.index, ref.width)
        why = rf"^{ref.path}: {party} #{long.seq} is {len(long.payload):,} bytes, longer than the 65,535 .*{signed} "
        with pytest.raises(FramingError, match=why + "carries its entries"):
            read_entries(demo, party, ref, size)
        with pytest.raises(FramingError, match=why):
            read_resource(demo, party, ref, size)
    served = 0
    for index in range(len(entries) // FULL + 1):
        first = FULL * index
        width = next((w for w, e in enumerate(entries[first : first + FULL - 1]) if len(e.payload) > MAX_ENTRY), None)
        if not width:  # None: the demo has no such bundle; 0: its first entry is long
            continue
        ref = TileRef(ENTRIES, index, width)
        payloads = split_entries(read_entries(demo, party, ref, first + width), width, path=ref.path)
        assert payloads == [e.payload for e in entries[first : first + width]]
        assert b"".join(map(leaf_hash, payloads)) == read_tile(demo, party, TileRef(0, index, width), first + width)
        served += 1
    assert served > 5


@pytest.mark.parametrize("party", ["US", "RU"])
def test_tlog_scales_verifies_the_demo_ledgers_tiles_and_checkpoints(demo: LedgerStore, party: str) -> None:
    """Served from the store, where the entry bundles are not found (the node answers 404)."""
    check_with_tlog_scales(lambda: StoreBackend(demo, party), demo, party, demo_public_key(party), every_entry=False)


@pytest.mark.parametrize("party", ["US", "RU"])
def test_write_tiles_writes_the_demo_ledger_and_reports_the_entry_bundles_it_skipped(
    demo: LedgerStore, party: str, tmp_path: Path
) -> None:
    out = tmp_path / "log"
    result = write_tiles(demo, party, out)
    entries = demo_bundles(demo, party, ENTRIES)
    assert set(result.skipped) == {ref.path for ref in entries}  # each holds a data exchange (the test above)
    assert len(result.skipped) == len(entries)
    assert result.written[-1] == CHECKPOINT
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    every = {ref for k in demo.checkpoints(party) for ref in tiles_at(k.size)}
    assert set(files) == {r.path for r in every if r.level != ENTRIES} | {CHECKPOINT}
    assert set(result.written) == set(files)
    for ref, size in demo_bundles(demo, party, SIGNED).items():
        assert files[ref.path] == read_signed(demo, party, ref, size)
    assert files[CHECKPOINT] == demo.checkpoints(party)[-1].note.encode()
    check_with_tlog_scales(lambda: LocalBackend(out), demo, party, demo_public_key(party), every_entry=False)
    again = write_tiles(demo, party, out)
    assert again == TilesWritten((), result.skipped)  # skipped at every write, and nothing rewritten


def test_a_file_where_an_unframeable_entry_bundle_would_be_is_refused_and_kept(
    demo: LedgerStore, tmp_path: Path
) -> None:
    """No history of this log has that bundle: the file is another log's, or planted; the write stops before the
    checkpoint."""
    write_tiles(demo, "US", tmp_path, [1])
    planted = tmp_path / "tile" / "entries" / "000.p"
    planted.mkdir(parents=True)
    (planted / "236").write_bytes(b"\x00\x01x")
    with pytest.raises(OutputFileError, match=r"tile/entries/000\.p/236: is there, but this log has no .*fork"):
        write_tiles(demo, "US", tmp_path)
    assert (planted / "236").read_bytes() == b"\x00\x01x"
    assert (tmp_path / CHECKPOINT).read_text(encoding="utf-8") == demo.checkpoints("US")[0].note


@given(refs, st.integers(0, 2**64 - 1))
def test_the_sizes_having_a_tile_are_exactly_those_it_exists_at(ref: TileRef, size: int) -> None:
    """What a node queries its checkpoints with equals rules 7 and 8 for every size."""
    low, high = sizes_having(ref)
    assert exists_at(ref, size) == (low <= size and (high is None or size < high))
    assert exists_at(ref, low)
    if high is not None:
        assert exists_at(ref, high - 1)
        assert not exists_at(ref, high)
