"""Plan -> API calls. Runs the operations phase by phase (concurrently inside a phase, bounded by
--parallelism), reads a create back when its outcome is unknown, and reports applied / failed / not attempted.

Before any write: the removal threshold and, for saved plans, the target and
staleness checks. A non-retryable failure stops later phases; calls already in flight finish.
Ctrl-C does the same: no new call starts, in-flight calls complete, the report is printed.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from scaleform.address import Kind
from scaleform.api.endpoints import Differs
from scaleform.api.errors import Conflict
from scaleform.changes import Change
from scaleform.errors import ScaleformError
from scaleform.event_loop import run_coroutine
from scaleform.fingerprints import fingerprints, moved
from scaleform.kinds import SAFETY_KEYS
from scaleform.listing import first_few
from scaleform.model import LiveState
from scaleform.operations import Call, Operation
from scaleform.plan import Plan
from scaleform.redaction import in_a_run
from scaleform.refresh import refresh
from scaleform.reviewed import ReviewedCount
from scaleform.safety import check_safety as check_safety  # `as`: re-exported, apply's public name
from scaleform.safety import safety_problems as safety_problems  # likewise
from scaleform.target import Target

if TYPE_CHECKING:
    from scaleform.api.protocol import Client


# What became of one operation; the report's JSON and text use these words as they are.
Status = Literal["applied", "failed", "not attempted"]


@dataclass
class OpResult:
    operation: Operation
    status: Status
    seconds: float = 0.0
    message: str = ""


@dataclass
class ApplyReport:
    results: list[OpResult] = field(default_factory=list)
    interrupted: bool = False
    signal: int = 0  # the signal that interrupted the run (SIGINT, SIGTERM), 0 when none did
    reviewed: ReviewedCount | None = None  # apply --reviewed: how the reviewed changes ended up
    deferred: tuple[Change, ...] = ()  # what the plan could not run yet (it runs on a later apply)
    target: dict[str, Any] = field(default_factory=dict)

    def by_status(self, status: Status) -> list[OpResult]:
        return [r for r in self.results if r.status == status]

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(r.status == "applied" for r in self.results)


def _check_target(plan: Plan, target: Target) -> None:
    if plan.target.get("api_url") != target.api_url:
        raise ScaleformError(
            f"the plan was made for {plan.target.get('api_url')}, not {target.api_url}; "
            "apply it against the same API URL, or make a new plan"
        )
    if plan.target.get("environment") != target.environment and target.environment is not None:
        raise ScaleformError(
            f"the plan was made for environment '{plan.target.get('environment')}', not '{target.environment}'"
        )


async def _check_fresh(client: Client, plan: Plan) -> LiveState:
    # The saved scope, not the manifests: apply --plan never needs (or loads) them.
    live, _ = await refresh(client, plan.scope)
    changed = moved(plan.fingerprints, fingerprints(live, plan.scope))
    if changed:
        raise ScaleformError(
            f"plan is stale: {first_few(changed, 10)} changed since the plan was made. Run `scaleform plan` again"
        )
    return live


def saved_safety(plan: Plan, live: LiveState) -> dict[str, dict[str, int]]:
    """The removal counts of a saved plan, from its changes and the account as re-read, not from
    the file: an edited `safety` can neither hide removals nor claim more live items than exist.
    The recorded live count (the declared collections) is kept when it is the smaller."""
    removed = Counter(SAFETY_KEYS[c.kind] for c in plan.changes if c.action == "delete" and c.kind in SAFETY_KEYS)
    totals = {
        SAFETY_KEYS[Kind.LABELER]: sum(len(p) for p in (live.assignments or {}).values()),
        SAFETY_KEYS[Kind.GROUP_MEMBER]: sum(len(g.members) for groups in live.groups.values() for g in groups.values()),
    }
    out: dict[str, dict[str, int]] = {}
    for key, count in removed.items():
        recorded = (plan.safety.get(key) or {}).get("live")
        total = totals[key]
        out[key] = {"remove": count, "live": min(recorded, total) if isinstance(recorded, int) else total}
    return out


class _Executor:
    def __init__(self, client: Client, parallelism: int, on_result: Callable[[OpResult], None] | None):
        self.client = client
        self.slots = asyncio.Semaphore(parallelism)
        self.on_result = on_result
        self.stop = asyncio.Event()
        self.signal = 0

    def interrupt(self, signum: int) -> None:
        """A signal: no new call starts; the calls in flight finish and are reported."""
        self.signal = self.signal or signum
        self.stop.set()

    async def run_op(self, op: Operation) -> OpResult:
        async with self.slots:
            if self.stop.is_set():
                return OpResult(op, "not attempted")
            started = time.monotonic()
            try:
                await self.send(op)
                result = OpResult(op, "applied", time.monotonic() - started)
            except ScaleformError as exc:
                result = OpResult(op, "failed", time.monotonic() - started, str(exc))
        if self.on_result:
            self.on_result(result)
        return result

    async def send(self, op: Operation) -> None:
        request = op.request()  # a create is read back before it is ever sent twice
        try:
            await self.client.call(request, parse=False)
        except Conflict:
            # A 409 on a create usually means an earlier attempt took and its response was lost:
            # done when the live object matches everything we asked for, failed otherwise.
            verdict = await self.client.verify(request)
            if isinstance(verdict, Differs):
                raise ScaleformError(
                    f"{op.realizes[0].text} already exists with other {' and '.join(verdict.fields)}; "
                    "someone else made it. Run `scaleform plan` again to see what differs"
                ) from None
            if not verdict:
                raise

    async def run(self, plan: Plan) -> ApplyReport:
        report = ApplyReport(deferred=plan.deferred, target=plan.target)
        phases = sorted({op.phase for op in plan.operations})
        remaining = list(plan.operations)
        failed = False
        for phase in phases:
            ops = [op for op in remaining if op.phase == phase]
            remaining = [op for op in remaining if op.phase != phase]
            # Phase 4: a batch's finalize waits for its own create.
            waves = [
                [op for op in ops if op.call is not Call.FINALIZE_BATCH],
                [op for op in ops if op.call is Call.FINALIZE_BATCH],
            ]
            for wave in waves:
                if failed or self.stop.is_set():
                    report.results += [OpResult(op, "not attempted") for op in wave]
                    continue
                results = await asyncio.gather(*(self.run_op(op) for op in wave))
                report.results += results
                failed = failed or any(r.status == "failed" for r in results)
        report.interrupted = self.stop.is_set()
        report.signal = self.signal
        return report


async def apply_async(
    plan: Plan, target: Target, on_result: Callable[[OpResult], None] | None = None, stop: asyncio.Event | None = None
) -> ApplyReport:
    async with target.client() as client:
        return await execute_on(client, plan, target, on_result, stop)


async def execute_on(
    client: Client,
    plan: Plan,
    target: Target,
    on_result: Callable[[OpResult], None] | None,
    stop: asyncio.Event | None = None,
) -> ApplyReport:
    """Run the plan's operations through an open client (the target's, or a rehearsal twin's)."""
    executor = _Executor(client, target.parallelism, on_result)
    if stop is not None:
        executor.stop = stop
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGTERM is what a CI timeout sends
        try:
            loop.add_signal_handler(signum, executor.interrupt, signum)
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        return await executor.run(plan)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


