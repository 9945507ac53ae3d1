"""An asynchronous Scale API client over httpx.

Basic auth (key as username, empty password), bounded concurrency, explicit timeouts, retries
of transient failures (connect errors, timeouts, 408, 429, 5xx) for every method — PUTs too, as
they are idempotent here — and typed errors. The key is never logged or put in a message.
"""
from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any, Callable

import httpx

from scaleform import __version__
from scaleform.api import endpoints as ep
from scaleform.api.errors import BadResponse, TransportFailure, error_for
from scaleform.api.retry import RETRY_STATUSES, RetryPolicy, retry_after_seconds
from scaleform.api.slots import Slots
from scaleform.secrets import redact, register_secret

try:
    import sniffio  # noqa: F401
except ImportError:
    # httpcore runs `import sniffio` for every connection lock it sets up. Without the package,
    # each failed import searches all of sys.path again: about 1,300 misses in a 300-project
    # refresh (0.3 s under cProfile). A None entry makes the miss instant; httpcore then assumes
    # asyncio, which is what we run.
    sys.modules["sniffio"] = None  # type: ignore[assignment]


class ApiClient:
    def __init__(self, base_url: str, api_key: str, *, transport: httpx.AsyncBaseTransport | None = None,
                 parallelism: int = 8, timeout: float = 30.0, retry: RetryPolicy | None = None,
                 log: Callable[[str], None] | None = None, seed: int | None = None):
        register_secret(api_key)
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, auth=httpx.BasicAuth(api_key, ""), transport=transport,
            # Plain http (the local sandbox; target.py refuses it elsewhere) never uses TLS: skip
            # loading the CA bundle, 20 to 40 ms of every run.
            verify=not self.base_url.startswith("http://"),
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=parallelism, max_keepalive_connections=parallelism),
            headers={"Content-Type": "application/json", "User-Agent": f"scaleform/{__version__} Python/{sys.version.split()[0]}"},
        )
        self._slots = Slots(parallelism)
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(seed)
        self._log = log
        self.calls = 0  # requests actually sent, retries included
        self._gate = 0.0  # monotonic time before which no request is sent (Retry-After)

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r})"

    async def __aenter__(self) -> "ApiClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, body: Any = None, params: dict | None = None,
                      parse: bool = True, urgent: bool = False) -> Any:
        """Send one call, retrying transient failures; returns the parsed JSON body.

        The concurrency slot is held through backoff so retries never add load beyond
        `parallelism`, and a Retry-After pauses every request of this client (the limit is the
        account's, not the request's). An `urgent` call takes the next free slot before calls
        already waiting (see slots.py)."""
        await self._slots.acquire(urgent)
        try:
            return await self._send(method, path, body, params, parse)
        finally:
            self._slots.release()

    async def _send(self, method: str, path: str, body: Any, params: dict | None, parse: bool = True) -> Any:
        waited = 0.0
        attempt = 0
        content = json.dumps(body).encode() if body else None
        while True:
            attempt += 1
            gate = self._gate - time.monotonic()
            if gate > 0:
                await asyncio.sleep(gate)
            started = time.monotonic()
            try:
                self.calls += 1
                response = await self._http.request(method, path, content=content, params=params)
            except httpx.TransportError as exc:
                failure: Exception = exc
                status = 0
                delay = None
            else:
                status = response.status_code
                self._trace(method, path, status, started)
                if status == 200:
                    if not parse:  # the caller only needs to know it succeeded
                        return None
                    try:
                        return response.json()
                    except ValueError:
                        raise BadResponse(method, path, 200, "the response body is not JSON") from None
                if status not in RETRY_STATUSES:
                    raise error_for(method, path, status, _detail(response))
                failure = error_for(method, path, status, _detail(response))
                delay = retry_after_seconds(response.headers.get("retry-after"))
                if delay is not None:
                    delay = min(delay, self.retry.cap * 3)
                    self._gate = max(self._gate, time.monotonic() + delay)
                    if status == 429:
                        attempt -= 1  # the server said when to come back; the time budget bounds this
            if attempt >= self.retry.attempts or waited >= self.retry.budget:
                break
            if delay is None:
                delay = self.retry.backoff(attempt - 1, self._rng)
            delay = min(delay, self.retry.budget - waited)
            self._trace(method, path, status, started, f"retrying in {delay:.2f}s")
            await asyncio.sleep(delay)
            waited += delay
        if isinstance(failure, httpx.TransportError):
            kind = type(failure).__name__
            raise TransportFailure(method, path, 0, f"{kind} after {attempt} attempts: {redact(str(failure)) or kind}; "
                                   f"is {self.base_url} reachable?") from None
        raise failure

    def _trace(self, method: str, path: str, status: int, started: float, extra: str = "") -> None:
        if self._log:
            took = time.monotonic() - started
            self._log(redact(f"{method} {path} -> {status or 'no response'} ({took:.3f}s){' ' + extra if extra else ''}"))

    async def call(self, call: ep.Call, urgent: bool = False) -> Any:
        method, path, body = call
        return await self.request(method, path, body, urgent=urgent)

    async def _typed(self, call: ep.Call, kind: type, urgent: bool = False) -> Any:
        """Send `call` and check the body is the JSON object/array the endpoint returns."""
        return _expect(await self.call(call, urgent), kind, call[0], call[1])

    # -- typed methods (scale-api.md §5) --------------------------------------------------------
    async def list_team(self) -> list[dict]:
        return await self._typed(ep.list_team(), list, urgent=True)

    async def invite(self, emails: list[str], role: str) -> list[dict]:
        return await self._typed(ep.invite(emails, role), list)

    async def set_role(self, emails: list[str], role: str) -> list[dict]:
        return await self._typed(ep.set_role(emails, role), list)

    async def assignments(self) -> dict[str, list[str]]:
        return await self._typed(ep.list_assignments(), dict, urgent=True)

    async def assign(self, emails: list[str], projects: list[str]) -> dict[str, list[str]]:
        return await self._typed(ep.add_assignments(emails, projects), dict)

    async def unassign(self, emails: list[str], projects: list[str]) -> dict[str, list[str]]:
        return await self._typed(ep.remove_assignments(emails, projects), dict)

    async def list_groups(self, project: str) -> list[dict]:
        return await self._typed(ep.list_groups(project), list)

    async def create_group(self, project: str, name: str, emails: list[str]) -> dict:
        return await self._typed(ep.create_group(project, name, emails), dict)

    async def update_group(self, project: str, name: str, add: list[str], remove: list[str]) -> dict:
        return await self._typed(ep.update_group(project, name, add, remove), dict)

    async def studio_batches(self) -> list[dict]:
        return await self._typed(ep.list_studio_batches(), list, urgent=True)

    async def assign_studio_batch(self, batch: str, groups: list[str]) -> dict:
        return await self._typed(ep.assign_studio_batch(batch, groups), dict)

    async def set_priorities(self, batches: list[str]) -> list[dict]:
        return await self._typed(ep.set_priorities(batches), list)

    async def reset_priorities(self) -> list[dict]:
        return await self._typed(ep.reset_priorities(), list)

    async def list_projects(self) -> list[dict]:
        return await self._typed(ep.list_projects(), list, urgent=True)

    async def get_project(self, name: str) -> dict:
        return await self._typed(ep.get_project(name), dict)

    async def create_project(self, name: str, ptype: str, **kw: Any) -> dict:
        return await self._typed(ep.create_project(name, ptype, **kw), dict)

    async def set_params(self, name: str, params: dict) -> dict:
        return await self._typed(ep.set_params(name, params), dict)

    async def set_ontology(self, name: str, choices: list, label: str | None = None) -> dict:
        return await self._typed(ep.set_ontology(name, choices, label), dict)

    async def update_pipeline(self, name: str, pipeline: dict) -> dict:
        return await self._typed(ep.update_pipeline(name, pipeline), dict)

    async def create_batch(self, project: str, name: str, **kw: Any) -> dict:
        return await self._typed(ep.create_batch(project, name, **kw), dict)

    async def get_batch(self, name: str) -> dict:
        return await self._typed(ep.get_batch(name), dict)

    async def finalize_batch(self, name: str) -> dict:
        return await self._typed(ep.finalize_batch(name), dict)

    async def batch_status(self, name: str) -> dict:
        return await self._typed(ep.batch_status(name), dict)

    async def list_batches(self, page_size: int = 100, **filters: Any) -> list[dict]:
        """All pages of GET /batches (limit/offset), following `has_more`."""
        out: list[dict] = []
        offset = 0
        while True:
            params = {k: v for k, v in filters.items() if v is not None}
            params.update(limit=page_size, offset=offset)
            page = _expect(await self.request("GET", "/batches", params=params), dict, "GET", "/batches")
            docs = _expect(page.get("docs"), list, "GET", "/batches")
            out.extend(docs)
            if not page.get("has_more") or not docs:
                return out
            offset += int(page.get("limit") or len(docs))


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return redact(text[:300]) or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return redact(body["error"][:500])
    return redact(json.dumps(body)[:300])


def _expect(value: Any, kind: type, method: str, path: str) -> Any:
    if not isinstance(value, kind):
        raise BadResponse(method, path, 200,
                          f"expected a JSON {'object' if kind is dict else 'array'}, got {type(value).__name__}")
    return value
