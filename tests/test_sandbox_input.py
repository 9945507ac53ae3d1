"""The sandbox app against malformed input: 400 naming the field, 413 over 10 MB without reading
the rest, never a 500, and every answer in the request log."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaleform.sandbox.app import ROUTES, WRITES, SandboxApp
from scaleform.sandbox.faults import FaultConfig
from scaleform.sandbox.fields import MAX_BODY
from scaleform.sandbox.fixtures import init_store
from scaleform.sandbox.store import Store

AUTH = "Basic " + base64.b64encode(b"test_sandbox:").decode()
ACCOUNT_TABLES = ("team", "projects", "assignments", "groups", "batches")
MB = 1024 * 1024
NAMES = {"projects": "street-signs", "groups": "night-shift", "batches": "street-signs-2026-10"}
READS = (
    "/v1/teams",
    "/v1/studio/assignments",
    "/v1/projects",
    "/v1/studio/batches",
    "/v1/batches",
    "/v1/studio/projects/street-signs/groups",
)


@pytest.fixture
def store() -> Store:
    s = Store(":memory:")
    init_store(s, "demo")
    return s


async def _send(
    app: Any, requests: Iterable[tuple[str, str, bytes]], key: str = "test_sandbox"
) -> list[httpx.Response]:
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://s", headers={"Authorization": auth}
    ) as client:
        return [await client.request(m, p, content=b) for m, p, b in requests]


def send(app: Any, method: str, path: str, body: bytes = b"", key: str = "test_sandbox") -> httpx.Response:
    return asyncio.run(_send(app, [(method, path, body)], key))[0]


def snapshot(store: Store) -> list[tuple]:
    return [tuple(r) for t in ACCOUNT_TABLES for r in store.db.execute(f"SELECT * FROM {t} ORDER BY rowid")]


def logged(store: Store) -> list[tuple[str, str, int]]:
    return [(r["method"], r["path"], r["status"]) for r in store.requests()]


def _path(pattern: tuple[str, ...]) -> str:
    """A concrete path for a route pattern: each name segment is a name the demo account holds."""
    out = []
    for i, part in enumerate(pattern):
        out.append(NAMES["groups" if i == 4 else pattern[i - 1]] if part == "*" else part)
    return "/v1/" + "/".join(out)


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# -- 413 ----------------------------------------------------------------------------------------
def drive(app: Any, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, dict, dict, int]:
    """Call the ASGI app directly, offering `chunks` one receive() at a time: the status, headers
    and JSON body it answers, and how many body bytes it pulled."""
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send_(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/projects",
        "raw_path": b"/v1/projects",
        "query_string": b"",
        "headers": [(b"authorization", AUTH.encode()), *headers],
    }
    asyncio.run(app(scope, receive, send_))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, json.loads(body), pulled


def test_a_declared_length_over_10_mb_is_413_before_any_byte_is_read(store):
    chunks = itertools.repeat(b" " * MB, 20)
    status, headers, body, pulled = drive(SandboxApp(store), chunks, [(b"content-length", str(20 * MB).encode())])
    assert (status, pulled) == (413, 0)
    assert body == {"status_code": 413, "error": "Request body is larger than the limit of 10 MB"}
    assert headers["connection"] == "close"  # the server stops reading the rest too
    assert logged(store) == [("POST", "/v1/projects", 413)]


def test_a_chunked_body_is_counted_as_it_arrives_and_refused_past_10_mb(store):
    status, headers, body, pulled = drive(SandboxApp(store), itertools.repeat(b" " * MB, 20), [])
    assert status == 413 and body["status_code"] == 413 and headers["connection"] == "close"
    assert MAX_BODY < pulled <= MAX_BODY + MB  # stopped at the first chunk past the limit
    assert logged(store) == [("POST", "/v1/projects", 413)]


@pytest.mark.parametrize("declared", [b"12x", "\u00b2".encode("latin-1"), b"-1"])
def test_a_content_length_that_is_not_a_number_is_a_400(store, declared):
    status, _, body, pulled = drive(SandboxApp(store), iter([b"{}"]), [(b"content-length", declared)])
    assert (status, pulled) == (400, 0) and "Content-Length" in body["error"]
    assert logged(store) == [("POST", "/v1/projects", 400)]


def test_a_body_of_exactly_10_mb_is_read_and_one_byte_more_is_413(store):
    def body(size: int) -> bytes:
        head = b'{"name": "big", "type": "imageannotation", "params": {"x": "'
        return head + b"a" * (size - len(head) - 3) + b'"}}'

    app = SandboxApp(store)
    too_big = send(app, "POST", "/v1/projects", body(MAX_BODY + 1))
    assert too_big.status_code == 413 and too_big.json()["status_code"] == 413
    assert send(app, "GET", "/v1/projects/big").status_code == 404
    assert send(app, "POST", "/v1/projects", body(MAX_BODY)).status_code == 200


# -- 400 for malformed bodies -------------------------------------------------------------------
STUDIO = {"name": "n", "type": "imageannotation", "studio": True, "pipeline": "consensus_task"}
BAD_BODIES = {
    # name: (method, path, body, what the message must name)
    "type-array": ("POST", "/v1/projects", {"name": "n", "type": ["x"]}, '"type"'),
    "attempts-overflow": ("POST", "/v1/projects", {**STUDIO, "consensus_attempts": 10**30}, '"consensus_attempts"'),
    "attempts-zero": ("POST", "/v1/projects", {**STUDIO, "consensus_attempts": 0}, '"consensus_attempts"'),
    "attempts-float": ("POST", "/v1/projects", {**STUDIO, "consensus_attempts": 2.5}, '"consensus_attempts"'),
    "pipeline-overflow": (
        "POST",
        "/v1/projects/street-signs/updatePipelineConfig",
        {"pipeline": "consensus_task", "consensus_attempts": 2**63},
        '"consensus_attempts"',
    ),
    "pipeline-negative": (
        "POST",
        "/v1/projects/street-signs/updatePipelineConfig",
        {"pipeline": "consensus_task", "consensus_attempts": -3},
        '"consensus_attempts"',
    ),
    "studio-yes": ("POST", "/v1/projects", {"name": "n", "type": "imageannotation", "studio": "yes"}, '"studio"'),
    "rapid-no": ("POST", "/v1/projects", {"name": "n", "type": "imageannotation", "rapid": "no"}, '"rapid"'),
    "studio-one": ("POST", "/v1/projects", {"name": "n", "type": "imageannotation", "studio": 1}, '"studio"'),
    "patch-string": ("POST", "/v1/projects/street-signs/setParams", {"patch": "false", "x": 1}, '"patch"'),
    "calibration-yes": (
        "POST",
        "/v1/batches",
        {"name": "n", "project": "street-signs", "calibration_batch": "yes"},
        '"calibration_batch"',
    ),
    "self-label-one": (
        "POST",
        "/v1/batches",
        {"name": "n", "project": "street-signs", "self_label_batch": 1},
        '"self_label_batch"',
    ),
    "callback-object": (
        "POST",
        "/v1/batches",
        {"name": "n", "project": "street-signs", "callback": {"a": 1}},
        '"callback"',
    ),
    "metadata-array": ("POST", "/v1/batches", {"name": "n", "project": "street-signs", "metadata": []}, '"metadata"'),
    "dataset-number": ("POST", "/v1/projects", {"name": "n", "type": "imageannotation", "datasetId": 5}, '"datasetId"'),
    "params-version": ("POST", "/v1/projects/street-signs/setParams", {"version": "x"}, '"version"'),
    "created-params": (
        "POST",
        "/v1/projects",
        {"name": "n", "type": "imageannotation", "params": {"created_at": 1}},
        '"created_at"',
    ),
    "ontology-label": ("POST", "/v1/projects/street-signs/setOntology", {"ontology": ["a"], "name": 5}, '"name"'),
    "ontology-display": (
        "POST",
        "/v1/projects/street-signs/setOntology",
        {"ontology": [{"choice": "a", "display": ["x"]}]},
        '"display"',
    ),
    "group-name": ("POST", "/v1/studio/projects/street-signs/groups", {"name": ["g"], "emails": []}, '"name"'),
    "role-array": ("POST", "/v1/teams/invite", {"emails": ["n@x.io"], "team_role": ["labeler"]}, '"team_role"'),
    "groups-string": ("PUT", "/v1/studio/batches/street-signs-2026-10", {"groups": "night-shift"}, '"groups"'),
    "remove-emails": (
        "PUT",
        "/v1/studio/projects/street-signs/groups/night-shift",
        {"remove_emails": "li@acme.ai"},
        '"remove_emails"',
    ),
}
RAW_BODIES = {
    "nan": ("POST", "/v1/projects", b'{"name": "n", "type": "imageannotation", "params": {"x": NaN}}', "NaN"),
    "infinite": (
        "POST",
        "/v1/projects",
        b'{"name": "n", "type": "imageannotation", "params": {"x": 1e400}}',
        "out of range",
    ),
    "lone-surrogate": ("POST", "/v1/projects", b'{"name": "\\ud800", "type": "imageannotation"}', "surrogate"),
    "surrogate-bytes": ("POST", "/v1/projects", b'{"name": "\xed\xa0\x80", "type": "imageannotation"}', "UTF-8"),
    "surrogate-key": ("POST", "/v1/projects/street-signs/setParams", b'{"\\udc00": 1}', "surrogate"),
    "deep-101": ("POST", "/v1/projects/street-signs/setParams", b'{"x": ' + deep(100) + b"}", "100 levels"),
    "array-body": ("POST", "/v1/projects", b'[{"name": "n"}]', "JSON object"),
    "string-body": ("POST", "/v1/batches", b'"n"', "JSON object"),
}
DEEP = [(m, _path(pattern)) for m, pattern, _ in ROUTES if m in WRITES]


def _check_refused(store: Store, method: str, path: str, body: bytes, named: str) -> None:
    before = snapshot(store)
    r = send(SandboxApp(store), method, path, body)
    assert r.status_code == 400, r.text
    assert r.json()["status_code"] == 400 and named in r.json()["error"], r.json()
    assert snapshot(store) == before  # refused whole: nothing written
    assert logged(store) == [(method, path, 400)]


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_wrong_type_or_range_is_a_400_naming_the_field(store, case):
    method, path, body, named = BAD_BODIES[case]
    _check_refused(store, method, path, json.dumps(body).encode(), named)


@pytest.mark.parametrize("case", sorted(RAW_BODIES))
def test_malformed_json_is_a_400(store, case):
    _check_refused(store, *RAW_BODIES[case])


@pytest.mark.parametrize("method,path", DEEP)
def test_100000_deep_arrays_are_a_400_on_every_write(store, method, path):
    _check_refused(store, method, path, b'{"x": ' + deep(100_000) + b"}", "levels deep")


def test_a_refused_body_leaves_every_later_read_working(store):
    app = SandboxApp(store)
    for _, path, body, _ in RAW_BODIES.values():
        send(app, "POST", path, body)
    assert all(send(app, "GET", p).status_code == 200 for p in READS)


# -- the request log ----------------------------------------------------------------------------
def test_every_answer_is_in_the_request_log(store, monkeypatch):
    app = SandboxApp(store)
    asked = [
        ("GET", "/v1/teams", b"", "test_sandbox", 200),
        ("GET", "/v1/teams", b"", "wrong", 401),
        ("GET", "/v1/nothing/here", b"", "test_sandbox", 404),
        ("DELETE", "/v1/teams", b"", "test_sandbox", 405),
        ("POST", "/v1/projects", b"{", "test_sandbox", 400),
        ("POST", "/v1/projects", deep(100_000), "test_sandbox", 400),
        ("POST", "/v1/projects", b'{"name": "street-signs", "type": "imageannotation"}', "test_sandbox", 409),
        ("POST", "/v1/projects", b" " * (MAX_BODY + 1), "test_sandbox", 413),
    ]
    for method, path, body, key, status in asked:
        assert send(app, method, path, body, key).status_code == status, (method, path, status)
    assert send(SandboxApp(store, faults=FaultConfig(rate_limit=0.001)), "GET", "/v1/teams").status_code == 429
    assert send(SandboxApp(store, faults=FaultConfig(fault_rate=1.0)), "GET", "/v1/teams").status_code == 503

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Store, "list_team", broken)
    with pytest.raises(RuntimeError):  # an unexpected exception is not turned into a 4xx
        send(app, "GET", "/v1/teams")
    assert logged(store) == [(m, p, s) for m, p, _, _, s in asked] + [
        ("GET", "/v1/teams", 429),
        ("GET", "/v1/teams", 503),
        ("GET", "/v1/teams", 500),
    ]


# -- fuzz: random JSON for every field of every write -------------------------------------------
FIELDS = {
    ("POST", ("teams", "invite")): ("emails", "team_role"),
    ("POST", ("teams", "set_role")): ("emails", "team_role"),
    ("POST", ("studio", "assignments", "add")): ("emails", "projects"),
    ("POST", ("studio", "assignments", "remove")): ("emails", "projects"),
    ("POST", ("studio", "projects", "*", "groups")): ("name", "emails"),
    ("PUT", ("studio", "projects", "*", "groups", "*")): ("add_emails", "remove_emails"),
    ("POST", ("studio", "batches", "set_priorities")): ("batches",),
    ("POST", ("studio", "batches", "reset_priorities")): (),
    ("PUT", ("studio", "batches", "*")): ("groups",),
    ("POST", ("projects",)): (
        "name",
        "type",
        "params",
        "rapid",
        "studio",
        "datasetId",
        "pipeline",
        "consensus_attempts",
    ),
    ("POST", ("projects", "*", "setParams")): ("patch", "instruction", "version", "created_at"),
    ("POST", ("projects", "*", "setOntology")): ("ontology", "name"),
    ("POST", ("projects", "*", "updatePipelineConfig")): ("pipeline", "consensus_attempts"),
    ("POST", ("batches",)): ("name", "project", "callback", "calibration_batch", "self_label_batch", "metadata"),
    ("POST", ("batches", "*", "finalize")): (),
}
TEXTS = (
    "",
    "yes",
    "true",
    "street-signs",
    "legacy-ocr",
    "night-shift",
    "street-signs-2026-10",
    "li@acme.ai",
    "zoe@acme.ai",
    "labeler",
    "manager",
    "imageannotation",
    "consensus_task",
    "standard_task",
    "choice",
    "\ud800",
    "version",
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, -1, 2, 2**31, 2**63, 10**30])
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(TEXTS)
)
VALUES = st.recursive(
    LEAVES,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(TEXTS) | st.text(max_size=3), kids, max_size=3)
    ),
    max_leaves=8,
)
EMAILS = st.lists(
    st.sampled_from(["li@acme.ai", "zoe@acme.ai", "ana@acme.ai", "bo@acme.ai", "new@acme.ai"]), max_size=3
)
NAME = st.sampled_from(["street-signs", "legacy-ocr", "night-shift", "street-signs-2026-10"]) | st.text(
    min_size=1, max_size=4
)
CHOICE = st.recursive(
    st.text(max_size=3),
    lambda kids: st.fixed_dictionaries(
        {"choice": st.text(max_size=3)}, optional={"subchoices": st.lists(kids, max_size=2)}
    ),
    max_leaves=4,
)
# A value each field could take in a request that succeeds, so that a wrong type among them
# reaches the operation rather than the first check.
PLAUSIBLE = {
    "emails": EMAILS,
    "add_emails": EMAILS,
    "remove_emails": EMAILS,
    "team_role": st.sampled_from(["labeler", "member", "manager"]),
    "projects": st.lists(st.sampled_from(["street-signs", "legacy-ocr"]), max_size=2),
    "groups": st.lists(st.sampled_from(["night-shift", "li@acme.ai", "zoe@acme.ai"]), max_size=2),
    "batches": st.lists(st.fixed_dictionaries({"name": NAME}), max_size=3),
    "name": NAME,
    "project": NAME,
    "type": st.sampled_from(["imageannotation", "categorization"]),
    "params": st.dictionaries(st.text(max_size=3), VALUES, max_size=3),
    "metadata": st.dictionaries(st.text(max_size=3), VALUES, max_size=2),
    "pipeline": st.sampled_from(["standard_task", "consensus_task"]),
    "consensus_attempts": st.integers(1, 5),
    "ontology": st.lists(CHOICE, min_size=1, max_size=3),
    "instruction": st.text(max_size=5),
    "callback": st.text(max_size=5),
    "datasetId": st.none(),
    **{f: st.booleans() for f in ("studio", "rapid", "patch", "calibration_batch", "self_label_batch")},
}
REQUIRED = ("emails", "team_role", "name", "type", "project", "ontology", "groups", "batches")


@st.composite
def write_requests(draw: Any) -> tuple[str, str, bytes]:
    """A write with plausible fields, one of them (often) any JSON at all, or (sometimes) a body
    that is any JSON at all."""
    (method, pattern), fields = draw(st.sampled_from(sorted(FIELDS.items())))
    known = [f for f in fields if f in PLAUSIBLE]
    body: Any = draw(
        st.fixed_dictionaries(
            {f: PLAUSIBLE[f] for f in known if f in REQUIRED},
            optional={f: PLAUSIBLE[f] for f in known if f not in REQUIRED},
        )
    )
    if fields and draw(st.booleans()):
        body[draw(st.sampled_from(fields))] = draw(VALUES)
    if draw(st.integers(0, 9)) == 0:
        body = draw(VALUES)
    text = json.dumps(body, allow_nan=True, ensure_ascii=draw(st.booleans()))
    return method, _path(pattern), text.encode("utf-8", "surrogatepass")


def test_the_fuzz_covers_every_write_route():
    assert set(FIELDS) == {(m, p) for m, p, _ in ROUTES if m in WRITES}


def test_random_bodies_on_every_write_never_get_a_500(store):
    app = SandboxApp(store, log_requests=False)
    seen: set[int] = set()

    @settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(write_requests(), min_size=1, max_size=3))
    def run(requests: list[tuple[str, str, bytes]]) -> None:
        answers = asyncio.run(_send(app, [*requests, *(("GET", p, b"") for p in READS)]))
        writes, reads = answers[: len(requests)], answers[len(requests) :]
        seen.update(r.status_code for r in writes)
        assert all(r.status_code in (200, 400, 404, 409) for r in writes), [
            (q, r.text) for q, r in zip(requests, writes)
        ]
        assert all(isinstance(r.json().get("error", ""), str) for r in writes if r.status_code != 200)
        assert [r.status_code for r in reads] == [200] * len(READS)  # nothing stored that breaks a read

    run()
    assert {200, 400} <= seen  # the bodies reached the operations, not only the parser
