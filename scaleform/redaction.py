"""Keeping the API key out of every output: a registry of secrets and a redactor.

An API or a proxy can echo the key back in another form than it was sent: as the Basic-auth
value (base64 of `KEY:`), percent-encoded, or in other letter case. Each registered secret is
matched in all of those forms.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, quote_plus

_SECRETS: set[str] = set()
_MARGIN = 4096  # longer than any form of a key, so a key that overlaps the kept part is whole
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    global _pattern
    if value and len(value) >= 4 and value not in _SECRETS:
        _SECRETS.add(value)
        _pattern = None


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        "".join(f"%{b:02X}" for b in raw),
    }  # every byte escaped, as some proxies echo it
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        basic = encode(raw + b":").decode()  # the Basic-auth value
        forms |= {basic, basic.rstrip("=")}
        # base64 of the key after 0, 1 or 2 other bytes: the characters that depend on the key
        # alone, whatever surrounds it
        for k in range(3):
            text = encode(b"\0" * k + raw).decode()
            forms.add(text[(4 * k + 2) // 3 : ((k + len(raw)) * 8) // 6])
    return {f for f in forms if len(f) >= 6}


def _compiled() -> re.Pattern[str] | None:
    global _pattern
    if _pattern is None and _SECRETS:
        forms = sorted({f for s in _SECRETS for f in _forms(s)}, key=len, reverse=True)
        # Letter case is ignored for every form: a percent-encoding's hex digits, and a key echoed
        # in upper or lower case. A base64 form matched case-blind only ever redacts more.
        _pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE)
    return _pattern


def redact(text: str) -> str:
    pattern = _compiled()
    return pattern.sub("***", text) if pattern is not None else text


def redacted_prefix(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, redacted before it is cut, so no cut can leave part of
    a key that redaction would no longer recognize."""
    return redact(text[: limit + _MARGIN])[:limit]
