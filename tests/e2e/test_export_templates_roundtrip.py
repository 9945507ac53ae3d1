"""`export --templates` against the sandbox: round trip to `No changes.`, stable names, a smaller export."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import cli, make_db, plan_json


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yaml"))}


def _lines(root: Path) -> int:
    return sum(text.count("\n") for text in _files(root).values())


def _export(db: Path, out: Path, *flags: str) -> dict[str, str]:
    result = cli("export", "--sandbox", str(db), "--out", str(out), *flags)
    assert result.exit_code == 0, result.output
    return _files(out)


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("large") / "large.db", "large", projects=300)


@pytest.mark.parametrize("fixture", ["demo", "large"])
def test_factored_export_then_plan_is_empty(tmp_path, large, fixture):
    db = large if fixture == "large" else make_db(tmp_path / "demo.db", "demo")
    files = _export(db, tmp_path / "out", "--templates")
    assert "templates.yaml" in files and "people.yaml" in files
    assert "extends:" in "".join(t for p, t in files.items() if p.startswith("projects/"))
    assert cli("validate", str(tmp_path / "out")).exit_code == 0
    plan = cli("plan", str(tmp_path / "out"), "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout[-3000:]
    assert "No changes. The account matches the manifests." in plan.stdout


def test_names_are_stable_from_run_to_run(tmp_path, large):
    assert _export(large, tmp_path / "one", "--templates") == _export(large, tmp_path / "two", "--templates")


def test_the_factored_large_export_is_smaller(tmp_path, large):
    _export(large, tmp_path / "flat")
    _export(large, tmp_path / "factored", "--templates")
    flat, factored = _lines(tmp_path / "flat"), _lines(tmp_path / "factored")
    # The fixture draws every project's labelers and groups at random, so people lists barely
    # repeat: what factoring removes here is the type, flags, ontology, pipeline and shared params.
    # docs/composition.md shows why a third of the lines is out of reach on it.
    assert factored < 0.8 * flat, (flat, factored)


def test_an_account_staffed_by_teams_halves(tmp_path):
    # Labelers drawn from 100 teams, groups as fixed shifts: the people lists repeat and become sets.
    db = make_db(tmp_path / "teams.db", "large", projects=300, members=3000, teams=100)
    _export(db, tmp_path / "flat")
    factored = _export(db, tmp_path / "factored", "--templates")
    flat_lines, factored_lines = _lines(tmp_path / "flat"), _lines(tmp_path / "factored")
    assert factored_lines <= 0.45 * flat_lines, (flat_lines, factored_lines)
    assert "people.yaml" in factored
    plan = cli("plan", str(tmp_path / "factored"), "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0 and "No changes." in plan.stdout


def test_flat_and_factored_exports_plan_the_same_from_an_empty_account(tmp_path):
    # Everything a factored export says, it says of the same people: from nothing, both plans match.
    source = make_db(tmp_path / "source.db", "large", projects=30, members=300, batches=0, teams=10)
    _export(source, tmp_path / "flat")
    factored = _export(source, tmp_path / "factored", "--templates")
    sets = yaml.safe_load(factored["people.yaml"])["people"]
    assert any("@" not in entry for body in sets.values() for entry in body)  # labelers through group sets
    empty = make_db(tmp_path / "empty.db", "empty")
    plans = [plan_json(empty, tmp_path / side) for side in ("flat", "factored")]
    for plan in plans:
        plan.pop("manifest_digest")
    assert plans[0] == plans[1] and plans[0]["summary"]["add"] == 420


def test_templates_with_prefix_to_var_plan_no_changes_for_that_prefix(tmp_path):
    db = make_db(tmp_path / "p.db", "large", projects=12, members=200, batches=6, teams=4)
    files = _export(db, tmp_path / "out", "--templates", "--prefix-to-var", "proj-")
    projects = "".join(t for p, t in files.items() if p.startswith("projects/"))
    assert "${var.prefix}0000:" in projects and "extends:" in projects and "people.yaml" in files
    for text in files.values():  # set and template names are names of the manifests, never templated
        for name in (yaml.safe_load(text) or {}).get("people", {}) | (yaml.safe_load(text) or {}).get("templates", {}):
            assert "$" not in name, name
    plan = cli("plan", str(tmp_path / "out"), "--var", "prefix=proj-", "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout[-3000:]
    assert "No changes." in plan.stdout
