"""Hostile API responses: malformed JSON, wrong shapes, missing fields, huge bodies. The client
reports a clear error naming the endpoint and no plan is made from a partial read."""

from __future__ import annotations

import http.server
import json
import threading
import time

import httpx
import pytest

from helpers import KEY, ROOT, cli, make_db, write_manifest
from scaleform.api.bodies import MAX_RESPONSE_BYTES
from scaleform.api.retry import RetryPolicy
from scaleform.errors import ScaleformError
from scaleform.manifest import load_manifests
from scaleform.planner import make_plan
from scaleform.sandbox.app import SandboxApp
from scaleform.sandbox.store import Store
from scaleform.target import Target


class Hostile:
    """Answers one GET path with a fixed body; everything else goes to the real sandbox."""

    def __init__(self, inner, path: str, body: bytes, status: int = 200):
        self.inner, self.path, self.body, self.status = inner, path, body, status

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and scope["raw_path"].decode() == self.path:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": self.body})
            return
        await self.inner(scope, receive, send)


MANIFEST = """\
team:
  labelers: [li@acme.ai, zoe@acme.ai]
projects:
  street-signs:
    type: imageannotation
    labelers: [li@acme.ai]
    groups: {night-shift: [li@acme.ai]}
batches:
  street-signs-2026-10: {project: street-signs, groups: [night-shift]}
"""

CASES = [
    ("/v1/teams", b"<html>oops</html>", "GET /teams", "not JSON"),
    ("/v1/teams", b'[{"email": 5, "role": "member"}]', "GET /teams", "'email'"),
    ("/v1/teams", b'{"docs": []}', "GET /teams", "JSON array"),
    ("/v1/studio/assignments", b"[]", "GET /studio/assignments", "JSON object"),
    ("/v1/studio/assignments", b'{"li@acme.ai": "street-signs"}', "GET /studio/assignments", "not a list"),
    ("/v1/projects", b'[{"name": "street-signs"}]', "GET /projects returned a malformed response", "'param_history'"),
    (
        "/v1/projects",
        b'[{"name": "street-signs", "type": "imageannotation", "param_history": {}}]',
        "GET /projects",
        "'param_history'",
    ),
    ("/v1/studio/projects/street-signs/groups", json.dumps({"x": "y" * 20_000_000}).encode(), "GET", "JSON array"),
    (
        "/v1/studio/projects/street-signs/groups",
        b'[{"name": "night-shift", "workers": [{"id": 1}]}]',
        "groups",
        "'email'",
    ),
    ("/v1/studio/batches", b'[{"name": "b"}]', "GET /studio/batches", "'groups'"),
    ("/v1/studio/batches", b"null", "GET /studio/batches", "JSON array"),
    ("/v1/teams", b'["an", "error", "list"]', "GET /teams", "HTTP 400"),
]


