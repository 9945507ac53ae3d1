"""The workflow's pull-request lookup (examples/ci/reviewed_plans.py), run for real as the apply job
runs it, against a stand-in for GitHub's REST API on 127.0.0.1 (GITHUB_API_URL, which Actions sets,
points it there) that answers with GitHub's answers for a merge commit, a squash merge, a rebase
merge, several pushes whose applies were replaced while waiting, and a direct push."""

from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from test_examples_ci import LOOKUP_PATH, step

REPO = "acme/config"
WORKFLOW_REF = f"{REPO}/.github/workflows/scaleform.yml@refs/heads/main"
TOKEN = "ghs_stand_in_token"
ARTIFACT = "scaleform-plan-staging"


def sha(name: str) -> str:
    return (name.encode().hex() + "0" * 40)[:40]


# ---- recorded answers, trimmed to the fields GitHub sends that matter here (plus a few that do not) ---------


def pull(number: int, head: str, *, merged: bool = True, base: str = "main", head_repo: str | None = REPO) -> dict:
    return {
        "url": f"https://api.github.com/repos/{REPO}/pulls/{number}",
        "id": 1000 + number,
        "html_url": f"https://github.com/{REPO}/pull/{number}",
        "number": number,
        "state": "closed" if merged else "open",
        "locked": False,
        "title": f"pull request {number}",
        "user": {"login": "ana", "type": "User"},
        "merged_at": "2025-05-02T10:00:00Z" if merged else None,
        "merge_commit_sha": sha(f"merge{number}"),
        "draft": False,
        "head": {
            "label": f"acme:branch{number}",
            "ref": f"branch{number}",
            "sha": head,
            "repo": None if head_repo is None else {"full_name": head_repo, "fork": head_repo != REPO},
        },
        "base": {"label": f"acme:{base}", "ref": base, "sha": sha("base"), "repo": {"full_name": REPO}},
        "author_association": "MEMBER",
    }


def run(
    run_id: int,
    head: str,
    *,
    event: str = "pull_request",
    head_repo: str = REPO,
    conclusion: str = "success",
    created: str = "2025-05-01T09:00:00Z",
    pr: int | None = None,
    base: str = "main",
) -> dict:
    pulls = (
        []
        if pr is None
        else [
            {
                "number": pr,
                "id": 1000 + pr,
                "head": {"ref": f"branch{pr}", "sha": head},
                "base": {"ref": base, "sha": sha("base")},
            }
        ]
    )
    return {
        "id": run_id,
        "name": "scaleform",
        "head_branch": "branch",
        "head_sha": head,
        "pull_requests": pulls,
        "path": ".github/workflows/scaleform.yml",
        "run_number": run_id,
        "event": event,
        "status": "completed",
        "conclusion": conclusion,
        "workflow_id": 77,
        "html_url": f"https://github.com/{REPO}/actions/runs/{run_id}",
        "created_at": created,
        "run_attempt": 1,
        "head_repository": {"full_name": head_repo},
    }


def artifact(
    artifact_id: int, run_id: int, head: str, *, created: str = "2025-05-01T09:05:00Z", expired: bool = False
) -> dict:
    return {
        "id": artifact_id,
        "node_id": "MDg6QXJ0aWZhY3Q=",
        "name": ARTIFACT,
        "size_in_bytes": 900,
        "url": f"https://api.github.com/repos/{REPO}/actions/artifacts/{artifact_id}",
        "archive_download_url": f"https://api.github.com/repos/{REPO}/actions/artifacts/{artifact_id}/zip",
        "expired": expired,
        "created_at": created,
        "updated_at": created,
        "expires_at": "2025-08-01T09:05:00Z",
        "workflow_run": {
            "id": run_id,
            "repository_id": 1,
            "head_repository_id": 1,
            "head_branch": "branch",
            "head_sha": head,
        },
    }


