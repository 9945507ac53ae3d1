#!/usr/bin/env python3
"""scaleform benchmark: against the official SDK and against the lower bound (issue: Performance).

    python tests/benchmarks/run.py [--runs 3] [--scale 1.0] [--skip-sdk]

Starts `scaleform sandbox serve --latency-ms 20` on a loopback port for every run (a fresh copy
of the account each time), runs scaleform as a separate process (wall, CPU, peak RSS from
wait4), counts requests by endpoint from the sandbox's own log, and runs the same reconcile
written the straightforward way with the `scaleapi` SDK (sequential, one call per differing
item). Prints a table and writes tests/benchmarks/results.json. Never part of the test run.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

KEY = "test_sandbox"
LATENCY_MS = 20
PARALLELISM = 8
ENV = {**os.environ, "SCALE_API_KEY": KEY}
SCENARIOS = ("steady", "bootstrap", "drift", "scaling")


# ---- plumbing ------------------------------------------------------------------------------------

def scaleform(*args: str, capture: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scaleform", *args], capture_output=capture, text=True, env=ENV,
                          check=True)


class Server:
    def __init__(self, db: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "scaleform", "sandbox", "serve", "--db", str(db), "--port",
                                      "0", "--latency-ms", str(LATENCY_MS)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=ENV)
        self.url = self.proc.stdout.readline().strip()
        self.db = db
        import httpx

        for _ in range(500):
            try:
                httpx.get(self.url + "/teams", auth=(KEY, ""), timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.02)
        self.first_id = last_request_id(db) + 1  # what scaleform sends; the probe above is not counted

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def last_request_id(db: Path) -> int:
    # Read, not deleted: a write from this connection would make the sandbox rebuild the caches
    # it warmed (it watches PRAGMA data_version for other writers).
    con = sqlite3.connect(str(db))
    last = con.execute("SELECT COALESCE(MAX(id), 0) FROM requests").fetchone()[0]
    con.close()
    return last


def endpoint(method: str, path: str) -> str:
    from scaleform.sandbox.app import ROUTES  # not at the top: the SDK child must not pay for it

    segments = [unquote(s) for s in path.split("/") if s][1:]
    for m, pattern, _ in ROUTES:
        if m == method and len(pattern) == len(segments) and all(p == "*" or p == s for p, s in zip(pattern, segments)):
            return f"{method} /" + "/".join("{name}" if p == "*" else p for p in pattern)
    return f"{method} {path}"


def request_counts(db: Path, first_id: int) -> Counter:
    con = sqlite3.connect(str(db))
    rows = con.execute("SELECT method, path FROM requests WHERE id >= ?", (first_id,)).fetchall()
    con.close()
    return Counter(endpoint(m, p) for m, p in rows)


def run_child(args: list[str]) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "scaleform", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV)
    # Drain pipes in threads so the child never blocks, then reap it ourselves with wait4.
    import threading

    chunks: dict[str, str] = {}

    def drain(name: str, stream) -> None:
        chunks[name] = stream.read()

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    for t in threads:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = chunks.get("err", "")
    if proc.returncode not in (0, 2):
        raise RuntimeError(f"scaleform {' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    timing = {}
    for line in err.splitlines():
        if line.startswith("timing: "):
            for part in line[len("timing: "):].split(", "):
                k, v = part.split()
                timing[k] = float(v.rstrip("s"))
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "timing": timing, "stdout": chunks.get("out", "")}


# ---- accounts and scenarios -------------------------------------------------------------------------

def init(db: Path, projects: int, members: int, batches: int) -> None:
    scaleform("sandbox", "init", "--fixture", "large", "--db", str(db), "--projects", str(projects), "--members",
              str(members), "--batches", str(batches), "--seed", "1")


def export(db: Path, out: Path) -> None:
    scaleform("export", "--sandbox", str(db), "--out", str(out), "-q")


def load_manifests_plain(directory: Path) -> dict:
    merged: dict = {"team": {}, "projects": {}, "batches": {}}
    for f in sorted(directory.rglob("*.yaml")):
        doc = yaml.safe_load(f.read_text()) or {}
        for key in ("team", "projects", "batches"):
            merged[key].update(doc.get(key) or {})
        if "batch_priority" in doc:
            merged["batch_priority"] = doc["batch_priority"]
    return merged


def drift(db: Path, seed: int = 7) -> dict:
    """Mutate a copy of the account away from its export: what the drift scenario must undo."""
    rng = random.Random(seed)
    con = sqlite3.connect(str(db))
    roles = {e: r for e, r in con.execute("SELECT email, role FROM team WHERE role != 'admin'")}
    changed = rng.sample(sorted(roles), min(150, len(roles) // 2))  # sizes capped for small --scale
    for e in changed:
        new = rng.choice([r for r in ("labeler", "member", "manager") if r != roles[e]])
        con.execute("UPDATE team SET role=? WHERE email=?", (new, e))
    assigned = set(con.execute("SELECT email, project FROM assignments").fetchall())
    in_group = set()
    for project, members in con.execute("SELECT project, members FROM groups"):
        for e in json.loads(members):
            in_group.add((e, project))
    projects = [p for (p,) in con.execute("SELECT name FROM projects")]
    emails = sorted(roles)
    removable = sorted(assigned - in_group)
    removed = rng.sample(removable, min(225, len(removable) // 2))
    added: list = []
    while len(added) < min(225, len(removable) // 2):
        pair = (rng.choice(emails), rng.choice(projects))
        if pair not in assigned and pair not in added:
            added.append(pair)
    con.executemany("DELETE FROM assignments WHERE email=? AND project=?", removed)
    con.executemany("INSERT INTO assignments VALUES (?,?)", added)
    still = (assigned - set(removed))
    groups = con.execute("SELECT project, name, members FROM groups").fetchall()
    touched = rng.sample(groups, min(30, len(groups) // 2))
    for project, name, members in touched:
        members = json.loads(members)
        candidates = sorted(e for e, p in still if p == project and e not in members)
        members.remove(rng.choice(members))
        members.append(rng.choice(candidates))
        con.execute("UPDATE groups SET members=? WHERE project=? AND name=?", (json.dumps(sorted(members)), project, name))
    for name in rng.sample(projects, min(15, len(projects) // 2)):
        history = json.loads(con.execute("SELECT param_history FROM projects WHERE name=?", (name,)).fetchone()[0])
        history.append({**history[-1], "version": history[-1]["version"] + 1, "instruction": "drifted"})
        con.execute("UPDATE projects SET param_history=? WHERE name=?", (json.dumps(history), name))
    order = [n for (n,) in con.execute("SELECT name FROM batches ORDER BY priority, seq")]
    for i, n in enumerate(reversed(order)):
        con.execute("UPDATE batches SET priority=? WHERE name=?", (i + 1, n))
    con.commit()
    con.close()
    return {"role_targets": len({roles[e] for e in changed}), "readd": removed, "remove": added, "groups": len(touched),
            "params": min(15, len(projects) // 2)}


def grouped_calls(pairs) -> int:
    """The fewest assignment calls: emails sharing a project set, or projects sharing an email set."""
    by_email: dict = {}
    by_project: dict = {}
    for e, p in pairs:
        by_email.setdefault(e, set()).add(p)
        by_project.setdefault(p, set()).add(e)
    return min(len({frozenset(v) for v in by_email.values()}), len({frozenset(v) for v in by_project.values()}))


def rounds(n: int) -> int:
    return math.ceil(n / PARALLELISM) if n else 0


# ---- the straightforward SDK reconcile ---------------------------------------------------------------

def sdk_reconcile(url: str, desired: dict) -> int:
    """What a user without scaleform writes: read what is needed, then one call per differing item."""
    import scaleapi
    from scaleapi.teams import TeammateRole

    client = scaleapi.ScaleClient(KEY, api_instance_url=url)
    calls = 0
    team = {t.email: t.role for t in client.list_teammates()}
    assignments = {e: set(a.assigned_projects) for e, a in client.list_studio_assignments().items()}
    live_projects = {p.name: p for p in client.projects()}
    calls += 3
    live_groups = {}
    for name, spec in desired["projects"].items():
        if name in live_projects and "groups" in spec:
            # StudioProjectGroup.workers is a 1-tuple holding the list (a trailing comma in scaleapi 2.18.4):
            # read the raw JSON instead.
            live_groups[name] = {g.name: {w["email"] for w in g._json.get("workers") or []}
                                 for g in client.list_project_groups(name)}
            calls += 1
    pending = None
    if desired.get("batches") or desired.get("batch_priority"):
        pending = [b.name for b in client.list_studio_batches()]
        calls += 1
    roles = {"managers": TeammateRole.Manager, "members": TeammateRole.Member, "labelers": TeammateRole.Labeler}
    for key, role in roles.items():
        for email in desired["team"].get(key) or []:
            if team.get(email) != role.value:
                client.update_teammates_role([email], role)
                calls += 1
    for name, spec in desired["projects"].items():
        if name not in live_projects:
            client.create_project(name, task_type=scaleapi.TaskType(spec["type"]), params=spec.get("params"),
                                  studio=spec.get("studio", False))
            calls += 1
            if "pipeline" in spec:
                body = {"pipeline": spec["pipeline"]["type"]}
                if "consensus_attempts" in spec["pipeline"]:
                    body["consensus_attempts"] = spec["pipeline"]["consensus_attempts"]
                client.api.post_request(f"projects/{quote(name, safe='')}/updatePipelineConfig", body=body)
                calls += 1
            if "ontology" in spec:
                client.api.post_request(f"projects/{quote(name, safe='')}/setOntology",
                                        body={"ontology": spec["ontology"]["choices"], "name": spec["ontology"].get("name")})
                calls += 1
        else:
            live = live_projects[name]
            current = dict(live._json["param_history"][-1]) if live._json.get("param_history") else {}
            current.pop("version", None)
            current.pop("created_at", None)
            if "params" in spec and current != spec["params"]:
                client.update_project(name, patch=False, **spec["params"])
                calls += 1
        if "labelers" in spec:
            want = set(spec["labelers"])
            have = {e for e, ps in assignments.items() if name in ps}
            for email in sorted(want - have):
                client.add_studio_assignments([email], [name])
                calls += 1
            for email in sorted(have - want):
                client.remove_studio_assignments([email], [name])
                calls += 1
        for group, members in (spec.get("groups") or {}).items():
            live = live_groups.get(name, {}).get(group)
            if live is None:
                client.create_project_group(name, members, group)
                calls += 1
                continue
            for email in sorted(set(members) - live):
                client.update_project_group(name, group, [email], [])
                calls += 1
            for email in sorted(live - set(members)):
                client.update_project_group(name, group, [], [email])
                calls += 1
    if isinstance(desired.get("batch_priority"), list) and pending is not None and pending != desired["batch_priority"]:
        client.set_studio_batches_priorities(desired["batch_priority"])
        calls += 1
    return calls


# ---- running -----------------------------------------------------------------------------------------

def run_sdk_script(url: str, manifests: Path) -> dict:
    """The SDK reconcile as a user runs it: its own process, timed from spawn to exit like scaleform
    (interpreter start, imports, YAML load, calls)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--sdk-child", url, str(manifests)], capture_output=True,
                         text=True, env=ENV, check=True)
    return {"wall": time.perf_counter() - started, "calls": int(out.stdout.split()[-1])}


