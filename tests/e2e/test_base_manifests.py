"""`plan --base-manifests`: introduced vs drift, and introduced first in Markdown."""

from __future__ import annotations

import json

from helpers import cli, make_db, write_manifest


def test_changes_are_marked_introduced_or_drift(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    # Base branch: ana is a manager (the account drifted: she is a member live).
    base = write_manifest(tmp_path / "base" / "m.yaml", "team:\n  managers: [ana@acme.ai]\n  members: [raj@acme.ai]\n")
    # This change set also makes raj a manager.
    head = write_manifest(tmp_path / "head" / "m.yaml", "team:\n  managers: [ana@acme.ai, raj@acme.ai]\n")
    result = cli(
        "plan", str(head.parent), "--sandbox", str(db), "--format", "json", "--base-manifests", str(base.parent)
    )
    assert result.exit_code == 0, result.output
    marks = {c["address"]: c["classification"] for c in json.loads(result.stdout)["changes"]}
    assert marks == {"team.member[ana@acme.ai]": "drift", "team.member[raj@acme.ai]": "introduced"}
    md = cli(
        "plan", str(head.parent), "--sandbox", str(db), "--format", "markdown", "--base-manifests", str(base.parent)
    ).stdout
    assert md.index("raj@acme.ai") < md.index("ana@acme.ai")  # introduced first
    assert "| introduced |" in md and "| drift |" in md
    text = cli("plan", str(head.parent), "--sandbox", str(db), "--base-manifests", str(base.parent)).stdout
    assert "# drift; role differs" in text and "# introduced; role differs" in text


def test_a_project_whose_file_was_removed_is_named_in_the_introduced_part(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    base = write_manifest(tmp_path / "base" / "signs.yaml", "projects:\n  street-signs: {type: imageannotation}\n")
    write_manifest(tmp_path / "base" / "ocr.yaml", "projects:\n  legacy-ocr: {type: transcription}\n")
    head = write_manifest(tmp_path / "head" / "signs.yaml", "projects:\n  street-signs: {type: imageannotation}\n")
    args = ("plan", str(head.parent), "--sandbox", str(db), "--base-manifests", str(base.parent))
    text = cli(*args).stdout
    assert "No longer managed: removed in this pull request." in text and "    project[legacy-ocr]\n" in text
    md = cli(*args, "--format", "markdown").stdout
    top = md.split("<details>")[0]  # not only in the collapsed details
    assert "> [!NOTE]" in top and "> - project[legacy-ocr]" in top and "stays live" in top
    data = json.loads(cli(*args, "--format", "json").stdout)
    assert {u["address"]: u.get("classification") for u in data["unmanaged"]}["project[legacy-ocr]"] == "released"
    plain = cli("plan", str(head.parent), "--sandbox", str(db)).stdout
    assert "No longer managed" not in plain
