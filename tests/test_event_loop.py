"""run_coroutine: asyncio.run's result, without asyncio formatting it."""

from __future__ import annotations

import asyncio

import pytest

from scaleform.event_loop import run_coroutine


class Counted:
    """Counts how often its repr is computed (asyncio swallows errors raised from a repr)."""

    reprs = 0

    def __repr__(self) -> str:
        Counted.reprs += 1
        return "Counted()"


async def make() -> Counted:
    await asyncio.sleep(0)
    return Counted()


def test_returns_the_result_without_formatting_it():
    Counted.reprs = 0
    assert isinstance(run_coroutine(make()), Counted)
    assert Counted.reprs == 0


def test_asyncio_run_alone_formats_it():
    # The reason run_coroutine exists; if a Python release stops doing this, the helper can go.
    Counted.reprs = 0
    assert isinstance(asyncio.run(make()), Counted)
    assert Counted.reprs > 0


def test_exceptions_propagate():
    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_coroutine(fail())
