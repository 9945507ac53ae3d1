"""Rehearse a plan: copy the target account into a throwaway in-memory twin, carry the plan's
operations out there with the same apply code and phases, then plan again against the twin.

The result (`Rehearsal`) says whether the calls applied cleanly and whether the account would
then match the manifests, or names the first call the twin refused. It is only as good as the
sandbox's fidelity to the real API. Heavy modules (the sandbox, httpx) load inside `rehearse`,
so a plain `plan` does not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from scaleform.changes import deferred_reasons
from scaleform.errors import ScaleformError
from scaleform.rehearsal_record import INTERRUPTED, Rehearsal, RehearsalFailure

if TYPE_CHECKING:  # the plan and apply layers import what they need inside the functions
    from scaleform.apply import ApplyReport
    from scaleform.manifest import Manifests
    from scaleform.plan import Plan
    from scaleform.sandbox.faults import FaultConfig
    from scaleform.sandbox.store import Store
    from scaleform.target import Target

__all__ = ["INTERRUPTED", "Rehearsal", "RehearsalFailure", "rehearse", "require_clean"]

# The twin's own key: the live key never reaches the twin's app or its store.
TWIN_KEY = "scaleform-rehearsal-twin"


def _deferred_why(plan: Plan) -> str:
    return deferred_reasons(plan.deferred)


def _failure(plan: Plan, report: ApplyReport) -> Rehearsal:
    """The first failed call in plan order (calls in one phase run together; several may fail)."""
    failed = [r for r in report.results if r.status == "failed"]
    first = min(failed, key=lambda r: plan.operations.index(r.operation)) if failed else None
    record = INTERRUPTED  # unless a call failed before the interruption
    if first is not None:
        op = first.operation
        record = RehearsalFailure(op.phase, op.method, op.path, tuple(a.text for a in op.realizes), first.message)
    return Rehearsal(
        len(plan.operations), len(report.by_status("applied")), record, len(report.by_status("not attempted"))
    )


def _twin_target(store: Store, target: Target, faults: FaultConfig | None) -> Target:
    """`target`, pointed at the twin: its own key and an in-process transport, same parallelism."""
    import httpx

    from scaleform.sandbox.app import SandboxApp
    from scaleform.sandbox.connect import SANDBOX_URL

    app = SandboxApp(store, api_key=TWIN_KEY, faults=faults)
    return replace(
        target,
        api_url=SANDBOX_URL,
        api_key=TWIN_KEY,
        base_url=None,
        transport=httpx.ASGITransport(app=app),
        on_retry=None,
    )


async def rehearse_async(
    plan: Plan,
    manifests: Manifests,
    target: Target,
    address_prefixes: Iterable[str] = (),
    twin_path: str = ":memory:",
    faults: FaultConfig | None = None,
) -> Rehearsal:
    """Rehearse `plan` (made from `manifests` for `target`) on a twin at `twin_path`. `faults`: what
    the twin injects (a test making it refuse a call); None, a faithful twin."""
    from scaleform.apply import execute_on
    from scaleform.planner import plan_on_client
    from scaleform.sandbox.twin import build_twin

    async with target.client() as client:
        store, _ = await build_twin(client, twin_path)
    try:
        async with _twin_target(store, target, faults).client() as twin:
            report = await execute_on(twin, plan, target, None)
            if not report.ok:
                return _failure(plan, report)
            again = await plan_on_client(twin, manifests, target, tuple(address_prefixes), None, None)
    finally:
        store.db.close()
    return Rehearsal(
        len(plan.operations),
        len(plan.operations),
        None,
        0,
        tuple(c.address.text for c in again.changes),
        len(again.deferred),
        _deferred_why(again),
    )


def rehearse(
    plan: Plan,
    manifests: Manifests,
    target: Target,
    address_prefixes: Iterable[str] = (),
    twin_path: str = ":memory:",
    faults: FaultConfig | None = None,
) -> Plan:
    """`plan` with its rehearsal attached (`faults` as for `rehearse_async`)."""
    from scaleform.event_loop import run_coroutine

    result = run_coroutine(rehearse_async(plan, manifests, target, address_prefixes, twin_path, faults))
    return replace(plan, rehearsal=result)


def require_clean(plan: Plan) -> None:
    """Refuse (ScaleformError) to touch the real account unless the plan's rehearsal was clean."""
    r = plan.rehearsal
    if r is None or not r.clean:
        why = r.line() if r is not None else "the plan was not rehearsed"
        raise ScaleformError(
            f"refusing to apply: {why}. Nothing was written to {plan.target.get('api_url')}. "
            "Fix the manifests (or the account), then run `scaleform plan --rehearse` again"
        )
