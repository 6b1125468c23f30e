"""`detente node demo`: two nodes exchange the whole ILLUSTRATIVE demo history, and each counts the other's mirror.

One run for the module (it replays 2011–2023 through both nodes), checked against the demo ledger built locally.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from detente.catalog import builtin_catalog
from detente.demo import build_demo_ledger, demo_keys
from detente.demo.nodes import NodeDemo, run_node_demo
from detente.ledger import Ledger, MemoryStore, verify_store
from detente.store import open_store
from detente.treaty import get_treaty


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> NodeDemo:
    return run_node_demo(tmp_path_factory.mktemp("nodes") / "demo")


@pytest.fixture(scope="module")
def local() -> MemoryStore:
    """The same history written by one local writer (what `detente ledger demo` builds)."""
    store = MemoryStore()
    build_demo_ledger(Ledger(store, demo_keys(), builtin_catalog(), get_treaty))
    return store


def test_each_node_holds_the_others_log_exactly_as_signed(ran: NodeDemo, local: MemoryStore) -> None:
    for folder, own, other in (("us", "US", "RU"), ("ru", "RU", "US")):
        with open_store(str(ran.directory / folder / "ledger.sqlite"), readonly=True) as store:
            for party in (own, other):
                assert [e.payload for e in store.entries(party)] == [e.payload for e in local.entries(party)], party
                assert verify_store(store, party) == local.tree_size(party)  # every entry and checkpoint
            # the other's log is witnessed at its full size, and ours cosigned by the other at ours
            assert store.checkpoints(other)[-1].size == local.tree_size(other)
            assert max(c.size for c in store.cosignatures(own)) == local.tree_size(own)


def test_each_mirror_counts_equal_the_published_figures(ran: NodeDemo) -> None:
    for party in ("US", "RU"):
        agree, published = ran.agreement(party)
        assert published > 0
        assert agree == published, [r for r in ran.mirrors[party] if r.official is not None and not r.agrees][:3]


def test_the_us_node_shows_russia_silent_after_its_last_exchange(ran: NodeDemo, local: MemoryStore) -> None:
    last = local.head("RU")
    assert last is not None
    sent = last.notification()["sent"][:10]
    assert ran.silence["state"] == "silent"
    assert ran.silence["silent_since"] == sent
    assert ran.silence["last_sent"].startswith(sent)


def test_the_command_reports_the_run(
    cli: Callable[..., tuple[int, str, str]], ran: NodeDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's report of a run (the module's run, not a second one: it takes a minute)."""
    monkeypatch.setattr("detente.demo.nodes.run_node_demo", lambda _folder, _progress=None: ran)
    code, out, err = cli("node", "demo", "--dir", str(tmp_path / "nodes"), "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert facts["entries"] == ran.entries
    assert facts["silence"]["state"] == "silent"
    assert {p: (m["agree"], m["published"]) for p, m in facts["mirrors"].items()} == {
        p: ran.agreement(p) for p in ("US", "RU")
    }
    code, out, err = cli("node", "demo", "--dir", str(tmp_path / "nodes"))
    assert code == 0, err
    assert "RU silent since" in out


def test_the_demo_wants_a_new_directory(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "something").write_text("x")
    code, _out, err = cli("node", "demo", "--dir", str(tmp_path / "busy"))
    assert code == 2
    assert "not empty" in err
