"""`apply --reviewed FILE`: apply a fresh plan only as far as a reviewed plan approved it.

The pull request's saved plan is what its reviewers read. At merge, apply plans afresh (the
account and main may have moved) and refuses, before any write, every change the reviewed plan
does not hold with the same action and values. A reviewed change that is no longer needed (it
was applied meanwhile) is fine: the account already is as reviewed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scaleform.errors import ScaleformError
from scaleform.listing import first_few
from scaleform.plan import Plan

MAX_NAMED = 20


@dataclass(frozen=True)
class ReviewedCount:
    """How the reviewed plan's changes ended up: applied now, or already in place."""

    reviewed: int
    applying: int

    @property
    def in_place(self) -> int:
        return self.reviewed - self.applying

    def line(self) -> str:
        return (
            f"Reviewed plan: {self.applying} of {self.reviewed} reviewed change(s) applied now, "
            f"{self.in_place} already in place."
        )


def check_reviewed(plan: Plan, reviewed: Sequence[tuple[str, Plan]]) -> ReviewedCount:
    """Refuse (ScaleformError, naming them) the changes of `plan` that no reviewed plan holds with
    the same values, and a reviewed plan made for another account or environment. `reviewed`:
    (file name, plan) pairs, e.g. the plans of every pull request merged since the last apply."""
    for source, r in reviewed:
        if r.target != plan.target:
            raise ScaleformError(
                f"'{source}' was made for {r.target.get('api_url')} (environment "
                f"{r.target.get('environment')}), not {plan.target.get('api_url')} (environment "
                f"{plan.target.get('environment')}); nothing was applied"
            )
    approved = {c.same_as_key() for _, r in reviewed for c in r.changes}
    extra = [c for c in plan.changes if c.same_as_key() not in approved]
    if extra:
        named = first_few([f"{c.address.text} ({c.action})" for c in extra], MAX_NAMED)
        files = ", ".join(f"'{source}'" for source, _ in reviewed)
        raise ScaleformError(
            f"refusing to apply: {len(extra)} change(s) are not in the reviewed plan ({files}) with "
            f"the same values: {named}. Nothing was written. They came from commits or "
            "account changes after the review: re-run the pull request's plan check and review them"
        )
    return ReviewedCount(len(approved), len(plan.changes))
