"""`export --templates`: factor a flat export into templates and people sets.

A value two or more projects share becomes a template: the type with its flags, the ontology, the
pipeline, and each top-level param. Values shared by exactly the same projects go in one template;
a project that needs several templates extends one combined template when other projects need the
same ones. People lists become people sets as `export_people` says. Names come from the projects'
common name prefix (or their type), are made unique in a fixed order, and so are stable.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from scaleform.export_names import Names, slug, stem
from scaleform.export_people import PeopleSets, factor_people
from scaleform.manifest_text import manifest_yaml

Facet = tuple[str, str]  # (label, canonical JSON of the value)
PARAMS = "params."


@dataclass(frozen=True)
class Project:
    path: str
    header: str  # the file's comments and `version` line, kept as exported
    name: str
    spec: dict[str, Any]


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=False, separators=(",", ":"))


def _has_null(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is None or _has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return value is None


def _facets(spec: dict[str, Any]) -> list[Facet]:
    """What of a project a template may hold. Params split by top-level key (mappings merge), except
    params holding a null: a merged null removes a key, so those params stay whole in the project."""
    kind = {k: spec[k] for k in ("type", "studio", "rapid") if k in spec}
    out = [("kind", _canon(kind))]
    for key in ("ontology", "pipeline"):
        if key in spec:
            out.append((key, _canon(spec[key])))
    params = spec.get("params")
    if isinstance(params, dict) and params and not _has_null(params):
        out.extend((PARAMS + k, _canon(v)) for k, v in params.items())
    return out


def _join(stem: str, label: str) -> str:
    """`stem-label`, without saying the type twice when the stem is the type."""
    return label if label == stem or label.startswith(stem + "-") else f"{stem}-{label}"


def _label(facets: list[Facet]) -> str:
    labels = []
    for label, value in facets:
        if label == "pipeline":
            labels.append(slug(json.loads(value)["type"].removesuffix("_task")) or "pipeline")
        elif label.startswith(PARAMS):  # live text names a template only by its plain letters
            labels.append(slug(label[len(PARAMS):]) or "param")
        elif label == "kind":
            labels.append(slug(str(json.loads(value).get("type", "kind"))) or "kind")
        else:
            labels.append(label)
    return "-".join(labels[:3]) or "base"


def _templates(projects: list[Project]) -> tuple[dict[str, dict], dict[str, Any], set[Facet]]:
    """(templates, project name -> what it extends, the facets templates hold)."""
    users: dict[Facet, list[str]] = defaultdict(list)
    for p in projects:
        for facet in _facets(p.spec):
            users[facet].append(p.name)
    by_users: dict[tuple[str, ...], list[Facet]] = defaultdict(list)
    for facet, names in users.items():
        if len(names) > 1:
            by_users[tuple(names)].append(facet)
    names = Names()
    types = {p.name: p.spec.get("type", "") for p in projects}
    templates: dict[str, dict] = {}
    labels: dict[str, str] = {}
    uses: dict[str, list[str]] = defaultdict(list)
    for group, facets in sorted(by_users.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        label = _label(facets)
        name = names(_join(stem(list(group), _type(group, types)), label))
        labels[name] = label
        templates[name] = _body(facets)
        for project in group:
            uses[project].append(name)
    shared = {f for fs in by_users.values() for f in fs}
    return templates, _combine(uses, templates, names, labels, types), shared


def _type(group: Iterable[str], types: dict[str, str]) -> str:
    """The projects' type when they all have one, for names when their names share nothing."""
    found = {types[p] for p in group}
    return found.pop() if len(found) == 1 else "shared"


def _body(facets: list[Facet]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for label, value in facets:
        if label == "kind":
            body.update(json.loads(value))
        elif label.startswith(PARAMS):
            body.setdefault("params", {})[label[len(PARAMS):]] = json.loads(value)
        else:
            body[label] = json.loads(value)
    return body


def _combine(uses: dict[str, list[str]], templates: dict[str, dict], names: Names, labels: dict[str, str],
             types: dict[str, str]) -> dict[str, Any]:
    """Projects needing the same several templates extend one template that extends them all."""
    by_list: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for project, used in uses.items():
        by_list[tuple(used)].append(project)
    extends: dict[str, Any] = {}
    for used, group in sorted(by_list.items(), key=lambda kv: kv[1][0]):
        if len(used) > 1 and len(group) > 1:
            label = "-".join(labels[u] for u in used if labels[u] != "base")[:60] or "base"
            name = names(_join(stem(group, _type(group, types)), label))
            templates[name] = {"extends": list(used)}
            target: Any = name
        else:
            target = used[0] if len(used) == 1 else list(used)
        for project in group:
            extends[project] = target
    return extends


def _rewrite(name: str, spec: dict[str, Any], extends: Any, shared: set[Facet], people: PeopleSets) -> dict:
    """The project's own keys: what no template gives it, with people lists as `people` writes them."""
    covered = {label for label, value in _facets(spec) if (label, value) in shared}
    own: dict[str, Any] = {"extends": extends} if extends is not None else {}
    params = {k: v for k, v in (spec.get("params") or {}).items() if PARAMS + k not in covered}
    for key, value in spec.items():
        if key in ("type", "studio", "rapid") and "kind" in covered or key in covered:
            continue
        if key == "params" and value and params != value:
            value = params
            if not value:
                continue
        if key == "labelers" and name in people.labelers:
            value = people.labelers[name]
        if key == "groups" and value:
            value = people.groups[name]
        own[key] = value
    return own


def _parse(path: str, text: str) -> Project:
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("projects:"))
    ((name, spec),) = yaml.safe_load("".join(lines[at:]))["projects"].items()
    return Project(path, "".join(lines[:at]), name, spec)


def factor(files: dict[str, str]) -> dict[str, str]:
    """A flat export's files -> the same account with templates and people sets."""
    projects = sorted((_parse(path, text) for path, text in files.items() if path.startswith("projects/")),
                      key=lambda p: p.name)
    templates, extends, shared = _templates(projects)
    people = factor_people({p.name: p.spec for p in projects})
    out = dict(files)
    team = files.get("team.yaml", "")
    header = (team.splitlines(keepends=True)[0] if team.startswith("# yaml-language-server") else "") + "version: 1\n"
    if templates:
        out["templates.yaml"] = header + manifest_yaml({"templates": templates})
    if people.shared:
        out["people.yaml"] = header + manifest_yaml({"people": people.shared})
    for p in projects:
        body = {"projects": {p.name: _rewrite(p.name, p.spec, extends.get(p.name), shared, people)}}
        out[p.path] = p.header + manifest_yaml(body)
    return out
