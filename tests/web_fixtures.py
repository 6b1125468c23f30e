"""Fixtures for the dashboard's tests: the demo ledger, its app in-process and on a port, and a real browser.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``), driven by Playwright for
Python; Playwright's own browser downloads are never used. Without the binary the browser tests skip, except in
CI, where they fail. Each view's test saves a screenshot into ``build/screenshots/`` (or ``$DETENTE_SCREENSHOTS``)
for review.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from markupsafe import escape
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from detente.cli.ledger import build_demo
from detente.node import free_port, serving
from detente.store import open_store
from detente.web import Source, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CLI = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture: (exit code, stdout, stderr)
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [  # headless as root, with no calls home (this machine's network is closed)
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's chromium, or None."""
    return shutil.which("chromium") or next((p for p in ("/usr/bin/chromium",) if Path(p).exists()), None)


def screenshots() -> Path:
    """Where the browser tests save their screenshots."""
    folder = Path(os.environ.get("DETENTE_SCREENSHOTS") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def web_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The illustrative demo ledger (2011–2023, 5,429 notifications), built once for the session."""
    path = tmp_path_factory.mktemp("web") / "demo.sqlite"
    build_demo(path, quiet=True).close()
    return path


@pytest.fixture(scope="session")
def web_source(web_ledger: Path) -> Iterator[Source]:
    """The demo ledger opened read-only, as ``detente web`` opens it."""
    store = open_store(str(web_ledger), readonly=True)
    yield Source(store, web_ledger.name, illustrative=True)
    store.close()


@pytest.fixture(scope="session")
def web_url(web_source: Source) -> Iterator[str]:
    """The dashboard served on a loopback port (uvicorn, as ``detente web`` serves it)."""
    port = free_port()
    with serving(create_app(web_source), port, name="the dashboard"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def served(source: Source) -> Iterator[httpx.Client]:
    """The dashboard of ``source`` served on a loopback port while the block lasts, and a client of it."""
    port = free_port()
    with (
        serving(create_app(source), port, name="the dashboard"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client,
    ):
        yield client


@pytest.fixture
def serve() -> Iterator[Callable[[Source], httpx.Client]]:
    """Serve the dashboard of another source (a changed copy of a ledger) for the test; stopped at its end."""
    with contextlib.ExitStack() as stack:
        yield lambda source: stack.enter_context(served(source))


@pytest.fixture(scope="session")
def web_client(web_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the served dashboard: for status codes, bodies and CSV."""
    with httpx.Client(base_url=web_url, timeout=120) as client:
        yield client


def cli_json(cli: CLI, *args: str) -> Any:
    """What ``detente ARGS --json`` prints, the numbers a view is compared with; the command must succeed."""
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def csv_rows(client: httpx.Client, url: str) -> list[dict[str, str]]:
    """A table's CSV download keyed by column label: the same numbers as the page, as a spreadsheet reads them."""
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/csv"), url
    return list(csv.DictReader(io.StringIO(answer.text)))


def assert_refused(client: httpx.Client, url: str, status: int | tuple[int, ...], words: str) -> None:
    """Bad input is a 4xx that says why: a problem+json body to a program, a page to a browser, neither echoing
    what the URL held as markup. ``status`` is the code, or the codes any of which will do."""
    answer = client.get(url)
    assert answer.status_code in ((status,) if isinstance(status, int) else status), (url, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json"), url
    assert words in answer.json()["detail"], (url, answer.json())
    page = client.get(url, headers={"accept": "text/html"})
    assert page.status_code == answer.status_code, url
    assert str(escape(words)) in page.text, url  # shown as text, escaped as the page escapes it
    assert "<script>" not in page.text.split("</head>")[1], url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, through Playwright."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail("CI must run the browser tests, but chromium is not installed", pytrace=False)
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A browser page that records every console error and uncaught exception while a test uses it."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> Page:
        """Load ``url`` and wait until the network is idle (charts drawn, scripts run)."""
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None, url
        assert response.status == 200, f"{url}: {response.status}"
        return self.page

    def rows(self, table_id: str) -> list[dict[str, str]]:
        """The body rows of the table ``table_id`` as the browser shows them, each keyed by its cells' data-key."""
        rows: list[dict[str, str]] = self.page.eval_on_selector_all(
            f"#{table_id} tbody tr",
            "rows => rows.map(r => Object.fromEntries("
            "Array.from(r.cells).map(c => [c.dataset.key, c.textContent.trim()])))",
        )
        return rows

    def screenshot(self, name: str) -> Path:
        """A full-page screenshot saved for review; its path."""
        path = screenshots() / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True, caret="initial")  # no style="" left on inputs
        return path


def _tabs(browser: Browser, **options: Any) -> Iterator[Tab]:
    """A fresh browser context (cold cache) and a page in it, its console errors recorded; closed after."""
    context = browser.new_context(**options)
    page = context.new_page()
    recorded = Tab(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorded.errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: recorded.errors.append(f"page error: {exc}"))
    yield recorded
    context.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    """A browser tab with its console errors recorded."""
    yield from _tabs(browser, viewport={"width": 1280, "height": 900})


@pytest.fixture
def tab_without_js(browser: Browser) -> Iterator[Tab]:
    """A tab with JavaScript off: every view must work without it (forms submit, the tables carry the numbers)."""
    yield from _tabs(browser, java_script_enabled=False)


def charts_drawn(page: Page, expected: int) -> int:
    """The number of charts drawn, once it reaches ``expected`` (or after 10 s): a chart is drawn when htmx has
    settled a swap, a moment after the swapped content is in the page.

    Waited for with a locator, not ``wait_for_function``: a polled string predicate is evaluated with ``eval``,
    which the dashboard's Content-Security-Policy refuses.
    """
    drawn = page.locator("canvas[data-drawn=yes]")
    with contextlib.suppress(PlaywrightTimeout):
        drawn.nth(expected - 1).wait_for(state="attached", timeout=10_000)
    return drawn.count()
