"""schema_files and `scaleform schema`: portable schema copies next to the manifests."""

from __future__ import annotations

from helpers import cli
from scaleform.manifest.schema import schema_path
from scaleform.schema_files import modeline


def test_modeline_is_relative_to_the_manifest_folder_copy():
    assert modeline("team.yaml") == "# yaml-language-server: $schema=.schema/manifest.schema.json\n"
    assert modeline("projects/a%2Fb.yaml") == "# yaml-language-server: $schema=../.schema/manifest.schema.json\n"


def test_schema_command_writes_the_shipped_schemas(tmp_path):
    out = tmp_path / "manifests" / ".schema"
    result = cli("schema", "--out", str(out))
    assert result.exit_code == 0, result.output
    for name in ("manifest.schema.json", "plan.schema.json"):
        assert (out / name).read_bytes() == schema_path(name).read_bytes()
        assert f"wrote {out / name}" in result.stderr
    again = cli("schema", "--out", str(out))  # rewriting is fine: the copies are generated
    assert again.exit_code == 0


def test_schema_command_reports_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("schema", "--out", str(blocker / "sub"))
    assert result.exit_code == 1 and "cannot write the schemas" in result.stderr and "Traceback" not in result.output


def test_schema_command_never_writes_through_a_symbolic_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    planted = tmp_path / "m" / ".schema"
    planted.mkdir(parents=True)
    (planted / "plan.schema.json").symlink_to(victim)
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    for out in (planted, tmp_path / "linked"):
        result = cli("schema", "--out", str(out))
        assert result.exit_code == 1 and "symbolic link" in result.stderr, result.output
    assert victim.read_text() == "kept" and not (tmp_path / "elsewhere").exists()
