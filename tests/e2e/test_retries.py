"""Retries against a real `sandbox serve`, judged from the sandbox's own request log: Retry-After
spacing, a steady 429 stream, a rate-limited apply, an unreachable API, the retry observer."""

from __future__ import annotations

import asyncio
import socket

import pytest

from helpers import KEY, cli, make_db, request_log, served, write_manifest
from scaleform.api.client import ApiClient
from scaleform.api.errors import ServerError, TransportFailure
from scaleform.api.retry import RetryPolicy
from scaleform.errors import ScaleformError
from scaleform.manifest import load_manifests
from scaleform.planner import make_plan
from scaleform.target import Target

TEAM_AND_PROJECTS = """\
team:
  labelers: [li@acme.ai]
projects:
  street-signs: {type: imageannotation, studio: true}
"""


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
    with served(db, "--api-key-env", "SCALE_SANDBOX_KEY", env={"SCALE_SANDBOX_KEY": "test_custom_key"}) as url:
        assert httpx.get(url + "/teams", auth=("test_custom_key", "")).status_code == 200
        assert httpx.get(url + "/teams", auth=(KEY, "")).status_code == 401


STEADY_429 = {"Retry-After: 0": ("--fault-retry-after", "0"), "no Retry-After": ()}


@pytest.mark.parametrize("header", sorted(STEADY_429))
def test_a_steady_429_stream_ends_within_the_budget_with_a_clear_error(tmp_path, header):
    db = make_db(tmp_path / "s.db", "demo")
    policy = RetryPolicy(budget=3.0)
    manifests = load_manifests(write_manifest(tmp_path / "m.yaml", TEAM_AND_PROJECTS))
    with served(db, "--fault-rate", "1", "--fault-status", "429", *STEADY_429[header]) as url:
        with pytest.raises(ScaleformError) as failed:
            make_plan(manifests, Target(url, None, KEY, retry=policy))
    message = str(failed.value)
    assert "HTTP 429" in message and "kept rate-limiting" in message and "Traceback" not in message
    log = request_log(db)
    assert all(r["status"] == 429 for r in log)
    seen: set[tuple[str, str]] = set()
    retries = []
    for r in log:
        if (r["method"], r["path"]) in seen:
            retries.append(r)
        seen.add((r["method"], r["path"]))
    assert retries, "the client gave up without retrying"
    # A retry starts no sooner than the floor after the latest 429 the server had answered.
    for r in retries:
        latest_429 = max(x["ended"] for x in log if x["ended"] < r["started"])
        assert r["started"] - latest_429 >= policy.floor, (r, latest_429)
    span = log[-1]["started"] - log[0]["started"]
    assert len(log) <= 10 * span


def test_a_rate_limited_apply_converges_and_few_answers_are_429(tmp_path):
    db = make_db(tmp_path / "s.db", "empty")
    text = "projects:\n" + "".join(
        f"  p{i:03}:\n    type: imageannotation\n    studio: true\n"
        f"    params: {{instruction: label {i}}}\n    ontology: {{choices: [a, b{i}]}}\n"
        for i in range(60)
    )
    m = write_manifest(tmp_path / "m" / "projects.yaml", text)
    env = {"SCALE_API_KEY": KEY}
    with served(db, "--rate-limit", "20") as url:
        applied = cli("apply", str(m.parent), "--api-url", url, "--auto-approve", env=env)
        assert applied.exit_code == 0, applied.output
        again = cli("plan", str(m.parent), "--api-url", url, env=env)
    assert again.exit_code == 0 and "No changes." in again.output
    log = request_log(db)
    limited = sum(1 for r in log if r["status"] == 429)
    assert limited > 0, "the rate limit never triggered"
    # The first answers in flight when the limit is reached are 429 (up to --parallelism of them);
    # after that the client paces itself under the limit.
    assert limited / len(log) <= 0.10, (limited, len(log))


def closed_port() -> socket.socket:
    """A bound loopback socket that does not listen: connecting to it is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.mark.parametrize("url", ["refused", "https://nonexistent.invalid/v1"])
def test_an_unreachable_api_fails_after_one_quick_second_try(url):
    with closed_port() as sock:
        if url == "refused":
            url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        events = []
        with pytest.raises(TransportFailure) as failed:
            asyncio.run(_raising(ApiClient(url, KEY, on_retry=events.append)))
    assert "ConnectError after 2 attempts" in str(failed.value) and "reachable?" in str(failed.value)
    assert [(e.attempt, e.max_attempts, e.reason) for e in events] == [(2, 2, "ConnectError")]
    assert events[0].delay == RetryPolicy().connect_pause  # no exponential backoff


async def _raising(client: ApiClient) -> None:
    async with client:
        await client.list_team()


def test_plan_against_a_refused_port_is_a_clear_error(tmp_path):
    m = write_manifest(tmp_path / "m.yaml", TEAM_AND_PROJECTS)
    with closed_port() as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        result = cli("plan", str(m), "--api-url", url, env={"SCALE_API_KEY": KEY})
    assert result.exit_code == 1
    assert "ConnectError after 2 attempts" in result.stderr and f"is {url} reachable?" in result.stderr
    assert "Traceback" not in result.stderr


def test_retries_are_announced_to_the_observer(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    events = []
    with served(db, "--fault-rate", "1", "--fault-on", "GET /v1/teams") as url:

        async def go():
            async with ApiClient(url, KEY, retry=RetryPolicy(attempts=3, base=0.01), on_retry=events.append) as c:
                await c.list_team()

        with pytest.raises(ServerError):
            asyncio.run(go())
    assert [(e.method, e.path, e.attempt, e.max_attempts, e.reason) for e in events] == [
        ("GET", "/teams", 2, 3, "HTTP 503"),
        ("GET", "/teams", 3, 3, "HTTP 503"),
    ]
    assert str(events[0]).startswith("retrying GET /teams in 0.0 s (attempt 2 of 3): HTTP 503")
    assert not any(e.throttled for e in events)
    assert len(request_log(db)) == 3
