"""What export writes to disk: never through a symbolic link or outside `--out`, every file name
settled before the first write, every `${` escaped, and a failed export leaves the folder as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from helpers import cli, make_db
from scaleform.sandbox.store import Store

LONG = "é" * 150 + "-long-project"  # within the 200-character limit, far over 255 bytes once encoded
HOSTILE = "${var.prefix}"  # reads as a variable unless escaped


def _export(db: Path, out: Path, *flags: str):
    return cli("export", "--sandbox", str(db), "--out", str(out), *flags)


def _plans_clean(db: Path, out: Path, *flags: str) -> None:
    assert cli("validate", str(out), *flags).exit_code == 0, cli("validate", str(out), *flags).output
    plan = cli("plan", str(out), "--sandbox", str(db), "--detailed-exitcode", *flags)
    assert plan.exit_code == 0, plan.output[-3000:]
    assert "No changes." in plan.stdout


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under `root` but the sandbox's database (it logs requests): a file's bytes, a link's target."""
    out: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + [f for f in files if not f.startswith("a.db")]:
            path = Path(folder, name)
            rel = str(path.relative_to(root))
            out[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else (b"" if path.is_dir() else path.read_bytes())
    return out


def _with_projects(db: Path, *names: str) -> Path:
    store = Store(db)
    with store.transaction():
        for name in names:
            store.create_project({"name": name, "type": "imageannotation", "studio": True})
    store.db.close()
    return db


@pytest.fixture
def demo(tmp_path) -> Path:
    return make_db(tmp_path / "a.db", "demo")


def test_a_dangling_symlink_in_the_output_is_refused_and_nothing_is_written_outside(tmp_path, demo):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "team.yaml").symlink_to(outside / "stolen.yaml")
    before = _tree(tmp_path)
    for flags in ((), ("--force",)):
        result = _export(demo, out, *flags)
        assert result.exit_code == 1 and "symbolic link" in result.stderr and "team.yaml" in result.stderr
        assert _tree(tmp_path) == before


def test_a_symlinked_schema_or_projects_folder_is_refused(tmp_path, demo):
    outside = tmp_path / "outside"
    outside.mkdir()
    for folder in (".schema", "projects"):
        out = tmp_path / f"out{folder}"
        out.mkdir()
        (out / folder).symlink_to(outside, target_is_directory=True)
        before = _tree(tmp_path)
        result = _export(demo, out, "--force")
        assert result.exit_code == 1 and f"{folder} is one" in result.stderr
        assert _tree(tmp_path) == before and not any(outside.iterdir())


def test_force_never_overwrites_the_target_of_a_symlinked_file(tmp_path, demo):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    victim.write_text("keep me")
    assert _export(demo, out).exit_code == 0
    (out / "batches.yaml").unlink()
    (out / "batches.yaml").symlink_to(victim)
    result = _export(demo, out, "--force")
    assert result.exit_code == 1 and "batches.yaml is one" in result.stderr
    assert victim.read_text() == "keep me"


def test_an_output_folder_that_is_a_symlink_is_refused(tmp_path, demo):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "out").symlink_to(real, target_is_directory=True)
    result = _export(demo, tmp_path / "out")
    assert result.exit_code == 1 and "symbolic link" in result.stderr and not any(real.iterdir())


def test_a_name_over_255_bytes_gets_a_short_file_and_round_trips(tmp_path):
    db = _with_projects(make_db(tmp_path / "a.db", "empty"), LONG, "short")
    out = tmp_path / "out"
    result = _export(db, out)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (out / "projects").iterdir())
    assert "short.yaml" in files and all(len(f.encode()) <= 255 for f in files)
    long_file = next(f for f in files if f != "short.yaml")
    assert list(yaml.safe_load((out / "projects" / long_file).read_text())["projects"]) == [LONG]  # never changed
    _plans_clean(db, out)
    again = tmp_path / "again"
    assert _export(db, again).exit_code == 0
    assert sorted(p.name for p in (again / "projects").iterdir()) == files  # the same name every time


def test_names_equal_ignoring_case_get_distinct_files_and_round_trip(tmp_path):
    db = _with_projects(make_db(tmp_path / "a.db", "empty"), "Signs", "signs", "SIGNS", "other")
    out = tmp_path / "out"
    result = _export(db, out)
    assert result.exit_code == 0, result.output
    files = [p.name for p in (out / "projects").iterdir()]
    assert len(files) == 4 and len({f.lower() for f in files}) == 4 and "other.yaml" in files
    _plans_clean(db, out)


