"""The sandbox's account state in SQLite, and every operation the API offers on it.

Each public method is one API operation; it raises `ApiError` with the HTTP status the real
service uses (scale-api.md §7). Where the reference leaves a question open, the conservative
answer is chosen and listed in the README's "Sandbox fidelity" section.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

TASK_TYPES = frozenset("""annotation categorization comparison cuboidannotation datacollection documentmodel
documenttranscription imageannotation laneannotation lidarannotation lidarlinking lidarsegmentation
lidartopdown lineannotation namedentityrecognition pointannotation polygonannotation segmentannotation
transcription textcollection videoannotation videoboxannotation videoplaybackannotation
videocuboidannotation sensorfusion chat chatexperimental chatlite multichat multistage
federal2dvideoannotation""".split())
ACTIVE = ("admin", "manager", "member", "labeler")
SETTABLE = ("labeler", "member", "manager")
PIPELINES = ("standard_task", "consensus_task")
INVITE_DAYS = 7

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS team (email TEXT PRIMARY KEY, role TEXT NOT NULL, invited_role TEXT,
  expiry TEXT, first_name TEXT, last_name TEXT, company TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS projects (name TEXT PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL,
  studio INTEGER NOT NULL, rapid INTEGER NOT NULL, pipeline TEXT, consensus_attempts INTEGER,
  created_at TEXT NOT NULL, param_history TEXT NOT NULL, ontology_history TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (email TEXT NOT NULL, project TEXT NOT NULL, PRIMARY KEY (email, project));
CREATE INDEX IF NOT EXISTS assignments_by_project ON assignments (project);
CREATE TABLE IF NOT EXISTS groups (project TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL,
  members TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (project, name));
CREATE TABLE IF NOT EXISTS batches (name TEXT PRIMARY KEY, id TEXT NOT NULL, project TEXT NOT NULL,
  status TEXT NOT NULL, created_at TEXT NOT NULL, calibration INTEGER NOT NULL, self_label INTEGER NOT NULL,
  callback TEXT, metadata TEXT NOT NULL, groups TEXT NOT NULL, priority INTEGER NOT NULL,
  total INTEGER NOT NULL, completed INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL, ended REAL,
  method TEXT, path TEXT, status INTEGER);
"""


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@lru_cache(maxsize=65536)
def worker_id(email: str) -> str:
    """A stable 24-hex id for a teammate (the API's ids are opaque; only stability matters)."""
    return hashlib.sha1(email.encode()).hexdigest()[:24]


def _strings(value: Any, field: str, required: bool = True) -> list[str]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f'Parameter is invalid, reason: "{field}" must be an array of strings')
    return value


