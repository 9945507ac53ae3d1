"""render.report: progress lines and the apply report name what each call did."""

from __future__ import annotations

from helpers import change
from scaleform.apply import ApplyReport, OpResult
from scaleform.operations import Call, Operation
from scaleform.render.report import progress_line, render_report


def op(call: Call, *addresses: str) -> Operation:
    return Operation(call, 1, "POST", "/x", {}, tuple(change(a).address for a in addresses))


def test_progress_lines_name_the_first_address_and_the_verb():
    line = progress_line(OpResult(op(Call.INVITE, "team.member[a@x.io]", "team.member[b@x.io]"), "applied", 0.25))
    assert line == "team.member[a@x.io], team.member[b@x.io]: invited (250 ms)"
    assert progress_line(OpResult(op(Call.FINALIZE_BATCH, "batch[b].status"), "applied")).endswith("finalized (0 ms)")
    failed = progress_line(OpResult(op(Call.SET_PARAMS, "project[p].params"), "failed", 1.0, "HTTP 400: bad"))
    assert failed == "project[p].params: FAILED (1.0 s): HTTP 400: bad"


def test_a_clean_apply_counts_calls_and_changes():
    report = ApplyReport(
        [OpResult(op(Call.ADD_ASSIGNMENTS, "project[p].labeler[a@x.io]", "project[q].labeler[a@x.io]"), "applied")]
    )
    assert render_report(report) == "Apply complete: 1 API call(s), 2 change(s) applied.\n"


def test_report_lists_applied_failed_and_not_attempted():
    def op(call: Call, phase: int, path: str, address: str) -> Operation:
        return Operation(call, phase, "POST", path, {}, (change(address).address,))

    report = ApplyReport(
        [
            OpResult(op(Call.INVITE, 1, "/teams/invite", "team.member[a@x.io]"), "applied", 0.1),
            OpResult(
                op(Call.ADD_ASSIGNMENTS, 5, "/studio/assignments/add", "project[p].labeler[a@x.io]"),
                "failed",
                0.2,
                "HTTP 400: nope",
            ),
            OpResult(
                op(Call.REMOVE_ASSIGNMENTS, 9, "/studio/assignments/remove", "project[p].labeler[b@x.io]"),
                "not attempted",
            ),
        ]
    )
    text = render_report(report)
    assert "Apply failed." in text and "Applied: 1 call(s), 1 change(s)." in text
    assert "Failed: POST /studio/assignments/add (project[p].labeler[a@x.io]): HTTP 400: nope" in text
    assert "Not attempted (1 call(s)):" in text and "scaleform plan" in text
    assert render_report(
        ApplyReport([OpResult(op(Call.SET_PARAMS, 3, "/x", "project[p].params"), "applied")])
    ).startswith("Apply complete: 1 API call(s)")


def test_many_addresses_say_what_the_rest_are():
    emails = [f"project[p].group[g].member[{c}@x.io]" for c in "abcde"]
    line = progress_line(OpResult(op(Call.ADD_ASSIGNMENTS, *emails), "applied"))
    assert line.startswith("project[p].group[g].member[a@x.io] and 4 more group members: ")
    assert "(+" not in line


def test_a_group_member_removed_is_reported_as_removed():
    def put(add: list, remove: list) -> Operation:
        return Operation(
            Call.UPDATE_GROUP,
            6,
            "PUT",
            "/studio/projects/p/groups/g",
            {"add_emails": add, "remove_emails": remove},
            (change("project[p].group[g].member[z@x.io]").address,),
        )

    assert progress_line(OpResult(put([], ["z@x.io"]), "applied")).endswith(": removed (0 ms)")
    assert progress_line(OpResult(put(["z@x.io"], []), "applied")).endswith(": added (0 ms)")
    assert progress_line(OpResult(put(["y@x.io"], ["z@x.io"]), "applied")).endswith(": 1 added, 1 removed (0 ms)")


def test_the_next_step_agrees_in_number():
    from scaleform.render.report import next_step

    one = ApplyReport(deferred=(change("project[p].labeler[a@x.io]", why="invitation pending"),))
    assert next_step(one) == "1 change waits for 1 invitation; run apply again once it is accepted."
    two = ApplyReport(
        deferred=(
            change("project[p].labeler[a@x.io]", why="invitation pending"),
            change("project[q].labeler[b@x.io]", why="invitation pending"),
        )
    )
    assert next_step(two) == "2 changes wait for 2 invitations; run apply again once they are accepted."


def test_markdown_report_escapes_names_and_keeps_line_breaks():
    from scaleform.render.report import render_report_markdown

    report = ApplyReport(
        [OpResult(op(Call.ADD_ASSIGNMENTS, "project[a|<b>].labeler[x@y.io]", "project[c].labeler[x@y.io]"), "applied")]
    )
    row = [line for line in render_report_markdown(report).splitlines() if line.startswith("| ✅")][0]
    assert "project[a\\|&lt;b&gt;].labeler[x@y.io]<br>project[c].labeler[x@y.io]" in row
