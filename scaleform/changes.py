"""The `Change`: one create/update/delete on one address, and the one sort key plans use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The phase in which a change of each kind runs (DESIGN §5). A project's params and pipeline
# ride in the create call (phase 2) when the project is new.
PHASES = {"member": 1, "project": 2, "settings": 3, "batch": 4, "batch_status": 4, "labeler_add": 5,
          "group": 6, "group_member": 6, "batch_groups": 7, "batch_priority": 8, "labeler_remove": 9}


@dataclass(frozen=True)
class Change:
    address: str
    action: str  # create | update | delete
    before: Any
    after: Any
    reason: str
    kind: str  # member, project, params, ontology, pipeline, labeler, group, group_member, batch, ...
    phase: int
    why: str | None = None  # for deferred/suppressed entries: why it does not run now

    def sort_key(self) -> tuple:
        return (self.phase, self.address, self.action)

    def to_json(self) -> dict:
        out = {"address": self.address, "action": self.action, "before": self.before, "after": self.after,
               "reason": self.reason}
        if self.why is not None:
            out["why"] = self.why
        return out


@dataclass(frozen=True)
class Unmanaged:
    address: str
    reason: str

    def to_json(self) -> dict:
        return {"address": self.address, "reason": self.reason}


def member_address(email: str) -> str:
    return f"team.member[{email}]"


def project_address(project: str, facet: str = "") -> str:
    return f"project[{project}]{facet}"


def labeler_address(project: str, email: str) -> str:
    return f"project[{project}].labeler[{email}]"


def group_address(project: str, group: str) -> str:
    return f"project[{project}].group[{group}]"


def group_member_address(project: str, group: str, email: str) -> str:
    return f"project[{project}].group[{group}].member[{email}]"


def batch_address(batch: str, facet: str = "") -> str:
    return f"batch[{batch}]{facet}"


PRIORITY_ADDRESS = "studio.batch_priority"
