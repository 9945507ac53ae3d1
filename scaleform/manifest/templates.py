"""Templates: named partial project specs that projects (and other templates) build on.

`extends` names one template or a list; the effective spec is the templates merged left to right,
then the spec's own keys. Mappings merge key by key, recursively; lists and scalars replace; a
`null` removes the key it is written on wherever a mapping is merged (a mapping taken whole,
with nothing under it to merge into, keeps its values as written: params may hold nulls).

Every value keeps the location where it was written. A value a project inherits is located at
the template, marked (`located.via`) with the project and the `extends` entry it came through,
so any later problem about it names both.

An `extends` list is merged in one pass (`merge_all`), so its cost is linear in its length. What
merging copies in all is capped (MAX_MERGED): a few lines can make many projects copy a big
template, and everything after (checks, render) reads every copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scaleform.errors import InheritedLocation, Location, Problem
from scaleform.manifest.located import TEXT_UNIT, LocDict, LocList, as_written, inherited, named_entries
from scaleform.manifest.nesting import Hints, Nesting

MAX_MERGED = 200_000  # values copied while applying templates, to projects and templates in all


class OverBudget(Exception):
    """The merges of one load would copy more than their budget allows (see MAX_MERGED)."""


class Budget:
    """Values copied so far by the template merges of one load."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise OverBudget


def merge(base: LocDict, over: LocDict) -> LocDict:
    """`over` applied onto `base` (neither is changed); the locations come with the values."""
    return merge_all(base, [over])


def merge_all(base: LocDict | None, overs: Sequence[LocDict], budget: Budget | None = None) -> LocDict:
    """`overs` applied onto `base` left to right (onto nothing when None), in one pass: linear in
    their total size, where merging them one at a time copies the growing result once per layer.
    `base` is taken as written, nulls included; in `overs` a null removes the key. Nothing given is
    changed."""
    layers = list(overs) if base is None else [base, *overs]
    out = LocDict(layers[-1].loc)
    chains: dict[str, list[LocDict]] = {}  # key -> the mappings to merge there, in order
    for i, layer in enumerate(layers):
        if budget is not None:
            budget.spend(len(layer))
        as_written = base is not None and i == 0
        for key, value in layer.items():
            if value is None and not as_written:
                if key in out:
                    del out[key], out.key_locs[key], out.value_locs[key]
                    chains.pop(key, None)
                continue
            if isinstance(value, LocDict):
                chains.setdefault(key, []).append(value)
            else:
                chains.pop(key, None)
            out.put(key, value, layer.key_locs[key], layer.value_locs[key])
    for key, chain in chains.items():
        if len(chain) > 1:
            out[key] = merge_all(chain[0], chain[1:], budget)
    return out


class _Marker:
    """Copies values with every location noted; a location met again (aliases copy many values
    written at one place) gets the same noted location, not another."""

    def __init__(self, note: str) -> None:
        self.note = note
        self.vias: dict[Location, InheritedLocation] = {}

    def loc(self, loc: Location) -> Location:
        if type(loc) is not Location:  # already noted: its own note goes with it
            return inherited(loc, self.note)
        out = self.vias.get(loc)
        if out is None:
            out = self.vias[loc] = inherited(loc, self.note)
        return out

    def copy(self, value: Any) -> Any:
        if isinstance(value, LocDict):
            out = LocDict(self.loc(value.loc))
            for key, item in value.items():
                out.put(key, self.copy(item), self.loc(value.key_locs[key]), self.loc(value.value_locs[key]))
            return out
        if isinstance(value, LocList):
            out_list = LocList(self.loc(value.loc))
            for item, loc in zip(value, value.item_locs):
                out_list.put(self.copy(item), self.loc(loc))
            return out_list
        return value


def mark(value: Any, note: str) -> Any:
    """A copy of `value` whose every location carries `note`."""
    return _Marker(note).copy(value)


