"""The sandbox's database layer: schema, connection, transactions, clock, ids and row lookups.

Every resource module (team, projects, assignments and groups, batches) builds on `StoreBase`;
`SandboxError` carries the HTTP status the real service answers with.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar, overload
from urllib.parse import quote

from scaleform.errors import ScaleformError
from scaleform.sandbox.assignment_cache import AssignmentCache

# The columns a new batch row fills (completed_at and audited_at are set later, if ever).
BATCH_COLUMNS = (
    "name, id, project, status, created_at, calibration, self_label, callback, metadata, groups, "
    "priority, total, completed, seq"
)

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
  total INTEGER NOT NULL, completed INTEGER NOT NULL, seq INTEGER NOT NULL, completed_at TEXT, audited_at TEXT);
CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL, ended REAL,
  method TEXT, path TEXT, status INTEGER);
"""


MARKER = ("format", "scaleform-sandbox/1")  # the meta row that says a database is a sandbox
_TABLES = {"meta", "team", "projects", "assignments", "groups", "batches", "requests"}


def is_sandbox_db(path: str | Path) -> bool:
    """Whether the existing file at `path` is a scaleform sandbox: it carries the marker, or (made
    before the marker existed) every sandbox table. Only reads; a foreign file stays untouched."""
    try:
        # The path is percent-encoded: a `?` or `#` in it would otherwise end the file name. With no
        # -wal file beside it, the file holds everything: read it immutable, so that not even a WAL
        # database gets -wal and -shm files made beside it. A -wal file means a writer: read through it.
        resolved = Path(path).resolve()
        still = "" if resolved.with_name(resolved.name + "-wal").exists() else "&immutable=1"
        db = sqlite3.connect(f"file:{quote(resolved.as_posix())}?mode=ro{still}", uri=True)
    except sqlite3.Error:
        return False
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" in tables and db.execute("SELECT 1 FROM meta WHERE key=? AND value=?", MARKER).fetchone():
            return True
        return _TABLES <= tables
    except sqlite3.Error:
        return False
    finally:
        db.close()


class SandboxError(Exception):
    """A sandbox operation refused, with the HTTP status and message the app answers."""

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


# The store class a transaction was opened on: `with store.transaction() as s` gives `s` its type.
_S = TypeVar("_S", bound="StoreBase")


class StoreBase:
    """One SQLite database; callers hold `lock` and commit per request."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if Path(self.path).is_symlink() and not Path(self.path).exists():  # opening would create it there
            raise ScaleformError(
                f"sandbox database '{self.path}' is a link to a file that does not exist; it was left untouched. "
                "Remove it, or create the sandbox with `scaleform sandbox init --db PATH`"
            )
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
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", MARKER)
        self._add_missing_columns()
        self.lock = threading.RLock()
        self.assignment_cache = AssignmentCache()

    def _add_missing_columns(self) -> None:
        """Bring a database made by an earlier version up to this schema (its rows keep NULLs)."""
        have = {r["name"] for r in self.db.execute("PRAGMA table_info(batches)")}
        for column in ("completed_at", "audited_at"):
            if column not in have:
                self.db.execute(f"ALTER TABLE batches ADD COLUMN {column} TEXT")

    # -- transactions, clock and ids ----------------------------------------------------------
    def transaction(self: _S) -> _Tx[_S]:
        return _Tx(self)

    @overload
    def _meta(self, key: str, default: str) -> str: ...
    @overload
    def _meta(self, key: str, default: None = None) -> str | None: ...
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

    def next_seq(self) -> int:
        n = int(self._meta("seq", "0")) + 1
        self._set_meta("seq", str(n))
        return n

    def new_id(self, kind: int) -> str:
        return f"{kind:04x}{self.next_seq():020x}"

    # -- row lookups shared by the resources ----------------------------------------------------
    def _one(self, table: str, what: str, name: str) -> sqlite3.Row:
        """The row named `name`, or the API's 404."""
        row: sqlite3.Row | None = self.db.execute(f"SELECT * FROM {table} WHERE name=?", (name,)).fetchone()
        if row is None:
            raise SandboxError(404, f"{what} with name {name!r} not found.")
        return row

    def _project(self, name: str) -> sqlite3.Row:
        return self._one("projects", "Project", name)

    def _batch(self, name: str) -> sqlite3.Row:
        return self._one("batches", "Batch", name)

    def _member(self, email: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM team WHERE email=?", (email.lower(),)).fetchone()
        return row

    def _assigned(self, email: str, project: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM assignments WHERE email=? AND project=?", (email, project)).fetchone()
            is not None
        )

    def _team_changed(self) -> None:
        self.assignment_cache.invalidate()

    # -- request log ----------------------------------------------------------------------------
    def log_request(self, started: float, ended: float, method: str, path: str, status: int) -> None:
        self.db.execute(
            "INSERT INTO requests (started, ended, method, path, status) VALUES (?,?,?,?,?)",
            (started, ended, method, path, status),
        )

    def requests(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM requests ORDER BY id")]

    def clear_requests(self) -> None:
        self.db.execute("DELETE FROM requests")


class _Tx(Generic[_S]):
    """BEGIN IMMEDIATE … COMMIT/ROLLBACK under the store's lock: one transaction per request."""

    def __init__(self, store: _S):
        self.store = store

    def __enter__(self) -> _S:
        self.store.lock.acquire()
        self.store.db.execute("BEGIN IMMEDIATE")
        return self.store

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type:
                self.store.assignment_cache.invalidate()  # it may hold this transaction's changes
            self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store.lock.release()
