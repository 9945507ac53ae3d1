"""Output as lines: a renderer composes a list of lines, and only it decides where one ends."""

from __future__ import annotations

from collections.abc import Iterable


def one_line(text: str) -> str:
    """`text` kept on one line: a line break in it is shown as `\\n`. A name, reason, warning or
    message from a manifest, a plan file or the API can then never print a line of its own (a
    `::error` workflow command, or a forged `No changes.`)."""
    return text.replace("\n", "\\n")


def joined(lines: Iterable[str]) -> str:
    """The lines a renderer composed, each kept on one line, joined by the renderer's own breaks."""
    return "\n".join(map(one_line, lines))
