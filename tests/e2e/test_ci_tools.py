"""The tools a team runs around scaleform, for real: pre-commit with the published hook (it builds
the hook's environment from this repository, so it needs the package index), and
check-jsonschema against the published schemas. Each test skips, naming the tool, when the tool
is not installed; .ci/run installs both."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import cli, make_db

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory) -> list[str]:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit; .ci/run does)")
    home = tmp_path_factory.mktemp("pre-commit-home")  # hook environments, shared by this module's tests
    return ["env", f"PRE_COMMIT_HOME={home}", sys.executable, "-m", "pre_commit"]


@pytest.fixture
def user_repo(tmp_path) -> Path:
    """A repository as a team has it: manifests/ holding the quickstart, committed."""
    repo = tmp_path / "config"
    shutil.copytree(QUICKSTART, repo / "manifests")
    (repo / "README.md").write_text("our account\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "manifests")
    return repo


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_try_repo_passes_on_the_examples(pre_commit, user_repo):
    result = run(pre_commit + ["try-repo", str(ROOT), "scaleform-validate", "--all-files"], user_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scaleform validate" in result.stdout and "Passed" in result.stdout


def test_try_repo_fails_with_a_located_message_on_a_broken_manifest(pre_commit, user_repo):
    team = user_repo / "manifests" / "team.yaml"
    lines = team.read_text().splitlines()
    team.write_text("\n".join(lines + ["  bogus: 1"]) + "\n")
    result = run(pre_commit + ["try-repo", str(ROOT), "scaleform-validate", "--all-files"], user_repo)
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert f"manifests/team.yaml:{len(lines) + 1}:3: unknown key 'bogus'" in result.stdout


def test_the_hook_ignores_changes_outside_the_manifest_folder(pre_commit, user_repo):
    (user_repo / "manifests" / "team.yaml").write_text("team: [this is not valid\n")
    result = run(pre_commit + ["try-repo", str(ROOT), "scaleform-validate", "--files", "README.md"], user_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)" in result.stdout and "Skipped" in result.stdout


def test_the_example_config_runs_at_its_pinned_rev(pre_commit, user_repo):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the pinned rev cannot be resolved here")
    config = yaml.safe_load((ROOT / "examples" / "ci" / "pre-commit-config.yaml").read_text())
    config["repos"][0]["repo"] = str(ROOT)  # the same commit, from this clone instead of the network
    (user_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    result = run(pre_commit + ["run", "--all-files"], user_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scaleform validate" in result.stdout and "Passed" in result.stdout


def test_the_hook_definition_matches_the_example():
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    example = yaml.safe_load((ROOT / "examples" / "ci" / "pre-commit-config.yaml").read_text())["repos"][0]
    used = example["hooks"][0]
    assert (hook["id"], hook["entry"], hook["pass_filenames"]) == ("scaleform-validate", "scaleform validate", False)
    assert used["id"] == hook["id"]
    assert hook["files"] == used["files"] == "^manifests/" and hook["args"] == used["args"] == ["manifests"]
    assert len(example["rev"]) == 40  # a full SHA: a tag can be moved


def check_jsonschema() -> str:
    tool = shutil.which("check-jsonschema") or shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema; .ci/run does)")
    return tool


def test_check_jsonschema_accepts_every_example_manifest():
    files = sorted(str(p) for d in ("quickstart", "multi-env") for p in (ROOT / "examples" / d).glob("*.yaml"))
    assert len(files) >= 6
    result = run([check_jsonschema(), "--schemafile", str(ROOT / "schemas" / "manifest.schema.json"), *files], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_accepts_a_saved_plan_and_rejects_a_broken_one(tmp_path):
    tool = check_jsonschema()
    db = make_db(tmp_path / "account.db")
    saved = tmp_path / "plan.json"
    result = cli("plan", str(QUICKSTART), "--sandbox", str(db), "--out", str(saved))
    assert result.exit_code == 0, result.output
    schema = str(ROOT / "schemas" / "plan.schema.json")
    result = run([tool, "--schemafile", schema, str(saved)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text(saved.read_text().replace('"summary"', '"summery"', 1))
    assert run([tool, "--schemafile", schema, str(broken)], tmp_path).returncode == 1
