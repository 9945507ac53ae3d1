"""The workflow's scaleform steps, run verbatim as a new user's repository would run them, against
sandbox accounts served on loopback (one per environment; SCALE_API_URL points at them, as an
operator may): the examples with environments validate and plan for every listed environment, and
the whole loop holds: the pull request's plan is the reviewed plan, the merge applies it, a change
nobody reviewed is refused before any write, a push without a reviewed plan applies nothing, and
the drift check sees the result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from test_examples_ci import ROOT, listed_environments, step
from test_examples_ci_scripts import run_bash

from helpers import KEY, make_db, served, writes

KEYS = dict(listed_environments())


@pytest.fixture
def accounts(tmp_path):
    """A sandbox account per listed environment: {name: (url, db)}."""
    found = {}
    with served(make_db(tmp_path / "staging.db")) as staging, served(make_db(tmp_path / "production.db")) as prod:
        found = {"staging": (staging, tmp_path / "staging.db"), "production": (prod, tmp_path / "production.db")}
        assert set(found) == set(KEYS)
        yield found


def user_repo(tmp_path: Path, example: str) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / example, repo / "manifests")
    (tmp_path / "runner").mkdir(exist_ok=True)
    return repo


def run_step(job: str, name: str, repo: Path, environment: str, accounts: dict, **env: str):
    """One of the workflow's steps, verbatim, in `job`'s matrix leg for `environment`, with the key
    as GitHub would hand it over (secrets[matrix.key]) and that environment's account."""
    given = {"SCALEFORM_KEY_NAME": KEYS[environment], "SCALEFORM_KEY": KEY, **env}
    return run_bash(
        step(job, name)["run"],
        repo.parent,
        cwd=str(repo),
        SCALEFORM_ENV=environment,
        SCALE_API_URL=accounts[environment][0],
        RUNNER_TEMP=str(repo.parent / "runner"),
        **given,
    )


def drift(repo: Path, environment: str, accounts: dict) -> tuple[int, dict]:
    result, _ = run_step("drift", "Read the account and plan", repo, environment, accounts)
    assert result.returncode == 0, result.stderr
    assert (repo / "plan.md").read_text().startswith("**Plan:")
    result, out = run_step("drift", "judge", repo, environment, accounts)
    return result.returncode, out


@pytest.mark.parametrize("example", ["multi-env", "composition"])
def test_an_example_with_environments_validates_and_plans_with_the_workflows_steps(tmp_path, accounts, example):
    repo = user_repo(tmp_path, example)
    result, _ = run_bash(step("validate", "Validate")["run"], tmp_path, cwd=str(repo))
    assert result.returncode == 0 and "::error" not in result.stdout, result.stdout + result.stderr
    assert "valid in each environment" in result.stdout
    for environment in KEYS:
        result, _ = run_step("plan", "plan", repo, environment, accounts)
        assert result.returncode == 0, (environment, result.stderr)
        assert "rehearsal:" in (repo / "plan.md").read_text()
        assert f"(environment: {environment})" in (repo / "plan.md").read_text()
        saved = json.loads((repo / "plan.json").read_text())
        assert saved["target"]["environment"] == environment and saved["changes"]
        assert drift(repo, environment, accounts)[0] == 2  # nothing applied yet: the account differs
    assert all(writes(db) == [] for _, db in accounts.values())  # plans and drift checks only read


def test_the_key_goes_in_the_variable_the_environment_names(tmp_path, accounts):
    repo = user_repo(tmp_path, "multi-env")
    result, _ = run_step("plan", "plan", repo, "staging", accounts, SCALEFORM_KEY_NAME="SCALE_API_KEY")
    assert result.returncode == 1
    assert "no API key: set the environment variable SCALE_STAGING_API_KEY" in result.stderr


