"""The command line: parse options, call one function, render. No logic lives here.

Heavy modules (httpx, starlette, deepdiff) are imported inside the commands that need them so
`scaleform --help` and `validate` start fast.
"""
from __future__ import annotations

import functools
from pathlib import Path
import gc
import os
import sys
from typing import Any, Callable

import click

from scaleform import __version__
from scaleform.errors import ScaleformError

DEFAULT_SANDBOX_DB = ".scaleform/sandbox.db"


class Ctx:
    """Options shared by every command, gathered by `common_options`."""

    def __init__(self, **kw: Any):
        self.environment: str | None = kw.get("environment")
        self.vars: tuple[str, ...] = kw.get("var") or ()
        self.var_files: tuple[str, ...] = kw.get("var_file") or ()
        self.api_url: str | None = kw.get("api_url")
        self.provider: str | None = kw.get("provider")
        self.sandbox: str | None = kw.get("sandbox")
        self.parallelism: int = kw.get("parallelism") or 8
        self.no_prune: bool = bool(kw.get("no_prune"))
        self.color: bool = not kw.get("no_color") and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        self.verbose: bool = bool(kw.get("verbose"))
        self.quiet: bool = bool(kw.get("quiet"))
        self.insecure_http: bool = bool(kw.get("insecure_http"))

    def manifest_load(self, path: str):
        from scaleform.manifest import ManifestLoad, parse_var_flags

        # Loading allocates a few hundred thousand objects and frees almost none, so the cyclic
        # collector only rescans them: off until _loaded (about 0.08 s of a 300-project plan).
        # `guarded` turns it back on whatever happens.
        gc.disable()
        return ManifestLoad(path, environment=self.environment, variables=parse_var_flags(self.vars),
                            var_files=self.var_files, prune=False if self.no_prune else None)

    def load(self, path: str):
        return _loaded(self.manifest_load(path).complete())

    def target(self, manifests=None):
        from scaleform.target import resolve_target

        return resolve_target(
            environment=manifests.environment if manifests else None, environment_name=self.environment,
            api_url=self.api_url, provider=self.provider, sandbox=self.sandbox,
            parallelism=self.parallelism, insecure_http=self.insecure_http, verbose=self.verbose,
        )

    def early_target(self):
        """The target as known before the manifests load, for reads that overlap the load. None
        when the manifests can change it (-e picks an environment that may set the URL or key),
        when it cannot be resolved (the error then comes after the manifests' own), and for the
        in-process sandbox (no latency to hide; reading early would create its database)."""
        if self.environment or self.sandbox is not None:
            return None
        try:
            return self.target()
        except ScaleformError:
            return None

    def err(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)


def _loaded(manifests):
    # The command owns the process and the manifests live until it exits: keep them out of
    # later full collections (about 50 ms over a 300-project apply).
    gc.freeze()
    gc.enable()
    return manifests


_COMMON = [
    click.option("-e", "--environment", help="Environment declared in the manifests."),
    click.option("--var", multiple=True, metavar="NAME=VALUE", help="Set a ${var.NAME} (repeatable)."),
    click.option("--var-file", multiple=True, type=click.Path(), help="YAML file of variables."),
    click.option("--api-url", help="API base URL (default: $SCALE_API_URL, the environment, or Scale)."),
    click.option("--provider", type=click.Choice(["scale", "refonte"]), help="Which service to talk to."),
    click.option("--sandbox", is_flag=False, flag_value=DEFAULT_SANDBOX_DB, default=None, metavar="[DB]",
                 help=f"Use the local sandbox API (default DB {DEFAULT_SANDBOX_DB}, created with demo data)."),
    click.option("--parallelism", type=click.IntRange(1, 64), default=8, show_default=True,
                 help="Concurrent API calls."),
    click.option("--no-prune", is_flag=True, help="Never remove; list suppressed removals instead."),
    click.option("--insecure-http", is_flag=True, help="Allow plain http:// to a non-loopback host."),
    click.option("--no-color", is_flag=True, help="Plain output."),
    click.option("-v", "--verbose", is_flag=True, help="Log API calls; show tracebacks on errors."),
    click.option("-q", "--quiet", is_flag=True, help="Only errors and requested output."),
    click.version_option(__version__, "--version", prog_name="scaleform"),
]


