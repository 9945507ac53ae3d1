"""Projects: creation, their params history, ontology history and Studio pipeline."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from scaleform.sandbox.base import SandboxError, StoreBase, iso

TASK_TYPES = frozenset("""annotation categorization comparison cuboidannotation datacollection documentmodel
documenttranscription imageannotation laneannotation lidarannotation lidarlinking lidarsegmentation
lidartopdown lineannotation namedentityrecognition pointannotation polygonannotation segmentannotation
transcription textcollection videoannotation videoboxannotation videoplaybackannotation
videocuboidannotation sensorfusion chat chatexperimental chatlite multichat multistage
federal2dvideoannotation""".split())
PIPELINES = ("standard_task", "consensus_task")


def project_json(row: sqlite3.Row) -> dict:
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


def pipeline_args(body: dict, studio: bool, required: bool) -> tuple[str | None, int | None]:
    """The pipeline and consensus attempts of a create or update body, checked as the API does."""
    pipeline, attempts = body.get("pipeline"), body.get("consensus_attempts")
    if pipeline is None and attempts is None and not required:
        return None, None
    if not studio:
        raise SandboxError(400, "Pipeline configuration is only available for Studio projects")
    if pipeline not in PIPELINES:
        raise SandboxError(400, 'Parameter is invalid, reason: "pipeline" must be standard_task or consensus_task')
    if attempts is not None:
        if pipeline != "consensus_task":
            raise SandboxError(400, '"consensus_attempts" is only valid with the consensus_task pipeline')
        if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
            raise SandboxError(400, '"consensus_attempts" must be a positive integer')
    return pipeline, attempts


def check_choices(choices: list, seen: set[str]) -> None:
    """Each entry a string or {choice, subchoices}; every label unique across the whole tree."""
    for c in choices:
        if isinstance(c, str):
            label = c
        elif isinstance(c, dict) and isinstance(c.get("choice"), str):
            label = c["choice"]
            sub = c.get("subchoices")
            if sub is not None and not isinstance(sub, list):
                raise SandboxError(400, '"subchoices" must be an array')
        else:
            raise SandboxError(400, "Each ontology entry must be a string or an object with a \"choice\"")
        if label in seen:
            raise SandboxError(400, f"Ontology choices and their subchoices must be unique throughout the ontology: {label!r}")
        seen.add(label)
        if isinstance(c, dict) and c.get("subchoices"):
            check_choices(c["subchoices"], seen)


class ProjectOps(StoreBase):
    def list_projects(self, archived: str | None = None) -> list[dict]:
        if archived in ("true", "True"):
            return []  # the sandbox never archives projects
        return [project_json(r) for r in self.db.execute("SELECT * FROM projects ORDER BY seq")]

    def get_project(self, name: str) -> dict:
        return project_json(self._project(name))

    def create_project(self, body: dict) -> dict:
        name, ptype = body.get("name"), body.get("type")
        if not isinstance(name, str) or not name:
            raise SandboxError(400, 'Parameter is invalid, reason: "name" is required')
        if ptype not in TASK_TYPES:
            raise SandboxError(400, f'Parameter is invalid, reason: "type" must be a task type, got {ptype!r}')
        if self.db.execute("SELECT 1 FROM projects WHERE name=?", (name,)).fetchone():
            raise SandboxError(409, f"A project with name {name!r} already exists.")
        studio, rapid = bool(body.get("studio")), bool(body.get("rapid"))
        params = body.get("params")
        if params is not None and not isinstance(params, dict):
            raise SandboxError(400, 'Parameter is invalid, reason: "params" must be an object')
        pipeline, attempts = pipeline_args(body, studio, required=False)
        now = iso(self.now())
        history = [] if params is None else [{"version": 0, "created_at": now, **params}]
        self.db.execute("INSERT INTO projects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (name, self.new_id(1), ptype, int(studio), int(rapid),
                         pipeline or ("standard_task" if studio else None), attempts, now,
                         json.dumps(history), "[]", self.next_seq()))
        return self.get_project(name)

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
            raise SandboxError(400, 'Parameter is invalid, reason: "ontology" is required and must be a non-empty array')
        check_choices(ontology, set())
        history = json.loads(row["ontology_history"])
        entry = {"version": len(history), "created_at": iso(self.now()), "ontology": ontology}
        if isinstance(body.get("name"), str):
            entry["name"] = body["name"]
        history.append(entry)
        self.db.execute("UPDATE projects SET ontology_history=? WHERE name=?", (json.dumps(history), name))
        return self.get_project(name)

    def update_pipeline(self, name: str, body: dict) -> dict:
        row = self._project(name)
        pipeline, attempts = pipeline_args(body or {}, bool(row["studio"]), required=True)
        self.db.execute("UPDATE projects SET pipeline=?, consensus_attempts=? WHERE name=?", (pipeline, attempts, name))
        return self.get_project(name)
