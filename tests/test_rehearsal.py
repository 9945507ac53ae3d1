"""The rehearsal result: its report line, its JSON (schema-valid, absent when not rehearsed), the
first failing call in plan order, and the refusal `apply --rehearse` relies on."""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema
import pytest

from helpers import change, empty_plan
from scaleform.apply import ApplyReport, OpResult
from scaleform.errors import ScaleformError
from scaleform.manifest.schema import load_schema
from scaleform.operations import Call, Operation, build_operations
from scaleform.plan import Plan, Rehearsal
from scaleform.rehearsal import RehearsalFailure, _failure, require_clean
from scaleform.render.jsonout import render_json
from scaleform.render.markdown import render_markdown
from scaleform.render.text import render_text

FAILED = RehearsalFailure(
    6,
    "POST",
    "/studio/projects/a/groups",
    ("project[a].group[g]",),
    "POST /studio/projects/a/groups failed with HTTP 400: x must be assigned",
)


def test_the_clean_line_says_calls_and_what_stays_deferred():
    r = Rehearsal(35, 35, deferred=6, deferred_why="invitations pending")
    assert r.clean
    assert r.line() == (
        "rehearsal: 35 calls applied cleanly; the account would then match the manifests "
        "(6 changes stay deferred: invitations pending)"
    )
    assert Rehearsal(1, 1).line() == "rehearsal: 1 call applied cleanly; the account would then match the manifests"


def test_a_failure_names_the_call_its_addresses_and_the_error():
    r = Rehearsal(12, 9, FAILED, not_attempted=2)
    assert not r.clean
    assert r.line() == (
        "rehearsal failed: phase 6 call POST /studio/projects/a/groups (for project[a].group[g]) was "
        "refused: POST /studio/projects/a/groups failed with HTTP 400: x must be assigned. 9 of 12 "
        "calls applied before it, 2 not attempted"
    )


def test_applied_but_not_converged_lists_what_remains():
    r = Rehearsal(3, 3, remaining=tuple(f"project[p{i}].params" for i in range(12)))
    assert not r.clean
    assert r.line().startswith(
        "rehearsal: 3 calls applied cleanly, but the account would still differ from the "
        "manifests: 12 change(s) remain (project[p0].params, "
    )
    assert r.line().endswith("project[p9].params and 2 more)")


@pytest.mark.parametrize(
    "rehearsal",
    [
        Rehearsal(4, 4, deferred=2, deferred_why="invitations pending"),
        Rehearsal(12, 9, FAILED, 2),
        Rehearsal(2, 2, remaining=("team.member[a@b.co]",)),
    ],
)
def test_the_json_is_schema_valid_and_round_trips(rehearsal):
    changes = [change("project[a].group[g]", phase=6)]
    plan = replace(empty_plan(changes, operations=build_operations(changes)), rehearsal=rehearsal)
    data = json.loads(render_json(plan))
    jsonschema.validate(data["rehearsal"], load_schema("plan.schema.json")["properties"]["rehearsal"])
    assert data["rehearsal"]["clean"] is rehearsal.clean and data["rehearsal"]["line"] == rehearsal.line()
    assert Plan.from_json(data).rehearsal == rehearsal


def test_an_unrehearsed_plan_has_no_rehearsal_key():
    changes = [change("project[a].group[g]", phase=6)]
    plan = empty_plan(changes, operations=build_operations(changes))
    assert "rehearsal" not in json.loads(render_json(plan))
    assert Plan.from_json(json.loads(render_json(plan))).rehearsal is None
    assert "rehearsal" not in render_text(plan) + render_markdown(plan)


def test_text_puts_the_line_under_the_summary_and_markdown_a_failure_in_a_box_on_top():
    plan = replace(empty_plan([change("project[a].group[g]", phase=6)]), rehearsal=Rehearsal(12, 9, FAILED, 2))
    text = render_text(plan).splitlines()
    assert text[-2].startswith("Plan: 1 to add") and text[-1].startswith("rehearsal failed: phase 6")
    md = render_markdown(plan).splitlines()
    assert md[:2] == [
        "> [!CAUTION]",
        "> **rehearsal failed: phase 6 call POST /studio/projects/a/groups (for "
        "project[a].group[g]) was refused: POST /studio/projects/a/groups failed with HTTP "
        "400: x must be assigned. 9 of 12 calls applied before it, 2 not attempted**",
    ]
    assert md[3].startswith("**Plan: 1 to add") and "rehearsal failed" not in "\n".join(md[4:])
    clean = render_markdown(replace(plan, rehearsal=Rehearsal(1, 1))).splitlines()
    assert clean[0].startswith("**Plan: 1 to add") and clean[2].startswith("rehearsal: 1 call applied cleanly")


def _op(phase: int, path: str) -> Operation:
    c = change(f"project[{path}].group[g]", phase=phase)
    return Operation(Call.CREATE_GROUP, phase, "POST", f"/studio/projects/{path}/groups", {}, (c.address,))


def test_the_first_failure_is_the_first_in_plan_order():
    ops = (_op(6, "a"), _op(6, "b"), _op(6, "c"))
    plan = empty_plan(operations=ops)
    # Calls of one phase finish in any order: "c" failed first in time, "b" comes first in the plan.
    report = ApplyReport(
        [
            OpResult(ops[0], "applied"),
            OpResult(ops[2], "failed", message="c refused"),
            OpResult(ops[1], "failed", message="b refused"),
        ]
    )
    r = _failure(plan, report)
    assert r.failed is not None and r.failed.path == "/studio/projects/b/groups" and r.failed.error == "b refused"
    assert (r.calls, r.applied, r.not_attempted) == (3, 1, 0)


def test_apply_refuses_without_a_clean_rehearsal():
    plan = empty_plan(target={"api_url": "https://api.example/v1"})
    with pytest.raises(ScaleformError, match="the plan was not rehearsed"):
        require_clean(plan)
    with pytest.raises(
        ScaleformError,
        match=r"refusing to apply: rehearsal failed: phase 6.*Nothing was written to "
        r"https://api.example/v1",
    ):
        require_clean(replace(plan, rehearsal=Rehearsal(12, 9, FAILED, 2)))
    with pytest.raises(ScaleformError, match="would still differ"):
        require_clean(replace(plan, rehearsal=Rehearsal(1, 1, remaining=("project[a].params",))))
    require_clean(replace(plan, rehearsal=Rehearsal(1, 1)))  # clean: no error


def test_an_interrupted_rehearsal_is_not_clean_and_says_so():
    ops = (_op(6, "a"), _op(6, "b"))
    report = ApplyReport([OpResult(ops[0], "applied"), OpResult(ops[1], "not attempted")], interrupted=True)
    r = _failure(empty_plan(operations=ops), report)
    assert not r.clean and r.line() == "rehearsal interrupted after 1 of 2 calls; nothing is proven"
