"""The GitHub Actions example's scripts, run for real: the fork and bot gate, the environment
list, the merge base, the plan comment, the apply report on the merged pull requests and the drift
issue (under node, with a stand-in for github-script), and the drift judgement on plans of a
sandbox account."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_examples_ci import ROOT, step, workflow

from helpers import cli, make_db

BIN = str(Path(sys.executable).parent)  # the scaleform these tests run with


def run_bash(script: str, tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess, dict]:
    """A `run:` script as GitHub runs it with `shell: bash` (-eo pipefail), with GITHUB_OUTPUT and
    GITHUB_STEP_SUMMARY files; returns the result and the outputs it set."""
    output = tmp_path / "github_output"
    output.write_text("")
    summary = tmp_path / "github_summary"
    summary.touch()
    env.setdefault("SCALEFORM_ENVIRONMENTS", workflow()["env"]["SCALEFORM_ENVIRONMENTS"])
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=env.pop("cwd", tmp_path),
        env={
            **os.environ,
            "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            **env,
        },
    )
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result, values


@pytest.mark.parametrize(
    "head_repo, author_type, actor, planned",
    [
        ("acme/config", "User", "ana", "true"),
        ("someone/config", "User", "someone", "false"),  # a fork
        ("acme/config", "Bot", "dependabot[bot]", "false"),  # a bot's pull request
        ("acme/config", "User", "renovate[bot]", "false"),  # a bot pushing to a person's branch
    ],
)
def test_forks_and_bots_are_validated_but_not_planned(tmp_path, head_repo, author_type, actor, planned):
    result, out = run_bash(
        step("validate", "gate")["run"],
        tmp_path,
        GITHUB_REPOSITORY="acme/config",
        HEAD_REPO=head_repo,
        AUTHOR_TYPE=author_type,
        ACTOR=actor,
    )
    assert result.returncode == 0, result.stderr
    assert out == {"plan": planned}
    if planned == "false":
        assert result.stdout.startswith("::notice title=scaleform::Plan skipped: ")
    else:
        assert result.stdout == ""


# ---- the drift check's stand-down ------------------------------------------------------------------------

FAKE_GH = """#!/bin/bash
# gh api PATH --jq EXPR, answered with the recorded runs through jq, as gh filters them
[ "$1" = api ] && [ "$3" = --jq ] || exit 9
echo "$2" >> "$GH_LOG"
jq "$4" "$GH_ANSWER"
"""


@pytest.mark.parametrize(
    "statuses, run",
    [
        ([], "true"),
        (["completed", "completed"], "true"),
        (["in_progress"], "false"),  # an apply half done would look like drift
        (["completed", "queued"], "false"),  # queued: it will run
        (["pending"], "false"),  # waiting in the concurrency group: it will run
        (["waiting", "completed"], "true"),  # awaiting a reviewer's approval: it may never run
    ],
)
def test_the_drift_check_stands_down_only_for_an_apply_that_will_run(tmp_path, statuses, run):
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed: the stand-in for gh filters with it")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "runs.json").write_text(
        json.dumps(
            {"total_count": len(statuses), "workflow_runs": [{"id": i, "status": s} for i, s in enumerate(statuses)]}
        )
    )
    result, out = run_bash(
        step("drift", "quiet")["run"],
        tmp_path,
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        GH_LOG=str(tmp_path / "gh.log"),
        GH_ANSWER=str(tmp_path / "runs.json"),
        GITHUB_REPOSITORY="acme/config",
        GITHUB_WORKFLOW_REF="acme/config/.github/workflows/scaleform.yml@refs/heads/main",
    )
    assert result.returncode == 0, result.stderr
    assert out == {"run": run}
    assert (
        tmp_path / "gh.log"
    ).read_text() == "repos/acme/config/actions/workflows/scaleform.yml/runs?event=push&per_page=20\n"
    assert ("Drift check skipped" in result.stdout) == (run == "false")


# ---- the environment list ---------------------------------------------------------------------------


def environments(tmp_path: Path, listed: str | None = None) -> tuple[subprocess.CompletedProcess, object]:
    env = {} if listed is None else {"SCALEFORM_ENVIRONMENTS": listed}
    result, out = run_bash(step("validate", "environments")["run"], tmp_path, **env)
    return result, json.loads(out["list"]) if "list" in out else None


def test_the_environment_list_becomes_the_matrix(tmp_path):
    result, matrix = environments(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert matrix == [
        {"environment": "staging", "key": "SCALE_STAGING_API_KEY"},
        {"environment": "production", "key": "SCALE_API_KEY"},
    ]


def test_one_environment_alone_takes_the_default_key(tmp_path):
    result, matrix = environments(tmp_path, "  # manifests/environments.yaml: {production: {}}\n  production\n\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert matrix == [{"environment": "production", "key": "SCALE_API_KEY"}]


@pytest.mark.parametrize(
    "listed",
    [
        "",  # nothing listed
        "staging SCALE_A\nstaging SCALE_B",  # twice
        "staging GITHUB_TOKEN",  # not a scaleform key: never exported
        "staging PATH",
        "staging SCALE_A extra",
        "../x SCALE_A",
        "-e SCALE_A",
    ],
)
def test_a_wrong_environment_list_stops_the_run(tmp_path, listed):
    result, matrix = environments(tmp_path, listed)
    assert result.returncode == 1 and matrix is None
    assert "::error title=scaleform::SCALEFORM_ENVIRONMENTS" in result.stdout


# ---- the merge base ------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


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
    result, out = run_bash(
        step("plan", "base")["run"], tmp_path, cwd=str(clone), BASE_REF="main", RUNNER_TEMP=str(tmp_path / "runner")
    )
    assert result.returncode == 0, result.stderr
    assert out == {"sha": branch_point}
    assert (tmp_path / "runner" / "base" / "manifests" / "team.yaml").read_text() == "at the branch point\n"


# ---- github-script steps, under node with a stand-in for `github` and `context` --------------------------

# Every github.rest.issues.* call is recorded as [method, arguments]; paginate(list method) records
# the listing and answers with state.lists[method].
SCRIPT_HARNESS = r"""
const fs = require("fs");
const state = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const calls = [];
const issues = new Proxy({}, { get: (_, name) => {
  const method = async (args) => { calls.push([name, args]); return { data: {} }; };
  method.listed = name;
  return method;
} });
const github = {
  rest: { issues },
  paginate: async (method, args) => { calls.push([method.listed, args]); return state.lists[method.listed] || []; },
};
const context = { repo: { owner: "acme", repo: "config" }, issue: { number: 7 }, sha: "c".repeat(40),
                  serverUrl: "https://github.com", runId: 99 };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction("github", "context", "require", state.script)(github, context, require)
  .then(() => console.log(JSON.stringify(calls)), (e) => { console.error(e); process.exit(3); });
