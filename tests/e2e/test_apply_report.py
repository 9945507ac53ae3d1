"""apply through the CLI: the report in three formats, the closing line, and where a saved plan
may send the key."""

from __future__ import annotations

import json

import jsonschema

from helpers import cli, make_db, writes
from scaleform.manifest.schema import load_schema


def test_the_closing_line_says_what_waits_and_what_to_do(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    result = cli("apply", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--auto-approve")
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith("run apply again once they are accepted.") and " wait for " in last
    assert "invitation" in last


def test_json_report_follows_its_schema_and_markdown_leads_with_the_summary(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    result = cli(
        "apply", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--auto-approve", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stdout holds the report alone; the plan went to stderr
    jsonschema.validate(report, load_schema("apply-report.schema.json"))
    assert report["ok"] and report["summary"]["applied"] == len(report["results"]) > 0
    assert report["summary"]["deferred"] == len(report["deferred"]) > 0 and report["next_step"]
    assert len(writes(db)) == report["summary"]["applied"]
    again = cli(
        "apply", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--auto-approve", "--format", "markdown"
    )
    assert again.exit_code == 0 and again.stdout.startswith("**Apply complete:")


def test_a_saved_plan_uses_its_recorded_sandbox_but_never_an_arbitrary_url(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    saved = tmp_path / "plan.json"
    assert cli("plan", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--out", str(saved)).exit_code == 0
    applied = cli("apply", "--plan", str(saved))  # no target given: the recorded sandbox
    assert applied.exit_code == 0, applied.output
    planted = json.loads(saved.read_text())
    planted["target"]["api_url"] = "https://attacker.example/v1"
    (tmp_path / "planted.json").write_text(json.dumps(planted))
    refused = cli("apply", "--plan", str(tmp_path / "planted.json"), env={"SCALE_API_KEY": "live_key"})
    assert refused.exit_code == 1 and "--api-url https://attacker.example/v1" in refused.output
    assert "live_key" not in refused.output


def test_apply_with_a_saved_plan_refuses_a_path(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    saved = tmp_path / "plan.json"
    assert cli("plan", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--out", str(saved)).exit_code == 0
    result = cli("apply", str(root / "examples" / "quickstart"), "--plan", str(saved))
    assert result.exit_code == 1 and "takes no PATH" in result.output and writes(db) == []
