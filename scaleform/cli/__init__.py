"""The command line. `main` is the entry point; each module adds its commands to it."""

from __future__ import annotations

from scaleform.cli import apply_command as _apply  # noqa: F401  (registers `scaleform apply`)
from scaleform.cli import completion as _completion  # noqa: F401  (registers `scaleform completion`)
from scaleform.cli import export_command as _export  # noqa: F401  (registers `scaleform export`)
from scaleform.cli import plan_commands as _plan  # noqa: F401  (registers `scaleform plan` and `show`)
from scaleform.cli import sandbox as _sandbox  # noqa: F401  (registers `scaleform sandbox`)
from scaleform.cli import schema_command as _schema  # noqa: F401  (registers `scaleform schema`)
from scaleform.cli.commands import main
from scaleform.cli.options import CommandOptions

__all__ = ["CommandOptions", "main"]
