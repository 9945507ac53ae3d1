"""Which build this is: the version and the commit it was made from.

Every install is pinned by commit, so the version number alone cannot tell two builds apart. A
wheel or an sdist carries the commit in `_commit.txt` (written by setup.py at build time); a git
checkout (an editable install) asks git. Only `--version` calls this, so start-up pays nothing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from scaleform import __version__

_STAMP = Path(__file__).with_name("_commit.txt")


def commit() -> str | None:
    """The full commit SHA of this build, or None when it cannot be known. A checkout asks git
    first: its HEAD moves, and a stamp left in it would not."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return _STAMP.read_text("utf-8").strip() or None if _STAMP.is_file() else None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def version_line() -> str:
    sha = commit()
    return f"scaleform {__version__} (commit {sha})" if sha else f"scaleform {__version__} (commit unknown)"
