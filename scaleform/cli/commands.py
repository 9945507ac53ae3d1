"""The `main` group and the offline commands (validate, render): parse options, call one function,
render. No logic lives here; the commands that read the account live in plan_commands,
apply_command and export_command, each registering on `main`.

Heavy modules (httpx, starlette, deepdiff) are imported inside the commands that need them so
`scaleform --help` and `validate` start fast.
"""

from __future__ import annotations

from dataclasses import replace

import click

from scaleform.cli.loading import manifest_load
from scaleform.cli.options import (
    MANIFESTS,
    OUTPUT,
    CommandOptions,
    ScaleformGroup,
    common_options,
    manifests_kept,
    version_option,
)
from scaleform.cli.output import emit


@click.group(cls=ScaleformGroup, context_settings={"help_option_names": ["-h", "--help"]})
@version_option()
def main() -> None:
    """Keep a Scale AI account's configuration in git: validate, plan, apply."""


@main.command(short_help="Check manifests offline: schema, references, variables, every environment.")
@click.argument("path", default=".", required=False, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json", "sarif"]),
    default="text",
    show_default=True,
    help="github: workflow annotations; json: schemas/validate.schema.json; sarif: SARIF 2.1.0 for code scanning.",
)
@common_options(*MANIFESTS, *OUTPUT)
def validate(ctx: CommandOptions, path: str, fmt: str) -> int:
    """Check manifests offline: schema, references, variables (every declared environment unless -e).

    \b
    Examples:
      scaleform validate manifests
      scaleform validate manifests --format github    # annotations in GitHub Actions
      scaleform validate manifests --format sarif > scaleform.sarif
    """
    from scaleform.render.problems import render_problems, render_remarks, render_warnings
    from scaleform.validation import validate_environments

    with manifests_kept():
        checked = validate_environments(lambda env: manifest_load(replace(ctx, environment=env), path), ctx.environment)
    if fmt in ("json", "sarif"):
        from scaleform.render.findings import findings_json, findings_sarif

        notes = checked.manifests.notes if checked.manifests is not None else ()
        warnings = checked.manifests.warnings if checked.manifests is not None else ()
        files = len(checked.manifests.files) if checked.manifests is not None else 0
        emit(
            findings_json(checked.problems, warnings, notes, checked.environments, files)
            if fmt == "json"
            else findings_sarif(checked.problems, warnings, notes),
            nl=False,
            escaped=True,
        )
        return 1 if checked.problems or checked.manifests is None else 0
    if checked.problems or checked.manifests is None:
        emit(render_problems(checked.problems, fmt), err=fmt == "text", nl=False)
        return 1
    manifests = checked.manifests
    # Warnings show even with --quiet: each may be a typo that apply would send.
    emit(render_warnings(manifests.warnings, fmt), err=fmt == "text", nl=False)
    if fmt == "github":  # annotations go to stdout, where the runner reads workflow commands
        emit(render_remarks("note", manifests.notes, fmt), nl=False)
    if not ctx.quiet:
        if fmt == "text":
            emit(render_remarks("note", manifests.notes, fmt), err=True, nl=False)
        each = f" in each environment ({', '.join(checked.environments)})" if len(checked.environments) > 1 else ""
        emit(f"{len(manifests.files)} file(s) valid{each}.")
    return 0


@main.command(short_help="Print the effective manifests: templates merged, sets expanded, variables filled in.")
@click.argument("path", default=".", required=False, type=click.Path())
@click.option("--project", "projects", multiple=True, metavar="NAME", help="Only these projects (repeatable).")
@common_options(*MANIFESTS, *OUTPUT)
def render(ctx: CommandOptions, path: str, projects: tuple[str, ...]) -> int:
    """Print the effective manifests: templates merged, people sets expanded, variables interpolated.

    \b
    Examples:
      scaleform render manifests -e staging
      scaleform render manifests --project street-signs
    """
    from scaleform.manifest.effective import render_effective

    emit(render_effective(manifest_load(ctx, path), projects), nl=False)
    return 0
