"""Which names can be addressed safely: in a URL path segment, an address and a terminal.

Manifests enforce the same rule through the schema (`$defs/name`); live objects are checked
here, because anyone who can create a project, group or batch in the account writes their names.
"""
from __future__ import annotations

import re

MAX_NAME = 200
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def unaddressable(name: str) -> str | None:
    """Why `name` cannot be addressed safely, or None when it can."""
    if name in ("", ".", ".."):
        return "an empty, '.' or '..' name would leave its URL path segment"
    if _CONTROL.search(name):
        return "it holds control characters"
    return None


def shown(name: str) -> str:
    """`name` quoted for a message, control characters escaped and at most MAX_NAME shown."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name[:MAX_NAME])
    return f"'{text}{'…' if len(name) > MAX_NAME else ''}'"


def skipped_line(kind: str, name: str, why: str) -> str:
    return f"live {kind} {shown(name)} cannot be addressed safely ({why}); scaleform skips it"
