"""The guard every command runs in: a failure becomes a message and an exit code, never a
traceback; the run owns its redactor and its sandboxes, and SIGTERM ends it as Ctrl-C does."""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NoReturn

import click

from scaleform.cli.output import emit
from scaleform.errors import ScaleformError

if TYPE_CHECKING:
    from scaleform.cli.options import CommandFn, CommandOptions


class Terminated(BaseException):
    """SIGTERM outside apply's writes (which handle it themselves): end as Ctrl-C does."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def guarded(ctx: CommandOptions, fn: CommandFn, **kw: Any) -> NoReturn:
    """Run a command; every failure becomes a message and exit 1, never a traceback. The keys it
    registers are redacted from everything it prints, its error included, and forgotten after."""
    from scaleform.redaction import redacting

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    with redacting():
        try:
            code = _owning_sandboxes(fn, ctx, **kw)
        except ScaleformError as exc:
            _traceback_if(ctx)
            emit(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            emit("Interrupted.", err=True)
            sys.exit(130)
        except Terminated:
            emit("Terminated.", err=True)
            sys.exit(143)
        except click.exceptions.Exit:
            raise
        except click.exceptions.Abort:  # Ctrl-D at a prompt: the person said no
            emit("Aborted.", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug of ours: still a message, the traceback only with -v
            _traceback_if(ctx)
            emit(
                f"Error: unexpected {type(exc).__name__}: {exc}. This is a bug in "
                "scaleform; rerun with -v for details and report it.",
                err=True,
            )
            sys.exit(1)
        sys.exit(code or 0)


def _owning_sandboxes(fn: CommandFn, ctx: CommandOptions, **kw: Any) -> int:
    """`fn` run with a `Sandboxes` of its own: the stores it opens are closed when it ends,
    before any error is shown."""
    from scaleform.sandbox.connect import Sandboxes

    with Sandboxes() as sandboxes:
        return fn(replace(ctx, sandboxes=sandboxes), **kw)


def _traceback_if(ctx: CommandOptions) -> None:
    if ctx.verbose:
        import traceback

        emit(traceback.format_exc(), err=True, nl=False)
