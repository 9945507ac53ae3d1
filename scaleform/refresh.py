"""API -> live state. Reads what the manifests touch and nothing more, concurrently.

`scope_for` decides what to read from the desired state; `refresh` reads it. The scope is stored
in saved plans so `apply --plan` can re-read exactly the same objects for its staleness check.
Any failed or malformed read aborts the refresh: a plan is never made from a partial read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from scaleform.api.errors import NotFound
from scaleform.api.parse import (
    parse_assignments,
    parse_batch,
    parse_batch_created,
    parse_groups,
    parse_projects,
    parse_studio_batches,
    parse_team,
)
from scaleform.api.typed import project_groups
from scaleform.model import DesiredState, LiveBatch, LiveGroup, LiveProject, LiveState

if TYPE_CHECKING:
    from scaleform.api.protocol import Client
    from scaleform.prefetch import Prefetch

T = TypeVar("T")


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RefreshScope:
        # A saved plan's scope, checked against the plan schema: its values fit the fields.
        known: dict[str, Any] = {
            k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in cls.__dataclass_fields__
        }
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
        batch_list=desired.batch_priority is not None and desired.batch_priority.default,
        group_projects=tuple(sorted(n for n, p in desired.projects.items() if p.groups is not None)),
        batch_names=tuple(sorted(n for n, b in desired.batches.items() if b.create or b.finalize)),
        emails=tuple(sorted(emails)),
        project_names=tuple(sorted(project_names)),
        labeler_projects=tuple(
            sorted(n for n, p in desired.projects.items() if p.labelers is not None or p.groups is not None)
        ),
        studio_batch_names=tuple(sorted(desired.batches)),
        priority=desired.batch_priority is not None,
    )


Progress = Callable[[int, int], None]


def has_groups(projects: Mapping[str, LiveProject], name: str) -> bool:
    """Only an existing project not reported as ordinary (`studio: false`) can have groups."""
    return name in projects and projects[name].studio is not False


async def refresh(
    client: Client,
    source: DesiredState | RefreshScope,
    progress: Progress | None = None,
    prefetch: Prefetch | None = None,
) -> tuple[LiveState, RefreshScope]:
    """The live state, and the scope it was read for. From the desired state (planning), the scope
    is the one it needs, grown by the groups of projects that lose a labeler (they must leave
    those groups first). From a saved plan's scope, that scope is final. With `prefetch`, a read
    it already started is awaited instead of being sent again."""
    reader = _Reader(client, progress, prefetch)
    if isinstance(source, RefreshScope):
        return await reader.read(source, None)
    return await reader.read(scope_for(source), source)


class _Reader:
    """One refresh: every read counted for progress, parsed as soon as it arrives (the parsing
    overlaps the reads still out), and taken from the prefetch when it already started there."""

    def __init__(self, client: Client, progress: Progress | None, prefetch: Prefetch | None):
        self.client, self.progress, self.prefetch = client, progress, prefetch
        self.total = self.done = 0
        self.projects_read: asyncio.Future[dict[str, LiveProject] | None] | None = None
        self.skipped: list[str] = []  # live objects whose names cannot be addressed safely

    async def tracked(self, coro: Awaitable[T]) -> T:
        self.total += 1
        try:
            return await coro
        finally:
            self.done += 1
            if self.progress:
                self.progress(self.done, self.total)

    async def account_read(
        self, name: str, call: Callable[[], Awaitable[Any]], parse: Callable[[Any], T], *, wanted: bool
    ) -> T | None:
        """An account-wide read (None when not wanted)."""
        if not wanted:
            return None
        started = self.prefetch.take(name) if self.prefetch else None
        return await self.tracked(self._parsed(started or call(), parse))

    @staticmethod
    async def _parsed(read: Awaitable[Any], parse: Callable[[Any], T]) -> T:
        return parse(await read)

    async def groups_of(self, project: str) -> tuple[str, dict[str, LiveGroup]]:
        started = self.prefetch.take_groups(project) if self.prefetch else None
        try:
            read = await project_groups(
                self.tracked(started or self.client.list_groups(project)), lambda: self.studio_flag(project)
            )
        except NotFound:
            return project, {}  # the project does not exist (yet)
        return project, parse_groups(project, read, self.skipped)

    async def studio_flag(self, project: str) -> bool | None:
        projects = await asyncio.shield(self.projects_read) if self.projects_read else None
        return projects[project].studio if projects and project in projects else None

    async def batch(self, name: str) -> tuple[str, LiveBatch | None]:
        try:
            return name, parse_batch(await self.tracked(self.client.get_batch(name)))
        except NotFound:
            return name, None

    async def all_groups(self, projects: Iterable[str]) -> dict[str, dict[str, LiveGroup]]:
        return dict(await asyncio.gather(*(self.groups_of(p) for p in projects)))

    async def read(self, scope: RefreshScope, desired: DesiredState | None) -> tuple[LiveState, RefreshScope]:
        client = self.client
        projects_read = self.projects_read = asyncio.ensure_future(
            self.account_read(
                "projects", client.list_projects, lambda data: parse_projects(data, self.skipped), wanted=scope.projects
            )
        )

        async def groups() -> dict[str, dict[str, LiveGroup]]:
            # A saved plan's scope is final. With `desired`, groups are read only for projects that
            # exist live and are not known to be ordinary (non-Studio) projects, which have none.
            if desired is None:
                return await self.all_groups(scope.group_projects)
            projects = await asyncio.shield(projects_read)
            return await self.all_groups(p for p in scope.group_projects if projects is None or has_groups(projects, p))

        # Two gathers, as typeshed types the results of six awaitables at most. The reads start in the
        # order one gather of all seven started them: the batch reads first (that inner gather ran as
        # the outer one's arguments were evaluated), then the account reads and groups().
        batches_read = asyncio.gather(*(self.batch(b) for b in scope.batch_names))
        account_reads = asyncio.gather(
            self.account_read("team", client.list_team, lambda data: parse_team(data, self.skipped), wanted=scope.team),
            self.account_read(
                "assignments",
                client.assignments,
                lambda data: parse_assignments(data, self.skipped),
                wanted=scope.assignments,
            ),
            projects_read,
            self.account_read(
                "studio_batches", client.studio_batches, parse_studio_batches, wanted=scope.studio_batches
            ),
            self.account_read("batch_list", client.list_batches, parse_batch_created, wanted=scope.batch_list),
            groups(),
        )
        (team, assignments, projects, studio, batch_created, live_groups), batches = await asyncio.gather(
            account_reads, batches_read
        )
        live = LiveState(
            team=team,
            assignments=assignments,
            projects=projects,
            groups=live_groups,
            studio_batches=studio,
            batches=dict(batches),
            batch_created=batch_created,
        )
        if desired is not None:
            live, scope = await self.groups_of_losing_projects(live, scope, desired)
        return replace(live, unaddressable=tuple(sorted(set(self.skipped)))), scope

    async def groups_of_losing_projects(
        self, live: LiveState, scope: RefreshScope, desired: DesiredState
    ) -> tuple[LiveState, RefreshScope]:
        """Stage 2: the groups of projects that lose a labeler (they leave its groups first)."""
        existing = (
            {p for p in live.projects if has_groups(live.projects, p)}
            if live.projects is not None
            else set(scope.group_projects)
        )
        wanted = {p for p in scope.group_projects if p in existing}
        losing = set()
        if live.assignments is not None:
            for name, project in desired.projects.items():
                if (
                    project.labelers is not None
                    and name in existing
                    and live.project_labelers(name) - set(project.labelers)
                ):
                    losing.add(name)
        extra = await self.all_groups(sorted(losing - set(live.groups)))
        unknown = _batches_to_look_up(live, scope, desired)
        found = dict(await asyncio.gather(*(self.batch(b) for b in unknown)))
        live = replace(live, groups={**live.groups, **extra}, batches={**live.batches, **found})
        return live, replace(
            scope,
            group_projects=tuple(sorted(wanted | losing)),
            batch_names=tuple(sorted({*scope.batch_names, *unknown})),
        )


def _batches_to_look_up(live: LiveState, scope: RefreshScope, desired: DesiredState) -> list[str]:
    """Declared batches neither pending in Studio nor read already: whether they exist at all
    decides between "add `create: true`" and "not pending, groups not managed now"."""
    if live.studio_batches is None:
        return []
    pending = {b.name for b in live.studio_batches}
    return sorted(n for n in desired.batches if n not in pending and n not in scope.batch_names)
