"""Ctrl-C during apply: in-flight calls finish, nothing new starts, the report says what ran."""
from __future__ import annotations

import os
import signal
import subprocess

from helpers import KEY, make_db, request_log, scaleform_cmd, served, write_manifest


def test_sigint_stops_cleanly_with_a_report(tmp_path):
    db = make_db(tmp_path / "s.db", "empty")
    projects = "".join(f"  p{i:02d}: {{type: imageannotation, studio: true, ontology: {{choices: [a, b]}}}}\n"
                       for i in range(40))
    m = write_manifest(tmp_path / "m.yaml", "projects:\n" + projects)
    env = {**os.environ, "SCALE_API_KEY": KEY}
    with served(db, "--latency-ms", "150", env={"SCALE_API_KEY": KEY}) as url:
        proc = subprocess.Popen(scaleform_cmd("apply", str(m), "--api-url", url, "--auto-approve", "--parallelism", "2"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for line in proc.stdout:
            if ": created (" in line:  # the first call has completed
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert "Apply interrupted." in err and "Not attempted" in err and "Traceback" not in err
    created = sum(1 for r in request_log(db) if r["method"] == "POST" and r["path"] == "/v1/projects")
    assert 1 <= created < 40  # it stopped early; what was in flight finished
    # Everything the server did is reported as applied (no call was cut off mid-flight).
    applied = err.split("Applied: ")[1].split(" call(s)")[0]
    writes = sum(1 for r in request_log(db) if r["method"] != "GET" and r["status"] == 200)
    assert int(applied) == writes