def common_options(fn: Callable) -> Callable:
    names = ("environment", "var", "var_file", "api_url", "provider", "sandbox", "parallelism",
             "no_prune", "insecure_http", "no_color", "verbose", "quiet")

    @functools.wraps(fn)
    def wrapper(**kw: Any) -> Any:
        options = {n: kw.pop(n, None) for n in names}
        sandbox = options.get("sandbox")
        if sandbox is not None and not _looks_like_db(sandbox) and kw.get("path", None) == ".":
            # `plan --sandbox examples/quickstart`: the optional DB value was really the PATH.
            kw["path"], options["sandbox"] = sandbox, DEFAULT_SANDBOX_DB
        ctx = Ctx(**options)
        return guarded(ctx, fn, **kw)

    for option in reversed(_COMMON):
        wrapper = option(wrapper)
    return wrapper


def _looks_like_db(value: str) -> bool:
    p = Path(value)
    if p.suffix in (".db", ".sqlite", ".sqlite3"):
        return True
    return p.is_file() and p.suffix not in (".yaml", ".yml")


def guarded(ctx: Ctx, fn: Callable, **kw: Any) -> Any:
    """Run a command; every failure becomes a message and exit 1, never a traceback."""
    try:
        code = fn(ctx, **kw)
    except ScaleformError as exc:
        if ctx.verbose:
            import traceback

            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit:
        raise
    except Exception as exc:  # a bug of ours: still a message, the traceback only with -v
        if ctx.verbose:
            import traceback

            traceback.print_exc()
        click.echo(f"Error: unexpected {type(exc).__name__}: {_redacted(str(exc))}. This is a bug in "
                   "scaleform; rerun with -v for details and report it.", err=True)
        sys.exit(1)
    finally:
        gc.enable()  # Ctx.manifest_load turns it off for the load, which may have failed
    sys.exit(code or 0)


def _redacted(text: str) -> str:
    from scaleform.secrets import redact

    return redact(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scaleform")
def main() -> None:
    """Keep a Scale AI account's configuration in git: validate, plan, apply."""


@main.command()
@click.argument("path", default=".", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True)
@common_options
def validate(ctx: Ctx, path: str, fmt: str) -> int:
    """Check manifests offline: schema, references, variables."""
    from scaleform.render.problems import render_problems

    try:
        manifests = ctx.load(path)
    except ScaleformError as exc:
        click.echo(render_problems(exc.problems, fmt), err=fmt == "text", nl=False)
        return 1
    if not ctx.quiet:
        for note in manifests.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(f"{len(manifests.files)} file(s) valid.")
    return 0


@main.group()
def sandbox() -> None:
    """The local Scale-compatible API: init, serve, accept-invites."""


def _sandbox_db_option(fn: Callable) -> Callable:
    return click.option("--db", default=DEFAULT_SANDBOX_DB, show_default=True, help="SQLite database file.")(fn)


@sandbox.command("init")
@_sandbox_db_option
@click.option("--fixture", type=click.Choice(["demo", "empty", "large"]), default="demo", show_default=True)
@click.option("--projects", type=click.IntRange(0), help="large: number of Studio projects (default 200).")
@click.option("--members", type=click.IntRange(0), help="large: number of active members (default 2000).")
@click.option("--batches", type=click.IntRange(0), help="large: number of pending batches (default 300).")
@click.option("--seed", type=int, default=0, show_default=True, help="large: random seed.")
@click.option("--force", is_flag=True, help="Replace an existing database.")
@common_options
def sandbox_init(ctx: Ctx, db: str, fixture: str, projects: int | None, members: int | None,
                 batches: int | None, seed: int, force: bool) -> int:
    """Create a sandbox account from a fixture."""
    from scaleform.sandbox.admin import init_db

    summary = init_db(db, fixture, force=force, projects=projects, members=members, batches=batches, seed=seed)
    ctx.err(summary)
    return 0


@sandbox.command("serve")
@_sandbox_db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="0 picks a free port; the bound URL is printed on one line.")
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Added latency per request.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests that fail (with --fault-status).")
@click.option("--fault-mode", type=click.Choice(["before", "after"]), default="before", show_default=True,
              help="after: perform the write, then fail the response.")
