"""The node's HTTP face (FastAPI): its log read by anyone, its witness for peers, its submissions for operators.

Endpoints (``GET /openapi.json`` describes each, status by status):

- ``GET /checkpoint``: the log's latest checkpoint (C2SP tlog-checkpoint note), ``text/plain; charset=utf-8``,
  cached for at most 5 seconds.
- ``GET /tile/<L>/<N>[.p/<W>]``, ``GET /tile/entries/<N>[.p/<W>]``: C2SP tlog-tiles, immutable (cached a year);
  bundles gzip-compressed without negotiation. An entry bundle holding an entry too long for the spec's 16-bit
  framing (a data exchange) does not exist in that format: 404, naming the signed bundle that carries it.
  ``GET /signed/<N>[.p/<W>]``: detente's signed bundles, each entry with its signature (:mod:`detente.node.tiles`
  rule 6), gzip-compressed too. A tile is served if it exists at the size of a checkpoint the
  node recorded (tlog-tiles: partial tiles for the sizes checkpoints were issued for).
- ``POST /add-checkpoint``: C2SP tlog-witness, for the configured peers (:mod:`detente.node.witness`).
- ``POST /detente/submit``: the node's operators submit notifications (a JSON object or array), with
  ``Authorization: Bearer <token>`` (:mod:`detente.node.config`); answered with what was appended.
- ``GET /detente/status``: the node's log, each peer's mirror, witness and push state, and the alarms, as JSON.

Every ``GET`` answers ``HEAD`` too (the same headers, no body); another method is a 405 naming the allowed ones
in ``Allow``. Query strings are ignored.

A submission is checked in this order; the first failure answers, and nothing is appended:

1. The request carries an operator's token (else 401, with ``WWW-Authenticate: Bearer``).
2. Its ``Content-Type`` is ``application/json`` (a charset, if named, is UTF-8) or absent (else 415).
3. Its body is at most :data:`MAX_SUBMIT` bytes: a larger declared length is refused before any of it is read,
   a longer body as soon as the limit is passed (else 413). ``add-checkpoint`` is bounded the same way, at
   :data:`detente.node.witness.MAX_BODY`.
4. The body is UTF-8 JSON whose objects give each key once and that nests at most 64 levels
   (:func:`detente._files.parse_json`), refused naming its line and field (else 400).
5. It is a notification (a JSON object) or a non-empty array of them (else 400, naming the first that is not).
6. The treaty's rules accept every notification of the batch (else 400, naming the notification and the field);
   a store that cannot be written just now is 503, with ``Retry-After``.

Every refusal is a 4xx with an RFC 9457 problem body (``application/problem+json``: type, title, status,
detail), except where the witness protocol fixes the body (409 ``text/x.tlog.size``); a fault of the node itself
is a 500 whose problem body says so and no more. Reads are public; writes need a token or a peer's signature;
nothing any request sends is written to another party's log than its signer's.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from detente._files import MAX_DEPTH, parse_json
from detente.errors import ConflictError, DetenteError, FramingError, InputError, PeerRequestError, StoreError
from detente.node.alarms import AlarmLog
from detente.node.config import operator_of
from detente.node.exchange import Pusher
from detente.node.mirror import Fetch
from detente.node.runtime import Node
from detente.node.status import status_of
from detente.node.tiles import TileRef, parse_tile_path, read_resource, sizes_having
from detente.node.witness import MAX_BODY, add_checkpoint

MAX_SUBMIT = 16 * 1024 * 1024
"""The largest submission read: about 10,000 notifications of a data exchange."""
_IMMUTABLE = "public, max-age=31536000, immutable"
_PROBLEM = "application/problem+json"
_JSON = "application/json"
# RFC 9457 4.2.1: a problem of type about:blank is titled with the status's phrase (RFC 9110)
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_BEARER = 'Bearer realm="detente node"'


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An RFC 9457 problem response."""
    body = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type=_PROBLEM, headers=headers)


# ---------------------------------------------------------------------------------------------- the OpenAPI schema

