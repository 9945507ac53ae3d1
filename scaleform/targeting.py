"""`--target`: which changes a plan keeps. A target names addresses by whole components
(`project[a]` selects `project[a].params`, never `project[ab]`); one that selects nothing is an
error with a suggestion."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from scaleform.address import HEADS
from scaleform.changes import Change, Unmanaged
from scaleform.errors import ScaleformError
from scaleform.operations import build_operations

if TYPE_CHECKING:
    from scaleform.plan import Plan


def address_matches(address: str, target: str) -> bool:
    """Whether `--target target` selects `address`: the same address, or one under it, matched by
    whole components (`project[a]` selects `project[a].params`, never `project[ab]`)."""
    if address == target:
        return True
    if not address.startswith(target):
        return False
    following = address[len(target)]
    if target.endswith("]"):
        return following == "."
    return target in HEADS and following in ".["


def keep_addresses(plan: Plan, address_prefixes: Iterable[str], known: Iterable[str] = ()) -> Plan:
    """Keep the changes of a built plan under one of `address_prefixes` (--target), operations
    rebuilt; build_plan does the same while it builds."""
    kept = Selection(address_prefixes, plan.changes, plan.deferred, plan.suppressed, plan.unmanaged, known)
    if not kept.warnings:
        return plan
    return replace(
        plan,
        changes=kept.changes,
        deferred=kept.deferred,
        suppressed=kept.suppressed,
        warnings=plan.warnings + kept.warnings,
        operations=tuple(build_operations(kept.changes)),
    )


class Selection:
    """The changes under one of `address_prefixes` (all when there are none). A target that
    selects nothing the changes or `known` (the declared objects' addresses) hold is an error
    with a suggestion."""

    def __init__(
        self,
        address_prefixes: Iterable[str],
        changes: Iterable[Change],
        deferred: Iterable[Change],
        suppressed: Iterable[Change],
        unmanaged: Iterable[Unmanaged],
        known: Iterable[str],
    ) -> None:
        targets = tuple(address_prefixes)
        self.changes, self.deferred, self.suppressed = tuple(changes), tuple(deferred), tuple(suppressed)
        self.warnings: tuple[str, ...] = ()
        if not targets:
            return
        seen = {c.address.text for c in (*self.changes, *self.deferred, *self.suppressed)}
        seen |= {u.address.text for u in unmanaged} | set(known)
        unmatched = [t for t in targets if not any(address_matches(a, t) for a in seen)]
        if unmatched:
            raise ScaleformError("; ".join(_no_match(t, seen) for t in unmatched))

        def kept(items: tuple[Change, ...]) -> tuple[Change, ...]:
            return tuple(c for c in items if any(address_matches(c.address.text, t) for t in targets))

        self.changes, self.deferred, self.suppressed = kept(self.changes), kept(self.deferred), kept(self.suppressed)
        self.warnings = ("targeting is in effect: the plan may be incomplete (--target " + ", ".join(targets) + ")",)


def _no_match(target: str, seen: set[str]) -> str:

    heads = {a.split("].", 1)[0] + "]" if "]." in a else a for a in seen}
    close = difflib.get_close_matches(target, sorted(heads | seen), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return (
        f"--target {target} matches no address in the manifests or the account (targets match whole "
        f"components, like project[NAME] or team.member[EMAIL]){hint}"
    )
