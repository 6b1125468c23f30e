"""The node's HTTP face (FastAPI): its log read by anyone, its witness for peers, its submissions for operators.

Endpoints:

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

Every refusal is a 4xx with an RFC 9457 problem body (``application/problem+json``: type, title, status, detail),
except where the witness protocol fixes the body (409 ``text/x.tlog.size``). Request bodies are bounded. Reads
are public; writes need a token or a peer's signature; nothing any request sends is written to another party's
log than its signer's.
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from detente.errors import ConflictError, DetenteError, FramingError, InputError, PeerRequestError, StoreError
from detente.node.alarms import AlarmLog
from detente.node.config import operator_of
from detente.node.exchange import Pusher
from detente.node.mirror import Fetch
from detente.node.runtime import Node
from detente.node.status import status_of
from detente.node.tiles import parse_tile_path, read_resource, serving_size
from detente.node.witness import MAX_BODY, add_checkpoint

MAX_SUBMIT = 16 * 1024 * 1024
"""The largest submission read: about 10,000 notifications of a data exchange."""
_IMMUTABLE = "public, max-age=31536000, immutable"
_PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not an operator of this node",
    403: "Not signed by a trusted key",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Does not verify",
    503: "Try again later",
}


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An RFC 9457 problem response."""
    body = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type=_PROBLEM, headers=headers)


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
    """The request body, refused past ``limit`` bytes before more is read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PeerRequestError(413, f"the body is over {limit} bytes")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise PeerRequestError(413, f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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
    )
    app.state.node = node
    app.state.pusher = pusher
    app.state.alarms = alarms
    _errors(app)
    _log_routes(app, node)
    _witness_routes(app, node, fetch_for, alarms)
    _operator_routes(app, node, pusher)
    return app


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
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        return problem(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        return problem(400, "; ".join(str(e.get("msg", e)) for e in exc.errors())[:500])

    @app.exception_handler(DetenteError)
    async def _detente(_request: Request, exc: DetenteError) -> Response:
        if isinstance(exc, ConflictError | StoreError) and not isinstance(exc, InputError):
            return problem(503, str(exc), {"Retry-After": "1"})
        return problem(422 if not isinstance(exc, InputError) else 400, str(exc))


def _log_routes(app: FastAPI, node: Node) -> None:
    """The log, read by anyone: checkpoint, tiles, bundles."""

    @app.get("/checkpoint", summary="The log's latest checkpoint", response_class=Response)
    def checkpoint() -> Response:
        latest = node.latest(node.party)
        if latest is None:
            return problem(404, "the log has no checkpoint yet: nothing was submitted")
        return Response(latest.note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "max-age=5"})

    def _resource(path: str) -> Response:
        try:
            ref = parse_tile_path(path)
        except InputError as exc:
            return problem(404, str(exc))
        size = serving_size(ref, [k.size for k in node.store.checkpoints(node.party)])
        if size is None:
            return problem(404, f"the log has no {path} at the size of any checkpoint it issued")
        try:
            data = read_resource(node.store, node.party, ref, size)
        except FramingError as exc:
            return problem(404, str(exc))
        headers = {"Cache-Control": _IMMUTABLE}
        if ref.is_bundle:
            headers["Content-Encoding"] = "gzip"
            data = gzip.compress(data, mtime=0)
        return Response(data, media_type="application/octet-stream", headers=headers)

    @app.get("/tile/{path:path}", summary="A hash tile or an entry bundle (C2SP tlog-tiles)", response_class=Response)
    def tile(path: str) -> Response:
        return _resource(f"tile/{path}")

    @app.get(
        "/signed/{path:path}", summary="A bundle of entries with their signatures (detente)", response_class=Response
    )
    def signed(path: str) -> Response:
        return _resource(f"signed/{path}")


def _witness_routes(app: FastAPI, node: Node, fetch_for: Callable[[str], Fetch], alarms: AlarmLog) -> None:
    """The witness, for the peers."""

    @app.post(
        "/add-checkpoint",
        summary="Witness a peer's checkpoint (C2SP tlog-witness)",
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {}}, "description": "the cosignature line"},
            400: {"description": "malformed"},
            403: {"description": "not signed by the peer's key"},
            404: {"description": "not a peer's log"},
            409: {"content": {"text/x.tlog.size": {}}, "description": "old size is not the witness's"},
            413: {"description": "body too large"},
            422: {"description": "the proof, tiles or entries do not verify"},
            503: {"description": "the peer's tiles could not be fetched"},
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
        summary="Submit notifications (operators)",
        responses={
            200: {"description": "what was appended"},
            400: {"description": "malformed or refused by the rules"},
            401: {"description": "no valid operator token"},
            413: {"description": "body too large"},
        },
    )
    async def submit(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        operator = operator_of(node.config, token) if scheme.lower() == "bearer" and token else None
        if operator is None:
            return problem(401, "give an operator's token: Authorization: Bearer <token>")
        body = await _body(request, MAX_SUBMIT)
        try:
            doc = json.loads(body)
        except ValueError as exc:
            return problem(400, f"the body is not JSON: {exc}")
        drafts = doc if isinstance(doc, list) else [doc]
        if not drafts or not all(isinstance(d, dict) for d in drafts):
            return problem(400, "the body must be a notification (a JSON object) or a non-empty array of them")
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

    @app.get("/detente/status", summary="The node's log, its peers, acknowledgements and alarms")
    def status() -> dict[str, Any]:
        facts = status_of(node.store, node.config, node.clock())
        for peer in facts["peers"]:
            state = pusher.states[peer["party"]]
            peer["push"] = {"outcome": state.outcome, "at": state.at}
        return facts
