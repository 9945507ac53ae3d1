"""render.field_diff: one line per changed leaf, list entries by index."""

from __future__ import annotations

from scaleform.render.field_diff import field_diff
from scaleform.render.field_diff import value_text as fmt


def test_values_are_json_and_long_ones_are_cut():
    assert fmt({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    assert len(fmt("x" * 500)) == 160 and fmt("x" * 500).endswith("…")


def test_list_entries_and_nested_keys():
    assert field_diff({"a": [1, 2, 3]}, {"a": [1, 3]}) == ["- a[1]: 2"]
    assert field_diff({"a": {"b": [{"c": 1}]}}, {"a": {"b": [{"c": 2}]}}, "params") == ["~ params.a.b[0].c: 1 -> 2"]
    assert field_diff({"a": 1}, {"a": "1"}) == ['~ a: 1 -> "1"']
    assert field_diff({"a": 1}, {"a": 1}) == []


def test_an_absent_side_lists_the_other_sides_leaves():
    assert field_diff({}, {"x": {"y": 1}}) == ["+ x.y: 1"]
    assert field_diff({"x": 1}, {}) == ["- x: 1"]
    assert field_diff(None, None) == []
