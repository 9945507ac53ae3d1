"""manifest.task_types: an unknown `type` is a located error with a did-you-mean; an undocumented
params key is a located warning with one (an error under `settings.strict_params: true`)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from helpers import cli, make_db, write_manifest
from scaleform.errors import ScaleformError
from scaleform.manifest import load_manifests
from scaleform.manifest.schema import load_schema
from scaleform.manifest.task_types import PARAMS, TASK_TYPES

TYPO_TYPE = "projects:\n  signs:\n    type: imageanotation\n"
TYPO_PARAM = "projects:\n  signs:\n    type: imageannotation\n    params:\n      instructions: Box every sign.\n"


def test_a_misspelt_type_is_a_located_error_with_a_did_you_mean(tmp_path):
    path = write_manifest(tmp_path / "m.yaml", TYPO_TYPE)
    with pytest.raises(ScaleformError) as exc:
        load_manifests(path)
    [problem] = exc.value.problems
    assert (problem.location.line, problem.location.column) == (3, 11)
    assert "unknown task type 'imageanotation'" in problem.message
    assert "did you mean 'imageannotation'" in problem.message
    result = cli("validate", str(path))
    assert result.exit_code == 1 and "m.yaml:3:11" in result.stderr and "imageannotation" in result.stderr


def test_a_type_far_from_every_known_one_is_refused_without_a_guess(tmp_path):
    with pytest.raises(ScaleformError) as exc:
        load_manifests(write_manifest(tmp_path / "m.yaml", "projects:\n  p: {type: nonsense_type}\n"))
    assert "unknown task type 'nonsense_type'" in str(exc.value) and "did you mean" not in str(exc.value)


def test_a_misspelt_param_is_a_located_warning_with_a_did_you_mean(tmp_path):
    path = write_manifest(tmp_path / "m.yaml", TYPO_PARAM)
    [warning] = load_manifests(path).warnings
    assert (warning.location.line, warning.location.column) == (5, 7)
    assert "params key 'instructions'" in warning.message and "did you mean 'instruction'" in warning.message
    result = cli("validate", str(path))
    assert result.exit_code == 0
    assert f"warning: {path.as_posix()}:5:7: project 'signs': params key 'instructions'" in result.stderr
    github = cli("validate", str(path), "--format", "github")
    assert github.stdout.startswith(f"::warning file={path.as_posix()},line=5,col=7,title=scaleform::")


def test_strict_params_makes_the_warning_a_located_error(tmp_path):
    path = write_manifest(tmp_path / "m.yaml", "settings: {strict_params: true}\n" + TYPO_PARAM)
    with pytest.raises(ScaleformError) as exc:
        load_manifests(path)
    [problem] = exc.value.problems
    assert problem.location.line == 6 and "settings.strict_params" in problem.message
    assert cli("validate", str(path)).exit_code == 1


def test_documented_params_and_undocumented_types_draw_no_warning(tmp_path):
    text = (
        "projects:\n  a:\n    type: imageannotation\n    params: {instruction: x, geometries: {box: {}}, "
        "annotation_attributes: {}}\n  b:\n    type: chat\n    params: {anything: 1}\n"
        "  c:\n    type: categorization\n    params: {categories: [x, y], allow_multiple: true}\n"
    )
    assert load_manifests(write_manifest(tmp_path / "m.yaml", text)).warnings == ()


def test_a_key_many_projects_inherit_from_one_template_is_said_once_where_it_is_written(tmp_path):
    text = "templates:\n  base:\n    type: imageannotation\n    params: {instructions: x}\nprojects:\n" + "".join(
        f"  p{i}: {{extends: base}}\n" for i in range(5)
    )
    [warning] = load_manifests(write_manifest(tmp_path / "m.yaml", text)).warnings
    assert warning.location.line == 4 and "projects 'p0', 'p1', 'p2' and 2 more" in warning.message


def test_warnings_are_in_validate_json_and_sarif(tmp_path):
    path = write_manifest(tmp_path / "m.yaml", TYPO_PARAM)
    data = json.loads(cli("validate", str(path), "--format", "json").stdout)
    jsonschema.validate(data, load_schema("validate.schema.json"))
    assert data["valid"] is True and data["problems"] == []
    assert [(w["location"]["line"], w["location"]["column"]) for w in data["warnings"]] == [(5, 7)]
    sarif = json.loads(cli("validate", str(path), "--format", "sarif").stdout)
    assert [r["level"] for r in sarif["runs"][0]["results"]] == ["warning"]


def test_plan_says_each_warning_once_on_stderr(tmp_path):
    path = write_manifest(tmp_path / "m.yaml", TYPO_PARAM)
    result = cli("plan", str(path), "--sandbox", str(make_db(tmp_path / "sandbox.db")), "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("params key 'instructions'") == 1 and "instructions'" not in result.stdout


def test_the_data_names_only_known_types():
    assert set(PARAMS) <= TASK_TYPES
    assert all("instruction" in params for params in PARAMS.values())


def test_many_undocumented_keys_are_listed_up_to_the_cap_then_counted(tmp_path):
    from scaleform.manifest.references import MAX_SAME

    keys = "".join(f"      typo{i}: 1\n" for i in range(MAX_SAME + 25))
    text = "projects:\n  signs:\n    type: imageannotation\n    params:\n" + keys
    warnings = load_manifests(write_manifest(tmp_path / "m.yaml", text)).warnings
    assert len(warnings) == MAX_SAME + 1 and "25 more undocumented params keys" in warnings[-1].message


def test_a_wrong_type_many_projects_inherit_is_one_error_where_it_is_written(tmp_path):
    text = "templates:\n  base: {type: imageanotation}\nprojects:\n" + "".join(
        f"  p{i}: {{extends: base}}\n" for i in range(4)
    )
    with pytest.raises(ScaleformError) as exc:
        load_manifests(write_manifest(tmp_path / "m.yaml", text))
    [problem] = exc.value.problems
    assert problem.location.line == 2 and "projects 'p0', 'p1', 'p2' and 1 more" in problem.message