def _hostile_account(db: Path) -> Path:
    """`${` in every live text export writes: names, emails, params (keys too), ontology, batches."""
    store = Store(db)
    with store.transaction():
        for email, role in [("ana@acme.ai", "manager"), ("li${x}@acme.ai", "labeler"), ("bo@acme.ai", "labeler")]:
            store.add_member(email, role)
        store.add_member("zed${y}@acme.ai", "invited", invited_role="labeler", expiry="2030-01-01T00:00:00.000Z")
        for project in ("prod-${p}", "prod-plain"):
            store.create_project(
                {
                    "name": project,
                    "type": "imageannotation",
                    "studio": True,
                    "params": {"instruction": "Box ${sign}", "${key}": {"nested": ["${v}"]}},
                }
            )
            store.set_ontology(
                project, {"ontology": ["${c}", {"choice": "ok", "subchoices": ["${s}"]}], "name": "v${1}"}
            )
            store.assign({"emails": ["li${x}@acme.ai", "bo@acme.ai"], "projects": [project]})
            store.create_group(project, {"name": "night-${g}", "emails": ["li${x}@acme.ai", "bo@acme.ai"]})
            store.create_batch({"name": f"{project}-b${{1}}", "project": project})
            store.assign_studio_batch(f"{project}-b${{1}}", {"groups": ["night-${g}", "li${x}@acme.ai"]})
    store.db.close()
    return db


@pytest.mark.parametrize("flags", [(), ("--templates",)])
def test_every_dollar_brace_is_escaped_and_round_trips(tmp_path, flags):
    db = _hostile_account(make_db(tmp_path / "a.db", "empty"))
    out = tmp_path / "out"
    result = _export(db, out, *flags)
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text() for p in out.rglob("*.yaml"))
    assert "$${" in text and "${" not in text.replace("$${", "")
    _plans_clean(db, out)


def test_a_prefixed_name_keeps_its_own_dollar_brace_escaped(tmp_path):
    db = _hostile_account(make_db(tmp_path / "a.db", "empty"))
    out = tmp_path / "out"
    assert _export(db, out, "--prefix-to-var", "prod-").exit_code == 0
    text = "".join(p.read_text() for p in out.rglob("*.yaml"))
    assert "${var.prefix}$${p}" in text and "${" not in text.replace("$${", "").replace(HOSTILE, "")
    _plans_clean(db, out, "--var", "prefix=prod-")


def test_a_failure_midway_leaves_the_folder_as_it_was(tmp_path, demo):
    out = tmp_path / "out"
    assert _export(demo, out).exit_code == 0
    (out / "batches.yaml").write_text("# mine\n")
    (out / "team.yaml").unlink()
    (out / "team.yaml").mkdir()  # written last: a folder where a file goes is refused before any write
    before = _tree(tmp_path)
    result = _export(demo, out, "--force")
    assert result.exit_code == 1 and "team.yaml: it is a folder" in result.stderr
    assert _tree(tmp_path) == before


def test_a_failure_while_moving_puts_back_every_replaced_file(tmp_path, demo, monkeypatch):
    out = tmp_path / "out"
    assert _export(demo, out).exit_code == 0
    (out / "team.yaml").write_text("# mine\n")
    before = _tree(tmp_path)
    real_replace, moved = os.replace, []

    def failing(src, dst):  # the fourth file placed fails, after three replaced ones
        if "/new/" in str(src):
            moved.append(dst)
            if len(moved) == 4:
                raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    result = _export(demo, out, "--force")
    assert result.exit_code == 1 and "left" in result.stderr and "as it was" in result.stderr
    assert _tree(tmp_path) == before


def test_a_failed_first_export_leaves_no_folder_behind(tmp_path, demo, monkeypatch):
    from scaleform import schema_files

    def broken(folder):
        raise OSError(13, "Permission denied", str(folder))

    monkeypatch.setattr(schema_files, "write_schemas", broken)
    monkeypatch.setattr("scaleform.export.write_schemas", broken)
    result = _export(demo, tmp_path / "new" / "out")
    assert result.exit_code == 1 and "as it was" in result.stderr
    assert _tree(tmp_path) == {}
