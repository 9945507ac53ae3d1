"""The `Change`: one create/update/delete on one address, and the one sort key plans use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scaleform.address import Address, Kind
from scaleform.kinds import Action, Phase


@dataclass(frozen=True)
class Change:
    address: Address
    action: Action
    before: Any
    after: Any
    reason: str
    phase: Phase
    why: str | None = None  # for deferred/suppressed entries: why it does not run now

    @property
    def kind(self) -> Kind:
        return self.address.kind

    @property
    def waits_for_invitation(self) -> bool:
        """Deferred until someone accepts an invitation (their own, or a group's members')."""
        return (self.why or "").startswith("invitation")

    def sort_key(self) -> tuple[int, str, str]:
        return (self.phase, self.address.text, self.action)

    def same_as_key(self) -> tuple[str, str, str]:
        """Equal for two changes that do the same to the same address (plans compared across runs:
        --base-manifests and apply --reviewed)."""
        return (self.address.text, self.action, json.dumps(self.after, sort_keys=True))

    def to_json(self) -> dict[str, Any]:
        out = {
            "address": self.address.text,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }
        if self.why is not None:
            out["why"] = self.why
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        """A change read back from a saved plan (its phase is not saved: 0)."""
        return cls(
            Address.parse(data["address"]),
            data["action"],
            data.get("before"),
            data.get("after"),
            data.get("reason", ""),
            Phase.UNRECORDED,
            data.get("why"),
        )


def deferred_reasons(deferred: tuple[Change, ...] | list[Change]) -> str:
    """Why deferred changes wait, in one phrase: `invitations pending`, and any other reasons."""
    return "; ".join(sorted({"invitations pending" if c.waits_for_invitation else (c.why or "") for c in deferred}))


# With --base-manifests: an unmanaged item the base branch declared (its file or entry was removed).
RELEASED = "released"


@dataclass(frozen=True)
class Unmanaged:
    address: Address
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address.text, "reason": self.reason}
