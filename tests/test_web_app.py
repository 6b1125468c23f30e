"""The dashboard as a whole: vendored files, headers, pages without JavaScript, the keyboard, and how it is started
(``detente web``, and a node's ``/dashboard/`` under ``detente serve``)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from detente.ledger import format_time
from detente.node import add_operator, free_port, init_node
from detente.web.views import VIEWS
from node_harness import initial
from web_fixtures import CLI, ROOT, Tab

STATIC = ROOT / "src" / "detente" / "web" / "static"
CONTROLS = "main input:not([type=hidden]), main select, main button, main textarea, main summary"


def test_vendored_files_are_the_published_ones() -> None:
    vendored = tomllib.loads((STATIC / "vendor" / "VENDORED.toml").read_text())
    assert set(vendored) == {"chart_js", "htmx"}
    on_disk = {p.name for p in (STATIC / "vendor").iterdir()} - {"VENDORED.toml"}
    named = {v["file"] for v in vendored.values()} | {v["licence_file"] for v in vendored.values()}
    assert on_disk == named  # nothing vendored that the table does not account for
    for lib in vendored.values():
        assert hashlib.sha256((STATIC / "vendor" / lib["file"]).read_bytes()).hexdigest() == lib["sha256"]
        assert lib["version"] in lib["file"]
        assert lib["licence"] in {"MIT", "0BSD"}
    base = (ROOT / "src" / "detente" / "web" / "templates" / "base.html").read_text()
    for lib in vendored.values():
        assert f"/static/vendor/{lib['file']}" in base


def test_everything_comes_from_the_app_itself(web_client: httpx.Client) -> None:
    answer = web_client.get("/")
    csp = answer.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    for url in re.findall(r'(?:src|href)="([^"]+)"', answer.text):
        assert url.startswith(("/", "data:", "#", "?")), url  # no CDN, no other host
        if url.startswith("/static/"):
            assert web_client.get(url).status_code == 200, url
    assert "<script>" not in answer.text  # no inline script: the policy would block it
    assert web_client.head("/").status_code == 200


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.slug)
def test_every_view_works_without_javascript(tab_without_js: Tab, web_url: str, view: object) -> None:
    slug = view.slug  # type: ignore[attr-defined]
    page = tab_without_js.page
    answer = page.goto(f"{web_url}/{slug}")
    assert answer is not None
    assert answer.status == 200
    assert page.locator("main h1").count() == 1
    assert page.locator("canvas[data-drawn=yes]").count() == 0  # nothing drawn: the tables carry the numbers
    for form in page.locator("main form").all():
        assert form.get_attribute("method") == "get"
        assert form.get_attribute("action")  # submits without htmx


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.slug)
def test_the_keyboard_reaches_every_control(tab: Tab, web_url: str, view: object) -> None:
    slug = view.slug  # type: ignore[attr-defined]
    page = tab.open(f"{web_url}/{slug}")
    wanted = page.eval_on_selector_all(
        # what is shown (not inside a closed <details>: its summary is the control that opens it), and enabled
        CONTROLS,
        "els => els.filter(e => e.checkVisibility({visibilityProperty: true}) && !e.disabled).map(e => e.outerHTML)",
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # the first stop skips to the content
    reached: set[str] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.outerHTML"))
        if set(wanted) <= reached:
            break
    assert set(wanted) <= reached, f"{slug}: not reached by Tab: {sorted(set(wanted) - reached)[:3]}"
    assert tab.errors == []


@contextlib.contextmanager
def _running(args: list[str], url: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """``detente ARGS`` in a subprocess until ``url`` answers; stopped at the end of the block."""
    process = subprocess.Popen(
        [sys.executable, "-m", "detente.cli.main", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # the default ledger is built first
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    _, err = process.communicate(timeout=5)
                    pytest.fail(f"detente {' '.join(args)} did not serve {url}: {err.decode()[-2000:]}")
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_detente_web_serves_a_ledger_file(web_ledger: Path) -> None:
    port = free_port()
    with _running(["web", str(web_ledger), "--port", str(port)], f"http://127.0.0.1:{port}/static/dashboard.css"):
        page = httpx.get(f"http://127.0.0.1:{port}/?date=2018-02-05", timeout=120)
        assert page.status_code == 200
        assert web_ledger.name in page.text
        assert "ILLUSTRATIVE" not in page.text  # a ledger the user names is not marked as the demo


def test_detente_web_without_a_ledger_builds_the_demo_once(tmp_path: Path) -> None:
    port = free_port()
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    with _running(["web", "--port", str(port)], f"http://127.0.0.1:{port}/static/dashboard.css", env):
        assert "ILLUSTRATIVE" in httpx.get(f"http://127.0.0.1:{port}/", timeout=120).text
    built = list((tmp_path / "detente").glob("demo-ledger-*.sqlite"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    port = free_port()
    with _running(["web", "--port", str(port)], f"http://127.0.0.1:{port}/static/dashboard.css", env):
        assert httpx.get(f"http://127.0.0.1:{port}/counts", timeout=120).status_code == 200
    assert built[0].stat().st_mtime_ns == stamp  # used again, not rebuilt


def test_detente_web_refuses_a_missing_ledger(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "detente.cli.main", "web", str(tmp_path / "nothing.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no ledger here" in done.stderr


def test_a_node_serves_the_dashboard_of_what_it_holds(tmp_path: Path) -> None:
    config = init_node(tmp_path / "us", "US", "new-start", None)
    token = add_operator(config, "op")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _running(["serve", str(config.directory), "--port", str(port)], f"{base}/checkpoint"):
        sent = httpx.post(
            f"{base}/detente/submit",
            content=json.dumps([initial("US", "us-2020-09")], default=format_time),
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert sent.status_code == 200, sent.text
        page = httpx.get(f"{base}/dashboard/?date=2011-02-05", follow_redirects=True, timeout=120)
        assert page.status_code == 200
        assert "the US node" in page.text
        assert 'href="/dashboard/counts"' in page.text  # links follow the mount
        css = httpx.get(f"{base}/dashboard/static/dashboard.css", timeout=30)
        assert css.status_code == 200
        assert httpx.get(f"{base}/checkpoint").status_code == 200  # the node's own routes are unchanged


HOSTILE = [
    "",
    "x",
    "-1",
    "0",
    "1e400",
    "nan",
    "9" * 40,
    "2018-02-30",
    "<script>alert(1)</script>",
    "\x00\x1b[31m",
    "é" * 300,
]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.slug)
def test_hostile_values_in_every_field_are_refused_not_failed(web_client: httpx.Client, view: object) -> None:
    slug = view.slug  # type: ignore[attr-defined]
    page = web_client.get(f"/{slug}")
    assert page.status_code == 200
    names = sorted(set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', page.text))) or ["date"]
    for name in [*names, "date", "party"]:
        for value in HOSTILE:
            answer = web_client.get(f"/{slug}", params={name: value})
            assert answer.status_code in (200, 400, 404), (slug, name, value, answer.text[:300])
            if answer.status_code != 200:
                problem = answer.json()
                assert problem["status"] == answer.status_code
                assert problem["detail"]  # says what and why
            shown = web_client.get(f"/{slug}", params={name: value}, headers={"accept": "text/html"})
            assert shown.status_code == answer.status_code
            assert "<script>alert(1)</script>" not in shown.text  # echoed, if at all, as text


def test_the_fact_sheet_is_served_with_its_pdf_and_proofs(
    web_client: httpx.Client, web_ledger: Path, cli: CLI, tmp_path: Path
) -> None:
    _, out, _ = cli("ledger", "counts", str(web_ledger), "--date", "2018-02-05", "--json")
    expected = json.loads(out)
    page = web_client.get("/fact-sheet?date=2018-02-05")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    for party in ("US", "RU"):
        assert f"{expected[party]['warheads']['count']:,}" in page.text
    pdf = web_client.get("/fact-sheet.pdf?date=2018-02-05")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    names = sorted(set(re.findall(r"/fact-sheet/([A-Z]+-[0-9]+\.tlog-proof)\?date=2018-02-05", page.text)))
    assert {n.split("-")[0] for n in names} == {"US", "RU"}
    for name in (names[0], names[-1]):
        proof = web_client.get(f"/fact-sheet/{name}?date=2018-02-05")
        assert proof.status_code == 200
        (tmp_path / name).write_bytes(proof.content)
        _, key, _ = cli("trust", "log-key", str(web_ledger), "--party", name.split("-")[0])
        code, _, err = cli("trust", "verify", str(tmp_path / name), "--log-key", key.strip())
        assert code == 0, err
    assert web_client.get("/fact-sheet/US-999999.tlog-proof?date=2018-02-05").status_code == 404
    assert web_client.get("/fact-sheet?date=1900-01-01").status_code == 400
    assert web_client.get("/fact-sheet.pdf?date=garbage").status_code == 400
