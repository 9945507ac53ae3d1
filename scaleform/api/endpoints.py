"""Every endpoint scaleform calls, as (method, path, body) triples.

The planner builds its `operations` from these and the client sends them, so a plan's
operations are exactly what apply sends. Names go into paths percent-encoded with `safe=""`,
as the official SDK does (`/` -> %2F, space -> %20, @ -> %40).
"""
from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import quote

Call = tuple[str, str, Any]


def enc(name: str) -> str:
    return quote(name, safe="")


def list_team() -> Call:
    return "GET", "/teams", None


def invite(emails: Iterable[str], role: str) -> Call:
    return "POST", "/teams/invite", {"emails": sorted(emails), "team_role": role}


def set_role(emails: Iterable[str], role: str) -> Call:
    return "POST", "/teams/set_role", {"emails": sorted(emails), "team_role": role}


def list_assignments() -> Call:
    return "GET", "/studio/assignments", None


def add_assignments(emails: Iterable[str], projects: Iterable[str]) -> Call:
    return "POST", "/studio/assignments/add", {"emails": sorted(emails), "projects": sorted(projects)}


def remove_assignments(emails: Iterable[str], projects: Iterable[str]) -> Call:
    return "POST", "/studio/assignments/remove", {"emails": sorted(emails), "projects": sorted(projects)}


def list_groups(project: str) -> Call:
    return "GET", f"/studio/projects/{enc(project)}/groups", None


def create_group(project: str, name: str, emails: Iterable[str]) -> Call:
    return "POST", f"/studio/projects/{enc(project)}/groups", {"emails": sorted(emails), "name": name}


def update_group(project: str, name: str, add: Iterable[str], remove: Iterable[str]) -> Call:
    return ("PUT", f"/studio/projects/{enc(project)}/groups/{enc(name)}",
            {"add_emails": sorted(add), "remove_emails": sorted(remove)})


def list_studio_batches() -> Call:
    return "GET", "/studio/batches", None


def assign_studio_batch(batch: str, groups: Iterable[str]) -> Call:
    return "PUT", f"/studio/batches/{enc(batch)}", {"groups": list(groups)}


def set_priorities(batches: Iterable[str]) -> Call:
    return "POST", "/studio/batches/set_priorities", {"batches": [{"name": b} for b in batches]}


def reset_priorities() -> Call:
    return "POST", "/studio/batches/reset_priorities", None


def list_projects() -> Call:
    return "GET", "/projects", None


def get_project(name: str) -> Call:
    return "GET", f"/projects/{enc(name)}", None


def create_project(name: str, ptype: str, *, studio: bool = False, rapid: bool = False,
                   params: dict | None = None, pipeline: dict | None = None) -> Call:
    body: dict[str, Any] = {"type": ptype, "name": name, "params": params, "rapid": rapid, "studio": studio}
    body.update(pipeline or {})
    return "POST", "/projects", body


def set_params(name: str, params: dict) -> Call:
    return "POST", f"/projects/{enc(name)}/setParams", {"patch": False, **params}


def set_ontology(name: str, choices: list, label: str | None = None) -> Call:
    body: dict[str, Any] = {"ontology": choices}
    if label is not None:
        body["name"] = label
    return "POST", f"/projects/{enc(name)}/setOntology", body


def update_pipeline(name: str, pipeline: dict) -> Call:
    return "POST", f"/projects/{enc(name)}/updatePipelineConfig", pipeline


def create_batch(project: str, name: str, *, calibration: bool = False, self_label: bool = False) -> Call:
    return "POST", "/batches", {"project": project, "name": name, "calibration_batch": calibration,
                                "self_label_batch": self_label, "callback": "", "metadata": {}}


def get_batch(name: str) -> Call:
    return "GET", f"/batches/{enc(name)}", None


def finalize_batch(name: str) -> Call:
    return "POST", f"/batches/{enc(name)}/finalize", None


def batch_status(name: str) -> Call:
    return "GET", f"/batches/{enc(name)}/status", None
