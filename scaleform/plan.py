"""Changes -> an ordered plan: the fewest API calls that realize them (DESIGN §5), fingerprints of
what was read, and the versioned JSON form (schemas/plan.schema.json).

Batching rules: invites and role changes one call per role; assignment adds/removes grouped so
emails sharing a project set share a call (or projects sharing an email set, whichever needs
fewer calls); one create or PUT per group; one PUT per batch; one priority call.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Iterator

from scaleform import __version__
from scaleform.api import endpoints as ep
from scaleform.changes import Change, Unmanaged
from scaleform.diff import Diff
from scaleform.errors import ScaleformError
from scaleform.model import DesiredState, LiveState
from scaleform.refresh import RefreshScope

FORMAT_VERSION = "1.0"
_ADDRESS = re.compile(r"^(?P<head>[a-z_.]+)(?:\[(?P<a>[^\]]*)\])?(?:\.(?P<facet>[a-z_]+)(?:\[(?P<b>[^\]]*)\])?)?"
                      r"(?:\.member\[(?P<c>[^\]]*)\])?$")


@dataclass(frozen=True)
class Operation:
    phase: int
    method: str
    path: str
    body: Any
    realizes: tuple[str, ...]

    def to_json(self) -> dict:
        return {"phase": self.phase, "method": self.method, "path": self.path, "body": self.body,
                "realizes": list(self.realizes)}

    def sort_key(self) -> tuple:
        return (self.phase, self.path, json.dumps(self.body, sort_keys=True), self.realizes)


@dataclass(frozen=True)
class Plan:
    target: dict
    manifest_digest: str
    changes: tuple[Change, ...]
    deferred: tuple[Change, ...]
    suppressed: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]
    warnings: tuple[str, ...]
    operations: tuple[Operation, ...]
    fingerprints: Mapping[str, str]
    scope: RefreshScope
    safety: dict = field(default_factory=dict)

    @property
    def summary(self) -> dict:
        count = lambda action: sum(1 for c in self.changes if c.action == action)  # noqa: E731
        return {"add": count("create"), "change": count("update"), "remove": count("delete"),
                "deferred": len(self.deferred), "suppressed": len(self.suppressed)}

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.deferred)

    def to_json(self) -> dict:
        return {
            "format_version": FORMAT_VERSION, "scaleform_version": __version__, "target": self.target,
            "manifest_digest": self.manifest_digest, "summary": self.summary,
            "changes": [c.to_json() for c in self.changes], "deferred": [c.to_json() for c in self.deferred],
            "suppressed": [c.to_json() for c in self.suppressed], "unmanaged": [u.to_json() for u in self.unmanaged],
            "warnings": list(self.warnings), "operations": [o.to_json() for o in self.operations],
            "fingerprints": dict(self.fingerprints), "refresh_scope": self.scope.to_json(), "safety": self.safety,
        }

    @classmethod
    def from_json(cls, data: Any, source: str = "plan file") -> "Plan":
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise ScaleformError(f"{source} is not a scaleform plan (format_version {FORMAT_VERSION}); make it "
                                 "with `scaleform plan --out FILE`")
        try:
            def change(c: dict) -> Change:
                return Change(c["address"], c["action"], c.get("before"), c.get("after"), c.get("reason", ""),
                              kind_of(c["address"]), 0, c.get("why"))
            return cls(
                target=dict(data["target"]), manifest_digest=data["manifest_digest"],
                changes=tuple(map(change, data["changes"])), deferred=tuple(map(change, data["deferred"])),
                suppressed=tuple(map(change, data["suppressed"])),
                unmanaged=tuple(Unmanaged(u["address"], u["reason"]) for u in data["unmanaged"]),
                warnings=tuple(data["warnings"]),
                operations=tuple(Operation(o["phase"], o["method"], o["path"], o.get("body"), tuple(o["realizes"]))
                                 for o in data["operations"]),
                fingerprints=dict(data["fingerprints"]), scope=RefreshScope.from_json(data["refresh_scope"]),
                safety=dict(data.get("safety") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScaleformError(f"{source} is damaged or incomplete ({type(exc).__name__}: {exc})") from None


def kind_of(address: str) -> str:
    if address.startswith("team."):
        return "member"
    if address == "studio.batch_priority":
        return "batch_priority"
    if not address.endswith("]"):  # a facet: the suffix after the last bracket decides
        facet = address[address.rindex("]") + 2:]
        if address.startswith("batch["):
            return {"status": "batch_status", "groups": "batch_groups"}.get(facet, "batch")
        return facet if facet in ("params", "ontology", "pipeline") else "project"
    if address.startswith("batch["):
        return "batch"
    if ".member[" in address:
        return "group_member"
    if ".group[" in address:
        return "group"
    if ".labeler[" in address:
        return "labeler"
    return "project"


def _inside(address: str) -> list[str]:
    """The bracketed names of an address, in order (names may contain anything but `]`)."""
    return re.findall(r"\[([^\]]*)\]", address)


# ---- operations -------------------------------------------------------------------------------

def _grouped_pairs(pairs: dict[tuple[str, str], str]) -> list[tuple[list[str], list[str], list[str]]]:
    """(email, project) -> address, grouped into the fewest calls: (emails, projects, addresses)."""
    by_email: dict[str, set[str]] = defaultdict(set)
    by_project: dict[str, set[str]] = defaultdict(set)
    for email, project in pairs:
        by_email[email].add(project)
        by_project[project].add(email)
    sets_a: dict[frozenset, list[str]] = defaultdict(list)  # project set -> emails
    for email, projects in by_email.items():
        sets_a[frozenset(projects)].append(email)
    sets_b: dict[frozenset, list[str]] = defaultdict(list)  # email set -> projects
    for project, emails in by_project.items():
        sets_b[frozenset(emails)].append(project)
    calls = ([(sorted(emails), sorted(projects)) for projects, emails in sets_a.items()]
             if len(sets_a) <= len(sets_b) else [(sorted(emails), sorted(projects)) for emails, projects in sets_b.items()])
    out = []
    for emails, projects in sorted(calls, key=lambda c: (c[1], c[0])):
        addresses = sorted(pairs[(e, p)] for e in emails for p in projects)
        out.append((emails, projects, addresses))
    return out


def build_operations(changes: Iterable[Change], desired: DesiredState) -> list[Operation]:
    ops: list[Operation] = []
    invites: dict[str, list[Change]] = defaultdict(list)
    roles: dict[str, list[Change]] = defaultdict(list)
    projects: dict[str, dict[str, Change]] = defaultdict(dict)
    adds: dict[tuple[str, str], str] = {}
    removes: dict[tuple[str, str], str] = {}
    group_creates: dict[tuple[str, str], Change] = {}
    group_members: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: {"add": [], "remove": [], "addr": []})
    batches: dict[str, dict[str, Change]] = defaultdict(dict)
    priority: Change | None = None

    for c in changes:
        names = _inside(c.address)
        if c.kind == "member":
            (invites if c.action == "create" else roles)[c.after["role"]].append(c)
        elif c.kind in ("project", "params", "ontology", "pipeline"):
            projects[names[0]][c.kind] = c
        elif c.kind == "labeler":
            (adds if c.action == "create" else removes)[(names[1], names[0])] = c.address
        elif c.kind == "group":
            group_creates[(names[0], names[1])] = c
        elif c.kind == "group_member":
            slot = group_members[(names[0], names[1])]
            slot["add" if c.action == "create" else "remove"].append(names[2])
            slot["addr"].append(c.address)
        elif c.kind in ("batch", "batch_status", "batch_groups"):
            batches[names[0]][c.kind] = c
        elif c.kind == "batch_priority":
            priority = c

    for role, items in sorted(invites.items()):
        method, path, body = ep.invite([_inside(c.address)[0] for c in items], role)
        ops.append(Operation(1, method, path, body, tuple(sorted(c.address for c in items))))
    for role, items in sorted(roles.items()):
        method, path, body = ep.set_role([_inside(c.address)[0] for c in items], role)
        ops.append(Operation(1, method, path, body, tuple(sorted(c.address for c in items))))

    for name, facets in sorted(projects.items()):
        dp = desired.projects.get(name)
        if "project" in facets:
            realized = [facets[k].address for k in ("project", "params", "pipeline") if k in facets]
            call = ep.create_project(name, dp.type, studio=bool(dp.studio), rapid=bool(dp.rapid),
                                     params=facets["params"].after if "params" in facets else None,
                                     pipeline=facets["pipeline"].after if "pipeline" in facets else None)
            ops.append(Operation(2, *call, tuple(sorted(realized))))
        else:
            if "params" in facets:
                ops.append(Operation(3, *ep.set_params(name, facets["params"].after), (facets["params"].address,)))
            if "pipeline" in facets:
                ops.append(Operation(3, *ep.update_pipeline(name, facets["pipeline"].after), (facets["pipeline"].address,)))
        if "ontology" in facets:
            after = facets["ontology"].after
            ops.append(Operation(3, *ep.set_ontology(name, after["choices"], after.get("name")),
                                 (facets["ontology"].address,)))

    for name, facets in sorted(batches.items()):
        if "batch" in facets:
            spec = desired.batches[name]
            ops.append(Operation(4, *ep.create_batch(spec.project, name, calibration=spec.calibration_batch,
                                                     self_label=spec.self_label_batch), (facets["batch"].address,)))
        if "batch_status" in facets:
            ops.append(Operation(4, *ep.finalize_batch(name), (facets["batch_status"].address,)))
        if "batch_groups" in facets:
            ops.append(Operation(7, *ep.assign_studio_batch(name, facets["batch_groups"].after),
                                 (facets["batch_groups"].address,)))

    for emails, projs, addresses in _grouped_pairs(adds):
        ops.append(Operation(5, *ep.add_assignments(emails, projs), tuple(addresses)))
    for emails, projs, addresses in _grouped_pairs(removes):
        ops.append(Operation(9, *ep.remove_assignments(emails, projs), tuple(addresses)))

    for (project, group), c in sorted(group_creates.items()):
        slot = group_members.pop((project, group), {"add": [], "addr": []})
        ops.append(Operation(6, *ep.create_group(project, group, slot["add"]), tuple(sorted([c.address, *slot["addr"]]))))
    for (project, group), slot in sorted(group_members.items()):
        ops.append(Operation(6, *ep.update_group(project, group, slot["add"], slot["remove"]), tuple(sorted(slot["addr"]))))

    if priority is not None:
        call = ep.reset_priorities() if priority.after == "default" else ep.set_priorities(priority.after)
        ops.append(Operation(8, *call, (priority.address,)))
    return sorted(ops, key=Operation.sort_key)


# ---- fingerprints -----------------------------------------------------------------------------

def _default(value: Any) -> Any:
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {k: getattr(value, k) for k in fields}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(type(value).__name__)


# One encoder for every digest: json.dumps with options builds a new one per call (a third of the
# time for 4,000 objects).
_encode = json.JSONEncoder(sort_keys=True, default=_default).encode


def _digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(_encode(value).encode()).hexdigest()


def live_objects(live: LiveState, scope: RefreshScope) -> dict[str, Any]:
    """Every live object the plan read, by address ("absent" included)."""
    out: dict[str, Any] = {}
    if scope.team:
        for email in scope.emails:
            out[f"team.member[{email}]"] = (live.team or {}).get(email) or "absent"
    if scope.projects:
        for name in scope.project_names:
            out[f"project[{name}]"] = (live.projects or {}).get(name) or "absent"
    if scope.assignments:
        for name in scope.labeler_projects:
            out[f"project[{name}].labelers"] = sorted(live.project_labelers(name))
    for name in scope.group_projects:
        out[f"project[{name}].groups"] = {g: sorted(v.members) for g, v in live.groups.get(name, {}).items()}
    for name in scope.batch_names:
        out[f"batch[{name}]"] = live.batches.get(name) or "absent"
    if scope.studio_batches:
        studio = {b.name: b for b in live.studio_batches or ()}
        for name in scope.studio_batch_names:
            out[f"batch[{name}].groups"] = list(studio[name].groups) if name in studio else "not pending"
        if scope.priority:
            out["studio.batch_priority"] = [b.name for b in live.studio_batches or ()]
    if scope.batch_list:
        out["studio.batch_priority.created_at"] = live.batch_created
    return out


def fingerprints(live: LiveState, scope: RefreshScope) -> dict[str, str]:
    return {address: _digest(value) for address, value in sorted(live_objects(live, scope).items())}


class Fingerprints(Mapping[str, str]):
    """`fingerprints(live, scope)`, computed on first use. Only a saved or JSON plan shows them,
    and for a 3,000-member account they take 20-30 ms that a text plan would spend for nothing."""

    def __init__(self, live: LiveState, scope: RefreshScope):
        self._live, self._scope = live, scope

    @cached_property
    def _digests(self) -> dict[str, str]:
        return fingerprints(self._live, self._scope)

    def __getitem__(self, address: str) -> str:
        return self._digests[address]

    def __iter__(self) -> Iterator[str]:
        return iter(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def __repr__(self) -> str:  # without computing them
        return f"Fingerprints({self._digests!r})" if "_digests" in self.__dict__ else "Fingerprints(not yet computed)"


def moved(plan: Plan, current: dict[str, str]) -> list[str]:
    return sorted(a for a in set(plan.fingerprints) | set(current) if plan.fingerprints.get(a) != current.get(a))


# ---- assembling -------------------------------------------------------------------------------

def build_plan(desired: DesiredState, live: LiveState, changes: Diff, scope: RefreshScope, target: dict,
               manifest_digest: str) -> Plan:
    safety = {kind: {"remove": n, "live": total} for kind, (n, total) in changes.removals.items()}
    return Plan(
        target=target, manifest_digest=manifest_digest, changes=tuple(changes.changes),
        deferred=tuple(changes.deferred), suppressed=tuple(changes.suppressed), unmanaged=tuple(changes.unmanaged),
        warnings=tuple(sorted(set(changes.warnings))), operations=tuple(build_operations(changes.changes, desired)),
        fingerprints=Fingerprints(live, scope), scope=scope, safety=safety,
    )


def filter_target(plan: Plan, prefixes: Iterable[str], desired: DesiredState) -> Plan:
    """Keep changes whose address starts with one of `prefixes` (--target)."""
    prefixes = tuple(prefixes)
    if not prefixes:
        return plan
    keep = lambda c: c.address.startswith(prefixes)  # noqa: E731
    changes = tuple(c for c in plan.changes if keep(c))
    return Plan(plan.target, plan.manifest_digest, changes, tuple(c for c in plan.deferred if keep(c)),
                tuple(c for c in plan.suppressed if keep(c)), plan.unmanaged,
                plan.warnings + ("targeting is in effect: the plan may be incomplete (--target "
                                 + ", ".join(prefixes) + ")",),
                tuple(build_operations(changes, desired)), plan.fingerprints, plan.scope, plan.safety)
