"""refresh: what is read for which manifests, and how responses become live state."""

from __future__ import annotations

import asyncio

import pytest

from helpers import in_process, make_db
from scaleform import refresh as refresh_module
from scaleform.api.errors import BadResponse
from scaleform.api.parse import parse_project, parse_team
from scaleform.manifest import load_manifests
from scaleform.refresh import refresh, scope_for
from scaleform.sandbox.store import Store


def load(tmp_path, text):
    (tmp_path / "m.yaml").write_text(text)
    return load_manifests(tmp_path / "m.yaml").desired


def test_scope_reads_only_what_is_touched(tmp_path):
    d = load(tmp_path, "team:\n  labelers: [a@x.io]\n")
    s = scope_for(d)
    assert (s.team, s.assignments, s.projects, s.studio_batches, s.batch_list) == (True, False, False, False, False)
    d = load(
        tmp_path,
        "projects:\n  p: {type: chat, groups: {g: [a@x.io]}}\nbatches:\n  b: {project: p, create: true}\n"
        "batch_priority: default\n",
    )
    s = scope_for(d)
    assert s.assignments and s.projects and s.studio_batches and s.batch_list
    assert s.group_projects == ("p",) and s.batch_names == ("b",) and s.emails == ("a@x.io",)


def test_refresh_counts_and_second_stage(tmp_path):
    store = Store(make_db(tmp_path / "s.db", "demo"))
    d = load(
        tmp_path,
        "projects:\n  street-signs: {type: imageannotation, labelers: [li@acme.ai]}\n"
        "  new-one: {type: imageannotation, groups: {g: []}}\n",
    )

    async def go():
        async with in_process(store) as c:
            return await refresh(c, d)

    store.clear_requests()
    live, scope = asyncio.run(go())
    paths = sorted(r["path"] for r in store.requests())
    # street-signs loses zoe: its groups are read (stage 2); new-one does not exist: not read.
    assert paths == ["/v1/projects", "/v1/studio/assignments", "/v1/studio/projects/street-signs/groups", "/v1/teams"]
    assert scope.group_projects == ("street-signs",)
    assert live.project_labelers("street-signs") == {"li@acme.ai", "zoe@acme.ai"}
    assert set(live.groups["street-signs"]) == {"night-shift"}


def test_each_read_is_parsed_as_it_arrives(tmp_path, monkeypatch):
    # The team list (3,000 members in the benchmark) is parsed while other reads are still out,
    # not after the last one: here the group read cannot finish until the team has been parsed.
    d = load(tmp_path, "team:\n  labelers: [a@x.io]\nprojects:\n  p: {type: chat, groups: {g: [a@x.io]}}\n")
    gate = asyncio.Event()

    class GroupsWaitForTheTeam:
        async def list_team(self):
            return [{"email": "a@x.io", "role": "labeler"}]

        async def assignments(self):
            return {"a@x.io": ["p"]}

        async def list_projects(self):
            return [{"name": "p", "type": "t", "param_history": []}]

        async def studio_batches(self):
            return []

        async def list_batches(self):
            return []

        async def list_groups(self, project):
            await gate.wait()
            return [{"name": "g", "workers": [{"email": "a@x.io"}]}]

    real = refresh_module.parse_team

    def parse_team_then_open(data, skipped=None):
        gate.set()
        return real(data, skipped)

    monkeypatch.setattr(refresh_module, "parse_team", parse_team_then_open)
    live, scope = asyncio.run(asyncio.wait_for(refresh(GroupsWaitForTheTeam(), d), 10))
    assert live.team["a@x.io"].role == "labeler" and live.groups["p"]["g"].members == {"a@x.io"}


def test_parse_project_takes_latest_params_and_ontology():
    p = parse_project(
        {
            "name": "p",
            "type": "t",
            "param_history": [{"version": 0, "created_at": "x", "a": 1}, {"version": 1, "created_at": "y", "a": 2}],
            "ontologyHistory": [{"ontology": ["x"]}, {"ontology": ["y", {"choice": "z"}]}],
            "studio": True,
        }
    )
    assert p.params == {"a": 2} and p.ontology == ((("choice", "y"),), (("choice", "z"),))
    assert p.pipeline_known is False and p.studio is True


def test_parse_rejects_malformed_shapes():
    with pytest.raises(BadResponse, match="/teams"):
        parse_team([{"role": "member"}])
    with pytest.raises(BadResponse, match="param_history"):
        parse_project({"name": "p", "type": "t", "param_history": "nope"})
    assert parse_team([{"email": "A@X.io", "role": "member"}])["a@x.io"].role == "member"


def test_refresh_reads_groups_only_where_a_project_may_be_studio(tmp_path):
    from helpers import GroupsOnlyInStudio as _Account

    d = load(
        tmp_path,
        "projects:\n  s: {type: chat, groups: {}}\n  o: {type: chat, groups: {}}\n  u: {type: chat, groups: {}}\n",
    )
    account = _Account(
        [
            {"name": "s", "type": "t", "studio": True, "param_history": []},
            {"name": "o", "type": "t", "studio": False, "param_history": []},
            {"name": "u", "type": "t", "param_history": []},
        ]
    )
    live, scope = asyncio.run(refresh(account, d))
    assert sorted(account.group_reads) == ["s", "u"]
    assert live.groups == {"s": {}, "u": {}} and scope.group_projects == ("s", "u")
