"""The options every command shares: parsed into a `CommandOptions`, the command run guarded."""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

import click

from scaleform.cli.guard import guarded
from scaleform.cli.output import emit

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from scaleform.sandbox.connect import Sandboxes

DEFAULT_SANDBOX_DB = ".scaleform/sandbox.db"

_F = TypeVar("_F", bound=Callable[..., Any])


class _Decorator(Protocol):
    """A click option: it gives a function one more parameter and returns that same function."""

    def __call__(self, fn: _F, /) -> _F: ...


# A command's body: (ctx, **its options) -> the exit code.
CommandFn = Callable[..., int]


@dataclass(frozen=True)
class CommandOptions:
    """The common options of one command, and what it owns while it runs."""

    environment: str | None = None
    vars: tuple[str, ...] = ()
    var_files: tuple[str, ...] = ()
    api_url: str | None = None
    provider: str | None = None
    sandbox: str | None = None
    parallelism: int = 8
    no_prune: bool = False
    color: bool = False
    verbose: bool = False
    quiet: bool = False
    insecure_http: bool = False
    # The sandbox stores the command opens, closed when it ends; `guarded` sets it.
    sandboxes: Sandboxes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_options(cls, **kw: Any) -> CommandOptions:
        return cls(
            environment=kw.get("environment"),
            vars=kw.get("var") or (),
            var_files=kw.get("var_file") or (),
            api_url=kw.get("api_url"),
            provider=kw.get("provider"),
            sandbox=kw.get("sandbox"),
            parallelism=kw.get("parallelism") or 8,
            no_prune=bool(kw.get("no_prune")),
            color=(
                not kw.get("no_color")
                and sys.stdout.isatty()
                and "NO_COLOR" not in os.environ
                and os.environ.get("TERM") != "dumb"
            ),
            verbose=bool(kw.get("verbose")),
            quiet=bool(kw.get("quiet")),
            insecure_http=bool(kw.get("insecure_http")),
        )


class ScaleformGroup(click.Group):
    """Exit codes are a contract (2 means "changes" under --detailed-exitcode): a usage error
    such as a mistyped flag exits 1, never click's 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        # Ignored: always False below, so the exit code is ours.
        standalone_mode: bool = True,  # noqa: FBT001, FBT002  # positional in the click.Command.main it overrides
        **extra: Any,
    ) -> NoReturn:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            emit("Interrupted.", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@contextmanager
def manifests_kept() -> Iterator[None]:
    """The command owns the process and the manifests it loads live until it exits: no cyclic
    collection while they are built (it would only rescan them), then keep them out of later full
    collections. The collector is back on whatever happens."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _print_version(
    ctx: click.Context,
    _param: click.Parameter,
    value: bool,  # noqa: FBT001  # click calls it with (ctx, param, value)
) -> None:
    if value and not ctx.resilient_parsing:
        from scaleform.build_info import version_line

        click.echo(version_line())
        ctx.exit(0)


def version_option() -> _Decorator:
    """--version: the version and the commit it was built from (computed only when asked)."""
    return click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_print_version,
        help="Show the version and the commit it was built from, and exit.",
    )


def complete_path(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a file path, as a click.Path parameter completes (the shell lists the
    files), for options whose type stays a plain string so their help and parsing do not change."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


_COMMON: list[_Decorator] = [
    click.option("-e", "--environment", help="Environment declared in the manifests."),
    click.option("--var", multiple=True, metavar="NAME=VALUE", help="Set a ${var.NAME} (repeatable)."),
    click.option("--var-file", multiple=True, type=click.Path(), help="YAML file of variables."),
    click.option("--api-url", help="API base URL (default: $SCALE_API_URL, the environment, or Scale)."),
    click.option("--provider", type=click.Choice(["scale", "refonte"]), help="Which service to talk to."),
    click.option(
        "--sandbox",
        is_flag=False,
        flag_value=DEFAULT_SANDBOX_DB,
        default=None,
        metavar="[DB]",
        shell_complete=complete_path,
        help=f"Use the local sandbox API (default DB {DEFAULT_SANDBOX_DB}, created with demo data).",
    ),
    click.option(
        "--parallelism", type=click.IntRange(1, 64), default=8, show_default=True, help="Concurrent API calls."
    ),
    click.option("--no-prune", is_flag=True, help="Never remove; list suppressed removals instead."),
    click.option("--insecure-http", is_flag=True, help="Allow plain http:// to a non-loopback host."),
    click.option("--no-color", is_flag=True, help="Plain output."),
    click.option("-v", "--verbose", is_flag=True, help="Log API calls; show tracebacks on errors."),
    click.option("-q", "--quiet", is_flag=True, help="Only errors and requested output."),
    version_option(),
]
_NAMES = (
    "environment",
    "var",
    "var_file",
    "api_url",
    "provider",
    "sandbox",
    "parallelism",
    "no_prune",
    "insecure_http",
    "no_color",
    "verbose",
    "quiet",
)
# Which shared options a command uses, so its --help lists nothing it ignores.
MANIFESTS = ("environment", "var", "var_file")
TARGET = ("api_url", "provider", "sandbox", "parallelism", "insecure_http")
OUTPUT = ("no_color", "verbose", "quiet")
ALL = _NAMES


def _option_name(option: _Decorator) -> str:
    # click keeps the options a function is decorated with in its __click_params__ until the
    # command is made; read through __dict__, since a callable's type does not declare it.
    params: list[click.Parameter] = option(lambda: None).__dict__["__click_params__"]
    name = params[-1].name
    assert name is not None  # click derives every option's name from its flags
    return name


def common_options(*names: str) -> Callable[[CommandFn], Callable[..., NoReturn]]:
    """The shared options named (all of them when none are), parsed into a `CommandOptions`; the command runs
    guarded (every failure a message and exit 1)."""
    wanted = set(names or ALL)
    chosen = [o for o in _COMMON if _option_name(o) in wanted or _option_name(o) == "version"]

    def decorate(fn: CommandFn) -> Callable[..., NoReturn]:
        @functools.wraps(fn)
        def wrapper(**kw: Any) -> NoReturn:
            options = {n: kw.pop(n, None) for n in _NAMES if n in wanted}
            options.setdefault("no_color", None)
            sandbox = options.get("sandbox")
            if sandbox is not None and not _looks_like_db(sandbox) and "path" in kw:
                if kw["path"] not in (None, "."):
                    raise click.UsageError(
                        f"--sandbox {sandbox}: '{sandbox}' does not look like a database (a file "
                        "ending in .db, .sqlite or .sqlite3, or an existing file), and PATH is "
                        f"given too. Name the database DB.db, or put PATH first: "
                        f"`{kw['path']} --sandbox {sandbox}.db`"
                    )
                # `plan --sandbox examples/quickstart`: the optional DB value was really the PATH.
                kw["path"], options["sandbox"] = sandbox, DEFAULT_SANDBOX_DB
            ctx = CommandOptions.from_options(**options)
            guarded(ctx, fn, **kw)

        for option in reversed(chosen):
            wrapper = option(wrapper)
        return wrapper

    return decorate


# --target, for plan and apply alike.
target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ADDR",
    help="Only changes at ADDR or under it, by whole components (project[a] selects project[a].params).",
)


def _looks_like_db(value: str) -> bool:
    p = Path(value)
    if p.suffix in (".db", ".sqlite", ".sqlite3"):
        return True
    return p.is_file() and p.suffix not in (".yaml", ".yml")
