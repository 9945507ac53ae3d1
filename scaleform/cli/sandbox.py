"""`scaleform sandbox ...`: the local Scale-compatible API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from scaleform.cli.commands import main
from scaleform.cli.loading import target_for
from scaleform.cli.options import DEFAULT_SANDBOX_DB, CommandOptions, common_options, complete_path
from scaleform.cli.output import say

_F = TypeVar("_F", bound=Callable[..., Any])

_TARGET = ("environment", "api_url", "provider", "sandbox", "parallelism", "insecure_http")
_OUTPUT = ("verbose", "quiet")


@main.group()
def sandbox() -> None:
    """The local Scale-compatible API: init, serve, accept-invites.

    \b
    Examples:
      scaleform sandbox init --db demo.db
      scaleform sandbox serve --db demo.db --port 8765
    """


def _sandbox_db_option(fn: _F) -> _F:
    return click.option(
        "--db",
        default=DEFAULT_SANDBOX_DB,
        show_default=True,
        shell_complete=complete_path,
        help="SQLite database file.",
    )(fn)


@sandbox.command("init", short_help="Create a sandbox account from a fixture, or as a twin of a live account.")
@_sandbox_db_option
@click.option("--fixture", type=click.Choice(["demo", "empty", "large"]), default="demo", show_default=True)
@click.option("--projects", type=click.IntRange(0), help="large: number of Studio projects (default 200).")
@click.option("--members", type=click.IntRange(0), help="large: number of active members (default 2000).")
@click.option("--batches", type=click.IntRange(0), help="large: number of pending batches (default 300).")
@click.option("--seed", type=int, default=0, show_default=True, help="large: random seed.")
@click.option(
    "--teams", type=click.IntRange(0), help="large: staff each project with one of N teams (default: scattered)."
)
@click.option("--force", is_flag=True, help="Replace an existing database.")
@click.option("--from-account", is_flag=True, help="Copy the live account (-e/--api-url/--sandbox) instead, read-only.")
@click.option(
    "--manifests",
    "manifest_path",
    default=".",
    show_default=True,
    type=click.Path(),
    help="With -e: the manifests that declare the environment.",
)
@common_options(*_TARGET, *_OUTPUT)
def sandbox_init(
    ctx: CommandOptions,
    *,
    db: str,
    fixture: str,
    projects: int | None,
    members: int | None,
    batches: int | None,
    seed: int,
    teams: int | None,
    force: bool,
    from_account: bool,
    manifest_path: str,
) -> int:
    """Create a sandbox account from a fixture, or as a twin of a live account.

    \b
    Examples:
      scaleform sandbox init --db demo.db --fixture demo
      scaleform sandbox init --db twin.db --from-account -e staging --manifests manifests
    """
    from scaleform.sandbox.admin import init_db, init_twin

    if from_account:
        say(ctx, init_twin(db, target_for(ctx, path=manifest_path), force=force))
        return 0
    summary = init_db(
        db, fixture, force=force, projects=projects, members=members, batches=batches, seed=seed, teams=teams
    )
    say(ctx, summary)
    return 0


@sandbox.command("serve", short_help="Serve the sandbox over HTTP (Basic auth with the sandbox key).")
@_sandbox_db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="0 picks a free port; the bound URL is printed on one line.",
)
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Added latency per request.")
@click.option(
    "--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests that fail (with --fault-status)."
)
@click.option(
    "--fault-mode",
    type=click.Choice(["before", "after"]),
    default="before",
    show_default=True,
    help="after: perform the write, then fail the response.",
)
@click.option(
    "--fault-on",
    multiple=True,
    metavar="[METHOD] PATH",
    help="Inject faults only into these requests (raw path, e.g. 'POST /v1/projects'); repeatable.",
)
@click.option(
    "--fault-status",
    type=click.IntRange(400, 599),
    default=503,
    show_default=True,
    help="The status injected faults answer with.",
)
@click.option("--fault-retry-after", metavar="SECONDS", help="A Retry-After header on injected faults (default: none).")
@click.option("--rate-limit", type=click.FloatRange(0), default=0.0, help="Requests per second before 429.")
@click.option("--seed", type=int, default=None, help="Seed for injected faults.")
@click.option(
    "--api-key-env",
    metavar="NAME",
    help="Accept the key in environment variable NAME instead of test_sandbox (never read from "
    "SCALE_API_KEY unless named here; a key is never given on the command line).",
)
@common_options(*_OUTPUT)
def sandbox_serve(
    ctx: CommandOptions,
    db: str,
    host: str,
    port: int,
    latency_ms: float,
    fault_rate: float,
    fault_mode: str,
    rate_limit: float,
    seed: int | None,
    api_key_env: str | None,
    **aim: Any,
) -> int:
    """Serve the sandbox over HTTP (Basic auth with the sandbox key).

    \b
    Examples:
      scaleform sandbox serve --db demo.db --port 8765
      scaleform sandbox serve --db demo.db --port 0 --latency-ms 50 --fault-rate 0.1
    """
    from scaleform.sandbox.admin import serve_db

    serve_db(
        db,
        host,
        port,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        fault_mode=fault_mode,
        rate_limit=rate_limit,
        seed=seed,
        warn=lambda text: say(ctx, text),
        api_key_env=api_key_env,
        **aim,
    )
    return 0


@sandbox.command("accept-invites", short_help="Accept pending invitations (all, or the EMAILS given).")
@_sandbox_db_option
@click.argument("emails", nargs=-1)
@common_options(*_OUTPUT)
def sandbox_accept(ctx: CommandOptions, db: str, emails: tuple[str, ...]) -> int:
    """Accept pending invitations (all, or the EMAILS given), as the invitees would.

    \b
    Examples:
      scaleform sandbox accept-invites --db demo.db
      scaleform sandbox accept-invites --db demo.db kim@acme.ai
    """
    from scaleform.sandbox.admin import accept_invites

    accepted = accept_invites(db, emails)
    say(ctx, f"accepted {len(accepted)} invitation(s){': ' + ', '.join(accepted) if accepted else ''}")
    return 0
