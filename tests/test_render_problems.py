"""GitHub annotations survive hostile file names and messages: parsed back as the runner parses
workflow commands, every property and message is what scaleform meant."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from scaleform.cli import main
from scaleform.errors import Location, Problem
from scaleform.render.problems import annotation, render_problems, render_remarks


def _unescape(text: str, props: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if props else [])
    for escaped, raw in pairs + [("%25", "%")]:
        text = text.replace(escaped, raw)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """The runner's reading of `::name k=v,k=v::message` (split first, unescape after)."""
    assert line.startswith("::") and "\n" not in line and "\r" not in line
    head, message = line[2:].split("::", 1)
    name, _, raw_props = head.partition(" ")
    props = {}
    for pair in filter(None, raw_props.split(",")):
        key, value = pair.split("=", 1)
        props[key] = _unescape(value, props=True)
    return name, props, _unescape(message, props=False)


HOSTILE_FILES = [
    "manifests/plain.yaml",
    "manifests/a,b.yaml",
    "manifests/c:d.yaml",
    "manifests/100%.yaml",
    "manifests/%2C.yaml",
    "manifests/line\nbreak.yaml",
    "manifests/cr\rreturn.yaml",
    "manifests/x::error file=evil.yaml::owned.yaml",
    "manifests/k=v,line=99.yaml",
]

HOSTILE_MESSAGES = [
    "unknown key 'foo'",
    "expected a mapping, got 'a: b, c'",
    "50% of labelers removed",
    "%0A is not a newline here",
    "first line\nsecond line",
    "carriage\rreturn",
    "::warning::not a second command",
    "ends with a colon:",
]


@pytest.mark.parametrize("file", HOSTILE_FILES)
@pytest.mark.parametrize("message", HOSTILE_MESSAGES)
def test_hostile_file_names_and_messages_round_trip(file, message):
    line = annotation("error", message, Location(file, 12, 7))
    name, props, text = parse_command(line)
    assert name == "error"
    assert props == {"file": file, "line": "12", "col": "7", "title": "scaleform"}
    assert text == message


def test_location_without_line_names_the_file_only():
    _, props, _ = parse_command(annotation("error", "unreadable", Location("a,b.yaml")))
    assert props == {"file": "a,b.yaml", "title": "scaleform"}


def test_problems_render_as_error_annotations_with_the_other_location():
    problems = [
        Problem("declared twice", Location("p,1.yaml", 3, 1), Location("p:0.yaml", 1, 1)),
        Problem("no location at all"),
    ]
    lines = render_problems(problems, "github").splitlines()
    assert [parse_command(line)[0] for line in lines] == ["error", "error"]
    assert parse_command(lines[0])[1]["file"] == "p,1.yaml"
    assert parse_command(lines[0])[2] == "declared twice (see p:0.yaml:1:1)"
    assert parse_command(lines[1])[1] == {"title": "scaleform"}


def test_warnings_and_notes_become_warning_and_notice():
    warning = render_remarks("warning", ["pattern 'x-*' matches no batch"], "github").splitlines()
    notes = render_remarks("note", ["batch 'b': project 'p' is not declared", "two"], "github").splitlines()
    assert [parse_command(line)[0] for line in warning] == ["warning"]
    assert [parse_command(line)[0] for line in notes] == ["notice", "notice"]
    assert parse_command(notes[0])[2] == "batch 'b': project 'p' is not declared"
    assert render_remarks("note", ["n"], "text") == "note: n\n"
    assert render_remarks("warning", [], "github") == ""


def test_validate_format_github_escapes_a_hostile_file_name(tmp_path):
    bad = tmp_path / "team,prod:1.yaml"
    bad.write_text("version: 1\nteam:\n  managers: [ana@acme.ai]\n  bogus: []\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--format", "github"])
    assert result.exit_code == 1
    commands = [parse_command(line) for line in result.stdout.splitlines()]
    assert commands and all(name == "error" for name, _, _ in commands)
    assert {props["file"] for _, props, _ in commands} == {bad.as_posix()}
    assert all(props["title"] == "scaleform" and int(props["line"]) > 0 for _, props, _ in commands)


def test_validate_format_github_turns_notes_into_notices(tmp_path):
    (tmp_path / "batches.yaml").write_text("version: 1\nbatches:\n  b1:\n    project: elsewhere\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--format", "github"])
    assert result.exit_code == 0, result.output
    notices = [parse_command(line) for line in result.stdout.splitlines() if line.startswith("::")]
    assert notices and all(name == "notice" for name, _, _ in notices)
    assert any("elsewhere" in text for _, _, text in notices)
