"""Reading an answer's body without letting its size decide how much memory it takes.

A body is streamed and counted as it arrives: a success body is kept up to MAX_RESPONSE_BYTES and
refused beyond it, an error body only to its first DETAIL_BYTES (the message quotes less than
that). The limits and what they cost are in docs/bounds.md ("API answers").
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import cast

import httpx

from scaleform.api.errors import BadResponse
from scaleform.redaction import redacted_prefix

# Far above the largest answer a large account gives (its whole team), yet a body this size
# parses within memory a machine has (docs/bounds.md, "API answers").
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DETAIL_BYTES = 16 * 1024  # what is read of an error body: enough for any message it makes


def size(limit: int) -> str:
    """`limit` as docs and messages write it ("64 MiB")."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit:,} bytes"


def _stacked(response: httpx.Response) -> bool:
    """More than one content coding: httpx undoes them all on each piece that arrives, so a few KB
    could become gigabytes before a piece is counted. One coding grows a piece at most about 1,000
    times; no API sends more than one."""
    return "," in response.headers.get("content-encoding", "")


async def read_body(response: httpx.Response, method: str, path: str, limit: int = MAX_RESPONSE_BYTES) -> bytes:
    """The whole body of `response`, or BadResponse once it passes `limit` (nothing more is read)."""
    if _stacked(response):
        raise BadResponse(method, path, 200, "the body is compressed more than once; it was not read")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(method, path, limit, f"it declares {int(declared):,} bytes")
    chunks: list[bytes] = []
    count = 0
    async with _chunks(response) as stream:
        async for chunk in stream:
            count += len(chunk)
            if count > limit:
                raise _too_large(method, path, limit, "more kept arriving")
            chunks.append(chunk)
    return b"".join(chunks)


async def read_prefix(response: httpx.Response, limit: int = DETAIL_BYTES) -> bytes:
    """The first `limit` bytes of the body (all of it when shorter); the rest is never read, and
    none of a body compressed more than once."""
    if _stacked(response):
        return b""
    chunks: list[bytes] = []
    count = 0
    async with _chunks(response) as stream:
        async for chunk in stream:
            chunks.append(chunk[: limit - count])
            count += len(chunks[-1])
            if count >= limit:
                break
    return b"".join(chunks)


def detail(response: httpx.Response, body: bytes) -> str:
    """The API's own words about a failed call: its `error` text, or the start of the body."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        text = body.decode(response.encoding or "utf-8", errors="replace").strip()
        return redacted_prefix(text, 300) or response.reason_phrase
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return redacted_prefix(parsed["error"], 500)
    return redacted_prefix(json.dumps(parsed), 300)


def _chunks(response: httpx.Response) -> aclosing[AsyncGenerator[bytes, None]]:
    # Closed on leaving, not when garbage-collected: reading may stop before the body ends.
    return aclosing(cast(AsyncGenerator[bytes, None], response.aiter_bytes()))


def _too_large(method: str, path: str, limit: int, seen: str) -> BadResponse:
    return BadResponse(
        method,
        path,
        200,
        f"the body is larger than {size(limit)}, the most scaleform reads of one answer ({seen}); "
        "it was not read further",
    )
