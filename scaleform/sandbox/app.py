"""The sandbox as an ASGI app (Starlette), persisted in SQLite through `Store`.

Routing is done on the raw path so that a name containing `/` (sent as `%2F`) stays one path
segment, exactly as the official SDK encodes it; unencoded names (the Node client) work too.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scaleform.sandbox import DEFAULT_API_KEY
from scaleform.sandbox.faults import FaultConfig, Faults
from scaleform.sandbox.assignment_cache import EncodedJSON
from scaleform.sandbox.base import SandboxError
from scaleform.sandbox.store import Store

Handler = Callable[[Store, list[str], dict, dict], Any]
WRITES = ("POST", "PUT", "DELETE")


def _routes() -> list[tuple[str, tuple[str, ...], Handler]]:
    # (method, path pattern with "*" for a name segment, handler(store, names, body, query))
    return [
        ("GET", ("teams",), lambda s, n, b, q: s.list_team()),
        ("POST", ("teams", "invite"), lambda s, n, b, q: s.invite(b)),
        ("POST", ("teams", "set_role"), lambda s, n, b, q: s.set_role(b)),
        ("GET", ("studio", "assignments"), lambda s, n, b, q: s.assignments_json()),
        ("POST", ("studio", "assignments", "add"), lambda s, n, b, q: s.assign(b)),
        ("POST", ("studio", "assignments", "remove"), lambda s, n, b, q: s.unassign(b)),
        ("GET", ("studio", "projects", "*", "groups"), lambda s, n, b, q: s.list_groups(n[0])),
        ("POST", ("studio", "projects", "*", "groups"), lambda s, n, b, q: s.create_group(n[0], b)),
        ("PUT", ("studio", "projects", "*", "groups", "*"), lambda s, n, b, q: s.update_group(n[0], n[1], b)),
        ("GET", ("studio", "batches"), lambda s, n, b, q: s.studio_batches()),
        ("POST", ("studio", "batches", "set_priorities"), lambda s, n, b, q: s.set_priorities(b)),
        ("POST", ("studio", "batches", "reset_priorities"), lambda s, n, b, q: s.reset_priorities()),
        ("PUT", ("studio", "batches", "*"), lambda s, n, b, q: s.assign_studio_batch(n[0], b)),
        ("GET", ("projects",), lambda s, n, b, q: s.list_projects(q.get("archived"))),
        ("POST", ("projects",), lambda s, n, b, q: s.create_project(b)),
        ("GET", ("projects", "*"), lambda s, n, b, q: s.get_project(n[0])),
        ("POST", ("projects", "*", "setParams"), lambda s, n, b, q: s.set_params(n[0], b)),
        ("POST", ("projects", "*", "setOntology"), lambda s, n, b, q: s.set_ontology(n[0], b)),
        ("POST", ("projects", "*", "updatePipelineConfig"), lambda s, n, b, q: s.update_pipeline(n[0], b)),
        ("GET", ("batches",), lambda s, n, b, q: s.list_batches(q)),
        ("POST", ("batches",), lambda s, n, b, q: s.create_batch(b)),
        ("GET", ("batches", "*"), lambda s, n, b, q: s.get_batch(n[0])),
        ("POST", ("batches", "*", "finalize"), lambda s, n, b, q: s.finalize(n[0])),
        ("GET", ("batches", "*", "status"), lambda s, n, b, q: s.batch_status(n[0])),
    ]


ROUTES = _routes()


def match(method: str, segments: list[str]) -> tuple[Handler, list[str]] | None | str:
    """The handler and the names it takes; "405" when the path exists for another method."""
    path_known = False
    for m, pattern, handler in ROUTES:
        if len(pattern) != len(segments):
            continue
        names = []
        for part, seg in zip(pattern, segments):
            if part == "*":
                names.append(seg)
            elif part != seg:
                break
        else:
            if m == method:
                return handler, names
            path_known = True
    return "405" if path_known else None


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"status_code": status, "error": message}, status_code=status, headers=headers)


def _normalize_query(raw: str) -> dict[str, str]:
    out = {}
    for k, v in parse_qsl(raw, keep_blank_values=False):
        out[k] = {"True": "true", "False": "false"}.get(v, v)
    return out


class SandboxApp:
    """ASGI callable. One SQLite transaction per request; latency is awaited outside it so
    concurrent requests overlap as they would against the real service."""

    def __init__(self, store: Store, api_key: str = DEFAULT_API_KEY, faults: FaultConfig | Faults | None = None,
                 log_requests: bool = True):
        self.store = store
        self.api_key = api_key
        self.faults = faults if isinstance(faults, Faults) else Faults(faults or FaultConfig())
        self.log_requests = log_requests

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
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
        response = await self.handle(request, scope)
        if self.log_requests:
            raw = scope.get("raw_path") or scope["path"].encode()
            with self.store.lock:
                self.store.log_request(started, time.time(), request.method, raw.decode("latin-1"),
                                       response.status_code)
        await response(scope, receive, send)

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

    async def handle(self, request: Request, scope: dict) -> Response:
        if not self._authorized(request):
            return _error(401, "Unauthorized: please provide a valid API key (HTTP Basic, key as the username)")
        retry_after = self.faults.throttle()
        if retry_after is not None:
            return _error(429, "Too many requests hit the API too quickly", {"Retry-After": str(retry_after)})
        response = await self.respond(request, scope)
        # The latency is added once the answer is ready, as if on its way back. Requests arrive
        # spread out, so their work is done as they arrive; had the work waited for the latency,
        # concurrent requests would wake together and queue on this one thread.
        if self.faults.config.latency_ms:
            await asyncio.sleep(self.faults.config.latency_ms / 1000)
        return response

    async def respond(self, request: Request, scope: dict) -> Response:
        raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        forced = self.faults.intercept(request.method, raw)
        if forced is not None:
            return _error(*forced)
        fail = self.faults.should_fail(request.method, raw)
        if fail and (self.faults.config.fault_mode == "before" or request.method not in WRITES):
            return _error(*self.faults.failure(after=False))
        segments = [unquote(s) for s in raw.split("/") if s]
        if segments[:1] == ["v1"]:
            segments = segments[1:]
        found = match(request.method, segments)
        if found is None:
            return _error(404, f"No such endpoint: {request.method} {raw}")
        if found == "405":
            return _error(405, f"Method {request.method} is not allowed on {raw}")
        handler, names = found
        body: Any = {}
        data = await request.body()
        if data.strip():
            try:
                body = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                return _error(400, "Request body is not valid JSON")
            if not isinstance(body, dict):
                return _error(400, "Request body must be a JSON object")
        query = _normalize_query(scope.get("query_string", b"").decode("latin-1"))
        try:
            with self.store.transaction() as store:
                result = handler(store, names, body, query)
        except SandboxError as exc:
            return _error(exc.status, exc.message)
        if fail:  # fault_mode "after": the write happened; the response is lost
            return _error(*self.faults.failure(after=True))
        if isinstance(result, EncodedJSON):
            return Response(bytes(result), media_type="application/json")
        return JSONResponse(result)

