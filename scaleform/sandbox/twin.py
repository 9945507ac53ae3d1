"""A twin of a live account: read it (GETs only, concurrent) and write the same state into a sandbox.

The twin holds the team, projects, assignments, groups, batches and the Studio priority order,
never the API key and never tasks. `copy_account` fills a given store; `build_twin` makes one on
`:memory:` or a file from an already open client (a rehearsal's throwaway account).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scaleform.api.errors import BadResponse
from scaleform.api.parse import addressable, assigned_projects
from scaleform.api.protocol import Client
from scaleform.redaction import redacted_prefix
from scaleform.sandbox.base import BATCH_COLUMNS
from scaleform.sandbox.store import Store


@dataclass(frozen=True)
class TwinReport:
    source: str
    counts: Mapping[str, int]  # kind -> how many were copied
    unknown: tuple[str, ...] = ()  # what the API does not say, and what the twin assumed instead

    def text(self) -> str:
        lines = [f"copied {self.source}: " + ", ".join(f"{n} {kind}" for kind, n in self.counts.items())]
        lines += [f"note: {line}" for line in self.unknown]
        return "\n".join(lines)


@dataclass
class _Account:
    """The account's JSON as the API answered it."""

    team: list[dict[str, Any]]
    assignments: dict[str, Any]  # email -> project names, checked as they are written
    projects: list[dict[str, Any]]
    studio_batches: list[dict[str, Any]]
    batches: list[dict[str, Any]]
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # project -> its groups
    skipped: list[str] = field(default_factory=list)  # what was left out, and why


def _objects(data: Any, path: str, kind: type = dict) -> list[Any]:
    if not isinstance(data, list) or not all(isinstance(x, kind) for x in data):
        raise BadResponse("GET", path, 200, f"expected a JSON array of {'objects' if kind is dict else 'values'}")
    return data


