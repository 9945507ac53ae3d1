"""Composition: documents as written -> documents as they take effect.

Projects get their effective specs (templates merged, see templates.py) and every email list
(`team.*`, `labelers`, group members) its people sets expanded (see people.py). The result has
the same shape as a document without templates or sets, so everything after this step (desired
state, reference checks, render) reads effective values only. A document that uses neither is
passed through as it is.
"""

from __future__ import annotations

from typing import Any

from scaleform.errors import Problem
from scaleform.manifest.located import LocDict
from scaleform.manifest.people import People, names_no_set
from scaleform.manifest.templates import Templates
from scaleform.model import TEAM_KEYS


def _replaced(spec: LocDict, changes: dict[str, Any]) -> LocDict:
    """A copy of `spec` with some values replaced (None drops the key); `spec` itself if none differ."""
    if all(v is not None and spec.get(k) is v for k, v in changes.items()):
        return spec
    out = LocDict(spec.loc)
    for key, value in spec.items():
        value = changes.get(key, value)
        if value is not None:
            out.put(key, value, spec.key_locs[key], spec.value_locs[key])
    return out


def _team(team: LocDict, people: People) -> LocDict:
    return _replaced(team, {key: people.expand(team[key], f"team.{key}") for key, _ in TEAM_KEYS if key in team})


def _project_people(name: str, spec: LocDict, people: People) -> LocDict:
    changes: dict[str, Any] = {}
    if "labelers" in spec:
        changes["labelers"] = people.expand(spec["labelers"], f"the labelers of project '{name}'")
    groups = spec.get("groups")
    if isinstance(groups, LocDict):
        # A group set to null is not declared (it removed a group a template gave, or nothing).
        changes["groups"] = _replaced(
            groups, {g: people.expand(m, f"group '{g}' of project '{name}'") for g, m in groups.items()}
        )
    return _replaced(spec, changes)


def _as_written(spec: LocDict) -> bool:
    """True when composition cannot change the spec (no `extends`, no null, no set named): the
    common case, decided without a loop over its emails (see people.names_no_set)."""
    if "extends" in spec or None in spec.values():
        return False
    lists = [spec["labelers"]] if "labelers" in spec else []
    groups = spec.get("groups")
    if groups:
        if None in groups.values():
            return False
        lists.extend(groups.values())
    return names_no_set(*lists)


def _projects(projects: LocDict, templates: Templates, people: People) -> LocDict:
    changes: dict[str, Any] = {}
    for name, spec in projects.items():
        if not isinstance(spec, LocDict) or _as_written(spec):
            continue
        effective = templates.project(name, spec)
        changes[name] = None if effective is None else _project_people(name, effective, people)
    return _replaced(projects, changes)


def compose(docs: list[LocDict], problems: list[Problem]) -> list[LocDict]:
    """The effective documents (templates and people sections stay; nothing after reads them)."""
    templates = Templates(docs, problems)
    people = People(docs, problems)
    out = []
    for doc in docs:
        changes: dict[str, Any] = {}
        if isinstance(doc.get("team"), LocDict):
            changes["team"] = _team(doc["team"], people)
        if isinstance(doc.get("projects"), LocDict):
            changes["projects"] = _projects(doc["projects"], templates, people)
        out.append(_replaced(doc, changes))
    return out
