"""(desired, live) -> changes, for every managed kind: team, projects and their settings,
labelers, groups and members, batches, batch priority.

The result is plain data (`Diff`); which API calls realize it is decided in operations.py.
Problems that make a plan impossible (an immutable type change, an unknown teammate, the admin
declared under another role) are collected with their manifest locations and raised together.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scaleform.changes import Change
from scaleform.diff.batches import diff_batches, diff_priority
from scaleform.diff.context import Diff, DiffContext, Removals
from scaleform.diff.projects import diff_projects
from scaleform.diff.team import diff_team
from scaleform.errors import ScaleformError
from scaleform.model import DesiredState, LiveState

__all__ = ["Diff", "Removals", "diff"]


def diff(desired: DesiredState, live: LiveState, now: datetime | None = None) -> Diff:
    context = DiffContext(desired, live, now or datetime.now(timezone.utc))
    diff_team(context)
    diff_projects(context)
    created = diff_batches(context)
    diff_priority(context, created)
    if context.problems:
        raise ScaleformError(list(dict.fromkeys(context.problems)))
    out = context.out
    out.warnings.extend(live.unaddressable)
    for items in (out.changes, out.deferred, out.suppressed):
        items.sort(key=Change.sort_key)
    out.unmanaged.sort(key=lambda u: u.address.text)
    return out
