"""Export file names and writing: settled before any write, never through a link, all or nothing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from scaleform.errors import ScaleformError
from scaleform.export import build_export, escaped
from scaleform.export.files import MAX_STEM, check_targets, project_paths, write_files
from scaleform.export.names import Names
from scaleform.export.templates import factor


def _stem(path: str) -> str:
    return path.removeprefix("projects/").removesuffix(".yaml")


def test_plain_names_keep_their_encoded_file():
    assert project_paths(["a/b c", "plain-name_1.v2"]) == {
        "a/b c": "projects/a%2Fb%20c.yaml",
        "plain-name_1.v2": "projects/plain-name_1.v2.yaml",
    }


def test_a_long_name_is_cut_on_a_character_and_hashed_the_same_whatever_else_is_exported():
    name = "é" * 150 + "-tail"
    path = project_paths([name, "other"])[name]
    stem = _stem(path)
    assert len(path.split("/")[-1].encode()) <= MAX_STEM + len(".yaml") and "!" in stem
    assert name.startswith(unquote(stem.split("!")[0], errors="strict"))  # never half a character
    assert project_paths([name])[name] == path


def test_names_equal_ignoring_case_all_get_distinct_files():
    paths = project_paths(["Signs", "signs", "SIGNS", "other"])
    assert paths["other"] == "projects/other.yaml"
    assert len({p.lower() for p in paths.values()}) == 4
    assert all(_stem(paths[n]).startswith(n + "!") for n in ("Signs", "signs", "SIGNS"))


def test_a_settled_name_never_equals_a_plain_one():
    # `!` is always percent-encoded, so a live name cannot be chosen to take a settled file.
    settled = _stem(project_paths(["A", "a"])["a"])
    assert project_paths([settled])[settled] == f"projects/{settled.replace('!', '%21')}.yaml"


def test_windows_device_names_are_settled():
    assert "!" in project_paths(["CON"])["CON"] and "!" in project_paths(["nul.x"])["nul.x"]
    assert project_paths(["console"])["console"] == "projects/console.yaml"


def test_every_dollar_brace_in_live_text_is_escaped():
    assert escaped({"${k}": ["${a}", {"b": "x${y}"}, 3, None]}) == {"$${k}": ["$${a}", {"b": "x$${y}"}, 3, None]}


def test_live_text_in_a_comment_cannot_end_it():
    raw = {
        "team": [
            {"email": "boss@x.io", "role": "admin"},
            {"email": "i@x.io", "role": "invited", "expiry": "2030\nprojects: {evil: {type: x}}\u2028"},
        ],
        "assignments": {},
        "projects": [],
        "groups": {},
        "studio": [],
    }
    team = build_export(raw).files["team.yaml"]
    assert yaml.safe_load(team) == {"version": 1, "team": {"managers": [], "members": [], "labelers": []}}
    assert "2030\\x0aprojects" in team and "\\u2028" in team


def test_template_names_take_only_plain_letters_from_live_keys():
    flat = {"team.yaml": "version: 1\n"}
    for name in ("p1", "p2"):
        spec = {"type": "categorization", "params": {"$${x}\nkey": "same", "instruction": name}}
        flat[f"projects/{name}.yaml"] = "version: 1\n" + yaml.safe_dump({"projects": {name: spec}})
    templates = yaml.safe_load(factor(flat)["templates.yaml"])["templates"]
    assert list(templates) == ["categorization-x-key"]


def test_generated_names_stay_within_the_name_limit():
    names = Names()
    assert len(names("x" * 300)) <= 200 and len(names("x" * 300)) <= 200


def test_check_refuses_a_link_below_out_but_not_above_it(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "via").symlink_to(real, target_is_directory=True)
    check_targets(tmp_path / "via" / "out", ["team.yaml"], force=False)  # the operator's own path
    (real / "out").mkdir()
    (real / "out" / "projects").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(ScaleformError, match="projects is one"):
        check_targets(tmp_path / "via" / "out", ["team.yaml", "projects/a.yaml"], force=True)


def test_check_refuses_paths_outside_out(tmp_path):
    for rel in ("../x.yaml", "/etc/x", "a/../../x", ""):
        with pytest.raises(ScaleformError, match="not a plain path"):
            check_targets(tmp_path, [rel], force=True)


def test_write_files_replaces_only_with_force_and_keeps_generated_current(tmp_path):
    out = tmp_path / "out"

    def schemas(folder: Path) -> None:
        (folder / ".schema").mkdir()
        (folder / ".schema" / "s.json").write_text("new")

    write_files(out, {"a.yaml": "1", "sub/b.yaml": "2"}, schemas, force=False, generated=[".schema/s.json"])
    (out / ".schema" / "s.json").write_text("old")
    with pytest.raises(ScaleformError, match="would overwrite a.yaml, sub/b.yaml"):
        write_files(out, {"a.yaml": "3", "sub/b.yaml": "4"}, schemas, force=False, generated=[".schema/s.json"])
    (out / "a.yaml").chmod(0o600)
    write_files(out, {"a.yaml": "3", "sub/b.yaml": "4"}, schemas, force=True, generated=[".schema/s.json"])
    assert (out / "a.yaml").read_text() == "3" and (out / ".schema" / "s.json").read_text() == "new"
    assert (out / "a.yaml").stat().st_mode & 0o777 == 0o600  # a replaced file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left
