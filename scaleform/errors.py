"""Errors that carry a source location, and the one exception type the CLI renders.

Every user-facing failure is a `Problem` (what, where, what to do). A `ScaleformError` carries
one or more problems; the CLI prints them and exits 1, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from scaleform.lines import one_line


class Location(NamedTuple):
    """A position in a manifest file (1-based line and column, as editors show them).

    A named tuple rather than a frozen dataclass: every YAML node gets one, and a named tuple is
    the cheaper of the two to make (docs/performance.md)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


class InheritedLocation(Location):
    """Where a value was written, reached through composition (a template, a people set). It
    equals the plain location; `note` says how the value got where it is used ("inherited by
    project 'p' at f.yaml:3:5"), and every problem located here says so (see `explained`)."""

    note: str  # set by manifest.located.inherited(); a tuple subclass without __slots__ may carry attributes


@dataclass(frozen=True)
class Problem:
    message: str
    location: Location | None = None
    other: Location | None = None  # the other place involved (first declaration, ...)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        also = f" (see {self.other})" if self.other else ""
        # One line: a manifest value quoted in a message cannot print a line of its own.
        return one_line(f"{where}{self.message}{also}")


class ScaleformError(Exception):
    """A failure explained to the user: one or more located problems."""

    def __init__(self, problems: list[Problem] | str, location: Location | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems, location)]
        self.problems = sorted(map(explained, problems), key=problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


def problem_order(p: Problem) -> tuple[str, int, int, str]:
    loc = p.location or Location("")
    return (loc.file, loc.line, loc.column, p.message)


def explained(problem: Problem) -> Problem:
    """A problem located at a composed value says how that value got there, wherever it was found
    (loading, or planning against the live account)."""
    loc, other = problem.location, problem.other
    if not isinstance(loc, InheritedLocation) and not isinstance(other, InheritedLocation):
        return problem
    message = f"{problem.message} ({loc.note})" if isinstance(loc, InheritedLocation) else problem.message
    return Problem(message, loc and Location(*loc), other and Location(*other))


def did_you_mean(wanted: str, known: Iterable[str]) -> str | None:
    """`did you mean 'x' or 'y'?` for the known words close to `wanted`, or None."""
    close = difflib.get_close_matches(wanted, sorted(known), n=3)
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?" if close else None