@click.option("--fault-on", multiple=True, metavar="[METHOD] PATH",
              help="Inject faults only into these requests (raw path, e.g. 'POST /v1/projects'); repeatable.")
@click.option("--fault-status", type=click.IntRange(400, 599), default=503, show_default=True,
              help="The status injected faults answer with.")
@click.option("--fault-retry-after", metavar="SECONDS", help="A Retry-After header on injected faults (default: none).")
@click.option("--rate-limit", type=click.FloatRange(0), default=0.0, help="Requests per second before 429.")
@click.option("--seed", type=int, default=None, help="Seed for injected faults.")
@click.option("--api-key", "api_key", default=None, metavar="KEY",
              help="The key the sandbox accepts (default: $SCALE_API_KEY, else test_sandbox). A fake key for "
                   "a local server, never a real one.")
@common_options
def sandbox_serve(ctx: Ctx, db: str, host: str, port: int, latency_ms: float, fault_rate: float,
                  fault_mode: str, rate_limit: float, seed: int | None, api_key: str | None, **aim: Any) -> int:
    """Serve the sandbox over HTTP (Basic auth with the sandbox key)."""
    from scaleform.sandbox.admin import serve_db

    serve_db(db, host, port, latency_ms=latency_ms, fault_rate=fault_rate, fault_mode=fault_mode,
             rate_limit=rate_limit, seed=seed, warn=ctx.err, api_key=api_key, **aim)
    return 0


@sandbox.command("accept-invites")
@_sandbox_db_option
@click.argument("emails", nargs=-1)
@common_options
def sandbox_accept(ctx: Ctx, db: str, emails: tuple[str, ...]) -> int:
    """Accept pending invitations (all, or the EMAILS given), as the invitees would."""
    from scaleform.sandbox.admin import accept_invites

    accepted = accept_invites(db, emails)
    ctx.err(f"accepted {len(accepted)} invitation(s){': ' + ', '.join(accepted) if accepted else ''}")
    return 0


def _render(plan, fmt: str, color: bool, classification=None) -> str:
    if fmt == "json":
        from scaleform.render.jsonout import render_json

        return render_json(plan, classification)
    if fmt == "markdown":
        from scaleform.render.markdown import render_markdown

        return render_markdown(plan, classification)
    from scaleform.render.text import render_text

    return render_text(plan, color=color, classification=classification)


def _progress(ctx: Ctx):
    if ctx.quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        click.echo(f"\rRefreshing live state… {done}/{total}", err=True, nl=done == total)

    return show


def _make_plan(ctx: Ctx, path: str, targets: tuple[str, ...]):
    from scaleform.planning import plan_while_loading

    timings: dict[str, float] = {}
    manifests, target, the_plan = plan_while_loading(ctx.manifest_load(path), ctx.target, ctx.early_target(), targets,
                                                     _progress(ctx), timings, _loaded)
    if targets:
        ctx.err("Warning: targeting is in effect; the plan covers only " + ", ".join(targets))
    if ctx.verbose:
        click.echo("timing: " + ", ".join(f"{k} {v:.3f}s" for k, v in timings.items()), err=True)
    return manifests, target, the_plan


