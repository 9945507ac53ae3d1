"""`export --templates`, people: repeated email lists become people sets, and each project's
labelers are written through its groups.

A list written two or more times (labelers, group members) becomes a shared set, in `people.yaml`.
Group members are always among the project's labelers, so a labelers list names the sets its groups
became and spells out only the rest: each member is written once, and adding someone to such a group
also assigns them. A group no other project has stays written out (docs/composition.md says why).
A set is named for the projects' common name prefix and the group it is (or `labelers`):
`signs-night`; sets that would share a name take the first project's name instead: `proj-0003-team-0`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from scaleform.export.names import join, plain, resolve, stem

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


def _shared(lists: dict[str, _Lists]) -> dict[Emails, str]:
    """Each list of two or more emails written by two or more (project, role) -> its set's name."""
    seen: dict[Emails, list[tuple[str, str]]] = defaultdict(list)
    for project, of in lists.items():
        for role, emails in of.all():
            if len(emails) > 1:  # a set of one saves nothing
                seen[emails].append((project, role))
    shared = [(emails, where) for emails, where in seen.items() if len(where) > 1]  # first-seen order
    names = resolve([_options(where) for _, where in shared])
    return {emails: name for (emails, _), name in zip(shared, names)}


def _options(where: list[tuple[str, str]]) -> list[str]:
    """A set's names, as `export.names` takes them: the common prefix of the projects using it and the
    role it plays there, the group's name when it is a group's members (the most frequent, then the
    first in order); then the first of those projects in place of the prefix."""
    projects = sorted({p for p, _ in where}, key=lambda p: (plain(p), p))
    groups = Counter(role for _, role in where if role != "labelers")
    role = min(groups, key=lambda g: (-groups[g], g)) if groups else "labelers"
    return [join(stem(projects), role) or "people", join(plain(projects[0]), role)]


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


def _parts(
    emails: Emails, groups: list[tuple[str, Emails]], names: dict[Emails, str], *, strict: bool
) -> list[tuple[str, Emails]]:
    """The named group lists inside `emails`; `strict` (for a set's own body): strictly inside, so
    two sets can never name each other."""
    whole = set(emails)
    return [
        (names[m], m)
        for _, m in groups
        if m in names and m != emails and (set(m) < whole if strict else set(m) <= whole)
    ]


def factor_people(specs: dict[str, dict[str, Any]]) -> PeopleSets:
    """People sets for the projects `specs` (name -> flat spec, sorted by name)."""
    lists = {project: _lists(spec) for project, spec in specs.items()}
    names = _shared(lists)
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
