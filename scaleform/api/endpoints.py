"""Every endpoint scaleform calls, as `Request`s (method, path, body).

The planner builds its `operations` from these and the client sends them, so a plan's
operations are exactly what apply sends. Names go into paths percent-encoded with `safe=""`,
as the official SDK does (`/` -> %2F, space -> %20, @ -> %40).

A create (invite, project, group, batch) also carries a `Check`: how to read the object back
when the create's outcome is unknown, so that it is never sent twice. The `*_check` builders
make one from the object's identity, for a call rebuilt from a saved plan:
`Request(method, path, body, group_check(project, group, body["emails"]))`. Every other write
replaces state with what its body says and may simply be sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from scaleform.api.outcomes import Differs as Differs
from scaleform.api.outcomes import Done as Done
from scaleform.kinds import Kind

if TYPE_CHECKING:
    from scaleform.changes import Change


@dataclass(frozen=True)
class Check:
    """How to learn whether a create took. `read` fetches the object (a 404 means absent);
    `settle` turns what was read into Done, a follow-up call that completes the object (for
    example the members a group lacks), Differs when it exists with other settings, or None
    when the create has to be sent again."""

    read: Request
    settle: Callable[[Any], Done | Request | Differs | None]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None
    check: Check | None = field(default=None, compare=False, repr=False)

    def __iter__(self) -> Iterator[Any]:  # unpacks as (method, path, body)
        return iter((self.method, self.path, self.body))


def enc(name: str) -> str:
    return quote(name, safe="")


def list_team() -> Request:
    return Request("GET", "/teams", None)


def invite(emails: Iterable[str], role: str) -> Request:
    emails = sorted(emails)
    return Request("POST", "/teams/invite", {"emails": emails, "team_role": role}, invite_check(emails, role))


def invite_check(emails: Iterable[str], role: str) -> Check:
    emails = sorted(emails)

    def settle(team: Any) -> Done | Request | Differs | None:
        # Invited, or active with this role: the person is on the team as asked. Active with
        # another role is someone else's doing.
        roles = {str(m.get("email", "")).lower(): m.get("role") for m in _items(team)}
        missing = [e for e in emails if e.lower() not in roles]
        if any(roles.get(e.lower()) not in (None, "invited", role) for e in emails):
            return Differs(("role",))
        if not missing:
            return Done(team)
        return invite(missing, role) if len(missing) < len(emails) else None

    return Check(list_team(), settle)


def set_role(emails: Iterable[str], role: str) -> Request:
    return Request("POST", "/teams/set_role", {"emails": sorted(emails), "team_role": role})


def list_assignments() -> Request:
    return Request("GET", "/studio/assignments", None)


def add_assignments(emails: Iterable[str], projects: Iterable[str]) -> Request:
    return Request("POST", "/studio/assignments/add", {"emails": sorted(emails), "projects": sorted(projects)})


def remove_assignments(emails: Iterable[str], projects: Iterable[str]) -> Request:
    return Request("POST", "/studio/assignments/remove", {"emails": sorted(emails), "projects": sorted(projects)})


def list_groups(project: str) -> Request:
    return Request("GET", f"/studio/projects/{enc(project)}/groups", None)


def create_group(project: str, name: str, emails: Iterable[str]) -> Request:
    emails = sorted(emails)
    return Request(
        "POST",
        f"/studio/projects/{enc(project)}/groups",
        {"emails": emails, "name": name},
        group_check(project, name, emails),
    )


def group_check(project: str, name: str, emails: Iterable[str]) -> Check:
    want = {e.lower() for e in emails}

    def settle(groups: Any) -> Done | Request | Differs | None:
        live = next((g for g in _items(groups) if g.get("name") == name), None)
        if live is None:
            return None
        have = {str(w.get("email", "")).lower() for w in live.get("workers") or [] if isinstance(w, dict)}
        # Other members: someone else made it. Changing them would write what the plan never showed.
        return Done(live) if have == want else Differs(("members",))

    return Check(list_groups(project), settle)


def update_group(project: str, name: str, add: Iterable[str], remove: Iterable[str]) -> Request:
    return Request(
        "PUT",
        f"/studio/projects/{enc(project)}/groups/{enc(name)}",
        {"add_emails": sorted(add), "remove_emails": sorted(remove)},
    )


def list_studio_batches() -> Request:
    return Request("GET", "/studio/batches", None)


def assign_studio_batch(batch: str, groups: Iterable[str]) -> Request:
    return Request("PUT", f"/studio/batches/{enc(batch)}", {"groups": list(groups)})


def set_priorities(batches: Iterable[str]) -> Request:
    return Request("POST", "/studio/batches/set_priorities", {"batches": [{"name": b} for b in batches]})


def reset_priorities() -> Request:
    return Request("POST", "/studio/batches/reset_priorities", None)


def list_projects() -> Request:
    return Request("GET", "/projects", None)


def get_project(name: str) -> Request:
    return Request("GET", f"/projects/{enc(name)}", None)


def create_project(
    name: str,
    ptype: str,
    *,
    studio: bool = False,
    rapid: bool = False,
    params: dict[str, Any] | None = None,
    pipeline: dict[str, Any] | None = None,
) -> Request:
    body: dict[str, Any] = {"type": ptype, "name": name, "params": params, "rapid": rapid, "studio": studio}
    body.update(pipeline or {})
    return Request("POST", "/projects", body, project_check(body))


def project_check(body: dict[str, Any]) -> Check:
    """Read back a project create: everything its `body` sets must be live as set."""

    def settle(live: Any) -> Done | Differs | None:
        if not isinstance(live, dict) or live.get("name", body["name"]) != body["name"]:
            return None
        differs = tuple(
            f
            for f in _PROJECT_FIELDS
            if body.get(f) is not None and _live_project_field(live, f) not in (_ABSENT, body[f])
        )
        return Differs(differs) if differs else Done(live)

    return Check(get_project(body["name"]), settle)


_ABSENT = object()  # a field the API did not report: nothing to compare
_PROJECT_FIELDS = ("type", "studio", "rapid", "params", "pipeline", "consensus_attempts")


def _live_project_field(live: dict[str, Any], key: str) -> Any:
    if key == "params":
        history = live.get("param_history")
        if not isinstance(history, list):
            return _ABSENT
        last = history[-1] if history and isinstance(history[-1], dict) else {}
        params = {k: v for k, v in last.items() if k not in ("version", "created_at")}
        return params or None
    return live.get(key, _ABSENT)


def set_params(name: str, params: dict[str, Any]) -> Request:
    return Request("POST", f"/projects/{enc(name)}/setParams", {"patch": False, **params})


def set_ontology(name: str, choices: list[Any], label: str | None = None) -> Request:
    body: dict[str, Any] = {"ontology": choices}
    if label is not None:
        body["name"] = label
    return Request("POST", f"/projects/{enc(name)}/setOntology", body)


def update_pipeline(name: str, pipeline: dict[str, Any]) -> Request:
    return Request("POST", f"/projects/{enc(name)}/updatePipelineConfig", pipeline)


def create_batch(project: str, name: str, *, calibration: bool = False, self_label: bool = False) -> Request:
    body = {
        "project": project,
        "name": name,
        "calibration_batch": calibration,
        "self_label_batch": self_label,
        "callback": "",
        "metadata": {},
    }
    return Request("POST", "/batches", body, batch_check(body))


def batch_check(body: dict[str, Any]) -> Check:
    """Read back a batch create: its project and create-time flags must be live as set."""

    def settle(live: Any) -> Done | Differs | None:
        if not isinstance(live, dict):
            return None
        differs = tuple(
            f for f in ("project", "calibration_batch", "self_label_batch") if live.get(f, body[f]) != body[f]
        )
        return Differs(differs) if differs else Done(live)

    return Check(get_batch(body["name"]), settle)


def get_batch(name: str) -> Request:
    return Request("GET", f"/batches/{enc(name)}", None)


def finalize_batch(name: str) -> Request:
    return Request("POST", f"/batches/{enc(name)}/finalize", None)


def batch_status(name: str) -> Request:
    return Request("GET", f"/batches/{enc(name)}/status", None)


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


# The kinds whose every change is one call of its own, and the request that carries one out. A
# new kind of that sort needs its entry here and nothing in operations.py; the other kinds'
# changes are batched there (per role, per project set, per group, with a new project's create).
def _ontology(change: Change) -> Request:
    (project,) = change.address.names()
    return set_ontology(project, change.after["choices"], change.after.get("name"))


def _finalize(change: Change) -> Request:
    (batch,) = change.address.names()
    return finalize_batch(batch)


def _new_batch(change: Change) -> Request:
    (batch,) = change.address.names()
    created = change.after
    return create_batch(
        created["project"], batch, calibration=created["calibration_batch"], self_label=created["self_label_batch"]
    )


def _batch_groups(change: Change) -> Request:
    (batch,) = change.address.names()
    return assign_studio_batch(batch, change.after)


PER_CHANGE: Mapping[Kind, Callable[[Change], Request]] = MappingProxyType(
    {
        Kind.ONTOLOGY: _ontology,
        Kind.BATCH: _new_batch,
        Kind.BATCH_STATUS: _finalize,
        Kind.BATCH_GROUPS: _batch_groups,
    }
)
