"""The sandbox's account state in SQLite, and every operation the API offers on it.

Each public method is one API operation; it raises `SandboxError` with the HTTP status the real
service uses. The operations live in one module per resource; `Store` puts them together. Where
the API's behaviour is unclear, the conservative answer is chosen and listed in
docs/api-notes.md ("Sandbox").
"""

from __future__ import annotations

from scaleform.sandbox.assignments import AssignmentOps
from scaleform.sandbox.batches import BatchOps
from scaleform.sandbox.projects import ProjectOps
from scaleform.sandbox.team import TeamOps


class Store(TeamOps, AssignmentOps, ProjectOps, BatchOps):
    """One SQLite database; callers hold `lock` and commit per request."""

    def warm(self) -> None:
        """Answer each account-wide read once, before serving: the first assignment map is built
        and encoded from every assignment row, and this one thread would make every request that
        arrives meanwhile wait."""
        with self.transaction():
            self.list_team()
            self.list_projects()
            self.assignments_json()
            self.studio_batches()
