"""The number of calls is a product property: checked against the sandbox's own log."""

from __future__ import annotations

import sqlite3
from collections import Counter

from helpers import clear_log, cli, make_db, plan_json, request_log, write_manifest, writes


def _emails(db, sql: str) -> list[str]:
    con = sqlite3.connect(str(db))
    try:
        return [r[0] for r in con.execute(sql)]
    finally:
        con.close()


def test_fifty_labelers_on_two_projects_is_one_call(tmp_path):
    db = make_db(
        tmp_path / "s.db", "large", projects=2, members=60, batches=0, assignments_per_member=0, groups_per_project=0
    )
    people = _emails(db, "SELECT email FROM team WHERE role != 'admin' ORDER BY email LIMIT 50")
    listed = ", ".join(people)
    m = write_manifest(
        tmp_path / "m.yaml",
        f"projects:\n  proj-0000:\n    type: imageannotation\n    labelers: [{listed}]\n"
        f"  proj-0001:\n    type: imageannotation\n    labelers: [{listed}]\n",
    )
    plan = plan_json(db, m)
    assert len(plan["changes"]) == 100
    clear_log(db)
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve").exit_code == 0
    sent = writes(db)
    assert [(r["method"], r["path"]) for r in sent] == [("POST", "/v1/studio/assignments/add")]


def test_thirty_membership_changes_in_one_group_is_one_put(tmp_path):
    db = make_db(
        tmp_path / "s.db",
        "large",
        projects=1,
        members=60,
        batches=0,
        assignments_per_member=1,
        groups_per_project=1,
        group_size=10,
    )
    current = set(_emails(db, "SELECT value FROM groups, json_each(groups.members) WHERE name='team-0'"))
    others = [e for e in _emails(db, "SELECT email FROM assignments ORDER BY email") if e not in current][:20]
    assert len(current) == 10 and len(others) == 20
    m = write_manifest(
        tmp_path / "m.yaml",
        f"projects:\n  proj-0000:\n    type: imageannotation\n    groups:\n      team-0: [{', '.join(others)}]\n",
    )
    plan = plan_json(db, m, "--no-prune")
    assert len(plan["changes"]) == 20 and len(plan["suppressed"]) == 10
    plan = plan_json(db, m)
    assert len(plan["changes"]) == 30
    clear_log(db)
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve", "--force").exit_code == 0
    assert [(r["method"], r["path"]) for r in writes(db)] == [("PUT", "/v1/studio/projects/proj-0000/groups/team-0")]


def test_assignment_grouping_never_exceeds_the_smaller_side(tmp_path):
    from scaleform.operations import grouped_pairs

    pairs = {(f"u{i}@x.io", f"p{j}"): f"a{i}{j}" for i in range(7) for j in range(3) if (i + j) % 2 == 0}
    calls = grouped_pairs(pairs)
    emails = {e for e, _ in pairs}
    projects = {p for _, p in pairs}
    assert len(calls) <= min(len(emails), len(projects))
    covered = {(e, p) for es, ps, _ in calls for e in es for p in ps}
    assert covered == set(pairs)  # exact: no call assigns anything that was not asked for


def test_steady_state_plan_reads_little(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    m = write_manifest(
        tmp_path / "m.yaml",
        """\
        team:
          members: [ana@acme.ai, raj@acme.ai]
          labelers: [li@acme.ai, zoe@acme.ai]
        projects:
          street-signs:
            type: imageannotation
            studio: true
            labelers: [li@acme.ai, zoe@acme.ai]
            groups: {night-shift: [li@acme.ai, zoe@acme.ai]}
          legacy-ocr:
            type: transcription
            studio: true
            labelers: [zoe@acme.ai]
            groups: {ocr-team: [zoe@acme.ai]}
        batches:
          street-signs-2026-10: {project: street-signs, groups: [night-shift]}
        batch_priority: [legacy-ocr-batch1, street-signs-2026-10]
        """,
    )
    clear_log(db)
    result = cli("plan", str(m), "--sandbox", str(db), "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    gets = Counter(r["path"] for r in request_log(db))
    assert all(r["method"] == "GET" for r in request_log(db))
    assert sum(gets.values()) <= 4 + 2
    assert max(gets.values()) == 1  # nothing is read twice