def fresh_server(base_db: Path, db: Path, mutate=None) -> Server:
    """A served copy of `base_db` (drifted by `mutate` first, when given)."""
    shutil.copy(base_db, db)
    if mutate:
        mutate(db)
    return Server(db)


def sample(*runs: dict) -> dict:
    """One measurement from one or more scaleform processes run back to back."""
    return {"wall": sum(r["wall"] for r in runs), "cpu": sum(r["cpu"] for r in runs),
            "rss_mb": max(r["rss_mb"] for r in runs),
            "diff_plan_cpu": runs[0]["timing"].get("diff_cpu", 0) + runs[0]["timing"].get("plan_cpu", 0)}


def run_scenario(name: str, base_db: Path, manifests: Path, work: Path, runs: int, mutate=None,
                 skip_sdk: bool = False) -> dict:
    samples, sdk_samples, counts = [], [], None
    apply_args = ["apply", str(manifests), "--auto-approve", "-q", "-v"]
    for i in range(runs):
        db = work / f"{name}-{i}.db"
        server = fresh_server(base_db, db, mutate)
        url = ["--api-url", server.url]
        try:
            if name.startswith("drift"):
                # Plan, then apply that plan: the reviewed-plan flow (Terraform's plan -out / apply FILE).
                saved = work / f"{name}-{i}.plan.json"
                samples.append(sample(run_child(["plan", str(manifests), *url, "-v", "--out", str(saved)]),
                                      run_child(["apply", "--plan", str(saved), *url, "-q"])))
            elif name.startswith("bootstrap"):
                samples.append(sample(run_child([*apply_args, *url])))
            else:
                r = run_child(["plan", str(manifests), *url, "-v", "--detailed-exitcode"])
                assert "No changes." in r["stdout"], r["stdout"][-2000:]
                samples.append(sample(r))
            counts = request_counts(db, server.first_id)
        finally:
            server.stop()
        if not skip_sdk:
            server = fresh_server(base_db, work / f"{name}-{i}-sdk.db", mutate)
            try:
                sdk_samples.append(run_sdk_script(server.url, manifests))
            finally:
                server.stop()
        print(f"  {name} run {i + 1}/{runs}: scaleform {samples[-1]['wall']:.2f}s"
              + (f", SDK {sdk_samples[-1]['wall']:.2f}s" if sdk_samples else ""), flush=True)
    median = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    out = {"scaleform": median, "samples": samples, "requests": sum(counts.values()), "by_endpoint": dict(sorted(counts.items()))}
    if sdk_samples:
        out["sdk"] = {"wall": statistics.median(s["wall"] for s in sdk_samples), "calls": sdk_samples[0]["calls"]}
    return out


