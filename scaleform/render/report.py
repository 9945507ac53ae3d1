"""Rendering of apply progress lines and the final apply report."""
from __future__ import annotations

from scaleform.apply import ApplyReport, OpResult

VERBS = {"POST": "done", "PUT": "updated"}


def _verb(result: OpResult) -> str:
    path = result.operation.path
    if path.endswith("/invite"):
        return "invited"
    if path.endswith("/set_role"):
        return "role set"
    if path.endswith("/assignments/add") or path == "/projects" or path == "/batches" or (
            result.operation.method == "POST" and path.endswith("/groups")):
        return "created"
    if path.endswith("/assignments/remove"):
        return "removed"
    if path.endswith("/finalize"):
        return "finalized"
    return "updated"


def _addresses(result: OpResult) -> str:
    realized = result.operation.realizes
    return realized[0] + (f" (+{len(realized) - 1} more)" if len(realized) > 1 else "") if realized else result.operation.path


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
        lines.append(f"Failed: {r.operation.method} {r.operation.path} ({', '.join(r.operation.realizes)}): {r.message}")
    if skipped:
        lines.append(f"Not attempted ({len(skipped)} call(s)):")
        lines += [f"  {r.operation.method} {r.operation.path} ({_addresses(r)})" for r in skipped]
    lines.append("Run `scaleform plan` to see exactly what remains.")
    return "\n".join(lines) + "\n"
