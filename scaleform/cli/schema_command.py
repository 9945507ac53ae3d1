"""`scaleform schema`: copy the JSON schemas next to the manifests."""

from __future__ import annotations

import click

from scaleform.cli.commands import main
from scaleform.cli.guard import guarded
from scaleform.cli.options import CommandOptions
from scaleform.cli.output import say


@main.command("schema", short_help="Write the JSON schemas into the manifest folder (for editors and CI).")
@click.option(
    "--out",
    "out_dir",
    default="manifests/.schema",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to write the schemas into.",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def schema(*, out_dir: str, quiet: bool) -> None:
    """Write the JSON schemas (manifests, saved plans, apply reports) into DIR, so manifests can
    point at them relatively: `# yaml-language-server: $schema=.schema/manifest.schema.json`.

    \b
    Examples:
      scaleform schema --out manifests/.schema
    """
    guarded(CommandOptions(quiet=quiet), _write, out_dir=out_dir)


def _write(ctx: CommandOptions, out_dir: str) -> int:
    from scaleform.schema_files import write_schemas

    for path in write_schemas(out_dir):
        say(ctx, f"wrote {path}")
    return 0
