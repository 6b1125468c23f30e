"""The node's witness (C2SP tlog-witness ``add-checkpoint``) and mirror against a peer that errs or cheats.

RU's node witnesses US's log; the test holds US's key and crafts what US would send, honest or not. US's node runs
too (without pushing), so that RU can fetch its tiles. Every refusal is checked for its status and for what it
left behind: nothing mirrored, nothing recorded, an alarm where one is due.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from tests.node_harness import Running, initial, pair, stopped, wait_for
from tests.test_node_exchange import elimination, first_uids
from tlog_scales import signing as scales_signing
from tlog_scales import tlog as scales_tlog
from tlog_scales.backend import HttpBackend
from tlog_scales.reader import TilesReader

from detente.crypto.keys import PartyKey
from detente.crypto.merkle import EMPTY_ROOT
from detente.crypto.note import Checkpoint, sign_note
from detente.crypto.stored_tree import StoredTree
from detente.errors import PeerRequestError
from detente.node import AlarmLog, follow, log_key
from detente.node.tiles import SIGNED, TileRef, read_signed
from detente.trust import check_evidence


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Running, Running]]:
    """US with four entries (checkpoints at 1 and 4), RU witnessing nothing yet; neither pushes."""
    with pair(tmp_path, push=False) as (us, ru):
        draft = initial("US", "us-2020-09")
        assert us.submit(draft).status_code == 200
        eliminations = [elimination("US", uid, 10 + i) for i, uid in enumerate(first_uids(draft, 3))]
        assert us.submit(eliminations).status_code == 200
        yield us, ru


def note_of(us: Running, size: int, root: bytes | None = None, key: PartyKey | None = None, origin: str = "") -> str:
    """A checkpoint of US's log at ``size``, with its real root unless one is given, signed by US's key."""
    origin = origin or us.config.origin
    root = StoredTree(us.node.store, "US").root(size) if root is None else root
    return sign_note(Checkpoint(origin, size, root).body(), origin, key or us.node.key).text()


def body(old: int, note: str, proof: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def post(ru: Running, data: bytes) -> httpx.Response:
    return httpx.post(f"{ru.url}/add-checkpoint", content=data, timeout=60)


def proof(us: Running, old: int, new: int) -> list[bytes]:
    return StoredTree(us.node.store, "US").consistency_proof(old, new)


def witnessed(ru: Running) -> tuple[int, int, int]:
    """What RU holds of US: entries mirrored, the size recorded, cosignatures made."""
    latest = ru.node.latest("US")
    return ru.node.store.tree_size("US"), latest.size if latest else 0, len(ru.node.store.cosignatures("US"))


def alarms(ru: Running) -> list[dict[str, Any]]:
    return AlarmLog(ru.config.directory).read()


def test_an_honest_checkpoint_is_mirrored_recorded_and_cosigned(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    first = post(ru, body(0, note_of(us, 1)))
    assert first.status_code == 200, first.text
    assert first.text.startswith(f"\u2014 {ru.config.origin} ")
    second = post(ru, body(1, note_of(us, 4), proof(us, 1, 4)))
    assert second.status_code == 200, second.text
    assert witnessed(ru) == (4, 4, 2)
    again = post(ru, body(4, note_of(us, 4)))  # a repeated delivery: answered, nothing new kept
    assert again.status_code == 200
    assert witnessed(ru) == (4, 4, 2)
    assert alarms(ru) == []


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty line"),
        (b"\xff\xfe", "not UTF-8"),
        (b"old 01\n\nx", "old <size>"),
        (b"old -1\n\nx", "old <size>"),
        (b"old 0\nnot base64!\n\nx", "proof line 1"),
        (b"old 0\n" + b"AAAA\n" * 64 + b"\nx", "at most 63"),
        (b"old 0\n\nnot a note", "not a signed checkpoint"),
        (b"old 0\n\n" + b"x" * 70_000, "over 65536"),
    ],
)
def test_a_malformed_request_is_400_with_a_problem_body(nodes: tuple[Running, Running], data: bytes, why: str) -> None:
    _us, ru = nodes
    answer = post(ru, data)
    assert answer.status_code in (400, 413), answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert why in answer.json()["detail"]
    assert witnessed(ru) == (0, 0, 0)


def test_the_witness_answers_with_the_specs_status_codes(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    stranger = PartyKey.from_seed("US", bytes([99]) * 32)
    cases = [
        (body(0, note_of(us, 1, origin="detente/new-start/XX")), 404),  # no such peer
        (body(0, note_of(us, 1, key=stranger)), 403),  # not US's key
        (body(5, note_of(us, 4)), 400),  # old above the checkpoint's size
        (body(0, note_of(us, 4), proof(us, 1, 4)), 422),  # old 0 with a proof
    ]
    for data, status in cases:
        answer = post(ru, data)
        assert answer.status_code == status, answer.text
        assert answer.json()["status"] == status
    empty = sign_note(
        Checkpoint(us.config.origin, 0, hashlib.sha256(b"x").digest()).body(), us.config.origin, us.node.key
    )
    assert post(ru, body(0, empty.text())).status_code == 422  # size 0 with another root than the empty tree's
    empty = sign_note(Checkpoint(us.config.origin, 0, EMPTY_ROOT).body(), us.config.origin, us.node.key)
    assert post(ru, body(0, empty.text())).status_code == 200
    assert witnessed(ru) == (0, 0, 0)
    # 409 names the witness's size, in the spec's own media type, so the log can resend from there
    assert post(ru, body(0, note_of(us, 1))).status_code == 200
    conflict = post(ru, body(0, note_of(us, 4)))
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "text/x.tlog.size"
    assert conflict.text == "1\n"
    assert witnessed(ru) == (1, 1, 1)


def test_a_bad_consistency_proof_is_422_and_nothing_is_kept(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    assert post(ru, body(0, note_of(us, 1))).status_code == 200
    wrong = [bytes(32)] * len(proof(us, 1, 4))
    answer = post(ru, body(1, note_of(us, 4), wrong))
    assert answer.status_code == 422
    assert "consistency proof" in answer.json()["detail"]
    assert witnessed(ru) == (1, 1, 1)


def test_a_fork_is_refused_kept_as_evidence_and_raised(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    assert post(ru, body(0, note_of(us, 4))).status_code == 200
    forked = note_of(us, 4, root=hashlib.sha256(b"another history").digest())
    answer = post(ru, body(4, forked))
    assert answer.status_code == 422
    assert witnessed(ru) == (4, 4, 1)
    (alarm,) = alarms(ru)
    assert (alarm["peer"], alarm["kind"]) == ("US", "fork")
    finding = check_evidence(alarm["evidence"], us.node.key.public_key, us.config.origin)
    assert finding.startswith("fork proven")


def test_tiles_that_do_not_hash_to_the_checkpoint_mirror_nothing(nodes: tuple[Running, Running]) -> None:
    """US signs a root its tiles do not give (old 0: no proof to catch it first); RU fetches, hashes, refuses."""
    us, ru = nodes
    answer = post(ru, body(0, note_of(us, 4, root=hashlib.sha256(b"not these entries").digest())))
    assert answer.status_code == 422
    assert "do not hash" in answer.json()["detail"]
    assert witnessed(ru) == (0, 0, 0)
    assert [a["kind"] for a in alarms(ru)] == ["bad-tiles"]


def test_an_unreachable_peer_is_503_and_can_be_retried(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    note = note_of(us, 4)
    us.server.should_exit = True  # US's node goes down: RU cannot fetch the tiles
    wait_for(lambda: stopped(us), "US's node to stop")
    answer = post(ru, body(0, note))
    assert answer.status_code == 503
    assert answer.headers["retry-after"]
    assert witnessed(ru) == (0, 0, 0)


def _signed_bundle(items: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(len(s + p).to_bytes(4, "big") + s + p for s, p in items)


def test_an_entry_that_does_not_verify_mirrors_nothing(nodes: tuple[Running, Running]) -> None:
    """Tiles that hash to a signed root but carry an entry signed by another key: refused whole, alarm raised."""
    us, ru = nodes
    stored = read_signed(us.node.store, "US", TileRef(SIGNED, 0, 4), 4)
    items = [(stored_sig, payload) for stored_sig, payload in _split(stored)]
    forged = PartyKey.from_seed("US", bytes([42]) * 32).sign(items[3][1])
    doctored = _signed_bundle([*items[:3], (forged, items[3][1])])
    raised: list[tuple[str, str]] = []
    checkpoint = Checkpoint(us.config.origin, 4, StoredTree(us.node.store, "US").root(4))
    with pytest.raises(PeerRequestError) as caught:
        follow(ru.node, "US", checkpoint, lambda path: doctored, lambda kind, why: raised.append((kind, why)))
    assert caught.value.status == 422
    assert "#4" in caught.value.why
    assert [k for k, _ in raised] == ["bad-entry"]
    assert ru.node.store.tree_size("US") == 0


def _split(data: bytes) -> list[tuple[bytes, bytes]]:
    out, at = [], 0
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        item = data[at + 4 : at + 4 + length]
        out.append((item[:64], item[64:]))
        at += 4 + length
    return out


# ---------------------------------------------------------------------------------------------- tlog-scales


def test_tlog_scales_reads_the_nodes_log_and_verifies_its_cosignatures(nodes: tuple[Running, Running]) -> None:
    """An implementation nobody here wrote: it reads US's checkpoint and tiles and checks RU's cosignature."""
    us, ru = nodes
    reader = TilesReader(HttpBackend(us.url))
    checkpoint = reader.get_checkpoint()
    scales_tlog.Checkpoint.verify(checkpoint, scales_signing.Vkey.from_string(log_key(us.config)))
    assert (checkpoint.origin, checkpoint.size) == (us.config.origin, 4)
    assert reader.calculate_root_hash() == StoredTree(us.node.store, "US").root(4)
    assert reader.get_consistency_proof(1, 4).node_hashes == proof(us, 1, 4)

    line = post(ru, body(0, note_of(us, 4))).text.strip()
    cosignature = scales_signing.NoteSignature.from_line(line)
    witness = scales_signing.Vkey(ru.config.origin, None, 4, ru.node.key.public_key)
    assert witness.match(cosignature)
    witness.get_verifier().verify(cosignature.payload, checkpoint)  # raises if it does not verify
    tampered = scales_tlog.Checkpoint(checkpoint.origin, 3, checkpoint.root_hash, [])
    with pytest.raises(InvalidSignature):
        witness.get_verifier().verify(cosignature.payload, tampered)


def test_the_witness_accepts_checkpoints_and_proofs_tlog_scales_makes(nodes: tuple[Running, Running]) -> None:
    """tlog-scales signs US's checkpoints with US's key and computes the consistency proof from US's tiles."""
    us, ru = nodes
    reader = TilesReader(HttpBackend(us.url))
    reader.get_checkpoint()
    seed = base64.b64decode(json.loads((us.config.directory / "US.key").read_text())["seed"])
    signer = scales_signing.PlainEd25519Signer(us.config.origin, seed)
    for old, new in ((0, 1), (1, 4)):
        reader.set_size(new)
        note = scales_tlog.Checkpoint.make_signed(us.config.origin, new, reader.calculate_root_hash(), [signer])
        hashes = reader.get_consistency_proof(old, new).node_hashes if old else []
        answer = post(ru, body(old, note.serialize(), hashes))
        assert answer.status_code == 200, answer.text
    assert witnessed(ru) == (4, 4, 2)


def test_the_status_says_whether_the_peer_is_silent(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    status = ru.status()
    assert json.loads(json.dumps(status)) == status
    assert dt.datetime.fromisoformat(status["as_of"].replace("Z", "+00:00")) == ru.node.clock()
    (peer,) = status["peers"]
    # nothing of US's mirrored: New START's initial-data deadline (45 days after 2011-02-05) is long past
    assert (peer["party"], peer["state"], peer["silent_since"]) == ("US", "silent", "2011-02-05")
    assert post(ru, body(0, note_of(us, 4))).status_code == 200
    (peer,) = ru.status()["peers"]
    # US last sent on 2021-02-12: its next data exchange (data date 1 March) is due on 31 March
    assert (peer["state"], peer["last_sent"], peer["mirrored"], peer["witnessed"]) == (
        "current",
        "2021-02-12T00:00:00Z",
        4,
        4,
    )
