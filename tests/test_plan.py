"""plan: the JSON round trip against the schema, and the address-prefix filter."""

from __future__ import annotations

import json

import jsonschema
import pytest

from helpers import change as c
from scaleform.errors import ScaleformError
from scaleform.manifest.schema import load_schema
from scaleform.operations import build_operations
from scaleform.plan import Plan
from scaleform.refresh import RefreshScope
from scaleform.targeting import keep_addresses


def _plan(*changes) -> Plan:
    return Plan(
        {"api_url": "u", "environment": None},
        "sha256:" + "a" * 64,
        tuple(changes),
        (),
        (),
        (),
        ("w",),
        tuple(build_operations(changes)),
        {"team.member[a@x.io]": "sha256:" + "b" * 64},
        RefreshScope(team=True, emails=("a@x.io",)),
    )


def test_plan_json_round_trip_and_schema():
    plan = _plan(
        c("team.member[a@x.io]", after={"role": "labeler"}, phase=1),
        c("project[p].labeler[a@x.io]", phase=5),
        c("project[p].labeler[b@x.io]", "delete", phase=9),
    )
    data = json.loads(json.dumps(plan.to_json()))
    jsonschema.validate(data, load_schema("plan.schema.json"))
    again = Plan.from_json(data)
    assert again.to_json() == plan.to_json()
    assert [o.call for o in again.operations] == [o.call for o in plan.operations]


@pytest.mark.parametrize(
    "damage", [lambda d: d["changes"][0].update(address="nonsense"), lambda d: d.pop("operations")]
)
def test_a_damaged_plan_is_a_clear_error(damage):
    data = json.loads(json.dumps(_plan(c("project[p].labeler[a@x.io]")).to_json()))
    damage(data)
    with pytest.raises(ScaleformError, match="damaged or incomplete"):
        Plan.from_json(data, "plan file 'p.json'")


def test_address_prefixes_keep_matching_changes_and_rebuild_operations():
    plan = _plan(c("project[a].labeler[x@y.io]"), c("project[b].labeler[x@y.io]"))
    kept = keep_addresses(plan, ["project[a]"])
    assert [ch.address.text for ch in kept.changes] == ["project[a].labeler[x@y.io]"]
    assert [o.body for o in kept.operations] == [{"emails": ["x@y.io"], "projects": ["a"]}]
    assert kept.warnings[-1].startswith("targeting is in effect")
    assert keep_addresses(plan, []) is plan


def _saved(*changes) -> dict:
    return json.loads(json.dumps(_plan(*changes).to_json()))


ROLE = c("team.member[a@x.io]", "update", after={"role": "labeler"}, phase=1)
ADD = c("project[p].labeler[a@x.io]", phase=5)


@pytest.mark.parametrize(
    "edit, names",
    [
        (lambda d: d["operations"][0].update(path="http://evil.test/v1/teams/set_role"), "path"),
        (lambda d: d["operations"][0]["body"].update(emails=["boss@x.io"]), "body"),
        (lambda d: d["operations"][0].update(method="PUT"), "method"),
        (lambda d: d["operations"][0].update(realizes=["project[x].params"]), "realizes"),
        (lambda d: d["operations"].append(dict(d["operations"][0])), "adds an operation"),
        (lambda d: d["operations"].pop(), "lacks an operation"),
    ],
)
def test_recorded_operations_must_be_the_ones_the_changes_make(edit, names):
    data = _saved(ROLE, ADD)
    edit(data)
    with pytest.raises(ScaleformError, match="was altered") as caught:
        Plan.from_json(data, "plan file 'p.json'")
    assert names in str(caught.value)


def test_a_saved_plans_operations_are_rebuilt_from_its_changes():
    data = _saved(ROLE, ADD)
    plan = Plan.from_json(data)
    assert [o.to_json() for o in plan.operations] == data["operations"]


@pytest.mark.parametrize(
    "target, address, selected",
    [
        ("project[a]", "project[a]", True),
        ("project[a]", "project[a].params", True),
        ("project[a]", "project[a].group[g].member[x@y.io]", True),
        ("project[a]", "project[ab]", False),
        ("project[a]", "project[ab].params", False),
        ("project[a", "project[a.b]", False),
        ("project[stg-signs", "project[stg-signs-eu]", False),
        ("project[a].group[g]", "project[a].group[g].member[x@y.io]", True),
        ("project[a].group[g]", "project[a].group[gh]", False),
        ("team", "team.member[x@y.io]", True),
        ("team.member", "team.member[x@y.io]", True),
        ("team.", "team.member[x@y.io]", False),
        ("project", "project[a].params", True),
        ("studio", "studio.batch_priority", True),
        ("batch[b]", "batch[b].status", True),
        ("batch[b]", "batch[b2]", False),
    ],
)
def test_targets_select_whole_components(target, address, selected):
    from scaleform.targeting import address_matches

    assert address_matches(address, target) is selected


def test_a_target_that_selects_nothing_is_an_error_with_a_suggestion():
    plan = _plan(c("project[stg-signs].labeler[x@y.io]"), c("project[stg-signs-eu].labeler[x@y.io]"))
    with pytest.raises(
        ScaleformError,
        match=r"--target project\[stg-signs matches no address.*did you mean "
        r"project\[stg-signs\]",
    ):
        keep_addresses(plan, ["project[stg-signs"])
    kept = keep_addresses(plan, ["project[in-sync]"], known={"project[in-sync]"})  # declared, nothing to do
    assert kept.changes == ()
