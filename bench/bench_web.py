"""Benchmark: the dashboard — each view's render rate over HTTP, the A/B of its kept results, a full browser load.

One run on the illustrative demo ledger (New START, US and RU, 5,429 notifications), built into a temporary
directory removed at the end. It measures whatever views ``detente.web.views.VIEWS`` lists when it runs, each on
the user's path: a GET of the view's own URL (``/`` for the first, ``/SLUG`` for the others, no query), from an
HTTP client to the dashboard's app served by uvicorn (``detente.node.serving``) on loopback.

1. Render rate. Each view's rate, warm (after one request per view, so its results are kept and its template
   compiled), against a trivial page of the same app: ``/static/dashboard.css`` (3 KB), which every page of the
   dashboard loads. The app has no cheaper page of its own: its other pages are the views, and its 404 is a full
   page through ``base.html`` (and an error path, not what a user asks for). The static file goes through the same
   process, uvicorn server, FastAPI app, connection and client; only the work behind the route differs (Starlette's
   ``StaticFiles`` reading a small file, against a view's computing and rendering). Target: every view at least
   0.2 x the trivial page's rate.
2. The kept results' A/B. ``Source.kept`` keeps computed results per ledger size: a cache, and the house rule is
   that a cache lands only if it makes the user's path at least 1.3 x faster. The same views, same ledger and same
   requests against a second app whose source keeps nothing (``Computing``, a ``Source`` whose ``kept`` always
   computes): the warm rate of (1) against that cold rate. A view gets as many cold rounds as ``--cold-budget``
   seconds of its uncached page allow, at least one. Reported beside them: each view's first request on the kept app,
   in navigation order, so it computes what the views before it have not already kept (the date's replay, say).
3. A full browser load of the overview: Debian's chromium, headless, driven by Playwright with the browser tests'
   flags (``tests/web_fixtures.py``), a new browser context per load (an empty cache: the page, its stylesheet and
   its scripts all fetched), until the ``load`` event and then until every chart on the page is drawn. Against the
   same load of a static page of the same byte size: the overview's HTML with its scripts and stylesheets removed,
   padded with a comment to the same number of bytes, served by a tiny app of Starlette's ``StaticFiles`` on
   uvicorn in this process on another port, so that the HTTP server is the same and what differs is what the
   dashboard's page costs the browser and the server (rendering it warm, its stylesheet, htmx and Chart.js fetched
   and run, its charts drawn). Python's ``http.server`` would add a different server (HTTP/1.0, no keep-alive)
   to the difference. The figure is the median of N loads each, interleaved, of the time on the browser's own
   clock from the navigation's start until the load event is over and the last chart is drawn (a MutationObserver
   that Playwright adds before the page's scripts notes when ``dashboard.js`` marks a chart drawn; the same
   observer on both pages). The wall time around Playwright's calls is reported beside it: it adds the driver's
   round trips, the same for both pages. Target: the overview's load at most 3 x the static page's.

The HTTP client of (1) and (2) runs in a separate process (spawned) so that it does not share the servers'
interpreter: ``httpx.Client``, one keep-alive connection per app, one request at a time, as one browser tab asks.
Its requests are interleaved in rounds (trivial page, view warm, view not kept, for each view in turn), each a time
slice of requests, because the machine's speed drifts; rates are medians over the rounds. httpx costs the client
about 0.4 ms per request here (bench_node.py), as much as the static file costs the server, so the trivial rate is
partly the client's and the 0.2 x target is easier to meet than it would be against the server alone; the client's
CPU share during the trivial slices is reported to show by how much.

Checks on the way, any failure printing ``CHECK FAILED`` and exiting 1: every view answers 200 with an HTML page
(``text/html``, a ``<main id="main">``); every answer in the timed rounds is 200 and byte for byte the page the
warm-up got (a view gives the same page for the same ledger and URL, whether its results were kept or computed
afresh: the cache changes no byte); the static page is the overview's size, with no script or stylesheet; each
browser load of the overview is a 200 with every chart drawn and no console error or uncaught exception. Speed is
never a check: a target not met is reported, not failed.

Run:  .venv/bin/python bench/bench_web.py [--rounds K] [--slice S] [--cold-budget C] [--loads N] [--json]
      .venv/bin/python bench/bench_web.py --small      (one round, short slices, one browser load each)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from playwright.sync_api import Browser, ConsoleMessage, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from rich.console import Console
from rich.table import Table

from _finish import finish
from detente.cli.ledger import build_demo
from detente.node import free_port, serving
from detente.store import open_store
from detente.web import Source, create_app
from detente.web.views import VIEWS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from web_fixtures import CHROMIUM_FLAGS, chromium_path  # the browser tests' chromium and flags, found once on the path

T = TypeVar("T")
TRIVIAL = "/static/dashboard.css"
RENDER_TARGET = 0.2  # x the trivial page's rate
KEEP_TARGET = 1.3  # kept ÷ computed afresh: the house rule for a cache
LOAD_TARGET = 3.0  # x a static page of the same size, in the browser
CLIENT_TIMEOUT = 600.0  # seconds one request may take (a view computed afresh can take many)
CHARTS_DRAWN = "() => Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => c.dataset.drawn === 'yes')"
CHARTS_OBSERVED = (  # added by Playwright before the page's own scripts: when dashboard.js last marked a chart drawn
    "new MutationObserver(() => { window.benchChartsDrawn = performance.now(); })"
    ".observe(document, {subtree: true, attributes: true, attributeFilter: ['data-drawn']});"
)
READY = (  # on the browser's clock from the navigation's start: the load event over and every chart drawn
    "() => ({ready: Math.max(performance.getEntriesByType('navigation')[0].loadEventEnd, "
    "window.benchChartsDrawn || 0), resources: performance.getEntriesByType('resource').length, "
    "charts: document.querySelectorAll('canvas[data-chart]').length})"
)


class Computing(Source):
    """A source that keeps nothing: every result computed afresh at every request (the A/B's other arm)."""

    def kept(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, every time."""
        return compute()


# --------------------------------------------------------------------------------------------- the client


@dataclass(frozen=True)
class Target:
    """A page the client asks for, and the answer it must get: a 200 with these bytes."""

    name: str
    server: str  # http://127.0.0.1:PORT
    path: str
    digest: str  # SHA-256 of the body the warm-up got
    media: str  # the Content-Type's start


def ask(client: httpx.Client, target: Target) -> str | None:
    """One request for a target; what is wrong with the answer, or None."""
    try:
        answer = client.get(target.path)
    except httpx.HTTPError as exc:  # a view that raised: uvicorn drops the connection, the next request opens one
        return f"{type(exc).__name__}: {exc}"
    if answer.status_code != 200:
        return f"{answer.status_code} {answer.text[:200]!r}"
    if not answer.headers.get("content-type", "").startswith(target.media):
        return f"Content-Type {answer.headers.get('content-type')!r}"
    if hashlib.sha256(answer.content).hexdigest() != target.digest:
        return f"{len(answer.content):,} bytes, not the page the warm-up got"
    return None


def timed(targets: list[Target], schedule: list[tuple[int, float]]) -> list[dict[str, Any]]:
    """Run the schedule in the client process: for each (target, seconds), requests until the slice is over.

    At least one request per slice, however long it takes. Every answer is checked against its target. One
    keep-alive connection per server, opened before the first slice by an untimed request for the trivial page.
    """
    clients = {t.server: httpx.Client(base_url=t.server, timeout=CLIENT_TIMEOUT) for t in targets}
    out: list[dict[str, Any]] = []
    try:
        for client in clients.values():
            client.get(TRIVIAL).raise_for_status()
        for index, seconds in schedule:
            target = targets[index]
            client = clients[target.server]
            errors: list[str] = []
            requests = 0
            cpu, start = time.process_time(), time.perf_counter()
            while True:
                requests += 1
                problem = ask(client, target)
                if problem is not None:
                    errors.append(f"{target.name}: {problem}")
                wall = time.perf_counter() - start
                if wall >= seconds:
                    break
            cpu = time.process_time() - cpu
            out.append({"target": index, "requests": requests, "seconds": wall, "cpu": cpu, "errors": errors[:3]})
    finally:
        for client in clients.values():
            client.close()
    return out


# --------------------------------------------------------------------------------------------- the run


@dataclass
class Run:
    """Parameters, figures and failures of one run."""

    rounds: int
    slice: float
    cold_budget: float
    loads: int
    small: bool
    say: Callable[[str], None]
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        """Note a failed check."""
        self.failures.append(why)


@dataclass
class Served:
    """The dashboard served twice (kept results and none) and its trivial page: the URLs and what they answer."""

    kept: str
    computing: str
    trivial: Target


def view_path(index: int, slug: str) -> str:
    """A view's URL as the navigation links it: the first view is the dashboard's root."""
    return "/" if index == 0 else f"/{slug}"


def is_page(answer: httpx.Response) -> str | None:
    """Why an answer is not a dashboard page, or None if it is one."""
    if answer.status_code != 200:
        return f"answered {answer.status_code}: {answer.text[:300]!r}"
    if not answer.headers.get("content-type", "").startswith("text/html"):
        return f"answered Content-Type {answer.headers.get('content-type')!r}, not text/html"
    if '<main id="main"' not in answer.text or not answer.text.lstrip().lower().startswith("<!doctype html>"):
        return 'answered something that is not a dashboard page (no doctype or no <main id="main">)'
    return None


def warm_up(run: Run, served: Served) -> tuple[list[Target], list[Target], dict[str, dict[str, Any]]]:
    """One request per view on the kept app (timed: the first page after opening), and on the other app in full mode.

    The not-kept app's first request estimates how long a view's results take, which bounds its cold rounds; it is
    skipped in small mode (one cold round each anyway), where the timed round's own check compares the pages.
    """
    warm: list[Target] = []
    cold: list[Target] = []
    figures: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        for index, view in enumerate(VIEWS):
            path = view_path(index, view.slug)
            start = time.perf_counter()
            try:
                answer = client.get(served.kept + path)
            except httpx.HTTPError as exc:  # the view raised
                run.fail(f"GET {path} (the {view.title} view) failed: {type(exc).__name__}: {exc}")
                continue
            first = time.perf_counter() - start
            problem = is_page(answer)
            if problem is not None:
                run.fail(f"GET {path} (the {view.title} view) {problem}")
                continue
            digest = hashlib.sha256(answer.content).hexdigest()
            figures[view.slug] = {"path": path, "bytes": len(answer.content), "first_seconds": first}
            computed_first = None
            if not run.small:
                start = time.perf_counter()
                try:
                    afresh = client.get(served.computing + path)
                except httpx.HTTPError as exc:
                    run.fail(f"GET {path} with nothing kept failed: {type(exc).__name__}: {exc}")
                    continue
                computed_first = time.perf_counter() - start
                if afresh.content != answer.content:
                    problem = is_page(afresh) or "a different page from the one with kept results"
                    run.fail(f"GET {path} with nothing kept {problem}")
                    continue
            figures[view.slug]["computed_first_seconds"] = computed_first
            warm.append(Target(view.slug, served.kept, path, digest, "text/html"))
            cold.append(Target(view.slug + " (nothing kept)", served.computing, path, digest, "text/html"))
            run.say(
                f"GET {path}: {len(answer.content):,} bytes; first request {first * 1000:,.0f} ms"
                + ("" if computed_first is None else f", with nothing kept {computed_first * 1000:,.0f} ms")
            )
    return warm, cold, figures


def cold_rounds(run: Run, computed_first: float | None) -> int:
    """How many rounds measure a view with nothing kept: as many as the budget allows, from 1 to all."""
    if computed_first is None or computed_first <= 0:
        return 1 if run.small else run.rounds
    return max(1, min(run.rounds, int(run.cold_budget / max(computed_first, run.slice))))


def render_and_keep(run: Run, served: Served, pool: ProcessPoolExecutor) -> None:
    """Phases 1 and 2: every view warm against the trivial page, and against itself with nothing kept."""
    warm, cold, figures = warm_up(run, served)
    if not warm:
        return
    targets = [served.trivial, *warm, *cold]
    n = len(warm)
    rounds = {t.name: cold_rounds(run, figures[t.name]["computed_first_seconds"]) for t in warm}
    schedule: list[tuple[int, float]] = []
    for r in range(run.rounds):
        for i, target in enumerate(warm):
            schedule += [(0, run.slice), (1 + i, run.slice)]
            if r < rounds[target.name]:
                schedule.append((1 + n + i, run.slice))
    run.say(f"timing {len(schedule)} slices of {run.slice:g} s or one request, in {run.rounds} rounds…")
    results = pool.submit(timed, targets, schedule).result()
    rates: list[list[float]] = [[] for _ in targets]
    trivial_beside: list[list[float]] = [[] for _ in warm]  # the trivial slice just before each view's warm slice
    shares: list[float] = []
    previous_trivial = 0.0
    for outcome in results:
        i = outcome["target"]
        rate = outcome["requests"] / outcome["seconds"]
        rates[i].append(rate)
        for error in outcome["errors"]:
            run.fail(error)
        if i == 0:
            previous_trivial = rate
            shares.append(outcome["cpu"] / outcome["seconds"])
        elif i <= n:
            trivial_beside[i - 1].append(previous_trivial)
    trivial_rate = statistics.median(rates[0])
    run.figures["trivial"] = {
        "path": TRIVIAL,
        "per_second": rates[0],
        "client_cpu_share": statistics.median(shares),
    }
    run.say(
        f"trivial page {TRIVIAL}: {trivial_rate:,.0f}/s (median of {len(rates[0])} slices); the client busy "
        f"{statistics.median(shares):.0%} of the time meanwhile"
    )
    for i, target in enumerate(warm):
        mine, beside, afresh = rates[1 + i], trivial_beside[i], rates[1 + n + i]
        render = statistics.median(mine) / statistics.median(beside)
        keep = statistics.median(mine) / statistics.median(afresh)
        figures[target.name].update(
            {
                "per_second": mine,
                "trivial_per_second": beside,
                "render_ratio": render,
                "render_target": RENDER_TARGET,
                "computed_per_second": afresh,
                "keep_ratio": keep,
                "keep_target": KEEP_TARGET,
            }
        )
        run.say(
            f"GET {target.path}: {statistics.median(mine):,.1f}/s = {render:.3f} x the trivial page; with nothing "
            f"kept {statistics.median(afresh):,.2f}/s ({len(afresh)} slices): kept {keep:,.2f} x"
        )
    run.figures["views"] = figures


# --------------------------------------------------------------------------------------------- the browser


def static_twin(html: bytes) -> bytes:
    """The page without its scripts and stylesheets, padded with a comment to the same number of bytes."""
    text = html.decode()
    text = re.sub(r"<script\b[^>]*>.*?</script>\s*", "", text, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*>\s*", "", text, flags=re.IGNORECASE)
    stripped = text.encode()
    pad = len(html) - len(stripped) - len(b"<!---->")
    if pad < 0:
        return stripped
    return stripped.replace(b"</body>", b"<!--" + b"x" * pad + b"--></body>", 1)


@dataclass
class Load:
    """One load: when it was ready (ms, browser's clock), the wall time around Playwright's calls, what it got."""

    ready_ms: float
    seconds: float
    resources: int
    charts: int


def load_once(browser: Browser, url: str, what: str, run: Run) -> Load | None:
    """Load ``url`` in a new context (empty cache) until ``load`` and every chart drawn; None if a check fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CHARTS_OBSERVED)
    errors: list[str] = []
    try:
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(f"console: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        start = time.perf_counter()
        response = page.goto(url, wait_until="load")
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        seconds = time.perf_counter() - start
        if response is None or response.status != 200:
            run.fail(f"the browser's load of {what} answered {None if response is None else response.status}")
            return None
        if errors:
            run.fail(f"the browser's load of {what}: {errors[0]}")
            return None
        got = page.evaluate(READY)
        return Load(float(got["ready"]), seconds, int(got["resources"]), int(got["charts"]))
    except PlaywrightError as exc:
        run.fail(f"the browser's load of {what}: {str(exc).splitlines()[0]}")
        return None
    finally:
        context.close()


def browser_load(run: Run, served: Served, folder: Path) -> None:
    """Phase 3: N full loads of the overview in chromium against N of a static page of its size, interleaved."""
    path = chromium_path()
    if path is None:
        run.say("chromium is not installed (apt-get install chromium): the browser part is skipped")
        run.figures["browser"] = None
        return
    overview = httpx.get(served.kept + "/", timeout=CLIENT_TIMEOUT).content
    twin = static_twin(overview)
    low = twin.lower()
    if len(twin) != len(overview) or b"<script" in low or b'rel="stylesheet"' in low:
        run.fail(f"the static page is {len(twin):,} bytes with scripts or stylesheets, not {len(overview):,} without")
        return
    (folder / "overview.html").write_bytes(twin)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/", StaticFiles(directory=folder), name="static-page")
    port = free_port()
    urls = {"overview": served.kept + "/", "static": f"http://127.0.0.1:{port}/overview.html"}
    loads: dict[str, list[Load]] = {"overview": [], "static": []}
    with serving(app, port, name="the static page"), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        try:
            for name, url in urls.items():  # untimed: the browser's own first start of a renderer, a first compile
                load_once(browser, url, f"the {name} page (warm-up)", run)
            for r in range(run.loads):
                for name in ("overview", "static")[:: -1 if r % 2 else 1]:
                    got = load_once(browser, urls[name], f"the {name} page", run)
                    if got is not None:
                        loads[name].append(got)
        finally:
            browser.close()
    if not loads["overview"] or not loads["static"]:
        return
    ready = {k: statistics.median(x.ready_ms for x in v) for k, v in loads.items()}
    wall = {k: statistics.median(x.seconds for x in v) for k, v in loads.items()}
    ratio = ready["overview"] / ready["static"]
    first = loads["overview"][0]
    run.figures["browser"] = {
        "chromium": path,
        "bytes": len(overview),
        "loads": run.loads,
        "overview_ready_ms": [x.ready_ms for x in loads["overview"]],
        "static_ready_ms": [x.ready_ms for x in loads["static"]],
        "overview_wall_seconds": [x.seconds for x in loads["overview"]],
        "static_wall_seconds": [x.seconds for x in loads["static"]],
        "overview_resources": first.resources,
        "overview_charts": first.charts,
        "ratio": ratio,
        "wall_ratio": wall["overview"] / wall["static"],
        "target": LOAD_TARGET,
    }
    run.say(
        f"browser, overview ({len(overview):,} bytes, {first.resources} resources, {first.charts} charts): ready at "
        f"{ready['overview']:,.0f} ms (wall {wall['overview'] * 1000:,.0f} ms); static page of the same size "
        f"{ready['static']:,.0f} ms (wall {wall['static'] * 1000:,.0f} ms); ratio {ratio:.2f}"
    )


# --------------------------------------------------------------------------------------------- the report


def met(ratio: float, target: float, *, at_most: bool = False) -> str:
    """Whether a ratio meets its target."""
    return "yes" if (ratio <= target if at_most else ratio >= target) else "NO"


def report(run: Run) -> None:
    """The figures as Rich tables."""
    console = Console(width=200)
    views = run.figures.get("views", {})
    trivial = run.figures.get("trivial")
    if trivial is not None:
        table = Table(
            title=f"detente dashboard: views over HTTP (trivial page {TRIVIAL}: "
            f"{statistics.median(trivial['per_second']):,.0f}/s)",
            title_justify="left",
        )
        for name in ("view", "first", "warm", f"× trivial (≥ {RENDER_TARGET})", "met?"):
            table.add_column(name, justify="left")
        for name in ("nothing kept", f"kept ÷ not (≥ {KEEP_TARGET})", "pays?"):
            table.add_column(name, justify="left")
        for f in views.values():
            if "render_ratio" not in f:
                continue
            table.add_row(
                f"{f['path']} ({f['bytes']:,} B)",
                f"{f['first_seconds'] * 1000:,.0f} ms",
                f"{statistics.median(f['per_second']):,.1f}/s",
                f"{f['render_ratio']:.3f}",
                met(f["render_ratio"], RENDER_TARGET),
                f"{statistics.median(f['computed_per_second']):,.2f}/s",
                f"{f['keep_ratio']:,.2f}",
                met(f["keep_ratio"], KEEP_TARGET),
            )
        console.print(table)
    browser = run.figures.get("browser")
    if browser:
        table = Table(title="detente dashboard: a full load in chromium, new context each", title_justify="left")
        for name in ("what", "figure", "ratio / target", "met?"):
            table.add_column(name, justify="left")
        table.add_row(
            f"the overview ({browser['bytes']:,} B, {browser['overview_resources']} resources, "
            f"{browser['overview_charts']} charts) against a static page of its size",
            f"{statistics.median(browser['overview_ready_ms']):,.0f} ms vs "
            f"{statistics.median(browser['static_ready_ms']):,.0f} ms (median of {browser['loads']})",
            f"{browser['ratio']:.2f} ≤ {LOAD_TARGET} (wall: {browser['wall_ratio']:.2f})",
            met(browser["ratio"], LOAD_TARGET, at_most=True),
        )
        console.print(table)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the HTTP phases (default 5)")
    parser.add_argument("--slice", type=float, default=0.4, help="seconds of requests per target and round (0.4)")
    parser.add_argument(
        "--cold-budget", type=float, default=15.0, help="seconds a view may spend with nothing kept, about (15)"
    )
    parser.add_argument("--loads", type=int, default=15, help="browser loads of each page (default 15)")
    parser.add_argument("--small", action="store_true", help="one round, short slices, one load each: the checks")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


@contextlib.contextmanager
def dashboards(ledger: Path) -> Iterator[Served]:
    """The demo ledger's dashboard served twice on loopback: with its results kept, and with nothing kept."""
    kept_store, computing_store = open_store(str(ledger), readonly=True), open_store(str(ledger), readonly=True)
    kept_port, computing_port = free_port(), free_port()
    try:
        with (
            serving(create_app(Source(kept_store, ledger.name, illustrative=True)), kept_port, name="the dashboard"),
            serving(
                create_app(Computing(computing_store, ledger.name, illustrative=True)),
                computing_port,
                name="the dashboard keeping nothing",
            ),
        ):
            kept = f"http://127.0.0.1:{kept_port}"
            css = httpx.get(kept + TRIVIAL)
            if css.status_code != 200:
                raise SystemExit(f"CHECK FAILED: the trivial page {TRIVIAL} answered {css.status_code}")
            digest = hashlib.sha256(css.content).hexdigest()
            trivial = Target("trivial", kept, TRIVIAL, digest, "text/css")
            yield Served(kept, f"http://127.0.0.1:{computing_port}", trivial)
    finally:
        kept_store.close()
        computing_store.close()


def main() -> None:
    """Build the demo ledger, run the three phases, check them, and print the figures."""
    args = parse_args()
    say: Callable[[str], None] = (lambda _m: None) if args.json else print
    run = Run(
        rounds=1 if args.small else args.rounds,
        slice=0.05 if args.small else args.slice,
        cold_budget=0.0 if args.small else args.cold_budget,
        loads=1 if args.small else args.loads,
        small=args.small,
        say=say,
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    load_start = os.getloadavg()
    started = time.monotonic()
    say(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, uvicorn "
        f"{uvicorn.__version__}, httpx {httpx.__version__}, Playwright {version('playwright')}; load average "
        f"{load_start[0]:.2f} at the start; views: {', '.join(v.slug for v in VIEWS)}"
    )
    context = multiprocessing.get_context("spawn")  # the servers' threads are not forked into the client
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            pool.submit(int).result()  # the client process started before anything is timed
            ledger = tmp / "demo.sqlite"
            build_demo(ledger, quiet=True).close()
            with dashboards(ledger) as served:
                render_and_keep(run, served, pool)
                static = tmp / "static"
                static.mkdir()
                browser_load(run, served, static)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish(
        run.figures,
        run.failures,
        as_json=args.json,
        show=lambda: report(run),
        load_start=load_start[0],
        started=started,
    )


if __name__ == "__main__":
    main()
