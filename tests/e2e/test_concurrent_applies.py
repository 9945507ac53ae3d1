"""Two applies of different manifests at once against one sandbox both finish; each final plan
shows only the other's intended differences. (scaleform does not lock the account.)"""

from __future__ import annotations

import json
import os
import subprocess

from helpers import KEY, make_db, scaleform_cmd, served, write_manifest


def test_two_concurrent_applies(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    a = write_manifest(
        tmp_path / "a.yaml",
        """\
        team: {managers: [ana@acme.ai]}
        projects:
          from-a: {type: imageannotation, studio: true, params: {instruction: A}}
        """,
    )
    b = write_manifest(
        tmp_path / "b.yaml",
        """\
        team: {labelers: [ana@acme.ai]}
        projects:
          from-b: {type: categorization, studio: true, params: {instruction: B}}
          street-signs: {type: imageannotation, params: {instruction: From B}}
        """,
    )
    env = {**os.environ, "SCALE_API_KEY": KEY}
    with served(db, "--latency-ms", "20", env={"SCALE_API_KEY": KEY}) as url:
        procs = [
            subprocess.Popen(
                scaleform_cmd("apply", str(m), "--api-url", url, "--auto-approve"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for m in (a, b)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        plans = {}
        for name, m in (("a", a), ("b", b)):
            out = subprocess.run(
                scaleform_cmd("plan", str(m), "--api-url", url, "--format", "json"),
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            plans[name] = [c["address"] for c in json.loads(out.stdout)["changes"]]
    # Only ana's role is contested: whichever apply ran last won, and the other's plan shows it.
    assert sorted(plans["a"] + plans["b"]) == ["team.member[ana@acme.ai]"]


def _side(tmp_path, name: str, instruction: str, attempts: int, calibration: bool):
    projects = "".join(
        f"  shared-{i:02d}: {{type: imageannotation, studio: true, params: {{instruction: {instruction}}},"
        f" pipeline: {{type: consensus_task, consensus_attempts: {attempts}}}}}\n"
        for i in range(30)
    )
    batches = "".join(
        f"  shared-{i:02d}-b: {{project: shared-{i:02d}, create: true, "
        f"calibration_batch: {str(calibration).lower()}}}\n"
        for i in range(30)
    )
    return write_manifest(tmp_path / f"{name}.yaml", "projects:\n" + projects + "batches:\n" + batches)


def test_conflicting_creates_never_both_report_success(tmp_path):
    """Both sides declare the same 30 projects and batches with other settings. The loser's creates
    are answered 409, read back, found different, and reported as failed, naming what differs."""
    db = make_db(tmp_path / "s.db", "empty")
    a = _side(tmp_path, "a", "From A", 3, False)
    b = _side(tmp_path, "b", "From B", 5, True)
    env = {**os.environ, "SCALE_API_KEY": KEY}
    with served(db, "--latency-ms", "20") as url:
        procs = [
            subprocess.Popen(
                scaleform_cmd("apply", str(m), "--api-url", url, "--auto-approve"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for m in (a, b)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        codes = [p.returncode for p in procs]
        assert codes.count(0) <= 1, results
        losers = [err for p, (_, err) in zip(procs, results) if p.returncode != 0]
        assert losers and all("already exists with other" in err for err in losers), results
        assert any("params" in err and "pipeline" in err for err in losers) or any(
            "calibration_batch" in err for err in losers
        ), losers
        finals = {}
        for name, m in (("a", a), ("b", b)):
            out = subprocess.run(
                scaleform_cmd("plan", str(m), "--api-url", url, "--format", "json"),
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            finals[name] = (out.returncode, out.stdout, out.stderr)
    # Each side's final plan shows what it would still change, or refuses to plan what cannot be
    # changed (a batch's calibration flag) with a located error: never "No changes" for the loser.
    for name, (code, stdout, stderr) in finals.items():
        if code == 0:
            changed = [c["address"] for c in json.loads(stdout)["changes"]]
            assert any(a.endswith(".params") or a.endswith(".pipeline") for a in changed) or not changed
        else:
            assert "calibration_batch is set at creation only" in stderr and f"{name}.yaml:" in stderr
    assert sum(1 for code, stdout, _ in finals.values() if code == 0 and not json.loads(stdout)["changes"]) <= 1
