"""`scaleform apply`: apply a fresh plan (asking first) or a saved one, then print the report.

The checks it runs in between (reviewed plans, rehearsal, safety) live in their own modules; this
one only puts them in order and renders.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from scaleform.cli.commands import main
from scaleform.cli.loading import saved_plan_target
from scaleform.cli.options import CommandOptions, common_options, target_option
from scaleform.cli.output import emit
from scaleform.cli.plan_commands import plan_from_options, read_saved_plan, render_plan
from scaleform.errors import ScaleformError

if TYPE_CHECKING:  # at run time these load inside the functions that use them
    from scaleform.apply import ApplyReport, OpResult
    from scaleform.plan import Plan
    from scaleform.reviewed import ReviewedCount


@main.command(short_help="Apply the changes (asks first unless --auto-approve or --plan).")
@click.argument("path", default=None, required=False, type=click.Path())
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False), help="Apply a saved plan.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@target_option
@click.option("--force", is_flag=True, help="Apply even when removals cross the safety threshold.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="The apply report's format (json: schemas/apply-report.schema.json).",
)
@click.option("--rehearse", is_flag=True, help="Rehearse on a throwaway twin first; apply only if it is clean.")
@click.option(
    "--reviewed",
    "reviewed_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="A saved plan that was reviewed: plan afresh and refuse any change it does not "
    "hold (repeatable: the changes of several reviewed plans).",
)
@common_options()
def apply(
    ctx: CommandOptions,
    *,
    path: str | None,
    plan_file: str | None,
    auto_approve: bool,
    targets: tuple[str, ...],
    force: bool,
    fmt: str,
    rehearse: bool,
    reviewed_files: tuple[str, ...],
) -> int:
    """Apply the changes (asks for confirmation unless --auto-approve or --plan).

    \b
    Examples:
      scaleform apply manifests --sandbox
      scaleform apply manifests -e production --reviewed plan.json --auto-approve
      scaleform apply --plan plan.json
    """
    _refuse_mixed(path, plan_file, rehearse=rehearse, reviewed_files=reviewed_files)
    if plan_file:
        return _apply_saved(ctx, fmt, plan_file, force=force)
    return _apply_fresh(
        ctx,
        fmt,
        path or ".",
        targets,
        auto_approve=auto_approve,
        force=force,
        rehearse=rehearse,
        reviewed_files=reviewed_files,
    )


def _refuse_mixed(path: str | None, plan_file: str | None, *, rehearse: bool, reviewed_files: tuple[str, ...]) -> None:
    """Options that cannot go together fail before any file or the account is read."""
    if plan_file and reviewed_files:
        raise ScaleformError(
            "--plan applies a saved plan as it is; --reviewed plans afresh from the manifests and "
            "checks the result against a reviewed plan. Use one of them"
        )
    if plan_file and rehearse:
        raise ScaleformError(
            "--rehearse needs the manifests, not a saved plan: make the plan with "
            "`scaleform plan --rehearse --out FILE`, then apply that file"
        )
    if plan_file and path is not None:
        raise ScaleformError(
            f"apply --plan takes no PATH ('{path}'): a saved plan is applied exactly as it was "
            "made. Drop the PATH, or plan again from it"
        )


def _show(ctx: CommandOptions, fmt: str, the_plan: Plan, *, asking: bool) -> None:
    """The plan before it is applied; on stderr when the report is in another format."""
    if not ctx.quiet or asking:  # a report in another format keeps stdout to itself
        emit(render_plan(the_plan, "text", color=ctx.color), nl=False, err=fmt != "text", escaped=True)
    if not the_plan.operations:
        emit("Nothing to apply.", err=fmt != "text")


def _progress(ctx: CommandOptions, fmt: str) -> Callable[[OpResult], None]:
    """A line per API call as it completes, in the text format only."""
    from scaleform.render.report import progress_line

    def progress(result: OpResult) -> None:
        if fmt == "text" and not ctx.quiet:
            emit(progress_line(result))

    return progress


def _apply_saved(ctx: CommandOptions, fmt: str, plan_file: str, *, force: bool) -> int:
    """Apply a saved plan exactly as it was made; it was reviewed, so no question is asked."""
    from scaleform.apply import apply_saved_plan

    the_plan = read_saved_plan(plan_file)
    report = apply_saved_plan(
        the_plan,
        saved_plan_target(ctx, the_plan.target),
        force=force,
        on_result=_progress(ctx, fmt),
        checked=lambda: _show(ctx, fmt, the_plan, asking=False),
    )
    return _report(ctx, fmt, report, the_plan, None)


def _apply_fresh(
    ctx: CommandOptions,
    fmt: str,
    path: str,
    targets: tuple[str, ...],
    *,
    auto_approve: bool,
    force: bool,
    rehearse: bool,
    reviewed_files: tuple[str, ...],
) -> int:
    """Plan from the manifests, check the plan, ask, apply."""
    from scaleform.apply import apply_plan
    from scaleform.safety import check_safety

    counted: ReviewedCount | None = None
    reviewed = [(f, read_saved_plan(f)) for f in reviewed_files]  # a damaged file fails before any read
    _, target, the_plan = plan_from_options(ctx, path, targets, rehearse=rehearse)
    _show(ctx, fmt, the_plan, asking=not auto_approve)
    if reviewed:
        from scaleform.reviewed import check_reviewed

        counted = check_reviewed(the_plan, reviewed)
    if rehearse:
        from scaleform.rehearsal import require_clean

        require_clean(the_plan)
    if not the_plan.operations:
        return _report(ctx, fmt, None, the_plan, counted)
    check_safety(the_plan, force=force)
    if not auto_approve:
        _confirm()
    report = replace(apply_plan(the_plan, target, force=force, on_result=_progress(ctx, fmt)), reviewed=counted)
    return _report(ctx, fmt, report, the_plan, counted)


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise ScaleformError(
            "refusing to apply without confirmation: stdin is not a terminal. Review the "
            "plan and pass --auto-approve (or apply a saved plan with --plan FILE)"
        )
    answer = click.prompt("Apply these changes? Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ScaleformError("apply cancelled: the answer was not 'yes'")


def _report(
    ctx: CommandOptions, fmt: str, report: ApplyReport | None, the_plan: Plan, reviewed: ReviewedCount | None = None
) -> int:
    from scaleform.apply import ApplyReport
    from scaleform.render.report import render_report, render_report_json, render_report_markdown

    if report is None:  # nothing to apply: an empty report still says what stays deferred
        report = ApplyReport(deferred=the_plan.deferred, target=the_plan.target, reviewed=reviewed)
    if fmt == "json":
        emit(render_report_json(report), nl=False, escaped=True)
    elif fmt == "markdown":
        emit(render_report_markdown(report), nl=False)
    elif report.results or report.deferred or report.reviewed or not report.ok:
        emit(render_report(report), nl=False, err=not report.ok)
    if report.interrupted:
        return 128 + (report.signal or signal.SIGINT)  # 130 for SIGINT, 143 for SIGTERM
    return 0 if report.ok else 1