def main() -> None:
    if sys.argv[1:2] == ["--sdk-child"]:  # run_sdk_script's child: the whole script a user would write
        print(sdk_reconcile(sys.argv[2], load_manifests_plain(Path(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="account size factor (1.0: 300 projects)")
    parser.add_argument("--skip-sdk", action="store_true")
    parser.add_argument("--out", help="where to write results (default: results.json for a full run, "
                                          "results.partial.json for --only)")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help="comma-separated scenarios to run (for quick iterations; results.json wants all)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(SCENARIOS):
        parser.error(f"--only takes {', '.join(SCENARIOS)}")
    args.out = args.out or str(ROOT / "tests" / "benchmarks" / ("results.json" if only == set(SCENARIOS)
                                                                  else "results.partial.json"))

    # Measure scaleform, not the bytecode compiler: compile its modules once, as a regular install
    # does (pip compiles site-packages; an editable install under PYTHONDONTWRITEBYTECODE would
    # otherwise compile about 35 modules, 50 ms, in every process).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "scaleform")], check=True)
    work = Path(tempfile.mkdtemp(prefix="scaleform-bench-"))
    n_projects, n_members, n_batches = int(300 * args.scale), int(3000 * args.scale), int(500 * args.scale)
    full, boot = work / "full.db", work / "boot.db"
    init(full, n_projects, n_members, n_batches)
    init(boot, 0, n_members, 0)
    manifests, boot_manifests = work / "manifests", work / "boot-manifests"
    export(full, manifests)
    shutil.copytree(manifests, boot_manifests)
    (boot_manifests / "batches.yaml").unlink()

    con = sqlite3.connect(str(full))
    pairs = con.execute("SELECT email, project FROM assignments").fetchall()
    n_groups = con.execute("SELECT COUNT(*) FROM groups").fetchone()[0]
    con.close()
    reads = 4 + n_projects  # teams, assignments, projects, studio batches; groups of each project
    results: dict = {"date": time.strftime("%Y-%m-%d"), "latency_ms": LATENCY_MS, "parallelism": PARALLELISM,
                     "runs": args.runs, "account": {"projects": n_projects, "members": n_members,
                                                    "assignments": len(pairs), "groups": n_groups,
                                                    "pending_batches": n_batches}, "scenarios": {}}
    latency = LATENCY_MS / 1000

    if "steady" in only:
        print(f"steady-state plan ({n_projects} projects)", flush=True)
        steady = run_scenario("steady", full, manifests, work, args.runs, skip_sdk=args.skip_sdk)
        steady["min_requests"] = reads
        steady["bound_wall"] = rounds(reads) * latency
        results["scenarios"]["steady-state plan"] = steady

    if "bootstrap" in only:
        print("bootstrap apply", flush=True)
        bootstrap = run_scenario("bootstrap", boot, boot_manifests, work, args.runs, skip_sdk=args.skip_sdk)
        phase_calls = [3, n_projects, n_projects, grouped_calls(pairs), n_groups]
        bootstrap["min_requests"] = sum(phase_calls)
        bootstrap["bound_wall"] = sum(rounds(n) for n in phase_calls) * latency
        results["scenarios"]["bootstrap apply"] = bootstrap

    if "drift" in only:
        print("drift plan + apply", flush=True)
        record: dict = {}
        drift_result = run_scenario("drift", full, manifests, work, args.runs,
                                    mutate=lambda db: record.update(drift(db)), skip_sdk=args.skip_sdk)
        writes = [record["role_targets"], record["params"], grouped_calls(record["readd"]), record["groups"], 1,
                  grouped_calls(record["remove"])]
        drift_result["min_requests"] = 2 * reads + sum(writes)
        drift_result["bound_wall"] = (2 * rounds(reads) + sum(rounds(n) for n in writes)) * latency
        results["scenarios"]["drift plan + apply"] = drift_result

    print("scaling (steady-state plan)", flush=True)
    scaling = []
    for factor in ((0.25, 0.5, 1.0) if "scaling" in only else ()):
        db = work / f"scale-{factor}.db"
        init(db, int(n_projects * factor), int(n_members * factor), int(n_batches * factor))
        m = work / f"scale-{factor}"
        export(db, m)
        r = run_scenario(f"scale-{factor}", db, m, work, args.runs, skip_sdk=True)
        scaling.append({"projects": int(n_projects * factor), "wall": r["scaleform"]["wall"],
                        "diff_plan_cpu": r["scaleform"]["diff_plan_cpu"], "requests": r["requests"]})
    results["scaling"] = scaling

    print()
    print("| scenario | scaleform wall | SDK wall | ratio | requests | min requests | wall / bound |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results["scenarios"].items():
        sdk = r.get("sdk", {}).get("wall")
        wall = r["scaleform"]["wall"]
        print(f"| {name} | {wall:.2f} s | {f'{sdk:.2f} s' if sdk else '-'} | {f'{sdk / wall:.1f}x' if sdk else '-'} | "
              f"{r['requests']} | {r['min_requests']} | {wall / r['bound_wall']:.2f} (bound {r['bound_wall']:.2f} s) |")
    print()
    print("| scenario | CPU (process) | diff+plan CPU | peak RSS | SDK calls |")
    print("|---|---|---|---|---|")
    for name, r in results["scenarios"].items():
        s = r["scaleform"]
        print(f"| {name} | {s['cpu']:.2f} s | {s['diff_plan_cpu']:.3f} s | {s['rss_mb']:.0f} MB | {r.get('sdk', {}).get('calls', '-')} |")
    print()
    print("| projects | steady plan wall | diff+plan CPU | requests |")
    print("|---|---|---|---|")
    for s in scaling:
        print(f"| {s['projects']} | {s['wall']:.2f} s | {s['diff_plan_cpu']:.3f} s | {s['requests']} |")
    for r in results["scenarios"].values():
        r.pop("samples", None)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nwrote {args.out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
