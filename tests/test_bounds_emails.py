"""Bounds for a hostile email: `a@`, a megabyte of dots, `@`. An email pattern whose domain was
`[^@]+\\.[^@]+` tried every split of the dots against every end, quadratic in their number; the
text reaches the pattern from a manifest, a saved plan and the API. Each run is a fresh child whose
CPU time is bounded as in test_bounds.py: this tests a bound, not speed."""

from __future__ import annotations

import json
from pathlib import Path

from test_bounds import MAX_CPU_S, MB, run_bounded, saved_quickstart_plan

from helpers import make_db
from scaleform.sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart"
DOTS = "a@" + "." * (MB - 10_000) + "@"


def _within_the_bound(result: dict, rc: int, said: str) -> None:
    assert result["rc"] == rc and said in result["stderr"], result
    assert "Traceback" not in result["stderr"] and len(result["stderr"]) < 2_000
    assert result["cpu"] < MAX_CPU_S, result


def test_a_manifest_email_of_many_dots_is_refused_within_the_bound(tmp_path):
    manifest = tmp_path / "team.yaml"
    manifest.write_text(f"version: 1\nteam:\n  members: ['{DOTS}']\n")
    assert manifest.stat().st_size <= MB
    _within_the_bound(run_bounded(tmp_path, "validate", str(manifest)), 1, "is not a valid email address")


def test_a_saved_plan_email_of_many_dots_is_refused_within_the_bound(tmp_path):
    saved, plan = saved_quickstart_plan(tmp_path)
    change = next(c for c in plan["changes"] if c["address"].startswith("team.member["))
    change["address"] = f"team.member[{DOTS}]"
    saved.write_text(json.dumps(plan))
    assert saved.stat().st_size <= 1.1 * MB
    _within_the_bound(run_bounded(tmp_path, "show", str(saved)), 1, "not a plain email address")


def test_a_live_email_of_many_dots_is_skipped_within_the_bound(tmp_path):
    db = make_db(tmp_path / "account.db")
    store = Store(db)
    store.add_member(DOTS, "member")
    store.db.close()
    saved = tmp_path / "p.json"
    _within_the_bound(run_bounded(tmp_path, "plan", str(QUICKSTART), "--sandbox", str(db), "--out", str(saved)), 0, "")
    warnings = json.loads(saved.read_text())["warnings"]
    assert any("(it is not a plain email address); scaleform skips it" in w for w in warnings), warnings
