"""What a command prints: every line redacted and made safe for a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scaleform.cli.options import CommandOptions


def emit(text: str, *, err: bool = False, nl: bool = True, escaped: bool = False) -> None:
    """Every line a command prints goes through here: redacted, whatever produced it (an API
    answer, an error message, a live name), and with control characters escaped. `escaped`: the
    text escapes its own control characters (JSON, or the text renderer's, whose colour codes must
    stay); DEL, C1 and invisible characters, which JSON leaves raw, are escaped still."""
    from scaleform.names import json_terminal_safe, terminal_safe
    from scaleform.redaction import redact

    click.echo(redact(json_terminal_safe(text) if escaped else terminal_safe(text)), err=err, nl=nl)


def say(ctx: CommandOptions, text: str) -> None:
    """A line for the person at the terminal (stderr), unless --quiet."""
    if not ctx.quiet:
        emit(text, err=True)
