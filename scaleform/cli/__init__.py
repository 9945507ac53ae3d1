"""The command line. `main` is the entry point; each module adds its commands to it."""
from __future__ import annotations

from scaleform.cli import sandbox as _sandbox  # noqa: F401  (registers `scaleform sandbox`)
from scaleform.cli.commands import main
from scaleform.cli.options import Ctx

__all__ = ["Ctx", "main"]
