"""Projects: creation, their params history, ontology history and Studio pipeline."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, overload

from scaleform.sandbox.base import SandboxError, StoreBase, iso
from scaleform.sandbox.fields import choice, count, flag, invalid, mapping, text

TASK_TYPES = frozenset(
    """annotation categorization comparison cuboidannotation datacollection documentmodel
documenttranscription imageannotation laneannotation lidarannotation lidarlinking lidarsegmentation
lidartopdown lineannotation namedentityrecognition pointannotation polygonannotation segmentannotation
transcription textcollection videoannotation videoboxannotation videoplaybackannotation
videocuboidannotation sensorfusion chat chatexperimental chatlite multichat multistage
federal2dvideoannotation""".split()
)
PIPELINES = ("standard_task", "consensus_task")
HISTORY_ONLY = ("version", "created_at")  # what a param_history entry adds; the API sets them, not params


def project_json(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "created_at": row["created_at"],
        "studio": bool(row["studio"]),
        "rapid": bool(row["rapid"]),
        "param_history": json.loads(row["param_history"]),
        "ontologyHistory": json.loads(row["ontology_history"]),
    }
    if row["studio"]:
        out["pipeline"] = row["pipeline"]
        if row["consensus_attempts"] is not None:
            out["consensus_attempts"] = row["consensus_attempts"]
    return out


def pipeline_args(body: dict[str, Any], *, studio: bool, required: bool) -> tuple[str | None, int | None]:
    """The pipeline and consensus attempts of a create or update body, checked as the API does."""
    if body.get("pipeline") is None and body.get("consensus_attempts") is None and not required:
        return None, None
    if not studio:
        raise SandboxError(400, "Pipeline configuration is only available for Studio projects")
    pipeline = choice(body, "pipeline", PIPELINES)
    attempts = count(body, "consensus_attempts")
    if attempts is not None and pipeline != "consensus_task":
        raise SandboxError(400, '"consensus_attempts" is only valid with the consensus_task pipeline')
    return pipeline, attempts


@overload
def params_of(body: dict[str, Any], field: None = None) -> dict[str, Any]: ...
@overload
def params_of(body: dict[str, Any], field: str) -> dict[str, Any] | None: ...
def params_of(body: dict[str, Any], field: str | None = None) -> dict[str, Any] | None:
    """The params a body sets (the field `field` of it, or the whole body), without the keys a
    history entry adds itself."""
    params = body if field is None else mapping(body, field)
    for key in HISTORY_ONLY:
        if params is not None and key in params:
            raise invalid(key, "is set by the API and cannot be a param")
    return params


def next_version(history: list[Any]) -> int:
    """The version after the latest (a twin's copied history may hold any value there)."""
    last = history[-1].get("version") if history and isinstance(history[-1], dict) else None
    return last + 1 if isinstance(last, int) and not isinstance(last, bool) else len(history)


def _label(entry: Any) -> str:
    """An ontology entry's label: the entry itself, or its "choice"; its other fields checked."""
    if isinstance(entry, str):
        return entry
    choice = entry.get("choice") if isinstance(entry, dict) else None
    if not isinstance(choice, str):
        raise SandboxError(400, 'Each ontology entry must be a string or an object with a "choice"')
    text(entry, "display")
    text(entry, "description")
    if entry.get("subchoices") is not None and not isinstance(entry["subchoices"], list):
        raise invalid("subchoices", "must be an array")
    return choice


def check_choices(choices: list[Any], seen: set[str]) -> None:
    """Each entry a string or {choice, subchoices}; every label unique across the whole tree."""
    for c in choices:
        label = _label(c)
        if label in seen:
            raise SandboxError(
                400, f"Ontology choices and their subchoices must be unique throughout the ontology: {label!r}"
            )
        seen.add(label)
        if isinstance(c, dict) and c.get("subchoices"):
            check_choices(c["subchoices"], seen)


class ProjectOps(StoreBase):
    def list_projects(self, archived: str | None = None) -> list[dict[str, Any]]:
        if archived in ("true", "True"):
            return []  # the sandbox never archives projects
        return [project_json(r) for r in self.db.execute("SELECT * FROM projects ORDER BY seq")]

    def get_project(self, name: str) -> dict[str, Any]:
        return project_json(self._project(name))

    def create_project(self, body: dict[str, Any]) -> dict[str, Any]:
        name, ptype = text(body, "name", required=True), text(body, "type", required=True)
        if ptype not in TASK_TYPES:
            raise invalid("type", f"must be a task type, got {ptype[:60]!r}")
        studio, rapid = flag(body, "studio"), flag(body, "rapid")
        params = params_of(body, "params")
        text(body, "datasetId")  # accepted and ignored: the sandbox has no Nucleus datasets
        pipeline, attempts = pipeline_args(body, studio=studio, required=False)
        if self.db.execute("SELECT 1 FROM projects WHERE name=?", (name,)).fetchone():
            raise SandboxError(409, f"A project with name {name!r} already exists.")
        now = iso(self.now())
        history = [] if params is None else [{"version": 0, "created_at": now, **params}]
        self.db.execute(
            "INSERT INTO projects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                name,
                self.new_id(1),
                ptype,
                int(studio),
                int(rapid),
                pipeline or ("standard_task" if studio else None),
                attempts,
                now,
                json.dumps(history),
                "[]",
                self.next_seq(),
            ),
        )
        return self.get_project(name)

    def set_params(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        row = self._project(name)
        patch = flag(body, "patch")
        given = params_of({k: v for k, v in body.items() if k != "patch"})
        history = json.loads(row["param_history"])
        latest = {k: v for k, v in (history[-1] if history else {}).items() if k not in HISTORY_ONLY}
        params = {**latest, **given} if patch else given
        history.append({"version": next_version(history), "created_at": iso(self.now()), **params})
        self.db.execute("UPDATE projects SET param_history=? WHERE name=?", (json.dumps(history), name))
        return self.get_project(name)

    def set_ontology(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        row = self._project(name)
        ontology, label = body.get("ontology"), text(body, "name")
        if not isinstance(ontology, list) or not ontology:
            raise invalid("ontology", "is required and must be a non-empty array")
        check_choices(ontology, set())
        history = json.loads(row["ontology_history"])
        entry = {"version": len(history), "created_at": iso(self.now()), "ontology": ontology}
        if label is not None:
            entry["name"] = label
        history.append(entry)
        self.db.execute("UPDATE projects SET ontology_history=? WHERE name=?", (json.dumps(history), name))
        return self.get_project(name)

    def update_pipeline(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        row = self._project(name)
        pipeline, attempts = pipeline_args(body, studio=bool(row["studio"]), required=True)
        self.db.execute("UPDATE projects SET pipeline=?, consensus_attempts=? WHERE name=?", (pipeline, attempts, name))
        return self.get_project(name)
