"""The query of `GET /batches`: which filters it takes, checked, and whether a batch matches.

Times are compared as instants: `Z`, `+01:00` and a time without an offset (taken as UTC) name
the same moment when they should, with or without fractions of a second. A parameter the API
does not document is refused rather than ignored, so a caller never trusts a filter that did
nothing.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from scaleform.sandbox.base import SandboxError

STATUSES = ("staging", "in_progress", "completed")
# parameter -> (batch column, comparison of the batch's time with the bound)
TIME_BOUNDS: dict[str, tuple[str, Callable[[datetime, datetime], bool]]] = {
    "start_time": ("created_at", operator.ge),
    "end_time": ("created_at", operator.le),
    "completed_after": ("completed_at", operator.gt),
    "completed_before": ("completed_at", operator.lt),
    "audited_after": ("audited_at", operator.gt),
    "audited_before": ("audited_at", operator.lt),
}
OTHER_PARAMS = ("project", "status", "limit", "offset", "exclude_archived", "detailed")


def instant(text: str) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (UTC when it names no offset), else None."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class BatchQuery:
    project: str | None
    status: str | None
    bounds: tuple[tuple[str, Callable[[datetime, datetime], bool], datetime], ...]
    limit: int
    offset: int

    def matches(self, row: sqlite3.Row) -> bool:
        """Whether a batch row is within every time bound (project and status are SQL's job)."""
        for column, compare, bound in self.bounds:
            value = row[column]
            when = instant(value) if value else None
            if when is None or not compare(when, bound):
                return False
        return True


def _bool(query: dict[str, str], param: str) -> bool:
    value = query.get(param, "false").lower()
    if value not in ("true", "false"):
        raise SandboxError(400, f'Parameter is invalid, reason: "{param}" must be true or false')
    return value == "true"


def _page(query: dict[str, str]) -> tuple[int, int]:
    try:
        limit = int(query.get("limit") or 100)
        offset = int(query.get("offset") or 0)
    except ValueError:
        raise SandboxError(400, 'Parameter is invalid, reason: "limit" and "offset" must be integers') from None
    if not 1 <= limit <= 100 or offset < 0:
        raise SandboxError(400, 'Parameter is invalid, reason: "limit" must be 1-100 and "offset" >= 0')
    return limit, offset


def parse_batch_query(query: dict[str, str]) -> BatchQuery:
    unknown = sorted(set(query) - set(TIME_BOUNDS) - set(OTHER_PARAMS))
    if unknown:
        raise SandboxError(400, f"Unsupported parameter(s) for GET /batches: {', '.join(unknown)}")
    status = query.get("status")
    if status is not None and status not in STATUSES:
        raise SandboxError(400, f'Parameter is invalid, reason: "status" must be one of {", ".join(STATUSES)}')
    _bool(query, "exclude_archived")  # the sandbox never archives a batch: either value lists them all
    if _bool(query, "detailed"):
        raise SandboxError(400, 'The sandbox does not implement "detailed" batch lists')
    bounds = []
    for param, (column, compare) in TIME_BOUNDS.items():
        if param in query:
            bound = instant(query[param])
            if bound is None:
                raise SandboxError(
                    400,
                    f'Parameter is invalid, reason: "{param}" must be an ISO 8601 date or time, got {query[param]!r}',
                )
            bounds.append((column, compare, bound))
    limit, offset = _page(query)
    return BatchQuery(query.get("project"), status, tuple(bounds), limit, offset)
