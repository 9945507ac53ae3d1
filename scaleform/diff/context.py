"""What every part of the diff shares: the two states, the result being built, the problems
found, and who cannot be assigned yet."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scaleform.address import Address
from scaleform.changes import Change, Unmanaged
from scaleform.errors import Problem
from scaleform.kinds import KINDS, SAFETY_KEYS, Action, Phase
from scaleform.model import ACTIVE_ROLES, DesiredState, LiveState


@dataclass
class Removals:
    """Removals of one kind against the live items of the declared collections (the safety
    threshold compares the two)."""

    removed: int = 0
    live: int = 0


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    deferred: list[Change] = field(default_factory=list)
    suppressed: list[Change] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # by the plan's safety key (kinds.SAFETY_KEYS)
    removals: dict[str, Removals] = field(default_factory=lambda: {key: Removals() for key in SAFETY_KEYS.values()})


def json_value(value: Any) -> Any:
    """Located YAML values -> plain JSON values (for before/after and request bodies)."""
    return json.loads(json.dumps(value))


class DiffContext:
    def __init__(self, desired: DesiredState, live: LiveState, now: datetime):
        self.desired, self.live, self.now = desired, live, now
        self.out = Diff()
        self.problems: list[Problem] = []
        self.pending: dict[str, str] = {}  # email -> why they cannot be assigned yet
        self.deferred_groups: set[tuple[str, str]] = set()  # (project, group) deferred whole

    def add(
        self,
        address: Address,
        action: Action,
        before: Any,
        after: Any,
        reason: str,
        phase: Phase | None = None,
        why: str | None = None,
        *,
        suppressed: bool = False,
    ) -> None:
        """Record a change; `phase` names its phase when its kind's depends on the change."""
        change = Change(address, action, before, after, reason, _phase(address, phase), why)
        if suppressed:
            self.out.suppressed.append(change)
        elif why is not None:
            self.out.deferred.append(change)
        else:
            self.out.changes.append(change)

    def removal(self, address: Address, before: Any, reason: str, phase: Phase | None = None) -> bool:
        """Record a removal, suppressed when prune is off; True when it will run."""
        suppressed = not self.desired.prune
        self.add(
            address,
            "delete",
            before,
            None,
            reason,
            phase,
            why="prune is off" if suppressed else None,
            suppressed=suppressed,
        )
        return not suppressed

    def person_status(self, email: str, loc: Any) -> str | None:
        """None when the person can be assigned in this apply; else why not (deferred).
        Records a problem when the email is nobody's teammate."""
        if email in self.pending:
            return self.pending[email]
        declared = email in (self.desired.team or {})
        live_member = (self.live.team or {}).get(email)
        if live_member is not None and (
            live_member.role in ACTIVE_ROLES or (live_member.role == "disabled" and declared)
        ):
            return None
        if live_member is not None and live_member.role == "disabled":
            self.problems.append(
                Problem(
                    f"{email} is a disabled teammate and cannot be assigned; declare their role "
                    "in `team` to re-enable them, or remove them here",
                    loc,
                )
            )
            return "disabled"
        if live_member is None and not declared:
            self.problems.append(
                Problem(
                    f"{email} is not a teammate (not in `team` and not on the live team); add "
                    "them to `team` so they are invited, or remove them here",
                    loc,
                )
            )
            return "not a teammate"
        return "invitation pending"


def _phase(address: Address, named: Phase | None) -> Phase:
    phase = named if named is not None else KINDS[address.kind].phase
    if phase is None:
        raise ValueError(f"a {address.kind.value} change needs its phase named")
    return phase
