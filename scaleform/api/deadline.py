"""`deadline(seconds)`: cancel what runs inside after `seconds`, raising TimeoutError, in the task
itself. `asyncio.wait_for` runs the work in a task of its own, and when that task fails just as
its caller is cancelled (a failed gather, asyncio.run's shutdown), the failure escapes instead of
the cancellation and asyncio prints it as unhandled."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def _cancelling_after(seconds: float) -> AsyncIterator[None]:
    """asyncio.timeout for Python 3.10, which lacks it."""
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    handle = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        yield
    except asyncio.CancelledError:
        if expired:
            raise TimeoutError from None
        raise
    finally:
        handle.cancel()


def deadline(seconds: float) -> contextlib.AbstractAsyncContextManager[object]:
    if sys.version_info >= (3, 11):
        return asyncio.timeout(seconds)
    return _cancelling_after(seconds)
