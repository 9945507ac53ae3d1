"""Rendering of apply progress lines and the final apply report."""
from __future__ import annotations

from scaleform.apply import ApplyReport, OpResult
from scaleform.operations import Call

VERBS = {Call.INVITE: "invited", Call.SET_ROLE: "role set", Call.CREATE_PROJECT: "created",
         Call.CREATE_BATCH: "created", Call.CREATE_GROUP: "created", Call.ADD_ASSIGNMENTS: "created",
         Call.REMOVE_ASSIGNMENTS: "removed", Call.FINALIZE_BATCH: "finalized"}


KIND_NAMES = {"member": "teammates", "labeler": "project assignments", "group": "groups",
              "group_member": "group members", "batch": "batches", "batch_groups": "batch group lists"}
LISTED = 3


def _verb(result: OpResult) -> str:
    op = result.operation
    if op.call == Call.UPDATE_GROUP and isinstance(op.body, dict):
        # One PUT adds and removes members: say which, so a removal never reads as an update.
        added, removed = len(op.body.get("add_emails") or ()), len(op.body.get("remove_emails") or ())
        if not removed:
            return "added"
        return "removed" if not added else f"{added} added, {removed} removed"
    return VERBS.get(op.call, "updated")


def _addresses(result: OpResult) -> str:
    realized = result.operation.realizes
    if not realized:
        return result.operation.path
    if len(realized) <= LISTED:
        return ", ".join(a.text for a in realized)
    kinds = {a.kind.value for a in realized[1:]}
    what = KIND_NAMES.get(kinds.pop(), "changes") if len(kinds) == 1 else "changes"
    return f"{realized[0].text} and {len(realized) - 1} more {what}"


def progress_line(result: OpResult) -> str:
    if result.status == "applied":
        return f"{_addresses(result)}: {_verb(result)} ({result.seconds:.1f}s)"
    return f"{_addresses(result)}: FAILED ({result.seconds:.1f}s): {result.message}"


def render_report(report: ApplyReport) -> str:
    applied, failed, skipped = (report.by_status(s) for s in ("applied", "failed", "not attempted"))
    changes = sum(len(r.operation.realizes) for r in applied)
    if report.ok:
        return f"Apply complete: {len(applied)} API call(s), {changes} change(s) applied.\n"
    lines = ["Apply interrupted." if report.interrupted else "Apply failed."]
    lines.append(f"Applied: {len(applied)} call(s), {changes} change(s).")
    for r in failed:
        realized = ", ".join(a.text for a in r.operation.realizes)
        lines.append(f"Failed: {r.operation.method} {r.operation.path} ({realized}): {r.message}")
    if skipped:
        lines.append(f"Not attempted ({len(skipped)} call(s)):")
        lines += [f"  {r.operation.method} {r.operation.path} ({_addresses(r)})" for r in skipped]
    lines.append("Run `scaleform plan` to see exactly what remains.")
    return "\n".join(lines) + "\n"
