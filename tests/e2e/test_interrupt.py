"""Ctrl-C during apply: in-flight calls finish, nothing new starts, the report says what ran."""

from __future__ import annotations

import os
import signal
import subprocess

from helpers import KEY, make_db, request_log, scaleform_cmd, served, write_manifest


def test_sigint_stops_cleanly_with_a_report(tmp_path):
    db = make_db(tmp_path / "s.db", "empty")
    projects = "".join(
        f"  p{i:02d}: {{type: imageannotation, studio: true, ontology: {{choices: [a, b]}}}}\n" for i in range(40)
    )
    m = write_manifest(tmp_path / "m.yaml", "projects:\n" + projects)
    env = {**os.environ, "SCALE_API_KEY": KEY}
    with served(db, "--latency-ms", "150", env={"SCALE_API_KEY": KEY}) as url:
        proc = subprocess.Popen(
            scaleform_cmd("apply", str(m), "--api-url", url, "--auto-approve", "--parallelism", "2"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for line in proc.stdout:
            if ": created (" in line:  # the first call has completed
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Apply interrupted." in err and "Not attempted" in err and "Traceback" not in err
    created = sum(1 for r in request_log(db) if r["method"] == "POST" and r["path"] == "/v1/projects")
    assert 1 <= created < 40  # it stopped early; what was in flight finished
    # Everything the server did is reported as applied (no call was cut off mid-flight).
    applied = err.split("Applied: ")[1].split(" call(s)")[0]
    writes = sum(1 for r in request_log(db) if r["method"] != "GET" and r["status"] == 200)
    assert int(applied) == writes


def test_sigterm_prints_an_accurate_report_flushes_output_and_a_rerun_converges(tmp_path):
    import time

    from helpers import cli

    db = make_db(tmp_path / "s.db", "empty")
    projects = "".join(
        f"  p{i:02d}: {{type: imageannotation, studio: true, ontology: {{choices: [a, b]}}}}\n" for i in range(40)
    )
    m = write_manifest(tmp_path / "m.yaml", "projects:\n" + projects)
    env = {**os.environ, "SCALE_API_KEY": KEY}
    with served(db, "--latency-ms", "150") as url:
        with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
            # stdout is a file, as in CI: block-buffered, so lines survive only if the process
            # exits through its own handler.
            proc = subprocess.Popen(
                scaleform_cmd("apply", str(m), "--api-url", url, "--auto-approve", "--parallelism", "2"),
                stdout=out,
                stderr=err,
                env=env,
            )
            deadline = time.monotonic() + 60
            while not any(r["method"] == "POST" and r["status"] == 200 for r in request_log(db)):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        stdout, stderr = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
        assert proc.returncode == 143, (stdout, stderr)
        assert "Apply interrupted." in stderr and "Not attempted" in stderr and "Traceback" not in stderr
        done = [r for r in request_log(db) if r["method"] != "GET" and r["status"] == 200]
        assert 1 <= len(done) < 80
        applied = int(stderr.split("Applied: ")[1].split(" call(s)")[0])
        import re

        lines = [
            line
            for line in stdout.splitlines()
            if re.fullmatch(r"project\[p\d\d\]\S*: .* \((\d+ ms|\d+\.\d s)\)", line)
        ]
        assert applied == len(done) == len(lines)  # every per-call line reached the file
        again = cli("apply", str(m), "--api-url", url, "--auto-approve", env={"SCALE_API_KEY": KEY})
        assert again.exit_code == 0, again.output
        final = cli("plan", str(m), "--api-url", url, env={"SCALE_API_KEY": KEY})
    assert final.stdout.endswith("No changes. The account matches the manifests.\n")
    created = [r for r in request_log(db) if r["method"] == "POST" and r["path"] == "/v1/projects"]
    assert len(created) == 40 and all(r["status"] == 200 for r in created)  # no duplicate, no 409
