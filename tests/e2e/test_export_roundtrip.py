"""Export then plan shows `No changes.`; cloning one account into another with a new prefix."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from helpers import cli, make_db
from scaleform.sandbox.store import Store


@pytest.mark.parametrize("fixture,sizes", [("demo", {}), ("large", {"projects": 200, "members": 2000, "batches": 300})])
def test_export_then_plan_is_empty(tmp_path, fixture, sizes):
    db = make_db(tmp_path / "a.db", fixture, **sizes)
    out = tmp_path / "exported"
    result = cli("export", "--sandbox", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "team.yaml").exists() and (out / "batches.yaml").exists()
    assert cli("validate", str(out)).exit_code == 0
    plan = cli("plan", str(out), "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout[-3000:]
    assert "No changes. The account matches the manifests." in plan.stdout


def test_export_notes_what_it_cannot_express_and_never_overwrites(tmp_path):
    db = make_db(tmp_path / "a.db", "demo")
    out = tmp_path / "x"
    first = cli("export", "--sandbox", str(db), "--out", str(out))
    assert "pending invitation(s) or disabled member(s)" in first.stderr
    team = (out / "team.yaml").read_text()
    assert "bo@acme.ai: invitation pending" in team and "old@acme.ai: disabled" in team
    assert team.startswith("# yaml-language-server: $schema=")
    (out / "team.yaml").write_text("# mine\n")
    again = cli("export", "--sandbox", str(db), "--out", str(out))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert (out / "team.yaml").read_text() == "# mine\n"
    assert cli("export", "--sandbox", str(db), "--out", str(out), "--force").exit_code == 0


def with_project(db, spec: dict):
    """`db` with one more project, created in the store directly."""
    store = Store(db)
    with store.transaction():
        store.create_project(spec)
    store.db.close()
    return db


def test_export_encodes_unsafe_file_names(tmp_path):
    db = with_project(
        make_db(tmp_path / "a.db", "empty"), {"name": "a/b: c", "type": "imageannotation", "studio": True}
    )
    out = tmp_path / "x"
    assert cli("export", "--sandbox", str(db), "--out", str(out)).exit_code == 0
    assert (out / "projects" / "a%2Fb%3A%20c.yaml").exists()
    assert cli("plan", str(out), "--sandbox", str(db), "--detailed-exitcode").exit_code == 0


def _account(db, prefix: str) -> dict:
    con = sqlite3.connect(str(db))
    con.row_factory = sqlite3.Row
    strip = lambda n: n[len(prefix) :] if n.startswith(prefix) else n  # noqa: E731
    try:
        team = {r["email"]: r["role"] for r in con.execute("SELECT email, role FROM team WHERE role != 'admin'")}
        projects = {
            strip(r["name"]): (
                r["type"],
                r["studio"],
                r["pipeline"],
                r["consensus_attempts"],
                json.loads(r["param_history"])[-1].get("instruction"),
                json.dumps(json.loads(r["ontology_history"])[-1]["ontology"])
                if json.loads(r["ontology_history"])
                else None,
            )
            for r in con.execute("SELECT * FROM projects")
        }
        assignments = sorted((r["email"], strip(r["project"])) for r in con.execute("SELECT * FROM assignments"))
        groups = sorted((strip(r["project"]), r["name"], r["members"]) for r in con.execute("SELECT * FROM groups"))
    finally:
        con.close()
    return {"team": team, "projects": projects, "assignments": assignments, "groups": groups}


def test_clone_into_an_empty_account_with_another_prefix(tmp_path):
    a = make_db(tmp_path / "a.db", "empty")
    store = Store(a)
    with store.transaction():
        for email, role in [("ana@acme.ai", "manager"), ("li@acme.ai", "labeler"), ("bo@acme.ai", "labeler")]:
            store.add_member(email, role)
        store.create_project(
            {
                "name": "prod-signs",
                "type": "imageannotation",
                "studio": True,
                "params": {"instruction": "Box signs"},
                "pipeline": "consensus_task",
                "consensus_attempts": 2,
            }
        )
        store.set_ontology(
            "prod-signs", {"ontology": ["stop", {"choice": "yield", "subchoices": ["faded"]}], "name": "v3"}
        )
        store.assign({"emails": ["li@acme.ai", "bo@acme.ai"], "projects": ["prod-signs"]})
        store.create_group("prod-signs", {"name": "night", "emails": ["li@acme.ai"]})
    store.db.close()
    out = tmp_path / "m"
    exported = cli("export", "--sandbox", str(a), "--out", str(out), "--prefix-to-var", "prod-")
    assert exported.exit_code == 0
    assert "${var.prefix}signs" in (out / "projects" / "prod-signs.yaml").read_text()
    # The note gives the exact flag: planned with it against the same account, nothing changes.
    hint = exported.stderr.split("plan these manifests with ")[1].split(",")[0]
    assert hint == "--var prefix=prod-"
    assert cli("plan", str(out), "--sandbox", str(a), *hint.split(" ", 1)).stdout.endswith(
        "No changes. The account matches the manifests.\n"
    )

    b = make_db(tmp_path / "b.db", "empty")
    args = ["--sandbox", str(b), "--var", "prefix=stg-"]
    assert cli("apply", str(out), *args, "--auto-approve").exit_code == 0
    assert cli("plan", str(out), *args, "--detailed-exitcode").exit_code == 2  # invitations pending
    assert cli("sandbox", "accept-invites", "--db", str(b)).exit_code == 0
    assert cli("apply", str(out), *args, "--auto-approve").exit_code == 0
    assert cli("plan", str(out), *args, "--detailed-exitcode").exit_code == 0
    assert _account(b, "stg-") == _account(a, "prod-")
    # and the original still plans clean from the same manifests
    assert cli("plan", str(out), "--sandbox", str(a), "--var", "prefix=prod-", "--detailed-exitcode").exit_code == 0


def test_export_and_plan_skip_the_groups_of_ordinary_projects(tmp_path):
    # The sandbox answers 400 "not a Studio project" on an ordinary project's groups, as the API
    # most likely does: export and plan must not read them.
    db = with_project(
        make_db(tmp_path / "a.db", "demo"), {"name": "ordinary", "type": "imageannotation", "studio": False}
    )
    out = tmp_path / "exported"
    result = cli("export", "--sandbox", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "groups" not in (out / "projects" / "ordinary.yaml").read_text().split("version: 1", 1)[1]
    plan = cli("plan", str(out), "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output[-3000:]
    assert "No changes." in plan.stdout


def test_export_modelines_point_at_a_schema_copy_inside_the_output(tmp_path):
    # The modeline must not depend on where scaleform is installed (site-packages after
    # `pip install .`): it points at the copy export writes into the output folder.
    db = make_db(tmp_path / "a.db", "demo")
    out = tmp_path / "deep" / "exported"
    assert cli("export", "--sandbox", str(db), "--out", str(out)).exit_code == 0
    shipped = Path(__file__).resolve().parents[2] / "scaleform" / "schemas" / "manifest.schema.json"
    assert (out / ".schema" / "manifest.schema.json").read_bytes() == shipped.read_bytes()
    assert (out / ".schema" / "plan.schema.json").is_file()
    files = sorted(out.rglob("*.yaml"))
    assert len(files) > 3
    for f in files:
        line = f.read_text().splitlines()[0]
        depth = len(f.relative_to(out).parts) - 1
        assert line == "# yaml-language-server: $schema=" + "../" * depth + ".schema/manifest.schema.json", f
        assert (f.parent / line.split("=", 1)[1]).resolve() == (out / ".schema" / "manifest.schema.json").resolve()
