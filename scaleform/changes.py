"""The `Change`: one create/update/delete on one address, and the one sort key plans use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scaleform.address import Address, Kind

# The phase in which each step runs: 1 invites and roles, 2 project creation, 3 settings, 4 batch
# creation and finalize, 5 assignment adds, 6 groups, 7 batch groups, 8 priority, 9 assignment
# removals. A new project's params and pipeline ride in its create call, so they run in phase 2.
PHASES = {
    "member": 1,
    "project": 2,
    "settings": 3,
    "batch": 4,
    "batch_status": 4,
    "labeler_add": 5,
    "group": 6,
    "group_member": 6,
    "batch_groups": 7,
    "batch_priority": 8,
    "labeler_remove": 9,
}


# What the differ can plan for each kind (among the changes apply carries out): a saved plan that
# asks for anything else was edited, and its operations would not mean what `show` says.
ACTIONS: dict[Kind, frozenset[str]] = {
    Kind.MEMBER: frozenset({"create", "update"}),
    Kind.PROJECT: frozenset({"create"}),
    Kind.PARAMS: frozenset({"create", "update"}),
    Kind.ONTOLOGY: frozenset({"create", "update"}),
    Kind.PIPELINE: frozenset({"create", "update"}),
    Kind.LABELER: frozenset({"create", "delete"}),
    Kind.GROUP: frozenset({"create"}),
    Kind.GROUP_MEMBER: frozenset({"create", "delete"}),
    Kind.BATCH: frozenset({"create"}),
    Kind.BATCH_STATUS: frozenset({"create", "update"}),
    Kind.BATCH_GROUPS: frozenset({"create", "update"}),
    Kind.BATCH_PRIORITY: frozenset({"update"}),
}


@dataclass(frozen=True)
class Change:
    address: Address
    action: str  # create | update | delete
    before: Any
    after: Any
    reason: str
    phase: int
    why: str | None = None  # for deferred/suppressed entries: why it does not run now

    @property
    def kind(self) -> Kind:
        return self.address.kind

    @property
    def waits_for_invitation(self) -> bool:
        """Deferred until someone accepts an invitation (their own, or a group's members')."""
        return (self.why or "").startswith("invitation")

    def sort_key(self) -> tuple:
        return (self.phase, self.address.text, self.action)

    def same_as_key(self) -> tuple[str, str, str]:
        """Equal for two changes that do the same to the same address (plans compared across runs:
        --base-manifests and apply --reviewed)."""
        return (self.address.text, self.action, json.dumps(self.after, sort_keys=True))

    def to_json(self) -> dict:
        out = {
            "address": self.address.text,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }
        if self.why is not None:
            out["why"] = self.why
        return out

    @classmethod
    def from_json(cls, data: dict) -> Change:
        """A change read back from a saved plan (its phase is not saved: 0)."""
        return cls(
            Address.parse(data["address"]),
            data["action"],
            data.get("before"),
            data.get("after"),
            data.get("reason", ""),
            0,
            data.get("why"),
        )


def deferred_reasons(deferred: tuple[Change, ...] | list[Change]) -> str:
    """Why deferred changes wait, in one phrase: `invitations pending`, and any other reasons."""
    return "; ".join(sorted({"invitations pending" if c.waits_for_invitation else (c.why or "") for c in deferred}))


# With --base-manifests: an unmanaged item the base branch declared (its file or entry was removed).
RELEASED = "released"


@dataclass(frozen=True)
class Unmanaged:
    address: Address
    reason: str

    def to_json(self) -> dict:
        return {"address": self.address.text, "reason": self.reason}
