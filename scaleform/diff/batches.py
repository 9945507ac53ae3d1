"""Batches (creation, finalize, Studio groups) and the pending-batch priority order."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from scaleform.address import BatchAddress, Kind, PriorityAddress
from scaleform.diff.context import DiffContext
from scaleform.errors import Problem
from scaleform.model import DesiredBatch, LiveBatch, LiveStudioBatch


def diff_batches(context: DiffContext) -> list[str]:
    """Plan batch changes; returns the names of Studio batches this plan creates."""
    created: list[str] = []
    studio = {b.name: b for b in context.live.studio_batches or ()}
    for name, declared in sorted(context.desired.batches.items()):
        flags = _project_flags(context, declared)
        if flags is None:
            continue
        is_studio, staging_at_birth = flags
        creating = False
        if name in context.live.batches:
            live_batch = context.live.batches[name]
            if live_batch is None and declared.create:
                creating = True
                _create(context, declared, finalize=declared.finalize and staging_at_birth)
                if is_studio:
                    created.append(name)
            elif live_batch is None:
                context.out.warnings.append(
                    f"batch '{name}' does not exist; add `create: true` to create it (nothing is planned for it now)"
                )
                continue
            elif live_batch.project != declared.project:
                context.problems.append(
                    Problem(
                        f"batch '{name}' belongs to project '{live_batch.project}' live, not '{declared.project}'",
                        declared.locs.get("project="),
                    )
                )
                continue
            elif _flags_differ(context, declared, live_batch):
                continue
            elif declared.finalize and live_batch.status == "staging":
                context.add(
                    BatchAddress(name, kind=Kind.BATCH_STATUS), "update", "staging", "in_progress", "finalize: true"
                )
        if declared.groups is not None:
            _batch_groups(context, declared, studio.get(name), creating=creating, is_studio=is_studio)
    return created


def _flags_differ(context: DiffContext, declared: DesiredBatch, live: LiveBatch) -> bool:
    """Create-time flags are immutable: a declared one that the live batch contradicts (someone
    else created it, or a create answered 409) is a plan error, never silently accepted."""
    differs = False
    for flag in ("calibration_batch", "self_label_batch"):
        want, have = getattr(declared, flag), getattr(live, flag)
        if f"{flag}=" in declared.locs and have is not None and want != have:
            context.problems.append(
                Problem(
                    f"batch '{declared.name}' is live with {flag}: {str(have).lower()}; "
                    f"{flag} is set at creation only. Declare the live value or use a new "
                    "batch name",
                    declared.locs[f"{flag}="],
                )
            )
            differs = True
    return differs


def _project_flags(context: DiffContext, declared: DesiredBatch) -> tuple[bool, bool] | None:
    """(is the batch's project a Studio project, is a new batch born in staging); None when the
    project is neither declared nor live (a problem is recorded)."""
    declared_project = context.desired.projects.get(declared.project)
    live_project = (context.live.projects or {}).get(declared.project)
    if declared_project is None and live_project is None:
        context.problems.append(
            Problem(
                f"batch '{declared.name}' belongs to project '{declared.project}', which is neither declared nor live",
                declared.locs.get("project="),
            )
        )
        return None

    def flag(name: str) -> bool:
        value = getattr(declared_project, name) if declared_project is not None else None
        if value is None and live_project is not None:
            value = getattr(live_project, name)
        return bool(value)

    return flag("studio"), flag("studio") or flag("rapid")


def _create(context: DiffContext, declared: DesiredBatch, *, finalize: bool) -> None:
    name = declared.name
    context.add(
        BatchAddress(name),
        "create",
        None,
        {
            "project": declared.project,
            "calibration_batch": declared.calibration_batch,
            "self_label_batch": declared.self_label_batch,
        },
        "declared with create: true",
    )
    if finalize:
        context.add(BatchAddress(name, kind=Kind.BATCH_STATUS), "create", None, "in_progress", "finalize: true")


def _batch_groups(
    context: DiffContext,
    declared: DesiredBatch,
    studio_batch: LiveStudioBatch | None,
    *,
    creating: bool,
    is_studio: bool,
) -> None:
    name = declared.name
    if studio_batch is None and not creating:
        context.out.warnings.append(f"batch '{name}' is not pending in Studio; its groups are not managed now")
        return
    if creating and not is_studio:
        context.out.warnings.append(f"batch '{name}' is not in a Studio project; `groups` does not apply")
        return
    address = BatchAddress(name, kind=Kind.BATCH_GROUPS)
    want = list(declared.groups or ())
    have = list(studio_batch.groups) if studio_batch is not None else []
    why = _groups_blocked(context, declared.project, want, declared.locs.get("groups"))
    removed = [g for g in have if g not in want]
    if removed and not context.desired.prune:
        context.add(
            address,
            "delete",
            have,
            [g for g in have if g not in removed],
            "assigned live; not declared",
            why="prune is off",
            suppressed=True,
        )
        want = want + [g for g in removed if g not in want]
    if set(want) != set(have) or creating:
        context.add(
            address,
            "create" if creating else "update",
            None if creating else have,
            want,
            "declared groups" if creating else "batch groups differ",
            why=why,
        )


def _groups_blocked(context: DiffContext, project: str, groups: list[str], loc: Any) -> str | None:
    """Why a batch's groups cannot be assigned yet (None: they can). Records a problem for a
    group that is neither declared nor live."""
    declared_project = context.desired.projects.get(project)
    declared_groups = (declared_project.groups or {}) if declared_project is not None else {}
    for group in groups:
        if "@" in group:
            why = context.person_status(group, loc)
            if why is not None:
                return why
        elif (project, group) in context.deferred_groups:
            return f"invitation pending (group {group} is deferred)"
        elif group not in declared_groups and group not in context.live.groups.get(project, {group: None}):
            context.problems.append(
                Problem(f"group '{group}' is neither declared nor live in project '{project}'", loc)
            )
    return None


def diff_priority(context: DiffContext, created: list[str]) -> None:
    spec = context.desired.batch_priority
    live_batches = context.live.studio_batches
    if spec is None or live_batches is None:
        return
    live_order = [b.name for b in live_batches]
    if spec.default:
        created_at = context.live.batch_created or {}
        types = {b.name: b.batch_type for b in live_batches}
        default = sorted(live_order, key=lambda n: (types[n] != "Calibration", created_at.get(n, ""), n))
        calibrating = [n for n in created if context.desired.batches[n].calibration_batch]
        if default != live_order or calibrating:
            context.add(
                PriorityAddress(), "update", live_order, "default", "pending batches are not in the default order"
            )
        return
    pending = live_order + sorted(created)
    rank = _ranker(spec.patterns)
    order = sorted(pending, key=rank)  # stable: ties keep their current relative order
    _warn_idle_patterns(context, spec.patterns, pending, {rank(n) for n in pending})
    # Concurrently created batches land in an order the API decides: set it explicitly.
    if order != pending or len(created) > 1:
        context.add(PriorityAddress(), "update", live_order, order, "pending batches are not in the declared order")


def _warn_idle_patterns(context: DiffContext, patterns: tuple[str, ...], pending: list[str], used: set[int]) -> None:
    """A pattern that places nothing is most likely a typo or a leftover: name it."""
    for i, pattern in enumerate(patterns):
        if i in used or _missing_batch(context, pattern):
            continue  # a declared batch that does not exist already has its own warning
        if any(fnmatch.fnmatchcase(n, pattern) for n in pending):
            why = "matches only pending batches an earlier pattern already placed"
        else:
            why = "matches no pending batch"
        context.out.warnings.append(f"batch_priority pattern '{pattern}' {why}")


def _missing_batch(context: DiffContext, name: str) -> bool:
    declared = context.desired.batches.get(name)
    return declared is not None and not declared.create and context.live.batches.get(name, declared) is None


def _ranker(patterns: tuple[str, ...]) -> Callable[[str], int]:
    """name -> index of the first pattern it matches (len(patterns) when none): exact names by
    lookup, globs by one compiled regex each, so many names against many patterns stays cheap."""
    exact: dict[str, int] = {}
    globs: list[tuple[int, Any]] = []
    for i, pattern in enumerate(patterns):
        if any(ch in pattern for ch in "*?["):
            globs.append((i, re.compile(fnmatch.translate(pattern))))
        exact.setdefault(pattern, i)

    def rank(name: str) -> int:
        best = exact.get(name, len(patterns))
        for i, regex in globs:
            if i >= best:
                break
            if regex.match(name):
                return i
        return best

    return rank
