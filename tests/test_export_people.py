"""People sets in a factored export: shared lists, and labelers written through their groups' sets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scaleform.export.people import PeopleSets, factor_people

E = [f"u{i}@acme.ai" for i in range(14)]


def _expand(entries: list[str], sets: dict[str, list[str]]) -> list[str]:
    """A reference expansion: set names replaced by their emails, recursively, first occurrence kept."""
    out: list[str] = []
    for entry in entries:
        for email in _expand(sets[entry], sets) if "@" not in entry else [entry]:
            if email not in out:
                out.append(email)
    return out


def _meaning(people: PeopleSets, specs: dict[str, dict]) -> dict[str, tuple]:
    """Each project's labelers and group members, as sets of emails, read back from what is written."""
    out = {}
    for name in specs:
        sets = people.shared
        labelers = people.labelers.get(name)
        out[name] = (
            None if labelers is None else frozenset(_expand(labelers, sets)),
            {g: frozenset(_expand(m, sets)) for g, m in people.groups[name].items()},
        )
    return out


def _original(specs: dict[str, dict]) -> dict[str, tuple]:
    return {
        name: (
            None if "labelers" not in s else frozenset(s["labelers"]),
            {g: frozenset(m) for g, m in s.get("groups", {}).items()},
        )
        for name, s in specs.items()
    }


def test_labelers_name_the_shared_sets_of_their_groups_and_list_only_the_rest():
    specs = {
        "signs-eu": {"labelers": E[:7], "groups": {"night": E[:4], "solo": E[4:6]}},
        "signs-us": {"labelers": E[:4] + E[8:10], "groups": {"night": E[:4]}},
    }
    people = factor_people(specs)
    assert people.shared == {"signs-night": E[:4]}
    assert people.labelers == {"signs-eu": ["signs-night", *E[4:7]], "signs-us": ["signs-night", *E[8:10]]}
    # A group no other project has stays written out, as it was.
    assert people.groups["signs-eu"] == {"night": ["signs-night"], "solo": E[4:6]}


def test_a_shared_labelers_set_names_the_shared_sets_of_the_groups_inside_it():
    crew = {"labelers": E[:8], "groups": {"day": E[:4], "night": E[4:7]}}
    people = factor_people({"crew-a": crew, "crew-b": crew})
    assert people.shared == {"crew-labelers": ["crew-day", "crew-night", E[7]], "crew-day": E[:4], "crew-night": E[4:7]}
    assert people.labelers == {"crew-a": ["crew-labelers"], "crew-b": ["crew-labelers"]}
    assert people.groups["crew-b"] == {"day": ["crew-day"], "night": ["crew-night"]}


def test_sets_equal_but_for_order_never_name_each_other():
    a, b = E[:3], list(reversed(E[:3]))
    people = factor_people({"p1": {"labelers": a, "groups": {"g": b}}, "p2": {"labelers": b, "groups": {"g": a}}})
    assert all("@" in entry for body in people.shared.values() for entry in body)  # no set names a set: no cycle
    assert _meaning(people, {"p1": {}, "p2": {}}) == _original(
        {"p1": {"labelers": a, "groups": {"g": b}}, "p2": {"labelers": b, "groups": {"g": a}}}
    )


def test_groups_without_declared_labelers_are_written_as_they_are():
    people = factor_people({"p": {"groups": {"night": E[:6]}}})
    assert people.groups["p"] == {"night": E[:6]} and "p" not in people.labelers and people.shared == {}


def test_set_names_are_valid_set_names_and_never_collide():
    shift = {"labelers": E[:2], "groups": {"shift": E[:2]}}
    people = factor_people({"x-late-a": shift, "x-late-b": shift})
    assert list(people.shared) == ["x-late-shift"]  # labelers and a group: one set, named for the group
    people = factor_people(
        {
            "${var.prefix}x-late-a": {"groups": {"late shift": E[:2]}},
            "${var.prefix}x-late-b": {"groups": {"late shift": E[:2], "late-shift": E[2:4]}},
            "x-late-c": {"groups": {"late-shift": E[2:4]}},
        }
    )
    # No `$`, `{` or space; both would be `x-late-late-shift`: each takes its first project instead.
    assert list(people.shared) == ["x-late-a-late-shift", "x-late-b-late-shift"]
    # Numbered only when even that is the same: `${var.prefix}a` and `a` both read `a`.
    people = factor_people(
        {
            "${var.prefix}a": {"groups": {"g": E[:2]}},
            "${var.prefix}b": {"groups": {"g": E[:2]}},
            "a": {"groups": {"g": E[2:4]}},
            "b": {"groups": {"g": E[2:4]}},
        }
    )
    assert list(people.shared) == ["a-g", "a-g-2"]


_emails = st.lists(st.sampled_from(E), unique=True, max_size=14)


@st.composite
def _projects(draw) -> dict[str, dict]:
    specs = {}
    for i in range(draw(st.integers(1, 5))):
        spec: dict = {}
        labelers = draw(_emails) if draw(st.booleans()) else None
        pool = labelers if labelers is not None and draw(st.booleans()) else E  # exports: inside; also not
        if labelers is not None:
            spec["labelers"] = labelers
        members = st.lists(st.sampled_from(pool), unique=True) if pool else st.just([])
        spec["groups"] = {f"g{j}": draw(members) for j in range(draw(st.integers(0, 3)))}
        specs[f"p{i}"] = spec
    return specs


@settings(max_examples=300, derandomize=True, deadline=None)
@given(_projects())
def test_what_is_written_means_what_was_exported(specs):
    people = factor_people(specs)
    assert _meaning(people, specs) == _original(specs)
    for name in specs:  # a list never writes an email twice: the loader would report it
        for written in [people.labelers.get(name, []), *people.groups[name].values()]:
            assert len(written) == len(set(written))
    for body in people.shared.values():
        assert len(body) == len(set(body))
