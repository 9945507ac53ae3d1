"""export: the pure builder from API responses to manifest files."""

from __future__ import annotations

import yaml

from scaleform.export import build_export, file_name

RAW = {
    "team": [
        {"email": "boss@x.io", "role": "admin"},
        {"email": "m@x.io", "role": "manager"},
        {"email": "l@x.io", "role": "labeler"},
        {"email": "i@x.io", "role": "invited", "expiry": "2030-01-01T00:00:00.000Z"},
        {"email": "d@x.io", "role": "disabled"},
    ],
    "assignments": {"boss@x.io": ["adm"], "m@x.io": [], "l@x.io": ["prod-a", "adm"]},
    "projects": [
        {
            "name": "prod-a",
            "type": "imageannotation",
            "studio": True,
            "rapid": False,
            "param_history": [{"version": 0, "created_at": "t", "instruction": "x\ny"}],
            "ontologyHistory": [{"name": "v1", "ontology": ["a", {"choice": "b"}]}],
            "pipeline": "consensus_task",
            "consensus_attempts": 2,
        },
        {
            "name": "adm",
            "type": "categorization",
            "studio": True,
            "rapid": False,
            "param_history": [],
            "pipeline": "standard_task",
        },
    ],
    "groups": {
        "prod-a": [
            {"id": "1", "name": "g", "numWorkers": 1, "isSingleton": False, "workers": [{"id": "w", "email": "l@x.io"}]}
        ],
        "adm": [
            {
                "id": "2",
                "name": "with-admin",
                "numWorkers": 1,
                "isSingleton": False,
                "workers": [{"id": "w", "email": "boss@x.io"}],
            }
        ],
    },
    "studio": [
        {
            "id": "b",
            "name": "prod-a-b1",
            "projectId": "p",
            "projectName": "prod-a",
            "batchType": "Production",
            "total": 0,
            "completed": 0,
            "groups": ["g"],
        }
    ],
}


def test_build_export_files_and_notes(tmp_path):
    out = build_export(RAW, prefix="prod-")
    assert sorted(out.files) == ["batches.yaml", "projects/adm.yaml", "projects/prod-a.yaml", "team.yaml"]
    team = yaml.safe_load(out.files["team.yaml"])["team"]
    assert team == {"managers": ["m@x.io"], "members": [], "labelers": ["l@x.io"]}
    assert "i@x.io: invitation pending" in out.files["team.yaml"] and "d@x.io: disabled" in out.files["team.yaml"]
    a = yaml.safe_load(out.files["projects/prod-a.yaml"])["projects"]["${var.prefix}a"]
    assert a["params"] == {"instruction": "x\ny"} and a["ontology"] == {"name": "v1", "choices": ["a", {"choice": "b"}]}
    assert a["pipeline"] == {"type": "consensus_task", "consensus_attempts": 2} and a["labelers"] == ["l@x.io"]
    adm = yaml.safe_load(out.files["projects/adm.yaml"])["projects"]["adm"]
    assert "labelers" not in adm and adm["groups"] == {}  # the admin is assigned: not manageable
    assert any("admin is assigned" in n for n in out.notes)
    batches = yaml.safe_load(out.files["batches.yaml"])
    assert batches == {
        "version": 1,
        "batches": {"${var.prefix}a-b1": {"project": "${var.prefix}a", "groups": ["g"]}},
        "batch_priority": ["${var.prefix}a-b1"],
    }


def test_file_names_are_safe_and_reversible():
    assert file_name("a/b c") == "a%2Fb%20c.yaml"
    assert file_name("plain-name_1.v2") == "plain-name_1.v2.yaml"
    assert "/" not in file_name("../../etc/passwd") and not file_name("..").startswith("../")


def test_export_reads_groups_only_where_a_project_may_be_studio():
    import asyncio

    import pytest

    from helpers import GroupsOnlyInStudio as _Account
    from scaleform.api.errors import InvalidRequest
    from scaleform.export import _read

    account = _Account(
        [
            {"name": "s", "type": "t", "studio": True},
            {"name": "o", "type": "t", "studio": False},
            {"name": "u", "type": "t"},
        ]
    )
    raw = asyncio.run(_read(account, ()))
    assert sorted(account.group_reads) == ["s", "u"]  # never an ordinary project's
    assert raw["groups"] == {"s": [], "u": []}  # the unreported flag's 400 means "no groups"
    broken = _Account([{"name": "s", "type": "t", "studio": True}])
    broken.list_groups = _Account([{"name": "s", "type": "t", "studio": False}]).list_groups
    with pytest.raises(InvalidRequest):  # a Studio project's 400 is a real failure
        asyncio.run(_read(broken, ()))
