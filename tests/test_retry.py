"""Retry policy: what a failure means (ambiguous, unreachable, throttled), waits, and the event."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import httpx

from scaleform.api.retry import RetryEvent, RetryPolicy, retry_after_seconds, status_failure, transport_failure


def test_retry_after_parsing():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0") == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("garbage") is None
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:05 GMT", now) == 5.0


def test_backoff_is_jittered_and_capped():
    policy = RetryPolicy(base=1.0, cap=4.0)
    rng = random.Random(1)
    waits = [policy.backoff(n, rng) for n in range(10)]
    assert all(0 <= w <= 4.0 for w in waits)
    assert len(set(waits)) == 10  # full jitter, not a fixed schedule


def test_the_floor_is_jittered_between_one_and_two_floors():
    policy = RetryPolicy(floor=0.5)
    rng = random.Random(2)
    waits = [policy.floor_delay(rng) for _ in range(200)]
    assert all(0.5 <= w <= 1.0 for w in waits) and len(set(waits)) == 200


def test_what_a_transport_failure_means():
    request = httpx.Request("POST", "http://x/v1/projects")
    refused = transport_failure(httpx.ConnectError("refused", request=request), "refused")
    assert refused.unreachable and not refused.ambiguous
    for never_sent in (httpx.ConnectTimeout, httpx.PoolTimeout):
        failure = transport_failure(never_sent("t", request=request), "t")
        assert not failure.ambiguous and not failure.unreachable
    for maybe_done in (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError):
        failure = transport_failure(maybe_done("x", request=request), "x")
        assert failure.ambiguous and failure.reason == maybe_done.__name__


def test_what_a_status_means():
    assert status_failure(503, None, "").ambiguous
    assert status_failure(500, None, "").ambiguous
    throttled = status_failure(429, "0", "slow down")
    assert throttled.throttled and not throttled.ambiguous and throttled.retry_after == 0.0
    assert not status_failure(408, None, "").ambiguous


def test_the_event_reads_as_a_progress_line():
    event = RetryEvent("GET", "/teams", 2.1, 3, 8, "HTTP 503", False)
    assert str(event) == "retrying GET /teams in 2.1 s (attempt 3 of 8): HTTP 503"
    assert (
        str(RetryEvent("GET", "/teams", 0.74, 9, None, "HTTP 429", True))
        == "retrying GET /teams in 0.7 s (attempt 9): HTTP 429"
    )
