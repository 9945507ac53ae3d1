"""The kinds of managed item, one entry each: its address form, the actions the differ plans for
it, the phase its changes run in, the call that carries out each action, and how plans and
reports name it. Adding a kind is an entry here, its request in api/endpoints.py and its diff
(see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum
from types import MappingProxyType
from typing import Literal

Action = Literal["create", "update", "delete"]


class Kind(str, Enum):
    """The kinds of managed item, in the order plans list them by section."""

    MEMBER = "member"
    PROJECT = "project"
    PARAMS = "params"
    ONTOLOGY = "ontology"
    PIPELINE = "pipeline"
    LABELER = "labeler"
    GROUP = "group"
    GROUP_MEMBER = "group_member"
    BATCH = "batch"
    BATCH_STATUS = "batch_status"
    BATCH_GROUPS = "batch_groups"
    BATCH_PRIORITY = "batch_priority"


class Call(str, Enum):
    """Which endpoint an operation calls: what apply and the report branch on."""

    INVITE = "invite"
    SET_ROLE = "set_role"
    CREATE_PROJECT = "create_project"
    SET_PARAMS = "set_params"
    SET_ONTOLOGY = "set_ontology"
    UPDATE_PIPELINE = "update_pipeline"
    CREATE_BATCH = "create_batch"
    FINALIZE_BATCH = "finalize_batch"
    ADD_ASSIGNMENTS = "add_assignments"
    REMOVE_ASSIGNMENTS = "remove_assignments"
    CREATE_GROUP = "create_group"
    UPDATE_GROUP = "update_group"
    ASSIGN_BATCH_GROUPS = "assign_batch_groups"
    SET_PRIORITIES = "set_priorities"
    RESET_PRIORITIES = "reset_priorities"


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
    address: str  # its text form; {project}, {group}, {batch}, {email} stand for the names
    title: str  # the plan's section heading
    calls: Mapping[Action, Call]  # the actions the differ plans for it, and the call of each
    phase: Phase | None  # None: it depends on the change, and the differ names it
    plural: str | None = None  # what an apply report line calls several of them

    @property
    def actions(self) -> frozenset[Action]:
        return frozenset(self.calls)


def _calls(**calls: Call) -> Mapping[Action, Call]:
    return MappingProxyType(calls)  # type: ignore[arg-type]  # keys are the Action literals


_PROJECT = "project[{project}]"
_BATCH = "batch[{batch}]"

KINDS: Mapping[Kind, KindInfo] = MappingProxyType(
    {
        Kind.MEMBER: KindInfo(
            "team.member[{email}]",
            "Team",
            _calls(create=Call.INVITE, update=Call.SET_ROLE),
            Phase.INVITES_AND_ROLES,
            "teammates",
        ),
        Kind.PROJECT: KindInfo(_PROJECT, "Projects", _calls(create=Call.CREATE_PROJECT), Phase.PROJECT_CREATION),
        Kind.PARAMS: KindInfo(
            _PROJECT + ".params", "Project params", _calls(create=Call.CREATE_PROJECT, update=Call.SET_PARAMS), None
        ),
        Kind.ONTOLOGY: KindInfo(
            _PROJECT + ".ontology", "Ontologies", _calls(create=Call.SET_ONTOLOGY, update=Call.SET_ONTOLOGY), None
        ),
        Kind.PIPELINE: KindInfo(
            _PROJECT + ".pipeline", "Pipelines", _calls(create=Call.CREATE_PROJECT, update=Call.UPDATE_PIPELINE), None
        ),
        Kind.LABELER: KindInfo(
            _PROJECT + ".labeler[{email}]",
            "Labeler assignments",
            _calls(create=Call.ADD_ASSIGNMENTS, delete=Call.REMOVE_ASSIGNMENTS),
            None,
            "project assignments",
        ),
        Kind.GROUP: KindInfo(
            _PROJECT + ".group[{group}]", "Groups", _calls(create=Call.CREATE_GROUP), Phase.GROUPS, "groups"
        ),
        Kind.GROUP_MEMBER: KindInfo(
            _PROJECT + ".group[{group}].member[{email}]",
            "Group members",
            _calls(create=Call.UPDATE_GROUP, delete=Call.UPDATE_GROUP),
            Phase.GROUPS,
            "group members",
        ),
        Kind.BATCH: KindInfo(_BATCH, "Batches", _calls(create=Call.CREATE_BATCH), Phase.BATCHES, "batches"),
        Kind.BATCH_STATUS: KindInfo(
            _BATCH + ".status",
            "Batch status",
            _calls(create=Call.FINALIZE_BATCH, update=Call.FINALIZE_BATCH),
            Phase.BATCHES,
        ),
        Kind.BATCH_GROUPS: KindInfo(
            _BATCH + ".groups",
            "Batch groups",
            _calls(create=Call.ASSIGN_BATCH_GROUPS, update=Call.ASSIGN_BATCH_GROUPS),
            Phase.BATCH_GROUPS,
            "batch group lists",
        ),
        # update: SET_PRIORITIES, or RESET_PRIORITIES when the order asked for is "default"
        Kind.BATCH_PRIORITY: KindInfo(
            "studio.batch_priority", "Batch priority", _calls(update=Call.SET_PRIORITIES), Phase.PRIORITY
        ),
    }
)

# The removals the removal threshold counts, by the key a plan's `safety` records them under.
# The keys are the plan format's: "member" counts group memberships.
SAFETY_KEYS: Mapping[Kind, str] = MappingProxyType({Kind.LABELER: "labeler", Kind.GROUP_MEMBER: "member"})

# The phase each call runs in: an operation's phase is its call's.
CALL_PHASE: Mapping[Call, Phase] = MappingProxyType(
    {
        Call.INVITE: Phase.INVITES_AND_ROLES,
        Call.SET_ROLE: Phase.INVITES_AND_ROLES,
        Call.CREATE_PROJECT: Phase.PROJECT_CREATION,
        Call.SET_PARAMS: Phase.SETTINGS,
        Call.SET_ONTOLOGY: Phase.SETTINGS,
        Call.UPDATE_PIPELINE: Phase.SETTINGS,
        Call.CREATE_BATCH: Phase.BATCHES,
        Call.FINALIZE_BATCH: Phase.BATCHES,
        Call.ADD_ASSIGNMENTS: Phase.ASSIGNMENT_ADDS,
        Call.CREATE_GROUP: Phase.GROUPS,
        Call.UPDATE_GROUP: Phase.GROUPS,
        Call.ASSIGN_BATCH_GROUPS: Phase.BATCH_GROUPS,
        Call.SET_PRIORITIES: Phase.PRIORITY,
        Call.RESET_PRIORITIES: Phase.PRIORITY,
        Call.REMOVE_ASSIGNMENTS: Phase.ASSIGNMENT_REMOVALS,
    }
)
