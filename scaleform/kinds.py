"""What scaleform knows about each kind of managed item, in one table: the phase its changes run
in, the actions the differ plans for it, and how plans and reports name it. A kind's address form
is `address.py`'s; its API call is `operations.py`'s."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from scaleform.address import Kind

Action = Literal["create", "update", "delete"]


class Phase(IntEnum):
    """When a change runs. Phases run in order; the calls of one phase run concurrently."""

    UNRECORDED = 0  # a change read back from a saved plan, which does not save phases
    INVITES_AND_ROLES = 1
    PROJECT_CREATION = 2  # a new project's params and pipeline ride in its create call
    SETTINGS = 3  # params, ontology, pipeline of existing projects
    BATCHES = 4  # batch creation and finalize
    ASSIGNMENT_ADDS = 5
    GROUPS = 6
    BATCH_GROUPS = 7
    PRIORITY = 8
    ASSIGNMENT_REMOVALS = 9  # last: nobody loses access before their new groups exist


@dataclass(frozen=True)
class KindInfo:
    title: str  # the plan's section heading
    actions: frozenset[Action]  # what the differ plans for it; a saved plan asking more was edited
    phase: Phase | None  # None: it depends on the change, and the differ names it
    plural: str | None = None  # what an apply report line calls several of them


def _actions(*names: Action) -> frozenset[Action]:
    return frozenset(names)


KINDS: dict[Kind, KindInfo] = {
    Kind.MEMBER: KindInfo("Team", _actions("create", "update"), Phase.INVITES_AND_ROLES, "teammates"),
    Kind.PROJECT: KindInfo("Projects", _actions("create"), Phase.PROJECT_CREATION),
    Kind.PARAMS: KindInfo("Project params", _actions("create", "update"), None),
    Kind.ONTOLOGY: KindInfo("Ontologies", _actions("create", "update"), None),
    Kind.PIPELINE: KindInfo("Pipelines", _actions("create", "update"), None),
    Kind.LABELER: KindInfo("Labeler assignments", _actions("create", "delete"), None, "project assignments"),
    Kind.GROUP: KindInfo("Groups", _actions("create"), Phase.GROUPS, "groups"),
    Kind.GROUP_MEMBER: KindInfo("Group members", _actions("create", "delete"), Phase.GROUPS, "group members"),
    Kind.BATCH: KindInfo("Batches", _actions("create"), Phase.BATCHES, "batches"),
    Kind.BATCH_STATUS: KindInfo("Batch status", _actions("create", "update"), Phase.BATCHES),
    Kind.BATCH_GROUPS: KindInfo("Batch groups", _actions("create", "update"), Phase.BATCH_GROUPS, "batch group lists"),
    Kind.BATCH_PRIORITY: KindInfo("Batch priority", _actions("update"), Phase.PRIORITY),
}
