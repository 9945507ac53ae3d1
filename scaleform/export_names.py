"""Names `export --templates` gives what it factors out: readable, derived from the projects, never
colliding, and the same from run to run (callers ask in a fixed order)."""
from __future__ import annotations

import re


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-._")


def stem(names: list[str], fallback: str) -> str:
    """The projects' common name prefix cut at a separator, or `fallback` when it says nothing."""
    plain = [n.replace("${var.prefix}", "") for n in names]
    first, last = min(plain), max(plain)
    common = first[:next((i for i, (a, b) in enumerate(zip(first, last)) if a != b), min(len(first), len(last)))]
    common = slug(re.sub(r"[^-_.]*$", "", common) if len(names) > 1 else common)
    return common if len(common) >= 3 else slug(fallback) or "shared"


MAX_BASE = 180  # names are at most 200 characters; room for a `-N` suffix


class Names:
    """Unique, readable names handed out in call order."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, base: str) -> str:
        base = base[:MAX_BASE].rstrip("-._") or "shared"
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}-{n}"
        self.taken.add(name)
        return name
