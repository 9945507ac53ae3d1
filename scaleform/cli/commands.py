"""The commands: parse options, call one function, render. No logic lives here.

Heavy modules (httpx, starlette, deepdiff) are imported inside the commands that need them so
`scaleform --help` and `validate` start fast.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scaleform.cli.loading import (
    early_target,
    manifest_load,
    sandbox_ready,
    saved_plan_command,
    saved_plan_target,
    target_for,
)
from scaleform.cli.options import (
    MANIFESTS,
    OUTPUT,
    TARGET,
    Ctx,
    ScaleformGroup,
    common_options,
    emit,
    manifests_kept,
    say,
    version_option,
)
from scaleform.cli.progress import ProgressLine
from scaleform.errors import ScaleformError

if TYPE_CHECKING:  # at run time these load inside the commands that use them
    from scaleform.apply import ApplyReport, OpResult
    from scaleform.manifest import Manifests
    from scaleform.plan import Plan
    from scaleform.reviewed import ReviewedCount
    from scaleform.target import Target


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
def validate(ctx: Ctx, path: str, fmt: str) -> int:
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
def render(ctx: Ctx, path: str, projects: tuple[str, ...]) -> int:
    """Print the effective manifests: templates merged, people sets expanded, variables interpolated.

    \b
    Examples:
      scaleform render manifests -e staging
      scaleform render manifests --project street-signs
    """
    from scaleform.manifest.effective import render_effective

    emit(render_effective(manifest_load(ctx, path), projects), nl=False)
    return 0


def _render(
    plan: Plan, fmt: str, color: bool, classification: dict[str, str] | None = None, calls: bool = False
) -> str:
    if fmt == "json":
        from scaleform.render.jsonout import render_json

        return render_json(plan, classification)
    if fmt == "markdown":
        from scaleform.render.markdown import render_markdown

        return render_markdown(plan, classification)
    from scaleform.render.text import render_text

    return render_text(plan, color=color, classification=classification, calls=calls)


def _make_plan(
    ctx: Ctx, path: str, address_prefixes: tuple[str, ...], rehearse: bool = False
) -> tuple[Manifests, Target, Plan]:
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
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ADDR",
    help="Only changes at ADDR or under it, by whole components (project[a] selects project[a].params).",
)
@click.option(
    "--base-manifests", type=click.Path(), help="Mark changes introduced vs drift (a missing DIR: all introduced)."
)
@click.option("--rehearse", is_flag=True, help="Carry the plan out on a throwaway twin of the account first.")
@common_options()
def plan(
    ctx: Ctx,
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
    manifests, target, the_plan = _make_plan(ctx, path, targets, rehearse)
    if fmt != "text":  # the text plan says it itself; JSON and Markdown on stdout are for machines
        for warning in the_plan.warnings:
            say(ctx, f"Warning: {warning}")
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
        from scaleform.render.jsonout import render_json

        Path(out).parent.mkdir(parents=True, exist_ok=True)
        from scaleform.redaction import redact

        Path(out).write_text(redact(render_json(the_plan, classification)))
        say(ctx, f"Saved the plan to {out}. Apply exactly it with: {saved_plan_command(target.api_url, out)}")
    emit(_render(the_plan, fmt, ctx.color, classification), nl=False, escaped=fmt != "markdown")
    if the_plan.rehearsal is not None and not the_plan.rehearsal.clean:
        return 1  # a failed rehearsal fails the check, whatever the format
    return 2 if detailed_exitcode and the_plan.has_changes else 0


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@common_options(*OUTPUT)
def show(ctx: Ctx, file: str, fmt: str) -> int:
    """Show a saved plan, with every API call apply would send.

    \b
    Examples:
      scaleform show plan.json
      scaleform show plan.json --format markdown
    """
    emit(_render(_read_plan(file), fmt, ctx.color, calls=True), nl=False, escaped=fmt != "markdown")
    return 0


def _read_plan(file: str) -> Plan:
    from scaleform.plan_file import read_plan

    return read_plan(file)


@main.command(short_help="Apply the changes (asks first unless --auto-approve or --plan).")
@click.argument("path", default=None, required=False, type=click.Path())
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False), help="Apply a saved plan.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ADDR",
    help="Only changes at ADDR or under it, by whole components (project[a] selects project[a].params).",
)
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
    ctx: Ctx,
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
    from scaleform.apply import apply_plan, apply_saved_plan
    from scaleform.render.report import progress_line
    from scaleform.safety import check_safety

    def show(the_plan: Plan, asking: bool) -> None:
        if not ctx.quiet or asking:  # a report in another format keeps stdout to itself
            emit(_render(the_plan, "text", ctx.color), nl=False, err=fmt != "text", escaped=True)
        if not the_plan.operations:
            emit("Nothing to apply.", err=fmt != "text")

    def progress(result: OpResult) -> None:
        if fmt == "text" and not ctx.quiet:
            emit(progress_line(result))

    counted: ReviewedCount | None = None
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
    if plan_file:
        if path is not None:
            raise ScaleformError(
                f"apply --plan takes no PATH ('{path}'): a saved plan is applied exactly as it was "
                "made. Drop the PATH, or plan again from it"
            )
        the_plan = _read_plan(plan_file)
        report = apply_saved_plan(
            the_plan, saved_plan_target(ctx, the_plan.target), force, progress, checked=lambda: show(the_plan, False)
        )
    else:
        reviewed = [(f, _read_plan(f)) for f in reviewed_files]  # a damaged file fails before any read
        _, target, the_plan = _make_plan(ctx, path or ".", targets, rehearse)
        show(the_plan, not auto_approve)
        if reviewed:
            from scaleform.reviewed import check_reviewed

            counted = check_reviewed(the_plan, reviewed)
        if rehearse:
            from scaleform.rehearsal import require_clean

            require_clean(the_plan)
        if not the_plan.operations:
            return _report(ctx, fmt, None, the_plan, counted)
        check_safety(the_plan, force)
        if not auto_approve:
            _confirm()
        report = replace(apply_plan(the_plan, target, force=force, on_result=progress), reviewed=counted)
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
    ctx: Ctx, fmt: str, report: ApplyReport | None, the_plan: Plan, reviewed: ReviewedCount | None = None
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
    ctx: Ctx, path: str, out_dir: str, projects: tuple[str, ...], force: bool, prefix: str | None, templates: bool
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
        say(ctx, f"note: {note}")
    say(ctx, f"wrote {len(result.files)} file(s) to {out_dir} from {target.api_url}")
    return 0
