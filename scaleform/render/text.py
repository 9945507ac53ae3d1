"""Terraform-style text: `+` create, `~` update, `-` delete, `>` deferred, a header per address."""

from __future__ import annotations

import json

from scaleform.lines import joined
from scaleform.listing import first_lines
from scaleform.names import terminal_safe
from scaleform.plan import Plan
from scaleform.render.rows import RELEASED_TITLE, Row, extra_summary, header, plan_rows, released, summary_line
from scaleform.safety import refusal_line

COLORS = {"+": "\033[32m", "~": "\033[33m", "-": "\033[31m"}
RESET = "\033[0m"
MAX_LISTED = 20
SECTIONS = (
    ("change", "scaleform will perform these changes:"),
    ("deferred", "Deferred (marked >; they run on a later apply):"),
    ("suppressed", "Suppressed removals (prune is off; these stay live):"),
)


DEFERRED = ">"  # waits for someone: never shown as `+`, which reads as "happens now"


def _row(row: Row) -> list[str]:
    sym = DEFERRED if row.section == "deferred" else row.symbol
    head = f"  {sym} {row.address}"
    note = row.why if row.section != "change" else row.reason
    if row.classification:
        note = f"{row.classification}; {note}"
    lines = [f"{head}  # {note}" if note else head]
    lines += [f"      {d}" for d in row.details]
    return lines


def _calls(plan: Plan) -> list[str]:
    """Every request apply will send, in order, with its whole body (`show` of a saved plan)."""
    out = ["API calls apply will send, in order:", ""]
    for i, op in enumerate(plan.operations, 1):
        body = "" if op.body is None else " " + json.dumps(op.body, sort_keys=True, ensure_ascii=False)
        out.append(f"  {i}. [phase {op.phase}] {op.method} {op.path}{body}")
    return out + [""]


def render_text(
    plan: Plan, *, color: bool = False, classification: dict[str, str] | None = None, calls: bool = False
) -> str:
    rows = plan_rows(plan, classification)
    out = [header(plan), ""]
    refusal = refusal_line(plan)
    if refusal:
        out += [f"Warning: {refusal}.", ""]
    gone = released(plan, classification)
    if gone:
        out += [f"{RELEASED_TITLE}:", *(f"    {a}" for a in gone), ""]
    for section, title in SECTIONS:
        section_rows = [r for r in rows if r.section == section]
        if section_rows:
            out.append(title)
            out += [""] if section == "change" else []
            for r in section_rows:
                out += _row(r)
            out.append("")
    if plan.unmanaged:
        out.append(f"Unmanaged ({len(plan.unmanaged)}; left alone):")
        unmanaged = [f"{u.address.text}  # {u.reason}" for u in plan.unmanaged]
        out += first_lines(unmanaged, MAX_LISTED, "    ", " (see --format json)")
        out.append("")
    for w in plan.warnings:
        out.append(f"Warning: {w}")
    if plan.warnings:
        out.append("")
    if calls and plan.operations:
        out += _calls(plan)
    if plan.operations:
        n = len(plan.operations)
        rounds = len({o.phase for o in plan.operations})
        out.append(f"{n} API call{'s' if n != 1 else ''}, in {rounds} ordered step{'s' if rounds != 1 else ''}.")
    out.append(summary_line(plan))
    out += extra_summary(plan)
    # Names, reasons and warnings come from manifests, plan files and the API: keep each on its
    # line and escape its control characters first, then add the only escape codes scaleform writes.
    lines = terminal_safe(joined(out)).split("\n")
    return "\n".join(_colored(line) if color else line for line in lines) + "\n"


def _colored(line: str) -> str:
    sym = line[2:3]
    if line[:2] == "  " and line[3:4] == " " and sym in COLORS:
        return f"  {COLORS[sym]}{sym}{RESET}{line[3:]}"
    return line