def size(value: Any) -> int:
    """What copying `value` into a project costs, in values (see TEXT_UNIT)."""
    if isinstance(value, dict):
        return 1 + sum(size(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(size(v) for v in value)
    if isinstance(value, str):
        return 1 + len(value) // TEXT_UNIT
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


class Templates:
    """The `templates` of all documents, each resolved once (its own `extends` applied)."""

    def __init__(self, docs: list[LocDict], problems: list[Problem]):
        self.problems = problems
        self.specs: dict[str, LocDict]
        self.specs, self.locs = named_entries(docs, "templates", "template", LocDict, problems)
        self.hints = Hints(self.specs, "templates")
        self.done: dict[str, LocDict] = {}
        self.broken: set[str] = set()  # templates whose own `extends` failed: their users are skipped
        self.sizes: dict[str, int] = {}
        self.nesting = Nesting(
            problems,
            "template cycle: {chain}; a template cannot extend itself, directly or through other templates",
            "templates extend each other more than {max} levels deep (in {who})",
        )
        self.budget = Budget(MAX_MERGED)
        self.over = False  # the budget ran out (and the problem is reported)
        for name in self.specs:  # declaration order, so a cycle is reported at the same entry every run
            self._resolve(name, [])

    def _resolve(self, name: str, stack: list[str]) -> LocDict:
        if name in self.done:
            return self.done[name]
        spec = self.specs[name]
        stack.append(name)
        bases: list[LocDict] = []
        for entry, loc in extends_entries(spec):
            base = self.base(entry, loc, f"template '{name}'", stack)
            if base is None or entry in self.broken:
                self.broken.add(name)
                continue
            bases.append(base)
            self.nesting.names(name, entry)
        stack.pop()
        try:
            result = merge_all(None, [*bases, own_keys(spec)], self.budget)
        except OverBudget:
            self._over_budget(spec.key_locs.get("extends", spec.loc))
            self.broken.add(name)
            result = LocDict(spec.loc)
        self.done[name] = result
        return result

    def base(self, entry: str, loc: Location, who: str, stack: list[str]) -> LocDict | None:
        """The resolved template an `extends` entry names, or None (and a problem at the entry)."""
        if entry not in self.specs:
            self.problems.append(
                Problem(f"unknown template '{entry}' in the `extends` of {who}; " + self.hints(entry), loc)
            )
            return None
        if self.nesting.refused(entry, loc, who, stack):
            return None
        return self._resolve(entry, stack)

    def _over_budget(self, loc: Location) -> None:
        if self.over:
            return
        self.over = True  # said once, where the limit was crossed: every later merge fails too
        self.problems.append(
            Problem(
                f"templates merge into more than {self.budget.limit:,} values in all (the limit on template merges: "
                "each project or template that extends a template copies what it inherits, a text once per "
                f"{TEXT_UNIT} characters); make the big templates smaller, or have fewer projects extend them",
                loc,
            )
        )

    def project(self, name: str, spec: LocDict) -> LocDict | None:
        """The effective spec of project `name`; None when it cannot be made (problems reported)."""
        entries = extends_entries(spec)
        if not entries and None not in spec.values():
            return spec  # nothing to compose: the spec as written
        found: list[tuple[str, Location, LocDict]] = []
        for entry, loc in entries:  # every entry, so that each unknown one is reported
            base = self.base(entry, loc, f"project '{name}'", [])
            if base is not None and entry not in self.broken:
                found.append((entry, loc, base))
        if len(found) < len(entries):
            return None
        given_by: dict[str, tuple[str, Location]] = {}  # top-level key -> the template entry that gave it
        layers: list[LocDict] = []
        at = spec.key_locs.get("extends", spec.loc)
        try:
            for entry, at, base in found:  # `at`: the entry being copied, where the budget may run out
                if entry not in self.sizes:
                    self.sizes[entry] = size(base)
                self.budget.spend(self.sizes[entry])
                layers.append(mark(base, f"inherited by project '{name}' at {at}"))
                given_by.update((key, (entry, at)) for key in base)
            result = merge_all(None, [*layers, own_keys(spec)], self.budget)
        except OverBudget:
            self._over_budget(at)
            return None
        return self._checked(name, spec, result, given_by)

    def _checked(
        self, name: str, spec: LocDict, result: LocDict, given_by: dict[str, tuple[str, Location]]
    ) -> LocDict | None:
        """Rules the schema states per project that only the merged spec can break."""
        if result.get("type") is None:
            if "type" in spec:
                self.problems.append(
                    Problem(
                        f"`type: null` leaves project '{name}' without a type; every project "
                        "needs one (remove this line, or give another type)",
                        spec.key_locs["type"],
                    )
                )
            else:
                self.problems.append(
                    Problem(
                        f"projects.{name} is missing the required key 'type'; neither the "
                        "project nor the templates it extends give one",
                        spec.loc,
                    )
                )
            return None
        if (
            "pipeline" in result
            and result.get("studio") is not True
            and "pipeline" in given_by
            and spec.get("pipeline") is None
        ):
            template, loc = given_by["pipeline"]
            self.problems.append(
                Problem(
                    f"template '{template}' gives project '{name}' a `pipeline`, but `pipeline` needs `studio: true` "
                    f"(pipelines exist only for Studio projects); set `studio: true` on the project, or "
                    "`pipeline: null` to drop it",
                    loc,
                    as_written(result.key_locs["pipeline"]),
                )
            )
            del result["pipeline"], result.key_locs["pipeline"], result.value_locs["pipeline"]
        return result
