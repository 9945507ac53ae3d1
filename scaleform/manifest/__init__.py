"""Manifests -> desired state: read files, choose the environment, interpolate, validate, merge.

`load_manifests` is the one entry point. It reports every problem it can find (all files, all
nodes) in a single `ScaleformError` rather than stopping at the first. Finding and reading the
files is in files.py; this module takes the parsed documents from there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaleform.errors import Location, Problem, ScaleformError, problem_order
from scaleform.manifest.compose import compose
from scaleform.manifest.desired import build_desired
from scaleform.manifest.environments import Environment, choose_environment, collect_environments
from scaleform.manifest.files import discover as discover  # public here as before the move
from scaleform.manifest.files import read_file
from scaleform.manifest.located import AliasBudget, LocDict, load_yaml
from scaleform.manifest.references import check_references
from scaleform.manifest.requires import check_requires
from scaleform.manifest.schema import validate_document
from scaleform.manifest.task_types import check_task_types
from scaleform.manifest.variables import interpolate
from scaleform.model import DesiredState

MAX_VARIABLE_TEXT = 2_000_000  # characters ${var.…} put into the manifests, all files together


@dataclass(frozen=True)
class Manifests:
    desired: DesiredState
    environment: Environment | None
    digest: str
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # located: undocumented params keys


def read_var_file(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaleformError(f"cannot read var file: {exc}", Location(path)) from None
    doc = load_yaml(text, path)
    if doc is None:
        return {}
    if not isinstance(doc, LocDict):  # load_yaml builds every mapping as a LocDict
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


def _is_plain(data: bytes) -> bool:
    """True when interpolation cannot change the document: no `${` in its text, and no backslash
    (a double-quoted escape such as "\\x24{var.a}" spells `${` without the bytes). A `$schema`
    comment, as export writes, leaves a file plain."""
    return b"${" not in data and b"\\" not in data


class _TooMuchText(Exception):
    """Variables would put more than MAX_VARIABLE_TEXT characters into the manifests."""


class _VariableText(dict[str, str]):
    """The variables, counting the characters they put into the manifests: a long value named in
    many places would otherwise be multiplied (render writes every copy)."""

    def __init__(self, values: Mapping[str, str]):
        super().__init__(values)
        self.used = 0

    def __getitem__(self, name: str) -> str:
        value = super().__getitem__(name)
        self.used += len(value)
        if self.used > MAX_VARIABLE_TEXT:
            raise _TooMuchText(name, len(value))
        return value


def _interpolated(doc: LocDict, variables: _VariableText, problems: list[Problem]) -> LocDict:
    out = LocDict(doc.loc)
    for key, value in doc.items():
        if key != "environments":  # they hold the variables; they are not themselves interpolated
            try:
                value = interpolate(value, variables, problems, doc.value_locs[key])
            except _TooMuchText as exc:
                name, length = exc.args
                problems.append(
                    Problem(
                        f"variables put more than {MAX_VARIABLE_TEXT:,} characters into the manifests (the limit on "
                        f"variable text, over all files read together); ${{var.{name}}} ({length:,} characters) is "
                        "named too often in this section: name a long value in fewer places",
                        doc.key_locs[key],
                    )
                )
                raise ScaleformError(problems) from None
        out.put(key, value, doc.key_locs[key], doc.value_locs[key])
    return out


class ManifestLoad:
    """One load in two steps, so a caller can act on each file as it is parsed (the planner starts
    reads while the rest still loads): `read()` parses the files one by one and yields each
    document with whether it is plain (see _is_plain: interpolation cannot change it); `finish()`
    chooses the environment, interpolates, validates and merges."""

    def __init__(
        self,
        path: str | Path = ".",
        environment: str | None = None,
        variables: Mapping[str, str] | None = None,
        var_files: Sequence[str] = (),
        *,
        prune: bool | None = None,
    ):
        self.files = discover(path)
        self.environment = environment
        self.variables = variables
        self.var_files = var_files
        self.prune = prune
        self.problems: list[Problem] = []
        self.docs: list[LocDict] = []
        self.plain: set[int] = set()  # ids of documents interpolation cannot change
        self.checked: dict[int, list[Problem]] = {}  # schema problems of plain documents, by id
        self.digest = hashlib.sha256()
        self.aliases = AliasBudget()  # one for all files: many small alias bombs add up
        self.effective: list[LocDict] = []  # the documents as they take effect (set by finish())

    def read(self) -> Iterator[tuple[LocDict, bool]]:
        for f in self.files:
            name, doc, data = read_file(f, self.problems, self.aliases)
            self.digest.update(name.encode() + b"\0" + data + b"\0")
            if doc is not None:
                self.docs.append(doc)
                plain = _is_plain(data)
                if plain:
                    self.plain.add(id(doc))
                yield doc, plain
                if plain:
                    # Interpolation cannot change it, so its verdict is final: check it now, after
                    # the caller has acted on it, rather than in finish(), where the planner's reads
                    # would wait for all of it.
                    self.checked[id(doc)] = validate_document(doc)

    def complete(self) -> Manifests:
        """read() to the end, then finish()."""
        for _ in self.read():
            pass
        return self.finish()

    def finish(self) -> Manifests:
        """The merged manifests; raises ScaleformError listing every problem. Call after read()."""
        problems, docs, digest = self.problems, self.docs, self.digest
        check_requires(docs)  # before anything else: an older build must not judge newer syntax
        envs = collect_environments(docs, problems)
        env = choose_environment(envs, self.environment, problems) if (envs or self.environment) else None
        if envs and env is None:
            raise ScaleformError(problems)  # without its vars, every ${var.…} would be reported too
        merged_vars: dict[str, str] = dict(env.vars) if env else {}
        for vf in self.var_files:
            merged_vars.update(read_var_file(vf))
        merged_vars.update(self.variables or {})
        digest.update(json.dumps(merged_vars, sort_keys=True).encode())

        counted = _VariableText(merged_vars)
        resolved = [doc if id(doc) in self.plain else _interpolated(doc, counted, problems) for doc in docs]

        schema_problems: list[Problem] = []
        for doc in resolved:
            known = self.checked.get(id(doc))  # a plain document resolves to itself
            schema_problems.extend(known if known is not None else validate_document(doc))
        problems.extend(schema_problems)
        if schema_problems:
            raise ScaleformError(problems)

        self.effective = effective = compose(resolved, problems)
        desired = build_desired(effective, prune_override=self.prune, problems=problems)
        notes = check_references(desired, problems)
        warnings = check_task_types(desired.projects.values(), strict_params=desired.strict_params, problems=problems)
        if problems:
            raise ScaleformError(problems)
        return Manifests(
            desired=desired,
            environment=env,
            digest="sha256:" + digest.hexdigest(),
            files=tuple(f.as_posix() for f in self.files),
            notes=tuple(notes),
            variables=merged_vars,
            warnings=tuple(sorted(warnings, key=problem_order)),
        )


def load_manifests(
    path: str | Path = ".",
    environment: str | None = None,
    variables: Mapping[str, str] | None = None,
    var_files: Sequence[str] = (),
    *,
    prune: bool | None = None,
) -> Manifests:
    """Load, validate and merge a manifest set. Raises ScaleformError listing every problem."""
    return ManifestLoad(path, environment, variables, var_files, prune=prune).complete()
