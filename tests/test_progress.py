"""cli.progress: one line on a terminal, rewritten in place, retries shown; nothing elsewhere."""

from __future__ import annotations

import io

from scaleform.api.retry import RetryEvent
from scaleform.cli.options import CommandOptions as Ctx
from scaleform.cli.progress import ProgressLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_line_rewritten_in_place():
    screen = Terminal()
    line = ProgressLine(Ctx(), stream=screen)
    for done in range(1, 51):
        line.reads(done, 54)
    line.retry(RetryEvent("GET", "/teams", 2.1, 3, 8, "HTTP 503", False))
    assert screen.getvalue().count("\n") == 0 and screen.getvalue().count("\r") == 51
    last = screen.getvalue().rsplit("\r", 1)[1]
    assert last.startswith("Reading the live account… 50/54")
    assert "retrying GET /teams in 2.1 s (attempt 3 of 8): HTTP 503" in last
    line.reads(54, 54)
    assert "retrying" not in screen.getvalue().rsplit("\r", 1)[1]  # answered: the counter is the whole story
    line.done()
    assert screen.getvalue().endswith("\r\x1b[K") and "\n" not in screen.getvalue()


def test_throttling_is_named():
    screen = Terminal()
    ProgressLine(Ctx(), stream=screen).retry(RetryEvent("GET", "/projects", 1.0, 2, None, "HTTP 429", True))
    assert "throttled by the API; retrying GET /projects in 1.0 s (attempt 2): HTTP 429" in screen.getvalue()


def test_off_a_terminal_only_retries_are_written_one_line_each_and_quiet_writes_nothing():
    plain = io.StringIO()
    line = ProgressLine(Ctx(), stream=plain)
    line.reads(1, 2)
    line.retry(RetryEvent("GET", "/teams", 1.0, 2, 8, "HTTP 503", False))
    line.retry(RetryEvent("GET", "/projects", 0.5, 2, None, "HTTP 429", True))
    line.reads(2, 2)
    line.done()
    assert plain.getvalue() == (
        "note: retrying GET /teams in 1.0 s (attempt 2 of 8): HTTP 503\n"
        "note: throttled by the API; retrying GET /projects in 0.5 s (attempt 2): HTTP 429\n"
    )
    quiet, quiet_plain = Terminal(), io.StringIO()
    ProgressLine(Ctx(quiet=True), stream=quiet).reads(1, 1)
    ProgressLine(Ctx(quiet=True), stream=quiet_plain).retry(RetryEvent("GET", "/teams", 1.0, 2, 8, "HTTP 503", False))
    assert quiet.getvalue() == "" and quiet_plain.getvalue() == ""


def test_the_line_on_a_terminal_is_redacted_and_escaped():
    import contextvars

    from scaleform.redaction import redacting, register_secret

    key = "sk_live_progress_key_42"

    def within_a_run() -> str:
        screen = Terminal()
        with redacting():
            register_secret(key)
            line = ProgressLine(Ctx(), stream=screen)
            line.reads(1, 2)
            line.retry(RetryEvent("GET", f"/studio/projects/{key}\x1b[2J/groups", 2.0, 2, 8, "HTTP 503", False))
        return screen.getvalue()

    written = contextvars.Context().run(within_a_run)
    assert key not in written and "***" in written and "\x1b[2J" not in written
