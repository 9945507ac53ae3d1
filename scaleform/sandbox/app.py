"""The sandbox as an ASGI app (Starlette), persisted in SQLite through `Store`.

Routing is done on the raw path so that a name containing `/` (sent as `%2F`) stays one path
segment, exactly as the official SDK encodes it; unencoded names (the Node client) work too.
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from scaleform.sandbox import DEFAULT_API_KEY
from scaleform.sandbox.assignment_cache import EncodedJSON
from scaleform.sandbox.base import SandboxError
from scaleform.sandbox.faults import FaultConfig, Faults
from scaleform.sandbox.fields import MAX_BODY, parse_body
from scaleform.sandbox.store import Store

# handler(store, names, body, query) -> the answer: JSON-ready data, or EncodedJSON sent as is.
Handler = Callable[[Store, Sequence[str], dict[str, Any], dict[str, str]], object]
WRITES = ("POST", "PUT", "DELETE")


class Route(NamedTuple):
    """One endpoint. A named tuple, not a bare one: built by a call, its lambda gets its parameter
    types, so mypy checks the body (in a list of plain tuples whose patterns differ it does not)."""

    method: str
    pattern: tuple[str, ...]  # the path's segments, "*" for a name segment
    handler: Handler


def _routes() -> list[Route]:
    return [
        Route("GET", ("teams",), lambda s, n, b, q: s.list_team()),
        Route("POST", ("teams", "invite"), lambda s, n, b, q: s.invite(b)),
        Route("POST", ("teams", "set_role"), lambda s, n, b, q: s.set_role(b)),
        Route("GET", ("studio", "assignments"), lambda s, n, b, q: s.assignments_json()),
        Route("POST", ("studio", "assignments", "add"), lambda s, n, b, q: s.assign(b)),
        Route("POST", ("studio", "assignments", "remove"), lambda s, n, b, q: s.unassign(b)),
        Route("GET", ("studio", "projects", "*", "groups"), lambda s, n, b, q: s.list_groups(n[0])),
        Route("POST", ("studio", "projects", "*", "groups"), lambda s, n, b, q: s.create_group(n[0], b)),
        Route("PUT", ("studio", "projects", "*", "groups", "*"), lambda s, n, b, q: s.update_group(n[0], n[1], b)),
        Route("GET", ("studio", "batches"), lambda s, n, b, q: s.studio_batches()),
        Route("POST", ("studio", "batches", "set_priorities"), lambda s, n, b, q: s.set_priorities(b)),
        Route("POST", ("studio", "batches", "reset_priorities"), lambda s, n, b, q: s.reset_priorities()),
        Route("PUT", ("studio", "batches", "*"), lambda s, n, b, q: s.assign_studio_batch(n[0], b)),
        Route("GET", ("projects",), lambda s, n, b, q: s.list_projects(q.get("archived"))),
        Route("POST", ("projects",), lambda s, n, b, q: s.create_project(b)),
        Route("GET", ("projects", "*"), lambda s, n, b, q: s.get_project(n[0])),
        Route("POST", ("projects", "*", "setParams"), lambda s, n, b, q: s.set_params(n[0], b)),
        Route("POST", ("projects", "*", "setOntology"), lambda s, n, b, q: s.set_ontology(n[0], b)),
        Route("POST", ("projects", "*", "updatePipelineConfig"), lambda s, n, b, q: s.update_pipeline(n[0], b)),
        Route("GET", ("batches",), lambda s, n, b, q: s.list_batches(q)),
        Route("POST", ("batches",), lambda s, n, b, q: s.create_batch(b)),
        Route("GET", ("batches", "*"), lambda s, n, b, q: s.get_batch(n[0])),
        Route("POST", ("batches", "*", "finalize"), lambda s, n, b, q: s.finalize(n[0])),
        Route("GET", ("batches", "*", "status"), lambda s, n, b, q: s.batch_status(n[0])),
    ]


ROUTES = _routes()


@dataclass(frozen=True)
class RouteMatch:
    """The route a request takes: its handler, and the path segments its pattern's "*"s stand for."""

    handler: Handler
    names: tuple[str, ...]


class NoRoute(Enum):
    """Why a request has no route: the path is unknown (404), or only other methods serve it (405)."""

    NOT_FOUND = 404
    METHOD_NOT_ALLOWED = 405


