"""`scaleform completion bash|zsh|fish`: the shell completion script, from click's own."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from scaleform.cli.commands import main


@main.command("completion", short_help="Print the shell completion script (bash, zsh or fish).")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL; manifest folders, plan files and options complete.

    \b
    Examples:
      eval "$(scaleform completion bash)"                  # in ~/.bashrc
      scaleform completion fish > ~/.config/fish/completions/scaleform.fish
    """
    cls = get_completion_class(shell)
    assert cls is not None  # click ships all three
    click.echo(cls(main, {}, "scaleform", "_SCALEFORM_COMPLETE").source())
