"""The assignment map (email -> project names) and its encoded JSON, kept between requests.

Every assignment add and remove answers with the whole map, so rebuilding and re-encoding it per
call would serialize concurrent calls on the sandbox's one thread. The map stays in memory and is
patched by this store's own writes; each member's JSON entry is encoded once and again only when
that member's assignments change. Another connection's commit (`data_version`) or a rolled-back
transaction drops everything.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterable
from typing import Any


class EncodedJSON(bytes):
    """A response body that is already JSON: the app sends it as is."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # as starlette's JSONResponse


class AssignmentCache:
    def __init__(self) -> None:
        self._map: dict[str, list[str]] | None = None
        self._version = -1
        # The encoded entries of _encoded_of, in its order; _pos finds an email's entry, and the
        # entries of _stale are re-encoded before the next answer.
        self._entries: list[str] = []
        self._pos: dict[str, int] = {}
        self._stale: set[str] = set()
        self._encoded_of: dict[str, list[str]] | None = None

    def invalidate(self) -> None:
        self._map = None

    @property
    def encoded_ready(self) -> bool:
        """Whether the next `encoded` answer comes from already encoded entries."""
        return self._encoded_of is not None and self._encoded_of is self._map

    def current(self, db: sqlite3.Connection, active_roles: tuple[str, ...]) -> dict[str, list[str]]:
        """email -> project names (sorted), for every member whose role is in `active_roles`."""
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if self._map is None or version != self._version:
            got = dict(
                db.execute(
                    "SELECT email, json_group_array(project) FROM "
                    "(SELECT email, project FROM assignments ORDER BY email, project) GROUP BY email"
                )
            )
            self._map = {
                e: json.loads(got.get(e, "[]"))
                for (e,) in db.execute(f"SELECT email FROM team WHERE role IN {active_roles} ORDER BY seq")
            }
            self._version = version
        return self._map

    def encoded(self, amap: dict[str, list[str]]) -> EncodedJSON:
        """`amap` (the map `current` returned) as the JSON the API sends, byte for byte."""
        if self._encoded_of is not amap or not self._stale <= self._pos.keys():
            self._encoded_of, self._stale = amap, set()
            self._pos = {email: i for i, email in enumerate(amap)}
            self._entries = [_dumps(email) + ":" + _dumps(projects) for email, projects in amap.items()]
        for email in self._stale:
            self._entries[self._pos[email]] = _dumps(email) + ":" + _dumps(amap[email])
        self._stale.clear()
        return EncodedJSON(("{" + ",".join(self._entries) + "}").encode("utf-8"))

    def added(self, amap: dict[str, list[str]], emails: Iterable[str], projects: list[str]) -> None:
        """Record assignments the store just inserted."""
        for e in emails:
            self._stale.add(e)
            current = amap.setdefault(e, [])
            for p in projects:
                if p not in current:
                    bisect.insort(current, p)

    def removed(self, amap: dict[str, list[str]], email: str, projects: list[str]) -> None:
        """Record assignments the store just deleted."""
        self._stale.add(email)
        current = amap.get(email)
        for p in projects:
            if current is not None and p in current:
                current.remove(p)