def match(method: str, segments: list[str]) -> RouteMatch | NoRoute:
    """The route of `method` on `segments`, else why there is none."""
    path_known = False
    for m, pattern, handler in ROUTES:
        if len(pattern) != len(segments):
            continue
        names: list[str] = []
        for part, seg in zip(pattern, segments):
            if part == "*":
                names.append(seg)
            elif part != seg:
                break
        else:
            if m == method:
                return RouteMatch(handler, tuple(names))
            path_known = True
    return NoRoute.METHOD_NOT_ALLOWED if path_known else NoRoute.NOT_FOUND


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status_code": status, "error": message}, status_code=status, headers=headers)


def _too_large() -> SandboxError:
    return SandboxError(413, f"Request body is larger than the limit of {MAX_BODY // (1024 * 1024)} MB")


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]+", value.strip()):  # ASCII digits only: int() takes others too
        raise SandboxError(400, "The Content-Length header is not a number")
    return int(value)


async def read_body(request: Request, receive: Receive) -> bytes:
    """The request body, or a 413 once it is over MAX_BODY: the declared length is checked before
    reading, and a chunked body is counted as it arrives; nothing past the limit is kept."""
    declared = _declared_length(request)
    if declared is not None and declared > MAX_BODY:
        raise _too_large()
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise SandboxError(400, "The request body ended early: the client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _normalize_query(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in parse_qsl(raw, keep_blank_values=False):
        out[k] = {"True": "true", "False": "false"}.get(v, v)
    return out


class SandboxApp:
    """ASGI callable. One SQLite transaction per request; latency is awaited outside it so
    concurrent requests overlap as they would against the real service."""

    def __init__(
        self,
        store: Store,
        api_key: str = DEFAULT_API_KEY,
        faults: FaultConfig | Faults | None = None,
        *,
        log_requests: bool = True,
    ):
        self.store = store
        self.api_key = api_key
        self.faults = faults if isinstance(faults, Faults) else Faults(faults or FaultConfig())
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        started = time.time()
        try:
            response = await self.handle(request, scope, receive)
        except Exception:
            self._log(scope, started, 500)  # a bug: the server answers 500 and shows the traceback
            raise
        self._log(scope, started, response.status_code)
        await response(scope, receive, send)

    def _log(self, scope: Scope, started: float, status: int) -> None:
        if self.log_requests:
            raw = scope.get("raw_path") or scope["path"].encode()
            with self.store.lock:
                self.store.log_request(started, time.time(), scope["method"], raw.decode("latin-1"), status)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(value).decode("utf-8").partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                return False
            return user == self.api_key
        if scheme.lower() == "bearer":
            return value == self.api_key
        return False

    async def handle(self, request: Request, scope: Scope, receive: Receive) -> Response:
        # The body is read first, whatever the answer: an unread rest would be drained by the
        # server, and a body over the limit must be refused before anything else looks at it.
        try:
            data = await read_body(request, receive)
        except SandboxError as exc:
            return _error(exc.status, exc.message, {"Connection": "close"})
        if not self._authorized(request):
            return _error(401, "Unauthorized: please provide a valid API key (HTTP Basic, key as the username)")
        retry_after = self.faults.throttle()
        if retry_after is not None:
            return _error(429, "Too many requests hit the API too quickly", {"Retry-After": str(retry_after)})
        response = await self.respond(request, scope, data)
        # The latency is added once the answer is ready, as if on its way back. Requests arrive
        # spread out, so their work is done as they arrive; had the work waited for the latency,
        # concurrent requests would wake together and queue on this one thread.
        if self.faults.config.latency_ms:
            await asyncio.sleep(self.faults.config.latency_ms / 1000)
        return response

    async def respond(self, request: Request, scope: Scope, data: bytes) -> Response:
        raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        fail = self.faults.should_fail(request.method, raw)
        if fail and (self.faults.config.fault_mode == "before" or request.method not in WRITES):
            return _error(*self.faults.failure(after=False))
        segments = [unquote(s) for s in raw.split("/") if s]
        if segments[:1] == ["v1"]:
            segments = segments[1:]
        found = match(request.method, segments)
        if found is NoRoute.NOT_FOUND:
            return _error(404, f"No such endpoint: {request.method} {raw}")
        if found is NoRoute.METHOD_NOT_ALLOWED:
            return _error(405, f"Method {request.method} is not allowed on {raw}")
        query = _normalize_query(scope.get("query_string", b"").decode("latin-1"))
        try:
            body = parse_body(data)
            with self.store.transaction() as store:
                result = found.handler(store, found.names, body, query)
        except SandboxError as exc:
            return _error(exc.status, exc.message)
        if fail:  # fault_mode "after": the write happened; the response is lost
            return _error(*self.faults.failure(after=True))
        if isinstance(result, EncodedJSON):
            return Response(bytes(result), media_type="application/json")
        return JSONResponse(result)
