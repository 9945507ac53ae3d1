"""People sets: for random set graphs, expanded lists equal a straightforward reference expansion."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaleform.errors import InheritedLocation as Via
from scaleform.errors import Problem
from scaleform.manifest import load_manifests
from scaleform.manifest.located import load_yaml
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
    members = draw(st.permutations(labelers).map(lambda xs: xs[: len(xs) // 2 + 1] if xs else []))
    team = draw(st.lists(st.sampled_from(EMAILS + sorted(sets)), unique=True, max_size=5))
    return sets, team + [e for e in labelers if e not in team], labelers, members


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(set_graphs())
def test_expanded_lists_equal_the_reference_expansion(tmp_path_factory, drawn):
    sets, team, labelers, members = drawn
    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "people": sets,
                "team": {"labelers": team},
                "projects": {"p": {"type": "chat", "labelers": labelers, "groups": {"g": members}}},
            }
        )
    )
    desired = load_manifests(path).desired
    assert list(desired.team) == reference_expand(team, sets)
    assert list(desired.projects["p"].labelers) == reference_expand(labelers, sets)
    assert list(desired.projects["p"].groups["g"].members) == reference_expand(members, sets)


def test_an_expanded_email_is_located_where_the_set_lists_it():
    doc = load_yaml("people:\n  night: [li@acme.ai]\n  all: [night]\nlist: [bo@acme.ai, all]\n", "p.yaml")
    problems: list[Problem] = []
    out = People([doc], problems).expand(doc["list"], "the list")
    assert problems == [] and out == ["bo@acme.ai", "li@acme.ai"]
    loc = out.locs["li@acme.ai"]
    assert str(loc) == "p.yaml:2:11" and isinstance(loc, Via)
    assert loc.note == "through people set 'all' at p.yaml:4:20"


def test_a_list_naming_no_set_is_returned_as_it_is():
    doc = load_yaml("people:\n  a: [li@acme.ai]\nlist: [bo@acme.ai]\n", "p.yaml")
    assert People([doc], []).expand(doc["list"], "the list") is doc["list"]


@pytest.mark.parametrize("order", [1, -1])  # resolved without recursion (included sets first), or with it
def test_sets_nested_deeper_than_the_limit_are_an_error_not_a_crash(order):
    from scaleform.manifest.nesting import MAX_DEPTH

    text = "people:\n" + "".join(
        f"  s{i}: [{f's{i - 1}' if i else 'a@b.co'}]\n" for i in list(range(MAX_DEPTH + 5))[::order]
    )
    problems: list[Problem] = []
    People([load_yaml(text, "p.yaml")], problems)
    assert len(problems) == 1 and f"more than {MAX_DEPTH} levels deep" in problems[0].message


def test_a_set_is_expanded_once_and_shared_by_every_list_that_names_it(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "people:\n  crew: [li@acme.ai, bo@acme.ai]\n  unused: [crew, kim@acme.ai]\n"
        "projects:\n" + "".join(f"  p{i}: {{type: chat, labelers: [crew], groups: {{g: [crew]}}}}\n" for i in range(3))
    )
    projects = load_manifests(tmp_path).desired.projects
    first = projects["p0"].labelers
    assert first == ("li@acme.ai", "bo@acme.ai")
    assert all(p.labelers is first and p.groups["g"].members is first for p in projects.values())
    loc = projects["p2"].labeler_locs["bo@acme.ai"]  # noted on demand, for the list that named the set
    assert isinstance(loc, Via) and loc.note == f"through people set 'crew' at {tmp_path.as_posix()}/m.yaml:7:31"


def test_an_email_written_twice_beside_a_set_is_still_an_error(tmp_path):
    from scaleform.errors import ScaleformError

    (tmp_path / "m.yaml").write_text(
        "people:\n  crew: [li@acme.ai]\n"
        "projects:\n"
        "  p: {type: chat, labelers: [bo@acme.ai, crew, li@acme.ai, BO@acme.ai]}\n"
    )
    with pytest.raises(ScaleformError) as exc:
        load_manifests(tmp_path)
    assert [p.message for p in exc.value.problems] == ["bo@acme.ai is listed twice in the labelers of project 'p'"]
    assert exc.value.problems[0].location.column == 60 and exc.value.problems[0].other.column == 30


def test_expansion_past_the_cap_is_one_located_error(tmp_path, monkeypatch):
    from scaleform.errors import ScaleformError
    from scaleform.manifest import people

    monkeypatch.setattr(people, "MAX_EXPANDED", 10)
    (tmp_path / "m.yaml").write_text(
        "people:\n  crew: [a@b.co, c@b.co, d@b.co, e@b.co]\n  all: [crew]\n"
        "projects:\n" + "".join(f"  p{i}: {{type: chat, labelers: [all]}}\n" for i in range(3))
    )
    with pytest.raises(ScaleformError) as exc:
        load_manifests(tmp_path)
    (problem,) = exc.value.problems
    assert "people sets expand to more than 10 emails in all" in problem.message
    assert (problem.location.line, problem.location.column) == (6, 31)  # p1's `all`: 4 (crew in all) + 4 + 4


def test_a_set_no_list_names_is_checked_but_never_expanded():
    doc = load_yaml(
        "people:\n  big: [a@b.co, c@b.co]\n  unused: [big, d@b.co, d@b.co]\n  used: [big]\nlist: [used]\n", "p.yaml"
    )
    problems: list[Problem] = []
    people = People([doc], problems)
    assert [p.message for p in problems] == ["d@b.co is listed twice in people set 'unused'"]
    assert list(people.expand(doc["list"], "the list")) == ["a@b.co", "c@b.co"]
    assert sorted(people.done) == ["big", "used"] and people.expanded == 4  # big into used, used into the list
