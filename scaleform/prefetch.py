"""Reads started while the manifests still load, so the slowest part of a plan (the per-project
reads) overlaps the parsing instead of waiting for all of it.

Only plain documents (interpolation cannot change them) are used, and only for reads that
`scope_for` is bound to ask for once such a document is part of the manifests:
- a `team` section: the team list;
- any project: the project list; one with `labelers` or `groups`: the assignment map;
- `batches` or `batch_priority`: the Studio batch list;
- a project with `groups`: its groups, as soon as the project list shows it exists (refresh's
  stage 1 rule).
`refresh` takes a prefetched read only when its final scope asks for that very read, so a
prefetch can save time but never change a plan. Reads go through the same client, hence the same
parallelism limit. Reads go unused only when the load fails or the manifests name another
target; they are cancelled then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from scaleform.manifest.located import LocDict

if TYPE_CHECKING:
    from scaleform.api.protocol import Client, JsonArray


class Prefetch:
    def __init__(self, client: Client):
        self._client = client
        self._account: dict[str, asyncio.Task[Any]] = {}  # "team", "assignments", "projects", "studio_batches"
        self._groups: dict[str, asyncio.Task[JsonArray]] = {}
        self._waiting: list[str] = []  # projects with groups seen before the project list arrived
        # The names the project list gave (as the API wrote them: not checked to be strings yet).
        self._existing: set[object] | None = None

    def see(self, doc: LocDict) -> None:
        """Start the reads a plain document is known to need."""
        if isinstance(doc.get("team"), dict):
            self._start("team", self._client.list_team)
        if (isinstance(doc.get("batches"), dict) and doc["batches"]) or doc.get("batch_priority") is not None:
            self._start("studio_batches", self._client.studio_batches)
        projects = doc.get("projects")
        if not isinstance(projects, dict) or not projects:
            return
        if "projects" not in self._account:
            self._start("projects", self._client.list_projects).add_done_callback(self._projects_arrived)
        for name, spec in projects.items():
            if not isinstance(spec, dict):
                continue
            has_groups = isinstance(spec.get("groups"), dict)
            if has_groups or "labelers" in spec:
                self._start("assignments", self._client.assignments)
            if has_groups and isinstance(name, str):
                if self._existing is None:
                    self._waiting.append(name)
                else:
                    self._start_groups(name)

    def _start(self, read: str, call: Callable[[], Awaitable[Any]]) -> asyncio.Task[Any]:
        if read not in self._account:
            self._account[read] = asyncio.ensure_future(call())
        return self._account[read]

    def _projects_arrived(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or task.exception() is not None or not isinstance(task.result(), list):
            return  # refresh meets the same failure when it takes the list
        # Ordinary (`studio: false`) projects have no groups: refresh does not read them.
        self._existing = {
            p["name"]
            for p in task.result()
            if isinstance(p, dict) and isinstance(p.get("name"), str) and p.get("studio") is not False
        }
        for name in self._waiting:
            self._start_groups(name)
        self._waiting.clear()

    def _start_groups(self, name: str) -> None:
        # Only called once the project list arrived, when `_existing` is set.
        if self._existing is not None and name in self._existing and name not in self._groups:
            self._groups[name] = asyncio.ensure_future(self._client.list_groups(name))

    def take(self, read: str) -> asyncio.Task[Any] | None:
        """The started account-wide read (team, assignments, projects, studio_batches), if any."""
        return self._account.pop(read, None)

    def take_groups(self, project: str) -> asyncio.Task[JsonArray] | None:
        return self._groups.pop(project, None)

    def discard(self) -> None:
        """Cancel what was not taken (and consume the failures of what already ended)."""
        leftovers = [*self._account.values(), *self._groups.values()]
        self._account, self._groups, self._waiting = {}, {}, []
        for task in leftovers:
            if task.done():
                if not task.cancelled():
                    task.exception()
            else:
                task.cancel()
