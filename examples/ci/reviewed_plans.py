#!/usr/bin/env python3
"""Find the reviewed plans of the pull requests merged since the last successful apply.

Part of scaleform's GitHub Actions workflow: copy it to .github/scaleform/reviewed_plans.py beside
.github/workflows/scaleform.yml. Standard library only; it reads what Actions sets (GITHUB_API_URL,
GITHUB_REPOSITORY, GITHUB_REF_NAME, GITHUB_WORKFLOW_REF, GITHUB_SERVER_URL) and a token in
GITHUB_TOKEN with actions:read and pull-requests:read.

1. The commits to cover: from the head commit of this workflow's last successful push run on the
   branch (every environment applied up to there) to --head; without such a run, from --before
   (the push's previous head); without that, --head alone.
2. Each commit's merged pull request, by GET /repos/{repo}/commits/{sha}/pulls: a merge commit,
   a squash merge and the commits of a rebase merge all lead to their pull request. A commit with
   none was pushed without a pull request.
3. Each pull request's newest artifact named --artifact, from this workflow's pull_request runs
   on its last head commit in this repository (a fork's run could upload anything), saved as
   OUT/pr-NUMBER.json.

It decides nothing about what is applied: `scaleform apply --reviewed OUT/pr-*.json` does, and
refuses every change none of these plans holds. OUT/lookup.json says what was found (for the
comment on the pull requests); GITHUB_OUTPUT gets plans=COUNT and pulls=NUMBERS. Exit 0 when
GitHub answered (some pull requests may have no plan), 1 when it could not be asked.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

MAX_ZIP = 50 * 1024 * 1024  # an artifact bigger than this is no plan
MAX_PLAN = 50 * 1024 * 1024  # nor is a plan.json bigger than this once unpacked
NO_COMMIT = "0" * 40  # `before` of a push that created the branch


class Unavailable(Exception):
    """GitHub could not be asked, or answered something unusable."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Redirect(Exception):
    """A 3xx answer, followed by hand."""

    def __init__(self, url: str) -> None:
        self.url = url


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is followed by hand, without the token
        return None


class GitHub:
    def __init__(self, api: str, token: str, repo: str) -> None:
        self.api, self.repo = api.rstrip("/"), repo
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "scaleform-reviewed-plans",
            "Authorization": f"Bearer {token}",
        }
        self.opener = urllib.request.build_opener(_KeepRedirects)

    def _open(self, url: str, headers: dict, limit: int) -> bytes:
        try:
            with self.opener.open(urllib.request.Request(url, headers=headers), timeout=60) as answer:
                body = answer.read(limit + 1)
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307, 308) and e.headers.get("Location"):
                raise _Redirect(urllib.parse.urljoin(url, e.headers["Location"])) from None
            detail = e.read(2000).decode("utf-8", "replace")
            raise Unavailable(f"GitHub answered {e.code} to GET {url}: {detail}", e.code) from None
        except (urllib.error.URLError, OSError) as e:
            raise Unavailable(f"could not reach GitHub at {url}: {e}") from None
        if len(body) > limit:
            raise Unavailable(f"the answer to GET {url} is over {limit} bytes")
        return body

    def get(self, path: str, **params) -> object:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"{self.api}/repos/{self.repo}/{path}{query}"
        try:
            return json.loads(self._open(url, self.headers, MAX_ZIP))
        except _Redirect as r:
            raise Unavailable(f"GitHub redirected GET {url} to {r.url}") from None
        except ValueError:
            raise Unavailable(f"GitHub's answer to GET {url} is not JSON") from None

    def pages(self, path: str, key: str | None = None, **params) -> list:
        """Every item of a paged list (`key`: where the list is in each page's object)."""
        items: list = []
        for page in range(1, 101):
            answer = self.get(path, **params, per_page=100, page=page)
            batch = answer if key is None else answer.get(key, [])
            items += batch
            if len(batch) < 100:
                return items
        raise Unavailable(f"more than 10000 items at {path}")

    def download(self, path: str) -> bytes:
        """An artifact's zip: GitHub answers with a redirect to storage, which is fetched without
        the token (the link is signed; the token is for GitHub only)."""
        url = f"{self.api}/repos/{self.repo}/{path}"
        try:
            return self._open(url, self.headers, MAX_ZIP)
        except _Redirect as r:
            plain = urllib.request.build_opener()  # follows further redirects, never with the token
            try:
                with plain.open(
                    urllib.request.Request(r.url, headers={"User-Agent": self.headers["User-Agent"]}), timeout=120
                ) as answer:
                    body = answer.read(MAX_ZIP + 1)
            except (urllib.error.URLError, OSError) as e:
                raise Unavailable(f"could not download the artifact behind {url}: {e}") from None
            if len(body) > MAX_ZIP:
                raise Unavailable(f"the artifact behind {url} is over {MAX_ZIP} bytes") from None
            return body