_REF = "#/components/schemas/"
_COUNT = {"type": "integer", "minimum": 0}
_TIME = {"type": "string", "format": "date-time"}
_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "description": "An RFC 9457 problem: why the request was refused.",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
        },
    },
    "Submitted": {
        "description": "What a submission appended (``repeated``: already appended by an earlier, identical one).",
        "type": "object",
        "required": ["party", "accepted", "size"],
        "properties": {
            "party": {"type": "string"},
            "accepted": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["seq", "hash", "repeated", "flags"],
                    "properties": {
                        "seq": {"type": "integer", "minimum": 1},
                        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "repeated": {"type": "boolean"},
                        "flags": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "size": _COUNT,
        },
    },
    "Status": {
        "description": "The node's log, each peer's mirror, witness, push and acknowledgement state, the alarms.",
        "type": "object",
        "required": [
            "party",
            "origin",
            "as_of",
            "size",
            "checkpoint",
            "last_sent",
            "peers",
            "acknowledgement",
            "alarms",
        ],
        "properties": {
            "party": {"type": "string"},
            "origin": {"type": "string"},
            "as_of": _TIME,
            "size": _COUNT,
            "checkpoint": _COUNT,
            "last_sent": {"oneOf": [_TIME, {"type": "null"}]},
            "peers": {"type": "array", "items": {"$ref": f"{_REF}PeerStatus"}},
            "acknowledgement": {
                "type": "object",
                "required": ["window_days", "peers"],
                "properties": {
                    "window_days": _COUNT,
                    "peers": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["acknowledged", "pending", "unacknowledged", "unacknowledged_count"],
                            "properties": {
                                "acknowledged": _COUNT,
                                "pending": _COUNT,
                                "unacknowledged": {"type": "array", "items": _COUNT, "maxItems": 100},
                                "unacknowledged_count": _COUNT,
                            },
                        },
                    },
                },
            },
            "alarms": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["time", "peer", "kind", "why"],
                    "properties": {
                        "time": _TIME,
                        "peer": {"type": "string"},
                        "kind": {"type": "string"},
                        "why": {"type": "string"},
                        "evidence": {"type": "object"},
                    },
                },
            },
        },
    },
    "PeerStatus": {
        "type": "object",
        "required": ["party", "mirrored", "witnessed", "last_sent", "state", "cosigned_ours", "push"],
        "properties": {
            "party": {"type": "string"},
            "mirrored": _COUNT,
            "witnessed": _COUNT,
            "last_sent": {"oneOf": [_TIME, {"type": "null"}]},
            "state": {"enum": ["current", "silent", "awaited"]},
            "silent_since": {"oneOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
            "missed_exchange_due": {"type": "string", "format": "date"},
            "cosigned_ours": _COUNT,
            "push": {
                "type": "object",
                "required": ["outcome", "at"],
                "properties": {"outcome": {"type": "string"}, "at": {"type": "number"}},
            },
        },
    },
}
_SECURITY = {
    "operator": {
        "type": "http",
        "scheme": "bearer",
        "description": "An operator's token (``detente node add-operator``), shown once; the node keeps its SHA-256.",
    }
}
_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "How to authenticate: with a bearer token.",
            "required": True,
            "schema": {"type": "string", "pattern": "^Bearer"},
        }
    },
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


