"""API JSON -> live state types. Shape errors name the endpoint that answered.

Refresh parses what it reads with these, and export parses the same answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaleform.api.errors import BadResponse
from scaleform.model import LiveBatch, LiveGroup, LiveMember, LiveProject, LiveStudioBatch, Pipeline, normalize_choices
from scaleform.names import shown, skipped_line, unaddressable, unaddressable_email
from scaleform.redaction import redacted_prefix

_HISTORY_ONLY = ("version", "created_at")  # what a param_history entry adds to the params


def _field(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
        raise BadResponse("GET", where, 200, f"an entry lacks a valid '{key}' field: {redacted_prefix(str(obj), 120)}")
    return obj[key]


def _optional(obj: dict[str, Any], key: str, kind: type) -> Any:
    value = obj.get(key)
    return value if isinstance(value, kind) else None


def addressable(kind: str, name: str, skipped: list[str] | None) -> bool:
    """False for a live name that cannot be addressed safely; `skipped` is told why."""
    why = unaddressable(name)
    if why is not None and skipped is not None:
        skipped.append(skipped_line(kind, name, why))
    return why is None


def plain_email(email: str, skipped: list[str] | None) -> bool:
    """False for a live email that could not be declared or addressed as it is; `skipped` is told."""
    why = unaddressable_email(email)
    if why is not None and skipped is not None:
        skipped.append(f"live teammate {shown(email)} cannot be managed safely ({why}); scaleform skips it")
    return why is None


def expect_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadResponse("GET", where, 200, "expected a JSON array")
    return value


def parse_team(data: Any, skipped: list[str] | None = None) -> dict[str, LiveMember]:
    if not isinstance(data, list):
        raise BadResponse("GET", "/teams", 200, "expected a JSON array of teammates")
    out = {}
    for m in data:
        email = _field(m, "email", str, "/teams").lower()
        if not plain_email(email, skipped):
            continue
        out[email] = LiveMember(
            email, _field(m, "role", str, "/teams"), _optional(m, "expiry", str), _optional(m, "isStudioLabeler", bool)
        )
    return out


def parse_assignments(data: Any, skipped: list[str] | None = None) -> dict[str, frozenset[str]]:
    if not isinstance(data, dict):
        raise BadResponse("GET", "/studio/assignments", 200, "expected a JSON object of email -> projects")
    out = {}
    for email, projects in data.items():
        names = assigned_projects(email, projects)
        if plain_email(email.lower(), skipped):
            out[email.lower()] = frozenset(names)
    return out


def assigned_projects(email: str, projects: Any, show: Callable[[str], str] = shown) -> list[str]:
    """The project names `/studio/assignments` gives `email`, checked to be a list of names; the
    error names the email as `show` writes it."""
    if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
        raise BadResponse("GET", "/studio/assignments", 200, f"the projects of {show(email)} are not a list of names")
    return projects


def latest_params(project: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The latest `param_history` entry without what the history adds (None: no params yet)."""
    history = _field(project, "param_history", list, "/projects")
    if not history:
        return None
    last = history[-1]
    if not isinstance(last, dict):
        raise BadResponse("GET", "/projects", 200, f"param_history of {name} holds a non-object")
    if _deeper_than(last, MAX_PARAMS_DEPTH):
        raise BadResponse(
            "GET", "/projects", 200, f"the params of {shown(name)} nest more than {MAX_PARAMS_DEPTH} levels"
        )
    return {k: v for k, v in last.items() if k not in _HISTORY_ONLY}


MAX_PARAMS_DEPTH = 100  # deeper live params are refused: diff and export walk them recursively


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests objects and arrays more than `limit` levels, found without recursion."""
    level: list[Any] = [value]
    for _ in range(limit + 1):
        level = [v for c in level for v in (c.values() if isinstance(c, dict) else c) if isinstance(v, dict | list)]
        if not level:
            return False
    return True


def latest_ontology(project: dict[str, Any]) -> tuple[list[Any] | None, str | None]:
    """The latest ontology's choices as the API wrote them, and its version label."""
    history = project.get("ontologyHistory")
    if not isinstance(history, list) or not history:
        return None, None
    last = history[-1]
    if not isinstance(last, dict):
        return (last if isinstance(last, list) else None), None
    choices = last.get("ontology", last.get("choices"))
    return (choices if isinstance(choices, list) else None), _optional(last, "name", str)


