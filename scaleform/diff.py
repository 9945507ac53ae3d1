"""(desired, live) -> changes. Every kind of DESIGN §4: team, projects and their settings,
labelers, groups and members, batches, batch priority.

The result is plain data (`Diff`); which API calls realize it is decided in plan.py. Problems
that make a plan impossible (an immutable type change, an unknown teammate, the admin declared
under another role) are collected with their manifest locations and raised together.
"""
from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from scaleform.changes import (PHASES, PRIORITY_ADDRESS, Change, Unmanaged, batch_address, group_address,
                               group_member_address, labeler_address, member_address, project_address)
from scaleform.errors import Problem, ScaleformError
from scaleform.model import ACTIVE_ROLES, DesiredProject, DesiredState, LiveState, choices_to_json


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    deferred: list[Change] = field(default_factory=list)
    suppressed: list[Change] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # removal safety (DESIGN §3): kind -> [removals, live items in declared collections]
    removals: dict[str, list[int]] = field(default_factory=lambda: {"labeler": [0, 0], "member": [0, 0]})


def plain(value: Any) -> Any:
    """Located YAML values -> plain JSON values (for before/after and request bodies)."""
    return json.loads(json.dumps(value))


def _expired(expiry: str | None, now: datetime) -> bool:
    if not expiry:
        return False
    try:
        when = datetime.fromisoformat(expiry.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when <= now


class _Differ:
    def __init__(self, desired: DesiredState, live: LiveState, now: datetime):
        self.d, self.l, self.now = desired, live, now
        self.out = Diff()
        self.problems: list[Problem] = []
        self.pending: dict[str, str] = {}  # email -> why it cannot be assigned yet
        self.deferred_groups: set[tuple[str, str]] = set()

    # -- helpers --------------------------------------------------------------------------------
    def add(self, address: str, action: str, before: Any, after: Any, reason: str, kind: str,
            phase_kind: str | None = None, why: str | None = None, suppressed: bool = False) -> None:
        change = Change(address, action, before, after, reason, kind, PHASES[phase_kind or kind], why)
        if suppressed:
            self.out.suppressed.append(change)
        elif why is not None:
            self.out.deferred.append(change)
        else:
            self.out.changes.append(change)

    def person_status(self, email: str, loc: Any) -> str | None:
        """None when the person can be assigned in this apply; else why not (deferred).
        Records a problem when the email is nobody's teammate."""
        if email in self.pending:
            return self.pending[email]
        live = (self.l.team or {}).get(email)
        if live is not None and (live.role in ACTIVE_ROLES or
                                 (live.role == "disabled" and self.d.team and email in self.d.team)):
            return None
        if live is not None and live.role == "disabled":
            self.problems.append(Problem(f"{email} is a disabled teammate and cannot be assigned; declare their role "
                                         "in `team` to re-enable them, or remove them here", loc))
            return "disabled"
        if live is None and not (self.d.team and email in self.d.team):
            self.problems.append(Problem(f"{email} is not a teammate (not in `team` and not on the live team); add "
                                         "them to `team` so they are invited, or remove them here", loc))
            return "not a teammate"
        return "invitation pending"

    # -- team -----------------------------------------------------------------------------------
    def team(self) -> None:
        live_team = self.l.team or {}
        if self.d.team is None:
            return
        for email, dm in sorted(self.d.team.items()):
            lm = live_team.get(email)
            address = member_address(email)
            if lm is None:
                self.add(address, "create", None, {"role": dm.role}, "declared in team: invite", "member")
                self.pending[email] = "invitation pending"
            elif lm.role == "invited":
                self.pending[email] = "invitation pending"
                if _expired(lm.expiry, self.now):
                    self.add(address, "create", {"role": "invited", "expiry": lm.expiry}, {"role": dm.role},
                             f"invitation expired at {lm.expiry}: invite again", "member")
                elif lm.is_studio_labeler is not None and lm.is_studio_labeler != (dm.role == "labeler"):
                    self.out.warnings.append(
                        f"{email} was invited as {'a labeler' if lm.is_studio_labeler else 'a non-labeler'} but is declared "
                        f"as {dm.role}; the role is set once they accept the invitation")
            elif lm.role == "admin":
                self.problems.append(Problem(f"{email} is the account admin; the admin's role never changes. Remove "
                                             f"them from team.{dm.role}s", dm.loc))
            elif lm.role != dm.role:
                reason = "re-enable a disabled teammate" if lm.role == "disabled" else "role differs"
                self.add(address, "update", {"role": lm.role}, {"role": dm.role}, reason, "member")
        for email, lm in sorted(live_team.items()):
            if email not in self.d.team:
                what = "pending invitation" if lm.role == "invited" else f"role {lm.role}"
                self.out.unmanaged.append(Unmanaged(member_address(email),
                                                    f"{what}; not declared in team (the API cannot remove teammates)"))

    # -- projects -------------------------------------------------------------------------------
    def projects(self) -> None:
        live_projects = self.l.projects or {}
        for name, dp in sorted(self.d.projects.items()):
            lp = live_projects.get(name)
            if lp is None:
                self.new_project(dp)
            else:
                self.existing_project(dp, lp)
            if dp.labelers is not None:
                self.labelers(dp, exists=lp is not None)
            if dp.groups is not None:
                self.groups(dp, exists=lp is not None)
        if self.l.projects is not None:
            for name in sorted(live_projects):
                if name not in self.d.projects and any(b.project == name for b in self.d.batches.values()):
                    continue
                if name not in self.d.projects:
                    self.out.unmanaged.append(Unmanaged(project_address(name), "not declared in the manifests"))

    def new_project(self, dp: DesiredProject) -> None:
        after = {"type": dp.type, "studio": bool(dp.studio), "rapid": bool(dp.rapid)}
        self.add(project_address(dp.name), "create", None, after, "declared; absent live", "project")
        if dp.params is not None:
            self.add(project_address(dp.name, ".params"), "create", None, plain(dp.params),
                     "set at creation", "params", "project")
        if dp.pipeline is not None:
            self.add(project_address(dp.name, ".pipeline"), "create", None, dp.pipeline.body(),
                     "set at creation", "pipeline", "project")
        if dp.ontology is not None:
            self.add(project_address(dp.name, ".ontology"), "create", None, _ontology_json(dp),
                     "set after creation", "ontology", "settings")

    def existing_project(self, dp: DesiredProject, lp: Any) -> None:
        if lp.type != dp.type:
            self.problems.append(Problem(f"project '{dp.name}' is live as type '{lp.type}'; type is immutable and the "
                                         "API cannot delete projects. Declare the live type or use a new project name",
                                         dp.locs.get("type=")))
        for flag in ("studio", "rapid"):
            want, have = getattr(dp, flag), getattr(lp, flag)
            if want is not None and have is not None and want != have:
                self.problems.append(Problem(f"project '{dp.name}' is live with {flag}: {str(have).lower()}; {flag} is "
                                             "immutable once created", dp.locs.get(f"{flag}=")))
        if dp.params is not None:
            want = plain(dp.params)
            if want != lp.params:
                self.add(project_address(dp.name, ".params"), "update", lp.params, want,
                         "params differ from the latest version", "params", "settings")
        if dp.ontology is not None and dp.ontology.choices != lp.ontology:
            before = {"choices": choices_to_json(lp.ontology)} if lp.ontology is not None else None
            self.add(project_address(dp.name, ".ontology"), "update", before, _ontology_json(dp),
                     "ontology choices differ from the latest version", "ontology", "settings")
        if dp.pipeline is not None:
            if not lp.pipeline_known:
                self.out.warnings.append(f"the API does not report the pipeline of project '{dp.name}'; it is set at "
                                         "creation only and later drift cannot be seen")
            elif lp.pipeline != dp.pipeline:
                self.add(project_address(dp.name, ".pipeline"), "update",
                         lp.pipeline.body() if lp.pipeline else None, dp.pipeline.body(),
                         "pipeline differs", "pipeline", "settings")

    # -- labelers and groups --------------------------------------------------------------------
    def labelers(self, dp: DesiredProject, exists: bool) -> None:
        live = self.l.project_labelers(dp.name) if exists else frozenset()
        want = set(dp.labelers or ())
        self.out.removals["labeler"][1] += len(live)
        for email in sorted(want - live):
            why = self.person_status(email, dp.labeler_locs.get(email))
            if why == "disabled" or why == "not a teammate":
                continue
            self.add(labeler_address(dp.name, email), "create", None, {"email": email}, "declared in labelers",
                     "labeler", "labeler_add", why=why)
        for email in sorted(live - want):
            suppressed = not self.d.prune
            self.add(labeler_address(dp.name, email), "delete", {"email": email}, None,
                     "assigned live; not in labelers", "labeler", "labeler_remove",
                     why="prune is off" if suppressed else None, suppressed=suppressed)
            if not suppressed:
                self.out.removals["labeler"][0] += 1
            # Nobody can be in a group of a project they are not assigned to: leave its groups first.
            for gname, group in sorted(self.l.groups.get(dp.name, {}).items()):
                declared = (dp.groups or {}).get(gname)
                if email in group.members and (declared is None or email not in declared.members):
                    if declared is not None:
                        continue  # the group diff plans this removal itself
                    self.add(group_member_address(dp.name, gname, email), "delete", {"email": email}, None,
                             f"unassigned from {dp.name}: leaves its groups first", "group_member",
                             why="prune is off" if suppressed else None, suppressed=suppressed)

    def groups(self, dp: DesiredProject, exists: bool) -> None:
        live_groups = self.l.groups.get(dp.name, {}) if exists else {}
        assigned = set(dp.labelers) if dp.labelers is not None else set(self.l.project_labelers(dp.name))
        for gname, dg in sorted((dp.groups or {}).items()):
            for email in dg.members:
                if email not in assigned:
                    self.problems.append(Problem(f"{email} is in group '{gname}' but is not assigned to project "
                                                 f"'{dp.name}' live; declare `labelers` including them",
                                                 dg.member_locs.get(email)))
            status = {e: self.person_status(e, dg.member_locs.get(e)) for e in dg.members}
            ready = sorted(e for e, why in status.items() if why is None)
            lg = live_groups.get(gname)
            gaddr = group_address(dp.name, gname)
            if lg is None:
                whole = bool(dg.members) and not ready
                why = "invitation pending for every member: created once someone is ready" if whole else None
                if whole:
                    self.deferred_groups.add((dp.name, gname))
                self.add(gaddr, "create", None, {"members": ready}, "declared; absent live", "group", why=why)
                for email in sorted(dg.members):
                    self.add(group_member_address(dp.name, gname, email), "create", None, {"email": email},
                             "declared in group", "group_member", why=why or status[email])
                continue
            self.out.removals["member"][1] += len(lg.members)
            for email in sorted(set(dg.members) - lg.members):
                self.add(group_member_address(dp.name, gname, email), "create", None, {"email": email},
                         "declared in group", "group_member", why=status[email])
            for email in sorted(lg.members - set(dg.members)):
                suppressed = not self.d.prune
                if not suppressed:
                    self.out.removals["member"][0] += 1
                self.add(group_member_address(dp.name, gname, email), "delete", {"email": email}, None,
                         "in the live group; not declared", "group_member",
                         why="prune is off" if suppressed else None, suppressed=suppressed)
        for gname in sorted(live_groups):
            if gname not in (dp.groups or {}):
                self.out.unmanaged.append(Unmanaged(group_address(dp.name, gname),
                                                    "not declared (the API cannot delete groups)"))

    # -- batches --------------------------------------------------------------------------------
    def batches(self) -> list[str]:
        """Plan batch changes; returns the names of Studio batches this plan creates."""
        created: list[str] = []
        studio = {b.name: b for b in self.l.studio_batches or ()}
        live_projects = self.l.projects or {}
        for name, db in sorted(self.d.batches.items()):
            dp = self.d.projects.get(db.project)
            lp = live_projects.get(db.project)
            if dp is None and lp is None:
                self.problems.append(Problem(f"batch '{name}' belongs to project '{db.project}', which is neither "
                                             "declared nor live", db.locs.get("project=")))
                continue
            is_studio = bool(dp.studio if dp is not None and dp.studio is not None else (lp.studio if lp else False))
            staging_at_birth = is_studio or bool(dp.rapid if dp is not None and dp.rapid is not None else (lp.rapid if lp else False))
            creating = False
            if name in self.l.batches:
                lb = self.l.batches[name]
                if lb is None and db.create:
                    creating = True
                    self.add(batch_address(name), "create", None,
                             {"project": db.project, "calibration_batch": db.calibration_batch,
                              "self_label_batch": db.self_label_batch}, "declared with create: true", "batch")
                    if is_studio:
                        created.append(name)
                    if db.finalize and staging_at_birth:
                        self.add(batch_address(name, ".status"), "create", None, "in_progress", "finalize: true",
                                 "batch_status")
                elif lb is None:
                    self.out.warnings.append(f"batch '{name}' does not exist and `create` is not set; nothing is "
                                             "planned for it")
                    continue
                else:
                    if lb.project != db.project:
                        self.problems.append(Problem(f"batch '{name}' belongs to project '{lb.project}' live, not "
                                                     f"'{db.project}'", db.locs.get("project=")))
                        continue
                    if db.finalize and lb.status == "staging":
                        self.add(batch_address(name, ".status"), "update", "staging", "in_progress", "finalize: true",
                                 "batch_status")
            if db.groups is None:
                continue
            sb = studio.get(name)
            if sb is None and not creating:
                self.out.warnings.append(f"batch '{name}' is not pending in Studio; its groups are not managed now")
                continue
            if creating and not is_studio:
                self.out.warnings.append(f"batch '{name}' is not in a Studio project; `groups` does not apply")
                continue
            want = list(db.groups)
            have = list(sb.groups) if sb is not None else []
            why = self._batch_groups_blocked(db.project, want, db.locs.get("groups"))
            removed = [g for g in have if g not in want]
            if removed and not self.d.prune:
                self.add(batch_address(name, ".groups"), "delete", have, [g for g in have if g not in removed],
                         "assigned live; not declared", "batch_groups", why="prune is off", suppressed=True)
                want = want + [g for g in removed if g not in want]
            if set(want) != set(have) or creating:
                action = "create" if creating else "update"
                self.add(batch_address(name, ".groups"), action, None if creating else have, want,
                         "batch groups differ" if not creating else "declared groups", "batch_groups", why=why)
        return created

    def _batch_groups_blocked(self, project: str, groups: list[str], loc: Any) -> str | None:
        for g in groups:
            if "@" in g:
                why = self.person_status(g, loc)
                if why is not None:
                    return why
            elif (project, g) in self.deferred_groups:
                return f"invitation pending (group {g} is deferred)"
            else:
                declared = (self.d.projects.get(project).groups or {}) if project in self.d.projects else {}
                if g not in declared and g not in self.l.groups.get(project, {g: None}):
                    self.problems.append(Problem(f"group '{g}' is neither declared nor live in project '{project}'", loc))
        return None

    def priority(self, created: list[str]) -> None:
        spec = self.d.batch_priority
        if spec is None or self.l.studio_batches is None:
            return
        live_order = [b.name for b in self.l.studio_batches]
        if spec == "default":
            created_at = self.l.batch_created or {}
            kinds = {b.name: b.batch_type for b in self.l.studio_batches}
            default = sorted(live_order, key=lambda n: (kinds[n] != "Calibration", created_at.get(n, ""), n))
            calibrating = [n for n in created if self.d.batches[n].calibration_batch]
            if default != live_order or calibrating:
                self.add(PRIORITY_ADDRESS, "update", live_order, "default",
                         "pending batches are not in the default order", "batch_priority")
            return
        pending = live_order + sorted(created)
        rank = _ranker(spec)
        order = sorted(pending, key=rank)  # stable: ties keep their current relative order
        # Concurrently created batches land in an order the API decides: set it explicitly.
        if order != pending or len(created) > 1:
            self.add(PRIORITY_ADDRESS, "update", live_order, order, "pending batches are not in the declared order",
                     "batch_priority")


def _ranker(patterns: tuple[str, ...]):
    """name -> index of the first pattern it matches (len(patterns) when none): exact names by
    lookup, globs by one compiled regex each, so 500 names x 500 patterns stays cheap."""
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


def _ontology_json(dp: DesiredProject) -> dict:
    out: dict[str, Any] = {"choices": choices_to_json(dp.ontology.choices)}
    if dp.ontology.name is not None:
        out["name"] = dp.ontology.name
    return out


def diff(desired: DesiredState, live: LiveState, now: datetime | None = None) -> Diff:
    differ = _Differ(desired, live, now or datetime.now(timezone.utc))
    differ.team()
    differ.projects()
    created = differ.batches()
    differ.priority(created)
    if differ.problems:
        unique = list(dict.fromkeys(differ.problems))
        raise ScaleformError(unique)
    out = differ.out
    for items in (out.changes, out.deferred, out.suppressed):
        items.sort(key=Change.sort_key)
    out.unmanaged.sort(key=lambda u: u.address)
    return out
