"""What a rehearsal found, as a plan records it: how many calls the twin accepted, the first it
refused, and what would still differ afterwards. `rehearsal.py` makes it; `plan.py` carries it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scaleform.listing import first_few


@dataclass(frozen=True)
class RehearsalFailure:
    """The first call the twin refused: its phase, method and path, the addresses it realizes, and
    the error. INTERRUPTED (no method) stands for a rehearsal stopped before any call failed."""

    phase: int
    method: str
    path: str
    realizes: tuple[str, ...]
    error: str

    @property
    def interrupted(self) -> bool:
        return not self.method

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "method": self.method,
            "path": self.path,
            "realizes": list(self.realizes),
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RehearsalFailure:
        # A saved plan, checked against its schema; values are kept as written, so it prints as saved.
        return cls(data["phase"], data["method"], data["path"], tuple(data["realizes"]), data["error"])


INTERRUPTED = RehearsalFailure(0, "", "", (), "the rehearsal was interrupted")


MAX_LISTED = 10  # remaining addresses a rehearsal line names


@dataclass(frozen=True)
class Rehearsal:
    calls: int  # the plan's operations
    applied: int  # how many the twin accepted
    failed: RehearsalFailure | None = None  # the first refused call
    not_attempted: int = 0
    remaining: tuple[str, ...] = ()  # addresses the plan made on the twin afterwards still changes
    deferred: int = 0
    deferred_why: str = ""

    @property
    def clean(self) -> bool:
        return self.failed is None and not self.remaining

    def line(self) -> str:
        if self.failed is not None and self.failed.interrupted:
            return f"rehearsal interrupted after {self.applied} of {self.calls} calls; nothing is proven"
        if self.failed is not None:
            f = self.failed
            return (
                f"rehearsal failed: phase {f.phase} call {f.method} {f.path} (for "
                f"{', '.join(f.realizes)}) was refused: {f.error}. {self.applied} of {self.calls} "
                f"calls applied before it, {self.not_attempted} not attempted"
            )
        calls = f"{self.calls} call{'s' if self.calls != 1 else ''} applied cleanly"
        if self.remaining:
            return (
                f"rehearsal: {calls}, but the account would still differ from the manifests: "
                f"{len(self.remaining)} change(s) remain ({first_few(list(self.remaining), MAX_LISTED)})"
            )
        line = f"rehearsal: {calls}; the account would then match the manifests"
        if self.deferred:
            stay = "change stays" if self.deferred == 1 else "changes stay"
            line += f" ({self.deferred} {stay} deferred: {self.deferred_why})"
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "calls": self.calls,
            "applied": self.applied,
            "failed": self.failed.to_json() if self.failed is not None else None,
            "not_attempted": self.not_attempted,
            "remaining": list(self.remaining),
            "deferred": self.deferred,
            "deferred_why": self.deferred_why,
            "line": self.line(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rehearsal:
        failed = data["failed"]
        return cls(
            int(data["calls"]),
            int(data["applied"]),
            RehearsalFailure.from_json(failed) if failed is not None else None,
            int(data["not_attempted"]),
            tuple(data["remaining"]),
            int(data["deferred"]),
            str(data["deferred_why"]),
        )
