"""The dashboard as an ASGI app: one page per view, each table as CSV, the static files, errors as 4xx.

Pages are rendered on the server (Jinja2) and work without JavaScript; htmx and Chart.js, vendored in
``static/vendor`` (see its ``VENDORED.toml``), only enhance them: forms swap the page's main part instead of
reloading it, and charts are drawn from the tables. Nothing is loaded from anywhere but the app itself, and the
Content-Security-Policy says so to the browser.

Bad input in a URL or form is a 400 (an unknown page or table, a 404) that says what, where and why: an HTML page
for a browser, an RFC 9457 problem for anything else. Nothing the dashboard does writes to the ledger.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from detente.errors import DetenteError, InputError
from detente.node.app import problem
from detente.web.factsheet import fact_sheet, fact_sheet_html, fact_sheet_pdf, fact_sheet_proofs
from detente.web.jinja import templates
from detente.web.page import Page, View, date_field
from detente.web.source import Source
from detente.web.views import VIEWS

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(source: Source) -> FastAPI:
    """The dashboard of ``source``; mounted under a prefix (a node's ``/dashboard``), its links follow the prefix."""
    app = FastAPI(title="detente dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    env = templates()
    by_slug = {v.slug: v for v in VIEWS}
    app.mount("/static", StaticFiles(packages=[("detente.web", "static")]), name="static")

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = env.get_template(template).render(
            root=request.scope.get("root_path", "").rstrip("/"),
            views=VIEWS,
            source=source,
            query=str(request.url.query),
            **context,
        )
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def page(request: Request, view: View) -> Response:
        built: Page = view.build(source, request.query_params)
        return render(request, built.template, page=built, view=view)

    @app.api_route("/fact-sheet", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def sheet_page(request: Request) -> Response:
        sheet = fact_sheet(source, date_field(source, request.query_params))
        root = request.scope.get("root_path", "").rstrip("/")
        return HTMLResponse(fact_sheet_html(sheet, root), headers=SECURITY_HEADERS)

    @app.api_route("/fact-sheet.pdf", methods=["GET", "HEAD"])
    def sheet_pdf(request: Request) -> Response:
        sheet = fact_sheet(source, date_field(source, request.query_params))
        pdf = source.kept(("fact-sheet-pdf", sheet.when), lambda: fact_sheet_pdf(sheet))
        disposition = f'attachment; filename="{sheet.stem}.pdf"'
        return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})

    @app.api_route("/fact-sheet/{name}", methods=["GET", "HEAD"])
    def sheet_proof(request: Request, name: str) -> Response:
        sheet = fact_sheet(source, date_field(source, request.query_params))
        proofs = fact_sheet_proofs(sheet)
        if name not in proofs:
            raise StarletteHTTPException(404, f"the fact sheet of {sheet.when} has no proof {name!r}")
        disposition = f'attachment; filename="{name}"'
        return Response(
            proofs[name], media_type="text/plain; charset=utf-8", headers={"Content-Disposition": disposition}
        )

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def overview(request: Request) -> Response:
        return page(request, VIEWS[0])

    @app.api_route("/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def view(request: Request, slug: str) -> Response:
        if slug not in by_slug:
            raise StarletteHTTPException(404, f"no page {slug!r}; the pages: {', '.join(by_slug)}")
        return page(request, by_slug[slug])

    @app.api_route("/{slug}/{name}", methods=["GET", "HEAD"])
    def file(request: Request, slug: str, name: str) -> Response:
        if slug not in by_slug:
            raise StarletteHTTPException(404, f"no page {slug!r}; the pages: {', '.join(by_slug)}")
        chosen = by_slug[slug]
        if name.endswith(".csv"):
            built = chosen.build(source, request.query_params)
            try:
                table = built.table(name.removesuffix(".csv"))
            except LookupError:
                ids = ", ".join(t.id + ".csv" for t in built.tables) or "none"
                raise StarletteHTTPException(404, f"no table {name!r} on {slug}; its tables: {ids}") from None
            return Response(
                table.csv(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{slug}-{table.id}.csv"'},
            )
        if chosen.files is None:
            raise StarletteHTTPException(404, f"no file {name!r} on {slug}")
        got = chosen.files(source, name, request.query_params)
        return Response(
            got.body, media_type=got.media_type, headers={"Content-Disposition": f'attachment; filename="{got.name}"'}
        )

    def refuse(request: Request, status: int, detail: str) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return render(request, "error.html", status=status, status_code=status, detail=detail, page=None)
        return problem(status, detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return refuse(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return refuse(request, 400, "; ".join(str(e.get("msg", e)) for e in exc.errors())[:500])

    @app.exception_handler(DetenteError)
    async def _detente(request: Request, exc: DetenteError) -> Response:
        return refuse(request, 400 if isinstance(exc, InputError) else 422, str(exc))

    @app.exception_handler(Exception)
    async def _fault(request: Request, _exc: Exception) -> Response:
        # a bug: the server's log has the traceback; the reader learns nothing of the internals
        return refuse(request, 500, "the dashboard failed to answer this request; the server's log says why")

    return app
