"""`export --templates`: factor a flat export into templates and people sets.

A value two or more projects share becomes a template: the type with its flags, the ontology, the
pipeline, and each top-level param. Values shared by exactly the same projects go in one template.
A template extends the templates whose projects include all of its own (the pipeline and the
geometries templates extend the type's), so a project names only the narrowest templates it needs,
on one line: `extends: [proj-consensus, proj-car-bus-thing0]`. People lists become people sets as
`export.people` says. Names say what the template holds (`export.names` makes them unique).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from scaleform.export.names import join, plain, resolve, slug, stem
from scaleform.export.people import PeopleSets, factor_people
from scaleform.manifest_text import _Dumper as ManifestDumper
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


def _geometry_label(value: Any) -> str:
    """A geometries param by what it annotates: its `objects_to_annotate` (or the geometry kinds)."""
    labels: list[str] = []
    for geometry in value.values() if isinstance(value, dict) else []:
        for obj in (geometry.get("objects_to_annotate") or []) if isinstance(geometry, dict) else []:
            label = slug(str(obj.get("choice", "") if isinstance(obj, dict) else obj))
            if label and label not in labels:
                labels.append(label)
    if not labels:
        labels = [slug(str(k)) for k in (value if isinstance(value, dict) else {}) if slug(str(k))]
    return "-".join(labels[:4] + (["etc"] if len(labels) > 4 else [])) or "geometries"


def _facet_label(label: str, value: str) -> str:
    data = json.loads(value)
    if label == "kind":
        return slug(str(data.get("type", ""))) or "kind"
    if label == "ontology":
        return (slug(str(data.get("name", ""))) if isinstance(data, dict) else "") or "ontology"
    if label == "pipeline":
        return slug(str(data.get("type", "")).removesuffix("_task")) or "pipeline"
    if label == PARAMS + "geometries":
        return _geometry_label(data)
    return slug(label[len(PARAMS) :]) or "param"  # live text names a template only by its plain letters


def _label(facets: list[Facet]) -> str:
    return "-".join(_facet_label(label, value) for label, value in facets[:3]) or "base"


def _options(users: list[str], label: str, types: dict[str, str]) -> list[str]:
    """A template's names, most general first (see `export.names`): the users' common name prefix and
    what the template holds; then with the users' type; then the first user in place of the prefix."""
    found = {types[p] for p in users}
    kind = found.pop() if len(found) == 1 else ""
    kind = "" if label == kind or label.startswith(kind + "-") else kind
    first = min(users, key=lambda p: (plain(p), p))
    return [join(stem(users), label) or "base", join(stem(users), kind, label), join(plain(first), label)]


@dataclass
class _Layout:
    parents: list[list[int]]  # template -> the templates it extends
    extends: dict[str, list[int]]  # project -> the templates it names (the others come through them)
    cost: int  # `extends` lines and entries, templates' and projects'


def _layout(uses: dict[str, list[int]], parents: list[list[int]]) -> _Layout:
    below: list[set[int]] = []  # template -> all templates it extends, directly or not
    for ps in parents:  # parents come first: they have more users
        below.append(set(ps).union(*(below[p] for p in ps)))
    extends = {}
    for project, used in uses.items():
        through = set().union(*(below[t] for t in used))
        extends[project] = [t for t in used if t not in through]
    lists = [*(ps for ps in parents if ps), *extends.values()]
    return _Layout(parents, extends, sum(1 + len(names) for names in lists))


MAX_LAYERS = 8  # templates extending templates, at most (the loader allows 64)


def _parents(users: list[frozenset[str]], uses: dict[str, list[int]], *, single: bool) -> list[list[int]]:
    """Each template's parents: the templates whose users strictly contain its users, with nothing
    between (`single`: only where there is one). Values of different templates never share a key,
    so any order merges the same."""
    out: list[list[int]] = []
    depth: list[int] = []
    for i, mine in enumerate(users):
        some = min(mine)  # a wider template is used by this project too
        wider = sorted((j for j in uses[some] if j < i and mine < users[j]), key=lambda j: (len(users[j]), j))
        covers: list[int] = []
        for j in wider:
            if not any(users[c] < users[j] for c in covers):
                covers.append(j)
        covers.sort()
        if single and len(covers) != 1 or covers and 1 + max(depth[c] for c in covers) > MAX_LAYERS:
            covers = []
        out.append(covers)
        depth.append(1 + max((depth[c] for c in covers), default=0))
    return out


