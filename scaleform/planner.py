"""Manifests + target -> Plan (refresh, diff, plan). The public entry points for plans:

- `make_plan`: from manifests already loaded;
- `load_and_plan`: from manifests still on disk, starting reads while the files parse.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from scaleform.address import BatchAddress, GroupAddress, LabelerAddress, MemberAddress, PriorityAddress, ProjectAddress
from scaleform.diff import diff
from scaleform.event_loop import run_coroutine
from scaleform.manifest import ManifestLoad, Manifests
from scaleform.model import DesiredState
from scaleform.plan import Plan, build_plan
from scaleform.prefetch import Prefetch
from scaleform.redaction import in_a_run
from scaleform.refresh import Progress, refresh
from scaleform.target import Target

if TYPE_CHECKING:
    from scaleform.api.protocol import Client

# Loop turns given to the reads after each parsed file: a response needs about three (it arrives,
# its task resumes, the freed slot wakes the next request). docs/performance.md has the numbers.
_TURNS_PER_FILE = 3


def target_json(target: Target) -> dict[str, str | None]:
    return {"api_url": target.api_url, "environment": target.environment}


async def make_plan_async(
    manifests: Manifests,
    target: Target,
    address_prefixes: Iterable[str] = (),
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Plan:
    """`timings`, when given, receives wall seconds of the refresh and CPU seconds of diff and plan."""
    async with target.client() as client:
        return await plan_on_client(client, manifests, target, address_prefixes, progress, timings)


async def plan_on_client(
    client: Client,
    manifests: Manifests,
    target: Target,
    address_prefixes: Iterable[str],
    progress: Progress | None,
    timings: dict[str, float] | None,
    prefetch: Prefetch | None = None,
) -> Plan:
    """Plan through an open client; the plan records `target` as the account it is for."""
    desired = manifests.desired
    started = time.monotonic()
    live, scope = await refresh(client, desired, progress, prefetch)
    cpu = time.process_time()
    changes = diff(desired, live)
    cpu_diff = time.process_time()
    plan = build_plan(
        live, changes, scope, target_json(target), manifests.digest, address_prefixes, declared_addresses(desired)
    )
    if timings is not None:
        timings.update(
            refresh_wall=time.monotonic() - started, diff_cpu=cpu_diff - cpu, plan_cpu=time.process_time() - cpu_diff
        )
    return plan


def declared_addresses(desired: DesiredState) -> set[str]:
    """The addresses of what the manifests declare, for --target to match against."""
    out = {ProjectAddress(n).text for n in desired.projects} | {BatchAddress(n).text for n in desired.batches}
    out |= {MemberAddress(e).text for e in desired.team or {}}
    for project in desired.projects.values():
        out |= {GroupAddress(project.name, g).text for g in project.groups or {}}
        out |= {LabelerAddress(project.name, e).text for e in project.labelers or ()}
    if desired.batch_priority is not None:
        out.add(PriorityAddress().text)
    return out


@in_a_run
def make_plan(
    manifests: Manifests,
    target: Target,
    address_prefixes: Iterable[str] = (),
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Plan:
    """Read the live account for `target` and plan the changes the manifests ask for;
    `address_prefixes` keeps only the changes under those addresses (--target)."""
    return run_coroutine(make_plan_async(manifests, target, address_prefixes, progress, timings))


def load_and_plan(
    load: ManifestLoad,
    resolve_target: Callable[[Manifests], Target],
    early_target: Target | None,
    address_prefixes: Iterable[str] = (),
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Manifests, Target, Plan]:
    """Load the manifests and plan them, reading from `early_target` while files still parse.

    `early_target` is the target as known before the manifests (None: do not read early);
    `resolve_target` gives the final one. When they differ, the early reads are dropped and the
    plan reads afresh, so an early read can never reach into a plan made for another account. A
    load error is raised as it would be without the early reads (which are cancelled)."""
    return run_coroutine(_load_and_plan(load, resolve_target, early_target, tuple(address_prefixes), progress, timings))


async def _load_and_plan(
    load: ManifestLoad,
    resolve_target: Callable[[Manifests], Target],
    early_target: Target | None,
    address_prefixes: tuple[str, ...],
    progress: Progress | None,
    timings: dict[str, float] | None,
) -> tuple[Manifests, Target, Plan]:
    if early_target is None:
        manifests = load.complete()
        target = resolve_target(manifests)
        return manifests, target, await make_plan_async(manifests, target, address_prefixes, progress, timings)
    async with early_target.client() as client:
        prefetch = Prefetch(client)
        try:
            for document, plain in load.read():
                if plain:
                    prefetch.see(document)
                for _ in range(_TURNS_PER_FILE):  # one file parsed: let responses in and the next requests out
                    await asyncio.sleep(0)
            manifests = load.finish()
            target = resolve_target(manifests)
            if target != early_target:
                prefetch.discard()
                return manifests, target, await make_plan_async(manifests, target, address_prefixes, progress, timings)
            plan = await plan_on_client(client, manifests, target, address_prefixes, progress, timings, prefetch)
            return manifests, target, plan
        finally:
            prefetch.discard()
