"""Changes -> the fewest API calls that realize them, each in its phase.

Batching rules: invites and role changes one call per role; assignment adds/removes grouped so
emails sharing a project set share a call (or projects sharing an email set, whichever needs
fewer calls); one create or PUT per group; one PUT per batch; one priority call.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scaleform.address import (
    PERSON_ADDRESSES,
    Address,
    GroupAddress,
    GroupMemberAddress,
    Kind,
    LabelerAddress,
    MemberAddress,
    PriorityAddress,
    ProjectAddress,
)
from scaleform.api import endpoints as ep
from scaleform.changes import Change
from scaleform.kinds import CALL_PHASE, KINDS, Call, Phase

__all__ = ["Call", "Operation", "build_operations", "call_for", "grouped_pairs"]  # Call: the kinds table's


@dataclass(frozen=True)
class Operation:
    call: Call
    phase: Phase
    method: str
    path: str
    body: Any
    realizes: tuple[Address, ...]
    # What reads a create back before it is sent again (endpoints attach it); not part of the plan.
    check: ep.Check | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "method": self.method,
            "path": self.path,
            "body": self.body,
            "realizes": [a.text for a in self.realizes],
        }

    def sort_key(self) -> tuple[int, str, str, tuple[str, ...]]:
        return (self.phase, self.path, json.dumps(self.body, sort_keys=True), tuple(a.text for a in self.realizes))

    def request(self) -> ep.Request:
        """What the client sends; a create carries the check that reads it back before a resend."""
        return ep.Request(self.method, self.path, self.body, self.check)


def call_for(realized: list[Change]) -> Call:
    """The call that realizes these changes (as build_operations groups them): a new project's or
    group's create takes in its facets and first members; otherwise the kinds table says."""
    kinds = {c.kind for c in realized}
    if Kind.PROJECT in kinds:
        return Call.CREATE_PROJECT
    if Kind.GROUP in kinds:
        return Call.CREATE_GROUP
    first = realized[0]
    if first.kind is Kind.BATCH_PRIORITY and first.after == "default":
        return Call.RESET_PRIORITIES
    return KINDS[first.kind].calls[first.action]


def _operation(request: ep.Request, realized: list[Change]) -> Operation:
    """The operation that sends `request` to carry out `realized`; its call and phase follow."""
    call = call_for(realized)
    method, path, body = request
    addresses = tuple(sorted((c.address for c in realized), key=lambda a: a.text))
    return Operation(call, CALL_PHASE[call], method, path, body, addresses, request.check)


T = TypeVar("T")


def grouped_pairs(pairs: dict[tuple[str, str], T]) -> list[tuple[list[str], list[str], list[T]]]:
    """(email, project) -> item, grouped into the fewest calls: (emails, projects, their items)."""
    by_email: dict[str, set[str]] = defaultdict(set)
    by_project: dict[str, set[str]] = defaultdict(set)
    for email, project in pairs:
        by_email[email].add(project)
        by_project[project].add(email)
    emails_by_projects: dict[frozenset[str], list[str]] = defaultdict(list)
    for email, projects in by_email.items():
        emails_by_projects[frozenset(projects)].append(email)
    projects_by_emails: dict[frozenset[str], list[str]] = defaultdict(list)
    for project, emails in by_project.items():
        projects_by_emails[frozenset(emails)].append(project)
    if len(emails_by_projects) <= len(projects_by_emails):
        calls = [(sorted(emails), sorted(projects)) for projects, emails in emails_by_projects.items()]
    else:
        calls = [(sorted(emails), sorted(projects)) for emails, projects in projects_by_emails.items()]
    return [
        (emails, projects, [pairs[(e, p)] for e in emails for p in projects])
        for emails, projects in sorted(calls, key=lambda c: (c[1], c[0]))
    ]


