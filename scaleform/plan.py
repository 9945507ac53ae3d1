"""The `Plan`: changes, what cannot run yet, what was seen but is not managed, and the ordered
operations that realize the changes; its versioned JSON form (schemas/plan.schema.json)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scaleform import __version__
from scaleform.address import Address
from scaleform.changes import Change, Unmanaged
from scaleform.diff import Diff
from scaleform.errors import ScaleformError
from scaleform.fingerprints import Fingerprints
from scaleform.kinds import KINDS
from scaleform.model import LiveState
from scaleform.names import terminal_safe, unaddressable, unaddressable_email
from scaleform.operations import Operation, build_operations
from scaleform.redaction import cut
from scaleform.refresh import RefreshScope
from scaleform.rehearsal_record import Rehearsal
from scaleform.targeting import Selection

FORMAT_VERSION = "1.0"


@dataclass(frozen=True)
class Plan:
    target: dict[str, Any]
    manifest_digest: str
    changes: tuple[Change, ...]
    deferred: tuple[Change, ...]
    suppressed: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]
    warnings: tuple[str, ...]
    operations: tuple[Operation, ...]
    fingerprints: Mapping[str, str]
    scope: RefreshScope
    safety: dict[str, Any] = field(default_factory=dict)
    rehearsal: Rehearsal | None = None  # set by `plan --rehearse`

    @property
    def summary(self) -> dict[str, Any]:
        def count(action: str) -> int:
            return sum(1 for c in self.changes if c.action == action)

        return {
            "add": count("create"),
            "change": count("update"),
            "remove": count("delete"),
            "deferred": len(self.deferred),
            "suppressed": len(self.suppressed),
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.deferred)

    def to_json(self) -> dict[str, Any]:
        data = {
            "format_version": FORMAT_VERSION,
            "scaleform_version": __version__,
            "target": self.target,
            "manifest_digest": self.manifest_digest,
            "summary": self.summary,
            "changes": [c.to_json() for c in self.changes],
            "deferred": [c.to_json() for c in self.deferred],
            "suppressed": [c.to_json() for c in self.suppressed],
            "unmanaged": [u.to_json() for u in self.unmanaged],
            "warnings": list(self.warnings),
            "operations": [o.to_json() for o in self.operations],
            "fingerprints": dict(self.fingerprints),
            "refresh_scope": self.scope.to_json(),
            "safety": self.safety,
        }
        if self.rehearsal is not None:  # absent otherwise, so unrehearsed plans keep their bytes
            data["rehearsal"] = self.rehearsal.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any, source: str = "plan file") -> Plan:
        """A saved plan, with its operations rebuilt from its changes by the code `plan` uses;
        ScaleformError when the recorded operations differ from the rebuilt ones (a plan file is
        data, never a script: what apply sends follows from the changes a reviewer reads)."""
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise ScaleformError(
                f"{source} is not a scaleform plan (format_version {FORMAT_VERSION}); make it "
                "with `scaleform plan --out FILE`"
            )
        try:
            changes = tuple(map(Change.from_json, data["changes"]))
            _possible(changes, source)
            operations = tuple(build_operations(changes))
            _same_operations(data["operations"], operations, source)
            return cls(
                target=dict(data["target"]),
                manifest_digest=data["manifest_digest"],
                changes=changes,
                deferred=tuple(map(Change.from_json, data["deferred"])),
                suppressed=tuple(map(Change.from_json, data["suppressed"])),
                unmanaged=tuple(Unmanaged(Address.parse(u["address"]), u["reason"]) for u in data["unmanaged"]),
                warnings=tuple(data["warnings"]),
                operations=operations,
                fingerprints=dict(data["fingerprints"]),
                scope=RefreshScope.from_json(data["refresh_scope"]),
                safety=dict(data.get("safety") or {}),
                rehearsal=Rehearsal.from_json(data["rehearsal"]) if data.get("rehearsal") is not None else None,
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            said = cut(str(exc), 300)  # an altered plan's text may be huge
            raise ScaleformError(f"{source} is damaged or incomplete ({type(exc).__name__}: {said})") from None


def _possible(changes: tuple[Change, ...], source: str) -> None:
    """Refuse changes `plan` never makes: an action its kind does not have, or a name or email
    that cannot be addressed safely (the operations would not do what `show` says)."""
    for c in changes:
        a = c.address
        why = (
            f"'{c.action}' is not an action {a.kind.value} changes have"
            if c.action not in KINDS[a.kind].actions
            else next(
                (w for w in ((unaddressable_email if f == "email" else unaddressable)(n) for f, n in a.named()) if w),
                None,
            )
        )
        if why:
            raise ScaleformError(
                f"{source} was altered: change {terminal_safe(a.text)[:200]} is not one scaleform "
                f"plans ({why}). Nothing was sent. Make the plan again with `scaleform plan --out FILE`"
            )


def _same_operations(recorded: Any, rebuilt: tuple[Operation, ...], source: str) -> None:
    """Refuse a plan whose recorded operations are not exactly those its changes make."""
    if not isinstance(recorded, list):
        raise TypeError("operations is not a list")
    for i, (have, want) in enumerate(zip(recorded, (o.to_json() for o in rebuilt)), 1):
        if have != want:
            field_name = next(
                (
                    k
                    for k in ("method", "path", "body", "phase", "realizes")
                    if not isinstance(have, dict) or have.get(k) != want[k]
                ),
                "fields",
            )
            shown = have.get("path") if isinstance(have, dict) else have
            made = _short(want.get(field_name) if field_name in want else want)
            raise ScaleformError(
                f"{source} was altered: operation {i} ({str(shown)[:120]}) does not match its changes (its "
                f"{field_name} differs from what they make: {made}). "
                "Nothing was sent. Make the plan again with `scaleform plan --out FILE`"
            )
    if len(recorded) != len(rebuilt):
        which = (
            "adds an operation that its changes do not make"
            if len(recorded) > len(rebuilt)
            else "lacks an operation that its changes make"
        )
        i = min(len(recorded), len(rebuilt)) + 1
        raise ScaleformError(
            f"{source} was altered: it {which} (operation {i}; "
            f"recorded {len(recorded)}, its changes make {len(rebuilt)}). Nothing was sent. "
            "Make the plan again with `scaleform plan --out FILE`"
        )


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return cut(text, 200)


def build_plan(
    live: LiveState,
    changes: Diff,
    scope: RefreshScope,
    target: dict[str, Any],
    manifest_digest: str,
    address_prefixes: Iterable[str] = (),
    known: Iterable[str] = (),
) -> Plan:
    """The plan of `changes`; with `address_prefixes` (--target), of those under them only, with
    the operations built once, for what is kept."""
    safety = {key: {"remove": r.removed, "live": r.live} for key, r in changes.removals.items()}
    kept = Selection(address_prefixes, changes.changes, changes.deferred, changes.suppressed, changes.unmanaged, known)
    return Plan(
        target=target,
        manifest_digest=manifest_digest,
        changes=kept.changes,
        deferred=kept.deferred,
        suppressed=kept.suppressed,
        unmanaged=tuple(changes.unmanaged),
        warnings=tuple(sorted(set(changes.warnings))) + kept.warnings,
        operations=tuple(build_operations(kept.changes)),
        fingerprints=Fingerprints(live, scope),
        scope=scope,
        safety=safety,
    )