@in_a_run
def apply_plan(
    plan: Plan, target: Target, *, force: bool = False, on_result: Callable[[OpResult], None] | None = None
) -> ApplyReport:
    """Carry out `plan` against `target`. Refuses (ScaleformError) when the removal threshold is
    crossed and `force` is false."""
    check_safety(plan, force=force)
    return run_coroutine(apply_async(plan, target, on_result))


@in_a_run
def apply_saved_plan(
    plan: Plan,
    target: Target,
    *,
    force: bool = False,
    on_result: Callable[[OpResult], None] | None = None,
    checked: Callable[[], None] | None = None,
) -> ApplyReport:
    """Apply a saved plan: refuse another account, re-read what the plan read and refuse when
    anything moved (ScaleformError naming it), then run `checked` (the CLI shows the plan there;
    it may raise) and carry the plan out. The re-read and the writes share one client, so the
    connections (and TLS sessions) opened for the check carry the writes."""
    _check_target(plan, target)

    async def run() -> ApplyReport:
        async with target.client() as client:
            live = await _check_fresh(client, plan)
            if checked:
                checked()
            if not plan.operations:
                return ApplyReport(deferred=plan.deferred, target=plan.target)
            check_safety(replace(plan, safety=saved_safety(plan, live)), force=force)
            return await execute_on(client, plan, target, on_result)

    return run_coroutine(run())
