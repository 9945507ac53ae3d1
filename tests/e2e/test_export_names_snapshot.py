"""The names `export --templates` gives, on two accounts: what they are (a snapshot), that they say
what is shared rather than count, that they are valid, and that the export plans `No changes.`.

After a deliberate change of the naming rules, rewrite the snapshot with
`SCALEFORM_UPDATE_SNAPSHOT=1 pytest tests/e2e/test_export_names_snapshot.py` and review its diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import cli, make_db

SNAPSHOT = Path(__file__).with_name("export_names_snapshot.json")
SET_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")  # schemas/manifest.schema.json


def _composition(root: Path, tmp: Path) -> Path:
    """The demo account with examples/composition applied to it (staging), as test_composition.py builds it."""
    db = make_db(tmp / "composition.db")
    example = Path(shutil.copytree(root / "examples" / "composition", tmp / "composition"))
    for _ in range(2):
        applied = cli("apply", str(example), "-e", "staging", "--sandbox", str(db), "--auto-approve")
        assert applied.exit_code == 0, applied.output
        assert cli("sandbox", "accept-invites", "--db", str(db)).exit_code == 0
    return db


ACCOUNTS = {
    "composition": _composition,
    "teams": lambda root, tmp: make_db(tmp / "teams.db", "large", projects=30, members=300, batches=10, teams=10),
}


@pytest.fixture(scope="module")
def exported(root, tmp_path_factory) -> dict[str, tuple[Path, Path, dict[str, list[str]], set[str]]]:
    """account -> (its database, its factored export, names by section, the group names it has)."""
    out = {}
    for account, build in ACCOUNTS.items():
        tmp = tmp_path_factory.mktemp(account)
        db = build(root, tmp)
        result = cli("export", "--sandbox", str(db), "--out", str(tmp / "out"), "--templates")
        assert result.exit_code == 0, result.output
        docs = [yaml.safe_load(p.read_text()) or {} for p in sorted((tmp / "out").rglob("*.yaml"))]
        names = {
            section: [name for doc in docs for name in doc.get(section, {})] for section in ("templates", "people")
        }
        groups = {g for doc in docs for spec in doc.get("projects", {}).values() for g in spec.get("groups") or {}}
        out[account] = (db, tmp / "out", names, groups)
    return out


def test_the_names_are_the_snapshot(exported):
    found = {
        account: {section: sorted(names) for section, names in sections.items()}
        for account, (_, _, sections, _) in exported.items()
    }
    if os.environ.get("SCALEFORM_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(found, indent=1) + "\n")
    assert found == json.loads(SNAPSHOT.read_text())


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_no_name_is_counted(exported, account):
    # A `-N` count is the last resort, for items whose every name is the same (tests/test_export_*.py
    # show one); here names tell everything apart. A number may end a name only as the group's own:
    # the crews of the team-staffed account are its `team-0` and `team-1` groups.
    _, _, sections, groups = exported[account]
    for section, names in sections.items():
        for name in names:
            if re.search(r"-\d+$", name):
                assert any(name == g or name.endswith("-" + g) for g in groups), (section, name)


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_the_names_are_valid_manifest_names(exported, account):
    _, _, sections, _ = exported[account]
    for name in sections["people"]:
        assert SET_NAME.match(name) and len(name) <= 200, name
    for name in sections["templates"]:
        assert name not in (".", "..") and len(name) <= 200 and not re.search(r"[\x00-\x1f\x7f]", name), name
    for name in sections["people"] + sections["templates"]:
        assert "${" not in name, name


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_the_factored_export_plans_no_changes(exported, account):
    db, out, _, _ = exported[account]
    plan = cli("plan", str(out), "--sandbox", str(db), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout[-3000:]
    assert "No changes." in plan.stdout
