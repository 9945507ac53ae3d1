"""Merge schema-valid documents into one `DesiredState`, checking rules local to each node.

Cross-object references (group members among labelers, emails among the team, ...) are checked
afterwards in `references.py`, on the finished state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scaleform.errors import Location, Problem
from scaleform.manifest.located import LocDict, LocList, key_loc, named_entries, value_loc
from scaleform.manifest.people import Emails
from scaleform.manifest.references import Capped
from scaleform.model import (
    TEAM_KEYS,
    BatchPriority,
    DesiredBatch,
    DesiredGroup,
    DesiredMember,
    DesiredProject,
    DesiredState,
    Ontology,
    Pipeline,
    normalize_choices,
)


def _emails(items: Any, problems: list[Problem], what: str) -> tuple[tuple[str, ...], Mapping[str, Location]]:
    """Lower-cased emails of a located list; a repeat (in any case) is an error."""
    if isinstance(items, Emails):  # sets expanded: shared emails, locations noted on demand
        problems.extend(
            Problem(f"{email} is listed twice in {what}", loc, first) for email, loc, first in items.repeats
        )
        return items.keys, items.locs
    out: list[str] = []
    locs: dict[str, Location] = {}
    if not isinstance(items, LocList):
        return (), {}
    for raw, loc in zip(items, items.item_locs):
        email = str(raw).strip().lower()
        if email in locs:
            problems.append(Problem(f"{email} is listed twice in {what}", loc, locs[email]))
            continue
        out.append(email)
        locs[email] = loc
    return tuple(out), locs


def _check_ontology(choices: Any, seen: dict[str, Location], problems: list[Problem]) -> None:
    if not isinstance(choices, LocList):
        return
    for item, loc in zip(choices, choices.item_locs):
        label = item if isinstance(item, str) else item.get("choice") if isinstance(item, dict) else None
        if isinstance(item, LocDict) and "choice" in item:
            loc = value_loc(item, "choice") or loc  # never None: a LocDict knows where its values are
        if isinstance(label, str):
            if label in seen:
                problems.append(
                    Problem(
                        f"ontology choice '{label}' appears twice; choices and subchoices "
                        "must be unique throughout the ontology",
                        loc,
                        seen[label],
                    )
                )
            else:
                seen[label] = loc
        if isinstance(item, dict):
            _check_ontology(item.get("subchoices"), seen, problems)


def _project(name: str, spec: LocDict, loc: Location, problems: list[Problem]) -> DesiredProject:
    locs = {k: spec.key_locs[k] for k in spec}
    locs.update({f"{k}=": spec.value_locs[k] for k in ("type", "studio", "rapid") if k in spec})  # value nodes
    ontology = None
    if isinstance(spec.get("ontology"), dict):
        raw = spec["ontology"]
        _check_ontology(raw.get("choices"), {}, problems)
        ontology = Ontology(normalize_choices(raw.get("choices")), raw.get("name"))
    pipeline = None
    if isinstance(spec.get("pipeline"), dict):
        p = spec["pipeline"]
        pipeline = Pipeline(p["type"], p.get("consensus_attempts"))
        if "consensus_attempts" in p:
            locs["pipeline.consensus_attempts"] = p.key_locs["consensus_attempts"]
    labelers: tuple[str, ...] | None = None
    labeler_locs: Mapping[str, Location] = {}
    if "labelers" in spec:
        labelers, labeler_locs = _emails(spec["labelers"], problems, f"the labelers of project '{name}'")
    groups = None
    if isinstance(spec.get("groups"), dict):
        groups = {}
        for gname, members in spec["groups"].items():
            emails, member_locs = _emails(members, problems, f"group '{gname}' of project '{name}'")
            groups[gname] = DesiredGroup(gname, emails, spec["groups"].key_locs[gname], member_locs)
    return DesiredProject(
        name=name,
        type=spec["type"],
        studio=spec.get("studio"),
        rapid=spec.get("rapid"),
        params=spec.get("params"),
        ontology=ontology,
        pipeline=pipeline,
        labelers=labelers,
        groups=groups,
        loc=loc,
        locs=locs,
        labeler_locs=labeler_locs,
    )


def _batch(name: str, spec: LocDict, loc: Location) -> DesiredBatch:
    groups = None
    if isinstance(spec.get("groups"), list):
        groups = tuple(g.lower() if "@" in g else g for g in spec["groups"])
    return DesiredBatch(
        name=name,
        project=spec["project"],
        create=bool(spec.get("create", False)),
        calibration_batch=bool(spec.get("calibration_batch", False)),
        self_label_batch=bool(spec.get("self_label_batch", False)),
        finalize=bool(spec.get("finalize", False)),
        groups=groups,
        loc=loc,
        locs={**{k: spec.key_locs[k] for k in spec}, **{f"{k}=": spec.value_locs[k] for k in spec}},
    )


def _team(docs: list[LocDict], problems: list[Problem]) -> dict[str, DesiredMember] | None:
    """Each declared person's role, merged across files (None: no file declares `team`)."""
    team: dict[str, DesiredMember] | None = None
    twice = Capped(problems, "people declared twice in `team`")
    for doc in docs:
        if not isinstance(doc.get("team"), LocDict):
            continue
        team = {} if team is None else team
        for key, role in TEAM_KEYS:
            emails, locs = _emails(doc["team"].get(key), problems, f"team.{key}")
            for email in emails:
                if email in team:
                    twice.add(_twice, email, team[email], role, key, locs[email])
                    continue
                team[email] = DesiredMember(email, role, locs[email])
    twice.close()
    return team


def _twice(email: str, other: DesiredMember, role: str, key: str, loc: Location) -> Problem:
    what = (
        f"{email} is listed under two roles ({other.role} and {role}); a person has one role"
        if other.role != role
        else f"{email} is declared twice in team.{key}"
    )
    return Problem(what, loc, other.loc)


def _once(docs: list[LocDict], key: str, what: str, problems: list[Problem]) -> tuple[Any, Location | None]:
    """A top-level key that one file at most may hold: its value and where it is."""
    value, where = None, None
    for doc in docs:
        if key in doc:
            here = key_loc(doc, key)
            if where is not None:
                problems.append(Problem(what, here, where))
            else:
                value, where = doc[key], here
    return value, where


def build_desired(docs: list[LocDict], *, prune_override: bool | None, problems: list[Problem]) -> DesiredState:
    settings, _ = _once(docs, "settings", "`settings` may appear in one file only", problems)
    prune = bool(settings.get("prune", True)) if isinstance(settings, dict) else True
    strict_params = bool(settings.get("strict_params", False)) if isinstance(settings, dict) else False
    team = _team(docs, problems)
    specs, locs = named_entries(docs, "projects", "project", object, problems)
    projects = {name: _project(name, spec, locs[name], problems) for name, spec in specs.items()}
    specs, locs = named_entries(docs, "batches", "batch", object, problems)
    batches = {name: _batch(name, spec, locs[name]) for name, spec in specs.items()}
    value, priority_loc = _once(docs, "batch_priority", "batch_priority is declared twice", problems)
    priority = None if priority_loc is None else BatchPriority.declared(value)
    if prune_override is False:
        prune = False
    return DesiredState(
        team=team,
        projects=projects,
        batches=batches,
        batch_priority=priority,
        prune=prune,
        batch_priority_loc=priority_loc,
        strict_params=strict_params,
    )
