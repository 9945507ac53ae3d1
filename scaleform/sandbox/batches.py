"""Batches, and the Studio view of them: group assignment and priority order."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from scaleform.sandbox.base import BATCH_COLUMNS, SandboxError, StoreBase, iso
from scaleform.sandbox.batch_query import STATUSES, parse_batch_query
from scaleform.sandbox.fields import flag, mapping, strings, text


def batch_json(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "project": row["project"],
        "name": row["name"],
        "status": row["status"],
        "callback": row["callback"] or "",
        "created_at": row["created_at"],
        "metadata": json.loads(row["metadata"]),
        "calibration_batch": bool(row["calibration"]),
        "self_label_batch": bool(row["self_label"]),
    }
    for field in ("completed_at", "audited_at"):  # shown once the batch has one
        if row[field]:
            out[field] = row[field]
    return out


def studio_json(row: sqlite3.Row, position: int) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "projectId": row["project_id"],
        "projectName": row["project"],
        "batchType": "Calibration" if row["calibration"] else "Production",
        "studioPriority": position,
        "total": row["total"],
        "completed": row["completed"],
        "groups": json.loads(row["groups"]),
    }


class BatchOps(StoreBase):
    # -- batches --------------------------------------------------------------------------------
    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        name, project = text(body, "name", required=True), text(body, "project", required=True)
        calibration, self_label = flag(body, "calibration_batch"), flag(body, "self_label_batch")
        callback, metadata = text(body, "callback") or "", mapping(body, "metadata") or {}
        prow = self._project(project)
        if self.db.execute("SELECT 1 FROM batches WHERE name=?", (name,)).fetchone():
            raise SandboxError(409, f"A batch with name {name!r} already exists.")
        status = "staging" if (prow["studio"] or prow["rapid"]) else "in_progress"
        top = self.db.execute("SELECT COALESCE(MAX(priority), 0) FROM batches").fetchone()[0]
        self.db.execute(
            f"INSERT INTO batches ({BATCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                name,
                self.new_id(3),
                project,
                status,
                iso(self.now()),
                int(calibration),
                int(self_label),
                callback,
                json.dumps(metadata),
                "[]",
                top + 1,
                0,
                0,
                self.next_seq(),
            ),
        )
        return batch_json(self._batch(name))

    def get_batch(self, name: str) -> dict[str, Any]:
        return batch_json(self._batch(name))

    def list_batches(self, query: dict[str, str]) -> dict[str, Any]:
        q = parse_batch_query(query)
        sql, args = "SELECT * FROM batches WHERE 1=1", []
        for clause, value in (("project=?", q.project), ("status=?", q.status)):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        rows = [r for r in self.db.execute(sql + " ORDER BY created_at DESC, seq DESC", args) if q.matches(r)]
        limit, offset = q.limit, q.offset
        page = rows[offset : offset + limit]
        return {
            "docs": [batch_json(r) for r in page],
            "totalDocs": len(rows),
            "total": len(rows),
            "limit": limit,
            "offset": offset,
            "has_more": offset + len(page) < len(rows),
        }

    def finalize(self, name: str) -> dict[str, Any]:
        row = self._batch(name)
        prow = self._project(row["project"])
        if row["status"] == "staging" and (prow["studio"] or prow["rapid"]):
            self.db.execute("UPDATE batches SET status='in_progress' WHERE name=?", (name,))
        return self.get_batch(name)

    def set_batch_progress(
        self, name: str, status: str | None = None, completed_at: str | None = None, audited_at: str | None = None
    ) -> dict[str, Any]:
        """Move a batch on as its tasks would (no API call does): a `completed` status without a
        time is completed now. For fixtures, tests and the account twin."""
        row = self._batch(name)
        if status is not None and status not in STATUSES:
            raise SandboxError(400, f"unknown batch status {status!r}")
        status = status or row["status"]
        if status == "completed" and completed_at is None and not row["completed_at"]:
            completed_at = iso(self.now())
        self.db.execute(
            "UPDATE batches SET status=?, completed_at=COALESCE(?, completed_at), "
            "audited_at=COALESCE(?, audited_at) WHERE name=?",
            (status, completed_at, audited_at, name),
        )
        return self.get_batch(name)

    def batch_status(self, name: str) -> dict[str, Any]:
        row = self._batch(name)
        return {
            "status": row["status"],
            "pending": row["total"] - row["completed"],
            "completed": row["completed"],
            "error": 0,
            "canceled": 0,
        }

    # -- studio batches -------------------------------------------------------------------------
    def _pending(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT b.*, p.id AS project_id FROM batches b JOIN projects p ON p.name=b.project "
            "WHERE p.studio=1 AND b.status IN ('staging','in_progress') ORDER BY b.priority, b.seq"
        ).fetchall()

    def studio_batches(self) -> list[dict[str, Any]]:
        return [studio_json(r, i + 1) for i, r in enumerate(self._pending())]

    def assign_studio_batch(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        pending = {r["name"]: r for r in self._pending()}
        if name not in pending:
            self._batch(name)
            raise SandboxError(400, f"Batch {name!r} is not a pending Studio batch")
        groups = strings(body, "groups")
        project = pending[name]["project"]
        known = {r["name"] for r in self.db.execute("SELECT name FROM groups WHERE project=?", (project,))}
        out: list[str] = []
        for g in groups:
            if g in known:
                out.append(g)
            elif "@" in g and self._assigned(g.lower(), project):
                out.append(g.lower())
            else:
                raise SandboxError(
                    400, f"{g!r} is neither a group of project {project!r} nor a teammate assigned to it"
                )
        self.db.execute("UPDATE batches SET groups=? WHERE name=?", (json.dumps(out), name))
        row = next(r for r in self._pending() if r["name"] == name)
        return studio_json(row, [r["name"] for r in self._pending()].index(name) + 1)

    def set_priorities(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        items = body.get("batches")
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("name"), str) for i in items
        ):
            raise SandboxError(400, 'Parameter is invalid, reason: "batches" must be an array of {"name": ...}')
        names = [i["name"] for i in items]
        pending = [r["name"] for r in self._pending()]
        if len(set(names)) != len(names):
            raise SandboxError(400, "Each batch may appear only once")
        if set(names) != set(pending):
            missing = sorted(set(pending) - set(names))
            extra = sorted(set(names) - set(pending))
            raise SandboxError(
                400,
                "You must include ALL of the pending batches in your request"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not pending: {', '.join(extra)}" if extra else ""),
            )
        self._set_order(names)
        return self.studio_batches()

    def reset_priorities(self) -> list[dict[str, Any]]:
        rows = sorted(self._pending(), key=lambda r: (0 if r["calibration"] else 1, r["created_at"], r["seq"]))
        self._set_order([r["name"] for r in rows])
        return self.studio_batches()

    def _set_order(self, names: list[str]) -> None:
        for i, name in enumerate(names):
            self.db.execute("UPDATE batches SET priority=? WHERE name=?", (i + 1, name))
