"""Offline cross-reference checks on a merged `DesiredState`.

Each problem points at the node that breaks the rule and names the other location when there is
one. What can only be known live (a batch's project that is not declared, an email not in a
declared team) becomes a note here and is decided by `plan`.
"""
from __future__ import annotations

from scaleform.errors import Problem
from scaleform.model import DesiredState


def check_references(state: DesiredState, problems: list[Problem]) -> list[str]:
    notes: list[str] = []
    team = state.team
    for project in state.projects.values():
        if project.pipeline is not None and project.studio is not True:
            problems.append(Problem(f"project '{project.name}': `pipeline` needs `studio: true` "
                                    "(pipelines exist only for Studio projects)", project.locs.get("pipeline"),
                                    project.locs.get("studio")))
        if (project.pipeline is not None and project.pipeline.consensus_attempts is not None
                and project.pipeline.type != "consensus_task"):
            problems.append(Problem(f"project '{project.name}': `consensus_attempts` needs "
                                    "`type: consensus_task`", project.locs.get("pipeline.consensus_attempts")))
        if team is not None:
            for email in project.labelers or ():
                if email not in team:
                    problems.append(Problem(f"{email} is a labeler of '{project.name}' but is not in `team`; "
                                            "add them to team (or remove them here)", project.labeler_locs[email]))
        labelers = set(project.labelers) if project.labelers is not None else None
        for group in (project.groups or {}).values():
            for email in group.members:
                loc = group.member_locs[email]
                if labelers is not None and email not in labelers:
                    problems.append(Problem(f"{email} is in group '{group.name}' but is not among the labelers "
                                            f"of project '{project.name}'; group members must be assigned to "
                                            "the project", loc, project.locs.get("labelers")))
                elif labelers is None and team is not None and email not in team:
                    problems.append(Problem(f"{email} is in group '{group.name}' but is not in `team`", loc))
    for batch in state.batches.values():
        project = state.projects.get(batch.project)
        if project is None:
            notes.append(f"batch '{batch.name}': project '{batch.project}' is not declared; plan checks "
                         "that it exists live")
        groups = set(project.groups or {}) if project is not None else set()
        for g in batch.groups or ():
            if "@" in g:
                if team is not None and g not in team:
                    problems.append(Problem(f"batch '{batch.name}' is assigned to {g}, who is not in `team`",
                                            batch.locs.get("groups")))
            elif project is not None and project.groups is not None and g not in groups:
                notes.append(f"batch '{batch.name}': group '{g}' is not declared in project "
                             f"'{batch.project}'; plan checks that it exists live")
    return notes
