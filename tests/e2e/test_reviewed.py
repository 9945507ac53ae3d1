"""`apply --reviewed FILE` against the sandbox: a merge applies only what its reviewers saw."""

from __future__ import annotations

import json

from helpers import ROOT, cli, make_db, request_log, write_manifest, writes

QUICKSTART = ROOT / "examples" / "quickstart"


def _quickstart_copy(tmp_path):
    """The quickstart manifests in a folder of the test's own, for a merge to add to."""
    m = tmp_path / "m"
    m.mkdir()
    for f in QUICKSTART.glob("*.yaml"):
        (m / f.name).write_text(f.read_text())
    return m


def _reviewed(tmp_path, db, manifests) -> str:
    out = tmp_path / "reviewed.json"
    made = cli("plan", str(manifests), "--sandbox", str(db), "--out", str(out))
    assert made.exit_code == 0, made.output
    return str(out)


def test_a_reviewed_plan_applies_and_the_report_counts_it(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    reviewed = _reviewed(tmp_path, db, QUICKSTART)
    n = len(json.loads(open(reviewed).read())["changes"])
    applied = cli("apply", str(QUICKSTART), "--sandbox", str(db), "--auto-approve", "--reviewed", reviewed)
    assert applied.exit_code == 0, applied.output
    assert f"Reviewed plan: {n} of {n} reviewed change(s) applied now, 0 already in place." in applied.output
    as_json = cli(
        "apply", str(QUICKSTART), "--sandbox", str(db), "--auto-approve", "--reviewed", reviewed, "--format", "json"
    )
    assert json.loads(as_json.stdout)["reviewed"] == {"reviewed": n, "applied": 0, "in_place": n}


def test_a_change_merged_after_review_is_refused_before_any_write(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    m = _quickstart_copy(tmp_path)
    reviewed = _reviewed(tmp_path, db, m)
    write_manifest(m / "later.yaml", "projects:\n  merged-later: {type: imageannotation, studio: true}\n")
    before = len(request_log(db))
    refused = cli("apply", str(m), "--sandbox", str(db), "--auto-approve", "--reviewed", reviewed)
    assert refused.exit_code == 1
    assert "1 change(s) are not in the reviewed plan" in refused.stderr
    assert "project[merged-later] (create)" in refused.stderr and "Nothing was written" in refused.stderr
    assert [r for r in request_log(db)[before:] if r["method"] != "GET"] == []


def test_a_changed_value_is_not_the_reviewed_change(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    m = write_manifest(
        tmp_path / "m" / "p.yaml",
        "projects:\n  street-signs:\n    type: imageannotation\n    params: {instruction: Reviewed text}\n",
    )
    reviewed = _reviewed(tmp_path, db, m.parent)
    m.write_text(m.read_text().replace("Reviewed text", "Sneaked in"))
    refused = cli("apply", str(m.parent), "--sandbox", str(db), "--auto-approve", "--reviewed", reviewed)
    assert refused.exit_code == 1 and "project[street-signs].params (update)" in refused.stderr
    assert writes(db) == []


def test_reviewed_changes_applied_elsewhere_meanwhile_are_fine(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    reviewed = _reviewed(tmp_path, db, QUICKSTART)
    n = len(json.loads(open(reviewed).read())["changes"])
    first = cli("apply", str(QUICKSTART), "--sandbox", str(db), "--auto-approve", "--target", "team")
    assert first.exit_code == 0, first.output
    done_elsewhere = sum(1 for c in json.loads(open(reviewed).read())["changes"] if c["address"].startswith("team."))
    assert done_elsewhere
    applied = cli("apply", str(QUICKSTART), "--sandbox", str(db), "--auto-approve", "--reviewed", reviewed)
    assert applied.exit_code == 0, applied.output
    assert (
        f"Reviewed plan: {n - done_elsewhere} of {n} reviewed change(s) applied now, {done_elsewhere} already in place."
    ) in applied.output


def test_a_reviewed_plan_for_another_account_is_refused(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    other = make_db(tmp_path / "other.db", "demo")
    reviewed = _reviewed(tmp_path, other, QUICKSTART)
    refused = cli("apply", str(QUICKSTART), "--sandbox", str(db), "--auto-approve", "--reviewed", reviewed)
    assert refused.exit_code == 1 and "was made for sandbox:" in refused.stderr
    assert writes(db) == []


def test_several_reviewed_plans_approve_their_union(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    m = _quickstart_copy(tmp_path)
    first = _reviewed(tmp_path, db, m)
    (tmp_path / "first.json").write_text(open(first).read())
    write_manifest(m / "later.yaml", "projects:\n  merged-later: {type: imageannotation, studio: true}\n")
    second = _reviewed(tmp_path, db, m)
    both = cli(
        "apply",
        str(m),
        "--sandbox",
        str(db),
        "--auto-approve",
        "--reviewed",
        str(tmp_path / "first.json"),
        "--reviewed",
        second,
    )
    assert both.exit_code == 0, both.output
