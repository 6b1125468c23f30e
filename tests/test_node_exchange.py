"""Two nodes exchanging over HTTP: a submission is mirrored by the peer, witnessed, cosigned, and the receipt kept.

Real servers on loopback (uvicorn), real stores (SQLite in a temporary directory), the nodes' clock fixed in 2021.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.node_harness import Running, initial, make_pair, pair, port_of, serving, wait_for

from detente.counting import count, judge
from detente.crypto.note import COSIGNATURE_V1, Verifier, parse_note, verify_note
from detente.ledger import format_time, replay_store, to_force
from detente.node import node_status, write_tiles
from detente.treaty import get_treaty


def elimination(party: str, uid: str, day: int) -> dict[str, Any]:
    """An elimination of one item, effective and sent in February 2021."""
    when = dt.datetime(2021, 2, day, tzinfo=dt.UTC)
    return {"type": "elimination", "party": party, "sent": when, "effective": when, "content": {"uid": uid}}


def first_uids(draft: dict[str, Any], n: int) -> list[str]:
    """The first n item identifiers an initial-data draft declares."""
    return [item["uid"] for item in draft["content"]["items"][:n]]


def cosigned(us: Running, size: int) -> bool:
    peers = us.status()["peers"]
    return bool(peers) and peers[0]["cosigned_ours"] >= size


@pytest.fixture
def nodes(tmp_path: Path) -> Any:
    with pair(tmp_path) as running:
        yield running


def test_a_submission_is_mirrored_witnessed_and_cosigned(nodes: tuple[Running, Running]) -> None:
    us, ru = nodes
    draft = initial("US", "us-2020-09")
    answer = us.submit(draft)
    assert answer.status_code == 200, answer.text
    assert [a["seq"] for a in answer.json()["accepted"]] == [1]
    answer = us.submit([elimination("US", uid, 10 + i) for i, uid in enumerate(first_uids(draft, 3))])
    assert answer.status_code == 200, answer.text
    assert answer.json()["size"] == 4
    wait_for(lambda: cosigned(us, 4), "RU to cosign the US log at size 4")

    # RU holds exactly what US signed, entry for entry
    mine = list(us.node.store.entries("US"))
    mirrored = list(ru.node.store.entries("US"))
    assert [(e.seq, e.payload, e.signature, e.hash) for e in mirrored] == [
        (e.seq, e.payload, e.signature, e.hash) for e in mine
    ]
    # RU recorded the checkpoint US signed, and US keeps RU's cosignature of it, which verifies under RU's key
    assert ru.node.latest("US") is not None
    assert ru.node.latest("US").note == us.node.latest("US").note  # type: ignore[union-attr]
    note = parse_note(us.node.latest("US").note)  # type: ignore[union-attr]
    line = next(c.line for c in us.node.store.cosignatures("US") if c.size == 4)
    witness = Verifier(ru.config.origin, ru.node.key.public_key, COSIGNATURE_V1)
    log = Verifier(us.config.origin, us.node.key.public_key)
    cosigners = verify_note(
        parse_note(note.body + "\n" + note.signatures[0].line() + "\n" + line + "\n"), log, (witness,)
    )
    assert cosigners == {ru.config.origin: int(ru.node.clock().timestamp())}

    # RU computes US's counts from its mirror exactly as US does from its own ledger
    treaty = get_treaty("new-start")
    on = dt.date(2021, 2, 28)
    counted = []
    for node in (us.node, ru.node):
        state = replay_store(node.store, "US", until="2021-02-28T23:59:59Z")
        counted.append(judge(count(to_force([state], node.ledger.catalog), treaty, ()), on).as_dict())
    assert counted[0] == counted[1]
    assert counted[0]["US"]["deployed-delivery-vehicles"]["count"] > 0


def test_status_shows_acknowledgement_and_the_peers_state(nodes: tuple[Running, Running]) -> None:
    us, _ru = nodes
    assert us.submit(initial("US", "us-2020-09")).status_code == 200
    wait_for(lambda: cosigned(us, 1), "RU to cosign")
    status = us.status()
    (peer,) = status["peers"]
    assert (status["size"], status["checkpoint"], peer["party"], peer["cosigned_ours"]) == (1, 1, "RU", 1)
    offline = node_status(us.config.directory, now=dt.datetime(2021, 3, 1, tzinfo=dt.UTC))
    assert offline["acknowledgement"]["peers"]["RU"] == {
        "acknowledged": 1,
        "pending": 0,
        "unacknowledged": [],
        "unacknowledged_count": 0,
    }
    # RU never sent anything: by 2021 it is long past New START's initial-data deadline
    assert offline["peers"][0]["state"] == "silent"


def test_submitting_needs_an_operator_token(nodes: tuple[Running, Running]) -> None:
    us, _ru = nodes
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {us.token}"}):
        answer = httpx.post(f"{us.url}/detente/submit", json=[{}], headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 401
    assert us.node.store.tree_size("US") == 0


def test_a_refused_submission_is_a_problem_and_appends_nothing(nodes: tuple[Running, Running]) -> None:
    us, _ru = nodes
    bad = initial("US", "us-2020-09")
    bad["content"]["items"][0]["system"] = "no-such-system"
    answer = us.submit(bad)
    assert answer.status_code == 400
    assert "no-such-system" in answer.json()["detail"]
    answer = httpx.post(
        f"{us.url}/detente/submit", content=b"{not json", headers={"Authorization": f"Bearer {us.token}"}
    )
    assert answer.status_code == 400
    assert us.node.store.tree_size("US") == 0
    assert us.node.latest("US") is None


def test_the_log_is_readable_by_anyone(nodes: tuple[Running, Running]) -> None:
    us, _ru = nodes
    assert httpx.get(f"{us.url}/checkpoint").status_code == 404  # nothing submitted yet
    assert us.submit(initial("US", "us-2020-09")).status_code == 200
    checkpoint = httpx.get(f"{us.url}/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.headers["content-type"] == "text/plain; charset=utf-8"
    assert checkpoint.text == us.node.latest("US").note  # type: ignore[union-attr]
    tile = httpx.get(f"{us.url}/tile/0/000.p/1")
    assert tile.status_code == 200
    assert "immutable" in tile.headers["cache-control"]
    assert len(tile.content) == 32
    for path in ("tile/0/000.p/2", "tile/0/001", "tile/0/0", "tile/x/000", "signed/000.p/2"):
        answer = httpx.get(f"{us.url}/{path}")
        assert answer.status_code == 404, path
        assert answer.json()["status"] == 404


def test_tiles_written_to_a_directory_are_the_bytes_the_node_serves(
    nodes: tuple[Running, Running], tmp_path: Path
) -> None:
    us, _ru = nodes
    draft = initial("US", "us-2020-09")
    assert us.submit(draft).status_code == 200
    assert us.submit([elimination("US", uid, 10 + i) for i, uid in enumerate(first_uids(draft, 3))]).status_code == 200
    result = write_tiles(us.node.store, "US", tmp_path / "static")
    assert result.written[-1] == "checkpoint"
    assert result.skipped  # the initial data is too long for the spec's entry bundles
    for path in result.written:
        served = httpx.get(f"{us.url}/{path}")
        assert served.status_code == 200, path
        assert served.content == (tmp_path / "static" / path).read_bytes(), path
    for path in result.skipped:
        assert httpx.get(f"{us.url}/{path}").status_code == 404


@pytest.mark.postgres
def test_the_exchange_runs_on_postgresql(tmp_path: Path, pg_server: Any) -> None:
    """Both nodes on the team store: the same exchange, the same mirrored bytes, the receipt kept."""
    urls = {party: pg_server.create_database() for party in ("US", "RU")}
    us_config, ru_config = make_pair(tmp_path, lambda party: urls[party])
    try:
        with (
            serving(us_config, port_of(us_config, ru_config)) as us,
            serving(ru_config, port_of(ru_config, us_config)) as ru,
        ):
            assert us.config.store_target.startswith("postgresql")
            draft = initial("US", "us-2020-09")
            assert us.submit(draft).status_code == 200
            assert us.submit([elimination("US", first_uids(draft, 1)[0], 10)]).status_code == 200
            wait_for(lambda: cosigned(us, 2), "RU to cosign the US log at size 2")
            assert [e.payload for e in ru.node.store.entries("US")] == [e.payload for e in us.node.store.entries("US")]
    finally:
        gc.collect()
        for url in urls.values():
            pg_server.drop_database(url)


def test_entries_appended_by_the_cli_on_the_nodes_store_are_published_and_pushed(
    nodes: tuple[Running, Running], cli: Any, tmp_path: Path
) -> None:
    """`detente ledger submit` on the node's own store, in another process's stead: the node signs and pushes it."""
    us, ru = nodes
    draft = initial("US", "us-2020-09")
    assert us.submit(draft).status_code == 200
    wait_for(lambda: cosigned(us, 1), "RU to cosign the US log at size 1")
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps([elimination("US", first_uids(draft, 1)[0], 10)], default=format_time))
    code, _out, err = cli(
        "ledger", "submit", us.config.store_target, str(changes), "--key", str(us.config.directory / "US.key")
    )
    assert code == 0, err
    wait_for(lambda: cosigned(us, 2), "the node to publish the CLI's append and RU to cosign it")
    assert us.node.latest("US").size == 2  # type: ignore[union-attr]
    assert ru.node.store.tree_size("US") == 2