def commits_to_cover(gh: GitHub, workflow: str, branch: str, head: str, before: str) -> tuple[list[str], str]:
    """The commits since every environment was last applied, oldest first, and where they start."""
    runs = gh.get(f"actions/workflows/{workflow}/runs", branch=branch, event="push", status="success", per_page=1).get(
        "workflow_runs", []
    )
    if runs:
        since, source = runs[0]["head_sha"], f"the last successful apply run ({runs[0].get('html_url', runs[0]['id'])})"
    elif before and before != NO_COMMIT:
        since, source = before, "the push's previous head (no successful apply run yet)"
    else:
        return [head], "this commit alone (no earlier apply, and the push created the branch)"
    if since == head:
        return [], f"{source}, which is this commit"
    try:
        compare = gh.get(f"compare/{since}...{head}", per_page=100, page=1)
    except Unavailable as e:
        if e.status != 404:
            raise
        return [head], f"this commit alone ({since[:12]} from {source} is no longer in the repository)"
    shas = [c["sha"] for c in compare.get("commits", [])]
    page = 1
    while len(shas) < compare.get("total_commits", 0) and page < 100:
        page += 1
        batch = gh.get(f"compare/{since}...{head}", per_page=100, page=page).get("commits", [])
        if not batch:
            break
        shas += [c["sha"] for c in batch]
    return shas, f"{since} ({source})"


def merged_pulls(gh: GitHub, shas: list[str], branch: str, retries: int, delay: float) -> tuple[dict, list[str]]:
    """{number: pull request} merged into `branch` that brought these commits, and the commits
    that came without one. GitHub links a merge to its commits a moment after the push: commits
    without a pull request are asked again `retries` times."""
    pulls: dict[int, dict] = {}
    pending = list(shas)
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(delay)
        left = []
        for sha in pending:
            found = [
                p
                for p in gh.get(f"commits/{sha}/pulls", per_page=100)
                if p.get("merged_at") and (p.get("base") or {}).get("ref") == branch
            ]
            for p in found:
                pulls[p["number"]] = p
            if not found:
                left.append(sha)
        pending = left
        if not pending:
            break
    return dict(sorted(pulls.items())), pending


def _checks(run: dict, pull: dict) -> bool:
    """Whether `run` is this pull request's own check: another pull request opened from the same
    commit, into a base branch whose workflow file its author controls, could upload any plan."""
    base = (pull.get("base") or {}).get("ref")
    return any(
        p.get("number") == pull["number"] and (p.get("base") or {}).get("ref") == base
        for p in run.get("pull_requests") or []
        if isinstance(p, dict)
    )


