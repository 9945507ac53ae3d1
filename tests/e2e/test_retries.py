"""Retries against a real `sandbox serve`: Retry-After spacing from the sandbox's own log, and a
burst through rate limits and injected faults."""
from __future__ import annotations

import asyncio

from helpers import KEY, make_db, request_log, served
from scaleform.api.client import ApiClient
from scaleform.api.retry import RetryPolicy


def test_retry_after_is_honoured(tmp_path):
    db = make_db(tmp_path / "rl.db", "demo")
    with served(db, "--rate-limit", "1") as url:
        async def go():
            async with ApiClient(url, KEY, parallelism=1, retry=RetryPolicy(attempts=5, base=0.01)) as c:
                for _ in range(3):
                    await c.list_team()
        asyncio.run(go())
    log = request_log(db)
    limited = [r for r in log if r["status"] == 429]
    assert limited, "the rate limit never triggered"
    for r in limited:
        after = next(x for x in log if x["id"] > r["id"])
        # The sandbox sends Retry-After: 1; the client's own backoff would be <= 0.01 s.
        assert after["started"] - r["ended"] >= 0.9, (r, after)


def test_burst_of_200_through_rate_limit_and_faults(tmp_path):
    db = make_db(tmp_path / "burst.db", "demo")
    with served(db, "--rate-limit", "20", "--fault-rate", "0.2", "--seed", "7") as url:
        async def go():
            async with ApiClient(url, KEY, parallelism=8, retry=RetryPolicy(attempts=12, base=0.05, cap=2.0)) as c:
                results = await asyncio.gather(*(c.list_team() for _ in range(200)))
                return results, c.calls
        results, calls = asyncio.run(go())
    assert len(results) == 200 and all(any(m["role"] == "admin" for m in r) for r in results)
    log = request_log(db)
    assert sum(1 for r in log if r["status"] == 200) == 200
    assert any(r["status"] == 503 for r in log) and any(r["status"] == 429 for r in log)
    assert calls == len(log)


def test_serve_accepts_only_its_api_key(tmp_path):
    import httpx

    db = make_db(tmp_path / "k.db", "demo")
    with served(db, "--api-key", "test_custom_key") as url:
        assert httpx.get(url + "/teams", auth=("test_custom_key", "")).status_code == 200
        assert httpx.get(url + "/teams", auth=(KEY, "")).status_code == 401
