"""People sets: for random set graphs, expanded lists equal a straightforward reference expansion."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaleform.errors import Problem
from scaleform.manifest import load_manifests
from scaleform.manifest.located import Via, load_yaml
from scaleform.manifest.people import People

EMAILS = ["li@acme.ai", "bo@acme.ai", "kim@acme.ai", "raj@acme.ai", "ana@acme.ai"]


def reference_expand(items: list[str], sets: dict[str, list[str]]) -> list[str]:
    flat: list[str] = []
    for item in items:
        flat.extend(reference_expand(sets[item], sets) if "@" not in item else [item])
    return list(dict.fromkeys(flat))  # the first occurrence of each email stays


@st.composite
def set_graphs(draw):
    """Sets s0..sn (si includes only earlier sets: no cycles) and lists naming emails and sets. The
    group names a part of what the labelers name and the team names all of it, so every list is valid."""
    sets: dict[str, list[str]] = {}
    for i in range(draw(st.integers(1, 5))):
        sets[f"s{i}"] = draw(st.lists(st.sampled_from(EMAILS + sorted(sets)), unique=True, max_size=4))
    labelers = draw(st.lists(st.sampled_from(EMAILS + sorted(sets)), unique=True, max_size=5))
    members = draw(st.permutations(labelers).map(lambda xs: xs[:len(xs) // 2 + 1] if xs else []))
    team = draw(st.lists(st.sampled_from(EMAILS + sorted(sets)), unique=True, max_size=5))
    return sets, team + [e for e in labelers if e not in team], labelers, members


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(set_graphs())
def test_expanded_lists_equal_the_reference_expansion(tmp_path_factory, drawn):
    sets, team, labelers, members = drawn
    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "people": sets, "team": {"labelers": team},
                                    "projects": {"p": {"type": "t", "labelers": labelers, "groups": {"g": members}}}}))
    desired = load_manifests(path).desired
    assert list(desired.team) == reference_expand(team, sets)
    assert list(desired.projects["p"].labelers) == reference_expand(labelers, sets)
    assert list(desired.projects["p"].groups["g"].members) == reference_expand(members, sets)


def test_an_expanded_email_is_located_where_the_set_lists_it():
    doc = load_yaml("people:\n  night: [li@acme.ai]\n  all: [night]\nlist: [bo@acme.ai, all]\n", "p.yaml")
    problems: list[Problem] = []
    out = People([doc], problems).expand(doc["list"], "the list")
    assert problems == [] and out == ["bo@acme.ai", "li@acme.ai"]
    loc = out.item_locs[1]
    assert str(loc) == "p.yaml:2:11" and isinstance(loc, Via)
    assert loc.note == "through people set 'all' at p.yaml:4:20"


def test_a_list_naming_no_set_is_returned_as_it_is():
    doc = load_yaml("people:\n  a: [li@acme.ai]\nlist: [bo@acme.ai]\n", "p.yaml")
    assert People([doc], []).expand(doc["list"], "the list") is doc["list"]


@pytest.mark.parametrize("order", [1, -1])  # resolved without recursion (included sets first), or with it
def test_sets_nested_deeper_than_the_limit_are_an_error_not_a_crash(order):
    from scaleform.manifest.templates import MAX_DEPTH

    text = "people:\n" + "".join(f"  s{i}: [{f's{i - 1}' if i else 'a@b.co'}]\n"
                                 for i in list(range(MAX_DEPTH + 5))[::order])
    problems: list[Problem] = []
    People([load_yaml(text, "p.yaml")], problems)
    assert len(problems) == 1 and f"more than {MAX_DEPTH} levels deep" in problems[0].message
