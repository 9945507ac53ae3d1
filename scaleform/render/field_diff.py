"""Nested field diffs (`~ a.b: old -> new`, `+ a.c[2]: v`, `- a.d: v`) for params, pipelines
and ontology attributes. deepdiff compares the two values, lists item by item, and is imported
only when an update is rendered."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from scaleform.redaction import cut


def value_text(value: Any, limit: int = 160) -> str:
    """`value` as JSON, at most `limit` characters (see `redaction.cut`)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return cut(text, limit)


def _path(prefix: str, steps: Iterable[Any]) -> str:
    out = prefix
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(value)"


def _leaves(value: Any, steps: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict) and value:
        return [leaf for k in sorted(value) for leaf in _leaves(value[k], (*steps, k))]
    return [(steps, value)]


def field_diff(before: Any, after: Any, prefix: str = "") -> list[str]:
    """One line per changed leaf; a whole side that is absent lists the other side's leaves."""
    if before in (None, {}) or after in (None, {}):
        sign, side = ("+", after) if before in (None, {}) else ("-", before)
        if side in (None, {}):
            return []
        return [f"{sign} {_path(prefix, steps)}: {value_text(value)}" for steps, value in _leaves(side)]
    from deepdiff import DeepDiff

    lines: list[tuple[list[Any], str]] = []
    for report, items in DeepDiff(before, after, view="tree").items():
        for item in items:
            steps = item.path(output_format="list")
            where = _path(prefix, steps)
            if report.endswith("_added"):
                lines.append((steps, f"+ {where}: {value_text(item.t2)}"))
            elif report.endswith("_removed"):
                lines.append((steps, f"- {where}: {value_text(item.t1)}"))
            else:
                lines.append((steps, f"~ {where}: {value_text(item.t1)} -> {value_text(item.t2)}"))
    return [line for _, line in sorted(lines, key=lambda pair: [str(s) for s in pair[0]] + [pair[1]])]
