"""The one row model every renderer shares: a plan becomes header, rows and summary lines.

Text, JSON and Markdown are thin views of this; the nested field diffs (params, ontology) are
computed here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from scaleform.changes import RELEASED, Change, deferred_reasons
from scaleform.kinds import KINDS, Action, Kind
from scaleform.model import ROLE_RANK
from scaleform.plan import Plan
from scaleform.render.field_diff import field_diff, value_text

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
KIND_TITLES = {kind: info.title for kind, info in KINDS.items()}
Section = Literal["change", "deferred", "suppressed"]


@dataclass(frozen=True)
class Row:
    section: Section
    address: str
    action: Action
    kind: Kind
    reason: str
    details: tuple[str, ...]
    why: str | None = None
    classification: str | None = None  # introduced | drift (with --base-manifests)

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.action, "?")


def _choices(items: Iterable[Any], parent: str = "") -> dict[str, tuple[str, dict[str, Any]]]:
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for c in items or ():
        d = {"choice": c} if isinstance(c, str) else dict(c)
        label = d["choice"]
        attrs = {k: v for k, v in d.items() if k not in ("choice", "subchoices")}
        out[label] = (parent, attrs)
        out.update(_choices(d.get("subchoices") or (), label))
    return out


def _under(parent: str) -> str:
    return f" (under {parent})" if parent else ""


def ontology_diff(before: Any, after: Any) -> list[str]:
    b = _choices((before or {}).get("choices") or ())
    a = _choices((after or {}).get("choices") or ())
    lines = []
    for label in sorted(set(b) | set(a)):
        if label not in b:
            lines.append(f"+ choice {label}{_under(a[label][0])}{' ' + value_text(a[label][1]) if a[label][1] else ''}")
        elif label not in a:
            lines.append(f"- choice {label}{_under(b[label][0])}")
        elif a[label] != b[label]:
            if a[label][0] != b[label][0]:
                lines.append(
                    f"~ choice {label} moved from {b[label][0] or 'top level'} to {a[label][0] or 'top level'}"
                )
            if a[label][1] != b[label][1]:
                lines += field_diff(b[label][1], a[label][1], f"choice {label}")
    if after and after.get("name") and before is not None:
        lines.append(f"  version label: {value_text(after['name'])}")
    return lines


def details(kind: Kind, action: Action, before: Any, after: Any) -> list[str]:
    """The lines under a change. A saved plan's values may have any shape an edit gave them: a
    shape its kind never has is shown as written rather than guessed at."""
    try:
        return _details(kind, action, before, after)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError):
        return [f"before: {value_text(before)}", f"after: {value_text(after)}"]


def _details(kind: Kind, action: Action, before: Any, after: Any) -> list[str]:
    if kind == Kind.MEMBER:
        if action == "create":
            return [f"role: {value_text(after['role'])} (invite)"]
        old, new = before["role"], after["role"]
        down = " (downgrade)" if ROLE_RANK.get(new, 0) < ROLE_RANK.get(old, 0) else ""
        return [f"role: {value_text(old)} -> {value_text(new)}{down}"]
    if kind == Kind.PARAMS:
        return field_diff(before, after, "params")
    if kind == Kind.ONTOLOGY:
        return ontology_diff(before, after)
    if kind in (Kind.LABELER, Kind.GROUP_MEMBER):  # the address says it all
        return []
    if kind == Kind.GROUP:
        return [f"members: {value_text(after['members'])}"] if after else []
    if kind == Kind.BATCH_STATUS:
        return [f"status: {value_text(before or 'staging')} -> {value_text(after)}"]
    if kind == Kind.BATCH_GROUPS:
        return [
            f"groups: {value_text(before)} -> {value_text(after)}"
            if before is not None
            else f"groups: {value_text(after)}"
        ]
    if kind == Kind.BATCH_PRIORITY:
        if after == "default":
            return [
                "reset to the default order (calibration first, then oldest)",
                f"current: {value_text(before, 400)}",
            ]
        return [f"order: {value_text(before, 400)}", f"   -> {value_text(after, 400)}"]
    return field_diff(before, after) if action != "delete" else []  # pipeline, project, batch, a new kind


def plan_rows(plan: Plan, classification: dict[str, str] | None = None) -> list[Row]:
    rows = []
    sections: tuple[tuple[Section, tuple[Change, ...]], ...] = (
        ("change", plan.changes),
        ("deferred", plan.deferred),
        ("suppressed", plan.suppressed),
    )
    for section, items in sections:
        for c in items:
            kind = c.kind
            rows.append(
                Row(
                    section,
                    c.address.text,
                    c.action,
                    kind,
                    c.reason,
                    tuple(details(kind, c.action, c.before, c.after)),
                    c.why,
                    (classification or {}).get(c.address.text),
                )
            )
    return rows


def header(plan: Plan) -> str:
    env = plan.target.get("environment")
    return f"scaleform plan for {plan.target.get('api_url')}" + (f" (environment: {env})" if env else "")


def summary_line(plan: Plan) -> str:
    s = plan.summary
    if not plan.changes and not plan.deferred:
        return "No changes. The account matches the manifests."
    line = f"Plan: {s['add']} to add, {s['change']} to change, {s['remove']} to remove."
    if plan.deferred:
        n = len(plan.deferred)
        line += f" {n} change{'s' if n != 1 else ''} deferred: {deferred_reasons(plan.deferred)}."
    return line


def extra_summary(plan: Plan) -> list[str]:
    out = [plan.rehearsal.line()] if plan.rehearsal is not None else []
    if plan.suppressed:
        n = len(plan.suppressed)
        out.append(f"{n} removal{'s' if n != 1 else ''} suppressed (prune is off).")
    return out


RELEASED_TITLE = (
    "No longer managed: removed in this pull request. Each stays live as it is; scaleform will not change or remove it"
)


def released(plan: Plan, classification: dict[str, str] | None) -> list[str]:
    """The unmanaged addresses this change set stopped managing (see classify)."""
    return [u.address.text for u in plan.unmanaged if (classification or {}).get(u.address.text) == RELEASED]