def _refusals(reasons: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: each status a problem body, for the reason given, with the headers it always carries."""
    out: dict[int | str, dict[str, Any]] = {}
    for status, why in reasons.items():
        out[status] = {"description": why, "content": {_PROBLEM: {"schema": {"$ref": f"{_REF}Problem"}}}}
        if status in _HEADERS:
            out[status]["headers"] = _HEADERS[status]
    return out


def _ok(media_type: str, schema: dict[str, Any], description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {media_type: {"schema": schema}}}}


_UNAVAILABLE = "the store cannot be read or written just now (retry)"


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's schema of the routes, with the shared schemas and the operators' security scheme."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {}).update(_SCHEMAS)
            components["securitySchemes"] = _SECURITY
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


# ---------------------------------------------------------------------------------------------- requests


def _peer_fetcher(client: httpx.Client) -> Callable[[str], Fetch]:
    def fetch_for(base: str) -> Fetch:
        def fetch(path: str) -> bytes:
            try:
                response = client.get(f"{base}/{path}")
            except httpx.HTTPError as exc:
                raise PeerRequestError(503, f"the peer's {path} could not be fetched: {type(exc).__name__}") from None
            if response.status_code != 200:
                raise PeerRequestError(503, f"the peer answered {response.status_code} for its {path}")
            return response.content

        return fetch

    return fetch_for


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes before more is read (rule 3)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PeerRequestError(413, f"the body is over {limit} bytes: its Content-Length is {declared}")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise PeerRequestError(413, f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _json_media_type(request: Request) -> None:
    """Rule 2."""
    declared = request.headers.get("content-type")
    if declared is None:
        return
    media_type, *parameters = (part.strip() for part in declared.split(";"))
    charsets = [p.partition("=")[2].strip('"').lower() for p in parameters if p.lower().startswith("charset=")]
    if media_type.lower() != _JSON or any(c not in ("utf-8", "utf8") for c in charsets):
        shown = declared if len(declared) <= 80 else declared[:77] + "..."
        raise PeerRequestError(415, f"the body must be JSON in UTF-8 (Content-Type: {_JSON}), not {shown!r}")


def _drafts(body: bytes) -> list[dict[str, Any]]:
    """Rules 4, 5: the notifications a submission's body carries."""
    try:
        text = body.decode("utf-8-sig")  # a leading byte-order mark is dropped, as in a file (detente._files)
    except UnicodeDecodeError as exc:
        raise PeerRequestError(400, f"the body is not UTF-8 text (byte {exc.start} cannot be read)") from None
    if not text.strip():
        raise PeerRequestError(400, "the body is empty: send a notification (a JSON object) or an array of them")
    doc = parse_json(text, "the body")  # a FileFormatError names the line and field: a 400
    if isinstance(doc, dict):
        return [doc]
    if not isinstance(doc, list):
        raise PeerRequestError(
            400, f"the body is {_kind(doc)}: send a notification (a JSON object) or an array of them"
        )
    if not doc:
        raise PeerRequestError(400, "the body is an empty array: send at least one notification (a JSON object)")
    for i, draft in enumerate(doc):
        if not isinstance(draft, dict):
            raise PeerRequestError(400, f"item {i + 1} of the body is {_kind(draft)}: a notification is a JSON object")
    return doc


def _kind(value: object) -> str:
    """What JSON value a parsed one was, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "a number"


# ---------------------------------------------------------------------------------------------- the application


def create_app(node: Node, *, push: bool = True) -> FastAPI:
    """The node's application. With ``push``, a background loop pushes checkpoints to the peers while it runs."""
    alarms = AlarmLog(node.config.directory)
    client = httpx.Client(timeout=30.0)
    pusher = Pusher(node, alarms)
    fetch_for = _peer_fetcher(client)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if push:
            pusher.start()
        try:
            yield
        finally:
            pusher.stop()
            client.close()

    app = FastAPI(
        title=f"detente node: {node.config.origin}",
        version="1",
        description="A party's ledger as a C2SP tiled log, a witness and mirror of its peers, and its submissions.",
        lifespan=lifespan,
        # the node serves what docs/node.md lists and nothing else: no Swagger UI fetching scripts from a CDN
        docs_url=None,
        redoc_url=None,
    )
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    app.state.node = node
    app.state.pusher = pusher
    app.state.alarms = alarms
    _errors(app)
    _log_routes(app, node)
    _witness_routes(app, node, fetch_for, alarms)
    _operator_routes(app, node, pusher)
    return app


class ImmutableCache:
    """The last tiles and bundles served, as sent, up to ``limit`` bytes (least recently used out first).

    Sound because what it holds never changes: a tile or bundle at a path has one content for the life of the log
    (:mod:`detente.node.tiles` rule 8), and once it existed at a checkpoint's size it exists at every later one.
    Worth it because a full level-0 tile is rebuilt from 256 payloads and a bundle read and compressed at each
    request: measured with ``bench/bench_node.py``, a tile GET ran at 0.18 × the same server's static file
    without it (docs/node.md). What it costs: up to ``limit`` bytes of memory per node process.
    """

    def __init__(self, limit: int = 64 * 1024 * 1024) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str) -> tuple[bytes, dict[str, str]] | None:
        """The body and headers sent for ``path``, if kept."""
        with self._lock:
            found = self._items.get(path)
            if found is not None:
                self._items.move_to_end(path)
            return found

    def put(self, path: str, data: bytes, headers: dict[str, str]) -> None:
        """Keep what was sent for ``path``, dropping the least recently used past the limit."""
        if len(data) > self.limit // 8:
            return  # a bundle of huge declarations: not worth evicting many tiles for
        with self._lock:
            if path in self._items:
                return
            self._items[path] = (data, dict(headers))
            self.size += len(data)
            while self.size > self.limit:
                _, (old, _headers) = self._items.popitem(last=False)
                self.size -= len(old)


def _serving_size(node: Node, ref: TileRef) -> int | None:
    """A size of a checkpoint the node issued at which the tile exists (tlog-tiles: only those are served)."""
    low, high = sizes_having(ref)
    if high is None:
        latest = node.latest(node.party)
        return latest.size if latest is not None and latest.size >= low else None
    found = node.store.checkpoint_sizes(node.party, low, high)
    return found[0] if found else None


