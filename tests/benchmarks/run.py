#!/usr/bin/env python3
"""scaleform benchmark: against the official SDK and against the lower bound.

    python tests/benchmarks/run.py [--runs 3] [--scale 1.0] [--skip-sdk] [--only steady,drift,...]

Each run serves a fresh copy of the account with `scaleform sandbox serve` on a loopback port,
runs scaleform as a separate process (wall, CPU, peak RSS from wait4, the hypervisor's steal
time from /proc/stat), counts requests from the sandbox's own log, and runs the same reconcile
written plainly with the `scaleapi` SDK (sdk_baseline.py) against its own fresh copy. Ratios are
per run (SDK wall / scaleform wall); the table shows the minimum and the median. Prints every
row and writes tests/benchmarks/results.json. Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import report  # noqa: E402

from harness import (
    LATENCY_MS,
    PARALLELISM,
    ROOT,
    Server,
    drift,
    export,
    grouped_calls,  # noqa: E402
    init,
    request_counts,
    request_log,
    rounds,
    run_child,
)

SCENARIOS = ("steady", "bootstrap", "drift", "saved", "latency", "ratelimit", "large", "stream", "scaling")


def run_sdk_script(url: str, manifests: Path) -> dict:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sdk_baseline.py")), url, str(manifests)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {"wall": time.perf_counter() - started, "calls": int(out.stdout.split()[-1])}


def fresh_server(base_db: Path, db: Path, mutate=None, latency_ms: float = LATENCY_MS, *flags: str) -> Server:
    """A served copy of `base_db` (drifted by `mutate` first, when given)."""
    shutil.copy(base_db, db)
    if mutate:
        mutate(db)
    return Server(db, latency_ms, *flags)


def sample(*runs: dict) -> dict:
    """One measurement from one or more scaleform processes run back to back."""
    return {
        "wall": sum(r["wall"] for r in runs),
        "cpu": sum(r["cpu"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "steal": sum(r["steal"] for r in runs),
        "diff_plan_cpu": runs[0]["timing"].get("diff_cpu", 0) + runs[0]["timing"].get("plan_cpu", 0),
    }


def commands(kind: str, manifests: Path, url: list[str], saved: Path) -> list[list[str]]:
    if kind == "saved":  # the reviewed-plan flow: plan --out, then apply that file
        return [["plan", str(manifests), *url, "-v", "--out", str(saved)], ["apply", "--plan", str(saved), *url, "-q"]]
    if kind in ("bootstrap", "drift"):  # the merge-time apply: read, plan and write in one process
        return [["apply", str(manifests), "--auto-approve", "-q", "-v", *url]]
    return [["plan", str(manifests), *url, "-v", "--detailed-exitcode"]]


def run_scenario(
    name: str,
    kind: str,
    base_db: Path,
    manifests: Path,
    work: Path,
    runs: int,
    mutate=None,
    with_sdk: bool = True,
    latency_ms: float = LATENCY_MS,
    flags: tuple = (),
) -> dict:
    samples, sdk_samples, counts, logs = [], [], None, []
    for i in range(runs):
        db = work / f"{name}-{i}.db"
        server = fresh_server(base_db, db, mutate, latency_ms, *flags)
        try:
            results = [
                run_child(args)
                for args in commands(kind, manifests, ["--api-url", server.url], work / f"{name}-{i}.plan.json")
            ]
            if kind in ("steady", "latency"):
                assert "No changes." in results[0]["stdout"], results[0]["stdout"][-2000:]
            samples.append(sample(*results))
            counts = request_counts(db, server.first_id)
            logs.append(request_log(db, server.first_id))
        finally:
            server.stop()
        if with_sdk:
            server = fresh_server(base_db, work / f"{name}-{i}-sdk.db", mutate, latency_ms)
            try:
                sdk_samples.append(run_sdk_script(server.url, manifests))
            finally:
                server.stop()
        print(
            f"  {name} run {i + 1}/{runs}: scaleform {samples[-1]['wall']:.2f}s (steal {samples[-1]['steal']:.2f}s)"
            + (f", SDK {sdk_samples[-1]['wall']:.2f}s" if sdk_samples else ""),
            flush=True,
        )
    out = {
        "scaleform": {k: statistics.median(s[k] for s in samples) for k in samples[0]},
        "samples": samples,
        "requests": sum(counts.values()),
        "by_endpoint": dict(sorted(counts.items())),
        "logs": logs,
    }
    if sdk_samples:
        ratios = [sdk["wall"] / s["wall"] for sdk, s in zip(sdk_samples, samples)]
        out["sdk"] = {
            "wall": statistics.median(s["wall"] for s in sdk_samples),
            "calls": sdk_samples[0]["calls"],
            "ratio_min": min(ratios),
            "ratio_median": statistics.median(ratios),
        }
    return out


def bounded(result: dict, requests: int, bound_rounds: int, latency_ms: float = LATENCY_MS) -> dict:
    result["min_requests"] = requests
    result["bound_wall"] = bound_rounds * latency_ms / 1000
    return result


def account_sizes(db: Path) -> tuple[list, int]:
    con = sqlite3.connect(str(db))
    pairs = con.execute("SELECT email, project FROM assignments").fetchall()
    groups = con.execute("SELECT COUNT(*) FROM groups").fetchone()[0]
    con.close()
    return pairs, groups


def prepare(work: Path, name: str, projects: int, members: int, batches: int) -> tuple[Path, Path]:
    db, manifests = work / f"{name}.db", work / f"{name}-manifests"
    init(db, projects, members, batches)
    export(db, manifests)
    return db, manifests


def bootstrap_inputs(work: Path, name: str, full_manifests: Path, members: int) -> tuple[Path, Path]:
    """An account with the team only, and the manifests without batches: what a new environment gets."""
    db, manifests = work / f"{name}.db", work / f"{name}-manifests"
    init(db, 0, members, 0)
    shutil.copytree(full_manifests, manifests)
    (manifests / "batches.yaml").unlink()
    return db, manifests


def bootstrap_calls(pairs: list, projects: int, groups: int) -> list[int]:
    return [3, projects, projects, grouped_calls(pairs), groups]


def per_second_peak(log: list) -> int:
    """The most requests started within any one second."""
    starts = sorted(row[3] for row in log)
    best, left = 0, 0
    for right, t in enumerate(starts):
        while t - starts[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


def stream_of_429s(work: Path) -> dict:
    """A plan against an API that answers every request 429 with `Retry-After: 0`."""
    db, manifests = work / "stream.db", work / "stream-manifests"
    init(db, 0, 10, 0)
    manifests.mkdir()
    (manifests / "team.yaml").write_text("version: 1\nteam:\n  labelers: [user00001@example.com]\n")
    server = Server(db, LATENCY_MS, "--fault-rate", "1", "--fault-status", "429", "--fault-retry-after", "0")
    try:
        result = run_child(["plan", str(manifests), "--api-url", server.url], allow_failure=True)
        log = request_log(db, server.first_id)
    finally:
        server.stop()
    error = next((line for line in result["stderr"].splitlines() if line.startswith("Error:")), "")
    return {
        "wall": result["wall"],
        "code": result["code"],
        "requests": len(log),
        "peak_per_second": per_second_peak(log),
        "mean_per_second": len(log) / result["wall"],
        "error": error,
    }


def ten_times(work: Path, runs_steady_300: float) -> dict:
    """The 10x account: export (served), validate of the export, and a steady-state plan."""
    db = work / "x10.db"
    init(db, 3000, 30000, 5000)
    manifests = work / "x10-manifests"
    server = Server(db)
    try:
        exported = run_child(["export", "--api-url", server.url, "--out", str(manifests), "-q"])
    finally:
        server.stop()
    validated = run_child(["validate", str(manifests), "-q"])
    pairs, groups = account_sizes(db)
    steady = run_scenario("x10", "steady", db, manifests, work, 1, with_sdk=False)
    reads = 4 + 3000
    bounded(steady, reads, rounds(reads))
    return {
        "account": {
            "projects": 3000,
            "members": 30000,
            "assignments": len(pairs),
            "groups": groups,
            "pending_batches": 5000,
        },
        "export": {"wall": exported["wall"], "cpu": exported["cpu"], "rss_mb": exported["rss_mb"]},
        "validate": {"wall": validated["wall"], "cpu": validated["cpu"], "rss_mb": validated["rss_mb"]},
        "steady": steady,
        "wall_vs_300": steady["scaleform"]["wall"] / runs_steady_300,
    }


def rate_limited(work: Path) -> dict:
    """A bootstrap of the mid-size account (60 projects) against an API that allows 20 requests/s."""
    full, full_manifests = prepare(work, "mid", 60, 600, 100)
    boot, manifests = bootstrap_inputs(work, "mid-boot", full_manifests, 600)
    pairs, groups = account_sizes(full)
    result = run_scenario(
        "ratelimit", "bootstrap", boot, manifests, work, 1, with_sdk=False, flags=("--rate-limit", "20")
    )
    calls = sum(bootstrap_calls(pairs, 60, groups))
    log = result["logs"][0]
    refused = sum(1 for row in log if row[2] == 429)
    return {
        "wall": result["scaleform"]["wall"],
        "calls": calls,
        "requests": len(log),
        "refused": refused,
        "share_429": refused / max(1, len(log)),
        "bound_wall": calls / 20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="account size factor (1.0: 300 projects)")
    parser.add_argument("--skip-sdk", action="store_true")
    parser.add_argument(
        "--out", help="where to write results (default: results.json for a full run, results.partial.json for --only)"
    )
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated scenarios ({', '.join(SCENARIOS)}); results.json wants all",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(SCENARIOS):
        parser.error(f"--only takes {', '.join(SCENARIOS)}")
    args.out = args.out or str(
        ROOT / "tests" / "benchmarks" / ("results.json" if only == set(SCENARIOS) else "results.partial.json")
    )
    # Measure scaleform, not the bytecode compiler: compile its modules once, as a regular install does.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "scaleform")], check=True)
    work = Path(tempfile.mkdtemp(prefix="scaleform-bench-"))
    results = measure(work, only, args)
    report(results)
    for r in results["scenarios"].values():
        r.pop("samples", None)
        r.pop("logs", None)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nwrote {args.out}")
    shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, only: set[str], args: argparse.Namespace) -> dict:
    n_projects, n_members, n_batches = int(300 * args.scale), int(3000 * args.scale), int(500 * args.scale)
    full, manifests = prepare(work, "full", n_projects, n_members, n_batches)
    boot, boot_manifests = bootstrap_inputs(work, "boot", manifests, n_members)
    pairs, n_groups = account_sizes(full)
    reads = 4 + n_projects  # teams, assignments, projects, studio batches; groups of each project
    sdk = not args.skip_sdk
    results: dict = {
        "date": time.strftime("%Y-%m-%d"),
        "latency_ms": LATENCY_MS,
        "parallelism": PARALLELISM,
        "runs": args.runs,
        "account": {
            "projects": n_projects,
            "members": n_members,
            "assignments": len(pairs),
            "groups": n_groups,
            "pending_batches": n_batches,
        },
        "scenarios": {},
    }
    scenarios = results["scenarios"]
    if only & {"steady", "large"}:
        print(f"steady-state plan ({n_projects} projects)", flush=True)
        scenarios["steady-state plan"] = bounded(
            run_scenario("steady", "steady", full, manifests, work, args.runs, with_sdk=sdk), reads, rounds(reads)
        )
    if "bootstrap" in only:
        print("bootstrap apply", flush=True)
        calls = bootstrap_calls(pairs, n_projects, n_groups)
        scenarios["bootstrap apply"] = bounded(
            run_scenario("bootstrap", "bootstrap", boot, boot_manifests, work, args.runs, with_sdk=sdk),
            sum(calls),
            sum(rounds(n) for n in calls),
        )
    record: dict = {}

    def mutate(db: Path) -> None:
        record.update(drift(db))

    def writes() -> list[int]:
        return [
            record["role_targets"],
            record["params"],
            grouped_calls(record["readd"]),
            record["groups"],
            1,
            grouped_calls(record["remove"]),
        ]

    if "drift" in only:
        print("drift: the merge-time apply (one process)", flush=True)
        result = run_scenario("drift", "drift", full, manifests, work, args.runs, mutate=mutate, with_sdk=sdk)
        scenarios["drift apply"] = bounded(result, reads + sum(writes()), rounds(reads) + sum(map(rounds, writes())))
    if "saved" in only:
        print("drift: the saved-plan flow (plan --out, apply --plan)", flush=True)
        result = run_scenario("saved", "saved", full, manifests, work, args.runs, mutate=mutate, with_sdk=False)
        scenarios["saved-plan flow"] = bounded(
            result, 2 * reads + sum(writes()), 2 * rounds(reads) + sum(map(rounds, writes()))
        )
    if "latency" in only:
        print("steady-state plan at 100 ms latency", flush=True)
        result = run_scenario("latency", "latency", full, manifests, work, args.runs, with_sdk=False, latency_ms=100)
        scenarios["steady-state plan, 100 ms"] = bounded(result, reads, rounds(reads), 100)
    if "ratelimit" in only:
        print("rate-limited bootstrap (60 projects, 20 requests/s)", flush=True)
        results["rate_limited_bootstrap"] = rate_limited(work)
    if "stream" in only:
        print("a steady stream of 429 with Retry-After: 0", flush=True)
        results["stream_of_429s"] = stream_of_429s(work)
    if "large" in only:
        print("the 10x account (3,000 projects)", flush=True)
        results["ten_times"] = ten_times(work, scenarios["steady-state plan"]["scaleform"]["wall"])
    results["scaling"] = scaling(work, n_projects, n_members, n_batches, args.runs) if "scaling" in only else []
    return results


def scaling(work: Path, n_projects: int, n_members: int, n_batches: int, runs: int) -> list[dict]:
    print("scaling (steady-state plan)", flush=True)
    out = []
    for factor in (0.25, 0.5, 1.0):
        db, m = prepare(
            work, f"scale-{factor}", int(n_projects * factor), int(n_members * factor), int(n_batches * factor)
        )
        r = run_scenario(f"scale-{factor}", "steady", db, m, work, runs, with_sdk=False)
        out.append(
            {
                "projects": int(n_projects * factor),
                "wall": r["scaleform"]["wall"],
                "diff_plan_cpu": r["scaleform"]["diff_plan_cpu"],
                "requests": r["requests"],
            }
        )
    return out


if __name__ == "__main__":
    main()
