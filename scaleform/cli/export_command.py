"""`scaleform export`: write the live account as manifests."""

from __future__ import annotations

import click

from scaleform.cli.commands import main
from scaleform.cli.loading import target_for
from scaleform.cli.options import OUTPUT, TARGET, CommandOptions, common_options
from scaleform.cli.output import say
from scaleform.lines import one_line


@main.command()
@click.argument("path", default=".", required=False, type=click.Path())
@click.option(
    "--out",
    "out_dir",
    default="manifests",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to write the manifests into.",
)
@click.option("--project", "projects", multiple=True, metavar="NAME", help="Export only these projects (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option(
    "--prefix-to-var",
    "prefix",
    metavar="VALUE",
    help="Write names starting with VALUE as ${var.prefix}… (to reuse the manifests in other environments).",
)
@click.option("--templates", is_flag=True, help="Factor what projects share into templates and people sets.")
@common_options("environment", *TARGET, *OUTPUT)
def export(
    ctx: CommandOptions,
    *,
    path: str,
    out_dir: str,
    projects: tuple[str, ...],
    force: bool,
    prefix: str | None,
    templates: bool,
) -> int:
    """Write the live account as manifests (team, projects, batches). With -e, the environment is
    read from the manifests at PATH (default: the current folder).

    \b
    Examples:
      scaleform export --sandbox --out manifests
      scaleform export manifests -e staging --out staging --templates
    """
    from scaleform.export import export_account

    target = target_for(ctx, path=path)
    result = export_account(target, out_dir, projects, force=force, prefix=prefix, templates=templates)
    for note in result.notes:
        say(ctx, one_line(f"note: {note}"))
    say(ctx, f"wrote {len(result.files)} file(s) to {out_dir} from {target.api_url}")
    return 0
