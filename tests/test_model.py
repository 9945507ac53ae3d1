"""model: the ontology normal form both sides compare in, and the labelers index."""

from __future__ import annotations

from scaleform.model import LiveState, choices_to_json, normalize_choices


def test_a_bare_string_equals_its_choice_object():
    assert normalize_choices(["a"]) == normalize_choices([{"choice": "a"}])
    assert normalize_choices([{"choice": "a", "subchoices": []}]) == normalize_choices(["a"])
    assert normalize_choices([{"description": "d", "choice": "a"}]) == normalize_choices(
        [{"choice": "a", "description": "d"}]
    )
    assert normalize_choices(["a"]) != normalize_choices([{"choice": "a", "description": "d"}])


def test_normal_form_goes_back_to_the_api_shape():
    choices = ["a", {"choice": "b", "description": "d", "subchoices": ["c", {"choice": "e", "hint": "h"}]}]
    assert choices_to_json(normalize_choices(choices)) == choices


def test_project_labelers_index_the_assignment_map():
    live = LiveState(assignments={"a@x.io": frozenset({"p", "q"}), "b@x.io": frozenset({"p"})})
    assert live.project_labelers("p") == {"a@x.io", "b@x.io"} and live.project_labelers("q") == {"a@x.io"}
    assert live.project_labelers("none") == frozenset() and LiveState().project_labelers("p") == frozenset()
