"""plan_file: reading a saved plan is bounded, schema-checked and never trusts recorded calls."""

from __future__ import annotations

import json

import pytest

from helpers import change, empty_plan
from scaleform.errors import ScaleformError
from scaleform.operations import build_operations
from scaleform.plan_file import MAX_PLAN_BYTES, read_plan
from scaleform.render.jsonout import render_json


def _file(tmp_path, data) -> str:
    path = tmp_path / "p.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def _data() -> dict:
    changes = [change("project[p].labeler[a@x.io]")]
    plan = empty_plan(
        changes,
        operations=build_operations(changes),
        target={"api_url": "https://api.scale.com/v1", "environment": None},
    )
    data = json.loads(render_json(plan))
    data["manifest_digest"] = "sha256:" + "0" * 64
    return data


def test_a_sound_plan_reads_back_with_rebuilt_operations(tmp_path):
    plan = read_plan(_file(tmp_path, _data()))
    assert [o.path for o in plan.operations] == ["/studio/assignments/add"]


@pytest.mark.parametrize(
    "text, says",
    [
        ("not json", "it is not JSON"),
        ("[" * 100_000, "it is not JSON"),
        (json.dumps({"format_version": "1.0"}), "does not match schemas/plan.schema.json at the top level"),
        (json.dumps({"format_version": "2.0"}), "is not a scaleform plan"),
    ],
)
def test_a_bad_file_is_a_clear_error(tmp_path, text, says):
    with pytest.raises(ScaleformError, match=says):
        read_plan(_file(tmp_path, text))


def test_a_schema_error_names_where(tmp_path):
    data = _data()
    data["operations"][0]["path"] = "//evil.test/v1/x"
    with pytest.raises(ScaleformError, match=r"at operations\[0\]\.path"):
        read_plan(_file(tmp_path, data))


def test_an_oversized_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as f:
        f.truncate(MAX_PLAN_BYTES + 1)
    with pytest.raises(ScaleformError, match="larger than"):
        read_plan(str(path))


def test_a_plan_is_never_written_through_a_symbolic_link(tmp_path):
    from scaleform.plan_file import write_plan

    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    (tmp_path / "link.json").symlink_to(victim)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere" / "x")
    for name in ("link.json", "dangling.json"):
        with pytest.raises(ScaleformError, match="symbolic link"):
            write_plan(str(tmp_path / name), "{}")
    assert victim.read_text() == "kept" and not (tmp_path / "nowhere").exists()


def test_a_plan_that_cannot_be_written_is_a_clear_error(tmp_path):
    from scaleform.plan_file import write_plan

    (tmp_path / "file").write_text("")
    with pytest.raises(ScaleformError, match="cannot write the plan to "):
        write_plan(str(tmp_path / "file" / "p.json"), "{}")
    write_plan(str(tmp_path / "new" / "p.json"), "{}")
    assert (tmp_path / "new" / "p.json").read_text() == "{}" and [p.name for p in (tmp_path / "new").iterdir()] == [
        "p.json"
    ]
