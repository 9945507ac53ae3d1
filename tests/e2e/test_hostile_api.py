"""Hostile API responses: malformed JSON, wrong shapes, missing fields, huge bodies. The client
reports a clear error naming the endpoint and no plan is made from a partial read."""

from __future__ import annotations

import json

import httpx
import pytest

from helpers import KEY, make_db, write_manifest
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
