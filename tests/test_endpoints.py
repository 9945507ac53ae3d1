"""Endpoints: paths encoded like the SDK; creates carry a check, other writes do not."""

from __future__ import annotations

from scaleform.api import endpoints as ep


def test_paths_are_encoded_like_the_sdk():
    assert ep.get_project("Street signs/EU").path == "/projects/Street%20signs%2FEU"
    assert ep.update_group("a+b", "x:y", [], []).path == "/studio/projects/a%2Bb/groups/x%3Ay"
    assert ep.set_params("p", {"instruction": "i"}).body == {"patch": False, "instruction": "i"}


def test_a_call_unpacks_as_method_path_body():
    method, path, body = ep.invite(["b@x.io", "a@x.io"], "labeler")
    assert (method, path, body) == ("POST", "/teams/invite", {"emails": ["a@x.io", "b@x.io"], "team_role": "labeler"})


def test_only_creates_carry_a_check():
    creates = [
        ep.invite(["a@x.io"], "member"),
        ep.create_project("p", "imageannotation"),
        ep.create_group("p", "g", ["a@x.io"]),
        ep.create_batch("p", "b"),
    ]
    replaces = [
        ep.set_role(["a@x.io"], "member"),
        ep.add_assignments(["a@x.io"], ["p"]),
        ep.remove_assignments(["a@x.io"], ["p"]),
        ep.update_group("p", "g", [], []),
        ep.assign_studio_batch("b", ["g"]),
        ep.set_priorities(["b"]),
        ep.reset_priorities(),
        ep.set_params("p", {}),
        ep.set_ontology("p", ["a"]),
        ep.update_pipeline("p", {}),
        ep.finalize_batch("b"),
    ]
    assert all(c.check is not None and c.check.read.method == "GET" for c in creates)
    assert all(c.check is None for c in replaces)


def test_an_invitation_is_done_when_everyone_is_on_the_team():
    call = ep.invite(["a@x.io", "b@x.io"], "labeler")
    assert call.check.read == ep.list_team()
    team = [{"email": "A@x.io", "role": "invited"}, {"email": "b@x.io", "role": "labeler"}]
    assert call.check.settle(team) == ep.Done(team)
    partial = call.check.settle([{"email": "a@x.io", "role": "invited"}])
    assert tuple(partial) == tuple(ep.invite(["b@x.io"], "labeler"))  # only the one still missing
    assert call.check.settle([]) is None  # nobody: send it again


def test_a_project_or_batch_is_done_only_when_it_matches():
    project = ep.create_project("p", "imageannotation", studio=True)
    assert project.check.read == ep.get_project("p")
    assert project.check.settle({"name": "p", "type": "imageannotation"}) == ep.Done(
        {"name": "p", "type": "imageannotation"}
    )
    assert project.check.settle({"name": "p", "type": "transcription"}) == ep.Differs(("type",))
    batch = ep.create_batch("p", "b")
    assert batch.check.read == ep.get_batch("b")
    assert batch.check.settle({"name": "b", "project": "p"}) == ep.Done({"name": "b", "project": "p"})
    assert batch.check.settle({"name": "b", "project": "other"}) == ep.Differs(("project",))


def test_a_group_that_exists_with_other_members_differs_and_is_never_changed():
    call = ep.create_group("p", "g", ["a@x.io", "b@x.io"])
    assert call.check.read == ep.list_groups("p")
    same = {"name": "g", "workers": [{"id": "1", "email": "a@x.io"}, {"id": "2", "email": "b@x.io"}]}
    assert call.check.settle([same]) == ep.Done(same)
    other = {"name": "g", "workers": [{"id": "1", "email": "a@x.io"}, {"id": "3", "email": "c@x.io"}]}
    assert call.check.settle([other]) == ep.Differs(("members",))
    assert call.check.settle([{"name": "h", "workers": []}]) is None


def test_a_call_rebuilt_from_its_parts_takes_the_same_check():
    made = ep.create_group("p", "g", ["b@x.io", "a@x.io"])
    rebuilt = ep.Request(*made, ep.group_check("p", "g", made.body["emails"]))
    live = [{"name": "g", "workers": [{"email": "a@x.io"}]}]
    assert rebuilt == made and rebuilt.check.read == made.check.read
    assert rebuilt.check.settle(live) == made.check.settle(live) == ep.Differs(("members",))
    for built, check in (
        (ep.invite(["a@x.io"], "member"), ep.invite_check(["a@x.io"], "member")),
        (ep.create_project("p", "imageannotation"), ep.project_check(ep.create_project("p", "imageannotation").body)),
        (ep.create_batch("p", "b"), ep.batch_check(ep.create_batch("p", "b").body)),
    ):
        assert built.check.read == check.read


def test_a_project_read_back_compares_everything_the_create_sets():
    call = ep.create_project(
        "p",
        "imageannotation",
        studio=True,
        params={"instruction": "A"},
        pipeline={"pipeline": "consensus_task", "consensus_attempts": 3},
    )
    same = {
        "name": "p",
        "type": "imageannotation",
        "studio": True,
        "rapid": False,
        "pipeline": "consensus_task",
        "consensus_attempts": 3,
        "param_history": [{"instruction": "A", "version": 1}],
    }
    assert isinstance(call.check.settle(same), ep.Done)
    other = {**same, "param_history": [{"instruction": "B", "version": 1}], "consensus_attempts": 5}
    assert call.check.settle(other) == ep.Differs(("params", "consensus_attempts"))
    assert call.check.settle({**same, "studio": False}) == ep.Differs(("studio",))
    unreported = {k: v for k, v in same.items() if k not in ("pipeline", "consensus_attempts")}
    assert isinstance(call.check.settle(unreported), ep.Done)  # nothing to compare is not a difference


def test_a_batch_read_back_compares_its_create_time_flags():
    call = ep.create_batch("p", "b", calibration=False)
    live = {"name": "b", "project": "p", "calibration_batch": False, "self_label_batch": False}
    assert isinstance(call.check.settle(live), ep.Done)
    assert call.check.settle({**live, "calibration_batch": True}) == ep.Differs(("calibration_batch",))
    assert call.check.settle({**live, "project": "q"}) == ep.Differs(("project",))


def test_an_invite_read_back_refuses_an_active_member_with_another_role():
    call = ep.invite(["a@x.io"], "labeler")
    assert isinstance(call.check.settle([{"email": "a@x.io", "role": "invited"}]), ep.Done)
    assert isinstance(call.check.settle([{"email": "A@x.io", "role": "labeler"}]), ep.Done)
    assert call.check.settle([{"email": "a@x.io", "role": "manager"}]) == ep.Differs(("role",))
