"""`scaleform plan` and `scaleform show`, and what apply shares with them: making a plan from
the manifests and the live account, reading a saved one, and rendering either.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from scaleform.cli.commands import main
from scaleform.cli.loading import early_target, manifest_load, sandbox_ready, saved_plan_command, target_for
from scaleform.cli.options import OUTPUT, CommandOptions, common_options, manifests_kept, target_option
from scaleform.cli.output import emit, say
from scaleform.cli.progress import ProgressLine
from scaleform.lines import one_line

if TYPE_CHECKING:  # at run time these load inside the commands that use them
    from scaleform.manifest import Manifests
    from scaleform.plan import Plan
    from scaleform.target import Target


def render_plan(
    plan: Plan, fmt: str, *, color: bool, classification: dict[str, str] | None = None, calls: bool = False
) -> str:
    """The plan as text, JSON or Markdown; `calls` adds every API call (for `show`)."""
    if fmt == "json":
        from scaleform.render.jsonout import render_json

        return render_json(plan, classification)
    if fmt == "markdown":
        from scaleform.render.markdown import render_markdown

        return render_markdown(plan, classification)
    from scaleform.render.text import render_text

    return render_text(plan, color=color, classification=classification, calls=calls)


def plan_from_options(
    ctx: CommandOptions, path: str, address_prefixes: tuple[str, ...], *, rehearse: bool = False
) -> tuple[Manifests, Target, Plan]:
    """Load the manifests at `path`, read the account and plan; warnings go to stderr."""
    from scaleform.planner import load_and_plan

    if ctx.sandbox is not None:  # a missing database is named before any manifest error can hide it
        sandbox_ready(ctx, ctx.sandbox)
    timings: dict[str, float] = {}
    line = ProgressLine(ctx)
    try:
        with manifests_kept():
            manifests, target, the_plan = load_and_plan(
                manifest_load(ctx, path),
                lambda m: line.watching(target_for(ctx, m)),
                line.watching(early_target(ctx)),
                address_prefixes,
                line.reads,
                timings,
            )
    finally:
        line.done()
    from scaleform.render.problems import render_warnings

    emit(render_warnings(manifests.warnings), err=True, nl=False)
    if ctx.verbose:
        emit("timing: " + ", ".join(f"{k} {v:.3f}s" for k, v in timings.items()), err=True)
    if rehearse:
        from scaleform.rehearsal import rehearse as rehearse_plan

        the_plan = rehearse_plan(the_plan, manifests, target, address_prefixes)
    return manifests, target, the_plan


@main.command()
@click.argument("path", default=".", required=False, type=click.Path())
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan (JSON) for `apply --plan`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (deferred included).")
@target_option
@click.option(
    "--base-manifests", type=click.Path(), help="Mark changes introduced vs drift (a missing DIR: all introduced)."
)
@click.option("--rehearse", is_flag=True, help="Carry the plan out on a throwaway twin of the account first.")
@common_options()
def plan(
    ctx: CommandOptions,
    *,
    path: str,
    out: str | None,
    fmt: str,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    base_manifests: str | None,
    rehearse: bool,
) -> int:
    """Read the live account and show what apply would change.

    \b
    Examples:
      scaleform plan manifests --sandbox               # try it on the local sandbox
      scaleform plan manifests -e staging --out plan.json --format markdown
    """
    manifests, target, the_plan = plan_from_options(ctx, path, targets, rehearse=rehearse)
    if fmt != "text":  # the text plan says it itself; JSON and Markdown on stdout are for machines
        for warning in the_plan.warnings:
            say(ctx, one_line(f"Warning: {warning}"))
    classification = None
    if base_manifests:
        from scaleform.classify import all_introduced, classify

        if Path(base_manifests).exists():
            classification = classify(the_plan, manifest_load(ctx, base_manifests).complete(), target)
        else:
            classification = all_introduced(the_plan)
            say(
                ctx,
                f"note: the base manifests '{base_manifests}' do not exist (a change that adds them?); every "
                "change counts as introduced",
            )
    if out:
        from scaleform.plan_file import write_plan
        from scaleform.redaction import redact
        from scaleform.render.jsonout import render_json

        write_plan(out, redact(render_json(the_plan, classification)))
        say(ctx, f"Saved the plan to {out}. Apply exactly it with: {saved_plan_command(target.api_url, out)}")
    emit(
        render_plan(the_plan, fmt, color=ctx.color, classification=classification), nl=False, escaped=fmt != "markdown"
    )
    if the_plan.rehearsal is not None and not the_plan.rehearsal.clean:
        return 1  # a failed rehearsal fails the check, whatever the format
    return 2 if detailed_exitcode and the_plan.has_changes else 0


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@common_options(*OUTPUT)
def show(ctx: CommandOptions, file: str, fmt: str) -> int:
    """Show a saved plan, with every API call apply would send.

    \b
    Examples:
      scaleform show plan.json
      scaleform show plan.json --format markdown
    """
    emit(render_plan(read_saved_plan(file), fmt, color=ctx.color, calls=True), nl=False, escaped=fmt != "markdown")
    return 0


def read_saved_plan(file: str) -> Plan:
    """A plan saved by `plan --out`."""
    from scaleform.plan_file import read_plan

    return read_plan(file)
