"""The client's concurrency limit: a semaphore that serves urgent waiters first.

A plan asks for a few account-wide lists (team, assignments, projects, Studio batches) and one
group list per project. The lists are large, and each is parsed as it arrives; that parsing
overlaps the other reads only if the list does not wait behind hundreds of queued group reads.
The manifests that ask for the team list are often parsed last (team.yaml sorts after
projects/), so without ranks the team list was the last read out and its parse the last work
before the diff.
"""
from __future__ import annotations

import asyncio
from collections import deque


class Slots:
    """At most `size` holders. Waiters are served urgent first, then in arrival order."""

    def __init__(self, size: int):
        self._free = size
        self._urgent: deque[asyncio.Future] = deque()
        self._normal: deque[asyncio.Future] = deque()

    async def acquire(self, urgent: bool = False) -> None:
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
