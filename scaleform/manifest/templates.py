"""Templates: named partial project specs that projects (and other templates) build on.

`extends` names one template or a list; the effective spec is the templates merged left to right,
then the spec's own keys. Mappings merge key by key, recursively; lists and scalars replace; a
`null` removes the key it is written on wherever a mapping is merged (a mapping taken whole,
with nothing under it to merge into, keeps its values as written: params may hold nulls).

Every value keeps the location where it was written. A value a project inherits is located at
the template, marked (`located.via`) with the project and the `extends` entry it came through,
so any later problem about it names both.
"""
from __future__ import annotations

import difflib
from typing import Any, Iterable

from scaleform.errors import Location, Problem
from scaleform.manifest.located import LocDict, LocList, named_entries, plain, via

MAX_DEPTH = 64  # templates extending templates: deeper is a mistake (and would exhaust the stack)
MAX_INHERITED = 2_000_000  # values copied into projects in all: a few templates cannot blow up memory


def merge(base: LocDict, over: LocDict) -> LocDict:
    """`over` applied onto `base` (neither is changed); the locations come with the values."""
    out = LocDict(over.loc)
    for key, value in base.items():
        out.put(key, value, base.key_locs[key], base.value_locs[key])
    for key, value in over.items():
        if value is None:
            if key in out:
                del out[key], out.key_locs[key], out.value_locs[key]
            continue
        if isinstance(value, LocDict) and isinstance(out.get(key), LocDict):
            value = merge(out[key], value)
        out.put(key, value, over.key_locs[key], over.value_locs[key])
    return out


def mark(value: Any, note: str) -> Any:
    """A copy of `value` whose every location carries `note`."""
    if isinstance(value, LocDict):
        out = LocDict(via(value.loc, note))
        for key, item in value.items():
            out.put(key, mark(item, note), via(value.key_locs[key], note), via(value.value_locs[key], note))
        return out
    if isinstance(value, LocList):
        out_list = LocList(via(value.loc, note))
        for item, loc in zip(value, value.item_locs):
            out_list.put(mark(item, note), via(loc, note))
        return out_list
    return value