class EncodedJSON(bytes):
    """A response body that is already JSON: the app sends it as is."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # as starlette's JSONResponse


class Store:
    """One SQLite database; callers hold `lock` and commit per request."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            # No fsync per commit: the event loop must not stall on the disk (WAL stays consistent).
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self.lock = threading.RLock()
        self._amap: dict[str, list[str]] | None = None
        self._amap_version = -1
        # The encoded entries of _frags_of, in its order; _pos finds an email's entry, and the
        # entries of _stale are re-encoded before the next answer.
        self._frags: list[str] = []
        self._pos: dict[str, int] = {}
        self._stale: set[str] = set()
        self._frags_of: dict[str, list[str]] | None = None

    # -- transactions and clock ---------------------------------------------------------------
    def transaction(self) -> "_Tx":
        return _Tx(self)

    def _meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def now(self) -> datetime:
        """Wall-clock time, strictly increasing per database (so creation order is total)."""
        last = self._meta("clock")
        now = datetime.now(timezone.utc).replace(microsecond=(datetime.now().microsecond // 1000) * 1000)
        if last:
            prev = parse_iso(last)
            if now <= prev:
                now = prev + timedelta(milliseconds=1)
        self._set_meta("clock", iso(now))
        return now

    def set_clock(self, when: datetime) -> None:
        self._set_meta("clock", iso(when))

    def next_seq(self) -> int:
        n = int(self._meta("seq", "0")) + 1
        self._set_meta("seq", str(n))
        return n

    def new_id(self, kind: int) -> str:
        return f"{kind:04x}{self.next_seq():020x}"

    # -- team -----------------------------------------------------------------------------------
    def _member_json(self, row: sqlite3.Row) -> dict:
        out: dict[str, Any] = {"email": row["email"], "role": row["role"]}
        if row["role"] == "invited":
            out["expiry"] = row["expiry"]
            out["isStudioLabeler"] = row["invited_role"] == "labeler"
        else:
            out["isStudioLabeler"] = row["role"] == "labeler"
            for src, dst in (("company", "company"), ("first_name", "firstName"), ("last_name", "lastName")):
                if row[src]:
                    out[dst] = row[src]
            out["disableRapidEmails"] = False
        return out

    def list_team(self) -> list[dict]:
        return [self._member_json(r) for r in self.db.execute("SELECT * FROM team ORDER BY seq")]

    def _member(self, email: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM team WHERE email=?", (email.lower(),)).fetchone()

    def add_member(self, email: str, role: str, *, first: str | None = None, last: str | None = None,
                   company: str | None = None, invited_role: str | None = None, expiry: str | None = None) -> None:
        if role == "admin" and self.db.execute("SELECT 1 FROM team WHERE role='admin'").fetchone():
            raise ApiError(400, "A team can only have one admin")
        self.db.execute("INSERT INTO team VALUES (?,?,?,?,?,?,?,?)",
                        (email.lower(), role, invited_role, expiry, first, last, company, self.next_seq()))
        self._team_changed()

    def invite(self, body: dict) -> list[dict]:
        emails = [e.lower() for e in _strings(body.get("emails"), "emails")]
        role = body.get("team_role")
        if role not in SETTABLE:
            raise ApiError(400, f'Parameter is invalid, reason: "team_role" must be one of {", ".join(SETTABLE)}')
        if not emails:
            raise ApiError(400, 'Parameter is invalid, reason: "emails" must not be empty')
        for email in emails:
            row = self._member(email)
            if row is not None and row["role"] != "invited":
                raise ApiError(409, f"{email} is already a member of this team")
        expiry = iso(self.now() + timedelta(days=INVITE_DAYS))
        for email in emails:
            if self._member(email) is not None:  # re-invite: a fresh expiry and role
                self.db.execute("UPDATE team SET expiry=?, invited_role=? WHERE email=?", (expiry, role, email))
            else:
                self.add_member(email, "invited", invited_role=role, expiry=expiry)
        return self.list_team()

    def set_role(self, body: dict) -> list[dict]:
        emails = [e.lower() for e in _strings(body.get("emails"), "emails")]
        role = body.get("team_role")
        if role not in SETTABLE:
            raise ApiError(400, f'Parameter is invalid, reason: "team_role" must be one of {", ".join(SETTABLE)}')
        for email in emails:
            row = self._member(email)
            if row is None:
                raise ApiError(400, f"{email} is not a member of this team")
            if row["role"] == "admin":
                raise ApiError(400, "The admin's role cannot be changed; contact support to change the admin")
            if row["role"] == "invited":
                raise ApiError(400, f"{email} has not accepted the invitation yet")
        for email in emails:
            self.db.execute("UPDATE team SET role=? WHERE email=?", (role, email))
        self._team_changed()
        return self.list_team()

    def accept_invites(self, emails: Iterable[str] = ()) -> list[str]:
        wanted = {e.lower() for e in emails}
        accepted = []
        for row in self.db.execute("SELECT * FROM team WHERE role='invited' ORDER BY seq").fetchall():
            if wanted and row["email"] not in wanted:
                continue
            self.db.execute("UPDATE team SET role=?, expiry=NULL WHERE email=?", (row["invited_role"], row["email"]))
            accepted.append(row["email"])
        self._team_changed()
        return accepted

    # -- assignments ----------------------------------------------------------------------------
    def assignments(self) -> dict[str, list[str]]:
        """email -> project names (sorted), for every active member.

        add/remove return this whole map, so it is kept in memory and updated by this store's own
        writes; it is rebuilt only when another connection changed the database (data_version)."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._amap is None or version != self._amap_version:
            got = dict(self.db.execute("SELECT email, json_group_array(project) FROM "
                                       "(SELECT email, project FROM assignments ORDER BY email, project) GROUP BY email"))
            self._amap = {e: json.loads(got.get(e, "[]")) for (e,) in self.db.execute(
                f"SELECT email FROM team WHERE role IN {ACTIVE} ORDER BY seq")}
            self._amap_version = version
        return self._amap

    def assignments_json(self) -> "EncodedJSON":
        """The map as the JSON the API sends (byte for byte what JSONResponse would render).

        add and remove answer with the whole map: 3,000 members in the benchmark. Encoding it
        afresh took 3 ms on the sandbox's single thread for every call, which serialized
        concurrent calls. Each member's entry is encoded once, then kept until that member's
        assignments change (only those are encoded again) or the map is rebuilt."""
        amap = self.assignments()
        if self._frags_of is not amap or not self._stale <= self._pos.keys():
            self._frags_of, self._stale = amap, set()
            self._pos = {email: i for i, email in enumerate(amap)}
            self._frags = [_dumps(email) + ":" + _dumps(projects) for email, projects in amap.items()]
        for email in self._stale:
            self._frags[self._pos[email]] = _dumps(email) + ":" + _dumps(amap[email])
        self._stale.clear()
        return EncodedJSON(("{" + ",".join(self._frags) + "}").encode("utf-8"))

    def _team_changed(self) -> None:
        self._amap = None

    def warm(self) -> None:
        """Answer each account-wide read once, before serving. The first assignment map is built
        and encoded from 9,000 rows (40 ms against 2 ms once cached, in the large fixture), and
        this one thread would make every request that arrives meanwhile wait; a real service
        does not answer its first caller from a cold start."""
        with self.transaction():
            self.list_team()
            self.list_projects()
            self.assignments_json()
            self.studio_batches()

    def _assignment_args(self, body: dict) -> tuple[list[str], list[str]]:
        emails = [e.lower() for e in _strings(body.get("emails"), "emails")]
        projects = _strings(body.get("projects"), "projects")
        for p in projects:
            self._project(p)
        return emails, projects

    def assign(self, body: dict) -> "EncodedJSON":
        """Add assignments; answers with the whole map, as the API does."""
        emails, projects = self._assignment_args(body)
        for email in emails:
            row = self._member(email)
            if row is None or row["role"] not in ACTIVE:
                state = "not a member of this team" if row is None else f"not an active member (role {row['role']})"
                raise ApiError(400, f"{email} is {state}; only active members can be assigned")
        amap = self.assignments()
        self.db.executemany("INSERT OR IGNORE INTO assignments VALUES (?,?)",
                            [(e, p) for e in emails for p in projects])
        for e in emails:
            self._stale.add(e)
            current = amap.setdefault(e, [])
            for p in projects:
                if p not in current:
                    bisect.insort(current, p)
        return self.assignments_json()

    def unassign(self, body: dict) -> "EncodedJSON":
        """Remove assignments; answers with the whole map, as the API does."""
        emails = [e.lower() for e in _strings(body.get("emails"), "emails")]
        projects = body.get("projects")
        if projects is None:  # seed 000 marks projects optional: unassign everything
            projects = [r["project"] for r in self.db.execute(
                f"SELECT DISTINCT project FROM assignments WHERE email IN ({','.join('?' * len(emails))})", emails)]
        projects = _strings(projects, "projects")
        for p in projects:
            self._project(p)
        amap = self.assignments()
        for email in emails:
            self._stale.add(email)
            for p in projects:
                self.db.execute("DELETE FROM assignments WHERE email=? AND project=?", (email, p))
                if p in amap.get(email, ()):
                    amap[email].remove(p)
                # Nobody can be in a group of a project they are not assigned to.
                for g in self.db.execute("SELECT * FROM groups WHERE project=?", (p,)).fetchall():
                    members = json.loads(g["members"])
                    if email in members:
                        members.remove(email)
                        self.db.execute("UPDATE groups SET members=? WHERE project=? AND name=?",
                                        (json.dumps(members), p, g["name"]))
        return self.assignments_json()

    def _assigned(self, email: str, project: str) -> bool:
        return self.db.execute("SELECT 1 FROM assignments WHERE email=? AND project=?",
                               (email, project)).fetchone() is not None

    # -- projects -------------------------------------------------------------------------------
    def _one(self, table: str, what: str, name: str) -> sqlite3.Row:
        """The row named `name`, or the API's 404."""
        row = self.db.execute(f"SELECT * FROM {table} WHERE name=?", (name,)).fetchone()
        if row is None:
            raise ApiError(404, f"{what} with name {name!r} not found.")
        return row

    def _project(self, name: str) -> sqlite3.Row:
        return self._one("projects", "Project", name)

    def _project_json(self, row: sqlite3.Row) -> dict:
        out: dict[str, Any] = {
            "id": row["id"], "name": row["name"], "type": row["type"], "created_at": row["created_at"],
            "studio": bool(row["studio"]), "rapid": bool(row["rapid"]),
            "param_history": json.loads(row["param_history"]),
            "ontologyHistory": json.loads(row["ontology_history"]),
        }
        if row["studio"]:
            out["pipeline"] = row["pipeline"]
            if row["consensus_attempts"] is not None:
                out["consensus_attempts"] = row["consensus_attempts"]
        return out

    def list_projects(self, archived: str | None = None) -> list[dict]:
        if archived in ("true", "True"):
            return []  # the sandbox never archives projects
        return [self._project_json(r) for r in self.db.execute("SELECT * FROM projects ORDER BY seq")]

    def get_project(self, name: str) -> dict:
        return self._project_json(self._project(name))

    def create_project(self, body: dict) -> dict:
        name, ptype = body.get("name"), body.get("type")
        if not isinstance(name, str) or not name:
            raise ApiError(400, 'Parameter is invalid, reason: "name" is required')
        if ptype not in TASK_TYPES:
            raise ApiError(400, f'Parameter is invalid, reason: "type" must be a task type, got {ptype!r}')
        if self.db.execute("SELECT 1 FROM projects WHERE name=?", (name,)).fetchone():
            raise ApiError(409, f"A project with name {name!r} already exists.")
        studio, rapid = bool(body.get("studio")), bool(body.get("rapid"))
        params = body.get("params")
        if params is not None and not isinstance(params, dict):
            raise ApiError(400, 'Parameter is invalid, reason: "params" must be an object')
        pipeline, attempts = self._pipeline_args(body, studio, required=False)
        now = iso(self.now())
        history = [] if params is None else [{"version": 0, "created_at": now, **params}]
        self.db.execute("INSERT INTO projects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (name, self.new_id(1), ptype, int(studio), int(rapid),
                         pipeline or ("standard_task" if studio else None), attempts, now,
                         json.dumps(history), "[]", self.next_seq()))
        return self.get_project(name)

    def _pipeline_args(self, body: dict, studio: bool, required: bool) -> tuple[str | None, int | None]:
        pipeline, attempts = body.get("pipeline"), body.get("consensus_attempts")
        if pipeline is None and attempts is None and not required:
            return None, None
        if not studio:
            raise ApiError(400, "Pipeline configuration is only available for Studio projects")
        if pipeline not in PIPELINES:
            raise ApiError(400, 'Parameter is invalid, reason: "pipeline" must be standard_task or consensus_task')
        if attempts is not None:
            if pipeline != "consensus_task":
                raise ApiError(400, '"consensus_attempts" is only valid with the consensus_task pipeline')
            if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
                raise ApiError(400, '"consensus_attempts" must be a positive integer')
        return pipeline, attempts

    def set_params(self, name: str, body: dict) -> dict:
        row = self._project(name)
        body = dict(body or {})
        patch = body.pop("patch", False)
        history = json.loads(row["param_history"])
        latest = {k: v for k, v in (history[-1] if history else {}).items() if k not in ("version", "created_at")}
        params = {**latest, **body} if patch else body
        version = history[-1]["version"] + 1 if history else 0
        history.append({"version": version, "created_at": iso(self.now()), **params})
        self.db.execute("UPDATE projects SET param_history=? WHERE name=?", (json.dumps(history), name))
        return self.get_project(name)

    def set_ontology(self, name: str, body: dict) -> dict:
        row = self._project(name)
        ontology = (body or {}).get("ontology")
        if not isinstance(ontology, list) or not ontology:
            raise ApiError(400, 'Parameter is invalid, reason: "ontology" is required and must be a non-empty array')
        seen: set[str] = set()
        _check_choices(ontology, seen)
        history = json.loads(row["ontology_history"])
        entry = {"version": len(history), "created_at": iso(self.now()), "ontology": ontology}
        if isinstance(body.get("name"), str):
            entry["name"] = body["name"]
        history.append(entry)
        self.db.execute("UPDATE projects SET ontology_history=? WHERE name=?", (json.dumps(history), name))
        return self.get_project(name)

    def update_pipeline(self, name: str, body: dict) -> dict:
        row = self._project(name)
        pipeline, attempts = self._pipeline_args(body or {}, bool(row["studio"]), required=True)
        self.db.execute("UPDATE projects SET pipeline=?, consensus_attempts=? WHERE name=?", (pipeline, attempts, name))
        return self.get_project(name)

    # -- groups ---------------------------------------------------------------------------------
    def _group_json(self, row: sqlite3.Row) -> dict:
        members = json.loads(row["members"])
        return {"id": row["id"], "name": row["name"], "numWorkers": len(members), "isSingleton": False,
                "workers": [{"id": worker_id(e), "email": e} for e in members]}

    def list_groups(self, project: str) -> list[dict]:
        self._project(project)
        return [self._group_json(r) for r in self.db.execute("SELECT * FROM groups WHERE project=? ORDER BY seq",
                                                              (project,))]

    def _check_assigned(self, project: str, emails: list[str]) -> None:
        for email in emails:
            if not self._assigned(email, project):
                raise ApiError(400, f"{email} must be assigned to project {project!r} to be added to one of its groups")

    def create_group(self, project: str, body: dict) -> dict:
        self._project(project)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise ApiError(400, 'Parameter is invalid, reason: "name" is required')
        emails = sorted({e.lower() for e in _strings(body.get("emails"), "emails")})
        if self.db.execute("SELECT 1 FROM groups WHERE project=? AND name=?", (project, name)).fetchone():
            raise ApiError(409, f"A group named {name!r} already exists in project {project!r}")
        self._check_assigned(project, emails)
        self.db.execute("INSERT INTO groups VALUES (?,?,?,?,?)",
                        (project, name, self.new_id(2), json.dumps(emails), self.next_seq()))
        return self._group_json(self._group(project, name))

    def _group(self, project: str, name: str) -> sqlite3.Row:
        self._project(project)
        row = self.db.execute("SELECT * FROM groups WHERE project=? AND name=?", (project, name)).fetchone()
        if row is None:
            raise ApiError(404, f"Group {name!r} not found in project {project!r}")
        return row

    def update_group(self, project: str, name: str, body: dict) -> dict:
        row = self._group(project, name)
        add = [e.lower() for e in _strings(body.get("add_emails"), "add_emails", required=False)]
        remove = {e.lower() for e in _strings(body.get("remove_emails"), "remove_emails", required=False)}
        self._check_assigned(project, add)
        members = [m for m in json.loads(row["members"]) if m not in remove]
        members = sorted(set(members) | set(add))
        self.db.execute("UPDATE groups SET members=? WHERE project=? AND name=?", (json.dumps(members), project, name))
        return self._group_json(self._group(project, name))

    # -- batches --------------------------------------------------------------------------------
    def _batch(self, name: str) -> sqlite3.Row:
        return self._one("batches", "Batch", name)

    def _batch_json(self, row: sqlite3.Row) -> dict:
        return {"project": row["project"], "name": row["name"], "status": row["status"],
                "callback": row["callback"] or "", "created_at": row["created_at"],
                "metadata": json.loads(row["metadata"]), "calibration_batch": bool(row["calibration"]),
                "self_label_batch": bool(row["self_label"])}

    def create_batch(self, body: dict) -> dict:
        name, project = body.get("name"), body.get("project")
        if not isinstance(name, str) or not name or not isinstance(project, str):
            raise ApiError(400, 'Parameter is invalid, reason: "name" and "project" are required')
        prow = self._project(project)
        if self.db.execute("SELECT 1 FROM batches WHERE name=?", (name,)).fetchone():
            raise ApiError(409, f"A batch with name {name!r} already exists.")
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ApiError(400, 'Parameter is invalid, reason: "metadata" must be an object')
        status = "staging" if (prow["studio"] or prow["rapid"]) else "in_progress"
        top = self.db.execute("SELECT COALESCE(MAX(priority), 0) FROM batches").fetchone()[0]
        self.db.execute("INSERT INTO batches VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (name, self.new_id(3), project, status, iso(self.now()), int(bool(body.get("calibration_batch"))),
                         int(bool(body.get("self_label_batch"))), body.get("callback") or "", json.dumps(metadata),
                         "[]", top + 1, 0, 0, self.next_seq()))
        return self._batch_json(self._batch(name))

    def get_batch(self, name: str) -> dict:
        return self._batch_json(self._batch(name))

    def list_batches(self, query: dict[str, str]) -> dict:
        sql, args = "SELECT * FROM batches WHERE 1=1", []
        for param, clause in (("project", "project=?"), ("status", "status=?"), ("start_time", "created_at>=?"),
                              ("end_time", "created_at<=?")):
            if query.get(param):
                sql += f" AND {clause}"
                args.append(query[param])
        try:
            limit = int(query.get("limit") or 100)
            offset = int(query.get("offset") or 0)
        except ValueError:
            raise ApiError(400, 'Parameter is invalid, reason: "limit" and "offset" must be integers') from None
        if not 1 <= limit <= 100 or offset < 0:
            raise ApiError(400, 'Parameter is invalid, reason: "limit" must be 1-100 and "offset" >= 0')
        rows = self.db.execute(sql + " ORDER BY created_at DESC, seq DESC", args).fetchall()
        page = rows[offset:offset + limit]
        return {"docs": [self._batch_json(r) for r in page], "totalDocs": len(rows), "total": len(rows),
                "limit": limit, "offset": offset, "has_more": offset + len(page) < len(rows)}

    def finalize(self, name: str) -> dict:
        row = self._batch(name)
        prow = self._project(row["project"])
        if row["status"] == "staging" and (prow["studio"] or prow["rapid"]):
            self.db.execute("UPDATE batches SET status='in_progress' WHERE name=?", (name,))
        return self.get_batch(name)

    def batch_status(self, name: str) -> dict:
        row = self._batch(name)
        return {"status": row["status"], "pending": row["total"] - row["completed"], "completed": row["completed"],
                "error": 0, "canceled": 0}

    # -- studio batches -------------------------------------------------------------------------
    def _pending(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT b.*, p.id AS project_id FROM batches b JOIN projects p ON p.name=b.project "
            "WHERE p.studio=1 AND b.status IN ('staging','in_progress') ORDER BY b.priority, b.seq").fetchall()

    def _studio_json(self, row: sqlite3.Row, position: int) -> dict:
        return {"id": row["id"], "name": row["name"], "projectId": row["project_id"], "projectName": row["project"],
                "batchType": "Calibration" if row["calibration"] else "Production", "studioPriority": position,
                "total": row["total"], "completed": row["completed"], "groups": json.loads(row["groups"])}

    def studio_batches(self) -> list[dict]:
        return [self._studio_json(r, i + 1) for i, r in enumerate(self._pending())]

    def assign_studio_batch(self, name: str, body: dict) -> dict:
        pending = {r["name"]: r for r in self._pending()}
        if name not in pending:
            self._batch(name)
            raise ApiError(400, f"Batch {name!r} is not a pending Studio batch")
        groups = _strings(body.get("groups"), "groups")
        project = pending[name]["project"]
        known = {r["name"] for r in self.db.execute("SELECT name FROM groups WHERE project=?", (project,))}
        out = []
        for g in groups:
            if g in known:
                out.append(g)
            elif "@" in g and self._assigned(g.lower(), project):
                out.append(g.lower())
            else:
                raise ApiError(400, f"{g!r} is neither a group of project {project!r} nor a teammate assigned to it")
        self.db.execute("UPDATE batches SET groups=? WHERE name=?", (json.dumps(out), name))
        row = next(r for r in self._pending() if r["name"] == name)
        return self._studio_json(row, [r["name"] for r in self._pending()].index(name) + 1)

    def set_priorities(self, body: dict) -> list[dict]:
        items = body.get("batches")
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
            raise ApiError(400, 'Parameter is invalid, reason: "batches" must be an array of {"name": ...}')
        names = [i["name"] for i in items]
        pending = [r["name"] for r in self._pending()]
        if len(set(names)) != len(names):
            raise ApiError(400, "Each batch may appear only once")
        if set(names) != set(pending):
            missing = sorted(set(pending) - set(names))
            extra = sorted(set(names) - set(pending))
            raise ApiError(400, "You must include ALL of the pending batches in your request"
                           + (f"; missing: {', '.join(missing)}" if missing else "")
                           + (f"; not pending: {', '.join(extra)}" if extra else ""))
        for i, name in enumerate(names):
            self.db.execute("UPDATE batches SET priority=? WHERE name=?", (i + 1, name))
        return self.studio_batches()

    def reset_priorities(self) -> list[dict]:
        rows = sorted(self._pending(), key=lambda r: (0 if r["calibration"] else 1, r["created_at"], r["seq"]))
        for i, r in enumerate(rows):
            self.db.execute("UPDATE batches SET priority=? WHERE name=?", (i + 1, r["name"]))
        return self.studio_batches()

    # -- request log ----------------------------------------------------------------------------
    def log_request(self, started: float, ended: float, method: str, path: str, status: int) -> None:
        self.db.execute("INSERT INTO requests (started, ended, method, path, status) VALUES (?,?,?,?,?)",
                        (started, ended, method, path, status))

    def requests(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM requests ORDER BY id")]

    def clear_requests(self) -> None:
        self.db.execute("DELETE FROM requests")


def _check_choices(choices: list, seen: set[str]) -> None:
    for c in choices:
        if isinstance(c, str):
            label = c
        elif isinstance(c, dict) and isinstance(c.get("choice"), str):
            label = c["choice"]
            sub = c.get("subchoices")
            if sub is not None:
                if not isinstance(sub, list):
                    raise ApiError(400, '"subchoices" must be an array')
        else:
            raise ApiError(400, "Each ontology entry must be a string or an object with a \"choice\"")
        if label in seen:
            raise ApiError(400, f"Ontology choices and their subchoices must be unique throughout the ontology: {label!r}")
        seen.add(label)
        if isinstance(c, dict) and c.get("subchoices"):
            _check_choices(c["subchoices"], seen)


class _Tx:
    """BEGIN IMMEDIATE … COMMIT/ROLLBACK under the store's lock: one transaction per request."""

    def __init__(self, store: Store):
        self.store = store

    def __enter__(self) -> Store:
        self.store.lock.acquire()
        self.store.db.execute("BEGIN IMMEDIATE")
        return self.store

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type:
                self.store._amap = None  # the cached map may hold this transaction's changes
            self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store.lock.release()
