"""Studio assignments (who works on which project) and each project's labeler groups."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from scaleform.model import ACTIVE_ROLES
from scaleform.sandbox.assignment_cache import EncodedJSON
from scaleform.sandbox.base import SandboxError, StoreBase, worker_id
from scaleform.sandbox.fields import strings, text


class AssignmentOps(StoreBase):
    # -- assignments ----------------------------------------------------------------------------
    def assignments(self) -> dict[str, list[str]]:
        """email -> project names (sorted), for every active member (kept in memory)."""
        return self.assignment_cache.current(self.db, ACTIVE_ROLES)

    def assignments_json(self) -> EncodedJSON:
        """The map as the JSON the API sends (byte for byte what JSONResponse would render)."""
        return self.assignment_cache.encoded(self.assignments())

    def _assignment_args(self, body: dict[str, Any]) -> tuple[list[str], list[str]]:
        emails = [e.lower() for e in strings(body, "emails")]
        projects = strings(body, "projects")
        for p in projects:
            self._project(p)
        return emails, projects

    def assign(self, body: dict[str, Any]) -> EncodedJSON:
        """Add assignments; answers with the whole map, as the API does."""
        emails, projects = self._assignment_args(body)
        for email in emails:
            row = self._member(email)
            if row is None or row["role"] not in ACTIVE_ROLES:
                state = "not a member of this team" if row is None else f"not an active member (role {row['role']})"
                raise SandboxError(400, f"{email} is {state}; only active members can be assigned")
        amap = self.assignments()
        self.db.executemany(
            "INSERT OR IGNORE INTO assignments VALUES (?,?)", [(e, p) for e in emails for p in projects]
        )
        self.assignment_cache.added(amap, emails, projects)
        return self.assignments_json()

    def unassign(self, body: dict[str, Any]) -> EncodedJSON:
        """Remove assignments; answers with the whole map, as the API does."""
        emails = [e.lower() for e in strings(body, "emails")]
        if body.get("projects") is None:  # the API marks projects optional: then every assignment goes
            projects = self._projects_of(emails)
        else:
            projects = strings(body, "projects")
        for p in projects:
            self._project(p)
        amap = self.assignments()
        for email in emails:
            for p in projects:
                self.db.execute("DELETE FROM assignments WHERE email=? AND project=?", (email, p))
                self._leave_groups(email, p)
            self.assignment_cache.removed(amap, email, projects)
        return self.assignments_json()

    def _projects_of(self, emails: list[str]) -> list[str]:
        """The projects any of `emails` is assigned to (one query each: a list of emails may be
        longer than SQLite takes as parameters)."""
        found: set[str] = set()
        for email in set(emails):
            found.update(r[0] for r in self.db.execute("SELECT project FROM assignments WHERE email=?", (email,)))
        return sorted(found)

    def _leave_groups(self, email: str, project: str) -> None:
        """Nobody can be in a group of a project they are not assigned to."""
        for g in self.db.execute("SELECT * FROM groups WHERE project=?", (project,)).fetchall():
            members = json.loads(g["members"])
            if email in members:
                members.remove(email)
                self.db.execute(
                    "UPDATE groups SET members=? WHERE project=? AND name=?", (json.dumps(members), project, g["name"])
                )

    # -- groups ---------------------------------------------------------------------------------
    def _group_json(self, row: sqlite3.Row) -> dict[str, Any]:
        members = json.loads(row["members"])
        return {
            "id": row["id"],
            "name": row["name"],
            "numWorkers": len(members),
            "isSingleton": False,
            "workers": [{"id": worker_id(e), "email": e} for e in members],
        }

    def _studio_project(self, project: str) -> None:
        """Groups exist only in Studio projects; the API's answer elsewhere is assumed to be a 400."""
        if not self._project(project)["studio"]:
            raise SandboxError(400, f"Project {project!r} is not a Studio project")

    def list_groups(self, project: str) -> list[dict[str, Any]]:
        self._studio_project(project)
        return [
            self._group_json(r)
            for r in self.db.execute("SELECT * FROM groups WHERE project=? ORDER BY seq", (project,))
        ]

    def _check_assigned(self, project: str, emails: list[str]) -> None:
        for email in emails:
            if not self._assigned(email, project):
                raise SandboxError(
                    400, f"{email} must be assigned to project {project!r} to be added to one of its groups"
                )

    def create_group(self, project: str, body: dict[str, Any]) -> dict[str, Any]:
        self._studio_project(project)
        name = text(body, "name", required=True)
        emails = sorted({e.lower() for e in strings(body, "emails")})
        if self.db.execute("SELECT 1 FROM groups WHERE project=? AND name=?", (project, name)).fetchone():
            raise SandboxError(409, f"A group named {name!r} already exists in project {project!r}")
        self._check_assigned(project, emails)
        self.db.execute(
            "INSERT INTO groups VALUES (?,?,?,?,?)",
            (project, name, self.new_id(2), json.dumps(emails), self.next_seq()),
        )
        return self._group_json(self._group(project, name))

    def _group(self, project: str, name: str) -> sqlite3.Row:
        self._project(project)
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM groups WHERE project=? AND name=?", (project, name)
        ).fetchone()
        if row is None:
            raise SandboxError(404, f"Group {name!r} not found in project {project!r}")
        return row

    def update_group(self, project: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        row = self._group(project, name)
        add = [e.lower() for e in strings(body, "add_emails", required=False)]
        remove = {e.lower() for e in strings(body, "remove_emails", required=False)}
        self._check_assigned(project, add)
        members = [m for m in json.loads(row["members"]) if m not in remove]
        members = sorted(set(members) | set(add))
        self.db.execute("UPDATE groups SET members=? WHERE project=? AND name=?", (json.dumps(members), project, name))
        return self._group_json(self._group(project, name))
