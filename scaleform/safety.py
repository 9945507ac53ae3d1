"""The removal threshold: how many removals of one kind a plan may make before apply refuses
without --force (as peribolos and octoDNS do). The plan says so too, before anyone applies."""

from __future__ import annotations

from scaleform.errors import ScaleformError
from scaleform.kinds import SAFETY_KEYS, Kind
from scaleform.plan import Plan

THRESHOLD_SHARE = 0.25
THRESHOLD_MIN = 10
SAFETY_KINDS = {SAFETY_KEYS[Kind.LABELER]: "labeler assignments", SAFETY_KEYS[Kind.GROUP_MEMBER]: "group memberships"}


def safety_problems(plan: Plan) -> list[str]:
    out = []
    for kind, numbers in sorted(plan.safety.items()):
        remove, total = numbers.get("remove", 0), numbers.get("live", 0)
        if remove >= THRESHOLD_MIN and remove > THRESHOLD_SHARE * total:
            share = 100 * remove / total if total else 100
            out.append(
                f"the plan removes {remove} of {total} live {SAFETY_KINDS.get(kind, kind)} ({share:.0f}%, more "
                f"than {THRESHOLD_SHARE:.0%} and at least {THRESHOLD_MIN})"
            )
    return out


def check_safety(plan: Plan, *, force: bool) -> None:
    problems = safety_problems(plan)
    if problems and not force:
        raise ScaleformError(
            "refusing to apply: " + "; ".join(problems) + ". If this is intended, pass --force "
            "(or set settings.prune: false to keep what is live)"
        )


def refusal_line(plan: Plan) -> str | None:
    """What plan output says at the top when apply will refuse it (None: it will not)."""
    problems = safety_problems(plan)
    if not problems:
        return None
    return (
        "Apply will refuse this plan without --force: " + "; ".join(problems) + ". Review the removals, "
        "then apply with --force if they are intended"
    )
