"""Addresses: what a change is about, one class per shape of name, each naming its kind.

Addresses are built from names by the differ and rendered once into the text form users see
(`project[a].group[night].member[li@acme.ai]`). `Address.parse` reads that text back, for saved
plans only; no other module looks inside an address string. Every name an address holds is a
`str`: a labeler's address has a project and an email, and nothing optional stands in for either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import ClassVar

from scaleform.kinds import KINDS, Kind
from scaleform.redaction import cut

__all__ = [
    "ADDRESSES",
    "HEADS",
    "PERSON_ADDRESSES",
    "Address",
    "BatchAddress",
    "GroupAddress",
    "GroupMemberAddress",
    "Kind",
    "LabelerAddress",
    "MemberAddress",
    "PriorityAddress",
    "ProjectAddress",
]  # Kind is the kinds table's, named here with the addresses of each

# The names an address form holds, in order.
_FIELD = re.compile(r"\{(project|group|batch|email)\}")


@dataclass(frozen=True, kw_only=True)
class Address:
    """An address of one of the kinds in FOR, named by the fields its subclass declares."""

    FOR: ClassVar[tuple[Kind, ...]] = ()  # the kinds addressed this way
    kind: Kind
    text: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in self.FOR:
            raise ValueError(f"a {self.kind.value} address is not a {type(self).__name__}")
        object.__setattr__(self, "text", KINDS[self.kind].address.format_map(dict(self.named())))

    def __str__(self) -> str:
        return self.text

    @classmethod
    def name_fields(cls) -> tuple[str, ...]:
        """The names this class of address is identified by, in address order."""
        return _NAME_FIELDS[cls]

    def names(self) -> tuple[str, ...]:
        """The names that identify it, in address order (a labeler: project, email)."""
        return tuple(getattr(self, n) for n in self.name_fields())

    def named(self) -> tuple[tuple[str, str], ...]:
        """Each name with what it names: (("project", "a"), ("email", "li@acme.ai"))."""
        return tuple(zip(self.name_fields(), self.names()))

    @staticmethod
    def of(kind: Kind, names: dict[str, str]) -> Address:
        """The address of `kind` with these names; ValueError unless they are exactly its names."""
        cls = _CLASS_OF[kind]
        if sorted(names) != sorted(cls.name_fields()):
            raise ValueError(f"a {kind.value} address is named by {', '.join(cls.name_fields()) or 'nothing'}")
        return cls(**names, kind=kind)

    @staticmethod
    def parse(text: str) -> Address:
        """The address that renders as `text`; ValueError when there is none. No name scaleform
        addresses holds a bracket (live ones that do are skipped), so at most one form fits, and
        matching takes time linear in the text however a saved plan was altered."""
        for kind, pattern in _PATTERNS.items():
            match = pattern.fullmatch(text)
            if match is not None:
                return Address.of(kind, match.groupdict())
        raise ValueError(f"not a scaleform address: {cut(text, 200)!r}")


@dataclass(frozen=True)
class MemberAddress(Address):
    FOR = (Kind.MEMBER,)
    email: str
    kind: Kind = field(default=Kind.MEMBER, kw_only=True)


@dataclass(frozen=True)
class ProjectAddress(Address):
    FOR = (Kind.PROJECT, Kind.PARAMS, Kind.ONTOLOGY, Kind.PIPELINE)
    project: str
    kind: Kind = field(default=Kind.PROJECT, kw_only=True)


@dataclass(frozen=True)
class LabelerAddress(Address):
    FOR = (Kind.LABELER,)
    project: str
    email: str
    kind: Kind = field(default=Kind.LABELER, kw_only=True)


@dataclass(frozen=True)
class GroupAddress(Address):
    FOR = (Kind.GROUP,)
    project: str
    group: str
    kind: Kind = field(default=Kind.GROUP, kw_only=True)


@dataclass(frozen=True)
class GroupMemberAddress(Address):
    FOR = (Kind.GROUP_MEMBER,)
    project: str
    group: str
    email: str
    kind: Kind = field(default=Kind.GROUP_MEMBER, kw_only=True)


@dataclass(frozen=True)
class BatchAddress(Address):
    FOR = (Kind.BATCH, Kind.BATCH_STATUS, Kind.BATCH_GROUPS)
    batch: str
    kind: Kind = field(default=Kind.BATCH, kw_only=True)


@dataclass(frozen=True)
class PriorityAddress(Address):
    FOR = (Kind.BATCH_PRIORITY,)
    kind: Kind = field(default=Kind.BATCH_PRIORITY, kw_only=True)


ADDRESSES: tuple[type[Address], ...] = (
    MemberAddress,
    ProjectAddress,
    LabelerAddress,
    GroupAddress,
    GroupMemberAddress,
    BatchAddress,
    PriorityAddress,
)
# The addresses that name a person: the email an invitation waits on.
PERSON_ADDRESSES = (MemberAddress, LabelerAddress, GroupMemberAddress)

_NAME_FIELDS = {cls: tuple(f.name for f in fields(cls) if f.name not in ("kind", "text")) for cls in ADDRESSES}
_CLASS_OF: dict[Kind, type[Address]] = {kind: cls for cls in ADDRESSES for kind in cls.FOR}


def _pattern(form: str) -> re.Pattern[str]:
    parts = _FIELD.split(form)  # literal, name, literal, name, ..., literal
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^\\[\\]]*)" for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


_PATTERNS = {kind: _pattern(info.address) for kind, info in KINDS.items()}


def _heads(form: str) -> set[str]:
    """`team.member[{email}]` -> team, team.member: what a --target may name as a whole kind."""
    parts = form.split("[")[0].split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


HEADS = frozenset(head for info in KINDS.values() for head in _heads(info.address))
