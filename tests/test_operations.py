"""operations: changes -> the fewest API calls, each in its phase, each knowing its call."""

from __future__ import annotations

from helpers import change as c
from scaleform.model import DesiredState
from scaleform.operations import Call, build_operations, call_for, grouped_pairs

EMPTY = DesiredState(team=None, projects={}, batches={}, batch_priority=None)


def test_invites_and_roles_are_one_call_per_role():
    changes = [
        c("team.member[a@x.io]", after={"role": "labeler"}, phase=1),
        c("team.member[b@x.io]", after={"role": "labeler"}, phase=1),
        c("team.member[m@x.io]", "update", after={"role": "manager"}, phase=1),
        c("team.member[n@x.io]", "update", after={"role": "manager"}, phase=1),
    ]
    ops = build_operations(changes)
    assert [(o.call, o.path, o.body) for o in ops] == [
        (Call.INVITE, "/teams/invite", {"emails": ["a@x.io", "b@x.io"], "team_role": "labeler"}),
        (Call.SET_ROLE, "/teams/set_role", {"emails": ["m@x.io", "n@x.io"], "team_role": "manager"}),
    ]


def test_assignment_grouping_picks_the_smaller_side():
    # 5 people, each on both projects: by project set -> 1 call.
    pairs = {(f"u{i}", p): f"{p}:{i}" for i in range(5) for p in ("a", "b")}
    assert [(e, p) for e, p, _ in grouped_pairs(pairs)] == [([f"u{i}" for i in range(5)], ["a", "b"])]
    # 3 projects each with the same 2 people, plus 1 more person on one project.
    pairs = {(e, p): f"{p}:{e}" for e in ("x", "y") for p in ("p1", "p2", "p3")}
    pairs[("z", "p1")] = "p1:z"
    calls = grouped_pairs(pairs)
    assert len(calls) == 2 and {a for _, _, addrs in calls for a in addrs} == set(pairs.values())


def test_group_create_carries_its_members_and_member_changes_share_one_put():
    changes = [
        c("project[p].group[new]", after={"members": ["a@x.io"]}, phase=6),
        c("project[p].group[new].member[a@x.io]", phase=6),
        c("project[p].group[old].member[b@x.io]", phase=6),
        c("project[p].group[old].member[d@x.io]", "delete", phase=6),
    ]
    ops = build_operations(changes)
    assert [(o.call, o.method, o.path, o.body) for o in ops] == [
        (Call.CREATE_GROUP, "POST", "/studio/projects/p/groups", {"emails": ["a@x.io"], "name": "new"}),
        (
            Call.UPDATE_GROUP,
            "PUT",
            "/studio/projects/p/groups/old",
            {"add_emails": ["b@x.io"], "remove_emails": ["d@x.io"]},
        ),
    ]
    assert [a.text for a in ops[1].realizes] == [
        "project[p].group[old].member[b@x.io]",
        "project[p].group[old].member[d@x.io]",
    ]


def test_new_project_params_and_pipeline_ride_in_the_create():
    changes = [
        c("project[p/q]", after={"type": "imageannotation", "studio": True, "rapid": False}, phase=2),
        c("project[p/q].params", after={"x": 1}, phase=2),
        c("project[p/q].pipeline", after={"pipeline": "standard_task"}, phase=2),
        c("project[p/q].ontology", after={"choices": ["a"]}, phase=3),
    ]
    ops = build_operations(changes)
    assert [(o.phase, o.call, o.path) for o in ops] == [
        (2, Call.CREATE_PROJECT, "/projects"),
        (3, Call.SET_ONTOLOGY, "/projects/p%2Fq/setOntology"),
    ]
    assert ops[0].body["params"] == {"x": 1} and ops[0].body["pipeline"] == "standard_task"
    assert (ops[0].body["type"], ops[0].body["studio"], ops[0].body["rapid"]) == ("imageannotation", True, False)


def test_phases_come_from_the_phase_table():
    from scaleform.kinds import Phase

    changes = [
        c("project[p].labeler[a@x.io]"),
        c("project[p].labeler[b@x.io]", "delete"),
        c("studio.batch_priority", "update", after=["b1"]),
        c("batch[b1].groups", "update", after=["g"]),
    ]
    phases = {o.call: o.phase for o in build_operations(changes)}
    assert phases == {  # the numbers are the execution order every plan and user relies on
        Call.ADD_ASSIGNMENTS: Phase.ASSIGNMENT_ADDS,
        Call.REMOVE_ASSIGNMENTS: Phase.ASSIGNMENT_REMOVALS,
        Call.SET_PRIORITIES: Phase.PRIORITY,
        Call.ASSIGN_BATCH_GROUPS: Phase.BATCH_GROUPS,
    }


def test_operations_follow_from_the_changes_alone():
    changes = [
        c("project[p]", after={"type": "imageannotation", "studio": False, "rapid": True}, phase=2),
        c("project[p].params", after={"x": 1}, phase=2),
        c("batch[b]", after={"project": "p", "calibration_batch": True, "self_label_batch": False}, phase=4),
        c("studio.batch_priority", "update", after="default", phase=8),
    ]
    ops = build_operations(changes)
    assert [(o.call, o.body) for o in ops] == [
        (
            Call.CREATE_PROJECT,
            {"type": "imageannotation", "name": "p", "params": {"x": 1}, "rapid": True, "studio": False},
        ),
        (
            Call.CREATE_BATCH,
            {
                "project": "p",
                "name": "b",
                "calibration_batch": True,
                "self_label_batch": False,
                "callback": "",
                "metadata": {},
            },
        ),
        (Call.RESET_PRIORITIES, None),
    ]
    assert call_for([changes[-1]]) is Call.RESET_PRIORITIES


def test_a_kind_in_the_per_change_table_makes_one_call_per_change():
    # What a new kind of that sort declares in endpoints.PER_CHANGE, with nothing in operations.py.
    from scaleform.api.endpoints import PER_CHANGE
    from scaleform.kinds import Kind

    assert set(PER_CHANGE) == {Kind.ONTOLOGY, Kind.BATCH, Kind.BATCH_STATUS, Kind.BATCH_GROUPS}
    changes = [
        c("batch[a].status", "update", after="finalized"),
        c("batch[b].status", "update", after="finalized"),
        c("batch[a].groups", "update", after=["g"]),
        c("project[p].ontology", "update", after={"choices": ["car"], "name": "v2"}),
    ]
    ops = build_operations(changes)
    assert [(o.call, o.method, o.path, o.body, [a.text for a in o.realizes]) for o in ops] == [
        (
            Call.SET_ONTOLOGY,
            "POST",
            "/projects/p/setOntology",
            {"ontology": ["car"], "name": "v2"},
            ["project[p].ontology"],
        ),
        (Call.FINALIZE_BATCH, "POST", "/batches/a/finalize", None, ["batch[a].status"]),
        (Call.FINALIZE_BATCH, "POST", "/batches/b/finalize", None, ["batch[b].status"]),
        (Call.ASSIGN_BATCH_GROUPS, "PUT", "/studio/batches/a", {"groups": ["g"]}, ["batch[a].groups"]),
    ]
