"""Renderers: the shared row model, text conventions, Markdown limits and escaping."""

from __future__ import annotations

import dataclasses

import pytest

from helpers import change, empty_plan
from scaleform.changes import Change
from scaleform.plan import Plan
from scaleform.refresh import RefreshScope
from scaleform.render.field_diff import field_diff
from scaleform.render.markdown import LIMIT, cell, render_markdown
from scaleform.render.rows import details, ontology_diff, plan_rows, summary_line
from scaleform.render.text import render_text


def make_plan(changes=(), deferred=(), suppressed=()) -> Plan:
    return Plan(
        {"api_url": "https://api.scale.com/v1", "environment": "prod"},
        "sha256:" + "0" * 64,
        tuple(changes),
        tuple(deferred),
        tuple(suppressed),
        (),
        (),
        (),
        {},
        RefreshScope(),
    )


def labeler(i: int, action: str = "create") -> Change:
    return change(f"project[p].labeler[user{i:05d}@example.com]", action, None, {"email": f"user{i}"}, 5, "declared")


def test_large_markdown_is_truncated_with_a_note():
    plan = make_plan([labeler(i) for i in range(3000)] + [labeler(i, "delete") for i in range(3000, 3500)])
    md = render_markdown(plan)
    assert len(md) < LIMIT
    assert md.startswith("**Plan: 3000 to add, 0 to change, 500 to remove.**")
    assert "truncated" in md and md.rstrip().endswith("</details>")
    assert "This plan removes 500 item(s)" in md


def test_markdown_cells_escape():
    assert cell("a|b<c>`d`") == "a\\|b&lt;c&gt;&#96;d&#96;"
    plan = make_plan([change("project[x|<y>`z`].params", "update", {"a": 1}, {"a": "<b>|`"}, 3)])
    md = render_markdown(plan)
    table = [line for line in md.splitlines() if line.startswith("| ~ |")][0]
    assert "x\\|&lt;y&gt;&#96;z&#96;" in table and "<b>" not in table


def test_text_summary_and_symbols():
    plan = make_plan(
        [
            change("team.member[a@b.co]", "update", {"role": "manager"}, {"role": "labeler"}, 1, "role differs"),
            labeler(1),
            labeler(2, "delete"),
        ],
        deferred=[change("project[p].labeler[c@d.co]", "create", None, {}, 5, "x", why="invitation pending")],
    )
    text = render_text(plan)
    assert text.splitlines()[0] == "scaleform plan for https://api.scale.com/v1 (environment: prod)"
    assert "  ~ team.member[a@b.co]" in text and "(downgrade)" in text
    assert "  - project[p].labeler[user00002@example.com]" in text
    assert text.rstrip().endswith("Plan: 1 to add, 1 to change, 1 to remove. 1 change deferred: invitations pending.")
    assert summary_line(make_plan()) == "No changes. The account matches the manifests."


def test_rows_are_shared_by_all_views():
    plan = make_plan([labeler(1)], deferred=[labeler(2)], suppressed=[labeler(3, "delete")])
    assert [r.section for r in plan_rows(plan)] == ["change", "deferred", "suppressed"]


def test_field_and_ontology_diffs():
    assert field_diff({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3, "d": 4}}) == ["~ a.c: 2 -> 3", "+ a.d: 4"]
    lines = ontology_diff(
        {"choices": ["x", {"choice": "y", "subchoices": ["z"]}, {"choice": "w", "description": "a"}]},
        {"choices": [{"choice": "x", "description": "d"}, "y", "z", {"choice": "w", "description": "b"}], "name": "v2"},
    )
    assert '+ choice x.description: "d"' in lines
    assert '~ choice w.description: "a" -> "b"' in lines
    assert "~ choice z moved from y to top level" in lines


