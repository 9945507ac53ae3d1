"""Chaos convergence against `sandbox serve` with injected faults and a rate limit.

In the default run: the quickstart on an empty account for 20 seeds in both fault modes, and a
50-project bootstrap for 2 seeds per mode. `pytest -m soak` runs the bootstrap for 20 seeds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers import KEY, make_db, request_log, served, write_manifest
from scaleform.sandbox.store import Store

ENV = {"SCALE_API_KEY": KEY}


def bootstrap_manifests(d: Path, n: int = 50) -> Path:
    people = [f"user{i:03d}@acme.ai" for i in range(20)]
    team = "team:\n  labelers: [" + ", ".join(people) + "]\n"
    projects = "projects:\n"
    for i in range(n):
        labelers = people[i % 10 : i % 10 + 4]
        projects += (
            f"  boot-{i:02d}:\n    type: imageannotation\n    studio: true\n"
            f"    params: {{instruction: Label {i}}}\n    ontology: {{choices: [a{i}, b{i}]}}\n"
            f"    labelers: [{', '.join(labelers)}]\n    groups:\n      g: [{labelers[0]}, {labelers[1]}]\n"
        )
    return write_manifest(d / "boot.yaml", team + projects)


def performed_writes(db, mode: str) -> int:
    """Writes the server actually performed: 200s, plus 503s injected after the write."""
    done = {200, 503} if mode == "after" else {200}
    return sum(1 for r in request_log(db) if r["method"] != "GET" and r["status"] in done)


def accept(db):
    store = Store(db)
    with store.transaction():
        store.accept_invites()
    store.db.close()


def run_to_convergence(db: Path, manifests: Path, flags: list[str]) -> None:
    """Apply, accept invitations, apply, apply, plan: through the public Python API, so seeds can
    run concurrently in threads (each its own server process and event loop)."""
    from scaleform import load_manifests, make_plan
    from scaleform.apply import apply_plan
    from scaleform.target import resolve_target

    loaded = load_manifests(manifests)
    with served(db, *flags, env=ENV) as url:
        target = resolve_target(api_url=url, env=ENV)
        for round_ in range(3):
            report = apply_plan(make_plan(loaded, target), target, force=True)
            failures = [(r.operation.path, r.message) for r in report.results if r.status != "applied"]
            assert report.ok, f"apply {round_} under {flags}: {failures}"
            if round_ < 2:
                accept(db)
        final = make_plan(loaded, target)
        assert not final.changes and not final.deferred, (flags, final.changes, final.deferred)


def run_seeds(job, seeds) -> None:
    """Run job(seed) for every seed concurrently; fail listing every seed that failed."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda seed: _capture(job, seed), seeds))
    failed = [(seed, err) for seed, err in zip(seeds, results) if err]
    assert not failed, failed


def _capture(job, seed):
    try:
        job(seed)
        return None
    except Exception as exc:  # reported with its seed by run_seeds
        return f"{type(exc).__name__}: {exc}"[:3000]


def fault_free_writes(tmp_path: Path, manifests: Path) -> int:
    db = make_db(tmp_path / "clean.db", "empty")
    run_to_convergence(db, manifests, [])
    return performed_writes(db, "before")


def check_no_duplicates(db: Path, manifests_text: str) -> None:
    con = sqlite3.connect(str(db))
    try:
        dup = con.execute(
            "SELECT project, name, COUNT(*) FROM groups GROUP BY project, name HAVING COUNT(*) > 1"
        ).fetchall()
        assert dup == []
        for (name,) in con.execute("SELECT name FROM projects"):
            assert name in manifests_text
    finally:
        con.close()


@pytest.mark.parametrize("mode", ["before", "after"])
def test_quickstart_converges_under_faults_for_20_seeds(tmp_path, root, mode):
    qs = root / "examples" / "quickstart"
    baseline = fault_free_writes(tmp_path, qs)
    text = "".join(p.read_text() for p in qs.glob("*.yaml"))

    def job(seed: int) -> None:
        db = make_db(tmp_path / f"s{seed}.db", "empty")
        run_to_convergence(
            db, qs, ["--fault-rate", "0.2", "--fault-mode", mode, "--rate-limit", "30", "--seed", str(seed)]
        )
        assert performed_writes(db, mode) <= 2 * baseline, (seed, performed_writes(db, mode), baseline)
        check_no_duplicates(db, text)
        assert any(r["status"] == 503 for r in request_log(db)), "no fault was injected"

    run_seeds(job, list(range(20)))


def bootstrap(tmp_path: Path, seeds: list[int]) -> None:
    m = bootstrap_manifests(tmp_path)
    baseline = fault_free_writes(tmp_path, m)

    def job(key: tuple[str, int]) -> None:
        mode, seed = key
        db = make_db(tmp_path / f"s-{mode}-{seed}.db", "empty")
        run_to_convergence(
            db, m, ["--fault-rate", "0.2", "--fault-mode", mode, "--rate-limit", "30", "--seed", str(seed)]
        )
        assert performed_writes(db, mode) <= 2 * baseline
        check_no_duplicates(db, m.read_text())
        con = sqlite3.connect(str(db))
        try:
            assert con.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 50
            assert con.execute("SELECT COUNT(*) FROM groups").fetchone()[0] == 50
        finally:
            con.close()

    run_seeds(job, [(mode, seed) for mode in ("before", "after") for seed in seeds])


def test_fifty_project_bootstrap_converges_under_faults(tmp_path):
    bootstrap(tmp_path, [0, 1])


@pytest.mark.soak
def test_fifty_project_bootstrap_soak_20_seeds(tmp_path):
    bootstrap(tmp_path, list(range(20)))
