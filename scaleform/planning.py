"""make_plan: manifests + target -> Plan (refresh, diff, plan). The public entry point for plans."""
from __future__ import annotations

import time
from typing import Callable, Iterable

from scaleform.diff import diff
from scaleform.event_loop import run_coroutine
from scaleform.manifest import Manifests
from scaleform.plan import Plan, build_plan, filter_target, fingerprints
from scaleform.refresh import RefreshScope, refresh, scope_for
from scaleform.target import Target


def target_json(target: Target) -> dict:
    return {"api_url": target.api_url, "environment": target.environment}


async def make_plan_async(manifests: Manifests, target: Target, targets: Iterable[str] = (),
                          progress: Callable[[int, int], None] | None = None,
                          timings: dict[str, float] | None = None) -> Plan:
    """`timings`, when given, receives wall seconds of the refresh and CPU seconds of diff and plan."""
    desired = manifests.desired
    started = time.monotonic()
    async with target.client() as client:
        live, scope = await refresh(client, scope_for(desired), desired, progress)
    cpu = time.process_time()
    changes = diff(desired, live)
    cpu_diff = time.process_time()
    plan = filter_target(build_plan(desired, live, changes, scope, target_json(target), manifests.digest), targets, desired)
    if timings is not None:
        timings.update(refresh_wall=time.monotonic() - started, diff_cpu=cpu_diff - cpu,
                       plan_cpu=time.process_time() - cpu_diff)
    return plan


def make_plan(manifests: Manifests, target: Target, targets: Iterable[str] = (),
              progress: Callable[[int, int], None] | None = None, timings: dict[str, float] | None = None) -> Plan:
    """Read the live account for `target` and plan the changes the manifests ask for."""
    return run_coroutine(make_plan_async(manifests, target, targets, progress, timings))


async def current_fingerprints(client, scope: RefreshScope) -> dict[str, str]:
    live, _ = await refresh(client, scope)
    return fingerprints(live, scope)
