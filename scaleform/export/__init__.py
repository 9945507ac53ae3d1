"""Live account -> manifests.

Writes `team.yaml`, `projects/<name>.yaml` and `batches.yaml`. What the format cannot express
(pending or expired invitations, disabled members, the admin's assignments) goes in comments and
is returned as notes. Export followed by plan shows `No changes.`.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from scaleform.api.parse import (
    addressable,
    latest_ontology,
    parse_assignments,
    parse_groups,
    parse_project,
    parse_studio_batches,
    parse_team,
)
from scaleform.api.typed import project_groups
from scaleform.errors import ScaleformError
from scaleform.event_loop import run_coroutine
from scaleform.export.files import encoded, project_paths, write_files
from scaleform.manifest_text import manifest_yaml
from scaleform.model import TEAM_KEYS, LiveMember
from scaleform.names import MAX_NAME, shown
from scaleform.redaction import in_a_run
from scaleform.schema_files import SCHEMA_DIR, modeline, shipped, write_schemas
from scaleform.target import Target

if TYPE_CHECKING:
    from scaleform.api.protocol import Client


@dataclass
class Export:
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text
    notes: list[str] = field(default_factory=list)


def file_name(name: str) -> str:
    """A safe file name for a project: percent-encoding for anything unusual (reversible). Export
    uses `project_paths`, which also settles names too long or equal ignoring case."""
    return encoded(name) + ".yaml"


# Overloads so that a name stays `str` for the checker; anything else is raw JSON.
@overload
def escaped(value: str) -> str: ...
@overload
def escaped(value: Any) -> Any: ...
def escaped(value: Any) -> Any:
    """`value` with every `${` in its strings and mapping keys written `$${`: live text is data,
    never a variable reference, and must read back the same."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {escaped(k): escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escaped(v) for v in value]
    return value


# YAML ends a comment at any of its line breaks, so live text in a comment must not hold one.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _shown_break(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _comment(text: str) -> str:
    """Live text made safe to write inside a comment."""
    return _BREAKS.sub(_shown_break, escaped(text))


async def _read(client: Client, projects: Iterable[str]) -> dict[str, Any]:
    team, assignments, all_projects, studio = await asyncio.gather(
        client.list_team(), client.assignments(), client.list_projects(), client.studio_batches()
    )
    wanted = set(projects)
    chosen = [p for p in all_projects if isinstance(p, dict) and (not wanted or p.get("name") in wanted)]
    missing = wanted - {p.get("name") for p in chosen}
    if missing:
        raise ScaleformError(f"no such project(s) to export: {', '.join(sorted(missing))}")
    skipped: list[str] = []
    chosen = [p for p in chosen if not isinstance(p.get("name"), str) or _declarable("project", p["name"], skipped)]
    groups = await asyncio.gather(*(_groups(client, p) for p in chosen if p.get("studio") is not False))
    return {
        "team": team,
        "assignments": assignments,
        "projects": chosen,
        "studio": studio,
        "groups": dict(groups),
        "skipped": skipped,
    }


async def _groups(client: Client, project: dict[str, Any]) -> tuple[str, Any]:
    """A project's groups; none when a 400 says it is not a Studio project (see project_groups)."""

    async def studio() -> bool | None:
        return project.get("studio") is True

    return project["name"], await project_groups(client.list_groups(project["name"]), studio)


def _templated(name: str, prefix: str | None) -> str:
    if prefix and name.startswith(prefix):
        return "${var.prefix}" + escaped(name[len(prefix) :])
    return escaped(name)  # a literal `${` in a live name must survive interpolation


def _project_spec(raw_project: dict[str, Any]) -> dict[str, Any]:
    """What the manifest format expresses of one live project."""
    project = parse_project(raw_project)
    spec: dict[str, Any] = {"type": project.type}
    for flag in ("studio", "rapid"):
        if getattr(project, flag) is not None:
            spec[flag] = getattr(project, flag)
    if project.params is not None:
        spec["params"] = project.params
    choices, label = latest_ontology(raw_project)
    if choices:
        spec["ontology"] = {**({"name": label} if label else {}), "choices": choices}
    if project.studio and project.pipeline is not None:
        spec["pipeline"] = {"type": project.pipeline.type}
        if project.pipeline.type == "consensus_task" and project.pipeline.consensus_attempts is not None:
            spec["pipeline"]["consensus_attempts"] = project.pipeline.consensus_attempts
    return spec


def _team_file(team: Mapping[str, LiveMember], admin: str | None, notes: list[str]) -> str:
    """team.yaml: active members by role; what roles cannot express goes in comments."""
    lines = {key: sorted(e for e, m in team.items() if m.role == role) for key, role in TEAM_KEYS}
    comments = []
    for email, m in sorted(team.items()):
        if m.role == "invited":
            comments.append(
                f"#   {_comment(email)}: invitation pending (expires {_comment(str(m.expiry))}; "
                f"{'as a labeler' if m.is_studio_labeler else 'role not reported'})"
            )
        elif m.role == "disabled":
            comments.append(f"#   {_comment(email)}: disabled (add them under a role to re-enable)")
    if comments:
        notes.append(
            f"{len(comments)} pending invitation(s) or disabled member(s) are listed in team.yaml comments only"
        )
    text = modeline("team.yaml") + "version: 1\n"
    if admin:
        text += f"# The account admin ({_comment(admin)}) is not listed: the admin's role is never managed.\n"
    if comments:
        text += "# Not expressible as roles (left alone by scaleform):\n" + "\n".join(comments) + "\n"
    text += manifest_yaml({"team": escaped(lines)})
    return text