@dataclass
class _ChangesByCall:
    """The changes of a plan, sorted by the call family that realizes them."""

    invites: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))
    projects: dict[str, dict[Kind, Change]] = field(default_factory=lambda: defaultdict(dict))
    adds: dict[tuple[str, str], Change] = field(default_factory=dict)
    removes: dict[tuple[str, str], Change] = field(default_factory=dict)
    group_creates: dict[tuple[str, str], Change] = field(default_factory=dict)
    group_members: dict[tuple[str, str], list[Change]] = field(default_factory=lambda: defaultdict(list))
    priority: Change | None = None
    singles: list[Change] = field(default_factory=list)  # of the kinds in endpoints.PER_CHANGE

    def add(self, c: Change) -> None:
        if c.kind in ep.PER_CHANGE:
            self.singles.append(c)
            return
        match c.address:
            case MemberAddress():
                (self.invites if c.action == "create" else self.roles)[c.after["role"]].append(c)
            case ProjectAddress(project=project) if c.kind is not Kind.ONTOLOGY:
                self.projects[project][c.kind] = c
            case LabelerAddress(project=project, email=email):
                (self.adds if c.action == "create" else self.removes)[(email, project)] = c
            case GroupAddress(project=project, group=group):
                self.group_creates[(project, group)] = c
            case GroupMemberAddress(project=project, group=group):
                self.group_members[(project, group)].append(c)
            case PriorityAddress():
                self.priority = c
            case _:
                raise ValueError(f"no call makes a {c.kind.value} change")


def build_operations(changes: Iterable[Change]) -> list[Operation]:
    """The operations that realize `changes`, from the changes alone: a saved plan's are rebuilt
    with this same function and must come out identical."""
    found = _ChangesByCall()
    for c in changes:
        found.add(c)
    ops = [*_team_ops(found), *_project_ops(found), *_assignment_ops(found), *_group_ops(found)]
    if found.priority is not None:
        p = found.priority
        request = ep.reset_priorities() if p.after == "default" else ep.set_priorities(p.after)
        ops.append(_operation(request, [p]))
    ops += [_operation(ep.PER_CHANGE[c.kind](c), [c]) for c in found.singles]
    return sorted(ops, key=Operation.sort_key)


def _team_ops(found: _ChangesByCall) -> list[Operation]:
    ops = []
    for requests, items_by_role in ((ep.invite, found.invites), (ep.set_role, found.roles)):
        for role, items in sorted(items_by_role.items()):
            ops.append(_operation(requests([_email(c) for c in items], role), items))
    return ops


def _project_ops(found: _ChangesByCall) -> list[Operation]:
    ops = []
    for name, facets in sorted(found.projects.items()):
        params, pipeline = facets.get(Kind.PARAMS), facets.get(Kind.PIPELINE)
        if Kind.PROJECT in facets:
            created = facets[Kind.PROJECT].after
            request = ep.create_project(
                name,
                created["type"],
                studio=created["studio"],
                rapid=created["rapid"],
                params=params.after if params else None,
                pipeline=pipeline.after if pipeline else None,
            )
            ops.append(_operation(request, [c for c in (facets[Kind.PROJECT], params, pipeline) if c is not None]))
        else:
            if params is not None:
                ops.append(_operation(ep.set_params(name, params.after), [params]))
            if pipeline is not None:
                ops.append(_operation(ep.update_pipeline(name, pipeline.after), [pipeline]))
    return ops


def _assignment_ops(found: _ChangesByCall) -> list[Operation]:
    ops = []
    for requests, pairs in ((ep.add_assignments, found.adds), (ep.remove_assignments, found.removes)):
        for emails, projects, changes in grouped_pairs(pairs):
            ops.append(_operation(requests(emails, projects), changes))
    return ops


def _email(change: Change) -> str:
    """The email a teammate's or a group member's change is about."""
    a = change.address
    if not isinstance(a, PERSON_ADDRESSES):
        raise ValueError(f"{a} names no person")
    return a.email


def _group_ops(found: _ChangesByCall) -> list[Operation]:
    ops = []
    members = dict(found.group_members)
    for (project, group), created in sorted(found.group_creates.items()):
        joining = members.pop((project, group), [])
        request = ep.create_group(project, group, [_email(c) for c in joining if c.action == "create"])
        ops.append(_operation(request, [created, *joining]))
    for (project, group), changes in sorted(members.items()):
        add = [_email(c) for c in changes if c.action == "create"]
        remove = [_email(c) for c in changes if c.action != "create"]
        ops.append(_operation(ep.update_group(project, group, add, remove), changes))
    return ops
