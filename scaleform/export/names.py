"""Names `export --templates` gives what it factors out: derived from what the projects share,
never colliding, and the same from run to run.

Each item (a template, a people set) offers its names from the most general to the most specific:
say `stg-instruction`, then `stg-transcription-instruction`, then `stg-receipts-instruction`. Items
whose names would be the same all move to their next name, until no two share one; only items that
have run out of names and still share one get `-2`, `-3`, ... (in the order they were given).
"""

from __future__ import annotations

import re
from collections import defaultdict

PREFIX_VAR = "${var.prefix}"
MAX_BASE = 180  # names are at most 200 characters; room for a `-N` suffix


def slug(text: str) -> str:
    """Only what a people-set name may hold (`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`): no `$`, `{` or space."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-._")


def plain(project: str) -> str:
    """A project name as a name part: `--prefix-to-var` names lose the variable."""
    return project.replace(PREFIX_VAR, "")


def stem(names: list[str]) -> str:
    """The projects' common name prefix cut at a separator ('' when it says nothing); a lone
    project's whole name."""
    cut = [plain(n) for n in names]
    first, last = min(cut), max(cut)
    common = first[: next((i for i, (a, b) in enumerate(zip(first, last)) if a != b), min(len(first), len(last)))]
    common = slug(re.sub(r"[^-_.]*$", "", common) if len(names) > 1 and first != last else common)
    return common if len(common) >= 3 else ""


def join(*parts: str) -> str:
    """Parts joined by `-`, empty ones left out, a part that repeats the end of the name so far
    (`proj` + `proj-team`) said once."""
    out = ""
    for part in (slug(p) for p in parts):
        if not part:
            continue
        if not out or part == out or part.startswith(out + "-"):
            out = part
        elif not out.endswith("-" + part) and out != part:
            out = f"{out}-{part}"
    return out


def _clean(name: str) -> str:
    return slug(name[:MAX_BASE]) or "shared"


def resolve(options: list[list[str]]) -> list[str]:
    """One name for each item, from its `options` (most general first), as the module says."""
    choices = []
    for opts in options:
        seen: list[str] = []
        for name in map(_clean, opts or ["shared"]):
            if name not in seen:
                seen.append(name)
        choices.append(seen)
    level = [0] * len(choices)
    while True:
        holders: dict[str, list[int]] = defaultdict(list)
        for i, opts in enumerate(choices):
            holders[opts[level[i]]].append(i)
        moved = False
        for items in holders.values():
            if len(items) > 1:
                for i in items:
                    if level[i] + 1 < len(choices[i]):
                        level[i] += 1
                        moved = True
        if not moved:
            break
    names = [opts[level[i]] for i, opts in enumerate(choices)]
    taken = set(names)
    out: list[str] = []
    used: set[str] = set()
    counter: dict[str, int] = defaultdict(lambda: 2)
    for name in names:
        if name in used:  # the very same name for other content: numbered
            base = name
            while f"{base}-{counter[base]}" in taken:
                counter[base] += 1
            name = f"{base}-{counter[base]}"
            taken.add(name)
        used.add(name)
        out.append(name)
    return out


class Names:
    """Unique names handed out one at a time, for a caller that cannot offer them all at once:
    the same rules as `resolve`, but a later name can only be numbered."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, base: str) -> str:
        base, n = _clean(base), 2
        name = base
        while name in self.taken:
            name, n = f"{base}-{n}", n + 1
        self.taken.add(name)
        return name
