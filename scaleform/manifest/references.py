"""Offline cross-reference checks on a merged `DesiredState`.

Each problem points at the node that breaks the rule and names the other location when there is
one. What can only be known live (a batch's project that is not declared, an email not in a
declared team) becomes a note here and is decided by `plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scaleform.errors import Location, Problem
from scaleform.model import DesiredGroup, DesiredMember, DesiredProject, DesiredState

MAX_SAME = 100  # problems of one kind listed; the rest are counted


class Capped:
    """Problems of one kind: the first MAX_SAME listed, the rest counted in one last problem. One
    rule broken by every email of a big people set would otherwise hold and print a line each."""

    def __init__(self, problems: list[Problem], kind: str):
        self.problems = problems
        self.kind = kind
        self.listed = 0
        self.more = 0
        self.first_left: Location | None = None

    def add(self, make: Callable[..., Problem], *args: Any) -> None:
        """`make(*args)` makes the problem: only those listed (and the first left out) are made."""
        if self.listed < MAX_SAME:
            self.listed += 1
            self.problems.append(make(*args))
            return
        if not self.more:
            self.first_left = make(*args).location
        self.more += 1

    def close(self) -> None:
        if self.more:
            self.problems.append(
                Problem(f"… and {self.more:,} more {self.kind} (only the first {MAX_SAME} are listed)", self.first_left)
            )


def check_references(state: DesiredState, problems: list[Problem]) -> list[str]:
    not_in_team = Capped(problems, "emails not in `team`")
    not_labelers = Capped(problems, "group members not among their project's labelers")
    notes = _check(state, problems, not_in_team, not_labelers)
    not_in_team.close()
    not_labelers.close()
    return notes


def _check(state: DesiredState, problems: list[Problem], not_in_team: Capped, not_labelers: Capped) -> list[str]:
    for project in state.projects.values():
        _check_pipeline(project, problems)
        _check_people(project, state.team, not_in_team, not_labelers)
    return _check_batches(state, problems)


def _check_pipeline(project: DesiredProject, problems: list[Problem]) -> None:
    if project.pipeline is not None and project.studio is not True:
        problems.append(
            Problem(
                f"project '{project.name}': `pipeline` needs `studio: true` (pipelines exist only for Studio projects)",
                project.locs.get("pipeline"),
                project.locs.get("studio"),
            )
        )
    if (
        project.pipeline is not None
        and project.pipeline.consensus_attempts is not None
        and project.pipeline.type != "consensus_task"
    ):
        problems.append(
            Problem(
                f"project '{project.name}': `consensus_attempts` needs `type: consensus_task`",
                project.locs.get("pipeline.consensus_attempts"),
            )
        )


def _check_people(
    project: DesiredProject, team: Mapping[str, DesiredMember] | None, not_in_team: Capped, not_labelers: Capped
) -> None:
    if team is not None:
        for email in project.labelers or ():
            if email not in team:
                not_in_team.add(_labeler_not_in_team, email, project)
    labelers = set(project.labelers) if project.labelers is not None else None
    for group in (project.groups or {}).values():
        for email in group.members:
            if labelers is not None and email not in labelers:
                not_labelers.add(_member_not_labeler, email, group, project)
            elif labelers is None and team is not None and email not in team:
                not_in_team.add(_member_not_in_team, email, group)


def _check_batches(state: DesiredState, problems: list[Problem]) -> list[str]:
    """Batch problems; and notes on what only plan can check live."""
    notes: list[str] = []
    team = state.team
    for batch in state.batches.values():
        owner = state.projects.get(batch.project)
        if owner is None:
            notes.append(
                f"batch '{batch.name}': project '{batch.project}' is not declared; plan checks that it exists live"
            )
        groups = set(owner.groups or {}) if owner is not None else set()
        for g in batch.groups or ():
            if "@" in g:
                if team is not None and g not in team:
                    problems.append(
                        Problem(
                            f"batch '{batch.name}' is assigned to {g}, who is not in `team`", batch.locs.get("groups")
                        )
                    )
            elif owner is not None and owner.groups is not None and g not in groups:
                notes.append(
                    f"batch '{batch.name}': group '{g}' is not declared in project "
                    f"'{batch.project}'; plan checks that it exists live"
                )
    return notes


def _labeler_not_in_team(email: str, project: DesiredProject) -> Problem:
    return Problem(
        f"{email} is a labeler of '{project.name}' but is not in `team`; add them to team (or remove them here)",
        project.labeler_locs[email],
    )


def _member_not_labeler(email: str, group: DesiredGroup, project: DesiredProject) -> Problem:
    return Problem(
        f"{email} is in group '{group.name}' but is not among the labelers of project "
        f"'{project.name}'; group members must be assigned to the project",
        group.member_locs[email],
        project.locs.get("labelers"),
    )


def _member_not_in_team(email: str, group: DesiredGroup) -> Problem:
    return Problem(f"{email} is in group '{group.name}' but is not in `team`", group.member_locs[email])
