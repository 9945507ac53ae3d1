"""`Address`: what a change is about, as a kind and the names that identify it.

Addresses are built from names by the differ and rendered once into the text form users see
(`project[a].group[night].member[li@acme.ai]`). `Address.parse` reads that text back, for saved
plans only; no other module looks inside an address string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaleform.kinds import KINDS, Kind

__all__ = ["HEADS", "Address", "Kind"]  # Kind is the kinds table's, named here with the addresses of each


# The names an address form holds, in order; an email never holds `]`, the other names may.
_FIELD = re.compile(r"\{(project|group|batch|email)\}")
_NAMES: dict[Kind, tuple[str, ...]] = {kind: tuple(_FIELD.findall(info.address)) for kind, info in KINDS.items()}


def _pattern(form: str) -> re.Pattern[str]:
    parts = _FIELD.split(form)  # literal, name, literal, name, ..., literal
    regex = "".join(
        re.escape(part) if i % 2 == 0 else (f"(?P<{part}>[^\\]]*)" if part == "email" else f"(?P<{part}>.*?)")
        for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


_PATTERNS = {kind: _pattern(info.address) for kind, info in KINDS.items()}


def _heads(form: str) -> set[str]:
    """`team.member[{email}]` -> team, team.member: what a --target may name as a whole kind."""
    parts = form.split("[")[0].split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


HEADS = frozenset(head for info in KINDS.values() for head in _heads(info.address))


@dataclass(frozen=True)
class Address:
    kind: Kind
    project: str | None = None
    group: str | None = None
    email: str | None = None
    batch: str | None = None
    text: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        # Exactly the names its kind is identified by: no address renders a missing name as "None".
        given = tuple(f for f in ("project", "group", "email", "batch") if getattr(self, f) is not None)
        if sorted(given) != sorted(_NAMES[self.kind]):
            raise ValueError(f"a {self.kind.value} address is named by {', '.join(_NAMES[self.kind]) or 'nothing'}")
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
        """The address that renders as `text`; ValueError when there is none. A name holding `]`
        can make several forms fit: the one with the shortest names, in address order, is meant."""
        fits = []
        for kind, pattern in _PATTERNS.items():
            match = pattern.fullmatch(text)
            if match is not None:
                names = match.groupdict()
                fits.append((tuple(len(names[n]) for n in _NAMES[kind]), kind, names))
        if not fits:
            raise ValueError(f"not a scaleform address: {text!r}")
        _, kind, names = min(fits, key=lambda fit: fit[0])
        return cls(kind, **names)


def _render(a: Address) -> str:
    return KINDS[a.kind].address.format(project=a.project, group=a.group, batch=a.batch, email=a.email)
