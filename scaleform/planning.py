"""make_plan: manifests + target -> Plan (refresh, diff, plan). The public entry point for plans.

`plan_while_loading` does the same from manifests still on disk, starting reads as files parse.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Iterable

from scaleform.diff import diff
from scaleform.event_loop import run_coroutine
from scaleform.manifest import ManifestLoad, Manifests
from scaleform.plan import Plan, build_plan, filter_target
from scaleform.prefetch import Prefetch
from scaleform.refresh import refresh, scope_for
from scaleform.target import Target


# Turns of the event loop given to the reads after each parsed file. A response needs about three
# to be read and the next request sent (the data arrives, the waiting task resumes, the slot it
# frees wakes the next task). With one turn, reads ran at two thirds of their pace during the load:
# 49 of 304 reads were done when a 300-file load ended, against 74 with three (28 ms less wall;
# five turns did no better).
_TURNS_PER_FILE = 3


def target_json(target: Target) -> dict:
    return {"api_url": target.api_url, "environment": target.environment}


async def make_plan_async(manifests: Manifests, target: Target, targets: Iterable[str] = (),
                          progress: Callable[[int, int], None] | None = None,
                          timings: dict[str, float] | None = None) -> Plan:
    """`timings`, when given, receives wall seconds of the refresh and CPU seconds of diff and plan."""
    async with target.client() as client:
        return await _plan_with(client, manifests, target, targets, progress, timings)


async def _plan_with(client: Any, manifests: Manifests, target: Target, targets: Iterable[str],
                     progress: Callable[[int, int], None] | None, timings: dict[str, float] | None,
                     prefetch: Prefetch | None = None) -> Plan:
    desired = manifests.desired
    started = time.monotonic()
    live, scope = await refresh(client, scope_for(desired), desired, progress, prefetch)
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


def plan_while_loading(load: ManifestLoad, resolve: Callable[[Manifests], Target], early: Target | None,
                       targets: Iterable[str] = (), progress: Callable[[int, int], None] | None = None,
                       timings: dict[str, float] | None = None,
                       loaded: Callable[[Manifests], None] | None = None) -> tuple[Manifests, Target, Plan]:
    """Load the manifests and plan them, reading from `early` while files still parse.

    `early` is the target as known before the manifests (None: do not read early); `resolve` gives
    the final one. When they differ, the early reads are dropped and the plan reads afresh, so an
    early read can never reach into a plan made for another account. A load error is raised as
    it would be without the early reads (which are cancelled)."""
    return run_coroutine(_plan_while_loading(load, resolve, early, targets, progress, timings, loaded))


async def _plan_while_loading(load: ManifestLoad, resolve: Callable[[Manifests], Target], early: Target | None,
                              targets: Iterable[str], progress: Callable[[int, int], None] | None,
                              timings: dict[str, float] | None,
                              loaded: Callable[[Manifests], None] | None) -> tuple[Manifests, Target, Plan]:
    def finished(manifests: Manifests) -> tuple[Manifests, Target]:
        if loaded:
            loaded(manifests)
        return manifests, resolve(manifests)

    if early is None:
        manifests, target = finished(load.complete())
        return manifests, target, await make_plan_async(manifests, target, targets, progress, timings)
    async with early.client() as client:
        prefetch = Prefetch(client)
        try:
            for doc, plain in load.read():
                if plain:
                    prefetch.see(doc)
                for _ in range(_TURNS_PER_FILE):  # one file parsed: let responses in and the next requests out
                    await asyncio.sleep(0)
            manifests, target = finished(load.finish())
            if target != early:
                prefetch.discard()
                return manifests, target, await make_plan_async(manifests, target, targets, progress, timings)
            return manifests, target, await _plan_with(client, manifests, target, targets, progress, timings, prefetch)
        finally:
            prefetch.discard()