def _declarable(kind: str, name: str, skipped: list[str]) -> bool:
    """Addressable, and short enough to declare: a longer name would be written to a manifest that
    validate then refuses. `skipped` is told why not."""
    if not addressable(kind, name, skipped):
        return False
    if len(name) > MAX_NAME:
        skipped.append(
            f"live {kind} {shown(name)} has a name of {len(name):,} characters, more than the {MAX_NAME} a "
            "manifest allows; scaleform skips it"
        )
        return False
    return True


def build_export(raw: dict[str, Any], prefix: str | None = None) -> Export:
    """`prefix`: names starting with it are written as `${var.prefix}…` (for cloning environments)."""
    out = Export()
    skipped: list[str] = list(raw.get("skipped", ()))

    def t(name: str) -> str:
        return _templated(name, prefix)

    team = parse_team(raw["team"], skipped)
    assignments = parse_assignments(raw["assignments"], skipped)
    admin = next((e for e, m in team.items() if m.role == "admin"), None)
    out.files["team.yaml"] = _team_file(team, admin, out.notes)

    projects = sorted(raw["projects"], key=lambda p: p["name"])
    paths = project_paths(p["name"] for p in projects)  # every file name, before anything is written
    for p in projects:
        name = p["name"]
        spec = _project_spec(p)
        labelers = sorted(e for e, ps in assignments.items() if name in ps)
        groups = {
            g: v
            for g, v in parse_groups(name, raw["groups"].get(name, []), skipped).items()
            if _declarable("group", g, skipped)
        }
        header = modeline(paths[name]) + "version: 1\n"
        if admin and admin in labelers:
            header += (
                f"# {_comment(admin)} (the admin) is assigned here; the admin cannot be declared in team, "
                "so labelers and the groups holding the admin are not managed for this project.\n"
            )
            out.notes.append(f"project '{name}': the admin is assigned, so its labelers are not exported")
        else:
            spec["labelers"] = labelers
        shown = {
            g: sorted(v.members)
            for g, v in sorted(groups.items())
            if not v.is_singleton and not (admin and admin in v.members)
        }
        if groups:
            spec["groups"] = shown
        out.files[paths[name]] = header + manifest_yaml({"projects": {t(name): escaped(spec)}})

    out.files["batches.yaml"] = _batches_file(raw["studio"], paths, skipped, t)
    out.notes += sorted(set(skipped))
    return out


def _batches_file(raw_studio: Any, exported: Mapping[str, str], skipped: list[str], t: Callable[[str], str]) -> str:
    """The pending Studio batches of the `exported` projects, and the whole priority order."""
    studio = parse_studio_batches(raw_studio)
    batches = {
        t(b.name): {"project": t(b.project), "groups": escaped(list(b.groups))}
        for b in studio
        if b.project in exported and _declarable("batch", b.name, skipped)
    }
    body: dict[str, Any] = {}
    if batches:
        body["batches"] = batches
    if studio:
        body["batch_priority"] = [t(b.name) for b in studio]
    text = (
        modeline("batches.yaml") + "version: 1\n"
        "# Pending Studio batches: their group assignment and the current priority, by exact name.\n"
        "# create/finalize flags are not exported.\n"
    )
    return text + (manifest_yaml(body) if body else "")


@in_a_run
def export_account(
    target: Target,
    out_dir: str | Path,
    projects: Iterable[str] = (),
    *,
    force: bool = False,
    prefix: str | None = None,
    templates: bool = False,
) -> Export:
    """Read the account and write manifests under `out_dir`. Never overwrites without `force`.
    `templates`: factor what projects share into templates and people sets."""
    out_dir = Path(out_dir)

    async def read() -> dict[str, Any]:
        async with target.client() as client:
            return await _read(client, projects)

    result = build_export(run_coroutine(read()), prefix)
    if prefix and any("${var.prefix}" in text for text in result.files.values()):
        # Nothing in the files defines `prefix`: say exactly how the first plan gets it.
        result.notes.append(
            f"names starting with '{prefix}' are written as ${{var.prefix}}…; plan these manifests "
            f"with --var {shlex.quote('prefix=' + prefix)}, or give an environment vars: "
            f"{{prefix: {json.dumps(prefix)}}}"
        )
    if templates:
        from scaleform.export.templates import factor

        result.files = factor(result.files)
    # The schemas are generated copies, not the user's: always replaced, so always current.
    schemas = [f"{SCHEMA_DIR}/{source.name}" for source in shipped()]
    write_files(
        out_dir, result.files, lambda folder: write_schemas(folder / SCHEMA_DIR), force=force, generated=schemas
    )
    return result
