"""operations: changes -> the fewest API calls, each in its phase, each knowing its call."""
from __future__ import annotations

from helpers import change as c
from scaleform.model import DesiredProject, DesiredState
from scaleform.operations import Call, Operation, build_operations, call_for, grouped_pairs

EMPTY = DesiredState(team=None, projects={}, batches={}, batch_priority=None)


def test_invites_and_roles_are_one_call_per_role():
    changes = [c("team.member[a@x.io]", after={"role": "labeler"}, phase=1),
               c("team.member[b@x.io]", after={"role": "labeler"}, phase=1),
               c("team.member[m@x.io]", "update", after={"role": "manager"}, phase=1),
               c("team.member[n@x.io]", "update", after={"role": "manager"}, phase=1)]
    ops = build_operations(changes, EMPTY)
    assert [(o.call, o.path, o.body) for o in ops] == [
        (Call.INVITE, "/teams/invite", {"emails": ["a@x.io", "b@x.io"], "team_role": "labeler"}),
        (Call.SET_ROLE, "/teams/set_role", {"emails": ["m@x.io", "n@x.io"], "team_role": "manager"})]


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
    changes = [c("project[p].group[new]", after={"members": ["a@x.io"]}, phase=6),
               c("project[p].group[new].member[a@x.io]", phase=6),
               c("project[p].group[old].member[b@x.io]", phase=6),
               c("project[p].group[old].member[d@x.io]", "delete", phase=6)]
    ops = build_operations(changes, EMPTY)
    assert [(o.call, o.method, o.path, o.body) for o in ops] == [
        (Call.CREATE_GROUP, "POST", "/studio/projects/p/groups", {"emails": ["a@x.io"], "name": "new"}),
        (Call.UPDATE_GROUP, "PUT", "/studio/projects/p/groups/old", {"add_emails": ["b@x.io"],
                                                                     "remove_emails": ["d@x.io"]})]
    assert [a.text for a in ops[1].realizes] == ["project[p].group[old].member[b@x.io]",
                                                 "project[p].group[old].member[d@x.io]"]


def test_new_project_params_and_pipeline_ride_in_the_create():
    d = DesiredState(team=None, projects={"p/q": DesiredProject("p/q", "imageannotation", studio=True)}, batches={},
                     batch_priority=None)
    changes = [c("project[p/q]", after={}, phase=2), c("project[p/q].params", after={"x": 1}, phase=2),
               c("project[p/q].pipeline", after={"pipeline": "standard_task"}, phase=2),
               c("project[p/q].ontology", after={"choices": ["a"]}, phase=3)]
    ops = build_operations(changes, d)
    assert [(o.phase, o.call, o.path) for o in ops] == [(2, Call.CREATE_PROJECT, "/projects"),
                                                        (3, Call.SET_ONTOLOGY, "/projects/p%2Fq/setOntology")]
    assert ops[0].body["params"] == {"x": 1} and ops[0].body["pipeline"] == "standard_task"


def test_phases_come_from_the_phase_table():
    from scaleform.changes import PHASES

    changes = [c("project[p].labeler[a@x.io]"), c("project[p].labeler[b@x.io]", "delete"),
               c("studio.batch_priority", "update", after=["b1"]), c("batch[b1].groups", "update", after=["g"])]
    phases = {o.call: o.phase for o in build_operations(changes, EMPTY)}
    assert phases == {Call.ADD_ASSIGNMENTS: PHASES["labeler_add"], Call.REMOVE_ASSIGNMENTS: PHASES["labeler_remove"],
                      Call.SET_PRIORITIES: PHASES["batch_priority"], Call.ASSIGN_BATCH_GROUPS: PHASES["batch_groups"]}


def test_a_saved_operation_knows_its_call_from_what_it_realizes():
    changes = [c("project[p]", after={}, phase=2), c("project[p].params", after={"x": 1}, phase=2),
               c("project[q].params", "update", after={"y": 1}, phase=3),
               c("team.member[a@x.io]", "update", after={"role": "member"}, phase=1),
               c("studio.batch_priority", "update", after="default", phase=8)]
    d = DesiredState(team=None, projects={"p": DesiredProject("p", "imageannotation")}, batches={},
                     batch_priority=None)
    by_address = {ch.address.text: ch for ch in changes}
    for op in build_operations(changes, d):
        again = Operation.from_json(op.to_json(), by_address)
        assert again == op
    assert call_for([changes[-1]]) is Call.RESET_PRIORITIES
