"""The node's HTTP API against its own OpenAPI schema (schemathesis), and against hostile requests.

A real pair of nodes on loopback (:mod:`tests.node_harness`): US with four entries, so that tiles and bundles exist,
and RU with none. Schemathesis loads ``/openapi.json`` from US's node and sends what it generates from it, seeded
and derandomized, a bounded number of examples an operation: nothing may answer 5xx, and every answer must be a
documented status with its documented media type, schema and headers. A second run sends submissions with an
operator's token, and checks that a refused one appended nothing. Then every status the schema documents is
provoked by a request made for it, so that the schema promises nothing the node never says; and the hostile
requests a submission may carry (too large, undelimited, too deep, duplicate keys, the wrong types, control
characters, a wrong media type) are each refused with a problem that says what and why, and nothing appended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import settings
from schemathesis import checks
from tests.node_harness import Running, initial, pair
from tests.test_node_exchange import elimination, first_uids

from detente._files import MAX_DEPTH
from detente.crypto.keys import PartyKey
from detente.crypto.merkle import EMPTY_ROOT
from detente.crypto.note import Checkpoint, sign_note
from detente.errors import ConflictError, StoreError
from detente.ledger import format_time
from detente.node.app import MAX_SUBMIT, ImmutableCache
from detente.node.witness import MAX_BODY

PROBLEM = "application/problem+json"
# What the node's answers are checked for: never a 5xx; a documented status, media type, body and headers; a
# schema-invalid request refused; an undocumented method a 405 naming the allowed ones; a token that matters.
# (Not positive_data_acceptance: a notification the schema allows may still break the treaty's rules.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.missing_required_header,
    checks.unsupported_method,
    checks.allow_header_conformance,
    checks.ignored_auth,
]
RESPONSE_CHECKS = CHECKS[:5]
CONFIG = {
    "seed": 20210301,
    "generation": {"max-examples": 40, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
    "request-timeout": 30,
}


def eliminations() -> list[dict[str, Any]]:
    """US's second batch: three eliminations in February 2021."""
    return [elimination("US", uid, 10 + i) for i, uid in enumerate(first_uids(initial("US", "us-2020-09"), 3))]


def retried() -> bytes:
    """US's second batch as JSON, sent again: answered with its entries, marked repeated, and nothing appended."""
    return json.dumps(eliminations(), default=format_time).encode()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Running]]:
    """US with four entries (checkpoints at 1 and 4), RU with none; neither pushes."""
    with pair(tmp_path_factory.mktemp("api"), push=False) as (us, ru):
        assert us.submit(initial("US", "us-2020-09")).status_code == 200
        assert us.submit(eliminations()).status_code == 200
        yield us, ru


@pytest.fixture(scope="module")
def api(nodes: tuple[Running, Running]) -> schemathesis.BaseSchema:
    """US's node's schema, as it publishes it."""
    us, _ru = nodes
    return schemathesis.openapi.from_url(f"{us.url}/openapi.json", config=schemathesis.Config.from_dict(CONFIG))


def held(node: Running) -> tuple[int, int]:
    """What a node's own log holds: entries, and the size of its last checkpoint."""
    latest = node.node.latest(node.config.party)
    return node.node.store.tree_size(node.config.party), latest.size if latest else 0


# ---------------------------------------------------------------------------------------------- schemathesis

schema = schemathesis.pytest.from_fixture("api")