@main.command()
@click.argument("path", default=".", required=False)
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan (JSON) for `apply --plan`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (deferred included).")
@click.option("--target", "targets", multiple=True, metavar="ADDR", help="Only changes whose address starts with ADDR.")
@click.option("--base-manifests", type=click.Path(exists=True), help="Mark changes introduced vs drift.")
@common_options
def plan(ctx: Ctx, path: str, out: str | None, fmt: str, detailed_exitcode: bool, targets: tuple[str, ...],
         base_manifests: str | None) -> int:
    """Read the live account and show what apply would change."""
    manifests, target, the_plan = _make_plan(ctx, path, targets)
    classification = None
    if base_manifests:
        from scaleform.classify import classify

        classification = classify(the_plan, ctx.load(base_manifests), target)
    if out:
        from scaleform.render.jsonout import render_json

        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(render_json(the_plan, classification))
    click.echo(_render(the_plan, fmt, ctx.color, classification), nl=False)
    return 2 if detailed_exitcode and the_plan.has_changes else 0


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@common_options
def show(ctx: Ctx, file: str, fmt: str) -> int:
    """Show a saved plan."""
    click.echo(_render(_read_plan(file), fmt, ctx.color), nl=False)
    return 0


def _read_plan(file: str):
    import json

    from scaleform.plan import Plan

    try:
        data = json.loads(Path(file).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ScaleformError(f"cannot read plan file '{file}': {exc}") from None
    return Plan.from_json(data, f"plan file '{file}'")


@main.command()
@click.argument("path", default=".", required=False)
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False), help="Apply a saved plan.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--target", "targets", multiple=True, metavar="ADDR", help="Only changes whose address starts with ADDR.")
@click.option("--force", is_flag=True, help="Apply even when removals cross the safety threshold.")
@common_options
def apply(ctx: Ctx, path: str, plan_file: str | None, auto_approve: bool, targets: tuple[str, ...], force: bool) -> int:
    """Apply the changes (asks for confirmation unless --auto-approve or --plan)."""
    from scaleform.apply import apply_plan, apply_saved_plan, check_safety
    from scaleform.render.report import progress_line, render_report

    def show(the_plan, asking: bool) -> None:
        if not ctx.quiet or asking:
            click.echo(_render(the_plan, "text", ctx.color), nl=False)
        if not the_plan.operations:
            click.echo("Nothing to apply.")

    progress = lambda r: None if ctx.quiet else click.echo(progress_line(r))  # noqa: E731
    if plan_file:
        the_plan = _read_plan(plan_file)
        report = apply_saved_plan(the_plan, ctx.target(), force, progress, checked=lambda: show(the_plan, False))
        if not the_plan.operations:
            return 0
    else:
        _, target, the_plan = _make_plan(ctx, path, targets)
        show(the_plan, not auto_approve)
        if not the_plan.operations:
            return 0
        check_safety(the_plan, force)
        if not auto_approve:
            if not sys.stdin.isatty():
                raise ScaleformError("refusing to apply without confirmation: stdin is not a terminal. Review the "
                                     "plan and pass --auto-approve (or apply a saved plan with --plan FILE)")
            answer = click.prompt("Apply these changes? Only 'yes' will be accepted", default="", show_default=False)
            if answer.strip() != "yes":
                raise ScaleformError("apply cancelled: the answer was not 'yes'")
        report = apply_plan(the_plan, target, force=force, on_result=progress)
    text = render_report(report)
    click.echo(text, nl=False, err=not report.ok)
    return 0 if report.ok else 1


@main.command()
@click.option("--out", "out_dir", default="manifests", show_default=True, type=click.Path(file_okay=False),
              help="Directory to write the manifests into.")
@click.option("--project", "projects", multiple=True, metavar="NAME", help="Export only these projects (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--prefix-to-var", "prefix", metavar="VALUE",
              help="Write names starting with VALUE as ${var.prefix}… (to reuse the manifests in other environments).")
@common_options
def export(ctx: Ctx, out_dir: str, projects: tuple[str, ...], force: bool, prefix: str | None) -> int:
    """Write the live account as manifests (team, projects, batches)."""
    from scaleform.export import export_account

    target = ctx.target()
    result = export_account(target, out_dir, projects, force=force, prefix=prefix)
    for note in result.notes:
        ctx.err(f"note: {note}")
    ctx.err(f"wrote {len(result.files)} file(s) to {out_dir} from {target.api_url}")
    return 0
