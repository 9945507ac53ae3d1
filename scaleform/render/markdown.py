"""Markdown for a pull-request comment: summary first, removals called out, a table per kind
inside <details>, always under 60,000 characters."""

from __future__ import annotations

from scaleform.lines import one_line
from scaleform.listing import first_lines
from scaleform.plan import Plan
from scaleform.redaction import redact
from scaleform.render.rows import (
    KIND_TITLES,
    RELEASED_TITLE,
    Row,
    extra_summary,
    header,
    plan_rows,
    released,
    summary_line,
)
from scaleform.safety import refusal_line

LIMIT = 60_000


def cell(text: str) -> str:
    """`text` (a name, reason, warning or message) inside one line of Markdown: redacted before it
    is escaped, since a key escaped here (`&amp;`, `\\|`) is no longer one redaction knows, and a
    line break shown as `\\n`, so it cannot start a line of its own, rendered or raw."""
    return one_line(
        redact(text)
        .replace("&", "&amp;")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("`", "&#96;")
    )


def _table(rows: list[Row], *, with_class: bool) -> list[str]:
    head = "| | address | change | reason |" + (" origin |" if with_class else "")
    sep = "|---|---|---|---|" + ("---|" if with_class else "")
    lines = [head, sep]
    for r in rows:
        note = r.why if r.section != "change" else r.reason
        line = f"| {r.symbol} | {cell(r.address)} | {cell('; '.join(r.details))} | {cell(note or '')} |"
        if with_class:
            line += f" {cell(r.classification or '')} |"
        lines.append(line)
    return lines


def _details(plan: Plan, rows: list[Row], *, with_class: bool) -> list[str]:
    """The lines inside <details>: a table per kind and section, then unmanaged and warnings."""
    body: list[str] = ["<details><summary>Details</summary>", ""]
    for section, title in (("change", "Changes"), ("deferred", "Deferred"), ("suppressed", "Suppressed removals")):
        section_rows = [r for r in rows if r.section == section]
        if not section_rows:
            continue
        body.append(f"### {title}")
        kinds = sorted({r.kind for r in section_rows}, key=lambda k: list(KIND_TITLES).index(k))
        for kind in kinds:
            body.append(f"#### {KIND_TITLES[kind]}")
            body += _table([r for r in section_rows if r.kind == kind], with_class=with_class)
            body.append("")
    if plan.unmanaged:
        body.append(f"### Unmanaged ({len(plan.unmanaged)})")
        body += [f"- {cell(u.address.text)}: {cell(u.reason)}" for u in plan.unmanaged]
        body.append("")
    if plan.warnings:
        body.append("### Warnings")
        body += [f"- {cell(w)}" for w in plan.warnings]
        body.append("")
    body.append("</details>")
    return body


def render_markdown(plan: Plan, classification: dict[str, str] | None = None) -> str:
    rows = plan_rows(plan, classification)
    if classification:  # introduced changes first
        rows.sort(key=lambda r: (r.classification != "introduced",))
    with_class = bool(classification)
    out = []
    verdict = plan.rehearsal.line() if plan.rehearsal is not None else None
    failed = plan.rehearsal is not None and not plan.rehearsal.clean
    if failed:  # the first thing a reviewer reads: this plan will not go through as it stands
        out += [f"> [!CAUTION]\n> **{cell(str(verdict))}**", ""]
    refusal = refusal_line(plan)
    if refusal:
        out += [f"> [!WARNING]\n> **{cell(refusal)}.**", ""]
    out += [f"**{cell(summary_line(plan))}**", ""]
    gone = released(plan, classification)
    if gone:
        out += [f"> [!NOTE]\n> **{cell(RELEASED_TITLE)}:**", *(f"> - {cell(a)}" for a in gone), ""]
    out += [cell(line) for line in extra_summary(plan) if not (failed and line == verdict)]
    out.append(f"<sub>{cell(header(plan))}</sub>")
    out.append("")
    removals = [r for r in rows if r.section == "change" and r.action == "delete"]
    if removals:
        out.append(f"> [!WARNING]\n> This plan removes {len(removals)} item(s):")
        out += first_lines([cell(r.address) for r in removals], 50, "> - ")
        out.append("")
    body = _details(plan, rows, with_class=with_class)
    text = "\n".join(out) + "\n"
    closing = "\n</details>\n"
    note = "\n\n_… truncated: the plan is too long for a comment. Run `scaleform plan --format json` for all of it._"
    for line in body:
        if len(text) + len(line) + 1 + len(note) + len(closing) > LIMIT:
            text += note + closing
            return text
        text += line + "\n"
    return text
