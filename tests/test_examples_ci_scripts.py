"""The GitHub Actions example's scripts, run for real: the fork and bot gate, the merge base,
the plan comment (under node, with a stand-in for github-script), and the drift judgement on
plans of a sandbox account."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import cli, make_db
from test_examples_ci import ROOT, step

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
