"""Rendering of located problems: plain text, or GitHub workflow annotations."""
from __future__ import annotations

from typing import Sequence

from scaleform.errors import Problem


def _escape_github(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render_problems(problems: Sequence[Problem], fmt: str = "text") -> str:
    lines = []
    for p in problems:
        if fmt == "github":
            loc = p.location
            props = ""
            if loc is not None:
                props = f" file={loc.file}" + (f",line={loc.line},col={loc.column}" if loc.line else "")
            lines.append(f"::error{props}::{_escape_github(p.message + (f' (see {p.other})' if p.other else ''))}")
        else:
            lines.append(f"error: {p}")
    if fmt == "text":
        n = len(problems)
        lines.append(f"{n} problem{'s' if n != 1 else ''} found.")
    return "\n".join(lines) + "\n"
