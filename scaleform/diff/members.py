"""Studio assignments (labelers) and labeler groups of one declared project."""

from __future__ import annotations

from scaleform.address import GroupAddress, GroupMemberAddress, LabelerAddress
from scaleform.changes import Unmanaged
from scaleform.diff.context import DiffContext
from scaleform.errors import Problem
from scaleform.kinds import SAFETY_KEYS, Kind, Phase
from scaleform.model import DesiredProject

_UNREACHABLE = ("disabled", "not a teammate")  # a problem was recorded: plan nothing for them


def diff_labelers(context: DiffContext, declared: DesiredProject, *, exists: bool) -> None:
    project = declared.name
    live = context.live.project_labelers(project) if exists else frozenset()
    want = set(declared.labelers or ())
    context.out.removals[SAFETY_KEYS[Kind.LABELER]].live += len(live)
    for email in sorted(want - live):
        why = context.person_status(email, declared.labeler_locs.get(email))
        if why not in _UNREACHABLE:
            context.add(
                LabelerAddress(project, email),
                "create",
                None,
                {"email": email},
                "declared in labelers",
                Phase.ASSIGNMENT_ADDS,
                why=why,
            )
    for email in sorted(live - want):
        runs = context.removal(
            LabelerAddress(project, email),
            {"email": email},
            "assigned live; not in labelers",
            Phase.ASSIGNMENT_REMOVALS,
        )
        if runs:
            context.out.removals[SAFETY_KEYS[Kind.LABELER]].removed += 1
        _leave_undeclared_groups(context, declared, email)


def _leave_undeclared_groups(context: DiffContext, declared: DesiredProject, email: str) -> None:
    """Nobody can be in a group of a project they are not assigned to: leave its groups first.
    A declared group's own diff plans the removal."""
    for group_name, group in sorted(context.live.groups.get(declared.name, {}).items()):
        if email in group.members and group_name not in (declared.groups or {}):
            context.removal(
                GroupMemberAddress(declared.name, group_name, email),
                {"email": email},
                f"unassigned from {declared.name}: leaves its groups first",
            )


def diff_groups(context: DiffContext, declared: DesiredProject, *, exists: bool) -> None:
    project = declared.name
    live_groups = context.live.groups.get(project, {}) if exists else {}
    assigned = set(declared.labelers) if declared.labelers is not None else set(context.live.project_labelers(project))
    for group_name, declared_group in sorted((declared.groups or {}).items()):
        for email in declared_group.members:
            if email not in assigned:
                context.problems.append(
                    Problem(
                        f"{email} is in group '{group_name}' but is not assigned to project "
                        f"'{project}' live; declare `labelers` including them",
                        declared_group.member_locs.get(email),
                    )
                )
        status = {e: context.person_status(e, declared_group.member_locs.get(e)) for e in declared_group.members}
        live_group = live_groups.get(group_name)
        if live_group is None:
            _new_group(context, project, group_name, status)
            continue
        context.out.removals[SAFETY_KEYS[Kind.GROUP_MEMBER]].live += len(live_group.members)
        for email in sorted(set(declared_group.members) - live_group.members):
            context.add(
                GroupMemberAddress(project, group_name, email),
                "create",
                None,
                {"email": email},
                "declared in group",
                why=status[email],
            )
        for email in sorted(live_group.members - set(declared_group.members)):
            if context.removal(
                GroupMemberAddress(project, group_name, email), {"email": email}, "in the live group; not declared"
            ):
                context.out.removals[SAFETY_KEYS[Kind.GROUP_MEMBER]].removed += 1
    for group_name in sorted(live_groups):
        if group_name not in (declared.groups or {}):
            context.out.unmanaged.append(
                Unmanaged(GroupAddress(project, group_name), "not declared (the API cannot delete groups)")
            )


def _new_group(context: DiffContext, project: str, group_name: str, status: dict[str, str | None]) -> None:
    ready = sorted(e for e, why in status.items() if why is None)
    whole = bool(status) and not ready
    why = "invitation pending for every member: created once someone is ready" if whole else None
    if whole:
        context.deferred_groups.add((project, group_name))
    context.add(GroupAddress(project, group_name), "create", None, {"members": ready}, "declared; absent live", why=why)
    for email in sorted(status):
        context.add(
            GroupMemberAddress(project, group_name, email),
            "create",
            None,
            {"email": email},
            "declared in group",
            why=why or status[email],
        )