"""


def run_script(tmp_path: Path, job: str, name: str, lists: dict | None = None, **env: str) -> list:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the workflow's github-script steps")
    script = step(job, name)["with"]["script"]
    (tmp_path / "state.json").write_text(json.dumps({"script": script, "lists": lists or {}}))
    (tmp_path / "harness.js").write_text(SCRIPT_HARNESS)
    result = subprocess.run(
        [node, str(tmp_path / "harness.js"), str(tmp_path / "state.json")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "SCALEFORM_ENV": "staging", **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


BOT = {"login": "github-actions[bot]", "type": "Bot"}
MALLORY = {"login": "mallory", "type": "User"}
PLAN_MARKER = "<!-- scaleform-plan:staging -->"


def run_comment(tmp_path: Path, comments: list[dict], outcome: str, plan_md: str | None, plan_err: str = ""):
    if plan_md is not None:
        (tmp_path / "plan.md").write_text(plan_md)
    if plan_err:
        (tmp_path / "plan.err").write_text(plan_err)
    calls = run_script(
        tmp_path,
        "plan",
        "Post or update the plan comment",
        {"listComments": comments},
        PLAN_OUTCOME=outcome,
        HEAD_SHA="h" * 40,
        BASE_SHA="b" * 40,
    )
    assert calls[0] == ["listComments", {"owner": "acme", "repo": "config", "issue_number": 7, "per_page": 100}]
    return calls[1:]


def test_the_first_plan_creates_the_environments_comment(tmp_path):
    calls = run_comment(tmp_path, [], "success", "Plan: 1 to add, 0 to change, 0 to remove.\nrehearsal: ...\n")
    assert [c[0] for c in calls] == ["createComment"] and calls[0][1]["issue_number"] == 7
    body = calls[0][1]["body"]
    assert body.startswith(PLAN_MARKER + "\n") and "Plan: 1 to add" in body and "rehearsal: ..." in body
    assert f"merge base {'b' * 40}" in body and "**staging**" in body and "scaleform-plan-staging" in body


def test_only_the_bots_own_comment_for_this_environment_is_edited(tmp_path):
    planted = {"id": 1, "user": MALLORY, "body": PLAN_MARKER + "\nPlan: nothing to see"}
    production = {"id": 4, "user": BOT, "body": "<!-- scaleform-plan:production -->\nPlan: prod"}
    prefix = {"id": 5, "user": BOT, "body": "<!-- scaleform-plan:staging -->x\nanother environment's?"}
    ours = {"id": 2, "user": BOT, "body": PLAN_MARKER + "\nold plan"}
    other_bot_comment = {"id": 3, "user": BOT, "body": "some other bot message"}
    calls = run_comment(tmp_path, [planted, production, prefix, other_bot_comment, ours], "success", "new plan\n")
    assert [(c[0], c[1].get("comment_id")) for c in calls] == [("updateComment", 2)]
    calls = run_comment(tmp_path, [planted, production, other_bot_comment], "success", "new plan\n")
    assert [c[0] for c in calls] == ["createComment"]  # the planted one, and production's, are never edited


def test_a_failed_plan_replaces_the_stale_one_and_says_so(tmp_path):
    ours = {"id": 2, "user": BOT, "body": PLAN_MARKER + "\nPlan: 3 to add"}
    calls = run_comment(tmp_path, [ours], "failure", None, "Error: connection refused: https://api.scale.com/v1\n")
    assert [(c[0], c[1].get("comment_id")) for c in calls] == [("updateComment", 2)]
    body = calls[0][1]["body"]
    assert "**scaleform plan failed**" in body and "Plan: 3 to add" not in body
    assert "connection refused" in body and "https://github.com/acme/config/actions/runs/99" in body


def test_a_huge_plan_is_cut_to_what_github_accepts(tmp_path):
    calls = run_comment(tmp_path, [], "success", "| row |\n" * 20000)
    body = calls[0][1]["body"]
    assert len(body) < 65536 and "cut here" in body


# ---- the apply report, as a comment on each merged pull request ------------------------------------------


def lookup(tmp_path: Path, pulls: list[dict], without: list[str] = ()) -> None:
    (tmp_path / "reviewed").mkdir(exist_ok=True)
    (tmp_path / "reviewed" / "lookup.json").write_text(
        json.dumps(
            {
                "head": "m" * 40,
                "since": "x",
                "commits": [],
                "artifact": "scaleform-plan-staging",
                "pulls": pulls,
                "without_pull": list(without),
            }
        )
    )


PULL_12 = {
    "number": 12,
    "head_sha": "a" * 40,
    "plan": "pr-12.json",
    "plan_run": "https://github.com/acme/config/actions/runs/5",
    "why": None,
}
PULL_13 = {
    "number": 13,
    "head_sha": "f" * 40,
    "plan": None,
    "plan_run": None,
    "why": "it comes from a fork, whose plan check gets no key: it was never planned",
}


def run_report(tmp_path: Path, outcome: str, md: str = "", err: str = "") -> list:
    (tmp_path / "apply.md").write_text(md)
    (tmp_path / "apply.err").write_text(err)
    return run_script(
        tmp_path, "apply", "Post the result on the merged pull requests", OUTCOME=outcome, RUNNER_TEMP=str(tmp_path)
    )


def test_an_apply_is_reported_on_every_merged_pull_request(tmp_path):
    lookup(tmp_path, [PULL_12, PULL_13])
    report = "**Apply complete: 5 API call(s), 8 change(s) applied.**\n\nReviewed plan: 8 of 8 reviewed change(s)..."
    calls = run_report(tmp_path, "applied", md=report)
    assert [(c[0], c[1]["issue_number"]) for c in calls] == [("createComment", 12), ("createComment", 13)]
    body = calls[0][1]["body"]
    assert calls[1][1]["body"] == body
    assert body.startswith("<!-- scaleform-apply:staging -->\n**Applied** to **staging**, main at " + "m" * 40)
    assert report in body and "https://github.com/acme/config/actions/runs/99" in body
    assert f"- #12: plan of {'a' * 40} ([plan check](https://github.com/acme/config/actions/runs/5))" in body
    assert "- #13: none: it comes from a fork" in body
    assert "re-run" not in body


def test_a_refusal_says_what_to_do_and_names_commits_without_a_pull_request(tmp_path):
    lookup(tmp_path, [PULL_12], without=["d" * 40])
    err = (
        "Error: refusing to apply: 1 change(s) are not in the reviewed plan ('pr-12.json') with the same values: "
        "project[x] (create). Nothing was written. ... re-run the pull request's plan check and review them\n"
    )
    calls = run_report(tmp_path, "refused", err=err)
    assert [(c[0], c[1]["issue_number"]) for c in calls] == [("createComment", 12)]
    body = calls[0][1]["body"]
    assert "**Not applied** to **staging**" in body and "nothing was written" in body
    assert "project[x] (create)" in body and "re-run this pull request's plan check" in body
    assert f"- {'d' * 40}: pushed without a pull request, no reviewed plan" in body
    assert "open a pull request from main" in body


def test_a_failed_apply_is_reported_with_its_error(tmp_path):
    lookup(tmp_path, [PULL_12])
    calls = run_report(tmp_path, "failed", err="Error: the API answered 503 ~~~~ twice\n")
    body = calls[0][1]["body"]
    assert "**Apply failed** for **staging**" in body and "503 ~ ~ ~ ~ twice" in body
    assert "re-run this pull request's plan check" not in body


def test_a_direct_push_has_nobody_to_tell(tmp_path):
    lookup(tmp_path, [], without=["d" * 40])
    assert run_report(tmp_path, "refused", err="Error: refusing to apply: ...") == []


# ---- the drift issue --------------------------------------------------------------------------------------

DRIFT_MARKER = "<!-- scaleform-drift:staging -->"


def run_issue(tmp_path: Path, issues: list[dict], drift: str, plan_md: str = "**Plan: 1 to add.**\n") -> list:
    (tmp_path / "plan.md").write_text(plan_md)
    calls = run_script(tmp_path, "drift", "Open, update or close the drift issue", {"listForRepo": issues}, DRIFT=drift)
    assert calls[0] == ["listForRepo", {"owner": "acme", "repo": "config", "state": "open", "per_page": 100}]
    return calls[1:]


OUR_ISSUE = {"number": 40, "user": BOT, "body": DRIFT_MARKER + "\nold drift"}
LOOKALIKES = [
    {"number": 41, "user": MALLORY, "body": DRIFT_MARKER + "\nplanted"},  # not ours
    {"number": 42, "user": BOT, "body": DRIFT_MARKER + "\npr", "pull_request": {"url": "x"}},  # a pull request
    {"number": 43, "user": BOT, "body": "<!-- scaleform-drift:production -->\nprod"},  # other environment
]


def test_drift_opens_an_issue_for_its_environment(tmp_path):
    calls = run_issue(tmp_path, LOOKALIKES, "true")
    assert [c[0] for c in calls] == ["create"]
    issue = calls[0][1]
    assert issue["title"] == "scaleform: drift in staging"
    assert issue["body"].startswith(DRIFT_MARKER + "\n") and "**Plan: 1 to add.**" in issue["body"]
    assert "c" * 40 in issue["body"] and "actions/runs/99" in issue["body"]


def test_drift_updates_the_open_issue_instead_of_opening_another(tmp_path):
    calls = run_issue(tmp_path, LOOKALIKES + [OUR_ISSUE], "true", "**Plan: 2 to add.**\n")
    assert [(c[0], c[1]["issue_number"]) for c in calls] == [("update", 40)]
    assert "Plan: 2 to add" in calls[0][1]["body"] and "state" not in calls[0][1]


def test_no_drift_closes_the_open_issue_with_a_comment(tmp_path):
    calls = run_issue(tmp_path, LOOKALIKES + [OUR_ISSUE], "false")
    assert [(c[0], c[1]["issue_number"]) for c in calls] == [("createComment", 40), ("update", 40)]
    assert "No drift any more" in calls[0][1]["body"]
    assert calls[1][1]["state"] == "closed" and calls[1][1]["state_reason"] == "completed"


def test_no_drift_and_no_issue_does_nothing(tmp_path):
    assert run_issue(tmp_path, LOOKALIKES, "false") == []


# ---- the drift judgement -----------------------------------------------------------------------------------


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


def judge(tmp_path: Path, plan: Path) -> tuple[subprocess.CompletedProcess, str, dict]:
    result, out = run_bash(
        step("drift", "judge")["run"].replace("plan.json", shlex.quote(str(plan))), tmp_path, SCALEFORM_ENV="production"
    )
    return result, (tmp_path / "github_summary").read_text(), out


def test_drift_is_red_with_exit_2(tmp_path, drift_plans):
    result, summary, out = judge(tmp_path, drift_plans["drifted"])
    assert result.returncode == 2, result.stderr
    assert out == {"drift": "true"}  # set before the red exit: the issue step still runs
    assert "::error title=scaleform::The account of production differs from main: " in result.stdout
    assert summary.startswith("Drift in production: ") and "- create project[receipts]" in summary


def test_pending_invitations_alone_are_not_drift_and_are_named(tmp_path, drift_plans):
    plan = json.loads(drift_plans["pending"].read_text())
    assert plan["summary"]["deferred"] > 0 and plan["changes"] == []  # --detailed-exitcode would say 2
    result, summary, out = judge(tmp_path, drift_plans["pending"])
    assert result.returncode == 0, result.stderr
    assert out == {"drift": "false"}
    assert (
        f"::notice title=scaleform::{plan['summary']['deferred']} change(s) wait for pending invitations"
        in result.stdout
    )
    assert summary.startswith("No drift in production")
    assert all(f"{d['address']}: invitation pending" in summary for d in plan["deferred"])


def test_a_converged_account_is_no_drift(tmp_path, drift_plans):
    result, summary, out = judge(tmp_path, drift_plans["converged"])
    assert result.returncode == 0 and "::" not in result.stdout
    assert out == {"drift": "false"}
    assert summary == "No drift in production: the account matches main.\n"