def test_the_loop_applies_the_reviewed_plan_and_nothing_else(tmp_path, accounts):
    repo = user_repo(tmp_path, "multi-env")
    reviewed = tmp_path / "runner" / "reviewed"
    reviewed.mkdir()
    _, staging_db = accounts["staging"]

    # the pull request: its plan, saved as the artifact the lookup later brings back as pr-7.json
    result, _ = run_step("plan", "plan", repo, "staging", accounts)
    assert result.returncode == 0, result.stderr
    shutil.copy(repo / "plan.json", reviewed / "pr-7.json")

    # a plan made for another environment is not a review of this one
    result, _ = run_step("plan", "plan", repo, "production", accounts)
    shutil.copy(repo / "plan.json", reviewed / "pr-8.json")
    result, out = run_step("apply", "apply", repo, "staging", accounts)
    assert result.returncode == 1 and out == {"outcome": "failed"} and "was made for" in result.stderr
    assert writes(staging_db) == []
    (reviewed / "pr-8.json").unlink()

    # a commit after the review (or a direct push) changes what main asks for: refused, nothing written
    projects = repo / "manifests" / "projects.yaml"
    reviewed_text = projects.read_text()
    projects.write_text(reviewed_text.replace("Draw a box around every traffic sign.", "Box every sign."))
    result, out = run_step("apply", "apply", repo, "staging", accounts)
    assert result.returncode == 1 and out == {"outcome": "refused"}
    refusal = (repo / "apply.err").read_text()
    assert "refusing to apply: 1 change(s) are not in the reviewed plan" in refusal
    assert "with the same values: project[stg-street-signs].params (create). Nothing was written." in refusal
    assert "::error title=scaleform::Not applied" in result.stdout
    assert writes(staging_db) == []

    # the merge as reviewed: applied, and the report says how the reviewed plan ended up
    projects.write_text(reviewed_text)
    result, out = run_step("apply", "apply", repo, "staging", accounts)
    assert result.returncode == 0 and out == {"outcome": "applied"}, result.stderr
    report = (repo / "apply.md").read_text()
    assert "Reviewed plan: 8 of 8 reviewed change(s) applied now, 0 already in place." in report
    assert report in (tmp_path / "github_summary").read_text()
    assert writes(staging_db)
    assert drift(repo, "staging", accounts) == (0, {"drift": "false"})  # invitations pending are no drift
    assert drift(repo, "production", accounts)[0] == 2  # production was not touched

    # a later push with no reviewed plan (a bot's or a fork's merge, a direct push): nothing to
    # apply is green; something to apply is refused, naming it, and nothing is written
    shutil.rmtree(reviewed)
    result, out = run_step("apply", "unreviewed", repo, "staging", accounts)
    assert result.returncode == 0 and out == {"outcome": "applied"}, result.stdout + result.stderr
    assert (repo / "apply.md").read_text().startswith("**Nothing to apply**")
    before = len(writes(staging_db))
    projects.write_text(reviewed_text.replace("Draw a box around every traffic sign.", "Box every sign."))
    result, out = run_step("apply", "unreviewed", repo, "staging", accounts)
    assert result.returncode == 1 and out == {"outcome": "refused"}
    assert (
        "::error title=scaleform::refusing to apply: 1 change(s) and no reviewed plan: "
        "project[stg-street-signs].params (update)" in result.stdout
    )
    assert "refusing to apply" in (repo / "apply.err").read_text()
    # ...and the apply step itself never runs apply without a reviewed plan
    result, out = run_step("apply", "apply", repo, "staging", accounts)
    assert result.returncode == 1 and "No reviewed plan to apply with" in result.stdout and out == {}
    assert len(writes(staging_db)) == before


def test_manifests_without_environments_declare_one_as_the_readme_says(tmp_path, accounts):
    repo = user_repo(tmp_path, "quickstart")
    (repo / "manifests" / "environments.yaml").write_text("version: 1\nenvironments: {production: {}}\n")
    result, out = run_bash(step("validate", "environments")["run"], tmp_path, SCALEFORM_ENVIRONMENTS="production\n")
    assert json.loads(out["list"]) == [{"environment": "production", "key": "SCALE_API_KEY"}]
    result, _ = run_step("plan", "plan", repo, "production", accounts)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((repo / "manifests" / "environments.yaml").read_text()) == {
        "version": 1,
        "environments": {"production": {}},
    }
