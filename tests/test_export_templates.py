"""Factoring a flat export: what becomes a template or a set, the names, and that nothing changes meaning."""

from __future__ import annotations

import yaml

from helpers import cli
from scaleform.export.templates import factor
from scaleform.manifest_text import manifest_yaml as _dump

LI, ZOE, BO = "li@acme.ai", "zoe@acme.ai", "bo@acme.ai"
TEAM = "version: 1\n" + _dump({"team": {"labelers": [BO, LI, ZOE]}})


def _flat(projects: dict[str, dict]) -> dict[str, str]:
    files = {"team.yaml": TEAM}
    for name, spec in projects.items():
        files[f"projects/{name}.yaml"] = "version: 1\n# a note\n" + _dump({"projects": {name: spec}})
    return files


def _studio(instruction: str, labelers: list[str], **extra) -> dict:
    return {
        "type": "imageannotation",
        "studio": True,
        "rapid": False,
        "params": {"instruction": instruction, "geometries": {"box": {"min_height": 10}}},
        "pipeline": {"type": "consensus_task", "consensus_attempts": 3},
        "labelers": labelers,
        **extra,
    }


def _load(files: dict[str, str], path: str) -> dict:
    return yaml.safe_load(files[path])


def _render(tmp_path, files: dict[str, str], name: str) -> str:
    root = tmp_path / name
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    result = cli("render", str(root))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_shared_values_become_templates_and_projects_extend_them():
    files = factor(_flat({"signs-eu": _studio("EU signs", [LI, ZOE]), "signs-us": _studio("US signs", [BO, LI])}))
    templates = _load(files, "templates.yaml")["templates"]
    eu = _load(files, "projects/signs-eu.yaml")["projects"]["signs-eu"]
    assert list(templates) == ["signs-imageannotation-consensus-box"]
    assert templates["signs-imageannotation-consensus-box"] == {
        "type": "imageannotation",
        "studio": True,
        "rapid": False,
        "pipeline": {"type": "consensus_task", "consensus_attempts": 3},
        "params": {"geometries": {"box": {"min_height": 10}}},
    }
    assert eu == {
        "extends": "signs-imageannotation-consensus-box",
        "params": {"instruction": "EU signs"},
        "labelers": [LI, ZOE],
    }
    assert files["projects/signs-eu.yaml"].startswith("version: 1\n# a note\n")  # the header survives


def test_factored_files_render_exactly_as_the_flat_ones(tmp_path):
    flat = _flat(
        {
            "a-one": _studio("one", [LI, ZOE], groups={"night": [LI, ZOE]}),
            "a-two": _studio("two", [LI, ZOE]),
            "b-three": {"type": "transcription", "params": {"instruction": "x", "gone": None}, "labelers": [BO]},
            "b-four": {"type": "transcription", "params": {"instruction": "x", "gone": None}, "labelers": []},
        }
    )
    factored = factor(flat)
    assert "templates.yaml" in factored and "people.yaml" in factored
    assert _render(tmp_path, factored, "factored") == _render(tmp_path, flat, "flat")


def test_params_with_a_null_stay_whole_in_the_project():
    spec = {"type": "transcription", "params": {"instruction": "x", "gone": None}}
    files = factor(_flat({"p1": dict(spec), "p2": dict(spec)}))
    for name in ("p1", "p2"):
        own = _load(files, f"projects/{name}.yaml")["projects"][name]
        assert own["params"] == {"instruction": "x", "gone": None}  # merged, the null would remove `gone`
    assert all("params" not in t for t in _load(files, "templates.yaml")["templates"].values())


def test_repeated_people_lists_become_sets_and_a_group_equal_to_labelers_names_the_set():
    files = factor(
        _flat(
            {
                "crew-1": _studio("1", [LI, ZOE]),
                "crew-2": _studio("2", [BO, LI], groups={"g": [LI, ZOE]}),
                "solo-3": _studio("3", [BO]),
            }
        )
    )
    people = _load(files, "people.yaml")["people"]
    assert people == {"crew-g": [LI, ZOE]}  # named for the group it is
    assert _load(files, "projects/crew-1.yaml")["projects"]["crew-1"]["labelers"] == ["crew-g"]
    two = _load(files, "projects/crew-2.yaml")["projects"]["crew-2"]
    assert two["labelers"] == [BO, LI] and two["groups"] == {"g": ["crew-g"]}
    assert _load(files, "projects/solo-3.yaml")["projects"]["solo-3"]["labelers"] == [BO]  # a set of one saves nothing


def test_names_never_collide_and_say_what_tells_them_apart():
    specs = {f"p{i}": {"type": "categorization", "params": {"instruction": f"i{i % 2}"}} for i in range(4)}
    files = factor(_flat(specs))
    templates = _load(files, "templates.yaml")["templates"]
    # Both instructions would be `instruction`, then `categorization-instruction`: each takes its first project.
    assert list(templates) == ["categorization", "p0-instruction", "p1-instruction"]
    assert templates["p1-instruction"] == {"extends": "categorization", "params": {"instruction": "i1"}}
    assert _load(files, "projects/p3.yaml")["projects"]["p3"] == {"extends": "p1-instruction"}
    # Only names that stay the same to the end are numbered: `${var.prefix}a` and `a` both read `a`.
    specs = {
        name: {"type": "categorization", "params": {"instruction": text}}
        for name, text in [("${var.prefix}a", "x"), ("${var.prefix}b", "x"), ("a", "y"), ("b", "y")]
    }
    assert list(_load(factor(_flat(specs)), "templates.yaml")["templates"]) == [
        "categorization",
        "a-instruction",
        "a-instruction-2",
    ]


def test_templates_layer_instead_of_combining_and_projects_extend_on_one_line():
    # 2 pipelines x 3 geometries: the pipeline and the geometry templates extend the type's, and each
    # project names its two, on one line; no template per pair.
    specs = {}
    for i in range(12):
        spec = _studio(f"i{i}", [LI], pipeline={"type": "consensus_task" if i % 2 else "standard_task"})
        spec["params"]["geometries"] = {"box": {"objects_to_annotate": ["car", f"sign{i % 3}"]}}
        specs[f"road-{i:02d}"] = spec
    files = factor(_flat(specs))
    templates = _load(files, "templates.yaml")["templates"]
    assert list(templates) == [
        "road-imageannotation",
        "road-standard",
        "road-consensus",
        "road-car-sign0",
        "road-car-sign1",
        "road-car-sign2",
    ]
    assert all(
        t.get("extends") == "road-imageannotation" for name, t in templates.items() if name != "road-imageannotation"
    )
    assert "    extends: [road-consensus, road-car-sign1]\n" in files["projects/road-01.yaml"]


def test_the_same_input_gives_the_same_files():
    specs = {f"n-{i}": _studio(f"i{i % 3}", [LI, ZOE] if i % 2 else [BO, LI]) for i in range(9)}
    assert factor(_flat(specs)) == factor(_flat(dict(reversed(list(specs.items())))))


def test_nothing_shared_writes_no_template_or_set_file():
    files = factor(_flat({"solo": _studio("only", [LI, ZOE])}))
    assert "templates.yaml" not in files and "people.yaml" not in files
    assert _load(files, "projects/solo.yaml")["projects"]["solo"]["type"] == "imageannotation"
