"""Keys over a decade, between nodes: a party rotates its key and its peer follows the rotation when it mirrors.

The peer is configured with the party's first key only (it never saw the rotation) and learns the next key from
the rotation entry, signed by the key it knows, before it accepts a checkpoint the new key signed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.node_harness import CLOCK, initial, make_pair, pair, port_of, serving, wait_for
from tests.test_node_exchange import cosigned, first_uids
from tests.test_node_witness import body, post, witnessed

from detente.crypto.keys import PartyKey, save_key
from detente.crypto.note import Checkpoint, sign_note
from detente.crypto.stored_tree import StoredTree
from detente.errors import NodeError
from detente.node import Node, load_node, set_key


def after_rotation(uid: str) -> dict[str, Any]:
    """An elimination sent just after the rotation (the nodes' clock stands at noon on 1 March 2021)."""
    when = CLOCK + dt.timedelta(minutes=5)
    return {"type": "elimination", "party": "US", "sent": when, "effective": when, "content": {"uid": uid}}


def test_a_peer_follows_a_rotation_it_never_saw_configured(tmp_path: Path) -> None:
    with pair(tmp_path) as (us, ru):
        draft = initial("US", "us-2020-09")
        assert us.submit(draft).status_code == 200
        wait_for(lambda: cosigned(us, 1), "RU to cosign size 1")
        first = us.node.key
        us.node.rotate_key(PartyKey.from_seed("US", bytes([77]) * 32))
        assert us.node.key is not first
        assert us.submit([after_rotation(first_uids(draft, 1)[0])]).status_code == 200
        wait_for(lambda: cosigned(us, 3), "RU to follow the rotation and cosign size 3")
        history = ru.node.ledger.key_history("US")
        assert [k.public_key for k in history] == [first.public_key, us.node.key.public_key]
        assert [e.payload for e in ru.node.store.entries("US")] == [e.payload for e in us.node.store.entries("US")]


def test_after_a_rotation_the_old_key_signs_nothing_the_peer_takes(tmp_path: Path) -> None:
    with pair(tmp_path, push=False) as (us, ru):
        draft = initial("US", "us-2020-09")
        assert us.submit(draft).status_code == 200
        first = us.node.key
        us.node.rotate_key(PartyKey.from_seed("US", bytes([78]) * 32))
        assert us.submit([after_rotation(first_uids(draft, 1)[0])]).status_code == 200
        origin = us.config.origin
        root = StoredTree(us.node.store, "US").root(3)
        by_old = sign_note(Checkpoint(origin, 3, root).body(), origin, first).text()
        answer = post(ru, body(0, by_old))
        assert answer.status_code == 403
        assert witnessed(ru) == (0, 0, 0)  # fetched and checked to learn the rotation, nothing kept
        by_new = sign_note(Checkpoint(origin, 3, root).body(), origin, us.node.key).text()
        assert post(ru, body(0, by_new)).status_code == 200
        assert witnessed(ru) == (3, 3, 1)


def test_a_node_refuses_to_open_with_its_replaced_key(tmp_path: Path) -> None:
    us_config, ru_config = make_pair(tmp_path)
    with serving(us_config, port_of(us_config, ru_config), push=False) as us:
        assert us.submit(initial("US", "us-2020-09")).status_code == 200
        us.node.rotate_key(PartyKey.from_seed("US", bytes([79]) * 32))
    with pytest.raises(NodeError, match=r"key rotation not yet written to node\.toml"):
        Node(load_node(us_config.directory))


def test_rotating_under_an_expired_treaty_is_refused_and_leaves_nothing(cli: Any, tmp_path: Path) -> None:
    """New START expired on 2026-02-05: a rotation sent by today's clock is refused, and no key file is left."""
    assert cli("node", "init", str(tmp_path / "us"), "--party", "US")[0] == 0
    before = sorted(p.name for p in (tmp_path / "us").iterdir())
    config = (tmp_path / "us" / "node.toml").read_text()
    code, _out, err = cli("node", "rotate-key", str(tmp_path / "us"))
    assert code == 2
    assert "expir" in err
    assert sorted(p.name for p in (tmp_path / "us").iterdir()) == before
    assert (tmp_path / "us" / "node.toml").read_text() == config


def test_set_key_points_the_node_at_its_rotated_key(tmp_path: Path) -> None:
    us_config, ru_config = make_pair(tmp_path)
    new = PartyKey.from_seed("US", bytes([80]) * 32)
    with serving(us_config, port_of(us_config, ru_config), push=False) as us:
        assert us.submit(initial("US", "us-2020-09")).status_code == 200
        us.node.rotate_key(new)
    save_key(new, us_config.directory / "US-2.key")
    with Node(set_key(us_config, "US-2.key"), clock=lambda: CLOCK) as node:
        assert node.key.public_key == new.public_key
        assert node.latest("US").size == 2  # type: ignore[union-attr]
