"""`validate` across environments: without -e, every declared environment is checked, since each
one's variables can make its own errors (a name, a reference). Problems every environment shares
are said once; the others name their environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from scaleform.errors import Problem, ScaleformError
from scaleform.manifest import ManifestLoad, Manifests
from scaleform.manifest.environments import collect_environments


@dataclass(frozen=True)
class Validation:
    environments: tuple[str, ...]  # the environments checked; empty when none are declared
    problems: tuple[Problem, ...]
    manifests: Manifests | None  # of the first environment checked, when it is valid


def _one(load: ManifestLoad, *, read: bool = False) -> tuple[Manifests | None, list[Problem]]:
    """Finish `load` (`read`: its files are read already), as manifests or as its problems."""
    try:
        return (load.finish() if read else load.complete()), []
    except ScaleformError as exc:
        return None, list(exc.problems)


def validate_environments(load: Callable[[str | None], ManifestLoad], environment: str | None) -> Validation:
    """Check the manifests for `environment`, or for each declared one when it is None."""
    if environment is not None:
        manifests, problems = _one(load(environment))
        return Validation((environment,), tuple(problems), manifests)
    probe = load(None)
    for _ in probe.read():
        pass
    names = sorted(collect_environments(probe.docs, []))
    if not names:  # the common case: the files are read once
        manifests, problems = _one(probe, read=True)
        return Validation((), tuple(problems), manifests)
    del probe  # each environment reads the files afresh; keep one load alive at a time
    results: list[tuple[str, Manifests | None, list[Problem]]] = []
    for name in names:
        manifests, problems = _one(load(name))
        results.append((name, None if results else manifests, problems))  # only the first is kept
    shared = set.intersection(*(set(problems) for _, _, problems in results))
    out = [p for p in results[0][2] if p in shared]
    for name, _, problems in results:
        out += [replace(p, message=f"[environment {name}] {p.message}") for p in problems if p not in shared]
    return Validation(tuple(names), tuple(out), results[0][1])
