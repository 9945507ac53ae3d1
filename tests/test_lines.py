"""Untrusted text stays on its line: a line break in a name, reason, warning, value or message is
shown as `\\n`, never printed, so it cannot forge a line (a workflow command, a verdict)."""

from __future__ import annotations

import dataclasses

from helpers import change
from scaleform.address import Address
from scaleform.apply import ApplyReport, OpResult
from scaleform.changes import Unmanaged
from scaleform.errors import Location, Problem
from scaleform.operations import Call, Operation
from scaleform.plan import Plan
from scaleform.refresh import RefreshScope
from scaleform.render.markdown import cell, render_markdown
from scaleform.render.problems import render_problems, render_remarks, render_warnings
from scaleform.render.report import progress_line, render_report, render_report_markdown
from scaleform.render.text import render_text

VERDICT = "No changes. The account matches the manifests."
FORGED = f"\n::error title=forged::owned\n{VERDICT}"
SHOWN = f"\\n::error title=forged::owned\\n{VERDICT}"  # escaped, not dropped


def forged(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("::") or line.strip() == VERDICT]


def hostile_plan() -> Plan:
    changed = change("project[p].params", "update", {"a": 1}, {"a": 1, "b\n::error x::y": 2}, 3, "declared" + FORGED)
    return Plan(
        {"api_url": "https://api.scale.com/v1", "environment": "prod" + FORGED},
        "sha256:" + "0" * 64,
        (changed,),
        (dataclasses.replace(change("project[q].labeler[a@b.co]"), why="waits" + FORGED),),
        (),
        (Unmanaged(Address.parse("project[legacy]"), "not declared" + FORGED),),
        ("a warning" + FORGED,),
        (),
        {},
        RefreshScope(),
    )


def test_the_text_plan_keeps_every_untrusted_text_on_its_line():
    text = render_text(hostile_plan())
    assert forged(text) == []
    assert f"# declared{SHOWN}" in text and f"Warning: a warning{SHOWN}" in text
    assert f"# not declared{SHOWN}" in text and "+ params.b\\n::error x::y: 2" in text
    assert text.count("\n") == render_text(dataclasses.replace(hostile_plan(), warnings=("w",))).count("\n")


def test_the_markdown_plan_shows_a_line_break_as_backslash_n():
    md = render_markdown(hostile_plan())
    assert forged(md) == [] and "<br>" not in md
    assert "a warning\\n::error title=forged::owned\\nNo changes." in md
    assert cell("a\nb") == "a\\nb"


def test_problems_warnings_and_notes_stay_one_line_each():
    problem = Problem("unknown task type 'imageannotatio" + FORGED + "'", Location("m.yaml", 4, 11))
    text = render_problems([problem])
    assert forged(text) == [] and text.count("\n") == 2  # the problem, then the count
    assert forged(render_warnings([problem])) == [] and forged(render_remarks("note", ["n" + FORGED])) == []


def test_apply_progress_and_report_keep_an_api_message_on_its_line():
    operation = Operation(Call.SET_PARAMS, 1, "POST", "/x", {}, (change("project[p].params").address,))
    failed = OpResult(operation, "failed", 0.1, "HTTP 400: nope" + FORGED)
    assert forged(progress_line(failed)) == [] and progress_line(failed).endswith(f"nope{SHOWN}")
    report = ApplyReport([failed])
    assert forged(render_report(report)) == [] and forged(render_report_markdown(report)) == []


def test_an_api_error_message_is_one_line():
    from scaleform.api.errors import error_for

    message = str(error_for("GET", "/teams", 400, "nope" + FORGED))
    assert message == f"GET /teams failed with HTTP 400: nope{SHOWN}"
