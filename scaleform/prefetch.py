"""Reads started while the manifests still load, so the slowest part of a plan (the per-project
reads) overlaps the parsing instead of waiting for all of it.

Only plain documents (no `$`) are used: interpolation cannot change them, so the projects they
declare, and whether those declare `groups`, are final once the file is parsed. Such a document
starts the project list; each of its projects with `groups` then has its groups requested as
soon as the list shows the project exists. These are exactly the reads `refresh` would make for
them (refresh.py, stage 1). `refresh` takes a prefetched read only when its final scope asks for
that very read, so a prefetch can save time but never change a plan. Reads go through the same
client, hence the same parallelism limit. Guesses go unused only when the load fails; they are
cancelled then.
"""
from __future__ import annotations

import asyncio
from typing import Any

from scaleform.manifest.located import LocDict


class Prefetch:
    def __init__(self, client: Any):
        self._client = client
        self.projects: asyncio.Task | None = None
        self._groups: dict[str, asyncio.Task] = {}
        self._waiting: list[str] = []  # projects with groups seen before the project list arrived
        self._existing: set[str] | None = None

    def see(self, doc: LocDict) -> None:
        """Start the reads a plain document is known to need."""
        projects = doc.get("projects")
        if not isinstance(projects, dict) or not projects:
            return
        if self.projects is None:
            self.projects = asyncio.ensure_future(self._client.list_projects())
            self.projects.add_done_callback(self._projects_arrived)
        for name, spec in projects.items():
            if isinstance(name, str) and isinstance(spec, dict) and isinstance(spec.get("groups"), dict):
                if self._existing is None:
                    self._waiting.append(name)
                else:
                    self._start_groups(name)

    def _projects_arrived(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is not None or not isinstance(task.result(), list):
            return  # refresh meets the same failure when it takes the list
        self._existing = {p.get("name") for p in task.result() if isinstance(p, dict)}
        for name in self._waiting:
            self._start_groups(name)
        self._waiting.clear()

    def _start_groups(self, name: str) -> None:
        if name in self._existing and name not in self._groups:  # type: ignore[operator]
            self._groups[name] = asyncio.ensure_future(self._client.list_groups(name))

    def take_projects(self) -> asyncio.Task | None:
        task, self.projects = self.projects, None
        return task

    def take_groups(self, project: str) -> asyncio.Task | None:
        return self._groups.pop(project, None)

    @property
    def started(self) -> int:
        """Reads started and not yet taken."""
        return len(self._groups) + (self.projects is not None)

    def discard(self) -> None:
        """Cancel what was not taken (and consume the failures of what already ended)."""
        leftovers = [t for t in [self.projects, *self._groups.values()] if t is not None]
        self.projects, self._groups, self._waiting = None, {}, []
        for task in leftovers:
            if task.done():
                if not task.cancelled():
                    task.exception()
            else:
                task.cancel()
