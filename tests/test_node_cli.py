"""``detente node`` and ``detente serve`` from the command line, including TLS on loopback."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import trustme
from tests.node_harness import free_port

from detente.node import load_node, operator_of
from detente.node.status import next_exchange_deadline
from detente.treaty import get_treaty

Cli = Callable[..., tuple[int, str, str]]


def test_init_key_peer_operator_and_status(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("node", "init", str(tmp_path / "us"), "--party", "US", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["origin"] == "detente/new-start/US"
    assert oct((tmp_path / "us" / "US.key").stat().st_mode & 0o777) == "0o600"
    code, out, _ = cli("node", "init", str(tmp_path / "ru"), "--party", "RU", "--json")
    ru_key = json.loads(out)["log_key"]
    code, out, _ = cli("node", "key", str(tmp_path / "us"), "--json")
    assert json.loads(out)["log_key"] == made["log_key"]

    code, out, err = cli(
        "node", "add-peer", str(tmp_path / "us"), "--party", "RU", "--url", "http://127.0.0.1:9", "--log-key", ru_key
    )
    assert code == 0, err
    assert load_node(tmp_path / "us").peer("RU") is not None

    code, out, _ = cli("node", "add-operator", str(tmp_path / "us"), "alice", "--json")
    token = json.loads(out)["token"]
    assert operator_of(load_node(tmp_path / "us"), token) == "alice"
    assert token not in (tmp_path / "us" / "operators.toml").read_text()

    code, out, err = cli("node", "status", str(tmp_path / "us"), "--json")
    assert code == 0, err
    status = json.loads(out)
    assert (status["size"], status["peers"][0]["party"], status["peers"][0]["mirrored"]) == (0, "RU", 0)
    code, out, err = cli("node", "status", str(tmp_path / "us"))
    assert code == 0, err
    assert "silent since 2011-02-05" in out  # RU never sent anything: past New START's initial-data deadline


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--party", "XX"], "not a party to new-start"),
        (["--party", "US", "--treaty", "no-such"], "unknown treaty"),
    ],
)
def test_init_refuses_what_it_cannot_use_and_leaves_nothing(
    cli: Cli, tmp_path: Path, args: list[str], why: str
) -> None:
    code, _out, err = cli("node", "init", str(tmp_path / "n"), *args)
    assert code == 2
    assert why in err
    assert not (tmp_path / "n").exists()


def test_peers_and_operators_are_checked(cli: Cli, tmp_path: Path) -> None:
    cli("node", "init", str(tmp_path / "us"), "--party", "US")
    cli("node", "init", str(tmp_path / "ru"), "--party", "RU")
    _, us_key, _ = cli("node", "key", str(tmp_path / "us"))
    _, ru_key, _ = cli("node", "key", str(tmp_path / "ru"))
    before = (tmp_path / "us" / "node.toml").read_text()
    for party, url, key, why in [
        ("RU", "http://127.0.0.1:9", us_key.strip(), "is for the log 'detente/new-start/US'"),
        ("RU", "ftp://x", ru_key.strip(), "url"),
        ("US", "http://127.0.0.1:9", ru_key.strip(), "own party"),
        ("RU", "http://127.0.0.1:9", "garbage", "key"),
    ]:
        code, _out, err = cli(
            "node", "add-peer", str(tmp_path / "us"), "--party", party, "--url", url, "--log-key", key
        )
        assert code == 2, (party, url)
        assert why in err
    assert (tmp_path / "us" / "node.toml").read_text() == before
    code, _out, err = cli("node", "add-operator", str(tmp_path / "us"), "bad name\n")
    assert code == 2
    assert "operator name" in err
    code, _out, err = cli("node", "status", str(tmp_path / "nowhere"))
    assert code == 2
    assert "no such node directory" in err


def test_serve_needs_both_tls_files(cli: Cli, tmp_path: Path) -> None:
    cli("node", "init", str(tmp_path / "us"), "--party", "US")
    code, _out, err = cli("serve", str(tmp_path / "us"), "--tls-cert", str(tmp_path / "cert.pem"))
    assert code == 2
    assert "--tls-key" in err


def test_serve_over_tls_with_a_certificate_the_test_makes(cli: Cli, tmp_path: Path) -> None:
    cli("node", "init", str(tmp_path / "us"), "--party", "US")
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    cert, key, ca = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    certificate.private_key_and_cert_chain_pem.write_to_path(str(key))
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    authority.cert_pem.write_to_path(str(ca))
    port = free_port()
    command = [sys.executable, "-m", "detente.cli.main", "serve", str(tmp_path / "us"), "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = f"https://127.0.0.1:{port}"
        trusted = ssl.create_default_context(cafile=str(ca))
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"{url}/detente/status", verify=trusted)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.json()["origin"] == "detente/new-start/US"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/detente/status")  # not trusted without the test's authority
        assert httpx.get(f"{url}/openapi.json", verify=trusted).json()["info"]["title"].startswith("detente node")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def test_the_next_data_exchange_is_due_30_days_after_the_next_data_date() -> None:
    treaty = get_treaty("new-start")
    assert next_exchange_deadline(treaty, dt.date(2023, 2, 28)) == dt.date(2023, 3, 31)
    assert next_exchange_deadline(treaty, dt.date(2023, 3, 1)) == dt.date(2023, 10, 1)
    assert next_exchange_deadline(treaty, dt.date(2023, 12, 31)) == dt.date(2024, 3, 31)
