"""Convergence: plan -> apply -> plan shows `No changes.`, for the quickstart against the demo
fixture and an empty account, through pending invitations."""

from __future__ import annotations

import json

import jsonschema
import pytest

from helpers import cli, make_db, plan_json, request_log
from scaleform.manifest.schema import load_schema


@pytest.mark.parametrize("fixture", ["demo", "empty"])
def test_quickstart_converges(tmp_path, root, fixture):
    db = make_db(tmp_path / "s.db", fixture)
    qs = str(root / "examples" / "quickstart")

    first = cli("plan", qs, "--sandbox", str(db))
    assert first.exit_code == 0 and "Plan:" in first.stdout
    if fixture == "demo":
        assert "to add" in first.stdout and " 0 to remove" not in first.stdout and " 0 to change" not in first.stdout

    applied = cli("apply", qs, "--sandbox", str(db), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete" in applied.stdout

    # Still-invited labelers: their assignments and groups are deferred, so exit 2 (not 0).
    pending = cli("plan", qs, "--sandbox", str(db), "--detailed-exitcode")
    assert pending.exit_code == 2, pending.output
    assert "0 to add, 0 to change, 0 to remove." in pending.stdout and "deferred: invitations pending" in pending.stdout

    assert cli("sandbox", "accept-invites", "--db", str(db)).exit_code == 0
    assert cli("apply", qs, "--sandbox", str(db), "--auto-approve").exit_code == 0

    final = cli("plan", qs, "--sandbox", str(db), "--detailed-exitcode")
    assert final.exit_code == 0, final.output
    assert "No changes. The account matches the manifests." in final.stdout


def test_apply_sends_exactly_the_planned_operations(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    qs = root / "examples" / "quickstart"
    plan = plan_json(db, qs)
    before = len(request_log(db))
    assert cli("apply", str(qs), "--sandbox", str(db), "--auto-approve").exit_code == 0
    sent = [r for r in request_log(db)[before:] if r["method"] != "GET"]
    assert [(r["method"], r["path"]) for r in sent] != []
    expected = sorted((o["method"], "/v1" + o["path"]) for o in plan["operations"])
    assert sorted((r["method"], r["path"]) for r in sent) == expected
    assert all(r["status"] == 200 for r in sent)


def test_plan_json_is_deterministic_and_valid(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    qs = root / "examples" / "quickstart"
    a = cli("plan", str(qs), "--sandbox", str(db), "--format", "json").stdout
    b = cli("plan", str(qs), "--sandbox", str(db), "--format", "json").stdout
    assert a == b
    data = json.loads(a)
    jsonschema.validate(data, load_schema("plan.schema.json"))
    assert data["summary"] == {"add": 7, "change": 5, "remove": 2, "deferred": 11, "suppressed": 0}
    phases = [o["phase"] for o in data["operations"]]
    assert phases == sorted(phases)
    keys = [(c["address"]) for c in data["changes"]]
    assert len(keys) == len(set(keys))


def test_text_and_markdown_are_deterministic(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    qs = str(root / "examples" / "quickstart")
    for fmt in ("text", "markdown"):
        a = cli("plan", qs, "--sandbox", str(db), "--format", fmt).stdout
        assert a == cli("plan", qs, "--sandbox", str(db), "--format", fmt).stdout
    md = cli("plan", qs, "--sandbox", str(db), "--format", "markdown").stdout
    assert md.startswith("**Plan: 7 to add, 5 to change, 2 to remove.")
    assert "<details>" in md and "removes 2 item(s)" in md
