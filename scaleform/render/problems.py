"""Rendering of located problems, warnings and notes: plain text, or GitHub workflow annotations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from scaleform.errors import Location, Problem
from scaleform.lines import joined, one_line

Level = Literal["error", "warning", "notice"]

# GitHub splits a workflow command at '::' and its properties at ',' and '=': a file name with
# a comma or a colon would otherwise end its property early and the annotation lands nowhere.
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})
_MESSAGE_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
TITLE = "scaleform"


def escape_property(value: str) -> str:
    return value.translate(_PROPERTY_ESCAPES)


def escape_message(value: str) -> str:
    return value.translate(_MESSAGE_ESCAPES)


def annotation(level: Level, message: str, location: Location | None = None) -> str:
    """One workflow command, e.g. `::error file=a.yaml,line=3,col=5,title=scaleform::message`."""
    props = []
    if location is not None:
        props.append(f"file={escape_property(location.file)}")
        if location.line:
            props.append(f"line={location.line}")
            if location.column:
                props.append(f"col={location.column}")
    props.append(f"title={escape_property(TITLE)}")
    return f"::{level} {','.join(props)}::{escape_message(message)}"


def render_problems(problems: Sequence[Problem], fmt: str = "text") -> str:
    lines = []
    for p in problems:
        if fmt == "github":
            also = f" (see {p.other})" if p.other else ""
            lines.append(annotation("error", p.message + also, p.location))
        else:
            lines.append(f"error: {p}")
    if fmt == "text":
        n = len(problems)
        lines.append(f"{n} problem{'s' if n != 1 else ''} found.")
    return joined(lines) + "\n"


def render_remarks(kind: Literal["warning", "note"], messages: Sequence[str], fmt: str = "text") -> str:
    """Warnings and notes: `warning: …` / `note: …` lines, or `::warning` / `::notice` annotations."""
    if not messages:
        return ""
    if fmt == "github":
        level: Level = "warning" if kind == "warning" else "notice"
        return "".join(annotation(level, m) + "\n" for m in messages)
    return "".join(one_line(f"{kind}: {m}") + "\n" for m in messages)


def render_warnings(warnings: Sequence[Problem], fmt: str = "text") -> str:
    """Located warnings: `warning: file:line:col: …` lines, or `::warning` annotations."""
    if fmt == "github":
        return "".join(annotation("warning", w.message, w.location) + "\n" for w in warnings)
    return "".join(one_line(f"warning: {w}") + "\n" for w in warnings)
