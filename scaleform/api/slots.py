"""The client's concurrency limit: a semaphore that serves urgent waiters first.

The account-wide lists are large and parsed as they arrive; an urgent read takes the next free
slot, so its parsing overlaps the remaining reads instead of waiting behind every queued one.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Slots:
    """At most `size` holders. Waiters are served urgent first, then in arrival order."""

    def __init__(self, size: int):
        self._free = size
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, urgent: bool = False) -> None:
        if self._free:  # a free slot means nobody is waiting: release hands slots to waiters first
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._normal).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot arrived as the wait was cancelled: pass it on
            raise

    def release(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():  # skip waits that were cancelled
                    waiter.set_result(None)
                    return
        self._free += 1
