"""plan: batching into the fewest calls, ordering, JSON round trip, fingerprints."""
from __future__ import annotations

import json

import jsonschema

from scaleform.changes import Change
from scaleform.manifest.schema import load_schema
from scaleform.model import DesiredProject, DesiredState, LiveMember, LiveState
from scaleform import plan as plan_module
from scaleform.diff import diff
from scaleform.plan import Plan, _grouped_pairs, build_operations, build_plan, fingerprints, kind_of, moved
from scaleform.refresh import RefreshScope

EMPTY = DesiredState(team=None, projects={}, batches={}, batch_priority=None)


def c(address, action="create", after=None, kind=None, phase=5):
    from scaleform.plan import kind_of as k
    return Change(address, action, None, after, "r", kind or k(address), phase)


def test_invites_and_roles_are_one_call_per_role():
    changes = [c("team.member[a@x.io]", after={"role": "labeler"}, phase=1),
               c("team.member[b@x.io]", after={"role": "labeler"}, phase=1),
               c("team.member[m@x.io]", "update", {"role": "manager"}, phase=1),
               c("team.member[n@x.io]", "update", {"role": "manager"}, phase=1)]
    ops = build_operations(changes, EMPTY)
    assert [(o.path, o.body) for o in ops] == [
        ("/teams/invite", {"emails": ["a@x.io", "b@x.io"], "team_role": "labeler"}),
        ("/teams/set_role", {"emails": ["m@x.io", "n@x.io"], "team_role": "manager"})]


def test_assignment_grouping_picks_the_smaller_side():
    # 5 people, each on both projects: by project set -> 1 call.
    pairs = {(f"u{i}", p): f"{p}:{i}" for i in range(5) for p in ("a", "b")}
    assert [(e, p) for e, p, _ in _grouped_pairs(pairs)] == [([f"u{i}" for i in range(5)], ["a", "b"])]
    # 3 projects each with the same 2 people, plus 1 more person on one project.
    pairs = {(e, p): f"{p}:{e}" for e in ("x", "y") for p in ("p1", "p2", "p3")}
    pairs[("z", "p1")] = "p1:z"
    calls = _grouped_pairs(pairs)
    assert len(calls) == 2 and {a for _, _, addrs in calls for a in addrs} == set(pairs.values())


def test_group_create_carries_its_members_and_member_changes_share_one_put():
    changes = [c("project[p].group[new]", after={"members": ["a@x.io"]}, phase=6),
               c("project[p].group[new].member[a@x.io]", phase=6),
               c("project[p].group[old].member[b@x.io]", phase=6),
               c("project[p].group[old].member[d@x.io]", "delete", phase=6)]
    ops = build_operations(changes, EMPTY)
    assert [(o.method, o.path, o.body) for o in ops] == [
        ("POST", "/studio/projects/p/groups", {"emails": ["a@x.io"], "name": "new"}),
        ("PUT", "/studio/projects/p/groups/old", {"add_emails": ["b@x.io"], "remove_emails": ["d@x.io"]})]
    assert ops[1].realizes == ("project[p].group[old].member[b@x.io]", "project[p].group[old].member[d@x.io]")


def test_new_project_params_and_pipeline_ride_in_the_create():
    d = DesiredState(team=None, projects={"p/q": DesiredProject("p/q", "imageannotation", studio=True)}, batches={},
                     batch_priority=None)
    changes = [c("project[p/q]", after={}, phase=2), c("project[p/q].params", after={"x": 1}, phase=2),
               c("project[p/q].pipeline", after={"pipeline": "standard_task"}, phase=2),
               c("project[p/q].ontology", after={"choices": ["a"]}, phase=3)]
    ops = build_operations(changes, d)
    assert [(o.phase, o.path) for o in ops] == [(2, "/projects"), (3, "/projects/p%2Fq/setOntology")]
    assert ops[0].body["params"] == {"x": 1} and ops[0].body["pipeline"] == "standard_task"


def test_kind_of_addresses():
    assert kind_of("team.member[a@b.co]") == "member"
    assert kind_of("project[a.labeler[x]].params") == "params"
    assert kind_of("project[p].group[g].member[e]") == "group_member"
    assert kind_of("batch[b].groups") == "batch_groups" and kind_of("batch[b]") == "batch"
    assert kind_of("studio.batch_priority") == "batch_priority"


def test_fingerprints_name_what_moved():
    scope = RefreshScope(team=True, emails=("a@x.io", "b@x.io"))
    before = fingerprints(LiveState(team={"a@x.io": LiveMember("a@x.io", "member")}), scope)
    after = fingerprints(LiveState(team={"a@x.io": LiveMember("a@x.io", "manager")}), scope)
    plan = Plan({}, "", (), (), (), (), (), (), before, scope)
    assert moved(plan, after) == ["team.member[a@x.io]"]
    assert before["team.member[b@x.io]"] == after["team.member[b@x.io]"]  # absent, both times


def test_fingerprints_keep_their_encoding():
    # Saved plans made by earlier versions must not all look stale: a digest is sha256 of the
    # object's JSON with sorted keys, sets as sorted lists, dataclasses as their fields.
    import hashlib
    member = LiveMember("a@x.io", "member", None, True)
    text = json.dumps({"email": "a@x.io", "expiry": None, "is_studio_labeler": True, "role": "member"}, sort_keys=True)
    scope = RefreshScope(team=True, emails=("a@x.io",), assignments=True, labeler_projects=("p",))
    got = fingerprints(LiveState(team={"a@x.io": member}, assignments={"b@x.io": frozenset({"p"}),
                                                                       "a@x.io": frozenset({"p"})}), scope)
    assert got["team.member[a@x.io]"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert got["project[p].labelers"] == "sha256:" + hashlib.sha256(b'["a@x.io", "b@x.io"]').hexdigest()


def test_plan_fingerprints_are_computed_when_first_read(monkeypatch):
    calls = []
    real = plan_module.fingerprints
    monkeypatch.setattr(plan_module, "fingerprints", lambda live, scope: calls.append(1) or real(live, scope))
    scope = RefreshScope(team=True, emails=("a@x.io", "b@x.io"))
    live = LiveState(team={"a@x.io": LiveMember("a@x.io", "member")})
    plan = build_plan(EMPTY, live, diff(EMPTY, live), scope, {}, "")
    assert "not yet computed" in repr(plan)
    assert calls == []  # a text plan (or a repr in a log) never pays for them
    assert dict(plan.fingerprints) == real(live, scope) and len(plan.fingerprints) == 2
    assert plan.to_json()["fingerprints"] == real(live, scope)
    assert calls == [1]  # computed once, then kept
    assert moved(plan, real(live, scope)) == []


def test_plan_json_round_trip_and_schema():
    plan = Plan({"api_url": "u", "environment": None}, "sha256:" + "a" * 64,
                (c("team.member[a@x.io]", after={"role": "labeler"}, phase=1),), (), (), (), ("w",), (),
                {"team.member[a@x.io]": "sha256:" + "b" * 64}, RefreshScope(team=True, emails=("a@x.io",)))
    data = json.loads(json.dumps(plan.to_json()))
    jsonschema.validate(data, load_schema("plan.schema.json"))
    again = Plan.from_json(data)
    assert again.to_json() == plan.to_json()