@pytest.mark.parametrize("path,body,where,what", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_hostile_response_is_a_clear_error_and_no_plan(tmp_path, path, body, where, what):
    status = 400 if what == "HTTP 400" else 200
    store = Store(make_db(tmp_path / "s.db", "demo"))
    app = Hostile(SandboxApp(store), path, body, status)
    target = Target(
        "http://sandbox.invalid/v1",
        None,
        KEY,
        transport=httpx.ASGITransport(app=app),
        retry=RetryPolicy(attempts=2, base=0.01),
    )
    manifests = load_manifests(write_manifest(tmp_path / "m.yaml", MANIFEST))
    with pytest.raises(ScaleformError) as exc:
        make_plan(manifests, target)
    message = str(exc.value)
    assert where in message and what in message, message
    assert len(message) < 2000  # a huge body is not echoed back


def test_server_error_with_a_list_body_is_retried_then_reported(tmp_path):
    store = Store(make_db(tmp_path / "s.db", "demo"))
    app = Hostile(SandboxApp(store), "/v1/teams", b"[1, 2]", 500)
    target = Target(
        "http://sandbox.invalid/v1",
        None,
        KEY,
        transport=httpx.ASGITransport(app=app),
        retry=RetryPolicy(attempts=3, base=0.01),
    )
    with pytest.raises(ScaleformError, match=r"GET /teams failed with HTTP 500"):
        make_plan(load_manifests(write_manifest(tmp_path / "m.yaml", MANIFEST)), target)


class FakeApi:
    """A loopback API that answers `GET /v1/teams` with `teams(handler)` and the other reads a
    plan of the quickstart makes with an empty account; counts the bytes it wrote for /teams."""

    EMPTY = {"/v1/projects": b"[]", "/v1/studio/assignments": b"{}", "/v1/studio/batches": b"[]"}

    def __init__(self, teams):
        self.sent = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/v1/teams":
                    teams(self, outer)
                    return
                body = outer.EMPTY.get(self.path, b'{"error": "not found"}')
                self.send_response(200 if self.path in outer.EMPTY else 404)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> FakeApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _stream(handler, api: FakeApi, *, total: int, chunk: bytes, pause: float = 0.0, length: bool = False) -> None:
    """Write up to `total` bytes of `chunk`s until the client hangs up (a guard ends a drip that
    nothing cuts off, so a failing test fails instead of hanging)."""
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    if length:
        handler.send_header("content-length", str(total))
    handler.end_headers()
    until = time.monotonic() + 30
    try:
        while api.sent < total and time.monotonic() < until:
            handler.wfile.write(chunk)
            api.sent += len(chunk)
            time.sleep(pause)
    except OSError:
        pass  # the client hung up


def test_plan_against_an_api_sending_twice_the_cap_stops_at_it_with_a_clear_error():
    endless = b"[" + b'{"email": "a@acme.ai", "role": "member"}, ' * 1600  # about 64 KiB
    teams = lambda h, api: _stream(h, api, total=2 * MAX_RESPONSE_BYTES, chunk=endless)  # noqa: E731
    with FakeApi(teams) as api:
        result = cli("plan", str(ROOT / "examples" / "quickstart"), "--api-url", api.url, env={"SCALE_API_KEY": KEY})
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        "Error: GET /teams returned a malformed response: the body is larger than 64 MiB, the most scaleform "
        "reads of one answer (more kept arriving); it was not read further"
    ), result.stderr
    assert "Traceback" not in result.output and KEY not in result.output
    # What the server got written: the cap, plus what the sockets' buffers held when the client hung up.
    assert api.sent < MAX_RESPONSE_BYTES + 16 * 1024 * 1024


def test_plan_against_an_api_dripping_its_answer_ends_at_the_call_budget(tmp_path):
    teams = lambda h, api: _stream(h, api, total=100_000, chunk=b" ", pause=0.02, length=True)  # noqa: E731
    with FakeApi(teams) as api:
        target = Target(api.url, None, KEY, retry=RetryPolicy(budget=0.5))
        with pytest.raises(ScaleformError) as failed:
            make_plan(load_manifests(ROOT / "examples" / "quickstart"), target)
    assert str(failed.value).startswith("GET /teams failed: did not finish within 0.5 s, the limit of one call")
    assert api.sent < 100_000


def test_a_listing_claiming_a_hundred_billion_batches_is_refused_in_one_request(tmp_path):
    import asyncio

    store = Store(make_db(tmp_path / "s.db", "demo"))
    page = json.dumps({"docs": [], "totalDocs": 100_000_000_000}).encode()
    app = Hostile(SandboxApp(store), "/v1/batches", page)
    calls = []

    async def listing():
        async with Target(
            "http://sandbox.invalid/v1", None, KEY, transport=httpx.ASGITransport(app=app)
        ).client() as client:
            try:
                return await client.list_batches()
            finally:
                calls.append(client.calls)

    with pytest.raises(ScaleformError, match=r"GET /batches .*1,000,000,000 pages .*more than the 10,000"):
        asyncio.run(listing())
    assert calls == [1]
