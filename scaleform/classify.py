"""`plan --base-manifests`: mark each change `introduced` (by this change set) or `drift` (the
account already differed from the base branch's manifests in the same way)."""

from __future__ import annotations

from scaleform.changes import RELEASED
from scaleform.manifest import Manifests
from scaleform.plan import Plan
from scaleform.planner import declared_addresses, make_plan
from scaleform.target import Target


def classify_against(plan: Plan, base: Plan) -> dict[str, str]:
    known = {c.same_as_key() for c in (*base.changes, *base.deferred, *base.suppressed)}
    return {
        c.address.text: ("drift" if c.same_as_key() in known else "introduced")
        for c in (*plan.changes, *plan.deferred, *plan.suppressed)
    }


def all_introduced(plan: Plan) -> dict[str, str]:
    """Against a base without manifests (the change that adds them), everything is introduced."""
    return {c.address.text: "introduced" for c in (*plan.changes, *plan.deferred, *plan.suppressed)}


def classify(plan: Plan, base_manifests: Manifests, target: Target) -> dict[str, str]:
    """Changes marked introduced or drift; live items the base managed and this change set no
    longer declares (a removed file) marked `released`: they stay live, untouched."""
    marks = classify_against(plan, make_plan(base_manifests, target))
    before = declared_addresses(base_manifests.desired)
    marks.update({u.address.text: RELEASED for u in plan.unmanaged if u.address.text in before})
    return marks
