"""Keeping the API key out of every output: a run's redactor and the functions that use it.

An API or a proxy can echo the key back in another form than it was sent: as the Basic-auth
value (base64 of `KEY:`), percent-encoded, in hex or base32, escaped inside a JSON string or
HTML, reversed, or in other letter case. Each registered secret is matched in all of those forms.

The secrets belong to one run (a CLI command, or a `with redacting():` block): `redacting` sets
the run's `Redactor` and takes it away when the run ends, so nothing outlives it. Outside a run
nothing is registered and text is left as it is.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import ParamSpec, TypeVar
from urllib.parse import quote, quote_plus

from scaleform.errors import ScaleformError

_MARGIN = 4096  # longer than any form of a key, so a key that overlaps the kept part is whole


def _fragments(encode: Callable[[bytes], bytes], raw: bytes, block: int, bits: int) -> set[str]:
    """The characters of `encode` (`block` bytes to a group, `bits` to a character) that depend on
    the key alone, after 0 to block-1 other bytes: an encoding of any text holding the key holds
    one of them, whatever surrounds it."""
    out = set()
    for k in range(block):
        text = encode(b"\0" * k + raw).decode()
        out.add(text[-(-8 * k // bits) : (8 * (k + len(raw))) // bits])
    return out


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    forms = {
        secret,
        secret[::-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        "".join(f"%{b:02X}" for b in raw),  # every byte escaped, as some proxies echo it
        raw.hex(),  # matched case-blind, so upper-case hex as well
        # In a JSON string (an error body re-serialized, a plan file, --format json), as escaped
        # by an ASCII-only and a UTF-8 writer; and HTML-escaped, as an HTML error page shows it.
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
    }
    base32 = base64.b32encode(raw).decode()
    forms |= {base32, base32.rstrip("=")}
    fragments = _fragments(base64.b32encode, raw, 5, 5)
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        basic = encode(raw + b":").decode()  # the Basic-auth value
        forms |= {basic, basic.rstrip("=")}
        fragments |= _fragments(encode, raw, 3, 6)
    # A fragment of a short key is too short to match safely; the key's own forms always count.
    return forms | {f for f in fragments if len(f) >= 6}


class Redactor:
    """The secrets of one run, and the pattern that matches every form of them."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def register(self, value: str | None) -> None:
        if value and len(value) >= 4 and value not in self._secrets:
            self._secrets.add(value)
            self._pattern = None

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._secrets:
            forms = sorted({f for s in self._secrets for f in _forms(s)}, key=len, reverse=True)
            # Letter case is ignored for every form: a percent-encoding's hex digits, and a key echoed
            # in upper or lower case. A base64 form matched case-blind only ever redacts more.
            self._pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE)
        return self._pattern

    def redact(self, text: str) -> str:
        pattern = self._compiled()
        return pattern.sub("***", text) if pattern is not None else text

    def redacted_prefix(self, text: str, limit: int) -> str:
        """At most `limit` characters of `text`, redacted before it is cut, so no cut can leave part
        of a key that redaction would no longer recognize."""
        return self.redact(text[: limit + _MARGIN])[:limit]


# The running command's redactor. A ContextVar rather than an argument: the client, the parser and
# the twin redact deep inside calls that know nothing of the run, and asyncio tasks see the value.
_RUN: ContextVar[Redactor | None] = ContextVar("scaleform_redactor", default=None)


@contextmanager
def redacting() -> Iterator[Redactor]:
    """The run inside the block: a fresh redactor, taken away after; inside a run, that run's."""
    current = _RUN.get()
    if current is not None:
        yield current
        return
    redactor = Redactor()
    token = _RUN.set(redactor)
    try:
        yield redactor
    finally:
        _RUN.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def in_a_run(function: Callable[P, R]) -> Callable[P, R]:
    """For the public Python API: a call made outside a run is a run of its own, so a key its
    client registers is redacted from what it raises."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with redacting() as redactor:
            try:
                return function(*args, **kwargs)
            except Exception as exc:
                # Its message may quote an API answer or a live name: redacted before it leaves.
                exc.args = tuple(redactor.redact(a) if isinstance(a, str) else a for a in exc.args)
                if isinstance(exc, ScaleformError):
                    exc.problems = [replace(p, message=redactor.redact(p.message)) for p in exc.problems]
                raise

    return run


def register_secret(value: str | None) -> None:
    redactor = _RUN.get()
    if redactor is not None:
        redactor.register(value)


def redact(text: str) -> str:
    redactor = _RUN.get()
    return redactor.redact(text) if redactor is not None else text


def redacted_prefix(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, redacted before it is cut (see `Redactor`)."""
    redactor = _RUN.get()
    return redactor.redacted_prefix(text, limit) if redactor is not None else text[:limit]


def cut(text: str, limit: int) -> str:
    """`text` when it has at most `limit` characters; else its redacted start and "…", `limit` in
    all. Redacted first: a cut key is no longer one redaction recognizes."""
    return text if len(text) <= limit else redacted_prefix(text, limit - 1) + "…"