def plan_zip(note: str) -> bytes:
    """An artifact as upload-artifact stores it: a zip holding plan.json."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("plan.json", json.dumps({"changes": [], "deferred": [], "note": note}))
    return data.getvalue()


class FakeGitHub:
    """GitHub's REST API for one repository, from recorded answers. Every request is logged with
    whether it carried the token; an artifact's zip answers 302 to /blob/ID on the same server,
    as GitHub redirects to its storage."""

    def __init__(self) -> None:
        self.successful_push_runs: list[dict] = []
        self.compare: dict[tuple[str, str], list[str]] = {}
        self.commit_pulls: dict[str, list] = {}  # sha -> answer, or a list of answers in turn
        self.runs: dict[str, list[dict]] = {}  # head sha -> pull_request runs
        self.artifacts: dict[int, list[dict]] = {}  # run id -> artifacts
        self.blobs: dict[int, bytes] = {}
        self.fail: set[str] = set()  # paths answered 500
        self.log: list[tuple[str, dict, str | None]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                outer.log.append((parts.path, query, self.headers.get("Authorization")))
                status, body, headers = outer.answer(parts.path, query)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, q: dict) -> tuple[int, object, dict]:
        if path.startswith("/blob/"):
            return 200, self.blobs[int(path.split("/")[2])], {"Content-Type": "application/zip"}
        prefix = f"/repos/{REPO}/"
        assert path.startswith(prefix), path
        rest = path[len(prefix) :]
        if rest in self.fail:
            return 500, {"message": "Server Error"}, {}
        page, per_page = int(q.get("page", 1)), int(q.get("per_page", 30))

        def paged(items: list) -> list:
            return items[(page - 1) * per_page : page * per_page]

        if rest == "actions/workflows/scaleform.yml/runs" and q.get("event") == "push":
            assert q == {"branch": "main", "event": "push", "status": "success", "per_page": "1"}
            runs = self.successful_push_runs[:1]
            return 200, {"total_count": len(self.successful_push_runs), "workflow_runs": runs}, {}
        if rest == "actions/workflows/scaleform.yml/runs" and q.get("event") == "pull_request":
            runs = self.runs.get(q["head_sha"], [])
            return 200, {"total_count": len(runs), "workflow_runs": paged(runs)}, {}
        if rest.startswith("compare/"):
            base, head = rest[len("compare/") :].split("...")
            if (base, head) not in self.compare:
                return 404, {"message": "Not Found"}, {}
            shas = self.compare[(base, head)]
            return (
                200,
                {
                    "status": "ahead",
                    "ahead_by": len(shas),
                    "behind_by": 0,
                    "total_commits": len(shas),
                    "commits": [{"sha": s, "commit": {"message": "m"}} for s in paged(shas)],
                },
                {},
            )
        if rest.startswith("commits/") and rest.endswith("/pulls"):
            answers = self.commit_pulls.get(rest.split("/")[1], [])
            if answers and isinstance(answers[0], list):  # answers in turn: GitHub links pulls a moment late
                return 200, answers.pop(0) if len(answers) > 1 else answers[0], {}
            return 200, answers, {}
        if rest.startswith("actions/runs/") and rest.endswith("/artifacts"):
            found = [a for a in self.artifacts.get(int(rest.split("/")[2]), []) if a["name"] == q.get("name")]
            return 200, {"total_count": len(found), "artifacts": found}, {}
        if rest.startswith("actions/artifacts/") and rest.endswith("/zip"):
            return 302, b"", {"Location": f"{self.url}/blob/{rest.split('/')[2]}?sig=signed"}
        return 404, {"message": "Not Found", "path": rest}, {}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github():
    fake = FakeGitHub()
    yield fake
    fake.close()


def lookup(github: FakeGitHub, tmp_path: Path, head: str, before: str = "", **env: str):
    """The apply job's lookup step, as written in the workflow, with Actions' variables."""
    out, summary = tmp_path / "github_output", tmp_path / "summary.md"
    out.write_text("")
    script = step("apply", "reviewed")["run"].replace(
        "python3 .github/scaleform/reviewed_plans.py", f"{sys.executable} {LOOKUP_PATH}"
    )
    script = script.replace('"$(git rev-parse HEAD)"', head)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={
            **os.environ,
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_REF_NAME": "main",
            "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_OUTPUT": str(out),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(tmp_path),
            "PLAN_ARTIFACT": ARTIFACT,
            "PUSH_BEFORE": before,
            "SCALEFORM_LOOKUP_DELAY": "0",
            **env,
        },
    )
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    reviewed = tmp_path / "reviewed"
    saved = {p.name: json.loads(p.read_text())["note"] for p in sorted(reviewed.glob("pr-*.json"))}
    found = json.loads((reviewed / "lookup.json").read_text()) if (reviewed / "lookup.json").exists() else None
    return result, outputs, saved, found


def test_a_merge_commit_finds_its_pull_request_and_its_newest_plan(github, tmp_path):
    head12 = sha("b12-two")
    github.successful_push_runs = [run(500, sha("main0"), event="push")]
    github.compare[(sha("main0"), sha("merge12"))] = [sha("b12-one"), head12, sha("merge12")]
    for s in (sha("b12-one"), head12, sha("merge12")):
        github.commit_pulls[s] = [pull(12, head12)]
    # the plan check ran twice on the last commit (a re-run after drift); the newer plan counts
    github.runs[head12] = [run(31, head12, pr=12, created="2025-05-01T12:00:00Z"), run(30, head12, pr=12)]
    github.artifacts[30] = [artifact(300, 30, head12)]
    github.artifacts[31] = [artifact(310, 31, head12, created="2025-05-01T12:05:00Z")]
    github.blobs = {300: plan_zip("old plan"), 310: plan_zip("re-run plan")}
    result, outputs, saved, found = lookup(github, tmp_path, sha("merge12"), before=sha("main0"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {"pr-12.json": "re-run plan"}
    assert outputs == {"plans": "1", "pulls": "12"}
    assert found["commits"] == [sha("b12-one"), head12, sha("merge12")] and found["without_pull"] == []
    assert found["pulls"] == [
        {
            "number": 12,
            "url": f"https://github.com/{REPO}/pull/12",
            "head_sha": head12,
            "plan": "pr-12.json",
            "plan_run": f"https://github.com/{REPO}/actions/runs/31",
            "why": None,
            "artifact_id": 310,
        }
    ]
    assert "actions/runs/500" in found["since"]
    # the token goes to the API and never to the storage the artifact is redirected to
    assert all(auth == f"Bearer {TOKEN}" for path, _, auth in github.log if not path.startswith("/blob/"))
    assert [auth for path, _, auth in github.log if path.startswith("/blob/")] == [None]


def test_a_squash_merge_uses_the_pull_requests_head_and_ignores_a_forks_run(github, tmp_path):
    head13 = sha("b13")  # not on main: the squash commit replaced it
    github.successful_push_runs = [run(501, sha("main1"), event="push")]
    github.compare[(sha("main1"), sha("squash13"))] = [sha("squash13")]
    github.commit_pulls[sha("squash13")] = [
        pull(13, head13),
        pull(99, head13, merged=False),
        pull(98, head13, base="release"),
    ]
    # a fork's run of the same commit could upload anything: its artifact is never taken
    github.runs[head13] = [
        run(41, head13, pr=13, head_repo="mallory/config", created="2025-05-01T13:00:00Z"),
        run(40, head13, pr=13),
    ]
    github.artifacts[41] = [artifact(410, 41, head13, created="2025-05-01T13:05:00Z")]
    github.artifacts[40] = [artifact(400, 40, head13)]
    github.blobs = {400: plan_zip("our plan"), 410: plan_zip("planted")}
    result, outputs, saved, found = lookup(github, tmp_path, sha("squash13"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {"pr-13.json": "our plan"}  # an open pull request and one into another branch are not merges
    assert outputs == {"plans": "1", "pulls": "13"}


def test_a_rebase_merge_is_one_pull_request_and_an_expired_plan_is_skipped(github, tmp_path):
    commits = [sha("r1"), sha("r2"), sha("r3")]
    head14 = sha("b14-r3")
    github.successful_push_runs = [run(502, sha("main2"), event="push")]
    github.compare[(sha("main2"), commits[-1])] = commits
    for s in commits:
        github.commit_pulls[s] = [pull(14, head14)]
    github.runs[head14] = [run(51, head14, pr=14, created="2025-05-01T14:00:00Z"), run(50, head14, pr=14)]
    github.artifacts[51] = [artifact(510, 51, head14, created="2025-05-01T14:05:00Z", expired=True)]
    github.artifacts[50] = [artifact(500, 50, head14)]
    github.blobs = {500: plan_zip("live plan")}
    result, outputs, saved, found = lookup(github, tmp_path, commits[-1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {"pr-14.json": "live plan"}
    assert outputs == {"plans": "1", "pulls": "14"}
    assert len(found["pulls"]) == 1 and found["commits"] == commits


def test_replaced_applies_leave_nothing_out_every_pull_request_since_the_last_success_counts(github, tmp_path):
    """Pushes of #15 and #16 had their waiting applies replaced; #17's push covers all three, from
    the last successful apply run's commit, not from the push's `before`."""
    heads = {15: sha("b15"), 16: sha("b16"), 17: sha("b17")}
    merges = [sha("merge15"), sha("merge16"), sha("merge17")]
    github.successful_push_runs = [run(503, sha("main3"), event="push")]
    github.compare[(sha("main3"), merges[-1])] = [heads[15], merges[0], heads[16], merges[1], heads[17], merges[2]]
    for n, m in zip(heads, merges):
        github.commit_pulls[heads[n]] = github.commit_pulls[m] = [pull(n, heads[n])]
        github.runs[heads[n]] = [run(60 + n, heads[n], pr=n)]
        github.artifacts[60 + n] = [artifact(600 + n, 60 + n, heads[n])]
        github.blobs[600 + n] = plan_zip(f"plan {n}")
    result, outputs, saved, found = lookup(github, tmp_path, merges[-1], before=merges[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {"pr-15.json": "plan 15", "pr-16.json": "plan 16", "pr-17.json": "plan 17"}
    assert outputs == {"plans": "3", "pulls": "15 16 17"}


def test_a_direct_push_has_no_pull_request_and_no_plan(github, tmp_path):
    github.successful_push_runs = [run(504, sha("main4"), event="push")]
    github.compare[(sha("main4"), sha("direct"))] = [sha("direct")]
    (tmp_path / "reviewed").mkdir()
    (tmp_path / "reviewed" / "pr-3.json").write_text('{"note": "from an earlier lookup"}')
    result, outputs, saved, found = lookup(github, tmp_path, sha("direct"), SCALEFORM_LOOKUP_RETRIES="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {}  # nothing left over for apply to take as reviewed
    assert outputs == {"plans": "0", "pulls": ""}
    assert found["pulls"] == [] and found["without_pull"] == [sha("direct")]
    assert f"::warning title=scaleform::Commit {sha('direct')} reached main without a pull request" in result.stdout
    asked = [p for p, _, _ in github.log if p.endswith(f"/commits/{sha('direct')}/pulls")]
    assert len(asked) == 2  # asked again once: GitHub links a merge to its commits a moment late
    assert "pushed without a pull request" in (tmp_path / "summary.md").read_text()


def test_a_pull_request_github_links_late_is_found_on_the_second_ask(github, tmp_path):
    head18 = sha("b18")
    github.compare[(sha("before"), sha("squash18"))] = [sha("squash18")]
    github.commit_pulls[sha("squash18")] = [[], [pull(18, head18)]]
    github.runs[head18] = [run(70, head18, pr=18)]
    github.artifacts[70] = [artifact(700, 70, head18)]
    github.blobs = {700: plan_zip("late")}
    result, outputs, saved, found = lookup(github, tmp_path, sha("squash18"), before=sha("before"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {"pr-18.json": "late"} and found["without_pull"] == []
    assert "no successful apply run yet" in found["since"]  # from the push's `before`


def test_pull_requests_without_a_plan_say_why(github, tmp_path):
    heads = {19: sha("b19"), 20: sha("b20"), 21: sha("b21")}
    github.compare[(sha("main5"), sha("merge21"))] = [sha("merge19"), sha("merge20"), sha("merge21")]
    github.commit_pulls[sha("merge19")] = [pull(19, heads[19], head_repo="someone/config")]  # a fork
    github.commit_pulls[sha("merge20")] = [pull(20, heads[20])]  # plan failed
    github.commit_pulls[sha("merge21")] = [pull(21, heads[21], head_repo=None)]  # fork deleted
    github.runs[heads[20]] = [run(80, heads[20], conclusion="failure", pr=20)]
    result, outputs, saved, found = lookup(github, tmp_path, sha("merge21"), before=sha("main5"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {} and outputs == {"plans": "0", "pulls": "19 20 21"}
    why = {p["number"]: p["why"] for p in found["pulls"]}
    assert "fork" in why[19] and "fork" in why[21]
    assert f"no plan check of its last commit {heads[20][:12]} saved {ARTIFACT}" in why[20]
    assert result.stdout.count("::warning title=scaleform::Pull request #") == 3


def test_the_first_push_of_a_new_branch_covers_its_own_commit(github, tmp_path):
    github.commit_pulls[sha("first")] = []
    result, outputs, _, found = lookup(github, tmp_path, sha("first"), before="0" * 40, SCALEFORM_LOOKUP_RETRIES="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert found["commits"] == [sha("first")] and found["without_pull"] == [sha("first")]
    assert not any("compare" in p for p, _, _ in github.log)


def test_a_github_failure_fails_the_step_and_leaves_no_plans(github, tmp_path):
    github.compare[(sha("main6"), sha("merge22"))] = [sha("merge22")]
    github.fail.add(f"commits/{sha('merge22')}/pulls")
    result, outputs, saved, found = lookup(github, tmp_path, sha("merge22"), before=sha("main6"))
    assert result.returncode == 1
    assert (
        "::error title=scaleform::Could not find the reviewed plans, so nothing is applied: GitHub answered 500"
        in result.stdout
    )
    assert found is None and saved == {} and "plans" not in outputs
    assert TOKEN not in result.stdout + result.stderr


def test_an_artifact_without_a_plan_fails_the_step(github, tmp_path):
    head23 = sha("b23")
    github.compare[(sha("main7"), sha("merge23"))] = [sha("merge23")]
    github.commit_pulls[sha("merge23")] = [pull(23, head23)]
    github.runs[head23] = [run(90, head23, pr=23)]
    github.artifacts[90] = [artifact(900, 90, head23)]
    github.blobs = {900: b"not a zip"}
    result, _, saved, found = lookup(github, tmp_path, sha("merge23"), before=sha("main7"))
    assert result.returncode == 1 and "holds no readable plan.json" in result.stdout
    assert saved == {} and found is None


def test_a_plan_uploaded_by_another_pull_request_from_the_same_commit_is_never_taken(github, tmp_path):
    """Anyone who can push a branch can open a second pull request from the same head commit into a
    base branch of their own, whose workflow file uploads any plan under the expected name."""
    head12 = sha("x12")
    github.successful_push_runs = [run(505, sha("main9"), event="push")]
    github.compare[(sha("main9"), sha("merge12"))] = [head12, sha("merge12")]
    for s in (head12, sha("merge12")):
        github.commit_pulls[s] = [pull(12, head12)]
    github.runs[head12] = [
        run(41, head12, pr=99, base="evil-base", created="2025-05-01T13:00:00Z"),
        run(40, head12, pr=12, base="evil-base", created="2025-05-01T12:30:00Z"),
        run(30, head12, pr=12),
    ]
    github.artifacts[41] = [artifact(410, 41, head12, created="2025-05-01T13:05:00Z")]
    github.artifacts[40] = [artifact(400, 40, head12, created="2025-05-01T12:35:00Z")]
    github.artifacts[30] = [artifact(300, 30, head12)]
    github.blobs = {
        410: plan_zip("pull request 99's plan"),
        400: plan_zip("into another base"),
        300: plan_zip("the reviewed plan"),
    }
    result, _, saved, found = lookup(github, tmp_path, sha("merge12"), before=sha("main9"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert saved == {"pr-12.json": "the reviewed plan"}
    assert found["pulls"][0]["plan_run"].endswith("/actions/runs/30")
