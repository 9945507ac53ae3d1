"""Retry policy: what a failed attempt means, how long to wait, and when to give up.

Every call, its attempts, their bodies and the waits between them, ends within `budget`.
Backoff is exponential with full jitter under a cap. A 429 is bounded by the wall-clock budget
rather than by the attempt count, and a 429 that names no wait (no Retry-After, or 0) waits a
jittered floor so a throttling API is never hammered. A connection that cannot be opened at
all (refused, no such host) is given one quick second try, then reported.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

from scaleform.api.errors import ApiError, TransportFailure, error_for

RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8  # total tries, the first included; a 429 is bounded by `budget` instead
    base: float = 0.5  # seconds; retry n waits a uniform draw below min(cap, base * 2**n)
    cap: float = 20.0
    budget: float = 120.0  # wall-clock seconds one call may take, its attempts, bodies and waits included
    floor: float = 0.5  # a 429 waits at least U(floor, 2 * floor), whatever its Retry-After says
    connect_attempts: int = 2  # tries when no connection can be opened (refused, DNS)
    connect_pause: float = 0.25  # seconds before that second try

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * (2**attempt)))

    def floor_delay(self, rng: random.Random) -> float:
        return rng.uniform(self.floor, 2 * self.floor)


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as the retry loop sees it."""

    reason: str  # "HTTP 503", "ReadTimeout", "ConnectError"
    detail: str  # the API's error text, or the transport's message
    status: int = 0  # 0 when no HTTP response arrived
    retry_after: float | None = None
    ambiguous: bool = False  # the request may have been carried out (its response was lost)
    unreachable: bool = False  # no connection could be opened: nothing was sent

    @property
    def throttled(self) -> bool:
        return self.status == 429


def transport_failure(exc: httpx.TransportError, detail: str) -> Failure:
    kind = type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return Failure(kind, detail, unreachable=True)
    # A connect or pool timeout never sent the request; a read or write timeout, or a reset
    # connection, may have lost the response of a request the server carried out.
    sent = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
    return Failure(kind, detail, ambiguous=sent)


def status_failure(status: int, retry_after: str | None, detail: str) -> Failure:
    # 408 and 429 say the request was not processed; any 5xx may come after the work was done.
    return Failure(f"HTTP {status}", detail, status, retry_after_seconds(retry_after), ambiguous=status >= 500)


@dataclass
class Tally:
    """How far one call got, for the message when its budget runs out in the middle of an attempt."""

    first: float  # time.monotonic() when the call started
    method: str = ""
    path: str = ""  # of the request being sent (a follow-up that completes an object replaces the first)
    tries: int = 0
    failure: Failure | None = None  # the last attempt that failed

    def attempt(self, method: str, path: str) -> None:
        self.method, self.path, self.tries = method, path, self.tries + 1


def give_up(method: str, path: str, failure: Failure, tries: int, spent: float, url: str, also: str = "") -> ApiError:
    """The error after the last attempt: the last failure, how long it took, and `also` (why it stopped)."""
    if failure.status:
        why = "the API kept rate-limiting" if failure.throttled else "the API kept failing"
        why += f", and {also}" if also else ""
        return error_for(
            method,
            path,
            failure.status,
            failure.detail,
            f"Gave up after {tries} attempts in {spent:.1f} s: {why}; try again later",
        )
    also = f" ({also})" if also else ""
    return TransportFailure(
        method, path, 0, f"{failure.reason} after {tries} attempts{also}: {failure.detail}; is {url} reachable?"
    )


def overdue(tally: Tally, budget: float, url: str) -> ApiError:
    """The error for a call its budget cut short: the failures that led there, or the answer that
    never came whole."""
    limit = f"{budget:g} s, the limit of one call, retries included"
    if tally.failure is not None:
        spent = time.monotonic() - tally.first
        return give_up(
            tally.method, tally.path, tally.failure, tally.tries, spent, url, f"the last did not finish within {limit}"
        )
    return TransportFailure(
        tally.method, tally.path, 0, f"did not finish within {limit}: the answer never came whole; is {url} responding?"
    )


@dataclass(frozen=True)
class RetryEvent:
    """Emitted each time the client schedules a retry, before it waits `delay` seconds."""

    method: str
    path: str
    delay: float
    attempt: int  # the number of the attempt about to be made
    max_attempts: int | None  # None when only the time budget bounds it (a 429)
    reason: str  # "HTTP 503", "HTTP 429", "ReadTimeout", ...
    throttled: bool  # the client is slowing down because the API answers 429

    def __str__(self) -> str:
        of = f" of {self.max_attempts}" if self.max_attempts else ""
        return f"retrying {self.method} {self.path} in {self.delay:.1f} s (attempt {self.attempt}{of}): {self.reason}"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: integer seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
