"""Untrusted text cannot print a line of its own: an API error message, a saved plan's reasons and
warnings, and a manifest value keep their line breaks escaped as `\\n` in what the CLI prints, so
none can forge a GitHub workflow command or the plan's verdict."""

from __future__ import annotations

import json
import os
import subprocess

from helpers import Listener, make_db, scaleform_cmd, write_manifest

VERDICT = "No changes. The account matches the manifests."
FORGED = f"\n::error title=forged::owned\n{VERDICT}"
SHOWN = f"\\n::error title=forged::owned\\n{VERDICT}"


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCALE_API_KEY": "test_sandbox"}
    return subprocess.run(scaleform_cmd(*args), capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def forged(result: subprocess.CompletedProcess) -> list[str]:
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.lstrip().startswith("::") or line.strip() == VERDICT]


def test_an_api_error_message_cannot_print_lines(root):
    body = json.dumps({"error": "nope" + FORGED})
    with Listener(400, body) as api:
        result = run("plan", str(root / "examples" / "quickstart"), "--api-url", api.url + "/v1")
    assert result.returncode == 1 and f"HTTP 400: nope{SHOWN}" in result.stderr
    assert forged(result) == []


def test_a_saved_plans_reasons_and_warnings_cannot_print_lines(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    saved = tmp_path / "p.json"
    made = run("plan", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--out", str(saved))
    assert made.returncode in (0, 2), made.stderr
    data = json.loads(saved.read_text())
    data["warnings"] = ["look" + FORGED]
    data["changes"][0]["reason"] += FORGED
    for item in data["unmanaged"]:
        item["reason"] += FORGED
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(data))
    for fmt in ("text", "markdown"):
        shown = run("show", str(hostile), "--format", fmt)
        assert shown.returncode == 0, shown.stderr
        assert forged(shown) == [] and f"look{SHOWN}" in shown.stdout, fmt


def test_a_manifest_value_cannot_print_lines(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    bad_type = write_manifest(
        tmp_path / "bad" / "p.yaml",
        """\
        version: 1
        projects:
          newp: {type: "imageannotatio\\n::error title=forged::owned\\nNo changes. The account matches the manifests."}
        """,
    ).parent
    checked = run("validate", str(bad_type))
    assert checked.returncode == 1 and f"imageannotatio{SHOWN}" in checked.stderr
    assert forged(checked) == []
    odd_key = write_manifest(
        tmp_path / "odd" / "p.yaml",
        """\
        version: 1
        projects:
          newp:
            type: imageannotation
            params: {"a\\n::error title=forged::owned\\nNo changes. The account matches the manifests.": 1}
            ontology: {choices: ["c\\n::error title=forged::owned"]}
        """,
    ).parent
    for fmt in ("text", "markdown"):
        planned = run("plan", str(odd_key), "--sandbox", str(db), "--format", fmt)
        assert planned.returncode in (0, 2), planned.stderr
        assert forged(planned) == [] and f"params.a{SHOWN}" in planned.stdout, fmt


def test_a_manifest_value_in_an_error_or_a_warning_cannot_print_lines(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    bad_type = write_manifest(
        tmp_path / "bad" / "p.yaml",
        'version: 1\nprojects:\n  newp: {type: "imageannotatio\\n::error title=forged::owned"}\n',
    ).parent
    planned = run("plan", str(bad_type), "--sandbox", str(db))
    assert planned.returncode == 1 and "imageannotatio\\n::error" in planned.stderr and forged(planned) == []
    idle = write_manifest(
        tmp_path / "idle" / "p.yaml",
        'version: 1\nbatch_priority: ["nothing-*\\n::error title=forged::owned"]\n',
    ).parent
    for fmt in ("json", "markdown"):  # the text plan prints its warnings itself; these on stderr
        warned = run("plan", str(idle), "--sandbox", str(db), "--format", fmt)
        assert "nothing-*\\n::error" in warned.stderr and forged(warned) == [], (fmt, warned.stderr)
