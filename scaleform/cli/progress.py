"""One progress line on a terminal, rewritten in place: reads done, and retries as they happen.
Off a terminal (CI) each retry and throttling pause is one line on stderr instead, so a slow run
says why; --quiet prints nothing."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO, overload

from scaleform.cli.options import CommandOptions
from scaleform.names import terminal_safe
from scaleform.redaction import redact

if TYPE_CHECKING:
    from scaleform.api.retry import RetryEvent
    from scaleform.target import Target

_CLEAR = "\x1b[K"  # erase to the end of the line, so a shorter text leaves nothing behind


class ProgressLine:
    def __init__(self, ctx: CommandOptions, what: str = "Reading the live account", stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.on = not ctx.quiet and self.stream.isatty()
        self.lines = not ctx.quiet and not self.on  # off a terminal: retries as plain lines
        self.what = what
        self.counts = ""
        self.note = ""
        self.shown = False

    @overload
    def watching(self, target: Target) -> Target: ...
    @overload
    def watching(self, target: None) -> None: ...
    def watching(self, target: Target | None) -> Target | None:
        """`target`, telling this line of every retry its client schedules."""
        watched = self.on or self.lines
        return replace(target, on_retry=self.retry) if target is not None and watched else target

    def reads(self, done: int, total: int) -> None:
        """A read ended: the count so far (the total grows as reads are planned)."""
        self.counts = f"{done}/{total}"
        if done >= total:
            self.note = ""  # nothing is waiting: an earlier retry has been answered
        self._draw()

    def retry(self, event: RetryEvent) -> None:
        """A RetryEvent from the client: shown until the next read ends."""
        self.note = ("throttled by the API; " if event.throttled else "") + str(event)
        if self.lines:
            self.stream.write(redact(terminal_safe(f"note: {self.note}")) + "\n")
            self.stream.flush()
        self._draw()

    def done(self) -> None:
        if self.on and self.shown:
            self.stream.write(f"\r{_CLEAR}")
            self.stream.flush()
            self.shown = False

    def _draw(self) -> None:
        if not self.on:
            return
        text = f"{self.what}…" + (f" {self.counts}" if self.counts else "") + (f" — {self.note}" if self.note else "")
        self.stream.write(f"\r{redact(terminal_safe(text))}{_CLEAR}")
        self.stream.flush()
        self.shown = True
