"""The apply report: progress lines while it runs, then text, Markdown or JSON
(schemas/apply-report.schema.json), all from one closing summary."""

from __future__ import annotations

import json
from typing import Any

from scaleform import __version__
from scaleform.address import PERSON_ADDRESSES
from scaleform.apply import ApplyReport, OpResult
from scaleform.changes import Change
from scaleform.kinds import KINDS
from scaleform.lines import joined, one_line
from scaleform.operations import Call
from scaleform.render.markdown import cell

VERBS = {
    Call.INVITE: "invited",
    Call.SET_ROLE: "role set",
    Call.CREATE_PROJECT: "created",
    Call.CREATE_BATCH: "created",
    Call.CREATE_GROUP: "created",
    Call.ADD_ASSIGNMENTS: "assigned",
    Call.REMOVE_ASSIGNMENTS: "unassigned",
    Call.FINALIZE_BATCH: "finalized",
}
FORMAT_VERSION = "1.0"


KIND_NAMES = {kind: info.plural for kind, info in KINDS.items() if info.plural}
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
    kinds = {a.kind for a in realized[1:]}
    what = KIND_NAMES.get(kinds.pop(), "changes") if len(kinds) == 1 else "changes"
    return f"{realized[0].text} and {len(realized) - 1} more {what}"


def progress_line(result: OpResult) -> str:
    if result.status == "applied":
        return f"{_addresses(result)}: {_verb(result)} ({took(result.seconds)})"
    return one_line(f"{_addresses(result)}: FAILED ({took(result.seconds)}): {result.message}")


def took(seconds: float) -> str:
    """A call's duration as measured: milliseconds under a second, so a fast call reads as what it took."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _invitations(deferred: tuple[Change, ...]) -> set[str]:
    return {a.email for c in deferred if c.waits_for_invitation and isinstance(a := c.address, PERSON_ADDRESSES)}


def next_step(report: ApplyReport) -> str:
    """What to do next: what failed or stays deferred, and the command that carries on."""
    if not report.ok:
        return "Run `scaleform plan` to see exactly what remains."
    if not report.deferred:
        return ""
    n, people = len(report.deferred), len(_invitations(report.deferred))
    if people:
        waits = "change waits" if n == 1 else "changes wait"
        accepted = "it is" if people == 1 else "they are"
        return (
            f"{n} {waits} for {people} invitation{'s' if people != 1 else ''}; run apply again once "
            f"{accepted} accepted."
        )
    whys = "; ".join(sorted({c.why or "" for c in report.deferred}))
    return f"{n} {'change stays' if n == 1 else 'changes stay'} deferred ({whys}); run apply again later."


def _headline(report: ApplyReport) -> str:
    applied = report.by_status("applied")
    changes = sum(len(r.operation.realizes) for r in applied)
    if report.ok:
        return f"Apply complete: {len(applied)} API call(s), {changes} change(s) applied."
    return (
        "Apply interrupted." if report.interrupted else "Apply failed."
    ) + f" Applied: {len(applied)} call(s), {changes} change(s)."


def render_report(report: ApplyReport) -> str:
    lines = [_headline(report)]
    if report.reviewed is not None:
        lines.append(report.reviewed.line())
    for r in report.by_status("failed"):
        realized = ", ".join(a.text for a in r.operation.realizes)
        lines.append(f"Failed: {r.operation.method} {r.operation.path} ({realized}): {r.message}")
    skipped = report.by_status("not attempted")
    if skipped:
        lines.append(f"Not attempted ({len(skipped)} call(s)):")
        lines += [f"  {r.operation.method} {r.operation.path} ({_addresses(r)})" for r in skipped]
    if next_step(report):
        lines.append(next_step(report))
    return joined(lines) + "\n"


def render_report_markdown(report: ApplyReport) -> str:
    lines = [f"**{_headline(report)}**", ""]
    if report.reviewed is not None:
        lines += [report.reviewed.line(), ""]
    if next_step(report):
        lines += [next_step(report), ""]
    lines += ["| | call | realizes | result |", "|---|---|---|---|"]
    marks = {"applied": "✅", "failed": "❌", "not attempted": "⏸"}
    for r in report.results:
        realized = "<br>".join(cell(a.text) for a in r.operation.realizes)
        outcome = _verb(r) if r.status == "applied" else (f"failed: {r.message}" if r.status == "failed" else r.status)
        lines.append(
            f"| {marks[r.status]} | `{r.operation.method} {r.operation.path}` | {realized} | {cell(outcome)} |"
        )
    if report.deferred:
        lines += ["", f"<details><summary>{len(report.deferred)} deferred</summary>", ""]
        lines += [f"- {cell(c.address.text)}: {cell(c.why or '')}" for c in report.deferred]
        lines += ["", "</details>"]
    return joined(lines) + "\n"


def report_json(report: ApplyReport) -> dict[str, Any]:
    def result(r: OpResult) -> dict[str, Any]:
        out = {
            "status": r.status,
            "phase": r.operation.phase,
            "method": r.operation.method,
            "path": r.operation.path,
            "realizes": [a.text for a in r.operation.realizes],
            "seconds": round(r.seconds, 3),
        }
        if r.message:
            out["message"] = r.message
        return out

    return {
        "format_version": FORMAT_VERSION,
        "scaleform_version": __version__,
        "target": report.target,
        "ok": report.ok,
        "interrupted": report.interrupted,
        "summary": {
            status.replace(" ", "_"): len(report.by_status(status)) for status in ("applied", "failed", "not attempted")
        }
        | {
            "changes_applied": sum(len(r.operation.realizes) for r in report.by_status("applied")),
            "deferred": len(report.deferred),
        },
        "results": [result(r) for r in report.results],
        "deferred": [c.to_json() for c in report.deferred],
        "next_step": next_step(report),
    } | _reviewed_json(report)


def _reviewed_json(report: ApplyReport) -> dict[str, Any]:
    r = report.reviewed
    return {} if r is None else {"reviewed": {"reviewed": r.reviewed, "applied": r.applying, "in_place": r.in_place}}


def render_report_json(report: ApplyReport) -> str:
    return json.dumps(report_json(report), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