def _templates(projects: list[Project]) -> tuple[dict[str, dict[str, Any]], dict[str, str | _OneLine], set[Facet]]:
    """(templates, project name -> what it extends, the facets templates hold)."""
    facet_users: dict[Facet, list[str]] = defaultdict(list)
    for p in projects:
        for facet in _facets(p.spec):
            facet_users[facet].append(p.name)
    by_users: dict[tuple[str, ...], list[Facet]] = defaultdict(list)
    for facet, names in facet_users.items():
        if len(names) > 1:
            by_users[tuple(names)].append(facet)
    groups = sorted(by_users.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    users = [frozenset(g) for g, _ in groups]
    uses: dict[str, list[int]] = {p.name: [] for p in projects}
    for i, (group, _) in enumerate(groups):
        for project in group:
            uses[project].append(i)
    uses = {project: used for project, used in uses.items() if used}
    # Layered (a template extends the wider ones) unless that writes more than flat; ties: layered.
    choices: list[list[list[int]]] = [
        _parents(users, uses, single=False),
        _parents(users, uses, single=True),
        [[] for _ in users],
    ]
    layout = min((_layout(uses, parents) for parents in choices), key=lambda lay: lay.cost)
    types = {p.name: str(p.spec.get("type") or "") for p in projects}
    labels = [_label(facets) for _, facets in groups]
    options = [_options(list(group), label, types) for (group, _), label in zip(groups, labels)]
    names = resolve(options)
    templates: dict[str, dict[str, Any]] = {}
    for i, (_, facets) in enumerate(groups):
        ps = layout.parents[i]
        templates[names[i]] = ({"extends": _extends(ps, names)} if ps else {}) | _body(facets)
    extends = {project: _extends(named, names) for project, named in layout.extends.items()}
    shared = {f for fs in by_users.values() for f in fs}
    return templates, extends, shared


class _OneLine(list[str]):
    """An `extends` of several templates, written on one line: `extends: [a, b]`."""


class _Dumper(ManifestDumper):
    pass


_Dumper.add_representer(
    _OneLine, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)
)


def _yaml(data: Mapping[str, Any]) -> str:
    """`manifest_yaml`, with `extends` lists on one line (template names are plain words: flow-safe)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _extends(templates: list[int], names: list[str]) -> str | _OneLine:
    return names[templates[0]] if len(templates) == 1 else _OneLine(names[t] for t in templates)


def _body(facets: list[Facet]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for label, value in facets:
        if label == "kind":
            body.update(json.loads(value))
        elif label.startswith(PARAMS):
            body.setdefault("params", {})[label[len(PARAMS) :]] = json.loads(value)
        else:
            body[label] = json.loads(value)
    return body


def _rewrite(
    name: str, spec: dict[str, Any], extends: str | _OneLine | None, shared: set[Facet], people: PeopleSets
) -> dict[str, Any]:
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
    projects = sorted(
        (_parse(path, text) for path, text in files.items() if path.startswith("projects/")), key=lambda p: p.name
    )
    templates, extends, shared = _templates(projects)
    people = factor_people({p.name: p.spec for p in projects})
    out = dict(files)
    team = files.get("team.yaml", "")
    header = (team.splitlines(keepends=True)[0] if team.startswith("# yaml-language-server") else "") + "version: 1\n"
    if templates:
        out["templates.yaml"] = header + _yaml({"templates": templates})
    if people.shared:
        out["people.yaml"] = header + manifest_yaml({"people": people.shared})
    for p in projects:
        body = {"projects": {p.name: _rewrite(p.name, p.spec, extends.get(p.name), shared, people)}}
        out[p.path] = p.header + _yaml(body)
    return out
