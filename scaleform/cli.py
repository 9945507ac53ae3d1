"""The command line: parse options, call one function, render. No logic lives here.

Heavy modules (httpx, starlette, deepdiff) are imported inside the commands that need them so
`scaleform --help` and `validate` start fast.
"""
from __future__ import annotations

import functools
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

    def load(self, path: str):
        from scaleform.manifest import load_manifests, parse_var_flags

        return load_manifests(path, environment=self.environment, variables=parse_var_flags(self.vars),
                              var_files=self.var_files, prune=False if self.no_prune else None)

    def target(self, manifests=None):
        from scaleform.target import resolve_target

        return resolve_target(
            environment=manifests.environment if manifests else None, environment_name=self.environment,
            api_url=self.api_url, provider=self.provider, sandbox=self.sandbox,
            parallelism=self.parallelism, insecure_http=self.insecure_http, verbose=self.verbose,
        )

    def err(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)


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
        ctx = Ctx(**{n: kw.pop(n, None) for n in names})
        return guarded(ctx, fn, **kw)

    for option in reversed(_COMMON):
        wrapper = option(wrapper)
    return wrapper


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
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests that fail with 503.")
@click.option("--fault-mode", type=click.Choice(["before", "after"]), default="before", show_default=True,
              help="after: perform the write, then fail the response.")
@click.option("--rate-limit", type=click.FloatRange(0), default=0.0, help="Requests per second before 429.")
@click.option("--seed", type=int, default=None, help="Seed for injected faults.")
@common_options
def sandbox_serve(ctx: Ctx, db: str, host: str, port: int, latency_ms: float, fault_rate: float,
                  fault_mode: str, rate_limit: float, seed: int | None) -> int:
    """Serve the sandbox over HTTP (Basic auth with the sandbox key)."""
    from scaleform.sandbox.admin import serve_db

    serve_db(db, host, port, latency_ms=latency_ms, fault_rate=fault_rate, fault_mode=fault_mode,
             rate_limit=rate_limit, seed=seed, warn=ctx.err)
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
