"""Manifests -> desired state: read files, choose the environment, interpolate, validate, merge.

`load_manifests` is the one entry point. It reports every problem it can find (all files, all
nodes) in a single `ScaleformError` rather than stopping at the first.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from scaleform.errors import Location, Problem, ScaleformError
from scaleform.manifest.desired import build_desired
from scaleform.manifest.environments import Environment, choose_environment, collect_environments
from scaleform.manifest.located import LocDict, load_yaml
from scaleform.manifest.references import check_references
from scaleform.manifest.schema import validate_document
from scaleform.manifest.variables import interpolate
from scaleform.model import DesiredState

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Manifests:
    desired: DesiredState
    environment: Environment | None
    digest: str
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)


def discover(path: str | Path) -> list[Path]:
    p = Path(path)
    if not p.exists():
        raise ScaleformError(f"manifest path '{path}' does not exist; pass a manifest file or a directory "
                             "of *.yaml files", Location(str(path)))
    if p.is_file():
        return [p]
    files = sorted((f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()),
                   key=lambda f: f.as_posix())
    # A directory of CI workflows or tool configs is not manifests: skip hidden folders.
    files = [f for f in files if not any(part.startswith(".") for part in f.relative_to(p).parts[:-1])]
    if not files:
        raise ScaleformError(f"no *.yaml or *.yml files under '{path}'", Location(str(path)))
    return files


def _read(path: Path, problems: list[Problem]) -> tuple[str, LocDict | None, bytes]:
    name = path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(f"cannot read the file: {exc.strerror or exc}", Location(name)))
        return name, None, b""
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB", Location(name)))
        return name, None, data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"file is not UTF-8 text (byte {exc.start})", Location(name)))
        return name, None, data
    try:
        doc = load_yaml(text, name)
    except ScaleformError as exc:
        problems.extend(exc.problems)
        return name, None, data
    if doc is None:
        problems.append(Problem("the file is empty; a manifest needs at least `version: 1`", Location(name, 1, 1)))
        return name, None, data
    if not isinstance(doc, LocDict):
        problems.append(Problem("a manifest file must be a mapping of sections (version, team, projects, ...)",
                                getattr(doc, "loc", Location(name, 1, 1))))
        return name, None, data
    return name, doc, data


def read_var_file(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaleformError(f"cannot read var file: {exc}", Location(path)) from None
    doc = load_yaml(text, path)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ScaleformError("a var file must be a mapping of NAME: value", getattr(doc, "loc", Location(path)))
    out = {}
    for key, value in doc.items():
        if isinstance(value, (dict, list)) or value is None:
            raise ScaleformError(f"variable '{key}' must be a plain value", doc.value_locs[key])
        out[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def parse_var_flags(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ScaleformError(f"--var takes NAME=VALUE, got '{pair}'")
        out[name.strip()] = value
    return out


def load_manifests(path: str | Path = ".", environment: str | None = None,
                   variables: Mapping[str, str] | None = None, var_files: Sequence[str] = (),
                   prune: bool | None = None) -> Manifests:
    """Load, validate and merge a manifest set. Raises ScaleformError listing every problem."""
    problems: list[Problem] = []
    files = discover(path)
    docs: list[LocDict] = []
    plain: set[int] = set()  # ids of documents with no `$` at all: interpolation cannot change them
    digest = hashlib.sha256()
    for f in files:
        name, doc, data = _read(f, problems)
        digest.update(name.encode() + b"\0" + data + b"\0")
        if doc is not None:
            docs.append(doc)
            if b"$" not in data:
                plain.add(id(doc))

    envs = collect_environments(docs, problems)
    env = choose_environment(envs, environment, problems) if (envs or environment) else None
    merged_vars: dict[str, str] = dict(env.vars) if env else {}
    for vf in var_files:
        merged_vars.update(read_var_file(vf))
    merged_vars.update(variables or {})
    digest.update(json.dumps(merged_vars, sort_keys=True).encode())

    resolved: list[LocDict] = []
    for doc in docs:
        if id(doc) in plain:
            resolved.append(doc)
            continue
        out = LocDict(doc.loc)
        for key, value in doc.items():
            # Environments hold the variables; they are not themselves interpolated.
            new = value if key == "environments" else interpolate(value, merged_vars, problems, doc.value_locs[key])
            out.put(key, new, doc.key_locs[key], doc.value_locs[key])
        resolved.append(out)

    schema_problems: list[Problem] = []
    for doc in resolved:
        schema_problems.extend(validate_document(doc))
    problems.extend(schema_problems)
    if schema_problems:
        raise ScaleformError(problems)

    desired = build_desired(resolved, prune, problems)
    notes = check_references(desired, problems)
    if problems:
        raise ScaleformError(problems)
    return Manifests(desired=desired, environment=env, digest="sha256:" + digest.hexdigest(),
                     files=tuple(f.as_posix() for f in files), notes=tuple(notes), variables=merged_vars)
