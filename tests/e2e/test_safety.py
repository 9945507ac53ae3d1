"""Safety: saved plans and staleness, the removal threshold, prune, targeting, confirmation."""

from __future__ import annotations

import json
import sqlite3

import pytest

from helpers import cli, make_db, plan_json, write_manifest, writes


@pytest.fixture
def db(tmp_path):
    return make_db(tmp_path / "demo.db", "demo")


def test_saved_plan_applies_when_fresh(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  managers: [ana@acme.ai]\n")
    out = tmp_path / "plan.json"
    assert cli("plan", str(m), "--sandbox", str(db), "--out", str(out)).exit_code == 0
    assert "test_sandbox" not in out.read_text()
    shown = cli("show", str(out))
    assert shown.exit_code == 0 and "team.member[ana@acme.ai]" in shown.stdout
    result = cli("apply", "--plan", str(out), "--sandbox", str(db))
    assert result.exit_code == 0, result.output
    assert plan_json(db, m)["changes"] == []


def test_stale_saved_plan_is_refused_naming_what_moved(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  managers: [ana@acme.ai]\n  members: [raj@acme.ai]\n")
    out = tmp_path / "plan.json"
    assert cli("plan", str(m), "--sandbox", str(db), "--out", str(out)).exit_code == 0
    other = write_manifest(tmp_path / "o.yaml", "team:\n  labelers: [raj@acme.ai]\n")
    assert cli("apply", str(other), "--sandbox", str(db), "--auto-approve").exit_code == 0
    before = len(writes(db))
    result = cli("apply", "--plan", str(out), "--sandbox", str(db))
    assert result.exit_code == 1
    assert "plan is stale: team.member[raj@acme.ai] changed since the plan was made" in result.stderr
    assert len(writes(db)) == before  # nothing was written


def test_saved_plan_for_another_target_is_refused(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  managers: [ana@acme.ai]\n")
    out = tmp_path / "plan.json"
    cli("plan", str(m), "--sandbox", str(db), "--out", str(out))
    other = make_db(tmp_path / "other.db", "demo")
    result = cli("apply", "--plan", str(out), "--sandbox", str(other))
    assert result.exit_code == 1 and "the plan was made for sandbox:" in result.stderr


def test_damaged_plan_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format_version": "1.0"}')
    result = cli("show", str(bad))
    assert result.exit_code == 1 and "does not match schemas/plan.schema.json" in result.stderr
    assert "Traceback" not in result.output
    bad.write_text("not json")
    assert cli("show", str(bad)).exit_code == 1


def _large_labelers(db) -> list[str]:
    con = sqlite3.connect(str(db))
    rows = [r[0] for r in con.execute("SELECT email FROM assignments WHERE project='proj-0000' ORDER BY email")]
    con.close()
    return rows


def test_removal_threshold_and_force(tmp_path):
    db = make_db(tmp_path / "big.db", "large", projects=3, members=60, batches=0)
    live = _large_labelers(db)
    keep = live[: int(len(live) * 0.6)]
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:\n  proj-0000:\n    type: imageannotation\n    labelers: [" + ", ".join(keep) + "]\n",
    )
    before = len(writes(db))
    removed = f"removes {len(live) - len(keep)} of {len(live)} live labeler assignments"
    text = cli("plan", str(m), "--sandbox", str(db)).stdout.splitlines()
    assert text[2].startswith("Warning: Apply will refuse this plan without --force: the plan " + removed)
    markdown = cli("plan", str(m), "--sandbox", str(db), "--format", "markdown").stdout
    assert markdown.startswith("> [!WARNING]\n> **Apply will refuse this plan without --force: the plan " + removed)
    refused = cli("apply", str(m), "--sandbox", str(db), "--auto-approve")
    assert refused.exit_code == 1
    assert f"removes {len(live) - len(keep)} of {len(live)} live labeler assignments" in refused.stderr
    assert "--force" in refused.stderr
    assert len(writes(db)) == before
    forced = cli("apply", str(m), "--sandbox", str(db), "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output
    assert _large_labelers(db) == keep


def test_small_removals_pass_the_threshold(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml", "projects:\n  street-signs:\n    type: imageannotation\n    labelers: [li@acme.ai]\n"
    )
    assert "Apply will refuse" not in cli("plan", str(m), "--sandbox", str(db)).stdout
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve").exit_code == 0  # 1 removal < 10


def test_no_prune_suppresses_removals(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:\n  street-signs:\n    type: imageannotation\n    labelers: [li@acme.ai, raj@acme.ai]\n",
    )
    plan = plan_json(db, m, "--no-prune")
    assert [c["action"] for c in plan["changes"]] == ["create"]
    assert sorted(s["address"] for s in plan["suppressed"]) == [
        "project[street-signs].group[night-shift].member[zoe@acme.ai]",
        "project[street-signs].labeler[zoe@acme.ai]",
    ]
    assert plan["summary"]["suppressed"] == 2
    text = cli("plan", str(m), "--sandbox", str(db), "--no-prune").stdout
    assert "2 removals suppressed (prune is off)." in text
    assert cli("apply", str(m), "--sandbox", str(db), "--no-prune", "--auto-approve").exit_code == 0
    final = cli("plan", str(m), "--sandbox", str(db), "--no-prune", "--detailed-exitcode")
    assert final.exit_code == 0  # suppressed removals do not count as changes


def test_settings_prune_false_in_manifest(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "settings: {prune: false}\nprojects:\n  street-signs:\n    type: imageannotation\n    labelers: [li@acme.ai]\n",
    )
    plan = plan_json(db, m)
    assert plan["changes"] == [] and len(plan["suppressed"]) == 2


def test_target_filters_changes_and_warns(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "team:\n  managers: [ana@acme.ai]\n  members: [raj@acme.ai]\n"
        "  labelers: [li@acme.ai, zoe@acme.ai]\nprojects:\n  street-signs:\n"
        "    type: imageannotation\n    labelers: [li@acme.ai, zoe@acme.ai, raj@acme.ai]\n",
    )
    result = cli("plan", str(m), "--sandbox", str(db), "--format", "json", "--target", "team")
    plan = json.loads(result.stdout)
    assert [c["address"] for c in plan["changes"]] == ["team.member[ana@acme.ai]"]
    assert len(plan["operations"]) == 1
    assert any("targeting is in effect" in w for w in plan["warnings"])
    assert "targeting is in effect" in result.stderr
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve", "--target", "team").exit_code == 0
    rest = plan_json(db, m)
    assert [c["address"] for c in rest["changes"]] == ["project[street-signs].labeler[raj@acme.ai]"]


def test_apply_without_tty_refuses(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  managers: [ana@acme.ai]\n")
    before = len(writes(db))
    result = cli("apply", str(m), "--sandbox", str(db))
    assert result.exit_code == 1 and "--auto-approve" in result.stderr
    assert len(writes(db)) == before
