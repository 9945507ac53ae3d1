"""`Address`: what a change is about, as a kind and the names that identify it.

Addresses are built from names by the differ and rendered once into the text form users see
(`project[a].group[night].member[li@acme.ai]`). `Address.parse` reads that text back, for saved
plans only; no other module looks inside an address string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    """The kinds of managed item, in the order plans list them by section."""

    MEMBER = "member"
    PROJECT = "project"
    PARAMS = "params"
    ONTOLOGY = "ontology"
    PIPELINE = "pipeline"
    LABELER = "labeler"
    GROUP = "group"
    GROUP_MEMBER = "group_member"
    BATCH = "batch"
    BATCH_STATUS = "batch_status"
    BATCH_GROUPS = "batch_groups"
    BATCH_PRIORITY = "batch_priority"


PROJECT_FACETS = (Kind.PARAMS, Kind.ONTOLOGY, Kind.PIPELINE)
_BATCH_FACETS = {Kind.BATCH_STATUS: "status", Kind.BATCH_GROUPS: "groups"}

# The fields each kind's addresses are identified by; the others are None.
_NAMES: dict[Kind, tuple[str, ...]] = {
    Kind.MEMBER: ("email",),
    **{k: ("project",) for k in (Kind.PROJECT, *PROJECT_FACETS)},
    Kind.LABELER: ("project", "email"),
    Kind.GROUP: ("project", "group"),
    Kind.GROUP_MEMBER: ("project", "group", "email"),
    **{k: ("batch",) for k in (Kind.BATCH, *_BATCH_FACETS)},
    Kind.BATCH_PRIORITY: (),
}


@dataclass(frozen=True)
class Address:
    kind: Kind
    project: str | None = None
    group: str | None = None
    email: str | None = None
    batch: str | None = None
    text: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _render(self))

    def __str__(self) -> str:
        return self.text

    def names(self) -> tuple[str, ...]:
        """The names that identify it, in address order (a labeler: project, email), each present."""
        values = tuple(getattr(self, f) for f in _NAMES[self.kind])
        if None in values:
            raise ValueError(f"{self.kind.value} address without {', '.join(_NAMES[self.kind])}")
        return values

    # -- constructors, one per row of the address table ---------------------------------------
    @classmethod
    def member(cls, email: str) -> Address:
        return cls(Kind.MEMBER, email=email)

    @classmethod
    def of_project(cls, project: str, facet: Kind = Kind.PROJECT) -> Address:
        return cls(facet, project=project)

    @classmethod
    def labeler(cls, project: str, email: str) -> Address:
        return cls(Kind.LABELER, project=project, email=email)

    @classmethod
    def of_group(cls, project: str, group: str) -> Address:
        return cls(Kind.GROUP, project=project, group=group)

    @classmethod
    def group_member(cls, project: str, group: str, email: str) -> Address:
        return cls(Kind.GROUP_MEMBER, project=project, group=group, email=email)

    @classmethod
    def of_batch(cls, batch: str, facet: Kind = Kind.BATCH) -> Address:
        return cls(facet, batch=batch)

    @classmethod
    def priority(cls) -> Address:
        return cls(Kind.BATCH_PRIORITY)

    @classmethod
    def parse(cls, text: str) -> Address:
        """The address that renders as `text`; ValueError when there is none."""
        match = _PATTERN.match(text)
        if match is None:
            raise ValueError(f"not a scaleform address: {text!r}")
        g = match.groupdict()
        if g["member"] is not None:
            return cls.member(g["member"])
        if g["priority"] is not None:
            return cls.priority()
        if g["batch"] is not None:
            facet = {v: k for k, v in _BATCH_FACETS.items()}.get(g["batch_facet"], Kind.BATCH)
            return cls.of_batch(g["batch"], facet)
        project = g["project"]
        if g["group"] is not None:
            if g["group_email"] is not None:
                return cls.group_member(project, g["group"], g["group_email"])
            return cls.of_group(project, g["group"])
        if g["labeler"] is not None:
            return cls.labeler(project, g["labeler"])
        return cls.of_project(project, Kind(g["facet"]) if g["facet"] else Kind.PROJECT)


def _render(a: Address) -> str:
    kind = a.kind
    if kind is Kind.MEMBER:
        return f"team.member[{a.email}]"
    if kind is Kind.BATCH_PRIORITY:
        return "studio.batch_priority"
    if kind in (Kind.BATCH, *_BATCH_FACETS):
        return f"batch[{a.batch}]" + (f".{_BATCH_FACETS[kind]}" if kind in _BATCH_FACETS else "")
    head = f"project[{a.project}]"
    if kind in PROJECT_FACETS:
        return f"{head}.{kind.value}"
    if kind is Kind.LABELER:
        return f"{head}.labeler[{a.email}]"
    if kind is Kind.GROUP:
        return f"{head}.group[{a.group}]"
    if kind is Kind.GROUP_MEMBER:
        return f"{head}.group[{a.group}].member[{a.email}]"
    return head


# Emails never hold `]`; project, group and batch names may, so they match lazily and the
# rendered suffix decides.
_PATTERN = re.compile(
    r"^(?:team\.member\[(?P<member>[^\]]*)\]"
    r"|(?P<priority>studio\.batch_priority)"
    r"|batch\[(?P<batch>.*?)\](?:\.(?P<batch_facet>status|groups))?"
    r"|project\[(?P<project>.*?)\](?:\.(?P<facet>params|ontology|pipeline)"
    r"|\.labeler\[(?P<labeler>[^\]]*)\]"
    r"|\.group\[(?P<group>.*?)\](?:\.member\[(?P<group_email>[^\]]*)\])?)?)$",
    re.DOTALL,
)
