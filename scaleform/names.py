"""Which names and emails can be addressed safely: in a URL path segment, an address, a YAML
file and a terminal; and text made safe to print.

Manifests enforce the same rule through the schema (`$defs/name`); live objects are checked
here, because anyone who can create a project, group or batch in the account writes their names.
"""

from __future__ import annotations

import re

from scaleform.redaction import redacted_prefix

MAX_NAME = 200
# C0 and C1 controls, DEL, and the invisible format characters (zero-width spaces and joiners, the
# bidirectional overrides that reorder what a terminal shows, the byte-order mark): text that could
# look like something else on screen.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
# Invisible marks and blank fillers: a name holding one looks like the name without it. Not in _FORMAT,
# so printed text keeps them (emoji need variation selectors, flags need tag characters).
_INVISIBLE = (
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2065\u2800\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e0fff"
)
CONTROL_CLASS = "\x00-\x1f\x7f-\x9f" + _FORMAT + _INVISIBLE
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
# local@domain.tld: the domain's first dot after its first character is found by a dot-free run, so
# there is one way to split the text and matching is linear (`[^@]+\.[^@]+` backtracks quadratically).
_EMAIL = re.compile(r"[^@\s\[\]]+@[^@\s\[\]][^@\s\[\].]*\.[^@\s\[\]]+")


def unaddressable(name: str) -> str | None:
    """Why `name` cannot be addressed safely, or None when it can."""
    if name in ("", ".", ".."):
        return "an empty, '.' or '..' name would leave its URL path segment"
    if _CONTROL.search(name):
        return "it holds control or invisible characters"
    if "[" in name or "]" in name:
        return "square brackets would make its address ambiguous"
    return None


def unaddressable_email(email: str) -> str | None:
    """Why a live email cannot be managed safely (it could not be declared, addressed or written
    into a manifest as it is), or None when it can."""
    if _CONTROL.search(email):
        return "it holds control characters"
    if not _EMAIL.fullmatch(email):
        return "it is not a plain email address"
    return None


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # four hex digits would read as another character and a digit
        return f"\\U{code:08x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped(text: str) -> str:
    """`text` with every control and invisible character escaped, line breaks included: a value
    quoted inside a one-line message."""
    return _CONTROL.sub(_escape, text)


def shown(name: str) -> str:
    """`name` quoted for a message, control characters escaped and at most MAX_NAME shown; a key
    in it is redacted before the cut, so no cut leaves part of one."""
    text = escaped(redacted_prefix(name, MAX_NAME))
    return f"'{text}{'…' if len(name) > MAX_NAME else ''}'"


_UNSAFE_OUTPUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _FORMAT + "]")


_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f" + _FORMAT + "]")


def json_terminal_safe(text: str) -> str:
    """JSON text with DEL, C1 and invisible characters written as `\\uXXXX` escapes: still the same
    JSON, but nothing in it can move the cursor or reorder text on a terminal (json.dumps escapes
    the C0 controls itself)."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def terminal_safe(text: str) -> str:
    """`text` with every control character but newline and tab escaped: whatever a manifest, a plan
    file or the API wrote can neither move the cursor, hide text nor reorder it on a terminal."""
    return _UNSAFE_OUTPUT.sub(_escape, text)


def skipped_line(kind: str, name: str, why: str) -> str:
    return f"live {kind} {shown(name)} cannot be addressed safely ({why}); scaleform skips it"
