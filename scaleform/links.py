"""What scaleform writes never goes through a symbolic link: a pull request can plant one where a
plan, a schema or an export is written, pointing at a file the job can change."""

from __future__ import annotations

from pathlib import Path

from scaleform.errors import ScaleformError


def refuse_link(path: Path, what: str, remedy: str = "remove it") -> None:
    """ScaleformError when `path` is a symbolic link (dangling or not); `what` is being written."""
    if path.is_symlink():
        raise ScaleformError(f"scaleform does not write {what} through a symbolic link: {path} is one; {remedy}")
