"""`settings.requires: ">=0.2, <1"`: which scaleform versions may read these manifests, checked
before anything else, so a teammate's older build says "upgrade" instead of reporting the newer
syntax it does not know (Terraform's `required_version`)."""

from __future__ import annotations

import re

from scaleform import __version__
from scaleform.errors import Problem, ScaleformError
from scaleform.manifest.located import LocDict, value_loc

_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+){0,2})\s*")
_COMPARE = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


def _numbers(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    return (parts + [0, 0, 0])[0], (parts + [0, 0, 0])[1], (parts + [0, 0, 0])[2]


def satisfied(spec: str, version: str = __version__) -> bool | None:
    """Whether `version` meets `spec` (comma-separated clauses); None when `spec` is malformed."""
    have = _numbers(version)
    clauses = spec.split(",")
    for clause in clauses:
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            return None
        if not _COMPARE[match.group(1)](have, _numbers(match.group(2))):
            return False
    return True


def check_requires(docs: list[LocDict]) -> None:
    """Raise (ScaleformError, located) when a file's `settings.requires` excludes this scaleform."""
    problems = []
    for doc in docs:
        settings = doc.get("settings")
        if not isinstance(settings, LocDict) or "requires" not in settings:
            continue
        spec, loc = settings["requires"], value_loc(settings, "requires")
        ok = satisfied(spec) if isinstance(spec, str) else None
        if ok is None:
            problems.append(
                Problem(
                    f'settings.requires {spec!r} is not a version requirement like ">=0.2" or '
                    '">=0.2, <1" (clauses >=, >, <=, <, ==, != joined by commas)',
                    loc,
                )
            )
        elif not ok:
            problems.append(
                Problem(
                    f"these manifests require scaleform {spec}, and this is scaleform {__version__}; "
                    "install a scaleform that satisfies it (`scaleform --version` names the build)",
                    loc,
                )
            )
    if problems:
        raise ScaleformError(problems)
