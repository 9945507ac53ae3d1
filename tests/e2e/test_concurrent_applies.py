"""Two applies of different manifests at once against one sandbox both finish; each final plan
shows only the other's intended differences. (scaleform does not lock the account.)"""
from __future__ import annotations

import json
import os
import subprocess

from helpers import KEY, make_db, scaleform_cmd, served, write_manifest


def test_two_concurrent_applies(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    a = write_manifest(tmp_path / "a.yaml", """\
        team: {managers: [ana@acme.ai]}
        projects:
          from-a: {type: imageannotation, studio: true, params: {instruction: A}}
        """)
    b = write_manifest(tmp_path / "b.yaml", """\
        team: {labelers: [ana@acme.ai]}
        projects:
          from-b: {type: categorization, studio: true, params: {instruction: B}}
          street-signs: {type: imageannotation, params: {instruction: From B}}
        """)
    env = {**os.environ, "SCALE_API_KEY": KEY}
    with served(db, "--latency-ms", "20", env={"SCALE_API_KEY": KEY}) as url:
        procs = [subprocess.Popen(scaleform_cmd("apply", str(m), "--api-url", url, "--auto-approve"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for m in (a, b)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        plans = {}
        for name, m in (("a", a), ("b", b)):
            out = subprocess.run(scaleform_cmd("plan", str(m), "--api-url", url, "--format", "json"),
                                 capture_output=True, text=True, env=env, timeout=120)
            plans[name] = [c["address"] for c in json.loads(out.stdout)["changes"]]
    # Only ana's role is contested: whichever apply ran last won, and the other's plan shows it.
    assert sorted(plans["a"] + plans["b"]) == ["team.member[ana@acme.ai]"]
