"""Projects: creation, immutable type and flags, params, ontology and pipeline."""

from __future__ import annotations

from typing import Any

from scaleform.address import Kind, ProjectAddress
from scaleform.changes import Unmanaged
from scaleform.diff.context import DiffContext, json_value
from scaleform.diff.members import diff_groups, diff_labelers
from scaleform.errors import Problem
from scaleform.kinds import Phase
from scaleform.model import DesiredProject, LiveProject, choices_to_json


def diff_projects(context: DiffContext) -> None:
    live_projects = context.live.projects or {}
    for name, declared in sorted(context.desired.projects.items()):
        live_project = live_projects.get(name)
        if live_project is None:
            _new_project(context, declared)
        else:
            _existing_project(context, declared, live_project)
        if declared.labelers is not None:
            diff_labelers(context, declared, exists=live_project is not None)
        if declared.groups is not None:
            diff_groups(context, declared, exists=live_project is not None)
    if context.live.projects is None:
        return
    batch_projects = {b.project for b in context.desired.batches.values()}
    for name in sorted(live_projects):
        if name not in context.desired.projects and name not in batch_projects:
            context.out.unmanaged.append(Unmanaged(ProjectAddress(name), "not declared in the manifests"))


def _new_project(context: DiffContext, declared: DesiredProject) -> None:
    name = declared.name
    after = {"type": declared.type, "studio": bool(declared.studio), "rapid": bool(declared.rapid)}
    context.add(ProjectAddress(name), "create", None, after, "declared; absent live")
    if declared.params is not None:
        context.add(
            ProjectAddress(name, kind=Kind.PARAMS),
            "create",
            None,
            json_value(declared.params),
            "set at creation",
            Phase.PROJECT_CREATION,
        )
    if declared.pipeline is not None:
        context.add(
            ProjectAddress(name, kind=Kind.PIPELINE),
            "create",
            None,
            declared.pipeline.body(),
            "set at creation",
            Phase.PROJECT_CREATION,
        )
    if declared.ontology is not None:
        context.add(
            ProjectAddress(name, kind=Kind.ONTOLOGY),
            "create",
            None,
            ontology_json(declared),
            "set after creation",
            Phase.SETTINGS,
        )


def _existing_project(context: DiffContext, declared: DesiredProject, live: LiveProject) -> None:
    _immutable(context, declared, live)
    _settings(context, declared, live)


def _immutable(context: DiffContext, declared: DesiredProject, live: LiveProject) -> None:
    """Type and flags cannot change once a project exists: a difference is a plan error."""
    name = declared.name
    if live.type != declared.type:
        context.problems.append(
            Problem(
                f"project '{name}' is live as type '{live.type}'; type is immutable and the "
                "API cannot delete projects. Declare the live type or use a new project name",
                declared.locs.get("type="),
            )
        )
    for flag in ("studio", "rapid"):
        want, have = getattr(declared, flag), getattr(live, flag)
        if want is not None and have is not None and want != have:
            context.problems.append(
                Problem(
                    f"project '{name}' is live with {flag}: {str(have).lower()}; {flag} is immutable once created",
                    declared.locs.get(f"{flag}="),
                )
            )


def _settings(context: DiffContext, declared: DesiredProject, live: LiveProject) -> None:
    name = declared.name
    if declared.params is not None:
        want_params = json_value(declared.params)
        if want_params != live.params:
            context.add(
                ProjectAddress(name, kind=Kind.PARAMS),
                "update",
                live.params,
                want_params,
                "params differ from the latest version",
                Phase.SETTINGS,
            )
    if declared.ontology is not None and declared.ontology.choices != live.ontology:
        before = {"choices": choices_to_json(live.ontology)} if live.ontology is not None else None
        context.add(
            ProjectAddress(name, kind=Kind.ONTOLOGY),
            "update",
            before,
            ontology_json(declared),
            "ontology choices differ from the latest version",
            Phase.SETTINGS,
        )
    if declared.pipeline is not None:
        if not live.pipeline_known:
            context.out.warnings.append(
                f"the API does not report the pipeline of project '{name}'; it is set at "
                "creation only and later drift cannot be seen"
            )
        elif live.pipeline != declared.pipeline:
            context.add(
                ProjectAddress(name, kind=Kind.PIPELINE),
                "update",
                live.pipeline.body() if live.pipeline else None,
                declared.pipeline.body(),
                "pipeline differs",
                Phase.SETTINGS,
            )


def ontology_json(declared: DesiredProject) -> dict[str, Any]:
    ontology = declared.ontology
    if ontology is None:
        raise ValueError(f"project '{declared.name}' declares no ontology")
    out: dict[str, Any] = {"choices": choices_to_json(ontology.choices)}
    if ontology.name is not None:
        out["name"] = ontology.name
    return out