def _errors(app: FastAPI) -> None:
    """Every refusal as a problem body (or the witness protocol's own)."""

    @app.exception_handler(PeerRequestError)
    async def _refused(_request: Request, exc: PeerRequestError) -> Response:
        if exc.status == 409 and exc.size is not None:
            # exactly the spec's media type: Starlette would add a charset to a text/* media_type
            return Response(f"{exc.size}\n", status_code=409, headers={"Content-Type": "text/x.tlog.size"})
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        return problem(exc.status, exc.why, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path; a read has two (GET, HEAD)
            headers["Allow"] = ", ".join(_methods(app, request))
        return problem(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        return problem(400, "; ".join(str(e.get("msg", e)) for e in exc.errors())[:500])

    @app.exception_handler(DetenteError)
    async def _detente(_request: Request, exc: DetenteError) -> Response:
        if isinstance(exc, ConflictError | StoreError) and not isinstance(exc, InputError):
            return problem(503, str(exc), {"Retry-After": "1"})
        return problem(422 if not isinstance(exc, InputError) else 400, str(exc))

    @app.exception_handler(Exception)
    async def _fault(_request: Request, _exc: Exception) -> Response:
        # a bug: the node's log has the traceback; the client learns nothing of the internals
        return problem(500, "the node failed to answer this request; its operators can read why in its log")


def _methods(app: FastAPI, request: Request) -> list[str]:
    """The methods the routes on the request's path answer."""
    methods: set[str] = set()
    for route in app.router.routes:
        if route.matches(request.scope)[0] is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def _read(app: FastAPI, path: str, endpoint: Callable[..., Response], summary: str, **route: Any) -> None:
    """A read: GET, and HEAD for its headers alone (each its own operation in the schema)."""
    name = endpoint.__name__
    app.add_api_route(
        path, endpoint, methods=["GET"], summary=summary, operation_id=name, response_class=Response, **route
    )
    # a HEAD response has no body: its statuses and headers are the GET's, without the content
    responses = {status: {k: v for k, v in r.items() if k != "content"} for status, r in route["responses"].items()}
    app.add_api_route(
        path,
        endpoint,
        methods=["HEAD"],
        summary=f"{summary}: the headers alone",
        operation_id=f"{name}_head",
        response_class=Response,
        **{**route, "responses": responses},
    )


def _log_routes(app: FastAPI, node: Node) -> None:
    """The log, read by anyone: checkpoint, tiles, bundles."""

    def checkpoint() -> Response:
        latest = node.latest(node.party)
        if latest is None:
            return problem(404, "the log has no checkpoint yet: nothing was submitted")
        return Response(latest.note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "max-age=5"})

    _read(
        app,
        "/checkpoint",
        checkpoint,
        "The log's latest checkpoint (C2SP tlog-checkpoint)",
        responses={
            **_ok("text/plain", {"type": "string"}, "the checkpoint, a signed note (cached at most 5 seconds)"),
            **_refusals({404: "nothing was submitted yet", 503: _UNAVAILABLE}),
        },
    )

    kept = ImmutableCache()

    def _resource(path: str) -> Response:
        cached = kept.get(path)
        if cached is not None:
            return Response(cached[0], media_type="application/octet-stream", headers=cached[1])
        try:
            ref = parse_tile_path(path)
        except InputError as exc:
            return problem(404, str(exc))
        size = _serving_size(node, ref)
        if size is None:
            return problem(404, f"the log has no {path} at the size of any checkpoint it issued")
        try:
            data = read_resource(node.store, node.party, ref, size)
        except FramingError as exc:
            return problem(404, str(exc))
        headers = {"Cache-Control": _IMMUTABLE}
        if ref.is_bundle:
            headers["Content-Encoding"] = "gzip"
            data = gzip.compress(data, compresslevel=1, mtime=0)  # level 9 took 4–6 × as long for ~10 % less
        kept.put(path, data, headers)
        return Response(data, media_type="application/octet-stream", headers=headers)

    def tile(request: Request) -> Response:
        return _resource(f"tile/{request.path_params['path']}")

    def signed(request: Request) -> Response:
        return _resource(f"signed/{request.path_params['path']}")

    for path, endpoint, summary, what in (
        ("/tile/{path:path}", tile, "A hash tile or an entry bundle (C2SP tlog-tiles)", "<L>/<N>[.p/<W>] or entries/…"),
        ("/signed/{path:path}", signed, "A bundle of entries with their signatures (detente)", "<N>[.p/<W>]"),
    ):
        _read(
            app,
            path,
            endpoint,
            summary,
            responses={
                **_ok(
                    "application/octet-stream",
                    {"type": "string", "format": "binary"},
                    "the tile's bytes (immutable; a bundle with Content-Encoding: gzip)",
                ),
                **_refusals(
                    {
                        404: "not a canonical tile path, no such tile at any checkpoint's size, or an entry bundle "
                        "whose entries the spec's framing cannot carry",
                        503: _UNAVAILABLE,
                    }
                ),
            },
            openapi_extra={
                "parameters": [
                    {
                        "name": "path",
                        "in": "path",
                        "required": True,
                        "description": f"the tile's path below the prefix: {what} (tlog-tiles' canonical spelling)",
                        "schema": {"type": "string"},
                    }
                ]
            },
        )


def _witness_routes(app: FastAPI, node: Node, fetch_for: Callable[[str], Fetch], alarms: AlarmLog) -> None:
    """The witness, for the peers."""

    @app.post(
        "/add-checkpoint",
        operation_id="add_checkpoint",
        summary="Witness a peer's checkpoint (C2SP tlog-witness)",
        response_class=Response,
        responses={
            **_ok("text/plain", {"type": "string"}, "the cosignature line (tlog-cosignature v1)"),
            409: {
                "description": "the old size is not the size this node last recorded: the body is that size",
                "content": {"text/x.tlog.size": {"schema": {"type": "string", "pattern": "^[0-9]+\n$"}}},
            },
            **_refusals(
                {
                    400: "malformed, or an old size above the checkpoint's",
                    403: "not signed by the key configured for the peer",
                    404: "not the log of a configured peer",
                    413: f"the body is over {MAX_BODY} bytes",
                    422: "the consistency proof, the peer's tiles or an entry do not verify, or a fork",
                    503: "the peer's tiles could not be fetched, or the store cannot be written just now (retry)",
                }
            ),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": f"'old <size>', the consistency proof's lines, an empty line and the signed "
                f"checkpoint; at most {MAX_BODY} bytes",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    )
    async def witness(request: Request) -> Response:
        body = await _body(request, MAX_BODY)
        line = await run_in_threadpool(add_checkpoint, node, body, fetch_for, alarms)
        return Response(line, media_type="text/plain; charset=utf-8")


def _operator_routes(app: FastAPI, node: Node, pusher: Pusher) -> None:
    """Submissions by the node's operators, and the status page."""

    @app.post(
        "/detente/submit",
        operation_id="submit",
        summary="Submit notifications (operators)",
        response_class=Response,
        responses={
            **_ok(_JSON, {"$ref": f"{_REF}Submitted"}, "what was appended"),
            **_refusals(
                {
                    400: "not UTF-8 JSON with each key once, nested too deep, not a notification or a non-empty "
                    "array of them, or refused by the treaty's rules: nothing appended",
                    401: "no valid operator token",
                    413: f"the body is over {MAX_SUBMIT} bytes",
                    415: f"the body is not {_JSON}",
                    503: "the store cannot be written just now (retry): nothing appended",
                }
            ),
        },
        openapi_extra={
            "security": [{"operator": []}],
            "requestBody": {
                "required": True,
                "description": f"a notification or a non-empty array of them, as `detente ledger submit` reads; at "
                f"most {MAX_SUBMIT} bytes, {MAX_DEPTH} levels deep, each key once",
                "content": {
                    _JSON: {
                        "schema": {
                            "oneOf": [
                                {"type": "object"},
                                {"type": "array", "minItems": 1, "items": {"type": "object"}},
                            ]
                        }
                    }
                },
            },
        },
    )
    async def submit(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        operator = operator_of(node.config, token) if scheme.lower() == "bearer" and token else None
        if operator is None:
            return problem(
                401, "give an operator's token: Authorization: Bearer <token>", {"WWW-Authenticate": _BEARER}
            )
        _json_media_type(request)
        body = await _body(request, MAX_SUBMIT)
        drafts = await run_in_threadpool(_drafts, body)
        accepted = await run_in_threadpool(node.submit, drafts, f"submitted by {operator}")
        pusher.nudge()
        return JSONResponse(
            {
                "party": node.party,
                "accepted": [
                    {"seq": a.seq, "hash": a.hash, "repeated": a.repeated, "flags": [str(f) for f in a.flags]}
                    for a in accepted
                ],
                "size": node.store.tree_size(node.party),
            }
        )

    def status() -> Response:
        facts = status_of(node.store, node.config, node.clock())
        for peer in facts["peers"]:
            state = pusher.states[peer["party"]]
            peer["push"] = {"outcome": state.outcome, "at": state.at}
        return JSONResponse(facts)

    _read(
        app,
        "/detente/status",
        status,
        "The node's log, its peers, acknowledgements and alarms",
        responses={**_ok(_JSON, {"$ref": f"{_REF}Status"}, "the node's state"), **_refusals({503: _UNAVAILABLE})},
    )
