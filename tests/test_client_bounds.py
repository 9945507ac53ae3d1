"""Whatever the API sends cannot exhaust memory or time: a body is read only up to a cap (an error
body only as far as its message needs), a paged listing is refused past a number of pages, and a
call ends within its budget, the body included. Bodies here are streamed and counted, never built
whole, so each test shows how much was read, not only that it failed."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from scaleform.api import typed
from scaleform.api.bodies import DETAIL_BYTES, MAX_RESPONSE_BYTES
from scaleform.api.client import ApiClient
from scaleform.api.errors import BadResponse, InvalidRequest, ServerError, TransportFailure
from scaleform.api.retry import RetryPolicy

KEY = "live_secret_key_0123"
MiB = 1024 * 1024
CHUNK = b"x" * 65536


class Endless(httpx.AsyncByteStream):
    """A body that keeps coming (up to `total` bytes, every chunk the same object), counting what
    the client pulled; `pause` seconds between chunks makes it a drip."""

    def __init__(self, total: int = 1 << 62, chunk: bytes = CHUNK, pause: float = 0.0, guard: float = 30.0):
        self.total, self.chunk, self.pause, self.guard = total, chunk, pause, guard
        self.sent = 0

    async def __aiter__(self):
        loop = asyncio.get_running_loop()
        until = loop.time() + self.guard  # the test fails rather than hangs if nothing cuts it off
        while self.sent < self.total and loop.time() < until:
            piece = self.chunk[: self.total - self.sent]
            self.sent += len(piece)
            yield piece
            if self.pause:
                await asyncio.sleep(self.pause)


def client(handler, **kw) -> ApiClient:
    kw.setdefault("retry", RetryPolicy(attempts=3, base=0.01, cap=0.02))
    return ApiClient("https://api.example.test/v1", KEY, transport=httpx.MockTransport(handler), **kw)


def serve(status: int, stream: httpx.AsyncByteStream, headers: dict | None = None):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(status, headers=headers or {}, stream=stream)

    return handler, seen


def run(coro):
    return asyncio.run(coro)


async def _team(c: ApiClient):
    async with c:
        return await c.list_team()


def test_the_cap_is_one_named_limit_and_the_default():
    assert MAX_RESPONSE_BYTES == 64 * MiB
    assert client(lambda r: httpx.Response(200)).max_body == MAX_RESPONSE_BYTES


def test_a_success_body_twice_the_cap_is_refused_once_past_it_and_not_retried():
    body = Endless(total=2 * MiB)
    handler, seen = serve(200, body)
    with pytest.raises(BadResponse) as failed:
        run(_team(client(handler, max_body=MiB)))
    message = str(failed.value)
    assert message.startswith("GET /teams returned a malformed response: the body is larger than 1 MiB"), message
    assert "more kept arriving" in message and KEY not in message and "example.test" not in message
    assert MiB < body.sent <= MiB + len(CHUNK)  # read to just past the cap, never to the end
    assert seen == ["/v1/teams"]  # not a transient fault: sent once


def test_the_default_cap_holds_against_a_body_twice_its_size():
    body = Endless(total=2 * MAX_RESPONSE_BYTES)
    handler, seen = serve(200, body)
    with pytest.raises(BadResponse, match=r"GET /teams .* larger than 64 MiB"):
        run(_team(client(handler)))
    assert body.sent <= MAX_RESPONSE_BYTES + len(CHUNK) and len(seen) == 1


def test_a_declared_length_over_the_cap_is_refused_before_any_of_it_is_read():
    body = Endless(total=400_000_000)
    handler, _ = serve(200, body, {"content-length": "400000000"})
    with pytest.raises(BadResponse, match=r"larger than 64 MiB, .*it declares 400,000,000 bytes"):
        run(_team(client(handler)))
    assert body.sent == 0


def test_a_body_within_the_cap_is_read_whole():
    docs = [{"email": f"p{i}@acme.ai", "role": "member"} for i in range(20_000)]
    data = json.dumps(docs).encode()
    handler, _ = serve(200, Endless(total=len(data), chunk=data))
    assert run(_team(client(handler, max_body=len(data)))) == docs


def test_a_huge_error_body_is_read_only_for_its_message():
    body = Endless(total=2 * MAX_RESPONSE_BYTES, chunk=b"no " * 30000)
    handler, seen = serve(400, body)
    with pytest.raises(InvalidRequest) as failed:
        run(_team(client(handler)))
    assert str(failed.value).startswith("GET /teams failed with HTTP 400: no no no")
    assert len(str(failed.value)) < 400
    assert body.sent <= DETAIL_BYTES + 90000 and seen == ["/v1/teams"]


def test_a_huge_server_error_body_is_retried_reading_only_its_start_each_time():
    bodies: list[Endless] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(Endless(total=2 * MAX_RESPONSE_BYTES))
        return httpx.Response(503, stream=bodies[-1])

    with pytest.raises(ServerError, match=r"GET /teams failed with HTTP 503: x+\. Gave up after 3 attempts"):
        run(_team(client(handler)))
    assert len(bodies) == 3 and all(b.sent <= DETAIL_BYTES + len(CHUNK) for b in bodies)


def test_a_drip_feed_ends_at_the_budget_with_a_clear_error():
    body = Endless(total=100_000, chunk=b" ", pause=0.01)
    handler, seen = serve(200, body, {"content-length": "100000"})
    with pytest.raises(TransportFailure) as failed:
        run(_team(client(handler, retry=RetryPolicy(budget=0.5))))
    message = str(failed.value)
    assert message.startswith("GET /teams failed: did not finish within 0.5 s, the limit of one call"), message
    assert "https://api.example.test/v1" in message and KEY not in message
    assert body.sent < 100_000 and seen == ["/v1/teams"]


def test_a_drip_after_failures_names_them_and_the_budget():
    bodies = [Endless(total=2, chunk=b"{}"), Endless(total=100_000, chunk=b" ", pause=0.01)]
    statuses = [503, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses.pop(0), stream=bodies.pop(0))

    with pytest.raises(ServerError) as failed:
        run(_team(client(handler, retry=RetryPolicy(budget=0.5, base=0.01))))
    message = str(failed.value)
    assert message.startswith("GET /teams failed with HTTP 503: {}. Gave up after 2 attempts in 0."), message
    assert "the API kept failing, and the last did not finish within 0.5 s, the limit of one call" in message


def _batches(first_page: dict):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.params))
        return httpx.Response(200, json=first_page)

    return handler, seen


async def _list(c: ApiClient):
    async with c:
        return await c.list_batches()


def test_a_listing_claiming_a_hundred_billion_batches_is_refused_after_one_page():
    handler, seen = _batches({"docs": [{"name": "b"}], "totalDocs": 100_000_000_000})
    with pytest.raises(BadResponse) as failed:
        run(_list(client(handler)))
    assert str(failed.value) == (
        "GET /batches returned a malformed response: the listing would take 1,000,000,000 pages "
        "(it counts 100,000,000,000 batches), more than the 10,000 scaleform reads"
    )
    assert seen == ["limit=100&offset=0"]


def test_a_listing_that_keeps_saying_there_is_more_stops_at_the_page_limit(monkeypatch):
    monkeypatch.setattr(typed, "MAX_PAGES", 40)
    handler, seen = _batches({"docs": [{"name": "b"}], "has_more": True})
    with pytest.raises(BadResponse, match=r"41 pages \(it kept saying there were more\), more than the 40"):
        run(_list(client(handler)))
    assert len(seen) == 40


def test_the_pages_of_a_listing_at_the_limit_are_read_by_a_few_workers_in_order():
    started = finished = most = 0

    async def read(offset: int) -> int:
        nonlocal started, finished, most
        started += 1
        most = max(most, started - finished)
        await asyncio.sleep(0)
        finished += 1
        return offset

    offsets = range(100, typed.MAX_PAGES * 100, 100)
    assert run(typed._gather(read, offsets)) == list(offsets)
    assert most == typed.PAGE_WORKERS  # never a coroutine per page up front


@pytest.mark.parametrize("status", [200, 400])
def test_an_answer_nested_too_deeply_to_parse_is_a_clear_error(status):
    deep = b"[" * 200_000 + b"]" * 200_000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=deep)

    async def go():
        async with client(handler) as c:
            return await c.list_team()

    with pytest.raises(BadResponse if status == 200 else InvalidRequest) as raised:
        run(go())
    assert status != 200 or "nests too deeply" in str(raised.value)


@pytest.mark.parametrize("status", [200, 400])
def test_a_body_compressed_twice_is_not_read(status):
    import gzip

    twice = gzip.compress(gzip.compress(b" " * (8 * MiB)))
    stream = Endless(total=len(twice), chunk=twice)
    handler, _ = serve(status, stream, {"content-encoding": "gzip, gzip"})
    with pytest.raises(BadResponse if status == 200 else InvalidRequest) as raised:
        run(_team(client(handler)))
    assert status != 200 or "compressed more than once" in str(raised.value)
    assert stream.sent == 0


@pytest.mark.parametrize(
    "first_page",
    [{"docs": 5, "has_more": True}, {"docs": "abc", "has_more": True}],
)
def test_a_listing_whose_pages_are_not_lists_is_a_clear_error(first_page):
    handler, _ = _batches(first_page)
    with pytest.raises(BadResponse, match="GET /batches returned a malformed response"):
        run(_list(client(handler)))


def test_a_listing_entry_whose_name_is_not_text_is_kept_apart_not_a_crash():
    handler, _ = _batches({"docs": [{"name": ["x"]}, {"name": {"a": 1}}, {"name": "b"}], "totalDocs": 3})
    assert run(_list(client(handler))) == [{"name": ["x"]}, {"name": {"a": 1}}, {"name": "b"}]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_an_answer_holding_a_number_json_has_not_is_refused(constant):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=f'[{{"email": "a@x.io", "n": {constant}}}]'.encode())

    with pytest.raises(BadResponse, match="the response body is not JSON"):
        run(_team(client(handler)))
