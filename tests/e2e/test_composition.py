"""Composition end to end: examples/composition converges against the sandbox, and a change to one
template reaches exactly the projects that inherit it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import cli, make_db, plan_json

EXTENDS_STUDIO_BOXES = [
    "signs-eu",
    "signs-us",
    "signs-night",
    "signs-audit",
    "cars",
    "trucks",
    "buses",
    "bikes",
    "pedestrians",
]


def converge(db: Path, manifests: Path, env: str) -> None:
    first = cli("apply", str(manifests), "-e", env, "--sandbox", str(db), "--auto-approve")
    assert first.exit_code == 0, first.output
    assert cli("sandbox", "accept-invites", "--db", str(db)).exit_code == 0
    second = cli("apply", str(manifests), "-e", env, "--sandbox", str(db), "--auto-approve")
    assert second.exit_code == 0, second.output


@pytest.fixture()
def example(tmp_path, root) -> Path:
    return Path(shutil.copytree(root / "examples" / "composition", tmp_path / "composition"))


@pytest.mark.parametrize("env,prefix", [("staging", "stg"), ("production", "prod")])
def test_the_composition_example_converges(tmp_path, example, env, prefix):
    db = make_db(tmp_path / "s.db")
    assert cli("validate", str(example), "-e", env).exit_code == 0
    before = plan_json(db, example, "-e", env)
    assert before["summary"]["add"] > 12  # 12 projects and their facets, people, groups
    converge(db, example, env)
    plan = cli("plan", str(example), "-e", env, "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "No changes." in plan.stdout
    after = plan_json(db, example, "-e", env)
    assert after["changes"] == [] and after["deferred"] == []
    created = {c["address"] for c in before["changes"] if c["address"].count(".") == 0}
    assert {f"project[{prefix}-{name}]" for name in ["receipts", "invoices", "forms"]} <= created


def test_one_template_param_updates_the_params_of_each_project_that_inherits_it(tmp_path, example):
    db = make_db(tmp_path / "s.db")
    converge(db, example, "staging")
    templates = example / "templates.yaml"
    text = templates.read_text()
    assert text.count("box: {min_height: 10, min_width: 10}") == 1
    templates.write_text(text.replace("box: {min_height: 10, min_width: 10}", "box: {min_height: 10, min_width: 8}"))

    plan = plan_json(db, example, "-e", "staging")
    # stg-trucks sets its own min_width, so the template's no longer reaches it.
    expected = sorted(f"project[stg-{name}].params" for name in EXTENDS_STUDIO_BOXES if name != "trucks")
    assert [(c["address"], c["action"]) for c in plan["changes"]] == [(a, "update") for a in expected]
    assert plan["deferred"] == [] and plan["summary"]["change"] == len(expected) == 8
    assert all(op["path"].endswith("/setParams") for op in plan["operations"]) and len(plan["operations"]) == 8
    for change in plan["changes"]:
        assert change["after"]["geometries"]["box"]["min_width"] == 8


def test_a_plan_error_at_an_inherited_value_names_the_project_that_inherits_it(tmp_path):
    db = make_db(tmp_path / "s.db")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "templates.yaml").write_text(
        "version: 1\ntemplates:\n  text:\n    type: categorization\n    params: {instruction: Read it.}\n"
    )
    (tmp_path / "m" / "ocr.yaml").write_text("version: 1\nprojects:\n  legacy-ocr:\n    extends: text\n")
    result = cli("plan", str(tmp_path / "m"), "--sandbox", str(db))
    assert result.exit_code == 1 and "Traceback" not in result.output
    # The type was written in the template; the live account says it cannot change.
    assert (
        f"{tmp_path / 'm' / 'templates.yaml'}:4:11: project 'legacy-ocr' is live as type 'transcription'"
        in result.output
    )
    assert f"(inherited by project 'legacy-ocr' at {tmp_path / 'm' / 'ocr.yaml'}:4:14)" in result.output
