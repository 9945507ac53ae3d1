"""Digests of every live object a plan read ("absent" included), so a saved plan can tell what
moved before it is applied."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from scaleform.address import BatchAddress, Kind, MemberAddress, PriorityAddress, ProjectAddress
from scaleform.model import LiveState
from scaleform.refresh import RefreshScope


def _default(value: Any) -> Any:
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {k: getattr(value, k) for k in fields}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(type(value).__name__)


# One encoder for every digest: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(sort_keys=True, default=_default).encode


def _digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(_encode(value).encode()).hexdigest()


def live_objects(live: LiveState, scope: RefreshScope) -> dict[str, Any]:
    """Every live object the plan read, by the address it is fingerprinted under."""
    out: dict[str, Any] = {}
    if scope.team:
        for email in scope.emails:
            out[MemberAddress(email).text] = (live.team or {}).get(email) or "absent"
    if scope.projects:
        for name in scope.project_names:
            out[ProjectAddress(name).text] = (live.projects or {}).get(name) or "absent"
    if scope.assignments:
        for name in scope.labeler_projects:
            out[f"{ProjectAddress(name).text}.labelers"] = sorted(live.project_labelers(name))
    for name in scope.group_projects:
        groups = live.groups.get(name, {})
        out[f"{ProjectAddress(name).text}.groups"] = {g: sorted(v.members) for g, v in groups.items()}
    for name in scope.batch_names:
        out[BatchAddress(name).text] = live.batches.get(name) or "absent"
    if scope.studio_batches:
        studio = {b.name: b for b in live.studio_batches or ()}
        for name in scope.studio_batch_names:
            pending = list(studio[name].groups) if name in studio else "not pending"
            out[BatchAddress(name, kind=Kind.BATCH_GROUPS).text] = pending
        if scope.priority:
            out[PriorityAddress().text] = [b.name for b in live.studio_batches or ()]
    if scope.batch_list:
        out[f"{PriorityAddress().text}.created_at"] = live.batch_created
    return out


def fingerprints(live: LiveState, scope: RefreshScope) -> dict[str, str]:
    return {address: _digest(value) for address, value in sorted(live_objects(live, scope).items())}


class Fingerprints(Mapping[str, str]):
    """`fingerprints(live, scope)`, computed on first use: only saved and JSON plans show them."""

    def __init__(self, live: LiveState, scope: RefreshScope):
        self._live, self._scope = live, scope

    @cached_property
    def _digests(self) -> dict[str, str]:
        return fingerprints(self._live, self._scope)

    def __getitem__(self, address: str) -> str:
        return self._digests[address]

    def __iter__(self) -> Iterator[str]:
        return iter(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def __repr__(self) -> str:  # without computing them
        return f"Fingerprints({self._digests!r})" if "_digests" in self.__dict__ else "Fingerprints(not yet computed)"


def moved(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The fingerprinted addresses whose digest differs between a saved plan and now."""
    return sorted(a for a in set(recorded) | set(current) if recorded.get(a) != current.get(a))