def test_a_list_entry_inside_params_shows_as_that_entry():
    before = {"geometries": {"box": {"objects_to_annotate": ["car", "bus"], "min_height": 10}}, "instruction": "x"}
    after = {
        "geometries": {"box": {"objects_to_annotate": ["car", "bus", "truck"], "min_height": 10}},
        "instruction": "x",
    }
    assert details("params", "update", before, after) == ['+ params.geometries.box.objects_to_annotate[2]: "truck"']
    removed = {"geometries": {"box": {"objects_to_annotate": ["bus"], "min_height": 12}}, "instruction": "x"}
    assert details("params", "update", before, removed) == [
        "~ params.geometries.box.min_height: 10 -> 12",
        '- params.geometries.box.objects_to_annotate[0]: "car"',
    ]


def test_a_new_value_lists_its_leaves():
    assert field_diff(None, {"b": {"c": 1}, "a": [1, 2]}, "params") == ["+ params.a: [1, 2]", "+ params.b.c: 1"]
    assert field_diff({"a": 1}, None) == ["- a: 1"]


def test_deferred_entries_are_marked_apart_from_adds_and_no_phases():
    from scaleform.operations import Call, Operation

    plan = make_plan(
        [labeler(1)],
        deferred=[change("project[p].labeler[c@d.co]", "create", None, {}, 5, "x", why="invitation pending")],
    )
    ops = tuple(Operation(Call.ADD_ASSIGNMENTS, phase, "POST", "/x", {}, ()) for phase in (5, 6))
    plan = dataclasses.replace(plan, operations=ops)
    text = render_text(plan)
    assert "  > project[p].labeler[c@d.co]" in text and "  + project[p].labeler[c@d.co]" not in text
    assert "  + project[p].labeler[user00001@example.com]" in text
    assert "2 API calls, in 2 ordered steps." in text and "phase" not in text.lower()


def test_a_key_in_a_markdown_cell_is_redacted_before_it_is_escaped():
    from scaleform.redaction import redacting, register_secret

    key = "Md|Key`<&>_77"
    with redacting():
        register_secret(key)
        assert cell(f"p-{key} and {key.upper()}") == "p-*** and ***"
        md = render_markdown(make_plan([change(f"project[p-{key}].params", "update", {"a": 1}, {"a": 2}, 3)]))
    assert "Md\\|Key&#96;&lt;&amp;&gt;_77" not in md and "project[p-***].params" in md


ODD_VALUES = [None, "x", 5, True, [1], {"role": [1]}, {"choices": 5}, {"choices": [{"choice": [1]}]}, {"members": 7}]
ODD_ADDRESSES = [
    ("team.member[a@x.io]", "update"),
    ("team.member[a@x.io]", "create"),
    ("project[p].params", "update"),
    ("project[p].ontology", "update"),
    ("project[p].group[g]", "create"),
    ("batch[b].status", "update"),
    ("batch[b].groups", "update"),
    ("studio.batch_priority", "update"),
    ("project[p]", "create"),
]


@pytest.mark.parametrize("address,action", ODD_ADDRESSES)
def test_a_saved_change_of_any_shape_renders_as_written(address, action):
    """An edited plan file can give before and after any JSON shape: every view shows it, none crashes."""
    from scaleform.render.markdown import render_markdown
    from scaleform.render.text import render_text

    for before in ODD_VALUES:
        for after in ODD_VALUES:
            plan = empty_plan([change(address, action, before, after)])
            for text in (render_text(plan), render_markdown(plan)):
                assert address in text


def test_a_long_value_is_redacted_before_it_is_cut():
    """A key that straddles the cut would no longer be recognized once cut: 36 of its 37 characters
    were shown."""
    from scaleform.redaction import redact, redacting, register_secret
    from scaleform.render.field_diff import value_text

    key = "live_0123456789abcdef0123456789abcdef"
    with redacting():
        register_secret(key)
        for before in range(110, 130):
            shown = redact(value_text("A" * before + key + " end"))  # output is redacted as it is written
            assert len(shown) <= 160
            assert not any(key[i : i + 8] in shown for i in range(len(key) - 7)), (before, shown)
