"""The desired and live state types both sides of the diff share.

Plain frozen dataclasses. Desired objects carry the `Location` of their declaration so that
plan-time errors (a labeler who is nobody's teammate, a type change) still point at file:line:col.
Ontologies are kept in one normal form (every choice an object with sorted keys) so comparing
desired and live is plain equality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from scaleform.errors import Location

# Ontology normal form: a choice is its (key, value) pairs sorted by key, `subchoices` itself in
# normal form; the other values are as written (raw YAML/JSON).
Choice = tuple[tuple[str, Any], ...]
Choices = tuple[Choice, ...]

# The role vocabulary, said once. ROLES are the roles a manifest sets, most privileged first (the
# order `team` lists them in); `admin` is active too but never changes.
ROLES = ("manager", "member", "labeler")
ACTIVE_ROLES = ("admin", *ROLES)
ROLE_RANK = {role: rank for rank, role in enumerate(reversed(ACTIVE_ROLES))}  # labeler 0 ... admin 3
TEAM_KEYS = tuple((f"{role}s", role) for role in ROLES)  # `team.managers` lists the managers, ...


# ---- desired ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesiredMember:
    email: str
    role: str
    loc: Location | None = None


@dataclass(frozen=True)
class Pipeline:
    type: str
    consensus_attempts: int | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pipeline": self.type}
        if self.consensus_attempts is not None:
            out["consensus_attempts"] = self.consensus_attempts
        return out


@dataclass(frozen=True)
class Ontology:
    choices: Choices  # normal form (see normalize_choices)
    name: str | None = None


@dataclass(frozen=True)
class DesiredGroup:
    name: str
    members: tuple[str, ...]
    loc: Location | None = None
    member_locs: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class DesiredProject:
    name: str
    type: str
    studio: bool | None = None
    rapid: bool | None = None
    params: Mapping[str, Any] | None = None
    ontology: Ontology | None = None
    pipeline: Pipeline | None = None
    labelers: tuple[str, ...] | None = None
    groups: Mapping[str, DesiredGroup] | None = None
    loc: Location | None = None
    locs: Mapping[str, Location] = field(default_factory=dict)  # key -> its location; "key=" -> its value's
    labeler_locs: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class DesiredBatch:
    name: str
    project: str
    create: bool = False
    calibration_batch: bool = False
    self_label_batch: bool = False
    finalize: bool = False
    groups: tuple[str, ...] | None = None
    loc: Location | None = None
    locs: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchPriority:
    """`batch_priority`: batch-name patterns in order (fnmatch globs, the first match wins), or
    `default`: the API's own order (calibration batches first, then the oldest)."""

    patterns: tuple[str, ...] = ()
    default: bool = False

    @classmethod
    def declared(cls, value: str | Sequence[str]) -> BatchPriority:
        """From the manifest: the word `default`, or a list of patterns."""
        return cls(default=True) if isinstance(value, str) else cls(tuple(value))


@dataclass(frozen=True)
class DesiredState:
    team: Mapping[str, DesiredMember] | None  # None: `team` not declared
    projects: Mapping[str, DesiredProject]
    batches: Mapping[str, DesiredBatch]
    batch_priority: BatchPriority | None  # None: not managed
    prune: bool = True
    batch_priority_loc: Location | None = None
    notes: tuple[str, ...] = ()
    strict_params: bool = False  # settings.strict_params: undocumented params keys are errors


# ---- live ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveMember:
    email: str
    role: str  # admin | manager | member | labeler | disabled | invited
    expiry: str | None = None
    is_studio_labeler: bool | None = None


@dataclass(frozen=True)
class LiveProject:
    name: str
    type: str
    studio: bool | None
    rapid: bool | None
    params: Mapping[str, Any] | None  # latest param_history entry, without version/created_at
    ontology: Choices | None  # latest ontology choices, normal form
    pipeline: Pipeline | None
    pipeline_known: bool  # does the API report the pipeline at all?


@dataclass(frozen=True)
class LiveGroup:
    name: str
    members: frozenset[str]
    is_singleton: bool = False


@dataclass(frozen=True)
class LiveStudioBatch:
    name: str
    project: str
    batch_type: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class LiveBatch:
    name: str
    project: str
    status: str
    created_at: str | None = None
    calibration_batch: bool | None = None  # None: the API did not report it
    self_label_batch: bool | None = None


@dataclass(frozen=True)
class LiveState:
    """What refresh read. A field left None was not read (the manifests do not touch it)."""

    team: Mapping[str, LiveMember] | None = None
    assignments: Mapping[str, frozenset[str]] | None = None  # email -> project names
    projects: Mapping[str, LiveProject] | None = None
    groups: Mapping[str, Mapping[str, LiveGroup]] = field(default_factory=dict)  # project -> groups
    studio_batches: tuple[LiveStudioBatch, ...] | None = None  # pending, in priority order
    batches: Mapping[str, LiveBatch | None] = field(default_factory=dict)  # declared name -> batch/absent
    batch_created: Mapping[str, str] | None = None  # name -> created_at, only for `default`
    unaddressable: tuple[str, ...] = ()  # live objects skipped: their names cannot be addressed safely

    @cached_property
    def _labelers_by_project(self) -> dict[str, frozenset[str]]:
        index: dict[str, set[str]] = {}
        for email, projects in (self.assignments or {}).items():
            for p in projects:
                index.setdefault(p, set()).add(email)
        return {p: frozenset(emails) for p, emails in index.items()}

    def project_labelers(self, project: str) -> frozenset[str]:
        return self._labelers_by_project.get(project, frozenset())


# ---- ontology normal form --------------------------------------------------------------------


def normalize_choices(choices: Any) -> Choices:
    """A bare string equals {choice: s}; keys sorted; subchoices normalized recursively."""
    out: list[Choice] = []
    for c in choices or ():
        if isinstance(c, str):
            out.append((("choice", c),))
            continue
        items: list[tuple[str, Any]] = []
        for key in sorted(c):
            value = c[key]
            if key == "subchoices":
                if not value:
                    continue
                value = normalize_choices(value)
            items.append((key, value))
        out.append(tuple(items))
    return tuple(out)


def choices_to_json(choices: Choices) -> list[Any]:
    """Normal form back to the API's shape (bare strings where nothing else is set)."""
    out: list[Any] = []
    for c in choices:
        d = dict(c)
        if set(d) == {"choice"}:
            out.append(d["choice"])
            continue
        if "subchoices" in d:
            d["subchoices"] = choices_to_json(d["subchoices"])
        out.append(d)
    return out
