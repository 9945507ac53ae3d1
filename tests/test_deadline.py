"""api/deadline: the work is cut at its deadline as TimeoutError, in its own task, and a
cancellation from outside stays a cancellation (on both implementations)."""

from __future__ import annotations

import asyncio

import pytest

from scaleform.api.deadline import _cancelling_after, deadline


@pytest.mark.parametrize("within", [deadline, _cancelling_after])
def test_work_past_its_deadline_ends_in_timeout_error(within):
    async def run() -> None:
        async with within(0.01):
            await asyncio.Event().wait()  # never set

    with pytest.raises(TimeoutError):
        asyncio.run(run())


@pytest.mark.parametrize("within", [deadline, _cancelling_after])
def test_work_within_its_deadline_returns_and_a_failure_is_its_own(within):
    async def run(fail: bool) -> int:
        async with within(60):
            await asyncio.sleep(0)
            if fail:
                raise ValueError("its own")
            return 7

    assert asyncio.run(run(fail=False)) == 7
    with pytest.raises(ValueError, match="its own"):
        asyncio.run(run(fail=True))


@pytest.mark.parametrize("within", [deadline, _cancelling_after])
def test_a_cancellation_from_outside_is_not_a_timeout(within):
    async def worker(started: asyncio.Event) -> None:
        async with within(60):
            started.set()
            await asyncio.Event().wait()

    async def run() -> None:
        started = asyncio.Event()
        task = asyncio.ensure_future(worker(started))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
