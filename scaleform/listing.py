"""Long lists in messages: the first few, then how many more."""

from __future__ import annotations

from collections.abc import Sequence


def first_few(items: Sequence[str], limit: int, sep: str = ", ") -> str:
    """`a, b and 3 more`: the first `limit` items joined by `sep`, then the count of the rest."""
    shown = sep.join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def first_lines(items: Sequence[str], limit: int, prefix: str, suffix: str = "") -> list[str]:
    """The first `limit` items a line each after `prefix`, then `… and 3 more` and `suffix` on a
    line of its own when some are left."""
    lines = [prefix + item for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"{prefix}… and {len(items) - limit} more{suffix}")
    return lines
