"""The one place a request URL is made: the target's base URL joined with a path of
percent-encoded segments, and nothing else.

Every call the client sends passes through `request_url`, whoever built it (the planner, a saved
plan, refresh, export, the twin). A path that is absolute, holds an empty, `.` or `..` segment
(encoded or not), a query, a fragment, a backslash or a control character is refused before
anything is sent, so no name and no plan file can move a request, and the key with it, off the
target.
"""

from __future__ import annotations

from urllib.parse import unquote

import httpx

from scaleform.api.errors import ApiError

_FORBIDDEN = set("?#\\") | {chr(c) for c in range(0x20)} | {"\x7f", " "}


class UnsafePath(ApiError):
    """A request path that could leave the target; never sent."""


def request_url(base_url: str, method: str, path: str) -> httpx.URL:
    """`base_url` + `path`, or UnsafePath. `path` is what operations record ("/projects/a%2Fb")."""

    def refuse(why: str) -> UnsafePath:
        return UnsafePath(
            method, path[:200], 0, f"refused before sending: {why}; a request only ever goes to paths under {base_url}"
        )

    if not path.startswith("/") or path.startswith("//"):
        raise refuse("the path is not relative to the API URL")
    if any(ch in _FORBIDDEN for ch in path):
        raise refuse("the path holds a query, fragment, backslash, space or control character")
    for segment in path[1:].split("/"):
        if unquote(segment) in ("", ".", ".."):
            raise refuse("the path holds an empty, '.' or '..' segment")
    base = httpx.URL(base_url)
    url = httpx.URL(base_url.rstrip("/") + path)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port) or not url.raw_path.startswith(
        base.raw_path.rstrip(b"/") + b"/"
    ):
        raise refuse("the URL resolves outside the API URL")
    return url
