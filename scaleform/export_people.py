"""`export --templates`, people: repeated email lists become people sets, and each project's
labelers are written through its groups.

A list written two or more times (labelers, group members) becomes a shared set, in `people.yaml`.
Group members are always among the project's labelers, so a labelers list names the sets its groups
became and spells out only the rest: each member is written once, and adding someone to such a group
also assigns them. A group no other project has stays written out (docs/composition.md says why).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from scaleform.export_names import Names, slug, stem

Emails = tuple[str, ...]
REF_GAIN = 2  # a set name costs a line: naming it must spare at least this many emails


@dataclass(frozen=True)
class PeopleSets:
    shared: dict[str, list[str]]  # people.yaml: set name -> entries (emails, or names of smaller sets)
    labelers: dict[str, list[str]]  # project -> its labelers as written
    groups: dict[str, dict[str, list[str]]]  # project -> group -> its members as written


@dataclass(frozen=True)
class _Lists:
    labelers: Emails | None  # None: the project declares no labelers
    groups: list[tuple[str, Emails]]

    def all(self) -> list[tuple[str, Emails]]:
        return ([("labelers", self.labelers)] if self.labelers is not None else []) + self.groups


def _lists(spec: dict[str, Any]) -> _Lists:
    labelers = tuple(spec["labelers"]) if isinstance(spec.get("labelers"), list) else None
    return _Lists(labelers, [(group, tuple(members)) for group, members in (spec.get("groups") or {}).items()])


def _shared(lists: dict[str, _Lists], names: Names) -> dict[Emails, str]:
    """Each list of two or more emails written by two or more (project, role) -> its set's name."""
    seen: dict[Emails, list[tuple[str, str]]] = defaultdict(list)
    for project, of in lists.items():
        for role, emails in of.all():
            if len(emails) > 1:  # a set of one saves nothing
                seen[emails].append((project, role))
    out: dict[Emails, str] = {}
    for emails, where in seen.items():  # first-seen order: projects come sorted by name
        if len(where) > 1:
            roles = {role for _, role in where}
            role = roles.pop() if len(roles) == 1 else "people"
            out[emails] = names(f"{stem(sorted({p for p, _ in where}), 'team')}-{slug(role) or 'group'}")
    return out


def _through(emails: Emails, parts: list[tuple[str, Emails]]) -> list[str]:
    """`emails` written as the set names in `parts` (subsets of it, in order) that each spare
    REF_GAIN emails or more, then the emails no named set gives, in their order."""
    named: list[str] = []
    covered: set[str] = set()
    for name, members in parts:
        if name not in named and len(set(members) - covered) >= REF_GAIN:
            named.append(name)
            covered.update(members)
    return named + [e for e in emails if e not in covered]


def _parts(emails: Emails, groups: list[tuple[str, Emails]], names: dict[Emails, str],
           strict: bool) -> list[tuple[str, Emails]]:
    """The named group lists inside `emails`; `strict` (for a set's own body): strictly inside, so
    two sets can never name each other."""
    whole = set(emails)
    return [(names[m], m) for _, m in groups
            if m in names and m != emails and (set(m) < whole if strict else set(m) <= whole)]


def factor_people(specs: dict[str, dict[str, Any]]) -> PeopleSets:
    """People sets for the projects `specs` (name -> flat spec, sorted by name)."""
    lists = {project: _lists(spec) for project, spec in specs.items()}
    names = _shared(lists, Names())
    shared = {name: list(emails) for emails, name in names.items()}
    labelers: dict[str, list[str]] = {}
    groups: dict[str, dict[str, list[str]]] = {}
    bodies_written: set[str] = set()  # shared labelers sets already written through their groups
    for project, of in lists.items():
        if of.labelers in names:
            name = names[of.labelers]
            labelers[project] = [name]
            if name not in bodies_written:  # through the groups of the first project that uses it
                bodies_written.add(name)
                shared[name] = _through(of.labelers, _parts(of.labelers, of.groups, names, strict=True))
        elif of.labelers is not None:
            labelers[project] = _through(of.labelers, _parts(of.labelers, of.groups, names, strict=False))
        groups[project] = {g: [names[m]] if m in names else list(m) for g, m in of.groups}
    return PeopleSets(shared, labelers, groups)
