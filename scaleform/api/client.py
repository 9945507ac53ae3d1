"""An asynchronous Scale API client over httpx.

Basic auth (key as username, empty password), bounded concurrency, explicit timeouts, typed
errors, and retries of transient failures for every method (policy in retry.py). The key is
never logged or put in a message.

Throttling: a 429 slows the whole client down (pacing.py), and every 429 counts against the
request's wall-clock budget, so a client never hammers an API that keeps refusing it.

Bounds: a call, every attempt and body included, ends within that budget, and a body is read only
up to `max_body` (bodies.py): whatever the API sends, it cannot hold a call or memory longer.

Ambiguous writes: when a create's outcome is unknown (a read timeout, a reset connection, a
5xx), the client reads the object back through the call's `Check` before sending the create
again, and stops there if it took. Other writes replace state and are simply resent.

Progress hook: pass `on_retry=callback` (`Target.client` forwards keyword arguments). Each time
a retry is scheduled, before the wait, the callback receives a `RetryEvent` (retry.py) on the
event loop: `method`, `path`, `delay` (seconds until the attempt may start, pacing included),
`attempt` (the number of the attempt about to be made), `max_attempts` (None for a 429, which
only the time budget bounds), `reason` ("HTTP 503", "ReadTimeout", ...) and `throttled`. `str()`
of it reads `retrying METHOD PATH in DELAY s (attempt N of MAX): REASON`. The client's `throttled`
property says the same as the event's field at any moment (a 429 within the last few seconds),
for a progress line that redraws between retries. The callback must be quick and must not raise.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from scaleform import __version__
from scaleform.api import endpoints as ep
from scaleform.api import sniffio_miss
from scaleform.api.bodies import MAX_RESPONSE_BYTES, detail, read_body, read_prefix
from scaleform.api.deadline import deadline
from scaleform.api.errors import BadResponse, Conflict, NotFound, error_for
from scaleform.api.pacing import Pacer
from scaleform.api.request_url import request_url
from scaleform.api.retry import (
    RETRY_STATUSES,
    Failure,
    RetryEvent,
    RetryPolicy,
    Tally,
    give_up,
    overdue,
    status_failure,
    transport_failure,
)
from scaleform.api.slots import Slots
from scaleform.api.typed import TypedCalls
from scaleform.redaction import redact, register_secret


def _non_finite(name: str) -> float:
    # NaN and Infinity are not JSON: one in live params would reach plan files and manifests.
    raise ValueError(f"the body holds {name}, which is not a JSON number")


class ApiClient(TypedCalls):
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        parallelism: int = 8,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        log: Callable[[str], None] | None = None,
        seed: int | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        max_body: int = MAX_RESPONSE_BYTES,
    ):
        register_secret(api_key)
        sniffio_miss.hold()
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=httpx.BasicAuth(api_key, ""),
            transport=transport,
            # Plain http (the local sandbox; target.py refuses it elsewhere) never uses TLS: skip
            # loading a CA bundle it would not use.
            verify=not self.base_url.startswith("http://"),
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=parallelism, max_keepalive_connections=parallelism),
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"scaleform/{__version__} Python/{sys.version.split()[0]}",
            },
        )
        self._slots = Slots(parallelism)
        self._pacer = Pacer()
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(seed)
        self._log = log
        self._on_retry = on_retry
        self.max_body = max_body  # bytes of one success body; more is refused (bodies.py)
        self.calls = 0  # requests actually sent, retries and checks included

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r})"

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        if not self._http.is_closed:
            sniffio_miss.release()
        await self._http.aclose()

    @property
    def throttled(self) -> bool:
        """Whether the API is rate-limiting this client (a 429 within the last few seconds)."""
        return self._pacer.throttled

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        *,
        parse: bool = True,
        urgent: bool = False,
    ) -> Any:
        """Send one call, retrying transient failures; returns the parsed JSON body (None when
        `parse` is false). A bare request carries no `Check`: prefer `call` for creates."""
        return await self.call(ep.Request(method, path, body), urgent=urgent, parse=parse, params=params)

    async def call(
        self, request: ep.Request, *, urgent: bool = False, parse: bool = True, params: dict[str, Any] | None = None
    ) -> Any:
        """Send `request` as `request()` does; a create is read back before it is sent again.

        The concurrency slot is held through backoff so retries never add load beyond
        `parallelism`. An `urgent` call takes the next free slot before calls already waiting."""
        await self._slots.acquire(urgent=urgent)
        try:
            return await self._send(request, params, parse=parse)
        finally:
            self._slots.release()

    async def verify(self, request: ep.Request) -> bool | ep.Differs:
        """After a 409 on a create: True when the object is live and matches `request` (a follow-up a
        partial match needs, such as a group's missing members, is sent first); `Differs` naming
        what is live otherwise; False when it is absent, or when `request` is not a create."""
        if request.check is None:
            return False
        await self._slots.acquire()
        try:
            outcome = await self._settle(request.check)
            if isinstance(outcome, ep.Request):
                await self._send(outcome, None, parse=False)
            if isinstance(outcome, ep.Differs):
                return outcome
            return outcome is not None
        finally:
            self._slots.release()

    async def _send(self, call: ep.Request, params: dict[str, Any] | None, *, parse: bool) -> Any:
        """`_retrying` within the budget: every attempt, body and wait included, so an answer that
        trickles in (httpx's timeouts are per read) cannot hold a call past it."""
        tally = Tally(time.monotonic())
        try:
            async with deadline(self.retry.budget):
                return await self._retrying(call, params, tally, parse=parse)
        except TimeoutError:
            raise overdue(tally, self.retry.budget, self.base_url) from None

    async def _retrying(self, call: ep.Request, params: dict[str, Any] | None, tally: Tally, *, parse: bool) -> Any:
        first = tally.first
        counted = refused = 0
        unsure = False  # an earlier attempt of this create may have taken
        while True:
            tally.attempt(call.method, call.path)
            try:
                failure, value = await self._attempt(call, params, parse=parse)
            except Conflict:
                if not (unsure and call.check):
                    raise
                value = await self._settle(call.check)  # the create took after all?
                if value is None or isinstance(value, ep.Differs):
                    raise
                failure = None
            if failure is None:
                if isinstance(value, ep.Done):
                    return value.result if parse else None
                if not isinstance(value, ep.Request):
                    return value
                call, tally.failure = value, None  # a follow-up that completes the object
                continue
            tally.failure = failure
            counted += not failure.throttled
            refused = refused + 1 if failure.unreachable else 0
            delay = self._delay(failure, counted)
            wait = max(delay, self._pacer.eta())
            limit = self.retry.connect_attempts if failure.unreachable else self.retry.attempts
            tried = refused if failure.unreachable else counted
            if tried >= limit or time.monotonic() + wait - first > self.retry.budget:
                raise give_up(call.method, call.path, failure, tally.tries, time.monotonic() - first, self.base_url)
            self._announce(call, failure, wait, tally.tries + 1, None if failure.throttled else limit)
            await asyncio.sleep(delay)
            if failure.ambiguous and call.check:
                unsure = True
                outcome = await self._settle(call.check)
                if isinstance(outcome, ep.Done):
                    return outcome.result if parse else None
                if isinstance(outcome, ep.Request):
                    call = outcome

    async def _attempt(
        self, call: ep.Request, params: dict[str, Any] | None, *, parse: bool
    ) -> tuple[Failure | None, Any]:
        """One send: (None, body) on success, (failure, None) when it may be retried; raises
        for an answer that retrying cannot change."""
        url = request_url(self.base_url, call.method, call.path)
        await self._pacer.wait()
        sent = time.monotonic()
        self.calls += 1
        content = json.dumps(call.body).encode() if call.body else None
        try:
            response, body = await self._exchange(
                call, self._http.build_request(call.method, url, content=content, params=params)
            )
        except httpx.TransportError as exc:
            self._trace(call, 0, sent)
            return transport_failure(exc, redact(str(exc)) or type(exc).__name__), None
        status = response.status_code
        self._trace(call, status, sent)
        if status == 200:
            self._pacer.served()
            if not parse:  # the caller only needs to know it succeeded
                return None, None
            try:
                return None, json.loads(body, parse_constant=_non_finite)
            except ValueError:
                raise BadResponse(call.method, call.path, 200, "the response body is not JSON") from None
            except RecursionError:
                raise BadResponse(call.method, call.path, 200, "the response body nests too deeply") from None
        if status not in RETRY_STATUSES:
            raise error_for(call.method, call.path, status, detail(response, body))
        failure = status_failure(status, response.headers.get("retry-after"), detail(response, body))
        told = min(failure.retry_after or 0.0, self.retry.cap * 3)
        if failure.throttled:
            self._pacer.throttle(max(told, self.retry.floor_delay(self._rng)), sent)
        elif told:
            self._pacer.pause(told)  # the wait is the account's, not this request's
        return failure, None

    async def _exchange(self, call: ep.Request, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """Send `request` and read its body as it streams in: a success body up to `max_body`, an
        error body only as far as its message needs."""
        response = await self._http.send(request, stream=True)
        try:
            if response.status_code == 200:
                return response, await read_body(response, call.method, call.path, self.max_body)
            return response, await read_prefix(response)
        finally:
            await response.aclose()

    def _delay(self, failure: Failure, counted: int) -> float:
        """Seconds this request sleeps before its next attempt; the pacer's gate (a 429, a
        Retry-After) holds every request and is waited for on top."""
        if failure.throttled or failure.retry_after is not None:
            return 0.0
        if failure.unreachable:
            return self.retry.connect_pause
        return self.retry.backoff(counted - 1, self._rng)

    async def _settle(self, check: ep.Check) -> ep.Done | ep.Request | ep.Differs | None:
        try:
            live = await self._send(check.read, None, parse=True)
        except NotFound:
            return None
        return check.settle(live)

    def _announce(self, call: ep.Request, failure: Failure, wait: float, attempt: int, limit: int | None) -> None:
        event = RetryEvent(call.method, call.path, wait, attempt, limit, failure.reason, self._pacer.throttled)
        if self._log:
            self._log(redact(str(event)))
        if self._on_retry:
            self._on_retry(event)

    def _trace(self, call: ep.Request, status: int, started: float) -> None:
        if self._log:
            took = time.monotonic() - started
            self._log(redact(f"{call.method} {call.path} -> {status or 'no response'} ({took:.3f}s)"))