@settings(deadline=dt.timedelta(seconds=5))
@schema.parametrize()
def test_every_operation_answers_as_its_schema_says(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@settings(deadline=dt.timedelta(seconds=5))
@schema.include(path="/detente/submit").parametrize()
def test_an_operators_submissions_answer_as_the_schema_says(
    case: schemathesis.Case, nodes: tuple[Running, Running]
) -> None:
    us, _ru = nodes
    before = held(us)
    response = case.call_and_validate(headers={"Authorization": f"Bearer {us.token}"}, checks=CHECKS)
    if response.status_code != 200:
        assert held(us) == before, response.text


# ---------------------------------------------------------------------------------------------- the schema


def test_the_schema_describes_every_endpoint_and_its_problems(api: schemathesis.BaseSchema) -> None:
    raw = api.raw_schema
    operations = {(method.upper(), path) for path, item in raw["paths"].items() for method in item}
    reads = {"/checkpoint", "/tile/{path}", "/signed/{path}", "/detente/status"}
    assert operations == {(m, p) for p in reads for m in ("GET", "HEAD")} | {
        ("POST", "/add-checkpoint"),
        ("POST", "/detente/submit"),
    }
    problem = raw["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if method == "head":
                    assert "content" not in response, (path, status)  # a HEAD answer has no body
                elif int(status) >= 400 and status != "409":
                    assert response["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    submit = raw["paths"]["/detente/submit"]["post"]
    assert submit["security"] == [{"operator": []}]
    scheme = raw["components"]["securitySchemes"]["operator"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert set(submit["requestBody"]["content"]) == {"application/json"}
    witness = raw["paths"]["/add-checkpoint"]["post"]
    assert set(witness["requestBody"]["content"]) == {"text/plain"}
    assert set(witness["responses"]["409"]["content"]) == {"text/x.tlog.size"}


def _note(node: Running, size: int, root: bytes, key: PartyKey | None = None, origin: str = "") -> bytes:
    origin = origin or node.config.origin
    return sign_note(Checkpoint(origin, size, root).body(), origin, key or node.node.key).text().encode()


def _witness(old: int, note: bytes) -> bytes:
    return f"old {old}\n\n".encode() + note


def test_every_documented_status_is_one_the_node_answers(
    nodes: tuple[Running, Running], api: schemathesis.BaseSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each status the schema documents, provoked, and its answer checked against the schema by schemathesis."""
    us, ru = nodes
    operator = {"Authorization": f"Bearer {us.token}"}
    stranger = PartyKey.from_seed("RU", bytes([99]) * 32)
    other_root = hashlib.sha256(b"another tree").digest()

    def get(node: Running, path: str, method: str = "GET") -> Callable[[], httpx.Response]:
        return lambda: httpx.request(method, f"{node.url}{path}", timeout=30)

    def witness(body: bytes) -> Callable[[], httpx.Response]:
        return lambda: httpx.post(f"{us.url}/add-checkpoint", content=body, timeout=30)

    def submit(body: bytes, headers: dict[str, str]) -> Callable[[], httpx.Response]:
        return lambda: httpx.post(f"{us.url}/detente/submit", content=body, headers=headers, timeout=30)

    provoked: dict[tuple[str, str, int], Callable[[], httpx.Response]] = {}
    broken: dict[tuple[str, str, int], Callable[[], httpx.Response]] = {}  # with the store failing
    for method in ("GET", "HEAD"):
        provoked[method, "/checkpoint", 200] = get(us, "/checkpoint", method)
        provoked[method, "/checkpoint", 404] = get(ru, "/checkpoint", method)  # RU's log is empty
        provoked[method, "/tile/{path}", 200] = get(us, "/tile/0/000.p/4", method)
        provoked[method, "/tile/{path}", 404] = get(us, "/tile/0/000.p/5", method)
        provoked[method, "/signed/{path}", 200] = get(us, "/signed/000.p/4", method)
        provoked[method, "/signed/{path}", 404] = get(us, "/signed/000.p/3", method)
        provoked[method, "/detente/status", 200] = get(us, "/detente/status", method)
        for path, url in (
            ("/checkpoint", "/checkpoint"),
            ("/tile/{path}", "/tile/0/000.p/1"),  # not served before: a tile served once is kept (ImmutableCache)
            ("/signed/{path}", "/signed/000.p/1"),
            ("/detente/status", "/detente/status"),
        ):
            broken[method, path, 503] = get(us, url, method)
    witnessing = {
        200: _witness(0, _note(ru, 0, EMPTY_ROOT)),  # RU's empty log: cosigned, nothing to mirror
        400: b"old 01\n\nnot a checkpoint",
        403: _witness(0, _note(ru, 0, EMPTY_ROOT, key=stranger)),
        404: _witness(0, _note(ru, 0, EMPTY_ROOT, origin="detente/new-start/XX")),
        409: _witness(1, _note(ru, 1, other_root)),  # US recorded nothing of RU's: its size is 0
        413: b"old 0\n\n" + b"x" * MAX_BODY,
        422: _witness(0, _note(ru, 0, other_root)),  # size 0 with another root than the empty tree's
        503: _witness(0, _note(ru, 1, other_root)),  # RU serves no tile for it: US cannot fetch one
    }
    for status, body in witnessing.items():
        provoked["POST", "/add-checkpoint", status] = witness(body)
    again = retried()
    provoked["POST", "/detente/submit", 200] = submit(again, operator)
    provoked["POST", "/detente/submit", 400] = submit(b'{"type": "elimination"}', operator)
    provoked["POST", "/detente/submit", 401] = submit(again, {"Authorization": "Bearer not-a-token"})
    provoked["POST", "/detente/submit", 413] = lambda: raw_post(
        us, "/detente/submit", {**operator, "Content-Length": str(MAX_SUBMIT + 1)}, [b"[{}"]
    )
    provoked["POST", "/detente/submit", 415] = submit(again, {**operator, "Content-Type": "text/plain"})
    broken["POST", "/detente/submit", 503] = submit(again, operator)

    documented = {
        (method.upper(), path, int(status))
        for path, item in api.raw_schema["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert set(provoked) | set(broken) == documented

    def check(key: tuple[str, str, int], response: httpx.Response) -> None:
        method, path, status = key
        assert response.status_code == status, (key, response.text)
        # a documented 503 is the one server error the node means to give
        api[path][method].Case().validate_response(response, checks=RESPONSE_CHECKS[status == 503 :])
        if status >= 400 and status != 409:
            assert response.headers["content-type"] == PROBLEM
            if method != "HEAD":
                assert response.json()["status"] == status
                assert response.json()["detail"]

    def kept() -> tuple[object, ...]:
        return held(us), us.node.store.tree_size("RU"), us.node.latest("RU"), us.node.store.cosignatures("RU")

    before = kept()
    for key, send in provoked.items():
        check(key, send())
    assert kept() == before  # a retried batch, a witnessed empty log and the refusals kept nothing

    def failing(*_args: object, **_kwargs: object) -> Any:
        raise StoreError("the database failed: disk I/O error")

    for read in ("checkpoints", "latest_checkpoint", "checkpoint_sizes", "cosignatures"):
        monkeypatch.setattr(us.node.store, read, failing)
    monkeypatch.setattr(us.node, "submit", failing)
    for key, send in broken.items():
        response = send()
        check(key, response)
        assert int(response.headers["retry-after"]) > 0
    # what was served before is immutable and still served from memory while the store fails
    assert httpx.get(f"{us.url}/tile/0/000.p/4").status_code == 200


# ---------------------------------------------------------------------------------------------- hostile requests


def raw_post(node: Running, path: str, headers: dict[str, str], chunks: Iterable[bytes]) -> httpx.Response:
    """POST over a bare socket: the head, then whatever chunks, then the answer read, however the body ended."""
    url = urlsplit(node.url)
    assert url.hostname is not None
    assert url.port is not None
    start = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        try:
            sock.sendall(head.encode("latin-1"))
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the node answered and stopped reading: the answer is read below
        data = b""
        while b"\r\n\r\n" not in data:
            more = sock.recv(65536)
            assert more, f"the node closed the connection without answering: {data!r}"
            data += more
        top, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = top.decode("latin-1").split("\r\n")
        answer_headers = [tuple(line.split(": ", 1)) for line in lines]
        length = int(dict(answer_headers).get("content-length", "0"))
        while len(body) < length:
            more = sock.recv(65536)
            assert more, "the node closed the connection in the middle of its answer"
            body += more
    request = httpx.Request("POST", f"{node.url}{path}")
    answer = httpx.Response(int(status_line.split()[1]), headers=answer_headers, content=body, request=request)
    answer.elapsed = dt.timedelta(seconds=time.monotonic() - start)
    return answer


def chunked(total: int, piece: int = 1 << 20) -> Iterator[bytes]:
    """``total`` bytes of a JSON array in HTTP/1.1 chunks, without the last, empty chunk: a body that never ends."""
    yield b'2\r\n["\r\n'
    sent = 2
    while sent < total:
        n = min(piece, total - sent)
        yield f"{n:x}\r\n".encode() + b"a" * n + b"\r\n"
        sent += n


def test_a_submission_declared_over_the_limit_is_refused_before_it_is_read(nodes: tuple[Running, Running]) -> None:
    """Content-Length says a terabyte; ten bytes follow and no more: the node must answer without waiting."""
    us, _ru = nodes
    before = held(us)
    operator = {"Authorization": f"Bearer {us.token}", "Content-Type": "application/json"}
    answer = raw_post(us, "/detente/submit", {**operator, "Content-Length": str(10**12)}, [b'[{"type": '])
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM
    assert f"over {MAX_SUBMIT} bytes" in answer.json()["detail"]
    # no token: refused before the body matters at all
    anonymous = raw_post(us, "/detente/submit", {"Content-Length": str(10**12)}, [b"[{"])
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert held(us) == before


@pytest.mark.parametrize(("path", "limit"), [("/detente/submit", MAX_SUBMIT), ("/add-checkpoint", MAX_BODY)])
def test_a_chunked_body_is_refused_once_past_the_limit(nodes: tuple[Running, Running], path: str, limit: int) -> None:
    """No Content-Length, and a body that never ends: the node answers 413 once it has read past the limit."""
    us, _ru = nodes
    before = held(us)
    headers = {"Authorization": f"Bearer {us.token}", "Transfer-Encoding": "chunked"}
    answer = raw_post(us, path, headers, chunked(limit + 1, piece=min(limit, 1 << 20)))
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM
    assert f"over {limit} bytes" in answer.json()["detail"]
    assert held(us) == before


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


HOSTILE = {
    "nested 100,000 deep": (_deep(100_000), f"nested deeper than {MAX_DEPTH} levels"),
    "objects nested 100,000 deep": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, f"deeper than {MAX_DEPTH}"),
    "a key twice": (b'{"type": "elimination",\n"type": "receipt"}', "the body:2: key 'type' appears twice"),
    "a key twice, deep": (
        b'[{"type": "elimination", "content": {"uid": "a", "uid": "b"}}]',
        "[0].content: key 'uid' appears twice",
    ),
    "an item not an object": (b'[{"type": "elimination"}, 3]', "item 2 of the body is a number"),
    "an item an array": (b'[{"type": "elimination"}, []]', "item 2 of the body is an array"),
    "a JSON string": (b'"initial-data"', "the body is a string"),
    "a JSON number": (b"42", "the body is a number"),
    "null": (b"null", "the body is null"),
    "an empty array": (b"[]", "empty array"),
    "an empty body": (b"", "the body is empty"),
    "not UTF-8": (b'{"type": "\xff"}', "not UTF-8"),
    "a raw control character": (b'{"type": "elim\x01ination"}', "Invalid control character"),
    "NaN": (b'{"type": NaN}', "NaN and Infinity are not JSON numbers"),
    "a number too large": (b'{"warheads": 1e400}', "too large to hold"),
    "a truncated body": (b'[{"type": "elimination"', "not valid JSON"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_malformed_submission_is_a_located_problem_and_appends_nothing(
    nodes: tuple[Running, Running], name: str
) -> None:
    us, _ru = nodes
    body, why = HOSTILE[name]
    before = held(us)
    answer = httpx.post(
        f"{us.url}/detente/submit",
        content=body,
        headers={"Authorization": f"Bearer {us.token}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert (problem["status"], problem["title"]) == (400, "Bad Request")
    assert why in problem["detail"]
    assert held(us) == before


@pytest.mark.parametrize(
    ("uid", "why"),
    [
        ("\x1b[31mred", "content.uid"),  # a terminal escape
        ("a\x00b", "content.uid"),
        ("a\u202eb", "content.uid"),  # a bidi override
        ("M" * 10_000_000, "at most 64 characters"),  # 10 MB in one field
    ],
    ids=["escape", "nul", "bidi", "10 MB"],
)
def test_a_hostile_string_is_refused_by_the_rules_and_not_echoed_whole(
    nodes: tuple[Running, Running], uid: str, why: str
) -> None:
    us, _ru = nodes
    before = held(us)
    answer = us.submit([elimination("US", uid, 20)])
    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM
    detail = answer.json()["detail"]
    assert why in detail
    assert "#1" in detail  # which notification
    assert len(answer.content) < 2000
    assert not any(c in detail for c in "\x1b\x00\u202e")  # shown escaped, never raw
    assert held(us) == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/json; charset=latin-1"],
)
def test_a_submission_in_another_media_type_is_415(nodes: tuple[Running, Running], content_type: str) -> None:
    us, _ru = nodes
    before = held(us)
    answer = httpx.post(
        f"{us.url}/detente/submit",
        content=retried(),
        headers={"Authorization": f"Bearer {us.token}", "Content-Type": content_type},
    )
    assert answer.status_code == 415
    assert answer.headers["content-type"] == PROBLEM
    assert content_type in answer.json()["detail"]
    assert "application/json" in answer.json()["detail"]
    assert held(us) == before
    # the same body as JSON, or without a media type (as scripts send it), is read: a retried batch
    for headers in ({"Content-Type": "application/json; charset=UTF-8"}, {}):
        again = httpx.post(
            f"{us.url}/detente/submit",
            content=retried(),
            headers={"Authorization": f"Bearer {us.token}", **headers},
        )
        assert again.status_code == 200, again.text
        assert [a["repeated"] for a in again.json()["accepted"]] == [True, True, True]
    assert held(us) == before


def test_head_options_odd_paths_and_query_strings(nodes: tuple[Running, Running]) -> None:
    us, _ru = nodes
    tile = httpx.get(f"{us.url}/tile/0/000.p/4?x=1&x=2")  # a query string is ignored
    head = httpx.head(f"{us.url}/tile/0/000.p/4")
    assert (tile.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-length"] == str(len(tile.content)) == "128"
    for method, path, allow in (
        ("OPTIONS", "/checkpoint", "GET, HEAD"),
        ("DELETE", "/tile/0/000.p/4", "GET, HEAD"),
        ("PUT", "/detente/submit", "POST"),
        ("GET", "/add-checkpoint", "POST"),
    ):
        answer = httpx.request(method, f"{us.url}{path}")
        assert answer.status_code == 405, (method, path)
        assert answer.headers["allow"] == allow
        assert answer.headers["content-type"] == PROBLEM
    for path in ("/tile/%00", "/tile/0/%2e%2e/0/000.p/4", "/signed/%ff%fe", "/tile/" + "9" * 5000, "/docs", "/x"):
        answer = httpx.get(f"{us.url}{path}")
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == PROBLEM
        assert len(answer.content) < 1000


def test_problem_details_say_what_and_why(nodes: tuple[Running, Running]) -> None:
    """The RFC 9457 members, the status's own title (about:blank), and a detail a person can act on."""
    us, _ru = nodes
    answer = httpx.post(f"{us.url}/detente/submit", json={"type": "elimination"})
    assert answer.status_code == 401
    assert answer.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "give an operator's token: Authorization: Bearer <token>",
    }
    assert answer.headers["www-authenticate"] == 'Bearer realm="detente node"'


def test_a_fault_of_the_node_is_a_500_problem_that_reveals_nothing(
    nodes: tuple[Running, Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    us, _ru = nodes

    def bug(*_args: object) -> Any:
        raise KeyError("internal state")

    monkeypatch.setattr(us.node.store, "latest_checkpoint", bug)
    answer = httpx.get(f"{us.url}/checkpoint")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["title"] == "Internal Server Error"
    assert "internal state" not in answer.text


def test_the_cache_of_immutable_resources_keeps_the_recent_within_its_limit() -> None:
    cache = ImmutableCache(limit=160)
    for i in range(9):  # 9 × 20 bytes: over the limit by one
        cache.put(f"tile/0/00{i}", bytes(20), {"Cache-Control": "immutable"})
    assert cache.size == 160
    assert cache.get("tile/0/000") is None  # the oldest went first
    assert cache.get("tile/0/001") == (bytes(20), {"Cache-Control": "immutable"})  # and is now the most recent
    cache.put("tile/0/009", bytes(20), {})
    assert cache.get("tile/0/002") is None  # 001 was used since: 002 was the least recent
    assert cache.get("tile/0/001") is not None
    cache.put("signed/000", bytes(21), {})  # over an eighth of the limit: not kept
    assert cache.get("signed/000") is None
    assert cache.size == 160


def test_a_busy_ledger_is_a_503_to_retry_not_bad_input(
    nodes: tuple[Running, Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's "busy" (another writer kept winning the race) is a conflict, not the operator's mistake."""
    us, _ru = nodes

    def busy(*_args: object) -> Any:
        raise ConflictError("busy: another writer keeps appending to US's ledger; nothing of this batch was stored")

    monkeypatch.setattr(us.node.ledger, "submit", busy)
    answer = us.submit([{"type": "elimination"}])
    assert answer.status_code == 503
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["detail"].startswith("busy")