def _text(obj: dict[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise BadResponse("GET", path, 200, f"an entry lacks a valid '{key}' field: {redacted_prefix(str(obj), 120)}")
    return value


async def read_account(client: Client) -> _Account:
    """Read everything the twin holds through the client's typed reads; all GETs, as concurrent
    as the client allows."""
    team, assignments, projects, studio, batches = await asyncio.gather(
        client.list_team(), client.assignments(), client.list_projects(), client.studio_batches(), client.list_batches()
    )
    account = _Account(
        _objects(team, "/teams"),
        assignments,
        _objects(projects, "/projects"),
        _objects(studio, "/studio/batches"),
        _objects(batches, "/batches"),
    )
    _skip_unaddressable(account)
    studio_projects = [_text(p, "name", "/projects") for p in account.projects if p.get("studio") is True]

    async def groups_of(name: str) -> None:
        groups = _objects(await client.list_groups(name), f"/studio/projects/{name}/groups")
        account.groups[name] = [
            g for g in groups if not isinstance(g.get("name"), str) or addressable("group", g["name"], account.skipped)
        ]

    await asyncio.gather(*(groups_of(p) for p in studio_projects))
    return account


def _skip_unaddressable(account: _Account) -> None:
    """Leave out projects whose names cannot be addressed safely, with their assignments and
    batches; the report names them."""
    names = [_text(p, "name", "/projects") for p in account.projects]
    skipped = {n for n in names if not addressable("project", n, account.skipped)}
    if not skipped:
        return
    account.projects = [p for p in account.projects if p["name"] not in skipped]
    account.assignments = {
        e: [p for p in ps if p not in skipped] if isinstance(ps, list) else ps for e, ps in account.assignments.items()
    }
    account.batches = [b for b in account.batches if b.get("project") not in skipped]
    account.studio_batches = [b for b in account.studio_batches if b.get("projectName") not in skipped]


async def copy_account(client: Client, store: Store, source: str | None = None) -> TwinReport:
    """Read the account behind `client` and write it into `store`, which must be empty.
    `source` names the account in the report (default: the client's base URL)."""
    account = await read_account(client)
    with store.transaction():
        if store.db.execute("SELECT COUNT(*) FROM team").fetchone()[0]:
            raise ValueError("the sandbox database is not empty")
        # A conditional, not `or`: mypy keeps None in the type of `source or <an Any>`.
        return _write(store, account, source if source else client.base_url)


async def build_twin(client: Client, path: str = ":memory:") -> tuple[Store, TwinReport]:
    """A new twin store at `path` (in memory by default) of the account behind `client`."""
    store = Store(path)
    return store, await copy_account(client, store)


def _write(store: Store, account: _Account, source: str) -> TwinReport:
    unknown: list[str] = []
    counts = {"members": 0, "invitations": 0, "disabled": 0}
    for m in account.team:
        role = _text(m, "role", "/teams")
        kind = "invitations" if role == "invited" else "disabled" if role == "disabled" else "members"
        counts[kind] += 1
        invited_role = ("labeler" if m.get("isStudioLabeler") else "member") if role == "invited" else None
        store.db.execute(
            "INSERT INTO team VALUES (?,?,?,?,?,?,?,?)",
            (
                _text(m, "email", "/teams").lower(),
                role,
                invited_role,
                m.get("expiry"),
                m.get("firstName"),
                m.get("lastName"),
                m.get("company"),
                store.next_seq(),
            ),
        )
    if counts["invitations"]:
        unknown.append(
            "the API tells only whether an invitation is for a labeler; the twin records the others "
            "as member invitations (they may be for managers)"
        )
    for p in account.projects:
        _write_project(store, p)
    counts["projects"] = len(account.projects)
    counts["assignments"] = _write_assignments(store, account.assignments)
    counts["groups"], singletons = _write_groups(store, account.groups)
    if singletons:
        unknown.append(f"{singletons} singleton group(s) (one labeler each, made by Studio) were not copied")
    counts["batches"], notes = _write_batches(store, account.batches, account.studio_batches)
    unknown += notes
    unknown.append("ids are the twin's own; archived projects and tasks are not copied")
    unknown += account.skipped
    store.assignment_cache.invalidate()
    return TwinReport(source, counts, tuple(unknown))


def _write_project(store: Store, p: dict[str, Any]) -> None:
    name = _text(p, "name", "/projects")
    params = p.get("param_history") if isinstance(p.get("param_history"), list) else []
    ontology = p.get("ontologyHistory") if isinstance(p.get("ontologyHistory"), list) else []
    attempts = p.get("consensus_attempts") if isinstance(p.get("consensus_attempts"), int) else None
    store.db.execute(
        "INSERT INTO projects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            name,
            store.new_id(1),
            _text(p, "type", "/projects"),
            int(p.get("studio") is True),
            int(p.get("rapid") is True),
            p.get("pipeline") if isinstance(p.get("pipeline"), str) else None,
            attempts,
            str(p.get("created_at") or ""),
            json.dumps(params),
            json.dumps(ontology),
            store.next_seq(),
        ),
    )


def _write_assignments(store: Store, assignments: dict[str, Any]) -> int:
    rows = []
    for email, projects in assignments.items():
        # The twin's error has always named the email as the API wrote it, unquoted.
        rows += [(email.lower(), p) for p in assigned_projects(email, projects, str)]
    store.db.executemany("INSERT OR IGNORE INTO assignments VALUES (?,?)", rows)
    return len(rows)


def _write_groups(store: Store, groups: dict[str, list[dict[str, Any]]]) -> tuple[int, int]:
    copied = singletons = 0
    for project, listed in groups.items():
        path = f"/studio/projects/{project}/groups"
        for g in listed:
            if g.get("isSingleton") is True:
                singletons += 1
                continue
            workers = _objects(g.get("workers") or [], path)
            members = [_text(w, "email", path).lower() for w in workers]
            store.db.execute(
                "INSERT INTO groups VALUES (?,?,?,?,?)",
                (project, _text(g, "name", path), store.new_id(2), json.dumps(members), store.next_seq()),
            )
            copied += 1
    return copied, singletons


def _write_batches(store: Store, batches: list[dict[str, Any]], studio: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Batches oldest first (the list comes newest first); Studio order, groups and counts from
    the Studio list, whose position is the priority."""
    pending = {_text(b, "name", "/studio/batches"): (i + 1, b) for i, b in enumerate(studio)}
    notes: list[str] = []
    for b in reversed(batches):
        name = _text(b, "name", "/batches")
        position, sb = pending.get(name, (len(pending) + 1, {}))
        groups = [g for g in sb.get("groups", []) if isinstance(g, str)]
        metadata = b.get("metadata") if isinstance(b.get("metadata"), dict) else {}
        store.db.execute(
            f"INSERT INTO batches ({BATCH_COLUMNS}, completed_at, audited_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                name,
                store.new_id(3),
                _text(b, "project", "/batches"),
                _text(b, "status", "/batches"),
                str(b.get("created_at") or ""),
                int(b.get("calibration_batch") is True),
                int(b.get("self_label_batch") is True),
                b.get("callback") or "",
                json.dumps(metadata),
                json.dumps(groups),
                position,
                _count(sb, "total"),
                _count(sb, "completed"),
                store.next_seq(),
                b.get("completed_at"),
                b.get("audited_at"),
            ),
        )
    missing = sorted(set(pending) - {b.get("name") for b in batches})
    if missing:
        notes.append(f"Studio batches missing from the batch list were not copied: {', '.join(missing)}")
    if len(batches) > len(pending):
        notes.append("task counts are copied for pending Studio batches only; other batches show 0 tasks")
    return len(batches), notes


def _count(studio_batch: dict[str, Any], key: str) -> int:
    value = studio_batch.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
