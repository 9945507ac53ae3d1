"""API -> live state. Reads what the manifests touch and nothing more, concurrently (DESIGN §5).

`scope_for` decides what to read from the desired state; `refresh` reads it. The scope is stored
in saved plans so `apply --plan` can re-read exactly the same objects for its staleness check.
Any failed or malformed read aborts the refresh: a plan is never made from a partial read.
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from scaleform.api.errors import BadResponse, NotFound
from scaleform.model import (DesiredState, LiveBatch, LiveGroup, LiveMember, LiveProject, LiveState,
                             LiveStudioBatch, Pipeline, normalize_choices)

if TYPE_CHECKING:
    from scaleform.prefetch import Prefetch


@dataclass(frozen=True)
class RefreshScope:
    team: bool = False
    assignments: bool = False
    projects: bool = False
    studio_batches: bool = False
    batch_list: bool = False
    group_projects: tuple[str, ...] = ()
    batch_names: tuple[str, ...] = ()
    # What fingerprints cover (so a saved plan can be checked without the manifests):
    emails: tuple[str, ...] = ()
    project_names: tuple[str, ...] = ()
    labeler_projects: tuple[str, ...] = ()
    studio_batch_names: tuple[str, ...] = ()
    priority: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RefreshScope":
        known = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def scope_for(desired: DesiredState) -> RefreshScope:
    emails: set[str] = set(desired.team or ())
    for p in desired.projects.values():
        emails.update(p.labelers or ())
        for g in (p.groups or {}).values():
            emails.update(g.members)
    for b in desired.batches.values():
        emails.update(g for g in (b.groups or ()) if "@" in g)
    touches_assignments = any(p.labelers is not None or p.groups is not None for p in desired.projects.values())
    project_names = set(desired.projects) | {b.project for b in desired.batches.values()}
    return RefreshScope(
        team=bool(emails) or desired.team is not None,
        assignments=touches_assignments,
        projects=bool(project_names),
        studio_batches=bool(desired.batches) or desired.batch_priority is not None,
        batch_list=desired.batch_priority == "default",
        group_projects=tuple(sorted(n for n, p in desired.projects.items() if p.groups is not None)),
        batch_names=tuple(sorted(n for n, b in desired.batches.items() if b.create or b.finalize)),
        emails=tuple(sorted(emails)),
        project_names=tuple(sorted(project_names)),
        labeler_projects=tuple(sorted(n for n, p in desired.projects.items()
                                      if p.labelers is not None or p.groups is not None)),
        studio_batch_names=tuple(sorted(desired.batches)),
        priority=desired.batch_priority is not None,
    )


# ---- parsing: API JSON -> live model (shape errors name the endpoint) ------------------------

def _field(obj: Any, key: str, kind: type | tuple, where: str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
        raise BadResponse("GET", where, 200, f"an entry lacks a valid '{key}' field: {str(obj)[:120]}")
    return obj[key]


def parse_team(data: Any) -> dict[str, LiveMember]:
    if not isinstance(data, list):
        raise BadResponse("GET", "/teams", 200, "expected a JSON array of teammates")
    out = {}
    for m in data:
        email = _field(m, "email", str, "/teams").lower()
        out[email] = LiveMember(email, _field(m, "role", str, "/teams"), m.get("expiry") if isinstance(m.get("expiry"), str) else None,
                                m.get("isStudioLabeler") if isinstance(m.get("isStudioLabeler"), bool) else None)
    return out


def parse_assignments(data: Any) -> dict[str, frozenset[str]]:
    if not isinstance(data, dict):
        raise BadResponse("GET", "/studio/assignments", 200, "expected a JSON object of email -> projects")
    out = {}
    for email, projects in data.items():
        if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
            raise BadResponse("GET", "/studio/assignments", 200, f"the projects of {email} are not a list of names")
        out[email.lower()] = frozenset(projects)
    return out


def parse_project(p: Any) -> LiveProject:
    name = _field(p, "name", str, "/projects")
    history = _field(p, "param_history", list, "/projects")
    params = None
    if history:
        last = history[-1]
        if not isinstance(last, dict):
            raise BadResponse("GET", "/projects", 200, f"param_history of {name} holds a non-object")
        params = {k: v for k, v in last.items() if k not in ("version", "created_at")}
    ontology = None
    onto_history = p.get("ontologyHistory")
    if isinstance(onto_history, list) and onto_history:
        last = onto_history[-1]
        choices = last.get("ontology", last.get("choices")) if isinstance(last, dict) else last
        if isinstance(choices, list):
            ontology = normalize_choices(choices)
    pipeline_known = "pipeline" in p
    pipeline = None
    if pipeline_known and isinstance(p.get("pipeline"), str):
        attempts = p.get("consensus_attempts")
        pipeline = Pipeline(p["pipeline"], attempts if isinstance(attempts, int) else None)
    return LiveProject(name=name, type=_field(p, "type", str, "/projects"),
                       studio=p.get("studio") if isinstance(p.get("studio"), bool) else None,
                       rapid=p.get("rapid") if isinstance(p.get("rapid"), bool) else None,
                       params=params, ontology=ontology, pipeline=pipeline, pipeline_known=pipeline_known)


def parse_groups(project: str, data: Any) -> dict[str, LiveGroup]:
    where = f"/studio/projects/{project}/groups"
    if not isinstance(data, list):
        raise BadResponse("GET", where, 200, "expected a JSON array of groups")
    out = {}
    for g in data:
        name = _field(g, "name", str, where)
        workers = g.get("workers") or []
        if not isinstance(workers, list):
            raise BadResponse("GET", where, 200, f"group {name} has malformed workers")
        members = frozenset(_field(w, "email", str, where).lower() for w in workers)
        out[name] = LiveGroup(name, members, bool(g.get("isSingleton")))
    return out


def parse_studio_batches(data: Any) -> tuple[LiveStudioBatch, ...]:
    if not isinstance(data, list):
        raise BadResponse("GET", "/studio/batches", 200, "expected a JSON array of batches")
    out = []
    for b in data:
        groups = _field(b, "groups", list, "/studio/batches")
        out.append(LiveStudioBatch(_field(b, "name", str, "/studio/batches"), _field(b, "projectName", str, "/studio/batches"),
                                   b.get("batchType") if isinstance(b.get("batchType"), str) else "Production",
                                   tuple(g.lower() if isinstance(g, str) and "@" in g else str(g) for g in groups)))
    return tuple(out)


def parse_batch(b: Any) -> LiveBatch:
    return LiveBatch(_field(b, "name", str, "/batches"), _field(b, "project", str, "/batches"),
                     _field(b, "status", str, "/batches"), b.get("created_at") if isinstance(b.get("created_at"), str) else None)


# ---- reading ---------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


async def refresh(client: Any, scope: RefreshScope, desired: DesiredState | None = None,
                  progress: Progress | None = None, prefetch: Prefetch | None = None) -> tuple[LiveState, RefreshScope]:
    """Read the live state for `scope`. With `desired`, also read the groups of projects that
    lose a labeler (they must leave those groups first); the returned scope includes them.
    With `prefetch`, a read it already started is awaited instead of being sent again."""
    total = [0]
    done = [0]

    async def tracked(coro: Awaitable) -> Any:
        total[0] += 1
        try:
            return await coro
        finally:
            done[0] += 1
            if progress:
                progress(done[0], total[0])

    async def groups_of(project: str) -> tuple[str, dict[str, LiveGroup]]:
        started = prefetch.take_groups(project) if prefetch else None
        try:
            return project, parse_groups(project, await (started or client.list_groups(project)))
        except NotFound:
            return project, {}  # the project does not exist (yet)

    async def batch(name: str) -> tuple[str, LiveBatch | None]:
        try:
            return name, parse_batch(await client.get_batch(name))
        except NotFound:
            return name, None

    async def nothing() -> None:
        return None

    # Stage 1: everything whose need is known from the manifests alone. With `desired`, groups are
    # read only for projects that exist live, so they start as soon as the project list arrives;
    # a saved plan's scope is already final.
    first_groups = () if desired is not None else scope.group_projects

    def read(wanted: bool, name: str, call: Callable[[], Awaitable], parse: Callable[[Any], Any]) -> Awaitable:
        """The read, parsed as soon as it arrives: the parsing overlaps the reads still out."""
        if not wanted:
            return nothing()

        async def parsed() -> Any:
            return parse(await ((prefetch.take(name) if prefetch else None) or call()))
        return tracked(parsed())

    def parse_projects(data: Any) -> dict[str, LiveProject]:
        _is_list(data, "/projects")
        return {p.name: p for p in map(parse_project, data)}

    def parse_batch_list(data: Any) -> dict[str, str]:
        return {_field(b, "name", str, "/batches"): str(b.get("created_at") or "") for b in data}

    projects_task = asyncio.ensure_future(read(scope.projects, "projects", client.list_projects, parse_projects))

    async def groups_after_projects() -> list:
        if desired is None:
            return list(await asyncio.gather(*(tracked(groups_of(p)) for p in first_groups)))
        projects = await asyncio.shield(projects_task)
        names = [p for p in scope.group_projects if projects is None or p in projects]
        return list(await asyncio.gather(*(tracked(groups_of(p)) for p in names)))

    jobs = [
        read(scope.team, "team", client.list_team, parse_team),
        read(scope.assignments, "assignments", client.assignments, parse_assignments),
        projects_task,
        read(scope.studio_batches, "studio_batches", client.studio_batches, parse_studio_batches),
        read(scope.batch_list, "batch_list", client.list_batches, parse_batch_list),
        groups_after_projects(),
        asyncio.gather(*(tracked(batch(b)) for b in scope.batch_names)),
    ]
    team, assignments, projects, studio, batch_created, groups, batches = await asyncio.gather(*jobs)
    live = LiveState(team=team, assignments=assignments, projects=projects, groups=dict(groups),
                     studio_batches=studio, batches=dict(batches), batch_created=batch_created)
    if desired is None:
        return live, scope
    # Stage 2: groups of projects that lose a labeler (they must leave that project's groups first).
    existing = set(live.projects) if live.projects is not None else set(scope.group_projects)
    wanted = {p for p in scope.group_projects if p in existing}
    losing = set()
    if live.assignments is not None:
        for name, project in desired.projects.items():
            if project.labelers is not None and name in existing and live.project_labelers(name) - set(project.labelers):
                losing.add(name)
    extra = await asyncio.gather(*(tracked(groups_of(p)) for p in sorted(losing - set(live.groups))))
    live = replace(live, groups={**live.groups, **dict(extra)})
    return live, replace(scope, group_projects=tuple(sorted(wanted | losing)))


def _is_list(value: Any, where: str) -> bool:
    if not isinstance(value, list):
        raise BadResponse("GET", where, 200, "expected a JSON array")
    return True
