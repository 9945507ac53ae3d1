"""Templates: for random hierarchies, the effective projects equal a straightforward reference merge."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaleform.manifest import load_manifests
from scaleform.manifest.located import load_yaml
from scaleform.manifest.templates import merge


def reference_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = reference_merge(out[key], value)
        else:
            out[key] = value
    return out


def reference_effective(spec: dict, templates: dict) -> dict:
    extends = spec.get("extends", [])
    out: dict = {}
    for name in [extends] if isinstance(extends, str) else extends:
        out = reference_merge(out, reference_effective(templates[name], templates))
    return reference_merge(out, {k: v for k, v in spec.items() if k != "extends"})


keys = st.sampled_from(["a", "b", "c"])
leaves = st.one_of(st.integers(-3, 3), st.sampled_from(["x", "y"]), st.none(), st.lists(st.integers(0, 3), max_size=2))
params = st.dictionaries(keys, leaves, max_size=3)
for _ in range(2):  # mappings nested three deep
    params = st.dictionaries(keys, st.one_of(leaves, params), max_size=3)
emails = st.lists(st.sampled_from(["li@acme.ai", "bo@acme.ai", "kim@acme.ai"]), unique=True, max_size=3)


@st.composite
def hierarchies(draw):
    """Templates t0..tn (ti extends only earlier ones: no cycles) and projects extending them."""
    templates: dict[str, dict] = {}
    for i in range(draw(st.integers(1, 5))):
        spec = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "type": st.sampled_from(["imageannotation", "textcollection", None]),
                    "studio": st.one_of(st.booleans(), st.none()),
                    "params": params,
                    "labelers": emails,
                },
            )
        )
        bases = draw(st.lists(st.sampled_from(sorted(templates)), unique=True, max_size=3)) if templates else []
        if bases:
            spec["extends"] = bases[0] if len(bases) == 1 and draw(st.booleans()) else bases
        templates[f"t{i}"] = spec
    projects = {}
    for i in range(draw(st.integers(1, 4))):
        spec = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "studio": st.one_of(st.booleans(), st.none()),
                    "params": st.one_of(params, st.none()),
                    "labelers": st.one_of(emails, st.none()),
                },
            )
        )
        spec["extends"] = draw(st.lists(st.sampled_from(sorted(templates)), unique=True, min_size=1, max_size=3))
        if reference_effective(spec, templates).get("type") is None:
            spec["type"] = "imageannotation"
        projects[f"p{i}"] = spec
    return templates, projects


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(hierarchies())
def test_effective_projects_equal_the_reference_merge(tmp_path_factory, drawn):
    templates, projects = drawn
    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "templates": templates, "projects": projects}))
    desired = load_manifests(path).desired
    for name, spec in projects.items():
        want = reference_effective(spec, templates)
        got = desired.projects[name]
        assert got.type == want["type"]
        assert got.studio == want.get("studio")
        assert got.params == want.get("params")
        assert got.labelers == (tuple(want["labelers"]) if "labelers" in want else None)


def test_merge_keeps_the_location_of_each_value_and_changes_neither_side():
    base = load_yaml("a: {x: 1, y: [1]}\nb: 2\n", "base.yaml")
    over = load_yaml("a: {y: [2], z: null}\nb: null\nc: 3\n", "over.yaml")
    out = merge(base, over)
    assert out == {"a": {"x": 1, "y": [2]}, "c": 3}
    assert str(out["a"].value_locs["x"]) == "base.yaml:1:8" and str(out["a"].value_locs["y"]) == "over.yaml:1:8"
    assert base == {"a": {"x": 1, "y": [1]}, "b": 2} and over["b"] is None


def _problems(tmp_path, doc: dict) -> list[str]:
    from scaleform.errors import ScaleformError

    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ScaleformError) as exc:
        load_manifests(path)
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize("order", [1, -1])  # resolved without recursion (bases first), or with it
def test_a_chain_deeper_than_the_limit_is_an_error_not_a_crash(tmp_path, order):
    from scaleform.manifest.nesting import MAX_DEPTH

    names = list(range(MAX_DEPTH + 5))[::order]
    chain = {f"t{i}": ({"extends": f"t{i - 1}"} if i else {"type": "chat"}) for i in names}
    problems = _problems(tmp_path, {"templates": chain, "projects": {"p": {"extends": f"t{MAX_DEPTH + 4}"}}})
    assert len(problems) == 1 and f"more than {MAX_DEPTH} levels deep" in problems[0]
    shallow = {
        f"t{i}": ({"extends": f"t{i - 1}"} if i else {"type": "chat"}) for i in names[::order][:MAX_DEPTH][::order]
    }
    path = tmp_path / "ok.yaml"
    path.write_text(
        yaml.safe_dump({"templates": shallow, "projects": {"p": {"extends": f"t{MAX_DEPTH - 1}"}}}, sort_keys=False)
    )
    assert load_manifests(path).desired.projects["p"].type == "chat"  # exactly the limit is fine


def test_inheritance_that_would_copy_too_much_is_refused_once(tmp_path, monkeypatch):
    from scaleform.manifest import templates

    monkeypatch.setattr(templates, "MAX_MERGED", 100)
    doc = {
        "templates": {"big": {"type": "chat", "params": {f"k{i}": i for i in range(40)}}},
        "projects": {f"p{i}": {"extends": "big"} for i in range(5)},
    }
    problems = _problems(tmp_path, doc)
    assert len(problems) == 1 and "merge into more than 100 values" in problems[0]


layers = st.lists(st.dictionaries(keys, st.one_of(leaves, params), max_size=3), max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.none(), params), layers)
def test_merging_a_list_in_one_pass_equals_merging_it_one_layer_at_a_time(base, overs):
    from functools import reduce

    from scaleform.manifest.templates import merge_all

    loaded = [load_yaml(yaml.safe_dump(layer), f"l{i}.yaml") for i, layer in enumerate(overs)]
    if base is None:
        want = reduce(reference_merge, overs, {})
        got = merge_all(None, loaded) if loaded else {}
    else:  # a base is taken as written: its own nulls stay
        want = reduce(reference_merge, overs, base)
        got = merge_all(load_yaml(yaml.safe_dump(base), "base.yaml"), loaded)
    assert got == want


def test_a_wide_extends_list_is_merged_in_work_linear_in_its_length(tmp_path, monkeypatch):
    # Work is counted, not timed: every value a load places in a mapping goes through LocDict.put,
    # and merging the list one layer at a time would re-place the growing result once per layer.
    from scaleform.manifest.located import LocDict

    placed = 0
    put = LocDict.put

    def counting_put(self, *args, **kwargs):
        nonlocal placed
        placed += 1
        return put(self, *args, **kwargs)

    monkeypatch.setattr(LocDict, "put", counting_put)

    def work(n: int) -> int:
        nonlocal placed
        path = tmp_path / f"m{n}.yaml"
        path.write_text(
            "templates:\n"
            + "".join(f"  t{i}: {{params: {{k{i}: {i}}}}}\n" for i in range(n))
            + "projects:\n  p:\n    type: chat\n    extends: ["
            + ", ".join(f"t{i}" for i in range(n))
            + "]\n"
        )
        placed = 0
        assert len(load_manifests(path).desired.projects["p"].params) == n
        return placed

    small, large = work(1_000), work(8_000)
    assert small > 1_000
    assert large <= 8 * small * 1.1  # one layer at a time would place about 64 times as much, not 8


def test_only_the_first_unknown_names_get_a_did_you_mean(tmp_path):
    names = [f"t{i}" for i in range(30)]
    problems = _problems(
        tmp_path,
        {"templates": {n: {"type": "chat"} for n in names}, "projects": {"p": {"extends": [f"{n}x" for n in names]}}},
    )
    assert len(problems) == 30
    assert sum("did you mean" in p for p in problems) == 10
    assert sum("declared templates: t0, t1, t10" in p for p in problems) == 20