def reviewed_plan(gh: GitHub, workflow: str, pull: dict, artifact: str, out: Path) -> dict:
    """The pull request's newest plan artifact, saved to OUT/pr-NUMBER.json; or why there is none."""
    head = pull["head"]["sha"]
    entry = {
        "number": pull["number"],
        "url": pull.get("html_url", ""),
        "head_sha": head,
        "plan": None,
        "plan_run": None,
        "why": None,
    }
    if ((pull["head"].get("repo") or {}).get("full_name") or "").casefold() != gh.repo.casefold():
        entry["why"] = "it comes from a fork, whose plan check gets no key: it was never planned"
        return entry
    best, expired = None, False
    for run in gh.pages(f"actions/workflows/{workflow}/runs", "workflow_runs", event="pull_request", head_sha=head):
        run_repo = (run.get("head_repository") or {}).get("full_name") or ""
        if run.get("head_sha") != head or run_repo.casefold() != gh.repo.casefold() or not _checks(run, pull):
            continue
        for a in gh.get(f"actions/runs/{run['id']}/artifacts", name=artifact, per_page=100).get("artifacts", []):
            if a.get("name") != artifact:
                continue
            if a.get("expired"):
                expired = True
            elif best is None or a["created_at"] > best[0]["created_at"]:
                best = (a, run)
    if best is None:
        entry["why"] = (
            f"the plan of its last commit {head[:12]} has expired"
            if expired
            else f"no plan check of its last commit {head[:12]} saved {artifact} (it failed, was skipped, or never ran)"
        )
        return entry
    a, run = best
    data = gh.download(f"actions/artifacts/{a['id']}/zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("plan.json")
            if info.file_size > MAX_PLAN:
                raise Unavailable(f"plan.json in artifact {a['id']} is over {MAX_PLAN} bytes")
            text = z.read(info)
        plan = json.loads(text)
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise Unavailable(
            f"artifact {a['id']} ({artifact} of pull request #{pull['number']}) holds no readable plan.json: {e}"
        ) from None
    if not isinstance(plan, dict):
        raise Unavailable(f"plan.json of artifact {a['id']} is not a plan")
    name = f"pr-{pull['number']}.json"
    (out / name).write_bytes(text)
    entry.update(plan=name, plan_run=run.get("html_url", str(run["id"])), artifact_id=a["id"])
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--head", required=True, help="the commit being applied (main's head)")
    parser.add_argument("--before", default="", help="the push's previous head (github.event.before)")
    parser.add_argument("--artifact", required=True, help="the plan artifact's name, e.g. scaleform-plan-production")
    parser.add_argument("--out", required=True, type=Path, help="where the plans and lookup.json go")
    parser.add_argument("--retries", type=int, default=int(os.environ.get("SCALEFORM_LOOKUP_RETRIES", "2")))
    parser.add_argument("--retry-delay", type=float, default=float(os.environ.get("SCALEFORM_LOOKUP_DELAY", "5")))
    args = parser.parse_args(argv)
    env = os.environ
    try:
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
        if not token:
            raise Unavailable("no token: set GITHUB_TOKEN (the job's github.token)")
        repo, branch = env["GITHUB_REPOSITORY"], env["GITHUB_REF_NAME"]
        workflow = env["GITHUB_WORKFLOW_REF"].split("@")[0].rsplit("/", 1)[-1]
        gh = GitHub(env.get("GITHUB_API_URL", "https://api.github.com"), token, repo)
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        args.out.mkdir(parents=True, exist_ok=True)
        for old in [*args.out.glob("pr-*.json"), args.out / "lookup.json"]:
            old.unlink(missing_ok=True)  # only this lookup's plans are passed to apply
        shas, since = commits_to_cover(gh, workflow, branch, args.head, args.before)
        pulls, without = merged_pulls(gh, shas, branch, args.retries, args.retry_delay)
        found = [reviewed_plan(gh, workflow, p, args.artifact, args.out) for p in pulls.values()]
    except KeyError as e:
        print(f"::error title=scaleform::reviewed_plans.py: the variable {e} is not set (Actions sets it)")
        return 1
    except Unavailable as e:
        print(f"::error title=scaleform::Could not find the reviewed plans, so nothing is applied: {e}")
        return 1

    lookup = {
        "head": args.head,
        "since": since,
        "commits": shas,
        "artifact": args.artifact,
        "pulls": found,
        "without_pull": without,
    }
    (args.out / "lookup.json").write_text(json.dumps(lookup, indent=2) + "\n")
    plans = [p for p in found if p["plan"]]
    lines = [f"{len(shas)} commit(s) since {since}, up to {args.head}."]
    for p in found:
        found_or_why = f"reviewed plan from {p['plan_run']}" if p["plan"] else f"no plan: {p['why']}"
        lines.append(f"- #{p['number']}: {found_or_why}")
        if not p["plan"]:
            print(
                f"::warning title=scaleform::Pull request #{p['number']} has no reviewed plan for {args.artifact}: "
                f"{p['why']}. Its changes are applied only if another reviewed plan holds them."
            )
    for sha in without:
        lines.append(f"- {server}/{gh.repo}/commit/{sha}: pushed without a pull request, no reviewed plan")
        print(
            f"::warning title=scaleform::Commit {sha} reached {branch} without a pull request: its changes have "
            "no reviewed plan and are not applied."
        )
    print("\n".join(lines))
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a") as summary:
            summary.write(f"### Reviewed plans ({args.artifact})\n\n" + "\n".join(lines) + "\n\n")
    if env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a") as output:
            output.write(f"plans={len(plans)}\npulls={' '.join(str(p['number']) for p in found)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
