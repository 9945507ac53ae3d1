"""Task types and their documented params, as data, and the check that uses them.

An unknown `type` is an error: the API refuses it, and only at apply would anyone learn so. An
unknown key in `params` is a warning: the API may accept params its documentation leaves out, so
`settings.strict_params: true` is how a team makes it an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial

from scaleform.errors import Location, Problem, did_you_mean
from scaleform.listing import first_few
from scaleform.manifest.references import Capped
from scaleform.model import DesiredProject

TASK_TYPES = frozenset(
    {
        "annotation",
        "categorization",
        "comparison",
        "cuboidannotation",
        "datacollection",
        "documentmodel",
        "documenttranscription",
        "imageannotation",
        "laneannotation",
        "lidarannotation",
        "lidarlinking",
        "lidarsegmentation",
        "lidartopdown",
        "lineannotation",
        "namedentityrecognition",
        "pointannotation",
        "polygonannotation",
        "segmentannotation",
        "transcription",
        "textcollection",
        "videoannotation",
        "videoboxannotation",
        "videoplaybackannotation",
        "videocuboidannotation",
        "sensorfusion",
        "chat",
        "chatexperimental",
        "chatlite",
        "multichat",
        "multistage",
        "federal2dvideoannotation",
    }
)

# Params every documented task type takes.
_COMMON = frozenset({"callback_url", "instruction", "attachment_type", "attachment", "urgency", "metadata"})

# The task types whose params are documented, and those params. Other types' params are not checked.
PARAMS: Mapping[str, frozenset[str]] = {
    "categorization": _COMMON | {"categories", "category_ids", "allow_multiple"},
    "transcription": _COMMON | {"fields"},
    "comparison": _COMMON | {"attachments", "fields", "choices"},
    "annotation": _COMMON | {"objects_to_annotate", "with_labels", "examples"},
    "datacollection": _COMMON | {"fields"},
    "imageannotation": _COMMON
    | {
        "tags",
        "batch",
        "layer",
        "links",
        "padding",
        "paddingX",
        "paddingY",
        "priority",
        "unique_id",
        "geometries",
        "hypothesis",
        "image_metadata",
        "base_annotations",
        "context_attachments",
        "annotation_attributes",
        "can_add_base_annotations",
        "clear_unique_id_on_error",
        "can_edit_base_annotations",
        "can_delete_base_annotations",
        "can_edit_base_annotation_labels",
    },
}


def _hint(wanted: str, known: Iterable[str]) -> str:
    hint = did_you_mean(wanted, known)
    return f" ({hint})" if hint else ""


def check_task_types(
    projects: Iterable[DesiredProject], *, strict_params: bool, problems: list[Problem]
) -> list[Problem]:
    """Unknown types become problems; unknown params keys warnings (problems when `strict_params`).
    Returns the warnings. What many projects take from one template is said once, where it is
    written, and at most MAX_SAME of a kind are listed."""
    unknown_types: dict[tuple[str, Location | None], list[str]] = {}
    unknown_keys: dict[tuple[str, str, Location | None], list[str]] = {}
    for project in projects:
        if not isinstance(project.type, str):  # not declared: an existing project's type is read live
            continue
        if project.type not in TASK_TYPES:
            unknown_types.setdefault((project.type, project.locs.get("type=")), []).append(project.name)
            continue
        known = PARAMS.get(project.type)
        if known is None or not isinstance(project.params, Mapping):
            continue
        key_locs: Mapping[str, Location] = getattr(project.params, "key_locs", {})
        for key in project.params:
            if key not in known:
                where = key_locs.get(key) or project.locs.get("params")
                unknown_keys.setdefault((str(key), project.type, where), []).append(project.name)
    types = Capped(problems, "unknown task types")
    for (task_type, where), names in unknown_types.items():
        types.add(_unknown_type, task_type, where, names)
    types.close()
    warnings: list[Problem] = []
    keys = Capped(problems if strict_params else warnings, "undocumented params keys")
    unknown_key = partial(_unknown_key, strict=strict_params)
    for (key, task_type, where), names in unknown_keys.items():
        keys.add(unknown_key, key, task_type, where, names)
    keys.close()
    return warnings


def _whose(names: list[str]) -> str:
    return f"project '{names[0]}'" if len(names) == 1 else "projects " + first_few([f"'{n}'" for n in names], 3)


def _unknown_type(task_type: str, where: Location | None, names: list[str]) -> Problem:
    return Problem(f"{_whose(names)}: unknown task type '{task_type}'{_hint(task_type, TASK_TYPES)}", where)


def _unknown_key(key: str, task_type: str, where: Location | None, names: list[str], *, strict: bool) -> Problem:
    why = " (an error because settings.strict_params is true)" if strict else ""
    return Problem(
        f"{_whose(names)}: params key '{key}' is not documented for {task_type}{_hint(key, PARAMS[task_type])}{why}",
        where,
    )
