"""`scaleform render`: the effective manifests as one YAML document.

Templates merged, people sets expanded, variables interpolated, keys in a fixed order (sections,
project keys and ontology keys in the order the reference documents them; names and params keys
sorted), so the output depends on what the manifests mean, not on how they are split or spelled.
The output validates, and plans, the same as its input: text that reads as `${` after
interpolation is written `$${` so that a second load leaves it alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from yaml.emitter import ScalarAnalysis

from scaleform.errors import ScaleformError
from scaleform.manifest import ManifestLoad, Manifests
from scaleform.manifest.located import LocDict
from scaleform.manifest.nesting import known_names
from scaleform.model import TEAM_KEYS

_PROJECT_KEYS = ("type", "studio", "rapid", "params", "ontology", "pipeline", "labelers", "groups")
_CHOICE_KEYS = ("choice", "display", "description", "subchoices")
_BATCH_KEYS = ("project", "create", "calibration_batch", "self_label_batch", "finalize", "groups")
_ENV_KEYS = ("provider", "api_url", "api_key_env")
_HEADER = (
    "# Effective manifests (scaleform render): templates merged, people sets expanded,\n"
    "# variables interpolated. This document validates and plans the same as its source.\n"
)


def _text(value: str) -> str:
    return value.replace("${", "$${")


def _data(value: Any, *, sort: bool = True) -> Any:
    """Plain YAML-ready data; mapping keys sorted (params, and anything without a fixed order)."""
    if isinstance(value, Mapping):
        keys = sorted(value) if sort else list(value)
        return {_text(k): _data(value[k]) for k in keys}
    if isinstance(value, list):
        return [_data(v) for v in value]
    return _text(value) if isinstance(value, str) else value


def _ordered(spec: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: spec[k] for k in keys if spec.get(k) is not None}


def _choice(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return _data(item)
    out = {k: _data(v) for k, v in _ordered(item, _CHOICE_KEYS).items()}
    if "subchoices" in out:
        out["subchoices"] = [_choice(c) for c in item["subchoices"]]
    return out


def _emails(items: Any) -> list[str]:
    return [_text(str(e).strip().lower()) for e in items]


def _project(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = _ordered(spec, _PROJECT_KEYS)
    for key in ("type", "studio", "rapid", "params"):
        if key in out:
            out[key] = _data(out[key])
    if "ontology" in out:
        onto = out["ontology"]
        out["ontology"] = {
            **({"name": _text(onto["name"])} if onto.get("name") is not None else {}),
            "choices": [_choice(c) for c in onto["choices"]],
        }
    if "pipeline" in out:
        out["pipeline"] = _data(_ordered(out["pipeline"], ("type", "consensus_attempts")), sort=False)
    if "labelers" in out:
        out["labelers"] = _emails(out["labelers"])
    if "groups" in out:
        out["groups"] = {_text(g): _emails(m) for g, m in sorted(out["groups"].items()) if m is not None}
    return out


def _named(docs: list[LocDict], section: str) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for doc in docs:
        if isinstance(doc.get(section), Mapping):
            found.update(doc[section])
    return {name: found[name] for name in sorted(found)}


def effective_document(docs: list[LocDict], manifests: Manifests, projects: Sequence[str] = ()) -> dict[str, Any]:
    """The one document `render` prints. With `projects`, only those projects (and `version`)."""
    declared = _named(docs, "projects")
    unknown = [p for p in projects if p not in declared]
    if unknown:
        raise ScaleformError(
            f"--project {unknown[0]}: no such project is declared; " + known_names(declared, unknown[0], "projects")
        )
    if projects:
        return {"version": 1, "projects": {_text(n): _project(declared[n]) for n in sorted(set(projects))}}
    out: dict[str, Any] = {"version": 1}
    for doc in docs:
        if isinstance(doc.get("settings"), Mapping):
            out["settings"] = _data(doc["settings"])
    env = manifests.environment
    if env is not None:  # the target comes from it; its vars have done their work
        out["environments"] = {_text(env.name): {k: _text(getattr(env, k)) for k in _ENV_KEYS if getattr(env, k)}}
    team = manifests.desired.team
    if team is not None:
        lists = {key: [_text(m.email) for m in team.values() if m.role == role] for key, role in TEAM_KEYS}
        out["team"] = {key: emails for key, emails in lists.items() if emails}
    if declared:
        out["projects"] = {_text(n): _project(spec) for n, spec in declared.items()}
    batches = _named(docs, "batches")
    if batches:
        out["batches"] = {_text(n): _data(_ordered(spec, _BATCH_KEYS), sort=False) for n, spec in batches.items()}
    for doc in docs:
        if "batch_priority" in doc:
            out["batch_priority"] = _data(doc["batch_priority"])
    return out


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, looking at each distinct text once: expanded people sets and templates
    print the same values in many projects, and analysing a text (a loop over its characters) and
    resolving its tag (regular expressions) are most of what writing it costs. Both depend on the
    text alone (the safe dumper has no path resolvers), so the output is the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._analysed: dict[str, ScalarAnalysis] = {}
        self._resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

    def analyze_scalar(self, scalar: str) -> ScalarAnalysis:
        found = self._analysed.get(scalar)
        if found is None:
            found = self._analysed[scalar] = super().analyze_scalar(scalar)
        return found

    # types-PyYAML leaves BaseResolver.resolve unannotated, hence the ignores; it returns the tag.
    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            return tag
        key = (value, implicit)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return found


def render_effective(load: ManifestLoad, projects: Sequence[str] = ()) -> str:
    manifests = load.complete()
    doc = effective_document(load.effective, manifests, projects)
    return _HEADER + yaml.dump(
        doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