def size(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(size(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(size(v) for v in value)
    return 1


def extends_entries(spec: LocDict) -> list[tuple[str, Location]]:
    """The template names a spec extends, each with where it is written."""
    raw = spec.get("extends")
    if isinstance(raw, str):
        return [(raw, spec.value_locs["extends"])]
    if isinstance(raw, LocList):
        return [(name, loc) for name, loc in zip(raw, raw.item_locs) if isinstance(name, str)]
    return []


def own_keys(spec: LocDict) -> LocDict:
    out = LocDict(spec.loc)
    for key, value in spec.items():
        if key != "extends":
            out.put(key, value, spec.key_locs[key], spec.value_locs[key])
    return out


def known_names(names: Iterable[str], wanted: str, what: str) -> str:
    names = sorted(names)
    if not names:
        return f"no {what} are declared"
    close = difflib.get_close_matches(wanted, names, n=3)
    if close:
        return "did you mean " + " or ".join(f"'{n}'" for n in close) + "?"
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"declared {what}: {shown}"


class Templates:
    """The `templates` of all documents, each resolved once (its own `extends` applied)."""

    def __init__(self, docs: list[LocDict], problems: list[Problem]):
        self.problems = problems
        self.specs: dict[str, LocDict]
        self.specs, self.locs = named_entries(docs, "templates", "template", LocDict, problems)
        self.done: dict[str, LocDict] = {}
        self.broken: set[str] = set()  # templates whose own `extends` failed: their users are skipped
        self.sizes: dict[str, int] = {}
        self.depth: dict[str, int] = {}  # levels of `extends` under a resolved template, itself included
        self.inherited = 0  # values copied into projects so far (see MAX_INHERITED)
        for name in self.specs:  # declaration order, so a cycle is reported at the same entry every run
            self._resolve(name, [])

    def _resolve(self, name: str, stack: list[str]) -> LocDict:
        if name in self.done:
            return self.done[name]
        spec = self.specs[name]
        stack.append(name)
        result = LocDict(spec.loc)
        for entry, loc in extends_entries(spec):
            base = self.base(entry, loc, f"template '{name}'", stack)
            if base is None or entry in self.broken:
                self.broken.add(name)
                continue
            result = merge(result, base)
            self.depth[name] = max(self.depth.get(name, 1), self.depth[entry] + 1)
        stack.pop()
        self.depth.setdefault(name, 1)
        self.done[name] = result = merge(result, own_keys(spec))
        return result

    def base(self, entry: str, loc: Location, who: str, stack: list[str]) -> LocDict | None:
        """The resolved template an `extends` entry names, or None (and a problem at the entry)."""
        if entry not in self.specs:
            self.problems.append(Problem(f"unknown template '{entry}' in the `extends` of {who}; "
                                         + known_names(self.specs, entry, "templates"), loc))
            return None
        if entry in stack:
            chain = " -> ".join([*stack[stack.index(entry):], entry])
            self.problems.append(Problem(f"template cycle: {chain}; a template cannot extend itself, directly "
                                         "or through other templates", loc))
            return None
        if stack and (len(stack) >= MAX_DEPTH or self.depth.get(entry, 1) >= MAX_DEPTH):
            self.problems.append(Problem(f"templates extend each other more than {MAX_DEPTH} levels deep "
                                         f"(in {who})", loc))
            return None
        return self._resolve(entry, stack)

    def project(self, name: str, spec: LocDict) -> LocDict | None:
        """The effective spec of project `name`; None when it cannot be made (problems reported)."""
        entries = extends_entries(spec)
        if not entries and None not in spec.values():
            return spec  # nothing to compose: the spec as written
        result = LocDict(spec.loc)
        given_by: dict[str, tuple[str, Location]] = {}  # top-level key -> the template entry that gave it
        usable = True
        for entry, loc in entries:
            base = self.base(entry, loc, f"project '{name}'", [])
            if base is None or entry in self.broken:
                usable = False
                continue
            if entry not in self.sizes:
                self.sizes[entry] = size(base)
            before, self.inherited = self.inherited, self.inherited + self.sizes[entry]
            if self.inherited > MAX_INHERITED:
                if before <= MAX_INHERITED:  # said once, at the entry that crossed the limit
                    self.problems.append(Problem(f"projects inherit more than {MAX_INHERITED} values from templates "
                                                 "in all; make the templates smaller", loc))
                return None
            result = merge(result, mark(base, f"inherited by project '{name}' at {loc}"))
            given_by.update((key, (entry, loc)) for key in base)
        own = own_keys(spec)
        result = merge(result, own)
        if not usable:
            return None
        return self._checked(name, spec, result, given_by)

    def _checked(self, name: str, spec: LocDict, result: LocDict,
                 given_by: dict[str, tuple[str, Location]]) -> LocDict | None:
        """Rules the schema states per project that only the merged spec can break."""
        if result.get("type") is None:
            if "type" in spec:
                self.problems.append(Problem(f"`type: null` leaves project '{name}' without a type; every project "
                                             "needs one (remove this line, or give another type)", spec.key_locs["type"]))
            else:
                self.problems.append(Problem(f"projects.{name} is missing the required key 'type'; neither the "
                                             "project nor the templates it extends give one", spec.loc))
            return None
        if "pipeline" in result and result.get("studio") is not True and "pipeline" in given_by \
                and spec.get("pipeline") is None:
            template, loc = given_by["pipeline"]
            self.problems.append(Problem(
                f"template '{template}' gives project '{name}' a `pipeline`, but `pipeline` needs `studio: true` "
                f"(pipelines exist only for Studio projects); set `studio: true` on the project, or "
                "`pipeline: null` to drop it", loc, plain(result.key_locs["pipeline"])))
            del result["pipeline"], result.key_locs["pipeline"], result.value_locs["pipeline"]
        return result
