"""Keeping the API key out of every output: a registry of secrets and a redactor.

An API or a proxy can echo the key back in another form than it was sent: as the Basic-auth
value (base64 of `KEY:`), percent-encoded, or in other letter case. Each registered secret is
matched in all of those forms.
"""
from __future__ import annotations

import base64
import re
from urllib.parse import quote

_SECRETS: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    global _pattern
    if value and len(value) >= 4 and value not in _SECRETS:
        _SECRETS.add(value)
        _pattern = None


def _forms(secret: str) -> set[str]:
    basic = base64.b64encode(f"{secret}:".encode()).decode()
    bare = base64.b64encode(secret.encode()).decode().rstrip("=")
    return {secret, basic, basic.rstrip("="), bare, quote(secret, safe=""), quote(secret)}


def _compiled() -> re.Pattern[str] | None:
    global _pattern
    if _pattern is None and _SECRETS:
        forms = sorted({f for s in _SECRETS for f in _forms(s) if len(f) >= 4}, key=len, reverse=True)
        # Letter case is ignored for every form: a percent-encoding's hex digits, and a key echoed
        # in upper or lower case. A base64 form matched case-blind only ever redacts more.
        _pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE)
    return _pattern


def redact(text: str) -> str:
    pattern = _compiled()
    return pattern.sub("***", text) if pattern is not None else text