MAX_CHOICE_DEPTH = 32  # subchoices nested deeper are refused, not walked


def _checked_choices(choices: list[Any], project: str, depth: int = 0) -> list[Any]:
    """`choices` when each is a string or an object with a string `choice` and, if any, a list of
    `subchoices` of the same shape; else BadResponse (a malformed answer is never guessed at)."""
    for c in choices:
        if isinstance(c, str):
            continue
        sub = c.get("subchoices") if isinstance(c, dict) else None
        if not isinstance(c, dict) or not isinstance(c.get("choice"), str) or not isinstance(sub, list | None):
            raise BadResponse(
                "GET",
                "/projects",
                200,
                f"the ontology of {shown(project)} holds a malformed choice: " + redacted_prefix(str(c), 120),
            )
        if sub:
            if depth >= MAX_CHOICE_DEPTH:
                raise BadResponse(
                    "GET",
                    "/projects",
                    200,
                    f"the ontology of {shown(project)} nests more than {MAX_CHOICE_DEPTH} levels",
                )
            _checked_choices(sub, project, depth + 1)
    return choices


def parse_project(p: Any) -> LiveProject:
    name = _field(p, "name", str, "/projects")
    params = latest_params(p, name)
    choices, _ = latest_ontology(p)
    pipeline_known = "pipeline" in p
    pipeline = None
    if pipeline_known and isinstance(p.get("pipeline"), str):
        pipeline = Pipeline(p["pipeline"], _optional(p, "consensus_attempts", int))
    return LiveProject(
        name=name,
        type=_field(p, "type", str, "/projects"),
        studio=_optional(p, "studio", bool),
        rapid=_optional(p, "rapid", bool),
        params=params,
        ontology=normalize_choices(_checked_choices(choices, name)) if choices is not None else None,
        pipeline=pipeline,
        pipeline_known=pipeline_known,
    )


def parse_projects(data: Any, skipped: list[str] | None = None) -> dict[str, LiveProject]:
    return {
        p.name: p for p in map(parse_project, expect_list(data, "/projects")) if addressable("project", p.name, skipped)
    }


def parse_groups(project: str, data: Any, skipped: list[str] | None = None) -> dict[str, LiveGroup]:
    where = f"/studio/projects/{project}/groups"
    if not isinstance(data, list):
        raise BadResponse("GET", where, 200, "expected a JSON array of groups")
    out = {}
    for g in data:
        name = _field(g, "name", str, where)
        if not addressable("group", name, skipped):
            continue
        workers = g.get("workers") or []
        if not isinstance(workers, list):
            raise BadResponse("GET", where, 200, f"group {name} has malformed workers")
        members = frozenset(
            e for e in (_field(w, "email", str, where).lower() for w in workers) if plain_email(e, skipped)
        )
        out[name] = LiveGroup(name, members, bool(g.get("isSingleton")))
    return out


def parse_studio_batches(data: Any) -> tuple[LiveStudioBatch, ...]:
    if not isinstance(data, list):
        raise BadResponse("GET", "/studio/batches", 200, "expected a JSON array of batches")
    where = "/studio/batches"
    out = []
    for b in data:
        groups = _field(b, "groups", list, where)
        batch_type = b["batchType"] if isinstance(b.get("batchType"), str) else "Production"
        out.append(
            LiveStudioBatch(
                _field(b, "name", str, where),
                _field(b, "projectName", str, where),
                batch_type,
                tuple(g.lower() if isinstance(g, str) and "@" in g else str(g) for g in groups),
            )
        )
    return tuple(out)


def parse_batch(b: Any) -> LiveBatch:
    return LiveBatch(
        _field(b, "name", str, "/batches"),
        _field(b, "project", str, "/batches"),
        _field(b, "status", str, "/batches"),
        _optional(b, "created_at", str),
        _optional(b, "calibration_batch", bool),
        _optional(b, "self_label_batch", bool),
    )


def parse_batch_created(data: Any) -> dict[str, str]:
    """The `GET /batches` pages -> batch name -> created_at (for the default priority order)."""
    return {_field(b, "name", str, "/batches"): str(b.get("created_at") or "") for b in data}
