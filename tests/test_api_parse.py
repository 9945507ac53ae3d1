"""api/parse: live answers become live state, or a clear BadResponse; never a crash."""

from __future__ import annotations

import pytest

from scaleform.api.errors import BadResponse
from scaleform.api.parse import MAX_CHOICE_DEPTH, parse_project


def _project(choices) -> dict:
    return {"name": "p", "type": "imageannotation", "param_history": [{}], "ontologyHistory": [{"ontology": choices}]}


def test_a_well_formed_ontology_is_read_in_normal_form():
    live = parse_project(_project(["car", {"choice": "sign", "subchoices": ["stop", {"choice": "yield"}]}]))
    assert live.ontology == (
        (("choice", "car"),),
        (("choice", "sign"), ("subchoices", ((("choice", "stop"),), (("choice", "yield"),)))),
    )


@pytest.mark.parametrize(
    "choices",
    [
        [True],
        [5],
        [None],
        [["x"]],
        [{"name": "no choice key"}],
        [{"choice": 5}],
        [{"choice": "a", "subchoices": "b"}],
        [{"choice": "a", "subchoices": [True]}],
        [{"choice": "a", "subchoices": [{"choice": None}]}],
    ],
)
def test_a_malformed_live_ontology_is_a_clear_error(choices):
    with pytest.raises(BadResponse, match="the ontology of 'p' holds a malformed choice"):
        parse_project(_project(choices))


def test_a_deeply_nested_live_ontology_is_refused_not_walked():
    choice: dict = {"choice": "leaf"}
    for _ in range(900):
        choice = {"choice": "x", "subchoices": [choice]}
    with pytest.raises(BadResponse, match=f"nests more than {MAX_CHOICE_DEPTH} levels"):
        parse_project(_project([choice]))


def test_live_params_nested_past_the_limit_are_refused_not_walked():
    from scaleform.api.parse import MAX_PARAMS_DEPTH

    def nested(n: int) -> dict:
        value: dict = {"leaf": 1}
        for _ in range(n):
            value = {"k": [value]}
        return value

    project = {"name": "p", "type": "imageannotation", "param_history": [nested(MAX_PARAMS_DEPTH // 2 - 1)]}
    assert parse_project(project).params is not None  # arrays count as levels too
    project["param_history"] = [nested(900)]
    with pytest.raises(BadResponse, match=f"the params of 'p' nest more than {MAX_PARAMS_DEPTH} levels"):
        parse_project(project)
