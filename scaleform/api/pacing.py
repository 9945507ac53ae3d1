"""Client-wide pacing: when the API throttles, the whole client slows down, not one request.

A 429 closes a gate for everyone until its wait is over, and sets a request rate: the rate the
API was seen to accept over the last WINDOW, scaled down by DECREASE. Successes raise the rate
again: quickly (GROWTH) while it is below the rate at which the API last refused, slowly
(INCREASE) above it. The client so settles just under the API's limit and spends its time on
requests that are served rather than on refusals (429).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

DECREASE = 0.75  # share of the accepted rate kept after a 429
GROWTH = 0.5  # below the ceiling: the rate grows by this share of itself per second of successes
INCREASE = 2.0  # above it: requests/s gained per second of successes
WINDOW = 1.0  # seconds over which the accepted rate is measured
QUIET = 5.0  # seconds without a 429 before the client stops reporting itself throttled
UNPACED = 1000.0  # requests/s above which pacing is dropped


class Pacer:
    def __init__(self, min_rate: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.min_rate = min_rate
        self.clock = clock
        self.rate: float | None = None  # requests/s; None while the API has not throttled
        self.ceiling = 0.0  # the rate the API accepted when it last refused
        self.gate = 0.0  # no request starts before this instant
        self._next = 0.0  # the next free start slot while paced
        self._served: deque[float] = deque()  # when recent successes arrived
        self._decreased = float("-inf")  # when the rate was last cut
        self._last_429 = float("-inf")

    @property
    def throttled(self) -> bool:
        return self.clock() - self._last_429 < QUIET or self.gate > self.clock()

    def eta(self) -> float:
        """Seconds until the next request could start."""
        start = max(self.gate, self._next if self.rate is not None else 0.0)
        return max(0.0, start - self.clock())

    def reserve(self) -> float:
        """Seconds to wait before this request may start (its start slot is then taken)."""
        now = self.clock()
        start = max(now, self.gate)
        if self.rate is not None:
            start = max(start, self._next)
            self._next = start + 1 / self.rate
        return start - now

    async def wait(self) -> None:
        while True:
            delay = self.reserve()
            if delay <= 0:
                return
            await asyncio.sleep(delay)
            if self.gate <= self.clock():  # a 429 during the wait moves the gate: wait again
                return

    def served(self) -> None:
        now = self.clock()
        self._served.append(now)
        while self._served and self._served[0] < now - WINDOW:
            self._served.popleft()
        if self.rate is not None:
            # About `rate` successes arrive per second: GROWTH each is exponential growth,
            # INCREASE / rate each is linear.
            self.rate += GROWTH if self.rate < self.ceiling or not self.ceiling else INCREASE / self.rate
            if self.rate > UNPACED:
                self.rate = None

    def pause(self, delay: float) -> None:
        """Hold every request for `delay` seconds (a Retry-After on an answer other than 429)."""
        self.gate = max(self.gate, self.clock() + delay)

    def throttle(self, delay: float, sent: float) -> None:
        """A 429 for a request sent at `sent`: close the gate for `delay` seconds and cut the rate once
        per round (a 429 answering a request already in flight at the last cut does not cut it again)."""
        now = self.clock()
        self._last_429 = now
        self.gate = max(self.gate, now + delay)
        if sent < self._decreased:
            return
        accepted = sum(1 for t in self._served if t >= now - WINDOW) / WINDOW
        self.ceiling = accepted
        rate = accepted * DECREASE if self.rate is None else min(self.rate, accepted) * DECREASE
        self.rate = max(self.min_rate, rate)
        self._decreased = now
